"""Issue 17 item 9: a column of a factor-set CSV that no reader takes (its hash correct) was
ignored in silence, so a misspelt ``uncertainty_pc`` lost the row's uncertainty unnoticed. It is a
warning naming the file, the column and the nearest known one — in the CLI output and in
manifest.json ``warnings`` — and an error with ``--strict`` (compile, validate, factors check) or
``[factors] strict = true``: exit 2, nothing written."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ghginv
from ghginv.core.errors import ConfigError, SchemaError

ROOT = Path(__file__).resolve().parents[2]
ACTIVITY = ROOT / "ghginv" / "data" / "demo" / "data" / "qingyang_synthetic" / "activity"
SHIPPED = sorted(d for base in (ROOT / "ghginv" / "data" / "factor_sets", ROOT / "ghginv" / "data" / "demo" / "factors") for d in base.iterdir()
                 if (d / "manifest.toml").is_file())
OTHER_SETS = ["cn_gbt32151_22_2024", "cn_refsheet_2020", "cn_gbt32150_2025", "cn_gbt2589_2020", "ipcc2006_energy"]


def _rehash(folder: Path) -> None:
    """What `ghginv factors hash FOLDER --write` does: the data files' sha256 into manifest.toml."""
    m = folder / "manifest.toml"
    head = m.read_text(encoding="utf-8").split("[files]")[0].rstrip() + "\n\n[files]\n"
    lines = [f'"{p.name}" = "sha256:{hashlib.sha256(p.read_bytes()).hexdigest()}"' for p in sorted(folder.glob("*.csv"))]
    m.write_text(head + "\n".join(lines) + "\n", encoding="utf-8")


def _grid_with_column(tmp_path: Path, column: str, fname: str = "emission_factors.csv", set_name: str = "mee_nbs_grid") -> Path:
    """A copy of a shipped set with one more column (value 5 on every row), hashes correct."""
    folder = tmp_path / "sets" / set_name
    src = next(d for d in SHIPPED if d.name == set_name)
    shutil.copytree(src, folder)
    path = folder / fname
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))
    rows = [rows[0] + [column]] + [r + ["5"] for r in rows[1:]]
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    _rehash(folder)
    return folder


