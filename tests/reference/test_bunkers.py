"""International bunkers (1.A.3.a.i aviation, 1.A.3.d.i navigation): memo items outside the total.

2006 IPCC GL Vol 2 Ch 3 §3.6.1 (aviation) and §3.5.1 (navigation): fuel sold to international flights
and voyages is reported as a memo item, not in the national total; Vol 1 Ch 8 reporting tables list
"International bunkers" under "Memo items". Hand calculation (Eq 3.6.1 Tier 1 = Eq 2.1 of Ch 2):

    jet kerosene 1,000 t × NCV 44.1 TJ/Gg (Table 1.2) = 44.1 TJ;
    CO2 = 44.1 TJ × 71,500 kg/TJ (Table 3.6.4 / 1.4) = 3,153.15 t; CH4 = 44.1 × 0.5 kg/TJ = 22.05 kg;
    N2O = 44.1 × 2 kg/TJ = 88.2 kg (Table 3.6.5);
    residual fuel oil 500 t × 40.4 TJ/Gg = 20.2 TJ × 77,400 kg/TJ (Table 1.4) = 1,563.48 t CO2.
"""

from __future__ import annotations

import polars as pl
import pytest

from ghginv import compile_inventory, inventory_summary
from ghginv.report.provincial import summary_table

from conftest import ROOT, write_activity
from tier1_helpers import compile_rows

ENERGY = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_energy"
DOMESTIC = [dict(sector="1.A.3.a.ii", activity="jet_kerosene", amount=200.0, unit="t"),
            dict(sector="1.A.4.b", activity="diesel", amount=100.0, unit="t")]
BUNKERS = [dict(sector="1.A.3.a.i", activity="jet_kerosene", amount=1000.0, unit="t"),
           dict(sector="1.A.3.d.i", activity="fuel_oil", amount=500.0, unit="t")]


def _total(res, scope: str = "direct") -> pl.DataFrame:
    return res.inventory.filter(pl.col("scope") == scope, pl.col("category") == "TOTAL").sort("gas")


def test_bunkers_are_memo_and_leave_the_national_total_unchanged(tmp_path):
    base = compile_rows(tmp_path, DOMESTIC, factor_set=ENERGY, name="domestic.parquet")
    full = compile_rows(tmp_path, DOMESTIC + BUNKERS, factor_set=ENERGY, name="with_bunkers.parquet")
    # the national total (and sector 1, 1.A, 1.A.3) is the same, bit for bit, with or without bunker fuel
    assert _total(full).select("gas", "emissions_t", "co2e_t").equals(_total(base).select("gas", "emissions_t", "co2e_t"))
    for cat in ("1", "1.A", "1.A.3"):
        a = full.inventory.filter(pl.col("scope") == "direct", pl.col("category") == cat).sort("gas")["co2e_t"].to_list()
        b = base.inventory.filter(pl.col("scope") == "direct", pl.col("category") == cat).sort("gas")["co2e_t"].to_list()
        assert a == b
    em = full.emissions
    bunk = em.filter(pl.col("sector").is_in(["1.A.3.a.i", "1.A.3.d.i"]))
    assert set(bunk["scope"].to_list()) == {"memo"} and bunk.height == 4  # jet kerosene CO2, CH4, N2O; fuel oil CO2
    get = {(r["sector"], r["gas"]): r["emissions_t"] for r in bunk.iter_rows(named=True)}
    assert get[("1.A.3.a.i", "CO2")] == pytest.approx(1000 * 44.1e-3 * 71.5, rel=1e-12)  # 3,153.15 t
    assert get[("1.A.3.a.i", "CH4")] == pytest.approx(44.1 * 0.5e-3, rel=1e-12)  # 22.05 kg
    assert get[("1.A.3.a.i", "N2O")] == pytest.approx(44.1 * 2e-3, rel=1e-12)  # 88.2 kg
    assert get[("1.A.3.d.i", "CO2")] == pytest.approx(500 * 40.4e-3 * 77.4, rel=1e-12)  # 1,563.48 t
    # domestic aviation stays direct
    assert set(em.filter(pl.col("sector") == "1.A.3.a.ii")["scope"].to_list()) == {"direct"}
    # the memo total holds them, in the inventory, with their own category rows
    memo = full.inventory.filter(pl.col("scope") == "memo", pl.col("category") == "1.A.3.a.i", pl.col("gas") == "CO2")
    assert memo["emissions_t"][0] == pytest.approx(3153.15, rel=1e-12)


def test_bunkers_in_the_summary_and_the_provincial_memo_rows(tmp_path):
    act = write_activity(tmp_path / "act.parquet", [dict(year=2024, region="510105", **r) for r in DOMESTIC + BUNKERS])
    res = compile_inventory(activity=[str(act)], factors=[str(ENERGY)], gwp="AR5GWP100", out=tmp_path / "out")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Memo: international bunkers 2024" in html and "not in the total" in html  # the report's memo line
    s = inventory_summary(res)
    rows = {r.label: r.values for r in s.rows}
    bunk_co2e = float(res.emissions.filter(pl.col("scope") == "memo")["co2e_t"].sum())
    assert rows["Memo: international bunkers, aviation and navigation (not in totals)"] == [pytest.approx(bunk_co2e, rel=1e-12)]
    assert "Memo: biogenic CO2 (not in totals)" not in rows  # bunker fuel is fossil: not on the biogenic line
    t = {r["code"]: r for r in summary_table(res.emissions, None, None, res.inventory).iter_rows(named=True)}
    assert t["M1.1"]["CO2_10kt"] == pytest.approx(3153.15 / 1e4, rel=1e-12)
    assert t["M1.2"]["CO2_10kt"] == pytest.approx(1563.48 / 1e4, rel=1e-12)
    assert t["M2"].get("CO2_10kt") is None  # 生物质燃烧二氧化碳: none
    direct = float(_total(res)["co2e_t"].sum())
    assert t["T1"]["co2e_10kt"] == pytest.approx(direct / 1e4, rel=1e-12)  # 总量 = the inventory's TOTAL, bunkers outside
