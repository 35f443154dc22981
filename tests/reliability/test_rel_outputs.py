"""No command writes over one of its own inputs or into a run folder it does not own (issue 17
item 1), and a run's factor sets are unique by name and recomputed exactly as compiled, or the
recompute refuses (item 2).

Every refusal is exit 2 with one message, and every input — and every run folder — is hashed
before and after: byte for byte unchanged, no file added.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from ghginv.cli import app

from conftest import make_factor_set, write_activity
from rel_helpers import EXAMPLES, SRC, tiny_activity, tiny_set

LEDGER = EXAMPLES / "synthetic_205_1_2023.csv"
MAPPING = EXAMPLES / "synthetic_205_1.mapping.toml"


def cli(*args, cwd: Path | None = None):
    """Run ``ghginv ARGS`` in this process (fast); ``cwd`` for relative paths."""
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})
    finally:
        os.chdir(old)


def tree(*roots: Path) -> dict[str, str]:
    """sha256 of every file (hidden ones too) under each root, or of the root itself."""
    out = {}
    for root in roots:
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for p in files:
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def assert_refused(res, *needles: str) -> None:
    text = f"exit {res.exit_code}\noutput:\n{res.output}"
    assert res.exit_code == 2, text
    assert res.exception is None or isinstance(res.exception, SystemExit), text
    assert "Traceback" not in res.output, text
    for n in needles:
        assert n in res.output, f"{n!r} not in:\n{text}"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two finished runs A and B of the tiny set (B with a second year), their activity folder and set."""
    root = tmp_path_factory.mktemp("runs")
    fs = tiny_set(root / "tiny")
    act = root / "act"
    tiny_activity(act / "a.parquet")
    for name in ("A", "B"):
        res = cli("compile", "--activity", act, "--factors", fs, "--gwp", "AR5GWP100", "--out", root / name, "-q")
        assert res.exit_code == 0, res.output
    return root


# ---- item 1: never over an input, never into a run folder ------------------------------------


@pytest.fixture
def ledger_dir(tmp_path):
    shutil.copy(LEDGER, tmp_path / "v.csv")
    shutil.copy(MAPPING, tmp_path / "m.toml")
    return tmp_path


@pytest.mark.parametrize("target", ["v.csv", "m.toml", "./sub/../v.csv", "link.csv", "hard.csv", "ABS"])
def test_import_never_writes_over_its_ledger_or_mapping(ledger_dir, target):
    (ledger_dir / "sub").mkdir()
    (ledger_dir / "link.csv").symlink_to(ledger_dir / "v.csv")  # a symlink to the ledger
    os.link(ledger_dir / "v.csv", ledger_dir / "hard.csv")  # another name of the same file
    out = ledger_dir / "v.csv" if target == "ABS" else target
    before = tree(ledger_dir)
    res = cli("import", "v.csv", "--mapping", "m.toml", "--out", out, cwd=ledger_dir)
    assert_refused(res, "the command reads", "Nothing was written")
    assert tree(ledger_dir) == before  # the ledger and mapping untouched, no file added


def test_import_still_writes_beside_its_inputs(ledger_dir):
    res = cli("import", "v.csv", "--mapping", "m.toml", "--out", "activity.parquet", cwd=ledger_dir)
    assert res.exit_code == 0, res.output
    assert pl.read_parquet(ledger_dir / "activity.parquet").height > 0


@pytest.mark.parametrize("name", ["cube.parquet", "manifest.json", "new.parquet", "factor_sets/tiny/x.parquet"])
def test_import_never_writes_into_a_run(runs, ledger_dir, name):
    before = tree(runs / "A")
    res = cli("import", "v.csv", "--mapping", "m.toml", "--out", runs / "A" / name, cwd=ledger_dir)
    assert_refused(res, "lies inside the ghginv run folder", str(runs / "A"))
    assert tree(runs / "A") == before


