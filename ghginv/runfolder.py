"""Run folder: a run's files and its ``manifest.json``, written, read and updated atomically — in
this module only.

A run folder holds the outputs of one ``ghginv compile`` (or ``recompute``) and a ``manifest.json``
that records, among much else, the sha256 of every output file (``outputs``). Three things touch it:

* **writing a new run** (:func:`atomic_output_dir`): everything is written into a sibling temporary
  folder (``.<name>.tmp-<pid>-<random>``; the files two at a time, :func:`write_files`; the
  manifest last, :func:`write_manifest`) and renamed into place at the end; on any error the
  temporary folder is removed, so a failed run leaves no partial output. An existing output folder
  is replaced only if it holds a previous ghginv run; anything else is refused.
* **reading a run** (:func:`read_manifest`, :func:`verified_output`): one clear
  :class:`~ghginv.core.errors.InputFileError` for a folder that is not a run, a damaged manifest or
  an output changed after the run.
* **updating a finished run** (:func:`update_run`: ``ghginv diff`` adds the recalculation,
  ``ghginv report`` rebuilds the reports): the new files are written to a temporary folder inside
  the run, hashed, moved into place, and the manifest is rewritten with their sha256 and the
  caller's entries; a failure at any point leaves the old files and the old manifest.

Runs that write or update the same folder take an exclusive lock (``.<name>.lock``, ``flock``; the
second waits, then fails clearly). A run killed with SIGKILL cannot clean up after itself: the next
run on that folder removes the temporary folders of dead processes (and restores the previous
results if the kill fell between the two renames); the next update of a run (``report``, ``diff``)
removes the temporary files and folders dead processes left inside it (and puts back the old files
of an update killed before it replaced the manifest). Ctrl-C (SIGINT) cleans up at once. A full
disk is a clear error, with the previous results left untouched — also when polars or pyarrow
report it (``ComputeError: … (os error 28)``) instead of raising an ``OSError``.

Parquet files are written with fixed settings (polars' writer, zstd level 1, no timestamps) so
the same inputs give byte-identical files.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import polars as pl

from .core.errors import ConfigError, GhgInvError, InputFileError
from .core.hashcache import file_ident, file_sha256

__all__ = ["atomic_output_dir", "check_output_dir", "check_output_file", "check_output_run", "enclosing_run",
           "verified_factor_sets", "write_parquet", "write_csv", "write_files", "snapshot_factor_sets",
           "SameFile", "verified_same_file", "copy_unchanged",
           "MANIFEST", "write_manifest", "read_manifest", "verified_output", "update_run", "replace_file"]

MANIFEST = "manifest.json"
Writer = Callable[[Path], None]  # writes one file at the path it is given


def write_parquet(df: pl.DataFrame, path: Path | IO[bytes]) -> None:
    """polars' own writer (no copy to Arrow, releases the GIL): zstd level 1, statistics, no
    timestamps or pandas metadata; the same frame gives the same bytes.

    Parameters
    ----------
    df : polars.DataFrame
        The table to write.
    path : pathlib.Path or binary file
        The file to write (or a buffer, ``io.BytesIO``: the same bytes).
    """
    df.write_parquet(path, compression="zstd", compression_level=1, statistics=True)


def write_csv(df: pl.DataFrame, path: Path) -> None:
    """Write ``df`` as CSV with polars' writer, floats without a fixed precision (``float_precision=None``).

    A text cell that a spreadsheet would run as a formula (it begins with ``=``, ``+``, ``-``,
    ``@``, a tab or a carriage return) is written with a leading ``'``
    (:func:`ghginv.core.csv_cells.neutralise_formulas`); numbers are written as they are.

    Parameters
    ----------
    df : polars.DataFrame
        The table to write.
    path : pathlib.Path
        The file to write.
    """
    from .core.csv_cells import neutralise_formulas

    neutralise_formulas(df).write_csv(path, float_precision=None)


def write_files(folder: Path, writers: dict[str, Callable[[Path], None]], threads: int = 2) -> dict[str, str]:
    """Run every writer (file name -> ``fn(path)``) into ``folder``, ``threads`` at a time.

    The calling thread and ``threads - 1`` helpers take the files in turn. The Parquet and CSV
    writers (polars) release the GIL while they encode, so two files are written at once; each
    file's bytes do not depend on the others. The helpers are daemon threads, so Ctrl-C stops the
    run at once (the caller removes the temporary folder) instead of waiting for a write in flight;
    the first error of any writer is raised here, once the writes in flight have ended (a helper
    still writing would otherwise leave files in a temporary folder being removed).

    Parameters
    ----------
    folder : pathlib.Path
        The folder to write into (a run's temporary folder).
    writers : dict of str to callable
        File name -> ``fn(path)`` that writes that file; a writer that returns a string returns the
        file's ``"sha256:…"`` (:func:`copy_unchanged`), which is then not read again.
    threads : int, default 2
        How many files are written at once.

    Returns
    -------
    dict of str to str
        File name -> ``"sha256:…"``, in the order given.
    """
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
                known = fn(folder / name)  # a writer that knows its file's sha256 (copy_unchanged) returns it
                done[i] = (name, known if isinstance(known, str) else "sha256:" + file_sha256(folder / name))
            except BaseException as e:  # a helper's error is handed to the calling thread
                errors.append(e)  # (and stops the other writers taking more files)
                if in_main and not isinstance(e, Exception):  # Ctrl-C: raise at once, never wait for a helper's write
                    raise
                return  # an error (a full disk): wait for the helper's write in flight, or it would
                # recreate files in the temporary folder while the caller removes it (debris left)

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


@dataclass(frozen=True)
class SameFile:
    """A file of a finished run whose bytes a new run would write unchanged (a recompute's cube,
    kept positions …): where it is, its sha256 as verified and its stat data then
    (:func:`verified_same_file`)."""

    path: Path
    sha256: str  # "sha256:<hex>", as in a manifest's outputs
    ident: tuple | None  # (device, inode, size, mtime_ns, ctime_ns) when it was verified; None: it changed meanwhile


def verified_same_file(run_dir: str | os.PathLike, manifest: Mapping, name: str, what: str = "") -> SameFile | None:
    """:func:`verified_output`, with what a later :func:`copy_unchanged` of the file needs.

    Parameters
    ----------
    run_dir : str or os.PathLike
        The run folder.
    manifest : mapping
        Its manifest (:func:`read_manifest`).
    name : str
        The output's file name (a key of the manifest's ``outputs``).
    what : str
        How a message names the file.

    Returns
    -------
    SameFile or None
        The verified file, or None when the file or its recorded sha256 is missing.

    Raises
    ------
    InputFileError
        The file changed after the run (sha256 mismatch).
    """
    path = Path(run_dir) / name
    if not path.is_file():
        return None
    before = file_ident(path)
    if verified_output(run_dir, manifest, name, what) is None:
        return None
    same = file_ident(path) == before  # else written to while it was hashed: never copied as unchanged
    return SameFile(path, manifest["outputs"][name], before if same else None)


def _copy_bytes(src, dst) -> None:
    """Copy the rest of the open file ``src`` into the open file ``dst``: in the kernel
    (``os.copy_file_range``: no pass of the bytes through Python's buffers, ~0.2 s CPU less for the
    145 MB positions file of a 1.2 M-cell run), else — where the call is missing or refused
    (another file system, an older kernel) — through a 1 MiB buffer from where it stopped.

    Parameters
    ----------
    src : file object
        Opened for reading in binary mode.
    dst : file object
        Opened for writing in binary mode.
    """
    copy_range = getattr(os, "copy_file_range", None)
    if copy_range is not None:
        dst.flush()  # what dst holds in its buffer goes first
        pos = src.tell()  # where src stands for its reader (its buffer may have read ahead of the descriptor)
        try:
            while n := copy_range(src.fileno(), dst.fileno(), 1 << 30, pos):  # dst's offset advances with each call
                pos += n
            return
        except OSError as e:
            if e.errno not in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM, errno.EBADF):
                raise
        finally:
            src.seek(pos)
    shutil.copyfileobj(src, dst, 1 << 20)


def copy_unchanged(same: SameFile, write: Writer) -> Callable[[Path], str | None]:
    """A writer (for :func:`write_files`) that copies ``same`` instead of encoding the file again.

    The copy is taken only while the source still has the stat data it had when its sha256 was
    verified (device, inode, size, ``mtime_ns``, ``ctime_ns``: any write changes them), so the
    copied bytes are the verified ones and their sha256 is not computed again; otherwise
    ``write`` writes the file as it would have been.

    Parameters
    ----------
    same : SameFile
        The verified file of the earlier run.
    write : callable
        The writer of the file (used when the source changed since it was verified).

    Returns
    -------
    callable
        ``fn(path)``: writes the file at ``path``; returns its ``"sha256:…"`` when it was copied,
        else None.
    """

    def copy(path: Path) -> str | None:
        try:  # the source as verified, opened; a source that changed, vanished or cannot be read is None
            src = open(same.path, "rb") if same.ident is not None and file_ident(same.path) == same.ident else None  # noqa: SIM115
        except OSError:
            src = None
        if src is not None:
            with src, open(path, "wb") as dst:  # a failing write of the new file (disk full, EIO) is the run's error
                _copy_bytes(src, dst)
            try:
                if file_ident(same.path) == same.ident:
                    return same.sha256
            except OSError:
                pass
        write(path)  # the source changed (or vanished): written as it would have been
        return None

    return copy


def snapshot_factor_sets(sets, folder: Path) -> dict[str, str]:
    """Copy the factor sets a run used into ``folder/<set>/`` so the run folder is self-contained.

    ``ghginv recompute`` and ``ghginv diff`` can then reproduce the old factors even after the
    originals were edited.

    Parameters
    ----------
    sets : list of FactorSet
        The run's factor sets (their manifest.toml and hashed files are copied).
    folder : pathlib.Path
        The run's ``factor_sets`` folder.

    Returns
    -------
    dict of str to str
        Relative path (``factor_sets/<set>/<file>``) -> ``"sha256:…"`` of every copied file.
    """
    hashes = {}
    for fs in sets:
        dst = folder / fs.name
        dst.mkdir(parents=True, exist_ok=True)
        for name in ["manifest.toml", *fs.file_hashes]:
            shutil.copyfile(fs.path / name, dst / name)
            hashes[f"factor_sets/{fs.name}/{name}"] = "sha256:" + file_sha256(dst / name)
    return hashes


def _is_ghginv_output(path: Path) -> bool:
    try:
        read_manifest(path)
    except InputFileError:
        return False
    return True


def check_output_dir(out: str | os.PathLike) -> Path:
    """Fail early (before any work) if ``out`` cannot become this run's output folder.

    Parameters
    ----------
    out : str or os.PathLike
        The output folder asked for (``--out``).

    Returns
    -------
    pathlib.Path
        ``out`` as an absolute path.

    Raises
    ------
    ConfigError
        When ``out`` is a file, a non-empty folder that is not a ghginv run, or cannot be created
        (no writable parent folder).
    """
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


# ---- never write over an input, never into a run folder another command owns -----------------

Inputs = Iterable["tuple[str, str | os.PathLike] | str | os.PathLike"]


def _real(p: str | os.PathLike) -> Path:
    """``p`` absolute, with ``~``, ``..`` and every symlink of its existing part resolved."""
    return Path(os.path.abspath(Path(p).expanduser())).resolve(strict=False)


def _labelled(inputs: Inputs) -> list[tuple[str, Path]]:
    """``(label, resolved path)`` of the local inputs (URLs such as ``s3://…`` are left out)."""
    from .core._fs import is_url

    out = []
    for item in inputs or ():
        label, p = item if isinstance(item, tuple) else ("input", item)
        if p is None or (isinstance(p, str) and is_url(p)):
            continue
        out.append((label, _real(p)))
    return out


def _same(a: Path, b: Path) -> bool:
    """One file or folder under two names: equal resolved paths, or (both existing) the same inode,
    which also catches a case-insensitive filesystem (``V.xlsx`` and ``v.xlsx``) and hard links."""
    if a == b:
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _inside(path: Path, folder: Path) -> bool:
    """``path`` lies strictly inside ``folder`` (case-insensitive filesystems included)."""
    return any(_same(parent, folder) for parent in path.parents)


def enclosing_run(path: str | os.PathLike) -> Path | None:
    """The ghginv run folder that holds ``path``: the nearest of ``path`` and its parents with a
    ``manifest.json`` written by ghginv, or None.

    Parameters
    ----------
    path : str or os.PathLike
        A file or folder (need not exist).

    Returns
    -------
    pathlib.Path or None
        The run folder (resolved), or None when ``path`` lies in no run folder.
    """
    p = _real(path)
    for d in (p, *p.parents):
        if (d / MANIFEST).is_file() and _is_ghginv_output(d):
            return d
    return None


def check_output_file(out: str | os.PathLike, inputs: Inputs = (), what: str = "--out",
                      allowed: Iterable[str | os.PathLike] = ()) -> Path:
    """Refuse, before any work, an output file that is one of the command's inputs or lies inside
    a run folder (or an input folder) the command does not write.

    ``out`` is compared after resolving ``~``, relative paths and symlinks; an existing file is
    also compared by inode, so a case-insensitive filesystem or a hard link cannot hide an input.

    Parameters
    ----------
    out : str or os.PathLike
        The file the command will write.
    inputs : iterable of (label, path) or path
        What the command reads: files (the ledger, the mapping) or folders (a run, a factor set);
        a label names the input in the message (``"ledger"``); URLs are skipped.
    what : str, default "--out"
        How the message names the option that gave ``out``.
    allowed : iterable of path
        Files the command writes by design inside a run folder it works on (``ghginv uncertainty
        RUN`` writes ``RUN/uncertainty.parquet``): these pass every check.

    Returns
    -------
    pathlib.Path
        ``out``, resolved.

    Raises
    ------
    ConfigError
        ``out`` names an input of the command, lies inside an input folder, or lies inside a
        ghginv run folder (and is not ``allowed``); nothing has been written.
    """
    o = _real(out)
    if any(_same(o, _real(a)) for a in allowed):
        return o
    given = _labelled(inputs)
    for label, p in given:
        if _same(o, p):
            raise ConfigError(
                f"{what} {out}: this is the {label} the command reads ({p}); writing it would replace the input. "
                f"Nothing was written; give {what} another file")
    run = enclosing_run(o.parent)
    if run is not None:
        raise ConfigError(
            f"{what} {out}: lies inside the ghginv run folder {run}, which only the command that wrote it may change "
            f"(its files are recorded with their sha256 in manifest.json). Nothing was written; give {what} a file outside the run folder")
    for label, p in given:
        if _inside(o, p):
            raise ConfigError(
                f"{what} {out}: lies inside the {label} folder the command reads ({p}). "
                f"Nothing was written; give {what} a file outside it")
    return o


def check_output_run(out: str | os.PathLike, inputs: Inputs = (), own: str | os.PathLike | None = None) -> Path:
    """Refuse, before any work, a run's output folder that is, holds or lies inside one of its
    inputs, or lies inside another run folder.

    ``compile --out`` replaces the whole folder: it must not be the activity folder or a factor
    set's folder, hold an input (the input would be deleted with the old run) or lie inside an
    input folder (the next compile would read the run's files as input), nor lie inside another
    run (whose manifest records every file). :func:`check_output_dir` still checks the rest.

    Parameters
    ----------
    out : str or os.PathLike
        The run folder to write (``--out``).
    inputs : iterable of (label, path) or path
        What the run reads (activity files or folders, factor-set folders, the TOML …); URLs are skipped.
    own : str or os.PathLike, optional
        The run folder a recompute starts from: ``out`` may replace it (its inputs inside it are
        read before the old run is replaced).

    Returns
    -------
    pathlib.Path
        ``out``, resolved.

    Raises
    ------
    ConfigError
        On any of the cases above; nothing has been written.
    """
    o = _real(out)
    own_r = _real(own) if own is not None else None
    replacing_own = own_r is not None and _same(o, own_r)
    run = enclosing_run(o.parent)
    if run is not None:
        raise ConfigError(f"--out {out}: lies inside the ghginv run folder {run}, which only the command that wrote it may "
                          "change. Nothing was written; give --out a folder outside any run folder")
    for label, p in _labelled(inputs):
        if replacing_own and (_same(p, own_r) or _inside(p, own_r)):
            continue  # recompute RUN --out RUN: the old run is read first, then replaced as a whole
        if _same(o, p):
            raise ConfigError(f"--out {out}: this is the {label} the run reads ({p}); the output folder would replace it. "
                              "Nothing was written; give --out a new folder")
        if _inside(p, o):
            raise ConfigError(f"--out {out}: holds the {label} the run reads ({p}); replacing the folder would delete it. "
                              "Nothing was written; give --out a folder that holds no input")
        if _inside(o, p):
            raise ConfigError(f"--out {out}: lies inside the {label} folder the run reads ({p}); a later run would read "
                              "the outputs as input. Nothing was written; give --out a folder outside it")
    return o


def verified_factor_sets(run_dir: str | os.PathLike, manifest: Mapping) -> list[Path]:
    """The run's snapshot of its factor sets (``factor_sets/<set>/``), in the run's order, checked
    against the manifest: every set once, every file of every set with the sha256 recorded when
    the run was written — so a recompute uses exactly the factors of its compile, or refuses.

    Parameters
    ----------
    run_dir : str or os.PathLike
        The run folder.
    manifest : mapping
        Its manifest (:func:`read_manifest`).

    Returns
    -------
    list of pathlib.Path
        The snapshot folders, in precedence order.

    Raises
    ------
    InputFileError
        Two sets of the run share a name (the snapshot could keep only one of them), or a file of
        the snapshot is missing or changed after the run.
    """
    run = Path(run_dir)
    entries = sorted(manifest.get("factor_sets") or [], key=lambda s: s.get("rank", 0))
    seen: dict[str, str] = {}
    for s in entries:
        name = str(s.get("name"))
        if name in seen:
            raise InputFileError(
                f"{run}: the run used two factor sets named {name!r} ({seen[name]} and {s.get('path', '?')}); its snapshot "
                f"factor_sets/{name}/ keeps only one, so it cannot be recomputed exactly. Compile it again with sets of "
                "different names (rename one folder)")
        seen[name] = str(s.get("path", "?"))
    outputs = manifest.get("outputs") or {}
    paths = []
    for s in entries:
        folder = run / "factor_sets" / str(s["name"])
        files = {**(s.get("files") or {}), "manifest.toml": outputs.get(f"factor_sets/{s['name']}/manifest.toml")}
        for fname, want in files.items():
            if want is None:
                continue
            path = folder / fname
            if not path.is_file():
                raise InputFileError(f"{path}: missing from the run's snapshot of factor set {s['name']!r} (the manifest records it); "
                                     "compile again")
            if "sha256:" + file_sha256(path) != want:
                raise InputFileError(f"{path}: the run's snapshot of factor set {s['name']!r} changed after the run (sha256 mismatch); "
                                     "a recompute would not reproduce the run. Compile again")
        paths.append(folder)
    return paths


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

    Parameters
    ----------
    out : str or os.PathLike
        The output folder; an existing one is replaced only if it holds a previous ghginv run.
    write : callable
        ``write(tmp_dir)`` writes every file of the run into the temporary folder it is given.

    Returns
    -------
    pathlib.Path
        The output folder (absolute).

    Raises
    ------
    ConfigError
        When ``out`` cannot be the output folder (:func:`check_output_dir`), another run holds its
        lock past the timeout, or the files cannot be written (e.g. the disk is full).
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
        except BaseException as e:
            shutil.rmtree(tmp, ignore_errors=True)
            ose = _os_error(e)  # an OSError, or a polars / pyarrow error that carries one (os error 28)
            if ose is None or isinstance(e, GhgInvError):
                raise
            raise ConfigError(
                f"{out}: cannot write the outputs: {_os_what(ose)}; nothing was written and any previous results are unchanged"
            ) from None
    return out


_OS_ERROR_TEXT = re.compile(r"\(os error (\d+)\)|\[Errno (\d+)\]")


def _os_error(e: BaseException) -> OSError | None:
    """``e`` as an :class:`OSError`: itself, or for a polars / pyarrow error whose message carries an OS
    error number (polars: ``ComputeError: … No space left on device (os error 28)``; pyarrow:
    ``[Errno 28]``) a new one with that number; None for any other error."""
    if isinstance(e, OSError):
        return e
    if type(e).__module__.split(".")[0] not in ("polars", "pyarrow"):
        return None
    m = _OS_ERROR_TEXT.search(str(e))
    if m is None:
        return None
    n = int(m.group(1) or m.group(2))
    return OSError(n, os.strerror(n))


def _os_what(e: OSError) -> str:
    return "the disk is full" if e.errno in (errno.ENOSPC, errno.EDQUOT) else (e.strerror or str(e))


# ---- the manifest ----------------------------------------------------------------------------


def _manifest_text(manifest: Mapping) -> str:
    return json.dumps(manifest, indent=2, ensure_ascii=False, default=str) + "\n"


def write_manifest(folder: str | os.PathLike, manifest: Mapping) -> Path:
    """Write ``manifest.json`` into ``folder``, a run's temporary folder (:func:`atomic_output_dir`
    renames the whole folder into place, so the file needs no rename of its own).

    Parameters
    ----------
    folder : str or os.PathLike
        The temporary folder of a run being written.
    manifest : mapping
        The run's manifest (JSON-serialisable; other values are written as ``str``).

    Returns
    -------
    pathlib.Path
        The manifest's path.
    """
    path = Path(folder) / MANIFEST
    path.write_text(_manifest_text(manifest), encoding="utf-8")
    return path


def read_manifest(run_dir: str | os.PathLike) -> dict:
    """The manifest of a finished run folder.

    Parameters
    ----------
    run_dir : str or os.PathLike
        A folder written by ``ghginv compile`` (or ``recompute``).

    Returns
    -------
    dict
        ``manifest.json`` as written.

    Raises
    ------
    InputFileError
        ``"<run>: no such run folder"`` when the folder does not exist, ``"<run>: not a ghginv run
        folder (no manifest.json)"``, or when the manifest is not valid
        JSON or was not written by ghginv.
    """
    run = Path(run_dir)
    path = run / MANIFEST
    if not run.is_dir():
        raise InputFileError(f"{run}: no such run folder (give the folder a compile wrote with --out)")
    if not path.is_file():
        raise InputFileError(f"{run}: not a ghginv run folder (no manifest.json)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as e:
        raise InputFileError(f"{path}: not valid JSON ({e})") from None
    except OSError as e:
        raise InputFileError(f"{path}: cannot read ({e.strerror or e})") from None
    if not isinstance(manifest, dict) or "ghginv_version" not in manifest:
        raise InputFileError(f"{run}: not a ghginv run folder (manifest.json was not written by ghginv)")
    return manifest


def verified_output(run_dir: str | os.PathLike, manifest: Mapping, name: str, what: str = "") -> Path | None:
    """The path of output ``name`` of a run when the file exists and the manifest records its
    sha256, checked against it; None when either is missing.

    Parameters
    ----------
    run_dir : str or os.PathLike
        The run folder.
    manifest : mapping
        Its manifest (:func:`read_manifest`).
    name : str
        The output's file name (a key of the manifest's ``outputs``).
    what : str
        How the message names the file (e.g. ``"the cached cube"``).

    Returns
    -------
    pathlib.Path or None
        The file's path, or None when the file or its recorded sha256 is missing.

    Raises
    ------
    InputFileError
        ``"<path>: <what> changed after the run (sha256 mismatch); compile again"``.
    """
    path = Path(run_dir) / name
    want = (manifest.get("outputs") or {}).get(name)
    if want is None or not path.is_file():
        return None
    if "sha256:" + file_sha256(path) != want:
        raise InputFileError(f"{path}: {what + ' ' if what else ''}changed after the run (sha256 mismatch); compile again")
    return path


# ---- updating a finished run -----------------------------------------------------------------


def replace_file(path: str | os.PathLike, write: Writer) -> Path:
    """Write one file so that it appears complete or not at all.

    ``write`` fills a temporary name beside ``path`` (``.<name>.tmp-<pid>``), which then replaces
    ``path``. For a file outside a run folder (``ghginv diff --out FILE``); inside one, use
    :func:`update_run`.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
    write : callable
        ``write(tmp_path)`` writes the file's content at the path it is given.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


# temporary names inside a run folder: update_run's ``.update-<pid>-<hex>``, an older report's
# ``.report.tmp-<pid>-<hex>``, a file written via a temporary name (``.<file>.tmp-<pid>``: replace_file,
# ``ghginv uncertainty``)
_STALE_INSIDE = re.compile(r"^\.(?:update|.+\.tmp)-(\d+)(?:-[0-9a-f]+)?$")


def _clean_stale_updates(run: Path) -> list[str]:
    """Remove the temporary files and folders a killed process (SIGKILL: its pid no longer exists) left
    inside the run folder ``run``; put back the old files of an update killed before its manifest was
    replaced. Returns the names removed."""
    removed = []
    for p in sorted(run.iterdir()):
        m = _STALE_INSIDE.match(p.name)
        if m is None or int(m.group(1)) == os.getpid() or _pid_alive(int(m.group(1))):
            continue
        if p.is_dir() and not p.is_symlink():
            if p.name.startswith(".update-") and (p / MANIFEST).is_file():
                _undo_update(run, p)
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        removed.append(p.name)
    return removed


def _undo_update(run: Path, tmp: Path) -> None:
    """An update killed while it moved its files in (its new manifest still in ``tmp``): the run's
    manifest is the old one, so put the old files back (``.old-<name>``) and remove files the update
    added that the old manifest does not name."""
    try:
        old = (read_manifest(run).get("outputs") or {})
        new = json.loads((tmp / MANIFEST).read_text(encoding="utf-8")).get("outputs") or {}
    except (InputFileError, OSError, ValueError, AttributeError):
        return
    for name in new:
        backup = tmp / f".old-{name}"
        if backup.is_file():
            os.replace(backup, run / name)
        elif name not in old and not (tmp / name).exists() and (run / name).is_file():
            (run / name).unlink()


def update_run(
    run_dir: str | os.PathLike,
    files: Mapping[str, Writer],
    changes: Mapping | None = None,
) -> dict[str, str]:
    """Add or replace files of a finished run and record them in its manifest, all or nothing.

    Under the run's output lock (the one ``compile`` takes, :func:`output_lock`): every writer
    fills a file in a temporary folder inside the run, each file is hashed, the new files replace
    the old ones, and the manifest is rewritten (a temporary name, then a rename) with the files'
    sha256 in ``outputs`` and the top-level entries of ``changes``. An error anywhere — a writer,
    a full disk, a failed rename — puts the old files back and leaves the old manifest.

    Parameters
    ----------
    run_dir : str or os.PathLike
        A finished run folder (it must hold a ``manifest.json`` written by ghginv).
    files : mapping of str to callable
        File name (in the run folder) -> ``write(path)``, called in the given order.
    changes : mapping, optional
        Manifest entries to set (each replaces the entry of that name).

    Returns
    -------
    dict of str to str
        File name -> ``"sha256:…"`` of every file written.

    Raises
    ------
    InputFileError
        When ``run_dir`` is not a ghginv run folder (:func:`read_manifest`).
    ConfigError
        When the files cannot be written (e.g. the disk is full); the run is unchanged.
    """
    run = Path(run_dir).absolute()
    read_manifest(run)  # refuse a folder that is not a run, before taking its lock
    with output_lock(run):
        manifest = read_manifest(run)  # again: another process may have updated it while this one waited
        _clean_stale_updates(run)
        tmp = run / f".update-{os.getpid()}-{secrets.token_hex(4)}"
        moved: list[tuple[str, Path | None]] = []  # (name, backup of the old file or None), in order
        try:
            tmp.mkdir()
            hashes = {}
            for name, write in files.items():
                write(tmp / name)
                hashes[name] = "sha256:" + file_sha256(tmp / name)
            new = {**manifest, **(changes or {})}
            new["outputs"] = {**(manifest.get("outputs") or {}), **hashes}
            (tmp / MANIFEST).write_text(_manifest_text(new), encoding="utf-8")
            for name in files:
                backup = None
                if (run / name).exists():
                    backup = tmp / f".old-{name}"
                    try:
                        os.link(run / name, backup)  # a second name for the old bytes: cheap, and restorable
                    except OSError:  # a filesystem without hard links
                        shutil.copy2(run / name, backup)
                moved.append((name, backup))
                os.replace(tmp / name, run / name)
            os.replace(tmp / MANIFEST, run / MANIFEST)  # last: the manifest never names files not in place
            moved.clear()
        except BaseException as e:
            for name, backup in reversed(moved):  # put the old files back
                try:
                    if backup is not None:
                        os.replace(backup, run / name)
                    else:
                        (run / name).unlink(missing_ok=True)
                except OSError:
                    pass
            ose = _os_error(e)  # an OSError, or a polars / pyarrow error that carries one
            if ose is not None and not isinstance(e, GhgInvError):
                raise ConfigError(f"{run}: cannot update the run: {_os_what(ose)}; its files and manifest are unchanged") from None
            raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return hashes
