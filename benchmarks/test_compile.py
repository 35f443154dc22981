"""Compile benchmarks: ghginv against the read limit and a DuckDB aggregate-first baseline.

For each size the three measurements run in fresh interpreters (see harness.py), one after the
other, in the same session: the read limit, the DuckDB baseline and ``ghginv compile``. The
emissions of ghginv are checked against DuckDB's per (year, region, sector, activity, gas) to
1e-9 relative. Figures go to pytest-benchmark's ``extra_info`` (``--benchmark-json``) and to
``benchmarks/results/<size>.json``; benchmarks/README.md records them with the machine.

1 M and 10 M rows run by default (``make bench``), each also on the high-cardinality key space
(``1M-r2000``, ``10M-r2000``: 2,000 regions, ``generate.py --regions 2000``, 621 k cube cells at
10 M rows); 100 M and 300 M are marked ``large`` (``make bench-large``). Each measurement records
the 1-minute load average before it: on a shared machine the CPU seconds are the figure to
compare. Nothing here asserts a speed: the ratios are reported, not tested.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from figures import KEYS, same_values, write_figures
from harness import HERE, measure

PY = sys.executable


def machine() -> dict:
    import duckdb
    import numba
    import pyarrow

    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(ln for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal"))
        ram_gib = int(mem.split()[1]) / 2**20
    except (OSError, StopIteration):
        ram_gib = 0.0
    return {
        "nproc": os.cpu_count(), "cpu": cpu, "ram_gib": round(ram_gib, 1), "python": platform.python_version(),
        "pyarrow": pyarrow.__version__, "duckdb": duckdb.__version__, "numba": numba.__version__,
        "polars": pl.__version__, "numpy": np.__version__, "load_avg_at_start": os.getloadavg(),
    }


def compile_args(activity: Path, sets: list[Path], out: Path) -> list[str]:
    args = [PY, str(HERE / "harness.py"), "compile", "compile", "--activity", str(activity), "--gwp", "AR5GWP100", "--out", str(out), "--quiet"]
    for s in sets:
        args += ["--factors", str(s)]
    return args


def check_exact(out: Path, duck: Path) -> dict:
    """ghginv's emissions against DuckDB's: same cells and gases, values to 1e-9 relative."""
    return same_values(out / "emissions.parquet", duck, KEYS, ["emissions_t"])


def warm_page_cache(activity: Path) -> None:
    for f in sorted(activity.rglob("*.parquet")):
        with open(f, "rb") as fh:
            while fh.read(1 << 24):
                pass


def data_for(size: str, bench_data):
    """(activity folder, factor sets) of ``size``: ``10M``, or ``10M-r2000`` for 2,000 regions."""
    if "-r" not in size:
        return bench_data(size)
    import generate

    rows, regions = size.split("-r")
    return generate.ensure(rows, n_regions=int(regions))


def run_size(size: str, bench_data, tmp_path: Path, benchmark) -> dict:
    activity, sets = data_for(size, bench_data)
    warm_page_cache(activity)  # every measurement then reads from memory, none pays the first disk read
    load = {}
    load["read"] = os.getloadavg()[0]
    read = measure([PY, str(HERE / "harness.py"), "read", str(activity)])
    duck_out = tmp_path / "duckdb.parquet"
    load["duckdb"] = os.getloadavg()[0]
    duck = measure([PY, str(HERE / "harness.py"), "duckdb", str(activity), str(duck_out), *map(str, sets)])
    polars_out = tmp_path / "polars.parquet"
    load["polars"] = os.getloadavg()[0]
    plrs = measure([PY, str(HERE / "harness.py"), "polars", str(activity), str(polars_out), *map(str, sets)])
    polars_exact = same_values(polars_out, duck_out, KEYS, ["emissions_t"])  # the two scripts agree
    out = tmp_path / "out"
    # a fresh, empty hash cache (ghginv.core.hashcache); no cube cache: every row is read
    # (test_incremental.py measures the cube cache)
    hash_cache = {"GHGINV_CACHE_DIR": str(tmp_path / "hash-cache"), "GHGINV_CACHE": "0"}

    def once():
        if out.exists():
            shutil.rmtree(out)
        return measure(compile_args(activity, sets, out), env=hash_cache)

    load["compile_cold"] = os.getloadavg()[0]
    cold = once()  # reads every input to hash it, and fills the hash cache
    cold_stages = json.loads((out / "manifest.json").read_text())["stage_seconds"]
    load["compile"] = os.getloadavg()[0]
    comp = benchmark.pedantic(once, rounds=1, iterations=1)  # a rerun on unchanged inputs: hashes from the cache
    manifest = json.loads((out / "manifest.json").read_text())
    exact = check_exact(out, duck_out)
    res = {
        "size": size,
        "rows": read["rows"],
        "cube_cells": manifest["rows"]["cube_cells"],
        "read_limit_s": read["seconds"],
        "read_limit_cpu_s": read["cpu_in_scan_s"],
        "read_peak_rss_mib": read["peak_rss_mib"],
        "duckdb_s": duck["seconds"],
        "duckdb_wall_s": duck["wall_s"],
        "duckdb_cpu_s": duck["cpu_s"],
        "duckdb_peak_rss_mib": duck["peak_rss_mib"],
        "polars_wall_s": plrs["wall_s"],
        "polars_cpu_s": plrs["cpu_s"],
        "polars_peak_rss_mib": plrs["peak_rss_mib"],
        "polars_max_rel_diff_vs_duckdb": polars_exact["max_rel_diff"],
        "polars_process_over_compile": plrs["wall_s"] / comp["wall_s"],
        "compile_wall_s": comp["wall_s"],
        "compile_cpu_s": comp["cpu_s"],
        "compile_peak_rss_mib": comp["peak_rss_mib"],
        "compile_stage_s": manifest["stage_seconds"],
        "compile_cold_stage_s": cold_stages,
        "load_avg_1min_before": load,
        "compile_cold_wall_s": cold["wall_s"],
        "compile_cold_cpu_s": cold["cpu_s"],
        "compile_cold_over_read_limit": cold["wall_s"] / read["seconds"],
        "compile_cold_cpu_over_read_cpu": cold["cpu_s"] / read["cpu_in_scan_s"],
        "compile_over_read_limit": comp["wall_s"] / read["seconds"],
        "duckdb_over_compile": duck["seconds"] / comp["wall_s"],
        "duckdb_process_over_compile": duck["wall_s"] / comp["wall_s"],  # both whole processes (issue 20)
        "compile_cpu_over_read_cpu": comp["cpu_s"] / read["cpu_in_scan_s"],
        "duckdb_cpu_over_compile_cpu": duck["cpu_s"] / comp["cpu_s"],
        **exact,
        "machine": machine(),
    }
    res = write_figures(f"{size}.json", res)
    benchmark.extra_info.update(res)
    print(
        f"\n{size}: {res['rows']:,} rows, {res['cube_cells']:,} cells | read limit {res['read_limit_s']:.2f}s | "
        f"compile {res['compile_wall_s']:.2f}s ({res['compile_over_read_limit']:.2f}x read limit, "
        f"{res['compile_peak_rss_mib']:.0f} MiB; CPU {res['compile_cpu_s']:.2f}s = {res['compile_cpu_over_read_cpu']:.2f}x read CPU "
        f"{res['read_limit_cpu_s']:.2f}s; cold hash cache {res['compile_cold_wall_s']:.2f}s, CPU {res['compile_cold_cpu_s']:.2f}s) | "
        f"DuckDB {res['duckdb_s']:.2f}s ({res['duckdb_over_compile']:.2f}x compile; "
        f"CPU {res['duckdb_cpu_s']:.2f}s, process {res['duckdb_wall_s']:.2f}s) | polars process {res['polars_wall_s']:.2f}s "
        f"(CPU {res['polars_cpu_s']:.2f}s) | load {load} | "
        f"stages {res['compile_stage_s']}"
    )
    return res


@pytest.mark.parametrize("size", ["1M", "10M", "1M-r2000", "10M-r2000"])
def test_compile(size, bench_data, tmp_path, benchmark):
    run_size(size, bench_data, tmp_path, benchmark)


@pytest.mark.large
@pytest.mark.parametrize("size", ["100M", "300M"])
def test_compile_large(size, bench_data, tmp_path, benchmark):
    run_size(size, bench_data, tmp_path, benchmark)


STARTUP = (  # what every compile loads: the CLI, the pipeline, and the kernels of a run (from numba's cache)
    "import time, json; t = time.perf_counter();"
    "import ghginv.cli, ghginv.pipeline.inventory, ghginv.kernels.emissions as e, numpy as np;"
    "from ghginv.kernels.dense import DenseCube;"
    "d = DenseCube(); z = np.zeros(1, np.int32); l = np.zeros(1, np.int64); s = np.ones(5, np.int64);"
    "d.append(0, (np.array([2020]), 0, 0, 9999, z, z, z, z, s, l, l, l, l, np.ones(1)), np.zeros(8));"
    "e.activity_emissions(*(np.ones(1),) * 3, np.zeros(1, np.int8), np.ones(1), np.zeros(1, np.int8), np.ones(1));"
    "print(json.dumps({'seconds': time.perf_counter() - t}))"
)
FLOOR = (  # the floor: the libraries alone, and numba's first load of one tiny cached kernel
    "import time, json; t = time.perf_counter();"
    "import numpy, pyarrow.parquet, pyarrow.compute, polars, duckdb, numba; t1 = time.perf_counter();"
    "from ghginv.kernels.cube import _slot; _slot(1, 2, 15);"
    "print(json.dumps({'seconds': time.perf_counter() - t, 'imports_s': t1 - t}))"
)


def test_startup(benchmark, tmp_path):
    """Start-up overhead: a fresh interpreter that imports the CLI and the pipeline and loads the
    cached kernels of a run; next to it the floor (the libraries' imports and numba's first cache
    load) and a bare interpreter."""
    bare = measure([PY, "-c", "pass"])
    floor = min((measure([PY, "-c", FLOOR]) for _ in range(3)), key=lambda r: r["seconds"])
    res = benchmark.pedantic(lambda: measure([PY, "-c", STARTUP]), rounds=3, iterations=1)
    info = {"startup_s": res["seconds"], "startup_wall_s": res["wall_s"], "startup_cpu_s": res["cpu_s"],
            "floor_s": floor["seconds"], "floor_imports_s": floor["imports_s"], "floor_wall_s": floor["wall_s"],
            "floor_cpu_s": floor["cpu_s"], "bare_python_wall_s": bare["wall_s"], "bare_python_cpu_s": bare["cpu_s"],
            "load_avg_at_start": os.getloadavg()}
    info = write_figures("startup.json", info)
    benchmark.extra_info.update(info)
    print(f"\nstart-up: imports + kernel cache load {info['startup_s']:.3f}s (process {info['startup_wall_s']:.3f}s wall, "
          f"{info['startup_cpu_s']:.3f}s CPU) | floor {info['floor_s']:.3f}s (imports {info['floor_imports_s']:.3f}s; process "
          f"{info['floor_wall_s']:.3f}s wall, {info['floor_cpu_s']:.3f}s CPU) | bare python {bare['wall_s']:.3f}s wall, {bare['cpu_s']:.3f}s CPU")
