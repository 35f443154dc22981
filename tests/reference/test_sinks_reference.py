"""Reference cases R11–R13 (../shared/reference-cases.md) and published sink values.

* R11 forest gain-loss, one stratum: ΔC_G = A × I_V × BCEF_I × (1 + R) × CF (2006 IPCC GL Vol 4
  Eqs 2.9, 2.10). The GL06 worked example (Vol 4 pp. 4.18–4.19): 100,000 ha growing 4.0 t
  d.m./ha/yr with R = 0.29 and CF = 0.47 gains 242,520 t C/yr.
* R12 forest stock-difference (Eq 2.8): ΔC = (C_t2 − C_t1)/(t2 − t1), equal to gain-loss when the
  stocks follow increment − removals.
* R13 urban trees Tier 2a (Vol 4 Ch 8 Eq 8.2): ΔC = crown cover × CRW.
* Soil Tier 1 (Eq 2.25) with the GL06 Ch 5 worked example stock: 400,000 ha × 88 × 0.69 × 1.00 ×
  0.92 + 600,000 ha × 88 × 0.69 × 1.00 × 1.00 = 58,776,960 t C (58.78 Mt C published).
"""

from __future__ import annotations

import pytest

import ghginv
from ghginv.factors import load_factor_set

from sink_fixtures import FOREST, make_sink_set, p, write_sinks

C2CO2 = 44.0 / 12.0
ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def run(tmp_path, rows, sets, **kw):
    data = write_sinks(tmp_path / "sinks.csv", rows)
    return ghginv.compile_inventory(factors=[str(s) for s in sets], extra={"sinks": {"path": str(data), **kw}}, gwp="AR5GWP100")


def co2(result, **filters):
    e = result.emissions
    for k, v in filters.items():
        e = e.filter(e[k] == v)
    return e["emissions_t"].sum()


def test_r11_gain_loss_worked_example(tmp_path):
    # BCEF_I 0.8 t d.m./m^3 × 5 m^3/ha/yr = 4.0 t d.m./ha/yr, the worked example's growth
    s = make_sink_set(tmp_path / "s", FOREST)
    r = run(tmp_path, [{"variable": "area", "value": 100_000.0}, {"variable": "volume_increment", "value": 5.0, "unit": "m^3/ha"}], [s])
    gain_t_c = 242_520.0  # published, GL06 Vol 4 pp. 4.18-4.19
    assert co2(r, gas="CO2") == pytest.approx(-gain_t_c * C2CO2, rel=1e-12)
    row = r.emissions.row(0, named=True)
    assert (row["sector"], row["activity"], row["gas"], row["scope"], row["factor_set"]) == ("3.B.1.a", "pine", "CO2", "direct", "s")
    inv = r.inventory
    for cat in ("3.B.1.a", "3.B.1", "3.B", "3", "TOTAL"):
        assert inv.filter(inv["category"] == cat)["co2e_t"].sum() == pytest.approx(-gain_t_c * C2CO2, rel=1e-12), cat


def test_r11_losses_and_whole_stratum_volume(tmp_path):
    s = make_sink_set(tmp_path / "s", FOREST)
    rows = [
        {"variable": "volume_increment", "value": 1000.0, "unit": "m^3"},
        {"variable": "harvest", "value": 200.0, "unit": "m^3"},
        {"variable": "fuelwood", "value": 50.0, "unit": "m^3"},
        {"variable": "disturbance_volume", "value": 30.0, "unit": "m^3"},
    ]
    r = run(tmp_path, rows, [s])
    expand = 0.8 * 1.29 * 0.47
    assert co2(r) == pytest.approx(-(1000 - 200 - 50 - 30) * expand * C2CO2, rel=1e-12)


