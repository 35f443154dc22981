"""CLI commands on a finished run: ``ghginv report RUN_DIR [--lang zh|en]`` and ``ghginv targets RUN_DIR``.

Thin over :func:`ghginv.rebuild_reports` and the run's ``targets.parquet``. ``targets`` prints the target table and exits 0 when every target
with data is met or on track, 1 otherwise (for automation); bad input exits 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import RunDir, console, esc, fail

__all__ = ["report_cmd", "targets_cmd", "targets_exit_code"]


def targets_exit_code(targets) -> int:
    """0 when every target with data is met (or, before its year, on track); else 1."""
    import polars as pl

    if targets is None or targets.height == 0:
        return 0
    judged = targets.with_columns(pl.coalesce("met", "on_track").alias("_ok")).filter(pl.col("_ok").is_not_null())
    return 0 if judged["_ok"].all() else 1


def report_cmd(
    run_dir: RunDir,
    lang: Annotated[str | None, typer.Option("--lang", help="language of report.html: zh or en (default: the run's)")] = None,
):
    """Rebuild report.html and inventory.xlsx of a finished run."""
    from ..core.errors import ConfigError, GhgInvError

    try:
        if lang is not None and lang not in ("zh", "en"):
            raise ConfigError(f"--lang must be zh or en, got {lang!r}")
        from .. import rebuild_reports

        out = rebuild_reports(run_dir, lang)
        print(f"wrote {out / 'report.html'} and {out / 'inventory.xlsx'}")
    except GhgInvError as e:
        fail(e)


def targets_cmd(run_dir: RunDir):
    """Print the target table; exit 0 when every target with data is met or on track, 1 otherwise."""
    from rich.table import Table

    from ..core.errors import GhgInvError, InputFileError

    try:
        import polars as pl

        from ..runfolder import read_manifest

        read_manifest(run_dir)  # "no such run folder" / "not a ghginv run folder" before anything else
        p = Path(run_dir) / "targets.parquet"
        if not p.is_file():
            raise InputFileError(f"{run_dir}: no targets.parquet — configure [[targets]] (and [economy]) and compile again")
        tg = pl.read_parquet(p)
    except GhgInvError as e:
        fail(e)
    t = Table(title=esc(f"Targets — {run_dir}"), title_justify="left")
    for c in ("target", "region", "base", "latest", "achieved %", "required %", "path %", "status", "margin pp"):
        t.add_column(c, justify="left" if c in ("target", "region", "status") else "right")

    def f(v, d=2):
        return "—" if v is None else f"{v:,.{d}f}"

    for r in tg.iter_rows(named=True):
        dig = 4 if "intensity" in r["kind"] else 2
        if r["met"] is not None:
            st = "[green]met[/]" if r["met"] else "[red]NOT MET[/]"
        elif r["on_track"] is None:
            st = "[dim]no data[/]"
        else:
            st = "[green]on track[/]" if r["on_track"] else "[red]OFF TRACK[/]"
        t.add_row(esc(r["target"]), esc(r["region"]), f"{r['base_year']}: {f(r['base_value'], dig)}",
                  "—" if r["latest_year"] is None else f"{r['latest_year']}: {f(r['latest_value'], dig)}",
                  f(r["achieved_pct"]), f(r["required_pct"]), f(r["path_required_pct"]), st, f(r["margin"]))
    console().print(t)
    raise typer.Exit(code=targets_exit_code(tg))
