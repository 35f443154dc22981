"""Engine scaling: the cube stage on 1 and 2 Dask workers against the local engine (issue 10).

Each measurement compiles the same generated data (10 M rows by default) into a fresh folder;
the Dask clusters are started before the timer (a real cluster is already running), so the time
is the distributed cube stage plus the driver's work. Results go to ``extra_info`` and
``benchmarks/results/engine_<size>.json``; the benchmark table shows the timed 2-worker run. Nothing here asserts a speed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


@pytest.mark.parametrize("size", ["10M"])
def test_engine_scaling(benchmark, bench_data, size, tmp_path):
    from distributed import LocalCluster

    import ghginv

    activity, sets = bench_data(size)
    figures = {}

    def run(engine, scheduler=None):
        t0 = time.perf_counter()
        r = ghginv.compile_inventory(
            activity=[str(activity)], factors=[str(s) for s in sets], gwp="AR5GWP100", engine=engine, scheduler=scheduler
        )
        return time.perf_counter() - t0, r

    figures["local_s"], ref = run("local")
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            run("dask", cluster.scheduler_address)  # warm the workers (imports, numba cache)
            if workers == 2:  # the benchmark's own figure (its table): the timed 2-worker run
                secs, r = benchmark.pedantic(run, args=("dask", cluster.scheduler_address), rounds=1, iterations=1)
            else:
                secs, r = run("dask", cluster.scheduler_address)
            figures[f"dask_{workers}w_s"] = secs
            assert r.emissions.height == ref.emissions.height
            diff = (r.emissions["co2e_t"] - ref.emissions["co2e_t"]).abs().max()
            assert diff <= 1e-9 * ref.emissions["co2e_t"].abs().max()
    figures["speedup_2w_vs_1w"] = figures["dask_1w_s"] / figures["dask_2w_s"]
    benchmark.extra_info.update(figures)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"engine_{size}.json").write_text(json.dumps(figures, indent=2))
    print(f"\nengine {size}: " + ", ".join(f"{k} {v:.2f}" for k, v in figures.items()))
