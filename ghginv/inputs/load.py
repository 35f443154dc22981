"""Load: find activity Parquet files and stream their record batches.

Inputs are files, lists of files, or directories (searched recursively; Hive partition folders
such as ``year=2022/`` or ``region=510105/`` supply constant columns; their keys and values are
percent-decoded as pyarrow, Spark and Hive write them, so ``region=%E9%9D%92%E7%BE%8A%E5%8C%BA/``
is the region 青羊区). Files are read with
``pyarrow.parquet.ParquetFile.iter_batches``: never the whole input at once. String columns are
read as dictionaries (``read_dictionary``), so later stages work on small integer codes.

Each yielded :class:`Batch` knows its file and the 1-based number of its first row, so every
problem can be reported with file and row.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import pyarrow as pa
import pyarrow.parquet as pq
import pyarrow.types as pat

from ..core import _fs
from ..core.errors import InputFileError, Problem, SchemaError

__all__ = ["check_batch", "Batch", "ActivityFile", "discover", "stream_batches", "prefetched", "REQUIRED", "OPTIONAL"]

REQUIRED = ("year", "region", "sector", "activity", "amount", "unit")
OPTIONAL = ("entity_id", "notation_key")
STRING_COLS = ("region", "sector", "activity", "unit", "entity_id", "notation_key")


@dataclass(frozen=True)
class ActivityFile:
    path: Path | _fs.Remote  # a local file, or one on shared storage (str() is its URL)
    partitions: dict[str, str]  # from key=value folders below the given directory


@dataclass
class Batch:
    file: Path | _fs.Remote
    first_row: int  # 1-based number of this batch's first row within its file
    data: pa.RecordBatch
    constants: dict[str, str]  # partition columns not stored in the file
    partitions: dict[str, str] = None  # every key=value folder of the file

    def __post_init__(self):
        if self.partitions is None:
            self.partitions = dict(self.constants)


def _is_data_file(p: Path) -> bool:
    return p.is_file() and not p.name.startswith((".", "_")) and p.suffix.lower() in (".parquet", ".pq", ".parq")


def _partitions(segments, where: str, problems: list[Problem]) -> dict[str, str]:
    """The ``key=value`` folders among ``segments``, percent-decoded (UTF-8, as pyarrow writes them).

    A segment that is not valid UTF-8 percent-encoding (``region=%FF``) is added to ``problems``."""
    parts = {}
    for seg in segments:
        if "=" not in seg:
            continue
        try:
            key, value = (unquote(x, errors="strict") for x in seg.split("=", 1))
        except UnicodeDecodeError:
            problems.append(Problem(f"partition folder {seg!r} is not UTF-8 percent-encoding",
                                    file=where, hint="name partition folders key=value with the value in "
                                    "UTF-8 (percent-encoded, as pyarrow writes them)"))
            continue
        parts[key] = value
    return parts


def discover(paths: list[Path | str] | tuple[Path | str, ...]) -> list[ActivityFile]:
    """List the Parquet files behind ``paths``, sorted, with their Hive partition values.

    A path may be a URL on shared storage (``s3://bucket/activity``, ``hdfs://…``, ``file://…``,
    any fsspec protocol; :mod:`ghginv.core._fs`): its files are :class:`~ghginv.core._fs.Remote` values.

    Parameters
    ----------
    paths : list or tuple of (pathlib.Path or str)
        Files, folders (searched recursively; hidden and ``_`` entries skipped) or URLs.

    Returns
    -------
    list of ActivityFile
        One per distinct file (``*.parquet``, ``*.pq``, ``*.parq``), in the order given and sorted
        within a folder, with the ``key=value`` folders below the given folder as ``partitions``.

    Raises
    ------
    InputFileError
        Listing every path that does not exist, a folder that holds no Parquet file, or a
        ``key=value`` folder whose value is not UTF-8 percent-encoding.
    """
    files: list[ActivityFile] = []
    problems = []
    for given in paths:
        if _fs.is_url(given):
            found, remote_problems = _discover_remote(_fs.remote(_fs.location(given)))
            files.extend(found)
            problems.extend(remote_problems)
            continue
        given = Path(given)
        if given.is_file():
            files.append(ActivityFile(given, {}))
        elif given.is_dir():
            found = []
            for root, dirs, names in os.walk(given):
                dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
                for n in sorted(names):
                    p = Path(root) / n
                    if _is_data_file(p):
                        rel = p.relative_to(given).parts[:-1]
                        found.append(ActivityFile(p, _partitions(rel, str(p.parent), problems)))
            if not found:
                problems.append(Problem("directory holds no Parquet files (*.parquet)", file=str(given)))
            files.extend(found)
        else:
            problems.append(Problem("activity path does not exist", file=str(given)))
    if problems:
        unique_problems = list({(p.message, p.file): p for p in problems}.values())  # one per folder
        found_all = all("partition folder" in p.message for p in unique_problems)
        raise InputFileError("activity partition folders not readable" if found_all else "activity data not found",
                             unique_problems)
    seen = set()
    unique = []
    for f in files:
        key = f.path.url if isinstance(f.path, _fs.Remote) else f.path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def _discover_remote(given: _fs.Remote) -> tuple[list[ActivityFile], list[Problem]]:
    """The files behind one URL (a file, or a folder listed recursively like a local one)."""
    what = _fs.kind(given)
    if what == "file":
        return [ActivityFile(given, {})], []
    if what == "missing":
        return [], [Problem("activity path does not exist", file=str(given))]
    problems: list[Problem] = []
    found = [
        ActivityFile(r, _partitions(dirs, str(r), problems))
        for r, dirs in _fs.walk(given)
        if r.name.lower().endswith((".parquet", ".pq", ".parq"))
    ]
    if not found:
        return [], [Problem("directory holds no Parquet files (*.parquet)", file=str(given))]
    return found, problems


def _type_ok(col: str, t: pa.DataType) -> bool:
    if pat.is_dictionary(t):
        t = t.value_type
    if col == "year":
        return pat.is_integer(t)
    if col == "amount":
        return pat.is_floating(t) or pat.is_integer(t) or pat.is_decimal(t) or pat.is_null(t)
    if col in ("region", "entity_id"):
        return pat.is_string(t) or pat.is_large_string(t) or pat.is_integer(t)
    return pat.is_string(t) or pat.is_large_string(t) or pat.is_null(t)


_EXPECTED = {
    "year": "integer",
    "amount": "float (or integer)",
    "region": "string (or integer code)",
    "entity_id": "string or integer",
}


def check_schema(f: ActivityFile, schema: pa.Schema, keep_entity: bool) -> tuple[list[str], list[Problem]]:
    """Columns to read from this file, or the problems with its schema."""
    problems = []
    names = schema.names
    dups = sorted({n for n in names if names.count(n) > 1})
    for d in dups:
        problems.append(Problem(f"column '{d}' appears {names.count(d)} times", file=str(f.path), column=d))
    for col in REQUIRED:
        if col not in names and col not in f.partitions:
            problems.append(
                Problem(
                    f"required column '{col}' is missing",
                    file=str(f.path),
                    hint=f"activity files need columns {', '.join(REQUIRED)} (year may come from a year=YYYY folder); "
                    f"found: {', '.join(names)}",
                )
            )
    for col in REQUIRED + OPTIONAL:
        if col in names and col not in dups:
            t = schema.field(col).type
            if not _type_ok(col, t):
                problems.append(
                    Problem(
                        f"column '{col}' has type {t}, expected {_EXPECTED.get(col, 'string')}",
                        file=str(f.path),
                        column=col,
                    )
                )
    cols = [c for c in REQUIRED if c in names]
    cols += [c for c in ("notation_key",) if c in names]
    if keep_entity and "entity_id" in names:
        cols.append("entity_id")
    return cols, problems


def open_file(f: ActivityFile, keep_entity: bool) -> tuple[pq.ParquetFile, list[str]]:
    """Open one file (local or on shared storage, :mod:`ghginv.core._fs`) and check its schema; raise on
    a corrupt file or a wrong schema. The footer is read once and reused for the reader."""
    remote = isinstance(f.path, _fs.Remote)

    def unreadable(e: BaseException) -> InputFileError:  # damaged metadata may not be UTF-8
        return InputFileError(f"{f.path}: not a readable Parquet file ({_fs.brief(e) if remote else e})")

    try:
        if _fs.size(f.path) == 0:
            raise InputFileError(f"{f.path}: file is empty (0 bytes)")
        src = _fs.parquet_source(f.path)
        footer = pq.ParquetFile(src)
        arrow_schema, meta = footer.schema_arrow, footer.metadata
    except InputFileError:
        raise
    except (pa.ArrowException, OSError, UnicodeDecodeError) as e:
        raise unreadable(e) from None
    cols, problems = check_schema(f, arrow_schema, keep_entity)
    if problems:
        raise SchemaError(f"{f.path}: wrong schema", problems)
    dict_cols = [c for c in cols if c in STRING_COLS and not pat.is_integer(arrow_schema.field(c).type)]
    try:
        pf = pq.ParquetFile(src, read_dictionary=dict_cols, metadata=meta)
    except (pa.ArrowException, OSError, UnicodeDecodeError) as e:
        raise unreadable(e) from None
    return pf, cols


def stream_batches(files: list[ActivityFile], batch_size: int, keep_entity: bool) -> Iterator[Batch]:
    """Yield record batches of every file in order, with file and row numbers.

    Parameters
    ----------
    files : list of ActivityFile
        The files (:func:`discover`).
    batch_size : int
        Most rows per batch.
    keep_entity : bool
        Read the ``entity_id`` column too.

    Yields
    ------
    Batch
        A record batch of the file's needed columns (strings as dictionaries), its file, the
        1-based number of its first row, and the partition values not stored in the file.

    Raises
    ------
    InputFileError
        For an empty, unreadable or corrupt file.
    SchemaError
        For a file whose columns are missing or of the wrong type.
    """
    for f in files:
        pf, cols = open_file(f, keep_entity)
        if pf.metadata.num_rows == 0:
            raise InputFileError(
                f"{f.path}: file has no rows",
                [Problem("remove the empty file or fill it", file=str(f.path))],
            )
        constants = {k: v for k, v in f.partitions.items() if k not in cols}
        row = 1
        try:
            for rb in pf.iter_batches(batch_size=batch_size, columns=cols, use_threads=True):
                if rb.num_rows:
                    yield Batch(f.path, row, rb, constants, f.partitions)
                    row += rb.num_rows
        except (pa.ArrowException, OSError, UnicodeDecodeError) as e:  # damaged metadata may not be UTF-8
            raise InputFileError(f"{f.path}: corrupt Parquet data near row {row} ({e})") from None


_END = object()


def prefetched(batches: Iterator[Batch], depth: int = 2, until: tuple | None = None) -> Iterator[Batch]:
    """Yield ``batches`` while a background thread reads the next ones (at most ``depth`` ahead).

    Parquet decoding (pyarrow) and the cube kernel (numba) both release the GIL, so on two cores
    reading the next batch overlaps with aggregating this one. An exception of the reader (e.g.
    a corrupt file) is raised here, in order, after the batches before it; stopping early (an
    error downstream) stops the reader.

    Parameters
    ----------
    batches : iterator of Batch
        The batches to read ahead (:func:`stream_batches`).
    depth : int, default 2
        Most batches read ahead.
    until : tuple of (threading.Event, int), optional
        ``(event, more)``: until ``event`` is set, read up to ``more`` batches ahead instead of
        ``depth`` (the cube stage reads further ahead while numba loads, see
        :func:`ghginv.kernels.preload`); batches read then are yielded as usual.

    Yields
    ------
    Batch
        The batches of ``batches``, in order.
    """
    import queue
    import threading
    import time

    ready, more = until if until is not None else (None, depth)
    q: queue.Queue = queue.Queue(maxsize=max(depth, more))
    stop = threading.Event()

    def put(item) -> bool:
        if ready is not None and more > depth:  # past the wait: back to ``depth`` ahead
            while ready.is_set() and q.qsize() >= depth and not stop.is_set():
                time.sleep(0.002)
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def reader():
        try:
            for b in batches:
                if not put(b):
                    return
            put(_END)
        except BaseException as e:  # handed to the consumer, raised there
            put(e)

    t = threading.Thread(target=reader, name="ghginv-reader", daemon=True)
    t.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        t.join()


def check_batch(batch: Batch) -> None:
    """Full structural check of a streamed batch (UTF-8 of strings, dictionary indices, buffer
    sizes): a damaged Parquet page must be a clear error, never a crash deeper down (~10 ms per
    million rows).

    Parameters
    ----------
    batch : Batch
        A streamed batch.

    Raises
    ------
    InputFileError
        Naming the file and the batch's rows when the batch's data are damaged.
    """
    try:
        batch.data.validate(full=True)
    except (pa.ArrowException, ValueError) as e:
        raise InputFileError(
            f"{batch.file}: corrupt Parquet data in rows {batch.first_row}–{batch.first_row + batch.data.num_rows - 1} ({e})"
        ) from None


def check_batch_light(batch: Batch) -> None:
    """The part of :func:`check_batch` that does not grow with rows, for the cube's fast path:
    buffer sizes of every column, UTF-8 of every dictionary (a few hundred strings) and full
    checks of plain string columns. Dictionary indices are bounds-checked by the fused kernel
    itself, which hands a batch with a bad index to :func:`check_batch`. Any problem found here
    is reported by :func:`check_batch`, so the message is the same on both paths."""
    rb = batch.data
    try:
        rb.validate()
        for col in rb.columns:
            t = col.type
            if pat.is_dictionary(t):
                col.dictionary.validate(full=True)
            elif not (pat.is_integer(t) or pat.is_floating(t) or pat.is_boolean(t) or pat.is_null(t)):
                col.validate(full=True)
    except (pa.ArrowException, ValueError):
        check_batch(batch)  # raises with the rows; should it pass, the full check is the word
