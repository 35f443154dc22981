"""Helpers shared by the reliability tests: tiny factor set, activity files, CLI runs, ledgers."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, make_factor_set, write_activity

EXAMPLES = ROOT / "ghginv" / "data" / "demo" / "ledgers"
SRC = "2006 IPCC GL Vol 2"


def tiny_set(folder: Path) -> Path:
    """natural_gas (CO2 56,100 kg/TJ, NCV 48.0 TJ/Gg) and diesel (74,100 kg/TJ, 43.0 TJ/Gg)."""
    return make_factor_set(
        folder,
        ef=[f"natural_gas,*,*,,,CO2,56100,kg/TJ,{SRC},Table 1.4,V2", f"diesel,*,*,,,CO2,74100,kg/TJ,{SRC},Table 1.4,V2"],
        conv=[f"natural_gas,ncv,*,,,48.0,TJ/Gg,{SRC},Table 1.2,V2", f"diesel,ncv,*,,,43.0,TJ/Gg,{SRC},Table 1.2,V2"],
        activities=["natural_gas,Natural Gas,天然气,Natural Gas,gaseous", "diesel,Gas/Diesel Oil,柴油,Gas/Diesel Oil,liquid"],
    )


def row(**kw) -> dict:
    d = dict(year=2022, region="510105", sector="1.A.4.b", activity="natural_gas", amount=10.0, unit="t")
    d.update(kw)
    return d


def tiny_activity(path: Path, rows: list[dict] | None = None) -> Path:
    return write_activity(path, rows or [row(), row(activity="diesel", amount=5.0, sector="1.A.2.c")])


def run_cli(*args, cwd: Path, env: dict | None = None, timeout: int = 180) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if k != "GHGINV_FACTORS_PATH"}
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "ghginv.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=e, timeout=timeout)


def siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode(encoding)


LONG_MAPPING = """
[ledger]
layout = "long"
[constants]
year = 2022
region = "510105"
sector = "1.A.4.b"
[columns]
item = "能源名称"
unit = "计量单位"
amount = "消费量"
[activities]
"天然气" = "natural_gas"
"柴油" = "diesel"
"""


def long_ledger(rows: list[list]) -> list[list]:
    return [["能源名称", "计量单位", "消费量"], *rows]
