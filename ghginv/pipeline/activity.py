"""The ``cube`` stage: read, validate and aggregate a run's activity data into the cube.

One streamed pass over the activity files: each batch is validated
(:class:`~ghginv.inputs.validate.BatchValidator`), counted for the conservation check
(:class:`~ghginv.pipeline.conservation.InputTally`) and added into its file's cube
(:class:`~ghginv.pipeline.cube.CubeBuilder`), while a thread hashes the files. Two threads build
the files' cubes at once (:func:`cube_threads`; Parquet decoding and the numba kernels release
the GIL, so both cores work), and the files' cubes are added together in input order
(:mod:`ghginv.pipeline.filecube`): the cube is the same to the bit whatever the number of
threads. A file whose cube an earlier run cached under its sha256 (:mod:`ghginv.core.cubecache`)
is not read at all, and the result is the same to the bit. With ``engine = "dask"`` the same cube
and tally are built on Dask workers (:mod:`ghginv.pipeline.engine`), which add the partial cubes
in a tree: that engine does not use the cube cache (its sums agree to ~1e-15, not to the bit). A run
without activity data (sinks only) has an empty cube. A local run that needs numba starts loading
it in a thread first (:func:`ghginv.kernels.preload`), and each file reads further ahead until a
first batch has gone through the kernel.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor

import polars as pl

from .. import kernels
from ..core import _fs, cubecache, hashcache
from ..core._frames import sum_by
from ..core.errors import InputFileError, ValidationError
from ..core.progress import total_rows
from ..inputs.load import discover, prefetched, stream_batches
from ..inputs.validate import BatchValidator
from ..kernels import numpy_run, preload
from .conservation import InputTally
from .cube import Cube, empty_cube
from .filecube import CubeMerger, build_file_cube, cache_key, from_cache, usable

__all__ = ["build_cube", "cube_threads", "YEAR_MIN"]

YEAR_MIN = 1900  # the validator's lowest plausible year


def build_cube(cfg, sets, progress=None) -> tuple[Cube, list[dict], InputTally | None]:
    """``(cube, inputs, tally)`` of the run's activity data.

    Parameters
    ----------
    cfg : RunConfig
        The run: activity paths, years, regions, entities, batch size, engine.
    sets : list of FactorSet
        The run's factor sets (their activity codes are the known codes; a waste set keeps
        landfill deposits of every earlier year for first-order decay).
    progress : callable, optional
        The progress display; its ``rows(done, total)`` is told the rows read.

    Returns
    -------
    cube : Cube
        Amounts per (year, region, sector, activity[, entity], unit), with the notation-key rows.
    inputs : list of dict
        Path, ``sha256:`` hash and size in bytes of every activity file.
    tally : InputTally or None
        Amounts per unit and rows as read, for the conservation check (None without data).
    """
    if not cfg.activity_paths:
        return empty_cube(), [], None
    files = discover(cfg.activity_paths)
    known = set().union(*(s.activity_codes() for s in sets))
    # first-order decay needs the landfill deposits of every earlier year: with a waste set in
    # the run, the cube keeps rows before the first inventory year, and the non-deposit ones
    # are dropped from the (small) cube afterwards
    keep_history = cfg.years is not None and any(s.waste_rules for s in sets)
    cube_years = (YEAR_MIN, cfg.years[1]) if keep_history else cfg.years
    if cfg.engine == "dask":  # same cube and input tally, built on the workers (ghginv.pipeline.engine)
        from .engine import build_cube_dask

        cube, inputs, tally = build_cube_dask(files, known, cfg, cfg.scheduler, cube_years)
        if keep_history:
            cube = _drop_early_non_deposits(cube, cfg.years[0], tally)
        if cube.cells.height == 0:
            raise ValidationError(f"no activity rows with amounts in {', '.join(str(p) for p in cfg.activity_paths)}")
        return cube, inputs, tally
    input_bytes = _input_bytes(files)
    digests = _known_digests(files) if cubecache.enabled() else [None] * len(files)
    # a run that reads few bytes never loads numba (ghginv.kernels): few files, or few not in the cube cache
    numpy_run(_bytes_to_read(files, cfg.keep_entity, input_bytes, digests))
    preload()  # a larger one loads it in a thread while the files are hashed and read
    cube, inputs, tally = _build_local(files, known, cfg, cube_years, progress, input_bytes, digests)
    _release_read_buffers()
    if keep_history:
        cube = _drop_early_non_deposits(cube, cfg.years[0], tally)
    if cube.cells.height == 0:
        where = f" in years {cfg.years[0]}–{cfg.years[1]}" if cfg.years else ""
        raise ValidationError(f"no activity rows with amounts{where} in {', '.join(str(p) for p in cfg.activity_paths)}")
    return cube, inputs, tally


def _release_read_buffers() -> None:
    """Give the memory that Arrow's allocator keeps for reuse back to the system once the activity
    files are read: the decoded Parquet batches of every reading thread are freed by then, but the
    default pool (mimalloc) holds on to their pages — about 300 MiB at 100 M rows, which every later
    stage would otherwise carry on top of its own (the run's peak RSS, 1.0–1.1 GiB there, was reached
    in the stages after the cube). Nothing is read by pyarrow after this stage that needs them."""
    import sys

    pa = sys.modules.get("pyarrow")  # loaded by the reading (nothing to give back without it)
    if pa is not None:
        pa.default_memory_pool().release_unused()


def _drop_early_non_deposits(cube: Cube, first_year: int, tally) -> Cube:
    """Drop cube cells before ``first_year`` except landfill deposits (4.A), which first-order decay
    needs from every earlier year; the input tally loses the same amounts so conservation holds."""
    cells = cube.cells
    deposit = (pl.col("sector") == "4.A") | pl.col("sector").str.starts_with("4.A.")  # waste_fod.is_deposit_sector
    early = cells.filter(pl.col("year") < first_year)
    if early.height == 0:
        return cube
    drop = early.filter(~deposit)
    if drop.height:
        for unit, amount in sum_by(drop, ["unit"], ["amount"]).iter_rows():  # in table order: the same bits every call
            tally.sums[unit] = tally.sums.get(unit, 0.0) - amount
        tally.rows -= int(drop["n_rows"].sum())
    kept = cells.filter((pl.col("year") >= first_year) | deposit)
    stats = {**cube.stats, "cube_cells": kept.height,
             "rows_outside_years": cube.stats.get("rows_outside_years", 0) + int(drop["n_rows"].sum() if drop.height else 0)}
    return Cube(cells=kept, notation=cube.notation.filter(pl.col("year") >= first_year), stats=stats)


def _input_bytes(files) -> int | None:
    """Bytes of the activity files (local or on shared storage), or None if one is unreadable
    (the read names it)."""
    try:
        return sum(_fs.size(f.path) for f in files)
    except (OSError, ValidationError):
        return None


def _known_digests(files) -> list[str | None]:
    """The sha256 of each activity file as the hash cache knows it, without reading any file
    (one look-up per file in one connection: :func:`ghginv.core.hashcache.known_sha256`); None
    for a file it does not know (new, changed, smaller than ``hashcache.MIN_BYTES``, on shared
    storage). No look-up at all when no file is large enough to be in the hash cache."""
    local = [i for i, f in enumerate(files) if not isinstance(f.path, _fs.Remote)]
    out: list[str | None] = [None] * len(files)
    try:
        if not any(_fs.size(files[i].path) >= hashcache.MIN_BYTES for i in local):
            return out
    except (OSError, ValidationError):
        return out  # the read names the file
    for i, digest in zip(local, hashcache.known_sha256([files[i].path for i in local])):
        out[i] = digest
    return out


def _bytes_to_read(files, keep_entity: bool, input_bytes: int | None, digests=None) -> int | None:
    """Bytes of the activity files this run will read: those whose cubes are not known to be in
    the cube cache. A file counts as cached when the hash cache knows its sha256 (without reading
    it: :func:`ghginv.core.hashcache.known_sha256`) and the cube cache holds an entry under its
    key; every other file (new, changed, small, on shared storage) counts with its size. The
    kernels' numpy-or-numba choice (:func:`ghginv.kernels.numpy_run`) is made on this figure, so
    that an incremental run adding few rows to cached ones stays in numpy; the bits are the same
    either way. A cached entry that turns out unusable is read and built as usual. ``digests``:
    the files' sha256 as the hash cache knows them (:func:`_known_digests`; looked up when not given)."""
    if input_bytes is None or input_bytes < kernels.NUMPY_RUN_MAX_BYTES or not cubecache.enabled():
        return input_bytes
    if digests is None:
        digests = _known_digests(files)
    cached = 0
    for i, digest in enumerate(digests):
        if digest is not None and cubecache.has(cache_key(digest, files[i].partitions, keep_entity)):
            cached += _fs.size(files[i].path)
    return input_bytes - cached


