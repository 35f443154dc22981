"""Kernels against plain-Python references.

* ghginv.kernels.cube — the open-addressing hash table (create / append / grow / merge /
  finalize) against a dict aggregation, and pack_keys / unpack_keys;
* ghginv.kernels.emissions.activity_emissions — every conversion path (ncv_pow, dens_pow in -1, 0, 1);
* ghginv.core._frames.group_sum — against polars group_by().sum().

Every test here is marked ``nojit``: ``make test`` runs them a second time with
NUMBA_DISABLE_JIT=1, so inputs are kept small.
"""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ghginv.core._frames import group_sum
from ghginv.kernels.cube import (
    LIMITS,
    YEAR_BASE,
    new_table,
    pack_keys,
    table_append,
    table_grow,
    table_items,
    table_merge,
    unpack_keys,
)
from ghginv.kernels.emissions import activity_emissions

pytestmark = pytest.mark.nojit

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- cube hash table ---------------------------------------------------------------------------


def build(k1, k2, amount, capacity=16, batch=None):
    """Append rows as the cube builder does: grow whenever an append stops or the table is half full."""
    table = new_table(capacity)
    n_used = 0
    batch = batch or max(len(k1), 1)
    for s in range(0, len(k1), batch):
        b1 = np.ascontiguousarray(k1[s : s + batch], np.int64)
        b2 = np.ascontiguousarray(k2[s : s + batch], np.int64)
        ba = np.ascontiguousarray(amount[s : s + batch], np.float64)
        start = 0
        while start < b1.shape[0]:
            start, n_used = table_append(*table, n_used, b1, b2, ba, start)
            if start < b1.shape[0] or 2 * n_used >= table[0].shape[0]:
                table = table_grow(table, n_used)
    return table, n_used


def as_dict(table):
    k1, k2, sums, counts = table_items(table)
    assert len(set(zip(k1.tolist(), k2.tolist()))) == len(k1), "a key occupies two slots"
    return {(a, b): (s, c) for a, b, s, c in zip(k1.tolist(), k2.tolist(), sums.tolist(), counts.tolist())}


def reference(k1, k2, amount):
    out: dict[tuple[int, int], list] = {}
    for a, b, x in zip(k1.tolist(), k2.tolist(), amount.tolist()):
        e = out.setdefault((a, b), [0.0, 0])
        e[0] += x
        e[1] += 1
    return out


def assert_same(table, ref):
    got = as_dict(table)
    assert set(got) == set(ref)
    for k, (s, c) in ref.items():
        assert got[k][1] == c
        assert got[k][0] == pytest.approx(s, rel=1e-12, abs=1e-12)


@st.composite
def cube_rows(draw, max_rows=400):
    n = draw(st.integers(0, max_rows))
    n_keys = draw(st.integers(1, 300))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    # a pool of distinct-ish keys: packed k1 over the full bit range, small entity codes in k2
    pool1 = pack_keys(
        rng.integers(YEAR_BASE, YEAR_BASE + LIMITS["year"], n_keys),
        rng.integers(0, LIMITS["region"], n_keys),
        rng.integers(0, LIMITS["sector"], n_keys),
        rng.integers(0, LIMITS["activity"], n_keys),
        rng.integers(0, LIMITS["unit"], n_keys),
    )
    if draw(st.booleans()):  # dense small keys: many hash collisions in a small table
        pool1 = rng.integers(0, 64, n_keys).astype(np.int64)
    pool2 = rng.integers(0, draw(st.sampled_from([1, 3, 1000])), n_keys).astype(np.int64)
    pick = rng.integers(0, n_keys, n)
    amount = rng.uniform(0, 1e6, n) * (rng.random(n) < 0.9)  # some zeros
    return pool1[pick], pool2[pick], amount


@SETTINGS
@given(cube_rows(), st.sampled_from([None, 1, 7, 64]))
def test_table_equals_dict_aggregation(rows, batch):
    k1, k2, amount = rows
    table, n_used = build(k1, k2, amount, capacity=16, batch=batch)
    ref = reference(k1, k2, amount)
    assert n_used == len(ref)
    assert 2 * n_used < table[0].shape[0] or n_used == 0  # never left more than half full
    assert table[0].shape[0] & (table[0].shape[0] - 1) == 0  # power of two
    assert_same(table, ref)


