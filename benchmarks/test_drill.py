"""Drill-down of a large run (issue 21 item 4: ≤ 300 ms per call on a run compiled from 10 M rows): timings,
no speed assertions.

SYNTHETIC benchmark data (``generate.py``): 10 M rows over 2,000 regions (``--regions 2000``), five years
2019–2023, 621 k cube cells, 0.85 M emission rows. The compile that writes the run folder is not timed; it
is kept in ``benchmarks/data/runs/drill_10M_r2000`` (ignored by git) and reused while its activity stamp
is the same.

The walk a page makes from the total to a factor row, each step ``ghginv.drill_down`` plus
``ghginv.drill_path`` (the level and its breadcrumb, what one page shows):

    top (every year) → 2021 → sector 1 → 1.A → 1.A.4 → 1.A.4.b (2,000 regions) → its largest region
    (activities) → natural gas (the factor rows); and 1.A.4.b without a year (5 × 500 regions + others)

* ``test_drill_walk_in_process`` — warm, in one process (a web app's server): each step 7 times, the
  median and the largest wall and CPU time (``time.process_time``: every thread of the process).
* ``test_drill_walk_fresh_interpreter`` — each step once in a new ``python`` process (``harness.measure``):
  the calls' own wall and CPU times (the first call of the process builds the per-run sector totals), the
  imports a server pays once at its start (``ghginv``, polars, ``ghginv.rerun.drill``: ``import_s``) and
  the whole process (start-up, imports, the walk) with its wall, CPU and peak RSS.

The machine is shared: the load average before and after is recorded beside the figures, and CPU times
are the steadier figure. Results go to ``benchmarks/results/drill.json`` and to ``extra_info``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import pytest

from figures import save_figures
from harness import HERE, measure

PY = sys.executable
ROWS, REGIONS = "10M", 2000
RUN = HERE / "data" / "runs" / f"drill_{ROWS}_r{REGIONS}"


def _machine() -> dict:
    cpu = ""
    try:
        cpu = next(ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu or platform.processor(), "cores": os.cpu_count(), "python": platform.python_version(),
            "load_avg_1_5_15": [round(x, 2) for x in os.getloadavg()]}


@pytest.fixture(scope="module")
def large_run():
    """The run folder compiled from 10 M rows over 2,000 regions (compiled once, then reused)."""
    import generate

    import ghginv

    activity, sets = generate.ensure(ROWS, n_regions=REGIONS)
    stamp = RUN / ".activity_stamp"
    want = (activity / ".complete").read_text()
    if not ((RUN / "manifest.json").is_file() and stamp.is_file() and stamp.read_text() == want):
        ghginv.compile_inventory(activity=[str(activity)], factors=[str(s) for s in sets], gwp="AR5GWP100", out=RUN)
        stamp.write_text(want)
    return RUN


def walk(run) -> list[tuple[str, dict]]:
    """The steps of the benchmark walk: (name, filters)."""
    import polars as pl

    import ghginv

    regions = ghginv.drill_down(run, year=2021, sector="1.A.4.b")
    region = regions.filter(pl.col("key").is_not_null())["key"][0]
    return [
        ("top", {}), ("year", {"year": 2021}), ("sector_1", {"year": 2021, "sector": "1"}),
        ("sector_1.A", {"year": 2021, "sector": "1.A"}), ("sector_1.A.4", {"year": 2021, "sector": "1.A.4"}),
        ("regions_1.A.4.b", {"year": 2021, "sector": "1.A.4.b"}),
        ("activities_of_region", {"year": 2021, "sector": "1.A.4.b", "region": region}),
        ("factor_rows", {"year": 2021, "sector": "1.A.4.b", "region": region, "activity": "natural_gas"}),
        ("regions_every_year", {"sector": "1.A.4.b"}),
    ]


def step(run, filters: dict) -> int:
    import ghginv

    rows = ghginv.drill_down(run, **filters)
    ghginv.drill_path(run, **filters)
    return rows.height


CHILD = """
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {here!r})
import ghginv
import polars
import ghginv.rerun.drill  # what a server imports at its start (ghginv's API is lazy)
import test_drill
imported = time.perf_counter() - t0
run = {run!r}
out = {{"import_s": imported, "steps": {{}}}}
for name, f in {steps!r}:
    t = time.perf_counter(); c = time.process_time()
    test_drill.step(run, f)
    out["steps"][name] = {{"wall_ms": 1e3 * (time.perf_counter() - t), "cpu_ms": 1e3 * (time.process_time() - c)}}
