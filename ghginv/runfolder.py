"""Outputs: write a run's files into a folder atomically.

Everything is written into a sibling temporary folder (``.<name>.tmp-<pid>-<random>``) and
renamed into place at the end; on any error the temporary folder is removed, so a failed run
leaves no partial output. An existing output folder is replaced only if it holds a previous
ghginv run (a ``manifest.json`` written by ghginv); anything else is refused.

Runs that write the same folder take an exclusive lock (``.<name>.lock``, ``flock``; the second
waits, then fails clearly). A run killed with SIGKILL cannot clean up after itself: the next run
on that folder removes the temporary folders of dead processes (and restores the previous
results if the kill fell between the two renames). Ctrl-C (SIGINT) cleans up at once. A full disk
is a clear error, with the previous results left untouched.

Parquet files are written with fixed settings (polars' writer, zstd level 1, no timestamps) so
the same inputs give byte-identical files. The files of a run are written two at a time
(:func:`write_files`).
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from .core.errors import ConfigError, GhgInvError

__all__ = ["atomic_output_dir", "check_output_dir", "write_parquet", "write_csv", "write_files", "file_sha256", "snapshot_factor_sets"]


def file_sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a local file; a large unchanged file's from the hash cache (:mod:`ghginv.core.hashcache`)."""
    from .core.hashcache import cached_sha256

    return cached_sha256(path)


def write_parquet(df: pl.DataFrame, path: Path) -> None:
    """polars' own writer (no copy to Arrow, releases the GIL): zstd level 1, statistics, no
    timestamps or pandas metadata; the same frame gives the same bytes."""
    df.write_parquet(path, compression="zstd", compression_level=1, statistics=True)


def write_csv(df: pl.DataFrame, path: Path) -> None:
    df.write_csv(path, float_precision=None)


def write_files(folder: Path, writers: dict[str, Callable[[Path], None]], threads: int = 2) -> dict[str, str]:
    """Run every writer (file name -> ``fn(path)``) into ``folder``, ``threads`` at a time (this
    thread and ``threads - 1`` helpers), and return file name -> ``"sha256:…"`` in the order given.

    The Parquet and CSV writers (polars) release the GIL while they encode, so two files are
    written at once; each file's bytes do not depend on the others. The helpers are daemon
    threads, so Ctrl-C stops the run at once (the caller removes the temporary folder) instead
    of waiting for a write in flight; the first error of any writer is raised here."""
    import threading

    jobs = iter(enumerate(writers.items()))
    take = threading.Lock()
    done: list = [None] * len(writers)
    errors: list[BaseException] = []

    def work(in_main: bool = False):
        while not errors:
            with take:
                job = next(jobs, None)
            if job is None:
                return
            i, (name, fn) = job
            try:
                fn(folder / name)
                done[i] = (name, "sha256:" + file_sha256(folder / name))
            except BaseException as e:  # a helper's error is handed to the calling thread
                errors.append(e)  # (and stops the other writers taking more files)
                if in_main:  # Ctrl-C or an error here: raise at once, never wait for a helper's write
                    raise
                return

    helpers = [threading.Thread(target=work, daemon=True) for _ in range(min(threads, len(writers)) - 1)]
    for t in helpers:
        t.start()
    work(in_main=True)
    for t in helpers:
        while t.is_alive():  # a timed wait: Ctrl-C is handled between waits (a plain join is not interrupted)
            t.join(0.05)
    if errors:
        raise errors[0]
    return dict(done)


def snapshot_factor_sets(sets, folder: Path) -> dict[str, str]:
    """Copy the factor sets a run used into ``folder/<set>/`` so the run folder is self-contained:
    ``ghginv recompute`` and ``ghginv diff`` can reproduce the old factors even after the
    originals were edited. Returns the sha256 of every copied file (relative path -> digest)."""
    hashes = {}
    for fs in sets:
        dst = folder / fs.name
        dst.mkdir(parents=True, exist_ok=True)
        for name in ["manifest.toml", *fs.file_hashes]:
            shutil.copyfile(fs.path / name, dst / name)
            hashes[f"factor_sets/{fs.name}/{name}"] = "sha256:" + file_sha256(dst / name)
    return hashes


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


LOCK_TIMEOUT_S = 30.0  # how long a run waits for another run writing the same folder ($GHGINV_LOCK_TIMEOUT)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale_siblings(out: Path) -> list[str]:
    """Remove ``.<name>.tmp-<pid>-*`` / ``.<name>.old-<pid>-*`` folders left by runs that were
    killed (their process no longer exists). Returns the names removed."""
    removed = []
    for p in out.parent.glob(f".{out.name}.*-*-*"):
        kind, _, rest = p.name[len(out.name) + 2:].partition("-")
        pid = rest.split("-", 1)[0]
        if kind in ("tmp", "old") and pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            if kind == "old" and not out.exists() and _is_ghginv_output(p):
                os.replace(p, out)  # killed between its two renames: put the previous results back
                continue
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    return removed


@contextmanager
def output_lock(out: Path, timeout: float | None = None):
    """Exclusive lock on ``.<name>.lock`` next to ``out``: runs writing the same folder serialise.

    A second run waits up to ``timeout`` seconds (default ``$GHGINV_LOCK_TIMEOUT`` or 30), then
    fails with a clear message. The lock dies with its process (``flock``), so a killed run never
    blocks the next one; the lock file is removed on release.
    """
    if timeout is None:
        timeout = float(os.environ.get("GHGINV_LOCK_TIMEOUT", LOCK_TIMEOUT_S))
    path = out.parent / f".{out.name}.lock"
    deadline = time.monotonic() + timeout
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            finally:
                os.close(fd)
            if time.monotonic() >= deadline:
                raise ConfigError(
                    f"{out}: another ghginv run (pid {holder}) is writing this output folder; waited {timeout:g} s. "
                    "Try again when it has finished, or choose another --out"
                ) from None
            time.sleep(0.05)
            continue
        try:  # the file may have been removed by the previous holder: lock the current one
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if not same:
            os.close(fd)
            continue
        break
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        os.close(fd)


def atomic_output_dir(out: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_dir)`` then move ``tmp_dir`` to ``out``; all or nothing.

    Runs on the same ``out`` serialise on a lock file; leftovers of killed runs are removed first;
    a full disk (or any other OS error while writing) is a clear :class:`ConfigError` and leaves
    the previous results untouched.
    """
    out = check_output_dir(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise ConfigError(f"{out}: cannot create the output folder ({e.strerror})") from None
    with output_lock(out):
        check_output_dir(out)  # again: another run may have changed it while this one waited
        clean_stale_siblings(out)
        try:
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
        except OSError as e:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(e, GhgInvError):
                raise
            what = "the disk is full" if e.errno in (errno.ENOSPC, errno.EDQUOT) else (e.strerror or str(e))
            raise ConfigError(
                f"{out}: cannot write the outputs: {what}; nothing was written and any previous results are unchanged"
            ) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    return out