@pytest.mark.parametrize("opt", [["--html", "B/manifest.json"], ["--html", "B/report.html"], ["--out", "B/inventory.parquet"],
                                 ["--out", "A/recalculation.parquet"], ["--out", "B/factor_sets/x.parquet"],
                                 ["--out", "d.parquet", "--html", "A/page.html"]])
def test_diff_never_writes_into_a_run(runs, opt):
    before = tree(runs / "A", runs / "B")
    res = cli("diff", "A", "B", *opt, cwd=runs)
    assert_refused(res, "lies inside the ghginv run folder", "Nothing was written")
    assert tree(runs / "A", runs / "B") == before
    assert not (runs / "d.parquet").exists()


def test_diff_out_beside_a_factors_file_in_a_run_is_refused(runs, tmp_path):
    """``--out X`` also writes ``X_factors.parquet`` beside it; a link making that one a run's file is refused."""
    (tmp_path / "rc_factors.parquet").symlink_to(runs / "B" / "inventory.parquet")
    before = tree(runs / "B")
    res = cli("diff", runs / "A", runs / "B", "--out", tmp_path / "rc.parquet")
    assert_refused(res, "lies inside the ghginv run folder")
    assert tree(runs / "B") == before and not (tmp_path / "rc.parquet").exists()


def test_write_recalculation_refuses_a_run_folder(runs):
    import ghginv
    from ghginv.core.errors import ConfigError

    before = tree(runs / "B")
    recalc, changed = ghginv.diff_runs(runs / "A", runs / "B")
    with pytest.raises(ConfigError, match="lies inside the ghginv run folder"):
        ghginv.write_recalculation(recalc, changed, runs / "B" / "inventory.parquet")
    assert tree(runs / "B") == before


@pytest.mark.parametrize("args", [["uncertainty", "A", "--out", "B/uncertainty.parquet"],
                                  ["uncertainty", "A", "--out", "A/cube.parquet"],
                                  ["uncertainty", "A", "--out", "A/sub/u.parquet"],
                                  ["recompute", "A", "--scenarios", "sc.csv", "--out", "B/scenarios.parquet"],
                                  ["recompute", "A", "--scenarios", "sc.csv", "--out", "A/inventory.parquet"]])
def test_uncertainty_and_scenarios_never_write_into_another_file_of_a_run(runs, args):
    (runs / "sc.csv").write_text("scenario,gwp\nar6,AR6GWP100\n", encoding="utf-8")
    before = tree(runs / "A", runs / "B", runs / "sc.csv")
    res = cli(*args, cwd=runs)
    assert_refused(res, "lies inside the ghginv run folder")
    assert tree(runs / "A", runs / "B", runs / "sc.csv") == before


def test_scenarios_never_write_over_the_scenario_file(runs, tmp_path):
    sc = tmp_path / "sc.parquet"
    pl.DataFrame({"scenario": ["ar6"], "gwp": ["AR6GWP100"]}).write_parquet(sc)
    before = tree(sc, runs / "A")
    res = cli("recompute", runs / "A", "--scenarios", sc, "--out", sc)
    assert_refused(res, "this is the scenario file the command reads")
    assert tree(sc, runs / "A") == before


def test_scenarios_still_write_their_default_file_into_the_run(tmp_path):
    fs = tiny_set(tmp_path / "tiny")
    tiny_activity(tmp_path / "act" / "a.parquet")
    assert cli("compile", "--activity", tmp_path / "act", "--factors", fs, "--gwp", "AR5GWP100", "--out", tmp_path / "R", "-q").exit_code == 0
    (tmp_path / "sc.csv").write_text("scenario,gwp\nar6,AR6GWP100\n", encoding="utf-8")
    res = cli("recompute", tmp_path / "R", "--scenarios", tmp_path / "sc.csv", "-q")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "R" / "scenarios.parquet").is_file()


