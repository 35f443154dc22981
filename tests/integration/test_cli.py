"""End-to-end CLI: the demo inventory, the flag-only form, bad input, output folders, factor tools.

Every run is a real subprocess (``python -m ghginv.cli ...``) started in an empty tmp folder, so
neither the working directory nor ``$GHGINV_FACTORS_PATH`` of the test process leak in.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ghginv

from conftest import ROOT, make_factor_set, write_activity

DEMO_TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
DEMO_ACT = ROOT / "ghginv" / "data" / "demo" / "data" / "qingyang_synthetic" / "activity"
DEMO_SETS = ["cn_gbt32151_22_2024", "cn_refsheet_2020", "cn_gbt32150_2025", "mee_nbs_grid", "cn_gbt2589_2020", "ipcc2006_energy",
             "qingyang_sinks_synthetic", "ipcc2006_afolu", "ipcc2013_wetlands"]
DEMO_SINKS = ROOT / "ghginv" / "data" / "demo" / "data" / "qingyang_synthetic" / "sinks_synthetic.csv"
SYNTHETIC_SINK_SET = ROOT / "ghginv" / "data" / "demo" / "factors" / "qingyang_sinks_synthetic"
FACTORS = ROOT / "ghginv" / "data" / "factor_sets"
SHIPPED = sorted(d.name for d in FACTORS.iterdir() if (d / "manifest.toml").is_file())
OUTPUT_FILES = {"emissions.parquet", "inventory.parquet", "factors_used.parquet", "inventory.csv", "manifest.json"}
STRING_TYPES = (pa.string(), pa.large_string(), pa.string_view())


def run_cli(*args, cwd: Path, timeout: int = 180) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GHGINV_FACTORS_PATH"}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [sys.executable, "-m", "ghginv.cli", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, env=env, timeout=timeout,
    )


def siblings(out: Path) -> list[str]:
    """Temporary or backup folders of ``out`` left in its parent (.<name>.tmp-*, .<name>.old-*)."""
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def assert_ok(res: subprocess.CompletedProcess) -> None:
    assert res.returncode == 0, f"exit {res.returncode}\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}"
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout


def assert_bad_input(res: subprocess.CompletedProcess, out: Path | None = None, *needles: str) -> None:
    text = f"exit {res.returncode}\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}"
    assert res.returncode == 2, text
    assert res.stderr.startswith("error:"), text
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout, text
    for n in needles:
        assert n in res.stderr, f"{n!r} not in stderr:\n{res.stderr}"
    if out is not None:
        assert not out.exists(), f"{out} exists after a failed run"
        assert siblings(out) == []


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the demo --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    work = tmp_path_factory.mktemp("cli_demo")
    out = work / "demo"
    res = run_cli("compile", DEMO_TOML, "--out", out, cwd=work)
    return res, out


def test_demo_compiles(demo):
    res, out = demo
    assert_ok(res)
    assert "SYNTHETIC" in res.stdout
    assert str(out) in res.stdout


def test_demo_writes_the_documented_files(demo):
    res, out = demo
    assert_ok(res)
    names = {p.name for p in out.iterdir()}
    assert OUTPUT_FILES <= names, f"missing {OUTPUT_FILES - names}"
    assert siblings(out) == []


def test_emissions_columns_and_types(demo):
    _, out = demo
    schema = pq.read_schema(out / "emissions.parquet")
    assert schema.field("year").type == pa.int32()
    for col in ("region", "sector", "activity", "gas", "factor_set"):
        assert schema.field(col).type in STRING_TYPES, f"{col}: {schema.field(col).type}"
    for col in ("emissions_t", "co2e_t"):
        assert schema.field(col).type == pa.float64(), col
    df = pl.read_parquet(out / "emissions.parquet")
    assert df.height > 0
    assert df.select(pl.col("year", "region", "sector", "activity", "gas", "factor_set").null_count()).sum_horizontal().item() == 0
    # one row per (year, region, sector, activity, gas)
    assert df.select("year", "region", "sector", "activity", "gas").is_duplicated().sum() == 0
    assert set(df["gas"].unique()) == {"CO2", "CH4", "N2O"}
    assert set(df["factor_set"].unique()) <= set(DEMO_SETS)


def test_inventory_columns_and_types(demo):
    _, out = demo
    schema = pq.read_schema(out / "inventory.parquet")
    for col in ("year", "region", "category", "level", "gas", "emissions_t", "co2e_t", "notation_key"):
        assert col in schema.names, col
    assert schema.field("year").type == pa.int32()
    assert pa.types.is_integer(schema.field("level").type)
    for col in ("region", "category", "gas", "notation_key"):
        assert schema.field(col).type in STRING_TYPES, f"{col}: {schema.field(col).type}"
    for col in ("emissions_t", "co2e_t"):
        assert schema.field(col).type == pa.float64(), col
    inv = pl.read_parquet(out / "inventory.parquet")
    assert set(inv["level"].unique()) >= {0, 1, 2, 3, 4}
    assert "TOTAL" in inv["category"].to_list()


def test_inventory_csv_matches_parquet(demo):
    _, out = demo
    pqt = pl.read_parquet(out / "inventory.parquet")
    csv = pl.read_csv(out / "inventory.csv", schema=pqt.schema)
    assert csv.columns == pqt.columns
    assert csv.height == pqt.height
    assert csv.select(pl.exclude("emissions_t", "co2e_t")).equals(pqt.select(pl.exclude("emissions_t", "co2e_t")))
    for col in ("emissions_t", "co2e_t"):
        a, b = csv[col].fill_null(0).to_numpy(), pqt[col].fill_null(0).to_numpy()
        assert (abs(a - b) <= 1e-9 * abs(b) + 1e-12).all(), col


def test_factors_used(demo):
    _, out = demo
    fu = pl.read_parquet(out / "factors_used.parquet")
    assert fu.height > 0
    for col in ("factor_set", "value", "unit", "status", "source", "source_locator", "rule"):
        assert col in fu.columns
    assert set(fu["status"].unique()) <= {"V", "V2", "S", "D", "X"}
    # X (synthetic demo value) only for sink parameters of the synthetic set
    x = fu.filter(pl.col("status") == "X")
    assert x.height and set(x["kind"]) == {"sink_parameter"} and set(x["factor_set"]) == {"qingyang_sinks_synthetic"}
    assert fu.filter(pl.col("source").str.strip_chars() == "").height == 0


def test_manifest(demo):
    _, out = demo
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["ghginv_version"] == ghginv.__version__
    # config
    cfg = m["config"]
    assert cfg["gwp"] == "AR5GWP100"
    assert cfg["years"] == [2020, 2024]
    assert cfg["source"] == str(DEMO_TOML.resolve())
    assert [Path(p).name for p in cfg["factor_sets"]] == DEMO_SETS
    # GWP
    assert m["gwp"]["set"] == "AR5GWP100"
    assert m["gwp"]["values"]["CH4"] == 28.0 and m["gwp"]["values"]["N2O"] == 265.0
    # every input file, with its sha256
    inputs = {Path(i["path"]).resolve(): i for i in m["inputs"]}
    expected = sorted(p.resolve() for p in DEMO_ACT.rglob("*.parquet"))
    assert sorted(inputs) == sorted([*expected, DEMO_SINKS.resolve()])
    first = expected[0]
    assert inputs[first]["sha256"] == "sha256:" + hashlib.sha256(first.read_bytes()).hexdigest()
    for p, i in inputs.items():
        assert i["sha256"] == "sha256:" + sha256(p), p
    # every factor file, with its sha256
    assert [s["name"] for s in m["factor_sets"]] == DEMO_SETS
    for s in m["factor_sets"]:
        folder = Path(s["path"])
        assert set(s["files"]) == {p.name for p in folder.glob("*.csv")}, s["name"]
        for fname, digest in s["files"].items():
            assert digest == "sha256:" + sha256(folder / fname), f"{s['name']}/{fname}"
        assert s["version"]
    # row counts
    rows = m["rows"]
    assert rows["rows_read"] == sum(pq.ParquetFile(p).metadata.num_rows for p in expected) == 24805
    assert rows["emissions"] == pq.ParquetFile(out / "emissions.parquet").metadata.num_rows
    assert rows["inventory"] == pq.ParquetFile(out / "inventory.parquet").metadata.num_rows
    assert rows["factors_used"] == pq.ParquetFile(out / "factors_used.parquet").metadata.num_rows
    # stage timings
    st = m["stage_seconds"]
    assert {"factors", "cube", "emissions", "inventory"} <= set(st)
    assert all(isinstance(v, (int, float)) and v >= 0 for v in st.values())
    # the outputs' own hashes
    for name, digest in m.get("outputs", {}).items():
        assert digest == "sha256:" + sha256(out / name), name
    assert m["synthetic"] is True


def test_flags_without_toml(demo, tmp_path):
    _, toml_out = demo
    out = tmp_path / "flags"
    args = ["compile", "--activity", DEMO_ACT, "--sinks", DEMO_SINKS]
    for s in DEMO_SETS:
        args += ["--factors", SYNTHETIC_SINK_SET if s == SYNTHETIC_SINK_SET.name else s]
    args += ["--gwp", "AR5GWP100", "--year-fallback", "nearest", "--out", out]
    res = run_cli(*args, cwd=tmp_path)
    assert_ok(res)
    assert OUTPUT_FILES <= {p.name for p in out.iterdir()}
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["config"]["source"] is None and m["config"]["years"] is None
    a = pl.read_parquet(out / "emissions.parquet")
    b = pl.read_parquet(toml_out / "emissions.parquet")
    assert a.equals(b), "the flag-only run differs from the TOML run with the same options"


def test_factor_set_given_as_folder(tmp_path):
    s = make_factor_set(
        tmp_path / "my_set",
        ef=["natural_gas,*,*,,,CO2,56100,kg/TJ,src,T1,V2"],
        conv=["natural_gas,ncv,*,,,48.0,TJ/Gg,src,T2,V2"],
        activities=["natural_gas,Natural Gas,天然气,Natural Gas,gaseous"],
    )
    act = write_activity(tmp_path / "a.parquet", [dict(year=2022, region="510105", sector="1.A.4.b", activity="natural_gas", amount=1000.0, unit="t")])
    out = tmp_path / "out"
    res = run_cli("compile", "--activity", act, "--factors", s, "--gwp", "AR5GWP100", "--out", out, "-q", cwd=tmp_path)
    assert_ok(res)
    e = pl.read_parquet(out / "emissions.parquet")
    # 1000 t × 48 TJ/Gg × 56100 kg/TJ = 2692.8 t CO2
    assert e["emissions_t"].to_list() == pytest.approx([2692.8], rel=1e-12)
    assert "SYNTHETIC" not in res.stdout


def _demo_toml_copy(tmp_path: Path, optional: bool) -> Path:
    """The demo TOML in tmp_path (paths made absolute), its targets optional or not."""
    inv = DEMO_TOML.parent
    text = DEMO_TOML.read_text(encoding="utf-8").replace('"data/', f'"{inv.as_posix()}/data/').replace('"factors/', f'"{inv.as_posix()}/factors/')
    if optional:
        text = text.replace("[[targets]]\n", "[[targets]]\noptional = true\n")
    p = tmp_path / "demo.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_years_flag_overrides_the_demo_toml(tmp_path):
    """--years 2022-2023 leaves out the demo targets' base year 2020 (issue 16 item 6): the targets
    cannot be evaluated, which is an error naming them — unless they are optional; then the run is
    written and they show "no data" with the reason."""
    out = tmp_path / "y"
    res = run_cli("compile", DEMO_TOML, "--years", "2022-2023", "--out", out, "-q", cwd=tmp_path)
    assert_bad_input(res, out, "青羊区：2025年单位地区生产总值能耗比2020年下降13%以上", "base year 2020 is not in the run", "optional = true")
    res = run_cli("compile", _demo_toml_copy(tmp_path, optional=True), "--years", "2022-2023", "--out", out, "-q", cwd=tmp_path)
    assert_ok(res)
    e = pl.read_parquet(out / "emissions.parquet")
    assert sorted(e["year"].unique()) == [2022, 2023]
    tg = pl.read_parquet(out / "targets.parquet")
    gone = tg.filter(pl.col("kind") != "peak")
    assert set(gone["status"]) == {"no data"} and all("base year 2020" in r for r in gone["reason"])
    res = run_cli("targets", out, cwd=tmp_path)
    assert res.returncode == 0 and "no data" in res.stdout


# -- bad input -------------------------------------------------------------------------------------


@pytest.fixture
def tiny(tmp_path):
    s = make_factor_set(
        tmp_path / "t_set",
        ef=["natural_gas,*,*,,,CO2,56100,kg/TJ,src,T1,V2"],
        conv=["natural_gas,ncv,*,,,48.0,TJ/Gg,src,T2,V2"],
        activities=["natural_gas,Natural Gas,天然气,Natural Gas,gaseous"],
    )
    row = dict(year=2022, region="510105", sector="1.A.4.b", activity="natural_gas", amount=10.0, unit="t")
    good = write_activity(tmp_path / "good.parquet", [row])
    typo = write_activity(tmp_path / "typo.parquet", [row, {**row, "activity": "natual_gas"}])
    corrupt = tmp_path / "corrupt.parquet"
    corrupt.write_bytes(random.Random(1).randbytes(2000))
    return dict(set=s, good=good, typo=typo, corrupt=corrupt)


BAD_CASES = {
    "unknown-activity": (["--activity", "{typo}", "--factors", "{set}", "--gwp", "AR5GWP100"], ["natual_gas", "row 2", "did you mean"]),
    "activity-path-missing": (["--activity", "{tmp}/nope.parquet", "--factors", "{set}", "--gwp", "AR5GWP100"], ["nope.parquet"]),
    "corrupt-parquet": (["--activity", "{corrupt}", "--factors", "{set}", "--gwp", "AR5GWP100"], ["corrupt.parquet"]),
    "unknown-gwp": (["--activity", "{good}", "--factors", "{set}", "--gwp", "AR9GWP100"], ["AR9GWP100"]),
    "unknown-set": (["--activity", "{good}", "--factors", "no_such_set", "--gwp", "AR5GWP100"], ["no_such_set"]),
    "bad-years-text": (["--activity", "{good}", "--factors", "{set}", "--years", "twenty"], ["twenty"]),
    "no-factors": (["--activity", "{good}"], ["--factors"]),
    "missing-toml": (["{tmp}/missing.toml"], ["missing.toml"]),
}


@pytest.mark.parametrize("case", list(BAD_CASES))
def test_bad_input_exits_2(tmp_path, tiny, case):
    args, needles = BAD_CASES[case]
    fmt = {k: str(v) for k, v in tiny.items()} | {"tmp": str(tmp_path)}
    out = tmp_path / "out"
    res = run_cli("compile", *(a.format(**fmt) for a in args), "--out", out, cwd=tmp_path)
    assert_bad_input(res, out, *needles)


def test_no_out_without_toml(tmp_path, tiny):
    res = run_cli("compile", "--activity", tiny["good"], "--factors", tiny["set"], cwd=tmp_path)
    assert_bad_input(res, None, "--out")
    assert not (tmp_path / "out").exists()


def test_manifest_mismatch_exits_2(tmp_path, tiny):
    csv = tiny["set"] / "emission_factors.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("56100", "56000"), encoding="utf-8")
    out = tmp_path / "out"
    res = run_cli("compile", "--activity", tiny["good"], "--factors", tiny["set"], "--out", out, cwd=tmp_path)
    assert_bad_input(res, out, "sha256", "emission_factors.csv")


def test_bad_toml_exits_2(tmp_path, tiny):
    t = tmp_path / "inv.toml"
    t.write_text(
        f'[inventory]\nyeras = [2020, 2024]\n[activity]\npaths = ["{tiny["good"]}"]\n[factors]\nsets = ["{tiny["set"]}"]\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    res = run_cli("compile", t, "--out", out, cwd=tmp_path)
    assert_bad_input(res, out, str(t), "yeras")


# -- output folders ----------------------------------------------------------------------------------


def test_rerun_replaces_previous_output(tmp_path, tiny):
    out = tmp_path / "out"
    args = ["compile", "--activity", tiny["good"], "--factors", tiny["set"], "--out", out, "-q"]
    assert_ok(run_cli(*args, cwd=tmp_path))
    first = pl.read_parquet(out / "emissions.parquet")["emissions_t"].sum()
    (out / "stale.txt").write_text("from an older run\n")
    write_activity(tiny["good"], [dict(year=2022, region="510105", sector="1.A.4.b", activity="natural_gas", amount=20.0, unit="t")])
    assert_ok(run_cli(*args, cwd=tmp_path))
    assert not (out / "stale.txt").exists()
    assert OUTPUT_FILES <= {p.name for p in out.iterdir()}
    assert pl.read_parquet(out / "emissions.parquet")["emissions_t"].sum() == pytest.approx(2 * first, rel=1e-12)
    assert siblings(out) == []


def _api_compile(tiny, out):
    return ghginv.compile_inventory(activity=[str(tiny["good"])], factors=[str(tiny["set"])], gwp="AR5GWP100", out=out)


def test_empty_existing_folder_is_used(tmp_path, tiny):
    out = tmp_path / "out"
    out.mkdir()
    _api_compile(tiny, out)
    assert OUTPUT_FILES <= {p.name for p in out.iterdir()}
    assert siblings(out) == []


def _fill(out: Path, files: dict[str, str]) -> dict[str, bytes]:
    for name, text in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    return {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}


def test_foreign_folder_is_refused_and_untouched(tmp_path, tiny):
    out = tmp_path / "precious"
    out.mkdir()
    before = _fill(out, {"notes.txt": "my own notes\n", "sub/data.csv": "a,b\n1,2\n"})
    res = run_cli("compile", "--activity", tiny["good"], "--factors", tiny["set"], "--out", out, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert res.stderr.startswith("error:") and "Traceback" not in res.stderr
    assert str(out) in res.stderr
    after = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert siblings(out) == []


def test_folder_with_a_foreign_manifest_is_refused(tmp_path, tiny):
    out = tmp_path / "precious"
    out.mkdir()
    before = _fill(out, {"manifest.json": json.dumps({"name": "not ghginv"}), "data.csv": "a\n1\n"})
    with pytest.raises(ghginv.ConfigError) as ei:
        _api_compile(tiny, out)
    assert str(out) in str(ei.value)
    assert {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert siblings(out) == []


def test_out_is_a_file(tmp_path, tiny):
    out = tmp_path / "out.txt"
    out.write_text("x")
    with pytest.raises(ghginv.ConfigError) as ei:
        _api_compile(tiny, out)
    assert str(out) in str(ei.value)
    assert out.read_text() == "x"
    assert siblings(out) == []


def test_out_that_cannot_be_created_exits_2(tmp_path, tiny):
    """--out below a regular file cannot be created: a clear error, not a traceback."""
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    out = blocker / "out"
    res = run_cli("compile", "--activity", tiny["good"], "--factors", tiny["set"], "--out", out, cwd=tmp_path)
    assert_bad_input(res, None, str(blocker))
    assert blocker.read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_failed_write_leaves_nothing(tmp_path):
    from ghginv.runfolder import atomic_output_dir

    out = tmp_path / "out"

    def boom(tmp: Path):
        (tmp / "half.parquet").write_bytes(b"partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_output_dir(out, boom)
    assert not out.exists()
    assert siblings(out) == []


# -- factor set tools --------------------------------------------------------------------------------


def test_factors_check_every_shipped_set(tmp_path):
    res = run_cli("factors", "check", *SHIPPED, cwd=tmp_path)
    assert_ok(res)
    lines = res.stdout.splitlines()
    for name in SHIPPED:
        assert any(ln.startswith(f"{name} ") and "OK" in ln for ln in lines), f"{name} not OK:\n{res.stdout}"


def test_factors_list(tmp_path):
    res = run_cli("factors", "list", cwd=tmp_path)
    assert_ok(res)
    for name in SHIPPED:
        assert name in res.stdout
    assert "INVALID" not in res.stdout


def test_factors_check_unknown_set(tmp_path):
    res = run_cli("factors", "check", "no_such_set", cwd=tmp_path)
    assert_bad_input(res, None, "no_such_set")


def test_factors_hash_write_fixes_a_mismatch(tmp_path):
    shipped_manifest = (FACTORS / "mee_nbs_grid" / "manifest.toml").read_bytes()
    copy = tmp_path / "sets" / "mee_nbs_grid"
    shutil.copytree(FACTORS / "mee_nbs_grid", copy)
    before = tomllib.loads((copy / "manifest.toml").read_text(encoding="utf-8"))
    csv = copy / "emission_factors.csv"
    text = csv.read_text(encoding="utf-8")
    assert "0.1255" in text
    csv.write_text(text.replace("0.1255", "0.1256", 1), encoding="utf-8")

    res = run_cli("factors", "check", copy, cwd=tmp_path)
    assert_bad_input(res, None, "sha256", "emission_factors.csv")

    res = run_cli("factors", "hash", copy, cwd=tmp_path)  # print only
    assert_ok(res)
    assert sha256(csv) in res.stdout
    assert tomllib.loads((copy / "manifest.toml").read_text(encoding="utf-8")) == before

    res = run_cli("factors", "hash", copy, "--write", cwd=tmp_path)
    assert_ok(res)
    after = tomllib.loads((copy / "manifest.toml").read_text(encoding="utf-8"))
    assert after["files"]["emission_factors.csv"] == "sha256:" + sha256(csv)
    assert after["files"]["activities.csv"] == before["files"]["activities.csv"]
    assert {k: v for k, v in after.items() if k != "files"} == {k: v for k, v in before.items() if k != "files"}

    res = run_cli("factors", "check", copy, cwd=tmp_path)
    assert_ok(res)
    assert "OK" in res.stdout
    assert (FACTORS / "mee_nbs_grid" / "manifest.toml").read_bytes() == shipped_manifest


def test_version(tmp_path):
    res = run_cli("version", cwd=tmp_path)
    assert_ok(res)
    assert res.stdout.strip() == ghginv.__version__


def test_installed_script(tmp_path):
    script = Path(sys.executable).parent / "ghginv"
    if not script.exists():
        pytest.skip("ghginv console script not installed next to this Python")
    res = subprocess.run([str(script), "version"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert res.returncode == 0 and res.stdout.strip() == ghginv.__version__


@pytest.mark.parametrize("quiet", [False, True], ids=["table", "quiet"])
def test_summary_shows_bracketed_names_as_written(tmp_path, quiet):
    """A name such as "[draft]" is text, not console markup: printed as written, with and without
    --quiet (the quiet summary is plain text without rich)."""
    toml = tmp_path / "draft.toml"
    text = DEMO_TOML.read_text(encoding="utf-8").replace(
        'name = "Qingyang District (synthetic demo data)"', 'name = "Qingyang [draft] (synthetic demo data)"', 1)
    assert "[draft]" in text
    toml.write_text(text.replace('"data/', f'"{DEMO_TOML.parent.as_posix()}/data/').replace('"factors/', f'"{DEMO_TOML.parent.as_posix()}/factors/'),
                    encoding="utf-8")
    res = run_cli("compile", toml, "--out", tmp_path / "out", *(["--quiet"] if quiet else []), cwd=tmp_path)
    assert_ok(res)
    assert "Qingyang [draft] (synthetic demo data) — GWP" in res.stdout
