"""Hash cache: the sha256 of a large local file, remembered while the file is unchanged.

Every run records the sha256 of each input in ``manifest.json``. Hashing 0.8 GB of activity data
costs about 1 s of CPU, on every run, for files that rarely change. Like git's index, the cache
remembers a file's sha256 under its identity and stat data: real path, device, inode, size,
``mtime_ns`` and ``ctime_ns``. A file whose stat data still match is not read again; any write
changes ``mtime`` and ``ctime`` (``ctime`` cannot be set back by a user), so a changed file is
always hashed afresh. The manifest records the same sha256 either way.

Safeguards:

* only files of at least :data:`MIN_BYTES` are cached (hashing a small file is cheaper than a
  lookup), so run outputs, factor sets and test files never touch the cache;
* a hash is stored only when the file's stat data are the same before and after reading it, and
  its ``mtime`` and ``ctime`` are at least :data:`RACY_S` seconds older than the moment it was
  read (a file written in the same timestamp tick as the read could change unseen: git's
  "racily clean" problem);
* files on shared storage (URLs, :mod:`ghginv.core._fs`) are never cached;
* any error of the cache (unwritable folder, damaged database) only turns the cache off.

Where: ``$GHGINV_CACHE_DIR/hashes.sqlite``, else ``$XDG_CACHE_HOME/ghginv/hashes.sqlite``, else
``~/.cache/ghginv/hashes.sqlite``. ``GHGINV_HASH_CACHE=0`` (or ``ghginv compile
--no-hash-cache``) turns it off: every file is read. The cube cache (:mod:`ghginv.core.cubecache`) lives
beside it, in ``cubes/``.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

__all__ = ["file_sha256", "known_sha256", "file_ident", "cache_path", "enabled", "MIN_BYTES", "RACY_S"]

MIN_BYTES = 1 << 20
RACY_S = 2.0
CHUNK = 1 << 20
_lock = threading.Lock()


def enabled() -> bool:
    """Whether the hash cache is on.

    Returns
    -------
    bool
        False when ``GHGINV_HASH_CACHE`` is ``0``, ``off``, ``no`` or ``false`` (any case);
        True otherwise (the default).
    """
    return os.environ.get("GHGINV_HASH_CACHE", "1").strip().lower() not in ("0", "off", "no", "false")


def cache_path() -> Path:
    """Where the cache database lives.

    Returns
    -------
    pathlib.Path
        ``$GHGINV_CACHE_DIR/hashes.sqlite``, else ``$XDG_CACHE_HOME/ghginv/hashes.sqlite``, else
        ``~/.cache/ghginv/hashes.sqlite``.
    """
    d = os.environ.get("GHGINV_CACHE_DIR")
    if d:
        return Path(d) / "hashes.sqlite"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ghginv" / "hashes.sqlite"


def _hash(path) -> str:
    # read into one reused buffer: no new bytes object (and its page faults) per chunk; 154 MB of
    # Parquet in the page cache: 0.16-0.19 s -> 0.14 s of CPU
    h = hashlib.sha256()
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as f:
        while n := f.readinto(buf):
            h.update(view[:n])
    return h.hexdigest()


def _ident(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def file_ident(path: str | os.PathLike) -> tuple[int, int, int, int, int]:
    """The identity the hash cache keys a file's sha256 on: (device, inode, size, mtime_ns, ctime_ns).

    A file written in place or replaced (a new file renamed over it) has another identity.

    Parameters
    ----------
    path : str or os.PathLike
        A local file.

    Returns
    -------
    tuple of int
        Its identity now.

    Raises
    ------
    OSError
        The file cannot be stat'ed (gone, no permission).
    """
    return _ident(os.stat(path))


def _connect():
    import sqlite3

    p = cache_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(p, timeout=5.0)
    con.execute("PRAGMA synchronous = OFF")  # a cache: a lost entry is only hashed again
    con.execute(
        "CREATE TABLE IF NOT EXISTS hashes (path TEXT PRIMARY KEY, dev INTEGER, ino INTEGER, size INTEGER, "
        "mtime_ns INTEGER, ctime_ns INTEGER, sha256 TEXT NOT NULL)"
    )
    return con


def _lookup(real: str, ident: tuple) -> str | None:
    try:
        with _lock:
            con = _connect()
            try:
                row = con.execute("SELECT dev, ino, size, mtime_ns, ctime_ns, sha256 FROM hashes WHERE path = ?", (real,)).fetchone()
            finally:
                con.close()
    except Exception:  # noqa: BLE001 - the cache is optional
        return None
    return row[5] if row is not None and tuple(row[:5]) == ident else None


def _store(real: str, ident: tuple, digest: str) -> None:
    try:
        with _lock:
            con = _connect()
            try:
                with con:
                    con.execute("INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?, ?, ?, ?)", (real, *ident, digest))
            finally:
                con.close()
    except Exception:  # noqa: BLE001 - the cache is optional
        pass


def known_sha256(paths) -> list[str | None]:
    """The sha256 of each local file as the cache knows it, without reading any file.

    One look-up per file in one connection; a file the cache does not know (never hashed, changed
    since, smaller than :data:`MIN_BYTES`, the cache off or unreadable) gives None. The cube stage
    asks this before a run to tell the files whose cubes are cached from those it will read.

    Parameters
    ----------
    paths : iterable of str or os.PathLike
        Local files.

    Returns
    -------
    list of str or None
        Per file, its hex sha256 (64 digits) or None.
    """
    paths = list(paths)
    out: list[str | None] = [None] * len(paths)
    if not paths or not enabled() or not cache_path().exists():
        return out
    try:
        with _lock:
            con = _connect()
            try:
                for i, p in enumerate(paths):
                    st = os.stat(p)
                    if st.st_size < MIN_BYTES:
                        continue
                    row = con.execute("SELECT dev, ino, size, mtime_ns, ctime_ns, sha256 FROM hashes WHERE path = ?",
                                      (os.path.realpath(p),)).fetchone()
                    if row is not None and tuple(row[:5]) == _ident(st):
                        out[i] = row[5]
            finally:
                con.close()
    except Exception:  # noqa: BLE001 - the cache is optional: unknown files are read
        return [None] * len(paths)
    return out


def file_sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a local file, from the cache when its stat data are unchanged.

    Parameters
    ----------
    path : str or os.PathLike
        A local file.

    Returns
    -------
    str
        The sha256 of its bytes, 64 hex digits (without the ``sha256:`` prefix of the manifest).
    """
    st = os.stat(path)
    if st.st_size < MIN_BYTES or not enabled():
        return _hash(path)
    real = os.path.realpath(path)
    ident = _ident(st)
    hit = _lookup(real, ident)
    if hit is not None:
        return hit
    t_read = time.time_ns()
    digest = _hash(path)
    after = file_ident(path)
    racy = max(st.st_mtime_ns, st.st_ctime_ns) > t_read - int(RACY_S * 1e9)
    if after == ident and not racy:
        _store(real, ident, digest)
    return digest
