"""recalc.changed_factors: the aligned shortcut (same rows in the same order) equals the join."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from ghginv.rerun.recalc import changed_factors


def _used(values, rules=None, n=6):
    return pl.DataFrame({
        "year": [2020 + i % 3 for i in range(n)], "region": [f"51010{i}" for i in range(n)], "sector": ["1.A.4.b"] * n,
        "activity": ["electricity"] * n, "kind": ["factor"] * n, "item": ["CO2"] * n, "factor_set": ["grid"] * n,
        "set_version": ["1"] * n, "factor_year": [2021] * n, "value": values, "unit": ["kg/kWh"] * n,
        "status": ["S"] * n, "source": ["test value, not a factor"] * n, "rule": rules or [f"grid/ef.csv:{i + 2}" for i in range(n)],
    })


def test_aligned_rows_give_what_the_join_gives():
    old = _used([0.5] * 6)
    new = _used([0.5, 0.6, 0.5, 0.5, 0.7, 0.5])
    aligned = changed_factors(old, new)
    joined = changed_factors(old, new.reverse())  # other order: the join path
    assert_frame_equal(aligned, joined)
    assert aligned.height == 2 and aligned["change"].to_list() == ["changed", "changed"]
    assert sorted(aligned["new_value"].to_list()) == [0.6, 0.7]


def test_added_and_removed_rows_take_the_join():
    old = _used([0.5] * 6)
    new = _used([0.5] * 5, n=5)
    out = changed_factors(old, new)
    assert out["change"].to_list() == ["removed"]
