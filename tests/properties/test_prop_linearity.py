"""Emissions are linear in the activity amount and in the factor value (design §4):
amount × k -> emissions × k; every emission factor × k -> emissions × k."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from properties.gen import random_scenario, write_rows, write_sets

from ghginv import compile_inventory

KEYS = ["year", "region", "sector", "activity", "gas"]
SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(0, 2**32 - 1)
factors = st.floats(1e-3, 1e3, allow_nan=False).filter(lambda k: abs(k - 1) > 1e-6)


def compile_scenario(sc, folder: Path):
    sets = write_sets(sc, folder / "sets")
    files = write_rows(sc.rows, folder / "act")
    return compile_inventory(activity=[str(f) for f in files], factors=[str(s) for s in sets], gwp="AR6GWP100")


def assert_scaled(base, scaled, k):
    a = base.emissions.select(*KEYS, "emissions_t", "co2e_t")
    b = scaled.emissions.select(*KEYS, "emissions_t", "co2e_t")
    assert a.select(KEYS).equals(b.select(KEYS))
    for x, y in zip(a.iter_rows(named=True), b.iter_rows(named=True)):
        assert y["emissions_t"] == pytest.approx(x["emissions_t"] * k, rel=1e-12, abs=1e-300)
        assert y["co2e_t"] == pytest.approx(x["co2e_t"] * k, rel=1e-12, abs=1e-300)
    ia = base.inventory.sort("year", "region", "scope", "category", "gas")
    ib = scaled.inventory.sort("year", "region", "scope", "category", "gas")
    assert ia.select("year", "region", "scope", "category", "gas", "notation_key").equals(
        ib.select("year", "region", "scope", "category", "gas", "notation_key"))
    for x, y in zip(ia["co2e_t"].to_list(), ib["co2e_t"].to_list()):
        if x is None:  # a notation-key row (NE, NO …) carries no number in either run
            assert y is None
        else:
            assert y == pytest.approx(x * k, rel=1e-12, abs=1e-300)


@SETTINGS
@given(seeds, factors, factors)
def test_linear_in_amount_and_in_factor_value(seed, k_amount, k_factor):
    """One baseline run, one with every amount × k_amount, one with every factor value × k_factor
    (compiles are the expensive part, so the baseline is shared)."""
    sc = random_scenario(seed, n_rows=40)
    with tempfile.TemporaryDirectory() as d:
        base = compile_scenario(sc, Path(d) / "a")
        by_amount = compile_scenario(sc.scaled_amounts(k_amount), Path(d) / "b")
        by_factor = compile_scenario(sc.scaled_factors(k_factor), Path(d) / "c")
    assert_scaled(base, by_amount, k_amount)
    assert_scaled(base, by_factor, k_factor)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.floats(1e-3, 1e3), st.floats(1e-3, 1e3))
def test_linear_in_composite_components(tmp_path_factory, cc_k, ncv_k):
    """Composite CO2 (carbon content × oxidation × 44/12): scaling the carbon content by k scales
    CO2 by k; the NCV scales it too."""
    from conftest import make_factor_set, write_activity

    d = tmp_path_factory.mktemp("comp")
    act = write_activity(d / "a.parquet", [dict(year=2020, region="510105", sector="1.A.2.a", activity="fuel", amount=3.0, unit="t")])
    out = []
    for cc, ncv in ((20.0, 25.0), (20.0 * cc_k, 25.0), (20.0, 25.0 * ncv_k)):
        fs = make_factor_set(
            d / f"s_{len(out)}",
            carbon=[f"fuel,*,*,,,carbon_content,{cc!r},t C/TJ,src,loc,D", "fuel,*,*,,,oxidation,0.95,fraction,src,loc,D"],
            conv=[f"fuel,ncv,*,,,{ncv!r},GJ/t,src,loc,D"],
            activities=["fuel,Fuel,,,solid"],
        )
        res = compile_inventory(activity=[str(act)], factors=[str(fs)], gwp="AR5GWP100")
        out.append(res.emissions.filter(pl.col("gas") == "CO2")["emissions_t"][0])
    assert out[0] == pytest.approx(3.0 * 25.0 * 20.0e-3 * 0.95 * 44 / 12, rel=1e-12)
    assert out[1] == pytest.approx(out[0] * cc_k, rel=1e-12)
    assert out[2] == pytest.approx(out[0] * ncv_k, rel=1e-12)
