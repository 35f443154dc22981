#!/usr/bin/env python3
"""Generate SYNTHETIC demo activity data for a Chinese urban district.

The data written by this script are SYNTHETIC. They are drawn from a seeded random number
generator and are NOT real statistics of Qingyang District (Chengdu, GB/T 2260 code 510105)
or of any enterprise, institution or street in it. The district is only a loose model for
the structure and the order of magnitude of a service-economy urban district of about one
million people: 8 streets (jiedao, codes 510105001..510105008), a few thousand reporting
entities (enterprises, public institutions, transport fleets) plus one aggregate residential
entity and one aggregate non-fleet road-vehicle entity per street.

Output: Hive-partitioned Parquet, one file per year,

    <out>/year=2020/part-0.parquet ... <out>/year=2024/part-0.parquet

with the columns (in this order)

    region (string)     9-digit street code, e.g. 510105003
    sector (string)     IPCC 2006 category code, e.g. 1.A.4.a
    activity (string)   electricity, natural_gas, gasoline, diesel, lpg, raw_coal, heat, fuel_oil
    amount (float64)    strictly positive, in `unit`
    unit (string)       as a statistics bureau would report it: 10^4 kWh, kWh, MWh, 10^4 m^3,
                        m^3, t, 10^4 t, GJ
    entity_id (string)  E000123 (enterprise / institution / fleet), RES-<street> (aggregate
                        households), VEH-<street> (aggregate non-fleet road vehicles)

The year is carried only by the partition key (no year column in the files). Rows are sorted by
region, sector, activity, entity_id (then unit). One row per (entity, sector, activity, unit) and
year. The same seed gives byte-for-byte identical files (with the same pyarrow version).

Usage (from the repository root):

    .venv/bin/python ghginv/data/demo/generate_qingyang_synthetic.py            # seed 20200101
    .venv/bin/python ghginv/data/demo/generate_qingyang_synthetic.py --seed 7 --out /tmp/act
"""

from __future__ import annotations

import argparse
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

DEFAULT_SEED = 20200101
DEFAULT_OUT = Path(__file__).resolve().parent / "data" / "qingyang_synthetic" / "activity"

YEARS = (2020, 2021, 2022, 2023, 2024)
CAL_YEAR = 2021  # calibration year: the targets below are 2021 totals at macro index 1.0
STREETS = tuple(f"510105{i:03d}" for i in range(1, 9))

# Street weights (sum to 1). Central streets carry most of the commerce, the western
# streets most of the (light) industry; population is spread more evenly.
W_COMMERCE = (0.18, 0.16, 0.15, 0.12, 0.12, 0.10, 0.09, 0.08)
W_INDUSTRY = (0.03, 0.04, 0.05, 0.08, 0.12, 0.18, 0.25, 0.25)
W_POPULATION = (0.10, 0.09, 0.11, 0.13, 0.14, 0.14, 0.15, 0.14)
W_TRANSPORT = (0.10, 0.10, 0.12, 0.12, 0.13, 0.14, 0.15, 0.14)

# Base units in which the model works; the written unit is one of the reported units below.
UNIT_FACTOR = {  # reported unit -> base units per reported unit
    "kWh": 1.0, "MWh": 1e3, "10^4 kWh": 1e4,
    "m^3": 1.0, "10^4 m^3": 1e4,
    "t": 1.0, "10^4 t": 1e4,
    "GJ": 1.0,
}
UNIT_DECIMALS = {  # rounding of the reported figure, as in a statistical return
    "kWh": 0, "MWh": 2, "10^4 kWh": 2,
    "m^3": 0, "10^4 m^3": 2,
    "t": 2, "10^4 t": 4,
    "GJ": 0,
}