def test_growth_past_several_doublings():
    """1,000 distinct keys (with entity keys) into a 16-slot table: six doublings and more."""
    rng = np.random.default_rng(7)
    n = 1000
    k1 = pack_keys(
        rng.integers(2000, 2030, n), rng.integers(0, 5000, n), rng.integers(0, 200, n), rng.integers(0, 50, n), rng.integers(0, 20, n)
    )
    k2 = rng.integers(1, 1 << 40, n).astype(np.int64)
    k1 = np.concatenate([k1, k1[::-1]])  # every key twice
    k2 = np.concatenate([k2, k2[::-1]])
    amount = rng.uniform(0, 10, 2 * n)
    table, n_used = build(k1, k2, amount, capacity=16)
    ref = reference(k1, k2, amount)
    assert n_used == len(ref)
    assert table[0].shape[0] >= 2 * len(ref)
    assert_same(table, ref)
    assert all(c == 2 for _, c in as_dict(table).values()) or len(ref) < n


def test_colliding_keys_stay_apart():
    """Keys equal in the low bits (same slot in a small table) and keys differing only in k2."""
    k1 = np.array([0, 16, 32, 48, 0, 16, 5, 5, 5], np.int64)
    k2 = np.array([0, 0, 0, 0, 1, 1, 0, 1, 2], np.int64)
    amount = np.arange(1.0, 10.0)
    k1, k2, amount = np.concatenate([k1, k1]), np.concatenate([k2, k2]), np.concatenate([amount, amount])
    table, n_used = build(k1, k2, amount, capacity=16)
    assert n_used == 9
    assert_same(table, reference(k1, k2, amount))


def test_empty_table():
    table = new_table(16)
    k1, k2, sums, counts = table_items(table)
    assert k1.size == k2.size == sums.size == counts.size == 0
    assert new_table(16)[0].shape[0] == 16
    assert new_table(17)[0].shape[0] == 32
    assert new_table(1)[0].shape[0] == 16  # minimum capacity


def test_grow_keeps_cells():
    k1 = np.arange(7, dtype=np.int64) * 1_000_003
    k2 = np.zeros(7, np.int64)
    amount = np.arange(7, dtype=np.float64) + 0.5
    table, n_used = build(k1, k2, amount, capacity=16)
    big = table_grow(table, n_used, min_capacity=1000)
    assert big[0].shape[0] >= 2000
    assert as_dict(big) == as_dict(table)


@SETTINGS
@given(cube_rows(max_rows=300), st.floats(0, 1), st.sampled_from([16, 64, 1024]))
def test_merge_of_partials_equals_one_table(rows, frac, dst_capacity):
    k1, k2, amount = rows
    cut = int(len(k1) * frac)
    a, a_used = build(k1[:cut], k2[:cut], amount[:cut], capacity=dst_capacity)
    b, b_used = build(k1[cut:], k2[cut:], amount[cut:], capacity=16)
    merged, m_used = table_merge(a, a_used, b)
    whole, w_used = build(k1, k2, amount, capacity=16)
    ref = reference(k1, k2, amount)
    assert m_used == w_used == len(ref)
    assert 2 * m_used < merged[0].shape[0] or m_used == 0
    assert_same(merged, ref)
    got_m, got_w = as_dict(merged), as_dict(whole)
    assert {k: v[1] for k, v in got_m.items()} == {k: v[1] for k, v in got_w.items()}


def test_merge_many_partials():
    """combine: four worker tables merged one by one into an empty table."""
    rng = np.random.default_rng(3)
    k1 = rng.integers(0, 500, 2000).astype(np.int64)
    k2 = rng.integers(0, 3, 2000).astype(np.int64)
    amount = rng.uniform(0, 1, 2000)
    dst, used = new_table(16), 0
    for part in np.array_split(np.arange(2000), 4):
        t, _ = build(k1[part], k2[part], amount[part])
        dst, used = table_merge(dst, used, t)
    assert used == len(reference(k1, k2, amount))
    assert_same(dst, reference(k1, k2, amount))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 50))