@pytest.mark.parametrize("out", ["tiny/diff.csv", "A/diff.csv", "tiny/emission_factors.csv"])
def test_factors_diff_never_writes_into_a_set_or_a_run(runs, out):
    other = make_factor_set(runs / "other" / "tiny2", ef=[f"natural_gas,*,*,,,CO2,56000,kg/TJ,{SRC},Table 1.4,V2"])
    before = tree(runs / "tiny", other, runs / "A")
    res = cli("factors", "diff", runs / "tiny", other, "--out", out, cwd=runs)
    assert_refused(res, "Nothing was written")
    assert tree(runs / "tiny", other, runs / "A") == before


@pytest.mark.parametrize("out", ["act", "tiny", "act/run", "tiny/run", "A/run", "A/factor_sets/x", "HOLDER"])
def test_compile_never_writes_into_an_input_folder_or_another_run(runs, tmp_path, out):
    if out == "HOLDER":  # an old run folder that holds this run's activity file: replacing it would delete it
        shutil.copytree(runs / "A", tmp_path / "old")
        tiny_activity(tmp_path / "old" / "data.parquet")
        act, out = tmp_path / "old" / "data.parquet", tmp_path / "old"
    else:
        act = runs / "act"
    before = tree(runs, tmp_path)
    res = cli("compile", "--activity", act, "--factors", runs / "tiny", "--gwp", "AR5GWP100", "--out", out, "-q", cwd=runs)
    assert_refused(res, "--out", "Nothing was written")
    assert tree(runs, tmp_path) == before


def test_compile_toml_never_writes_into_its_own_inputs(runs, tmp_path):
    toml = tmp_path / "inv.toml"
    toml.write_text(f'[activity]\npaths = ["{runs / "act"}"]\n[factors]\nsets = ["{runs / "tiny"}"]\n', encoding="utf-8")
    before = tree(runs / "act", runs / "tiny", toml)
    res = cli("compile", toml, "--out", runs / "act" / "out", "-q")
    assert_refused(res, "lies inside the activity data folder")
    assert tree(runs / "act", runs / "tiny", toml) == before


@pytest.mark.parametrize("out", ["A/sub", "B/sub", "act", "tiny"])
def test_recompute_never_writes_into_a_run_or_an_input(runs, out):
    before = tree(runs)
    res = cli("recompute", "A", "--gwp", "AR6GWP100", "--out", out, "-q", cwd=runs)
    assert_refused(res, "--out")  # "lies inside the ghginv run folder", "is the factor set", "not a ghginv run" …
    assert tree(runs) == before


def test_recompute_may_still_replace_its_own_run(tmp_path):
    fs = tiny_set(tmp_path / "tiny")
    tiny_activity(tmp_path / "act" / "a.parquet")
    assert cli("compile", "--activity", tmp_path / "act", "--factors", fs, "--gwp", "AR5GWP100", "--out", tmp_path / "R", "-q").exit_code == 0
    res = cli("recompute", tmp_path / "R", "--gwp", "AR6GWP100", "--out", tmp_path / "R", "-q")
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "R" / "manifest.json").read_text())["gwp"]["set"] == "AR6GWP100"


# ---- item 2: factor sets unique by name; a recompute reproduces its compile or refuses ------


def _two_sets_named_alike(root: Path) -> tuple[Path, Path]:
    """``a/ipcc`` (natural gas: CO2 and CH4) and ``b/ipcc`` (diesel: CO2 only): one name, two folders."""
    a = make_factor_set(root / "a" / "ipcc", ef=[f"natural_gas,*,*,,,CO2,56100,kg/TJ,{SRC},Table 1.4,V2",
                                                  f"natural_gas,*,*,,,CH4,1,kg/TJ,{SRC},Table 2.2,V2"],
                        conv=[f"natural_gas,ncv,*,,,48.0,TJ/Gg,{SRC},Table 1.2,V2"],
                        activities=["natural_gas,Natural Gas,天然气,Natural Gas,gaseous"])
    b = make_factor_set(root / "b" / "ipcc", ef=[f"diesel,*,*,,,CO2,74100,kg/TJ,{SRC},Table 1.4,V2"],
                        conv=[f"diesel,ncv,*,,,43.0,TJ/Gg,{SRC},Table 1.2,V2"],
                        activities=["diesel,Gas/Diesel Oil,柴油,Gas/Diesel Oil,liquid"])
    return a, b