# Macro indices by (group, activity), one value per year in YEARS, 2021 = 1.0 (except where the
# stream starts at a different level). 2020 is depressed by COVID-19; 2022 has the Chengdu
# heat-wave / power rationing (more backup diesel, more household electricity) and the autumn
# lockdown; road gasoline is flat then falls as EVs spread; diesel falls; coal is phased out.
MACRO = {
    ("commercial", "electricity"): (0.94, 1.00, 1.02, 1.08, 1.13),
    ("commercial", "natural_gas"): (0.92, 1.00, 0.98, 1.04, 1.06),
    ("commercial", "lpg"): (0.95, 0.95, 0.90, 0.88, 0.85),
    ("commercial", "heat"): (0.95, 1.00, 1.00, 1.02, 1.03),
    ("commercial", "diesel"): (1.00, 1.00, 1.25, 1.00, 0.98),
    ("industry", "electricity"): (0.95, 1.00, 0.97, 1.01, 1.03),
    ("industry", "natural_gas"): (0.95, 1.00, 0.98, 1.02, 1.03),
    ("industry", "diesel"): (0.95, 1.00, 0.90, 0.85, 0.80),
    ("industry", "heat"): (0.95, 1.00, 1.00, 1.02, 1.03),
    ("industry", "raw_coal"): (1.00, 0.85, 0.70, 0.50, 0.00),
    ("industry", "fuel_oil"): (1.00, 0.90, 0.80, 0.70, 0.60),
    ("energy", "natural_gas"): (1.00, 1.00, 1.02, 1.03, 1.04),
    ("residential", "electricity"): (1.00, 1.00, 1.06, 1.08, 1.12),
    ("residential", "natural_gas"): (1.00, 1.00, 1.03, 1.05, 1.07),
    ("residential", "lpg"): (1.05, 1.00, 0.95, 0.90, 0.85),
    ("transport", "gasoline"): (0.93, 1.00, 0.98, 0.95, 0.90),
    ("transport", "diesel"): (0.97, 1.00, 0.95, 0.91, 0.87),
    ("transport", "natural_gas"): (1.00, 1.00, 0.93, 0.85, 0.78),
    ("transport", "lpg"): (1.05, 1.00, 0.90, 0.80, 0.70),
    ("transport", "electricity"): (0.80, 1.00, 1.35, 1.80, 2.30),
}

# 2021 targets (macro index 1.0, entities active in 2021), in base units kWh / m^3 / t / GJ.
# Keys are calibration classes; see the entity builders below.
TARGETS = {
    ("commercial", "electricity"): 2.00e9,
    ("commercial", "natural_gas"): 1.10e8,
    ("commercial", "lpg"): 2.5e3,
    ("commercial", "heat"): 5.0e5,
    ("commercial", "diesel"): 4.0e2,
    ("industry", "electricity"): 4.5e8,
    ("industry", "natural_gas"): 3.5e7,
    ("industry", "diesel"): 8.0e3,
    ("industry", "heat"): 6.0e5,
    ("industry", "raw_coal"): 1.2e4,  # calibrated on 2020 (see CAL_YEAR_OVERRIDE)
    ("industry", "fuel_oil"): 5.5e2,
    ("energy", "natural_gas"): 8.0e6,
    ("residential", "electricity"): 1.10e9,
    ("residential", "natural_gas"): 1.25e8,
    ("residential", "lpg"): 6.0e3,
    ("bus", "diesel"): 8.0e3,
    ("bus", "natural_gas"): 1.2e7,
    ("bus", "electricity"): 2.0e7,
    ("taxi", "gasoline"): 1.0e4,
    ("taxi", "natural_gas"): 8.0e6,
    ("taxi", "lpg"): 8.0e2,
    ("taxi", "electricity"): 1.0e7,
    ("freight", "diesel"): 4.0e4,
    ("freight", "gasoline"): 3.0e3,
    ("corporate", "gasoline"): 2.2e4,
    ("corporate", "diesel"): 1.0e3,
    ("vehicles", "gasoline"): 1.55e5,
    ("vehicles", "diesel"): 2.5e4,
}

# Classes calibrated on another year than CAL_YEAR.
CAL_YEAR_OVERRIDE = {("industry", "raw_coal"): 2020}

# Natural gas replacing 1 t of raw coal in a converted boiler (about 20.9 GJ/t coal at 80 %
# efficiency vs. 38.9 MJ/m^3 gas at 90 %), m^3 per t.
COAL_TO_GAS_M3_PER_T = 480.0


