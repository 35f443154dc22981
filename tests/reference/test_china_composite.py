"""Reference case R2: China defaults in the composite form AD × NCV × CC × OF × 44/12.

Source: the published reference table citing GB/T 2589 and the 2011 provincial inventory
guideline (省级温室气体清单编制指南); see /work/shared/reference-cases.md. The composite CO2
factor is derived by ghginv from carbon_factors.csv (carbon_content, oxidation) and
conversions.csv (ncv), never typed in (docs/factor-set-format.md).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ghginv import compile_inventory, load_factor_set

from conftest import ROOT, make_factor_set, write_activity

SRC = "reference table citing GB/T 2589 and the 2011 provincial guideline"

# activity -> (NCV, NCV unit, carbon content t C/TJ, oxidation, published kg CO2 per kg or per m^3)
R2 = {
    "raw_coal": (20908, "kJ/kg", 26.37, 0.94, 1.9003),
    "coke": (28435, "kJ/kg", 29.5, 0.93, 2.8604),
    "fuel_oil": (41816, "kJ/kg", 21.1, 0.98, 3.1705),
    "gasoline": (43070, "kJ/kg", 18.9, 0.98, 2.9251),
    "diesel": (42652, "kJ/kg", 20.2, 0.98, 3.0959),
    "lpg": (50179, "kJ/kg", 17.2, 0.98, 3.1013),
    "oilfield_gas": (38931, "kJ/m^3", 15.3, 0.99, 2.1622),  # oil-field gas (油田天然气), per m^3
}
FUEL_CLASS = {"raw_coal": "solid", "coke": "solid", "oilfield_gas": "gaseous"}


@pytest.fixture
def r2_set(tmp_path) -> Path:
    carbon, conv, acts = [], [], []
    for act, (ncv, ncv_unit, cc, of, _) in R2.items():
        carbon.append(f"{act},*,*,,,carbon_content,{cc},t C/TJ,{SRC},row {act},S")
        carbon.append(f"{act},*,*,,,oxidation,{of},fraction,{SRC},row {act},S")
        conv.append(f"{act},ncv,*,,,{ncv},{ncv_unit},{SRC},row {act},S")
        acts.append(f"{act},{act},,,{FUEL_CLASS.get(act, 'liquid')}")
    return make_factor_set(tmp_path / "t_r2", carbon=carbon, conv=conv, activities=acts)


def _co2_per_unit(tmp_path: Path, sets: list[Path], rows: list[tuple[str, float, str]]) -> dict[str, float]:
    """t CO2 per activity for the given (activity, amount, unit) rows, through compile_inventory."""
    act = write_activity(
        tmp_path / "r2_activity.parquet",
        [dict(year=2020, region="510105", sector="1.A.2.a", activity=a, amount=x, unit=u) for a, x, u in rows],
    )
    res = compile_inventory(activity=[str(act)], factors=[str(s) for s in sets], gwp="SARGWP100", year_fallback="none")
    co2 = res.emissions.filter(pl.col("gas") == "CO2")
    assert co2.height == len(rows)
    assert set(co2["scope"]) == {"direct"}
    return dict(zip(co2["activity"], co2["emissions_t"]))


@pytest.mark.parametrize("activity", list(R2))
def test_r2_composite_factor_one_unit(tmp_path, r2_set, activity):
    """R2 — China defaults (table citing GB/T 2589 and the 2011 provincial guideline): 1 t of fuel
    (1,000 m^3 of oil-field gas) gives the published t CO2 (kg CO2/kg, kg CO2/m^3) to 4 d.p."""
    ncv, ncv_unit, cc, of, expected = R2[activity]
    if ncv_unit == "kJ/m^3":
        got = _co2_per_unit(tmp_path, [r2_set], [(activity, 1000.0, "m^3")])[activity]  # t CO2 per 1000 m^3 = kg/m^3
    else:
        got = _co2_per_unit(tmp_path, [r2_set], [(activity, 1.0, "t")])[activity]  # t CO2/t = kg CO2/kg
    assert round(got, 4) == pytest.approx(expected, abs=1e-12)
    # the exact product of the published inputs: kJ/kg = GJ/t (and 1000 m^3 × kJ/m^3 = GJ);
    # t C/TJ = 1e-3 t C/GJ
    assert got == pytest.approx((ncv * 1e-6 * 1000) * (cc * 1e-3) * of * 44 / 12, rel=1e-12)


def test_r2_all_fuels_in_one_run_and_other_units(tmp_path, r2_set):
    """R2 — China defaults: all seven fuels in one run; 10^4 t and 万吨 and kg scale the result,
    10^4 m^3 of oil-field gas gives 21.622 t CO2 (2.1622 kg/m^3)."""
    rows = [(a, 1.0, "10^4 t") for a in R2 if a != "oilfield_gas"] + [("oilfield_gas", 1.0, "10^4 m^3")]
    got = _co2_per_unit(tmp_path, [r2_set], rows)
    for a, (*_, expected) in R2.items():
        per_unit = got[a] / (10 if a == "oilfield_gas" else 1e4)  # kg/m^3 = t per 1000 m^3; kg/kg = t/t
        assert round(per_unit, 4) == pytest.approx(expected, abs=1e-12), a
    assert got["oilfield_gas"] == pytest.approx(21.622, abs=0.0005)
    got = _co2_per_unit(tmp_path, [r2_set], [("raw_coal", 1000.0, "kg"), ("diesel", 0.0001, "万吨"), ("oilfield_gas", 1.0, "10^8 m^3")])
    assert round(got["raw_coal"], 4) == 1.9003
    assert round(got["diesel"], 4) == 3.0959
    assert round(got["oilfield_gas"] / 1e5, 4) == 2.1622


def test_r2_factors_used_shows_derived_factor(tmp_path, r2_set):
    """R2 — the composite CO2 factor is reported in factors_used as derived (status D) from both
    component rows: raw coal 26.37 t C/TJ × 0.94 × 44/12 = 90.886 t CO2/TJ."""
    act = write_activity(tmp_path / "a.parquet", [dict(year=2020, region="510105", sector="1.A.2.a", activity="raw_coal", amount=1.0, unit="t")])
    res = compile_inventory(activity=[str(act)], factors=[str(r2_set)], gwp="AR5GWP100")
    used = res.factors_used.filter(pl.col("item") == "CO2")
    assert used.height == 1
    row = used.row(0, named=True)
    assert row["status"] == "D"
    assert row["value"] == pytest.approx(26.37 * 0.94 * 44 / 12, rel=1e-12)
    assert "carbon_factors.csv" in row["rule"]


# --- the shipped sets ------------------------------------------------------------------------

REFSHEET = ROOT / "ghginv" / "data" / "factor_sets" / "cn_refsheet_2020"
GBT32151 = ROOT / "ghginv" / "data" / "factor_sets" / "cn_gbt32151_22_2024"


def test_r2_shipped_refsheet_raw_coal(tmp_path):
    """R2 — shipped set cn_refsheet_2020 (各种能源折标准煤及碳排放参考系数): 1 t raw coal gives
    1.9003 t CO2 through compile --factors cn_refsheet_2020."""
    got = _co2_per_unit(tmp_path, [REFSHEET], [("raw_coal", 1.0, "t")])
    assert round(got["raw_coal"], 4) == 1.9003


def test_r2_shipped_refsheet_all_published_values(tmp_path):
    """R2 — shipped set cn_refsheet_2020 carries every R2 input; each published value is
    reproduced to 4 d.p. (oilfield_gas there is the sheet's 油田天然气 row, 38,931 kJ/m^3 -> 2.1622 kg/m^3)."""
    fs = load_factor_set(REFSHEET)
    by = {(r.activity, r.key): r for r in fs.rules}
    for a, (ncv, ncv_unit, cc, of, _) in R2.items():
        assert by[(a, "ncv")].value == ncv and by[(a, "ncv")].unit == ncv_unit, a
        assert by[(a, "carbon_content")].value == cc and by[(a, "carbon_content")].unit == "t C/TJ", a
        assert by[(a, "oxidation")].value == of, a
    rows = [(a, 1.0, "t") for a in R2 if a != "oilfield_gas"] + [("oilfield_gas", 1000.0, "m^3")]
    got = _co2_per_unit(tmp_path, [REFSHEET], rows)
    for a, (*_, expected) in R2.items():
        assert round(got[a], 4) == pytest.approx(expected, abs=1e-12), a


def test_r2_shipped_gbt32151_diesel_and_natural_gas(tmp_path):
    """R2 — shipped set cn_gbt32151_22_2024 (GB/T 32151.22—2024 Table C.1): diesel 42.652 GJ/t,
    20.2 t C/TJ, 0.98 -> 3.0959 t CO2/t; natural gas 389.31 GJ/10^4 m^3, 15.3 t C/TJ, 0.99 ->
    21.62 t CO2 per 10^4 m^3."""
    got = _co2_per_unit(tmp_path, [GBT32151], [("diesel", 1.0, "t"), ("natural_gas", 1.0, "10^4 m^3")])
    assert round(got["diesel"], 4) == 3.0959
    assert got["natural_gas"] == pytest.approx(21.62, abs=0.01)
    assert got["natural_gas"] == pytest.approx(389.31 * 15.3e-3 * 0.99 * 44 / 12, rel=1e-12)


def test_r2_shipped_gbt32151_before_ipcc(tmp_path):
    """R2 with R1 — sets in precedence order cn_gbt32151_22_2024, ipcc2006_energy: CO2 of diesel
    comes from the China composite (3.0959 t/t), CH4 and N2O in 1.A.1.a from IPCC Table 2.2 with
    the China NCV (42.652 GJ/t × 3 and × 0.6 kg/TJ)."""
    act = write_activity(tmp_path / "a.parquet", [dict(year=2020, region="510105", sector="1.A.1.a", activity="diesel", amount=1.0, unit="t")])
    res = compile_inventory(activity=[str(act)], factors=[str(GBT32151), str(ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_energy")], gwp="AR5GWP100")
    e = {r["gas"]: r for r in res.emissions.iter_rows(named=True)}
    assert round(e["CO2"]["emissions_t"], 4) == 3.0959
    assert e["CO2"]["factor_set"] == "cn_gbt32151_22_2024"
    assert e["CH4"]["factor_set"] == "ipcc2006_energy"
    assert e["CH4"]["emissions_t"] == pytest.approx(42.652e-3 * 3e-3, rel=1e-12)  # TJ × t/TJ
    assert e["N2O"]["emissions_t"] == pytest.approx(42.652e-3 * 0.6e-3, rel=1e-12)
