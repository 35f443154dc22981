"""``pip install ghginv`` works on its own (issue 23): the wheel and the sdist are built from this
checkout, the wheel is installed into a fresh virtual environment in a temporary folder (outside the
checkout: no ``./factors``, no source tree, no ``PYTHONPATH``), and there the command line runs as a
new user would run it: ``ghginv --version``, ``python -m ghginv --version``, ``ghginv demo``,
``ghginv factors list``, ``factors check`` of every shipped set, ``validate`` and a compile that
uses every shipped set.

The results of the installed package must equal those of the checkout (same inventory rows), and
the published MEE/NBS grid factor of Sichuan 2021, 0.1255 kg CO2/kWh (公告2023年第9号 …, set
``mee_nbs_grid``), must be the one the installed demo used for electricity in 2020 (nearest year)
and 2021.

Marked ``wheel`` (not in the default run: it builds, installs the dependencies into a new venv
from pip's cache, about a minute or two); ``make test`` runs it as its own step
(``pytest -m wheel``). It needs ``build`` (the ``test`` extra) and the package index pip is set up
for (the dependencies, setuptools for the isolated build).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import ghginv

from conftest import ROOT

pytestmark = pytest.mark.wheel

SHIPPED = ROOT / "ghginv" / "data" / "factor_sets"
SHIPPED_SETS = sorted(d.name for d in SHIPPED.iterdir() if (d / "manifest.toml").is_file())
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
NAME_VERSION = f"ghginv-{VERSION}"


def _run(cmd, cwd, env, timeout=900):
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    """The wheel and the sdist, built from the checkout by ``python -m build`` (sdist first, the
    wheel from the sdist: so the sdist is complete enough to build a working wheel)."""
    out = tmp_path_factory.mktemp("dist")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    rc, so, se = _run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], cwd=out, env=env)
    assert rc == 0, so[-3000:] + se[-3000:]
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    assert [w.name for w in wheels] == [f"ghginv-{VERSION}-py3-none-any.whl"]
    assert [s.name for s in sdists] == [f"{NAME_VERSION}.tar.gz"]
    return wheels[0], sdists[0]


@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory):
    """A fresh venv outside the checkout with the wheel installed; returns (python, ghginv, env, work)."""
    base = tmp_path_factory.mktemp("fresh")
    assert ROOT not in base.parents
    rc, so, se = _run([sys.executable, "-m", "venv", str(base / "venv")], cwd=base, env=dict(os.environ))
    assert rc == 0, se
    py, exe = base / "venv" / "bin" / "python", base / "venv" / "bin" / "ghginv"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GHGINV_FACTORS_PATH", "VIRTUAL_ENV", "COLUMNS")}
    env["XDG_DATA_HOME"] = str(base / "xdg")  # the per-user factor folder: empty unless a test fills it
    rc, so, se = _run([str(py), "-m", "pip", "install", "--quiet", str(dist[0])], cwd=base, env=env)
    assert rc == 0, so[-3000:] + se[-3000:]
    work = base / "work"
    work.mkdir()
    return py, exe, env, work


def test_sdist_holds_tests_factor_sets_and_demo(dist):
    with tarfile.open(dist[1]) as t:
        names = set(t.getnames())
    assert f"{NAME_VERSION}/tests/packaging/test_wheel.py" in names and f"{NAME_VERSION}/tests/conftest.py" in names
    tracked_tests = subprocess.run(["git", "ls-files", "tests"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if tracked_tests:  # a checkout with git: every test file is in the sdist
        assert {f"{NAME_VERSION}/{p}" for p in tracked_tests} <= names
    for s in SHIPPED_SETS:
        for f in (SHIPPED / s).iterdir():
            assert f"{NAME_VERSION}/ghginv/data/factor_sets/{s}/{f.name}" in names
    assert f"{NAME_VERSION}/ghginv/data/demo/qingyang_synthetic.toml" in names
    assert f"{NAME_VERSION}/LICENSE" in names and f"{NAME_VERSION}/MANIFEST.in" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".nbi", ".nbc"))]


def test_wheel_holds_every_shipped_file_byte_for_byte(dist):
    from ghginv.demo import DEMO_FILES

    with zipfile.ZipFile(dist[0]) as z:
        names = set(z.namelist())
        for s in SHIPPED_SETS:
            manifest = tomllib.loads((SHIPPED / s / "manifest.toml").read_text(encoding="utf-8"))
            for fname, digest in manifest["files"].items():
                data = z.read(f"ghginv/data/factor_sets/{s}/{fname}")
                assert "sha256:" + hashlib.sha256(data).hexdigest() == digest, f"{s}/{fname}"
        for entry in DEMO_FILES:
            assert any(n == f"ghginv/data/demo/{entry}" or n.startswith(f"ghginv/data/demo/{entry}/") for n in names), entry
        meta = z.read(f"ghginv-{VERSION}.dist-info/METADATA").decode()
    assert "License-Expression: Apache-2.0" in meta
    assert "Classifier: Topic :: Scientific/Engineering :: Atmospheric Science" in meta
    assert "Description-Content-Type: text/markdown" in meta and "Keywords:" in meta
    assert not [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".nbi", ".nbc"))]


def test_version_from_the_installed_metadata(venv):
    py, exe, env, work = venv
    for cmd in ([str(exe), "--version"], [str(exe), "-V"], [str(exe), "version"], [str(py), "-m", "ghginv", "--version"]):
        rc, so, se = _run(cmd, work, env)
        assert (rc, so.strip()) == (0, VERSION), (cmd, so, se)
    rc, so, se = _run([str(py), "-c", "import ghginv, importlib.metadata as m; print(ghginv.__version__, m.version('ghginv'), ghginv.__file__)"],
                      work, env)
    v1, v2, where = so.split()
    assert (rc, v1, v2) == (0, VERSION, VERSION), se
    assert str(work.parent / "venv") in where  # the installed copy, not the checkout


def test_demo_then_factors_validate_and_every_shipped_set(venv, tmp_path):
    py, exe, env, work = venv
    site = work.parent / "venv"

    # ghginv demo: a complete first run
    rc, so, se = _run([str(exe), "demo"], work, env)
    assert rc == 0, so + se
    demo = work / "ghginv-demo"
    assert "demo workspace written to ghginv-demo" in so and "SYNTHETIC" in so
    assert "ghginv validate ghginv-demo/qingyang_synthetic.toml" in so
    run = demo / "out" / "qingyang_synthetic"
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert m["ghginv_version"] == VERSION and m["synthetic"] is True
    used = {fs["name"]: fs["path"] for fs in m["factor_sets"]}
    assert all(str(site) in used[n] for n in used if n != "qingyang_sinks_synthetic")  # shipped sets from the installed package
    assert used["qingyang_sinks_synthetic"] == str((demo / "factors" / "qingyang_sinks_synthetic").resolve())
    grid = pl.read_parquet(run / "factors_used.parquet").filter(
        pl.col("factor_set") == "mee_nbs_grid", pl.col("activity") == "electricity", pl.col("item") == "CO2", pl.col("year").is_in([2020, 2021]))
    assert grid.height > 0 and set(grid["value"]) == {0.1255} and set(grid["unit"]) == {"kg/kWh"} and set(grid["factor_year"]) == {2021}
    here = ghginv.compile_inventory(ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml")
    key = ["year", "region", "scope", "category", "gas"]
    assert_frame_equal(pl.read_parquet(run / "inventory.parquet").sort(key), here.inventory.sort(key))

    # a second demo into a foreign folder is refused, nothing written
    (work / "mine").mkdir()
    (work / "mine" / "notes.txt").write_text("mine", encoding="utf-8")
    rc, so, se = _run([str(exe), "demo", "mine"], work, env)
    assert rc == 2 and "not empty and was not written by ghginv demo" in se and "Traceback" not in se
    assert sorted(p.name for p in (work / "mine").iterdir()) == ["notes.txt"]

    # factors list: every shipped set, found as shipped in the installed package
    rc, so, se = _run([str(exe), "factors", "list"], work, env)
    assert rc == 0, se
    lines = so.splitlines()
    for s in SHIPPED_SETS:
        line = next(ln for ln in lines if ln.startswith(f"{s} "))
        assert line.endswith("[shipped]") and f"{site}" in line and "INVALID" not in line, line
    # factors check: every shipped set loads, its hashes verified, from the installed files
    rc, so, se = _run([str(exe), "factors", "check", *SHIPPED_SETS], work, env)
    assert rc == 0, se
    assert [ln.split()[0] for ln in so.splitlines() if ": OK," in ln] == SHIPPED_SETS

    # a user set of the same name shadows the shipped one, and factors list says which one wins
    user = Path(env["XDG_DATA_HOME"]) / "ghginv" / "factors" / "mee_nbs_grid"
    import shutil

    shutil.copytree(SHIPPED / "mee_nbs_grid", user)
    try:
        rc, so, se = _run([str(exe), "factors", "list"], work, env)
        assert rc == 0, se
        mine = [ln for ln in so.splitlines() if ln.startswith("mee_nbs_grid ")]
        assert len(mine) == 2
        assert f"({user})  [user; used, shadows the shipped set in {site}" in mine[0]
        assert mine[1].endswith(f"[shipped; shadowed by {user}, not used by name]")
    finally:
        shutil.rmtree(user)

    # validate, then a compile with every shipped set (the all-sectors demo names them all)
    sectors = demo / "qingyang_synthetic_sectors.toml"
    rc, so, se = _run([str(exe), "validate", str(sectors)], work, env)
    assert rc == 0, so + se
    rc, so, se = _run([str(exe), "compile", str(sectors), "--out", "sectors", "--quiet"], work, env)
    assert rc == 0, so + se
    m = json.loads((work / "sectors" / "manifest.json").read_text(encoding="utf-8"))
    by_name = {fs["name"]: fs for fs in m["factor_sets"]}
    assert set(SHIPPED_SETS) <= set(by_name)
    for s in SHIPPED_SETS:
        assert by_name[s]["path"] == str(site / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
                                         / "ghginv" / "data" / "factor_sets" / s)
        manifest = tomllib.loads((SHIPPED / s / "manifest.toml").read_text(encoding="utf-8"))
        assert by_name[s]["files"] == manifest["files"]
    here = ghginv.compile_inventory(ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic_sectors.toml")
    assert_frame_equal(pl.read_parquet(work / "sectors" / "inventory.parquet").sort(key), here.inventory.sort(key))
    # compile by set name with options only (no TOML): the shipped set is found from any folder
    rc, so, se = _run([str(exe), "compile", "--activity", str(demo / "data" / "qingyang_synthetic" / "activity"), "--factors", "cn_gbt32151_22_2024",
                       "--factors", "cn_refsheet_2020", "--factors", "cn_gbt32150_2025", "--factors", "mee_nbs_grid", "--factors", "ipcc2006_energy",
                       "--year-fallback", "nearest", "--years", "2021", "--out", "by_name", "--quiet"], tmp_path, env)
    assert rc == 0, so + se
    assert json.loads((tmp_path / "by_name" / "manifest.json").read_text(encoding="utf-8"))["factor_sets"][3]["path"].startswith(str(site))


def test_wheel_holds_the_web_app(dist):
    """``ghginv serve`` needs its templates and static files (htmx with its licence) in the wheel: package data."""
    web = ROOT / "ghginv" / "web"
    with zipfile.ZipFile(dist[0]) as z:
        names = set(z.namelist())
        for p in [*(web / "templates").glob("*.html"), *(web / "static").iterdir()]:
            rel = p.relative_to(ROOT).as_posix()
            assert rel in names, rel
            assert z.read(rel) == p.read_bytes(), rel
        meta = z.read(f"ghginv-{VERSION}.dist-info/METADATA").decode()
    assert "Provides-Extra: web" in meta and "starlette" in meta