@pytest.mark.parametrize("command", ["compile", "validate"])
def test_two_factor_sets_with_one_name_are_refused(tmp_path, command):
    a, b = _two_sets_named_alike(tmp_path)
    tiny_activity(tmp_path / "act" / "a.parquet")
    before = tree(tmp_path)
    extra = ["--gwp", "AR5GWP100", "--out", tmp_path / "out"] if command == "compile" else []
    res = cli(command, "--activity", tmp_path / "act", "--factors", a, "--factors", b, *extra)
    assert_refused(res, "two factor sets are named 'ipcc'", str(a), str(b))
    assert tree(tmp_path) == before and not (tmp_path / "out").exists()


def test_two_factor_sets_with_one_name_are_refused_in_the_api(tmp_path):
    """Sets handed to the stages directly (not through a config) are checked too."""
    from ghginv import load_config, load_factor_set
    from ghginv.core.errors import ConfigError
    from ghginv.pipeline.inventory import Inventory

    a, b = _two_sets_named_alike(tmp_path)
    write_activity(tmp_path / "act" / "a.parquet", [dict(year=2022, region="r", sector="1.A.1.a", activity="natural_gas",
                                                          amount=1.0, unit="t")])
    cfg = load_config(activity=[str(tmp_path / "act")], factors=[str(a)])
    cube = Inventory(cfg).run().cube
    with pytest.raises(ConfigError, match="two factor sets are named 'ipcc'"):
        Inventory(cfg).run_from_cube(cube, [], sets=[load_factor_set(a), load_factor_set(b)])


def test_recompute_with_two_sets_of_one_name_is_refused(runs, tmp_path):
    a, b = _two_sets_named_alike(tmp_path)
    res = cli("recompute", runs / "A", "--replace-factors", "--factors", a, "--factors", b, "--out", tmp_path / "R2", "-q")
    assert_refused(res)
    assert "ipcc" in res.output and not (tmp_path / "R2").exists()


def _rehash(folder: Path) -> None:
    """Make a set's manifest.toml consistent with its (edited) files, as ``factors hash --write`` would."""
    text = (folder / "manifest.toml").read_text(encoding="utf-8")
    head, files = text.split("[files]", 1)
    names = [line.split("=")[0].strip().strip('"') for line in files.strip().splitlines()]
    lines = [f'"{n}" = "sha256:{hashlib.sha256((folder / n).read_bytes()).hexdigest()}"' for n in names]
    (folder / "manifest.toml").write_text(head + "[files]\n" + "\n".join(lines) + "\n", encoding="utf-8")


def test_recompute_refuses_a_snapshot_changed_after_the_run(tmp_path):
    """Before: an edited (and consistently re-hashed) snapshot was recomputed with exit 0 and other numbers."""
    fs = tiny_set(tmp_path / "tiny")
    tiny_activity(tmp_path / "act" / "a.parquet")
    run = tmp_path / "R"
    assert cli("compile", "--activity", tmp_path / "act", "--factors", fs, "--gwp", "AR5GWP100", "--out", run, "-q").exit_code == 0
    snap = run / "factor_sets" / "tiny"
    ef = snap / "emission_factors.csv"
    ef.write_text(ef.read_text(encoding="utf-8").replace("56100", "99999"), encoding="utf-8")
    _rehash(snap)  # the set on its own still verifies; only the run's manifest knows it changed
    res = cli("recompute", run, "--out", tmp_path / "R2", "-q")
    assert_refused(res, "emission_factors.csv", "changed after the run")
    assert not (tmp_path / "R2").exists()


