"""The fused cube kernels (batch_append, dense_append) and the fast path against the slow path.

* kernels against a plain-Python reference: validation stops at the first bad row, the year
  filter counts rows outside, dictionary indices map through the lookup tables, constant
  (partition) columns use step 0, and the dense cube grows in years, regions and combos;
* the cube built by the fast path equals the one built row-checked by BatchValidator (same
  cells, amounts to 1e-12, counts), and bad rows give the same error message either way.

Marked ``nojit``: ``make test`` runs them again with NUMBA_DISABLE_JIT=1.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ghginv.core.errors import ValidationError
from ghginv.core.progress import RowProgress, terminal_progress
from ghginv.inputs.load import discover, stream_batches
from ghginv.inputs.validate import BatchValidator
from ghginv.kernels.cube import BATCH_BAD, BATCH_DONE, BATCH_FULL, batch_append, new_table, table_grow, table_items, unpack_keys
from ghginv.kernels.dense import DenseCube
from ghginv.pipeline.cube import CubeBuilder

from conftest import write_activity

pytestmark = pytest.mark.nojit

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

LUTS = {  # dictionary index -> global code (-1: value failed its check)
    "region": np.array([0, 1, 2, -1], np.int64),
    "sector": np.array([3, 0, 1], np.int64),
    "activity": np.array([1, 0], np.int64),
    "unit": np.array([0, 2, 1], np.int64),
}


def rows(seed: int, n: int, bad_at: int | None = None):
    rng = np.random.default_rng(seed)
    idx = {
        "region": rng.integers(0, 3, n).astype(np.int32),  # index 3 (bad) never drawn
        "sector": rng.integers(0, 3, n).astype(np.int32),
        "activity": rng.integers(0, 2, n).astype(np.int32),
        "unit": rng.integers(0, 3, n).astype(np.int32),
    }
    years = rng.integers(2018, 2023, n).astype(np.int64)
    amount = rng.uniform(0, 100, n)
    if bad_at is not None:
        idx["region"][bad_at] = 3
    return years, idx, amount


def reference(years, idx, amount, y_lo, y_hi):
    out: dict[tuple, list] = {}
    outside = 0
    for i in range(amount.shape[0]):
        y = int(years[i])
        if not y_lo <= y <= y_hi:
            outside += 1
            continue
        key = (y, *(int(LUTS[c][idx[c][i]]) for c in ("region", "sector", "activity", "unit")))
        e = out.setdefault(key, [0.0, 0])
        e[0] += amount[i]
        e[1] += 1
    return out, outside


def as_dict(k1, sums, counts):
    cols = unpack_keys(k1)
    return {tuple(int(c[i]) for c in cols): (sums[i], counts[i]) for i in range(k1.shape[0])}


def run_hash(years, idx, amount, y_lo, y_hi, capacity=16):
    table, n_used, start, outside = new_table(capacity), 0, 0, 0
    z = np.zeros(1, np.int32)
    steps = np.array([1, 1, 1, 1, 0], np.int64)
    while True:
        status, start, n_used, n_out = batch_append(
            *table, n_used, start, years, 1, y_lo, y_hi, idx["region"], idx["sector"], idx["activity"], idx["unit"], z, steps,
            LUTS["region"], LUTS["sector"], LUTS["activity"], LUTS["unit"], np.zeros(1, np.int64), amount,
        )
        outside += n_out
        if status == BATCH_FULL:
            table = table_grow(table, n_used)
            continue
        k1, _, sums, counts = table_items(table)
        return status, start, as_dict(k1, sums, counts), outside


def run_dense(years, idx, amount, y_lo, y_hi):
    d = DenseCube()
    assert d.fits(3, 4, 2, 3)
    start, outside = 0, 0
    steps = np.array([1, 1, 1, 1, 0], np.int64)
    while True:
        args = (years, 1, y_lo, y_hi, idx["region"], idx["sector"], idx["activity"], idx["unit"], steps,
                LUTS["region"], LUTS["sector"], LUTS["activity"], LUTS["unit"], amount)
        status, start, n_out = d.append(start, args)
        outside += n_out
        if status == BATCH_FULL:
            assert d.grow()
            continue
        k1, _, sums, counts = d.items()
        return status, start, as_dict(k1, sums, counts), outside


def assert_same(got, ref):
    assert set(got) == set(ref)
    for k, (s, c) in ref.items():
        assert got[k][1] == c
        assert got[k][0] == pytest.approx(s, rel=1e-12, abs=1e-12)


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(0, 300), st.sampled_from([(0, 9999), (2019, 2021), (2022, 2022)]))
def test_kernels_equal_reference(seed, n, yr):
    years, idx, amount = rows(seed, n)
    ref, outside = reference(years, idx, amount, *yr)
    for run in (run_hash, run_dense):
        status, nxt, got, out = run(years, idx, amount, *yr)
        assert status == BATCH_DONE and nxt == n
        assert out == outside
        assert_same(got, ref)


@pytest.mark.parametrize("bad", ["region", "amount_nan", "amount_neg", "amount_inf", "year"])
def test_kernels_stop_at_first_bad_row(bad):
    years, idx, amount = rows(3, 50)
    at = 17
    if bad == "region":
        idx["region"][at] = 3
    elif bad == "year":
        years[at] = 1899
    else:
        amount[at] = {"amount_nan": np.nan, "amount_neg": -1.0, "amount_inf": np.inf}[bad]
    for run in (run_hash, run_dense):
        status, nxt, _, _ = run(years, idx, amount, 0, 9999)
        assert status == BATCH_BAD and nxt == at


def test_dense_cube_grows_past_its_first_shape():
    """40 years, 300 regions and 200 combos: the (4, 16, 16) start grows in every dimension."""
    rng = np.random.default_rng(11)
    n = 5000
    d = DenseCube()
    assert d.fits(300, 20, 10, 1)
    lut_r = np.arange(300, dtype=np.int64)
    lut_s, lut_a, lut_u = np.arange(20, dtype=np.int64), np.arange(10, dtype=np.int64), np.zeros(1, np.int64)
    i_r, i_s, i_a = (rng.integers(0, m, n).astype(np.int32) for m in (300, 20, 10))
    years = rng.integers(1990, 2030, n).astype(np.int64)
    amount = rng.uniform(0, 1, n)
    steps = np.array([1, 1, 1, 0, 0], np.int64)
    start = 0
    while True:
        status, start, _ = d.append(start, (years, 1, 0, 9999, i_r, i_s, i_a, np.zeros(1, np.int32), steps, lut_r, lut_s, lut_a, lut_u, amount))
        if status != BATCH_FULL:
            break
        assert d.grow()
    assert status == BATCH_DONE
    k1, _, sums, counts = d.items()
    got = as_dict(k1, sums, counts)
    ref: dict[tuple, list] = {}
    for i in range(n):
        e = ref.setdefault((int(years[i]), int(i_r[i]), int(i_s[i]), int(i_a[i]), 0), [0.0, 0])
        e[0] += amount[i]
        e[1] += 1
    assert_same(got, ref)


# --- fast path = slow path ---------------------------------------------------------------------


def _cube(paths, fast: bool, years=None, batch_size=7):
    files = discover(paths)
    v = BatchValidator({"coal", "gas"}, years, None, False)
    b = CubeBuilder(v, fast=fast)
    for batch in stream_batches(files, batch_size, False):
        b.append(batch)
    return b.finalize()


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(1, 120), st.sampled_from([None, (2019, 2020)]))
def test_fast_path_builds_the_same_cube(tmp_path, seed, n, years):
    rng = np.random.default_rng(seed)
    df = pl.DataFrame({
        "year": rng.integers(2018, 2022, n).astype(np.int32),
        "region": rng.choice(["510105", "510106", "520100"], n),
        "sector": rng.choice(["1.A.4.b", "1.A.2.a", "1.A.1.a"], n),
        "activity": rng.choice(["coal", "gas"], n),
        "amount": rng.uniform(0, 1000, n),
        "unit": rng.choice(["t", "10^4 t", "GJ"], n),
    })
    folder = tmp_path / f"a{seed}_{n}"
    write_activity(folder / "part-0.parquet", df)
    fast, slow = _cube([folder], True, years), _cube([folder], False, years)
    assert fast.stats == slow.stats
    assert fast.cells.select(pl.exclude("amount")).equals(slow.cells.select(pl.exclude("amount")))
    np.testing.assert_allclose(fast.cells["amount"].to_numpy(), slow.cells["amount"].to_numpy(), rtol=1e-12)


def test_fast_path_with_year_partitions_equals_slow_path(tmp_path):
    rng = np.random.default_rng(5)
    for y in (2020, 2021):
        n = 40
        write_activity(tmp_path / "act" / f"year={y}" / "part-0.parquet", pl.DataFrame({
            "region": rng.choice(["510105", "510106"], n), "sector": rng.choice(["1.A.4.b", "1.A.2.a"], n),
            "activity": rng.choice(["coal", "gas"], n), "amount": rng.uniform(0, 10, n), "unit": rng.choice(["t", "GJ"], n),
        }))
    fast, slow = _cube([tmp_path / "act"], True), _cube([tmp_path / "act"], False)
    assert fast.cells.select(pl.exclude("amount")).equals(slow.cells.select(pl.exclude("amount")))
    np.testing.assert_allclose(fast.cells["amount"].to_numpy(), slow.cells["amount"].to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("column,value", [("amount", -2.5), ("amount", float("nan")), ("activity", "coall"), ("sector", "9.Z"), ("unit", "kg/TJ")])
def test_bad_rows_give_the_same_message_on_both_paths(tmp_path, column, value):
    n = 30
    df = pl.DataFrame({
        "year": [2020] * n, "region": ["510105"] * n, "sector": ["1.A.4.b"] * n, "activity": ["coal"] * n,
        "amount": [1.0] * n, "unit": ["t"] * n,
    })
    df = df.with_columns(pl.when(pl.int_range(n) == 12).then(pl.lit(value)).otherwise(pl.col(column)).alias(column))
    write_activity(tmp_path / "bad.parquet", df)
    msgs = []
    for fast in (True, False):
        with pytest.raises(ValidationError) as e:
            _cube([tmp_path / "bad.parquet"], fast)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
    assert "row 13" in msgs[0]


def test_progress_is_silent_off_a_terminal():
    import io

    assert terminal_progress(False, io.StringIO()) is None

    class Tty(io.StringIO):
        def isatty(self):
            return True

    assert terminal_progress(True, Tty()) is None  # --quiet
    p = terminal_progress(False, Tty())
    assert isinstance(p, RowProgress)
    p("cube")
    p.rows(10, 100)  # before DELAY_S: nothing drawn yet
    assert p._bar is None
    p.close()


def test_index_outside_the_dictionary_is_bad_not_a_crash():
    years, idx, amount = rows(4, 40)
    idx["sector"][9] = 3  # the sector lookup table has 3 entries
    for run in (run_hash, run_dense):
        status, nxt, _, _ = run(years, idx, amount, 0, 9999)
        assert status == BATCH_BAD and nxt == 9


def test_damaged_dictionary_indices_raise_a_clear_error(tmp_path):
    import pyarrow as pa

    from ghginv.core.errors import InputFileError
    from ghginv.inputs.load import Batch

    def dict_col(values, indices):
        return pa.DictionaryArray.from_arrays(pa.array(indices, pa.int32()), pa.array(values), safe=False)

    rb = pa.RecordBatch.from_arrays(
        [pa.array([2020, 2020], pa.int32()), dict_col(["510105"], [0, 5]), dict_col(["1.A.4.b"], [0, 0]),
         dict_col(["coal"], [0, 0]), pa.array([1.0, 2.0]), dict_col(["t"], [0, 0])],
        names=["year", "region", "sector", "activity", "amount", "unit"],
    )
    b = CubeBuilder(BatchValidator({"coal"}, None, None, False))
    with pytest.raises(InputFileError, match="corrupt Parquet data in rows 1–2"):
        b.append(Batch(tmp_path / "x.parquet", 1, rb, {}))
