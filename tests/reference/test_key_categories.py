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


def _at_depth_whole_frame(inventory: pl.DataFrame, depth: int) -> pl.DataFrame:
    """The categories at ``depth`` as computed before the lazy four-column gather: a filtered copy
    of every column, then a second filter by the codes kept."""
    from ghginv.core import categories
    from ghginv.core._frames import group_sum

    rows = inventory.filter(pl.col("scope") == "direct", pl.col("level") >= 1, pl.col("notation_key").is_null())
    codes = set(rows["category"].unique().to_list())
    parents = {".".join(c.split(".")[:n]) for c in codes for n in range(1, categories.level(c))}
    keep = sorted(c for c in codes if categories.level(c) == depth or (categories.level(c) < depth and c not in parents))
    return group_sum(rows.filter(pl.col("category").is_in(keep)), ["year", "category", "gas"], ["co2e_t"])


_CODES = ["1", "1.A", "1.A.1", "1.A.1.a", "1.A.4.b", "1.A.4.b.i", "2.C", "3.B.1.a", "4.A.1", "5.A"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([2019, 2020, 2021]), st.sampled_from(["r1", "r2", "r3"]),
                          st.sampled_from(["direct", "direct", "indirect", "memo", None]), st.sampled_from(_CODES),
                          st.sampled_from(["CO2", "CH4", "N2O"]), st.floats(-1e6, 1e6, allow_nan=False),
                          st.sampled_from([None, None, None, "NO", "IE"]), st.booleans()),
                min_size=0, max_size=80),
       st.sampled_from([2, 3, 4]))
def test_at_depth_same_as_the_whole_frame_filter(rows, depth):
    """The lazy gather of four columns gives the same rows, order and sums (bit for bit) as
    filtering a copy of the whole inventory, and so the same key category table."""
    from ghginv.analysis.key_categories import _at_depth

    inv = pl.DataFrame(
        [{"year": y, "region": r, "scope": s, "category": c, "level": 0 if top else c.count(".") + 1, "category_name": "x",
          "gas": g, "emissions_t": v, "co2e_t": v, "notation_key": nk} for y, r, s, c, g, v, nk, top in rows],
        schema={"year": pl.Int32, "region": pl.String, "scope": pl.String, "category": pl.String, "level": pl.Int8,
                "category_name": pl.String, "gas": pl.String, "emissions_t": pl.Float64, "co2e_t": pl.Float64,
                "notation_key": pl.String})
    new, old = _at_depth(inv, depth), _at_depth_whole_frame(inv, depth)
    assert new.schema == old.schema
    assert new.rows() == old.rows()
    assert new["co2e_t"].to_numpy().tobytes() == old["co2e_t"].to_numpy().tobytes()
