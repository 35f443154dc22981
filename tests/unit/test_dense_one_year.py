"""The dense cube kernel's loop for one-year batches (:func:`ghginv.kernels.dense._dense_one_year`, what a
``year=`` partition folder's batches take once their year is placed) against the kernel's general loop:
the same batch handed over with its year repeated on every row (``y_step`` 1), which the one-year loop
does not take. From the same state, the same return value, cube, lookups, combo keys and input tally,
bit for bit — over batches with bad rows (dictionary indices outside the dictionary, values that fail
their check, negative, NaN and infinite amounts), new combos in the middle of a batch, and states that
run out of combos (``BATCH_FULL``) and are grown and called again, as
:class:`ghginv.pipeline.cube.CubeBuilder` does. Marked ``nojit``: ``make test`` runs them again with
NUMBA_DISABLE_JIT=1 (both loops as plain Python)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs

from ghginv.kernels.cube import BATCH_BAD, BATCH_DONE, BATCH_FULL
from ghginv.kernels.dense import DenseCube, dense_append_tally

pytestmark = pytest.mark.nojit


def _run(cube: DenseCube, args, tally) -> list[tuple[int, int, int]]:
    """Every call's return value until the batch is done or bad (growing the cube when full)."""
    out, start = [], 0
    while True:
        got = tuple(int(v) for v in dense_append_tally(cube.cells, cube.year_idx, cube.combo_of, cube.combo_keys, cube.meta, start, *args, tally))
        out.append(got)
        status, start = got[0], got[1]
        if status != BATCH_FULL:
            return out
        assert cube.grow()


def _same(a: DenseCube, b: DenseCube) -> None:
    for x, y in ((a.cells, b.cells), (a.year_idx, b.year_idx), (a.combo_of, b.combo_of), (a.combo_keys, b.combo_keys), (a.meta, b.meta)):
        assert x.shape == y.shape and x.tobytes() == y.tobytes()


@settings(max_examples=150, deadline=None)
@given(seed=hs.integers(0, 2**32 - 1), n_batches=hs.integers(1, 5), bad=hs.booleans(), counting=hs.booleans(),
       year=hs.sampled_from([2019, 2020, 1899, 2156]))
def test_one_year_loop_equals_the_general_loop(seed, n_batches, bad, counting, year):
    rng = np.random.default_rng(seed)
    one, general = DenseCube(), DenseCube()
    y_lo, y_hi = 2018, 2021
    for _ in range(n_batches):
        n = int(rng.integers(1, 400)) if rng.random() < 0.8 else int(rng.integers(4000, 9000))  # past the loop's first chunk (4,096 rows)
        sizes = [int(rng.integers(1, k)) for k in (40, 9, 7, 5)]  # dictionary sizes: region, sector, activity, unit
        luts = [rng.integers(0, s + 2, size=s).astype(np.int64) for s in sizes]  # global codes (the books may be larger)
        idx = [rng.integers(0, s, size=n).astype(np.int32) for s in sizes]
        amount = rng.random(n) * 10.0 ** rng.integers(-3, 6, size=n)
        if bad:
            k = int(rng.integers(0, 4))
            kind = int(rng.integers(0, 3))
            if kind == 0:
                luts[k][int(rng.integers(0, sizes[k]))] = -1  # a value that fails its check
            elif kind == 1:
                idx[k][int(rng.integers(0, n))] = int(rng.choice([-1, sizes[k], sizes[k] + 5]))  # a damaged page
            else:
                amount[int(rng.integers(0, n))] = float(rng.choice([-1.0, np.nan, np.inf]))
        for cube in (one, general):
            assert cube.fits(sizes[0] + 2, *(s + 2 for s in sizes[1:]))
        steps = np.ones(4, np.int64)
        tally_one = np.zeros(8 * sizes[3] if counting else 0, np.float64)
        tally_general = tally_one.copy()
        got_one = _run(one, (np.array([year], np.int64), 0, y_lo, y_hi, *idx, steps, *luts, amount), tally_one)
        got_general = _run(general, (np.full(n, year, np.int64), 1, y_lo, y_hi, *idx, steps, *luts, amount), tally_general)
        assert got_one[-1] == got_general[-1]  # outcome, row, rows outside the years
        _same(one, general)
        assert tally_one.tobytes() == tally_general.tobytes()
        if got_one[-1][0] == BATCH_BAD:
            break


