"""The cube stage's head start on numba: :func:`ghginv.inputs.load.prefetched` reads further ahead
until an event is set (the first batch added, while numba loads), then back to its depth, yielding
every batch once and in order; :func:`ghginv.kernels.preload` loads numba in a thread in a fresh
interpreter (the suite itself compiles every kernel from its first call), after which the kernels
run compiled and the hash-table merge gives the bits of its plain-Python loop."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ghginv.inputs.load import prefetched

ROOT = Path(__file__).resolve().parents[2]


def _counted(n: int, pulled: list[int]):
    for i in range(n):
        pulled.append(i)
        yield i


def _wait_for(cond, seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.005)
    return cond()


def test_reads_further_ahead_until_the_event_then_back_to_depth():
    pulled: list[int] = []
    added = threading.Event()
    it = prefetched(_counted(20, pulled), depth=1, until=(added, 5))
    got = [next(it)]
    # before the event: up to 5 queued (and one more in the reader's hand, waiting to be put)
    assert _wait_for(lambda: len(pulled) >= 6)
    time.sleep(0.05)
    assert len(pulled) <= 7
    added.set()
    for _ in range(6):  # drain what was read ahead; the reader then keeps at most `depth` queued
        got.append(next(it))
    time.sleep(0.05)
    assert len(pulled) - len(got) <= 2
    got.extend(it)
    assert got == list(range(20))


def test_without_the_event_it_stops_at_depth():
    pulled: list[int] = []
    it = prefetched(_counted(20, pulled), depth=2)
    assert next(it) == 0
    assert _wait_for(lambda: len(pulled) >= 3)
    time.sleep(0.05)
    assert len(pulled) <= 4  # 2 queued, one in the reader's hand, the one yielded
    assert [0, *it] == list(range(20))


def test_an_error_after_reading_ahead_comes_in_order():
    def bad():
        yield from range(3)
        raise ValueError("damaged page")

    it = prefetched(bad(), depth=1, until=(threading.Event(), 8))
    assert [next(it), next(it), next(it)] == [0, 1, 2]
    with pytest.raises(ValueError, match="damaged page"):
        next(it)


PRELOAD = """
import numpy as np
import ghginv.kernels as K
from ghginv.kernels import cube as C
assert K.numpy_run(1000)  # a small run stays in numpy: nothing to load
assert K.preload() is None and not K.jit_active()
assert not K.numpy_run(None)
t = K.preload()
assert t is not None
t.join()
assert K.jit_active() and K.preload() is None
rng = np.random.default_rng(5)
keys = np.unique(rng.integers(0, 50, 400).astype(np.int64))
src = (keys, np.zeros(keys.size, np.int64), rng.normal(size=keys.size), np.ones(keys.size, np.int64))
a, b = C.new_table(256), C.new_table(256)  # no growth: the merge fills a in place
n_jit = C.table_merge(a, 0, src)[1]
loop = next(k.py_func for k in K._KERNELS if k.py_func.__name__ == "_insert_cells")
n_py = loop(*b, 0, *src)
assert n_jit == n_py and all(x.tobytes() == y.tobytes() for x, y in zip(a, b))
assert type(C._insert_cells).__name__ == "CPUDispatcher" and K._FIRST(np.arange(5)) == 10
print("ok")
"""


def test_preload_loads_numba_in_a_thread_and_kernels_give_the_same_bits():
    env = {k: v for k, v in os.environ.items() if k not in ("GHGINV_JIT_MIN_LEN", "NUMBA_DISABLE_JIT")}
    env["PYTHONPATH"] = str(ROOT)
    out = subprocess.run([sys.executable, "-c", PRELOAD], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
