"""Inputs on shared storage: a path or a URL -> (pyarrow filesystem, path inside it).

Used for activity data (:mod:`ghginv.inputs.load`) and for the single-table inputs read whole — sink
data, the economy table, the energy balance (:func:`input_file`, :func:`read_table`,
:func:`record`).

Local paths stay :class:`pathlib.Path` and take the same code as always (no filesystem layer).
A URL (``scheme://…``) becomes a :class:`Remote`:

* ``s3://``, ``gs://`` (``gcs://``), ``hdfs://``, ``abfs://`` (``abfss://``) and ``file://`` go to
  pyarrow's own filesystems (:meth:`pyarrow.fs.FileSystem.from_uri`); pyarrow options may follow
  as a query, e.g. ``s3://bucket/activity?endpoint_override=http://minio:9000&region=us-east-1``.
* any other protocol known to fsspec (``memory://``, ``az://``, ``sftp://``, ``http://``, …, with
  its fsspec package installed) goes through fsspec, wrapped as
  ``pyarrow.fs.PyFileSystem(FSSpecHandler(fs))``.

Credentials come from the standard environment of each process that reads (the driver and every
worker): ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``/``AWS_SESSION_TOKEN``/``AWS_PROFILE``,
``~/.aws/credentials``, instance roles; ``GOOGLE_APPLICATION_CREDENTIALS``; Hadoop's
``HADOOP_HOME``/``CLASSPATH``/Kerberos ticket. A URL holding a secret is refused: URLs are written
to ``manifest.json`` and error messages.

A :class:`Remote` is a small picklable value (the URL it was given as, and the path inside the
filesystem); every process resolves the filesystem itself, once (:func:`filesystem` is cached).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from .errors import ConfigError, InputFileError

__all__ = ["Remote", "is_url", "location", "remote", "filesystem", "size", "sha256", "parquet_source", "source", "walk", "kind",
           "brief", "input_file", "is_file", "read_table", "record"]

PYARROW_SCHEMES = ("s3", "gs", "gcs", "hdfs", "viewfs", "abfs", "abfss", "file")
_SECRET_KEYS = {"access_key", "secret_key", "session_token", "password", "token", "account_key", "sas_token"}
CHUNK = 1 << 22  # sha256 reads 4 MiB at a time


def is_url(p) -> bool:
    """True for ``scheme://…`` (a scheme of two letters or more: ``C:\\`` stays a path)."""
    if isinstance(p, Remote):
        return True
    if not isinstance(p, str):
        return False
    scheme, sep, _ = p.partition("://")
    return bool(sep) and len(scheme) > 1 and scheme.replace("+", "").replace("-", "").replace(".", "").isalnum()


@dataclass(frozen=True)
class Remote:
    """A file or folder on a filesystem given by URL. ``str()`` is the URL (for messages)."""

    url: str  # what is shown and recorded: the URL of this file or folder
    path: str  # the path inside the filesystem
    root: str = ""  # the URL the filesystem was resolved from (default: ``url``)
    size: int | None = field(default=None, compare=False)  # from the listing, when known

    def __str__(self) -> str:
        return self.url

    @property
    def name(self) -> str:
        return self.path.rstrip("/").rsplit("/", 1)[-1]

    def fs(self):
        return filesystem(self.root or self.url)[0]

    def child(self, path: str, size: int | None = None) -> Remote:
        """The file at ``path`` (inside this folder), with its URL."""
        rel = path[len(self.path.rstrip("/")):].lstrip("/")
        base, q, query = self.url.partition("?")  # pyarrow options stay at the end
        url = base.rstrip("/") + "/" + rel + q + query
        return Remote(url, path, self.root or self.url, size)


def _check_secret_free(url: str) -> None:
    parts = urlsplit(url)
    secret = parts.password is not None or any(k.lower() in _SECRET_KEYS for k, _ in parse_qsl(parts.query))
    if secret:
        raise ConfigError(
            f"{parts.scheme}://…: the URL holds a credential; URLs are written to manifest.json and messages — "
            "give credentials in the environment instead (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_PROFILE, "
            "GOOGLE_APPLICATION_CREDENTIALS, …)"
        )


def location(p, base: Path | None = None) -> Path | str:
    """A path from the TOML or the command line: a URL stays the string given (never joined with
    ``base``); anything else is a :class:`Path`, relative ones taken from ``base`` when given."""
    if isinstance(p, Remote):
        return p.url
    if is_url(p):
        _check_secret_free(str(p))
        return str(p)
    p = Path(p)
    return base / p if base is not None and not p.is_absolute() else p


def brief(e: BaseException) -> str:
    """The first line of an error (libhdfs and cloud SDKs can print dozens), at most 300 characters."""
    lines = [ln for ln in str(e).splitlines() if ln.strip()] or [type(e).__name__]
    msg = lines[0] + (f" (+{len(lines) - 1} more lines)" if len(lines) > 1 else "")
    return msg if len(msg) <= 300 else msg[:300] + "…"


