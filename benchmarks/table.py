"""The benchmark table of benchmarks/README.md, from the figures the last benchmark runs left in ``benchmarks/results/``.

``make bench`` and ``make bench-large`` print it at the end of their session and write it to
``benchmarks/results/table.md`` (:func:`session_table`, called by ``pytest_terminal_summary`` in
benchmarks/conftest.py), so that a run reproduces the README's table without copying figures by hand;
``python benchmarks/table.py [RESULTS_DIR] [--out FILE]`` renders it again from whatever results there are.

Each figure is the last run's of its measurement: after ``make bench`` alone, the large sizes are those of an
earlier ``make bench-large``, or missing. Every row says when its figures were written (the entry's ``written_utc``,
else its file's time), and after a session the figures of earlier sessions are marked so, in the rows and in the
targets they decide. Nothing here measures anything. The last table compares the figures with issue 20's targets:
"met", "not met" (each part marked ✓ or ✗) or "not measured" when a measurement behind a target is missing. A
results file that cannot be read, or an entry that lacks a figure, is left out and named below the tables.

What each figure is: the "What is measured" section of benchmarks/README.md (whole processes in fresh
interpreters; ``compile`` with a warm hash cache and the cube cache off, ``cold`` with an empty hash cache).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
# the compile sizes in the table's order (benchmarks/test_compile.py: results/<size>.json)
SIZES = ["1M", "10M", "1M-r2000", "10M-r2000", "100M", "300M"]
MET, NOT_MET, NOT_MEASURED = "met", "not met", "not measured"


class Figures:
    """The results of a folder: each file's figures (a dict), when each entry was written, and what was left out.

    Parameters
    ----------
    results : pathlib.Path
        The results folder (``benchmarks/results``).
    since : datetime.datetime, optional
        The start of the session that just ran: figures written before it are an earlier session's.
    """

    def __init__(self, results: Path = RESULTS, since: datetime | None = None):
        self.results, self.since = Path(results), since
        self.files: dict[str, dict] = {}
        self.file_times: dict[str, datetime] = {}
        self.left_out: list[str] = []
        for path in sorted(self.results.glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):  # a file being written, or not ours
                data = None
            if not isinstance(data, dict):
                self.left_out.append(f"{path.name}: not a results file")
                continue
            self.files[path.stem] = data
            self.file_times[path.stem] = datetime.fromtimestamp(path.stat().st_mtime, UTC)

    def entry(self, stem: str, name: str | None = None) -> dict | None:
        """File ``stem``'s figures (``name``: one entry of a file of several, such as ``recompute.json``)."""
        data = self.files.get(stem)
        if data is not None and name is not None:
            data = data.get(name)
        return data if isinstance(data, dict) else None

    def written(self, stem: str, name: str | None = None) -> datetime | None:
        """When an entry was written: its ``written_utc``, else its file's time."""
        e = self.entry(stem, name)
        stamp = e.get("written_utc") if e else None
        if isinstance(stamp, str):
            try:
                return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            except ValueError:
                pass
        return self.file_times.get(stem) if e is not None else None

    def earlier(self, stem: str, name: str | None = None) -> bool:
        """Whether an entry was written before this session (False without a session)."""
        w = self.written(stem, name)
        # to the second: written_utc has no fraction, and no benchmark writes within a second of its session's start
        return self.since is not None and w is not None and w < self.since.replace(microsecond=0)

    def when(self, stem: str, name: str | None = None) -> str:
        """The entry's time as a table shows it, marked when it is an earlier session's."""
        w = self.written(stem, name)
        if w is None:
            return "—"
        return f"{w:%m-%d %H:%M}" + (" (earlier session)" if self.earlier(stem, name) else "")


def _s(x) -> str:
    return "—" if x is None else f"{x:.2f} s"


def _x(x) -> str:
    return "—" if x is None else f"{x:.2f}×"


def _mib(x) -> str:
    return "—" if x is None else f"{x:,.0f}"


def _label(size: str) -> str:
    """``10M-r2000`` -> ``10 M, 2,000 regions``."""
    rows, _, regions = size.partition("-r")
    out = f"{rows[:-1]} {rows[-1]}" if rows[-1:].isalpha() else rows
    return f"{out}, {int(regions):,} regions" if regions.isdigit() else out


def _machine(figs: Figures) -> str:
    for f in figs.files.values():
        m = f.get("machine")
        if isinstance(m, dict):
            libs = ", ".join(f"{k} {m[k]}" for k in ("python", "pyarrow", "duckdb", "numba", "polars", "numpy") if k in m)
            return f"{m.get('cpu', '?')}, {m.get('nproc', '?')} cores, {m.get('ram_gib', '?')} GiB; {libs}"
    return "not recorded"


def _row(figs: Figures, where: str, build) -> list[str] | None:
    """``build()``'s row, or None with ``where`` named among what was left out when a figure is missing."""
    try:
        return build()
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        figs.left_out.append(f"{where}: figure {e} missing or not a number")
        return None


