"""Scenario matching (ghginv.rerun.scenarios._matches): grouping the every-region overrides gives exactly
what matching every override against every row gives (the precedence of the module doc: longest
region match, then a named year over an empty one)."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.kernels.montecarlo import scenario_totals
from ghginv.rerun.scenarios import _matches, _tables

REGIONS = ["510104", "510105", "510106", "440101"]
YEARS = [2020, 2021]
SCOPES = ["direct", "indirect"]


def _rows(draw_q):
    recs = []
    i = 0
    for y in YEARS:
        for sc in SCOPES:
            for r in REGIONS:
                for act in ("electricity", "natural_gas"):
                    q, e = draw_q[i % len(draw_q)]
                    recs.append((y, sc, r, act, "CO2", "energy", q, e))
                    i += 1
    return pl.DataFrame(recs, schema={"year": pl.Int32, "scope": pl.String, "region": pl.String, "activity": pl.String,
                                      "gas": pl.String, "den_dim": pl.String, "q": pl.Float64, "emissions_t": pl.Float64},
                        orient="row").with_row_index("row").with_columns(pl.col("row").cast(pl.Int64))


def _brute(ov: pl.DataFrame, rows: pl.DataFrame, n_s: int, cell_of) -> np.ndarray:
    """Per scenario and row, the winning override by the documented precedence; sum the changes."""
    out = np.zeros((n_s, len(cell_of)))
    for r in rows.iter_rows(named=True):
        for s in range(n_s):
            best, key = None, None
            for o in ov.filter(pl.col("sid") == s).iter_rows(named=True):
                if (o["activity"], o["gas"]) != (r["activity"], r["gas"]):
                    continue
                if o["oyear"] is not None and o["oyear"] != r["year"]:
                    continue
                spec = o["region_spec"]
                if spec == 1000 and r["region"] != o["region_prefix"]:
                    continue
                if 0 < spec < 1000 and not r["region"].startswith(o["region_prefix"]):
                    continue
                k = (spec, o["oyear"] is not None)
                if key is None or k > key:
                    best, key = o, k
            if best is not None:
                out[s, cell_of[(r["year"], r["scope"])]] += best["value_norm_new"] * r["q"] - r["emissions_t"]
    return out


override = st.tuples(
    st.integers(0, 2),                                      # scenario
    st.sampled_from(["electricity", "natural_gas"]),
    st.sampled_from(["*", "51*", "5101*", "510105", "440101", "44*"]),
    st.sampled_from([None, 2020, 2021]),
    st.floats(0.0, 2.0, allow_nan=False),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(override, max_size=12), st.lists(st.tuples(st.floats(0, 100), st.floats(0, 50)), min_size=1, max_size=8))
def test_grouped_matching_equals_row_by_row(overrides, qe):
    rows = _rows(qe)
    recs = []
    for line, (s, act, region, year, v) in enumerate(overrides, start=2):
        spec = 0 if region == "*" else (len(region) - 1 if region.endswith("*") else 1000)
        recs.append((s, act, "CO2", region.removesuffix("*") if region != "*" else "", spec, year, v, "energy", line))
    # duplicate (scenario, activity, region, year) rows would tie; the reader's order decides, keep one
    ov = pl.DataFrame(recs, schema={"sid": pl.Int64, "activity": pl.String, "gas": pl.String, "region_prefix": pl.String,
                                    "region_spec": pl.Int32, "oyear": pl.Int32, "value_norm_new": pl.Float64,
                                    "den_new": pl.String, "line": pl.Int64}, orient="row")
    ov = ov.unique(["sid", "activity", "region_prefix", "region_spec", "oyear"], keep="first", maintain_order=True)
    cell_of = {(y, sc): i for i, (y, sc) in enumerate((y, sc) for y in YEARS for sc in SCOPES)}
    # GWP key = the gas (no set here splits a gas by origin)
    groups, by_region = _tables(rows.drop("row").with_columns(pl.col("gas").alias("gwp_key")), bool((ov["region_spec"] > 0).any()))
    if by_region is not None:  # the rows are already one per region: the same numbering
        assert by_region.drop("row", "gwp_key").equals(rows.drop("row").sort("year", "scope", "region", "activity", "gas", "den_dim"))
    r_arr, m_sid, m_row, m_val = _matches(ov, groups, by_region)
    out = np.zeros((3, len(cell_of)))
    r_cell = np.array([cell_of[(y, sc)] for y, sc in zip(r_arr["year"].to_list(), r_arr["scope"].to_list())], dtype=np.int64)
    scenario_totals(np.zeros((len(cell_of), 1)), np.ones((3, 1)), r_cell, np.zeros(r_arr.height, dtype=np.int64),
                    r_arr["q"].to_numpy(), r_arr["emissions_t"].to_numpy(), m_sid, m_row, m_val, out)
    np.testing.assert_allclose(out, _brute(ov, rows, 3, cell_of), rtol=1e-9, atol=1e-7)
