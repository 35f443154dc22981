"""CLI commands on a finished run: ``ghginv report RUN_DIR [--lang zh|en]`` and ``ghginv targets RUN_DIR``.

Thin over :func:`ghginv.rebuild_reports` and the run's ``targets.parquet``. ``targets`` prints the target table and exits 0 when
every target is met, on track, pending or undetermined (before its deadline) or optional without data; 1 when one is not met or off
track; 2 when a target that is not optional could not be evaluated, or on bad input (for automation).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ._common import RunDir, cli_lang, console, esc, fail, set_lang

__all__ = ["report_cmd", "targets_cmd", "targets_exit_code", "unevaluable"]


def _statuses(targets):
    """The verdict of every row: the ``status`` column, or (run folders written before it) met / on track / no data."""
    if "status" in targets.columns:
        return targets["status"].to_list()
    out = []
    for r in targets.iter_rows(named=True):
        if r["met"] is not None:
            out.append("met" if r["met"] else "not met")
        elif r["on_track"] is not None:
            out.append("on track" if r["on_track"] else "off track")
        else:
            out.append("no data")
    return out


def unevaluable(targets) -> list[dict]:
    """Rows of targets the run could not evaluate that are not ``optional`` (each with its reason)."""
    if targets is None or targets.height == 0:
        return []
    opt = targets["optional"].to_list() if "optional" in targets.columns else [False] * targets.height
    return [r for r, st, o in zip(targets.iter_rows(named=True), _statuses(targets), opt) if st == "no data" and not o]


def targets_exit_code(targets) -> int:
    """2 when a target that is not optional could not be evaluated; else 1 when one is not met or off
    track; else 0 (pending, undetermined and optional no-data targets do not fail)."""
    if targets is None or targets.height == 0:
        return 0
    if unevaluable(targets):
        return 2
    return 1 if any(st in ("not met", "off track") for st in _statuses(targets)) else 0


def report_cmd(
    run_dir: RunDir,
    lang: Annotated[str | None, typer.Option("--lang", help="language of report.html: zh or en (default: the run's)")] = None,
    workbook_detail: Annotated[str | None, typer.Option("--workbook-detail", help="per-region tables of inventory.xlsx: auto (summed over regions when longer than 100,000 rows), full or summed (default: the run's)")] = None,
):
    """Rebuild report.html and inventory.xlsx of a finished run."""
    from ..core.errors import ConfigError, GhgInvError

    try:
        lang = cli_lang(lang)
        if lang is not None and lang not in ("zh", "en"):
            raise ConfigError(f"--lang must be zh or en, got {lang!r}")
        set_lang(lang)
        from .. import rebuild_reports
        from ..core.config import workbook_detail as checked_detail

        out = rebuild_reports(run_dir, lang, None if workbook_detail is None else checked_detail(workbook_detail, "--workbook-detail"))
        from ..core.i18n import cli_text

        print(cli_text("wrote", files=f"{out / 'report.html'} {cli_text('and')} {out / 'inventory.xlsx'}"))
    except GhgInvError as e:
        fail(e)


def targets_cmd(run_dir: RunDir):
    """Print the target table; exit 0 when every target is met, on track or not yet due, 1 when one is not met or off track, 2 when one cannot be evaluated."""
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
    from ..core.i18n import cli_text, label, resolve_lang, translate_note

    lang = resolve_lang()
    t = Table(title=esc(cli_text("t_title", lang, run=run_dir)), title_justify="left")
    for i, c in enumerate(cli_text("t_cols", lang).split("|")):
        t.add_column(c, justify="left" if i in (0, 1, 7) else "right")

    from ..core.rounding import round_half_up  # numpy and polars: imported when a command prints, not for --help

    def f(v, d=2):  # Chinese: no thousands separator (statistical tables)
        return "—" if v is None else f"{round_half_up(v, d):{',' if lang == 'en' else ''}.{d}f}"

    colour = {"met": "green", "on track": "green", "not met": "red", "off track": "red", "pending": "yellow",
              "undetermined": "yellow", "no data": "dim"}
    reasons = []
    for r, st in zip(tg.iter_rows(named=True), _statuses(tg)):
        dig = 4 if "intensity" in r["kind"] else 2
        shown = label("status", st, lang) if lang == "zh" else st.upper() if st in ("not met", "off track") else st
        if r.get("reason"):
            reasons.append(f"{r['target']} ({label('region', r['region'], lang)}), {label('status', st, lang)}: {translate_note(r['reason'], lang)}")
        t.add_row(esc(r["target"]), esc(label("region", r["region"], lang)), f"{r['base_year']}: {f(r['base_value'], dig)}",
                  "—" if r["latest_year"] is None else f"{r['latest_year']}: {f(r['latest_value'], dig)}",
                  f(r["achieved_pct"]), f(r["required_pct"]), f(r["path_required_pct"]), f"[{colour.get(st, 'dim')}]{esc(shown)}[/]", f(r["margin"]))
    out = console()
    out.print(t)
    for line in reasons:
        out.print(esc(line))
    bad = unevaluable(tg)
    if bad:
        names = "; ".join(f"{r['target']!r} ({r['region']})" for r in bad)
        print(f"{cli_text('error', lang)}{'：' if lang == 'zh' else ': '}{cli_text('t_unevaluable', lang, n=len(bad), names=names)}", file=sys.stderr)
    raise typer.Exit(code=targets_exit_code(tg))
