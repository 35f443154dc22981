"""``ghginv uncertainty RUN_DIR`` and ``ghginv recompute RUN_DIR --scenarios FILE``.

Thin over :func:`ghginv.uncertainty_of_run` and :func:`ghginv.evaluate_scenarios`; both write one
Parquet file (into the run folder by default) and print its totals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import RunDir, console, fail, write_atomic

__all__ = ["uncertainty_cmd", "run_scenarios"]


def run_scenarios(run_dir: Path, scenarios: Path, out: Path | None, quiet: bool = False) -> None:
    """Evaluate the scenarios of ``scenarios`` on a run, write ``scenarios.parquet`` (or ``out``)
    and print its totals (the first 20 scenarios)."""
    from rich.table import Table

    from .. import evaluate_scenarios
    from ..runfolder import check_output_file

    default = Path(run_dir) / "scenarios.parquet"  # the one file this command writes into the run
    check_output_file(out or default, [("run", run_dir), ("scenario file", scenarios)], allowed=[default])
    res = evaluate_scenarios(run_dir, scenarios)
    path = write_atomic(res, out or default)
    con = console(soft_wrap=False)
    if not quiet:
        years = sorted(res["year"].unique().to_list())
        t = Table(title="Scenarios: direct + indirect, t CO2e", title_justify="left")
        t.add_column("scenario")
        for y in years:
            t.add_column(str(y), justify="right")
        wide = res.pivot(on="year", index="scenario", values="total_co2e_t", sort_columns=True)
        for r in wide.head(20).iter_rows():
            t.add_row(r[0], *(f"{x:,.0f}" for x in r[1:]))
        con.print(t)
        n = res["scenario"].n_unique()
        if n > 20:
            con.print(f"… {n - 20} more scenarios")
    con.print(f"{res['scenario'].n_unique()} scenarios × {res['year'].n_unique()} years written to {path}")


def _num(x, fmt: str) -> str:
    """A table cell: ``x`` formatted, or empty when undefined (None or NaN: a ± % of a zero total)."""
    return "" if x is None or x != x else format(x, fmt)


def uncertainty_cmd(
    run_dir: RunDir,
    out: Annotated[Path | None, typer.Option("--out", help="uncertainty.parquet to write (default: RUN_DIR/uncertainty.parquet); the Table 3.2 layout goes beside it as <name>_table_3_2.parquet")] = None,
    draws: Annotated[int | None, typer.Option("--draws", help="Monte Carlo iterations (default: the run's [uncertainty] draws or 10000)")] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="random seed (default: the run's or 20240101)")] = None,
    activity_pct: Annotated[float | None, typer.Option("--activity-pct", help="default activity-data uncertainty, % (95 % half-width)")] = None,
):
    """Uncertainty of a finished run: Approach 1 and a seeded Monte Carlo (2006 IPCC GL Vol 1 Ch 3)."""
    import polars as pl
    from rich.table import Table

    from ..core.errors import GhgInvError

    try:
        from .. import uncertainty_of_run
        from ..runfolder import check_output_file

        target = out or Path(run_dir) / "uncertainty.parquet"
        mine = [Path(run_dir) / "uncertainty.parquet", Path(run_dir) / "uncertainty_table_3_2.parquet"]  # written into the run by default
        for f in (target, target.with_name(target.stem + "_table_3_2.parquet")):
            check_output_file(f, [("run", run_dir)], allowed=mine)
        res = uncertainty_of_run(run_dir, draws=draws, seed=seed, activity_pct=activity_pct)
        path = write_atomic(res.table, target)
        write_atomic(res.table_3_2, path.with_name(path.stem + "_table_3_2.parquet"))
    except GhgInvError as e:
        fail(e)
        return
    tot = res.table.filter(pl.col("category") == "TOTAL", pl.col("gas") == "ALL", pl.col("scope").is_in(["direct", "indirect"]))
    t = Table(title=f"Uncertainty, t CO2e ({res.settings.draws} draws, seed {res.settings.seed})", title_justify="left")
    for c in ("year", "scope", "inventory", "mean", "2.5 %", "97.5 %", "± % (MC)", "± % (Approach 1)", "trend (MC 95 %)"):
        t.add_column(c, justify="left" if c == "scope" else "right")
    for r in tot.iter_rows(named=True):
        trend = "" if r["trend_mean"] is None or r["trend_mean"] != r["trend_mean"] else (
            f"{r['trend_mean'] * 100:+.1f} % [{r['trend_p2_5'] * 100:+.1f}, {r['trend_p97_5'] * 100:+.1f}]")
        t.add_row(str(r["year"]), r["scope"], *(_num(r[c], ",.0f") for c in ("co2e_t", "mean", "p2_5", "p97_5")),
                  *(_num(r[c], ".1f") for c in ("half_width_pct", "approach1_pct")), trend)
    con = console(soft_wrap=False)
    con.print(t)
    con.print(res.note())
    con.print(f"written {path} and {path.stem}_table_3_2.parquet in {res.seconds:.2f} s")
