"""``ghginv.core._threads.background``: the one helper behind the pipeline's background jobs (manifest,
reports, the workbook's compression, the energy-activity table) gives the job's result or raises its error in
the joining thread, may be joined again, and names its thread."""

from __future__ import annotations

import threading

import pytest

from ghginv.core._threads import background


def test_result_error_and_rejoin():
    job = background(lambda x, y: x + y, 1, 2)
    assert job() == 3 and job() == 3  # joined twice: the same result
    failing = background(lambda: 1 / 0)
    assert failing(wait_only=True) is None  # only waits
    with pytest.raises(ZeroDivisionError):
        failing()
    with pytest.raises(ZeroDivisionError):
        failing()


def test_the_thread_has_its_name_and_has_ended_when_joined():
    started, release = threading.Event(), threading.Event()
    names = []

    def work():
        names.append(threading.current_thread().name)
        started.set()
        release.wait(5)
        return "done"

    job = background(work, name="ghginv-test-job")
    started.wait(5)
    alive = [t.name for t in threading.enumerate()]
    assert "ghginv-test-job" in alive and names == ["ghginv-test-job"]
    release.set()
    assert job() == "done"
    assert "ghginv-test-job" not in [t.name for t in threading.enumerate()]


def test_a_ctrl_c_during_the_clean_up_wait_is_raised_once_the_thread_has_ended():
    """``join(wait_only=True)`` (the clean-up after an error, while the job may still write into a folder about
    to be removed): a Ctrl-C meanwhile does not cut the wait short; it is raised after the thread has ended."""
    import _thread
    import time

    interrupted, done = threading.Event(), []

    def work():
        interrupted.wait(5)  # the interrupt is issued while this job still runs
        time.sleep(0.2)
        done.append(True)

    def ctrl_c():
        time.sleep(0.1)
        _thread.interrupt_main()  # as a Ctrl-C: KeyboardInterrupt in the main thread
        interrupted.set()

    job = background(work)
    threading.Thread(target=ctrl_c, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        job(wait_only=True)
        for _ in range(500):  # the pending interrupt, should the wait end first, is raised in this block
            time.sleep(0.01)
    assert done == [True]
