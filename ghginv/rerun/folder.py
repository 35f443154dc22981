"""A finished run read back from its folder: manifest, cached cube (verified), notation keys,
factor-set snapshot, kept positions and output tables — what recompute, diff, scenarios and the
uncertainty of a run start from."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..core.config import RunConfig
from ..core.csv_cells import restore_formulas
from ..core.errors import InputFileError
from ..pipeline.cube import Cube
from ..runfolder import SameFile, read_manifest, verified_factor_sets, verified_same_file

__all__ = ["RunFolder", "load_run"]

_NOTATION_SCHEMA = {"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String, "notation_key": pl.String}


@dataclass
class RunFolder:
    """A finished run read back from its folder."""

    path: Path
    manifest: dict
    cube: Cube
    set_paths: list[Path]  # the snapshot copies, in the run's order
    _cache: dict = field(default_factory=dict, repr=False)
    # opened by a recompute for itself alone (ghginv.rerun.recompute): the stages give back the kept positions' pages
    # as soon as they have read each part (release_plan_pages); a folder a caller keeps for many recomputes keeps them
    _scratch: bool = field(default=False, init=False, repr=False)
    # tables being read ahead (_prefetch): key -> future, on a one-thread pool of the folder's own
    _ahead: dict = field(default_factory=dict, init=False, repr=False)
    _ahead_pool: object = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def config(self) -> dict:
        """The run's config as recorded in its manifest (:meth:`ghginv.core.config.RunConfig.to_dict`)."""
        return self.manifest["config"]

    def run_config(self) -> RunConfig:
        """The run's config as a :class:`~ghginv.core.config.RunConfig` (:meth:`~ghginv.core.config.RunConfig.from_dict`)."""
        return RunConfig.from_dict(self.config)

    def frame(self, name: str) -> pl.DataFrame:
        """An output table of the run (read once, then kept), one chunk per column (:func:`_read`): the
        recompute adds its new values to these tables as columns."""
        if name not in self._cache:
            ahead = self._take_ahead(name)
            self._cache[name] = ahead if ahead is not None else _read(self.path / name)
        return self._cache[name]

    def frame_with(self, name: str, columns: list[pl.Series]) -> pl.DataFrame:
        """Output table ``name`` with ``columns`` in place of its columns of the same names, in the table's column order;
        the replaced columns are not read from the file (a recompute's new values: the inventory's old
        ``emissions_t`` and ``co2e_t``, ~50 MiB at 3.2 M rows, are never held). The table is read here (once per call,
        one chunk per column: :func:`_read`), not kept: a table taken whole (:meth:`frame`) is reused when it was read.

        Parameters
        ----------
        name : str
            The output table's file name.
        columns : list of polars.Series
            The new columns, each named like a column of the table and as long as it.

        Returns
        -------
        polars.DataFrame
            The table with the new columns.

        Raises
        ------
        ValueError
            A column of ``columns`` that the table does not have.
        """
        path = self.path / name
        order = self._cache[name].columns if name in self._cache else list(pl.read_parquet_schema(path))
        new = {c.name for c in columns}
        if not new <= set(order):
            raise ValueError(f"{name} has no column {', '.join(sorted(new - set(order)))}")  # a caller's mistake, not the user's
        if name in self._cache:
            return self._cache[name].with_columns(columns)
        ahead = self._take_ahead((name, frozenset(new)))
        return (ahead if ahead is not None else self._read_without(name, tuple(new))).with_columns(columns).select(order)

    def _prefetch(self, reads: list[tuple[str, tuple[str, ...]]]) -> None:
        """Start reading output tables in a thread of their own, one after the other in the order of ``reads``, for
        :meth:`frame` and :meth:`frame_with` to take when they ask for them: the decoding (polars, without the GIL) runs
        on the second core while the stages compute on the first. A recompute on the kept positions, whose stages are
        mostly on one core and read ``factors_used``, ``emissions`` and the inventory in turn, starts them as it
        begins (:func:`ghginv.rerun.recompute.recompute`); at 1.2 M cube cells they take ~1 s to read.

        ``reads``: (table, columns left out): ``()`` for the whole table as :meth:`frame` keeps it, else the table
        without those columns, as :meth:`frame_with` replacing exactly them reads it. The same frames as read when
        asked for (:func:`_read`); a read that fails here is done again when the table is asked for, so its error is
        raised there. Tables already kept, or already being read ahead, are skipped. :meth:`release_frames` drops what
        was read ahead and not taken; :meth:`_wait_ahead` waits for the thread."""
        from concurrent.futures import ThreadPoolExecutor

        with self._lock:
            if self._ahead_pool is None:  # one thread: the tables are read one after the other, in the order given
                self._ahead_pool = ThreadPoolExecutor(1, thread_name_prefix="ghginv-read-ahead")
            for name, without in reads:
                key = (name, frozenset(without)) if without else name
                if key not in self._ahead and (without or name not in self._cache):
                    self._ahead[key] = self._ahead_pool.submit(self._read_without, name, without)

    def _read_without(self, name: str, without: tuple[str, ...]) -> pl.DataFrame:
        """Output table ``name`` read as :meth:`frame` (``without`` empty) or :meth:`frame_with` replacing exactly the
        columns ``without`` read it (:func:`_read`)."""
        path = self.path / name
        return _read(path, [c for c in pl.read_parquet_schema(path) if c not in without] if without else None)

    def _take_ahead(self, key) -> pl.DataFrame | None:
        """The table ``key`` read ahead (:meth:`_prefetch`), once it is read, given once; None when it was not read ahead
        or its read failed (the caller reads it again: the error is raised there, in its thread)."""
        from concurrent.futures import wait

        with self._lock:
            future = self._ahead.pop(key, None)
        if future is None:
            return None
        while not wait([future], timeout=0.05).done:  # a timed wait: Ctrl-C is handled between waits
            pass
        return None if future.exception() is not None else future.result()

    def _wait_ahead(self) -> None:
        """Wait for the tables being read ahead (:meth:`_prefetch`), if any, and end the thread reading them: no thread
        is left reading behind a recompute that ends or fails."""
        with self._lock:
            pool, self._ahead_pool = self._ahead_pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def has_frame(self, name: str) -> bool:
        """Whether output table ``name`` was read by :meth:`frame` and is still kept (not released)."""
        return name in self._cache

    def plan(self):
        """The run's kept positions (:class:`ghginv.pipeline.positions.RecomputePlan`), verified against the
        manifest's sha256, or None when the run has none (or from another format version)."""
        if "plan" not in self._cache:
            from ..pipeline.positions import PLAN_FILE, load_plan

            same = self.same_file(PLAN_FILE)
            self._cache["plan"] = load_plan(same.path) if same is not None else None
        return self._cache["plan"]

    def same_file(self, name: str) -> SameFile | None:
        """Output ``name`` of the run verified against the manifest's sha256 (once), with what a
        copy of its bytes into a new run needs (:func:`ghginv.runfolder.copy_unchanged`); None when
        the run has no such output."""
        key = ("same", name)
        if key not in self._cache:
            self._cache[key] = verified_same_file(self.path, self.manifest, name)
        return self._cache[key]

    def verified_frame(self, name: str, read: bool = True) -> pl.DataFrame | None:
        """Output table ``name`` of the run, verified against the manifest's sha256 (read once, then
        kept); None when the run has no such output (or, with ``read=False``, when it was not read yet)."""
        key = ("verified", name)
        if key not in self._cache:
            if not read:
                return None
            same = self.same_file(name)
            self._cache[key] = pl.read_parquet(same.path) if same is not None else None
        return self._cache[key]

    def release_frames(self, *names: str) -> None:
        """Drop the output tables read so far (:meth:`frame`, :meth:`verified_frame`); the manifest, the cube,
        the kept positions, the factor sets and the verified files stay. A recompute that opened the folder
        itself has its recalculation call it once the four states are summed, before their roll-up
        (:func:`ghginv.rerun.recalc.recalculation_tables`): the new run's frames share most of their columns,
        the rest (the old values, about 240 MB at 1.2 M cube cells) is not held through the writing. A table
        asked for again is read again. The kept positions' pages of the memory-mapped ``recompute_index.bin``
        (~145 MB at 1.2 M cube cells) leave the process's resident memory too (``madvise(MADV_DONTNEED)``):
        the plan stays usable, its pages are read again from the page cache when touched.

        Parameters
        ----------
        *names : str
            Only these tables (as :meth:`frame` names them); the positions' pages stay. Default: every table and the
            pages.
        """
        # the keys listed first: the cache is changed while they are gone through
        for key in [k for k, v in list(self._cache.items()) if isinstance(v, pl.DataFrame) and (not names or k in names)]:
            self._cache.pop(key, None)
        with self._lock:  # and what was read ahead for them and not taken (a read not started yet is not done)
            dropped = [self._ahead.pop(k) for k in list(self._ahead) if not names or (k if isinstance(k, str) else k[0]) in names]
        for future in dropped:
            future.cancel()
        if not names:
            self.release_plan_pages()

    def release_plan_pages(self, *parts: str) -> None:
        """Give back the resident pages of the kept positions read so far (the memory-mapped ``recompute_index.bin``,
        ``madvise(MADV_DONTNEED)``): the plan stays usable, a later read of an array faults its pages in again from
        the page cache (the same bytes). A recompute that opened the folder itself calls it once the stages have read
        the positions and again once the recalculation has (~130 MiB less at 1.2 M cube cells while the
        recalculation's states are summed); its stages (``_scratch``) give back each part once read: ``"em"`` after the
        emissions stage, ``"rollup"`` after the inventory stage, ``"links"`` after the checks. Nothing happens without
        a plan read.

        Parameters
        ----------
        *parts : {"em", "rollup", "links", "meta"}
            The parts of the plan whose pages go (their arrays only, whole pages inside them); default every part.
        """
        plan = self._cache.get("plan")
        if plan is not None:  # its arrays stay valid: their pages come back from the page cache when read again
            _drop_mapped_pages(plan, parts)

    def factor_sets(self) -> list:
        """The run's factor sets as it used them, loaded from its snapshot (once, then kept)."""
        if "sets" not in self._cache:
            from ..factors import load_factor_set

            self._cache["sets"] = [load_factor_set(p) for p in self.set_paths]
        return self._cache["sets"]