def test_pack_unpack_round_trip(seed, n):
    rng = np.random.default_rng(seed)
    cols = (
        rng.integers(YEAR_BASE, YEAR_BASE + LIMITS["year"], n),
        rng.integers(0, LIMITS["region"], n),
        rng.integers(0, LIMITS["sector"], n),
        rng.integers(0, LIMITS["activity"], n),
        rng.integers(0, LIMITS["unit"], n),
    )
    k1 = pack_keys(*cols)
    assert k1.dtype == np.int64
    assert (k1 >= 0).all()
    for got, want in zip(unpack_keys(k1), cols):
        np.testing.assert_array_equal(got, want)
    # distinct tuples give distinct keys
    tuples = set(zip(*(c.tolist() for c in cols)))
    assert len(set(k1.tolist())) == len(tuples)


def test_pack_extremes():
    lo = [np.array([YEAR_BASE]), np.array([0]), np.array([0]), np.array([0]), np.array([0])]
    hi = [np.array([YEAR_BASE + LIMITS[k] - 1]) if k == "year" else np.array([LIMITS[k] - 1]) for k in ("year", "region", "sector", "activity", "unit")]
    for cols in (lo, hi):
        for got, want in zip(unpack_keys(pack_keys(*cols)), cols):
            np.testing.assert_array_equal(got, want)
    assert pack_keys(*hi)[0] < 2**63


# --- energy kernel -----------------------------------------------------------------------------


@pytest.mark.parametrize("ncv_pow,dens_pow", list(itertools.product([-1, 0, 1], repeat=2)))
def test_activity_emissions_each_path(ncv_pow, dens_pow):
    rng = np.random.default_rng(ncv_pow * 3 + dens_pow + 4)
    n = 25
    amount = rng.uniform(0, 1e4, n)
    scale = rng.choice([1e-3, 1.0, 1e4, 3.6e-3, 29.3076], n)
    ncv = rng.uniform(1, 60, n)
    dens = rng.uniform(0.5, 1.2, n)
    factor = rng.uniform(1e-5, 0.1, n)
    got = activity_emissions(
        amount, scale, ncv, np.full(n, ncv_pow, np.int8), dens, np.full(n, dens_pow, np.int8), factor
    )
    want = amount * scale * ncv**ncv_pow * dens**dens_pow * factor
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_activity_emissions_unused_conversions_may_be_nan():
    """A NaN ncv/density where the power is 0 must not leak into the result."""
    amount = np.array([2.0, 3.0, 5.0, 7.0])
    scale = np.array([1.0, 1e-3, 1e4, 1.0])
    ncv = np.array([np.nan, 20.0, np.nan, 48.0])
    ncv_pow = np.array([0, 1, 0, -1], np.int8)
    dens = np.array([np.nan, np.nan, 0.8, np.nan])
    dens_pow = np.array([0, 0, -1, 0], np.int8)
    factor = np.array([0.5, 0.1, 0.2, 0.3])
    got = activity_emissions(amount, scale, ncv, ncv_pow, dens, dens_pow, factor)
    np.testing.assert_allclose(got, [1.0, 3e-3 * 20 * 0.1, 5e4 / 0.8 * 0.2, 7 / 48 * 0.3], rtol=1e-14)
    assert np.isfinite(got).all()


def test_activity_emissions_mixed_paths_and_dtypes():
    """Rows with different paths in one call; non-contiguous and int inputs are accepted."""
    rng = np.random.default_rng(11)
    n = 40
    amount = rng.uniform(0, 100, 2 * n)[::2]  # non-contiguous view
    scale = np.ones(n)
    ncv = rng.uniform(1, 50, n)
    dens = rng.uniform(0.5, 1, n)
    p = rng.integers(-1, 2, n)  # int64, not int8
    q = rng.integers(-1, 2, n)
    factor = rng.uniform(0, 1, n)
    got = activity_emissions(amount, scale, ncv, p, dens, q, factor)
    want = amount * ncv ** p.astype(float) * dens ** q.astype(float) * factor
    np.testing.assert_allclose(got, want, rtol=1e-14)


def test_activity_emissions_empty():
    e = np.zeros(0)
    i = np.zeros(0, np.int8)
    assert activity_emissions(e, e, e, i, e, i, e).shape == (0,)


