"""Determinism beyond tests/properties (which prove order, batch-size and file-split invariance to
1e-12): byte-identical outputs across thread counts (polars and numba), and conservation checks
that agree across batch sizes and row order (counts exactly, sums to 1e-12)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from properties.gen import random_scenario, write_rows, write_sets

from ghginv import Inventory, load_config

from conftest import ROOT

DEMO = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
RUN = "import sys, ghginv; ghginv.compile_inventory(sys.argv[1]).write(sys.argv[2])"
VOLATILE = {"created_utc", "stage_seconds", "environment", "outputs"}


def _compile(out: Path, threads: int) -> None:
    env = {**os.environ, "POLARS_MAX_THREADS": str(threads), "NUMBA_NUM_THREADS": str(threads), "PYTHONHASHSEED": str(threads)}
    env.pop("GHGINV_FACTORS_PATH", None)
    r = subprocess.run([sys.executable, "-c", RUN, str(DEMO), str(out)], capture_output=True, text=True, env=env, cwd=out.parent, timeout=600)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def thread_runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("threads")
    outs = [d / "t1", d / "t2"]
    for o, n in zip(outs, (1, 2)):
        _compile(o, n)
    return outs


def _data_files(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.suffix in (".parquet", ".csv"))


def test_outputs_are_byte_identical_across_thread_counts(thread_runs):
    a, b = thread_runs
    assert _data_files(a) == _data_files(b) and "emissions.parquet" in _data_files(a)
    for name in _data_files(a):
        assert hashlib.sha256((a / name).read_bytes()).digest() == hashlib.sha256((b / name).read_bytes()).digest(), name


def test_manifest_checks_identical_across_thread_counts(thread_runs):
    ma, mb = (json.loads((o / "manifest.json").read_text(encoding="utf-8")) for o in thread_runs)
    assert ma["checks"] == mb["checks"] and ma["checks"]["input_equals_cube"]["ok"] is True
    assert {k: v for k, v in ma.items() if k not in VOLATILE} == {k: v for k, v in mb.items() if k not in VOLATILE}
    assert {k: v for k, v in ma["outputs"].items() if k.endswith((".parquet", ".csv"))} == \
           {k: v for k, v in mb["outputs"].items() if k.endswith((".parquet", ".csv"))}


@pytest.mark.parametrize("seed", [3, 11, 2024])
def test_conservation_checks_agree_across_batch_sizes_and_row_order(tmp_path, seed):
    sc = random_scenario(seed, n_rows=120)
    sets = write_sets(sc, tmp_path / "sets")
    rng = np.random.default_rng(seed)
    shuffled = [sc.rows[i] for i in rng.permutation(len(sc.rows))]
    runs = []
    for rows, bs, name in ((sc.rows, None, "a"), (shuffled, 7, "b"), (shuffled[::-1], 1, "c")):
        files = write_rows(rows, tmp_path / name)
        cfg = load_config(activity=[str(f) for f in files], factors=[str(s) for s in sets], gwp="AR5GWP100", batch_size=bs)
        runs.append(Inventory(cfg).run())
    checks = [r.checks for r in runs]
    assert checks[0]["input_equals_cube"]["rows"] == len(sc.rows)
    sums = [c["input_equals_cube"].pop("sum_per_unit") for c in checks]
    assert checks[0] == checks[1] == checks[2]
    for s in sums[1:]:  # cube cells are summed in another order: equal to summation order (1e-12)
        assert s.keys() == sums[0].keys()
        assert s == pytest.approx(sums[0], rel=1e-12)
