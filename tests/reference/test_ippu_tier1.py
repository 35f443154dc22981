"""IPPU Tier 1 through ``compile`` with the shipped set ``ipcc2006_ippu`` (2006 IPCC GL Vol 3).

Hand computations from the guideline equations (facts file ../shared/waste-ippu-energy-facts.md §2):
clinker EF (Eq 2.4) = CaO 0.65 × 44.01/56.08 × CKD 1.02 = 0.5203 ≈ 0.52 t CO2/t (EFDB 213926);
glass (Eq 2.13) = 0.20 × (1 − 0.5); refrigeration by the emission-factor approach of Table 7.9.
"""

from __future__ import annotations

from functools import partial

import polars as pl
import pytest

from ghginv.factors import load_factor_set

from conftest import ROOT
from tier1_helpers import compile_rows, emission

IPPU = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_ippu"


_run = partial(compile_rows, factor_set=IPPU)

_val = emission


def test_clinker_ef_reproduces_the_guideline_arithmetic():
    fs = load_factor_set(IPPU)
    clinker = next(r for r in fs.rules if r.activity == "clinker")
    assert clinker.value == 0.52 and clinker.status == "V" and "213926" in clinker.source_locator
    cao, m_co2, m_cao, ckd = 0.65, 44.01, 56.08, 1.02  # EFDB 213926, molar masses, EFDB 213927
    assert cao * m_co2 / m_cao * ckd == pytest.approx(0.5203, abs=5e-5)
    assert round(cao * m_co2 / m_cao * ckd, 2) == clinker.value
    lime = {r.activity: r.value for r in fs.rules if r.activity.startswith("lime")}
    assert lime["lime_high_calcium"] == pytest.approx(round(0.785 * 0.95, 2))  # stoichiometric × CaO (EFDB 23028)
    assert lime["lime"] == pytest.approx(round(0.85 * 0.75 + 0.15 * 0.77, 2))  # Tier 1 mix (EFDB 213928)


def test_mineral_industry(tmp_path):
    res = _run(tmp_path, [
        dict(sector="2.A.1", activity="clinker", amount=1.0, unit="10^4 t"),
        dict(sector="2.A.1", activity="cement_portland", amount=1000.0, unit="t"),
        dict(sector="2.A.2", activity="lime", amount=500.0, unit="t"),
        dict(sector="2.A.3", activity="glass", amount=200.0, unit="t"),
        dict(sector="2.A.4.b", activity="sodium_carbonate", amount=10.0, unit="t"),
    ])
    assert _val(res, "2.A.1", "clinker", "CO2") == pytest.approx(10_000 * 0.52, rel=1e-12)
    assert _val(res, "2.A.1", "cement_portland", "CO2") == pytest.approx(1000 * 0.95 * 0.52, rel=1e-12)
    assert _val(res, "2.A.2", "lime", "CO2") == pytest.approx(500 * 0.75, rel=1e-12)
    assert _val(res, "2.A.3", "glass", "CO2") == pytest.approx(200 * 0.20 * (1 - 0.5), rel=1e-12)
    assert _val(res, "2.A.4.b", "sodium_carbonate", "CO2") == pytest.approx(10 * 0.41492, rel=1e-12)
    inv = res.inventory.filter(pl.col("scope") == "direct", pl.col("gas") == "CO2")
    get = {c: inv.filter(pl.col("category") == c)["emissions_t"][0] for c in ["2", "2.A", "2.A.1", "2.A.2", "2.A.3", "2.A.4", "TOTAL"]}
    assert get["2.A"] == pytest.approx(get["2.A.1"] + get["2.A.2"] + get["2.A.3"] + get["2.A.4"], rel=1e-12)
    assert get["2"] == get["2.A"] == get["TOTAL"]


def test_refrigeration_emission_factor_approach(tmp_path):
    """Stationary A/C with HFC134a: charging k, operating x, disposal p(1 − n) at the Table 7.9 mid-points."""
    res = _run(tmp_path, [
        dict(sector="2.F.1.a", activity="stationary_ac_charge_hfc134a", amount=1000.0, unit="kg"),
        dict(sector="2.F.1.a", activity="stationary_ac_bank_hfc134a", amount=10.0, unit="t"),
        dict(sector="2.F.1.a", activity="stationary_ac_retired_hfc134a", amount=500.0, unit="kg"),
        dict(sector="2.F.1.b", activity="mobile_ac_bank_hfc134a", amount=2000.0, unit="kg"),
        dict(sector="2.G.1", activity="sf6_bank_closed_pressure", amount=1000.0, unit="kg"),
    ])
    k, x, p, n = (0.2 + 1) / 2 / 100, (1 + 10) / 2 / 100, (0 + 80) / 2 / 100, (0 + 80) / 2 / 100  # Table 7.9, res. & comm. A/C
    assert _val(res, "2.F.1.a", "stationary_ac_charge_hfc134a", "HFC134a") == pytest.approx(1.0 * k, rel=1e-9)
    assert _val(res, "2.F.1.a", "stationary_ac_bank_hfc134a", "HFC134a") == pytest.approx(10.0 * x, rel=1e-9)
    assert _val(res, "2.F.1.a", "stationary_ac_retired_hfc134a", "HFC134a") == pytest.approx(0.5 * p * (1 - n), rel=1e-9)
    assert _val(res, "2.F.1.b", "mobile_ac_bank_hfc134a", "HFC134a") == pytest.approx(2.0 * 0.15, rel=1e-9)
    assert _val(res, "2.F.1.b", "mobile_ac_bank_hfc134a", "HFC134a", "co2e_t") == pytest.approx(2.0 * 0.15 * 1300, rel=1e-9)  # AR5 HFC134a
    assert _val(res, "2.G.1", "sf6_bank_closed_pressure", "SF6") == pytest.approx(1.0 * 0.026, rel=1e-12)  # Table 8.3, Europe
    inv = res.inventory.filter(pl.col("scope") == "direct")
    f1 = inv.filter(pl.col("category") == "2.F.1")
    assert f1["gas"].to_list() == ["HFC134a"]
    assert f1["co2e_t"][0] == pytest.approx(inv.filter(pl.col("category").is_in(["2.F.1.a", "2.F.1.b"]))["co2e_t"].sum(), rel=1e-12)
    total = inv.filter(pl.col("category") == "TOTAL")
    assert sorted(total["gas"].to_list()) == ["HFC134a", "SF6"]


def test_every_ippu_row_is_cited():
    fs = load_factor_set(IPPU)
    for r in fs.rules:
        if r.sector.startswith(("2.B", "2.C")) and "EFDB" not in r.source_locator:  # issue 7 rows: other transcriptions (test_ippu_more.py)
            assert r.status in ("V2", "S", "D") and r.source and r.source_locator
            continue
        assert r.status in ("V", "D") and r.source and ("EFDB" in r.source_locator)
        if r.status == "D":
            assert r.notes, r
