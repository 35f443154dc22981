"""The demo inventory's (SYNTHETIC) carbon sinks: rows, values, cross-check, net in the summary."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO_TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
SINKS = ROOT / "ghginv" / "data" / "demo" / "data" / "qingyang_synthetic" / "sinks_synthetic.csv"
C2CO2 = 44.0 / 12.0


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_sinks") / "out"
    res = subprocess.run([sys.executable, "-m", "ghginv.cli", "compile", str(DEMO_TOML), "--out", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    return res.stdout, out


def test_summary_shows_gross_removals_net_and_synthetic_notices(demo):
    stdout, _ = demo
    for text in ("SYNTHETIC DEMO DATA", "SYNTHETIC PARAMETERS", "qingyang_sinks_synthetic",
                 "Gross direct emissions", "Removals", "Net direct emissions"):
        assert text in stdout, text


def test_sink_rows_and_values(demo):
    _, out = demo
    e = pl.read_parquet(out / "emissions.parquet")
    land = e.filter(pl.col("sector").str.starts_with("3.B"))
    assert set(land["sector"]) == {"3.B.1.a", "3.B.4.a", "3.B.5.a"}
    assert set(land["activity"]) == {"cupressus", "broadleaf", "urban_trees", "rewetted_organic_temperate_nutrient_poor"}
    assert (land["scope"] == "direct").all()
    data = pl.read_csv(SINKS)
    cc = data.filter(pl.col("variable") == "crown_cover").group_by("year").agg(pl.col("value").sum())
    urban = land.filter(pl.col("activity") == "urban_trees").group_by("year").agg(pl.col("emissions_t").sum())
    for y, ha in cc.iter_rows():
        got = urban.filter(pl.col("year") == y)["emissions_t"].item()
        assert got == pytest.approx(-ha * 2.5 * C2CO2, rel=1e-12)  # synthetic CRW 2.5 t C/ha/yr
    forest = land.filter(pl.col("sector") == "3.B.1.a")
    assert (forest["emissions_t"] < 0).all() and set(forest["factor_set"]) == {"qingyang_sinks_synthetic"}
    wet = land.filter(pl.col("sector") == "3.B.4.a")
    assert set(wet["gas"]) == {"CO2", "CH4"} and set(wet["factor_set"]) == {"ipcc2013_wetlands"}


def test_net_total_and_manifest(demo):
    _, out = demo
    e = pl.read_parquet(out / "emissions.parquet").filter(pl.col("scope") == "direct")
    inv = pl.read_parquet(out / "inventory.parquet")
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    net = {r["year"]: r for r in m["net"]}
    assert sorted(net) == [2020, 2021, 2022, 2023, 2024]
    for y, r in net.items():
        rows = e.filter(pl.col("year") == y)["co2e_t"]
        assert r["gross_t_co2e"] == pytest.approx(rows.filter(rows > 0).sum(), rel=1e-12)
        assert r["removals_t_co2e"] == pytest.approx(rows.filter(rows < 0).sum(), rel=1e-12)
        assert r["net_t_co2e"] == pytest.approx(r["gross_t_co2e"] + r["removals_t_co2e"], rel=1e-12)
        total = inv.filter(pl.col("category") == "TOTAL", pl.col("scope") == "direct", pl.col("year") == y)["co2e_t"].sum()
        assert total == pytest.approx(r["net_t_co2e"], rel=1e-9)
        assert r["removals_t_co2e"] < 0
    assert m["sinks"]["method"] == "gain_loss" and m["sinks"]["synthetic_parameter_sets"] == ["qingyang_sinks_synthetic"]


def test_cross_check_covers_the_park_forest(demo):
    _, out = demo
    chk = pl.read_parquet(out / "sinks_check.parquet")
    assert chk.height == 10  # 2 strata × 2020-2024
    assert not chk["flag"].any() and chk["rel_diff"].max() < 0.2
    fu = pl.read_parquet(out / "factors_used.parquet").filter(pl.col("kind") == "sink_parameter")
    assert set(fu["item"]) >= {"bcef_i", "bcef_s", "bcef_r", "root_shoot", "carbon_fraction", "crw", "wetland_co2_c"}
    cf = fu.filter(pl.col("item") == "carbon_fraction")
    assert set(cf["factor_set"]) == {"ipcc2006_afolu"} and set(cf["value"]) == {0.47}
