"""Work started in a thread of its own and joined later (private).

One helper for the pipeline's background jobs: the manifest and the reports of the write stage
(:mod:`ghginv.pipeline.write`), the workbook's compression beside the page (:func:`ghginv.report.write_reports`)
and the energy-activity table beside the trace, inventory and checks stages (:mod:`ghginv.pipeline.stages`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable


def background(fn: Callable, *args, name: str | None = None) -> Callable:
    """Start ``fn(*args)`` in a daemon thread.

    Parameters
    ----------
    fn : callable
        The work.
    *args
        Its arguments.
    name : str, optional
        The thread's name (``ghginv-…``), as tools and tests see it.

    Returns
    -------
    callable
        ``join(wait_only=False)``: waits for the thread (a timed wait, so Ctrl-C is handled between waits),
        then gives ``fn``'s result or raises its error; ``join(wait_only=True)`` only waits. It may be
        called again, from any thread.
    """
    box: dict = {}

    def run():
        try:
            box["value"] = fn(*args)
        except BaseException as e:  # handed to the joining thread
            box["error"] = e

    t = threading.Thread(target=run, daemon=True, name=name)
    t.start()

    def join(wait_only: bool = False):
        while t.is_alive():  # a plain join is not interrupted by Ctrl-C
            t.join(0.05)
        if wait_only:
            return None
        if "error" in box:
            raise box["error"]
        return box["value"]

    return join
