"""Write a finished run: its files, its reports and its manifest, into one folder, atomically.

The write side of the pipeline. :meth:`ghginv.pipeline.inventory.InventoryResult.write` calls
:func:`write_run`, which lays out a run folder:

* the frames of the run as Parquet (``cube``, ``emissions``, ``inventory``, ``factors_used``, the
  uncertainty tables, key categories, reference approach, gap filling, recalculation, the sink
  check, ``indicators``/``targets``/``peak``) and CSV (``inventory.csv``, ``notation_keys.csv``),
  two at a time (:func:`ghginv.runfolder.write_files`), and the kept positions
  (``recompute_index.bin``, :mod:`ghginv.pipeline.positions`);
* ``report.html`` and ``inventory.xlsx`` (:mod:`ghginv.report`) of every run, written in a thread of
  their own while the files above are written (the reports read only the frames), with the sections its
  data allow (indicators, targets and intensities need ``[economy]`` or ``[[targets]]``); a table
  of the workbook longer than one Excel sheet is split across sheets and listed in the manifest
  (``xlsx_sheets_split``);
* a snapshot of the factor sets used (``factor_sets/<set>/``);
* ``manifest.json`` last, with the sha256 of every file (:func:`ghginv.runfolder.write_manifest`).

All of it goes into a temporary folder that replaces ``out`` at the end
(:func:`ghginv.runfolder.atomic_output_dir`): a failed write leaves the previous results.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import polars as pl

from ..core._threads import background, shutdown_pools
from ..runfolder import (
    atomic_output_dir,
    check_output_run,
    copy_unchanged,
    snapshot_factor_sets,
    write_csv,
    write_files,
    write_manifest,
    write_parquet,
)
from .positions import PLAN_FILE, save_plan

__all__ = ["write_run", "run_files"]  # the rest: the write stage's own (FactorsUsedAhead, factors_used_ahead, parquet_bytes and
# cli_process serve the command-line recompute), not API


def _tables(result, out: str | os.PathLike) -> tuple[dict[str, pl.DataFrame], bool]:
    """The tables the stages computed (``result.tables``: key categories, reference approach, gap
    filling, a recompute's recalculation), written as ``<name>.parquet`` and shown by the report;
    and whether the recalculation goes with them — not when ``out`` replaces the run it was
    recomputed from (the old run no longer exists to compare with)."""
    frames = dict(result.tables)
    same = bool(result.recomputed_from) and Path(result.recomputed_from).resolve() == Path(out).resolve()
    if same:
        frames = {k: v for k, v in frames.items() if not k.startswith("recalculation")}
    return frames, result.recalculation is not None and not same


def run_files(result, frames: dict[str, pl.DataFrame]) -> dict:
    """The files of a run folder (except the reports, the factor-set snapshot and the manifest):
    file name -> ``write(path)``, in the order the manifest lists them.

    Parameters
    ----------
    result : ghginv.pipeline.inventory.InventoryResult
        The finished run.
    frames : dict of str to polars.DataFrame
        Further tables written as ``<name>.parquet`` (the stages' ``result.tables``).

    Returns
    -------
    dict of str to callable
        File name -> a writer of that file.
    """
    files = {
        "cube.parquet": lambda p: write_parquet(result.cube.cells, p),
        "emissions.parquet": lambda p: write_parquet(result.emissions, p),
        "inventory.parquet": lambda p: write_parquet(result.inventory, p),
        "factors_used.parquet": lambda p: write_parquet(result.factors_used, p),
    }
    ahead = getattr(result, "_factors_used_ahead", None)
    if ahead is not None:  # encoded before the table was cut (factors_used_ahead): its bytes
        files["factors_used.parquet"] = lambda p: p.write_bytes(ahead.parquet)
    if result.uncertainty is not None:
        files.update({n: (lambda p, df=df: write_parquet(df, p)) for n, df in result.uncertainty.frames().items()})
    files["inventory.csv"] = lambda p: write_csv(result.inventory, p)
    for name, df in frames.items():  # key_categories, reference_approach, gap_filling, recalculation …
        files[f"{name}.parquet"] = lambda p, df=df: write_parquet(df, p)
    if result.sinks is not None and result.sinks.check.height:
        files["sinks_check.parquet"] = lambda p: write_parquet(result.sinks.check, p)
    if result.cube.notation.height:
        files["notation_keys.csv"] = lambda p: write_csv(result.cube.notation, p)
    if result.plan is not None:
        files[PLAN_FILE] = lambda p: save_plan(result.plan, p)
    if result.analysis is not None:  # indicators, targets, peak
        files.update({n: (lambda p, df=df: write_parquet(df, p)) for n, df in result.analysis.files().items()})
    for name, same in result.same_files.items():  # a recompute's unchanged files: their bytes copied, not encoded again
        if name in files:
            files[name] = copy_unchanged(same, files[name])
    return files


def _write_reports(result, folder: Path, frames: dict[str, pl.DataFrame], manifest: dict,
                   sources=None) -> tuple[dict[str, str], list[dict], dict]:
    """``report.html`` and ``inventory.xlsx`` of a run, built in memory from its frames and its
    manifest (``manifest``: :func:`_manifest_body`, without ``outputs``: the reports do not show
    them); returns their sha256 by name and
    the tables of the workbook split across sheets (:mod:`ghginv.report._sheets`) and the manifest's
    ``report.workbook_detail`` entry (the tables summed over regions, :mod:`ghginv.report._detail`). Without an
    analysis (no ``[economy]``, no ``[[targets]]``) the indicator, target and peak sections are
    left out. ``sources``: a callable giving the factor sources of ``result.factors_used``, computed in another
    thread (:func:`write_run` with ``release``, or from the distinct rows the command-line recompute took ahead:
    :func:`ghginv.report.data.factor_sources_of`), the only part of that table the reports then read
    (``ReportData.factor_sources_job``; ``factors_used`` handed over empty)."""
    from ..report import ReportData, workbook_detail_entry, write_reports

    a = result.analysis
    t0 = time.perf_counter()
    if "recalculation" not in frames:  # the recalculation entry goes with its tables
        manifest = {k: v for k, v in manifest.items() if k != "recalculation"}
    used = result.factors_used if sources is None else result.factors_used.clear()  # with sources: their columns only
    data = ReportData(manifest, result.emissions, result.inventory, used,
                      *((a.indicators, a.targets, a.peak) if a is not None else ()), **frames,
                      inventory_key_codes=result.key_codes, factor_sources_job=sources)
    out = write_reports(data, folder, data.lang)
    result.timings["report"] = time.perf_counter() - t0
    return out, data.sheet_splits, workbook_detail_entry(data)


def _manifest_body(result) -> tuple[dict, dict]:
    """The run's manifest computed once (:meth:`~ghginv.pipeline.inventory.InventoryResult.manifest`:
    the completeness, net totals and warnings over every inventory row, ~0.2 s CPU at 1.6 M rows),
    for the reports and for ``manifest.json``: (a copy for the reports, which may add to it; the
    manifest itself, with the recalculation entry when the run has one)."""
    import copy

    manifest = result.manifest({}, recalculation=True)
    return copy.deepcopy(manifest), manifest


def _final_manifest(result, manifest: dict, outputs: dict[str, str], recalculation: bool) -> dict:
    """``manifest.json`` from :func:`_manifest_body`'s manifest: the same entries as
    ``result.manifest(outputs, recalculation=recalculation)`` in the same order, with the creation
    time and the stage seconds of now (the report and write stages included) and ``outputs``."""
    from datetime import UTC, datetime

    fresh = {"created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),  # as InventoryResult.manifest writes them
             "stage_seconds": {k: round(v, 4) for k, v in result.timings.items()}, "outputs": outputs}
    return {k: fresh.get(k, v) for k, v in manifest.items() if recalculation or k != "recalculation"}


def _summary_factor_rows(factors_used: pl.DataFrame) -> pl.DataFrame:
    """The rows of ``factors_used`` that the run's summary and warnings read after the write
    (:meth:`~ghginv.pipeline.inventory.InventoryResult.warnings`, ``fallback_years``, the CLI's list of sets with
    status ``X``): those with a factor of another year or with status ``X``, in table order.

    Parameters
    ----------
    factors_used : polars.DataFrame
        The run's ``factors_used``.

    Returns
    -------
    polars.DataFrame
        Its rows whose ``factor_year`` differs from ``year`` or whose ``status`` is ``X`` (the columns a table
        lacks are not tested), every column kept.
    """
    keep = []
    if "factor_year" in factors_used.columns and "year" in factors_used.columns:
        keep.append(pl.col("factor_year") != pl.col("year"))
    if "status" in factors_used.columns:
        keep.append(pl.col("status") == "X")
    if not keep:
        return factors_used.clear()
    return factors_used.filter(pl.any_horizontal(keep).fill_null(False))


def _factor_rows(factors_used: pl.DataFrame) -> pl.DataFrame:
    """:func:`ghginv.report.data.factor_rows` (imported in the calling thread: a thread of its own)."""
    from ..report.data import factor_rows

    return factor_rows(factors_used)


def _factor_sources(rows, body) -> pl.DataFrame:
    """The reports' factor sources (:func:`ghginv.report.data.factor_sources_of`) from the distinct rows of
    ``result.factors_used`` (``rows()``: :func:`ghginv.report.data.factor_rows` of the table — the join of a thread of
    its own started with the write, ~0.2 s CPU at 1.65 M rows, or the rows the command-line recompute took ahead) and
    the manifest body (``body``: its join; the standard-coal rows of its indicators entry): the only part of the table
    the reports read when the write releases it (:func:`write_run`)."""
    from ..report.data import factor_sources_of

    return factor_sources_of(None, body()[0], rows=rows())


@dataclass(frozen=True)
class FactorsUsedAhead:
    """What the write stage takes from a run's whole ``factors_used``, taken before the write
    (:func:`factors_used_ahead`): the table may then be cut to the rows the run's summary and warnings read.

    Attributes
    ----------
    parquet : bytes
        ``factors_used.parquet`` as :func:`ghginv.runfolder.write_parquet` writes it (the same bytes).
    rows : int
        The table's rows (``manifest.json`` ``rows.factors_used``).
    factor_rows : polars.DataFrame
        The distinct rows of the reports' factor sources (:func:`ghginv.report.data.factor_rows`).
    """

    parquet: bytes
    rows: int
    factor_rows: pl.DataFrame


def parquet_bytes(df: pl.DataFrame) -> bytes:
    """``df`` as :func:`ghginv.runfolder.write_parquet` writes it (the same bytes), in memory.

    Parameters
    ----------
    df : polars.DataFrame
        The table.

    Returns
    -------
    bytes
        The Parquet file's bytes.
    """
    import io

    buf = io.BytesIO()
    write_parquet(df, buf)
    return buf.getvalue()


def factors_used_ahead(result, parquet: bytes | None = None) -> None:
    """Take the write stage's part of ``result.factors_used`` now (:class:`FactorsUsedAhead`, on
    ``result._factors_used_ahead``) and cut the table to the rows the run's summary and warnings read
    (:func:`_summary_factor_rows`), as :func:`write_run` with ``release`` does once they are read.

    For the command-line recompute (:func:`ghginv.rerun.recompute.recompute` in :data:`ghginv._CLI_PROCESS`), once the
    recalculation's changed factor rows are read: the table's memory (~330 MiB at 1.65 M rows) is not held through the
    recalculation's roll-up and the write. The files, the manifest and the reports are the same as from the whole table.

    Parameters
    ----------
    result : ghginv.pipeline.inventory.InventoryResult
        The finished run; its ``factors_used`` is replaced.
    parquet : bytes, optional
        :func:`parquet_bytes` of the table when encoded already (elsewhere, in a thread of its own).
    """
    from ..report.data import factor_rows

    used = result.factors_used
    result._factors_used_ahead = FactorsUsedAhead(parquet_bytes(used) if parquet is None else parquet, used.height, factor_rows(used))
    result.factors_used = _summary_factor_rows(used)


class _FactorsRelease:
    """``result.factors_used`` cut to :func:`_summary_factor_rows` once its three readers of the write stage are done:
    ``factors_used.parquet``, the manifest body (fallback years, warnings, row count) and the distinct rows of the
    reports' factor sources (:func:`ghginv.report.data.factor_rows`), all three started with the write. The table's
    memory (~330 MiB at 1.2 M cube cells) is then given back before the reports build up theirs.

    Parameters
    ----------
    result : ghginv.pipeline.inventory.InventoryResult
        The run being written.
    """

    def __init__(self, result):
        self.result, self.left, self.lock = result, 3, threading.Lock()

    def done(self) -> None:
        """One reader is done; the last one cuts the table."""
        with self.lock:
            self.left -= 1
            if self.left == 0:
                self.result.factors_used = _summary_factor_rows(self.result.factors_used)

    def after(self, fn):
        """``fn`` that counts as one reader once it returns; when it fails the table is never cut (the write fails)."""
        def run(*args):
            try:
                out = fn(*args)
            except BaseException:
                with self.lock:
                    self.left = -1  # never 0: a failed write leaves the result as it was
                raise
            self.done()
            return out

        return run


def cli_process() -> bool:
    """Whether this is the command-line process (:data:`ghginv._CLI_PROCESS`, read without importing the package from
    below it): its result is dropped once written and summed up, so its tables may be cut while they are written.

    Returns
    -------
    bool
        True in the process that ``ghginv`` (the console script, ``python -m ghginv``) runs; False for a library caller.
    """
    import sys

    return bool(getattr(sys.modules.get("ghginv"), "_CLI_PROCESS", False))


def write_run(result, out: str | os.PathLike, *, release: bool | None = None) -> Path:
    """Write a finished run into the folder ``out``, all or nothing.

    Parameters
    ----------
    result : ghginv.pipeline.inventory.InventoryResult
        The finished run.
    out : str or os.PathLike
        The run folder; an existing one is replaced only when it holds a previous ghginv run.
    release : bool, optional
        Give back the memory of ``result.factors_used`` during the write: once ``factors_used.parquet``, the
        manifest and the reports' factor sources have read the table, ``result.factors_used`` keeps
        only the rows the run's summary and warnings read (:func:`_summary_factor_rows`: status ``X``, or a factor of
        another year). The files are the same. Default: only in the command-line process (:data:`ghginv._CLI_PROCESS`:
        ``ghginv compile``/``recompute``, whose result is dropped after its summary is printed; ~330 MiB less at the
        reports' peak of a recompute at 1.2 M cube cells); a library caller's result keeps every row.

    Returns
    -------
    pathlib.Path
        The absolute path of the run folder.

    Raises
    ------
    ConfigError
        ``out`` is, holds or lies inside an input of the run (the activity folder, a factor set,
        the TOML …) or lies inside another run folder (:func:`ghginv.runfolder.check_output_run`);
        a recompute may replace the run it started from.
    """
    # never over an input, into an input folder or into another run (a recompute may replace its own run)
    src = [("run", result.recomputed_from)] if result.recomputed_from else []
    check_output_run(out, [*result.config.input_paths(), *src], own=result.recomputed_from)
    t0 = time.perf_counter()
    if release is None:
        release = cli_process()

    def _write(tmp: Path):
        frames, recalculation = _tables(result, out)
        files = run_files(result, frames)
        # the table's memory given back once its file, the manifest body and the reports' factor sources have read it
        # (_FactorsRelease); in the usual order its file is third: written about when the other two are done
        ahead = getattr(result, "_factors_used_ahead", None)  # taken before the write: the table is cut already
        gate = _FactorsRelease(result) if release and ahead is None and "factors_used.parquet" in files else None
        # the manifest once, for the reports and manifest.json, in a thread of its own (mostly polars) while
        # the reports' thread imports ghginv.report (Python): the reports start when both are done
        body = background(_manifest_body if gate is None else gate.after(_manifest_body), result, name="ghginv-manifest")
        sources = rows = None
        if gate is not None:
            files["factors_used.parquet"] = gate.after(files["factors_used.parquet"])
            rows = background(gate.after(_factor_rows), result.factors_used, name="ghginv-factor-sources")
            sources = partial(_factor_sources, rows, body)
        elif ahead is not None:
            sources = partial(_factor_sources, lambda: ahead.factor_rows, body)

        def build_reports():
            from ..report import write_reports  # noqa: F401  (the import, ~0.1 s, overlaps the manifest)

            return _write_reports(result, tmp, frames, body()[0], sources=sources)

        # the reports (every run, issue 19 item 1) in a thread of their own while the files are
        # written two at a time: the Parquet and CSV writers release the GIL, the reports are
        # mostly Python; the reports read the frames only (not the files or their hashes)
        reports = background(build_reports, name="ghginv-reports")
        try:
            hashes = write_files(tmp, files)
            snapshot = snapshot_factor_sets(result.sets, tmp / "factor_sets")  # while the reports are still built
        except BaseException:  # a failed write, a full disk, Ctrl-C: the temporary folder is removed next …
            reports(wait_only=True)  # … so never leave the reports' thread writing into it
            for job in (body, *([rows] if rows is not None else [])):  # nor any other of the write's threads behind
                job(wait_only=True)
            raise
        report_hashes, splits, detail = reports()
        if rows is not None:  # no thread left behind (the reports have taken its table)
            rows(wait_only=True)
        hashes.update(report_hashes)
        hashes.update(snapshot)
        result.timings["write"] = time.perf_counter() - t0
        manifest = _final_manifest(result, body()[1], hashes, recalculation)
        manifest["report"]["workbook_detail"] = detail  # the setting and what was summed over regions
        if splits:  # a table of inventory.xlsx longer than one Excel sheet, continued on further sheets
            manifest["xlsx_sheets_split"] = splits
        write_manifest(tmp, manifest)

    folder = atomic_output_dir(out, _write)
    if cli_process():  # the command line's process: nothing computes after the write. The idle threads of the kernels'
        # pool (ghginv.pipeline.sums: every compile above 65,536 cube cells, every recompute on kept positions) end now,
        # so that the process can end the quick way (ghginv.cli._end_process: 0.07-0.3 s less)
        shutdown_pools()
    return folder
