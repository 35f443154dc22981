"""Command line: a thin layer over the Python API.

    ghginv compile INVENTORY.toml [--out DIR]
    ghginv compile --activity PATH --factors SET_OR_DIR [--factors ...] --gwp AR5GWP100 --out DIR
    ghginv factors list | check SET | hash SET [--write]

Bad input prints one clear message (no traceback) and exits with status 2.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help="ghginv — greenhouse gas inventory calculator")
factors_app = typer.Typer(no_args_is_help=True, help="Inspect and maintain factor sets.")
app.add_typer(factors_app, name="factors")


def _console(stderr: bool = False):
    from ._console import console

    return console(stderr)


class _PlainConsole:
    """The summary lines of ``--quiet`` as plain text: without rich (about 0.1 s of imports that a
    quiet run, e.g. a scheduled job or a benchmark, would pay for three lines). Strips the few
    style tags the summary uses and leaves any other bracketed text (a run named "x [draft]")
    as written, where rich would take it for markup."""

    _TAG = re.compile(r"\[/?(?:bold|yellow|bold yellow)?\]")

    def print(self, text: str) -> None:
        sys.stdout.write(self._TAG.sub("", text) + "\n")


def _fail(err: Exception) -> None:
    from ..core.errors import GhgInvError

    sys.stderr.write(f"error: {err}\n")
    raise typer.Exit(code=getattr(err, "exit_code", 2) if isinstance(err, GhgInvError) else 1)


def _given(p: str) -> str:
    """A path or URL from the command line as recorded: a URL as written (no secret allowed,
    :mod:`ghginv.core._fs`), a path made absolute."""
    from ..core._fs import location

    loc = location(p)
    return loc if isinstance(loc, str) else str(loc.absolute())


def _parse_years(text: str | None) -> tuple[int, int] | None:
    from ..core.errors import ConfigError

    if text is None:
        return None
    try:
        if "-" in text or ":" in text:
            a, b = text.replace(":", "-").split("-", 1)
            return (int(a), int(b))
        return (int(text), int(text))
    except ValueError:
        raise ConfigError(f"--years must look like 2020-2024 or 2022, got {text!r}") from None


def _summary(result, out: Path | None, quiet: bool) -> None:
    from ..pipeline.inventory import SYNTHETIC_NOTICE

    if quiet:
        con, esc = _PlainConsole(), str
    else:
        from rich.markup import escape as esc  # names and paths are text, not markup ("x [draft]")

        con = _console()
    cfg = result.config
    if cfg.is_synthetic:
        con.print(f"[bold yellow]{SYNTHETIC_NOTICE}[/]")
    if getattr(result, "sinks", None) is not None and result.sinks.synthetic_sets:
        from ..methods._sink_out import SYNTHETIC_SETS_NOTICE

        con.print(f"[bold yellow]{esc(SYNTHETIC_SETS_NOTICE.format(', '.join(result.sinks.synthetic_sets)))}[/]")
    con.print(f"[bold]{esc(cfg.name)}[/] — GWP {cfg.gwp}, factor sets: {esc(', '.join(s.name + ' ' + s.version for s in result.sets))}")
    stats = result.cube.stats
    con.print(
        f"{stats['rows_read']:,} activity rows -> {stats['cube_cells']:,} cube cells -> "
        f"{result.emissions.height:,} emission rows; stages: "
        + ", ".join(f"{k} {v:.2f}s" for k, v in result.timings.items())
    )
    if quiet:
        return
    import polars as pl
    from rich.table import Table

    inv = result.inventory.filter(pl.col("notation_key").is_null())
    lvl1 = inv.filter(pl.col("level") == 1, pl.col("scope") == "direct").group_by("year", "category", "category_name").agg(pl.col("co2e_t").sum())
    tot = inv.filter(pl.col("level") == 0).group_by("year", "scope").agg(pl.col("co2e_t").sum())
    years = sorted(inv["year"].unique().to_list())
    cats = lvl1.select("category", "category_name").unique().sort("category").rows()

    def val(df, **kw):
        sub = df.filter(**kw)
        return sub["co2e_t"].sum() if sub.height else None

    t = Table(title="Emissions by year, kt CO2e", title_justify="left")
    t.add_column("")
    for y in years:
        t.add_column(str(y), justify="right")

    def fmt(x):
        return "—" if x is None else f"{x / 1000:,.1f}"

    from ..core.categories import category_name
    from ..analysis.notation import sector_keys, summary_line

    skeys = sector_keys(result.inventory)  # sectors 1-5 with no estimate show their notation key (ghginv.analysis.notation)
    for code, name in sorted(set(cats) | {(c, category_name(c)) for c, _ in skeys}):
        t.add_row(f"{code} {name}", *(skeys.get((code, y)) or fmt(val(lvl1, year=y, category=code)) for y in years))
    direct = [val(tot, year=y, scope="direct") for y in years]
    indirect = [val(tot, year=y, scope="indirect") for y in years]
    t.add_row("[bold]Direct emissions (scope 1)[/]", *(fmt(x) for x in direct))
    t.add_row("Indirect, purchased electricity and heat (scope 2)", *(fmt(x) for x in indirect))
    t.add_row(
        "[bold]Direct + indirect[/]",
        *(fmt(None if a is None and b is None else (a or 0) + (b or 0)) for a, b in zip(direct, indirect)),
    )
    from ..methods._sink_out import summary_rows

    for label, vals in summary_rows(result, years):
        t.add_row(label, *(fmt(x) for x in vals))
    memo = [val(tot, year=y, scope="memo") for y in years]
    if any(m is not None for m in memo):
        t.add_row("Memo: biogenic CO2 (not in totals)", *(fmt(x) for x in memo))
    con.print(t)
    fb = result.fallback_years()
    if fb.height:
        lines = fb.group_by("factor_set", "activity", "year", "factor_year").agg().sort("factor_set", "activity", "year")
        con.print(
            "[yellow]year_fallback = nearest:[/] factors taken from another year for "
            + "; ".join(f"{r[1]} {r[2]} (set {r[0]}, factor year {r[3]})" for r in lines.rows())
        )
    if result.cube.notation.height:
        con.print(f"{result.cube.notation.height} categories reported with notation keys (see notation_keys.csv)")
    ref = getattr(result, "reference", None)  # reference approach (ghginv.methods.reference_approach)
    if ref is not None and ref.table.height:
        bad = ref.table.filter(pl.col("flag"), pl.col("fuel") != "TOTAL")
        con.print(f"reference approach: {bad.height} fuel-year(s) differ from the sectoral CO2 by more than {ref.threshold_pct:g} % "
                  "(reference_approach.parquet)" if bad.height else "reference approach: every fuel within "
                  f"{ref.threshold_pct:g} % of the sectoral CO2 (reference_approach.parquet)")
    gap = getattr(result, "gap_filling", None)
    if gap is not None and gap.record.height:
        con.print(f"gap filling: {gap.record.height} activity amount(s) estimated (gap_filling.parquet)")
    if line := summary_line(result.inventory):
        con.print(line)
    if out is not None:
        con.print(f"outputs written to [bold]{esc(str(out))}[/]")


@app.command("compile")
def compile_cmd(
    inventory: Annotated[Optional[Path], typer.Argument(help="inventory TOML (optional with --activity/--factors)")] = None,
    activity: Annotated[Optional[list[str]], typer.Option("--activity", help="activity Parquet file or folder, local or a URL (s3://, gs://, hdfs://, file://, any fsspec protocol); repeatable")] = None,
    factors: Annotated[Optional[list[str]], typer.Option("--factors", help="factor set name or folder, in precedence order (repeatable)")] = None,
    gwp: Annotated[Optional[str], typer.Option(help="GWP set: SARGWP100, AR4GWP100, AR5GWP100, AR6GWP100")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="output folder (written atomically)")] = None,
    years: Annotated[Optional[str], typer.Option(help="year range, e.g. 2020-2024")] = None,
    base_year: Annotated[Optional[int], typer.Option("--base-year", help="base year for indicators (default: the TOML's)")] = None,
    keep_entity: Annotated[Optional[bool], typer.Option("--keep-entity/--no-keep-entity", help="keep entity_id in emissions.parquet")] = None,
    year_fallback: Annotated[Optional[str], typer.Option(help="'none' or 'nearest' (use a set's nearest year outside its coverage)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print only the one-line summary")] = False,
    engine: Annotated[Optional[str], typer.Option("--engine", help="who builds the activity cube: local (default) or dask")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="dask scheduler address (default: a local 2-worker cluster)")] = None,
    sinks: Annotated[Optional[list[str]], typer.Option("--sinks", help="carbon-sink data, CSV or Parquet file or folder, local or a URL (repeatable)")] = None,
    sink_method: Annotated[Optional[str], typer.Option("--sink-method", help="reported forest method: gain_loss or stock_difference")] = None,
    economy: Annotated[Optional[str], typer.Option("--economy", help="economy table (CSV or Parquet: GDP, population), local or a URL, for indicators and targets")] = None,
    lang: Annotated[Optional[str], typer.Option("--lang", help="language of report.html: zh or en")] = None,
    uncertainty: Annotated[bool, typer.Option("--uncertainty", help="write uncertainty.parquet (Approach 1 + Monte Carlo; [uncertainty] settings)")] = False,
    climate_zone: Annotated[Optional[str], typer.Option("--climate-zone", help="landfill first-order decay (4.A): boreal_temperate_dry, boreal_temperate_wet, tropical_dry or tropical_moist_wet ([waste] climate_zone)")] = None,
    notation_keys: Annotated[Optional[Path], typer.Option("--notation-keys", help="CSV of notation keys for categories not estimated: category, gas, key, reason, where ([notation_keys] path)")] = None,
    energy_balance: Annotated[Optional[str], typer.Option("--energy-balance", help="energy balance (CSV or Parquet), local or a URL, for the reference approach ([reference_approach] energy_balance)")] = None,
    no_hash_cache: Annotated[bool, typer.Option("--no-hash-cache", help="read every input to hash it, even when unchanged since an earlier run (GHGINV_HASH_CACHE=0)")] = False,
):
    """Compile an inventory: activity data + factor sets -> emissions and the IPCC inventory."""
    from ..core.errors import ConfigError, GhgInvError

    if no_hash_cache:
        import os

        os.environ["GHGINV_HASH_CACHE"] = "0"  # ghginv.core.hashcache
    try:
        if inventory is None and not ((activity or sinks) and factors):
            raise ConfigError("give an inventory TOML, or --activity and/or --sinks and --factors (and --gwp, --out)")
        sink_opts = {k: v for k, v in (("path", [_given(p) for p in sinks or []] or None), ("method", sink_method)) if v}
        if inventory is None and out is None:
            raise ConfigError("--out DIR is required without an inventory TOML")
        from ..core.config import load_config
        from ..pipeline.inventory import Inventory

        cfg = load_config(
            inventory, activity=activity, factors=factors, gwp=gwp, years=_parse_years(years),
            base_year=base_year, keep_entity=keep_entity, year_fallback=year_fallback,
            engine=engine, scheduler=scheduler,
            extra={k: v for k, v in (("sinks", sink_opts), ("economy", {"path": _given(economy)} if economy else None),
                                      ("report", {"lang": lang} if lang else None),
                                      ("waste", {"climate_zone": climate_zone} if climate_zone else None),
                                      ("notation_keys", {"path": str(notation_keys.absolute())} if notation_keys else None),
                                      ("reference_approach", {"energy_balance": _given(energy_balance)} if energy_balance else None)) if v} or None,
        )
        if uncertainty:
            cfg.extra.setdefault("uncertainty", {})
        if out is None:
            out = Path("out") / inventory.stem
        from ..runfolder import check_output_dir

        check_output_dir(out)
        from ..core.progress import terminal_progress

        bar = terminal_progress(quiet)  # rows/s and ETA on a terminal; None in pipes or with --quiet
        try:
            result = Inventory(cfg, progress=bar).run()
        finally:
            if bar is not None:
                bar.close()
        written = result.write(out)
        _summary(result, written, quiet)
        if result.uncertainty is not None and not quiet:  # the exact (unquantified) inputs are always named
            _console().print(f"uncertainty.parquet: {result.uncertainty.note()}")
    except GhgInvError as e:
        _fail(e)


@factors_app.command("list")
def factors_list():
    """List the factor sets found on the search path."""
    from ..core.config import factor_search_path
    from ..core.errors import GhgInvError
    from ..factors import load_factor_set

    con = _console()
    seen = set()
    for root in factor_search_path():
        if not root.is_dir():
            continue
        for d in sorted(root.iterdir()):
            if (d / "manifest.toml").is_file() and d.name not in seen:
                seen.add(d.name)
                try:
                    fs = load_factor_set(d)
                    con.print(f"{fs.name:28s} {fs.version:10s} {len(fs.rules) + len(fs.sink_rules) + len(fs.waste_rules):5d} rows  {fs.manifest.get('title', '')}  ({d})")
                except GhgInvError as e:
                    con.print(f"{d.name:28s} [red]INVALID[/]: {e.summary}  ({d})")


@factors_app.command("check")
def factors_check(sets: Annotated[list[str], typer.Argument(help="set names or folders")]):
    """Load and verify factor sets (manifest hashes, columns, codes, units, statuses, overlaps)."""
    from ..core.config import resolve_factor_set_path
    from ..core.errors import GhgInvError
    from ..factors import load_factor_set

    try:
        for s in sets:
            fs = load_factor_set(resolve_factor_set_path(s))
            _console().print(f"{fs.name} {fs.version}: OK, {len(fs.rules)} rows, {len(fs.activities)} activities"
                           + (f", {len(fs.sink_rules)} sink parameters" + (" (SYNTHETIC demo values)" if fs.synthetic else "") if fs.sink_rules else "")
                           + (f", {len(fs.waste_rules)} waste parameters" if fs.waste_rules else ""))
    except GhgInvError as e:
        _fail(e)


@factors_app.command("hash")
def factors_hash(
    set_: Annotated[str, typer.Argument(metavar="SET", help="set name or folder")],
    write: Annotated[bool, typer.Option("--write", help="rewrite the [files] hashes in manifest.toml")] = False,
):
    """Print (or write) the sha256 of every data file of a set, after an intended edit."""
    import re

    from ..core.config import resolve_factor_set_path
    from ..core.errors import GhgInvError
    from ..core.hashcache import file_sha256

    try:
        folder = resolve_factor_set_path(set_)
    except GhgInvError as e:
        _fail(e)
    lines = [f'"{p.name}" = "sha256:{file_sha256(p)}"' for p in sorted(folder.glob("*.csv"))]
    if not write:
        print("[files]\n" + "\n".join(lines))
        return
    mpath = folder / "manifest.toml"
    text = mpath.read_text(encoding="utf-8")
    head = re.split(r"(?m)^\[files\]\s*$", text)[0].rstrip() + "\n"
    mpath.write_text(head + "\n[files]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"updated {mpath}")


from .runs import register as _register_runs  # noqa: E402  (commands on runs and factor sets)

_register_runs(app, factors_app)
from .imports import register as _register_import  # noqa: E402  (import, validate)

_register_import(app)
from .report import register as _register_report  # noqa: E402  (report, targets)

_register_report(app)


@app.command("version")
def version():
    """Print the ghginv version."""
    from ..core.version import __version__

    print(__version__)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point."""
    try:
        app(args=argv, prog_name="ghginv", standalone_mode=True)
    except SystemExit as e:
        return int(e.code or 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
