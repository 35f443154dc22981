"""Reports of a run: ``report.html`` (self-contained, charts as inline SVG, ``--lang zh|en``) and
``inventory.xlsx``. Built from a run's frames and manifest, in memory at the end of ``compile``
or from a finished run folder (``ghginv report RUN_DIR``)."""

from __future__ import annotations

from pathlib import Path

from ..core._threads import background
from ..core.config import workbook_detail as checked_detail
from ..core.errors import InputFileError
from ..core.hashcache import file_sha256
from ..runfolder import update_run
from ._detail import WORKBOOK_DETAIL_ROWS, summed_record
from .data import ReportData
from .html import chart_svgs, render_html
from .xlsx import build_xlsx, write_xlsx

__all__ = ["ReportData", "render_html", "write_xlsx", "write_reports", "rebuild_reports", "report_charts", "REPORT_FILES",
           "workbook_detail_entry", "WORKBOOK_DETAIL_ROWS"]

REPORT_FILES = ("report.html", "inventory.xlsx")


def workbook_detail_entry(data: ReportData) -> dict:
    """The ``report.workbook_detail`` entry of ``manifest.json`` after the workbook was written.

    Parameters
    ----------
    data : ReportData
        The run's frames, after :func:`write_xlsx` (which lists the tables it summed over regions).

    Returns
    -------
    dict
        ``setting`` (``auto``, ``full`` or ``summed``), ``limit_rows`` and ``summed``: one record per
        table summed over regions (sheet, rows by region, rows on the sheet, files holding every row).
    """
    return summed_record(data.workbook_summed, data.workbook_detail, WORKBOOK_DETAIL_ROWS)


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
    # the workbook's sheets first: a table split across sheets is noted in report.html (data.sheet_splits); the
    # workbook is then put together, compressed and written (much of it without the GIL) in a thread of its own
    # while the page is rendered
    closing = background(build_xlsx(data, folder / "inventory.xlsx", lang).close, name="ghginv-workbook")
    try:
        page = render_html(data, lang)
    except BaseException:
        closing(wait_only=True)  # never leave the workbook half written; the page's error is the one raised
        raise
    closing()  # the workbook's error, if any
    (folder / "report.html").write_text(page, encoding="utf-8")
    return {n: "sha256:" + file_sha256(folder / n) for n in REPORT_FILES}


def rebuild_reports(run: str | Path, lang: str | None = None, workbook_detail: str | None = None) -> Path:
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
    workbook_detail : {"auto", "full", "summed"}, optional
        The per-region tables of ``inventory.xlsx`` in full or summed over regions
        (:mod:`ghginv.report._detail`); default the run's (``[report] workbook_detail``), else ``auto``.
        Recorded with what was summed in ``manifest.json`` (``report.workbook_detail``).

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
        ``workbook_detail`` is not ``auto``, ``full`` or ``summed``; another run holds the folder's lock past ``$GHGINV_LOCK_TIMEOUT``, or the files cannot be
        written (e.g. the disk is full); the run is unchanged.

    Examples
    --------
    >>> ghginv.rebuild_reports("out/demo", lang="zh")   # doctest: +SKIP
    PosixPath('out/demo')
    """
    run = Path(run)
    if workbook_detail is not None:
        workbook_detail = checked_detail(workbook_detail)
    got: list = []
    changes: dict = {}  # filled by the xlsx writer, read by update_run after every writer ran

    def data() -> tuple[ReportData, str]:
        """The run's frames, read once under the output lock ``update_run`` holds while it calls the writers:
        a ``compile`` replacing the same folder runs wholly before or wholly after this report."""
        if not got:
            d = _read_run(run)
            if workbook_detail is not None:  # the setting asked for, recorded below with what was summed
                d.manifest["report"] = {**(d.manifest.get("report") or {}), "workbook_detail": workbook_detail}
            got.append((d, lang or d.lang))
        return got[0]

    def xlsx(p: Path) -> None:
        d, lg = data()
        splits = write_xlsx(d, p, lg)
        if splits or "xlsx_sheets_split" in d.manifest:
            changes["xlsx_sheets_split"] = splits
        changes["report"] = {**(d.manifest.get("report") or {}), "workbook_detail": workbook_detail_entry(d)}

    # the workbook first: a table split across sheets is noted in report.html (data.sheet_splits) and the manifest
    update_run(run, {"inventory.xlsx": xlsx, "report.html": lambda p: p.write_text(render_html(*data()), encoding="utf-8")},
               changes)
    return run


def report_charts(run: str | Path, lang: str | None = None) -> list[str]:
    """The charts of a finished run's ``report.html``, in the language asked; nothing is written.

    Built from the run's files as :func:`rebuild_reports` builds the page's charts (the same
    :class:`ReportData` and chart code, :func:`ghginv.report.html.chart_svgs`), so each string equals
    the ``<svg class="chart">`` element a ``report.html`` of that language holds — whatever the
    language the run was compiled in. Used by ``ghginv serve`` to show a run's charts on its page.

    Parameters
    ----------
    run : str or os.PathLike
        A run folder written by ``ghginv compile``.
    lang : {"zh", "en"}, optional
        Language of the charts' titles, units, legends and number format; default the run's
        (``[report] lang``), else English.

    Returns
    -------
    list of str
        One standalone SVG document per chart (``xmlns`` set, no script, no external reference),
        in the page's order: emissions by sector, the intensity and non-fossil-share charts when the
        run has an economy table, the change between the base and last year, sinks.

    Raises
    ------
    InputFileError
        ``run`` is not a run folder, or its files vanished while they were read.

    Examples
    --------
    >>> svgs = ghginv.report_charts("out/demo", lang="zh")   # doctest: +SKIP
    >>> svgs[0][:24]   # doctest: +SKIP
    '<svg class="chart" data-'
    """
    d = _read_run(Path(run))
    return chart_svgs(d, lang or d.lang)


def _read_run(run: Path) -> ReportData:
    """The frames of a finished run folder for its reports; a file gone while it was read is an :class:`InputFileError`."""
    try:
        return ReportData.from_run_dir(run)
    except FileNotFoundError as e:  # not InputFileError: a file went away while it was read
        if isinstance(e, InputFileError):
            raise
        raise InputFileError(f"{run}: {Path(e.filename or '').name or 'a file'} vanished while the report read "
                             "the run (was the folder removed or replaced by hand?); run ghginv report again") from None
