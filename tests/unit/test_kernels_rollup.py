"""Kernels over kept positions (ghginv.kernels.rollup, run on threads by ghginv.pipeline.sums): the same bits as the numpy forms they replace.

Marked ``nojit``: ``make test`` runs them again with NUMBA_DISABLE_JIT=1.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.kernels.emissions import activity_emissions
from ghginv.pipeline import sums as K

pytestmark = pytest.mark.nojit


@pytest.fixture(params=[1 << 30, 3], ids=["one-thread", "split"])
def split(request, monkeypatch):
    """Run every kernel on one thread, and cut into ranges on threads (the split never changes a sum)."""
    monkeypatch.setattr(K, "_MIN_SPLIT", request.param)


def _pairs(rng, n_rows=40, n_cells=9, per_cell=3):
    """Cube rows -> cells, factor rows (per_cell per cell), (cube row, factor row) pairs in compute order."""
    cell_of_row = np.sort(rng.integers(0, n_cells, n_rows))
    f_cell = np.repeat(np.arange(n_cells), per_cell)
    det_row = np.repeat(np.arange(n_rows), per_cell)
    det_f = (cell_of_row[det_row] * per_cell + np.tile(np.arange(per_cell), n_rows)).astype(np.int64)
    return det_row, det_f, f_cell


def test_indexed_emissions_equal_bincount_of_activity_emissions(split):
    rng = np.random.default_rng(1)
    det_row, det_f, f_cell = _pairs(rng)
    n_rows, nf, n_cells = det_row.max() + 1, f_cell.size, f_cell.max() + 1
    norm = rng.uniform(0.01, 50.0, 12)  # rule values in base units
    f_rule = rng.integers(0, 12, nf)
    f_rule2 = np.where(rng.random(nf) < 0.3, rng.integers(0, 12, nf), -1)  # composite CO2 on some rows
    ncv_rule, dens_rule = rng.integers(0, 12, n_cells), rng.integers(0, 12, n_cells)
    ncv_pow = rng.integers(-1, 2, det_row.size).astype(np.int8)
    dens_pow = rng.integers(-1, 2, det_row.size).astype(np.int8)
    amount, unit_scale = rng.uniform(0, 1e4, n_rows), rng.choice([1.0, 1e4, 1e-3], n_rows)
    c = 44.0 / 12.0

    starts, order = K.csr(det_f, nf)  # pairs sorted by factor row, each row's pairs in compute order
    e = K.indexed_emissions(starts, det_row[order], f_cell, f_rule, f_rule2, ncv_rule, dens_rule, amount, unit_scale,
                            ncv_pow[order], dens_pow[order], norm, c)
    # the compile's form: resolved value per factor row, conversions per cell, kernel, bincount
    f_value = norm[f_rule] * np.where(f_rule2 >= 0, norm[np.maximum(f_rule2, 0)] * c, 1.0)
    dcell = f_cell[det_f]
    emis = activity_emissions(amount[det_row], unit_scale[det_row], norm[ncv_rule][dcell], ncv_pow, norm[dens_rule][dcell], dens_pow,
                              f_value[det_f])
    assert np.array_equal(e, np.bincount(det_f, weights=emis, minlength=nf))


def test_csr_lists_positions_in_order():
    starts, idx = K.csr(np.array([2, 0, -1, 2, 0, 1]), 4)
    assert starts.tolist() == [0, 2, 3, 5, 5]
    assert idx.tolist() == [1, 4, 5, 0, 3]


def _reference_segments(x, idx, bounds):
    """Sums of ``x[idx[j]]`` over each CSR segment ``bounds[g]:bounds[g + 1]``, left to right."""
    out = []
    for g in range(len(bounds) - 1):
        acc = 0.0
        for j in range(bounds[g], bounds[g + 1]):
            acc += x[idx[j]]
        out.append(acc)
    return np.array(out)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40), st.integers(0, 10**6))
def test_rolled_sums_add_left_to_right(values, seed):
    rng = np.random.default_rng(seed)
    x = np.array(values)
    order1 = rng.permutation(x.size)
    starts1 = np.append(np.unique(np.concatenate([[0], rng.integers(0, x.size, 3)])), x.size)  # CSR bounds
    nb = starts1.size - 1
    src2 = rng.integers(0, nb, 2 * nb)
    starts2 = np.append(np.unique(np.concatenate([[0], rng.integers(0, src2.size, 3)])), src2.size)
    n_out = starts2.size - 1
    by_sector = _reference_segments(x, order1, starts1)
    want = _reference_segments(by_sector, src2, starts2)
    assert np.array_equal(K.rolled_sums(x, order1, starts1, src2, starts2), want)
    pos = rng.permutation(n_out + 2)[:n_out]
    a, b = K.rolled_into(x, 2 * x, order1, starts1, src2, starts2, pos, n_out + 2)
    assert np.array_equal(a[pos], want) and np.array_equal(b[pos], _reference_segments(_reference_segments(2 * x, order1, starts1), src2, starts2))
    rest = np.setdiff1d(np.arange(n_out + 2), pos)
    assert np.isnan(a[rest]).all() and np.isnan(b[rest]).all()
    c, d = K.rolled_sums2(x, 2 * x, order1, starts1, src2, starts2)  # the compile's two columns in one pass: the same bits
    assert np.array_equal(c, want) and np.array_equal(d, K.rolled_sums(2 * x, order1, starts1, src2, starts2))


def _tree():
    """Inventory rows TOTAL(0) <- 1(1) <- 1.A(2), 1.B(3); emission rows booked at 1.A, 1.A, 1.B, 1."""
    em = np.array([2.0, 3.0, 4.0, 1.0])
    inv = np.array([10.0, 10.0, 5.0, 4.0])
    rows = np.arange(4)
    child_starts, child = K.csr(np.array([-1, 0, 1, 1]), 4)
    own_starts, own = K.csr(np.array([2, 2, 3, 1]), 4)
    return {"rows": rows, "child_starts": child_starts, "child": child, "own_starts": own_starts, "own": own}, inv, em


def test_rollup_check_passes_a_consistent_tree(split):
    links, inv, em = _tree()
    bad, first, total = K.rollup_check(links, inv, em, 1e-9)
    assert (bad, first) == (0, -1)
    assert total.tolist() == [10.0, 10.0, 5.0, 4.0]


def test_rollup_check_names_the_first_wrong_row(split):
    links, inv, em = _tree()
    inv = inv.copy()
    inv[2] = 5.001  # 1.A no longer equals its emissions; 1 no longer equals its children
    bad, first, _ = K.rollup_check(links, inv, em, 1e-9)
    assert bad == 2 and first == 1


def test_all_finite(split):
    assert K.all_finite(np.arange(10, dtype=float))
    assert K.all_finite(np.zeros(0))
    for v in (np.nan, np.inf, -np.inf):
        x = np.arange(10, dtype=float)
        x[7] = v
        assert not K.all_finite(x)
