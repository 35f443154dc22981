"""Uncertainty (Monte Carlo, 10,000 draws) and scenarios (1,000 variants): timings, no assertions on speed.

* ``test_monte_carlo`` — SYNTHETIC benchmark data (``generate.py``, 10 M rows → ≈0.6 M cube
  cells): the per-cell detail is computed once (not timed); timed is what the ``uncertainty``
  stage adds to a compile: terms (aggregation by activity source, factor rows and category),
  the seeded Monte Carlo on 2 threads, roll-up to every category level, percentiles, Approach 1
  and the trend. Every activity source gets ±5 % and every factor row a synthetic ±7 % (normal),
  so every input is drawn.
* ``test_scenarios`` — the demo inventory (SYNTHETIC data) and 1,000 scenarios of grid-factor
  paths (one electricity CO2 factor per year each, values drawn from a seeded generator: not
  factors), ``evaluate_scenarios`` end to end (reads the run folder, resolves, one kernel pass).

Figures go to ``extra_info`` and ``benchmarks/results/uncertainty.json``.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from figures import save_figures, write_grid_scenarios
from harness import measure

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
HARNESS = str(HERE / "harness.py")


def _save(name: str, figures: dict) -> None:
    save_figures("uncertainty.json", name, figures)


@pytest.mark.parametrize("size", ["10M", "10M_r2000", pytest.param("20M_r4000", marks=pytest.mark.large)])
def test_monte_carlo(benchmark, bench_data, size, tmp_path):
    """``10M``: 500 regions, ≈0.22 M cells; ``10M_r2000``: 2,000 regions, ≈0.62 M cells;
    ``20M_r4000`` (``make bench-large``): 4,000 regions, ≈1.19 M cells.

    Besides, in fresh interpreters (harness.py): the read limit of the run's ``cube.parquet`` and
    the whole ``ghginv uncertainty RUN_DIR --draws 10000 --activity-pct 5`` process with its peak
    RSS (the benchmark sets carry no factor uncertainty, so there only the activity data are
    drawn). No DuckDB baseline: benchmarks/README.md says why."""
    import generate

    import ghginv
    from ghginv.methods.emissions import compute_emissions
    from ghginv.uncertainty.propagate import analyse, build_terms, uncertainty_settings

    if "_r" in size:
        rows, regions = size.split("_r")
        activity, sets = generate.ensure(rows, n_regions=int(regions))
    else:
        activity, sets = bench_data(size)
    run_dir = tmp_path / "run"
    r = ghginv.compile_inventory(activity=[str(a) for a in [activity]], factors=[str(s) for s in sets], gwp="AR5GWP100", out=run_dir)
    cfg = r.config
    _, detail, res, _ = compute_emissions(r.cube.cells, r.sets, cfg.year_fallback, cfg.keep_entity)
    rules = [dataclasses.replace(x, unc_pct=7.0, distribution="normal") for x in res.rules]  # synthetic ±7 %, for timing only
    settings = uncertainty_settings({"activity_pct": {"default": 5.0}, "draws": 10_000, "seed": 1})
    years = sorted(r.cube.cells["year"].unique().to_list())

    def run():
        terms = build_terms(detail, rules, r.emissions, settings, cfg.gwp_set)
        return terms, analyse(terms, settings, years[0])

    terms, table = benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=1)
    figures = {
        "cube_cells": r.cube.cells.height, "detail_rows": detail.height, "terms": terms.frame.height,
        "inputs": terms.inputs.size, "draws": settings.draws, "output_rows": table.height,
        "seconds_mean": benchmark.stats.stats.mean, "seconds_min": benchmark.stats.stats.min,
    }
    (run_dir / "cube.parquet").read_bytes()  # in the page cache for both measurements
    read = measure([PY, HARNESS, "read_cube", str(run_dir / "cube.parquet")])
    proc = measure([PY, HARNESS, "cli", "uncertainty", str(run_dir), "--draws", "10000", "--activity-pct", "5",
                    "--out", str(tmp_path / "uncertainty.parquet")])
    figures.update(cube_read_limit_s=read["seconds"], process_wall_s=proc["wall_s"], process_cpu_s=proc["cpu_s"],
                   process_peak_rss_mib=proc["peak_rss_mib"], over_cube_read_limit=figures["seconds_mean"] / read["seconds"])
    print(f"\n10,000 draws, {size}: {figures['cube_cells']:,} cells | {figures['seconds_mean']:.2f}s in process "
          f"({figures['over_cube_read_limit']:.0f}x the cube's read limit {read['seconds']:.3f}s) | whole `ghginv uncertainty` "
          f"process {proc['wall_s']:.2f}s wall, {proc['cpu_s']:.2f}s CPU, {proc['peak_rss_mib']:.0f} MiB")
    benchmark.extra_info.update(figures)
    _save(f"monte_carlo_{size}", figures)


def test_scenarios(benchmark, tmp_path):
    import ghginv
    from ghginv.rerun.scenarios import evaluate_scenarios

    run = tmp_path / "demo"
    r = ghginv.compile_inventory(ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml", out=run)
    f = write_grid_scenarios(tmp_path / "scenarios_synthetic.csv", range(2020, 2025), "51*", 0.05, 0.6, "kg/kWh")
    out = benchmark.pedantic(lambda: evaluate_scenarios(run, f), rounds=3, iterations=1, warmup_rounds=1)
    figures = {"cube_cells": r.cube.cells.height, "scenarios": 1000, "rows": out.height,
               "seconds_mean": benchmark.stats.stats.mean, "seconds_min": benchmark.stats.stats.min}
    benchmark.extra_info.update(figures)
    _save("scenarios_1000_demo", figures)
