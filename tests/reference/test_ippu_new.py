"""The industrial-process categories added for issue 22 (2006 IPCC GL Vol 3 Ch 3-7), through ``compile``
with the shipped set ``ipcc2006_ippu``.

One hand-derived case per category, each naming the equation and table it follows; the factor values
were read in the IPCC Emission Factor Database export (EF IDs in the rows' ``source_locator``;
ghginv/data/factor_sets/README.md, section ``ipcc2006_ippu``). Derived (D) rows are checked against
the equations of :mod:`ghginv.methods.ippu_tier2` at the IPCC default parameters.
"""

from __future__ import annotations

from functools import partial

import polars as pl
import pytest

from ghginv.core.categories import is_category
from ghginv.core.errors import UnknownGwpError, ValidationError
from ghginv.core.i18n import CATEGORY_ZH
from ghginv.factors import load_factor_set
from ghginv.methods.ippu_tier2 import (
    electronics_byproduct_kg,
    electronics_tier2_kg,
    hfc23_emitted_kg,
    non_energy_co2_t,
)

from conftest import ROOT
from tier1_helpers import compile_rows, emission

IPPU = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_ippu"
NEW_SECTORS = ("2.B.5", "2.B.7", "2.B.9.a", "2.B.9.b", "2.C.2", "2.C.3", "2.C.4", "2.C.5", "2.C.6", "2.D.1", "2.D.2",
               "2.E.1", "2.E.2", "2.E.3", "2.E.4", "2.F.2", "2.F.4", "2.F.5", "2.F.*")

_run = partial(compile_rows, factor_set=IPPU)
_val = emission


@pytest.fixture(scope="module")
def fs():
    return load_factor_set(IPPU)


@pytest.fixture(scope="module")
def rules(fs):
    return {(r.activity, r.sector, r.key): r for r in fs.rules}


def _unit(sector: str, activity: str) -> str:
    if activity.endswith("_area"):
        return "m^2"
    if sector.startswith(("2.B.9", "2.E", "2.F")) or activity.startswith(("hcfc22", "sf6_produced")):
        return "kg"
    return "t"


def _cat(sector: str) -> str:
    return "2.F.3" if sector == "2.F.*" else sector


def test_every_new_activity_compiles_from_the_shipped_set(tmp_path, fs, rules):
    new = sorted({(a, s) for a, s, _ in rules if s in NEW_SECTORS})
    assert len({a for a, _ in new}) >= 100
    rows = [dict(sector=_cat(s), activity=a, amount=1000.0, unit=_unit(s, a)) for a, s in new]
    res = _run(tmp_path, rows)
    got = res.emissions.group_by("activity", "sector", "gas").agg(pl.col("emissions_t").sum())
    for a, s in new:
        gases = {g for (aa, ss, g) in rules if aa == a and ss == s}
        hit = got.filter(pl.col("activity") == a, pl.col("sector") == _cat(s))
        assert set(hit["gas"].to_list()) == gases, a
        assert (hit["emissions_t"] > 0).all(), a
    for a, s in new:  # every new row is cited, never recalled, and every activity named in both languages
        for (aa, ss, _g), r in rules.items():
            if aa == a and ss == s:
                assert r.status in ("V", "D") and "EFDB" in r.source_locator and r.source.startswith("2006 IPCC GL Vol 3")
        meta = fs.activities[a]
        assert meta["name_en"] and meta["name_zh"] and meta["fuel_class"] == "other"
    # every direct-scope CO2e is in the inventory's IPPU total
    inv = res.inventory.filter(pl.col("scope") == "direct", pl.col("category") == "2")
    assert inv["co2e_t"].sum() == pytest.approx(res.emissions.filter(pl.col("scope") == "direct")["co2e_t"].sum(), rel=1e-9)


