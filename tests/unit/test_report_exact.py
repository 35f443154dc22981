"""ghginv.report._exact.ExactSums: a set of groups' sum has the bits of math.fsum over their rows (issue 20)."""

import math

import numpy as np
import polars as pl
import pytest

from ghginv.core import exactsum
from ghginv.report import provincial
from ghginv.report._exact import ExactSums


def _values(rng, n: int) -> np.ndarray:
    """Wide magnitudes, cancelling pairs, ties of rounding, subnormals and signed zeros, mixed (the exactness of
    each group's sum across such cases: tests/unit/test_exactsum.py)."""
    b = rng.normal(0, 1, n) * 10.0 ** rng.integers(-300, 300, n)
    x = np.where(rng.random(n) < 0.5, b, rng.choice([1e16, -1e16, 1.0, 0.5, 1.5, 2.0**-60, 5e-324, -0.0], n))
    h = n // 4
    x[:h] = -x[n - h:]  # cancelling pairs
    return x


@pytest.mark.parametrize("pieces", [2, 3])
def test_exact_sums_equal_fsum_over_rows(pieces, monkeypatch):
    if pieces == 3:  # the split of tables from 2**26 rows, here on small ones
        monkeypatch.setattr(exactsum, "_TWO_PIECE_ROWS", 0)
    rng = np.random.default_rng(pieces)
    for _ in range(60):
        lengths = rng.integers(1, 120, int(rng.integers(1, 25)))
        x = _values(rng, int(lengths.sum()))
        rng.shuffle(x)
        starts = np.concatenate([[0], np.cumsum(lengths)])
        sums = ExactSums(pl.Series(x), lengths)
        for _ in range(15):
            sel = rng.choice(lengths.size, int(rng.integers(0, lengths.size + 1)), replace=bool(rng.integers(0, 2))).tolist()
            want = math.fsum(v for g in sel for v in x[starts[g]:starts[g + 1]].tolist())
            got = sums.fsum(sel)
            assert (got, math.copysign(1.0, got)) == (want, math.copysign(1.0, want))


def test_exact_sums_non_finite_and_null_as_fsum():
    sums = ExactSums(pl.Series([1.0, float("nan"), 2.0, float("inf"), None, 3.0, 4.0, -4.0]), np.array([2, 2, 2, 2]))
    assert math.isnan(sums.fsum([0]))
    assert sums.fsum([1, 3]) == math.inf
    assert sums.fsum([]) == 0.0
    assert sums.fsum([3]) == 0.0 and math.copysign(1.0, sums.fsum([3])) == 1.0
    with pytest.raises(TypeError):  # math.fsum of a null
        sums.fsum([2])


def test_provincial_keeps_no_run_frames_between_calls():
    # the rows of a run's tables are built per call and passed on: no module-level cache keeps a run's frames alive
    assert not [n for n, v in vars(provincial).items() if not n.startswith("__") and isinstance(v, list)]