def _cli(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GHGINV_FACTORS_PATH"}
    env["COLUMNS"] = "250"
    return subprocess.run([sys.executable, "-m", "ghginv.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


@pytest.mark.parametrize("set_dir", SHIPPED, ids=lambda d: d.name)
def test_shipped_sets_have_no_unknown_column(set_dir):
    fs = ghginv.load_factor_set(set_dir, strict=True)  # strict: no unknown column anywhere
    assert fs.warnings == []


def test_a_misspelt_optional_column_is_a_warning_naming_the_nearest_column(tmp_path):
    folder = _grid_with_column(tmp_path, "uncertainty_pc")
    fs = ghginv.load_factor_set(folder)
    (w,) = fs.warnings
    assert w["kind"] == "unknown_column" and w["column"] == "uncertainty_pc" and w["nearest"] == "uncertainty_pct"
    assert w["factor_set"] == "mee_nbs_grid" and w["file"] == str(folder / "emission_factors.csv")
    assert str(folder / "emission_factors.csv") in w["message"] and "'uncertainty_pc'" in w["message"]
    assert "did you mean 'uncertainty_pct'?" in w["message"] and "--strict" in w["message"]
    assert all(r.unc_pct is None for r in fs.rules)  # the misspelt column gives no uncertainty (hence the warning)


@pytest.mark.parametrize("column, fname, nearest", [
    ("Notes", "emission_factors.csv", "notes"),
    ("distrbution", "conversions.csv", "distribution"),
    ("lowr", "emission_factors.csv", "lower"),
    ("sourcelocator", "emission_factors.csv", "source_locator"),
    ("zzz", "emission_factors.csv", None),
    ("", "emission_factors.csv", None),
    ("uncertainty_pct", "sink_parameters.csv", None),  # sink parameters take no uncertainty columns
])
def test_unknown_columns_in_every_file(tmp_path, column, fname, nearest):
    set_name = {"sink_parameters.csv": "qingyang_sinks_synthetic", "conversions.csv": "cn_gbt2589_2020"}.get(fname, "mee_nbs_grid")
    folder = _grid_with_column(tmp_path, column, fname, set_name)
    (w,) = ghginv.load_factor_set(folder).warnings
    assert w["column"] == column and w["nearest"] == nearest and fname in w["message"]
    if nearest is None:
        assert f"{fname} takes the columns" in w["message"]
    with pytest.raises(SchemaError, match="unknown columns") as ei:
        ghginv.load_factor_set(folder, strict=True)
    assert fname in str(ei.value) and (nearest is None or f"did you mean '{nearest}'?" in str(ei.value))


def test_compile_warns_in_the_output_and_the_manifest(tmp_path):
    folder = _grid_with_column(tmp_path, "uncertainty_pc")
    sets = [a for s in [*OTHER_SETS[:3], str(folder), *OTHER_SETS[3:]] for a in ("--factors", s)]
    res = _cli("compile", "--activity", ACTIVITY, *sets, "--year-fallback", "nearest", "--out", tmp_path / "out", "-q", cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    out = " ".join((res.stdout + res.stderr).split())
    assert "warning:" in out and "'uncertainty_pc'" in out and "did you mean 'uncertainty_pct'?" in out
    warns = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["warnings"]
    assert [(w["kind"], w["column"], w["nearest"]) for w in warns if w["kind"] == "unknown_column"] == \
        [("unknown_column", "uncertainty_pc", "uncertainty_pct")]


def test_strict_makes_it_an_error_with_nothing_written(tmp_path):
    folder = _grid_with_column(tmp_path, "uncertainty_pc")
    sets = [a for s in [*OTHER_SETS[:3], str(folder), *OTHER_SETS[3:]] for a in ("--factors", s)]
    common = ["--activity", ACTIVITY, *sets, "--year-fallback", "nearest"]
    toml = tmp_path / "inv.toml"
    toml.write_text(f'[inventory]\nname = "t"\n[activity]\npaths = ["{ACTIVITY.as_posix()}"]\n[factors]\nsets = '
                    + json.dumps([*OTHER_SETS[:3], folder.as_posix(), *OTHER_SETS[3:]])
                    + '\nyear_fallback = "nearest"\nstrict = true\n', encoding="utf-8")
    runs = {
        "compile --strict": _cli("compile", *common, "--strict", "--out", tmp_path / "o1", cwd=tmp_path),
        "compile [factors] strict": _cli("compile", toml, "--out", tmp_path / "o2", cwd=tmp_path),
        "validate --strict": _cli("validate", *common, "--strict", cwd=tmp_path),
        "validate [factors] strict": _cli("validate", toml, cwd=tmp_path),
        "factors check --strict": _cli("factors", "check", folder, "--strict", cwd=tmp_path),
    }
    for what, res in runs.items():
        out = " ".join((res.stdout + res.stderr).split())
        assert res.returncode == 2, f"{what}: {out}"
        assert "'uncertainty_pc'" in out and "did you mean 'uncertainty_pct'?" in out, what
        assert "Traceback" not in res.stderr, what
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o2").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inv.toml", "sets"]
    res = _cli("factors", "check", folder, cwd=tmp_path)  # without --strict: a warning, exit 0
    assert res.returncode == 0 and "warning:" in res.stdout and "'uncertainty_pc'" in res.stdout


def test_strict_in_the_toml_must_be_a_boolean_and_is_recorded(tmp_path):
    toml = tmp_path / "inv.toml"
    toml.write_text('[activity]\npaths = ["a"]\n[factors]\nsets = ["ipcc2006_energy"]\nstrict = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="strict must be true or false"):
        ghginv.load_config(toml)
    toml.write_text('[activity]\npaths = ["a"]\n[factors]\nsets = ["ipcc2006_energy"]\nstrict = true\n', encoding="utf-8")
    cfg = ghginv.load_config(toml)
    assert cfg.strict_factors is True and cfg.to_dict()["strict_factors"] is True
    assert type(cfg).from_dict(cfg.to_dict()).strict_factors is True  # a recompute keeps it
    assert ghginv.load_config(toml, strict_factors=False).strict_factors is False  # an option overrides the TOML
