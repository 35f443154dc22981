"""One rounding for the bureau: 四舍五入 (round half up) on the decimal value (issue 16 item 4)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.core.rounding import round_half_up, round_half_up_expr


def _decimal(x: float, d: int) -> float:
    """The reference: Decimal ROUND_HALF_UP on repr (precision enough for any double)."""
    return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-d), context=Context(prec=500, rounding=ROUND_HALF_UP)))


@pytest.mark.parametrize("x, d, want", [
    (0.12345, 4, 0.1235),   # binary 0.123450000000000004…; polars round(4) gives 0.1234 (half to even of 1234.5)
    (0.00005, 4, 0.0001),
    (2.675, 2, 2.68),       # binary 2.674999999999999822…: Python round gives 2.67
    (-2.675, 2, -2.68),     # symmetric
    (1.005, 2, 1.01),       # binary 1.00499999999999989…
    (0.5, 0, 1.0), (1.5, 0, 2.0), (2.5, 0, 3.0), (-0.5, 0, -1.0),
    (0.12344999, 4, 0.1234), (0.1234, 4, 0.1234), (1e300, 4, 1e300),
])
def test_ties_on_the_decimal_value(x, d, want):
    assert round_half_up(x, d) == want
    assert round_half_up(np.array([x, x]), d).tolist() == [want, want]
    assert round_half_up(pl.Series([x, None]), d).to_list() == [want, None]


def test_the_binary_roundings_it_replaces_differ():
    # what ghginv did before: polars round(4) in the indicators, Python round in the targets
    assert pl.Series([0.12345]).round(4)[0] == 0.1234 and round(0.12345, 4) == 0.1235
    assert round(2.675, 2) == 2.67 and round(0.00005, 4) == 0.0001


def test_nan_inf_and_bad_digits():
    assert np.isnan(round_half_up(float("nan"), 2))
    assert round_half_up(np.array([np.inf, -np.inf]), 3).tolist() == [np.inf, -np.inf]
    for bad in (-1, 16, 2.0, True):
        with pytest.raises(ValueError, match="digits"):
            round_half_up(1.0, bad)


def test_expression_keeps_nulls():
    df = pl.DataFrame({"a": [0.12345, None, 2.675, -0.00005]})
    assert df.select(round_half_up_expr(pl.col("a"), 4))["a"].to_list() == [0.1235, None, 2.675, -0.0001]


# decimal ties with few digits: the cases where the binary value sits just below or above the half
_ties = st.builds(lambda k, d, s: s * (k + 0.5) / 10 ** d, st.integers(0, 10**9), st.integers(0, 8), st.sampled_from([1, -1]))


@settings(max_examples=600, deadline=None)
@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.floats(-1e6, 1e6), _ties), st.integers(0, 10))
def test_agrees_with_decimal_round_half_up_on_repr(x, d):
    want = _decimal(x, d)
    assert round_half_up(x, d) == want
    arr = round_half_up(np.array([x, -x, x / 7]), d)
    assert arr.tolist() == [want, _decimal(-x, d), _decimal(x / 7, d)]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(_ties, st.floats(0, 100)), min_size=1, max_size=200), st.integers(0, 6))
def test_vector_equals_scalar(xs, d):
    got = round_half_up(pl.Series(xs), d).to_list()
    assert got == [_decimal(x, d) for x in xs]
