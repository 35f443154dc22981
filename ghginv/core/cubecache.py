"""Cube cache: the aggregated activity of each input file, kept by the file's sha256.

A compile builds the cube of every activity file on its own (amounts summed per (year, region,
sector, activity, unit[, entity]) in the file's row order) and adds the files' cubes together in
the order of the inputs (:mod:`ghginv.pipeline.activity`). The cube of a file is stored here, so
a later compile that sees the same bytes in the same partition folders takes it from the cache
instead of reading the file again; a compile after adding files reads only the new ones. Since
the cold path adds per-file cubes in the same order, a compile from the cache gives the same bits
as one without it.

Where: ``cubes/`` next to the hash cache (:func:`ghginv.core.hashcache.cache_path`):
``$GHGINV_CACHE_DIR/cubes/``, else ``$XDG_CACHE_HOME/ghginv/cubes/``, else
``~/.cache/ghginv/cubes/``. One file per entry, ``<key>.cube``; deleting the folder clears the
cache.

Layout of an entry (format 2): the 8 bytes ``GHGCUBE2``, the length of a JSON header (8 bytes,
little-endian), the header (the arrays' names, dtypes and lengths, and the entry's metadata), the
sha256 of the header and the arrays (32 bytes), then the arrays' raw little-endian bytes, each
starting at a multiple of 8. A read is one ``readinto`` of the whole file into a writable buffer
and a view per array (no decoding, no copy). Entries of format 1 (``<key>.npz``, NumPy archives)
are never read: their keys hold the format too, so no run looks them up, and they count towards
the bound and are evicted like any other entry.

Bound: at most ``GHGINV_CUBE_CACHE_MB`` MiB (default :data:`DEFAULT_MB`) of entries; the least
recently used entries (by modification time, touched on every hit) are removed when a new entry
takes the folder over the bound. ``GHGINV_CUBE_CACHE_MB=0`` stores nothing.

Off: ``GHGINV_CACHE=0`` (or ``ghginv compile --no-cache``): every file is read, nothing stored.

Safety under concurrent runs: an entry is written to a temporary file in the same folder and
renamed into place (:func:`os.replace`, atomic on POSIX and Windows), so a reader sees a whole
entry or none; each entry also carries the sha256 of its header and arrays, checked on every
read, and any error while reading (a damaged, torn, vanished or foreign entry) is a miss. Two runs storing the same key write
the same content. Eviction only unlinks files; a run that has an entry open keeps reading it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

__all__ = ["enabled", "cache_dir", "max_bytes", "get", "has", "put", "DEFAULT_MB", "FORMAT", "SUFFIX"]

DEFAULT_MB = 2048
FORMAT = 2  # layout of an entry; part of every key (1: NumPy .npz archives)
SUFFIX = ".cube"  # an entry's file name: <key>.cube
_SUFFIXES = (SUFFIX, ".npz")  # entries the bound counts and evicts: this format's and format 1's
_MAGIC = b"GHGCUBE2"
_ARRAYS = ("year", "region", "sector", "activity", "unit", "entity", "sums", "counts",
           "nk_year", "nk_region", "nk_sector", "nk_activity", "nk_key")
_DTYPES = {"sums": "<f8", "counts": "<i8"}  # the others: int32
_STALE_TMP_S = 3600.0


def enabled() -> bool:
    """Whether the cube cache is on.

    Returns
    -------
    bool
        False when ``GHGINV_CACHE`` is ``0``, ``off``, ``no`` or ``false`` (any case); True
        otherwise (the default).
    """
    return os.environ.get("GHGINV_CACHE", "1").strip().lower() not in ("0", "off", "no", "false")


def cache_dir() -> Path:
    """The folder of the cube cache: ``cubes/`` next to the hash cache's database.

    Returns
    -------
    pathlib.Path
        ``$GHGINV_CACHE_DIR/cubes``, else ``$XDG_CACHE_HOME/ghginv/cubes``, else
        ``~/.cache/ghginv/cubes``.
    """
    from .hashcache import cache_path

    return cache_path().parent / "cubes"


def max_bytes() -> int:
    """The bound of the cache in bytes.

    Returns
    -------
    int
        ``GHGINV_CUBE_CACHE_MB`` MiB (a non-negative number; default :data:`DEFAULT_MB`).
    """
    text = os.environ.get("GHGINV_CUBE_CACHE_MB", "").strip()
    try:
        mb = float(text) if text else DEFAULT_MB
    except ValueError:
        mb = DEFAULT_MB
    return max(0, int(mb * (1 << 20)))


def _pad8(n: int) -> int:
    return (n + 7) & ~7


def has(key: str) -> bool:
    """Whether an entry is stored under ``key`` (a look at the folder; the entry is not read).

    Parameters
    ----------
    key : str
        Hex key of the entry.

    Returns
    -------
    bool
        True when its file exists (:func:`get` may still find it damaged).
    """
    return os.path.isfile(cache_dir() / f"{key}{SUFFIX}")


def get(key: str) -> tuple[dict[str, np.ndarray], dict] | None:
    """The entry stored under ``key``, or None (missing, damaged, or the cache unreadable).

    Parameters
    ----------
    key : str
        Hex key of the entry (a file's sha256 combined with what else shapes its cube).

    Returns
    -------
    tuple of (dict of str to numpy.ndarray, dict) or None
        The entry's arrays (writable views of one buffer, native byte order) and its metadata;
        the entry is marked as just used.
    """
    path = cache_dir() / f"{key}{SUFFIX}"
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            buf = bytearray(size)
            if f.readinto(buf) != size or buf[:8] != _MAGIC:
                return None
        view = memoryview(buf)
        n_head = int.from_bytes(view[8:16], "little")
        head_end = 16 + n_head
        body = _pad8(head_end + 32)
        if body > size:
            return None
        h = hashlib.sha256(view[16:head_end])
        h.update(view[body:])
        if h.digest() != view[head_end:head_end + 32]:
            return None
        head = json.loads(bytes(view[16:head_end]).decode("ascii"))
        arrays = {}
        at = body
        for name, dtype, n in head["arrays"]:
            dt = np.dtype(dtype)
            a = np.frombuffer(buf, dt, n, at)
            arrays[name] = a if dt.isnative else a.astype(dt.newbyteorder("="))
            at = _pad8(at + dt.itemsize * n)
        if at != _pad8(size) or set(arrays) != set(_ARRAYS):
            return None
        try:
            os.utime(path)  # least recently used goes first
        except OSError:
            pass
        return arrays, head["meta"]
    except Exception:  # noqa: BLE001 - a damaged, vanished or unreadable entry is a miss
        return None


def _encode(arrays: dict[str, np.ndarray], meta: dict) -> list:
    """The entry's bytes, as a list of buffers to write one after the other."""
    parts = []
    index = []
    for name in _ARRAYS:
        a = np.ascontiguousarray(arrays[name], _DTYPES.get(name, "<i4"))
        if a.ndim != 1:
            raise ValueError(f"{name}: one dimension expected")
        index.append([name, a.dtype.str, int(a.shape[0])])
        parts.append(a)
    head = json.dumps({"arrays": index, "meta": meta}, ensure_ascii=True, sort_keys=True).encode("ascii")
    h = hashlib.sha256(head)
    body = []
    at = 0
    for a in parts:
        raw = a.tobytes()
        pad = _pad8(len(raw)) - len(raw)
        body.append(raw + b"\0" * pad)
        at += len(raw) + pad
    lead = _pad8(16 + len(head) + 32) - (16 + len(head) + 32)
    for chunk in body:
        h.update(chunk)
    return [_MAGIC, len(head).to_bytes(8, "little"), head, h.digest(), b"\0" * lead, *body]


def put(key: str, arrays: dict[str, np.ndarray], meta: dict) -> bool:
    """Store an entry atomically, then keep the cache within its bound.

    Parameters
    ----------
    key : str
        Hex key of the entry.
    arrays : dict of str to numpy.ndarray
        The numeric arrays of the entry (every name of the entry layout, one dimension each).
    meta : dict
        JSON-serialisable metadata (the files' strings, counts, the tally).

    Returns
    -------
    bool
        True when the entry was stored; False when the cache is bounded to 0 bytes or could not
        be written (the cache is optional: no error).
    """
    limit = max_bytes()
    if limit <= 0:
        return False
    d = cache_dir()
    tmp = None
    try:
        d.mkdir(parents=True, exist_ok=True)
        chunks = _encode(arrays, meta)
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=SUFFIX)
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk)
        os.replace(tmp, d / f"{key}{SUFFIX}")
        tmp = None
        _evict(d, limit, keep=f"{key}{SUFFIX}")
        return True
    except Exception:  # noqa: BLE001 - the cache is optional
        return False
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _evict(d: Path, limit: int, keep: str) -> None:
    """Remove the least recently used entries until the folder holds at most ``limit`` bytes
    (never ``keep``, the entry just written); temporary files of crashed runs go after an hour."""
    entries = []
    total = 0
    now = time.time()
    with os.scandir(d) as it:
        for e in it:
            try:
                st = e.stat()
            except OSError:
                continue
            if e.name.startswith(".tmp-"):
                if now - st.st_mtime > _STALE_TMP_S:
                    _unlink(e.path)
                continue
            if e.name.endswith(_SUFFIXES):
                entries.append((st.st_mtime, e.name, st.st_size))
                total += st.st_size
    if total <= limit:
        return
    for _, name, size in sorted(entries):
        if name == keep:
            continue
        if _unlink(os.path.join(d, name)):
            total -= size
        if total <= limit:
            break


def _unlink(path: str) -> bool:
    try:
        os.unlink(path)
        return True
    except OSError:
        return False
