"""Write the SYNTHETIC energy balance of the Qingyang demo (reference approach, ghginv.reference_approach).

    .venv/bin/python ghginv/data/demo/generate_qingyang_energy_balance_synthetic.py

Output: ``data/qingyang_synthetic/energy_balance_synthetic.csv`` — NOT official statistics. The
balance is made from the demo's own (synthetic) activity data: per year and fuel, the apparent
consumption is the fuel use of the activity data (summed over streets, sectors and units) times
(1 + d), d drawn from ±2.5 % (seed 20200101), except LPG, whose balance is 8 % above the recorded
use in every year (unrecorded use by small users), so the comparison flags it. The supply side is
split into imports (调入, inflows from outside the district), exports (调出) of 1.5 % of the use and a
stock change of ±1 %; the district produces no fuel and has no international bunkers. A row of
electricity shows that non-fossil and secondary-electricity rows are skipped by the reference approach.
Units follow the regional balance table (cn-statistics-formats §2.2): 10^4 t, 10^8 m^3, 10^8 kWh.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

HERE = Path(__file__).resolve().parent
ACTIVITY = HERE / "data" / "qingyang_synthetic" / "activity"
OUT = HERE / "data" / "qingyang_synthetic" / "energy_balance_synthetic.csv"
SEED = 20200101
UNITS = {"raw_coal": "10^4 t", "diesel": "10^4 t", "gasoline": "10^4 t", "fuel_oil": "10^4 t", "lpg": "10^4 t",
         "natural_gas": "10^8 m^3", "electricity": "10^8 kWh"}
SCALE = {"t": 1.0, "10^4 t": 1e4, "m^3": 1.0, "10^4 m^3": 1e4, "10^8 m^3": 1e8, "kWh": 1.0, "MWh": 1e3, "10^4 kWh": 1e4, "10^8 kWh": 1e8}
BIAS = {"lpg": 0.08}  # the one fuel the comparison should flag


def main() -> None:
    act = pl.read_parquet(ACTIVITY)
    act = act.filter(pl.col("activity").is_in(list(UNITS)))
    act = act.with_columns((pl.col("amount") * pl.col("unit").replace_strict(SCALE, return_dtype=pl.Float64)).alias("base"))
    use = act.group_by("year", "activity").agg(pl.col("base").sum()).sort("activity", "year")
    rng = np.random.default_rng(SEED)
    rows = []
    for year, fuel, base in use.iter_rows():
        unit = UNITS[fuel]
        q = base / SCALE[unit]
        d = BIAS.get(fuel, float(rng.uniform(-0.025, 0.025)))
        ac = q * (1 + d)
        exports = 0.015 * q
        stock = float(rng.uniform(-0.01, 0.01)) * q
        imports = ac + exports + stock
        rows.append({"year": year, "region": "ALL", "fuel": fuel, "unit": unit, "production": 0.0, "imports": round(imports, 4),
                     "exports": round(exports, 4), "bunkers": 0.0, "stock_change": round(stock, 4), "non_energy_use": 0.0})
    df = pl.DataFrame(rows).sort("year", "fuel")
    df.write_csv(OUT)
    print(f"wrote {OUT} ({df.height} rows)")


if __name__ == "__main__":
    main()
