"""Rice cultivation, manure-management N2O, liming and urea (2006 IPCC GL Vol 4 Ch 5, 10, 11; Tier 1)
through ``compile`` with the shipped set ``ipcc2006_agriculture`` (rows added for issue 7).

Hand computations from the guideline equations:
- rice (Eq 5.1/5.2): CH4 = A × t × EF_c × SF_w × SF_p (SF_o = SF_s,r = 1), EF_c 1.30 kg CH4/ha/day;
  the activity is harvested area × cultivation period in ha·d;
- manure N2O (Eq 10.25): N2O = N × Nex × EF3 × 44/28 with Nex = N_rate × TAM/1000 × 365; indirect
  from volatilisation (3.C.6): N × Nex × Frac_GasMS × EF4 × 44/28;
- liming (Eq 11.12) and urea (Eq 11.13): all carbonate / urea carbon is emitted as CO2.
Sources and statuses: ghginv/data/factor_sets/README.md, section ``ipcc2006_agriculture``; afolu-facts §6.
"""

from __future__ import annotations

from functools import partial

import polars as pl
import pytest

from ghginv.core.errors import ConversionError, ValidationError
from ghginv.core.units import convert_factor, parse_unit
from ghginv.factors import load_factor_set

from conftest import ROOT
from tier1_helpers import compile_rows, emission

AGRI = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_agriculture"


_run = partial(compile_rows, factor_set=AGRI)

_val = emission


@pytest.fixture(scope="module")
def rules():
    return {(r.activity, r.sector, r.key): r for r in load_factor_set(AGRI).rules}


def test_hectare_day_unit():
    u = parse_unit("ha·d")
    assert u.dimension == "area_time" and u.scale == 1.0
    for alias in ("ha*d", "ha d", "ha-day", "公顷·天"):
        assert (parse_unit(alias).dimension, parse_unit(alias).scale) == ("area_time", 1.0)
    assert parse_unit("10^4 ha·d").scale == 1e4
    assert convert_factor(1.3, "kg/ha·d", "t/ha·d") == pytest.approx(1.3e-3)


def test_rice_rows_are_products_of_the_scaling_factors(rules):
    sf_w = {"continuously_flooded": 1.00, "single_aeration": 0.60, "multiple_aeration": 0.52, "rainfed_regular": 0.28,
            "rainfed_drought_prone": 0.25, "deep_water": 0.31}  # Table 5.12
    sf_p = {"pre_dry_short": 1.00, "pre_dry_long": 0.68, "pre_flooded": 1.90}  # Table 5.13
    rice = {a: r for (a, s, g), r in rules.items() if s == "3.C.7"}
    assert len(rice) == len(sf_w) * len(sf_p) + 1 and rice["rice_upland"].value == 0
    for w, fw in sf_w.items():
        for p, fp in sf_p.items():
            r = rice[f"rice_{w}_{p}"]
            assert r.value == pytest.approx(1.30 * fw * fp, abs=1e-12) and r.status == "D" and r.unit == "kg/ha·d"
            assert "Table 5.11" in r.source_locator and "Table 5.12" in r.source_locator and "Table 5.13" in r.source_locator


def test_manure_n2o_rows_follow_eq_10_25(rules):
    nex = {"dairy_cattle": 0.47 * 350, "other_cattle": 0.34 * 319, "buffalo": 0.32 * 380, "swine": 0.50 * 28,
           "sheep": 1.17 * 28, "goats": 1.37 * 30, "poultry": 0.82 * 1.8}  # N_rate (Table 10.19 Asia) × TAM
    ef3 = {"solid_storage": 0.005, "dry_lot": 0.02, "liquid_slurry_crust": 0.005, "liquid_slurry_no_crust": 0,
           "pit_storage": 0.002, "anaerobic_lagoon": 0, "daily_spread": 0, "deep_bedding_no_mixing": 0.01,
           "deep_bedding_active_mixing": 0.07, "composting_in_vessel": 0.006, "composting_static_pile": 0.006,
           "composting_intensive_windrow": 0.01, "anaerobic_digester": 0,
           "with_litter": 0.001, "without_litter": 0.001}  # Table 10.21
    manure = {a: r for (a, s, g), r in rules.items() if s == "3.A.2" and g == "N2O"}
    assert len(manure) == 6 * 13 + 2
    for code, r in manure.items():
        animal = next(a for a in nex if code.startswith(a + "_manure_"))
        system = code.removeprefix(animal + "_manure_")
        expected = nex[animal] / 1000 * 365 * ef3[system] * 44 / 28
        assert r.value == pytest.approx(expected, abs=5e-9), code
        assert r.status == "D" and "Table 10.19" in r.source_locator and "Table 10.21" in r.source_locator
    # 3.C.6: the same codes, Frac_GasMS of Table 10.22 × EF4 0.010 (Table 11.3); only where the table has a row
    indirect = {a: r for (a, s, g), r in rules.items() if s == "3.C.6"}
    assert set(indirect) <= set(manure) and len(indirect) == 23
    frac_gas = {"dairy_cattle_manure_solid_storage": 0.30, "swine_manure_liquid_slurry_no_crust": 0.48,
                "poultry_manure_without_litter": 0.55, "sheep_manure_deep_bedding_active_mixing": 0.25}
    for code, fg in frac_gas.items():
        animal = next(a for a in nex if code.startswith(a + "_manure_"))
        assert indirect[code].value == pytest.approx(nex[animal] / 1000 * 365 * fg * 0.010 * 44 / 28, abs=5e-9), code
        assert "Table 10.22" in indirect[code].source_locator and "Table 11.3" in indirect[code].source_locator