def _read(path: Path, columns: list[str] | None = None) -> pl.DataFrame:
    """A table of the run (``columns``: only those) with one chunk per column (the reader gives one per row group). A
    frame whose columns are chunked apart from a column added to it later (the recompute's new values: one chunk) is
    copied whole by polars at each select or filter on it — at 1.2 M cube cells ~300 MiB more at every
    such step of the recompute, its recalculation and its reports. Read and joined column by column: only one
    column is held twice at a time, and the memory a column's chunks leave is taken again by the next column's read
    (read whole, then joined, the table's chunks freed at once stay with the allocator for about a second: ~700 MiB
    of resident memory for a table of ~330 MiB, 1.65 M rows of ``factors_used``; ~400 MiB so)."""
    names = list(pl.read_parquet_schema(path)) if columns is None else columns
    cols = []
    for c in names:
        col = pl.read_parquet(path, columns=[c]).to_series()
        cols.append(col if col.n_chunks() == 1 else col.rechunk())
    return pl.DataFrame(cols)


def _plan_parts(plan) -> dict[str, list]:
    """The arrays of ``plan`` by part: ``em``, ``rollup``, ``links``, ``meta`` (with ``perm``)."""
    return {"em": list(plan.em.values()), "rollup": list(plan.rollup.arrays().values()), "links": list(plan.links.values()),
            "meta": [plan.meta, plan.meta_keys, plan.meta_first, *([plan.perm] if plan.perm is not None else [])]}


