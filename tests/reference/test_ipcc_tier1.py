"""Reference cases R1a-R1c: IPCC Tier 1 stationary combustion in energy industries (1.A.1.a).

Source: 2006 IPCC Guidelines Vol 2 Ch 1 Table 1.2 (NCV), Table 1.4 (CO2 EF), Ch 2 Table 2.2
(CH4/N2O EF, energy industries); CO2e with AR5 GWP-100 (CH4 28, N2O 265). The expected figures
are the published inputs multiplied out (see /work/shared/reference-cases.md).

Every case runs the full compile path (Parquet activity -> cube -> resolve -> kernels ->
inventory), once with the test set of conftest.py (``ipcc_like_set``) and once with the
shipped set ``ipcc2006_energy``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ghginv import compile_inventory

from conftest import ROOT, write_activity

SHIPPED_IPCC = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_energy"

# case id -> (activity, CO2 t, CH4 kg, N2O kg, CO2e t (AR5), published precision of CO2e)
CASES = {
    # R1a: 1 Gg other bituminous coal, NCV 25.8 TJ/Gg, EF 94,600 / 1 / 1.5 kg/TJ
    "R1a": ("bituminous_coal", 2440.68, 25.8, 38.7, 2451.66),
    # R1b: 1 Gg natural gas, NCV 48.0 TJ/Gg, EF 56,100 / 1 / 0.1 kg/TJ
    "R1b": ("natural_gas", 2692.8, 48.0, 4.8, 2695.42),
    # R1c: 1 Gg gas/diesel oil, NCV 43.0 TJ/Gg, EF 74,100 / 3 / 0.6 kg/TJ
    "R1c": ("diesel", 3186.3, 129.0, 25.8, 3196.75),
}


@pytest.fixture(params=["ipcc_like_set", "shipped_ipcc2006_energy"])
def ipcc_set(request) -> Path:
    if request.param == "ipcc_like_set":
        return request.getfixturevalue("ipcc_like_set")
    return SHIPPED_IPCC


def _run(tmp_path: Path, factor_set: Path, activity: str, amount: float = 1000.0, unit: str = "t", gwp: str = "AR5GWP100"):
    act = write_activity(
        tmp_path / "activity.parquet",
        [dict(year=2020, region="510105", sector="1.A.1.a", activity=activity, amount=amount, unit=unit)],
    )
    return compile_inventory(activity=[str(act)], factors=[str(factor_set)], gwp=gwp, year_fallback="none")


def _gas(res, gas: str) -> float:
    rows = res.emissions.filter(pl.col("gas") == gas)
    assert rows.height == 1, f"expected one {gas} row, got {rows}"
    return rows["emissions_t"][0]


def _total_co2e(res) -> float:
    tot = res.inventory.filter(pl.col("category") == "TOTAL", pl.col("scope") == "direct")
    assert tot.height == 3  # CO2, CH4, N2O
    assert tot["level"].to_list() == [0, 0, 0]
    return tot["co2e_t"].sum()


def _check_case(res, case: str):
    activity, co2_t, ch4_kg, n2o_kg, co2e_t = CASES[case]
    co2, ch4, n2o = _gas(res, "CO2"), _gas(res, "CH4"), _gas(res, "N2O")
    # exact products of the published inputs (floating point only)
    assert co2 == pytest.approx(co2_t, rel=1e-12)
    assert ch4 * 1000 == pytest.approx(ch4_kg, rel=1e-12)
    assert n2o * 1000 == pytest.approx(n2o_kg, rel=1e-12)
    # the published CO2e figure, to its printed 2 decimals
    total = _total_co2e(res)
    assert round(total, 2) == pytest.approx(co2e_t, abs=1e-9)
    assert total == pytest.approx(co2_t + ch4_kg / 1000 * 28 + n2o_kg / 1000 * 265, rel=1e-12)
    # emissions rows carry the factor set, direct scope and the year of the factor
    assert set(res.emissions["scope"]) == {"direct"}
    assert set(res.emissions["factor_year"]) == {2020}
    # co2e per gas is emissions x AR5 GWP
    by_gas = {r["gas"]: r for r in res.emissions.iter_rows(named=True)}
    assert by_gas["CH4"]["co2e_t"] == pytest.approx(by_gas["CH4"]["emissions_t"] * 28, rel=1e-12)
    assert by_gas["N2O"]["co2e_t"] == pytest.approx(by_gas["N2O"]["emissions_t"] * 265, rel=1e-12)
    assert by_gas["CO2"]["co2e_t"] == pytest.approx(by_gas["CO2"]["emissions_t"], rel=1e-15)


def test_r1a_bituminous_coal(tmp_path, ipcc_set):
    """R1a — 2006 IPCC GL Vol 2 Tables 1.2, 1.4, 2.2: 1 Gg other bituminous coal in 1.A.1.a gives
    2,440.68 t CO2, 25.8 kg CH4, 38.7 kg N2O and 2,451.66 t CO2e (AR5)."""
    res = _run(tmp_path, ipcc_set, "bituminous_coal")
    _check_case(res, "R1a")
    assert set(res.emissions["factor_set"]) == {ipcc_set.name}


def test_r1b_natural_gas(tmp_path, ipcc_set):
    """R1b — 2006 IPCC GL Vol 2 Tables 1.2, 1.4, 2.2: 1 Gg natural gas in 1.A.1.a gives
    2,692.8 t CO2 and 2,695.42 t CO2e (AR5); CH4 48 kg, N2O 4.8 kg."""
    res = _run(tmp_path, ipcc_set, "natural_gas")
    _check_case(res, "R1b")


def test_r1c_diesel(tmp_path, ipcc_set):
    """R1c — 2006 IPCC GL Vol 2 Tables 1.2, 1.4, 2.2: 1 Gg gas/diesel oil in 1.A.1.a gives
    3,186.3 t CO2 and 3,196.75 t CO2e (AR5); CH4 129 kg, N2O 25.8 kg."""
    res = _run(tmp_path, ipcc_set, "diesel")
    _check_case(res, "R1c")


@pytest.mark.parametrize(
    "amount,unit",
    [(1.0, "Gg"), (1.0, "kt"), (1000.0, "t"), (1e6, "kg"), (0.1, "10^4 t"), (0.1, "万吨"), (0.001, "Mt")],
)
def test_r1a_same_in_every_mass_unit(tmp_path, ipcc_like_set, amount, unit):
    """R1a — 2006 IPCC GL Vol 2: the same 1 Gg of coal written in any mass unit gives 2,440.68 t CO2."""
    res = _run(tmp_path, ipcc_like_set, "bituminous_coal", amount, unit)
    assert _gas(res, "CO2") == pytest.approx(2440.68, rel=1e-12)
    assert round(_total_co2e(res), 2) == pytest.approx(2451.66, abs=1e-9)


def test_r1a_energy_activity_skips_ncv(tmp_path, ipcc_like_set):
    """R1a — 2006 IPCC GL Vol 2 Table 1.4: 25.8 TJ of coal (= 1 Gg at 25.8 TJ/Gg), reported in
    energy units, meets the kg/TJ factors directly: 2,440.68 t CO2."""
    res = _run(tmp_path, ipcc_like_set, "bituminous_coal", 25.8, "TJ")
    assert _gas(res, "CO2") == pytest.approx(2440.68, rel=1e-12)
    assert _gas(res, "N2O") * 1000 == pytest.approx(38.7, rel=1e-12)


def test_r1_all_three_in_one_run(tmp_path, ipcc_set):
    """R1a-R1c — 2006 IPCC GL Vol 2: the three fuels in one file, one region, sum to
    2,451.66 + 2,695.42 + 3,196.75 t CO2e (AR5) within the rounding of the published figures."""
    act = write_activity(
        tmp_path / "activity.parquet",
        [dict(year=2020, region="510105", sector="1.A.1.a", activity=a, amount=1.0, unit="Gg") for a, *_ in CASES.values()],
    )
    res = compile_inventory(activity=[str(act)], factors=[str(ipcc_set)], gwp="AR5GWP100")
    for case, (activity, co2_t, *_rest) in CASES.items():
        got = res.emissions.filter(pl.col("activity") == activity, pl.col("gas") == "CO2")["emissions_t"][0]
        assert got == pytest.approx(co2_t, rel=1e-12), case
    total = _total_co2e(res)
    assert total == pytest.approx(2451.66 + 2695.42 + 3196.75, abs=0.015)
    # CO2 total in the inventory's level-1 category 1 (Energy)
    energy_co2 = res.inventory.filter(pl.col("category") == "1", pl.col("gas") == "CO2")["emissions_t"][0]
    assert energy_co2 == pytest.approx(2440.68 + 2692.8 + 3186.3, rel=1e-12)
