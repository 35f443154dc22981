"""benchmarks/table.py: the README's benchmark table rendered from the figures the benchmark runs leave in
``benchmarks/results/`` (``make bench`` prints it and writes ``results/table.md``). The figures here are made up
for the test; the statuses are checked against issue 20's thresholds at and around each boundary, and the table
is checked to survive missing or damaged figures and to mark an earlier session's figures."""

from __future__ import annotations

import importlib.util
import json
import os
from datetime import UTC, datetime
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
T_OLD = 1_796_000_000  # 2026-11-30 00:53:20 UTC
T_NEW = T_OLD + 86_400


def compile_figures(size: str, *, duck_ratio: float, over_read: float = 1.5, rss: float = 700.0,
                    wall: float = 1.0, diff: float = 1e-15) -> dict:
    return {"size": size, "cube_cells": 220_638, "read_limit_s": wall / over_read, "duckdb_wall_s": wall * duck_ratio,
            "polars_wall_s": 0.9, "compile_wall_s": wall, "compile_cpu_s": 1.9, "compile_cold_wall_s": wall + 0.1,
            "duckdb_process_over_compile": duck_ratio, "compile_over_read_limit": over_read, "compile_peak_rss_mib": rss,
            "duckdb_peak_rss_mib": 228.0, "polars_peak_rss_mib": 286.0, "load_avg_1min_before": {"compile": 1.25},
            "max_rel_diff": diff, "machine": MACHINE}


def write(folder: Path, name: str, figures, at: int | None = None) -> None:
    path = folder / f"{name}.json"
    path.write_text(json.dumps(figures), encoding="utf-8")
    if at is not None:
        os.utime(path, (at, at))


def status_of(rows: list[list[str]], number: int) -> str:
    row = next(r for r in rows if r[0].startswith(f"{number}."))
    return row[1].split("**")[1]


def targets(table, folder: Path, since=None) -> list[list[str]]:
    return table.target_rows(table.Figures(folder, since))


def test_no_figures_says_how_to_get_them(table, tmp_path):
    assert "run `make bench`" in table.render(tmp_path)


def test_compile_rows_show_the_figures_of_each_size_in_order(table, tmp_path):
    write(tmp_path, "10M-r2000", compile_figures("10M-r2000", duck_ratio=0.64, wall=2.46))
    write(tmp_path, "10M", compile_figures("10M", duck_ratio=0.59, wall=1.38, over_read=8.98), at=T_OLD)
    rows = table.compile_rows(table.Figures(tmp_path))
    assert [r[0] for r in rows] == ["10 M", "10 M, 2,000 regions"]  # the table's order, not the files'
    ten = rows[0]
    assert ten[1] == "220,638"
    assert ten[5] == "**1.38 s** (CPU 1.90 s)"
    assert ten[7] == "0.59×" and ten[8] == "8.98×"
    assert ten[9] == "700 / 228 / 286"
    assert ten[10] == "1.2"  # the 1-minute load before the compile (1.25, one decimal)
    assert ten[12] == "11-30 00:53"  # when: the file's time, without a written_utc


@pytest.mark.parametrize(("ten", "r2000", "status"), [(1.0, 1.0, "met"), (1.2, 0.99, "not met"), (0.59, 0.64, "not met")])
def test_target_1_needs_both_key_spaces_at_or_above_one(table, tmp_path, ten, r2000, status):
    write(tmp_path, "10M", compile_figures("10M", duck_ratio=ten))
    write(tmp_path, "10M-r2000", compile_figures("10M-r2000", duck_ratio=r2000))
    assert status_of(targets(table, tmp_path), 1) == status


def test_a_key_space_not_run_leaves_the_target_measured_in_part(table, tmp_path):
    write(tmp_path, "10M", compile_figures("10M", duck_ratio=1.1))
    rows = targets(table, tmp_path)
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
    rows = targets(table, tmp_path)
    assert status_of(rows, 2) == status
    assert ("✗" in rows[1][1]) is (status == "not met")


def demo_figures(demo_s: float, help_s: float) -> dict:
    return {"demo": {"demo": {"wall_median_s": demo_s, "cpu_median_s": 0.83},
                     "help": {"wall_median_s": help_s, "cpu_median_s": 0.1}}}


def recompute_figures(wall: float, rss: float, diff: float = 3e-16) -> dict:
    return {"recompute_factor_change_20M_r4000": {"cube_cells": 1_193_759, "process_wall_s": wall, "process_cpu_s": 3.0,
                                                  "process_peak_rss_mib": rss, "max_rel_diff": diff}}


@pytest.mark.parametrize(("demo", "one_m", "help_s", "status"), [
    (1.0, 1.2, 0.3, "met"),  # at each limit
    (1.01, 1.2, 0.3, "not met"),
    (1.0, 1.21, 0.3, "not met"),
    (1.0, 1.2, 0.31, "not met"),
])
def test_target_3_demo_one_million_rows_and_help(table, tmp_path, demo, one_m, help_s, status):
    write(tmp_path, "demo", demo_figures(demo, help_s))
    write(tmp_path, "1M", compile_figures("1M", duck_ratio=0.5, wall=one_m))
    assert status_of(targets(table, tmp_path), 3) == status


@pytest.mark.parametrize(("wall", "rss", "status"), [(2.0, 1536.0, "met"), (2.01, 1500.0, "not met"), (1.9, 1537.0, "not met")])
def test_target_5_recompute_time_and_memory(table, tmp_path, wall, rss, status):
    write(tmp_path, "recompute", recompute_figures(wall, rss))
    assert status_of(targets(table, tmp_path), 5) == status


