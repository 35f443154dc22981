#!/usr/bin/env python3
"""Generate SYNTHETIC carbon-sink demo data and a SYNTHETIC sink parameter set.

Everything written by this script is SYNTHETIC: drawn from a seeded random number generator
or chosen for the demo. It is NOT forest-inventory or urban-greening data of Qingyang District
(Chengdu, 510105) and the parameters are NOT emission or removal factors.

Outputs (paths relative to this script):

* ``data/qingyang_synthetic/sinks_synthetic.csv`` — long-format sink data, 2019–2024:
  ``year, region, category, stratum, variable, value, unit, entity_id``

  - urban trees (``3.B.5.a``, stratum ``urban_trees``): crown cover in ha per street
    (8 streets 510105001..510105008), slowly growing;
  - a park forest (``3.B.1.a``) in street 510105006 with two strata, ``cupressus`` (柏木) and
    ``broadleaf``, 24 sub-compartments each (``entity_id`` P-CUP-01 …): ``area`` (ha),
    ``volume_increment`` (m^3/ha), ``stock_volume`` (m^3/ha, every year from 2019, so both
    the gain-loss and the stock-difference method run and are cross-checked) and a small
    ``harvest`` (m^3, thinning) in some years. Stocks follow increment − harvest with a few
    per cent of measurement noise;
  - a rewetted wetland (``3.B.4.a``, stratum ``rewetted_organic_temperate_nutrient_poor``)
    of about 12 ha in street 510105008 (``wetland_area``).

* ``factors/qingyang_sinks_synthetic/`` — a factor set whose manifest says
  ``synthetic = true`` with ``sink_parameters.csv`` rows of status ``X`` (synthetic demo value):
  wood density, BEF and root-to-shoot ratio of the two park strata and a CRW for urban trees.
  No cited value exists for these (see /work/shared/afolu-facts.md §2 and §5: recalled only),
  so the demo uses labelled stand-ins. The carbon fraction comes from ``ipcc2006_afolu`` and
  the wetland factors from ``ipcc2013_wetlands``.

Usage (from the repository root)::

    .venv/bin/python ghginv/data/demo/generate_qingyang_sinks_synthetic.py            # seed 20240601
"""

from __future__ import annotations

import argparse
import csv
import hashlib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
STREETS = [f"510105{i:03d}" for i in range(1, 9)]
YEARS = list(range(2019, 2025))
PARK = "510105006"
WETLAND = "510105008"
# synthetic demo parameters (status X): stratum -> (wood_density t d.m./m^3, bef, root_shoot)
PARK_PARAMS = {"cupressus": (0.45, 1.7, 0.22), "broadleaf": (0.55, 1.5, 0.25)}
CRW_SYNTHETIC = 2.5  # t C per ha crown cover per year, SYNTHETIC (no cited value shipped)
SET_NAME = "qingyang_sinks_synthetic"


def sink_rows(seed: int) -> list[list]:
    rng = np.random.default_rng(seed)
    rows: list[list] = []
    # urban trees: crown cover per street, +1..3 %/yr
    for s in STREETS:
        cc = rng.uniform(60.0, 160.0)
        for y in YEARS[1:]:
            rows.append([y, s, "3.B.5.a", "urban_trees", "crown_cover", round(cc, 2), "ha", ""])
            cc *= 1.0 + rng.uniform(0.01, 0.03)
    # park forest, sub-compartments
    for stratum, prefix in (("cupressus", "P-CUP"), ("broadleaf", "P-BRL")):
        for k in range(1, 25):
            ent = f"{prefix}-{k:02d}"
            area = round(rng.uniform(0.8, 3.5), 2)
            stock = rng.uniform(60.0, 140.0)  # m^3/ha
            for y in YEARS:
                inc = rng.uniform(3.0, 7.0)  # m^3/ha/yr
                harvest = round(area * rng.uniform(2.0, 6.0), 1) if y > YEARS[0] and rng.random() < 0.2 else 0.0
                if y > YEARS[0]:
                    stock += inc - harvest / area
                    rows.append([y, PARK, "3.B.1.a", stratum, "volume_increment", round(inc, 3), "m^3/ha", ent])
                    if harvest:
                        rows.append([y, PARK, "3.B.1.a", stratum, "harvest", harvest, "m^3", ent])
                noisy = stock * (1.0 + rng.normal(0.0, 0.002))
                rows.append([y, PARK, "3.B.1.a", stratum, "area", area, "ha", ent])
                rows.append([y, PARK, "3.B.1.a", stratum, "stock_volume", round(noisy, 3), "m^3/ha", ent])
    # wetland
    wa = 12.0
    for y in YEARS[1:]:
        rows.append([y, WETLAND, "3.B.4.a", "rewetted_organic_temperate_nutrient_poor", "wetland_area", round(wa, 2), "ha", ""])
        wa += 0.3
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3], r[7], r[4]))
    return rows


def write_parameter_set(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    src = "SYNTHETIC demo value (generate_qingyang_sinks_synthetic.py)"
    rows = [["stratum", "region", "year_from", "year_to", "parameter", "value", "unit", "source", "source_locator", "status", "notes"]]
    for stratum, (wd, bef, r) in PARK_PARAMS.items():
        for p, v, u in (("wood_density", wd, "t d.m./m^3"), ("bef", bef, "ratio"), ("root_shoot", r, "ratio")):
            rows.append([stratum, "*", "", "", p, v, u, src, f"PARK_PARAMS[{stratum!r}]", "X", "synthetic stand-in, not a factor"])
    rows.append(["urban_trees", "*", "", "", "crw", CRW_SYNTHETIC, "t C/ha/yr", src, "CRW_SYNTHETIC", "X",
                 "synthetic stand-in: the IPCC Table 8.1 value is not verified, so none is shipped"])
    data = folder / "sink_parameters.csv"
    with data.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    digest = hashlib.sha256(data.read_bytes()).hexdigest()
    (folder / "manifest.toml").write_text(
        f'name = "{SET_NAME}"\n'
        'version = "synthetic.1"\n'
        'title = "SYNTHETIC sink parameters for the Qingyang demo inventory — not factors"\n'
        'publisher = "ghginv demo (synthetic)"\n'
        'published = "2026"\n'
        'url = "none: synthetic values written by ghginv/data/demo/generate_qingyang_sinks_synthetic.py"\n'
        'license = "CC0-1.0"\n'
        "synthetic = true\n"
        'description = "Status X rows: synthetic stand-ins for parameters without a citable value '
        '(China species wood density/BEF/R, IPCC Table 8.1 CRW). Never use them for a real inventory."\n'
        "\n[files]\n"
        f'"sink_parameters.csv" = "sha256:{digest}"\n',
        encoding="utf-8",
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--out", type=Path, default=HERE / "data" / "qingyang_synthetic" / "sinks_synthetic.csv")
    ap.add_argument("--set-dir", type=Path, default=HERE / "factors" / SET_NAME)
    a = ap.parse_args()
    a.out.parent.mkdir(parents=True, exist_ok=True)
    with a.out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["year", "region", "category", "stratum", "variable", "value", "unit", "entity_id"])
        w.writerows(sink_rows(a.seed))
    write_parameter_set(a.set_dir)
    print(f"wrote {a.out} and {a.set_dir}")


if __name__ == "__main__":
    main()
