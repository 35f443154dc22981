"""Shared by the Tier 1 reference tests (IPPU, agriculture): compile a few activity rows of 2024 with
one factor set, and read back one emission value."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ghginv import compile_inventory

from conftest import write_activity


def compile_rows(tmp_path: Path, rows: list[dict], *, factor_set: Path, region: str = "510105", gwp: str = "AR5GWP100",
                 name: str = "activity.parquet"):
    """Compile ``rows`` (sector, activity, amount, unit) of 2024 in ``region`` with ``factor_set`` alone."""
    act = write_activity(tmp_path / name, [dict(year=2024, region=region, **r) for r in rows])
    return compile_inventory(activity=[str(act)], factors=[str(factor_set)], gwp=gwp)


def emission(res, sector: str, activity: str, gas: str, col: str = "emissions_t") -> float:
    """The one emissions row of (sector, activity, gas); fails if there is not exactly one."""
    rows = res.emissions.filter(pl.col("sector") == sector, pl.col("activity") == activity, pl.col("gas") == gas)
    assert rows.height == 1
    return rows[col][0]
