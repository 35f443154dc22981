"""``ghginv compile --activity … --factors … --climate-zone ZONE``: landfill first-order decay (4.A)
without an inventory TOML. The flag sets ``[waste] climate_zone`` (k of 2006 IPCC GL Vol 5 Table 3.3)."""

from __future__ import annotations

import polars as pl
import pytest

from ghginv import compile_inventory
from ghginv.cli import main

from conftest import ROOT, write_activity

WASTE = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_waste"
R = "510105"


@pytest.fixture
def deposits(tmp_path):
    rows = [dict(year=y, region=R, sector="4.A.1", activity="msw_food", amount=20_000.0, unit="t") for y in range(2015, 2025)]
    return write_activity(tmp_path / "deposits.parquet", rows)


def _cli(*args):
    return main(["compile", *map(str, args)])


def test_climate_zone_flag_equals_the_toml_setting(tmp_path, deposits, capsys):
    out = tmp_path / "out"
    assert _cli("--activity", deposits, "--factors", WASTE, "--gwp", "AR5GWP100", "--out", out, "--climate-zone", "tropical_moist_wet") == 0
    got = pl.read_parquet(out / "emissions.parquet").sort("year")
    ref = compile_inventory(activity=[str(deposits)], factors=[str(WASTE)], gwp="AR5GWP100",
                            extra={"waste": {"climate_zone": "tropical_moist_wet"}}).emissions.sort("year")
    assert got["emissions_t"].to_list() == ref["emissions_t"].to_list()
    # the first decay year by hand: DDOCm = 20 Gg × DOC 0.15 × DOCf 0.5 × MCF 1.0 = 1.5 Gg; with the IPCC Waste
    # Model's 6-month delay a year's deposit starts to decay in the next year (nothing in 2015), so
    # CH4 2016 = 1.5 × (1 − e^-k) × F 0.5 × 16/12, k food tropical moist/wet = 0.40 (Vol 5 Table 3.3)
    import math

    e2016 = 1.5 * (1 - math.exp(-0.40)) * 0.5 * 16 / 12 * 1000
    assert got.filter(pl.col("year") == 2015)["emissions_t"].sum() == 0.0
    assert got.filter(pl.col("year") == 2016)["emissions_t"].sum() == pytest.approx(e2016, rel=1e-9)
    import json

    assert json.loads((out / "manifest.json").read_text())["waste"]["climate_zone"] == "tropical_moist_wet"
    assert "completeness" in capsys.readouterr().out


def test_without_climate_zone_fod_fails_clearly(tmp_path, deposits, capsys):
    assert _cli("--activity", deposits, "--factors", WASTE, "--out", tmp_path / "o") == 2
    assert "climate_zone" in capsys.readouterr().err
    assert _cli("--activity", deposits, "--factors", WASTE, "--out", tmp_path / "o", "--climate-zone", "arctic") == 2
    err = capsys.readouterr().err
    assert "'arctic'" in err and "boreal_temperate_wet" in err
    assert not (tmp_path / "o").exists()


def test_notation_keys_flag(tmp_path, deposits):
    keys = tmp_path / "keys.csv"
    keys.write_text("category,gas,key,reason,where\n4.D,,NO,no sewer system in the district,\n3,,NO,,\n", encoding="utf-8")
    out = tmp_path / "out"
    assert _cli("--activity", deposits, "--factors", WASTE, "--out", out, "--climate-zone", "tropical_dry", "--notation-keys", keys, "-q") == 0
    inv = pl.read_parquet(out / "inventory.parquet").filter(pl.col("notation_key").is_not_null())
    key = {(c, g): k for c, g, k in inv.filter(pl.col("year") == 2024).select("category", "gas", "notation_key").iter_rows()}
    assert key[("4.D", "CH4")] == key[("4.D", "N2O")] == key[("3.A", "CH4")] == key[("3", "CO2")] == "NO"
    assert key[("4.B", "CH4")] == key[("4", "N2O")] == key[("2", "NF3")] == "NE" and ("4.A", "CH4") not in key
