"""Cube cache, recompute ≡ compile, explained recalculations, factor-set tools (issue 5)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import ghginv
from ghginv.core.errors import InputFileError
from ghginv.factors import load_factor_set
from ghginv.factors.tools import diff_factor_sets, factor_set_table
from ghginv.rerun.folder import load_run
from ghginv.rerun.recalc import diff_runs, write_recalculation
from ghginv.rerun.recompute import recompute

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
# the demo's carbon-sink parameter sets (its [sinks] table needs them in any factor list)
SINK_SETS = [str(ROOT / "ghginv" / "data" / "demo" / "factors" / "qingyang_sinks_synthetic"), "ipcc2006_afolu", "ipcc2013_wetlands"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "demo"
    ghginv.compile_inventory(DEMO, out=out)
    return out


def test_run_folder_keeps_cube_and_factor_snapshot(demo_run):
    run = load_run(demo_run)
    assert run.cube.cells.height == run.manifest["rows"]["cube_cells"]
    assert run.cube.cells["amount"].sum() > 0
    assert [p.name for p in run.set_paths] == [s["name"] for s in run.manifest["factor_sets"]]
    for p in run.set_paths:
        assert (p / "manifest.toml").is_file()
        load_factor_set(p)  # the snapshot verifies against its own manifest hashes
    assert all(i["sha256"].startswith("sha256:") for i in run.manifest["inputs"])


@pytest.mark.parametrize("gwp", ["AR5GWP100", "AR6GWP100", "SARGWP100"])
def test_recompute_equals_compile(demo_run, gwp):
    r = recompute(demo_run, gwp=gwp)
    c = ghginv.compile_inventory(DEMO, gwp=gwp)
    assert_frame_equal(r.emissions, c.emissions)
    assert_frame_equal(r.inventory, c.inventory)
    assert_frame_equal(r.factors_used, c.factors_used)


def test_recompute_with_other_factor_sets_equals_compile(demo_run):
    sets = ["cn_refsheet_2020", "cn_gbt32151_22_2024", "cn_gbt32150_2025", "mee_nbs_grid", "ipcc2006_energy", *SINK_SETS]
    r = recompute(demo_run, factors=sets)
    c = ghginv.compile_inventory(DEMO, factors=sets)
    assert_frame_equal(r.emissions, c.emissions)
    assert_frame_equal(r.inventory, c.inventory)


def test_one_shot_recompute_releases_the_old_tables(demo_run, tmp_path):
    # opened by recompute itself: the old run's tables are dropped once the recalculation read them
    r = recompute(demo_run, gwp="AR6GWP100")
    assert r.recalculation is not None and r.source is not None
    assert not [k for k, v in r.source._cache.items() if isinstance(v, pl.DataFrame)]
    assert r.source.plan() is not None  # the kept positions, the sets and the verified files stay
    # a table asked for again is read again, with the same rows
    assert_frame_equal(r.source.frame("emissions.parquet"), pl.read_parquet(demo_run / "emissions.parquet"))
    # a folder given by the caller (a session recomputing many variants) keeps them
    folder = load_run(demo_run)
    recompute(folder, gwp="AR6GWP100")
    assert "emissions.parquet" in folder._cache and "factors_used.parquet" in folder._cache
    # the written run is the same either way
    a, b = r.write(tmp_path / "a"), recompute(folder, gwp="AR6GWP100").write(tmp_path / "b")
    for name in ("emissions.parquet", "inventory.parquet", "recalculation.parquet"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_recompute_does_not_read_activity_data(demo_run, tmp_path):
    run = tmp_path / "copy"
    shutil.copytree(demo_run, run)
    import json

    m = json.loads((run / "manifest.json").read_text())
    m["config"]["activity_paths"] = [str(tmp_path / "gone")]
    (run / "manifest.json").write_text(json.dumps(m))
    r = recompute(run, gwp="AR6GWP100")
    assert r.emissions.height > 0


def test_tampered_cube_is_refused(demo_run, tmp_path):
    run = tmp_path / "copy"
    shutil.copytree(demo_run, run)
    cells = pl.read_parquet(run / "cube.parquet").with_columns(pl.col("amount") * 2)
    cells.write_parquet(run / "cube.parquet")
    with pytest.raises(InputFileError, match="changed after the run"):
        recompute(run)


def test_not_a_run_folder(tmp_path):
    with pytest.raises(InputFileError, match="not a ghginv run folder"):
        load_run(tmp_path)


def test_pure_gwp_change_is_all_gwp_effect(demo_run, tmp_path):
    recompute(demo_run, gwp="AR6GWP100").write(tmp_path / "ar6")
    rc, changed = diff_runs(demo_run, tmp_path / "ar6")
    assert rc["activity_effect_t"].abs().max() == 0.0
    assert rc["factor_effect_t"].abs().max() == 0.0
    np.testing.assert_allclose(rc["gwp_effect_t"], rc["new_co2e_t"] - rc["old_co2e_t"], rtol=1e-12, atol=1e-9)
    # CH4 28 -> 27.9 and N2O 265 -> 273: CO2 rows do not move
    co2 = rc.filter(pl.col("gas") == "CO2")
    assert co2["delta_co2e_t"].abs().max() == 0.0
    assert changed.height == 0


def test_decomposition_sums_to_delta_with_new_data_and_factors(demo_run, tmp_path):
    """Scale one street's activity and swap the set order: every effect shows, and they add up."""
    data = tmp_path / "activity"
    src = ROOT / "ghginv" / "data" / "demo" / "data" / "qingyang_synthetic" / "activity"
    for f in src.rglob("*.parquet"):
        df = pl.read_parquet(f, hive_partitioning=False)
        df = df.with_columns(pl.when(pl.col("region") == "510105001").then(pl.col("amount") * 1.1).otherwise(pl.col("amount")).alias("amount"))
        dst = data / f.relative_to(src)
        dst.parent.mkdir(parents=True, exist_ok=True)
        df.write_parquet(dst)
    # a revised grid-factor set: Sichuan 2022 0.1404 -> 0.1500 (a test value, not a published one)
    grid = tmp_path / "mee_nbs_grid"
    shutil.copytree(ROOT / "ghginv" / "data" / "factor_sets" / "mee_nbs_grid", grid)
    csv = grid / "emission_factors.csv"
    text = csv.read_text(encoding="utf-8")
    assert text.count(",51*,2022,2022,CO2,0.1404,") == 1
    csv.write_text(text.replace(",51*,2022,2022,CO2,0.1404,", ",51*,2022,2022,CO2,0.1500,"), encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "ghginv.cli", "factors", "hash", str(grid), "--write"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    sets = ["cn_gbt32151_22_2024", "cn_refsheet_2020", "cn_gbt32150_2025", str(grid), "cn_gbt2589_2020", "ipcc2006_energy", *SINK_SETS]
    ghginv.compile_inventory(DEMO, activity=[str(data)], factors=sets, gwp="AR6GWP100", out=tmp_path / "new")
    rc, changed = diff_runs(demo_run, tmp_path / "new")
    total = rc.filter(pl.col("level") == 0)
    for col in ("activity_effect_t", "factor_effect_t", "gwp_effect_t"):
        assert total[col].abs().sum() > 0, col
    np.testing.assert_allclose(
        rc["activity_effect_t"] + rc["factor_effect_t"] + rc["gwp_effect_t"], rc["delta_co2e_t"], rtol=0, atol=0
    )
    np.testing.assert_allclose(rc["delta_co2e_t"], rc["new_co2e_t"] - rc["old_co2e_t"], rtol=1e-9, atol=1e-6)
    # only street 001 has new activity data
    act = rc.filter(pl.col("activity_effect_t").abs() > 0)["region"].unique().to_list()
    assert act == ["510105001"]
    # only electricity in 2022 has a new factor
    fac = rc.filter(pl.col("factor_effect_t").abs() > 0)
    assert fac["year"].unique().to_list() == [2022] and fac["scope"].unique().to_list() == ["indirect"]
    assert changed["activity"].unique().to_list() == ["electricity"]
    assert changed["year"].unique().to_list() == [2022]
    assert set(changed["old_value"].unique().to_list()) == {0.1404} and set(changed["new_value"].unique().to_list()) == {0.15}
    out = write_recalculation(rc, changed, tmp_path / "recalc" / "recalculation.parquet")
    assert_frame_equal(pl.read_parquet(out), rc)
    assert (tmp_path / "recalc" / "recalculation_factors.parquet").is_file()


def test_same_activity_new_grid_year_is_all_factor_effect(demo_run, tmp_path):
    """Issue 16 item 3: the same activity data with a grid set that adds a Sichuan 2024 row (a test
    value, 0.1500, not a published one) where the old run used the nearest published year (2023:
    0.1564). A compile lets the set's own-year row beat the fallback; the old factors of the
    recalculation must still be the old run's own, so the whole change is factor effect and the
    activity effect is exactly 0 (it was the whole change: −26,240.9 t in 2024)."""
    grid = tmp_path / "mee_nbs_grid"
    shutil.copytree(ROOT / "ghginv" / "data" / "factor_sets" / "mee_nbs_grid", grid)
    csv = grid / "emission_factors.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    row = [ln for ln in lines if ln.startswith("electricity,*,51*,2023,2023,CO2,0.1564,")]
    assert len(row) == 1
    csv.write_text("\n".join([*lines, row[0].replace(",2023,2023,CO2,0.1564,", ",2024,2024,CO2,0.1500,")]) + "\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "ghginv.cli", "factors", "hash", str(grid), "--write"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    sets = ["cn_gbt32151_22_2024", "cn_refsheet_2020", "cn_gbt32150_2025", str(grid), "cn_gbt2589_2020", "ipcc2006_energy", *SINK_SETS]
    ghginv.compile_inventory(DEMO, factors=sets, out=tmp_path / "new")
    rc, changed = diff_runs(demo_run, tmp_path / "new")
    assert rc["activity_effect_t"].abs().max() == 0.0 and rc["gwp_effect_t"].abs().max() == 0.0
    np.testing.assert_array_equal(rc["factor_effect_t"].to_numpy(), rc["delta_co2e_t"].to_numpy())
    assert changed["year"].unique().to_list() == [2024] and changed["activity"].unique().to_list() == ["electricity"]
    # the change is the 2024 electricity CO2 of the old run × (0.1500 / 0.1564 − 1)
    total = rc.filter(pl.col("level") == 0, pl.col("scope") == "indirect").group_by("year").agg(pl.col("factor_effect_t").sum()).sort("year")
    assert total.filter(pl.col("year") != 2024)["factor_effect_t"].abs().max() == 0.0
    old_el = load_run(demo_run).frame("emissions.parquet").filter(pl.col("year") == 2024, pl.col("activity") == "electricity")["co2e_t"].sum()
    assert total.filter(pl.col("year") == 2024)["factor_effect_t"].item() == pytest.approx(old_el * (0.15 / 0.1564 - 1), rel=1e-9)
    # recompute computes the same decomposition (recalculation_tables)
    r = recompute(demo_run, factors=sets)
    assert_frame_equal(r.tables["recalculation"], rc)


def test_factor_set_tools():
    a = load_factor_set(ROOT / "ghginv" / "data" / "factor_sets" / "mee_nbs_grid")
    t = factor_set_table(a)
    assert t.height == len(a.rules)
    assert t.filter(pl.col("region") == "51*", pl.col("year_from") == 2022)["value"].to_list() == [0.1404]
    assert diff_factor_sets(a, a).height == 0


def test_factor_set_diff_added_removed_changed(tmp_path):
    from conftest import make_factor_set

    src = "doc"
    a = make_factor_set(tmp_path / "a", ef=[f"gas,*,*,,,CO2,1,t/t,{src},r1,S", f"oil,*,*,,,CO2,2,t/t,{src},r2,S"])
    b = make_factor_set(tmp_path / "b", ef=[f"gas,*,*,,,CO2,1.5,t/t,{src},r1,S", f"coal,*,*,,,CO2,3,t/t,{src},r3,V2"])
    d = diff_factor_sets(load_factor_set(a), load_factor_set(b))
    got = {(r["change"], r["activity"]) for r in d.iter_rows(named=True)}
    assert got == {("changed", "gas"), ("removed", "oil"), ("added", "coal")}
    ch = d.filter(pl.col("change") == "changed").row(0, named=True)
    assert (ch["a_value"], ch["b_value"]) == (1.0, 1.5)


def test_cli_recompute_diff_and_factors(demo_run, tmp_path):
    def run(*args):
        env = {**os.environ, "COLUMNS": "250"}
        return subprocess.run([sys.executable, "-m", "ghginv.cli", *args], capture_output=True, text=True, cwd=ROOT, env=env)

    p = run("recompute", str(demo_run), "--gwp", "AR6GWP100", "--out", str(tmp_path / "r"), "-q")
    assert p.returncode == 0, p.stderr
    import json

    assert json.loads((tmp_path / "r" / "manifest.json").read_text())["recompute_path"] == "kept_positions"
    p = run("recompute", str(demo_run), "--gwp", "AR4GWP100", "--out", str(tmp_path / "r4"))
    assert p.returncode == 0 and "recomputed on the run's kept positions" in p.stdout, p.stderr
    p = run("diff", str(demo_run), str(tmp_path / "r"), "--out", str(tmp_path / "recalc.parquet"))
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "recalc.parquet").is_file()
    p = run("factors", "show", "mee_nbs_grid", "--activity", "electricity")
    assert p.returncode == 0 and "0.1404" in p.stdout
    p = run("factors", "diff", "cn_refsheet_2020", "cn_gbt32151_22_2024", "--out", str(tmp_path / "d.csv"))
    assert p.returncode == 0, p.stderr
    assert pl.read_csv(tmp_path / "d.csv").height > 0
    p = run("recompute", str(tmp_path), "--out", str(tmp_path / "x"))
    assert p.returncode == 2 and "Traceback" not in p.stderr and "not a ghginv run folder" in p.stderr
