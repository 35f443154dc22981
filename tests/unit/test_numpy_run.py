"""The per-run choice of numpy over numba (:func:`ghginv.kernels.numpy_run`) and the numpy forms it
relies on beyond the dense cube and the roll-ups (tests/unit/test_dense_small.py,
tests/unit/test_rollup_small.py): the emissions kernel (2006 IPCC GL Vol 2 Ch 2, Eq 2.1) and the
merge of hash tables (the files' cubes added in input order). Each numpy form against the kernel's
own loop (``py_func``): the emissions bit for bit; the merged table with the same cells, the same
sums bit for bit, the same counts and slots in use, every cell where its probe sequence finds it."""

from __future__ import annotations

import numpy as np
import pytest

import ghginv.kernels as kernels
from ghginv.kernels import cube as C
from ghginv.kernels import emissions as E


def _loop(kernel):
    return getattr(kernel, "py_func", kernel)


@pytest.mark.parametrize("seed", range(40))
def test_emissions_numpy_form_gives_the_loops_bits(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 80))
    mag = lambda: rng.uniform(0.0, 1.0, n) * 10.0 ** rng.integers(-12, 12, n)  # noqa: E731
    amount, scale, ncv, dens, factor = mag(), mag(), mag() + 1e-300, mag() + 1e-300, mag()
    ncv_pow = rng.integers(-1, 2, n).astype(np.int8)
    dens_pow = rng.integers(-1, 2, n).astype(np.int8)
    ncv[ncv_pow == 0] = np.nan  # unused: NaN, as the emissions stage passes it
    dens[dens_pow == 0] = np.nan
    if n:
        amount[rng.integers(0, n, max(1, n // 8))] = rng.choice([0.0, -0.0, np.inf])
    out_l, out_n = np.full(n, 7.0), np.full(n, 7.0)
    _loop(E._emissions)(amount, scale, ncv, ncv_pow, dens, dens_pow, factor, out_l)
    E._emissions_np(amount, scale, ncv, ncv_pow, dens, dens_pow, factor, out_n)
    assert out_l.tobytes() == out_n.tobytes()


def _random_table(rng, cap, n_cells, key_space):
    """A table of ``cap`` slots filled by the loop with ``n_cells`` random cells (keys from a small
    space, so that probe sequences collide), and its slots in use."""
    t = C.new_table(cap)
    k1 = rng.integers(0, key_space, n_cells).astype(np.int64)
    k2 = rng.integers(0, 3, n_cells).astype(np.int64)
    keys = np.unique(np.stack([k1, k2], 1), axis=0)
    keys = keys[rng.permutation(keys.shape[0])]
    sums = rng.normal(size=keys.shape[0]) * 10.0 ** rng.integers(-8, 9, keys.shape[0])
    counts = rng.integers(1, 5, keys.shape[0]).astype(np.int64)
    n = _loop(C._insert_cells)(*t, 0, keys[:, 0].copy(), keys[:, 1].copy(), sums, counts)
    return t, n


def _cells(table):
    k1, k2, s, c = C.table_items(table)
    order = np.lexsort((k2, k1))
    return k1[order], k2[order], s[order], c[order]


def _probe_finds_every_cell(table):
    k1s, k2s, _, counts = table
    mask = k1s.shape[0] - 1
    for h in np.flatnonzero(counts):
        a, b = int(k1s[h]), int(k2s[h])
        p = int(_loop(C._slot)(a, b, mask))
        while p != h:  # no empty slot and no other copy of the key before the cell
            assert counts[p] != 0 and not (k1s[p] == a and k2s[p] == b)
            p = (p + 1) & mask


@pytest.mark.parametrize("seed", range(60))
def test_table_merge_numpy_form_gives_the_loops_cells(seed):
    rng = np.random.default_rng(seed)
    cap = 1 << int(rng.integers(5, 9))
    key_space = int(rng.integers(4, 4 * cap))
    dst, n_dst = _random_table(rng, cap, int(rng.integers(0, cap // 4)), key_space)
    src, _ = _random_table(rng, cap, int(rng.integers(0, cap // 4)), key_space)
    if rng.random() < 0.5:
        src = C.table_items(src)  # the used slots only, as CubeMerger passes them
    a = tuple(x.copy() for x in dst)
    b = tuple(x.copy() for x in dst)
    n_l = _loop(C._insert_cells)(*a, n_dst, *src)
    n_n = C._insert_cells_np(*b, n_dst, *src)
    assert n_l == n_n == int(np.count_nonzero(a[3])) == int(np.count_nonzero(b[3]))
    for x, y in zip(_cells(a), _cells(b)):
        assert x.dtype == y.dtype and x.tobytes() == y.tobytes()
    _probe_finds_every_cell(b)
    # a further merge into the numpy form's table: found where the loop looks for it
    c = tuple(x.copy() for x in b)
    _loop(C._insert_cells)(*a, n_l, *src)
    _loop(C._insert_cells)(*c, n_n, *src)
    for x, y in zip(_cells(a), _cells(c)):
        assert x.tobytes() == y.tobytes()


@pytest.fixture
def lazy_kernels(monkeypatch):
    """The module's switches as in a normal run (the test-suite compiles every kernel)."""
    monkeypatch.setattr(kernels, "JIT_MIN_LEN", 16_384)
    monkeypatch.setattr(kernels, "NUMPY_RUN_MAX_BYTES", 8 << 20)
    monkeypatch.setattr(kernels, "_NUMPY_RUN", False)
    monkeypatch.setattr(kernels, "_DISABLED", False)
    return kernels


def test_numpy_run_decided_from_the_input_bytes(lazy_kernels, monkeypatch):
    k = lazy_kernels
    assert k.numpy_run(1_000) is True and k._NUMPY_RUN is True
    assert k.numpy_run((8 << 20) - 1) is True
    assert k.numpy_run(8 << 20) is False and k._NUMPY_RUN is False
    assert k.numpy_run(None) is False  # an unreadable file: the per-call rule
    monkeypatch.setattr(k, "JIT_MIN_LEN", 0)  # every kernel compiled from its first call
    assert k.numpy_run(1_000) is False


def test_numpy_run_keeps_numpy_forms_for_long_arrays(lazy_kernels):
    k = lazy_kernels
    seen = []
    kern = k.Kernel(lambda x: seen.append("loop"), small=lambda x: seen.append("numpy"))
    plain = k.Kernel(lambda x: seen.append("plain"))
    long = np.zeros(k.JIT_MIN_LEN + 1)
    k.numpy_run(1_000)
    kern(long)  # beyond GHGINV_JIT_MIN_LEN, yet numba is not loaded: the numpy form runs
    plain(np.zeros(10))  # no numpy form, short array: plain Python as before
    assert seen == ["numpy", "plain"]
    assert kern._jit is None and plain._jit is None


def test_the_choice_holds_for_one_run(lazy_kernels, monkeypatch, tmp_path):
    """The cube stage makes a small run a numpy run; run_stages clears it when the run ends, so the
    next run of a long-lived process (the web server, a recompute) decides afresh."""
    from properties.gen import random_scenario, write_sets

    from ghginv import Inventory, load_config
    from ghginv.pipeline import activity

    from conftest import write_activity

    seen = []
    real = activity.numpy_run
    monkeypatch.setattr(activity, "numpy_run", lambda n: seen.append(real(n)) or seen[-1])
    monkeypatch.setenv("GHGINV_CACHE", "0")
    sc = random_scenario(5, n_rows=40)
    sets = write_sets(sc, tmp_path / "sets")
    write_activity(tmp_path / "activity" / "part-0.parquet", sc.rows)
    cfg = load_config(activity=[str(tmp_path / "activity")], factors=[str(s) for s in sets], gwp="AR5GWP100")
    Inventory(cfg).run()
    assert seen == [True]  # a few kB of activity data
    assert lazy_kernels._NUMPY_RUN is False
