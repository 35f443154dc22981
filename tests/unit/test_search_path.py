"""Where a factor set given by name is found (issue 23): the inventory's folder (also its
``factors/``), ``./factors``, ``$GHGINV_FACTORS_PATH``, the per-user folder, then the sets shipped as
package data (importlib.resources); the version's one source. The order is the docstring of
``ghginv/core/config.py`` and ``ghginv/core/package_data.py``."""

from __future__ import annotations

import shutil
from importlib import metadata, resources

import pytest

import ghginv
from ghginv.core import version as version_mod
from ghginv.core.config import (
    factor_search_path,
    factor_search_roots,
    load_config,
    resolve_factor_set_path,
    shipped_demo_dir,
    shipped_factors_dir,
    user_factors_dir,
)
from ghginv.core.errors import FactorSetError

from conftest import ROOT, make_factor_set

SHIPPED = ROOT / "ghginv" / "data" / "factor_sets"
EF = "natural_gas,*,*,,,CO2,56100,kg/TJ,test,row 1,V"


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty working directory, no GHGINV_FACTORS_PATH, the per-user folder under tmp_path."""
    monkeypatch.delenv("GHGINV_FACTORS_PATH", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    return tmp_path


def test_shipped_sets_are_the_package_data_read_through_importlib_resources():
    assert shipped_factors_dir() == SHIPPED.resolve() == resources.files("ghginv").joinpath("data", "factor_sets").resolve()
    assert shipped_demo_dir() == (ROOT / "ghginv" / "data" / "demo").resolve()
    names = sorted(d.name for d in shipped_factors_dir().iterdir() if (d / "manifest.toml").is_file())
    assert names == ["cn_gbt2589_2020", "cn_gbt32150_2025", "cn_gbt32151_22_2024", "cn_refsheet_2020", "ipcc2006_afolu", "ipcc2006_agriculture",
                     "ipcc2006_energy", "ipcc2006_ippu", "ipcc2006_waste", "ipcc2013_wetlands", "mee_nbs_grid"]


def test_roots_in_order_with_where_they_come_from(home, monkeypatch):
    monkeypatch.setenv("GHGINV_FACTORS_PATH", f"{home / 'lib1'}:{home / 'lib2'}")
    roots = factor_search_roots()
    assert [w for w, _ in roots] == ["./factors", "GHGINV_FACTORS_PATH", "GHGINV_FACTORS_PATH", "user", "shipped"]
    assert [d for _, d in roots] == [home / "cwd" / "factors", home / "lib1", home / "lib2", home / "xdg" / "ghginv" / "factors",
                                     SHIPPED.resolve()]
    assert factor_search_path() == [d for _, d in roots]
    assert user_factors_dir() == home / "xdg" / "ghginv" / "factors"


def test_user_folder_default_and_a_relative_xdg_is_ignored(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert user_factors_dir() == tmp_path / ".local" / "share" / "ghginv" / "factors"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/dir")  # the XDG spec: a relative path is invalid, ignore it
    assert user_factors_dir() == tmp_path / ".local" / "share" / "ghginv" / "factors"


def test_a_user_set_shadows_the_shipped_one_and_env_comes_before_user(home, monkeypatch):
    user = home / "xdg" / "ghginv" / "factors" / "mee_nbs_grid"
    shutil.copytree(SHIPPED / "mee_nbs_grid", user)
    assert resolve_factor_set_path("mee_nbs_grid") == user
    mine = make_factor_set(home / "user_only" / "bureau_2024", ef=[EF])
    shutil.copytree(mine, home / "xdg" / "ghginv" / "factors" / "bureau_2024")
    env = make_factor_set(home / "lib" / "bureau_2024", ef=[EF])
    monkeypatch.setenv("GHGINV_FACTORS_PATH", str(home / "lib"))
    assert resolve_factor_set_path("bureau_2024") == env
    assert resolve_factor_set_path("ipcc2006_energy") == SHIPPED.resolve() / "ipcc2006_energy"  # shipped: last, still found
    local = home / "cwd" / "factors" / "bureau_2024"
    shutil.copytree(env, local)
    assert resolve_factor_set_path("bureau_2024") == local  # ./factors first among the roots (as before)


def test_the_inventory_folder_and_its_factors_folder_come_first(home):
    proj = home / "proj"
    beside = make_factor_set(proj / "factors" / "mee_nbs_grid", ef=[EF])
    shutil.copytree(SHIPPED / "mee_nbs_grid", home / "cwd" / "factors" / "mee_nbs_grid")
    (proj / "inv.toml").write_text('[activity]\npaths = ["a.parquet"]\n[factors]\nsets = ["mee_nbs_grid", "ipcc2006_energy"]\n', encoding="utf-8")
    cfg = load_config(proj / "inv.toml")
    assert cfg.factor_sets == (beside, SHIPPED.resolve() / "ipcc2006_energy")
    # --factors NAME on the command line: the working directory is the inventory's folder
    cfg = load_config(proj / "inv.toml", factors=["mee_nbs_grid"])
    assert cfg.factor_sets == (home / "cwd" / "factors" / "mee_nbs_grid",)


def test_unknown_name_lists_every_place_looked_in(home):
    with pytest.raises(FactorSetError) as e:
        resolve_factor_set_path("no_such_set", base=home / "proj")
    text = str(e.value)
    for place in (home / "proj" / "no_such_set", home / "proj" / "factors" / "no_such_set", home / "cwd" / "factors" / "no_such_set",
                  home / "xdg" / "ghginv" / "factors" / "no_such_set", SHIPPED.resolve() / "no_such_set"):
        assert str(place) in text
    assert "known sets: cn_gbt2589_2020, " in text


def test_version_has_one_source(monkeypatch):
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert ghginv.__version__ == declared
    assert metadata.version("ghginv") == declared  # the installed metadata (the editable install of the venv)

    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(version_mod.metadata, "version", not_installed)
    assert version_mod._version() == declared  # a checkout without install: pyproject.toml


def test_shipped_sets_from_a_zip_import_are_unpacked_once_and_verified(tmp_path, monkeypatch):
    """A zipped installation (zipimport): importlib.resources gives no real folder; the sets are
    unpacked once per process and load with their hashes checked."""
    import zipfile

    from ghginv import load_factor_set
    from ghginv.core import package_data

    z = tmp_path / "ghginv.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in (SHIPPED / "mee_nbs_grid").iterdir():
            zf.write(f, f"ghginv/data/factor_sets/mee_nbs_grid/{f.name}")
    monkeypatch.setattr(package_data.resources, "files", lambda pkg: zipfile.Path(z, "ghginv/"))
    monkeypatch.setattr(package_data, "_UNPACKED", {})
    d = shipped_factors_dir()
    assert not str(d).startswith(str(ROOT)) and d.name == "factor_sets"
    assert shipped_factors_dir() == d  # once per process
    fs = load_factor_set(d / "mee_nbs_grid")
    assert fs.name == "mee_nbs_grid" and fs.n_rows == 93
    assert (d / "mee_nbs_grid" / "emission_factors.csv").read_bytes() == (SHIPPED / "mee_nbs_grid" / "emission_factors.csv").read_bytes()