def test_calcium_and_silicon_carbide(tmp_path):
    # 2006 GL Vol 3 Ch 3 Eq 3.11, Table 3.8: 1,000 t carbide × 1.090 t/t = 1,090 t CO2;
    # Table 3.7: 200 t SiC × 2.62 = 524 t CO2 and × 11.6 kg/t = 2.32 t CH4
    res = _run(tmp_path, [dict(sector="2.B.5", activity="calcium_carbide", amount=1000.0, unit="t"),
                          dict(sector="2.B.5", activity="calcium_carbide_used_acetylene", amount=100.0, unit="t"),
                          dict(sector="2.B.5", activity="silicon_carbide", amount=200.0, unit="t")])
    assert _val(res, "2.B.5", "calcium_carbide", "CO2") == pytest.approx(1090.0, rel=1e-12)
    assert _val(res, "2.B.5", "calcium_carbide_used_acetylene", "CO2") == pytest.approx(110.0, rel=1e-12)
    assert _val(res, "2.B.5", "silicon_carbide", "CO2") == pytest.approx(524.0, rel=1e-12)
    assert _val(res, "2.B.5", "silicon_carbide", "CH4") == pytest.approx(2.32, rel=1e-12)


def test_soda_ash(tmp_path):
    # Eq 3.14 (p. 3.52): 10^4 t natural soda ash × 0.138 = 1,380 t CO2; 5,000 t trona × 0.097 = 485 t CO2
    res = _run(tmp_path, [dict(sector="2.B.7", activity="soda_ash_natural", amount=1.0, unit="10^4 t"),
                          dict(sector="2.B.7", activity="trona_used", amount=5000.0, unit="t")])
    assert _val(res, "2.B.7", "soda_ash_natural", "CO2") == pytest.approx(1380.0, rel=1e-12)
    assert _val(res, "2.B.7", "trona_used", "CO2") == pytest.approx(485.0, rel=1e-12)


def test_hcfc22_hfc23_tier1_and_measured_rate(tmp_path):
    # Eq 3.30, Table 3.28: 20,000 t HCFC-22 × 0.04 kg/kg = 800 t HFC-23 (Tier 1);
    # a plant's measured rate: 20,000 t × 0.025 − 300 t destroyed = 200 t HFC-23
    measured_kg = hfc23_emitted_kg(20_000_000.0, 0.025, recovered_kg=300_000.0)
    assert measured_kg == pytest.approx(200_000.0, rel=1e-12)
    res = _run(tmp_path, [dict(sector="2.B.9.a", activity="hcfc22_produced", amount=20_000.0, unit="t"),
                          dict(sector="2.B.9.a", activity="hcfc22_produced_recent_design", amount=1000.0, unit="t"),
                          dict(sector="2.B.9.a", activity="hfc23_emitted_measured", amount=measured_kg, unit="kg")])
    assert _val(res, "2.B.9.a", "hcfc22_produced", "HFC23") == pytest.approx(800.0, rel=1e-12)
    assert _val(res, "2.B.9.a", "hcfc22_produced_recent_design", "HFC23") == pytest.approx(30.0, rel=1e-12)
    assert _val(res, "2.B.9.a", "hfc23_emitted_measured", "HFC23") == pytest.approx(200.0, rel=1e-12)
    # AR5 GWP100 of HFC-23 is 12,400 (AR5 WG1 Table 8.A.1)
    assert _val(res, "2.B.9.a", "hcfc22_produced", "HFC23", "co2e_t") == pytest.approx(800.0 * 12_400, rel=1e-12)
    inv = res.inventory.filter(pl.col("scope") == "direct", pl.col("gas") == "HFC23")
    sums = {c: inv.filter(pl.col("category") == c)["emissions_t"][0] for c in ("2.B.9.a", "2.B.9", "2.B")}
    assert sums["2.B.9.a"] == sums["2.B.9"] == sums["2.B"] == pytest.approx(1030.0, rel=1e-12)
    with pytest.raises(ValidationError, match="exceeds the HFC-23 generated"):
        hfc23_emitted_kg(1000.0, 0.02, recovered_kg=21.0)