@pytest.mark.parametrize(("diff", "status"), [(1e-9, "met"), (2e-9, "not met")])
def test_target_6_takes_the_largest_difference_of_every_run(table, tmp_path, diff, status):
    write(tmp_path, "1M", compile_figures("1M", duck_ratio=0.5, diff=3e-16))
    write(tmp_path, "recompute", recompute_figures(1.9, 1500.0, diff=diff))
    rows = targets(table, tmp_path)
    assert status_of(rows, 6) == status
    assert f"{diff:.1e} over 2 runs" in rows[5][1]


def test_target_4_against_the_incremental_run_s_own_limit(table, tmp_path):
    inc = {"cached_size": "100M", "new_size": "20M", "cube_cells": 290_435, "incremental_wall_s": 1.18, "cold_wall_s": 3.1,
           "read_limit_new_s": 0.28, "per_cell_stages_s": 0.76, "target_s": 1.18}
    write(tmp_path, "incremental_100M_20M", inc)
    assert status_of(targets(table, tmp_path), 4) == "met"  # equal to the limit
    write(tmp_path, "incremental_100M_20M", {**inc, "incremental_wall_s": 1.19})
    figs = table.Figures(tmp_path)
    assert status_of(table.target_rows(figs), 4) == "not met"
    runs = {r[0]: r[1] for r in table.run_rows(figs)}
    assert runs["incremental compile: 100 M cached + 20 M new (290,435 cells)"] == (
        "1.19 s (cold 3.10 s); target 1.5 × 0.28 + 0.76 = 1.18 s")


def test_a_file_missing_a_figure_is_left_out_and_named_not_a_failure(table, tmp_path):
    broken = compile_figures("10M", duck_ratio=1.2)
    del broken["duckdb_process_over_compile"], broken["compile_cpu_s"]
    write(tmp_path, "10M", broken)
    write(tmp_path, "10M-r2000", compile_figures("10M-r2000", duck_ratio=1.1))
    write(tmp_path, "startup", {"startup_wall_s": 0.3})  # no floor figures
    write(tmp_path, "100M", [1, 2, 3])  # JSON, but not a results file
    (tmp_path / "300M.json").write_text("{ half written", encoding="utf-8")
    text = table.render(tmp_path)
    assert "| 10 M, 2,000 regions |" in text and "| 10 M |" not in text
    left = text.split("Left out: ", 1)[1]
    for name in ("10M.json", "startup.json", "100M.json: not a results file", "300M.json: not a results file"):
        assert name in left
    assert status_of(targets(table, tmp_path), 1) == "not measured in part"  # the 10 M ratio is missing


def test_an_earlier_session_s_figures_are_marked_in_rows_and_targets(table, tmp_path):
    write(tmp_path, "10M", compile_figures("10M", duck_ratio=0.6), at=T_OLD)
    write(tmp_path, "10M-r2000", {**compile_figures("10M-r2000", duck_ratio=0.7), "written_utc": "2026-12-01T00:53:20Z"},
          at=T_OLD)  # an entry's own time goes before its file's
    write(tmp_path, "recompute", {"recompute_factor_change_20M_r4000": {
        **recompute_figures(3.7, 1634.0)["recompute_factor_change_20M_r4000"], "written_utc": "2026-11-30T00:00:00Z"}},
        at=T_NEW)  # a file of several entries: rewritten this session, the entry from before
    since = datetime.fromtimestamp(T_OLD + 3_600, UTC)
    figs = table.Figures(tmp_path, since)
    comp = {r[0]: r[-1] for r in table.compile_rows(figs)}
    assert comp == {"10 M": "11-30 00:53 (earlier session)", "10 M, 2,000 regions": "12-01 00:53"}
    runs = table.run_rows(figs)
    assert runs[0][2] == "11-30 00:00 (earlier session)"
    rows = table.target_rows(figs)
    assert "10 M 0.60× (earlier session) ✗" in rows[0][1] and "10 M, 2,000 regions 0.70× ✗" in rows[0][1]
    assert "1.19 M cells 3.70 s (earlier session) ✗" in rows[4][1]


def test_session_table_is_written_only_after_a_session_that_wrote_figures(table, tmp_path):
    write(tmp_path, "10M", compile_figures("10M", duck_ratio=0.6), at=T_OLD)
    since = datetime.fromtimestamp(T_NEW, UTC)
    assert table.session_table(tmp_path, since) is None
    assert not (tmp_path / "table.md").exists()
    write(tmp_path, "10M-r2000", compile_figures("10M-r2000", duck_ratio=0.7), at=T_NEW + 60)
    text = table.session_table(tmp_path, since)
    assert text == (tmp_path / "table.md").read_text(encoding="utf-8")
    assert "11-30 00:53 (earlier session)" in text and "12-01 00:54 |" in text


def test_main_prints_and_writes_the_table(table, tmp_path, capsys):
    write(tmp_path, "10M", compile_figures("10M", duck_ratio=0.6), at=T_OLD)
    out = tmp_path / "table.md"
    assert table.main([str(tmp_path), "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text == capsys.readouterr().out
    assert "Machine: Test CPU, 2 cores, 23.5 GiB; python 3.11.7, polars 2.2.0." in text
    assert "| target (issue 20) | status |" in text
    with pytest.raises(SystemExit):  # --out without a file: argparse's message, exit 2
        table.main([str(tmp_path), "--out"])
