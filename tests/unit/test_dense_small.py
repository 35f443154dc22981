"""The numpy form of the dense cube kernel (:func:`ghginv.kernels.dense._dense_append_tally_np`, what
runs while numba is not loaded) against the kernel's own loop (``dense_append_tally.py_func``): from
the same state and batch, the same return value, the same cube, lookups, combo keys and tally, bit
for bit — over random batches with bad rows (negative or out-of-range dictionary indices, failed
lookups, negative, NaN and infinite amounts, years outside 1900–2155), rows outside the run's
years, per-batch constants (step 0), and states that run out of years or combos (``BATCH_FULL``)
and are grown and called again, as :class:`ghginv.pipeline.cube.CubeBuilder` does."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from ghginv.kernels import dense
from ghginv.kernels.cube import BATCH_BAD, BATCH_DONE, BATCH_FULL
from ghginv.kernels.dense import DenseCube, _dense_append_tally_np, dense_append_tally

LOOP = getattr(dense_append_tally, "py_func", dense_append_tally)


def _state_copy(d: DenseCube) -> DenseCube:
    c = DenseCube()
    c.cells, c.year_idx, c.combo_of, c.combo_keys, c.meta = (a.copy() for a in (d.cells, d.year_idx, d.combo_of, d.combo_keys, d.meta))
    return c


def _assert_same(a: DenseCube, b: DenseCube, ta: np.ndarray, tb: np.ndarray) -> None:
    # meta[2:]: the numpy form's hints for DenseCube.grow (the loop leaves them 0)
    for x, y in ((a.cells, b.cells), (a.year_idx, b.year_idx), (a.combo_of, b.combo_of), (a.combo_keys, b.combo_keys), (a.meta[:2], b.meta[:2]), (ta, tb)):
        assert x.shape == y.shape and x.dtype == y.dtype
        assert x.tobytes() == y.tobytes()


def _batch(rng: np.random.Generator, n: int, bad_rate: float):
    n_reg, n_sec, n_act, n_unit = (int(rng.integers(1, 6)) for _ in range(4))
    luts = [rng.integers(0, k, size=k + int(rng.integers(0, 3))).astype(np.int64) for k in (n_reg, n_sec, n_act, n_unit)]
    for lut in luts:
        if rng.random() < bad_rate:
            lut[int(rng.integers(0, lut.size))] = -1  # a value that fails its check
    steps = np.array([int(rng.random() < 0.8) for _ in range(4)], np.int64)
    idx = []
    for lut, st in zip(luts, steps):
        a = rng.integers(0, lut.size, size=n if st else 1).astype(np.int32)
        if st and rng.random() < bad_rate:
            a[int(rng.integers(0, n))] = int(rng.choice([-1, lut.size, lut.size + 7]))  # a damaged page
        idx.append(a)
    y_step = int(rng.random() < 0.8)
    years = rng.integers(2000, 2000 + int(rng.integers(1, 12)), size=n if y_step else 1).astype(np.int64)
    amount = rng.random(n) * 10.0 ** rng.integers(-3, 6, size=n)
    if rng.random() < bad_rate:
        amount[int(rng.integers(0, n))] = float(rng.choice([-1.0, np.nan, np.inf]))
    if y_step and rng.random() < bad_rate:
        years[int(rng.integers(0, n))] = int(rng.choice([1899, 2156, -5]))
    lo = int(rng.integers(1998, 2006))
    return years, y_step, lo, lo + int(rng.integers(0, 8)), idx, steps, luts, amount


def _fitted_batch(rng, max_rows, seed, cubes):
    """A random batch of up to ``max_rows`` rows (bad rows in odd seeds) as the kernels' arguments, two equal
    conservation tallies (or two empty ones), and a check that the batch fits every cube of ``cubes``."""
    years, y_step, y_lo, y_hi, idx, steps, luts, amount = _batch(rng, int(rng.integers(1, max_rows)), 0.3 if seed % 2 else 0.0)
    n_tu = luts[3].shape[0]
    tally_l = np.zeros(8 * n_tu if rng.random() < 0.7 else 0, np.float64)
    for cube in cubes:
        assert cube.fits(*(lut.shape[0] for lut in luts[:1]), *(int(lut.max(initial=0)) + 1 for lut in luts[1:]))
    return (years, y_step, y_lo, y_hi, *idx, steps, *luts, amount), tally_l, tally_l.copy()


@pytest.mark.parametrize("seed", range(40))
def test_numpy_form_equals_the_kernel_loop(seed):
    rng = np.random.default_rng(seed)
    loop_cube, np_cube = DenseCube(), DenseCube()
    calls = statuses = 0
    for _ in range(int(rng.integers(1, 5))):
        args, tally_l, tally_n = _fitted_batch(rng, 300, seed, (loop_cube, np_cube))
        start = 0
        while True:
            got_l = LOOP(loop_cube.cells, loop_cube.year_idx, loop_cube.combo_of, loop_cube.combo_keys, loop_cube.meta, start, *args, tally_l)
            got_n = _dense_append_tally_np(np_cube.cells, np_cube.year_idx, np_cube.combo_of, np_cube.combo_keys, np_cube.meta, start, *args, tally_n)
            calls += 1
            assert tuple(int(v) for v in got_n) == tuple(int(v) for v in got_l)
            _assert_same(loop_cube, np_cube, tally_l, tally_n)
            status, start = int(got_l[0]), int(got_l[1])
            statuses |= 1 << status
            if status != BATCH_FULL:
                break
            np_cube.meta[2:] = 0  # in step with the loop: one doubling per call
            assert loop_cube.grow() and np_cube.grow()
        if status == BATCH_BAD:
            break
    assert calls >= 1 and statuses


@pytest.mark.parametrize("seed", range(40))
def test_growing_at_once_gives_the_loops_cube(seed):
    """The numpy form's hints (``meta[2:]``) let DenseCube.grow make every doubling a batch needs at
    once: after each batch the same array sizes, positions, sums and tally as the loop's caller
    reaches one doubling per call, the same outcome and row, and no more calls."""
    rng = np.random.default_rng(seed)
    loop_cube, np_cube = DenseCube(), DenseCube()
    for _ in range(int(rng.integers(1, 5))):
        args, tally_l, tally_n = _fitted_batch(rng, 600, seed, (loop_cube, np_cube))
        ends, calls = [], []
        for cube, fn, tally in ((loop_cube, LOOP, tally_l), (np_cube, _dense_append_tally_np, tally_n)):
            start, n = 0, 0
            while True:
                status, start, _ = (int(v) for v in fn(cube.cells, cube.year_idx, cube.combo_of, cube.combo_keys, cube.meta, start, *args, tally))
                n += 1
                if status != BATCH_FULL:
                    break
                assert cube.grow()
            ends.append((status, start))
            calls.append(n)
        assert ends[0] == ends[1] and calls[1] <= min(calls[0], 2)
        _assert_same(loop_cube, np_cube, tally_l, tally_n)
        if ends[0][0] == BATCH_BAD:
            break
    assert not np_cube.meta[2:].any()


def test_every_outcome_is_covered():
    """The random cases above reach all three outcomes (a test of the test)."""
    seen = set()
    for seed in range(40):
        rng = np.random.default_rng(seed)
        cube = DenseCube()
        years, y_step, y_lo, y_hi, idx, steps, luts, amount = _batch(rng, int(rng.integers(1, 300)), 0.3 if seed % 2 else 0.0)
        cube.fits(luts[0].shape[0], *(int(lut.max(initial=0)) + 1 for lut in luts[1:]))
        got = _dense_append_tally_np(
            cube.cells, cube.year_idx, cube.combo_of, cube.combo_keys, cube.meta, 0, years, y_step, y_lo, y_hi, *idx, steps, *luts, amount, np.zeros(0)
        )
        seen.add(int(got[0]))
    assert seen == {BATCH_DONE, BATCH_FULL, BATCH_BAD}


def test_a_row_that_stops_on_its_combo_keeps_its_new_year():
    """Combos full, years not: the kernel assigns the row's new year, then stops on its combo."""
    loop_cube, np_cube = DenseCube(), DenseCube()
    for cube in (loop_cube, np_cube):
        cube.fits(1, 32, 1, 1)
    n = 17  # 16 combos fit the start state; the 17th row brings a new combo and a new year
    sector = np.arange(n, dtype=np.int32)
    years = np.array([2001] * 16 + [2002], np.int64)
    luts = [np.zeros(1, np.int64), np.arange(32, dtype=np.int64), np.zeros(1, np.int64), np.zeros(1, np.int64)]
    idx = [np.zeros(1, np.int32), sector, np.zeros(1, np.int32), np.zeros(1, np.int32)]
    steps = np.array([0, 1, 0, 0], np.int64)
    amount = np.linspace(0.5, 8.5, n)
    args = (years, 1, 2000, 2005, *idx, steps, *luts, amount)
    tl, tn = np.zeros(8), np.zeros(8)
    got_l = LOOP(loop_cube.cells, loop_cube.year_idx, loop_cube.combo_of, loop_cube.combo_keys, loop_cube.meta, 0, *args, tl)
    got_n = _dense_append_tally_np(np_cube.cells, np_cube.year_idx, np_cube.combo_of, np_cube.combo_keys, np_cube.meta, 0, *args, tn)
    assert tuple(int(v) for v in got_l) == (BATCH_FULL, 16, 0)
    assert tuple(int(v) for v in got_n) == (BATCH_FULL, 16, 0)
    assert int(loop_cube.meta[0]) == 2  # 2002 was assigned before the combo did not fit
    _assert_same(loop_cube, np_cube, tl, tn)


