"""Progress bar for long compiles: rows read, rows per second and time left, on a terminal only.

:func:`terminal_progress` returns None when stderr is not a terminal or ``quiet`` is set, so
pipes, logs and CI stay clean. The object is what :class:`ghginv.pipeline.inventory.Inventory` takes as
``progress``: called with each stage name, and ``rows(done, total)`` while the activity rows
stream. The bar is drawn by ``rich`` (transient: it disappears when the run ends) and shows
only for runs that last: it is created lazily after :data:`DELAY_S` seconds.
"""

from __future__ import annotations

import sys
import time

__all__ = ["RowProgress", "FileProgress", "terminal_progress", "terminal_file_progress", "total_rows"]

DELAY_S = 0.5


class RowProgress:
    """Stage name and a rows bar with rows/s and ETA, drawn on stderr with rich."""

    def __init__(self):
        self._t0 = time.perf_counter()
        self._bar = None
        self._task = None
        self._stage = ""
        self._first = None

    def __call__(self, stage: str) -> None:
        self._stage = stage
        if self._bar is not None:
            self._bar.update(self._task, description=stage)

    def _start(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("rows  {task.fields[rate]}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task(self._stage or "cube", total=total, rate="")

    def rows(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if self._first is None:
            self._first = (now, done)  # rate from the first batch on (start-up excluded)
        if self._bar is None:
            if now - self._t0 < DELAY_S:
                return
            self._start(total)
        t1, d1 = self._first
        rate = f"{(done - d1) / (now - t1) / 1e6:,.1f} M rows/s" if now > t1 and done > d1 else ""
        self._bar.update(self._task, completed=done, total=total, rate=rate)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class FileProgress:
    """Files read of all, and activity rows so far, for ``ghginv import``: drawn only after :data:`IMPORT_DELAY_S`.

    Called as ``progress(files_done, files_total, rows)`` after each file and every 16,384 rows of a
    large sheet (rows: activity rows so far plus the rows read of the current sheet).
    """

    def __init__(self, delay_s: float | None = None):
        self._t0 = time.perf_counter()
        self._delay = IMPORT_DELAY_S if delay_s is None else delay_s
        self._bar = None
        self._task = None
        self.shown = False

    def __call__(self, done: int, total: int, rows: int) -> None:
        if self._bar is None:
            if time.perf_counter() - self._t0 < self._delay or done >= total:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("import"), BarColumn(), MofNCompleteColumn(), TextColumn("files, {task.fields[rows]} rows read"),
                                 TimeRemainingColumn(), console=Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("import", total=total, rows="0")
            self.shown = True
        self._bar.update(self._task, completed=done, total=total, rows=f"{rows:,}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


IMPORT_DELAY_S = 1.0


def _show_bar(quiet: bool, stream) -> bool:
    """Whether to draw a bar: not ``quiet`` and ``stream`` (default ``sys.stderr``) is a terminal."""
    stream = stream if stream is not None else sys.stderr
    return not quiet and bool(getattr(stream, "isatty", lambda: False)())


def terminal_file_progress(quiet: bool = False, stream=None) -> FileProgress | None:
    """A :class:`FileProgress` when ``stream`` (stderr) is a terminal and not ``quiet``; else None.

    Parameters
    ----------
    quiet : bool, default False
        No progress bar at all.
    stream : file-like, optional
        The stream checked with ``isatty``; default ``sys.stderr``.

    Returns
    -------
    FileProgress or None
        The callable to pass as ``import_ledger(progress=...)`` (shown on imports longer than a
        second), or None for pipes, logs, CI and ``--quiet``.
    """
    if not _show_bar(quiet, stream):
        return None
    return FileProgress()


def total_rows(files) -> int | None:
    """Rows in the files' Parquet footers (for the bar's ETA).

    Parameters
    ----------
    files : iterable
        Activity files, each with a ``path`` (local path or shared-storage URL).

    Returns
    -------
    int or None
        Total row count, or None if a footer is unreadable (the load stage reports that file).
    """
    import pyarrow.parquet as pq

    from ._fs import parquet_source

    try:  # a local path, or a file on shared storage (one footer read each)
        return sum(pq.read_metadata(parquet_source(f.path)).num_rows for f in files)
    except Exception:  # a broken file is reported by the load stage, with its name
        return None


def terminal_progress(quiet: bool = False, stream=None) -> RowProgress | None:
    """A :class:`RowProgress` when ``stream`` (stderr) is a terminal and not ``quiet``; else None.

    Parameters
    ----------
    quiet : bool, default False
        No progress bar at all.
    stream : file-like, optional
        The stream checked with ``isatty``; default ``sys.stderr``.

    Returns
    -------
    RowProgress or None
        The progress object to pass as ``Inventory(progress=...)``, or None for pipes, logs and CI.
    """
    if not _show_bar(quiet, stream):
        return None
    return RowProgress()