def test_fluorochemical_fugitives(tmp_path):
    # Eq 3.41, p. 3.104: 0.5 % of the gas produced: 10,000 t HFC-134a → 50 t; SF6 (Eq 3.41) 0.2 %: 1,000 t → 2 t
    res = _run(tmp_path, [dict(sector="2.B.9.b", activity="fluorochemical_produced_hfc134a", amount=10_000.0, unit="t"),
                          dict(sector="2.B.9.b", activity="sf6_produced", amount=1000.0, unit="t")])
    assert _val(res, "2.B.9.b", "fluorochemical_produced_hfc134a", "HFC134a") == pytest.approx(50.0, rel=1e-12)
    assert _val(res, "2.B.9.b", "sf6_produced", "SF6") == pytest.approx(2.0, rel=1e-12)


def test_ferroalloys(tmp_path):
    # Eq 4.15, Table 4.5: 1,000 t FeSi 75 × 4.0 = 4,000 t CO2; Eq 4.18, Table 4.7: × 1.0 kg CH4/t = 1 t CH4;
    # 500 t SiMn × 1.4 = 700 t CO2 (Table 4.7 has no SiMn CH4)
    res = _run(tmp_path, [dict(sector="2.C.2", activity="ferrosilicon_75", amount=1000.0, unit="t"),
                          dict(sector="2.C.2", activity="silicomanganese", amount=500.0, unit="t")])
    assert _val(res, "2.C.2", "ferrosilicon_75", "CO2") == pytest.approx(4000.0, rel=1e-12)
    assert _val(res, "2.C.2", "ferrosilicon_75", "CH4") == pytest.approx(1.0, rel=1e-12)
    assert _val(res, "2.C.2", "silicomanganese", "CO2") == pytest.approx(700.0, rel=1e-12)
    assert res.emissions.filter(pl.col("activity") == "silicomanganese").height == 1


def test_aluminium_by_anode_and_cell_type(tmp_path):
    # Eq 4.20, Table 4.10: CO2 1.6 t/t (prebake), 1.7 t/t (Soderberg); Eq 4.25, Table 4.15 by cell technology:
    # 100,000 t Al in CWPB cells → 160,000 t CO2, 0.4 kg CF4/t → 40 t CF4, 0.04 kg C2F6/t → 4 t C2F6;
    # 10,000 t Al in HSS cells → 17,000 t CO2, 4 t CF4, 0.3 t C2F6
    res = _run(tmp_path, [dict(sector="2.C.3", activity="aluminium_cwpb", amount=10.0, unit="10^4 t"),
                          dict(sector="2.C.3", activity="aluminium_hss", amount=10_000.0, unit="t")])
    assert _val(res, "2.C.3", "aluminium_cwpb", "CO2") == pytest.approx(160_000.0, rel=1e-12)
    assert _val(res, "2.C.3", "aluminium_cwpb", "CF4") == pytest.approx(40.0, rel=1e-12)
    assert _val(res, "2.C.3", "aluminium_cwpb", "C2F6") == pytest.approx(4.0, rel=1e-12)
    assert _val(res, "2.C.3", "aluminium_hss", "CO2") == pytest.approx(17_000.0, rel=1e-12)
    assert _val(res, "2.C.3", "aluminium_hss", "CF4") == pytest.approx(4.0, rel=1e-12)
    assert _val(res, "2.C.3", "aluminium_hss", "C2F6") == pytest.approx(0.3, rel=1e-12)
    # CO2e with AR5 (CF4 6,630, C2F6 11,100): 44 t CF4 and 4.3 t C2F6
    pfc = res.inventory.filter(pl.col("scope") == "direct", pl.col("category") == "2.C.3", pl.col("gas").is_in(["CF4", "C2F6"]))
    assert pfc["co2e_t"].sum() == pytest.approx(44 * 6630 + 4.3 * 11_100, rel=1e-12)