def test_many_new_combos_grow_in_one_step():
    """100 new combos in one batch: the loop's caller doubles 16 -> 32 -> 64 -> 128 over four
    calls; with the numpy form's hints one growth and two calls reach the same cube."""
    loop_cube, np_cube = DenseCube(), DenseCube()
    for cube in (loop_cube, np_cube):
        cube.fits(1, 128, 1, 1)
    n = 300
    sector = (np.arange(n) % 100).astype(np.int32)
    luts = [np.zeros(1, np.int64), np.arange(128, dtype=np.int64), np.zeros(1, np.int64), np.zeros(1, np.int64)]
    args = (np.array([2001], np.int64), 0, 2000, 2005, np.zeros(1, np.int32), sector, np.zeros(1, np.int32), np.zeros(1, np.int32),
            np.array([0, 1, 0, 0], np.int64), *luts, np.linspace(0.5, 8.5, n))
    calls = []
    for cube, fn in ((loop_cube, LOOP), (np_cube, _dense_append_tally_np)):
        start, k = 0, 0
        while True:
            status, start, _ = (int(v) for v in fn(cube.cells, cube.year_idx, cube.combo_of, cube.combo_keys, cube.meta, start, *args, np.zeros(0)))
            k += 1
            if status != BATCH_FULL:
                break
            assert cube.grow()
        calls.append(k)
    assert calls == [4, 2] and loop_cube.cells.shape == np_cube.cells.shape == (4, 16, 128, 2)
    _assert_same(loop_cube, np_cube, np.zeros(0), np.zeros(0))


