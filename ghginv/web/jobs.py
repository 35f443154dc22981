"""Background jobs of the web app: a compile or a recompute in a thread, with its stage for the page to poll.

One job per inventory (or per run recomputed) at a time: a second start is refused with a message
(:class:`Busy`). A job writes its run into a temporary folder inside ``out/`` and renames it into place
only when everything was written (:meth:`ghginv.web.workspace.Workspace.place`); a failure removes the
temporary folder, so the workspace is as it was, and keeps the error's text for the page.
"""

from __future__ import annotations

import shutil
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Busy", "Job", "Jobs"]


class Busy(RuntimeError):
    """The inventory (or run) already has a job running."""


@dataclass
class Job:
    """One compile or recompute: what it is doing, and how it ended."""

    id: str
    key: str
    kind: str
    stage: str = "start"
    started: float = field(default_factory=time.monotonic)
    ended: float | None = None
    result: Path | None = None
    error: str | None = None
    old_run: str | None = None
    draft: str | None = None  # an import: the inventory in preparation
    report: dict | None = None  # an import: ImportReport.as_dict() when it succeeded
    rows_done: int = 0
    rows_total: int = 0

    @property
    def done(self) -> bool:
        return self.ended is not None

    @property
    def elapsed(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    # the progress protocol of ghginv.Inventory: progress(stage_name), progress.rows(done, total)
    def __call__(self, stage: str) -> None:
        self.stage = stage

    def rows(self, done: int, total: int) -> None:
        self.rows_done, self.rows_total = int(done), int(total)


class Jobs:
    """The jobs of one app: start a function in a thread, at most one per key."""

    def __init__(self):
        self._lock = threading.Lock()
        self._running: dict[str, str] = {}  # key -> job id
        self.jobs: dict[str, Job] = {}

    def start(self, key: str, kind: str, work, tmp: Path | None = None, place=None, **attrs) -> Job:
        """Run ``work(job, tmp)`` in a thread; its return value (a folder in ``tmp``) is moved by ``place``
        (without ``place`` it is the job's result as it is). ``attrs`` set fields of the :class:`Job`.

        Raises :class:`Busy` when ``key`` has a job running.
        """
        with self._lock:
            if key in self._running:
                if tmp is not None:
                    shutil.rmtree(tmp, ignore_errors=True)
                raise Busy(key)
            job = Job(uuid.uuid4().hex[:16], key, kind, **attrs)
            self._running[key] = job.id
            self.jobs[job.id] = job

        def target():
            try:
                out = work(job, tmp)
                job.result = place(out) if place else out
                job.stage = "done"
            except Exception as e:  # noqa: BLE001 — every failure is shown on the page, the workspace left as it was
                # a ghginv error is shown as the command line prints it; anything else by its type and text (the
                # traceback goes to the server's log, not to the page)
                job.error = str(e) if getattr(e, "exit_code", None) == 2 else f"{type(e).__name__}: {e}"
                if getattr(e, "exit_code", None) != 2:
                    traceback.print_exc()
                job.stage = "failed"
                if tmp is not None:
                    shutil.rmtree(tmp, ignore_errors=True)
            finally:
                job.ended = time.monotonic()
                with self._lock:
                    self._running.pop(key, None)

        threading.Thread(target=target, name=f"ghginv-{kind}-{job.id}", daemon=True).start()
        return job

    def wait(self, job_id: str, timeout: float = 120.0) -> Job:
        """Wait for a job to end (tests and the command line)."""
        t0 = time.monotonic()
        job = self.jobs[job_id]
        while not job.done and time.monotonic() - t0 < timeout:
            time.sleep(0.05)
        return job
