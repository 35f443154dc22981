"""Work started in a thread of its own and joined later (private).

One helper for the pipeline's background jobs: the manifest and the reports of the write stage
(:mod:`ghginv.pipeline.write`), the workbook's compression beside the page (:func:`ghginv.report.write_reports`)
and the energy-activity table beside the trace, inventory and checks stages (:mod:`ghginv.pipeline.stages`).

And the process's shared thread pools (:func:`shared_pool`: the kernels' ranges of :mod:`ghginv.pipeline.sums`),
kept for later calls and shut down by :func:`shutdown_pools` — the command line's write does so
(:func:`ghginv.pipeline.write.write_run`) before the process ends: its quick end (:func:`ghginv.cli._end_process`)
needs no other thread alive.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_POOLS: dict = {}  # name -> concurrent.futures.ThreadPoolExecutor (shared_pool)
_POOLS_LOCK = threading.Lock()


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
        then gives ``fn``'s result or raises its error; ``join(wait_only=True)`` only waits — the clean-up
        after an error: a Ctrl-C meanwhile is raised once the thread has ended, never while it still runs.
        It may be called again, from any thread.
    """
    box: dict = {}
    # the end of the job, as an event: a Thread.join interrupted by Ctrl-C can mark a thread that still runs as
    # stopped (CPython's bpo-45274 handling releases the running thread's own lock), so is_alive() is not asked
    ended = threading.Event()

    def run():
        try:
            box["value"] = fn(*args)
        except BaseException as e:  # handed to the joining thread
            box["error"] = e
        finally:
            ended.set()

    t = threading.Thread(target=run, daemon=True, name=name)
    t.start()

    def join(wait_only: bool = False):
        interrupted = None
        while True:  # a timed wait: Ctrl-C is handled between waits
            try:
                while not ended.wait(0.05):
                    pass
                break
            except KeyboardInterrupt as e:
                if not wait_only:
                    raise
                # the clean-up after an error: the job ends first (it may be writing into a folder about to be
                # removed); the Ctrl-C is raised then
                interrupted = e
        t.join()  # its last instructions after the event: no thread is left behind
        if interrupted is not None:
            raise interrupted
        if wait_only:
            return None
        if "error" in box:
            raise box["error"]
        return box["value"]

    return join


def shared_pool(name: str, workers: int):
    """The process's thread pool called ``name``: made on first use with ``workers`` threads (named ``name_0`` …),
    then the same pool for every later call, until :func:`shutdown_pools`.

    Parameters
    ----------
    name : str
        The pool's name and its threads' prefix (``ghginv-…``).
    workers : int
        Its threads, when it is made.

    Returns
    -------
    concurrent.futures.ThreadPoolExecutor
        The pool.
    """
    with _POOLS_LOCK:
        pool = _POOLS.get(name)
        if pool is None:
            from concurrent.futures import ThreadPoolExecutor

            pool = _POOLS[name] = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        return pool


def shutdown_pools() -> None:
    """Shut down every pool :func:`shared_pool` made, once the work queued on them is done: their threads end
    (idle ones at once). A later :func:`shared_pool` makes a new pool.
    """
    with _POOLS_LOCK:
        pools = list(_POOLS.values())
        _POOLS.clear()
    for pool in pools:
        pool.shutdown(wait=True)
