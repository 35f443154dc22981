"""The benchmark table of benchmarks/README.md, from the figures the last benchmark runs left in ``benchmarks/results/``.

``make bench`` and ``make bench-large`` print it at the end of their session and write it to
``benchmarks/results/table.md`` (``pytest_terminal_summary`` in benchmarks/conftest.py), so that a run reproduces
the README's table without copying figures by hand; ``python benchmarks/table.py [RESULTS_DIR] [--out FILE]``
renders it again from whatever results there are. Each figure is the last run's of its measurement: after
``make bench`` alone, the large sizes are those of an earlier ``make bench-large`` (each file's time is shown), or
missing. Nothing here measures anything. The last table compares the figures with issue 20's targets: "met",
"not met" (with the figure that misses) or "not measured" when a measurement behind a target is missing.

What each figure is: the "What is measured" section of benchmarks/README.md (whole processes in fresh
interpreters; ``compile`` with a warm hash cache and the cube cache off, ``cold`` with an empty hash cache).
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
# the compile sizes in the table's order (benchmarks/test_compile.py: results/<size>.json)
SIZES = ["1M", "10M", "1M-r2000", "10M-r2000", "100M", "300M"]
MET, NOT_MET, NOT_MEASURED = "met", "not met", "not measured"


def load(results: Path = RESULTS) -> tuple[dict[str, dict], dict[str, datetime]]:
    """Every ``*.json`` of ``results`` by file stem, and each file's modification time (UTC).

    Parameters
    ----------
    results : pathlib.Path
        The results folder (``benchmarks/results``).

    Returns
    -------
    figures : dict of str to dict
        File stem (``10M``, ``demo``, ``recompute`` …) -> its figures.
    times : dict of str to datetime.datetime
        File stem -> when the file was last written.
    """
    figures, times = {}, {}
    for path in sorted(Path(results).glob("*.json")):
        try:
            figures[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # a file being written, or not ours: left out, never a failed table
            continue
        times[path.stem] = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    return figures, times


def _s(x: float | None, digits: int = 2) -> str:
    return "—" if x is None else f"{x:.{digits}f} s"


def _x(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}×"


def _mib(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


def _label(size: str) -> str:
    """``10M-r2000`` -> ``10 M, 2,000 regions``."""
    rows, _, regions = size.partition("-r")
    out = f"{rows[:-1]} {rows[-1]}" if rows[-1:].isalpha() else rows
    return f"{out}, {int(regions):,} regions" if regions.isdigit() else out


def _machine(figures: dict[str, dict]) -> str:
    for f in figures.values():
        m = f.get("machine") if isinstance(f, dict) else None
        if m:
            libs = ", ".join(f"{k} {m[k]}" for k in ("python", "pyarrow", "duckdb", "numba", "polars", "numpy") if k in m)
            return f"{m.get('cpu', '?')}, {m.get('nproc', '?')} cores, {m.get('ram_gib', '?')} GiB; {libs}"
    return "not recorded"


def compile_rows(figures: dict[str, dict]) -> list[list[str]]:
    """The compile table's rows, each cell as printed: one row per size measured in :func:`load`'s ``figures``
    (``results/<size>.json`` of benchmarks/test_compile.py)."""
    rows = []
    for size in SIZES:
        f = figures.get(size)
        if not f:
            continue
        load = (f.get("load_avg_1min_before") or {}).get("compile")
        rows.append([
            _label(size), f"{f['cube_cells']:,}", _s(f["read_limit_s"]), _s(f["duckdb_wall_s"]), _s(f.get("polars_wall_s")),
            f"**{f['compile_wall_s']:.2f} s** (CPU {f['compile_cpu_s']:.2f} s)", _s(f.get("compile_cold_wall_s")),
            _x(f["duckdb_process_over_compile"]), _x(f["compile_over_read_limit"]),
            f"{_mib(f['compile_peak_rss_mib'])} / {_mib(f.get('duckdb_peak_rss_mib'))} / {_mib(f.get('polars_peak_rss_mib'))}",
            "—" if load is None else f"{load:.1f}", f"{f['max_rel_diff']:.1e}" if "max_rel_diff" in f else "—",
        ])
    return rows


def run_rows(figures: dict[str, dict]) -> list[list[str]]:
    """The other whole processes in :func:`load`'s ``figures`` — the district demo, ``--help``, start-up, recompute,
    incremental compile — as (what, measured) rows, one per measurement there is."""
    rows = []
    demo = (figures.get("demo") or {}).get("demo") or {}
    for key, what in (("demo", "demo compile, `ghginv --lang zh compile` of the demo, every output (median of 5)"),
                      ("demo_numba_from_first_call", "the same with every kernel compiled from its first call"),
                      ("help", "`ghginv --help` (median of 5)")):
        r = demo.get(key)
        if r:
            rows.append([what, f"{r['wall_median_s']:.2f} s (CPU {r['cpu_median_s']:.2f} s)"])
    st = figures.get("startup")
    if st:
        rows.append(["start-up: imports and the kernels' cache load; the libraries' floor; bare Python",
                     f"{st['startup_wall_s']:.2f} s; {st['floor_wall_s']:.2f} s; {st['bare_python_wall_s']:.2f} s"])
    for name, r in sorted((figures.get("recompute") or {}).items()):
        if name.startswith("recompute_factor_change_") and "process_wall_s" in r:
            rows.append([f"`recompute RUN --factors … --out NEW`, {r['cube_cells']:,} cells",
                         f"{r['process_wall_s']:.2f} s (CPU {r['process_cpu_s']:.2f} s), {_mib(r['process_peak_rss_mib'])} MiB"])
    for name in sorted(k for k in figures if k.startswith("incremental_")):
        r = figures[name]
        rows.append([f"incremental compile: {_label(r['cached_size'])} cached + {_label(r['new_size'])} new ({r['cube_cells']:,} cells)",
                     f"{r['incremental_wall_s']:.2f} s (cold {r['cold_wall_s']:.2f} s); target "
                     f"1.5 × {r['read_limit_new_s']:.2f} + {r['per_cell_stages_s']:.2f} = {r['target_s']:.2f} s"])
    return rows


def _all(parts: list[tuple[str, bool | None]]) -> str:
    """One status from the parts of a target: (figure as text, met?) each, None when not measured; each part marked
    ✓ (met) or ✗ (not met)."""
    if any(ok is False for _, ok in parts):
        status = NOT_MET
    elif any(ok is None for _, ok in parts):
        status = NOT_MEASURED if all(ok is None for _, ok in parts) else f"{NOT_MEASURED} in part"
    else:
        status = MET
    return f"**{status}**: " + "; ".join(text + {True: " ✓", False: " ✗", None: ""}[ok] for text, ok in parts)


def target_rows(figures: dict[str, dict]) -> list[list[str]]:
    """Issue 20's targets 1-6 against :func:`load`'s ``figures``: one (target, status with the figures it rests on)
    row each."""
    def ratio_part(size: str, key: str, test, fmt) -> tuple[str, bool | None]:
        f = figures.get(size)
        if not f or key not in f:
            return f"{_label(size)} {NOT_MEASURED}", None
        return f"{_label(size)} {fmt(f[key])}", bool(test(f[key]))

    t1 = [ratio_part(s, "duckdb_process_over_compile", lambda v: v >= 1.0, _x) for s in ("10M", "10M-r2000")]
    t2 = []
    for s in ("100M", "300M"):
        t2 += [ratio_part(s, "duckdb_process_over_compile", lambda v: v >= 1.3, lambda v: f"DuckDB ÷ ghginv {v:.2f}×"),
               ratio_part(s, "compile_over_read_limit", lambda v: v <= 1.8, lambda v: f"{v:.2f}× the read limit"),
               ratio_part(s, "compile_peak_rss_mib", lambda v: v <= 1024, lambda v: f"{v:,.0f} MiB")]
    demo = (figures.get("demo") or {}).get("demo") or {}
    t3 = [(f"demo {demo['demo']['wall_median_s']:.2f} s", demo["demo"]["wall_median_s"] <= 1.0) if "demo" in demo
          else (f"demo {NOT_MEASURED}", None),
          ratio_part("1M", "compile_wall_s", lambda v: v <= 1.2, lambda v: f"{v:.2f} s"),
          (f"`--help` {demo['help']['wall_median_s']:.2f} s", demo["help"]["wall_median_s"] <= 0.3) if "help" in demo
          else (f"`--help` {NOT_MEASURED}", None)]
    inc = figures.get("incremental_100M_20M")
    t4 = [(f"{inc['incremental_wall_s']:.2f} s against {inc['target_s']:.2f} s", inc["incremental_wall_s"] <= inc["target_s"])
          if inc else (f"100 M + 20 M {NOT_MEASURED}", None)]
    rc = (figures.get("recompute") or {}).get("recompute_factor_change_20M_r4000")
    t5 = ([(f"{rc['process_wall_s']:.2f} s", rc["process_wall_s"] <= 2.0), (f"{rc['process_peak_rss_mib']:,.0f} MiB",
                                                                            rc["process_peak_rss_mib"] <= 1536)]
          if rc and "process_wall_s" in rc else [(f"1.19 M cells {NOT_MEASURED}", None)])
    diffs = [f["max_rel_diff"] for k, f in figures.items() if k in SIZES and "max_rel_diff" in f]
    diffs += [r["max_rel_diff"] for r in (figures.get("recompute") or {}).values() if isinstance(r, dict) and "max_rel_diff" in r]
    t6 = [(f"largest difference from DuckDB {max(diffs):.1e} over {len(diffs)} runs", max(diffs) <= 1e-9) if diffs
          else (f"exactness {NOT_MEASURED}", None)]
    return [["1. 10 M: DuckDB ÷ ghginv ≥ 1.0, both key spaces, every output", _all(t1)],
            ["2. 100 M / 300 M: DuckDB ÷ ghginv ≥ 1.3, ≤ 1.8× the read limit, peak RSS ≤ 1 GiB", _all(t2)],
            ["3. demo ≤ 1.0 s, 1 M ≤ 1.2 s, `ghginv --help` ≤ 0.3 s", _all(t3)],
            ["4. incremental 100 M + 20 M ≤ 1.5× the new rows' read limit + the per-cell stages", _all(t4)],
            ["5. `recompute … --out NEW` at 1.19 M cells ≤ 2.0 s and ≤ 1.5 GiB", _all(t5)],
            ["6. every run checked against DuckDB to 1e-9 relative", _all(t6)]]


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head), *("| " + " | ".join(r) + " |" for r in rows)]


def render(results: Path = RESULTS) -> str:
    """The whole table as Markdown: the machine, the compile table, the other processes, the targets.

    Parameters
    ----------
    results : pathlib.Path
        The results folder.

    Returns
    -------
    str
        The Markdown text (a note that there are no figures when the folder holds none).
    """
    figures, times = load(results)
    if not figures:
        return f"No benchmark figures in {results}: run `make bench` (and `make bench-large`).\n"
    when = sorted(times.values())
    lines = [f"Benchmark figures in {results} (SYNTHETIC data, benchmarks/README.md), written "
             f"{when[0]:%Y-%m-%d %H:%M}–{when[-1]:%Y-%m-%d %H:%M} UTC.", "", f"Machine: {_machine(figures)}.", ""]
    comp = compile_rows(figures)
    if comp:
        lines += _table(["rows, key space", "cube cells", "read limit", "DuckDB", "polars lazy", "ghginv compile",
                         "cold hash cache", "DuckDB ÷ ghginv", "ghginv ÷ read limit",
                         "peak RSS MiB ghginv / DuckDB / polars", "load before", "largest difference from DuckDB"], comp)
        lines += ["", "Each size's figures are of the run at " + ", ".join(
            f"{_label(s)} {times[s]:%m-%d %H:%M}" for s in SIZES if s in figures and s in times) + " UTC.", ""]
    runs = run_rows(figures)
    if runs:
        lines += _table(["whole process", "measured"], runs) + [""]
    lines += _table(["target (issue 20)", "status"], target_rows(figures))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python benchmarks/table.py [RESULTS_DIR] [--out FILE]``: print the table (and write it to FILE).

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    out = None
    if "--out" in args:
        i = args.index("--out")
        out = Path(args[i + 1])
        del args[i:i + 2]
    text = render(Path(args[0]) if args else RESULTS)
    if out is not None:
        out.write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
