#!/usr/bin/env python3
"""Generate a SYNTHETIC economy table for the demo inventory (GDP, population, electricity mix).

The numbers written by this script are SYNTHETIC: drawn from a seeded random number generator.
They are NOT statistics of Qingyang District (Chengdu, 510105) — no official GDP, population,
energy or power-mix figure is used or imitated beyond a rough order of magnitude for an urban
district of about one million people. Use them only to demonstrate ghginv's indicators, targets
and report.

Output: CSV with one row per year for the whole district (region ``ALL``), columns

    year, region, gdp_current_10k_yuan, gdp_index_prev_100, population, electricity_non_fossil_share,
    value_added_const_10k_yuan:industry_above_scale

``gdp_index_prev_100`` is a real growth index (previous year = 100); ghginv chains GDP at constant
2020 prices from it. The last column is the value added of above-scale industry (规模以上工业增加值)
at constant 2020 prices, for the sector-level target of the district's preset; it is drawn from a
second stream (seed + 1), so the other columns are those of the earlier versions of this file. The
same seed gives the same file.

Usage (from the repository root):

    .venv/bin/python ghginv/data/demo/generate_qingyang_economy_synthetic.py            # seed 20200101
    .venv/bin/python ghginv/data/demo/generate_qingyang_economy_synthetic.py --seed 7 --out /tmp/economy_synthetic.csv
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "data" / "qingyang_synthetic" / "economy_synthetic.csv"
YEARS = range(2020, 2025)


def generate(seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    gdp = float(rng.uniform(1.1e7, 1.3e7))  # 10^4 yuan, current prices, 2020 (synthetic)
    pop = float(rng.uniform(0.93e6, 0.97e6))
    share = float(rng.uniform(0.78, 0.82))
    rows = []
    rng_va = np.random.default_rng(seed + 1)  # own stream: the columns above keep their values
    va = float(rng_va.uniform(5.0e5, 6.0e5))  # 10^4 yuan at constant 2020 prices, 2020 (synthetic)
    for y in YEARS:
        if y == YEARS[0]:
            index = float(rng.uniform(101.0, 104.0))  # growth into the base year (not used for chaining)
        else:
            index = float(rng.uniform(104.5, 108.0))
            deflator = float(rng.uniform(1.005, 1.025))
            gdp = gdp * index / 100.0 * deflator
            pop = pop * float(rng.uniform(0.998, 1.006))
            share = min(0.95, share + float(rng.uniform(0.0, 0.015)))
        rows.append({
            "year": y, "region": "ALL", "gdp_current_10k_yuan": round(gdp, 1), "gdp_index_prev_100": round(index, 1),
            "population": int(round(pop)), "electricity_non_fossil_share": round(share, 3),
            "value_added_const_10k_yuan:industry_above_scale": round(va, 1),
        })
        va = va * float(rng_va.uniform(1.02, 1.08))
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=20200101)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    a = ap.parse_args(argv)
    rows = generate(a.seed)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    with a.out.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {a.out} (SYNTHETIC, seed {a.seed})")


if __name__ == "__main__":
    main()
