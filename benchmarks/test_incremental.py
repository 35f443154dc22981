"""Incremental compile (issue 20, item 4): a compile after adding a year of files to a cached
inventory reads only the new files and takes the others' cubes from the cube cache
(:mod:`ghginv.core.cubecache`).

Data (SYNTHETIC): the ``CACHED`` rows of ``generate.py`` (years 2019–2023, one folder per year)
and, as the added year, the ``NEW`` rows of another size placed under ``year=2024/`` (the files
hold no year column, so the folder gives the year). Files are linked, not copied.

Measured, each in a fresh interpreter (:func:`harness.measure`):

* the read limit of the new rows alone (``harness.py read`` on a folder holding only them);
* ``ghginv compile`` of every row with the cube cache off (``GHGINV_CACHE=0``): the cold compile;
* ``ghginv compile`` of the cached rows alone, which fills the cube cache (not the figure);
* ``ghginv compile`` of every row with that cache: the incremental compile. The new files are
  hashed for the first time in this run, as they would be after a user adds them.

The incremental compile's ``emissions.parquet`` and ``inventory.parquet`` must equal the cold
compile's byte for byte. The target: incremental ≤ 1.5 × the new rows' read limit + the per-cell
stages (every stage after ``cube``, from the manifest's ``stage_seconds``; ``report`` is timed
inside ``write``). The cube stage alone is compared with the read limit too.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from test_compile import PY, compile_args, machine, warm_page_cache

from figures import write_figures
from harness import measure

HERE = Path(__file__).resolve().parent
SIZES = [("10M", "2M")]
LARGE_SIZES = [("100M", "20M")]


def link_tree(src: Path, dst: Path, year: str | None = None) -> None:
    """Link every Parquet file under ``src`` into ``dst`` (keeping its year folder, or under ``year=YEAR``)."""
    for p in sorted(src.rglob("*.parquet")):
        rel = p.relative_to(src)
        target = dst / (Path(f"year={year}") / f"{rel.parent.name.replace('=', '')}-{rel.name}" if year else rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.symlink(p, target)


def run_incremental(cached_size: str, new_size: str, bench_data, tmp_path: Path, benchmark) -> dict:
    old, sets = bench_data(cached_size)
    new, _ = bench_data(new_size)
    warm_page_cache(old)
    warm_page_cache(new)
    only_old, only_new, every = tmp_path / "old", tmp_path / "new", tmp_path / "every"
    link_tree(old, only_old)
    link_tree(new, only_new, "2024")
    link_tree(old, every)
    link_tree(new, every, "2024")
    env_off = {"GHGINV_CACHE_DIR": str(tmp_path / "cache-off"), "GHGINV_CACHE": "0"}
    env_on = {"GHGINV_CACHE_DIR": str(tmp_path / "cache"), "GHGINV_CACHE": "1"}
    load = [os.getloadavg()[0]]
    read_new = measure([PY, str(HERE / "harness.py"), "read", str(only_new)])
    measure(compile_args(every, sets, tmp_path / "warmup"), env=env_off)  # the hash cache of the cold runs
    load.append(os.getloadavg()[0])
    cold = measure(compile_args(every, sets, tmp_path / "cold"), env=env_off)
    fill = measure(compile_args(only_old, sets, tmp_path / "fill"), env=env_on)
    load.append(os.getloadavg()[0])
    out = tmp_path / "incremental"

    def once():
        if out.exists():
            shutil.rmtree(out)
        return measure(compile_args(every, sets, out), env=env_on)

    inc = benchmark.pedantic(once, rounds=1, iterations=1)
    load.append(os.getloadavg()[0])
    manifest = json.loads((out / "manifest.json").read_text())
    hits = [bool(i.get("from_cache")) for i in manifest["inputs"] if "from_cache" in i]
    new_files = len(list(only_new.rglob("*.parquet")))
    assert hits.count(False) == new_files and hits.count(True) == len(hits) - new_files
    for name in ("emissions.parquet", "inventory.parquet"):
        assert (out / name).read_bytes() == (tmp_path / "cold" / name).read_bytes(), name
    stages = manifest["stage_seconds"]
    per_cell = sum(v for k, v in stages.items() if k not in ("cube", "report"))  # report is timed inside write
    res = {
        "cached_size": cached_size,
        "new_size": new_size,
        "rows_total": manifest["rows"]["rows_read"],
        "rows_new": read_new["rows"],
        "cube_cells": manifest["rows"]["cube_cells"],
        "read_limit_new_s": read_new["seconds"],
        "read_limit_new_cpu_s": read_new["cpu_in_scan_s"],
        "cold_wall_s": cold["wall_s"],
        "cold_cpu_s": cold["cpu_s"],
        "cold_peak_rss_mib": cold["peak_rss_mib"],
        "fill_wall_s": fill["wall_s"],
        "incremental_wall_s": inc["wall_s"],
        "incremental_cpu_s": inc["cpu_s"],
        "incremental_peak_rss_mib": inc["peak_rss_mib"],
        "incremental_stage_s": stages,
        "cold_stage_s": json.loads((tmp_path / "cold" / "manifest.json").read_text())["stage_seconds"],
        "per_cell_stages_s": per_cell,
        "incremental_over_read_limit_new": inc["wall_s"] / read_new["seconds"],
        "cube_stage_over_read_limit_new": stages["cube"] / read_new["seconds"],
        "target_s": 1.5 * read_new["seconds"] + per_cell,
        "cold_over_incremental": cold["wall_s"] / inc["wall_s"],
        "load_average_1min": load,
        "machine": machine(),
    }
    res = write_figures(f"incremental_{cached_size}_{new_size}.json", res)
    benchmark.extra_info.update(res)
    print(f"\n{cached_size} cached + {new_size} new: incremental {inc['wall_s']:.2f}s (CPU {inc['cpu_s']:.2f}s) vs cold "
          f"{cold['wall_s']:.2f}s; read limit of the new rows {read_new['seconds']:.2f}s; per-cell stages {per_cell:.2f}s; "
          f"target {res['target_s']:.2f}s; cube stage {stages['cube']:.2f}s (cold {res['cold_stage_s']['cube']:.2f}s); load {load}")
    return res


@pytest.mark.parametrize(("cached_size", "new_size"), SIZES)
def test_incremental(cached_size, new_size, bench_data, tmp_path, benchmark):
    run_incremental(cached_size, new_size, bench_data, tmp_path, benchmark)


@pytest.mark.large
@pytest.mark.parametrize(("cached_size", "new_size"), LARGE_SIZES)
def test_incremental_large(cached_size, new_size, bench_data, tmp_path, benchmark):
    run_incremental(cached_size, new_size, bench_data, tmp_path, benchmark)