@dataclass
class Stream:
    """One reported series: (entity, sector, activity, unit) over the years."""

    entity_id: str
    region: str
    sector: str
    activity: str
    unit: str
    cal: tuple[str, str]   # calibration class (TARGETS key)
    macro: tuple[str, str]  # MACRO key
    weight: float           # relative size inside the calibration class
    start: int              # first active year
    end: int                # last active year
    trend: float            # entity-specific log growth per year
    sigma: float            # year-to-year noise (lognormal sigma)
    coal_source: Stream | None = None  # gas stream of a coal-to-gas converted boiler
    base: float = field(default=0.0)     # calibrated 2021 amount in base units


# Commercial / institutional (1.A.4.a) entity types:
# name, count, electricity median (10^4 kWh), sigma, churn (p_start_before, p_survive),
# p_gas, gas median (10^4 m^3), p_lpg, lpg median (t), p_heat, heat median (GJ),
# p_diesel (backup generators), diesel median (t)
COMMERCIAL_TYPES = (
    ("office", 900, 40.0, 1.0, (0.92, 0.94), 0.12, 1.5, 0.00, 0.0, 0.00, 0.0, 0.01, 2.0),
    ("retail_shop", 700, 4.0, 0.9, (0.82, 0.86), 0.05, 0.3, 0.02, 2.0, 0.00, 0.0, 0.00, 0.0),
    ("restaurant", 600, 8.0, 0.8, (0.80, 0.84), 0.80, 3.0, 0.15, 10.0, 0.00, 0.0, 0.00, 0.0),
    ("hotel", 150, 150.0, 0.8, (0.94, 0.95), 0.90, 15.0, 0.02, 5.0, 0.04, 15000.0, 0.05, 5.0),
    ("shopping_mall", 40, 800.0, 0.7, (0.95, 0.97), 0.40, 10.0, 0.00, 0.0, 0.00, 0.0, 0.10, 5.0),
    ("hospital", 45, 500.0, 0.9, (0.98, 1.00), 0.90, 40.0, 0.00, 0.0, 0.15, 30000.0, 0.40, 8.0),
    ("school", 220, 60.0, 0.8, (0.98, 0.99), 0.50, 3.0, 0.05, 5.0, 0.00, 0.0, 0.00, 0.0),
    ("government", 250, 30.0, 0.8, (0.99, 0.99), 0.25, 1.5, 0.00, 0.0, 0.00, 0.0, 0.02, 1.0),
    ("data_centre", 3, 4000.0, 0.4, (1.00, 1.00), 0.00, 0.0, 0.00, 0.0, 0.00, 0.0, 1.00, 20.0),
)

# Industry (1.A.2.x): sector, name, count, electricity median (10^4 kWh), sigma,
# p_gas, gas median (10^4 m^3), p_diesel, diesel median (t), p_heat, heat median (GJ)
INDUSTRY_TYPES = (
    ("1.A.2.e", "food_beverage", 110, 60.0, 1.0, 0.70, 15.0, 0.10, 20.0, 0.04, 20000.0),
    ("1.A.2.h", "machinery", 90, 80.0, 1.1, 0.50, 5.0, 0.15, 10.0, 0.00, 0.0),
    ("1.A.2.k", "construction", 160, 15.0, 1.0, 0.10, 1.0, 0.80, 40.0, 0.00, 0.0),
    ("1.A.2.m", "other_industry", 200, 40.0, 1.1, 0.50, 6.0, 0.10, 10.0, 0.04, 20000.0),
)
N_COAL_BOILERS = 8
COAL_LAST_YEAR = (2020, 2021, 2021, 2022, 2022, 2022, 2023, 2023)  # none burn coal in 2024
N_FUEL_OIL = 3


