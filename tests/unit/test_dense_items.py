"""The dense cube's cells in the cube's key order (:meth:`ghginv.kernels.dense.DenseCube.items` with
ranks, what a file's cube is built with): the cells of ``items()``, sorted by year and the ranks of
region, sector, activity and unit; and :meth:`ghginv.pipeline.cube.CubeBuilder.items` sorted, on the
dense and the hash-table path, against :func:`ghginv.pipeline.cube.cell_order`."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ghginv.inputs.load import discover, stream_batches
from ghginv.inputs.validate import BatchValidator
from ghginv.kernels.cube import unpack_keys
from ghginv.kernels.dense import DenseCube
from ghginv.pipeline.cube import CubeBuilder, cell_order

from conftest import write_activity


@pytest.mark.parametrize("seed", range(20))
def test_items_by_ranks_come_in_the_cubes_key_order(seed):
    """``DenseCube.items(ranks)`` reads the array with its axes sorted (years by value, regions by
    rank, combos by their three ranks): the cells of ``items()``, sorted by (year, ranks)."""
    rng = np.random.default_rng(seed)
    c = DenseCube()
    ny, n_r, nc = int(rng.integers(1, 5)), int(rng.integers(1, 30)), int(rng.integers(1, 12))
    n_s, n_a, n_u = 4, 5, 3
    c.cells = np.zeros((4 if ny <= 4 else 8, 32, 16, 2))
    for pos, y in enumerate(rng.choice(np.arange(2000, 2030), ny, replace=False)):
        c.year_idx[y - 1900] = pos
    combos = rng.permutation(n_s * n_a * n_u)[:nc]
    c.combo_keys[:nc] = np.stack([combos // (n_a * n_u), combos // n_u % n_a, combos % n_u], 1)
    c.meta[:2] = ny, nc
    used = rng.random((ny, n_r, nc)) < 0.4
    c.cells[:ny, :n_r, :nc, 0] = np.where(used, rng.random((ny, n_r, nc)), 0.0)
    c.cells[:ny, :n_r, :nc, 1] = np.where(used, rng.integers(1, 9, (ny, n_r, nc)), 0)
    # the region book may be shorter than the array (its capacity) or longer (regions of rows
    # that took no dense path): only the regions the array holds count
    ranks = tuple(rng.permutation(n) for n in (int(rng.choice([n_r, 40])), n_s, n_a, n_u))
    k1, k2, sums, counts = c.items()
    y, r, s, a, u = unpack_keys(k1)
    order = np.lexsort((ranks[3][u], ranks[2][a], ranks[1][s], ranks[0][r], y))
    got = c.items(ranks)
    assert np.array_equal(got[0], k1[order]) and np.array_equal(got[1], k2[order])
    assert got[2].tobytes() == sums[order].tobytes() and np.array_equal(got[3], counts[order])


@pytest.mark.parametrize("fast", [True, False])  # the dense path, and the hash table of the slow path
@pytest.mark.parametrize("seed", range(5))
def test_builder_items_sorted_are_cell_order(tmp_path, seed, fast):
    rng = np.random.default_rng(seed)
    n = 7 * 53  # seven batches of 53 rows
    df = pl.DataFrame({
        "year": rng.integers(2018, 2023, n).astype(np.int32),
        "region": rng.choice([f"51{i:04d}" for i in rng.permutation(40)], n),
        "sector": rng.choice(["1.A.4.b", "1.A.2.a", "1.A.1", "2.C"], n),
        "activity": rng.choice(["gas", "coal", "oil"], n),
        "amount": rng.uniform(0, 1000, n),
        "unit": rng.choice(["t", "10^4 t", "GJ"], n),
    })
    # then, last, a batch of notation-key rows only, of regions no other row has: it takes the
    # slow path and adds no cell, but the region book grows
    df = df.with_columns(pl.lit(None, pl.String).alias("notation_key"))
    nk = pl.DataFrame({"year": np.full(53, 2020, np.int32), "region": [f"52{i:04d}" for i in range(53)],
                       "sector": ["1.A.1"] * 53, "activity": ["gas"] * 53, "amount": [None] * 53, "unit": ["t"] * 53,
                       "notation_key": ["NE"] * 53}, schema=df.schema)
    path = write_activity(tmp_path / "a.parquet", pl.concat([df, nk]))
    b = CubeBuilder(BatchValidator({"coal", "gas", "oil"}, None, None, False), fast=fast)
    for batch in stream_batches(discover([path]), 53, False):
        b.append(batch)
    k1, k2, sums, counts = b.items()
    order = cell_order(k1, k2, b.v.books, False)
    got = b.items(sort=True)
    assert np.array_equal(got[0], k1[order]) and got[2].tobytes() == sums[order].tobytes()
    assert np.array_equal(got[3], counts[order])