def compile_rows(figs: Figures) -> list[list[str]]:
    """The compile table's rows, each cell as printed: one row per size measured (``results/<size>.json`` of
    benchmarks/test_compile.py)."""
    rows = []
    for size in SIZES:
        f = figs.entry(size)
        if f is None:
            continue

        def build(f=f, size=size):
            load = (f.get("load_avg_1min_before") or {}).get("compile")
            return [
                _label(size), f"{f['cube_cells']:,}", _s(f["read_limit_s"]), _s(f["duckdb_wall_s"]), _s(f.get("polars_wall_s")),
                f"**{f['compile_wall_s']:.2f} s** (CPU {f['compile_cpu_s']:.2f} s)", _s(f.get("compile_cold_wall_s")),
                _x(f["duckdb_process_over_compile"]), _x(f["compile_over_read_limit"]),
                f"{_mib(f['compile_peak_rss_mib'])} / {_mib(f.get('duckdb_peak_rss_mib'))} / {_mib(f.get('polars_peak_rss_mib'))}",
                "—" if load is None else f"{load:.1f}", f"{f['max_rel_diff']:.1e}" if "max_rel_diff" in f else "—",
                figs.when(size),
            ]

        row = _row(figs, f"{size}.json", build)
        if row is not None:
            rows.append(row)
    return rows