class Builder:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.streams: list[Stream] = []
        self.n_entities = 0
        self.next_id = 0
        # Shuffled enterprise numbers so that the id does not reveal the entity type.
        self.id_pool = rng.permutation(np.arange(1, 10000))

    # -- helpers ---------------------------------------------------------------------------
    def new_entity_id(self) -> str:
        n = int(self.id_pool[self.next_id])
        self.next_id += 1
        self.n_entities += 1
        return f"E{n:06d}"

    def street(self, weights) -> str:
        return STREETS[int(self.rng.choice(len(STREETS), p=np.asarray(weights)))]

    def lifetime(self, p_before: float, p_survive: float) -> tuple[int, int]:
        start = 2020 if self.rng.random() < p_before else int(self.rng.integers(2021, 2025))
        end = 2024 if self.rng.random() < p_survive else int(self.rng.integers(2020, 2024))
        if end < start:
            end = 2024
        return start, end

    def size(self, median: float, sigma: float) -> float:
        return float(median * math.exp(sigma * self.rng.standard_normal()))

    def elec_unit(self) -> str:
        u = self.rng.random()
        return "10^4 kWh" if u < 0.85 else ("kWh" if u < 0.95 else "MWh")

    def gas_unit(self) -> str:
        return "10^4 m^3" if self.rng.random() < 0.85 else "m^3"

    def add(self, eid, region, sector, activity, unit, cal, macro, weight, start, end, trend,
            sigma=0.06) -> Stream:
        s = Stream(eid, region, sector, activity, unit, cal, macro, weight, start, end,
                   trend + 0.01 * float(self.rng.standard_normal()), sigma)
        self.streams.append(s)
        return s

    # -- entity groups ---------------------------------------------------------------------
    def commercial(self) -> None:
        for (_name, count, e_med, sig, churn, p_gas, g_med, p_lpg, l_med, p_heat, h_med,
             p_dsl, d_med) in COMMERCIAL_TYPES:
            for _ in range(count):
                eid = self.new_entity_id()
                region = self.street(W_COMMERCE)
                start, end = self.lifetime(*churn)
                trend = 0.025 * float(self.rng.standard_normal())
                scale = self.size(1.0, sig)  # bigger entities use more of everything
                args = (eid, region, "1.A.4.a")
                self.add(*args, "electricity", self.elec_unit(), ("commercial", "electricity"),
                         ("commercial", "electricity"), e_med * 1e4 * scale, start, end, trend)
                if self.rng.random() < p_gas:
                    w = g_med * 1e4 * scale * self.size(1.0, 0.5)
                    self.add(*args, "natural_gas", self.gas_unit(), ("commercial", "natural_gas"),
                             ("commercial", "natural_gas"), w, start, end, trend)
                if self.rng.random() < p_lpg:
                    w = l_med * scale * self.size(1.0, 0.5)
                    self.add(*args, "lpg", "t", ("commercial", "lpg"), ("commercial", "lpg"),
                             w, start, end, trend, sigma=0.10)
                if self.rng.random() < p_heat:
                    w = h_med * scale * self.size(1.0, 0.4)
                    self.add(*args, "heat", "GJ", ("commercial", "heat"), ("commercial", "heat"),
                             w, start, end, trend)
                if self.rng.random() < p_dsl:
                    w = d_med * self.size(1.0, 0.6)
                    self.add(*args, "diesel", "t", ("commercial", "diesel"),
                             ("commercial", "diesel"), w, start, end, 0.0, sigma=0.25)

    def industry(self) -> None:
        candidates_coal: list[tuple[str, str, str, float, float]] = []
        candidates_oil: list[tuple[str, str, str, float]] = []
        for (sector, _name, count, e_med, sig, p_gas, g_med, p_dsl, d_med, p_heat,
             h_med) in INDUSTRY_TYPES:
            for _ in range(count):
                eid = self.new_entity_id()
                region = self.street(W_INDUSTRY)
                start, end = self.lifetime(0.92, 0.92)
                trend = 0.03 * float(self.rng.standard_normal())
                scale = self.size(1.0, sig)
                args = (eid, region, sector)
                self.add(*args, "electricity", self.elec_unit(), ("industry", "electricity"),
                         ("industry", "electricity"), e_med * 1e4 * scale, start, end, trend)
                if self.rng.random() < p_gas:
                    w = g_med * 1e4 * scale * self.size(1.0, 0.5)
                    self.add(*args, "natural_gas", self.gas_unit(), ("industry", "natural_gas"),
                             ("industry", "natural_gas"), w, start, end, trend)
                if self.rng.random() < p_dsl:
                    w = d_med * scale * self.size(1.0, 0.5)
                    self.add(*args, "diesel", "t", ("industry", "diesel"), ("industry", "diesel"),
                             w, start, end, trend, sigma=0.10)
                if self.rng.random() < p_heat:
                    w = h_med * scale * self.size(1.0, 0.4)
                    self.add(*args, "heat", "GJ", ("industry", "heat"), ("industry", "heat"),
                             w, start, end, trend)
                if start == 2020 and end == 2024:
                    if sector in ("1.A.2.e", "1.A.2.m"):
                        candidates_coal.append((eid, region, sector, scale, trend))
                    if sector in ("1.A.2.h", "1.A.2.m"):
                        candidates_oil.append((eid, region, sector, trend))

        # A handful of small coal-fired boilers (converted to natural gas one by one).
        picks = self.rng.choice(len(candidates_coal), size=N_COAL_BOILERS, replace=False)
        for k, i in enumerate(sorted(int(p) for p in picks)):
            eid, region, sector, scale, trend = candidates_coal[i]
            args = (eid, region, sector)
            coal = self.add(*args, "raw_coal", "t", ("industry", "raw_coal"),
                            ("industry", "raw_coal"), self.size(1.0, 0.4), 2020,
                            COAL_LAST_YEAR[k], 0.0)
            existing = [s for s in self.streams
                        if s.entity_id == eid and s.activity == "natural_gas"]
            if existing:
                gas = existing[0]
            else:
                gas = self.add(*args, "natural_gas", "10^4 m^3", ("industry", "natural_gas"),
                               ("industry", "natural_gas"), 4e4 * scale, 2020, 2024, trend)
            gas.coal_source = coal
        # Very little fuel oil.
        picks = self.rng.choice(len(candidates_oil), size=N_FUEL_OIL, replace=False)
        for i in sorted(int(p) for p in picks):
            eid, region, sector, trend = candidates_oil[i]
            self.add(eid, region, sector, "fuel_oil", "t", ("industry", "fuel_oil"),
                     ("industry", "fuel_oil"), self.size(1.0, 0.5), 2020, 2024, trend,
                     sigma=0.10)

    def energy(self) -> None:
        """Three small gas-fired heat boiler plants selling steam/hot water (1.A.1.a)."""
        for _ in range(3):
            eid = self.new_entity_id()
            region = self.street(W_INDUSTRY)
            self.add(eid, region, "1.A.1.a", "natural_gas", "10^4 m^3", ("energy", "natural_gas"),
                     ("energy", "natural_gas"), self.size(1.0, 0.4), 2020, 2024,
                     0.01 * float(self.rng.standard_normal()))

    def transport(self) -> None:
        rng = self.rng
        # Bus depots: diesel (falling), CNG, battery-electric (rising).
        for _ in range(4):
            eid = self.new_entity_id()
            args = (eid, self.street(W_TRANSPORT), "1.A.3.b")
            s = self.size(1.0, 0.3)
            self.add(*args, "diesel", "t", ("bus", "diesel"), ("transport", "diesel"),
                     s * self.size(1.0, 0.3), 2020, 2024, -0.06)
            self.add(*args, "natural_gas", "10^4 m^3", ("bus", "natural_gas"),
                     ("transport", "natural_gas"), s * self.size(1.0, 0.3), 2020, 2024, 0.0)
            self.add(*args, "electricity", "10^4 kWh", ("bus", "electricity"),
                     ("transport", "electricity"), s * self.size(1.0, 0.3), 2020, 2024, 0.0)
        # Taxi companies: gasoline/CNG dual fuel, some LPG, growing EV share.
        for _ in range(12):
            eid = self.new_entity_id()
            args = (eid, self.street(W_TRANSPORT), "1.A.3.b")
            s = self.size(1.0, 0.6)
            self.add(*args, "gasoline", "t", ("taxi", "gasoline"), ("transport", "gasoline"),
                     s * self.size(1.0, 0.2), 2020, 2024, -0.03)
            self.add(*args, "natural_gas", self.gas_unit(), ("taxi", "natural_gas"),
                     ("transport", "natural_gas"), s * self.size(1.0, 0.2), 2020, 2024, 0.0)
            if rng.random() < 0.5:
                self.add(*args, "lpg", "t", ("taxi", "lpg"), ("transport", "lpg"),
                         s * self.size(1.0, 0.3), 2020, 2024, 0.0, sigma=0.10)
            if rng.random() < 0.6:
                self.add(*args, "electricity", self.elec_unit(), ("taxi", "electricity"),
                         ("transport", "electricity"), s * self.size(1.0, 0.4), 2020, 2024, 0.0)
        # Freight and logistics fleets.
        for _ in range(150):
            eid = self.new_entity_id()
            args = (eid, self.street(W_TRANSPORT), "1.A.3.b")
            start, end = self.lifetime(0.90, 0.90)
            trend = 0.04 * float(rng.standard_normal())
            s = self.size(1.0, 1.0)
            self.add(*args, "diesel", "t", ("freight", "diesel"), ("transport", "diesel"),
                     s, start, end, trend, sigma=0.08)
            if rng.random() < 0.3:
                self.add(*args, "gasoline", "t", ("freight", "gasoline"),
                         ("transport", "gasoline"), s * self.size(0.3, 0.5), start, end, trend,
                         sigma=0.08)
        # Corporate, rental and ride-hailing fleets.
        for _ in range(130):
            eid = self.new_entity_id()
            args = (eid, self.street(W_COMMERCE), "1.A.3.b")
            start, end = self.lifetime(0.88, 0.90)
            trend = 0.04 * float(rng.standard_normal())
            s = self.size(1.0, 0.9)
            self.add(*args, "gasoline", "t", ("corporate", "gasoline"),
                     ("transport", "gasoline"), s, start, end, trend, sigma=0.08)
            if rng.random() < 0.1:
                self.add(*args, "diesel", "t", ("corporate", "diesel"), ("transport", "diesel"),
                         s * self.size(0.5, 0.5), start, end, trend, sigma=0.08)
        # Non-fleet road vehicles per street (fuel-sales based estimate), reported in 10^4 t.
        for street, w in zip(STREETS, W_POPULATION):
            eid = f"VEH-{street}"
            self.n_entities += 1
            args = (eid, street, "1.A.3.b")
            self.add(*args, "gasoline", "10^4 t", ("vehicles", "gasoline"),
                     ("transport", "gasoline"), w * self.size(1.0, 0.15), 2020, 2024, -0.01,
                     sigma=0.02)
            self.add(*args, "diesel", "10^4 t", ("vehicles", "diesel"), ("transport", "diesel"),
                     w * self.size(1.0, 0.2), 2020, 2024, -0.01, sigma=0.02)

    def residential(self) -> None:
        for street, w in zip(STREETS, W_POPULATION):
            eid = f"RES-{street}"
            self.n_entities += 1
            args = (eid, street, "1.A.4.b")
            for act, unit in (("electricity", "10^4 kWh"), ("natural_gas", "10^4 m^3"),
                              ("lpg", "t")):
                self.add(*args, act, unit, ("residential", act), ("residential", act),
                         w * self.size(1.0, 0.1), 2020, 2024, 0.005, sigma=0.02)