def cube_threads(files, input_bytes: int | None) -> int:
    """How many threads build file cubes at once: 2 (the machine's cores, at most 2) when at
    least two files hold together at least :data:`PARALLEL_MIN_BYTES`, else 1.

    ``GHGINV_CUBE_THREADS`` overrides it (1 builds the files one after the other, each read
    ahead in a background thread). The cube does not depend on it: every file's cube is built
    on its own and the files' cubes are added in input order (:mod:`ghginv.pipeline.filecube`).

    Parameters
    ----------
    files : list of ActivityFile
        The run's activity files.
    input_bytes : int or None
        Their bytes together (:func:`_input_bytes`); None when one is unreadable (then 1: the read names it).

    Returns
    -------
    int
        1 or more.
    """
    text = os.environ.get("GHGINV_CUBE_THREADS", "").strip()
    if text.isdigit() and int(text) > 0:
        return min(int(text), max(1, len(files)))
    if len(files) < 2 or min(os.cpu_count() or 1, 2) < 2:
        return 1
    return 2 if input_bytes is not None and input_bytes >= PARALLEL_MIN_BYTES else 1


READ_AHEAD_LOADING = 4  # batches a file reads ahead until the first batch was added (numba loading), ~25 MB each at 2**20 rows
PARALLEL_MIN_BYTES = 8 << 20  # about 1 M activity rows: below it a second thread costs more than it saves