def test_magnesium_lead_zinc(tmp_path):
    # Eq 4.30, Table 4.20: 2,000 t Mg cast × 1.0 kg SF6/t = 2 t SF6; Eq 4.28, Table 4.19: 100 t Mg from dolomite × 5.13;
    # Eq 4.32, Table 4.21: 1,000 t lead × 0.52 (80 % ISF, 20 % DS) = 520 t CO2;
    # Eq 4.33, Table 4.24: 1,000 t zinc × 1.72 (60 % ISF, 40 % Waelz) = 1,720 t CO2
    res = _run(tmp_path, [dict(sector="2.C.4", activity="magnesium_casting", amount=2000.0, unit="t"),
                          dict(sector="2.C.4", activity="magnesium_primary_dolomite", amount=100.0, unit="t"),
                          dict(sector="2.C.5", activity="lead", amount=1000.0, unit="t"),
                          dict(sector="2.C.6", activity="zinc", amount=1000.0, unit="t")])
    assert _val(res, "2.C.4", "magnesium_casting", "SF6") == pytest.approx(2.0, rel=1e-12)
    assert _val(res, "2.C.4", "magnesium_primary_dolomite", "CO2") == pytest.approx(513.0, rel=1e-12)
    assert _val(res, "2.C.5", "lead", "CO2") == pytest.approx(520.0, rel=1e-12)
    assert _val(res, "2.C.6", "zinc", "CO2") == pytest.approx(1720.0, rel=1e-12)


def test_lead_and_zinc_defaults_are_the_tables_mixes(rules):
    # Table 4.21 default = 0.8 × ISF 0.59 + 0.2 × DS 0.25; Table 4.24 default = 0.6 × ISF 0.43 + 0.4 × Waelz 3.66
    lead = {a: rules[(a, "2.C.5", "CO2")].value for a in ("lead", "lead_isf", "lead_direct_smelting")}
    assert lead["lead"] == pytest.approx(0.8 * lead["lead_isf"] + 0.2 * lead["lead_direct_smelting"], abs=0.005)
    zinc = {a: rules[(a, "2.C.6", "CO2")].value for a in ("zinc", "zinc_isf", "zinc_waelz_kiln")}
    assert zinc["zinc"] == pytest.approx(0.6 * zinc["zinc_isf"] + 0.4 * zinc["zinc_waelz_kiln"], abs=0.005)


def test_non_energy_products_odu(tmp_path, rules):
    # Vol 3 Ch 5 Eq 5.2: CO2 = LC × CC × ODU × 44/12 with NCV 40.2 GJ/t, CC 20.0 kg C/GJ (Vol 2 Tables 1.2/1.3), ODU 0.2 (Table 5.2):
    # 1,000 t lubricants × 40.2 × 20.0 × 0.2 × 44/12 / 1000 = 589.6 t CO2; Eq 5.4 the same for paraffin wax
    hand = 1000 * 40.2 * 20.0 * 0.2 * 44 / 12 / 1000
    assert hand == pytest.approx(589.6, abs=1e-9)
    assert non_energy_co2_t(1000.0, 40.2, 20.0, 0.2) == pytest.approx(hand, rel=1e-12)
    for a, s in (("lubricants_nonenergy_use", "2.D.1"), ("paraffin_wax_use", "2.D.2")):
        assert rules[(a, s, "CO2")].value == pytest.approx(non_energy_co2_t(1.0, 40.2, 20.0, 0.2), rel=1e-9)
        assert rules[(a, s, "CO2")].status == "D"
    res = _run(tmp_path, [dict(sector="2.D.1", activity="lubricants_nonenergy_use", amount=1000.0, unit="t"),
                          dict(sector="2.D.2", activity="paraffin_wax_use", amount=0.1, unit="10^4 t")])
    assert _val(res, "2.D.1", "lubricants_nonenergy_use", "CO2") == pytest.approx(hand, rel=1e-9)
    assert _val(res, "2.D.2", "paraffin_wax_use", "CO2") == pytest.approx(hand, rel=1e-9)
    with pytest.raises(ValidationError, match="odu"):
        non_energy_co2_t(1.0, 40.2, 20.0, 1.5)


