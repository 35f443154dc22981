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
