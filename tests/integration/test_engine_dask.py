"""The dask engine gives the local engine's results (to summation order) and the same errors (issue 10)."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import ghginv
from ghginv.core.errors import ValidationError

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "ghginv" / "data" / "demo" / "data" / "qingyang_synthetic" / "activity"
SETS = ["cn_gbt32151_22_2024", "cn_refsheet_2020", "cn_gbt32150_2025", "mee_nbs_grid", "cn_gbt2589_2020", "ipcc2006_energy"]


@pytest.fixture(scope="module")
def scheduler():
    """One 2-worker cluster (separate processes) for the module; its address goes to --scheduler."""
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    yield cluster.scheduler_address
    cluster.close()


def _compile(engine, activity, scheduler=None, **kw):
    return ghginv.compile_inventory(
        activity=[str(activity)], factors=SETS, gwp="AR5GWP100", year_fallback="nearest", engine=engine, scheduler=scheduler, **kw
    )


@pytest.mark.parametrize("keep_entity", [False, True])
def test_dask_equals_local(keep_entity, scheduler):
    local = _compile("local", DATA, keep_entity=keep_entity)
    dist = _compile("dask", DATA, scheduler, keep_entity=keep_entity)
    assert dist.cube.stats["engine"] == "dask" and dist.cube.stats["partitions"] == 5
    assert dist.cube.stats["rows_read"] == local.cube.stats["rows_read"]
    assert_frame_equal(dist.cube.cells, local.cube.cells, check_exact=False, rel_tol=1e-12)
    assert_frame_equal(dist.emissions, local.emissions, check_exact=False, rel_tol=1e-12)
    assert_frame_equal(dist.inventory, local.inventory, check_exact=False, rel_tol=1e-12)
    assert [i["sha256"] for i in dist.input_files] == [i["sha256"] for i in local.input_files]
    # the workers return the input tally: the dask run performs the same input = cube check
    cl, cd = local.checks["input_equals_cube"], dist.checks["input_equals_cube"]
    assert cl["ok"] is True and cd["ok"] is True and cd["rows"] == cl["rows"] == local.cube.stats["rows_read"] - local.cube.stats["rows_notation"]
    assert cd["sum_per_unit"] == pytest.approx(cl["sum_per_unit"], rel=1e-12)


def test_dask_keeps_the_landfill_history_before_the_first_year(scheduler):
    """With a waste set and years set, deposits before the first year reach first-order decay on
    both engines (the cube keeps them; the conservation tally drops the other early rows)."""
    toml = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic_sectors.toml"
    local = ghginv.compile_inventory(toml, years=(2020, 2024))
    dist = ghginv.compile_inventory(toml, years=(2020, 2024), engine="dask", scheduler=scheduler)
    early = dist.cube.cells.filter(pl.col("year") < 2020)
    assert early.height > 0 and early["sector"].str.starts_with("4.A").all()
    assert_frame_equal(dist.cube.cells, local.cube.cells, check_exact=False, rel_tol=1e-12)
    assert_frame_equal(dist.inventory, local.inventory, check_exact=False, rel_tol=1e-12)
    assert dist.checks["input_equals_cube"]["ok"] is True
    assert dist.checks["input_equals_cube"]["rows"] == local.checks["input_equals_cube"]["rows"]


def test_dask_reports_the_same_problems_as_local(tmp_path, scheduler):
    data = tmp_path / "activity"
    shutil.copytree(DATA, data)
    for year, row in ((2021, 3), (2023, 10)):
        f = data / f"year={year}" / "part-0.parquet"
        df = pl.read_parquet(f, hive_partitioning=False)
        df = df.with_columns(pl.when(pl.int_range(pl.len()) == row - 1).then(-5.0).otherwise(pl.col("amount")).alias("amount"))
        df.write_parquet(f)
    errors = {}
    for engine in ("local", "dask"):
        with pytest.raises(ValidationError) as ei:
            _compile(engine, data, scheduler if engine == "dask" else None)
        errors[engine] = str(ei.value)
    assert errors["dask"] == errors["local"]
    assert "year=2021" in errors["dask"] and "row 3" in errors["dask"]
    assert "year=2023" in errors["dask"] and "row 10" in errors["dask"]


def test_unknown_engine_is_a_config_error():
    with pytest.raises(ghginv.ConfigError, match="engine"):
        ghginv.load_config(activity=[str(DATA)], factors=SETS, engine="spark")


def test_cli_engine_dask_with_its_own_local_cluster(tmp_path):
    """Without --scheduler, the engine starts (and stops) a 2-worker LocalCluster itself."""
    import subprocess
    import sys

    out = tmp_path / "out"
    p = subprocess.run(
        [sys.executable, "-m", "ghginv.cli", "compile", "--activity", str(DATA), *sum((["--factors", s] for s in SETS), []),
         "--gwp", "AR5GWP100", "--year-fallback", "nearest", "--engine", "dask", "--out", str(out), "-q"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert p.returncode == 0, p.stderr
    local = _compile("local", DATA)
    assert_frame_equal(pl.read_parquet(out / "emissions.parquet"), local.emissions, check_exact=False, rel_tol=1e-12)
