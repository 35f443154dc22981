#!/usr/bin/env python3
"""Generate SYNTHETIC benchmark data: activity rows at 1 M … 300 M rows and synthetic factor sets.

Everything written here is SYNTHETIC — drawn from a seeded random number generator. The activity
rows are not statistics of any region or enterprise, and the factor values of the
``synthetic_bench_*`` sets are invented magnitudes for timing the calculator, not emission
factors: never use them for an inventory. They are written under ``benchmarks/data/`` (ignored by
git), never under the shipped sets (``ghginv/data/factor_sets/``).

Activity data follow the data contract (README "Activity data"):

    benchmarks/data/activity_<size>/year=YYYY/part-NNNN.parquet
        region (string, dictionary-encoded)   6-digit GB/T 2260-style county code
        sector (string, dictionary-encoded)   IPCC 2006 category code
        activity (string, dictionary-encoded) electricity, natural_gas, raw_coal, …
        amount (float64)                      > 0, in `unit`, rounded as in a statistical return
        unit (string, dictionary-encoded)     kWh, 10^4 kWh, MWh, m^3, 10^4 m^3, t, 10^4 t, GJ

Skew, as in enterprise energy ledgers: electricity and natural gas are most of the rows; regions
follow a Zipf law (a few large cities, a long tail of counties); each activity has its own mix of
sectors and of reporting units (a 10^4 scale is common). The year comes from the ``year=YYYY``
partition folder. Files hold at most 10 M rows, in row groups of 1 M rows; rows are written batch
by batch (1 M at a time), so memory does not grow with the row count.

Factor sets (``benchmarks/data/factors/``), in the precedence order of the benchmark runs:

* ``synthetic_bench_provincial`` — CO2 of electricity and heat per province (region ``PP*``) in
  year ranges (…–2020, 2021, 2022–…), and natural-gas CO2 for a few provinces and sector groups;
* ``synthetic_bench_national`` — CO2 of every fuel at ``*`` with a break between 2020 and 2021,
  CH4 / N2O by sector group (``1.A.1.*``, ``1.A.2.*``, ``1.A.3.b.*``, ``1.A.4.*``);
* ``synthetic_bench_defaults`` — a catch-all CO2, CH4 and N2O row for every activity.

Factor units are in each activity's own dimension (t/MWh, t/10^4 m^3, t/t, t/GJ), so the same
numbers can be recomputed by a plain SQL script (the DuckDB baseline of the benchmark).

Usage::

    .venv/bin/python benchmarks/generate.py 1M 10M          # sizes: 1M 10M 100M 300M (or a number)
    .venv/bin/python benchmarks/generate.py 100M --seed 7 --out /tmp/bench
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

DEFAULT_SEED = 20240601
DATA = Path(__file__).resolve().parent / "data"
YEARS = (2019, 2020, 2021, 2022, 2023)
N_REGIONS = 500  # a large province's counties; --regions for other cardinalities
ZIPF_S = 1.1
BATCH = 1 << 20
FILE_ROWS = 10_000_000
SIZES = {"1M": 1_000_000, "10M": 10_000_000, "100M": 100_000_000, "300M": 300_000_000}
SET_NAMES = ("synthetic_bench_provincial", "synthetic_bench_national", "synthetic_bench_defaults")
PROVINCES = ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
             "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65")

# activity: (share of rows, fuel_class, {sector: weight}, {unit: weight}, typical amount in base unit)
ACTIVITIES = {
    "electricity": (0.46, "electricity",
                    {"1.A.4.a": 0.30, "1.A.4.b": 0.25, "1.A.2.a": 0.06, "1.A.2.c": 0.05, "1.A.2.e": 0.08, "1.A.2.k": 0.04,
                     "1.A.2.m": 0.07, "1.A.4.c.i": 0.05, "1.A.3.c": 0.02, "1.A.1.b": 0.03, "1.A.2.d": 0.05},
                    {"kWh": 0.45, "10^4 kWh": 0.45, "MWh": 0.10}, 2.0e5),
    "natural_gas": (0.24, "gaseous",
                    {"1.A.4.b": 0.40, "1.A.4.a": 0.25, "1.A.1.a": 0.03, "1.A.2.a": 0.05, "1.A.2.c": 0.06,
                     "1.A.2.e": 0.07, "1.A.3.b": 0.08, "1.A.2.m": 0.06},
                    {"m^3": 0.55, "10^4 m^3": 0.45}, 5.0e4),
    "diesel": (0.07, "liquid", {"1.A.3.b": 0.55, "1.A.4.c.ii": 0.15, "1.A.2.k": 0.15, "1.A.3.d": 0.05, "1.A.2.m": 0.10},
               {"t": 0.8, "10^4 t": 0.2}, 40.0),
    "gasoline": (0.07, "liquid", {"1.A.3.b": 0.85, "1.A.4.c.ii": 0.05, "1.A.4.a": 0.10}, {"t": 0.85, "10^4 t": 0.15}, 25.0),
    "raw_coal": (0.05, "solid", {"1.A.1.a": 0.25, "1.A.2.a": 0.25, "1.A.2.f": 0.20, "1.A.2.c": 0.15, "1.A.4.b": 0.10,
                                 "1.A.1.c": 0.05},
                 {"t": 0.6, "10^4 t": 0.4}, 3.0e3),
    "heat": (0.04, "heat", {"1.A.4.b": 0.55, "1.A.4.a": 0.35, "1.A.2.e": 0.10}, {"GJ": 1.0}, 8.0e3),
    "lpg": (0.03, "liquid", {"1.A.4.b": 0.60, "1.A.4.a": 0.35, "1.A.2.m": 0.05}, {"t": 1.0}, 5.0),
    "fuel_oil": (0.02, "liquid", {"1.A.1.a": 0.20, "1.A.2.c": 0.40, "1.A.3.d": 0.40}, {"t": 0.7, "10^4 t": 0.3}, 300.0),
    "coke": (0.01, "solid", {"1.A.2.a": 0.80, "1.A.2.b": 0.20}, {"t": 0.7, "10^4 t": 0.3}, 2.0e3),
    "kerosene": (0.01, "liquid", {"1.A.3.a.ii": 0.70, "1.A.4.b": 0.30}, {"t": 0.9, "10^4 t": 0.1}, 50.0),
}
UNIT_SCALE = {"kWh": 1.0, "10^4 kWh": 1e4, "MWh": 1e3, "m^3": 1.0, "10^4 m^3": 1e4, "t": 1.0, "10^4 t": 1e4, "GJ": 1.0}
UNIT_DECIMALS = {"kWh": 0, "10^4 kWh": 2, "MWh": 3, "m^3": 0, "10^4 m^3": 2, "t": 2, "10^4 t": 4, "GJ": 0}
# factor unit per activity dimension, and synthetic CO2 / CH4 / N2O magnitudes in that unit
FACTOR_UNIT = {"electricity": "t/MWh", "natural_gas": "t/10^4 m^3", "heat": "t/GJ"}
SYNTH_CO2 = {"electricity": 0.57, "natural_gas": 21.6, "heat": 0.11, "diesel": 3.1, "gasoline": 2.9, "raw_coal": 1.9,
             "lpg": 3.0, "fuel_oil": 3.2, "coke": 2.9, "kerosene": 3.0}
SRC = "synthetic benchmark value (ghginv benchmarks/generate.py) — not an emission factor,generated,D"


def regions(seed: int, n_regions: int = N_REGIONS) -> np.ndarray:
    """``n_regions`` distinct county codes, in Zipf rank order (rank 1 = most rows)."""
    rng = np.random.default_rng(seed)
    codes: set[str] = set()
    out = []
    while len(out) < n_regions:
        c = f"{PROVINCES[int(rng.integers(0, len(PROVINCES)))]}{int(rng.integers(1, 20)):02d}{int(rng.integers(1, 30)):02d}"
        if c not in codes:
            codes.add(c)
            out.append(c)
    return np.array(out, dtype=object)


def _dictionary_column(codes: np.ndarray, values: list[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(values, pa.string()))


class RowSampler:
    """Draws batches of activity rows for one year (deterministic per seed, year and batch)."""

    def __init__(self, seed: int, n_regions: int = N_REGIONS):
        self.seed = seed
        self.n_regions = n_regions
        self.region_values = list(regions(seed, n_regions))
        ranks = np.arange(1, n_regions + 1, dtype=np.float64)
        self.region_cdf = np.cumsum(ranks**-ZIPF_S / np.sum(ranks**-ZIPF_S))
        self.acts = list(ACTIVITIES)
        self.act_cdf = np.cumsum([ACTIVITIES[a][0] for a in self.acts])
        self.act_cdf /= self.act_cdf[-1]
        self.sectors = sorted({s for a in self.acts for s in ACTIVITIES[a][2]})
        self.units = list(UNIT_SCALE)
        self.sector_tabs = []  # per activity: (cdf, global sector codes)
        self.unit_tabs = []
        for a in self.acts:
            sw, uw = ACTIVITIES[a][2], ACTIVITIES[a][3]
            self.sector_tabs.append((np.cumsum(list(sw.values())) / sum(sw.values()), np.array([self.sectors.index(s) for s in sw])))
            self.unit_tabs.append((np.cumsum(list(uw.values())) / sum(uw.values()), np.array([self.units.index(u) for u in uw])))
        self.typical = np.array([ACTIVITIES[a][4] for a in self.acts])
        self.unit_scale = np.array([UNIT_SCALE[u] for u in self.units])
        self.unit_dec = np.array([UNIT_DECIMALS[u] for u in self.units])
        # region size multiplies amounts a little (big cities report bigger enterprises)
        self.region_mult = 1.0 + 2.0 / np.sqrt(np.arange(1, n_regions + 1))

    def batch(self, year: int, index: int, n: int) -> pa.RecordBatch:
        rng = np.random.default_rng([self.seed, year, index])
        u = rng.random((4, n))
        region = np.minimum(np.searchsorted(self.region_cdf, u[0]), self.n_regions - 1)
        act = np.minimum(np.searchsorted(self.act_cdf, u[1]), len(self.acts) - 1)
        sector = np.empty(n, np.int64)
        unit = np.empty(n, np.int64)
        for a in range(len(self.acts)):
            sel = np.nonzero(act == a)[0]
            cdf, codes = self.sector_tabs[a]
            sector[sel] = codes[np.minimum(np.searchsorted(cdf, u[2][sel]), len(codes) - 1)]
            cdf, codes = self.unit_tabs[a]
            unit[sel] = codes[np.minimum(np.searchsorted(cdf, u[3][sel]), len(codes) - 1)]
        base = self.typical[act] * self.region_mult[region] * (1.0 + 0.02 * (year - YEARS[0]))
        amount = rng.lognormal(0.0, 1.2, n) * base / self.unit_scale[unit]
        dec = self.unit_dec[unit]
        amount = np.maximum(np.round(amount * 10.0**dec) / 10.0**dec, 10.0**-dec)
        return pa.RecordBatch.from_arrays(
            [
                _dictionary_column(region, self.region_values),
                _dictionary_column(sector, self.sectors),
                _dictionary_column(act, self.acts),
                pa.array(amount, pa.float64()),
                _dictionary_column(unit, self.units),
            ],
            names=["region", "sector", "activity", "amount", "unit"],
        )


def write_activity(rows: int, out: Path, seed: int = DEFAULT_SEED, progress: bool = True, n_regions: int = N_REGIONS) -> Path:
    """Write ``rows`` activity rows (split evenly over YEARS) under ``out``; returns ``out``."""
    if out.exists():
        shutil.rmtree(out)
    sampler = RowSampler(seed, n_regions)
    per_year = [rows // len(YEARS) + (1 if i < rows % len(YEARS) else 0) for i in range(len(YEARS))]
    t0, done = time.perf_counter(), 0
    for year, n_year in zip(YEARS, per_year):
        folder = out / f"year={year}"
        folder.mkdir(parents=True)
        written, part, bi = 0, 0, 0
        while written < n_year:
            n_file = min(FILE_ROWS, n_year - written)
            tmp = folder / f".part-{part:04d}.parquet"
            with pq.ParquetWriter(tmp, sampler.batch(year, 0, 1).schema, compression="snappy") as w:
                k = 0
                while k < n_file:
                    n = min(BATCH, n_file - k)
                    w.write_batch(sampler.batch(year, bi, n), row_group_size=BATCH)
                    k += n
                    bi += 1
            tmp.rename(folder / f"part-{part:04d}.parquet")
            written += n_file
            done += n_file
            part += 1
            if progress:
                el = time.perf_counter() - t0
                print(f"\r  {done:,}/{rows:,} rows, {done / el / 1e6:.1f} M rows/s", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    return out


# -- synthetic factor sets ----------------------------------------------------------------------------


def _unit_of(act: str) -> str:
    return FACTOR_UNIT.get(act, "t/t")


def _sets(seed: int) -> dict[str, dict[str, list[str]]]:
    rng = np.random.default_rng([seed, 99])

    def val(x):
        return f"{x * float(rng.uniform(0.8, 1.2)):.6g}"

    prov, nat, dft = [], [], []
    for p in PROVINCES:
        for y0, y1 in (("", "2020"), ("2021", "2021"), ("2022", "")):
            prov.append(f"electricity,*,{p}*,{y0},{y1},CO2,{val(SYNTH_CO2['electricity'])},t/MWh,{SRC}")
        prov.append(f"heat,*,{p}*,,,CO2,{val(SYNTH_CO2['heat'])},t/GJ,{SRC}")
    for p in PROVINCES[::3]:
        prov.append(f"natural_gas,1.A.4.*,{p}*,,2021,CO2,{val(SYNTH_CO2['natural_gas'])},t/10^4 m^3,{SRC}")
        prov.append(f"natural_gas,1.A.4.*,{p}*,2022,,CO2,{val(SYNTH_CO2['natural_gas'])},t/10^4 m^3,{SRC}")
        prov.append(f"natural_gas,1.A.2.*,{p}*,,,CO2,{val(SYNTH_CO2['natural_gas'])},t/10^4 m^3,{SRC}")
    for a in ACTIVITIES:
        u = _unit_of(a)
        for y0, y1 in (("", "2020"), ("2021", "")):
            nat.append(f"{a},*,*,{y0},{y1},CO2,{val(SYNTH_CO2[a])},{u},{SRC}")
        if ACTIVITIES[a][1] in ("electricity", "heat"):
            continue
        for sec in ("1.A.1.*", "1.A.2.*", "1.A.3.b.*", "1.A.4.*"):
            nat.append(f"{a},{sec},*,,,CH4,{val(SYNTH_CO2[a] * 4e-5)},{u},{SRC}")
            nat.append(f"{a},{sec},*,,,N2O,{val(SYNTH_CO2[a] * 1e-5)},{u},{SRC}")
        dft.append(f"{a},*,*,,,CH4,{val(SYNTH_CO2[a] * 3e-5)},{u},{SRC}")
        dft.append(f"{a},*,*,,,N2O,{val(SYNTH_CO2[a] * 6e-6)},{u},{SRC}")
    for a in ACTIVITIES:
        dft.append(f"{a},*,*,,,CO2,{val(SYNTH_CO2[a])},{_unit_of(a)},{SRC}")
    return {SET_NAMES[0]: {"ef": prov}, SET_NAMES[1]: {"ef": nat}, SET_NAMES[2]: {"ef": dft}}


EF_HEADER = "activity,sector,region,year_from,year_to,gas,value,unit,source,source_locator,status"
ACT_HEADER = "activity,name_en,name_zh,ipcc_fuel,fuel_class"


def write_factor_sets(out: Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the three synthetic factor sets under ``out``; returns their folders in precedence order."""
    folders = []
    acts = [f"{a},{a.replace('_', ' ')} (synthetic benchmark),,,{ACTIVITIES[a][1]}" for a in ACTIVITIES]
    for name, data in _sets(seed).items():
        folder = out / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        files = {}
        for fname, header, rows in (("emission_factors.csv", EF_HEADER, data["ef"]), ("activities.csv", ACT_HEADER, acts)):
            text = header + "\n" + "\n".join(rows) + "\n"
            (folder / fname).write_text(text, encoding="utf-8")
            files[fname] = hashlib.sha256(text.encode()).hexdigest()
        manifest = [
            f'name = "{name}"',
            'version = "synthetic.1"',
            f'title = "SYNTHETIC benchmark factor set {name} — invented values, not emission factors"',
            'publisher = "ghginv benchmarks (synthetic)"',
            'published = "2024-06-01"',
            'url = "https://example.invalid/ghginv-synthetic-benchmark"',
            'license = "CC0"',
            f'description = "SYNTHETIC: written by benchmarks/generate.py with seed {seed} for timing runs only"',
            "[files]",
            *(f'"{k}" = "sha256:{v}"' for k, v in files.items()),
        ]
        (folder / "manifest.toml").write_text("\n".join(manifest) + "\n", encoding="utf-8")
        folders.append(folder)
    return folders