def _build_local(files, known, cfg, cube_years, progress, input_bytes, digests=None):
    """The local engine: each file's cube (:mod:`ghginv.pipeline.filecube`) from the cube cache or
    from its rows, added together in input order; files are hashed in a thread while the cubes
    are built, by :func:`cube_threads` threads at once, each file read ahead in a thread of its own.

    ``digests``: the files' sha256 as the hash cache knows them (:func:`_known_digests`), which
    are not hashed again. A file of at least ``hashcache.MIN_BYTES`` that the hash cache does not
    know (new or changed since the last run, most likely not in the cube cache either; with the
    hash cache on) is read at once, while the hash thread hashes it: the build does not wait for
    its sha256. As soon as the
    sha256 is known, and once more when the build is done, the cube cache is asked for it; an
    entry that is there and usable is taken and the build dropped (it would have given the same
    cube), so the files taken from the cache are those of a run that waits for every hash."""
    use_cache = cubecache.enabled()
    # each local file's identity before it is hashed or read: a file built from its rows must keep it until both
    # are done, or its cube and its sha256 might be of two versions of it (_check_unchanged)
    before = [_ident(f) for f in files]
    checker = BatchValidator(known, cube_years, cfg.regions, cfg.keep_entity)  # value checks of cached cubes
    merger = CubeMerger(cube_years, cfg.keep_entity)
    on_rows = getattr(progress, "rows", None)  # progress bar (ghginv.core.progress)
    total, done = (total_rows(files), 0) if on_rows else (None, 0)
    lock = threading.Lock()
    stop = threading.Event()  # a file failed: the others stop at their next batch
    problems = []
    hit = [False] * len(files)
    threads = cube_threads(files, input_bytes)

    def count(n: int) -> None:
        nonlocal done
        if on_rows:
            with lock:
                done += n
                on_rows(done, total)

    added = threading.Event()  # a first batch went through the kernel: numba is loaded (or not needed)

    def on_batch(b) -> None:
        added.set()
        count(b.data.num_rows)

    def until_stopped(batches, also=None):
        for batch in batches:
            if stop.is_set() or (also is not None and also()):
                return
            yield batch

    with ThreadPoolExecutor(max_workers=1) as pool:  # hash inputs while they stream; store cubes
        digests = digests if digests is not None else [None] * len(files)
        hashes = [_done(d) if d is not None else pool.submit(_fs.sha256, f.path)  # local or shared storage (ghginv.core._fs)
                  for f, d in zip(files, digests)]
        # local files only (shared storage is read once), sized by their identity (its third field)
        speculate = [use_cache and d is None and hashcache.enabled() and b is not None and b[2] >= hashcache.MIN_BYTES
                     for d, b in zip(digests, before)]

        def cached(i, f):
            """File i's usable cube from the cube cache (waits for its sha256), or None."""
            fc = from_cache(cubecache.get(cache_key(hashes[i].result(), f.partitions, cfg.keep_entity)))
            return fc if fc is not None and usable(fc, cube_years, checker) else None

        def one(i, f):
            """File i's cube: (FileCube or None, from the cache, its validator)."""
            if use_cache and not speculate[i]:
                fc = cached(i, f)
                if fc is not None:
                    count(fc.meta["rows_read"])
                    return fc, True, None
            batches = stream_batches([f], cfg.batch_size, cfg.keep_entity)
            # read ahead in a thread: with several builders one batch, so that the last file, when
            # the other builders are done, still decodes on one core while its rows are added on the other
            # ahead, and further ahead until a first batch was added: meanwhile numba loads (kernels.preload)
            batches = prefetched(batches, depth=2 if threads == 1 else 1, until=(added, READ_AHEAD_LOADING))
            if not speculate[i]:
                fc, v = build_file_cube(until_stopped(batches), known, cube_years, cfg.regions, cfg.keep_entity, on_batch)
                return fc, False, v
            # read while the file is hashed; its cube from the cache if the sha256 finds one
            found, rows = [], [0]

            def on_own_batch(b) -> None:
                rows[0] += b.data.num_rows
                on_batch(b)

            def hit_meanwhile() -> bool:
                if not found and hashes[i].done():
                    found.append(cached(i, f))
                return bool(found) and found[0] is not None

            fc, v = build_file_cube(until_stopped(batches, hit_meanwhile), known, cube_years, cfg.regions,
                                    cfg.keep_entity, on_own_batch)
            hit_fc = found[0] if found and found[0] is not None else (cached(i, f) if not found else None)
            if hit_fc is not None:
                count(hit_fc.meta["rows_read"] - rows[0])
                return hit_fc, True, None
            return fc, False, v

        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ghginv-cube") as builders:
            if threads == 1:  # one after the other, in this thread
                results = (one(i, f) for i, f in enumerate(files))
            else:  # taken in input order by the first free thread; the cubes are added in input order
                futures = [builders.submit(one, i, f) for i, f in enumerate(files)]
                results = _in_order(futures, merger)
            stores = []
            try:
                for i, (fc, from_c, v) in enumerate(results):
                    if from_c:
                        hit[i] = True
                        merger.add(fc)
                        continue
                    if fc is None:
                        problems.extend(v.problems())
                        continue
                    if not problems:
                        merger.add(fc)
                    if use_cache:
                        stores.append(pool.submit(_store, hashes[i], files[i], cfg.keep_entity, fc, before[i]))
            except BaseException:
                stop.set()
                builders.shutdown(wait=True, cancel_futures=True)
                raise
        if problems:
            raise ValidationError("activity data break the data contract; nothing was computed", problems)
        for f, h, c, b in zip(files, hashes, hit, before):
            if not c:  # built from its rows: its cube and its sha256 are of the same bytes
                h.result()
                _check_unchanged(f, b)
        cube, tally = merger.finalize()
        inputs = [{"path": str(f.path), "sha256": "sha256:" + h.result(), "bytes": _fs.size(f.path), "from_cache": c}
                  for f, h, c in zip(files, hashes, hit)]
    return cube, inputs, tally


