"""benchmarks/table.py: the README's benchmark table rendered from the figures the benchmark runs leave in
``benchmarks/results/`` (``make bench`` prints it and writes ``results/table.md``). The figures here are made up
for the test; the statuses are checked against issue 20's thresholds, at and around each boundary."""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def table():
    spec = importlib.util.spec_from_file_location("bench_table", ROOT / "benchmarks" / "table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


MACHINE = {"nproc": 2, "cpu": "Test CPU", "ram_gib": 23.5, "python": "3.11.7", "polars": "2.2.0"}


def compile_figures(size: str, *, duck_ratio: float, over_read: float = 1.5, rss: float = 700.0,
                    wall: float = 1.0, diff: float = 1e-15) -> dict:
    return {"size": size, "cube_cells": 220_638, "read_limit_s": wall / over_read, "duckdb_wall_s": wall * duck_ratio,
            "polars_wall_s": 0.9, "compile_wall_s": wall, "compile_cpu_s": 1.9, "compile_cold_wall_s": wall + 0.1,
            "duckdb_process_over_compile": duck_ratio, "compile_over_read_limit": over_read, "compile_peak_rss_mib": rss,
            "duckdb_peak_rss_mib": 228.0, "polars_peak_rss_mib": 286.0, "load_avg_1min_before": {"compile": 1.25},
            "max_rel_diff": diff, "machine": MACHINE}


def write(folder: Path, name: str, figures: dict) -> None:
    (folder / f"{name}.json").write_text(json.dumps(figures), encoding="utf-8")


def status_of(rows: list[list[str]], number: int) -> str:
    row = next(r for r in rows if r[0].startswith(f"{number}."))
    return row[1].split("**")[1]


def test_no_figures_says_how_to_get_them(table, tmp_path):
    assert "run `make bench`" in table.render(tmp_path)


def test_compile_rows_show_the_figures_of_each_size_in_order(table, tmp_path):
    write(tmp_path, "10M-r2000", compile_figures("10M-r2000", duck_ratio=0.64, wall=2.46))
    write(tmp_path, "10M", compile_figures("10M", duck_ratio=0.59, wall=1.38, over_read=8.98))
    rows = table.compile_rows(table.load(tmp_path)[0])
    assert [r[0] for r in rows] == ["10 M", "10 M, 2,000 regions"]  # the table's order, not the files'
    ten = rows[0]
    assert ten[1] == "220,638"
    assert ten[5] == "**1.38 s** (CPU 1.90 s)"
    assert ten[7] == "0.59×" and ten[8] == "8.98×"
    assert ten[9] == "700 / 228 / 286"
    assert ten[10] == "1.2"  # the 1-minute load before the compile (1.25, one decimal)


@pytest.mark.parametrize(("ten", "r2000", "status"), [(1.0, 1.0, "met"), (1.2, 0.99, "not met"), (0.59, 0.64, "not met")])
def test_target_1_needs_both_key_spaces_at_or_above_one(table, tmp_path, ten, r2000, status):
    write(tmp_path, "10M", compile_figures("10M", duck_ratio=ten))
    write(tmp_path, "10M-r2000", compile_figures("10M-r2000", duck_ratio=r2000))
    assert status_of(table.target_rows(table.load(tmp_path)[0]), 1) == status


def test_a_key_space_not_run_leaves_the_target_measured_in_part(table, tmp_path):
    write(tmp_path, "10M", compile_figures("10M", duck_ratio=1.1))
    rows = table.target_rows(table.load(tmp_path)[0])
    assert status_of(rows, 1) == "not measured in part"
    assert "10 M, 2,000 regions not measured" in rows[0][1]
    assert status_of(rows, 4) == "not measured"  # no incremental figures at all


@pytest.mark.parametrize(("ratio", "over_read", "rss", "status"), [
    (1.3, 1.8, 1024.0, "met"),  # every boundary is inclusive
    (1.29, 1.5, 800.0, "not met"),
    (1.35, 1.81, 800.0, "not met"),
    (1.35, 1.5, 1025.0, "not met"),
])
def test_target_2_takes_the_ratio_the_read_limit_and_the_memory_of_both_sizes(table, tmp_path, ratio, over_read, rss, status):
    write(tmp_path, "100M", compile_figures("100M", duck_ratio=1.4, over_read=1.6, rss=780.0))
    write(tmp_path, "300M", compile_figures("300M", duck_ratio=ratio, over_read=over_read, rss=rss))
    rows = table.target_rows(table.load(tmp_path)[0])
    assert status_of(rows, 2) == status
    assert ("✗" in rows[1][1]) is (status == "not met")


def test_targets_3_to_6_from_the_demo_recompute_incremental_and_exactness_figures(table, tmp_path):
    write(tmp_path, "demo", {"demo": {"demo": {"wall_median_s": 0.67, "cpu_median_s": 0.83},
                                      "help": {"wall_median_s": 0.31, "cpu_median_s": 0.3}}})
    write(tmp_path, "1M", compile_figures("1M", duck_ratio=0.5, wall=1.02, diff=3e-16))
    write(tmp_path, "incremental_100M_20M", {"cached_size": "100M", "new_size": "20M", "cube_cells": 290_435,
                                             "incremental_wall_s": 1.18, "cold_wall_s": 3.1, "read_limit_new_s": 0.28,
                                             "per_cell_stages_s": 0.76, "target_s": 1.18})
    write(tmp_path, "recompute", {"recompute_factor_change_20M_r4000": {
        "cube_cells": 1_193_759, "process_wall_s": 1.9, "process_cpu_s": 3.0, "process_peak_rss_mib": 1537.0,
        "max_rel_diff": 2e-9}})
    figures = table.load(tmp_path)[0]
    rows = table.target_rows(figures)
    assert status_of(rows, 3) == "not met" and "`--help` 0.31 s ✗" in rows[2][1]  # 0.31 s > 0.3 s
    assert status_of(rows, 4) == "met"  # equal to the target
    assert status_of(rows, 5) == "not met" and "1.90 s ✓" in rows[4][1] and "1,537 MiB ✗" in rows[4][1]
    assert status_of(rows, 6) == "not met" and "2.0e-09" in rows[5][1]  # the recompute's check, above 1e-9
    runs = dict(table.run_rows(figures))
    assert runs["`recompute RUN --factors … --out NEW`, 1,193,759 cells"] == "1.90 s (CPU 3.00 s), 1,537 MiB"
    assert runs["incremental compile: 100 M cached + 20 M new (290,435 cells)"].startswith("1.18 s (cold 3.10 s)")


def test_render_names_the_machine_and_when_each_size_ran_and_main_writes_the_file(table, tmp_path, capsys):
    write(tmp_path, "10M", compile_figures("10M", duck_ratio=0.6))
    os.utime(tmp_path / "10M.json", (1_796_000_000, 1_796_000_000))  # 2026-11-30 00:53:20 UTC
    out = tmp_path / "table.md"
    assert table.main([str(tmp_path), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text == capsys.readouterr().out
    assert "Machine: Test CPU, 2 cores, 23.5 GiB; python 3.11.7, polars 2.2.0." in text
    assert "10 M 11-30 00:53" in text
    assert "| target (issue 20) | status |" in text


def test_a_damaged_results_file_is_left_out(table, tmp_path):
    write(tmp_path, "10M", compile_figures("10M", duck_ratio=0.6))
    (tmp_path / "100M.json").write_text("{ half written", encoding="utf-8")
    figures, times = table.load(tmp_path)
    assert set(figures) == {"10M"} and set(times) == {"10M"}