def test_one_year_batches_take_the_one_year_loop(monkeypatch):
    """A second batch of a placed year goes through the one-year loop (a test of the test above), and a
    first batch of a year, a year outside the run's or a batch of several years do not."""
    from ghginv.kernels import dense

    calls = []
    real = dense._dense_one_year
    loop = getattr(dense.dense_append_tally, "py_func", dense.dense_append_tally)

    def spy(*args):
        got = real(*args)
        calls.append(int(got[0]))
        return got

    monkeypatch.setattr(dense, "_dense_one_year", spy)
    cube = DenseCube()
    assert cube.fits(4, 4, 4, 4)
    luts = [np.arange(4, dtype=np.int64)] * 4
    idx = [np.array([0, 1, 2, 3], np.int32)] * 4
    amount = np.array([1.0, 2.0, 3.0, 4.0])
    steps = np.ones(4, np.int64)

    def batch(years, y_step):
        args = (years, y_step, 2018, 2021, *idx, steps, *luts, amount, np.zeros(0))
        start = 0
        while True:
            status, start, _ = loop(cube.cells, cube.year_idx, cube.combo_of, cube.combo_keys, cube.meta, start, *args)
            if status != BATCH_FULL:
                return int(status)
            assert cube.grow()

    assert batch(np.array([2019]), 0) == BATCH_DONE  # the year is new: the general loop places it
    assert batch(np.array([2019]), 0) == BATCH_DONE
    assert batch(np.array([2025]), 0) == BATCH_DONE  # outside the run's years: skipped by the general loop
    assert batch(np.array([2019, 2020, 2020, 2019]), 1) == BATCH_DONE
    assert calls == [-1, BATCH_DONE, -1]  # -1: BATCH_PASS, the general loop goes on
    assert cube.cells[..., 1].sum() == 4 + 4 + 4


def test_one_year_loop_past_its_first_chunk():
    """A batch longer than the loop's chunk (4,096 rows) whose second chunk brings new combos into a full array
    (``BATCH_FULL``: grown, called again from that row) and then a bad amount (``BATCH_BAD`` at that row): the
    same calls, rows, cells and tally as the general loop."""
    from ghginv.kernels.dense import CHUNK

    n = 2 * CHUNK + 100
    sizes = [3, 4, 2, 2]  # dictionary sizes: region, sector, activity, unit
    luts = [np.arange(s, dtype=np.int64) for s in sizes]
    idx = [np.zeros(n, np.int32) for _ in sizes]
    idx[0][:] = np.arange(n) % 3
    idx[1][CHUNK + 10:] = 1 + np.arange(n - CHUNK - 10) % 3  # sectors 1-3, new combos, first seen in the second chunk
    amount = np.linspace(0.5, 7.0, n)
    amount[CHUNK + 500] = -1.0
    steps = np.ones(4, np.int64)
    outcomes = []
    for years, y_step in ((np.array([2019], np.int64), 0), (np.full(n, 2019, np.int64), 1)):
        cube = DenseCube()
        assert cube.fits(*sizes)
        # the year placed by a first one-row batch (through the general loop), as a file's first batch places it
        assert _run(cube, (years[:1], 0, 2018, 2021, *(a[:1] for a in idx), steps, *luts, amount[:1]), np.zeros(0))[-1][0] == BATCH_DONE
        used = int(cube.meta[1])  # no spare combo position: the next new combo is BATCH_FULL
        cube.combo_keys, cube.cells = cube.combo_keys[:used].copy(), cube.cells[:, :, :used].copy()
        tally = np.zeros(8 * sizes[3], np.float64)
        calls = _run(cube, (years, y_step, 2018, 2021, *idx, steps, *luts, amount), tally)
        outcomes.append((calls, cube, tally))
    (calls_one, one, tally_one), (calls_general, general, tally_general) = outcomes
    assert calls_one == calls_general
    assert calls_one[0][:2] == (BATCH_FULL, CHUNK + 10)  # the first new combo, in the second chunk
    assert calls_one[-1][:2] == (BATCH_BAD, CHUNK + 500)
    _same(one, general)
    assert tally_one.tobytes() == tally_general.tobytes()
