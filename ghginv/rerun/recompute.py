"""Recompute a finished run from its cached activity cube, with other factor sets or GWPs.

``compile`` writes ``cube.parquet`` (the activity summed per year, region, sector, activity,
unit[, entity]), ``notation_keys.csv`` and a snapshot of the factor sets it used
(``factor_sets/<set>/``) into the run folder, and records the sha256 of the activity inputs in
``manifest.json``. :func:`recompute` starts from that cube — the activity data are not read
again — so a new grid-factor year or a move to AR6 takes a fraction of a second, and gives
exactly what a fresh ``compile`` with the same settings gives.

When the run folder also keeps its resolved structure (``recompute_index.bin``, see
:mod:`ghginv.pipeline.positions`) and the new factor sets differ from the run's only in their values (or only
the GWPs change), the factors are not resolved again: the new values go through the kept positions
(the same arithmetic in the same order, so the same bits). Otherwise every stage after the cube
runs as in a compile. ``result.recompute_path`` (also in ``manifest.json``) says which path ran:
``"kept_positions"`` or ``"full"``.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import replace
from functools import partial

from ..core._threads import background
from ..core.config import resolve_factor_set_path
from ..pipeline.write import cli_process, factors_used_ahead, parquet_bytes
from .folder import RunFolder, load_run

__all__ = ["recompute", "merge_factor_sets"]


def merge_factor_sets(run_sets, given) -> tuple:
    """The factor-set list of a recompute given sets "by name": each given set whose name (its
    folder name) is one of the run's sets replaces that set in place, at the same rank; a set
    with a new name is added ahead of the run's sets (given order kept). The run's other sets stay
    where they were. Giving every set of the run, in any order, keeps the run's order.

    Parameters
    ----------
    run_sets : sequence of pathlib.Path
        The run's set folders (its snapshot), in precedence order.
    given : sequence of pathlib.Path
        The set folders to add or replace.

    Returns
    -------
    tuple of pathlib.Path
        The new list, in precedence order.

    Raises
    ------
    ConfigError
        Two given sets with the same name.

    Examples
    --------
    >>> merge_factor_sets([Path("a"), Path("grid"), Path("b")], [Path("new/grid"), Path("mine")])   # doctest: +SKIP
    (Path('mine'), Path('a'), Path('new/grid'), Path('b'))
    """
    from collections import Counter

    from ..core.errors import ConfigError

    twice = sorted(n for n, k in Counter(p.name for p in given).items() if k > 1)
    if twice:
        raise ConfigError(f"--factors: set(s) {', '.join(twice)} given twice; give each set once (a set replaces the run's set of its name)")
    by_name = {p.name: p for p in given}
    run_names = {p.name for p in run_sets}
    return tuple(p for p in given if p.name not in run_names) + tuple(by_name.get(p.name, p) for p in run_sets)

def recompute(
    run_dir: str | os.PathLike | RunFolder,
    *,
    factors: list[str] | None = None,
    gwp: str | None = None,
    year_fallback: str | None = None,
    kept_positions: bool = True,
    recalculation: bool = True,
    update_factors: list[str] | None = None,
):
    """Recompute every year of a run from its cached cube with other factor sets or GWPs.

    The activity data are not read again. When only factor values or the GWP set change and the
    run keeps its positions, the new values go through them (``result.recompute_path ==
    "kept_positions"``); otherwise every stage after the cube runs as in a compile (``"full"``).
    Either way the result equals a fresh compile with the same settings.

    Parameters
    ----------
    run_dir : str, os.PathLike or RunFolder
        The run folder, or a :class:`RunFolder` already read by :func:`load_run`
        (recomputing one run many times then reads its folder once).
    factors : list of str, optional
        Factor set names or folders, in precedence order: the whole new list; default the run's
        own snapshot.
    gwp : str, optional
        GWP set (``"SARGWP100"``, ``"AR4GWP100"``, ``"AR5GWP100"``, ``"AR6GWP100"``);
        default the run's.
    year_fallback : {"none", "nearest"}, optional
        Default the run's.
    kept_positions : bool, default True
        False runs every stage as a compile does even when the run keeps its positions (to
        compare the two paths).
    recalculation : bool, default True
        Add the recalculation against the old run (:func:`ghginv.rerun.recalc.recalculation_tables`:
        ``recalculation`` and ``recalculation_factors`` in ``result.tables``, written with the run
        and shown in its report); False when only the numbers are wanted.
    update_factors : list of str, optional
        Factor set names or folders to add or replace by name (:func:`merge_factor_sets`, what
        ``ghginv recompute --factors`` does): a set named like one of the run's (``factors`` or
        the run's snapshot) replaces it at its rank, a new name is added first.

    Returns
    -------
    InventoryResult
        As :func:`ghginv.compile_inventory`; ``result.write(out)`` also explains the change
        against the old run (``recalculation.parquet``). In the ``ghginv`` command's own process
        (:data:`ghginv._CLI_PROCESS`), whose result is only written, ``result.factors_used`` holds only
        the rows its summary and warnings read once the recalculation has taken the write's part of it
        (``factors_used.parquet`` is the whole table); a library caller's result keeps every row.

    Raises
    ------
    InputFileError
        ``run_dir`` is not a run folder, or its cached cube changed after the run.
    ConfigError, FactorSetError, UnknownGwpError
        An option or a factor set is invalid.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1
       Ch 5, Section 5.2 (recalculations: the whole time series with the new method or data).

    Examples
    --------
    >>> result = ghginv.recompute("out/demo", gwp="AR6GWP100")   # doctest: +SKIP
    >>> result.recompute_path, result.write("out/demo_ar6")       # doctest: +SKIP
    """
    old = run_dir if isinstance(run_dir, RunFolder) else load_run(run_dir)
    if old is not run_dir:  # opened here, for this recompute alone: the stages give back the positions' pages once read
        old._scratch = True
    set_paths = tuple(resolve_factor_set_path(s) for s in factors) if factors else tuple(old.set_paths)
    if update_factors:
        set_paths = merge_factor_sets(set_paths, [resolve_factor_set_path(s) for s in update_factors])
    # the recorded config with the new options; the cube is built, so no engine (dask) runs
    config = replace(old.run_config().with_overrides(factor_sets=set_paths, gwp=gwp, year_fallback=year_fallback),
                     engine="local", scheduler=None)
    plan = old.plan() if kept_positions else None  # None: the full path (no positions, or not asked for)
    if plan is not None and old is not run_dir:
        # the old run's tables that the kept positions' stages read in turn (trace: factors_used, emissions; inventory:
        # its other columns), read in a thread of their own while the stages compute, mostly on one core: what a
        # later stage asks for is read by then (RunFolder._prefetch; the same frames)
        old._prefetch([("factors_used.parquet", ()), ("emissions.parquet", ()), ("inventory.parquet", ("emissions_t", "co2e_t"))])
    try:  # no thread left reading ahead behind a recompute, whether it ends or fails
        result = _recompute_on(old, run_dir, config, plan, recalculation)
    finally:
        old._wait_ahead()
    _give_back_heap()
    if cli_process() and threading.current_thread() is threading.main_thread():
        # the one-shot command (``ghginv recompute``, in the main thread) only writes this result next: the reports' large
        # arrays given back once freed. Not in ``ghginv serve``, a long-lived process whose jobs run in threads of their
        # own: glibc's threshold stays its own there
        _map_large_blocks()
    return result


def _recompute_on(old: RunFolder, run_dir, config, plan, recalculation: bool):
    """:func:`recompute`'s stages on the opened run ``old`` (``run_dir``: what the caller gave; ``old`` was opened here
    when it is not that) with ``config``, on the kept positions ``plan`` (None: the full path), and the recalculation;
    the caller waits for the tables read ahead."""
    from ..pipeline.inventory import Inventory

    result = Inventory(config).run_from_cube(old.cube, old.manifest.get("inputs", []), kept=plan, old=old if plan is not None else None)
    if old is not run_dir:  # opened here: the positions' pages the stages read are not held through the recalculation
        old.release_plan_pages()
    result.recompute_path = result.recompute_path or "full"
    result.recomputed_from, result.source = str(old.path), old
    result.same_files = _same_files(old, result)
    # the inventory's key codes for the reports (:func:`inventory_key_codes`), which the kept positions (the old run's
    # inventory rows) do not make: in a thread of their own (polars, without the GIL) while the recalculation runs
    # (mostly numpy); without the recalculation (only the numbers wanted) the reports, if any, group on the strings
    codes = start_codes = None
    if recalculation and result.key_codes is None:
        def start_codes():
            nonlocal codes
            codes = background(_inventory_key_codes, result.inventory, name="ghginv-key-codes")

    changed = encoding = None
    if recalculation and old is not run_dir and old.has_frame("factors_used.parquet") and cli_process():
        # the command-line process, whose result is only written: the changed factor rows, then factors_used's part of
        # the write (factors_used_ahead) and the table cut, as soon as the recalculation has read the kept positions
        # for its first state: the table (~330 MiB at 1.65 M rows) is not held through the other states, the roll-up
        # and the write, and the positions' pages are not read beside the memory it leaves; the key codes start then
        # (their memory the table's)
        # (the table's file encoded meanwhile in a thread of its own: polars, beside the first state's kernel)
        encoding = background(parquet_bytes, result.factors_used, name="ghginv-factors-used")
        changed = partial(_changed_then_cut, old, result, start_codes, encoding)
    elif start_codes is not None:
        start_codes()
    try:
        if recalculation:
            from .recalc import recalculation_tables

            t0 = time.perf_counter()
            # a folder opened here: its tables are dropped as soon as the recalculation has summed them
            result.tables.update(recalculation_tables(result, release=old is not run_dir, changed=changed))
            result.timings["recalculation"] = time.perf_counter() - t0
    except BaseException:
        for job in (codes, encoding):  # no thread left behind
            if job is not None:
                job(wait_only=True)
        raise
    if codes is not None:
        result.key_codes = codes()
    if old is not run_dir:  # opened here, for this recompute only: its tables are not read again
        old.release_frames()
    return result


def _changed_then_cut(old: RunFolder, result, then=None, parquet=None):
    """The changed factor rows of ``result`` against the run ``old`` (:func:`ghginv.rerun.recalc.changed_factors`),
    then ``result.factors_used``'s part of the write taken and the table cut
    (:func:`ghginv.pipeline.write.factors_used_ahead`) and the old run's table dropped (its columns that the new table
    shares go with it): for the command-line recompute, once its recalculation has computed its first state
    (:func:`recompute`, :func:`ghginv.rerun.recalc.diff_result` ``changed``).

    Parameters
    ----------
    old : RunFolder
        The run recomputed, opened for this recompute (its ``factors_used`` read by the stages).
    result : InventoryResult
        The recomputed result; its ``factors_used`` is replaced.
    then : callable, optional
        Called once the table is cut.
    parquet : callable, optional
        The join of :func:`ghginv.pipeline.write.parquet_bytes` of the table, encoding it in a thread of its own.

    Returns
    -------
    polars.DataFrame
        The changed factor rows (``recalculation_factors``).
    """
    from .recalc import changed_factors

    changed = changed_factors(old.frame("factors_used.parquet"), result.factors_used)
    factors_used_ahead(result, parquet() if parquet is not None else None)
    old.release_frames("factors_used.parquet")
    if then is not None:
        then()
    return changed


def _inventory_key_codes(inventory) -> dict | None:
    """The inventory's scope, category and gas as integer codes, as a compile's inventory stage hands them to the
    reports (``InventoryResult.key_codes``): column -> (sorted distinct values, code per row in the smallest unsigned
    integer that holds it; nulls last). The workbook's IPCC sheet summed over regions then groups on them
    (:func:`ghginv.report._detail.summed_frame`) instead of on the strings: the same groups, order and sums, without
    a copy of the estimate rows' key columns (~200 MiB at 3.2 M inventory rows).

    Parameters
    ----------
    inventory : polars.DataFrame
        The result's inventory.

    Returns
    -------
    dict or None
        The codes; None when the inventory lacks one of the columns.
    """
    from ..core._frames import encode
    from ..pipeline.aggregate import REPORT_KEYS, report_key_codes

    if any(k not in inventory.columns for k in REPORT_KEYS):
        return None
    # each column narrowed once encoded: one column's int64 codes at a time (~25 MiB at 3.2 M rows), not three
    return {k: v for c in REPORT_KEYS for k, v in report_key_codes({c: encode(inventory[c])}).items()}


def _give_back_heap() -> None:
    """Return the free pages of the C heap to the system (glibc's ``malloc_trim``), where there is one.

    The recompute's numpy arrays (the recalculation's sums and roll-up indexes, ~500 MiB at 1.2 M cube
    cells) are freed by now, but glibc keeps most of their pages for its own later use, while the writing
    that follows allocates mostly through polars' and pyarrow's allocators, which cannot reuse them: given
    back here, they do not add to the process's peak (~300 MiB at 1.2 M cube cells). Elsewhere (no glibc)
    nothing happens."""
    import ctypes

    trim = _glibc("malloc_trim", [ctypes.c_size_t])
    if trim is not None:
        trim(0)


def _map_large_blocks(threshold_bytes: int = 1 << 20) -> None:
    """Have the C heap (glibc's ``malloc``) map every block of ``threshold_bytes`` or more on its own, given back to the
    system when freed (``mallopt(M_MMAP_THRESHOLD)``), where there is glibc.

    By default glibc raises that threshold, up to 32 MiB, each time such a block is freed, after which the numpy
    arrays of a few MiB (the reports' at 1.2 M cube cells) come from the heap, whose freed pages stay resident beside
    the memory of polars' and pyarrow's own allocators, which cannot reuse them (~60 MiB at the write's peak of a
    recompute at 1.2 M cube cells). A fixed threshold keeps them mapped, at the cost of mapping each such block
    afresh: called by the command-line recompute (:data:`ghginv._CLI_PROCESS`, the main thread of ``ghginv recompute``:
    a process that ends once it has written the result) once it is done, for the write that follows (set for the
    whole recompute, the stages' and the recalculation's arrays cost ~0.4 s more CPU at 1.2 M cube cells).
    Process-wide and for the rest of the process. Elsewhere (no glibc) nothing happens.

    Parameters
    ----------
    threshold_bytes : int, default 1 MiB
        The smallest block mapped on its own.
    """
    import ctypes

    mallopt = _glibc("mallopt", [ctypes.c_int, ctypes.c_int])
    if mallopt is not None:
        mallopt(-3, threshold_bytes)  # M_MMAP_THRESHOLD (malloc.h)


def _glibc(name: str, argtypes: list):
    """The C library function ``name`` of this process (returning an ``int``), taking ``argtypes``; None where the
    library has none (not glibc: musl, macOS, Windows)."""
    import ctypes

    try:
        fn = getattr(ctypes.CDLL(None), name)  # the process's own C library
    except (OSError, AttributeError, TypeError):
        return None
    fn.argtypes, fn.restype = argtypes, ctypes.c_int
    return fn


def _same_files(old: RunFolder, result) -> dict:
    """The outputs of ``result`` whose bytes are those of the run ``old``: file name ->
    :class:`ghginv.runfolder.SameFile`, copied by the writer instead of encoded again.

    * ``cube.parquet`` when the result's cube is the run's (no gap filling changed it);
    * ``recompute_index.bin`` on the kept positions when the sets' versions are the run's (the
      file holds the same arrays and header);
    * ``energy_activity.parquet`` when the stage took the run's own table
      (:func:`ghginv.pipeline.positions.kept_energy_activity`).
    """
    from ..pipeline.positions import ENERGY_FILE, PLAN_FILE

    same = {}
    if result.cube is old.cube:
        same["cube.parquet"] = old.same_file("cube.parquet")
    kept = old.plan() if result.recompute_path == "kept_positions" else None
    if kept is not None and result.plan is not None and result.plan.versions == kept.versions and result.plan.em is kept.em:
        same[PLAN_FILE] = old.same_file(PLAN_FILE)
    energy = result.tables.get("energy_activity")
    if energy is not None and energy is old.verified_frame(ENERGY_FILE, read=False):
        same[ENERGY_FILE] = old.same_file(ENERGY_FILE)
    return {k: v for k, v in same.items() if v is not None}
