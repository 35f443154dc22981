"""Fugitive emissions from natural gas distribution (1.B.2.b), Tier 1: 2006 IPCC GL Vol 2 Ch 4, Eq 4.2.1
with the gas-distribution factors of Table 4.2.5 (developing countries and countries with economies
in transition) per 10^6 m^3 of utility sales, read in the IPCC EFDB (EFDB 124791 CH4, 124792 CO2).

Table 4.2.5 gives a range; the shipped factor is its mid-point (status D):
CH4 (0.0011 + 0.0025) / 2 = 0.0018 Gg per 10^6 m^3; CO2 (0.000051 + 0.00014) / 2 = 0.0000955 Gg per 10^6 m^3.

Hand calculation for a gas utility selling 5,000 × 10^4 m^3 (= 50 × 10^6 m^3) a year:
CH4 = 50 × 0.0018 Gg = 0.09 Gg = 90 t; CO2 = 50 × 0.0000955 Gg = 4.775 t;
CO2e (AR5, CH4 GWP 28) = 90 × 28 + 4.775 = 2,524.775 t.
"""

from __future__ import annotations

import polars as pl
import pytest

from ghginv import load_factor_set
from ghginv.report.provincial import summary_table

from conftest import ROOT
from tier1_helpers import compile_rows, emission

ENERGY = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_energy"


def test_distribution_factors_cite_table_4_2_5():
    fs = load_factor_set(ENERGY)
    rows = {r.key: r for r in fs.rules if r.activity == "gas_utility_sales"}
    assert rows["CH4"].value == pytest.approx((0.0011 + 0.0025) / 2) and "124791" in rows["CH4"].source_locator
    assert rows["CO2"].value == pytest.approx((0.000051 + 0.00014) / 2) and "124792" in rows["CO2"].source_locator
    assert all(r.status == "D" and "Table 4.2.5" in r.source_locator and r.sector == "1.B.2.b" for r in rows.values())
    assert fs.activities["gas_utility_sales"]["fuel_class"] == "other"  # not a fuel burnt: no tce, no combustion CO2


def test_gas_utility_hand_calculation(tmp_path):
    res = compile_rows(tmp_path, [dict(sector="1.B.2.b", activity="gas_utility_sales", amount=5000.0, unit="10^4 m^3")],
                       factor_set=ENERGY)
    assert emission(res, "1.B.2.b", "gas_utility_sales", "CH4") == pytest.approx(90.0, rel=1e-12)
    assert emission(res, "1.B.2.b", "gas_utility_sales", "CO2") == pytest.approx(4.775, rel=1e-12)
    inv = res.inventory.filter(pl.col("scope") == "direct", pl.col("category") == "1.B")
    assert inv["co2e_t"].sum() == pytest.approx(90.0 * 28 + 4.775, rel=1e-12)
    t = {r["code"]: r for r in summary_table(res.emissions, None, None, res.inventory).iter_rows(named=True)}
    assert t["1.4"]["CH4_10kt"] == pytest.approx(90.0 / 1e4, rel=1e-12)  # 油气系统逃逸
    assert t["1.4"]["CO2_10kt"] == pytest.approx(4.775 / 1e4, rel=1e-12)
