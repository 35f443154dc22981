"""CLI commands that work on finished runs and on factor sets: recompute, diff, factors show/diff.

Registered in :mod:`ghginv.cli`; each command is thin over the Python API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

__all__ = ["register"]


def _fail(err):
    from .app import _fail as fail

    fail(err)


def recompute_cmd(
    run_dir: Annotated[Path, typer.Argument(help="a finished run folder (written by ghginv compile)")],
    out: Annotated[Optional[Path], typer.Option("--out", help="new run folder (written atomically); with --scenarios the scenarios.parquet to write (default RUN_DIR/scenarios.parquet)")] = None,
    factors: Annotated[Optional[list[str]], typer.Option("--factors", help="factor sets, in precedence order (default: the old run's)")] = None,
    gwp: Annotated[Optional[str], typer.Option(help="GWP set (default: the old run's)")] = None,
    year_fallback: Annotated[Optional[str], typer.Option(help="'none' or 'nearest' (default: the old run's)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
    scenarios: Annotated[Optional[Path], typer.Option("--scenarios", help="CSV/Parquet of factor or GWP variants: one row per scenario and year in scenarios.parquet")] = None,
):
    """Recompute every year of a run from its cached cube with other factor sets or GWPs."""
    from ..core.errors import ConfigError, GhgInvError

    try:
        if scenarios is not None:
            from .uncertainty import run_scenarios

            return run_scenarios(run_dir, scenarios, out, quiet)
        if out is None:
            raise ConfigError("--out NEW_DIR is required (or --scenarios FILE)")
        from .app import _summary
        from ..runfolder import check_output_dir
        from ..rerun.recompute import recompute

        check_output_dir(out)
        result = recompute(run_dir, factors=factors, gwp=gwp, year_fallback=year_fallback)
        written = result.write(out)
        _summary(result, written, quiet)
        if not quiet:
            how = ("the run's kept positions (only factor values or GWPs changed)" if result.recompute_path == "kept_positions"
                   else "the full path (the factor sets changed in structure, or the run keeps no positions)")
            print(f"recomputed on {how}")
        if not quiet and (Path(written) / "recalculation.parquet").is_file():
            rep = " and the Recalculations section of report.html" if (Path(written) / "report.html").is_file() else ""
            print(f"explained against {run_dir}: recalculation.parquet, recalculation_factors.parquet{rep}")
    except GhgInvError as e:
        _fail(e)


def diff_cmd(
    old_dir: Annotated[Path, typer.Argument(help="the earlier run folder")],
    new_dir: Annotated[Path, typer.Argument(help="the later run folder")],
    out: Annotated[Optional[Path], typer.Option("--out", help="recalculation.parquet to write (default: NEW_DIR/recalculation.parquet, recorded in its manifest and report)")] = None,
    html: Annotated[Optional[Path], typer.Option("--html", help="also write the report's Recalculations section as a stand-alone HTML page")] = None,
    lang: Annotated[str, typer.Option("--lang", help="language of --html: en or zh")] = "en",
):
    """Explain the change between two runs: activity, factor and GWP effects per category."""
    import polars as pl
    from ._console import console
    from rich.table import Table

    from ..core.errors import GhgInvError

    try:
        from ..rerun.recalc import attach_recalculation, diff_runs, write_recalculation

        if out is None:  # into NEW_DIR: recorded in its manifest, its report gains the Recalculations section
            path = attach_recalculation(old_dir, new_dir)
            recalc, changed = pl.read_parquet(path), pl.read_parquet(path.with_name("recalculation_factors.parquet"))
        else:
            recalc, changed = diff_runs(old_dir, new_dir)
            path = write_recalculation(recalc, changed, out)
        if html is not None:
            from ..report._recalc import recalc_fragment

            html.write_text(recalc_fragment(recalc, changed, "zh" if lang == "zh" else "en", str(old_dir)), encoding="utf-8")
    except GhgInvError as e:
        _fail(e)
        return
    tot = recalc.filter(pl.col("level") == 0).group_by("year", "scope").agg(
        pl.col("old_co2e_t", "new_co2e_t", "delta_co2e_t", "activity_effect_t", "factor_effect_t", "gwp_effect_t").sum()
    ).sort("year", "scope")
    t = Table(title="Recalculation, t CO2e (sequential substitution: activity, then factors, then GWP)", title_justify="left")
    for c in ("year", "scope", "old", "new", "delta", "activity", "factors", "GWP"):
        t.add_column(c, justify="right" if c not in ("scope",) else "left")
    for r in tot.iter_rows():
        t.add_row(str(r[0]), r[1], *(f"{x:,.1f}" for x in r[2:]))
    con = console(soft_wrap=False)
    con.print(t)
    con.print(f"{changed.height} factor rows changed; written {path} and {path.with_name(path.stem + '_factors.parquet')}")


def factors_show(
    set_: Annotated[str, typer.Argument(metavar="SET", help="set name or folder")],
    activity: Annotated[Optional[str], typer.Option(help="only rows of this activity")] = None,
):
    """Show a factor set: its manifest and every row with its source."""
    import polars as pl
    from ._console import console
    from rich.table import Table

    from ..core.config import resolve_factor_set_path
    from ..core.errors import GhgInvError
    from ..factors import load_factor_set
    from ..factors.tools import set_table

    try:
        fs = load_factor_set(resolve_factor_set_path(set_))
    except GhgInvError as e:
        _fail(e)
        return
    con = console(soft_wrap=False)
    m = fs.manifest
    con.print(f"[bold]{fs.name}[/] {fs.version} — {m.get('title', '')}")
    con.print(f"publisher: {m.get('publisher', '')}; published: {m.get('published', '')}; url: {m.get('url', '')}")
    tab = set_table(fs)
    if activity:
        tab = tab.filter(pl.col("activity") == activity)
    t = Table(show_lines=False)
    for c in ("file", "line", "activity", "sector", "region", "years", "key", "value", "unit", "status", "source_locator"):
        t.add_column(c, overflow="fold")
    for r in tab.iter_rows(named=True):
        years = f"{r['year_from'] or ''}–{r['year_to'] or ''}" if (r["year_from"] or r["year_to"]) else "all"
        t.add_row(r["file"], str(r["line"]), r["activity"], r["sector"], r["region"], years, r["key"],
                  f"{r['value']:g}", r["unit"], r["status"], r["source_locator"][:80])
    con.print(t)
    con.print(f"{tab.height} rows")


def factors_diff(
    set_a: Annotated[str, typer.Argument(metavar="SET_A")],
    set_b: Annotated[str, typer.Argument(metavar="SET_B")],
    out: Annotated[Optional[Path], typer.Option("--out", help="write the differences to this Parquet or CSV file")] = None,
):
    """Rows added, removed and changed between two factor sets, with their sources."""
    from ._console import console
    from rich.table import Table

    from ..core.config import resolve_factor_set_path
    from ..core.errors import GhgInvError
    from ..factors import load_factor_set
    from ..factors.tools import diff_sets

    try:
        a = load_factor_set(resolve_factor_set_path(set_a))
        b = load_factor_set(resolve_factor_set_path(set_b))
    except GhgInvError as e:
        _fail(e)
        return
    d = diff_sets(a, b)
    con = console(soft_wrap=False)
    t = Table(title=f"{a.name} {a.version} → {b.name} {b.version}", title_justify="left")
    for c in ("change", "file", "activity", "sector", "region", "years", "key", "A", "B", "B source"):
        t.add_column(c, overflow="fold")
    for r in d.iter_rows(named=True):
        years = f"{r['year_from'] or ''}–{r['year_to'] or ''}"
        av = "" if r["a_value"] is None else f"{r['a_value']:g} {r['a_unit']} ({r['a_status']})"
        bv = "" if r["b_value"] is None else f"{r['b_value']:g} {r['b_unit']} ({r['b_status']})"
        t.add_row(r["change"], r["file"], r["activity"], r["sector"], r["region"], years, r["key"], av, bv, (r["b_source"] or r["a_source"] or "")[:60])
    con.print(t)
    counts = {k: d.filter(d["change"] == k).height for k in ("added", "removed", "changed")}
    con.print(", ".join(f"{v} {k}" for k, v in counts.items()))
    if out is not None:
        if out.suffix.lower() == ".csv":
            d.write_csv(out)
        else:
            d.write_parquet(out)


def register(app: typer.Typer, factors_app: typer.Typer) -> None:
    app.command("recompute")(recompute_cmd)
    app.command("diff")(diff_cmd)
    factors_app.command("show")(factors_show)
    factors_app.command("diff")(factors_diff)
    from .uncertainty import register as _register_uncertainty  # uncertainty (issue 5, items 4-5)

    _register_uncertainty(app)
