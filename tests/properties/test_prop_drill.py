"""The drill-down adds up (issue 21): on random filter paths through the synthetic demo run, every level
returned by ``ghginv.drill_down`` sums, year by year, to its parent — the row of the level above that
was followed — and the top level to ``inventory.parquet``'s ``TOTAL`` for the same year and scope;
with any ``limit`` (the "others" row holds the rest); and ``drill_path`` gives the same totals.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ghginv

from conftest import ROOT

DEMO_TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("prop_drill") / "run"
    ghginv.compile_inventory(DEMO_TOML, out=out)
    inv = pl.read_parquet(out / "inventory.parquet").filter(pl.col("category") == "TOTAL")
    totals = {(y, s): t for y, s, t in inv.group_by("year", "scope").agg(pl.col("co2e_t").sum()).iter_rows()}
    return out, totals


def _by_year(df: pl.DataFrame) -> dict[int, float]:
    return dict(df.group_by("year").agg(pl.col("co2e_t").sum()).iter_rows())


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_every_level_sums_to_its_parent(demo, data):
    run, totals = demo
    year = data.draw(st.sampled_from([None, 2020, 2021, 2022, 2023, 2024]), label="year")
    scope = data.draw(st.sampled_from(["direct", "indirect"]), label="scope")
    limit = data.draw(st.integers(1, 12), label="limit")
    filters: dict = {"year": year, "scope": scope}
    rows = ghginv.drill_down(run, limit=limit, **filters)
    years = [year] if year is not None else [2020, 2021, 2022, 2023, 2024]
    parent = {y: totals.get((y, scope), 0.0) for y in years}  # the inventory's TOTAL of the year and scope
    for _ in range(8):
        got = _by_year(rows)
        for y in years:
            assert _close(got.get(y, 0.0), parent[y]), (filters, y, got.get(y), parent[y])
        level = rows["level"][0]
        path = ghginv.drill_path(run, **filters)
        for y in years:
            assert _close(path[-1]["by_year"].get(y, 0.0), parent[y])
        if level == "factor":
            assert rows.filter(pl.col("kind") == "conversion")["co2e_t"].null_count() == rows.filter(pl.col("kind") == "conversion").height
            break
        keys = rows.filter(pl.col("key").is_not_null())
        pick = keys.row(data.draw(st.integers(0, keys.height - 1), label="row"), named=True)["key"]
        whole = ghginv.drill_down(run, limit=1_000_000, **filters)  # the level without an "others" row
        parent = {y: whole.filter(pl.col("year") == y, pl.col("key") == pick)["co2e_t"].sum() for y in years}
        filters = {**filters, level: pick}
        rows = ghginv.drill_down(run, limit=limit, **filters)


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), walk=st.randoms(use_true_random=False))
def test_random_runs_with_entities_add_up(seed, walk, tmp_path_factory):
    """Random scenarios (properties.gen: sectors booked at a code and below it, e.g. 1.A.1 and 1.A.1.a; biomass
    CO2 in memo; electricity indirect) compiled with ``keep_entity``: every level of a random path through each
    scope sums to its parent, and each entity's CO2e is what the run booked to it."""
    import numpy as np
    from properties.gen import random_scenario, write_rows, write_sets

    tmp = tmp_path_factory.mktemp("prop_drill_rand")
    sc = random_scenario(seed, n_rows=120)
    rng = np.random.default_rng(seed)
    rows = [{**r, "entity_id": [None, "E1", "E2", "E3"][int(rng.integers(0, 4))]} for r in sc.rows]
    files = write_rows(rows, tmp / "act")
    sets = write_sets(sc, tmp / "sets")
    run = tmp / "run"
    ghginv.compile_inventory(activity=[str(f) for f in files], factors=[str(s) for s in sets], gwp="AR5GWP100",
                             years=(2018, 2022), keep_entity=True, out=run)
    em = pl.read_parquet(run / "emissions.parquet")
    for scope in sorted(set(em["scope"])):
        filters: dict = {"scope": scope}
        rows_ = ghginv.drill_down(run, **filters)
        parent = dict(em.filter(pl.col("scope") == scope).group_by("year").agg(pl.col("co2e_t").sum()).iter_rows())
        while True:
            got = _by_year(rows_)
            for y in parent:
                assert _close(got.get(y, 0.0), parent[y]), (scope, filters, y)
            level = rows_["level"][0]
            if level == "factor":
                break
            keys = rows_.filter(pl.col("key").is_not_null())
            pick = keys["key"][walk.randrange(keys.height)]
            parent = dict(rows_.filter(pl.col("key") == pick).select("year", "co2e_t").iter_rows())
            filters = {**filters, level: pick}
            if level == "entity":  # what the run booked to the entity in this region and sector
                sel = em.filter(pl.col("scope") == scope, pl.col("region") == filters["region"],
                                pl.col("entity_id").is_null() if pick == "" else pl.col("entity_id") == pick)
                s = filters["sector"]
                sel = sel.filter(pl.col("sector") == s[:-1]) if s.endswith("=") else sel.filter(
                    (pl.col("sector") == s) | pl.col("sector").str.starts_with(s + "."))
                booked = dict(sel.group_by("year").agg(pl.col("co2e_t").sum()).iter_rows())
                for y, v in parent.items():
                    assert _close(v, booked.get(y, 0.0))
            rows_ = ghginv.drill_down(run, limit=1_000_000, **filters)
