"""Reproducibility: the same inputs give byte-identical outputs; the demo data regenerate exactly.

Two compiles run in separate processes with different ``PYTHONHASHSEED`` values, so any
dependence on set/dict iteration order of strings would show up as a byte difference.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import polars as pl
import pyarrow
import pyarrow.parquet as pq
import pytest

from conftest import ROOT

DEMO_TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
DEMO_ACT = ROOT / "ghginv" / "data" / "demo" / "data" / "qingyang_synthetic" / "activity"
GENERATOR = ROOT / "ghginv" / "data" / "demo" / "generate_qingyang_synthetic.py"
PARQUET_OUTPUTS = ("emissions.parquet", "inventory.parquet", "factors_used.parquet")


def _run(args: list, cwd: Path, hashseed: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GHGINV_FACTORS_PATH"}
    env["PYTHONHASHSEED"] = hashseed
    res = subprocess.run([sys.executable, *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)
    assert res.returncode == 0, f"stdout:\n{res.stdout}\nstderr:\n{res.stderr}"
    return res


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    work = tmp_path_factory.mktemp("repro")
    outs = []
    for i, seed in enumerate(("1", "12345")):
        out = work / f"run{i}"
        _run(["-m", "ghginv.cli", "compile", DEMO_TOML, "--out", out, "-q"], work, seed)
        outs.append(out)
    return outs


@pytest.mark.parametrize("name", [*PARQUET_OUTPUTS, "inventory.csv"])
def test_compile_twice_is_byte_identical(two_runs, name):
    a, b = two_runs
    assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs between two runs"


def test_manifests_agree_except_time(two_runs):
    a, b = (json.loads((o / "manifest.json").read_text(encoding="utf-8")) for o in two_runs)
    assert a["outputs"] == b["outputs"]
    for key in ("config", "inputs", "factor_sets", "gwp", "rows", "fallback_years", "ghginv_version"):
        assert a[key] == b[key], key


def test_parquet_outputs_carry_no_timestamps_or_pandas_metadata(two_runs):
    for name in PARQUET_OUTPUTS:
        md = pq.read_schema(two_runs[0] / name).metadata or {}
        assert b"pandas" not in md, name


# -- the demo generator ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen") / "activity"
    _run([GENERATOR, "--out", out], ROOT, "0")
    return out


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.parquet"))


def test_generator_writes_the_same_files(regenerated):
    assert _files(regenerated) == _files(DEMO_ACT)
    assert len(_files(DEMO_ACT)) == 5


def test_generator_reproduces_the_committed_data(regenerated):
    """Same data, compared with polars (independent of the pyarrow version)."""
    for rel in _files(DEMO_ACT):
        new = pl.read_parquet(regenerated / rel)
        old = pl.read_parquet(DEMO_ACT / rel)
        assert new.schema == old.schema, rel
        assert new.equals(old), f"{rel}: regenerated data differ from the committed data"


def test_generator_reproduces_the_committed_bytes(regenerated):
    """Byte for byte when the running pyarrow is the one that wrote the committed files;
    with another pyarrow the bytes may legitimately differ, then the data test above decides."""
    for rel in _files(DEMO_ACT):
        committed = DEMO_ACT / rel
        writer = pq.ParquetFile(committed).metadata.created_by or ""
        same_writer = writer.endswith(f"version {pyarrow.__version__}")
        new_bytes, old_bytes = (regenerated / rel).read_bytes(), committed.read_bytes()
        if same_writer:
            assert new_bytes == old_bytes, f"{rel}: regenerated file differs byte-wise (writer {writer})"
        elif new_bytes != old_bytes:
            warnings.warn(
                f"{rel}: committed by {writer!r}, running pyarrow {pyarrow.__version__}; bytes differ, "
                "data compared with polars instead",
                stacklevel=1,
            )
