"""``ghginv recompute`` and ``ghginv diff``: commands on finished runs.

    ghginv recompute RUN_DIR --out NEW_DIR [--factors SET …] [--replace-factors] [--gwp AR6GWP100] [--year-fallback nearest]
                     [--workbook-detail auto|full|summed]

``--factors`` adds or replaces sets by name (:func:`ghginv.rerun.recompute.merge_factor_sets`);
with ``--replace-factors`` it is the whole new list.
    ghginv recompute RUN_DIR --scenarios FILE [--out scenarios.parquet]
    ghginv diff OLD_DIR NEW_DIR [--out recalculation.parquet] [--html PAGE.html]

Thin over :func:`ghginv.recompute`, :func:`ghginv.evaluate_scenarios` (with ``--scenarios``,
:mod:`ghginv.cli.uncertainty`), :func:`ghginv.diff_runs`, :func:`ghginv.attach_recalculation`,
:func:`ghginv.write_recalculation` and :func:`ghginv.recalculation_html`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import RunDir, console, fail
from .compile import print_summary
from .uncertainty import run_scenarios

__all__ = ["recompute_cmd", "diff_cmd"]


def recompute_cmd(
    run_dir: RunDir,
    out: Annotated[Path | None, typer.Option("--out", help="new run folder (written atomically); with --scenarios the scenarios.parquet to write (default RUN_DIR/scenarios.parquet)")] = None,
    factors: Annotated[list[str] | None, typer.Option("--factors", help="factor set name or folder to add or replace by name (repeatable): a set named like one of the run's replaces it at its rank, a new one is added first; the run's other sets stay")] = None,
    replace_factors: Annotated[bool, typer.Option("--replace-factors", help="--factors is the whole new list, in precedence order (the run's sets are dropped)")] = False,
    gwp: Annotated[str | None, typer.Option(help="GWP set (default: the old run's)")] = None,
    year_fallback: Annotated[str | None, typer.Option(help="'none' or 'nearest' (default: the old run's)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    scenarios: Annotated[Path | None, typer.Option("--scenarios", help="CSV/Parquet of factor or GWP variants: one row per scenario and year in scenarios.parquet")] = None,
    workbook_detail: Annotated[str | None, typer.Option("--workbook-detail", help="per-region tables of inventory.xlsx: auto (summed over regions when longer than 100,000 rows), full or summed (default: the run's [report] workbook_detail, else auto)")] = None,
):
    """Recompute every year of a run from its cached cube with other factor sets or GWPs."""
    from ..core.errors import ConfigError, GhgInvError

    try:
        if scenarios is not None:
            return run_scenarios(run_dir, scenarios, out, quiet)
        if out is None:
            raise ConfigError("--out NEW_DIR is required (or --scenarios FILE)")
        from .. import recompute
        from ..core.config import workbook_detail as checked_detail
        from ..runfolder import check_output_dir, check_output_run

        if workbook_detail is not None:
            workbook_detail = checked_detail(workbook_detail, "--workbook-detail")

        check_output_run(out, own=run_dir)  # may replace RUN_DIR, never write inside it or another run
        check_output_dir(out)
        if replace_factors and not factors:
            raise ConfigError("--replace-factors needs the new list: --factors SET [--factors SET …]")
        result = recompute(run_dir, factors=factors if replace_factors else None, update_factors=None if replace_factors else factors,
                           gwp=gwp, year_fallback=year_fallback)
        if workbook_detail is not None:  # the new run's [report] workbook_detail (its config, recorded in its manifest)
            result.config.extra["report"] = {**(result.config.extra.get("report") or {}), "workbook_detail": workbook_detail}
        written = result.write(out)
        print_summary(result, written, quiet)
        if not quiet:
            how = ("the run's kept positions (only factor values or GWPs changed)" if result.recompute_path == "kept_positions"
                   else "the full path (the factor sets changed in structure, or the run keeps no positions)")
            print(f"recomputed on {how}")
        if not quiet and (Path(written) / "recalculation.parquet").is_file():
            rep = " and the Recalculations section of report.html" if (Path(written) / "report.html").is_file() else ""
            print(f"explained against {run_dir}: recalculation.parquet, recalculation_factors.parquet{rep}")
    except GhgInvError as e:
        fail(e)


def diff_cmd(
    old_dir: Annotated[Path, typer.Argument(help="the earlier run folder")],
    new_dir: Annotated[Path, typer.Argument(help="the later run folder")],
    out: Annotated[Path | None, typer.Option("--out", help="recalculation.parquet to write (default: NEW_DIR/recalculation.parquet, recorded in its manifest and report)")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="also write the report's Recalculations section as a stand-alone HTML page")] = None,
    lang: Annotated[str, typer.Option("--lang", help="language of --html: en or zh")] = "en",
):
    """Explain the change between two runs: activity, factor and GWP effects per category."""
    import polars as pl
    from rich.table import Table

    from ..core.errors import GhgInvError

    try:
        from .. import attach_recalculation, diff_runs, sum_by, write_recalculation
        from ..runfolder import check_output_file

        runs = [("old run", old_dir), ("new run", new_dir)]
        if out is not None:  # never over a run's file, never into a run folder: refused before any work
            check_output_file(out, runs)
            check_output_file(out.with_name(out.stem + "_factors.parquet"), runs)
        if html is not None:
            check_output_file(html, runs, what="--html")
        if out is None:  # into NEW_DIR: recorded in its manifest, its report gains the Recalculations section
            path = attach_recalculation(old_dir, new_dir)
            recalc, changed = pl.read_parquet(path), pl.read_parquet(path.with_name("recalculation_factors.parquet"))
        else:
            recalc, changed = diff_runs(old_dir, new_dir)
            path = write_recalculation(recalc, changed, out)
        if html is not None:
            from .. import recalculation_html

            html.write_text(recalculation_html(recalc, changed, "zh" if lang == "zh" else "en", str(old_dir)), encoding="utf-8")
    except GhgInvError as e:
        fail(e)
        return
    tot = sum_by(recalc.filter(pl.col("level") == 0), ["year", "scope"],
                 ["old_co2e_t", "new_co2e_t", "delta_co2e_t", "activity_effect_t", "factor_effect_t", "gwp_effect_t"])
    t = Table(title="Recalculation, t CO2e (sequential substitution: activity, then factors, then GWP)", title_justify="left")
    for c in ("year", "scope", "old", "new", "delta", "activity", "factors", "GWP"):
        t.add_column(c, justify="right" if c not in ("scope",) else "left")
    for r in tot.iter_rows():
        t.add_row(str(r[0]), r[1], *(f"{x:,.1f}" for x in r[2:]))
    con = console(soft_wrap=False)
    con.print(t)
    con.print(f"{changed.height} factor rows changed; written {path} and {path.with_name(path.stem + '_factors.parquet')}")
