"""``ghginv demo [DIR]``, ``ghginv --version`` / ``-V`` and ``python -m ghginv`` (issue 23), in the
checkout (tests/packaging/test_wheel.py runs them from an installed wheel)."""

from __future__ import annotations

import filecmp
import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import ghginv
from ghginv.demo import DEMO_FILES, MARKER

from conftest import ROOT

DEMO = ROOT / "ghginv" / "data" / "demo"
SHIPPED = ROOT / "ghginv" / "data" / "factor_sets"


def run(*args, cwd: Path, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GHGINV_FACTORS_PATH"}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "ghginv", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=600)


def _same_tree(a: Path, b: Path) -> bool:
    c = filecmp.dircmp(a, b, ignore=["__pycache__"])
    return not (c.left_only or c.right_only or c.diff_files or c.funny_files) and all(_same_tree(a / d, b / d) for d in c.common_dirs)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("demo")
    return cwd, run("demo", cwd=cwd)


def test_demo_writes_the_listed_files_and_compiles_them(demo_run):
    cwd, res = demo_run
    assert res.returncode == 0, res.stdout + res.stderr
    d = cwd / "ghginv-demo"
    for name in DEMO_FILES:
        src, dst = DEMO / name, d / name
        assert _same_tree(src, dst) if src.is_dir() else filecmp.cmp(src, dst, shallow=False), name
        assert f"  ghginv-demo/{name}" in res.stdout
    assert not list(d.rglob("__pycache__"))
    assert (d / MARKER).read_text(encoding="utf-8").startswith(f"written by ghginv demo (ghginv {ghginv.__version__}): SYNTHETIC")
    m = json.loads((d / "out" / "qingyang_synthetic" / "manifest.json").read_text(encoding="utf-8"))
    assert m["synthetic"] is True and m["ghginv_version"] == ghginv.__version__
    assert m["name"] == "Qingyang District (synthetic demo data)"
    # the run equals a compile of the package's own demo TOML
    here = ghginv.compile_inventory(DEMO / "qingyang_synthetic.toml")
    key = ["year", "region", "scope", "category", "gas"]
    got = pl.read_parquet(d / "out" / "qingyang_synthetic" / "inventory.parquet")
    assert got.sort(key).equals(here.inventory.sort(key))
    out = res.stdout
    assert "SYNTHETIC DEMO DATA" in out and "outputs written to" in out
    assert "report: ghginv-demo/out/qingyang_synthetic/report.html" in out
    for cmd in ("ghginv validate ghginv-demo/qingyang_synthetic.toml", "ghginv targets ghginv-demo/out/qingyang_synthetic",
                "ghginv import ghginv-demo/ledgers/synthetic_205_1_2023.xlsx --mapping ghginv-demo/ledgers/synthetic_205_1.mapping.toml",
                "ghginv factors list"):
        assert cmd in out


def test_the_next_commands_it_prints_run(demo_run):
    cwd, res = demo_run
    assert run("validate", "ghginv-demo/qingyang_synthetic.toml", cwd=cwd).returncode == 0
    r = run("import", "ghginv-demo/ledgers/synthetic_205_1_2023.xlsx", "--mapping", "ghginv-demo/ledgers/synthetic_205_1.mapping.toml",
            "--out", "ghginv-demo/activity_205_1.parquet", cwd=cwd)
    assert r.returncode == 0, r.stderr
    assert pl.read_parquet(cwd / "ghginv-demo" / "activity_205_1.parquet").height == 5  # the ledger README: 5 activity rows


def test_demo_again_into_its_own_folder_and_without_compile(demo_run):
    cwd, _ = demo_run
    (cwd / "ghginv-demo" / "my_notes.txt").write_text("kept", encoding="utf-8")
    res = run("demo", "ghginv-demo", "--no-compile", cwd=cwd)
    assert res.returncode == 0, res.stderr
    assert "compiling" not in res.stdout and "ghginv validate ghginv-demo/qingyang_synthetic.toml" in res.stdout
    assert (cwd / "ghginv-demo" / "my_notes.txt").read_text(encoding="utf-8") == "kept"


@pytest.mark.parametrize("kind", ["foreign folder", "file"])
def test_demo_refuses_a_foreign_folder_or_a_file(tmp_path, kind):
    target = tmp_path / "target"
    if kind == "file":
        target.write_text("x", encoding="utf-8")
    else:
        target.mkdir()
        (target / "ledger.xlsx").write_text("mine", encoding="utf-8")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    res = run("demo", target, cwd=tmp_path)
    assert res.returncode == 2 and res.stderr.startswith("error:") and "Traceback" not in res.stderr
    assert ("not empty and was not written by ghginv demo" if kind != "file" else "it is a file, not a folder") in res.stderr
    assert "give a new or empty folder" in res.stderr and str(target) in res.stderr
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_write_demo_into_a_new_nested_folder(tmp_path):
    written = ghginv.write_demo(tmp_path / "a" / "b")
    assert [p.relative_to(tmp_path / "a" / "b").as_posix() for p in written] == list(DEMO_FILES)
    cfg = ghginv.load_config(tmp_path / "a" / "b" / ghginv.DEMO_INVENTORY)
    assert cfg.factor_sets[6] == (tmp_path / "a" / "b" / "factors" / "qingyang_sinks_synthetic").resolve()
    assert cfg.factor_sets[0] == (SHIPPED / "cn_gbt32151_22_2024").resolve()


@pytest.mark.parametrize("args", [["--version"], ["-V"], ["version"]])
def test_version_option_and_command(tmp_path, args):
    res = run(*args, cwd=tmp_path)
    assert (res.returncode, res.stdout.strip(), res.stderr) == (0, ghginv.__version__, "")


def test_factors_list_says_where_and_flags_shadowing(tmp_path):
    import shutil

    lib = tmp_path / "lib"
    shutil.copytree(SHIPPED / "ipcc2006_energy", lib / "ipcc2006_energy")
    res = run("factors", "list", cwd=tmp_path, env_extra={"GHGINV_FACTORS_PATH": str(lib), "XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    energy = [ln for ln in lines if ln.startswith("ipcc2006_energy ")]
    assert len(energy) == 2
    assert energy[0].endswith(f"({lib / 'ipcc2006_energy'})  [GHGINV_FACTORS_PATH; used, shadows the shipped set in {SHIPPED.resolve() / 'ipcc2006_energy'}]")
    assert energy[1].endswith(f"[shipped; shadowed by {lib / 'ipcc2006_energy'}, not used by name]")
    assert "2006.2" in energy[0] and " 290 rows" in energy[0]
    grid = next(ln for ln in lines if ln.startswith("mee_nbs_grid "))
    assert grid.endswith(f"({SHIPPED.resolve() / 'mee_nbs_grid'})  [shipped]") and "2023.1" in grid