@functools.lru_cache(maxsize=64)
def filesystem(url: str):
    """``(pyarrow FileSystem, path)`` for ``url``; one filesystem per URL and process (cached)."""
    scheme = url.partition("://")[0].lower()
    try:
        if scheme in PYARROW_SCHEMES:
            from pyarrow.fs import FileSystem

            return FileSystem.from_uri(url)
        try:
            import fsspec
        except ImportError:
            raise InputFileError(f"{url}: protocol {scheme!r} needs the fsspec package (pip install fsspec)") from None
        from pyarrow.fs import FSSpecHandler, PyFileSystem

        fs, path = fsspec.core.url_to_fs(url)
        return PyFileSystem(FSSpecHandler(fs)), path
    except InputFileError:
        raise
    except (ImportError, ValueError) as e:  # unknown protocol, or its fsspec package missing
        raise InputFileError(f"{url}: cannot use this storage: {brief(e)}") from None
    except Exception as e:  # noqa: BLE001 — connection, credentials, missing libhdfs/JVM …
        raise InputFileError(f"{url}: cannot connect to the storage: {brief(e)}") from None


def remote(url: str) -> Remote:
    return Remote(url, filesystem(url)[1], url)


def input_file(p, base: Path | None = None) -> Path | Remote:
    """An input given by path or URL (:func:`location`): a :class:`Path`, or a :class:`Remote`
    whose filesystem is resolved here (a URL holding a secret is refused)."""
    if isinstance(p, Remote):
        return p
    loc = location(p, base)
    return remote(loc) if isinstance(loc, str) else loc


def kind(loc: Path | Remote) -> str:
    """``"file"``, ``"dir"`` or ``"missing"``."""
    if not isinstance(loc, Remote):
        loc = Path(loc)
        return "file" if loc.is_file() else "dir" if loc.is_dir() else "missing"
    from pyarrow.fs import FileType

    try:
        info = loc.fs().get_file_info(loc.path)
    except Exception as e:  # noqa: BLE001
        raise InputFileError(f"{loc}: cannot read: {brief(e)}") from None
    return {FileType.File: "file", FileType.Directory: "dir"}.get(info.type, "missing")


def walk(loc: Remote) -> list[tuple[Remote, tuple[str, ...]]]:
    """Every file below folder ``loc`` with its folder names relative to ``loc``, in the order of
    ``os.walk`` with sorted names (a folder's files, then its sub-folders), skipping names that
    start with ``.`` or ``_`` at any level."""
    from pyarrow.fs import FileSelector, FileType

    try:
        infos = loc.fs().get_file_info(FileSelector(loc.path, recursive=True))
    except Exception as e:  # noqa: BLE001
        raise InputFileError(f"{loc}: cannot list: {brief(e)}") from None
    root = loc.path.rstrip("/")
    found = []
    for info in infos:
        if info.type != FileType.File:
            continue
        parts = tuple(info.path[len(root):].strip("/").split("/"))
        if any(p.startswith((".", "_")) for p in parts):
            continue
        key = tuple((1, d) for d in parts[:-1]) + ((0, parts[-1]),)
        found.append((key, loc.child(info.path, info.size), parts[:-1]))
    found.sort(key=lambda t: t[0])
    return [(r, dirs) for _, r, dirs in found]


def size(loc: Path | Remote) -> int:
    """Bytes in the file."""
    if isinstance(loc, Remote):
        if loc.size is not None:
            return loc.size
        try:
            return loc.fs().get_file_info(loc.path).size
        except Exception as e:  # noqa: BLE001
            raise InputFileError(f"{loc}: cannot read: {brief(e)}") from None
    return Path(loc).stat().st_size


def sha256(loc: Path | Remote) -> str:
    """Hex sha256 of the file, streamed in 4 MiB chunks (also for large remote files)."""
    if not isinstance(loc, Remote):
        from .hashcache import file_sha256

        return file_sha256(loc)
    h = hashlib.sha256()
    fs = loc.fs()
    raw = getattr(getattr(fs, "handler", None), "fs", None)  # the fsspec filesystem behind a PyFileSystem
    try:
        if raw is not None:  # stateless range reads: fsspec's memory:// hands every reader the same file object
            n = size(loc)
            for start in range(0, n, CHUNK):
                h.update(raw.cat_file(loc.path, start, min(n, start + CHUNK)))
        else:
            with fs.open_input_stream(loc.path) as f:
                for chunk in iter(lambda: f.read(CHUNK), b""):
                    h.update(chunk)
    except Exception as e:  # noqa: BLE001
        raise InputFileError(f"{loc}: cannot read: {brief(e)}") from None
    return h.hexdigest()


def is_file(loc: Path | Remote) -> bool:
    return kind(loc) == "file"


def source(loc: Path | Remote):
    """What a reader (pyarrow, polars; Parquet or CSV) opens: the local path itself, or a
    random-access file of the filesystem (close it after reading)."""
    if isinstance(loc, Remote):
        return loc.fs().open_input_file(loc.path)
    return loc


parquet_source = source


def read_table(loc: Path | Remote, what: str, parquet: bool, **csv_options):
    """The whole table in ``loc`` as a polars DataFrame: Parquet, or CSV read with ``csv_options``.
    Any reader failure is an :class:`InputFileError` naming the file: ``"{loc}: cannot read {what} (…)"``."""
    import polars as pl

    try:
        src = source(loc)
        try:
            return pl.read_parquet(src) if parquet else pl.read_csv(src, **csv_options)
        finally:
            if src is not loc:
                src.close()
    except Exception as e:  # noqa: BLE001 — polars, pyarrow and the storage raise many kinds
        raise InputFileError(f"{loc}: cannot read {what} ({type(e).__name__}: {brief(e)})") from None


def record(loc: Path | Remote) -> dict:
    """The manifest's entry for an input file: path (or URL), sha256 and size, local or remote alike."""
    return {"path": str(loc), "sha256": "sha256:" + sha256(loc), "bytes": size(loc)}
