"""ghginv.core.exactsum: each group's integer is its exact sum, and rounded once it has math.fsum's bits.

The shared cases of the report's :class:`ExactSums` and the checks stage's ``exact_sums`` (both built on
:func:`exact_group_sums`): many magnitudes and both signs, cancellation to the last bits, ties of rounding,
subnormals, signed zeros, huge and tiny values; in two, three and more mantissa pieces.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.core import exactsum
from ghginv.core.exactsum import exact_group_sums, round_exact


def _values(rng, kind: int, n: int) -> np.ndarray:
    if kind == 0:  # a wide spread of magnitudes
        return rng.normal(0, 1, n) * 10.0 ** rng.integers(-300, 300, n)
    if kind == 1:  # cancellation to the last bits, half-way cases, subnormals, negative zeros
        h = n // 3
        b = rng.normal(0, 1e16, h)
        x = np.concatenate([b, -b, rng.choice([0.5, 1.0, 2.0**-60, 5e-324, -0.0], n - 2 * h)])
        rng.shuffle(x)
        return x
    if kind == 2:  # ties of rounding: 1e16 + 1.0 + … is not representable
        return rng.choice([1e16, 1.0, -1e16, 0.5, 1e-30, 2.0**53, 1.5], n)
    if kind == 3:  # the float range's ends: the largest and smallest magnitudes, subnormals
        return rng.choice([1e308, -1e308, 2.0**1023, -(2.0**1023), 2.2e-308, -2.2e-308, 5e-324, -5e-324, 1.0, -0.0], n)
    return np.round(rng.normal(0, 1e3, n), 2)  # inventory-like


def _check(x: np.ndarray, group: np.ndarray, n_groups: int) -> None:
    """Each group's integer times 2**scale is the exact sum of its values; rounded, it is math.fsum's result."""
    totals, scale = exact_group_sums(x, group, n_groups)
    assert len(totals) == n_groups
    for g in range(n_groups):
        vals = x[group == g].tolist()
        exact = sum((Fraction(v) for v in vals), Fraction(0))
        assert Fraction(totals[g]) * Fraction(2) ** scale == exact, g
        if exact == 0:
            continue  # a zero sum's sign: the callers' (math.fsum over the rows)
        try:
            want = float(exact)  # correctly rounded, ties to even
        except OverflowError:
            with pytest.raises(OverflowError):
                round_exact(totals[g], scale)
            continue
        got = round_exact(totals[g], scale)
        assert np.float64(got).tobytes() == np.float64(want).tobytes(), (g, got, want)
        try:
            assert got == math.fsum(vals)
        except OverflowError:
            pass  # math.fsum's intermediate overflow, although the exact sum is a float


@pytest.mark.parametrize("kind", range(5))
@pytest.mark.parametrize("pieces", ["two", "three", "more", "narrow"])
def test_group_sums_are_exact_in_every_piece_split(kind, pieces, monkeypatch):
    if pieces == "narrow":  # many pieces of 7 bits (the last one the sign only)
        monkeypatch.setattr(exactsum, "_piece_width", lambda n: (7, 9))
    elif pieces != "two":  # the splits of 2**26 and 2**35 values and more, here on small arrays
        monkeypatch.setattr(exactsum, "_TWO_PIECE_ROWS", 0)
    if pieces == "more":
        monkeypatch.setattr(exactsum, "_THREE_PIECE_ROWS", 0)
    rng = np.random.default_rng(kind)
    for _ in range(10):
        n_groups = int(rng.integers(1, 12))
        n = int(rng.integers(0, 400))
        _check(_values(rng, kind, n), rng.integers(0, n_groups, n), n_groups)


_floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),  # huge and tiny magnitudes
    st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=True, min_value=-1e-300, max_value=1e-300),
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 1e16, -1e16, 1.0, 0.5, 2.0**1023, -(2.0**1023)]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_floats, st.integers(0, 3)), max_size=60), st.booleans())
def test_group_sums_are_exact_property(rows, cancel):
    if cancel:  # each value with its negation too: cancellation to zero and to the last bits
        rows = rows + [(-v, g) for v, g in rows[: len(rows) // 2]]
    x = np.array([v for v, _ in rows], np.float64)
    group = np.array([g for _, g in rows], np.int64)
    _check(x, group, 4)


@pytest.mark.parametrize("b", range(1, 53))
def test_piece_widths_keep_every_float64_partial_sum_an_exact_integer(b, monkeypatch):
    n = (1 << b) - 1  # the most values with this bit length
    width, k = exactsum._piece_width(n)
    assert k >= 2 and width >= 1
    assert n * ((1 << width) - 1) <= 1 << 53  # the low pieces
    assert n * (1 << (53 - (k - 1) * width)) <= 1 << 53  # the signed rest: |rest| <= 2**(53 - (k - 1)·width)


def test_rep4_piece_widths_below_2_35_values():
    assert exactsum._piece_width(0) == (27, 2)
    assert exactsum._piece_width((1 << 26) - 1) == (27, 2)
    assert exactsum._piece_width(1 << 26) == (18, 3)
    assert exactsum._piece_width((1 << 35) - 1) == (18, 3)


def test_no_values_and_empty_groups():
    assert exact_group_sums(np.array([]), np.array([], np.int64), 3) == ([0, 0, 0], 0)
    totals, scale = exact_group_sums(np.array([1.0, 2.0]), np.array([0, 2]), 4)
    assert [round_exact(t, scale) for t in totals] == [1.0, 0.0, 2.0, 0.0]


def _pairwise_reference(x: np.ndarray, group: np.ndarray, n_groups: int) -> tuple[list[int], int]:
    """The integers of :func:`exact_group_sums` as its earlier Python loop over (group, exponent) pairs made them."""
    bits = x.view(np.int64)
    efield = (bits >> 52) & 0x7FF
    mant = (bits & ((1 << 52) - 1)) | np.where(efield > 0, np.int64(1 << 52), np.int64(0))
    mant = np.where(bits < 0, -mant, mant)
    exp = np.maximum(efield, 1)
    totals = [0] * n_groups
    if not x.size:
        return totals, 0
    e0 = int(exp.min())
    for g, m, e in zip(group.tolist(), mant.tolist(), exp.tolist(), strict=True):
        totals[g] += m << (e - e0)
    return totals, e0 - 1075


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_floats, st.integers(0, 40)), max_size=120), st.integers(0, 3))
def test_group_integers_are_the_pairwise_ones(rows, n_empty):
    # many groups, some without values, each with values of many exponents: the per-pair integers shifted and added per
    # group in numpy's object loops are the integers a plain loop over the values gives (the same N and scale)
    x = np.array([v for v, _ in rows], np.float64)
    group = np.array([g for _, g in rows], np.int64)
    n_groups = 41 + n_empty
    assert exact_group_sums(x, group, n_groups) == _pairwise_reference(x, group, n_groups)


@pytest.mark.parametrize("chunk", [1, 3, 64, 1 << 16])
@pytest.mark.parametrize("kind", range(5))
def test_blocks_of_values_give_the_same_integers(chunk, kind, monkeypatch):
    # the values reduced a block at a time (blocks of ``chunk`` values, or of the bins when there are more bins): the
    # same integers and scale as one pass, and exact (the two-, three- and many-piece splits as above)
    monkeypatch.setattr(exactsum, "_CHUNK", chunk)
    rng = np.random.default_rng(100 + kind)
    for pieces in ("two", "three"):
        if pieces == "three":
            monkeypatch.setattr(exactsum, "_TWO_PIECE_ROWS", 0)
        for _ in range(6):
            n_groups = int(rng.integers(1, 30))
            n = int(rng.integers(0, 500))
            x, group = _values(rng, kind, n), rng.integers(0, n_groups, n)
            assert exact_group_sums(x, group, n_groups) == _pairwise_reference(x, group, n_groups)
            _check(x, group, n_groups)
