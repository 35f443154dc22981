"""R9: key category analysis, level assessment (2006 IPCC GL Vol 1 Ch 4 Eq 4.1) and trend (Eq 4.2)."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.analysis.key_categories import key_categories, level_assessment


def _inventory(values: dict[str, float], year=2020) -> pl.DataFrame:
    rows = []
    for cat, v in values.items():
        rows.append({"year": year, "region": "r", "scope": "direct", "category": cat, "level": cat.count(".") + 1,
                     "category_name": "", "gas": "CO2", "emissions_t": v, "co2e_t": v, "notation_key": None})
    return pl.DataFrame(rows)


def test_r9_level_shares_and_key():
    """R9: E = 700, 250, 30, 20 -> shares 70/25/3/2 %; cumulative reaches 95 % at the 2nd -> two key."""
    order, share, cum, key = level_assessment(np.array([700.0, 250.0, 30.0, 20.0]))
    np.testing.assert_allclose(share, [0.70, 0.25, 0.03, 0.02])
    np.testing.assert_allclose(cum, [0.70, 0.95, 0.98, 1.00])
    assert key.tolist() == [True, True, False, False]


def test_r9_through_the_inventory_and_sinks_by_absolute_value():
    inv = _inventory({"1.A.1.a": 700.0, "3.B.1.a": -250.0, "1.A.4.b": 30.0, "4.A.1": 20.0})
    k = key_categories(inv, depth=4)
    assert k["category"].to_list() == ["1.A.1.a", "3.B.1.a", "1.A.4.b", "4.A.1"]
    assert k["key"].to_list() == [True, True, False, False]


def test_trend_assessment_eq_4_2():
    base = _inventory({"1.A.1.a": 100.0, "1.A.4.b": 100.0}, 2020)
    later = _inventory({"1.A.1.a": 150.0, "1.A.4.b": 50.0}, 2024)
    k = key_categories(pl.concat([base, later]), depth=4, base_year=2020).filter(pl.col("assessment") == "trend")
    # total unchanged (200 -> 200): T = 0.5 × |±0.5 − 0| = 0.25 each; shares 0.5 / 0.5
    np.testing.assert_allclose(sorted(k["share"].to_list()), [0.5, 0.5])
    assert k["key"].all()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).filter(lambda x: abs(x) > 1e-3), min_size=1, max_size=25))
def test_key_categories_cover_the_threshold(values):
    order, share, cum, key = level_assessment(np.array(values))
    covered = share[key].sum()
    assert covered >= 0.95 - 1e-9
    # minimal: without the last key category the threshold is not reached
    assert share[key][:-1].sum() < 0.95 + 1e-12