@pytest.mark.parametrize("seed", range(40))
def test_pieces_give_the_loops_cube(seed, monkeypatch):
    """Batches longer than the numpy form's first piece (``NP_PIECE``, made tiny here): the rows
    handed over piece by piece, with new years and combos in later pieces, a bad row in any piece
    and the array grown from a piece's hints, reach the loop's outcome, row and cube, bit for bit.
    The array may be smaller than the loop's for a while: the loop's
    caller doubles the years whenever they are full, also for a row that stops on its combo,
    where a piece's hints double only what its rows need."""
    monkeypatch.setattr(dense, "NP_PIECE", int(np.random.default_rng(seed).integers(1, 9)))
    rng = np.random.default_rng(1000 + seed)
    loop_cube, np_cube = DenseCube(), DenseCube()
    for _ in range(int(rng.integers(1, 5))):
        args, tally_l, tally_n = _fitted_batch(rng, 600, seed, (loop_cube, np_cube))
        ends = []
        for cube, fn, tally in ((loop_cube, LOOP, tally_l), (np_cube, _dense_append_tally_np, tally_n)):
            start = 0
            while True:
                status, start, _ = (int(v) for v in fn(cube.cells, cube.year_idx, cube.combo_of, cube.combo_keys, cube.meta, start, *args, tally))
                if status != BATCH_FULL:
                    break
                assert cube.grow()
            ends.append((status, start))
        assert ends[0] == ends[1]
        _assert_same_cells(loop_cube, np_cube, tally_l, tally_n)
        if ends[0][0] == BATCH_BAD:
            break


def _assert_same_cells(a: DenseCube, b: DenseCube, ta: np.ndarray, tb: np.ndarray) -> None:
    """The same used part of the array, lookups, combo keys, tally and cells (items), bit for bit."""
    ny, nc = int(a.meta[0]), int(a.meta[1])
    assert a.meta[:2].tolist() == b.meta[:2].tolist()
    for x, y in ((a.cells[:ny, :, :nc], b.cells[:ny, :, :nc]), (a.year_idx, b.year_idx), (a.combo_of, b.combo_of),
                 (a.combo_keys[:nc], b.combo_keys[:nc]), (ta, tb), *zip(a.items(), b.items())):
        assert x.shape == y.shape and x.dtype == y.dtype
        assert x.tobytes() == y.tobytes()


def _first_new_reference(values, cand):
    vals, first = np.unique(values[cand], return_index=True)
    order = np.argsort(first, kind="stable")
    return vals[order], cand[first[order]]


@settings(max_examples=200, deadline=None)
@given(hs.integers(0, 6000), hs.integers(1, 3000), hs.floats(0.0, 1.0), hs.integers(0, 2**32 - 1))
def test_first_new_equals_one_sort(n, n_values, density, seed):
    """The numpy form's first appearances found prefix by prefix (:func:`_first_new`) are those of
    one sort of every candidate row: the same values in the same order, at the same rows."""
    rng = np.random.default_rng(seed)
    values = rng.integers(0, n_values, size=n).astype(np.int64)
    if n and rng.random() < 0.5:  # new values late in the batch, after long runs of few values
        values[: int(rng.integers(0, n))] %= max(1, n_values // 50)
    cand = np.flatnonzero(rng.random(n) < density)
    got, want = dense._first_new(values, cand, n_values), _first_new_reference(values, cand)
    assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist()
