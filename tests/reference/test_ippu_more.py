"""Chemical industry and iron and steel (2006 IPCC GL Vol 3 Ch 3-4, Tier 1) through ``compile``
with the shipped set ``ipcc2006_ippu`` (rows added for issue 7).

Hand computations from the guideline equations: emissions = production × default factor
(ammonia, Table 3.1; nitric acid by plant type, Table 3.3; adipic acid, Table 3.4; iron and steel
by route, Table 4.1: E = BOF × EF_BOF + EAF × EF_EAF + OHF × EF_OHF + IP × EF_IP + DRI × EF_DRI
+ sinter × EF_sinter, where IP is pig iron not converted to steel). Sources and statuses:
ghginv/data/factor_sets/README.md, section ``ipcc2006_ippu``.
"""

from __future__ import annotations

from functools import partial

import polars as pl
import pytest

from ghginv.core.errors import ConversionError, MissingFactorError, ValidationError
from ghginv.factors import load_factor_set

from conftest import ROOT
from tier1_helpers import compile_rows, emission

IPPU = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_ippu"
N2O_AR5 = 265  # AR5 GWP100 of N2O


_run = partial(compile_rows, factor_set=IPPU)

_val = emission


@pytest.fixture(scope="module")
def rules():
    fs = load_factor_set(IPPU)
    return {(r.activity, r.sector, r.key): r for r in fs.rules}


def test_new_rows_are_cited_and_derived_rows_reproduce_their_arithmetic(rules):
    new = [r for k, r in rules.items() if k[1] in ("2.B.1", "2.B.2", "2.B.3", "2.C.1")]
    assert len(new) == 13
    for r in new:
        assert r.status in ("V2", "S", "D") and r.source and r.source_locator
        assert "Table 3." in r.source_locator or "Table 4.1" in r.source_locator
    # BOF and OHF: ClimateView stores the increment over iron production (110,000 and 370,000 g/t)
    pig = rules[("pig_iron", "2.C.1", "CO2")].value
    assert pig == 1.35
    assert rules[("steel_bof", "2.C.1", "CO2")].value == pytest.approx(0.11 + pig, abs=1e-12)
    assert rules[("steel_ohf", "2.C.1", "CO2")].value == pytest.approx(0.37 + pig, abs=1e-12)
    assert rules[("steel_bof", "2.C.1", "CO2")].status == rules[("steel_ohf", "2.C.1", "CO2")].status == "D"
    # adipic acid: 79,500,000 g CO2e/t (Table 3.4) ÷ AR5 GWP 265 = 300 kg N2O/t
    assert rules[("adipic_acid", "2.B.3", "N2O")].value == pytest.approx(79_500_000 / N2O_AR5 / 1000, abs=1e-9)
    # nitric acid: the abated plants emit less than any unabated pressure class
    nitric = {a: rules[(a, "2.B.2", "N2O")].value for a, s, g in rules if s == "2.B.2"}
    assert nitric == {"nitric_acid_nscr": 2, "nitric_acid_n2o_destruction": 2.5, "nitric_acid_atmospheric_pressure": 5,
                      "nitric_acid_medium_pressure": 7, "nitric_acid_high_pressure": 9}


def test_chemical_industry(tmp_path):
    res = _run(tmp_path, [
        dict(sector="2.B.1", activity="ammonia", amount=50.0, unit="kt"),
        dict(sector="2.B.2", activity="nitric_acid_high_pressure", amount=20_000.0, unit="t"),
        dict(sector="2.B.2", activity="nitric_acid_nscr", amount=1.0, unit="10^4 t"),
        dict(sector="2.B.3", activity="adipic_acid", amount=100.0, unit="t"),
    ])
    assert _val(res, "2.B.1", "ammonia", "CO2") == pytest.approx(50_000 * 2.104, rel=1e-12)  # Table 3.1
    # N2O = production × EF (kg N2O / t 100 % HNO3) / 1000
    assert _val(res, "2.B.2", "nitric_acid_high_pressure", "N2O") == pytest.approx(20_000 * 9 / 1000, rel=1e-12)
    assert _val(res, "2.B.2", "nitric_acid_nscr", "N2O") == pytest.approx(10_000 * 2 / 1000, rel=1e-12)
    assert _val(res, "2.B.3", "adipic_acid", "N2O") == pytest.approx(100 * 300 / 1000, rel=1e-12)
    assert _val(res, "2.B.3", "adipic_acid", "N2O", "co2e_t") == pytest.approx(30 * N2O_AR5, rel=1e-12)
    inv = res.inventory.filter(pl.col("scope") == "direct")
    n2o = {c: inv.filter(pl.col("category") == c, pl.col("gas") == "N2O")["emissions_t"][0] for c in ["2", "2.B", "2.B.2", "2.B.3"]}
    assert n2o["2.B"] == pytest.approx(n2o["2.B.2"] + n2o["2.B.3"], rel=1e-12)
    assert n2o["2.B"] == pytest.approx(180 + 20 + 30, rel=1e-12)
    assert n2o["2"] == n2o["2.B"]


def test_iron_and_steel_by_route(tmp_path):
    res = _run(tmp_path, [
        dict(sector="2.C.1", activity="steel_eaf", amount=1000.0, unit="t"),
        dict(sector="2.C.1", activity="steel_bof", amount=2.0, unit="10^4 t"),
        dict(sector="2.C.1", activity="steel_ohf", amount=500.0, unit="t"),
        dict(sector="2.C.1", activity="pig_iron", amount=300.0, unit="t"),
        dict(sector="2.C.1", activity="dri", amount=400.0, unit="t"),
        dict(sector="2.C.1", activity="sinter", amount=5.0, unit="kt"),
    ])
    assert _val(res, "2.C.1", "steel_eaf", "CO2") == pytest.approx(1000 * 0.08, rel=1e-12)  # 80 t CO2
    assert _val(res, "2.C.1", "steel_bof", "CO2") == pytest.approx(20_000 * 1.46, rel=1e-12)
    total = 1000 * 0.08 + 20_000 * 1.46 + 500 * 1.72 + 300 * 1.35 + 400 * 0.70 + 5000 * 0.20  # Table 4.1 by route
    inv = res.inventory.filter(pl.col("scope") == "direct", pl.col("gas") == "CO2")
    got = {c: inv.filter(pl.col("category") == c)["emissions_t"][0] for c in ["2", "2.C", "2.C.1"]}
    assert got["2.C.1"] == pytest.approx(total, rel=1e-12)
    assert got["2"] == got["2.C"] == got["2.C.1"]


def test_bad_input_is_refused_with_the_row_named(tmp_path):
    with pytest.raises(ValidationError, match="unknown activity 'steel_bf'.*did you mean"):
        _run(tmp_path, [dict(sector="2.C.1", activity="steel_bf", amount=1.0, unit="t")])
    with pytest.raises(ConversionError, match="steel_eaf.*'ha'"):
        _run(tmp_path, [dict(sector="2.C.1", activity="steel_eaf", amount=1.0, unit="ha")])
    with pytest.raises(MissingFactorError, match="nitric_acid_nscr', sector 2.B.1"):  # right code, wrong category
        _run(tmp_path, [dict(sector="2.B.1", activity="nitric_acid_nscr", amount=1.0, unit="t")])
