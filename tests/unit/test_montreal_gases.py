"""Gases controlled by the Montreal Protocol are memo items outside every total (issue 16 item 5).

A refrigerant blend R-401A is HCFC-22 / HFC-152a / HCFC-124 at 53 / 13 / 34 % by mass (ASHRAE
Standard 34); charged as its component gases, its HCFC-22 and HCFC-124 rows stay in
``emissions.parquet`` (``emissions_t``, ``co2e_t``) under the scope ``memo`` and enter no total,
the HFC-152a row (a Kyoto gas, Kigali Annex F notwithstanding) stays in the direct total.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ghginv import compile_inventory
from ghginv.core.gwp import MONTREAL_GASES, gwp_set, known_gases, montreal_gas
from ghginv.methods._sink_out import net_totals
from ghginv.pipeline.summary import inventory_summary

from conftest import make_factor_set, write_activity

R = "510105"
ROWS = [
    "natural_gas,*,*,,,CO2,56100,kg/TJ,2006 IPCC GL Vol 2 Ch 1,Table 1.4,V",
    "r401a_charge,*,*,,,HCFC22,0.53,kg/kg,ASHRAE 34 R-401A,53 % HCFC-22,D",
    "r401a_charge,*,*,,,HFC152a,0.13,kg/kg,ASHRAE 34 R-401A,13 % HFC-152a,D",
    "r401a_charge,*,*,,,HCFC124,0.34,kg/kg,ASHRAE 34 R-401A,34 % HCFC-124,D",
    "halon_bank,*,*,,,Halon1301,1,kg/kg,test,test,D",
    "halon_bank,*,*,,,CFC12,1,kg/kg,test,test,D",
]


def _run(tmp_path, nat_gas_tj=1000.0, r401a_kg=2000.0, halon_kg=10.0, years=(2020, 2024)):
    sets = make_factor_set(tmp_path / "gases", ef=ROWS)
    rows = []
    for y in range(years[0], years[1] + 1):
        rows += [dict(year=y, region=R, sector="1.A.1.a", activity="natural_gas", amount=nat_gas_tj, unit="TJ"),
                 dict(year=y, region=R, sector="2.F.1", activity="r401a_charge", amount=r401a_kg, unit="kg"),
                 dict(year=y, region=R, sector="2.F.3", activity="halon_bank", amount=halon_kg, unit="kg")]
    act = write_activity(tmp_path / "a.parquet", rows)
    return compile_inventory(activity=[str(act)], factors=[str(sets)], gwp="AR5GWP100")


def test_the_gas_list():
    assert {"HCFC22", "HCFC124", "CFC11", "CFC12", "Halon1211", "Halon1301", "CCl4", "CH3CCl3", "CH3Br"} <= MONTREAL_GASES
    assert MONTREAL_GASES <= known_gases()  # named as in the GWP tables
    assert not any(montreal_gas(g) for g in ("CO2", "CH4", "N2O", "HFC134a", "HFC152a", "HFC23", "CF4", "SF6", "NF3"))


def test_hcfc_rows_are_reported_but_in_no_total(tmp_path):
    res = _run(tmp_path)
    em = res.emissions.filter(pl.col("year") == 2024)
    gwp = gwp_set("AR5GWP100")
    hcfc = em.filter(pl.col("gas") == "HCFC22").row(0, named=True)
    assert hcfc["emissions_t"] == pytest.approx(2000 * 0.53 / 1000, rel=1e-12)  # 1.06 t HCFC-22
    assert hcfc["co2e_t"] == pytest.approx(1.06 * gwp.values["HCFC22"], rel=1e-12)  # 1.06 t × 1,760 (AR5)
    assert hcfc["scope"] == "memo"
    assert set(em.filter(pl.col("scope") == "memo")["gas"].to_list()) == {"HCFC22", "HCFC124", "Halon1301", "CFC12"}
    kyoto = 1000 * 56.1 + 2000 * 0.13 / 1000 * gwp.values["HFC152a"]  # t CO2e: CO2 and HFC-152a only
    inv = res.inventory.filter(pl.col("year") == 2024, pl.col("notation_key").is_null())
    assert inv.filter(pl.col("category") == "TOTAL", pl.col("scope") == "direct")["co2e_t"].sum() == pytest.approx(kyoto, rel=1e-12)
    assert inv.filter(pl.col("level") == 1, pl.col("scope") == "direct")["co2e_t"].sum() == pytest.approx(kyoto, rel=1e-12)
    assert inv.filter(pl.col("category") == "2", pl.col("scope") == "direct")["co2e_t"].sum() == pytest.approx(
        2000 * 0.13 / 1000 * gwp.values["HFC152a"], rel=1e-12)
    assert not inv.filter(pl.col("scope") != "memo")["gas"].is_in(list(MONTREAL_GASES)).any()
    net = net_totals(res.emissions).filter(pl.col("year") == 2024).row(0, named=True)
    assert net["gross_t_co2e"] == pytest.approx(kyoto, rel=1e-12) and net["net_t_co2e"] == pytest.approx(kyoto, rel=1e-12)
    kc = res.key_categories()
    assert not kc["gas"].is_in(list(MONTREAL_GASES)).any()
    s = inventory_summary(res)
    labels = {r.label: r.values for r in s.rows}
    direct = labels["Direct emissions (scope 1)"]
    assert direct[-1] == pytest.approx(kyoto, rel=1e-12)
    montreal = next(v for k, v in labels.items() if "Montreal" in k)
    memo_t = em.filter(pl.col("scope") == "memo")["co2e_t"].sum()
    assert montreal[-1] == pytest.approx(memo_t, rel=1e-12) and memo_t > 0
    assert not any("biogenic" in k for k in labels)


@given(st.floats(0.0, 1e5), st.floats(0.0, 1e6), st.floats(0.0, 1e4))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_totals_are_the_sum_of_the_kyoto_gas_rows(tmp_path_factory, tj, kg, halon):
    """Property: every total (TOTAL and level 1 of the direct scope, gross and net) equals the sum of the
    rows of gases not controlled by the Montreal Protocol; the Montreal rows are the memo scope."""
    res = _run(tmp_path_factory.mktemp("p"), tj, kg, halon, years=(2024, 2024))
    em = res.emissions
    kyoto = em.filter(~pl.col("gas").is_in(list(MONTREAL_GASES)), pl.col("scope") == "direct")["co2e_t"].sum()
    assert em.filter(pl.col("gas").is_in(list(MONTREAL_GASES)))["scope"].unique().to_list() in ([], ["memo"])
    inv = res.inventory.filter(pl.col("notation_key").is_null(), pl.col("scope") == "direct")
    assert inv.filter(pl.col("category") == "TOTAL")["co2e_t"].sum() == pytest.approx(kyoto, rel=1e-12, abs=1e-9)
    assert inv.filter(pl.col("level") == 1)["co2e_t"].sum() == pytest.approx(kyoto, rel=1e-12, abs=1e-9)
    net = net_totals(em)
    assert net["net_t_co2e"].sum() == pytest.approx(kyoto, rel=1e-12, abs=1e-9)
