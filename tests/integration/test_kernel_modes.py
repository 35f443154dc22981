"""Numba loaded lazily (ghginv.kernels): a small run's kernels as plain Python give the same bytes.

A run whose kernel calls are all below ``GHGINV_JIT_MIN_LEN`` elements (the demo: 25 k activity
rows, 1,478 cube cells) never imports numba; with ``GHGINV_JIT_MIN_LEN=0`` every kernel is
compiled from its first call (the behaviour before). Both runs of the synthetic demo, in Chinese
and English, write byte-identical files (the manifest equal but for its creation time and stage
seconds). The kernel-level invariant is checked with hypothesis: plain Python and compiled give
the same bits on random inputs (the emissions kernel, Eq 2.1 of 2006 IPCC GL Vol 2 Ch 2, and the
left-to-right segment sums of the roll-up).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.kernels import jit_active

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
CHILD = (
    "import sys, json; from ghginv.cli import main; rc = main(sys.argv[1:]);"
    "print(json.dumps({'rc': rc, 'numba': 'numba' in sys.modules}))"
)


def _compile(out: Path, lang: str, jit_min_len: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("GHGINV_JIT_MIN_LEN", "NUMBA_DISABLE_JIT")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if jit_min_len is not None:
        env["GHGINV_JIT_MIN_LEN"] = jit_min_len
    p = subprocess.run([sys.executable, "-c", CHILD, "--lang", lang, "compile", str(DEMO), "--out", str(out), "--quiet"],
                       env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def _files(folder: Path) -> dict[str, bytes]:
    return {str(f.relative_to(folder)): f.read_bytes() for f in sorted(folder.rglob("*")) if f.is_file()}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_demo_without_numba_gives_the_same_bytes(tmp_path, lang):
    lazy = _compile(tmp_path / "lazy", lang, None)
    jit = _compile(tmp_path / "jit", lang, "0")
    assert lazy == {"rc": 0, "numba": False}  # the demo never loads numba
    assert jit == {"rc": 0, "numba": True}
    a, b = _files(tmp_path / "lazy"), _files(tmp_path / "jit")
    assert sorted(a) == sorted(b)
    assert "inventory.xlsx" in a and "report.html" in a and "recompute_index.bin" in a
    differ = [n for n in a if n != "manifest.json" and a[n] != b[n]]
    assert not differ, f"files differ between plain-Python and compiled kernels: {differ}"
    ma, mb = json.loads(a["manifest.json"]), json.loads(b["manifest.json"])
    for m in (ma, mb):
        del m["created_utc"], m["stage_seconds"]
    assert ma == mb


finite = st.floats(min_value=1e-6, max_value=1e9, allow_nan=False, allow_infinity=False)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(finite, finite, finite, st.sampled_from([-1, 0, 1]), finite, st.sampled_from([-1, 0, 1]), finite),
                min_size=1, max_size=40))
def test_emissions_kernel_plain_python_equals_compiled(rows):
    from ghginv.kernels import emissions

    cols = list(zip(*rows, strict=True))
    args = [np.array(c, np.int8 if k in (3, 5) else np.float64) for k, c in enumerate(cols)]
    k = emissions._emissions  # a lazy kernel, or its dispatcher once numba is loaded: both have py_func
    outs = []
    for fn in (k.py_func, k):  # plain Python, then compiled (GHGINV_JIT_MIN_LEN=0 in tests/conftest.py)
        out = np.empty(len(rows), np.float64)
        fn(*args, out)
        outs.append(out)
    assert jit_active()
    assert jit_active()
    assert outs[0].tobytes() == outs[1].tobytes()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False), min_size=1, max_size=60), st.data())
def test_segment_sums_plain_python_equals_compiled(x, data):
    from ghginv.kernels import rollup

    n = len(x)
    idx = np.array(data.draw(st.permutations(range(n))), np.int64)
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=8)))
    starts = np.array([0, *cuts, n], np.int64)
    g = starts.size - 1
    k = rollup.segment_sums
    outs = []
    for fn in (k.py_func, k):
        out = np.zeros(g, np.float64)
        fn(0, g, np.array(x, np.float64), idx, starts, out)
        outs.append(out)
    assert jit_active()
    assert outs[0].tobytes() == outs[1].tobytes()


@pytest.mark.parametrize("seed", [3, 11])
def test_numpy_run_gives_the_compiled_bytes(tmp_path, seed):
    """A run with small activity files (``ghginv.kernels.numpy_run``) keeps the dense cube, the
    merge of the files' cubes, the emissions and the roll-ups in numpy even when their arrays are
    longer than ``GHGINV_JIT_MIN_LEN`` (here 64): numba is not loaded, and every output has the
    bytes of the run with every kernel compiled (``GHGINV_JIT_MIN_LEN=0``)."""
    from properties.gen import random_scenario, write_sets

    from conftest import write_activity

    sc = random_scenario(seed, n_rows=3000)
    sets = write_sets(sc, tmp_path / "sets")
    rng = np.random.default_rng(seed)
    for k in range(3):  # three files, each cell's rows spread over them (the merge adds them in order)
        rows = [{**r, "amount": r["amount"] * float(rng.uniform(0.1, 10.0))} for r in sc.rows]
        write_activity(tmp_path / "activity" / f"part-{k}.parquet", rows)
    outs = {}
    for tag, min_len in (("numpy", "64"), ("jit", "0")):
        env = {k: v for k, v in os.environ.items() if k not in ("GHGINV_JIT_MIN_LEN", "NUMBA_DISABLE_JIT",
                                                               "GHGINV_NUMPY_RUN_MAX_BYTES")}
        env.update(PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""), GHGINV_JIT_MIN_LEN=min_len,
                   GHGINV_CACHE="0")
        args = ["compile", "--activity", str(tmp_path / "activity"), "--gwp", "AR5GWP100", "--out", str(tmp_path / tag),
                "--quiet"]
        for s in sets:
            args += ["--factors", str(s)]
        p = subprocess.run([sys.executable, "-c", CHILD, *args], env=env, capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr[-3000:]
        outs[tag] = json.loads(p.stdout.strip().splitlines()[-1])
    assert outs == {"numpy": {"rc": 0, "numba": False}, "jit": {"rc": 0, "numba": True}}
    a, b = _files(tmp_path / "numpy"), _files(tmp_path / "jit")
    assert sorted(a) == sorted(b) and "emissions.parquet" in a
    differ = [n for n in a if n != "manifest.json" and a[n] != b[n]]
    assert not differ, f"files differ between the numpy run and compiled kernels: {differ}"