def _drop_mapped_pages(plan, parts=()) -> None:
    """Give back the resident pages of the read-only memory map that the arrays of ``plan`` (a
    :class:`ghginv.pipeline.positions.RecomputePlan` read by :func:`ghginv.pipeline.positions.load_plan`)
    view, without unmapping it: a later read of an array faults its pages in again from the page cache
    (same bytes). ``parts`` (:func:`_plan_parts`' names): only the pages wholly inside those parts' arrays; default
    the whole map. Nothing happens for arrays that are not memory-mapped or where ``madvise`` is missing."""
    import mmap

    advice = getattr(mmap, "MADV_DONTNEED", None)
    by_part = _plan_parts(plan)
    arrays = [a for k, v in by_part.items() if not parts or k in parts for a in v]
    maps = {id(m): m for m in (getattr(a, "_mmap", None) for a in arrays) if isinstance(m, mmap.mmap)}
    if advice is None or not maps:
        return
    if not parts:
        spans = [(m, 0, len(m)) for m in maps.values()]
    else:  # each array's whole pages (an array's bytes start at a 64-byte boundary of the file: a page may hold two)
        spans = []
        for a in arrays:
            m = getattr(a, "_mmap", None)
            if not isinstance(m, mmap.mmap) or a.nbytes == 0:
                continue
            base = _map_address(a)
            if base is None:
                continue
            start = a.__array_interface__["data"][0] - base
            lo, hi = -(-start // mmap.PAGESIZE) * mmap.PAGESIZE, (start + a.nbytes) // mmap.PAGESIZE * mmap.PAGESIZE
            if hi > lo:
                spans.append((m, lo, hi - lo))
    for m, start, length in spans:
        try:
            m.madvise(advice, start, length)
        except (OSError, ValueError):  # a closed map or a refused call: the pages stay, nothing else changes
            pass


def _map_address(a) -> int | None:
    """The address of the first byte of the memory map that ``a`` views: the data of the array, among ``a``'s bases,
    made directly on the map (``numpy.memmap`` of the whole file, :func:`ghginv.pipeline.positions._read_arrays`);
    None when there is none."""
    import mmap

    while a is not None and not isinstance(a.base, mmap.mmap):
        a = a.base if hasattr(a.base, "__array_interface__") else None
    return a.__array_interface__["data"][0] if a is not None and getattr(a, "offset", 0) == 0 else None


def load_run(run_dir: str | os.PathLike) -> RunFolder:
    """Read a finished run folder once, to recompute it (or evaluate scenarios) many times.

    Parameters
    ----------
    run_dir : str or os.PathLike
        A run folder written by ``ghginv compile``.

    Returns
    -------
    RunFolder
        The manifest, the cached activity cube (verified against the manifest's sha256), the
        notation keys and the paths of the run's snapshot of its factor sets (verified against
        the manifest's sha256, :func:`ghginv.runfolder.verified_factor_sets`).

    Raises
    ------
    InputFileError
        No ``manifest.json``, no cached cube, a cube or factor-set snapshot changed after the run,
        or a run that used two factor sets of one name (its snapshot keeps only one).

    Examples
    --------
    >>> folder = ghginv.load_run("out/demo")                                 # doctest: +SKIP
    >>> for gwp in ("AR5GWP100", "AR6GWP100"):                               # doctest: +SKIP
    ...     ghginv.recompute(folder, gwp=gwp).inventory
    """
    run = Path(run_dir)
    manifest = read_manifest(run)
    cube_file = verified_same_file(run, manifest, "cube.parquet", "the cached cube")
    if cube_file is None:
        raise InputFileError(f"{run}: the run has no cached cube (cube.parquet); compile it again with this ghginv version")
    cells = pl.read_parquet(cube_file.path)
    npath = run / "notation_keys.csv"
    notation = (  # written with a leading ' before a formula-like text cell (ghginv.runfolder.write_csv): undone here
        restore_formulas(pl.read_csv(npath, schema=_NOTATION_SCHEMA)) if npath.is_file() else pl.DataFrame(schema=_NOTATION_SCHEMA)
    )
    stats = {k: v for k, v in manifest.get("rows", {}).items() if k in ("rows_read", "rows_outside_years", "rows_notation", "cube_cells")}
    sets = verified_factor_sets(run, manifest)  # the snapshot exactly as the run used it, or a clear refusal
    return RunFolder(run, manifest, Cube(cells=cells, notation=notation, stats=stats), sets, {("same", "cube.parquet"): cube_file})
