"""Reports of a run: ``report.html`` (self-contained, charts as inline SVG, ``--lang zh|en``) and
``inventory.xlsx``. Built from a run's frames and manifest, in memory at the end of ``compile``
or from a finished run folder (``ghginv report RUN_DIR``)."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import InputFileError
from ..core.hashcache import file_sha256
from ..runfolder import update_run
from .data import ReportData
from .html import render_html
from .xlsx import write_xlsx

__all__ = ["ReportData", "render_html", "write_xlsx", "write_reports", "rebuild_reports", "REPORT_FILES"]

REPORT_FILES = ("report.html", "inventory.xlsx")


def write_reports(data: ReportData, folder: Path, lang: str = "en") -> dict[str, str]:
    """Write ``report.html`` and ``inventory.xlsx`` into a folder.

    Parameters
    ----------
    data : ReportData
        The run's frames and manifest.
    folder : pathlib.Path
        The run folder.
    lang : {"en", "zh"}, default "en"
        Language of ``report.html`` and of the provincial tables of ``inventory.xlsx``.

    Returns
    -------
    dict of str to str
        File name -> ``"sha256:<hex>"`` of the written file.
    """
    write_xlsx(data, folder / "inventory.xlsx", lang)  # first: a table split across sheets is noted in report.html (data.sheet_splits)
    (folder / "report.html").write_text(render_html(data, lang), encoding="utf-8")
    return {n: "sha256:" + file_sha256(folder / n) for n in REPORT_FILES}


def rebuild_reports(run: str | Path, lang: str | None = None) -> Path:
    """Rebuild ``report.html`` and ``inventory.xlsx`` of a finished run folder, in place.

    Each file is replaced atomically and its sha256 recorded in ``manifest.json``; the run's
    numbers are read from its files, not computed again — under the output lock ``compile`` takes
    (:func:`ghginv.runfolder.update_run`), so a ``compile`` replacing the folder at the same time
    runs wholly before or wholly after the report.

    Parameters
    ----------
    run : str or os.PathLike
        A run folder written by ``ghginv compile``.
    lang : {"zh", "en"}, optional
        Language of ``report.html``; default the run's (``[report] lang``), else English.

    Returns
    -------
    pathlib.Path
        The run folder. ``report.html`` and ``inventory.xlsx`` are replaced and their sha256
        recorded in ``manifest.json``, all or nothing (:func:`ghginv.runfolder.update_run`).

    Raises
    ------
    InputFileError
        ``run`` is not a run folder, or its files vanished while they were read.
    ConfigError
        Another run holds the folder's lock past ``$GHGINV_LOCK_TIMEOUT``, or the files cannot be
        written (e.g. the disk is full); the run is unchanged.

    Examples
    --------
    >>> ghginv.rebuild_reports("out/demo", lang="zh")   # doctest: +SKIP
    PosixPath('out/demo')
    """
    run = Path(run)
    got: list = []
    changes: dict = {}  # filled by the xlsx writer, read by update_run after every writer ran

    def data() -> tuple[ReportData, str]:
        """The run's frames, read once under the output lock ``update_run`` holds while it calls the writers:
        a ``compile`` replacing the same folder runs wholly before or wholly after this report."""
        if not got:
            try:
                d = ReportData.from_run_dir(run)
            except FileNotFoundError as e:  # not InputFileError: a file went away while it was read
                if isinstance(e, InputFileError):
                    raise
                raise InputFileError(f"{run}: {Path(e.filename or '').name or 'a file'} vanished while the report read "
                                     "the run (was the folder removed or replaced by hand?); run ghginv report again") from None
            got.append((d, lang or d.lang))
        return got[0]

    def xlsx(p: Path) -> None:
        d, lg = data()
        splits = write_xlsx(d, p, lg)
        if splits or "xlsx_sheets_split" in d.manifest:
            changes["xlsx_sheets_split"] = splits

    # the workbook first: a table split across sheets is noted in report.html (data.sheet_splits) and the manifest
    update_run(run, {"inventory.xlsx": xlsx, "report.html": lambda p: p.write_text(render_html(*data()), encoding="utf-8")},
               changes)
    return run
