"""The numpy forms of the roll-up range kernels (what runs while numba is not loaded) against the
kernels' own loops (``py_func``): the same outputs bit for bit and the same return values, over
random CSR groupings with empty groups, sub-ranges ``lo:hi``, values spanning many magnitudes of
both signs (so the order of additions shows in the bits), signed zeros, NaN and infinities."""

from __future__ import annotations

import numpy as np
import pytest

from ghginv.kernels import rollup as K


def _loop(kernel):
    return getattr(kernel, "py_func", kernel)


def _values(rng, n):
    x = rng.normal(size=n) * 10.0 ** rng.integers(-8, 9, size=n)
    if n and rng.random() < 0.3:
        x[rng.integers(0, n, size=max(1, n // 10))] = rng.choice([np.nan, np.inf, -np.inf, -0.0, 0.0])
    return x


def _csr(rng, groups, n_items):
    counts = rng.integers(0, 20, size=groups)
    starts = np.zeros(groups + 1, np.int64)
    np.cumsum(counts, out=starts[1:])
    idx = rng.integers(0, max(n_items, 1), size=int(starts[-1])).astype(np.int64)
    return idx, starts


def _range(rng, n):
    lo = int(rng.integers(0, n + 1))
    return lo, int(rng.integers(lo, n + 1))


def _same(a, b):
    assert a.dtype == b.dtype and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("seed", range(60))
def test_segment_sums(seed):
    rng = np.random.default_rng(seed)
    n_items, groups = int(rng.integers(0, 60)), int(rng.integers(0, 30))
    x = _values(rng, n_items)
    idx, starts = _csr(rng, groups, n_items)
    if n_items == 0:
        idx, starts = np.zeros(0, np.int64), np.zeros(groups + 1, np.int64)
    lo, hi = _range(rng, groups)
    out_l, out_n = np.full(groups, 7.0), np.full(groups, 7.0)
    _loop(K.segment_sums)(lo, hi, x, idx, starts, out_l)
    K._segment_sums_np(lo, hi, x, idx, starts, out_n)
    _same(out_l, out_n)
    y = _values(rng, n_items)
    pos = rng.permutation(groups).astype(np.int64) if rng.random() < 0.5 else np.zeros(0, np.int64)
    outs_l = [np.full(groups, 7.0), np.full(groups, 7.0)]
    outs_n = [np.full(groups, 7.0), np.full(groups, 7.0)]
    _loop(K.segment_sums2)(lo, hi, x, y, idx, starts, *outs_l, pos)
    K._segment_sums2_np(lo, hi, x, y, idx, starts, *outs_n, pos)
    for a, b in zip(outs_l, outs_n):
        _same(a, b)


@pytest.mark.parametrize("seed", range(40))
def test_finite_range(seed):
    rng = np.random.default_rng(seed)
    x = _values(rng, int(rng.integers(0, 40)))
    lo, hi = _range(rng, x.shape[0])
    assert K._finite_range_np(lo, hi, x) == bool(_loop(K.finite_range)(lo, hi, x))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the loop's numpy scalars on NaN and infinity
@pytest.mark.parametrize("seed", range(60))
def test_rollup_check_range(seed):
    rng = np.random.default_rng(seed)
    n_rows, n_em = int(rng.integers(0, 40)), int(rng.integers(0, 50))
    inv = _values(rng, n_rows + 3)
    rows = rng.permutation(n_rows + 3)[:n_rows].astype(np.int64)
    child, child_starts = _csr(rng, n_rows, n_rows)
    em = _values(rng, n_em)
    own, own_starts = _csr(rng, n_rows, n_em)
    if n_em == 0:
        own, own_starts = np.zeros(0, np.int64), np.zeros(n_rows + 1, np.int64)
    if n_rows and rng.random() < 0.5:  # some rows that pass: the value is the recomputed sum
        total = np.zeros(n_rows)
        _loop(K.rollup_check_range)(0, n_rows, rows, child_starts, child, own_starts, own, inv, em, 1e-9, total)
        keep = rng.random(n_rows) < 0.5
        inv[rows[keep]] = total[keep]
    lo, hi = _range(rng, n_rows)
    rel = float(rng.choice([0.0, 1e-9, 0.1]))
    t_l, t_n = np.full(n_rows, 7.0), np.full(n_rows, 7.0)
    got_l = _loop(K.rollup_check_range)(lo, hi, rows, child_starts, child, own_starts, own, inv, em, rel, t_l)
    got_n = K._rollup_check_range_np(lo, hi, rows, child_starts, child, own_starts, own, inv, em, rel, t_n)
    assert tuple(int(v) for v in got_n) == tuple(int(v) for v in got_l)
    _same(t_l, t_n)
