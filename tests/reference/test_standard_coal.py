"""Reference case R2e: standard coal (标准煤) coefficients and the kgce unit.

Source: GB/T 2589—2020 综合能耗计算通则, Appendix A (via a secondary table; see
cn_gbt2589_2020): raw coal 0.7143 kgce/kg, electricity 0.1229 kgce/kWh (equivalent
value); 1 kgce = 7,000 kcal_IT = 29,307.6 kJ. See /work/shared/reference-cases.md.
"""

from __future__ import annotations

import pytest

from ghginv import load_factor_set, parse_unit
from ghginv.core.units import KGCE_KJ, convert_factor

from conftest import ROOT

GBT2589 = ROOT / "ghginv" / "data" / "factor_sets" / "cn_gbt2589_2020"


@pytest.fixture(scope="module")
def gbt2589():
    return load_factor_set(GBT2589)


def _rule(fs, activity, quantity):
    rules = [r for r in fs.rules if r.kind == "conv" and r.activity == activity and r.key == quantity]
    assert len(rules) == 1, (activity, quantity, rules)
    return rules[0]


def test_r2e_kgce_is_29307_6_kj():
    """R2e — GB/T 2589-2020: 1 kgce = 7,000 kcal_IT = 29,307.6 kJ; 1 tce = 29.3076 GJ."""
    assert KGCE_KJ == pytest.approx(29307.6, rel=1e-15)
    assert convert_factor(1.0, "kgce", "kJ") == pytest.approx(29307.6, rel=1e-14)
    assert convert_factor(1.0, "kgce", "MJ") == pytest.approx(29.3076, rel=1e-14)
    assert convert_factor(1.0, "tce", "GJ") == pytest.approx(29.3076, rel=1e-14)
    assert convert_factor(1.0, "kgce", "kcal") == pytest.approx(7000.0, rel=1e-14)
    assert convert_factor(1.0, "tce", "kgce") == pytest.approx(1000.0, rel=1e-14)
    assert parse_unit("吨标准煤").scale == parse_unit("tce").scale
    assert parse_unit("千克标准煤").scale == parse_unit("kgce").scale
    assert parse_unit("10^4 tce").scale == pytest.approx(29.3076e4, rel=1e-14)


def test_r2e_raw_coal(gbt2589):
    """R2e — GB/T 2589-2020 Appendix A row 原煤: 0.7143 kgce/kg = 20,934.4 kJ/kg (= 0.7143 × 29,307.6)."""
    r = _rule(gbt2589, "raw_coal", "standard_coal")
    assert (r.value, r.unit, r.region, r.status) == (0.7143, "kgce/kg", "*", "S")
    # value_norm: GJ of standard coal per t of raw coal
    assert r.value_norm == pytest.approx(0.7143 * 29.3076, rel=1e-12)
    assert convert_factor(r.value, r.unit, "kJ/kg") == pytest.approx(0.7143 * 29307.6, rel=1e-12)
    assert convert_factor(r.value, r.unit, "tce/t") == pytest.approx(0.7143, rel=1e-12)
    assert convert_factor(r.value, r.unit, "tce/10^4 t") == pytest.approx(7143.0, rel=1e-12)


def test_r2e_electricity_equivalent_value(gbt2589):
    """R2e — GB/T 2589-2020 Appendix A row 电力(当量值): 0.1229 kgce/kWh; the equivalent value is
    3,600 kJ/kWh ÷ 29,307.6 kJ/kgce = 0.12284, printed 0.1229 (so ~1 GJ per GJ)."""
    r = _rule(gbt2589, "electricity", "standard_coal")
    assert (r.value, r.unit) == (0.1229, "kgce/kWh")
    assert r.den_dim == "energy"
    assert r.value_norm == pytest.approx(0.1229 * 29.3076 / 3.6, rel=1e-12)
    assert 3600 / 29307.6 == pytest.approx(0.12284, abs=5e-6)
    assert r.value_norm == pytest.approx(1.0, abs=1e-3)  # energy-equivalent: ~1 GJ standard coal per GJ
    assert convert_factor(r.value, r.unit, "tce/10^4 kWh") == pytest.approx(1.229, rel=1e-12)
    assert convert_factor(r.value, r.unit, "tce/10^8 kWh") == pytest.approx(12290.0, rel=1e-12)


def test_r2e_standard_coal_matches_ncv(gbt2589):
    """R2e — GB/T 2589-2020 Appendix A: for every fuel with both an NCV and a standard-coal
    coefficient, coefficient × 29,307.6 kJ/kgce equals the NCV within 0.5 % (the table rounds
    coefficients to 4 digits and some to 5,000/7,000-kcal conventions)."""
    ncv = {r.activity: r for r in gbt2589.rules if r.kind == "conv" and r.key == "ncv"}
    sc = {r.activity: r for r in gbt2589.rules if r.kind == "conv" and r.key == "standard_coal"}
    both = sorted(set(ncv) & set(sc))
    assert {"raw_coal", "coke", "diesel", "natural_gas", "lng"} <= set(both)
    for a in both:
        assert ncv[a].den_dim == sc[a].den_dim, a
        assert sc[a].value_norm == pytest.approx(ncv[a].value_norm, rel=5e-3), a


def test_r2e_every_standard_coal_row_is_energy_per_quantity(gbt2589):
    """R2e — the set's standard_coal rows all load with an energy numerator (kgce/tce)."""
    rows = [r for r in gbt2589.rules if r.key == "standard_coal"]
    assert len(rows) >= 15
    for r in rows:
        assert parse_unit(r.unit.split("/")[0]).dimension == "energy", r
        assert r.value_norm > 0