def test_rice_manure_liming_urea_through_compile(tmp_path):
    res = _run(tmp_path, [
        # 100 ha × 120 days, intermittently flooded (single aeration), non-flooded pre-season < 180 d
        dict(sector="3.C.7", activity="rice_single_aeration_pre_dry_short", amount=100 * 120, unit="ha·d"),
        dict(sector="3.C.7", activity="rice_continuously_flooded_pre_flooded", amount=1.2, unit="10^4 ha d"),
        dict(sector="3.A.2", activity="dairy_cattle_manure_solid_storage", amount=200.0, unit="head"),
        dict(sector="3.A.2", activity="swine_manure_liquid_slurry_crust", amount=1000.0, unit="头"),
        dict(sector="3.C.6", activity="dairy_cattle_manure_solid_storage", amount=200.0, unit="head"),
        dict(sector="3.A.2", activity="dairy_cattle", amount=200.0, unit="head"),  # manure CH4, Chengdu column
        dict(sector="3.C.2", activity="limestone_liming", amount=100.0, unit="t"),
        dict(sector="3.C.2", activity="dolomite_liming", amount=50.0, unit="t"),
        dict(sector="3.C.3", activity="urea_applied", amount=1.0, unit="t"),
    ])
    rice1 = 100 * 120 * 1.30 * 0.60 / 1000  # t CH4 = 9.36
    rice2 = 12_000 * 1.30 * 1.00 * 1.90 / 1000
    assert _val(res, "3.C.7", "rice_single_aeration_pre_dry_short", "CH4") == pytest.approx(rice1, rel=1e-12)
    assert rice1 == pytest.approx(9.36)
    assert _val(res, "3.C.7", "rice_continuously_flooded_pre_flooded", "CH4") == pytest.approx(rice2, rel=1e-12)
    # Eq 10.25: 200 head × 0.47 × 350/1000 × 365 kg N × 0.005 × 44/28 = 94.35 kg N2O
    dairy = 200 * (0.47 * 350 / 1000 * 365) * 0.005 * 44 / 28 / 1000
    assert dairy == pytest.approx(0.0943525, rel=1e-6)
    assert _val(res, "3.A.2", "dairy_cattle_manure_solid_storage", "N2O") == pytest.approx(dairy, rel=1e-7)
    swine = 1000 * (0.50 * 28 / 1000 * 365) * 0.005 * 44 / 28 / 1000
    assert _val(res, "3.A.2", "swine_manure_liquid_slurry_crust", "N2O") == pytest.approx(swine, rel=1e-7)
    assert _val(res, "3.A.2", "dairy_cattle", "CH4") == pytest.approx(200 * 14 / 1000, rel=1e-12)
    # indirect: 200 × 60.0425 kg N × Frac_GasMS 0.30 × EF4 0.010 × 44/28 = 56.61 kg N2O
    dairy_ind = 200 * (0.47 * 350 / 1000 * 365) * 0.30 * 0.010 * 44 / 28 / 1000
    assert _val(res, "3.C.6", "dairy_cattle_manure_solid_storage", "N2O") == pytest.approx(dairy_ind, rel=1e-7)
    assert _val(res, "3.C.2", "limestone_liming", "CO2") == pytest.approx(100 * 0.43971, rel=1e-12)
    assert _val(res, "3.C.2", "dolomite_liming", "CO2") == pytest.approx(50 * 0.47732, rel=1e-12)
    # Eq 11.13: all urea carbon leaves as CO2 (0.733 t CO2/t; stoichiometry 44.01/60.06 = 0.7328)
    assert _val(res, "3.C.3", "urea_applied", "CO2") == pytest.approx(0.733, rel=1e-12)
    assert 44.01 / 60.06 == pytest.approx(0.733, abs=5e-4)
    inv = res.inventory.filter(pl.col("scope") == "direct")

    def cat(c, gas):
        return inv.filter(pl.col("category") == c, pl.col("gas") == gas)["emissions_t"][0]

    assert cat("3.C.7", "CH4") == pytest.approx(rice1 + rice2, rel=1e-12)
    assert cat("3.C", "CO2") == pytest.approx(cat("3.C.2", "CO2") + cat("3.C.3", "CO2"), rel=1e-12)
    assert cat("3.A.2", "N2O") == pytest.approx(dairy + swine, rel=1e-7)
    assert cat("3", "N2O") == pytest.approx(dairy + swine + dairy_ind, rel=1e-7)
    assert cat("3", "CH4") == pytest.approx(cat("3.A.2", "CH4") + cat("3.C.7", "CH4"), rel=1e-12)


def test_bad_input_is_refused_with_the_row_named(tmp_path):
    with pytest.raises(ValidationError, match="unknown activity 'rice_flooded'"):
        _run(tmp_path, [dict(sector="3.C.7", activity="rice_flooded", amount=1.0, unit="ha·d")], name="a1.parquet")
    # rice needs area × days: a bare area has no conversion to the factor's ha·d
    with pytest.raises(ConversionError, match="rice_single_aeration_pre_dry_short.*'ha'.*area_time"):
        _run(tmp_path, [dict(sector="3.C.7", activity="rice_single_aeration_pre_dry_short", amount=100.0, unit="ha")], name="a2.parquet")
    with pytest.raises(ValidationError, match="unknown unit 'ha·week'"):
        _run(tmp_path, [dict(sector="3.C.7", activity="rice_single_aeration_pre_dry_short", amount=1.0, unit="ha·week")], name="a3.parquet")
    with pytest.raises(ConversionError, match="urea_applied.*'head'"):
        _run(tmp_path, [dict(sector="3.C.3", activity="urea_applied", amount=1.0, unit="head")], name="a4.parquet")
