"""Outputs: write a run's files into a folder atomically.

Everything is written into a sibling temporary folder (``.<name>.tmp-<pid>-<random>``) and
renamed into place at the end; on any error the temporary folder is removed, so a failed run
leaves no partial output. An existing output folder is replaced only if it holds a previous
ghginv run (a ``manifest.json`` written by ghginv); anything else is refused.

Parquet files are written with fixed settings (zstd, no timestamps) so the same inputs give
byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from .errors import ConfigError

__all__ = ["atomic_output_dir", "check_output_dir", "write_parquet", "write_csv", "file_sha256"]


def file_sha256(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def write_parquet(df: pl.DataFrame, path: Path) -> None:
    table = df.to_arrow()
    table = table.replace_schema_metadata(None)
    pq.write_table(table, path, compression="zstd", use_dictionary=True, write_statistics=True)


def write_csv(df: pl.DataFrame, path: Path) -> None:
    df.write_csv(path, float_precision=None)


def _is_ghginv_output(path: Path) -> bool:
    m = path / "manifest.json"
    if not m.is_file():
        return False
    try:
        return "ghginv_version" in json.loads(m.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False


def check_output_dir(out: str | os.PathLike) -> Path:
    """Fail early (before any work) if ``out`` cannot become this run's output folder."""
    out = Path(out).absolute()
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out}: output path exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not _is_ghginv_output(out):
        raise ConfigError(
            f"{out}: output folder exists and is not a ghginv run; choose another --out or empty it first"
        )
    parent = out.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"{out}: cannot create the output folder here ({parent} is not a writable folder)")
    return out


def atomic_output_dir(out: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_dir)`` then move ``tmp_dir`` to ``out``; all or nothing."""
    out = check_output_dir(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.parent / f".{out.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
        tmp.mkdir()
    except OSError as e:
        raise ConfigError(f"{out}: cannot create the output folder ({e.strerror})") from None
    try:
        write(tmp)
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
