"""The cube does not depend on how many threads build it (``GHGINV_CUBE_THREADS``,
:func:`ghginv.pipeline.activity.cube_threads`): each file's cube is built on its own and the
files' cubes are added in input order, so over random inventories split into several files
(amounts scaled per file, so a cell's rows lie in several files) the cube, the emissions and the
inventory are the same to the bit with 1, 2 and 3 threads; a bad row in a random file gives the
same error, naming the same rows, with 1 and 2 threads."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from properties.gen import random_scenario, write_sets

from ghginv import Inventory, load_config
from ghginv.core.errors import ValidationError
from ghginv.runfolder import write_parquet

from conftest import write_activity

pytestmark = pytest.mark.nojit  # the kernels run in the builder threads; also as plain Python


def split_files(folder: Path, rows: list[dict], n_files: int, rng: np.random.Generator) -> None:
    """``rows`` over ``n_files`` files, each a random subset scaled by its own factor."""
    for k in range(n_files):
        take = rng.choice(len(rows), size=int(rng.integers(1, len(rows) + 1)), replace=False)
        scale = float(rng.uniform(0.1, 10.0))
        write_activity(folder / f"part-{k:03d}.parquet", [{**rows[i], "amount": rows[i]["amount"] * scale} for i in sorted(take)])


def compile_bytes(folder: Path, sets, tmp: Path, tag: str) -> dict[str, bytes]:
    cfg = load_config(activity=[str(folder)], factors=[str(s) for s in sets], gwp="AR5GWP100")
    result = Inventory(cfg).run()
    out = {}
    for name, frame in (("cube.parquet", result.cube.cells), ("emissions.parquet", result.emissions),
                        ("inventory.parquet", result.inventory)):
        p = tmp / f"{tag}-{name}"
        write_parquet(frame, p)
        out[name] = p.read_bytes()
    return out


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32 - 1), st.integers(2, 6))
def test_cube_is_the_same_to_the_bit_with_any_number_of_threads(monkeypatch, seed, n_files):
    sc = random_scenario(seed, n_rows=150)
    rng = np.random.default_rng(seed)
    monkeypatch.setenv("GHGINV_CACHE", "0")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        sets = write_sets(sc, d / "sets")
        split_files(d / "activity", sc.rows, n_files, rng)
        runs = {}
        for threads in ("1", "2", "3"):
            monkeypatch.setenv("GHGINV_CUBE_THREADS", threads)
            runs[threads] = compile_bytes(d / "activity", sets, d, threads)
        assert runs["1"] == runs["2"] == runs["3"]


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32 - 1), st.integers(2, 5), st.data())
def test_a_bad_row_gives_the_same_error_with_any_number_of_threads(monkeypatch, seed, n_files, data):
    sc = random_scenario(seed, n_rows=60)
    rng = np.random.default_rng(seed)
    monkeypatch.setenv("GHGINV_CACHE", "0")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        sets = write_sets(sc, d / "sets")
        split_files(d / "activity", sc.rows, n_files, rng)
        for k in data.draw(st.sets(st.integers(0, n_files - 1), min_size=1)):  # negative amounts in some files
            bad = d / "activity" / f"part-{k:03d}.parquet"
            rows = [{**sc.rows[0], "amount": -1.0}, *sc.rows[:3]]
            write_activity(bad, rows)
        errors = {}
        for threads in ("1", "2"):
            monkeypatch.setenv("GHGINV_CUBE_THREADS", threads)
            cfg = load_config(activity=[str(d / "activity")], factors=[str(s) for s in sets], gwp="AR5GWP100")
            with pytest.raises(ValidationError) as e:
                Inventory(cfg).run()
            errors[threads] = (str(e.value), [str(p) for p in e.value.problems])
        assert errors["1"] == errors["2"] and "-1" in errors["1"][1][0]