def test_r11_bcef_from_wood_density_times_bef(tmp_path):
    s = make_sink_set(tmp_path / "s", [p("*", "carbon_fraction", 0.5, "t C/t d.m."), p("*", "root_shoot", 0.2, "ratio"),
                                       p("pine", "wood_density", 0.4, "t d.m./m^3"), p("pine", "bef", 1.5, "ratio")])
    r = run(tmp_path, [{"variable": "volume_increment", "value": 100.0, "unit": "m^3"}], [s])
    assert co2(r) == pytest.approx(-100 * 0.4 * 1.5 * 1.2 * 0.5 * C2CO2, rel=1e-12)
    used = r.factors_used.filter(r.factors_used["item"] == "bcef_i").row(0, named=True)
    assert used["kind"] == "sink_parameter" and used["value"] == pytest.approx(0.6) and used["status"] == "D"


def test_r12_stock_difference_spread_over_the_years(tmp_path):
    s = make_sink_set(tmp_path / "s", FOREST)
    rows = [{"year": 2018, "variable": "stock_volume", "value": 10_000.0, "unit": "m^3"},
            {"year": 2021, "variable": "stock_volume", "value": 10_600.0, "unit": "m^3"}]
    r = run(tmp_path, rows, [s], method="stock_difference")
    c = lambda v: v * 0.8 * 1.29 * 0.47  # noqa: E731  C = V × BCEF_S × (1 + R) × CF
    per_year = -(c(10_600.0) - c(10_000.0)) / 3 * C2CO2
    got = dict(r.emissions.select("year", "emissions_t").iter_rows())
    assert sorted(got) == [2019, 2020, 2021]
    for y in got:
        assert got[y] == pytest.approx(per_year, rel=1e-12)


def test_r12_equals_gain_loss_when_consistent_and_check_written(tmp_path):
    s = make_sink_set(tmp_path / "s", FOREST)
    rows = [{"year": 2020, "variable": "stock_volume", "value": 5000.0, "unit": "m^3"},
            {"year": 2021, "variable": "stock_volume", "value": 5250.0, "unit": "m^3"},
            {"year": 2021, "variable": "volume_increment", "value": 300.0, "unit": "m^3"},
            {"year": 2021, "variable": "harvest", "value": 50.0, "unit": "m^3"}]
    r = run(tmp_path, rows, [s], check_threshold=0.05)
    chk = r.sinks.check
    assert chk.height == 1
    row = chk.row(0, named=True)
    assert row["gain_loss_t_co2"] == pytest.approx(row["stock_difference_t_co2"], rel=1e-12)
    assert row["rel_diff"] < 1e-12 and row["flag"] is False
    out = r.write(tmp_path / "out")
    assert (out / "sinks_check.parquet").is_file()


def test_inconsistent_inventory_is_flagged(tmp_path):
    s = make_sink_set(tmp_path / "s", FOREST)
    rows = [{"year": 2020, "variable": "stock_volume", "value": 5000.0, "unit": "m^3"},
            {"year": 2021, "variable": "stock_volume", "value": 5100.0, "unit": "m^3"},
            {"year": 2021, "variable": "volume_increment", "value": 300.0, "unit": "m^3"}]
    r = run(tmp_path, rows, [s])
    row = r.sinks.check.row(0, named=True)
    assert row["rel_diff"] == pytest.approx(200 / 300, rel=1e-12) and row["flag"] is True
    assert r.sinks.manifest()["check_flagged"] == 1


def test_r13_urban_trees_crown_cover(tmp_path):
    s = make_sink_set(tmp_path / "s", [p("urban_trees", "crw", 2.9, "t C/ha/yr")])
    r = run(tmp_path, [{"category": "3.B.5.a", "stratum": "urban_trees", "variable": "crown_cover", "value": 1000.0}], [s])
    assert co2(r) == pytest.approx(-1000 * 2.9 * C2CO2, rel=1e-12)
    assert r.emissions["sector"].to_list() == ["3.B.5.a"]
    # crown cover in m^2 is converted to ha
    r2 = run(tmp_path, [{"category": "3.B.5.a", "stratum": "urban_trees", "variable": "crown_cover", "value": 1e7, "unit": "m^2"}], [s])
    assert co2(r2) == pytest.approx(co2(r), rel=1e-12)