def _in_order(futures, merger):
    """The futures' results in order; the first time one is not ready yet, the file cubes added so far
    (from the cube cache, on an incremental run) are added up meanwhile (:meth:`CubeMerger.fold`)."""
    folded = False
    for fut in futures:
        if not folded and not fut.done() and len(merger.parts) > 1:
            merger.fold()
            folded = True
        yield fut.result()


def _done(value) -> Future:
    """A future that already holds ``value``."""
    f = Future()
    f.set_result(value)
    return f


def _ident(f) -> tuple | None:
    """Activity file ``f``'s identity now (:func:`ghginv.core.hashcache.file_ident`); None on shared storage or when
    it cannot be stat'ed (the read names it)."""
    if isinstance(f.path, _fs.Remote):
        return None
    try:
        return hashcache.file_ident(f.path)
    except OSError:
        return None


def _changed(f, before) -> bool:
    """Whether activity file ``f`` no longer has the identity ``before`` it had when the cube stage started (None:
    not checked)."""
    return before is not None and _ident(f) != before


def _check_unchanged(f, before) -> None:
    """Raise :class:`InputFileError` when local activity file ``f`` no longer has the identity ``before``
    (:func:`ghginv.core.hashcache.file_ident`) it had when the cube stage started (None: not checked)."""
    if _changed(f, before):
        raise InputFileError(f"{f.path}: the file changed while ghginv read it (written or replaced during the run); "
                             "nothing was written: run again once no program writes it")


def _store(digest, f, keep_entity: bool, fc, before=None) -> None:
    """Put file ``f``'s cube ``fc`` into the cube cache under its sha256 (``digest``, a future), unless the file
    changed since the stage started (``before``: its identity then): the cube and the sha256 might then be of two
    versions of it."""
    key = cache_key(digest.result(), f.partitions, keep_entity)
    if _changed(f, before):
        return  # the stage raises (_check_unchanged)
    cubecache.put(key, fc.arrays, fc.meta)
