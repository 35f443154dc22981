"""Landfill deposits before the first inventory year reach first-order decay (issue 7)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

import ghginv

ROOT = Path(__file__).resolve().parents[2]
TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic_sectors.toml"


def _by_year(df: pl.DataFrame) -> pl.DataFrame:
    return df.group_by("year", "scope", "category", "gas").agg(pl.col("co2e_t").sum()).sort("year", "scope", "category", "gas")


def test_years_setting_keeps_the_deposit_history():
    full = ghginv.compile_inventory(TOML)
    some = ghginv.compile_inventory(TOML, years=(2020, 2024))
    assert sorted(some.emissions["year"].unique().to_list()) == [2020, 2021, 2022, 2023, 2024]
    assert sorted(some.inventory["year"].unique().to_list()) == [2020, 2021, 2022, 2023, 2024]
    # deposits from 1995 on are in the cube; nothing else before 2020 is
    early = some.cube.cells.filter(pl.col("year") < 2020)
    assert early.height > 0 and early["sector"].str.starts_with("4.A").all()
    waste_full = full.inventory.filter(pl.col("year") >= 2020, pl.col("category").str.starts_with("4.A"))
    waste_some = some.inventory.filter(pl.col("category").str.starts_with("4.A"))
    assert_frame_equal(_by_year(waste_some), _by_year(waste_full), check_exact=False, rel_tol=1e-12)
    tot = lambda r: _by_year(r.inventory.filter(pl.col("level") == 0, pl.col("year") >= 2020))  # noqa: E731
    assert_frame_equal(tot(some), tot(full), check_exact=False, rel_tol=1e-12)
    assert some.manifest()["checks"]