def test_soil_eq_2_25_with_worked_example_stock(tmp_path):
    afolu = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_afolu"
    rows = [
        {"year": 2000, "category": "3.B.2.a", "stratum": "wtm_hac_cropland_full_medium", "variable": "soc_area", "value": 1_000_000.0},
        {"year": 2020, "category": "3.B.2.a", "stratum": "wtm_hac_cropland_full_low", "variable": "soc_area", "value": 400_000.0},
        {"year": 2020, "category": "3.B.2.a", "stratum": "wtm_hac_cropland_full_medium", "variable": "soc_area", "value": 600_000.0},
    ]
    data = write_sinks(tmp_path / "soil.csv", rows)
    r = ghginv.compile_inventory(factors=[str(afolu)], extra={"sinks": {"path": str(data)}}, years=(2020, 2020))
    soc_2020 = 400_000 * 88 * 0.69 * 1.00 * 0.92 + 600_000 * 88 * 0.69 * 1.00 * 1.00
    assert soc_2020 == pytest.approx(58_776_960.0, rel=1e-12)  # 58.78 Mt C, GL06 Ch 5 worked example
    delta_c = (soc_2020 - 1_000_000 * 88 * 0.69) / 20  # D = 20 yr
    assert co2(r) == pytest.approx(-delta_c * C2CO2, rel=1e-9)
    assert co2(r) > 0  # a soil carbon loss is an emission
    assert r.emissions["activity"].to_list() == ["soc_mineral"]


def test_wetland_rewetted_organic_soil_with_shipped_factors(tmp_path):
    wet = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2013_wetlands"
    rows = [{"category": "3.B.4.a", "stratum": "rewetted_organic_temperate_nutrient_poor", "variable": "wetland_area", "value": 10.0}]
    data = write_sinks(tmp_path / "w.csv", rows)
    r = ghginv.compile_inventory(factors=[str(wet)], extra={"sinks": {"path": str(data)}}, gwp="AR5GWP100")
    assert co2(r, gas="CO2") == pytest.approx(10 * (-0.23 + 0.24) * C2CO2, rel=1e-12)
    assert co2(r, gas="CH4") == pytest.approx(10 * 92 / 1000 * 16 / 12, rel=1e-12)
    ch4 = r.emissions.filter(r.emissions["gas"] == "CH4").row(0, named=True)
    assert ch4["co2e_t"] == pytest.approx(ch4["emissions_t"] * 28, rel=1e-12)


def test_shipped_ipcc_sets_carry_the_cited_values():
    """Table 4.5 temperate BCEF, Table 4.4 R, Table 4.3 CF as in afolu-facts.md §1."""
    s = load_factor_set(ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_afolu")
    v = {(r.stratum, r.parameter): r for r in s.sink_rules}
    assert v[("temperate_pines_gs_21_40", "bcef_r")].value == 1.11  # also the worked example's BCEF_R
    assert v[("temperate_hardwoods_gs_le20", "bcef_s")].value == 3.0
    assert v[("temperate_other_conifers_gs_gt200", "bcef_i")].value == 0.6
    assert v[("temperate_conifer_agb_50_150", "root_shoot")].value == 0.29
    assert v[("subtropical_humid_agb_gt125", "root_shoot")].value == 0.24
    assert v[("*", "carbon_fraction")].value == 0.47
    assert v[("*", "soc_transition")].value == 20
    assert {r.status for r in s.sink_rules} <= {"V2", "S"}
    assert all(r.source and r.source_locator for r in s.sink_rules)
    assert not any(r.parameter == "crw" for r in s.sink_rules)  # Table 8.1 CRW is not verified: not shipped
