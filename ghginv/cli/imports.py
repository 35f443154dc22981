"""Commands ``ghginv import`` (ledger -> activity Parquet) and ``ghginv validate`` (check inputs).

    ghginv import LEDGER --mapping MAPPING.toml --out OUT.parquet [--skip-unmapped]
    ghginv validate [INVENTORY.toml] [--activity PATH …] [--factors SET …] [--format table|json]

Registered on the main app by :func:`register`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer


def register(app: typer.Typer) -> None:
    app.command("import")(import_cmd)
    app.command("validate")(validate_cmd)


def _fail(err: Exception) -> None:
    sys.stderr.write(f"error: {err}\n")
    raise typer.Exit(code=getattr(err, "exit_code", 2))


def import_cmd(
    ledger: Annotated[Path, typer.Argument(help="the ledger: .csv (UTF-8, UTF-8 BOM, GBK/GB18030) or .xlsx")],
    mapping: Annotated[Path, typer.Option("--mapping", help="mapping TOML (see examples/ledgers/)")],
    out: Annotated[Path, typer.Option("--out", help="activity Parquet file to write (atomically)")],
    skip_unmapped: Annotated[bool, typer.Option("--skip-unmapped", help="leave out rows the mapping does not cover (counted) instead of failing")] = False,
):
    """Import a statistics ledger (e.g. form 205-1, an energy balance table) as activity Parquet."""
    from ._console import console

    from ..core.errors import GhgInvError
    from ..inputs.importer import import_ledger

    try:
        rep = import_ledger(ledger, mapping, out, skip_unmapped=skip_unmapped)
    except GhgInvError as e:
        _fail(e)
    con = console()
    if "synthetic" in ledger.name.lower():
        con.print("[bold yellow]SYNTHETIC EXAMPLE LEDGER — not official statistics[/]")
    s = rep.stats
    con.print(
        f"{ledger}: {s.get('data_rows', 0)} data rows -> {rep.rows_written} activity rows "
        f"({s.get('total', 0)} total rows checked, {s.get('skip', 0)} left out by the mapping, "
        f"{s.get('blank_cells', 0)} blank cells, {s.get('blank_rows', 0)} blank rows)"
        + (f"; encoding {rep.encoding}" if rep.encoding else "")
    )
    ok = sum(1 for c in rep.checks if c["ok"])
    con.print(f"checks: {ok} of {len(rep.checks)} passed (sub-items and totals verified, never added)")
    if s.get("unverified_total_rows"):
        con.print(f"[yellow]total rows not verified (no [[checks]] entry): sheet rows {s['unverified_total_rows']}[/]")
    if rep.unmapped:
        con.print(f"[yellow]--skip-unmapped: {rep.unmapped} unmapped row(s)/column(s) left out (listed in the file's metadata)[/]")
    con.print(f"written to [bold]{out}[/]")


def validate_cmd(
    inventory: Annotated[Optional[Path], typer.Argument(help="inventory TOML (optional with --activity/--factors)")] = None,
    activity: Annotated[Optional[list[str]], typer.Option("--activity", help="activity Parquet file or folder, local or a URL (s3://, hdfs://, file:// …); repeatable")] = None,
    factors: Annotated[Optional[list[str]], typer.Option("--factors", help="factor set name or folder (repeatable)")] = None,
    years: Annotated[Optional[str], typer.Option(help="year range, e.g. 2020-2024")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table or json")] = "table",
):
    """Check an inventory TOML, factor sets and activity data without computing (exit 0 valid, 2 not)."""
    from ..pipeline.checks import render_table, validate_inputs
    from .app import _parse_years
    from ..core.errors import ConfigError, GhgInvError

    try:
        if fmt not in ("table", "json"):
            raise ConfigError(f"--format must be 'table' or 'json', got {fmt!r}")
        if inventory is None and not (activity or factors):
            raise ConfigError("give an inventory TOML, or --activity and/or --factors")
        report = validate_inputs(inventory, activity=activity, factors=factors, years=_parse_years(years))
    except GhgInvError as e:
        _fail(e)
    if fmt == "json":
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        render_table(report)
    raise typer.Exit(code=0 if report.ok else 2)
