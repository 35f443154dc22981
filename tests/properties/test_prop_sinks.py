"""Sink invariants: gain-loss equals stock-difference for a consistent inventory; sign conventions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ghginv
from ghginv.kernels.sinks import gain_loss, stock_carbon

from sink_fixtures import make_sink_set, p, write_sinks

C2CO2 = 44.0 / 12.0
pos = st.floats(0.0, 1e4, allow_nan=False, allow_infinity=False)


@pytest.mark.nojit
@settings(max_examples=200, deadline=None)
@given(
    records=st.lists(st.tuples(st.integers(0, 3), pos, pos, pos, pos, st.floats(0.0, 1e5)), min_size=1, max_size=40),
    bcef=st.floats(0.3, 3.5), root=st.floats(0.1, 0.6), cf=st.floats(0.4, 0.55),
)
def test_kernel_gain_loss_equals_stock_difference(records, bcef, root, cf):
    """One BCEF for increment, removals and stock: ΔC_B (gain-loss) = C(t2) − C(t1) (stock-difference)
    when each sub-compartment's stock changes by increment − harvest − fuelwood − disturbance."""
    n = 4
    g = np.array([r[0] for r in records], np.int64)
    inc, harv, fuel, dist, v1 = (np.array([r[i] for r in records]) for i in range(1, 6))
    v2 = v1 + inc - harv - fuel - dist
    par = lambda x: np.full(n, x)  # noqa: E731
    gain, loss = gain_loss(g, inc, harv, fuel, dist, par(bcef), par(bcef), par(bcef), par(root), par(cf), n)
    diff = stock_carbon(g, v2, par(bcef), par(root), par(cf), n) - stock_carbon(g, v1, par(bcef), par(root), par(cf), n)
    scale = 1.0 + np.abs(gain) + np.abs(loss) + np.abs(stock_carbon(g, v1, par(bcef), par(root), par(cf), n))
    assert np.all(np.abs((gain - loss) - diff) <= 1e-9 * scale)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    comps=st.lists(st.tuples(st.floats(1.0, 500.0), st.floats(0.0, 50.0), st.floats(0.0, 20.0), st.floats(0.0, 10.0), st.floats(500.0, 5000.0)),
                   min_size=1, max_size=8),
    bcef=st.floats(0.3, 3.5), years=st.integers(1, 4),
)
def test_pipeline_methods_agree_for_consistent_stocks(tmp_path_factory, comps, bcef, years):
    """Through the whole run (sub-compartment rows, both methods, sinks_check): rel_diff ≈ 0."""
    tmp = tmp_path_factory.mktemp("prop")
    s = make_sink_set(tmp / "s", [p("*", "carbon_fraction", 0.47, "t C/t d.m."), p("*", "root_shoot", 0.24, "ratio"),
                                  *(p("*", b, bcef, "t d.m./m^3") for b in ("bcef_i", "bcef_r", "bcef_s"))])
    rows = []
    for k, (inc, harv, fuel, dist, v0) in enumerate(comps):
        ent, v = f"c{k}", v0
        rows.append({"year": 2020, "variable": "stock_volume", "value": v, "unit": "m^3", "entity_id": ent})
        for y in range(2021, 2021 + years):
            v = v + inc - harv - fuel - dist
            rows += [{"year": y, "variable": var, "value": val, "unit": "m^3", "entity_id": ent}
                     for var, val in (("volume_increment", inc), ("harvest", harv), ("fuelwood", fuel), ("disturbance_volume", dist), ("stock_volume", v))]
    data = write_sinks(tmp / "d.parquet", rows)
    r = ghginv.compile_inventory(factors=[str(s)], extra={"sinks": {"path": str(data)}})
    chk = r.sinks.check
    assert chk.height == years
    for row in chk.iter_rows(named=True):
        assert row["gain_loss_t_co2"] == pytest.approx(row["stock_difference_t_co2"], rel=1e-9, abs=1e-6)
        assert row["flag"] is False


def _one(tmp_path, rows, params):
    s = make_sink_set(tmp_path / "s", params)
    data = write_sinks(tmp_path / "d.csv", rows)
    return ghginv.compile_inventory(factors=[str(s)], extra={"sinks": {"path": str(data)}})


