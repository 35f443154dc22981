"""``_merged_order`` (the inventory's sort when the rolled rows come first, already sorted) against
``lex_order`` (the stable sort of every row): the same permutation over random keys with many ties
between the sorted first rows and the others, empty parts, first rows out of order (the full sort),
and keys too wide for one int64 (lexsort); and the roll-up's sort of the expanded rows on one
(year, region, scope) key against its sort on each key column (the fallback for wide keys)."""

from __future__ import annotations

import numpy as np
import pytest

from ghginv.core._frames import lex_order
from ghginv.pipeline.aggregate import _merged_order


def _keys(rng, n, spans):
    return [rng.integers(0, s, size=n).astype(np.int64) for s in spans]


@pytest.mark.parametrize("seed", range(12))
def test_same_permutation_as_the_full_stable_sort(seed):
    rng = np.random.default_rng(seed)
    spans = [int(s) for s in rng.integers(1, [4, 40, 3, 30, 5, 4])]
    n_first, n_other = int(rng.integers(0, 300)), int(rng.integers(0, 300))
    first = _keys(rng, n_first, spans)
    o = np.lexsort(first[::-1])  # the first rows sorted by the keys, as the roll-up gives them
    first = [c[o] for c in first]
    codes = [np.concatenate([a, b]) for a, b in zip(first, _keys(rng, n_other, spans))]
    got = _merged_order(codes, n_first)
    assert np.array_equal(got, lex_order(codes))
    assert np.array_equal(np.sort(got), np.arange(n_first + n_other))


def test_first_rows_out_of_order_sort_everything():
    codes = [np.array([2, 1, 0, 1, 2], np.int64), np.array([0, 0, 1, 1, 0], np.int64)]
    assert np.array_equal(_merged_order(codes, 3), lex_order(codes))
    assert np.array_equal(_merged_order(codes, 3), [2, 1, 3, 0, 4])


def test_keys_wider_than_one_int64():
    rng = np.random.default_rng(7)
    first = [np.sort(rng.integers(0, 1 << 40, size=50)), rng.integers(0, 1 << 40, size=50)]
    codes = [np.concatenate([first[0], rng.integers(0, 1 << 40, size=40)]), np.concatenate([first[1], rng.integers(0, 1 << 40, size=40)])]
    assert np.array_equal(_merged_order(codes, 50), lex_order(codes))


@pytest.mark.parametrize("seed, n", [(0, 1), (1, 300), (2, 4000)])
def test_rollup_keys_too_wide_for_one_int64_give_the_same_rows_and_positions(seed, n, monkeypatch):
    """The roll-up's second sort on each key column (when year, region and scope do not fit one int64)
    gives the rows and positions of the sort on the combined (year, region, scope) key."""
    import polars as pl

    from ghginv.pipeline import aggregate

    rng = np.random.default_rng(seed)
    em = pl.DataFrame({
        "year": pl.Series(rng.integers(2019, 2024, n), dtype=pl.Int32),
        "region": rng.choice([f"51{i:04d}" for i in range(int(rng.integers(1, 30)))], n),
        "sector": rng.choice(["1.A.1.a", "1.A.3.b", "1.A.4.b", "2.A.1", "1.A.3.d.i"], n),
        "gas": rng.choice(["CO2", "CH4", "N2O"], n),
        "scope": rng.choice(["direct", "indirect", "memo"], n),
        "emissions_t": rng.random(n),
        "co2e_t": rng.random(n) * 28.0,
    })
    inv, idx = aggregate.build_inventory(em, index=True)
    combine = aggregate.combine_codes
    monkeypatch.setattr(aggregate, "combine_codes", lambda codes: None if len(codes) == 3 else combine(codes))
    inv2, idx2 = aggregate.build_inventory(em, index=True)
    assert inv2.equals(inv, null_equal=True)
    for name, a in idx.arrays().items():
        assert np.array_equal(a, idx2.arrays()[name]), name
