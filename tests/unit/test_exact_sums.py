""":func:`ghginv.pipeline.conservation.exact_sums` is ``math.fsum`` per group, bit for bit: values
over many magnitudes and both signs, cancellations, subnormals, signed zeros, sums beyond the float
range, empty groups. Where ``math.fsum`` stops at an intermediate overflow although the exact sum
is a float, the exact sum rounded once."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from ghginv.pipeline.conservation import exact_sums


def _fsum(x):
    """math.fsum, or where it stops at an intermediate overflow the exact sum rounded once (which
    raises OverflowError itself when beyond the float range)."""
    try:
        return math.fsum(x)
    except OverflowError:
        return float(sum(Fraction(float(v)) for v in x))


def _fsums(x, group, n):
    return [_fsum(x[group == g]) if (group == g).any() else None for g in range(n)]


def _same(got, want):
    assert len(got) == len(want)
    for a, b in zip(got, want):
        assert (a is None and b is None) or (a is not None and b is not None and
                                             np.float64(a).tobytes() == np.float64(b).tobytes()), (a, b)


@pytest.mark.parametrize("seed", range(40))
def test_exact_sums_are_fsum(seed):
    rng = np.random.default_rng(seed)
    n, groups = int(rng.integers(0, 3000)), int(rng.integers(1, 7))
    x = rng.normal(size=n) * 10.0 ** rng.integers(-30, 30, size=n)
    if n and seed % 3 == 0:  # cancellation: each value with its negation, plus a small rest
        x[: n // 2] = -x[n - n // 2:][: n // 2]
    if n and seed % 4 == 1:
        x[rng.integers(0, n, size=max(1, n // 20))] = rng.choice([0.0, -0.0, 5e-324, -5e-324, 2.2e-308, 1e308, -1e308])
    group = rng.integers(0, groups, size=n)
    try:
        want = _fsums(x, group, groups)
    except OverflowError:  # math.fsum's own error for a sum beyond the float range: the same here
        with pytest.raises(OverflowError):
            exact_sums(x, group, groups)
        return
    _same(exact_sums(x, group, groups), want)


@pytest.mark.parametrize("values", [[-0.0], [-0.0, -0.0], [0.0, -0.0], [1e308, 1e308], [1e308, 1e308, -1e308], [0.1] * 10,
                                    [1.0, 1e-16, 1e-16], [5e-324] * 3, [2.0 ** 1023, 2.0 ** 1023, -(2.0 ** 1023)]])
def test_exact_sums_edges(values):
    x = np.array(values, np.float64)
    group = np.zeros(x.size, np.int64)
    exact = sum(Fraction(v) for v in values)
    try:
        want = [math.fsum(x)]
    except OverflowError:  # math.fsum: "intermediate overflow" even when the exact sum is a float
        try:
            want = [float(exact)]  # the exact sum rounded once
        except OverflowError:
            with pytest.raises(OverflowError):
                exact_sums(x, group, 1)
            return
    assert exact == 0 or want[0] == float(exact)
    _same(exact_sums(x, group, 1), want)


def test_an_empty_group_has_no_sum():
    assert exact_sums(np.array([1.0, 2.0]), np.array([0, 2]), 4) == [1.0, None, 2.0, None]
