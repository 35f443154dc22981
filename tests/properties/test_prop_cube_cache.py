"""The cube cache changes no bit: over random sequences of added, changed and removed activity
files (and changes of the run's years), a compile that takes the unchanged files' cubes from the
cache writes the same emissions.parquet and inventory.parquet, byte for byte, as a cold compile
with the cache off (GHGINV_CACHE=0). Amounts are scaled per file, so cells span files."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from properties.gen import random_scenario, write_sets

from ghginv import Inventory, load_config
from ghginv.runfolder import write_parquet

from conftest import write_activity

YEAR_CHOICES = [None, (2018, 2022), (2019, 2021), (2020, 2022), (2018, 2030)]


def compile_bytes(folder: Path, sets, years, tmp: Path, tag: str) -> tuple[dict[str, bytes], list[bool]]:
    cfg = load_config(activity=[str(folder)], factors=[str(s) for s in sets], gwp="AR5GWP100", years=years)
    result = Inventory(cfg).run()
    out = {}
    for name, frame in (("emissions.parquet", result.emissions), ("inventory.parquet", result.inventory),
                        ("cube.parquet", result.cube.cells)):
        p = tmp / f"{tag}-{name}"
        write_parquet(frame, p)
        out[name] = p.read_bytes()
    return out, [bool(i.get("from_cache")) for i in result.input_files if i.get("kind") != "sinks"]


def write_file(path: Path, rows: list[dict], rng: np.random.Generator) -> None:
    take = rng.choice(len(rows), size=int(rng.integers(1, min(len(rows), 40) + 1)), replace=False)
    scale = float(rng.uniform(0.1, 10.0))
    write_activity(path, [{**rows[i], "amount": rows[i]["amount"] * scale} for i in sorted(take)])


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32 - 1),
       st.lists(st.tuples(st.sampled_from(["add", "add", "change", "remove"]), st.integers(0, 2**16),
                          st.sampled_from(range(len(YEAR_CHOICES)))), min_size=2, max_size=4))
def test_cached_compiles_equal_cold_compiles(monkeypatch, seed, ops):
    check_cached_equals_cold(monkeypatch, seed, ops)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32 - 1),
       st.lists(st.tuples(st.sampled_from(["add", "add", "change", "remove"]), st.integers(0, 2**16),
                          st.sampled_from(range(len(YEAR_CHOICES)))), min_size=2, max_size=4))
def test_cached_compiles_equal_cold_compiles_when_read_while_hashed(monkeypatch, seed, ops):
    """The same when every file is one the hash cache could know but does not (just written): each
    is read while it is hashed, and its cube taken from the cube cache when its sha256 finds one."""
    from ghginv.core import hashcache

    monkeypatch.setattr(hashcache, "MIN_BYTES", 0)
    check_cached_equals_cold(monkeypatch, seed, ops)


def check_cached_equals_cold(monkeypatch, seed, ops):
    sc = random_scenario(seed, n_rows=120)
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        sets = write_sets(sc, d / "sets")
        data = d / "activity"
        data.mkdir()
        monkeypatch.setenv("GHGINV_CACHE_DIR", str(d / "cache"))
        names = []
        write_file(data / "f000.parquet", sc.rows, rng)  # a cached inventory to start from
        names.append("f000.parquet")
        monkeypatch.setenv("GHGINV_CACHE", "1")
        compile_bytes(data, sets, None, d, "first")
        prev_years = None  # the years of the last compile that wrote the cache
        for step, (op, k, yi) in enumerate(ops):
            if op == "add" or len(names) == 1:
                name = f"f{step + 1:03d}.parquet" if k % 2 else f"a{step + 1:03d}.parquet"  # before or after the others
                write_file(data / name, sc.rows, rng)
                names.append(name)
            elif op == "change":
                write_file(data / names[k % len(names)], sc.rows, rng)
            else:
                (data / names.pop(k % len(names))).unlink()
            years = YEAR_CHOICES[yi]
            monkeypatch.setenv("GHGINV_CACHE", "1")
            try:
                cached, hits = compile_bytes(data, sets, years, d, "cached")
            except Exception as e:  # noqa: BLE001 - then the cold compile must fail the same way
                monkeypatch.setenv("GHGINV_CACHE", "0")
                try:
                    compile_bytes(data, sets, years, d, "cold")
                except Exception as cold_e:  # noqa: BLE001
                    assert type(cold_e) is type(e) and str(cold_e) == str(e)
                    prev_years = years
                    continue
                raise
            monkeypatch.setenv("GHGINV_CACHE", "0")
            cold, cold_hits = compile_bytes(data, sets, years, d, "cold")
            assert not any(cold_hits)
            for name in cold:
                assert cached[name] == cold[name], (step, op, years, name)
            if op != "change" and years is None and prev_years is None:
                # the files kept from before came from the cache (a cube cached by a run of fewer years
                # holds no rows of the others, so a run of all years reads its file again)
                assert any(hits) or len(names) == 1
            prev_years = years
