"""Indicators: GDP chaining, economy-table checks, standard-coal energy, intensities (4 decimals)."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.analysis.energy import energy_consumption
from ghginv.analysis.indicators import IndicatorSettings, chain_gdp, compute_indicators, read_economy, settings_from_config
from ghginv.core.config import resolve_factor_set_path
from ghginv.core.errors import ConfigError, GhgInvError, SchemaError, ValidationError
from ghginv.factors import load_factor_set

YEARS = [2020, 2021, 2022]


def _write(tmp_path: Path, text: str, name: str = "economy.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_gdp_chaining_matches_hand_computation(tmp_path):
    # current-price GDP 2020 = 1,000,000 (10^4 yuan); real growth index 2021 = 105.0, 2022 = 103.2,
    # index of 2020 over 2019 = 104.0. By hand, at constant 2020 prices:
    #   2021 = 1,000,000 × 1.05 = 1,050,000; 2022 = 1,050,000 × 1.032 = 1,083,600;
    #   2019 = 1,000,000 / 1.04 = 961,538.4615...
    p = _write(tmp_path, "year,region,gdp_current_10k_yuan,gdp_index_prev_100,population\n"
                         "2019,ALL,930000,106.0,900000\n2020,ALL,1000000,104.0,900000\n"
                         "2021,ALL,1080000,105.0,905000\n2022,ALL,1150000,103.2,910000\n")
    eco, notes = read_economy(p, YEARS, ["510105001"], 2020)
    gdp = dict(zip(eco["year"].to_list(), eco["gdp_const_10k_yuan"].to_list()))
    assert gdp[2020] == 1_000_000
    assert gdp[2021] == pytest.approx(1_050_000, rel=1e-12)
    assert gdp[2022] == pytest.approx(1_083_600, rel=1e-12)
    assert 2019 not in gdp  # outside the inventory, dropped after chaining
    assert any("chained" in n for n in notes) and any("2019" in n for n in notes)
    back = chain_gdp(pl.read_csv(p).with_columns(pl.col("year").cast(pl.Int32)), 2020)
    assert back.filter(pl.col("year") == 2019)["gdp_const_10k_yuan"][0] == pytest.approx(1_000_000 / 1.04, rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(90.0, 115.0), min_size=2, max_size=8), st.floats(1e3, 1e9))
def test_chaining_reproduces_the_index(indices, base):
    years = list(range(2020, 2020 + len(indices)))
    df = pl.DataFrame({"year": years, "region": ["ALL"] * len(years), "gdp_current_10k_yuan": [base * 1.1] * len(years),
                       "gdp_index_prev_100": indices}).with_columns(pl.col("year").cast(pl.Int32))
    out = chain_gdp(df.with_columns(pl.when(pl.col("year") == 2020).then(base).otherwise(pl.col("gdp_current_10k_yuan")).alias("gdp_current_10k_yuan")), 2020)
    g = out["gdp_const_10k_yuan"].to_list()
    assert g[0] == pytest.approx(base)
    for i in range(1, len(g)):
        assert g[i] / g[i - 1] * 100 == pytest.approx(indices[i], rel=1e-9)


@pytest.mark.parametrize(
    "text, needle",
    [
        ("year,region,gdp_const_10k_yuan,population\n2021,ALL,10,5\n2022,ALL,11,5\n", "no row for the base year 2020"),
        ("year,region,gdp_const_10k_yuan,population\n2020,ALL,10,5\n2021,ALL,0,5\n2022,ALL,11,5\n", "row 2"),
        ("year,region,gdp_const_10k_yuan,population\n2020,ALL,10,5\n2021,ALL,-3,5\n2022,ALL,11,5\n", "GDP must be a positive number"),
        ("year,region,gdp_const_10k_yuan,population\n2020,ALL,10,5\n2021,ALL,12,5\n", "years 2022 of the inventory are missing"),
        ("year,region,gdp_const_10k_yuan,population\n2020,X9,10,5\n2021,X9,12,5\n2022,X9,12,5\n", "region 'X9' is not in the inventory"),
    ],
)
def test_bad_economy_tables(tmp_path, text, needle):
    p = _write(tmp_path, text)
    with pytest.raises(ValidationError) as e:
        read_economy(p, YEARS, ["510105001"], 2020)
    assert needle in str(e.value) and str(p) in str(e.value)


def test_economy_missing_columns_and_file(tmp_path):
    with pytest.raises(SchemaError, match="gdp_const_10k_yuan"):
        read_economy(_write(tmp_path, "year,region,population\n2020,ALL,5\n"), YEARS, [], 2020)
    with pytest.raises(GhgInvError, match="not found"):
        read_economy(tmp_path / "nope.csv", YEARS, [], 2020)


def _gbt2589():
    return [load_factor_set(resolve_factor_set_path("cn_gbt2589_2020"))]


def _cells(rows):
    return pl.DataFrame(rows, orient="row", schema={"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String,
                                      "unit": pl.String, "amount": pl.Float64, "n_rows": pl.Int64})


def test_energy_tce_with_gbt2589_coefficients():
    # GB/T 2589-2020 Appendix A: raw coal 0.7143 kgce/kg, natural gas 1.2143 kgce/m^3 (气田天然气 12.143
    # tce/10^4 m^3), electricity (当量值) 0.1229 kgce/kWh, heat 0.03412 kgce/MJ
    cells = _cells([
        (2020, "R1", "1.A.2.e", "raw_coal", "t", 1000.0, 1),
        (2020, "R1", "1.A.4.a", "natural_gas", "10^4 m^3", 10.0, 1),
        (2020, "R1", "1.A.4.a", "electricity", "10^4 kWh", 100.0, 1),
        (2020, "R1", "1.A.2.e", "heat", "GJ", 1000.0, 1),
        (2020, "R1", "2.B.1", "natural_gas", "10^4 m^3", 1.0, 1),
    ])
    e = energy_consumption(cells, _gbt2589())
    got = {(r["activity"], r["feedstock"]): r["energy_tce"] for r in e.by_activity.iter_rows(named=True)}
    assert got[("raw_coal", False)] == pytest.approx(714.3, rel=1e-12)
    assert got[("natural_gas", False)] == pytest.approx(121.43, rel=1e-12)
    assert got[("natural_gas", True)] == pytest.approx(12.143, rel=1e-12)  # 2.B: feedstock
    assert got[("electricity", False)] == pytest.approx(122.9, rel=1e-12)
    assert got[("heat", False)] == pytest.approx(34.12, rel=1e-12)
    assert {r["item"] for r in e.conversions_used} == {"standard_coal"}
    ce = energy_consumption(cells, _gbt2589(), electricity_method="coal_equivalent", coal_equivalent_gce_per_kwh={2020: 300.0})
    elec = ce.by_activity.filter(pl.col("activity") == "electricity")["energy_tce"][0]
    assert elec == pytest.approx(1e6 * 300.0 / 1e6)  # 10^6 kWh × 300 g/kWh = 300 tce
    with pytest.raises(ConfigError, match="2020"):
        energy_consumption(cells, _gbt2589(), electricity_method="coal_equivalent")


def test_intensities_are_rounded_to_four_decimals_before_ratios():
    s = IndicatorSettings(None, 2020, indirect_co2=())
    em = pl.DataFrame({
        "year": [2020, 2021], "region": ["R1", "R1"], "sector": ["1.A.4.a"] * 2, "activity": ["natural_gas"] * 2,
        "gas": ["CO2"] * 2, "emissions_t": [123_456.0, 120_000.0], "co2e_t": [123_456.0, 120_000.0],
        "factor_set": ["x"] * 2, "scope": ["direct"] * 2, "factor_year": [2020, 2021],
    }).with_columns(pl.col("year").cast(pl.Int32), pl.col("factor_year").cast(pl.Int32))
    energy = energy_consumption(_cells([(2020, "R1", "1.A.4.a", "natural_gas", "10^4 m^3", 5000.0, 1),
                                        (2021, "R1", "1.A.4.a", "natural_gas", "10^4 m^3", 5100.0, 1)]), _gbt2589())
    eco = pl.DataFrame({"year": [2020, 2021], "region": ["ALL", "ALL"], "gdp_const_10k_yuan": [3_000_000.0, 3_150_000.0],
                        "population": [1e6, 1e6], "energy_tce": [None, None], "electricity_non_fossil_share": [None, None]},
                       schema_overrides={"year": pl.Int32, "energy_tce": pl.Float64, "electricity_non_fossil_share": pl.Float64})
    ind, _ = compute_indicators(em, energy, eco, {"natural_gas": "gaseous"}, s)
    v = {(r["year"], r["indicator"]): r for r in ind.filter(pl.col("region") == "ALL").iter_rows(named=True)}
    # CO2 intensity: 123,456 / 3,000,000 = 0.041152 -> 0.0412; 120,000 / 3,150,000 = 0.038095 -> 0.0381
    assert v[(2020, "co2_intensity")]["value"] == 0.0412
    assert v[(2021, "co2_intensity")]["value"] == 0.0381
    assert v[(2021, "co2_intensity")]["yoy_change_pct"] == pytest.approx((0.0381 / 0.0412 - 1) * 100)
    # energy: 5000 × 12.143 = 60,715 tce / 3e6 = 0.0202383 -> 0.0202
    assert v[(2020, "energy_gross_tce")]["value"] == pytest.approx(60_715.0)
    assert v[(2020, "energy_intensity_gross")]["value"] == 0.0202
    assert v[(2021, "gdp_const_10k_yuan")]["index_base_100"] == pytest.approx(105.0)
    assert not math.isnan(v[(2021, "co2e_per_capita")]["value"])
    assert ("R1" in ind["region"].to_list()) and ind.filter(pl.col("region") == "R1", pl.col("indicator") == "co2_intensity").height == 0


def test_settings_and_lang_from_the_toml_and_options(tmp_path):
    from ghginv.analysis.stage import analysis_wanted
    from ghginv.core.config import load_config, report_settings

    from conftest import ROOT

    toml = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
    cfg = load_config(toml)
    s = settings_from_config(cfg)
    assert analysis_wanted(cfg) and report_settings(cfg).lang == "en" and report_settings(cfg).workbook_detail == "auto"
    assert s.economy_path == toml.parent / "data" / "qingyang_synthetic" / "economy_synthetic.csv"
    assert s.base_year == 2020 and s.electricity_method == "equivalent" and s.indirect_co2 == ("electricity",)
    other = tmp_path / "eco.csv"
    cfg2 = load_config(toml, extra={"economy": {"path": str(other)}, "report": {"lang": "zh"}})  # --economy, --lang
    assert settings_from_config(cfg2).economy_path == other and report_settings(cfg2).lang == "zh"
    with pytest.raises(ConfigError, match="lang"):
        report_settings(load_config(toml, extra={"report": {"lang": "fr"}}))
    with pytest.raises(ConfigError, match=r"\[report\] workbook_detail takes 'auto', 'full' or 'summed' \(got 'all'\)"):
        report_settings(load_config(toml, extra={"report": {"workbook_detail": "all"}}))
    assert report_settings(load_config(toml, extra={"report": {"workbook_detail": "summed"}})).workbook_detail == "summed"
    with pytest.raises(ConfigError, match="electricity_method"):
        settings_from_config(load_config(toml, extra={"economy": {"electricity_method": "guess"}}))