def run_rows(figs: Figures) -> list[list[str]]:
    """The other whole processes — the district demo, ``--help``, start-up, recompute, incremental compile — as
    (what, measured, written) rows, one per measurement there is."""
    rows = []

    def add(where: str, stem: str, name: str | None, build) -> None:
        row = _row(figs, where, build)
        if row is not None:
            rows.append([*row, figs.when(stem, name)])

    demo = figs.entry("demo", "demo") or {}
    for key, what in (("demo", "demo compile, `ghginv --lang zh compile` of the demo, every output (median of 5)"),
                      ("demo_numba_from_first_call", "the same with every kernel compiled from its first call"),
                      ("help", "`ghginv --help` (median of 5)")):
        if key in demo:
            add(f"demo.json {key}", "demo", "demo",
                lambda r=demo[key], what=what: [what, f"{r['wall_median_s']:.2f} s (CPU {r['cpu_median_s']:.2f} s)"])
    st = figs.entry("startup")
    if st is not None:
        add("startup.json", "startup", None, lambda: [
            "start-up: imports and the kernels' cache load; the libraries' floor; bare Python",
            f"{st['startup_wall_s']:.2f} s; {st['floor_wall_s']:.2f} s; {st['bare_python_wall_s']:.2f} s"])
    for name in sorted(figs.files.get("recompute") or {}):
        r = figs.entry("recompute", name)
        if name.startswith("recompute_factor_change_") and r is not None and "process_wall_s" in r:
            add(f"recompute.json {name}", "recompute", name, lambda r=r: [
                f"`recompute RUN --factors … --out NEW`, {r['cube_cells']:,} cells",
                f"{r['process_wall_s']:.2f} s (CPU {r['process_cpu_s']:.2f} s), {_mib(r['process_peak_rss_mib'])} MiB"])
    for stem in sorted(k for k in figs.files if k.startswith("incremental_")):
        r = figs.entry(stem)
        add(f"{stem}.json", stem, None, lambda r=r: [
            f"incremental compile: {_label(r['cached_size'])} cached + {_label(r['new_size'])} new ({r['cube_cells']:,} cells)",
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


def _number(entry: dict | None, key: str) -> float | None:
    v = entry.get(key) if entry else None
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def target_rows(figs: Figures) -> list[list[str]]:
    """Issue 20's targets 1-6 against the figures: one (target, status with the figures it rests on) row each; a
    figure of an earlier session is marked so."""
    def part(what: str, stem: str, name: str | None, key: str, test, fmt) -> tuple[str, bool | None]:
        v = _number(figs.entry(stem, name), key)
        if v is None:
            return f"{what} {NOT_MEASURED}", None
        return f"{what} {fmt(v)}" + (" (earlier session)" if figs.earlier(stem, name) else ""), bool(test(v))

    def at_least(limit):
        return lambda v: v >= limit

    def at_most(limit):
        return lambda v: v <= limit

    def sec(v):
        return f"{v:.2f} s"

    t1 = [part(_label(s), s, None, "duckdb_process_over_compile", at_least(1.0), _x) for s in ("10M", "10M-r2000")]
    t2 = []
    for s in ("100M", "300M"):
        t2 += [part(_label(s), s, None, "duckdb_process_over_compile", at_least(1.3), lambda v: f"DuckDB ÷ ghginv {v:.2f}×"),
               part(_label(s), s, None, "compile_over_read_limit", at_most(1.8), lambda v: f"{v:.2f}× the read limit"),
               part(_label(s), s, None, "compile_peak_rss_mib", at_most(1024), lambda v: f"{v:,.0f} MiB")]
    demo = figs.entry("demo", "demo") or {}
    t3 = [_nested(figs, demo.get("demo"), "demo", 1.0),
          part("1 M", "1M", None, "compile_wall_s", at_most(1.2), sec),
          _nested(figs, demo.get("help"), "`--help`", 0.3)]
    inc = figs.entry("incremental_100M_20M")
    limit = _number(inc, "target_s")
    t4 = [part("100 M + 20 M", "incremental_100M_20M", None, "incremental_wall_s", at_most(limit),
               lambda v: f"{v:.2f} s against {limit:.2f} s") if limit is not None
          else ("100 M + 20 M " + NOT_MEASURED, None)]
    rc = ("recompute", "recompute_factor_change_20M_r4000")
    t5 = [part("1.19 M cells", *rc, "process_wall_s", at_most(2.0), sec),
          part("1.19 M cells", *rc, "process_peak_rss_mib", at_most(1536), lambda v: f"{v:,.0f} MiB")]
    diffs = [v for v in (_number(figs.entry(s), "max_rel_diff") for s in SIZES) if v is not None]
    diffs += [v for v in (_number(figs.entry("recompute", n), "max_rel_diff") for n in (figs.files.get("recompute") or {}))
              if v is not None]
    t6 = [(f"largest difference from DuckDB {max(diffs):.1e} over {len(diffs)} runs", max(diffs) <= 1e-9) if diffs
          else (f"exactness {NOT_MEASURED}", None)]
    return [["1. 10 M: DuckDB ÷ ghginv ≥ 1.0, both key spaces, every output", _all(t1)],
            ["2. 100 M / 300 M: DuckDB ÷ ghginv ≥ 1.3, ≤ 1.8× the read limit, peak RSS ≤ 1 GiB", _all(t2)],
            ["3. demo ≤ 1.0 s, 1 M ≤ 1.2 s, `ghginv --help` ≤ 0.3 s", _all(t3)],
            ["4. incremental 100 M + 20 M ≤ 1.5× the new rows' read limit + the per-cell stages", _all(t4)],
            ["5. `recompute … --out NEW` at 1.19 M cells ≤ 2.0 s and ≤ 1.5 GiB", _all(t5)],
            ["6. every run checked against DuckDB to 1e-9 relative", _all(t6)]]


def _nested(figs: Figures, r: dict | None, what: str, limit: float) -> tuple[str, bool | None]:
    """A part of target 3 from one of ``demo.json``'s measurements (its median wall time against ``limit``)."""
    v = _number(r, "wall_median_s")
    if v is None:
        return f"{what} {NOT_MEASURED}", None
    return f"{what} {v:.2f} s" + (" (earlier session)" if figs.earlier("demo", "demo") else ""), v <= limit


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(head) + " |", "|" + "---|" * len(head), *("| " + " | ".join(r) + " |" for r in rows)]


def render(results: Path = RESULTS, since: datetime | None = None) -> str:
    """The whole table as Markdown: the machine, the compile table, the other processes, the targets.

    Parameters
    ----------
    results : pathlib.Path
        The results folder.
    since : datetime.datetime, optional
        The start of the session that just ran: figures written before it are marked as an earlier session's.

    Returns
    -------
    str
        The Markdown text (a note that there are no figures when the folder holds none).
    """
    figs = Figures(results, since)
    if not figs.files:
        return f"No benchmark figures in {results}: run `make bench` (and `make bench-large`).\n"
    lines = [f"Benchmark figures in {results} (SYNTHETIC data, benchmarks/README.md); times UTC.", "",
             f"Machine: {_machine(figs)}.", ""]
    comp = compile_rows(figs)
    if comp:
        lines += _table(["rows, key space", "cube cells", "read limit", "DuckDB", "polars lazy", "ghginv compile",
                         "cold hash cache", "DuckDB ÷ ghginv", "ghginv ÷ read limit",
                         "peak RSS MiB ghginv / DuckDB / polars", "load before", "largest difference from DuckDB",
                         "written"], comp) + [""]
    runs = run_rows(figs)
    if runs:
        lines += _table(["whole process", "measured", "written"], runs) + [""]
    lines += _table(["target (issue 20)", "status"], target_rows(figs))
    if figs.left_out:
        lines += ["", "Left out: " + "; ".join(figs.left_out) + "."]
    return "\n".join(lines) + "\n"


def session_table(results: Path, since: datetime) -> str | None:
    """The table after a benchmark session that started at ``since``: rendered and written to ``table.md`` in
    ``results`` when the session wrote figures there, else None (nothing written).

    Parameters
    ----------
    results : pathlib.Path
        The results folder.
    since : datetime.datetime
        When the session started.

    Returns
    -------
    str or None
        The table's text, or None when the session wrote no figures.
    """
    if not any(datetime.fromtimestamp(p.stat().st_mtime, UTC) >= since for p in Path(results).glob("*.json")):
        return None
    text = render(results, since)
    (Path(results) / "table.md").write_text(text, encoding="utf-8")
    return text


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
    parser = argparse.ArgumentParser(description="The benchmark table from benchmarks/results/*.json.")
    parser.add_argument("results", nargs="?", type=Path, default=RESULTS, help="the results folder")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    text = render(args.results)
    if args.out is not None:
        args.out.write_text(text, encoding="utf-8")
    print(text, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