def test_r1a_through_the_kernel():
    """R1a numbers through the kernel: 1,000 t × 25.8 GJ/t × 0.0946 t/GJ = 2,440.68 t CO2."""
    got = activity_emissions(
        np.array([1000.0]), np.array([1.0]), np.array([25.8]), np.array([1], np.int8), np.array([np.nan]), np.array([0], np.int8), np.array([0.0946])
    )
    assert got[0] == pytest.approx(2440.68, rel=1e-14)


# --- group_sum ---------------------------------------------------------------------------------


@st.composite
def frames(draw):
    n = draw(st.integers(0, 60))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    with_nulls = draw(st.booleans())
    a = rng.choice(["x", "y", "z"], n).astype(object)
    if with_nulls and n:
        a[rng.random(n) < 0.2] = None
    b = rng.integers(2018, 2021, n)
    c = rng.choice(["1.A.1.a", "1.A.2", "2.A.1"], n)
    return pl.DataFrame(
        {
            "a": pl.Series(a.tolist(), dtype=pl.String),
            "b": pl.Series(b, dtype=pl.Int32),
            "c": pl.Series(c.tolist(), dtype=pl.String),
            "v": rng.uniform(-1e3, 1e3, n),
            "w": rng.uniform(0, 1, n),
        }
    )


@SETTINGS
@given(frames(), st.sampled_from([["a"], ["b"], ["a", "b"], ["c", "a", "b"], ["b", "c"]]))
def test_group_sum_equals_polars(df, keys):
    got = group_sum(df, keys, ["v", "w"])
    want = df.group_by(keys).agg(pl.col("v").sum(), pl.col("w").sum()).sort(keys, nulls_last=True)
    assert got.columns == keys + ["v", "w"]
    assert got.height == want.height
    # sorted by the keys, nulls last, one row per group
    assert got.select(keys).equals(want.select(keys))
    np.testing.assert_allclose(got["v"].to_numpy(), want["v"].to_numpy(), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(got["w"].to_numpy(), want["w"].to_numpy(), rtol=1e-12, atol=1e-12)
    assert got["v"].dtype == pl.Float64


@SETTINGS
@given(frames())
def test_group_sum_deterministic(df):
    """Same input, same bytes."""
    a = group_sum(df, ["a", "b"], ["v"])
    b = group_sum(df, ["a", "b"], ["v"])
    assert a.equals(b)


def test_group_sum_empty_and_all_null_keys():
    df = pl.DataFrame({"a": pl.Series([], dtype=pl.String), "v": pl.Series([], dtype=pl.Float64)})
    out = group_sum(df, ["a"], ["v"])
    assert out.height == 0 and out.columns == ["a", "v"]
    df = pl.DataFrame({"a": pl.Series([None, None, "x"], dtype=pl.String), "v": [1.0, 2.0, 4.0]})
    out = group_sum(df, ["a"], ["v"])
    assert out.to_dicts() == [{"a": "x", "v": 4.0}, {"a": None, "v": 3.0}]


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 300), st.sampled_from(["none", "ncv", "density", "both"]))
def test_emissions_in_numpy_are_the_loops_bits(seed, n, paths):
    """The numpy form of the emission kernel (plain-Python mode) gives the loop's bits, with conversions on
    some rows and on none (then the product with conv = 1.0 is left out)."""
    from ghginv.kernels import emissions as K

    rng = np.random.default_rng(seed)
    amount, scale, factor = (rng.uniform(-1e6, 1e6, n) * 10.0 ** rng.integers(-8, 8, n) for _ in range(3))
    ncv, dens = rng.uniform(0.1, 50, n), rng.uniform(0.1, 2, n)
    ncv[rng.random(n) < 0.1] = np.nan
    p = rng.integers(-1, 2, n).astype(np.int8) if paths in ("ncv", "both") else np.zeros(n, np.int8)
    q = rng.integers(-1, 2, n).astype(np.int8) if paths in ("density", "both") else np.zeros(n, np.int8)
    loop, vec = np.empty(n), np.empty(n)
    getattr(K._emissions, "py_func", K._emissions)(amount, scale, ncv, p, dens, q, factor, loop)  # the loop (as Python: the same bits)
    K._emissions_np(amount, scale, ncv, p, dens, q, factor, vec)
    assert np.array_equal(loop.view(np.int64), vec.view(np.int64))
