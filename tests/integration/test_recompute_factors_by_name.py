"""``ghginv recompute --factors`` adds or replaces factor sets by name (issue 16 item 11): the
common case is "this one set changed", so the run's other sets stay, in their order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ghginv.core.errors import ConfigError
from ghginv.rerun.recompute import merge_factor_sets

from conftest import make_factor_set, write_activity

SRC = "2006 IPCC GL Vol 2,Table 1.4,V2"


def test_merge_by_name_replaces_in_place_and_adds_new_sets_first():
    run = [Path("snap/a"), Path("snap/grid"), Path("snap/b")]
    assert merge_factor_sets(run, [Path("new/grid")]) == (Path("snap/a"), Path("new/grid"), Path("snap/b"))
    assert merge_factor_sets(run, [Path("my/x"), Path("new/grid"), Path("my/y")]) == (
        Path("my/x"), Path("my/y"), Path("snap/a"), Path("new/grid"), Path("snap/b"))
    assert merge_factor_sets(run, [Path("n/b"), Path("n/a"), Path("n/grid")]) == (Path("n/a"), Path("n/grid"), Path("n/b"))
    with pytest.raises(ConfigError, match="grid given twice"):
        merge_factor_sets(run, [Path("x/grid"), Path("y/grid")])


def _cli(*args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ghginv", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env={k: v for k, v in os.environ.items() if k != "GHGINV_FACTORS_PATH"}, timeout=300)


def _fuel(folder: Path, co2: float) -> Path:
    return make_factor_set(folder, ef=[f"diesel,*,*,,,CO2,{co2},kg/TJ,{SRC}"], conv=[f"diesel,ncv,*,,,43.0,TJ/Gg,{SRC}"],
                           activities=["diesel,Gas/Diesel Oil,柴油,Gas/Diesel Oil,liquid"])


def _grid(folder: Path, value: float) -> Path:
    return make_factor_set(folder, ef=[f"electricity,*,*,,,CO2,{value},kg/kWh,{SRC}"],
                           activities=["electricity,Electricity,电力,Electricity,electricity"])


def test_cli_recompute_factors_adds_or_replaces_by_name(tmp_path):
    act = write_activity(tmp_path / "a.parquet", [
        dict(year=2022, region="510105", sector="1.A.4.b", activity="diesel", amount=10.0, unit="t"),
        dict(year=2022, region="510105", sector="1.A.4.b", activity="electricity", amount=1000.0, unit="kWh")])
    fuel, grid = _fuel(tmp_path / "sets" / "fuel", 74100), _grid(tmp_path / "sets" / "grid", 0.5)
    r = _cli("compile", "--activity", act, "--factors", fuel, "--factors", grid, "--out", tmp_path / "run", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr

    def sets_and_total(run: Path):
        m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
        import polars as pl

        em = pl.read_parquet(run / "emissions.parquet")
        return [s["name"] for s in m["factor_sets"]], em.filter(activity="electricity")["emissions_t"].sum()

    assert sets_and_total(tmp_path / "run") == (["fuel", "grid"], pytest.approx(0.5))
    # only the grid set changed: give that one; the fuel set stays first
    new_grid = _grid(tmp_path / "new" / "grid", 0.4)
    r = _cli("recompute", tmp_path / "run", "--factors", new_grid, "--out", tmp_path / "r1", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert sets_and_total(tmp_path / "r1") == (["fuel", "grid"], pytest.approx(0.4))
    # a set with a new name goes first and wins where it has a value
    mine = _grid(tmp_path / "my" / "grid_2025", 0.3)
    r = _cli("recompute", tmp_path / "run", "--factors", mine, "--out", tmp_path / "r2", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert sets_and_total(tmp_path / "r2") == (["grid_2025", "fuel", "grid"], pytest.approx(0.3))
    # --replace-factors: the whole list (the run's fuel set dropped: diesel has no factor)
    r = _cli("recompute", tmp_path / "run", "--factors", mine, "--replace-factors", "--out", tmp_path / "r3", "-q", cwd=tmp_path)
    assert r.returncode == 2 and "diesel" in r.stderr and not (tmp_path / "r3").exists()
