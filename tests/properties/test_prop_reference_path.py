"""compile_inventory agrees with the independent DuckDB reference path (reference_path.py) on
random factor sets (sector patterns, region patterns, year ranges, several sets, NCVs per mass
and per volume, many units) and random activity tables of a few hundred rows."""

from __future__ import annotations

import polars as pl
import pytest
from properties.gen import ACTIVITIES, random_scenario, write_rows, write_sets
from properties.reference_path import reference_emissions

from ghginv import compile_inventory

KEYS = ["year", "region", "sector", "activity", "gas"]


def compare(res, sc):
    ref = reference_emissions(sc.rows, sc.sets)
    got = res.emissions.select(*KEYS, "emissions_t", "factor_set", "scope")
    assert got.height == ref.height, (got.height, ref.height)
    both = got.join(ref, on=KEYS, how="full", coalesce=True, suffix="_ref")
    assert both.filter(pl.col("emissions_t").is_null() | pl.col("emissions_t_ref").is_null()).height == 0, both.filter(
        pl.col("emissions_t").is_null() | pl.col("emissions_t_ref").is_null()
    )
    for r in both.iter_rows(named=True):
        assert r["emissions_t"] == pytest.approx(r["emissions_t_ref"], rel=1e-9, abs=1e-300), r
        assert r["factor_set"] == r["factor_set_ref"], r
        cls = ACTIVITIES[r["activity"]][0]
        want_scope = "memo" if cls == "biomass" and r["gas"] == "CO2" else "indirect" if cls in ("electricity", "heat") else "direct"
        assert r["scope"] == want_scope, r
    return ref


@pytest.mark.parametrize("seed", range(8))
def test_agrees_with_reference_path(tmp_path, seed):
    sc = random_scenario(seed, n_rows=300, n_sets=[1, 2, 3][seed % 3])
    sets = write_sets(sc, tmp_path / "sets")
    files = write_rows(sc.rows, tmp_path / "act")
    res = compile_inventory(activity=[str(f) for f in files], factors=[str(s) for s in sets], gwp="AR5GWP100", year_fallback="none")
    ref = compare(res, sc)
    assert ref["gas"].n_unique() >= 2  # the scenario exercised more than CO2
    # and co2e = emissions × AR5 GWP
    gwp = {"CO2": 1.0, "CH4": 28.0, "N2O": 265.0}
    for r in res.emissions.iter_rows(named=True):
        assert r["co2e_t"] == pytest.approx(r["emissions_t"] * gwp[r["gas"]], rel=1e-12)


def test_reference_path_reproduces_r1a():
    """Sanity check of the reference itself on R1a (2006 IPCC GL Vol 2): 2,440.68 t CO2."""
    sets = [{
        "name": "s",
        "ef": [dict(activity="coal", sector="*", region="*", year_from="", year_to="", gas="CO2", value=94600.0, unit="kg/TJ")],
        "conv": [dict(activity="coal", quantity="ncv", region="*", year_from="", year_to="", value=25.8, unit="TJ/Gg")],
    }]
    rows = [dict(year=2020, region="510105", sector="1.A.1.a", activity="coal", amount=1.0, unit="Gg")]
    ref = reference_emissions(rows, sets)
    assert ref["emissions_t"][0] == pytest.approx(2440.68, rel=1e-12)
