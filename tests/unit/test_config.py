"""Configure: inventory TOML parsing, checks, overrides and factor-set lookup."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

import ghginv
from ghginv.core.config import RunConfig, factor_search_path, load_config, resolve_factor_set_path
from ghginv.core.errors import ConfigError, FactorSetError

from conftest import ROOT, make_factor_set

SHIPPED = ROOT / "ghginv" / "data" / "factor_sets"
SRC = "test source"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    """No GHGINV_FACTORS_PATH from outside; run from an empty folder (no ./factors)."""
    monkeypatch.delenv("GHGINV_FACTORS_PATH", raising=False)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)


def tiny_set(folder: Path) -> Path:
    return make_factor_set(
        folder,
        ef=[f"natural_gas,*,*,,,CO2,56100,kg/TJ,{SRC},T1,V2"],
        conv=[f"natural_gas,ncv,*,,,48.0,TJ/Gg,{SRC},T2,V2"],
        activities=["natural_gas,Natural Gas,天然气,Natural Gas,gaseous"],
    )


def write_toml(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


BASIC = """
[inventory]
name = "Test town"
description = "a test"
years = [2020, 2024]
base_year = 2020
gwp = "AR5GWP100"
[activity]
paths = ["data/activity"]
[factors]
sets = ["sets/my_set", "mee_nbs_grid"]
year_fallback = "nearest"
"""


@pytest.fixture
def project(tmp_path) -> Path:
    """A project folder with an inventory TOML, a local factor set and relative paths."""
    proj = tmp_path / "proj"
    tiny_set(proj / "sets" / "my_set")
    (proj / "data" / "activity").mkdir(parents=True)
    write_toml(proj / "inv.toml", BASIC)
    return proj


# -- parsing ---------------------------------------------------------------------------------------


def test_basic_toml(project):
    cfg = load_config(project / "inv.toml")
    assert isinstance(cfg, RunConfig)
    assert cfg.name == "Test town"
    assert cfg.description == "a test"
    assert cfg.years == (2020, 2024)
    assert cfg.base_year == 2020
    assert cfg.gwp == "AR5GWP100"
    assert cfg.year_fallback == "nearest"
    assert cfg.keep_entity is False
    assert cfg.source == (project / "inv.toml").resolve()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.gwp = "AR6GWP100"


def test_paths_are_relative_to_the_toml(project):
    """The working directory (an unrelated tmp folder) does not matter."""
    assert Path.cwd() != project
    cfg = load_config(project / "inv.toml")
    assert [Path(p).resolve() for p in cfg.activity_paths] == [(project / "data" / "activity").resolve()]
    assert cfg.factor_sets == ((project / "sets" / "my_set").resolve(), (SHIPPED / "mee_nbs_grid").resolve())


def test_relative_toml_path(project, monkeypatch):
    monkeypatch.chdir(project.parent)
    cfg = load_config(Path("proj") / "inv.toml")
    assert [Path(p).resolve() for p in cfg.activity_paths] == [(project / "data" / "activity").resolve()]
    assert cfg.factor_sets[0] == (project / "sets" / "my_set").resolve()


def test_the_demo_toml_loads():
    cfg = load_config(ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml")
    assert cfg.years == (2020, 2024) and cfg.base_year == 2020 and cfg.gwp == "AR5GWP100"
    assert cfg.year_fallback == "nearest"
    assert [p.name for p in cfg.factor_sets] == [
        "cn_gbt32151_22_2024", "cn_refsheet_2020", "cn_gbt32150_2025", "mee_nbs_grid", "cn_gbt2589_2020", "ipcc2006_energy",
        "qingyang_sinks_synthetic", "ipcc2006_afolu", "ipcc2013_wetlands",
    ]
    assert all(Path(p).is_dir() for p in cfg.activity_paths)
    assert cfg.extra["sinks"]["path"] == "data/qingyang_synthetic/sinks_synthetic.csv"
    assert cfg.is_synthetic


def test_missing_toml_file(tmp_path):
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as ei:
        load_config(missing)
    assert str(missing) in str(ei.value) and "not found" in str(ei.value)


def test_invalid_toml_names_the_file(tmp_path):
    t = write_toml(tmp_path / "bad.toml", "[inventory]\nyears = [2020, 2021\n")
    with pytest.raises(ConfigError) as ei:
        load_config(t)
    assert str(t) in str(ei.value) and "TOML" in str(ei.value)


# -- years and base_year ---------------------------------------------------------------------------


def _with(project: Path, old: str, new: str) -> Path:
    text = BASIC.replace(old, new)
    assert text != BASIC
    return write_toml(project / "inv.toml", text)


def test_single_year(project):
    cfg = load_config(_with(project, "years = [2020, 2024]", "years = 2020"))
    assert cfg.years == (2020, 2020)


def test_years_default_to_the_data(project):
    cfg = load_config(_with(project, "years = [2020, 2024]\nbase_year = 2020\n", ""))
    assert cfg.years is None and cfg.base_year is None


@pytest.mark.parametrize(
    "value", ['"2020-2024"', "[2020, 2022, 2024]", "[2020]", "[2020.0, 2024.0]", "[true, false]", '["2020", "2024"]']
)
def test_years_must_be_two_integers(project, value):
    t = _with(project, "years = [2020, 2024]", f"years = {value}")
    with pytest.raises(ConfigError) as ei:
        load_config(t)
    msg = str(ei.value)
    assert "years" in msg and str(t) in msg


def test_years_reversed(project):
    t = _with(project, "years = [2020, 2024]", "years = [2024, 2020]")
    with pytest.raises(ConfigError) as ei:
        load_config(t)
    msg = str(ei.value)
    assert "2024" in msg and "2020" in msg and "years" in msg
    assert str(t) in msg, f"the TOML file is not named:\n{msg}"


def test_base_year_outside_years(project):
    t = _with(project, "base_year = 2020", "base_year = 2019")
    with pytest.raises(ConfigError) as ei:
        load_config(t)
    msg = str(ei.value)
    assert "base_year 2019" in msg and "2020" in msg and "2024" in msg
    assert str(t) in msg, f"the TOML file is not named:\n{msg}"


def test_year_fallback_value_checked(project):
    t = _with(project, 'year_fallback = "nearest"', 'year_fallback = "closest"')
    with pytest.raises(ConfigError) as ei:
        load_config(t)
    assert "'closest'" in str(ei.value) and "nearest" in str(ei.value)


def test_several_config_problems_reported_together(project):
    t = _with(project, 'base_year = 2020\ngwp = "AR5GWP100"', 'base_year = 2019\ngwp = "AR5GWP100"')
    t = write_toml(t, t.read_text().replace('year_fallback = "nearest"', 'year_fallback = "closest"'))
    with pytest.raises(ConfigError) as ei:
        load_config(t)
    msg = str(ei.value)
    assert "base_year" in msg and "'closest'" in msg
    assert len(ei.value.problems) == 2


# -- unknown keys --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table, old, new, bad_key",
    [
        ("inventory", "base_year = 2020", "baseyear = 2020", "baseyear"),
        ("activity", 'paths = ["data/activity"]', 'paths = ["data/activity"]\nkeep_entities = true', "keep_entities"),
        ("factors", 'year_fallback = "nearest"', 'fallback = "nearest"', "fallback"),
    ],
)
def test_unknown_key_rejected(project, table, old, new, bad_key):
    t = _with(project, old, new)
    with pytest.raises(ConfigError) as ei:
        load_config(t)
    msg = str(ei.value)
    assert str(t) in msg
    assert f"'{bad_key}'" in msg and f"[{table}]" in msg
    assert "known keys" in msg  # says what is allowed


def test_unknown_keys_all_listed(project):
    text = BASIC.replace("base_year = 2020", "baseyear = 2020\nyear = 2021").replace(
        'year_fallback = "nearest"', 'fallback = "nearest"'
    )
    t = write_toml(project / "inv.toml", text)
    with pytest.raises(ConfigError) as ei:
        load_config(t)
    msg = str(ei.value)
    assert "'baseyear'" in msg and "'year'" in msg and "'fallback'" in msg
    assert len(ei.value.problems) == 3


def test_misspelt_table_rejected(project):
    """A typo in a table name must not silently drop the whole table (years, GWP, name...)."""
    t = _with(project, "[inventory]", "[inventroy]")
    with pytest.raises(ConfigError) as ei:
        load_config(t)
    msg = str(ei.value)
    assert "inventroy" in msg and str(t) in msg


def test_table_that_is_not_a_table(project):
    t = write_toml(project / "inv.toml", 'activity = "data"\n' + BASIC.replace('[activity]\npaths = ["data/activity"]\n', ""))
    with pytest.raises(ConfigError) as ei:
        load_config(t)
    assert "[activity]" in str(ei.value) and "table" in str(ei.value)


# -- overrides ---------------------------------------------------------------------------------------


def test_flags_override_the_toml(project, tmp_path):
    t = _with(project, "base_year = 2020\n", "")
    other_set = tiny_set(tmp_path / "other_set")
    cfg = load_config(
        t,
        activity=[str(tmp_path / "elsewhere.parquet")],
        factors=[str(other_set), "ipcc2006_energy"],
        gwp="AR6GWP100",
        years=(2021, 2022),
        keep_entity=True,
        year_fallback="none",
        name="Override",
        batch_size=1000,
    )
    assert cfg.activity_paths == (tmp_path / "elsewhere.parquet",)
    assert cfg.factor_sets == (other_set.resolve(), (SHIPPED / "ipcc2006_energy").resolve())
    assert cfg.gwp == "AR6GWP100"
    assert cfg.years == (2021, 2022)
    assert cfg.keep_entity is True
    assert cfg.year_fallback == "none"
    assert cfg.name == "Override"
    assert cfg.batch_size == 1000


def test_unset_flags_keep_the_toml(project):
    cfg = load_config(project / "inv.toml", gwp=None, years=None, keep_entity=None, year_fallback=None)
    assert cfg.gwp == "AR5GWP100" and cfg.years == (2020, 2024) and cfg.year_fallback == "nearest"


def test_keep_entity_false_flag_overrides_true_in_toml(project):
    t = _with(project, 'paths = ["data/activity"]', 'paths = ["data/activity"]\nkeep_entity = true')
    assert load_config(t).keep_entity is True
    assert load_config(t, keep_entity=False).keep_entity is False


def test_years_flag_may_exclude_the_toml_base_year(project):
    """`ghginv compile demo.toml --years 2022-2023` (base_year = 2020 in the TOML) must work:
    the flag overrides the TOML and there is no --base-year flag to repair a conflict."""
    cfg = load_config(project / "inv.toml", years=(2022, 2023))
    assert cfg.years == (2022, 2023)


def test_no_toml_needs_activity_and_factors(tmp_path):
    with pytest.raises(ConfigError) as ei:
        load_config()
    msg = str(ei.value)
    assert "activity" in msg and "factor" in msg


def test_no_toml_defaults(tmp_path):
    cfg = load_config(activity=[str(tmp_path / "a.parquet")], factors=["mee_nbs_grid"])
    assert cfg.years is None and cfg.base_year is None and cfg.source is None
    assert cfg.gwp == "AR5GWP100" and cfg.year_fallback == "none" and cfg.keep_entity is False
    assert cfg.factor_sets == ((SHIPPED / "mee_nbs_grid").resolve(),)


def test_to_dict_is_json_ready(project):
    import json

    d = load_config(project / "inv.toml").to_dict()
    json.dumps(d)
    assert d["years"] == [2020, 2024] and d["gwp"] == "AR5GWP100"
    assert isinstance(d["factor_sets"][0], str)


# -- factor set lookup ---------------------------------------------------------------------------------


def test_set_by_name_from_the_source_tree():
    assert resolve_factor_set_path("ipcc2006_energy") == (SHIPPED / "ipcc2006_energy").resolve()


def test_set_by_absolute_and_relative_path(tmp_path, monkeypatch):
    s = tiny_set(tmp_path / "my_set")
    assert resolve_factor_set_path(str(s)) == s.resolve()
    assert resolve_factor_set_path(s) == s.resolve()
    monkeypatch.chdir(tmp_path)
    assert resolve_factor_set_path("./my_set") == s.resolve()
    assert resolve_factor_set_path("my_set") == s.resolve()


def test_set_by_name_from_cwd_factors_first(tmp_path, monkeypatch):
    local = tmp_path / "proj" / "factors" / "mee_nbs_grid"
    shutil.copytree(SHIPPED / "mee_nbs_grid", local)
    monkeypatch.chdir(tmp_path / "proj")
    assert factor_search_path()[0] == (tmp_path / "proj" / "factors").resolve()
    assert resolve_factor_set_path("mee_nbs_grid") == local.resolve()
    cfg = load_config(activity=["x.parquet"], factors=["mee_nbs_grid"])
    assert cfg.factor_sets == (local.resolve(),)


def test_set_by_name_from_env_path(tmp_path, monkeypatch):
    lib1, lib2 = tmp_path / "lib1", tmp_path / "lib2"
    lib1.mkdir()
    s = tiny_set(lib2 / "my_env_set")
    monkeypatch.setenv("GHGINV_FACTORS_PATH", f"{lib1}:{lib2}")
    assert resolve_factor_set_path("my_env_set") == s.resolve()
    cfg = load_config(activity=["x.parquet"], factors=["my_env_set", "mee_nbs_grid"])
    assert cfg.factor_sets == (s.resolve(), (SHIPPED / "mee_nbs_grid").resolve())


def test_unknown_set_lists_known_sets():
    with pytest.raises(FactorSetError) as ei:
        load_config(activity=["x.parquet"], factors=["mee_nbs_grd"])
    msg = str(ei.value)
    assert "'mee_nbs_grd'" in msg and "mee_nbs_grid" in msg


def test_folder_without_manifest_is_not_a_set(tmp_path):
    (tmp_path / "not_a_set").mkdir()
    (tmp_path / "not_a_set" / "emission_factors.csv").write_text("activity\n")
    with pytest.raises(FactorSetError) as ei:
        resolve_factor_set_path(str(tmp_path / "not_a_set"))
    assert "manifest.toml" in str(ei.value)


def test_set_listed_twice_in_options(tmp_path):
    with pytest.raises(ConfigError) as ei:
        load_config(activity=["x.parquet"], factors=["mee_nbs_grid", "ipcc2006_energy", str(SHIPPED / "mee_nbs_grid")])
    msg = str(ei.value)
    assert "twice" in msg and "mee_nbs_grid" in msg


def test_set_listed_twice_in_toml(project):
    t = _with(project, 'sets = ["sets/my_set", "mee_nbs_grid"]', 'sets = ["sets/my_set", "mee_nbs_grid", "./sets/my_set"]')
    with pytest.raises(ConfigError) as ei:
        load_config(t)
    msg = str(ei.value)
    assert "twice" in msg and "my_set" in msg and str(t) in msg


def test_same_name_twice(tmp_path):
    with pytest.raises(ConfigError):
        load_config(activity=["x.parquet"], factors=["ipcc2006_energy", "ipcc2006_energy"])


def test_run_config_checks_itself():
    with pytest.raises(ConfigError) as ei:
        RunConfig(activity_paths=(), factor_sets=(), batch_size=0)
    msg = str(ei.value)
    assert "no activity data" in msg and "no factor set" in msg and "batch_size" in msg
    assert isinstance(ei.value, ValueError)


def test_public_load_config_is_the_same():
    assert ghginv.load_config is load_config


# -- RunConfig.from_dict: the one way back from a manifest ---------------------------------------------

from dataclasses import fields  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ghginv.core.config import FEATURE_TABLES  # noqa: E402


def _same(a: RunConfig, b: RunConfig) -> None:
    """Field for field, ``extra`` too (it is left out of ``==``); ``check_base_year`` is a check, not recorded."""
    for f in fields(RunConfig):
        if f.name != "check_base_year":
            assert getattr(a, f.name) == getattr(b, f.name), f.name


@pytest.mark.parametrize("toml", ["qingyang_synthetic.toml", "qingyang_synthetic_sectors.toml"])
def test_from_dict_inverts_to_dict_for_the_demo_configs(toml):
    cfg = load_config(ROOT / "ghginv" / "data" / "demo" / toml)
    back = RunConfig.from_dict(cfg.to_dict())
    _same(back, cfg)
    assert back == cfg and back.to_dict() == cfg.to_dict()


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
_path = st.lists(st.sampled_from(["data", "活动", "a b", "x.parquet", ".."]), min_size=1, max_size=3).map(lambda p: "/" + "/".join(p))
_url = st.sampled_from(["s3://bucket/activity", "file:///srv/act", "memory://act/x.parquet", "gs://b/a?region=x"])
_json = st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats(allow_nan=False) | _text,
                     lambda c: st.lists(c, max_size=3) | st.dictionaries(_text, c, max_size=3), max_leaves=6)


@st.composite
def run_configs(draw) -> RunConfig:
    years = draw(st.none() | st.tuples(st.integers(1990, 2030), st.integers(0, 10)).map(lambda t: (t[0], t[0] + t[1])))
    base_year = draw(st.none() | (st.integers(years[0], years[1]) if years else st.integers(1990, 2040)))
    tables = draw(st.lists(st.sampled_from(FEATURE_TABLES), unique=True, max_size=3))
    engine = draw(st.sampled_from(["local", "dask"]))
    return RunConfig(
        activity_paths=tuple(draw(st.lists(_path.map(Path) | _url, min_size=1, max_size=3))),
        factor_sets=tuple(draw(st.lists(_path.map(Path), min_size=1, max_size=4, unique_by=lambda p: p.name))),  # names unique in a run
        gwp=draw(st.sampled_from(["AR4GWP100", "AR5GWP100", "AR6GWP100", "SARGWP100"])),
        name=draw(_text), description=draw(_text), years=years, base_year=base_year,
        regions=draw(st.none() | st.lists(_text, max_size=3).map(tuple)),
        keep_entity=draw(st.booleans()), year_fallback=draw(st.sampled_from(["none", "nearest"])),
        batch_size=draw(st.integers(1, 1 << 24)), engine=engine,
        scheduler=draw(st.none() | st.just("tcp://127.0.0.1:8786")) if engine == "dask" else None,
        source=draw(st.none() | _path.map(Path)), base_dir=draw(_path.map(Path)),
        extra={t: draw(st.dictionaries(st.sampled_from(["method", "lang", "draws", "x"]), _json, max_size=3)) for t in tables},
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run_configs())
def test_from_dict_inverts_to_dict(cfg):
    import json

    recorded = json.loads(json.dumps(cfg.to_dict()))  # as written to manifest.json and read back
    _same(RunConfig.from_dict(recorded), cfg)


def test_from_dict_reads_an_older_manifest(tmp_path):
    """A manifest of an early version: no engine, scheduler, base_dir or feature tables, and a
    ``check_base_year`` key later versions do not record."""
    old = {"activity_paths": ["/data/activity"], "factor_sets": ["/sets/ipcc2006_energy"], "gwp": "AR5GWP100",
           "name": "old run", "description": "", "years": [2020, 2022], "base_year": 2019, "regions": None,
           "keep_entity": False, "year_fallback": "none", "batch_size": 1048576, "check_base_year": False,
           "source": str(tmp_path / "inv.toml")}
    cfg = RunConfig.from_dict(old)
    assert cfg.activity_paths == (Path("/data/activity"),) and cfg.factor_sets == (Path("/sets/ipcc2006_energy"),)
    assert cfg.years == (2020, 2022) and cfg.base_year == 2019  # a --years override: not checked again
    assert (cfg.engine, cfg.scheduler, cfg.extra) == ("local", None, {})
    assert cfg.base_dir == tmp_path  # relative feature-table paths: the TOML's folder
    assert RunConfig.from_dict({k: v for k, v in old.items() if k != "source"}, base=tmp_path / "b").base_dir == tmp_path / "b"
    # the oldest manifests have no "description"/"regions" either
    minimal = RunConfig.from_dict({"activity_paths": ["/a"], "factor_sets": ["/s"], "gwp": "AR4GWP100"})
    assert minimal.name == "ghginv inventory" and minimal.years is None and minimal.year_fallback == "none"


def test_from_dict_checks_the_recorded_values():
    with pytest.raises(ConfigError, match="invalid run configuration"):
        RunConfig.from_dict({"activity_paths": ["/a"], "factor_sets": [], "year_fallback": "latest"})


def test_with_overrides_keeps_the_rest():
    cfg = RunConfig.from_dict({"activity_paths": ["s3://bucket/act"], "factor_sets": ["/s"], "gwp": "AR5GWP100", "years": [2020, 2021],
                               "sinks": {"path": "sinks.csv"}, "base_dir": "/proj"})
    new = cfg.with_overrides(gwp="AR6GWP100", year_fallback=None)
    assert new.gwp == "AR6GWP100" and new.year_fallback == "none" and new.activity_paths == ("s3://bucket/act",)
    assert new.extra == {"sinks": {"path": "sinks.csv"}} and new.base_dir == Path("/proj")
