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
``HADOOP_HOME``/``CLASSPATH``/Kerberos ticket. A URL holding a secret is refused before any
connection, with a message that names the parameter and masks every value: URLs are written to
``manifest.json`` and error messages. A secret is a password in ``user:password@`` (and, for
``s3://``, ``gs://`` and ``http(s)://``, any ``user@``), or a credential parameter of any accepted
filesystem in the query, the fragment or path parameters, its name matched case-insensitively and
percent-decoded (:data:`_SECRET_NAMES`, :data:`_SECRET_SUFFIXES`, an Azure SAS set ``sv=``/``se=``…).

A :class:`Remote` is a small picklable value (the URL it was given as, and the path inside the
filesystem); every process resolves the filesystem itself, once (:func:`filesystem` is cached).
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from .errors import ConfigError, InputFileError

__all__ = ["Remote", "is_url", "location", "remote", "filesystem", "size", "sha256", "parquet_source", "source", "walk", "kind",
           "brief", "input_file", "is_file", "read_table", "record", "env_folders", "unique_folders"]

PYARROW_SCHEMES = ("s3", "gs", "gcs", "hdfs", "viewfs", "abfs", "abfss", "file")
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


# Credential parameters, by normalised name (lower case, percent-decoded, without ``-``, ``_``, ``.``
# and spaces): those of every filesystem accepted — pyarrow S3 (access_key, secret_key,
# session_token), s3fs (key, secret, token), AWS (aws_access_key_id, aws_secret_access_key,
# aws_session_token) and AWS presigned URLs (X-Amz-Signature, X-Amz-Credential,
# X-Amz-Security-Token; legacy AWSAccessKeyId, Signature), GCS (token, access_token, credentials;
# signed URLs X-Goog-Signature, X-Goog-Credential, GoogleAccessId), Azure (sig of a SAS token,
# account_key, sas_token, connection_string, client_secret), WebHDFS (delegation), generic ones
# (api_key, apikey, key, password, auth, …).
_SECRET_NAMES = frozenset({
    "sig", "signature", "key", "secret", "token", "password", "passwd", "pwd", "pass", "auth", "authorization",
    "credential", "credentials", "delegation", "awsaccesskeyid", "googleaccessid", "connectionstring", "sas",
})
# ... and any name ending with one of these (refresh_token, x-amz-security-token, client_secret, …)
_SECRET_SUFFIXES = ("token", "secret", "password", "passwd", "signature", "apikey", "accesskey", "secretkey",
                    "accountkey", "accesskeyid", "credential", "credentials", "privatekey", "connectionstring", "sastoken")
# Azure SAS parameters: a query with ``sv`` (the version) and one of these is a SAS token, even
# without its ``sig``
_SAS_PARTS = frozenset({"se", "st", "sp", "sr", "ss", "srt", "spr", "skoid", "sktid"})
# schemes whose ``user@`` is itself a credential (S3: the access key id; HTTP: a token), not a
# user name (hdfs, sftp) or a container (abfs, az)
_USERINFO_IS_CREDENTIAL = ("s3", "s3a", "s3n", "gs", "gcs", "http", "https")


def _unquote(text: str) -> str:
    """Percent-decoded until stable (``%2573ig`` -> ``%73ig`` -> ``sig``), ``+`` as a space."""
    from urllib.parse import unquote_plus

    for _ in range(5):
        decoded = unquote_plus(text)
        if decoded == text:
            break
        text = decoded
    return text


def _params(text: str, depth: int = 0) -> list[tuple[str, str]]:
    """``name=value`` pairs of a query, fragment or path parameters (split at ``&`` and ``;``),
    names and values decoded; a bare word is a name with an empty value. A name that decodes to
    more pairs (``sig%3D…``, ``a%26sig=…``) is split again."""
    out = []
    for piece in re.split(r"[&;]", text):
        if piece:
            name, eq, value = piece.partition("=")
            name = _unquote(name)
            if depth < 3 and re.search(r"[&;=]", name):
                out.extend(_params(name + eq + value, depth + 1))
            else:
                out.append((name, _unquote(value)))
    return out


def _is_secret_name(name: str) -> bool:
    n = re.sub(r"[\s_.\-]", "", name.lower())
    return n in _SECRET_NAMES or n.endswith(_SECRET_SUFFIXES)


def _secrets_in(url: str, depth: int = 0) -> list[str]:
    """Where ``url`` holds a credential: ``"user:password@"``, ``"query parameter 'sig'"``, … (no values)."""
    parts = urlsplit(url)
    found = []
    try:
        password = parts.password
        username = parts.username
    except ValueError:  # an unparsable netloc (a bad port …): look at the raw userinfo
        userinfo = parts.netloc.rpartition("@")[0]
        username, _, password = userinfo.partition(":")
        password = password or None
    if password is not None:
        found.append("a password in user:password@")
    elif username and parts.scheme.lower() in _USERINFO_IS_CREDENTIAL:
        found.append(f"a credential in user@ (for {parts.scheme}:// the part before @ is a key or token)")
    sections = [("query", parts.query), ("fragment", parts.fragment)]
    if ";" in parts.path:  # path parameters (``/file;sig=…``)
        sections.append(("path", parts.path.partition(";")[2]))
    for where, text in sections:
        params = _params(text)
        names = {re.sub(r"[\s_.\-]", "", n.lower()) for n, _ in params}
        before = len(found)
        for name, value in params:
            if _is_secret_name(name):
                found.append(f"{where} parameter {name[:40]!r}")
            elif depth < 2 and "://" in value and _secrets_in(value, depth + 1):  # endpoint_override=http://u:p@host
                found.append(f"{where} parameter {name[:40]!r} (a URL with a credential)")
        if "sv" in names and names & _SAS_PARTS and len(found) == before:  # a SAS token whose sig is missing or renamed
            found.append(f"{where}: an Azure SAS token (sv=, se=, sp=, …)")
        if where == "fragment" and text and len(found) == before:
            found.append("a fragment (#…): storage never uses one, and it may hold a token")
    return found


def masked(url: str) -> str:
    """``url`` safe to show: every value of its query and fragment as ``***``, a password as
    ``***``, ``user@`` of :data:`_USERINFO_IS_CREDENTIAL` schemes as ``***@``.

    Parameters
    ----------
    url : str
        A URL, possibly holding credentials.

    Returns
    -------
    str
        The URL with the names of its parameters and no value of any.
    """
    parts = urlsplit(url)

    def _mask(text: str) -> str:
        return "&".join(f"{piece.partition('=')[0]}=***" if "=" in piece else "***"
                        for piece in re.split(r"[&;]", text) if piece)

    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user, colon, _ = userinfo.partition(":")
        if colon or parts.scheme.lower() in _USERINFO_IS_CREDENTIAL:
            user = "***" if not colon or parts.scheme.lower() in _USERINFO_IS_CREDENTIAL else user
            netloc = f"{user}{':***' if colon else ''}@{host}"
    path = parts.path.partition(";")[0] + (";***" if ";" in parts.path else "")
    return (f"{parts.scheme}://{netloc}{path}" + (f"?{_mask(parts.query)}" if parts.query else "")
            + (f"#{_mask(parts.fragment)}" if parts.fragment else ""))


def _check_secret_free(url: str) -> None:
    """Refuse ``url`` when it holds a credential (:func:`_secrets_in`), before any connection:
    URLs are written to manifest.json and to messages. The message names the parameters, never
    their values."""
    found = _secrets_in(url)
    if found:
        raise ConfigError(
            f"{masked(url)}: the URL holds a credential ({'; '.join(dict.fromkeys(found))}); URLs are written to "
            "manifest.json and messages, so ghginv refuses them before connecting — remove it from the URL and give "
            "credentials the filesystem's own way: the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / "
            "AWS_SESSION_TOKEN / AWS_PROFILE or ~/.aws/credentials for s3://; GOOGLE_APPLICATION_CREDENTIALS for gs://; "
            "the Azure SDK's default credentials (AZURE_CLIENT_ID / AZURE_TENANT_ID / AZURE_CLIENT_SECRET, a managed identity, "
            "`az login`) for abfs:// and az://; "
            "a Kerberos ticket for hdfs://), or the fsspec configuration (~/.config/fsspec/*.json, FSSPEC_* variables)"
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
    _check_secret_free(url)  # every connection starts here: never with a credential in the URL
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


def _gb18030_csv(loc: Path | Remote) -> bytes | None:
    """The CSV re-encoded as UTF-8 when it is not UTF-8 but GB18030 (GBK), as Excel saves a CSV on a
    Chinese system; None when it is UTF-8 or neither."""
    src = source(loc)
    try:
        raw = src.read_bytes() if isinstance(src, Path) else src.read()
    finally:
        if src is not loc:
            src.close()
    try:
        raw.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030").encode("utf-8")
    except UnicodeDecodeError:
        return None


def _replaced(df) -> bool:
    """Whether a CSV read as UTF-8 holds U+FFFD (bytes that were not UTF-8) in a header or text cell."""
    import polars as pl

    if any("\ufffd" in c for c in df.columns):
        return True
    text = [c for c, t in df.schema.items() if t == pl.String]
    return bool(text) and bool(df.select(pl.any_horizontal(pl.col(c).str.contains("\ufffd", literal=True).any() for c in text)).item())


def read_table(loc: Path | Remote, what: str, parquet: bool, **csv_options):
    """The whole table in ``loc`` as a polars DataFrame: Parquet, or CSV read with ``csv_options``
    (UTF-8, or GB18030/GBK as Excel writes Chinese CSV). Any reader failure is an
    :class:`InputFileError` naming the file: ``"{loc}: cannot read {what} (…)"``."""
    import io

    import polars as pl

    try:
        src = source(loc)
        try:
            df = pl.read_parquet(src) if parquet else pl.read_csv(src, **csv_options)
        finally:
            if src is not loc:
                src.close()
        if parquet or not _replaced(df):
            return df
        text = _gb18030_csv(loc)  # polars replaced bytes that are not UTF-8: GB18030 (GBK) text?
        return df if text is None else pl.read_csv(io.BytesIO(text), **csv_options)
    except Exception as e:  # noqa: BLE001 — polars, pyarrow and the storage raise many kinds
        err: Exception = e
    try:  # polars refused bytes that are not UTF-8 in a cell: GB18030 (GBK) text?
        text = None if parquet else _gb18030_csv(loc)
        if text is not None:
            return pl.read_csv(io.BytesIO(text), **csv_options)
    except Exception as e:  # noqa: BLE001
        err = e
    raise InputFileError(f"{loc}: cannot read {what} ({type(err).__name__}: {brief(err)})") from None


def record(loc: Path | Remote) -> dict:
    """The manifest's entry for an input file: path (or URL), sha256 and size, local or remote alike."""
    return {"path": str(loc), "sha256": "sha256:" + sha256(loc), "bytes": size(loc)}


def env_folders(variable: str) -> list[Path]:
    """The folders an environment variable lists (``os.pathsep``-separated; empty parts skipped).

    Parameters
    ----------
    variable : str
        Name of the variable (``GHGINV_FACTORS_PATH``, ``GHGINV_TARGETS_PATH``).

    Returns
    -------
    list of pathlib.Path
        In the variable's order; empty when it is unset.
    """
    return [Path(p) for p in os.environ.get(variable, "").split(os.pathsep) if p]


def unique_folders(folders):
    """A search path without repeats: each folder resolved when it exists, a folder reached twice
    keeping its first place.

    Parameters
    ----------
    folders : iterable of (label, pathlib.Path)
        The candidate folders in search order, each with a label saying where it comes from.

    Returns
    -------
    list of (label, pathlib.Path)
        The same order, duplicates (after resolving) left out.
    """
    seen, out = set(), []
    for label, d in folders:
        r = d.resolve() if d.exists() else d
        if r not in seen:
            seen.add(r)
            out.append((label, r))
    return out