def test_electronics_tier1_per_area(tmp_path):
    # Eq 6.1, Table 6.2: 10,000 m^2 of silicon × 0.9 kg CF4/m^2 = 9 t CF4, × 0.2 kg SF6/m^2 = 2 t SF6, × 0.04 kg NF3/m^2 = 0.4 t NF3;
    # TFT: 100,000 m^2 of glass × 4 g SF6/m^2 = 0.4 t SF6
    res = _run(tmp_path, [dict(sector="2.E.1", activity="semiconductor_silicon_area", amount=10_000.0, unit="m^2"),
                          dict(sector="2.E.2", activity="tft_glass_area", amount=100_000.0, unit="m^2")])
    assert _val(res, "2.E.1", "semiconductor_silicon_area", "CF4") == pytest.approx(9.0, rel=1e-12)
    assert _val(res, "2.E.1", "semiconductor_silicon_area", "SF6") == pytest.approx(2.0, rel=1e-12)
    assert _val(res, "2.E.1", "semiconductor_silicon_area", "NF3") == pytest.approx(0.4, rel=1e-12)
    assert _val(res, "2.E.2", "tft_glass_area", "SF6") == pytest.approx(0.4, rel=1e-12)


def test_electronics_tier2b_gas_used_with_abatement(tmp_path, rules):
    # Eq 6.7/6.8 (Tier 2b, etching), Table 6.3: C2F6 1 − U = 0.4, by-product 0.4 kg CF4/kg C2F6; h = 0.10 (p. 6.16);
    # 1,000 kg C2F6 of which a = 30 % in tools with destruction d = 0.9 (Table 6.6):
    #   C2F6 = 0.9 × 1000 × 0.4 × (1 − 0.3 × 0.9) = 262.8 kg;  CF4 = 0.9 × 0.4 × 1000 × (1 − 0.3 × 0.9) = 262.8 kg
    c2f6 = electronics_tier2_kg(1000.0, 0.4, abated_fraction=0.3, destruction=0.9)
    cf4 = electronics_byproduct_kg(1000.0, 0.4, abated_fraction=0.3, destruction=0.9)
    assert c2f6 == pytest.approx(262.8, rel=1e-12) and cf4 == pytest.approx(262.8, rel=1e-12)
    # the factor set splits a through the activity: 700 kg under _used, 300 kg under _used_abated
    res = _run(tmp_path, [dict(sector="2.E.1", activity="semiconductor_etch_c2f6_used", amount=700.0, unit="kg"),
                          dict(sector="2.E.1", activity="semiconductor_etch_c2f6_used_abated", amount=300.0, unit="kg"),
                          dict(sector="2.E.1", activity="semiconductor_cvd_nf3_remote_used", amount=2000.0, unit="kg")])
    e = res.emissions.filter(pl.col("activity").str.starts_with("semiconductor_etch_c2f6"))
    assert e.filter(pl.col("gas") == "C2F6")["emissions_t"].sum() == pytest.approx(c2f6 / 1000, rel=1e-9)
    assert e.filter(pl.col("gas") == "CF4")["emissions_t"].sum() == pytest.approx(cf4 / 1000, rel=1e-9)
    # remote-plasma NF3 in CVD cleaning: 1 − U = 0.02 (EFDB 214215), by-product CF4 0.02 (EFDB 214229):
    # NF3 = 0.9 × 2000 × 0.02 = 36 kg; CF4 = 0.9 × 0.02 × 2000 = 36 kg
    assert _val(res, "2.E.1", "semiconductor_cvd_nf3_remote_used", "NF3") == pytest.approx(0.036, rel=1e-9)
    assert _val(res, "2.E.1", "semiconductor_cvd_nf3_remote_used", "CF4") == pytest.approx(0.036, rel=1e-9)
    # every shipped Tier 2b row equals the method at the defaults: Table 6.3 (1 − U, by-product CF4 B), h = 0.10,
    # Table 6.6 destruction efficiencies (0.9; NF3 0.95) for the _abated codes
    t63 = {("etch", "cf4"): (0.7, None), ("etch", "c2f6"): (0.4, 0.4), ("etch", "hfc23"): (0.4, 0.07), ("etch", "hfc32"): (0.06, 0.08),
           ("etch", "nf3"): (0.2, None), ("etch", "sf6"): (0.2, None), ("cvd", "cf4"): (0.9, None), ("cvd", "c2f6"): (0.6, 0.1),
           ("cvd", "c3f8"): (0.4, 0.1), ("cvd", "nf3_remote"): (0.02, 0.02), ("cvd", "nf3"): (0.2, 0.1)}
    d66 = {"CF4": 0.9, "C2F6": 0.9, "HFC23": 0.9, "C3F8": 0.9, "NF3": 0.95, "SF6": 0.9}
    n = 0
    for (a, _s, g), r in rules.items():
        if not (a.startswith("semiconductor_") and a.endswith(("_used", "_used_abated"))):
            continue
        abated = a.endswith("_abated")
        proc, key = a.removeprefix("semiconductor_").removesuffix("_abated").removesuffix("_used").split("_", 1)
        u, b = t63[(proc, key)]
        if g == key.split("_")[0].upper():
            want = electronics_tier2_kg(1.0, u, abated_fraction=float(abated), destruction=d66.get(g, 0.0))  # HFC-32: no d in Table 6.6, no _abated code
        else:
            assert g == "CF4" and b is not None
            want = electronics_byproduct_kg(1.0, b, abated_fraction=float(abated), destruction=d66["CF4"])
        assert r.value == pytest.approx(want, rel=1e-12), a
        n += 1
    assert n == 34  # 11 codes × gas + 7 by-product rows, 10 _abated codes × gas + 6 by-product rows
    with pytest.raises(ValidationError, match="abated_fraction"):
        electronics_tier2_kg(1.0, 0.4, abated_fraction=1.2)


