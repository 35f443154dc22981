"""Helpers for the carbon-sink tests: tiny sink parameter sets and sink data files."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

SINK_HEADER = "stratum,region,year_from,year_to,parameter,value,unit,source,source_locator,status"


def make_sink_set(folder: Path, rows: list[str], *, synthetic: bool = False, name: str | None = None) -> Path:
    """A factor set with only ``sink_parameters.csv`` (rows without header)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = SINK_HEADER + "\n" + "\n".join(rows) + "\n"
    (folder / "sink_parameters.csv").write_text(text, encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    (folder / "manifest.toml").write_text(
        "\n".join([
            f'name = "{name or folder.name}"', 'version = "test.1"', 'title = "test sink set"', 'publisher = "tests"',
            'published = "2024-01-01"', 'url = "https://example.invalid/test"', 'license = "CC0"',
            *(["synthetic = true"] if synthetic else []),
            "[files]", f'"sink_parameters.csv" = "sha256:{digest}"',
        ]) + "\n",
        encoding="utf-8",
    )
    return folder


def p(stratum: str, parameter: str, value, unit: str, status: str = "S", region: str = "*", years: str = ",") -> str:
    """One sink parameter row."""
    return f"{stratum},{region},{years},{parameter},{value},{unit},test source,test locator,{status}"


FOREST = [
    p("*", "carbon_fraction", 0.47, "t C/t d.m."),
    p("*", "root_shoot", 0.29, "ratio"),
    p("*", "bcef_i", 0.8, "t d.m./m^3"),
    p("*", "bcef_r", 0.8, "t d.m./m^3"),
    p("*", "bcef_s", 0.8, "t d.m./m^3"),
]


def write_sinks(path: Path, rows: list[dict], fmt: str | None = None) -> Path:
    """Sink data rows (dicts) to CSV or Parquet (by suffix)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    base = {"year": 2020, "region": "510105", "category": "3.B.1.a", "stratum": "pine", "variable": "area", "value": 1.0, "unit": "ha"}
    df = pl.DataFrame([{**base, **r} for r in rows])
    if (fmt or path.suffix.lstrip(".")) == "csv":
        df.write_csv(path)
    else:
        df.write_parquet(path)
    return path
