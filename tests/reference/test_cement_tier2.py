"""Tier 2 cement (2.A.1) through ``compile``: 2006 IPCC GL Vol 3 Ch 2, Eq 2.2 and Eq 2.4.

    CO2 = M_cl × EF_cl × CF_ckd,   EF_cl = CaO × 44.01/56.08 (+ MgO × 44.01/40.30)

Hand calculation with the shipped defaults (CaO 65 %, EFDB 213926; CF_ckd 1.02, EFDB 213927) for
1,000,000 t of clinker:

    44.01 / 56.08            = 0.784771754…  t CO2 / t CaO
    × 0.65 (CaO)             = 0.510101640…  t CO2 / t clinker (EF_cl, Eq 2.4)
    × 1.02 (CF_ckd)          = 0.520303673…
    × 1,000,000 t clinker    = 520,303.67 t CO2 (Eq 2.2)

(The issue's brief wrote 520,313; the digits above give 520,303.7 — 9.3 t less.) Clinker from
calcium-carbide residue (电石渣) has its own activity code and no process CO2: its CaO is not
from a carbonate (EFDB 213926: "100 % of the CaO is from calcium carbonate material").
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest

from ghginv import FactorSetError, compile_inventory, load_factor_set

from conftest import ROOT, write_activity
from tier1_helpers import compile_rows, emission

IPPU = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_ippu"
HEADER = "activity,sector,region,year_from,year_to,parameter,value,unit,source,source_locator,status"


def plant_set(folder: Path, rows: list[str]) -> Path:
    """A factor set holding only ``clinker_parameters.csv`` (a plant's own analysis)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = HEADER + "\n" + "\n".join(rows) + "\n"
    (folder / "clinker_parameters.csv").write_text(text, encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    (folder / "manifest.toml").write_text(
        f'name = "{folder.name}"\nversion = "1"\ntitle = "plant analysis"\npublisher = "plant lab"\npublished = "2024-12-31"\n'
        f'url = "https://example.invalid/plant"\nlicense = "own data"\n[files]\n"clinker_parameters.csv" = "sha256:{digest}"\n',
        encoding="utf-8")
    return folder


def test_hand_calculation_one_million_tonnes(tmp_path):
    res = compile_rows(tmp_path, [dict(sector="2.A.1", activity="clinker_tier2", amount=1_000_000.0, unit="t")], factor_set=IPPU)
    ef_cl = 0.65 * 44.01 / 56.08  # Eq 2.4
    assert 44.01 / 56.08 == pytest.approx(0.784771754, abs=1e-9)
    assert ef_cl == pytest.approx(0.510101640, abs=1e-9)
    co2 = emission(res, "2.A.1", "clinker_tier2", "CO2")
    assert co2 == pytest.approx(1_000_000 * ef_cl * 1.02, rel=1e-12)  # Eq 2.2
    assert round(co2, 2) == 520_303.67
    # the Tier 1 row 0.52 is the same arithmetic rounded (EFDB 213926)
    assert round(co2 / 1_000_000, 2) == 0.52
    used = res.factors_used.filter(pl.col("activity") == "clinker_tier2")
    assert used["status"].to_list() == ["D"]
    loc = used["source_locator"][0]
    assert "213926" in loc and "213927" in loc and "clinker_parameters.csv:2" in loc and "clinker_parameters.csv:3" in loc


def test_plant_cao_and_mgo_override_the_default_in_their_region(tmp_path):
    """A plant's analysis (CaO 63.5 %, MgO 2.0 % from carbonates, CF_ckd 1.015) in a set before the shipped one."""
    plant = plant_set(tmp_path / "plant_2024", [
        'clinker_tier2,2.A.1,510105,2024,2024,cao_fraction,63.5,%,plant lab report 2024,"XRF, annual mean",V',
        'clinker_tier2,2.A.1,510105,2024,2024,mgo_fraction,2.0,%,plant lab report 2024,"XRF, annual mean",V',
        'clinker_tier2,2.A.1,510105,2024,2024,cf_ckd,1.015,1,plant lab report 2024,"CKD balance",V',
    ])
    act = write_activity(tmp_path / "act.parquet", [
        dict(year=2024, region="510105", sector="2.A.1", activity="clinker_tier2", amount=800_000.0, unit="t"),
        dict(year=2024, region="510106", sector="2.A.1", activity="clinker_tier2", amount=100.0, unit="10^4 t"),
        dict(year=2024, region="510105", sector="2.A.1", activity="clinker_carbide_residue", amount=300_000.0, unit="t"),
    ])
    res = compile_inventory(activity=[str(act)], factors=[str(plant), str(IPPU)], gwp="AR5GWP100")
    em = res.emissions.filter(pl.col("gas") == "CO2")
    got = {(r["region"], r["activity"]): r["emissions_t"] for r in em.iter_rows(named=True)}
    plant_ef = (0.635 * 44.01 / 56.08 + 0.020 * 44.01 / 40.30) * 1.015  # Eq 2.4 with MgO, × CF_ckd
    assert plant_ef == pytest.approx(0.527974, abs=1e-6)  # 0.498330 + 0.021841 = 0.520171; × 1.015 = 0.527974
    assert got[("510105", "clinker_tier2")] == pytest.approx(800_000 * plant_ef, rel=1e-12)
    assert got[("510106", "clinker_tier2")] == pytest.approx(1_000_000 * 0.65 * 44.01 / 56.08 * 1.02, rel=1e-12)
    assert got[("510105", "clinker_carbide_residue")] == 0.0  # no process CO2 from carbide-residue clinker
    inv = res.inventory.filter(pl.col("scope") == "direct", pl.col("gas") == "CO2", pl.col("category") == "2.A.1")
    assert inv["emissions_t"].sum() == pytest.approx(800_000 * plant_ef + 1_000_000 * 0.65 * 44.01 / 56.08 * 1.02, rel=1e-12)
    sets = dict(zip(res.emissions["region"] + res.emissions["activity"], res.emissions["factor_set"], strict=True))
    assert sets["510105clinker_tier2"] == "plant_2024" and sets["510106clinker_tier2"] == "ipcc2006_ippu"


def test_shipped_rows_cite_the_efdb():
    fs = load_factor_set(IPPU)
    tier2 = next(r for r in fs.rules if r.activity == "clinker_tier2")
    assert tier2.status == "D" and tier2.value == pytest.approx(0.65 * 44.01 / 56.08 * 1.02, rel=1e-15)
    residue = next(r for r in fs.rules if r.activity == "clinker_carbide_residue")
    assert residue.value == 0.0 and residue.status == "D" and "213926" in residue.source_locator
    assert fs.activities["clinker_carbide_residue"]["name_zh"] == "电石渣生产的熟料产量"


@pytest.mark.parametrize(("rows", "message"), [
    (['clinker_tier2,2.A.1,*,,,cao_fraction,0.64,fraction,lab,"row",V'], "no cf_ckd row"),
    (['clinker_tier2,2.A.1,*,,,cao_fraction,64,fraction,lab,"row",V', 'clinker_tier2,2.A.1,*,,,cf_ckd,1.02,1,lab,"row",V'],
     "must lie in (0, 1]"),
    (['clinker_tier2,2.A.1,*,,,cf_ckd,0.98,1,lab,"row",V'], "≥ 1"),
    (['clinker_tier2,2.A.1,*,,,mgo_fraction,0.02,fraction,lab,"row",V', 'clinker_tier2,2.A.1,*,,,cf_ckd,1.02,1,lab,"row",V'],
     "no cao_fraction row"),
    (['clinker_tier2,2.A.2,*,,,cao_fraction,0.64,fraction,lab,"row",V'], "sector must be '2.A.1'"),
    (['clinker_tier2,2.A.1,*,,,cf_ckd,1.02,1,lab,"row",X'], "synthetic = true"),
])
def test_bad_clinker_parameters_name_file_and_line(tmp_path, rows, message):
    folder = plant_set(tmp_path / "bad_plant", rows)
    with pytest.raises(FactorSetError) as e:
        load_factor_set(folder)
    text = str(e.value) + " ".join(f"{p.message} {p.file} {p.line}" for p in e.value.problems)
    assert message in text and "clinker_parameters.csv" in text
