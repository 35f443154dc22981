#!/usr/bin/env python3
"""Generate SYNTHETIC activity data for IPPU, agriculture and waste of the demo district.

Everything written by this script is SYNTHETIC: drawn from a seeded random number generator
(seed 20200107) around round magnitudes chosen for the demo. It is NOT waste, refrigerant,
livestock or wastewater statistics of Qingyang District (Chengdu, 510105).

Output: ``data/qingyang_synthetic/sectors_synthetic.parquet`` (path relative to this script),
the activity contract columns ``year, region, sector, activity, amount, unit, entity_id``:

* ``4.A.1`` landfill deposits 1995–2024 by MSW component (``msw_food``, ``msw_paper``,
  ``msw_textiles``, ``msw_wood``, ``msw_garden``; t wet), one row per year deposited: landfilling
  grows to 2015 and falls as incineration takes over;
* ``4.C.1`` an incinerator 2020–2024 (MSW components incl. ``msw_plastics``, t), ``4.B``
  composting, ``4.D.1`` domestic wastewater organics per treatment pathway (kg BOD) and effluent N;
* ``2.F.1.a`` / ``2.F.1.b`` refrigerant banks (kg HFC32, HFC134a in operating equipment);
* ``3.A.1`` / ``3.A.2`` a few dairy cattle and swine (head), ``3.C.4`` / ``3.C.5`` fertiliser N;
* (issue 7, drawn from a second stream, seed + 1, so the rows above keep their values) the
  manure N2O split of those animals by management system (``3.A.2``, and ``3.C.6`` for the
  indirect N2O, head), a little rice
  (``3.C.7``, ha·d = harvested area × days), liming (``3.C.2``) and urea (``3.C.3``, t), and one
  small electric-arc-furnace steel plant (``2.C.1``, t crude steel);
* (issue 22, seed + 3) a SYNTHETIC aluminium smelter with point-feeder prebake cells (``2.C.3``,
  ``aluminium_cwpb``, t Al: process CO2, CF4 and C2F6) and a SYNTHETIC calcium-carbide plant (``2.B.5``,
  ``calcium_carbide``, t CaC2).
* (issue 22, own stream seed + 4) a cement plant (``2.A.1``): clinker by Tier 2 (``clinker_tier2``, t)
  and clinker from calcium-carbide residue (``clinker_carbide_residue``, t, no process CO2), with the
  plant's SYNTHETIC clinker analysis (CaO and MgO from carbonates, CKD correction) written as the
  synthetic factor set ``factors/qingyang_cement_plant_synthetic`` (status X); and a city-gas
  utility's sales (``1.B.2.b``, ``gas_utility_sales``, 10^4 m^3) for the fugitive emissions of gas
  distribution.

Used by ``qingyang_synthetic_sectors.toml`` (all five sectors). Regenerate with
``python ghginv/data/demo/generate_qingyang_sectors_synthetic.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

SEED = 20200107
REGION = "510105"
OUT = Path(__file__).resolve().parent / "data" / "qingyang_synthetic" / "sectors_synthetic.parquet"
PLANT_SET = Path(__file__).resolve().parent / "factors" / "qingyang_cement_plant_synthetic"
# the synthetic plant's clinker analysis (round values chosen for the demo, not a real plant's): CaO and
# MgO from carbonates as fractions of the clinker, and the CKD correction factor (2006 IPCC GL Vol 3 Eq 2.2/2.4)
PLANT_CLINKER = {"cao_fraction": (0.642, "fraction"), "mgo_fraction": (0.018, "fraction"), "cf_ckd": (1.015, "1")}
LANDFILL_SHARES = {"msw_food": 0.55, "msw_paper": 0.10, "msw_textiles": 0.03, "msw_wood": 0.02, "msw_garden": 0.05}
INCINERATED_SHARES = {**LANDFILL_SHARES, "msw_plastics": 0.12, "msw_other_inert": 0.08}


def generate(seed: int = SEED) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []

    def add(year, sector, activity, amount, unit, entity):
        rows.append((year, REGION, sector, activity, float(round(amount, 3)), unit, entity))

    for y in range(1995, 2025):  # landfilled MSW, t wet: up to 2015, then diverted to incineration
        total = 150_000 + 10_000 * min(y - 1995, 20) if y <= 2015 else 350_000 * 0.8 ** (y - 2015)
        total *= rng.uniform(0.95, 1.05)
        for act, share in LANDFILL_SHARES.items():
            add(y, "4.A.1", act, total * share, "t", "LF-01")
    for y in range(2020, 2025):
        burnt = 380_000 * (1 + 0.04 * (y - 2020)) * rng.uniform(0.97, 1.03)
        for act, share in INCINERATED_SHARES.items():
            add(y, "4.C.1", act, burnt * share, "t", "INC-01")
        add(y, "4.B", "composted_waste", 18_000 * rng.uniform(0.9, 1.1), "t", "CMP-01")
        tow = 1_000_000 * 40 * 365 / 1000 * rng.uniform(0.98, 1.02)  # people × g BOD/day → kg BOD/yr
        for act, share in {"wastewater_bod_aerobic_plant": 0.90, "wastewater_bod_aerobic_plant_overloaded": 0.06, "wastewater_bod_septic": 0.04}.items():
            add(y, "4.D.1", act, tow * share, "kg", "WW")
        add(y, "4.D.1", "wastewater_effluent_n", 1_500_000 * rng.uniform(0.95, 1.05), "kg", "WW")
        add(y, "2.F.1.a", "stationary_ac_bank_hfc32", 120_000 * (1 + 0.08 * (y - 2020)), "kg", "AC")
        add(y, "2.F.1.a", "stationary_ac_bank_hfc134a", 60_000 * (1 - 0.05 * (y - 2020)), "kg", "AC")
        add(y, "2.F.1.b", "mobile_ac_bank_hfc134a", 550_000 * 0.8 * (1 + 0.03 * (y - 2020)), "kg", "MAC")  # vehicles × kg charge
        for sector in ("3.A.1", "3.A.2"):
            add(y, sector, "dairy_cattle", 180 * rng.uniform(0.9, 1.1), "head", "FARM")
            add(y, sector, "swine", 2_400 * rng.uniform(0.9, 1.1), "head", "FARM")
        n = 60 * rng.uniform(0.9, 1.1)
        add(y, "3.C.4", "synthetic_fertiliser_n", n, "t", "FARM")
        add(y, "3.C.5", "synthetic_fertiliser_n", n, "t", "FARM")
    extra = np.random.default_rng(seed + 1)  # issue 7 additions: own stream, the rows above are unchanged
    heads = {(r[0], r[3]): r[4] for r in rows if r[2] == "3.A.2"}
    manure_split = {"dairy_cattle": {"solid_storage": 0.6, "liquid_slurry_crust": 0.4},
                    "swine": {"liquid_slurry_crust": 0.5, "pit_storage": 0.3, "composting_static_pile": 0.2}}
    for y in range(2020, 2025):
        for animal, split in manure_split.items():  # the same animals as the manure CH4 rows
            for system, share in split.items():
                add(y, "3.A.2", f"{animal}_manure_{system}", heads[(y, animal)] * share, "head", "FARM")
                if not system.startswith("composting"):  # indirect N2O (volatilisation): no Frac_GasMS for composting
                    add(y, "3.C.6", f"{animal}_manure_{system}", heads[(y, animal)] * share, "head", "FARM")
        add(y, "3.C.7", "rice_single_aeration_pre_dry_short", 40 * 120 * extra.uniform(0.9, 1.1), "ha·d", "FARM")  # ~40 ha × 120 days
        add(y, "3.C.2", "limestone_liming", 25 * extra.uniform(0.8, 1.2), "t", "FARM")
        add(y, "3.C.3", "urea_applied", 60 * extra.uniform(0.9, 1.1), "t", "FARM")
        add(y, "2.C.1", "steel_eaf", 50_000 * (1 + 0.02 * (y - 2020)) * extra.uniform(0.95, 1.05), "t", "EAF-01")
    grid = np.random.default_rng(seed + 2)  # SF6 in the district's HV switchgear: own stream, rows above unchanged
    for y in range(2020, 2025):
        add(y, "2.G.1", "sf6_bank_closed_pressure", 4_000 * (1 + 0.03 * (y - 2020)) * grid.uniform(0.98, 1.02), "kg", "GRID")
    # -- ippu branch (issue 22): a SYNTHETIC aluminium smelter (point-feeder prebake cells, CWPB) and a SYNTHETIC
    # calcium-carbide plant, own stream (seed + 3) so every row above keeps its value
    plants = np.random.default_rng(seed + 3)
    for y in range(2020, 2025):
        add(y, "2.C.3", "aluminium_cwpb", 20_000 * (1 + 0.03 * (y - 2020)) * plants.uniform(0.97, 1.03), "t", "AL-01")
        add(y, "2.B.5", "calcium_carbide", 30_000 * (1 - 0.02 * (y - 2020)) * plants.uniform(0.95, 1.05), "t", "CC-01")
    # -- end ippu --
    plant = np.random.default_rng(seed + 4)  # issue 22: cement plant and gas utility, own stream, rows above unchanged
    for y in range(2020, 2025):
        add(y, "2.A.1", "clinker_tier2", 900_000 * (1 - 0.03 * (y - 2020)) * plant.uniform(0.97, 1.03), "t", "CEM-01")
        add(y, "2.A.1", "clinker_carbide_residue", 120_000 * plant.uniform(0.9, 1.1), "t", "CEM-01")
        add(y, "1.B.2.b", "gas_utility_sales", 32_000 * (1 + 0.04 * (y - 2020)) * plant.uniform(0.98, 1.02), "10^4 m^3", "GAS-01")
    return pl.DataFrame(rows, schema={"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String,
                                      "amount": pl.Float64, "unit": pl.String, "entity_id": pl.String}, orient="row")


def write_plant_set(folder: Path = PLANT_SET) -> None:
    """The synthetic cement plant's clinker analysis as a factor set marked ``synthetic = true`` (status X)."""
    import hashlib

    head = "activity,sector,region,year_from,year_to,parameter,value,unit,source,source_locator,status,notes\n"
    lines = [f"clinker_tier2,2.A.1,{REGION},,,{p},{v},{u},SYNTHETIC demo plant CEM-01 (not a real plant),"
             f"generate_qingyang_sectors_synthetic.py PLANT_CLINKER,X,synthetic demo value: not a measurement\n"
             for p, (v, u) in PLANT_CLINKER.items()]
    text = head + "".join(lines)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "clinker_parameters.csv").write_text(text, encoding="utf-8", newline="\n")
    digest = hashlib.sha256(text.encode()).hexdigest()
    (folder / "manifest.toml").write_text(
        f'name = "{folder.name}"\nversion = "synthetic.1"\n'
        'title = "SYNTHETIC clinker analysis of the demo cement plant CEM-01 — not a real plant"\n'
        'publisher = "ghginv demo (synthetic)"\npublished = "2026"\n'
        'url = "none: synthetic values written by ghginv/data/demo/generate_qingyang_sectors_synthetic.py"\n'
        'license = "CC0-1.0"\nsynthetic = true\n'
        'description = "Status X rows: CaO and MgO from carbonates and the CKD correction of a synthetic plant, for Tier 2 cement '
        '(2006 IPCC GL Vol 3 Eq 2.2/2.4). Never use them for a real inventory."\n\n'
        f'[files]\n"clinker_parameters.csv" = "sha256:{digest}"\n', encoding="utf-8", newline="\n")


def main() -> None:
    OUT.parent.mkdir(parents=True, exist_ok=True)
    df = generate()
    df.write_parquet(OUT)
    write_plant_set()
    print(f"SYNTHETIC: {df.height} rows -> {OUT}; plant clinker analysis -> {PLANT_SET}")


if __name__ == "__main__":
    main()
