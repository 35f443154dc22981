"""uncertainty.parquet on the demo run, key categories Approach 2, scenarios ≡ recompute (issue 5)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

import ghginv
from ghginv.core.errors import ConfigError, ValidationError
from ghginv.rerun.recompute import recompute
from ghginv.rerun.scenarios import evaluate_scenarios
from ghginv.rerun.uncertainty import uncertainty_of_run
from ghginv.uncertainty.propagate import uncertainty_settings

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
# IPCC CO2 defaults (Table 1.4 ranges) before the China sets; the demo's sink parameter sets last
IPCC_SETS = ["cn_gbt32150_2025", "mee_nbs_grid", "cn_gbt2589_2020", "ipcc2006_energy", "cn_refsheet_2020",
             str(ROOT / "ghginv" / "data" / "demo" / "factors" / "qingyang_sinks_synthetic"), "ipcc2006_afolu", "ipcc2013_wetlands"]


@pytest.fixture(scope="module")
def ipcc_run(tmp_path_factory) -> Path:
    """The demo activity data on IPCC CO2 defaults (Table 1.4 ranges), with [uncertainty]."""
    out = tmp_path_factory.mktemp("runs") / "ipcc"
    ghginv.compile_inventory(
        DEMO, factors=IPCC_SETS, out=out,
        extra={"uncertainty": {"activity_pct": {"default": 5.0, "electricity": 2.0}, "draws": 4000, "seed": 5}},
    )
    return out


def _totals(df):
    return df.filter(pl.col("category") == "TOTAL", pl.col("gas") == "ALL").sort("year", "scope")


def test_uncertainty_parquet_written_and_consistent(ipcc_run):
    u = pl.read_parquet(ipcc_run / "uncertainty.parquet")
    inv = pl.read_parquet(ipcc_run / "inventory.parquet")
    tot = _totals(u)
    ref = inv.filter(pl.col("category") == "TOTAL").group_by("year", "scope").agg(pl.col("co2e_t").sum()).sort("year", "scope")
    j = tot.join(ref, on=["year", "scope"], suffix="_inv")
    np.testing.assert_allclose(j["co2e_t"], j["co2e_t_inv"], rtol=1e-9)
    # the Monte Carlo mean is the inventory value within its interval; MC and Approach 1 agree for small normal inputs
    d = tot.filter(pl.col("scope") == "direct")
    assert ((d["p2_5"] < d["co2e_t"]) & (d["co2e_t"] < d["p97_5"])).all()
    np.testing.assert_allclose(d["half_width_pct"], d["approach1_pct"], rtol=0.1)
    assert (d["approach1_pct"] > 0).all()
    # trend against the base year 2020
    later = d.filter(pl.col("year") > 2020)
    assert later["base_year"].unique().to_list() == [2020]
    assert ((later["trend_p2_5"] < later["trend"]) & (later["trend"] < later["trend_p97_5"])).all()
    assert later["trend_approach1_pct"].is_finite().all()
    m = json.loads((ipcc_run / "manifest.json").read_text())["uncertainty"]
    assert m["draws"] == 4000 and m["seed"] == 5
    assert 0 < m["factor_rows_exact"] < m["factor_rows_used"]
    assert "treated as exact" in m["note"]


def test_every_level_and_gas(ipcc_run):
    u = pl.read_parquet(ipcc_run / "uncertainty.parquet")
    assert set(u["level"].unique().to_list()) >= {0, 1, 2, 3, 4}
    assert {"CO2", "CH4", "N2O", "ALL"} <= set(u["gas"].unique().to_list())
    # a category's ALL row sums its gases
    y = u.filter(pl.col("year") == 2022, pl.col("scope") == "direct", pl.col("category") == "1.A")
    assert y.filter(pl.col("gas") == "ALL")["co2e_t"][0] == pytest.approx(y.filter(pl.col("gas") != "ALL")["co2e_t"].sum())


def test_uncertainty_of_run_is_reproducible_and_matches_compile(ipcc_run, tmp_path):
    a = uncertainty_of_run(ipcc_run)
    b = uncertainty_of_run(ipcc_run)
    assert a.table.equals(b.table)
    assert a.table.equals(pl.read_parquet(ipcc_run / "uncertainty.parquet"))
    c = uncertainty_of_run(ipcc_run, seed=6, draws=1000)
    assert not c.table["mean"].equals(a.table["mean"])


def test_key_categories_approach2(ipcc_run):
    k = pl.read_parquet(ipcc_run / "key_categories.parquet")
    assert {"level", "trend", "level_approach2", "trend_approach2"} <= set(k["assessment"].unique().to_list())
    a2 = k.filter(pl.col("assessment") == "level_approach2", pl.col("year") == 2022)
    assert a2["share"].sum() == pytest.approx(1.0)
    keys = a2.filter(pl.col("key"))
    assert keys["share"].sum() >= 0.90 - 1e-9  # Approach 2 threshold
    assert (keys["uncertainty_pct"] > 0).all()


def test_bad_uncertainty_table():
    with pytest.raises(ConfigError, match="draws"):
        uncertainty_settings({"draws": 5})
    with pytest.raises(ConfigError, match="unknown key"):
        uncertainty_settings({"drawz": 500})
    with pytest.raises(ConfigError, match="activity_pct"):
        uncertainty_settings({"activity_pct": {"default": "five"}})


# --- scenarios ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def plain_run(tmp_path_factory) -> Path:
    """The demo's activity data and energy factor sets, without the TOML's sinks and economy."""
    out = tmp_path_factory.mktemp("runs") / "demo"
    sets = ["cn_gbt32151_22_2024", "cn_refsheet_2020", "cn_gbt32150_2025", "mee_nbs_grid", "cn_gbt2589_2020", "ipcc2006_energy"]
    ghginv.compile_inventory(activity=[str(ROOT / "ghginv" / "data" / "demo" / "data" / "qingyang_synthetic" / "activity")], factors=sets,
                             gwp="AR5GWP100", year_fallback="nearest", out=out)
    return out


def _scope_totals(result):
    e = result.emissions.filter(pl.col("scope").is_in(["direct", "indirect"]))
    return e.group_by("year", "scope").agg(pl.col("co2e_t").sum()).sort("year", "scope")


def _scenario_delta(sc, name, scope):
    a = sc.filter(pl.col("scenario") == name).sort("year")[f"{scope}_co2e_t"].to_numpy()
    b = sc.filter(pl.col("scenario") == "base").sort("year")[f"{scope}_co2e_t"].to_numpy()
    return a - b


def test_scenarios_equal_recompute(plain_run, tmp_path):
    # a revised grid-factor set: Sichuan 2022 0.1404 -> 0.1500 kg/kWh (a test value, not a published one)
    grid = tmp_path / "mee_nbs_grid"
    shutil.copytree(ROOT / "ghginv" / "data" / "factor_sets" / "mee_nbs_grid", grid)
    csv = grid / "emission_factors.csv"
    text = csv.read_text(encoding="utf-8")
    csv.write_text(text.replace(",51*,2022,2022,CO2,0.1404,", ",51*,2022,2022,CO2,0.1500,"), encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "ghginv.cli", "factors", "hash", str(grid), "--write"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    f = tmp_path / "scenarios.csv"
    f.write_text(
        "scenario,activity,gas,region,year,value,unit,gwp\n"
        "base,,,,,,,\n"
        "ar6,,,,,,,AR6GWP100\n"
        "grid,electricity,CO2,51*,2022,0.15,kg/kWh,\n"
        "grid,electricity,CO2,44*,2022,9.9,kg/kWh,\n",  # matches no cell of the run
        encoding="utf-8",
    )
    sc = evaluate_scenarios(plain_run, f)
    assert sc.height == 3 * 5 and sc["scenario"].unique(maintain_order=True).to_list() == ["base", "ar6", "grid"]
    old = _scope_totals(recompute(plain_run))
    sets = json.loads((plain_run / "manifest.json").read_text())["factor_sets"]
    names = [str(grid) if s["name"] == "mee_nbs_grid" else str(plain_run / "factor_sets" / s["name"]) for s in sets]
    for name, new in (("ar6", recompute(plain_run, gwp="AR6GWP100")), ("grid", recompute(plain_run, factors=names))):
        nt = _scope_totals(new)
        for scope in ("direct", "indirect"):
            want = nt.filter(pl.col("scope") == scope)["co2e_t"].to_numpy() - old.filter(pl.col("scope") == scope)["co2e_t"].to_numpy()
            np.testing.assert_allclose(_scenario_delta(sc, name, scope), want, rtol=1e-9, atol=1e-6)
    assert _scenario_delta(sc, "grid", "indirect")[2] > 0  # 2022 moved
    assert np.all(_scenario_delta(sc, "grid", "indirect")[[0, 1, 3, 4]] == 0)
    base = sc.filter(pl.col("scenario") == "base").sort("year")
    run_tot = pl.read_parquet(plain_run / "emissions.parquet").filter(pl.col("scope") == "direct").group_by("year").agg(pl.col("co2e_t").sum()).sort("year")
    np.testing.assert_allclose(base["direct_co2e_t"], run_tot["co2e_t"], rtol=1e-9)


def test_bad_scenario_rows(plain_run, tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("scenario,activity,gas,region,year,value,unit\ns1,electricity,CO2,*,20x2,0.5,kg/kWh\ns2,electricity,CO2,*,,-1,kg/kWh\n", encoding="utf-8")
    with pytest.raises(ValidationError) as e:
        evaluate_scenarios(plain_run, f)
    text = str(e.value.render() if hasattr(e.value, "render") else e.value)
    assert "line 2" in text and "20x2" in text and "line 3" in text


def test_cli_uncertainty_and_scenarios(plain_run, tmp_path):
    out = tmp_path / "u.parquet"
    p = subprocess.run([sys.executable, "-m", "ghginv.cli", "uncertainty", str(plain_run), "--draws", "500", "--activity-pct", "5", "--out", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "treated as exact" in p.stdout and out.is_file()
    f = tmp_path / "s.csv"
    f.write_text("scenario,gwp\nar6,AR6GWP100\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "ghginv.cli", "recompute", str(plain_run), "--scenarios", str(f), "--out", str(tmp_path / "s.parquet")],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert pl.read_parquet(tmp_path / "s.parquet").height == 5
    f.write_text("scenario,gwp\nx,NOPE\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "ghginv.cli", "recompute", str(plain_run), "--scenarios", str(f)], capture_output=True, text=True)
    assert p.returncode == 2 and "Traceback" not in p.stderr and "NOPE" in (p.stdout + p.stderr)


# --- probability of meeting each target (issue 5 item 6) ------------------------------------------

def test_target_probabilities(tmp_path):
    unc = {"activity_pct": {"default": 5.0}, "draws": 4000, "seed": 3}
    r = ghginv.compile_inventory(DEMO, extra={"uncertainty": unc})
    t = r.analysis.targets
    assert {"p_on_track", "p_met"} <= set(t.columns)
    co2 = t.filter(pl.col("kind") == "co2_intensity")
    assert co2["p_on_track"].is_not_null().all() and co2["p_met"].is_null().all()  # 2025 targets, data to 2024
    # energy-intensity, non-fossil and peak targets: the same draws through the energy and emission series
    assert t.filter(pl.col("kind").is_in(["energy_intensity", "non_fossil_share", "peak"]))["p_on_track"].is_not_null().all()
    # a cap equal to the inventory value of the target year: met in about half of the iterations
    ind = r.analysis.indicators
    v2024 = ind.filter(pl.col("indicator") == "co2e_gross_t", pl.col("region") == "ALL", pl.col("year") == 2024)["value"][0]
    cap = {"name": "cap at the 2024 value (test)", "kind": "emissions_cap", "base_year": 2020, "year": 2024,
           "cap_t_co2e": v2024, "scope": "total_co2e", "source": "test"}
    r2 = ghginv.compile_inventory(DEMO, extra={"uncertainty": unc, "targets": [cap]}, out=tmp_path / "cap")
    row = pl.read_parquet(tmp_path / "cap" / "targets.parquet").row(0, named=True)
    assert 0.4 < row["p_met"] < 0.6 and row["p_on_track"] == row["p_met"]
    # without any uncertain input the probability is the deterministic answer
    r3 = ghginv.compile_inventory(DEMO, extra={"uncertainty": {"draws": 200}})
    c3 = r3.analysis.targets.filter(pl.col("kind") == "co2_intensity")
    assert c3["p_on_track"].to_list() == [float(x) for x in c3["on_track"].to_list()]
    _ = r2


@pytest.mark.parametrize("toml", [DEMO, ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic_sectors.toml"], ids=["energy_sinks", "all_sectors"])
def test_uncertainty_of_a_run_from_kept_positions_equals_resolving_again(tmp_path, toml):
    """`ghginv uncertainty RUN` on a run that keeps its positions takes the per-cell detail from
    them (no second resolve): the same tables, bit for bit, as from the resolved detail — with
    composite CO2 factors and NCVs, sinks, and (all sectors) landfill decay terms."""
    from ghginv.pipeline.positions import kept_detail
    from ghginv.rerun.folder import load_run
    from ghginv.uncertainty.run import uncertainty_of_result

    run = tmp_path / "run"
    ghginv.compile_inventory(toml, out=run)
    folder = load_run(run)
    assert folder.plan() is not None  # a run without [uncertainty] keeps its positions
    settings = uncertainty_settings({"activity_pct": {"default": 5.0}, "draws": 2000, "seed": 3})
    result = recompute(folder)
    assert kept_detail(result) is not None
    kept = uncertainty_of_result(result, settings, emissions=folder.frame("emissions.parquet"), detail_rules=kept_detail(result))
    resolved = uncertainty_of_result(result, settings, emissions=folder.frame("emissions.parquet"))
    assert kept.terms.frame.equals(resolved.terms.frame)
    assert kept.table.equals(resolved.table)
    assert kept.table_3_2.equals(resolved.table_3_2)