def build(seed: int) -> tuple[list[Stream], np.ndarray, int]:
    rng = np.random.default_rng(seed)
    b = Builder(rng)
    b.commercial()
    b.industry()
    b.energy()
    b.transport()
    b.residential()
    streams = b.streams

    # Calibrate: sum over streams active in CAL_YEAR of weight == target.
    totals: dict[tuple[str, str], float] = {}
    for s in streams:
        cal_year = CAL_YEAR_OVERRIDE.get(s.cal, CAL_YEAR)
        if s.start <= cal_year <= s.end:
            totals[s.cal] = totals.get(s.cal, 0.0) + s.weight
    missing = set(TARGETS) - set(totals)
    if missing:
        raise RuntimeError(f"no stream for calibration classes {sorted(missing)}")
    for s in streams:
        s.base = s.weight * TARGETS[s.cal] / totals[s.cal]

    sigma = np.array([s.sigma for s in streams])
    noise = rng.lognormal(0.0, sigma[:, None], size=(len(streams), len(YEARS)))
    return streams, noise, b.n_entities


def amounts_for_year(streams: list[Stream], noise: np.ndarray, yi: int) -> list[tuple]:
    year = YEARS[yi]
    rows = []
    for k, s in enumerate(streams):
        if not (s.start <= year <= s.end):
            continue
        value = s.base * MACRO[s.macro][yi] * math.exp(s.trend * (year - CAL_YEAR)) * noise[k, yi]
        if s.coal_source is not None:
            c = s.coal_source
            burnt = c.base * MACRO[c.macro][yi] if year <= c.end else 0.0
            replaced = max(c.base * MACRO[c.macro][0] - burnt, 0.0)  # vs. the 2020 level
            value += replaced * COAL_TO_GAS_M3_PER_T
        if value <= 0.0:
            continue
        dec = UNIT_DECIMALS[s.unit]
        amount = round(value / UNIT_FACTOR[s.unit], dec)
        amount = max(amount, 10.0 ** -dec)  # strictly positive after rounding
        if not math.isfinite(amount) or amount <= 0.0:
            raise RuntimeError(f"bad amount {amount!r} for {s}")
        rows.append((s.region, s.sector, s.activity, s.entity_id, s.unit, float(amount)))
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3], r[4]))
    keys = [(r[3], r[1], r[2], r[4]) for r in rows]
    if len(set(keys)) != len(keys):
        raise RuntimeError(f"duplicate (entity, sector, activity, unit) rows in {year}")
    return rows


