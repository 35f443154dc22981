"""The conservation tally counted inside the fused cube kernels (ghginv.pipeline.conservation, issue 6).

* the kernels' tally lanes sum each added row's raw amount by its *raw* unit dictionary index
  (hand-checked sums; rows outside the years and rows after a bad row are not counted);
* a run whose batches take the fast path tallies the same sums and rows as the tally's own pass
  (the slow path), and a batch with nulls or notation keys is still tallied by that pass;
* a wrong lookup table in the fast path (a unit remapped to the wrong code) is caught by the
  check, i.e. the in-kernel tally is not tautological.

Marked ``nojit``: ``make test`` runs them again with NUMBA_DISABLE_JIT=1.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ghginv.inputs.load import discover, stream_batches
from ghginv.inputs.validate import BatchValidator
from ghginv.kernels.cube import BATCH_BAD, BATCH_DONE, TALLY_LANES, batch_append_tally, new_table, tally_sums
from ghginv.kernels.dense import DenseCube
from ghginv.pipeline.conservation import InputTally
from ghginv.pipeline.cube import CubeBuilder

from conftest import write_activity

pytestmark = pytest.mark.nojit

# 6 rows; unit dictionary index 0 -> code 1, index 1 -> code 0 (the lookup swaps them)
YEARS = np.array([2020, 2020, 2021, 2019, 2020, 2021], np.int64)
AMOUNT = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
I_UNIT = np.array([0, 1, 0, 1, 1, 0], np.int32)
ZERO = np.zeros(6, np.int32)
LUT0 = np.array([0], np.int64)
LUT_UNIT = np.array([1, 0], np.int64)
STEPS = np.array([1, 1, 1, 1, 0], np.int64)


def hash_tally(y_lo, y_hi, amount=AMOUNT):
    lanes = np.zeros(TALLY_LANES * 2)
    status, nxt, _, out = batch_append_tally(*new_table(16), 0, 0, YEARS, 1, y_lo, y_hi, ZERO, ZERO, ZERO, I_UNIT,
                                             np.zeros(1, np.int32), STEPS, LUT0, LUT0, LUT0, LUT_UNIT, LUT0, amount, lanes)
    return status, nxt, out, tally_sums(lanes, 2)


def dense_tally(y_lo, y_hi, amount=AMOUNT):
    d = DenseCube()
    assert d.fits(1, 1, 1, 2)
    lanes = np.zeros(TALLY_LANES * 2)
    args = (YEARS, 1, y_lo, y_hi, ZERO, ZERO, ZERO, I_UNIT, STEPS, LUT0, LUT0, LUT0, LUT_UNIT, amount)
    status, nxt, out = d.append(0, args, lanes)
    return status, nxt, out, tally_sums(lanes, 2)


@pytest.mark.parametrize("run", [hash_tally, dense_tally])
def test_kernel_tally_sums_raw_amounts_by_raw_unit_index(run):
    status, nxt, out, sums = run(0, 9999)
    assert status == BATCH_DONE and nxt == 6 and out == 0
    assert sums.tolist() == [1.0 + 4.0 + 32.0, 2.0 + 8.0 + 16.0]  # by raw index, not by remapped code
    status, _, out, sums = run(2020, 2020)  # rows of 2019 and 2021 are outside
    assert out == 3 and sums.tolist() == [1.0, 2.0 + 16.0]


@pytest.mark.parametrize("run", [hash_tally, dense_tally])
def test_kernel_tally_stops_with_the_bad_row(run):
    amount = AMOUNT.copy()
    amount[3] = -1.0
    status, nxt, _, sums = run(0, 9999, amount)
    assert status == BATCH_BAD and nxt == 3
    assert sums.tolist() == [1.0 + 4.0, 2.0]  # rows after the bad one are not counted


def _activity(tmp_path, n=200, seed=1, nulls=False):
    rng = np.random.default_rng(seed)
    df = pl.DataFrame({
        "year": rng.integers(2018, 2022, n).astype(np.int32),
        "region": rng.choice(["510105", "510106"], n),
        "sector": rng.choice(["1.A.4.b", "1.A.2.a"], n),
        "activity": rng.choice(["coal", "gas"], n),
        "amount": rng.uniform(0, 1000, n),
        "unit": rng.choice(["t", "10^4 t", "GJ"], n),
    })
    if nulls:  # a notation-key row sends its batch to the slow path
        df = df.with_columns(
            pl.when(pl.int_range(n) == 5).then(None).otherwise(pl.col("amount")).alias("amount"),
            pl.when(pl.int_range(n) == 5).then(pl.lit("NE")).otherwise(None).alias("notation_key"),
        )
    return write_activity(tmp_path / "a.parquet", df)


def _tally(path, fast: bool, years, deferred: bool = True):
    v = BatchValidator({"coal", "gas"}, years, None, False)
    tally = InputTally(years)
    b = CubeBuilder(v, fast=fast, tally=tally if deferred else None)
    for batch in stream_batches(discover([path]), 37, False):
        tally.add(batch)
        b.append(batch)
    return tally, b.finalize()


def _cube_sums(cube):
    return {u: float(s) for u, s in cube.cells.group_by("unit").agg(pl.col("amount").sum()).iter_rows()}


@pytest.mark.parametrize("years", [None, (2019, 2020)])
@pytest.mark.parametrize("nulls", [False, True])
def test_fast_path_tally_equals_the_tallys_own_pass(tmp_path, years, nulls):
    path = _activity(tmp_path, nulls=nulls)
    fast, cube = _tally(path, True, years)
    own, _ = _tally(path, True, years, deferred=False)  # InputTally.count on every batch
    slow, _ = _tally(path, False, years)
    assert fast.deferred and not own.deferred and not slow.deferred
    for other in (own, slow):
        assert fast.rows == other.rows == int(cube.cells["n_rows"].sum())
        assert set(fast.sums) == set(other.sums)
        for u, s in other.sums.items():
            assert fast.sums[u] == pytest.approx(s, rel=1e-12)
    for u, s in _cube_sums(cube).items():
        assert fast.sums[u] == pytest.approx(s, rel=1e-12)


def test_a_wrong_unit_lookup_is_caught(tmp_path, monkeypatch):
    """Break the fast path's unit lookup (every unit -> the first code seen): the cube's sums per
    unit then differ from the kernel's tally, which is keyed by the raw dictionary index."""
    from ghginv.inputs.fastpath import FastPath

    orig = FastPath._lut

    def wrong(self, column, py, entity=False):
        lut = orig(self, column, py, entity)
        return np.full_like(lut, lut.max()) if column == "unit" else lut

    monkeypatch.setattr(FastPath, "_lut", wrong)
    tally, cube = _tally(_activity(tmp_path), True, None)
    assert tally.rows == int(cube.cells["n_rows"].sum())  # rows agree ...
    cube_sums = _cube_sums(cube)
    assert any(tally.sums.get(u, 0.0) != pytest.approx(s, rel=1e-9) for u, s in cube_sums.items())  # ... sums do not
