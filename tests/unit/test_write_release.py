"""The write stage's release of factors_used (ghginv.pipeline.write.write_run with release=True): the rows kept for
the run's summary and warnings give what the whole table gives, and the reports read only their factor sources."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from ghginv.pipeline.write import _summary_factor_rows
from ghginv.report import ReportData

ROWS = st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from([2020, 2021, 2022]),
                          st.one_of(st.none(), st.sampled_from([2019, 2020, 2021, 2022])),
                          st.one_of(st.none(), st.sampled_from(["X", "A", "E"])), st.floats(-5, 5)), max_size=40)


def _frame(rows) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"factor_set": pl.String, "year": pl.Int32, "factor_year": pl.Int32, "status": pl.String,
                                      "value": pl.Float64}, orient="row").with_columns(
        activity=pl.lit("coal"), kind=pl.lit("ef"), item=pl.lit("CO2"))


def _fallback(fu: pl.DataFrame) -> pl.DataFrame:  # what InventoryResult.fallback_years and warnings read
    return (fu.filter(pl.col("factor_year") != pl.col("year")).group_by("year", "activity", "kind", "item", "factor_set", "factor_year")
            .agg(pl.len().alias("cells")).sort("year", "activity", "kind", "item", "factor_set", "factor_year"))


@settings(max_examples=200, deadline=None)
@given(ROWS)
def test_the_kept_rows_give_the_summary_of_the_whole_table(rows):
    fu = _frame(rows)
    slim = _summary_factor_rows(fu)
    assert_frame_equal(_fallback(slim), _fallback(fu), check_exact=True)
    x = lambda f: f.filter(pl.col("status") == "X")["factor_set"].unique(maintain_order=True).to_list()  # noqa: E731
    assert x(slim) == x(fu)
    assert slim.columns == fu.columns and slim.height <= fu.height


def test_without_the_columns_nothing_is_kept():
    fu = pl.DataFrame({"factor_set": ["a"], "value": [1.0]})
    assert _summary_factor_rows(fu).height == 0 and _summary_factor_rows(fu).schema == fu.schema


@settings(max_examples=30, deadline=None)
@given(ROWS)
def test_sources_computed_beforehand_are_those_of_the_reports(rows):
    """factor_sources_of (the write stage's manifest thread) gives ReportData.factor_sources; handed over as
    factor_sources_job, the reports hold an empty factors_used and show the same sources, the job called once."""
    from ghginv.report.data import factor_sources_of

    fu = _frame(rows).with_columns(set_version=pl.lit("1"), unit=pl.lit("kg/TJ"), source=pl.lit("s"), source_locator=pl.lit(""),
                                   rule=pl.lit(1))
    manifest, empty = {"factor_sets": []}, pl.DataFrame()
    want = ReportData(manifest, empty, empty, fu).factor_sources()
    got = factor_sources_of(fu, manifest)
    assert_frame_equal(got, want, check_exact=True)
    calls = []
    d = ReportData(manifest, empty, empty, fu.clear(), factor_sources_job=lambda: calls.append(1) or got)
    assert d.factor_sources() is got and d.factor_sources() is got
    assert calls == [1] and d.factors_used.height == 0


@settings(max_examples=40, deadline=None)
@given(ROWS, st.lists(st.tuples(st.sampled_from(["a", "b", "d"]), st.floats(0, 3)), max_size=4))
def test_sources_from_the_distinct_rows_are_those_of_the_whole_table(rows, coal):
    """factor_sources_of(rows=factor_rows(table)) (the write stage's distinct rows, taken ahead of the manifest) gives
    what factor_sources_of(table) gives, with or without the manifest's standard-coal rows."""
    from ghginv.report.data import factor_rows, factor_sources_of

    fu = _frame(rows).with_columns(set_version=pl.lit("1"), unit=pl.lit("kg/TJ"), source=pl.lit("s"), source_locator=pl.lit(""),
                                   rule=pl.lit("r"))
    sc = [{"factor_set": s, "activity": "coal", "kind": "conv", "item": "standard_coal", "value": v, "unit": "tce/t",
           "status": "A", "source": "GB/T 2589", "rule": "sc"} for s, v in coal]
    manifest = {"factor_sets": [{"name": "a", "version": "2"}], "indicators": {"standard_coal_rows": sc}}
    assert_frame_equal(factor_sources_of(None, manifest, rows=factor_rows(fu)), factor_sources_of(fu, manifest), check_exact=True)