def test_foam_aerosols_solvents_and_emissive_use(tmp_path):
    # Table 7.5 closed-cell foam: FYL 10 %, AL 4.5 %/yr: 10 t HFC-134a blown into new foam → 1 t; bank of 200 t → 9 t.
    # Eq 7.6 (aerosols): S_t × 0.5 + S_t−1 × (1 − 0.5): 40 t this year, 20 t last year → 30 t HFC-134a.
    # Eq 7.5 (solvents): 4 t HFC-43-10mee this year, 0 last year → 2 t. Emissive use (fire protection, 2.F.3): 1.5 t HFC-227ea → 1.5 t.
    res = _run(tmp_path, [dict(sector="2.F.2", activity="foam_closed_cell_new_hfc134a", amount=10.0, unit="t"),
                          dict(sector="2.F.2", activity="foam_closed_cell_bank_hfc134a", amount=200.0, unit="t"),
                          dict(sector="2.F.4", activity="aerosol_sales_hfc134a", amount=40.0, unit="t"),
                          dict(sector="2.F.4", activity="aerosol_sales_prev_year_hfc134a", amount=20.0, unit="t"),
                          dict(sector="2.F.5", activity="solvent_sales_hfc4310mee", amount=4.0, unit="t"),
                          dict(sector="2.F.3", activity="emissive_use_hfc227ea", amount=1500.0, unit="kg"),
                          # Table 7.6, XPS with HFC-134a: FYL 25 %, AL 0.75 %/yr: 8 t blown → 2 t; bank of 400 t → 3 t
                          dict(sector="2.F.2", activity="foam_xps_new_hfc134a", amount=8.0, unit="t"),
                          dict(sector="2.F.2", activity="foam_xps_bank_hfc134a", amount=400.0, unit="t")])
    inv = res.inventory.filter(pl.col("scope") == "direct")
    by = {(c, g): v for c, g, v in inv.select("category", "gas", "emissions_t").iter_rows()}
    assert by[("2.F.2", "HFC134a")] == pytest.approx(1.0 + 9.0 + 2.0 + 3.0, rel=1e-12)
    assert _val(res, "2.F.2", "foam_xps_new_hfc134a", "HFC134a") == pytest.approx(2.0, rel=1e-12)
    assert _val(res, "2.F.2", "foam_xps_bank_hfc134a", "HFC134a") == pytest.approx(3.0, rel=1e-12)
    assert by[("2.F.4", "HFC134a")] == pytest.approx(30.0, rel=1e-12)
    assert by[("2.F.5", "HFC4310mee")] == pytest.approx(2.0, rel=1e-12)
    assert by[("2.F.3", "HFC227ea")] == pytest.approx(1.5, rel=1e-12)