def _old_run_with_two_sets_of_one_name(tmp_path: Path) -> Path:
    """A run as versions before this fix wrote it for ``--factors a/ipcc --factors b/ipcc``: both
    sets in the manifest under one name, the snapshot ``factor_sets/ipcc/`` holding the second set's
    files (copied over the first's), ``outputs`` recording what was left there."""
    a, b = _two_sets_named_alike(tmp_path)
    b2 = tmp_path / "b2" / "ipcc2"  # b under another name: compiled now, then renamed in the manifest
    shutil.copytree(b, b2)
    (b2 / "manifest.toml").write_text((b / "manifest.toml").read_text(encoding="utf-8").replace('name = "ipcc"', 'name = "ipcc2"'),
                                      encoding="utf-8")
    tiny_activity(tmp_path / "act" / "a.parquet", [
        dict(year=2022, region="510105", sector="1.A.1.a", activity="natural_gas", amount=200.0, unit="t"),
        dict(year=2022, region="510105", sector="1.A.1.a", activity="diesel", amount=100.0, unit="t")])
    run = tmp_path / "R"
    res = cli("compile", "--activity", tmp_path / "act", "--factors", a, "--factors", b2, "--gwp", "AR5GWP100", "--out", run, "-q")
    assert res.exit_code == 0, res.output
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    m["factor_sets"][1].update(name="ipcc", path=str(b))
    for f in list(m["outputs"]):
        if f.startswith("factor_sets/ipcc2/"):
            del m["outputs"][f]
    for f in b.iterdir():  # the second set copied over the first
        shutil.copyfile(f, run / "factor_sets" / "ipcc" / f.name)
        m["outputs"][f"factor_sets/ipcc/{f.name}"] = "sha256:" + hashlib.sha256(f.read_bytes()).hexdigest()
    shutil.rmtree(run / "factor_sets" / "ipcc2")
    (run / "manifest.json").write_text(json.dumps(m, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return run


def test_recompute_refuses_an_old_run_with_two_sets_of_one_name(tmp_path):
    """Before: the recompute used the second set twice — CH4 gone, other numbers, exit 0."""
    run = _old_run_with_two_sets_of_one_name(tmp_path)
    before = tree(run)
    res = cli("recompute", run, "--out", tmp_path / "R2", "-q")
    assert_refused(res, "two factor sets named 'ipcc'", "cannot be recomputed exactly")
    assert tree(run) == before and not (tmp_path / "R2").exists()


def test_recompute_of_an_untouched_run_reproduces_its_compile(tmp_path):
    fs = tiny_set(tmp_path / "tiny")
    tiny_activity(tmp_path / "act" / "a.parquet")
    assert cli("compile", "--activity", tmp_path / "act", "--factors", fs, "--gwp", "AR5GWP100", "--out", tmp_path / "R", "-q").exit_code == 0
    res = cli("recompute", tmp_path / "R", "--out", tmp_path / "R2", "-q")
    assert res.exit_code == 0, res.output
    a, b = (pl.read_parquet(tmp_path / r / "inventory.parquet") for r in ("R", "R2"))
    assert a.equals(b)


def test_verified_factor_sets_names_a_missing_snapshot_file(tmp_path):
    from ghginv.core.errors import InputFileError
    from ghginv.runfolder import read_manifest, verified_factor_sets

    fs = tiny_set(tmp_path / "tiny")
    write_activity(tmp_path / "act" / "a.parquet", [dict(year=2022, region="r", sector="1.A.4.b", activity="diesel",
                                                          amount=1.0, unit="t")])
    assert cli("compile", "--activity", tmp_path / "act", "--factors", fs, "--gwp", "AR5GWP100", "--out", tmp_path / "R", "-q").exit_code == 0
    m = read_manifest(tmp_path / "R")
    assert verified_factor_sets(tmp_path / "R", m) == [tmp_path / "R" / "factor_sets" / "tiny"]
    (tmp_path / "R" / "factor_sets" / "tiny" / "conversions.csv").unlink()
    with pytest.raises(InputFileError, match="conversions.csv: missing from the run's snapshot"):
        verified_factor_sets(tmp_path / "R", m)