FOREST = [p("*", "carbon_fraction", 0.47, "t C/t d.m."), p("*", "root_shoot", 0.24, "ratio"),
          p("*", "bcef_i", 0.7, "t d.m./m^3"), p("*", "bcef_r", 0.9, "t d.m./m^3")]


def test_sign_growing_forest_is_a_removal(tmp_path):
    r = _one(tmp_path, [{"variable": "volume_increment", "value": 100.0, "unit": "m^3"}], FOREST)
    assert r.emissions["emissions_t"].item() < 0
    assert r.sinks is not None
    from ghginv.methods._sink_out import net_totals

    nt = net_totals(r.emissions).row(0, named=True)
    assert nt["gross_t_co2e"] == 0 and nt["removals_t_co2e"] < 0 and nt["net_t_co2e"] == nt["removals_t_co2e"]


def test_sign_overharvested_forest_is_an_emission(tmp_path):
    rows = [{"variable": "volume_increment", "value": 100.0, "unit": "m^3"}, {"variable": "harvest", "value": 300.0, "unit": "m^3"}]
    r = _one(tmp_path, rows, FOREST)
    assert r.emissions["emissions_t"].item() == pytest.approx((300 * 0.9 - 100 * 0.7) * 1.24 * 0.47 * C2CO2, rel=1e-12)
    assert r.emissions["emissions_t"].item() > 0


def test_sign_wetland_uptake_is_negative(tmp_path):
    rows = [{"category": "3.B.4.a", "stratum": "w", "variable": "wetland_area", "value": 5.0}]
    params = [p("w", "wetland_co2_c", -2.0, "t CO2-C/ha/yr"), p("w", "wetland_doc_c", 0.0, "t CO2-C/ha/yr"), p("w", "wetland_ch4_c", 0.0, "kg CH4-C/ha/yr")]
    r = _one(tmp_path, rows, params)
    assert r.emissions.filter(r.emissions["gas"] == "CO2")["emissions_t"].item() == pytest.approx(-5 * 2 * C2CO2)


def test_gross_removals_net_with_activity_data(tmp_path):
    """Energy rows are gross emissions, sink rows removals; TOTAL is net; indirect is untouched."""
    from ghginv.methods._sink_out import net_totals

    from conftest import make_factor_set, write_activity

    e = make_factor_set(tmp_path / "e", ef=["natural_gas,*,*,,,CO2,56100,kg/TJ,2006 IPCC GL Vol 2,Table 1.4,V2"],
                        conv=["natural_gas,ncv,*,,,48.0,TJ/Gg,2006 IPCC GL Vol 2,Table 1.2,V2"],
                        activities=["natural_gas,Natural Gas,天然气,Natural Gas,gaseous"])
    s = make_sink_set(tmp_path / "s", [p("urban_trees", "crw", 3.0, "t C/ha/yr")])
    act = write_activity(tmp_path / "a.parquet", [dict(year=2020, region="510105", sector="1.A.4.b", activity="natural_gas", amount=10.0, unit="t")])
    data = write_sinks(tmp_path / "d.csv", [{"category": "3.B.5.a", "stratum": "urban_trees", "variable": "crown_cover", "value": 0.01}])
    r = ghginv.compile_inventory(activity=[str(act)], factors=[str(e), str(s)], extra={"sinks": {"path": str(data)}})
    gas_t = 10 * 48.0 / 1000 * 56.1  # t CO2: 10 t × 0.048 TJ/t × 56.1 t/TJ
    sink_t = -0.01 * 3.0 * C2CO2
    nt = net_totals(r.emissions).row(0, named=True)
    assert nt["gross_t_co2e"] == pytest.approx(gas_t, rel=1e-12)
    assert nt["removals_t_co2e"] == pytest.approx(sink_t, rel=1e-12)
    tot = r.inventory.filter(r.inventory["category"] == "TOTAL")["co2e_t"].sum()
    assert tot == pytest.approx(gas_t + sink_t, rel=1e-12)
    m = r.manifest()
    assert m["net"][0]["net_t_co2e"] == pytest.approx(gas_t + sink_t, rel=1e-12)
