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
``~/.cache/ghginv/cubes/``. One file per entry, ``<key>.npz``; deleting the folder clears the
cache.

Bound: at most ``GHGINV_CUBE_CACHE_MB`` MiB (default :data:`DEFAULT_MB`) of entries; the least
recently used entries (by modification time, touched on every hit) are removed when a new entry
takes the folder over the bound. ``GHGINV_CUBE_CACHE_MB=0`` stores nothing.

Off: ``GHGINV_CACHE=0`` (or ``ghginv compile --no-cache``): every file is read, nothing stored.

Safety under concurrent runs: an entry is written to a temporary file in the same folder and
renamed into place (:func:`os.replace`, atomic on POSIX and Windows), so a reader sees a whole
entry or none; each entry also carries the sha256 of its arrays, checked on every read, and any
error while reading (a damaged or vanished entry) is a miss. Two runs storing the same key write
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

__all__ = ["enabled", "cache_dir", "max_bytes", "get", "put", "DEFAULT_MB", "FORMAT"]

DEFAULT_MB = 2048
FORMAT = 1  # layout of an entry; part of every key
_ARRAYS = ("year", "region", "sector", "activity", "unit", "entity", "sums", "counts",
           "nk_year", "nk_region", "nk_sector", "nk_activity", "nk_key")
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


def _digest(arrays: dict[str, np.ndarray], meta_text: str) -> str:
    h = hashlib.sha256(meta_text.encode("utf-8", "surrogatepass"))
    for name in _ARRAYS:
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode() + str(a.dtype).encode() + str(a.shape).encode())
        h.update(a.tobytes())
    return h.hexdigest()


def get(key: str) -> tuple[dict[str, np.ndarray], dict] | None:
    """The entry stored under ``key``, or None (missing, damaged, or the cache unreadable).

    Parameters
    ----------
    key : str
        Hex key of the entry (a file's sha256 combined with what else shapes its cube).

    Returns
    -------
    tuple of (dict of str to numpy.ndarray, dict) or None
        The entry's arrays and its metadata; the entry is marked as just used.
    """
    path = cache_dir() / f"{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {name: z[name] for name in _ARRAYS}
            meta_text = bytes(z["meta"]).decode("utf-8", "surrogatepass")
            digest = bytes(z["digest"]).decode("ascii")
        if digest != _digest(arrays, meta_text):
            return None
        meta = json.loads(meta_text)
        try:
            os.utime(path)  # least recently used goes first
        except OSError:
            pass
        return arrays, meta
    except Exception:  # noqa: BLE001 - a damaged, vanished or unreadable entry is a miss
        return None


def put(key: str, arrays: dict[str, np.ndarray], meta: dict) -> bool:
    """Store an entry atomically, then keep the cache within its bound.

    Parameters
    ----------
    key : str
        Hex key of the entry.
    arrays : dict of str to numpy.ndarray
        The numeric arrays of the entry (every name of the entry layout).
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
        meta_text = json.dumps(meta, ensure_ascii=True, sort_keys=True)
        payload = {name: np.ascontiguousarray(arrays[name]) for name in _ARRAYS}
        payload["meta"] = np.frombuffer(meta_text.encode("ascii"), np.uint8)
        payload["digest"] = np.frombuffer(_digest(payload, meta_text).encode("ascii"), np.uint8)
        fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp-", suffix=".npz")
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **payload)
        os.replace(tmp, d / f"{key}.npz")
        tmp = None
        _evict(d, limit, keep=f"{key}.npz")
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
            if e.name.endswith(".npz"):
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
