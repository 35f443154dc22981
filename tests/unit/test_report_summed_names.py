"""The workbook's tables summed over regions without encoding ``category_name`` (report._detail._group_sum_named, issue 20).

When each category has one name in the rows (as the inventory and the recalculation make it, from the code), the
sums are grouped on the other keys: the same frame as :func:`ghginv.core._frames.group_sum` over every key, to the
bit — on random tables (hypothesis: nulls in the keys, a category given two names now and then, which takes the old
way) and through :func:`ghginv.report._detail.summed_frame` on a recalculation-like table of many regions.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.core._frames import group_sum
from ghginv.report._detail import DETAIL_TABLES, _group_sum_named, _key_columns, summed_frame

VALUES = list(DETAIL_TABLES["Recalculations"].values)
SCHEMA = {"year": pl.Int32, "region": pl.String, "scope": pl.String, "category": pl.String, "level": pl.Int8,
          "category_name": pl.String, "gas": pl.String, **{v: pl.Float64 for v in VALUES}}

row = st.tuples(st.sampled_from([2019, 2020, None]), st.sampled_from(["r1", "r2", "r3"]),
                st.sampled_from(["direct", "indirect", None]), st.sampled_from(["1", "1.A", "1.A.1", "é", "", None]),
                st.sampled_from([1, 2, None]), st.sampled_from(["CO2", "CH4", None]),
                st.sampled_from([0, 0, 0, 0, 0, 1]),  # now and then a second name of the category (or a null name)
                st.lists(st.one_of(st.none(), st.floats(-1e12, 1e12, allow_nan=False)), min_size=6, max_size=6))


def _frame(rows) -> pl.DataFrame:
    return pl.DataFrame([{"year": y, "region": r, "scope": s, "category": c, "level": lv,
                          "category_name": (None if c is None else f"n{c}") if not other else (f"other {c}" if c else None),
                          "gas": g, **dict(zip(VALUES, v, strict=True))} for y, r, s, c, lv, g, other, v in rows], schema=SCHEMA)


@settings(max_examples=250, deadline=None)
@given(st.lists(row, min_size=0, max_size=80))
def test_grouped_without_the_names_is_the_group_sum(rows):
    df = _frame(rows)
    keys = _key_columns(df, "Recalculations")
    assert _group_sum_named(df, keys, VALUES).equals(group_sum(df, keys, VALUES), null_equal=True)


def test_the_summed_recalculations_at_many_regions():
    """Many regions of the same tuples (as a recompute's table), values whose sums depend on their order: the summed
    sheet is the frame of group_sum over every key (its sums compared as bits)."""
    rng = np.random.default_rng(7)
    n = 60_000
    cats = np.array(["1.A.1", "1.A.2", "1.A.4.b", "2.A.1", "3.B"])
    c = cats[rng.integers(0, cats.size, n)]
    df = pl.DataFrame({"year": rng.integers(2019, 2022, n).astype(np.int32), "region": [f"r{i % 997}" for i in range(n)],
                       "scope": np.array(["direct", "indirect"])[rng.integers(0, 2, n)], "category": c,
                       "level": pl.Series([x.count(".") + 1 for x in c], dtype=pl.Int8), "category_name": [f"name {x}" for x in c],
                       "gas": np.array(["CO2", "CH4", "N2O"])[rng.integers(0, 3, n)],
                       **{v: rng.standard_normal(n) * 10.0 ** rng.integers(-3, 9, n) for v in VALUES}}, schema=SCHEMA)
    keys = _key_columns(df, "Recalculations")
    got = summed_frame("Recalculations", df).sort(keys)
    want = group_sum(df, keys, VALUES)
    assert got.height == want.height
    for v in VALUES:
        assert np.array_equal(got[v].to_numpy().view(np.int64), want[v].to_numpy().view(np.int64))
