"""Commands ``ghginv import`` (ledger -> activity Parquet) and ``ghginv validate`` (check inputs).

    ghginv import LEDGER… --mapping MAPPING.toml --out OUT.parquet [--skip-unmapped] [--strict] [--sheets GLOB] [--quiet]
    ghginv import --draft-mapping SAMPLE.xlsx > mapping.toml
    ghginv validate [INVENTORY.toml] [--activity PATH …] [--factors SET …] [compile's options] [--format table|json]

Thin over :func:`ghginv.import_ledger` and :func:`ghginv.validate_inputs` (whose report is
printed here as a table, or as JSON).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ._common import Years, console, esc, fail, parse_years

__all__ = ["import_cmd", "validate_cmd", "print_validation"]


def import_cmd(
    ledgers: Annotated[list[str] | None, typer.Argument(help="ledger files (.xlsx, .csv: UTF-8, UTF-8 BOM, GBK/GB18030), folders and globs ('ledgers/2024/*.xlsx')", show_default=False)] = None,
    mapping: Annotated[Path | None, typer.Option("--mapping", help="mapping TOML (see ghginv/data/demo/ledgers/)")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="activity Parquet file to write (atomically), with OUT.provenance.parquet beside it")] = None,
    skip_unmapped: Annotated[bool, typer.Option("--skip-unmapped", help="leave out rows the mapping does not cover (counted) instead of failing")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="every unmapped row/column, identity warning and unverified total row is an error")] = False,
    sheets: Annotated[str | None, typer.Option("--sheets", help="glob of the sheets to read in every workbook ('*': all); default: the mapping's")] = None,
    draft: Annotated[Path | None, typer.Option("--draft-mapping", help="print a mapping drafted from this sample form (review it, then use it with --mapping)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="no progress bar; print only the one-line summary")] = False,
):
    """Import a statistics ledger (e.g. form 205-1, an energy balance table) as activity Parquet: files, folders and globs, every sheet, one mapping."""
    from .. import draft_mapping, import_ledger
    from ..core.errors import ConfigError, GhgInvError
    from ..core.progress import terminal_file_progress

    if draft is not None:
        try:
            if ledgers or mapping or out:
                raise ConfigError("--draft-mapping SAMPLE prints a mapping: give no ledger, --mapping or --out with it")
            text = draft_mapping(draft, sheets)
        except GhgInvError as e:
            fail(e)
        sys.stdout.write(text)
        return
    bar = None
    try:
        if not ledgers:
            raise ConfigError("give the ledger files, folders or globs to import (or --draft-mapping SAMPLE)")
        if mapping is None or out is None:
            raise ConfigError("give --mapping MAPPING.toml and --out OUT.parquet (draft a mapping with --draft-mapping SAMPLE.xlsx)")
        bar = terminal_file_progress(quiet)
        rep = import_ledger(ledgers if len(ledgers) > 1 else ledgers[0], mapping, out, skip_unmapped=skip_unmapped,
                            strict=strict, sheets=sheets, progress=bar)
    except GhgInvError as e:
        if bar is not None:
            bar.close()
        fail(e)
    if bar is not None:
        bar.close()
    s = rep.stats
    ok = sum(1 for c in rep.checks if c["ok"] and not c.get("warn"))
    n_checks = sum(1 for c in rep.checks if not c.get("warn"))
    synthetic = any("synthetic" in f.name.lower() for f in rep.files)
    if quiet:
        print(f"{len(rep.files)} file(s), {rep.sheets} sheet(s), {s.get('blocks', 0)} form(s) -> {rep.rows_written} activity rows; "
              f"checks {ok}/{n_checks} passed; {len(rep.warnings)} warning(s); written to {out}"
              + ("  [SYNTHETIC]" if synthetic else ""))
        return
    con = console()
    if synthetic:
        con.print("[bold yellow]SYNTHETIC EXAMPLE LEDGER — not official statistics[/]")
    where = str(rep.files[0]) if len(rep.files) == 1 else f"{len(rep.files)} files, {rep.sheets} sheets, {s.get('blocks', 0)} forms"
    con.print(esc(
        f"{where}: {s.get('data_rows', 0)} data rows -> {rep.rows_written} activity rows "
        f"({s.get('total', 0)} total rows checked, {s.get('skip', 0)} left out by the mapping, "
        f"{s.get('blank_cells', 0)} blank cells, {s.get('blank_rows', 0)} blank rows)"
        + (f"; encoding {rep.encoding}" if rep.encoding else "")
    ))
    con.print(f"checks: {ok} of {n_checks} passed (sub-items and totals verified per form, never added)")
    if s.get("unverified_total_rows"):
        rows = s["unverified_total_rows"]
        con.print(f"[yellow]{esc('total rows not verified (no [[checks]] entry):')} {esc(', '.join(map(str, rows[:10])))}"
                  + (f" … ({len(rows)} in all)" if len(rows) > 10 else "") + "[/]")
    if rep.warnings:
        con.print(f"[yellow]{len(rep.warnings)} warning(s) (form identities beyond their tolerance; errors with --strict):[/]")
        for w in rep.warnings[:20]:
            con.print(f"  - {w.render()}", markup=False)
        if len(rep.warnings) > 20:
            con.print(f"  … and {len(rep.warnings) - 20} more (all in the Parquet file's metadata)")
    if rep.unmapped:
        con.print(f"[yellow]--skip-unmapped: {rep.unmapped} unmapped row(s)/column(s) left out:[/]")
        for p in rep.unmapped_problems[:20]:
            con.print(f"  - {p.render()}", markup=False)
    con.print(f"written to [bold]{esc(out)}[/] (where each row came from: [bold]{esc(rep.provenance)}[/])")


def validate_cmd(
    inventory: Annotated[Path | None, typer.Argument(help="inventory TOML (optional with --activity/--factors)")] = None,
    activity: Annotated[list[str] | None, typer.Option("--activity", help="activity Parquet file or folder, local or a URL (s3://, hdfs://, file:// …); repeatable")] = None,
    factors: Annotated[list[str] | None, typer.Option("--factors", help="factor set name or folder (repeatable)")] = None,
    years: Years = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
    gwp: Annotated[str | None, typer.Option(help="GWP set, as for compile")] = None,
    base_year: Annotated[int | None, typer.Option("--base-year", help="base year for indicators, as for compile")] = None,
    year_fallback: Annotated[str | None, typer.Option(help="'none' or 'nearest', as for compile")] = None,
    sinks: Annotated[list[str] | None, typer.Option("--sinks", help="carbon-sink data, as for compile (repeatable)")] = None,
    sink_method: Annotated[str | None, typer.Option("--sink-method", help="gain_loss or stock_difference")] = None,
    economy: Annotated[str | None, typer.Option("--economy", help="economy table, as for compile")] = None,
    climate_zone: Annotated[str | None, typer.Option("--climate-zone", help="landfill climate zone, as for compile")] = None,
    notation_keys: Annotated[Path | None, typer.Option("--notation-keys", help="CSV of notation keys, as for compile")] = None,
    energy_balance: Annotated[str | None, typer.Option("--energy-balance", help="energy balance, as for compile")] = None,
    uncertainty: Annotated[bool, typer.Option("--uncertainty", help="check the uncertainty settings, as for compile")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="an unknown column in a factor set's CSV is an error, as for compile")] = False,
):
    """Run every check of compile (same stages, same options), compute no results, write nothing: exit 0 exactly when compile would succeed, 2 otherwise."""
    from .. import validate_inputs
    from ..core.errors import ConfigError, GhgInvError
    from .compile import config_options

    try:
        if fmt not in ("table", "json"):
            raise ConfigError(f"--format must be 'table' or 'json', got {fmt!r}")
        if inventory is None and not (activity or factors or sinks):
            raise ConfigError("give an inventory TOML, or --activity and/or --factors")
        opts = config_options(gwp=gwp, base_year=base_year, year_fallback=year_fallback, sinks=sinks, sink_method=sink_method,
                              economy=economy, climate_zone=climate_zone, notation_keys=notation_keys,
                              energy_balance=energy_balance, uncertainty=uncertainty, strict=strict)
        report = validate_inputs(inventory, activity=activity, factors=factors, years=parse_years(years), options=opts)
    except GhgInvError as e:
        fail(e)
    if fmt == "json":
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print_validation(report)
    raise typer.Exit(code=0 if report.ok else 2)


def print_validation(report) -> None:
    """Print the report of :func:`ghginv.validate_inputs` as a human table (rich)."""
    from rich.table import Table

    con = console()
    t = Table(title="ghginv validate", title_justify="left")
    for c in ("input", "target", "result", "summary"):
        t.add_column(c)
    for c in report.checks:
        t.add_row(esc(c.kind), esc(c.target), "[green]OK[/]" if c.ok else "[red]FAIL[/]", esc(c.summary))
    con.print(t)
    for c in report.checks:
        for w in c.warnings:  # an unknown column of a factor set: ignored (an error with --strict)
            con.print(f"[bold yellow]warning:[/] {esc(w)}")
        if not c.ok:
            con.print(f"[red]{esc(c.kind)} {esc(c.target)}[/]:")
            for p in c.problems:
                con.print(f"  - {p}", markup=False)
    con.print("[green]all inputs valid[/]" if report.ok else "[red]inputs have problems: nothing was computed[/]")