def test_gwps_of_the_new_gases_in_every_shipped_set(tmp_path):
    from ghginv.core.gwp import GWP100_SETS, ORIGIN_SETS, gwp_set

    for name in GWP100_SETS + ORIGIN_SETS:
        g = gwp_set(name)
        for gas in ("CF4", "C2F6", "SF6", "HFC23"):
            assert g.values[gas] > 1000, (name, gas)
        if name != "SARGWP100":
            assert g.values["NF3"] > 10_000, name
    # SAR (1995) gives no GWP for NF3 (factor-facts.md GWP table: "—"): an inventory with NF3 under SARGWP100
    # stops with a message naming the gas instead of counting it as zero
    assert "NF3" not in gwp_set("SARGWP100").values
    with pytest.raises(UnknownGwpError, match="NF3"):
        _run(tmp_path, [dict(sector="2.E.1", activity="semiconductor_silicon_area", amount=1.0, unit="m^2")], gwp="SARGWP100")


def test_new_categories_and_chinese_names():
    for code in ("2.B.9.a", "2.B.9.b"):
        assert is_category(code) and CATEGORY_ZH[code]
    for code in ("2.B.5", "2.B.7", "2.C.2", "2.C.3", "2.C.4", "2.C.5", "2.C.6", "2.D.1", "2.D.2", "2.E.1", "2.F.2", "2.F.3"):
        assert CATEGORY_ZH[code]


def test_provincial_industrial_process_table_shows_the_new_rows(tmp_path):
    """The guideline's industrial-process sheet (ghginv.report.provincial): 电石 (row 2.4) in 万吨 CO2 and 铝
    (row 2.7) with CF4 and C2F6 in 吨; ferroalloys (2.C.2) fall under 其他 (row 2.12), as in the guideline."""
    from ghginv.report.provincial import SECTOR_TABLES, sector_table

    res = _run(tmp_path, [dict(sector="2.B.5", activity="calcium_carbide", amount=10_000.0, unit="t"),
                          dict(sector="2.C.3", activity="aluminium_cwpb", amount=100_000.0, unit="t"),
                          dict(sector="2.C.2", activity="silicomanganese", amount=1000.0, unit="t")])
    ippu = next(t for t in SECTOR_TABLES if t.key == "sheet_ippu")
    tab = sector_table(res.emissions, ippu, lang="zh")
    rows = {r[tab.columns[1]]: r for r in tab.iter_rows(named=True)}
    co2, cf4, c2f6 = (next(c for c in tab.columns if key in c) for key in ("二氧化碳", "CF4", "C2F6"))
    assert rows["2.4"][co2] == pytest.approx(10_000 * 1.090 / 1e4, rel=1e-12)  # 1.09 万吨
    assert rows["2.7"][cf4] == pytest.approx(40.0, rel=1e-12) and rows["2.7"][c2f6] == pytest.approx(4.0, rel=1e-12)
    assert rows["2.12"][co2] == pytest.approx(1000 * 1.4 / 1e4, rel=1e-12)


def test_a_new_users_words_point_to_the_new_codes(tmp_path):
    """Issue 22: `aluminium` and `soda_ash`, as a new user types them, stop with "unknown activity" — now with the
    codes that exist (one per cell technology; natural soda ash), nothing computed."""
    with pytest.raises(ValidationError) as err:
        _run(tmp_path, [dict(sector="2.C.3", activity="aluminium", amount=1.0, unit="t"),
                        dict(sector="2.B.7", activity="soda_ash", amount=1.0, unit="t")])
    text = " ".join(p.message for p in err.value.problems)
    assert "did you mean aluminium_" in text and "soda_ash_natural" in text