def activity_dir(size: str, root: Path = DATA, n_regions: int = N_REGIONS) -> Path:
    return root / (f"activity_synthetic_{size}" + ("" if n_regions == N_REGIONS else f"_r{n_regions}"))


def ensure(size: str, root: Path = DATA, seed: int = DEFAULT_SEED, progress: bool = True,
           n_regions: int = N_REGIONS) -> tuple[Path, list[Path]]:
    """Activity folder and factor sets for ``size``, generated if missing (a ``.complete`` stamp marks done)."""
    rows = parse_size(size)
    out = activity_dir(size, root, n_regions)
    stamp = out / ".complete"
    want = f"rows={rows} seed={seed} regions={n_regions}\n"
    if not (stamp.is_file() and stamp.read_text() == want):
        if progress:
            print(f"generating {rows:,} synthetic activity rows in {out}", file=sys.stderr)
        write_activity(rows, out, seed, progress, n_regions)
        stamp.write_text(want)
    return out, write_factor_sets(root / "factors", seed)


def parse_size(size: str) -> int:
    if size in SIZES:
        return SIZES[size]
    s = size.upper().replace("_", "")
    mult = {"K": 10**3, "M": 10**6}.get(s[-1:], 1)
    return int(float(s.rstrip("KM")) * mult)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sizes", nargs="+", help="1M, 10M, 100M, 300M or a row count (e.g. 2.5M)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--out", type=Path, default=DATA)
    ap.add_argument("--regions", type=int, default=N_REGIONS, help=f"distinct regions (default {N_REGIONS})")
    args = ap.parse_args(argv)
    for s in args.sizes:
        out, sets = ensure(s, args.out, args.seed, n_regions=args.regions)
        print(f"{out}  (factor sets: {', '.join(str(p) for p in sets)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
