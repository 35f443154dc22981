"""``ghginv.rerun.recalc._unique_rows`` (the check that lets ``changed_factors`` set two runs'
factor rows side by side instead of joining them) says what ``DataFrame.is_unique`` says."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.rerun.recalc import _unique_rows

_row = st.tuples(st.integers(2019, 2021), st.sampled_from(["510105", "5101", None]), st.sampled_from(["1.A.4.b", "1.A.1", "2"]),
                 st.sampled_from(["ef", "conversion"]), st.sampled_from(["CO2", "CH4", "ncv", None]))


@settings(max_examples=200, deadline=None)
@given(st.lists(_row, max_size=40))
def test_unique_rows_equals_is_unique(rows):
    df = pl.DataFrame(rows, schema={"year": pl.Int32, "region": pl.String, "sector": pl.String, "kind": pl.String, "item": pl.String},
                      orient="row")
    assert _unique_rows(df) == bool(df.is_unique().all())


def test_a_repeated_row_is_found():
    df = pl.DataFrame({"year": [2020, 2021, 2020], "item": ["CO2", "CO2", "CO2"]})
    assert not _unique_rows(df)
    assert _unique_rows(df.head(2))