SCHEMA = pa.schema([
    ("region", pa.string()),
    ("sector", pa.string()),
    ("activity", pa.string()),
    ("amount", pa.float64()),
    ("unit", pa.string()),
    ("entity_id", pa.string()),
])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Write SYNTHETIC (not real) demo activity data for an urban district "
                    "modelled loosely on Qingyang District, Chengdu (510105).")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT,
                    help="output directory (default: data/qingyang_synthetic/activity next to "
                         "this script, i.e. ghginv/data/demo/data/qingyang_synthetic/activity)")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED,
                    help=f"random seed (default {DEFAULT_SEED})")
    args = ap.parse_args(argv)

    streams, noise, n_entities = build(args.seed)

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for old in sorted(out.glob("year=*")):  # clean previous partitions only
        if old.is_dir():
            shutil.rmtree(old)
        else:
            old.unlink()

    n_rows = n_bytes = n_files = 0
    for yi, year in enumerate(YEARS):
        rows = amounts_for_year(streams, noise, yi)
        cols = list(zip(*rows))
        table = pa.table({
            "region": pa.array(cols[0], pa.string()),
            "sector": pa.array(cols[1], pa.string()),
            "activity": pa.array(cols[2], pa.string()),
            "amount": pa.array(cols[5], pa.float64()),
            "unit": pa.array(cols[4], pa.string()),
            "entity_id": pa.array(cols[3], pa.string()),
        }, schema=SCHEMA)
        part_dir = out / f"year={year}"
        part_dir.mkdir(parents=True, exist_ok=True)
        path = part_dir / "part-0.parquet"
        pq.write_table(table, path, use_dictionary=True, compression="zstd",
                       write_statistics=False)
        n_rows += table.num_rows
        n_bytes += path.stat().st_size
        n_files += 1

    print(f"wrote synthetic demo data (not real statistics): {n_rows} rows, {n_files} files, "
          f"{n_bytes} bytes, {n_entities} entities, seed {args.seed} -> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
