"""Messages and help of the command line print as written (issue 16 item 10): brackets are text,
not rich markup; an unknown activity in ``factors show``, a run folder that does not exist and a
manifest hash mismatch each say what to do."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

import ghginv
from ghginv.cli import app
from ghginv.core.errors import ManifestError
from ghginv.factors import load_factor_set

from conftest import ROOT, make_factor_set


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "ghginv", *args], capture_output=True, text=True, env=env, cwd=cwd or ROOT, timeout=180)


def _flat(text: str) -> str:
    """The help text without the boxes rich draws, on one line."""
    return re.sub(r"\s+", " ", re.sub(r"[│╭╮╰╯─]", " ", text))


def test_help_shows_bracketed_text():
    out = _flat(_cli("compile", "--help").stdout)
    assert "Monte Carlo; [uncertainty] settings" in out
    assert "([waste] climate_zone)" in out
    assert "([notation_keys] path)" in out and "([reference_approach] energy_balance)" in out


def test_import_message_keeps_the_checks_table_name(monkeypatch, tmp_path):
    rep = SimpleNamespace(stats={"data_rows": 3, "total": 4, "skip": 0, "blank_cells": 0, "blank_rows": 0, "unverified_total_rows": [7]},
                          rows_written=3, encoding=None, checks=[], unmapped=0, files=[tmp_path / "l [v2].csv"], sheets=1,
                          warnings=[], unmapped_problems=[], provenance=tmp_path / "o [x].provenance.parquet")
    monkeypatch.setattr(ghginv, "import_ledger", lambda *a, **k: rep)
    r = CliRunner().invoke(app, ["import", str(tmp_path / "l [v2].csv"), "--mapping", str(tmp_path / "m.toml"), "--out",
                                 str(tmp_path / "o [x].parquet")])
    assert r.exit_code == 0, r.output
    assert "no [[checks]] entry" in r.output and "l [v2].csv" in r.output and "o [x].parquet" in r.output


def test_factors_show_unknown_activity_names_the_nearest_codes():
    r = _cli("factors", "show", "cn_gbt2589_2020", "--activity", "natural_gs")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "no activity 'natural_gs'" in r.stderr and "natural_gas" in r.stderr
    r = _cli("factors", "show", "mee_nbs_grid", "--activity", "electricity")
    assert r.returncode == 0 and "93 rows" in r.stdout


def test_targets_of_a_folder_that_does_not_exist(tmp_path):
    r = _cli("targets", str(tmp_path / "nonexistent"))
    assert r.returncode == 2 and "no such run folder" in r.stderr and "targets.parquet" not in r.stderr
    r = _cli("targets", str(tmp_path))  # exists, but no run
    assert r.returncode == 2 and "not a ghginv run folder" in r.stderr


def test_hash_mismatch_names_the_command_that_fixes_it(tmp_path):
    folder = make_factor_set(tmp_path / "myset", ef=["diesel,*,*,,,CO2,74100,kg/TJ,2006 IPCC GL Vol 2,Table 1.4,V2"],
                             activities=["diesel,Gas/Diesel Oil,柴油,Gas/Diesel Oil,liquid"])
    ef = folder / "emission_factors.csv"
    ef.write_text(ef.read_text(encoding="utf-8").replace("74100", "74200"), encoding="utf-8")
    with pytest.raises(ManifestError) as e:
        load_factor_set(folder)
    text = str(e.value) + " ".join(p.render() for p in e.value.problems)
    assert f"ghginv factors hash {folder} --write" in text
