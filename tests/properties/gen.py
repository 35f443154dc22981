"""Random scenarios for the property tests: factor sets (direct-form factors and NCVs with sector
patterns, region patterns and year ranges) and activity rows that every set of the scenario can
price. Everything is drawn from one numpy seed, so a failing example is reproducible.

A scenario is plain data (lists of dicts); :func:`write_scenario` writes it as factor-set folders
(via conftest.make_factor_set) and one or more Parquet activity files.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from conftest import make_factor_set, write_activity

GASES = ("CO2", "CH4", "N2O")

# activity -> (fuel_class, activity units, factor units, ncv units)
ACTIVITIES = {
    "coal_a": ("solid", ["t", "kg", "10^4 t", "Gg", "kt", "GJ", "tce"], ["kg/TJ", "t/TJ", "kg/GJ", "t/t", "kg/t", "t/10^4 t"], ["GJ/t", "TJ/Gg", "kJ/kg",
        "MJ/kg"]),
    "oil_b": ("liquid", ["t", "10^4 t", "kg", "TJ"], ["kg/TJ", "t/GJ", "t/t", "g/kg"], ["GJ/t", "TJ/Gg", "kJ/kg"]),
    "gas_c": ("gaseous", ["m^3", "10^4 m^3", "10^8 m^3", "Nm^3", "L"], ["kg/TJ", "t/GJ", "t/10^4 m^3", "kg/m^3"], ["GJ/10^4 m^3", "kJ/m^3", "MJ/m^3"]),
    "power": ("electricity", ["kWh", "MWh", "10^4 kWh", "10^8 kWh", "GJ", "TJ", "tce"], ["kg/kWh", "t/MWh", "t/GJ", "t/10^4 kWh", "kg/TJ"], []),
    "wood": ("biomass", ["t", "kg"], ["kg/TJ", "t/t"], ["GJ/t"]),
}

SECTORS = ["1.A.1.a", "1.A.1.b", "1.A.1", "1.A.2.a", "1.A.2.c", "1.A.3.b", "1.A.4.a", "1.A.4.b", "2.A.1", "1.A.1.a.i", "2.B.1", "2.B.10"]
SECTOR_PATTERNS = ["*", "1.*", "1.A.*", "1.A.1.*", "1.A.1.a.*", "1.A.2.*", "1.A.4.*", "2.*", "2.A.*",
                   "1.A.1.a", "1.A.1.b", "1.A.2.a", "1.A.4.b", "2.A.1", "1.A.1", "1.A.1.a.i", "1.B.*", "2.B.1.*", "2.B.1", "2.B.10"]
REGIONS = ["510105", "510106", "510700", "520100", "110101"]
REGION_PATTERNS = ["*", "5*", "51*", "5101*", "510105", "510106", "52*", "520100", "11*", "1101*", "6*"]
YEARS = [2018, 2019, 2020, 2021, 2022]
# single ranges, or pairs of disjoint ranges for one (activity, sector, region, gas)
YEAR_SPECS = [[("", "")], [("", "")], [("", "2019"), ("2020", "")], [("2019", "2021")], [("2018", "2018")], [("", "2020"), ("2021", "2021")]]

SRC = "property test,generated,D"


@dataclass
class Scenario:
    sets: list[dict] = field(default_factory=list)  # {"name", "ef": [dict], "conv": [dict]}
    rows: list[dict] = field(default_factory=list)  # activity rows
    activities: list[str] = field(default_factory=list)

    def scaled_amounts(self, k: float) -> Scenario:
        return replace(self, rows=[{**r, "amount": r["amount"] * k} for r in self.rows])

    def scaled_factors(self, k: float) -> Scenario:
        sets = [{**s, "ef": [{**e, "value": e["value"] * k} for e in s["ef"]]} for s in self.sets]
        return replace(self, sets=sets)


def _value(rng, lo=0.01, hi=100.0) -> float:
    return float(rng.uniform(lo, hi))


def random_scenario(seed: int, n_rows: int = 200, n_sets: int | None = None, activities: list[str] | None = None) -> Scenario:
    rng = np.random.default_rng(seed)
    acts = activities or list(ACTIVITIES)
    n_sets = n_sets or int(rng.integers(1, 4))
    sets = []
    for s in range(n_sets):
        last = s == n_sets - 1
        ef, conv = [], []
        for act in acts:
            _, _, f_units, n_units = ACTIVITIES[act]
            for gas in GASES:
                if last and gas == "CO2":
                    # catch-all so every cell has a factor
                    ef.append(dict(activity=act, sector="*", region="*", year_from="", year_to="", gas=gas,
                                   value=_value(rng), unit=str(rng.choice(f_units))))
                n_pairs = int(rng.integers(0, 5))
                pairs = set()
                for _ in range(n_pairs):
                    pairs.add((str(rng.choice(SECTOR_PATTERNS)), str(rng.choice(REGION_PATTERNS))))
                if last and gas == "CO2":
                    pairs.discard(("*", "*"))
                for sec, reg in sorted(pairs):
                    spec = YEAR_SPECS[int(rng.integers(0, len(YEAR_SPECS)))]
                    for y0, y1 in spec:
                        ef.append(dict(activity=act, sector=sec, region=reg, year_from=y0, year_to=y1, gas=gas,
                                       value=_value(rng), unit=str(rng.choice(f_units))))
            if n_units:
                regs = {"*"} if last else set()
                for _ in range(int(rng.integers(0, 3))):
                    regs.add(str(rng.choice(REGION_PATTERNS)))
                for reg in sorted(regs):
                    if reg == "*" and last:
                        spec = [("", "")]
                    else:
                        spec = YEAR_SPECS[int(rng.integers(0, len(YEAR_SPECS)))]
                    for y0, y1 in spec:
                        u = str(rng.choice(n_units))
                        # NCV around realistic magnitudes in GJ per t or per m^3
                        gj = _value(rng, 5, 50) if "10^4" not in u and "m^3" not in u else _value(rng, 0.02, 0.05)
                        scale = {"GJ/t": 1, "TJ/Gg": 1, "kJ/kg": 1e3, "MJ/kg": 1, "GJ/10^4 m^3": 1e4, "kJ/m^3": 1e6, "MJ/m^3": 1e3}[u]
                        conv.append(dict(activity=act, quantity="ncv", region=reg, year_from=y0, year_to=y1, value=gj * scale, unit=u))
        sets.append({"name": f"pset{s}", "ef": ef, "conv": conv})

    rows = []
    keys = []
    for _ in range(max(1, n_rows // 2)):  # about two rows per key, so the cube sums
        act = str(rng.choice(acts))
        keys.append((int(rng.choice(YEARS)), str(rng.choice(REGIONS)), str(rng.choice(SECTORS)), act))
    for _i in range(n_rows):
        y, reg, sec, act = keys[int(rng.integers(0, len(keys)))]
        unit = str(rng.choice(ACTIVITIES[act][1]))
        amount = float(rng.uniform(0, 1000)) if rng.random() > 0.05 else 0.0
        rows.append(dict(year=y, region=reg, sector=sec, activity=act, amount=amount, unit=unit))
    return Scenario(sets=sets, rows=rows, activities=acts)


def ef_line(e: dict) -> str:
    return f"{e['activity']},{e['sector']},{e['region']},{e['year_from']},{e['year_to']},{e['gas']},{e['value']!r},{e['unit']},{SRC}"


def conv_line(c: dict) -> str:
    return f"{c['activity']},{c['quantity']},{c['region']},{c['year_from']},{c['year_to']},{c['value']!r},{c['unit']},{SRC}"


def activity_lines(acts: list[str]) -> list[str]:
    return [f"{a},{a},,,{ACTIVITIES[a][0]}" for a in acts]


def write_sets(sc: Scenario, folder: Path) -> list[Path]:
    out = []
    for s in sc.sets:
        out.append(
            make_factor_set(
                folder / s["name"],
                ef=[ef_line(e) for e in s["ef"]],
                conv=[conv_line(c) for c in s["conv"]],
                activities=activity_lines(sc.activities),
            )
        )
    return out


def write_rows(rows: list[dict], folder: Path, n_files: int = 1, rng: np.random.Generator | None = None) -> list[Path]:
    """Write rows to ``n_files`` Parquet files (random assignment when rng is given)."""
    folder.mkdir(parents=True, exist_ok=True)
    if n_files == 1:
        return [write_activity(folder / "part-0.parquet", rows)]
    assign = rng.integers(0, n_files, len(rows)) if rng is not None else np.arange(len(rows)) % n_files
    paths = []
    for f in range(n_files):
        part = [r for r, a in zip(rows, assign) if a == f]
        if part:
            paths.append(write_activity(folder / f"part-{f}.parquet", part))
    return paths