print(json.dumps(out))
"""


def test_drill_walk_in_process(benchmark, large_run):
    import pyarrow.parquet as pq

    steps = walk(large_run)
    before = _machine()
    for _, f in steps:  # warm: the per-run sector totals and the page cache
        step(large_run, f)
    figures = {}
    for name, f in steps:
        wall, cpu = [], []
        for _ in range(7):
            t, c = time.perf_counter(), time.process_time()
            n = step(large_run, f)
            wall.append(1e3 * (time.perf_counter() - t))
            cpu.append(1e3 * (time.process_time() - c))
        figures[name] = {"rows": n, "wall_ms_median": statistics.median(wall), "wall_ms_max": max(wall),
                         "cpu_ms_median": statistics.median(cpu), "cpu_ms_max": max(cpu)}
    heavy = dict(steps)["regions_1.A.4.b"]
    benchmark.pedantic(lambda: step(large_run, heavy), rounds=7, iterations=1, warmup_rounds=1)
    meta = pq.ParquetFile(large_run / "emissions.parquet").metadata
    info = {"machine_before": before, "machine_after": _machine(), "emission_rows": meta.num_rows,
            "cube_cells": pq.ParquetFile(large_run / "cube.parquet").metadata.num_rows, "steps": figures}
    print("\nin process, warm (drill_down + drill_path), ms:")
    for name, v in figures.items():
        print(f"  {name:22s} {v['rows']:5d} rows  wall median {v['wall_ms_median']:6.1f} max {v['wall_ms_max']:6.1f}  "
              f"CPU median {v['cpu_ms_median']:6.1f} max {v['cpu_ms_max']:6.1f}")
    print(f"  machine: {before}")
    benchmark.extra_info.update(info)
    save_figures("drill.json", f"drill_in_process_{ROWS}_r{REGIONS}", info)


def test_drill_walk_fresh_interpreter(benchmark, large_run):
    steps = walk(large_run)
    code = CHILD.format(here=str(HERE), run=str(large_run), steps=steps)
    before = _machine()
    res = benchmark.pedantic(lambda: measure([PY, "-c", code]), rounds=1, iterations=1)
    info = {"machine_before": before, "machine_after": _machine(), "process_wall_s": res["wall_s"], "process_cpu_s": res["cpu_s"],
            "process_peak_rss_mib": res["peak_rss_mib"], "import_s": res["import_s"], "steps": res["steps"]}
    print(f"\nfresh interpreter: process {res['wall_s']:.2f}s wall, {res['cpu_s']:.2f}s CPU, {res['peak_rss_mib']:.0f} MiB; "
          f"import ghginv {res['import_s']:.2f}s; calls (wall/CPU ms):")
    for name, v in res["steps"].items():
        print(f"  {name:22s} {v['wall_ms']:6.1f} / {v['cpu_ms']:6.1f}")
    print(f"  machine: {before}")
    benchmark.extra_info.update(info)
    save_figures("drill.json", f"drill_fresh_{ROWS}_r{REGIONS}", json.loads(json.dumps(info)))


def test_changed_factors_large(benchmark, large_run, tmp_path):
    """``ghginv.changed_factors`` between the 10 M-row run and a copy whose electricity CO2 rows from 2021 on have
    another value (× 0.9, as a revised grid factor would; the copy holds only manifest.json and
    factors_used.parquet, all the function reads)."""
    import shutil

    import polars as pl

    import ghginv

    new = tmp_path / "new"
    new.mkdir()
    shutil.copy(large_run / "manifest.json", new / "manifest.json")
    used = pl.read_parquet(large_run / "factors_used.parquet")
    hit = (pl.col("activity") == "electricity") & (pl.col("item") == "CO2") & (pl.col("year") >= 2021)
    used.with_columns(pl.when(hit).then(pl.col("value") * 0.9).otherwise(pl.col("value")).alias("value")).write_parquet(new / "factors_used.parquet")
    changed_cells = used.filter(hit).height
    manifest = json.loads((new / "manifest.json").read_text())
    manifest["outputs"]["factors_used.parquet"] = "sha256:" + hashlib.sha256((new / "factors_used.parquet").read_bytes()).hexdigest()
    (new / "manifest.json").write_text(json.dumps(manifest))
    before = _machine()
    t, c = time.perf_counter(), time.process_time()
    out = benchmark.pedantic(lambda: ghginv.changed_factors(large_run, new), rounds=3, iterations=1, warmup_rounds=1)
    per_call = {"wall_s_mean": benchmark.stats.stats.mean, "cpu_s_all_rounds": time.process_time() - c, "wall_s_all_rounds": time.perf_counter() - t}
    assert out["n_cells"].sum() == changed_cells and set(out["changed"]) == {"value"}
    info = {"machine_before": before, "machine_after": _machine(), "factor_rows": used.height, "changed_cells": changed_cells,
            "rows_out": out.height, **per_call}
    print(f"\nchanged_factors: {used.height:,} factor rows per run, {changed_cells:,} changed cells -> {out.height:,} rows "
          f"(activity, gas, region, year range); {per_call['wall_s_mean']:.2f} s wall per call; machine {before}")
    benchmark.extra_info.update(info)
    save_figures("drill.json", f"changed_factors_{ROWS}_r{REGIONS}", info)
