"""``ghginv compile``: activity data + factor sets -> emissions, the IPCC inventory and its outputs.

    ghginv compile INVENTORY.toml [--out DIR] [--workbook-detail auto|full|summed]
    ghginv compile --activity PATH --factors SET_OR_DIR [--factors ...] --gwp AR5GWP100 --out DIR

Thin over :class:`ghginv.Inventory`; the summary it prints is :func:`ghginv.inventory_summary`,
formatted here (also for ``ghginv recompute``). Bad input prints one clear message (no
traceback) and exits with status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._common import PlainConsole, Years, cli_lang, console, fail, parse_years, set_lang

__all__ = ["compile_cmd", "print_summary", "config_options"]


def config_options(*, gwp=None, base_year=None, keep_entity=None, year_fallback=None, engine=None, scheduler=None,
                   sinks=None, sink_method=None, economy=None, lang=None, uncertainty=False, climate_zone=None,
                   notation_keys: Path | None = None, energy_balance=None, strict: bool = False, workbook_detail=None) -> dict:
    """The keyword arguments of :func:`ghginv.load_config` for ``compile``'s options (``validate``
    takes the same, so both build the same configuration): None leaves the TOML's value; ``strict``
    (``--strict``) makes an unknown factor-set column an error (``[factors] strict``); ``workbook_detail``
    (``--workbook-detail``) is ``[report] workbook_detail``, checked here."""
    from ..core.config import given_location
    from ..core.config import workbook_detail as checked_detail

    report = {**({"lang": lang} if lang else {}),
              **({"workbook_detail": checked_detail(workbook_detail, "--workbook-detail")} if workbook_detail is not None else {})}

    sink_opts = {k: v for k, v in (("path", [given_location(p) for p in sinks or []] or None), ("method", sink_method)) if v}
    extra = {k: v for k, v in (("sinks", sink_opts), ("economy", {"path": given_location(economy)} if economy else None),
                                ("report", report or None),
                                ("waste", {"climate_zone": climate_zone} if climate_zone else None),
                                ("notation_keys", {"path": str(Path(notation_keys).absolute())} if notation_keys else None),
                                ("reference_approach", {"energy_balance": given_location(energy_balance)} if energy_balance else None)) if v}
    if uncertainty:
        extra["uncertainty"] = {}  # merged with the TOML's [uncertainty] table, if any
    opts = {"gwp": gwp, "base_year": base_year, "keep_entity": keep_entity, "year_fallback": year_fallback,
            "engine": engine, "scheduler": scheduler, "extra": extra or None, "strict_factors": True if strict else None}
    return {k: v for k, v in opts.items() if v is not None}


def print_summary(result, out: Path | None, quiet: bool) -> None:
    """Print the summary of a compiled or recomputed inventory (:func:`ghginv.inventory_summary`):
    with ``quiet`` only its header lines, as plain text."""
    from .. import inventory_summary
    from ..core.i18n import category_label, cli_text, label, resolve_lang, translate_message, translate_note

    lang = resolve_lang()  # --lang (global or of the command) or GHGINV_LANG
    if quiet:
        con, esc = PlainConsole(), str
    else:
        from rich.markup import escape as esc  # names and paths are text, not markup ("x [draft]")

        con = console()
    s = inventory_summary(result, table=not quiet)
    for notice in s.notices:
        con.print(f"[bold yellow]{esc(translate_note(notice, lang))}[/]")
    con.print(f"[bold]{esc(s.name)}[/]" + esc(cli_text("head", lang, name="", gwp=s.gwp, sets=", ".join(s.factor_sets))))
    sep = "," if lang == "en" else ""
    con.print(cli_text("rows", lang, a=f"{s.rows_read:{sep}}", c=f"{s.cube_cells:{sep}}", e=f"{s.emission_rows:{sep}}",
                       stages=", ".join(f"{label('stage', k, lang)} {v:.2f}s" for k, v in s.timings.items())))
    for w in s.warnings:  # a base-year factor taken from another year, an unknown column of a factor set
        con.print(f"[bold yellow]{cli_text('warning', lang)}{'：' if lang == 'zh' else ': '}[/]{esc(translate_message(w, lang))}")
    if quiet:
        return
    from rich.table import Table

    t = Table(title=cli_text("table_title", lang), title_justify="left")
    t.add_column("")
    for y in s.years:
        t.add_column(str(y), justify="right")

    from ..core.rounding import round_half_up  # numpy and polars: imported when a command prints, not for --help

    def fmt(x):  # a str is a notation key; Chinese: 万吨, two decimals, no thousands separator (statistical tables)
        return "—" if x is None else x if isinstance(x, str) else f"{x / 1000:,.1f}" if lang == "en" else f"{round_half_up(x / 1e4, 2):.2f}"

    def row_label(text: str) -> str:
        code = text.split(" ", 1)[0]
        if lang == "zh" and code[:1].isdigit():
            return category_label(code, lang, text[len(code) + 1:])
        return label("summary_row", text, lang)

    for row in s.rows:
        name = esc(row_label(row.label))
        t.add_row(f"[bold]{name}[/]" if row.bold else name, *(fmt(x) for x in row.values))
    con.print(t)
    if s.fallback:
        con.print(esc(cli_text("fallback", lang, items="; ".join(cli_text("fallback_item", lang, activity=label("activity", r[1], lang), year=r[2],
                                                                            set=r[0], fy=r[3]) for r in s.fallback))))
    if s.notation_categories:
        con.print(cli_text("notation_count", lang, n=s.notation_categories))
    if s.reference is not None:
        bad, threshold_pct = s.reference
        con.print(cli_text("ref_bad", lang, n=bad, th=f"{threshold_pct:g}") if bad else cli_text("ref_ok", lang, th=f"{threshold_pct:g}"))
    if s.gap_filled:
        con.print(cli_text("gap_filled", lang, n=s.gap_filled))
    if s.completeness:
        con.print(esc(translate_note(s.completeness, lang)))
    if out is not None:
        con.print(cli_text("outputs", lang, path=f"[bold]{esc(str(out))}[/]"))


def compile_cmd(
    inventory: Annotated[Path | None, typer.Argument(help="inventory TOML (optional with --activity/--factors)")] = None,
    activity: Annotated[list[str] | None, typer.Option("--activity", help="activity Parquet file or folder, local or a URL (s3://, gs://, hdfs://, file://, any fsspec protocol); repeatable")] = None,
    factors: Annotated[list[str] | None, typer.Option("--factors", help="factor set name or folder, in precedence order (repeatable)")] = None,
    gwp: Annotated[str | None, typer.Option(help="GWP set: SARGWP100, AR4GWP100, AR5GWP100, AR6GWP100, AR6GWP100_CH4FNF (AR6 with fossil / non-fossil CH4)")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="output folder (written atomically)")] = None,
    years: Years = None,
    base_year: Annotated[int | None, typer.Option("--base-year", help="base year for indicators (default: the TOML's)")] = None,
    keep_entity: Annotated[bool | None, typer.Option("--keep-entity/--no-keep-entity", help="keep entity_id in emissions.parquet")] = None,
    year_fallback: Annotated[str | None, typer.Option(help="'none' or 'nearest' (use a set's nearest year outside its coverage)")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="print only the one-line summary")] = False,
    engine: Annotated[str | None, typer.Option("--engine", help="who builds the activity cube: local (default) or dask")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="dask scheduler address (default: a local 2-worker cluster)")] = None,
    sinks: Annotated[list[str] | None, typer.Option("--sinks", help="carbon-sink data, CSV or Parquet file or folder, local or a URL (repeatable)")] = None,
    sink_method: Annotated[str | None, typer.Option("--sink-method", help="reported forest method: gain_loss or stock_difference")] = None,
    economy: Annotated[str | None, typer.Option("--economy", help="economy table (CSV or Parquet: GDP, population), local or a URL, for indicators and targets")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="language of report.html and of this command's output: zh or en")] = None,
    uncertainty: Annotated[bool, typer.Option("--uncertainty", help="write uncertainty.parquet (Approach 1 + Monte Carlo; [uncertainty] settings)")] = False,
    climate_zone: Annotated[str | None, typer.Option("--climate-zone", help="landfill first-order decay (4.A): boreal_temperate_dry, boreal_temperate_wet, tropical_dry or tropical_moist_wet ([waste] climate_zone)")] = None,
    notation_keys: Annotated[Path | None, typer.Option("--notation-keys", help="CSV of notation keys for categories not estimated: category, gas, key, reason, where ([notation_keys] path)")] = None,
    energy_balance: Annotated[str | None, typer.Option("--energy-balance", help="energy balance (CSV or Parquet), local or a URL, for the reference approach ([reference_approach] energy_balance)")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="a column of a factor set's CSV that no reader takes (a misspelt uncertainty_pc) is an error, not a warning ([factors] strict = true)")] = False,
    no_hash_cache: Annotated[bool, typer.Option("--no-hash-cache", help="read every input to hash it, even when unchanged since an earlier run (GHGINV_HASH_CACHE=0)")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="read every activity file, even one whose cube an earlier run cached, and cache nothing (GHGINV_CACHE=0)")] = False,
    workbook_detail: Annotated[str | None, typer.Option("--workbook-detail", help="per-region tables of inventory.xlsx: auto (summed over regions when longer than 100,000 rows; default), full or summed ([report] workbook_detail); every row stays in inventory.parquet / .csv")] = None,
):
    """Compile an inventory: activity data + factor sets -> emissions and the IPCC inventory."""
    from ..core.errors import ConfigError, GhgInvError

    if no_hash_cache:
        import os

        os.environ["GHGINV_HASH_CACHE"] = "0"  # ghginv.core.hashcache
    if no_cache:
        import os

        os.environ["GHGINV_CACHE"] = "0"  # ghginv.core.cubecache
    try:
        lang = cli_lang(lang)
        set_lang(lang)  # the summary in the report's language
        if inventory is None and not ((activity or sinks) and factors):
            raise ConfigError("give an inventory TOML, or --activity and/or --sinks and --factors (and --gwp, --out)")
        if inventory is None and out is None:
            raise ConfigError("--out DIR is required without an inventory TOML")
        from .. import Inventory, load_config

        cfg = load_config(inventory, activity=activity, factors=factors, years=parse_years(years),
                          **config_options(gwp=gwp, base_year=base_year, keep_entity=keep_entity, year_fallback=year_fallback,
                                           engine=engine, scheduler=scheduler, sinks=sinks, sink_method=sink_method,
                                           economy=economy, lang=lang, uncertainty=uncertainty, climate_zone=climate_zone,
                                           notation_keys=notation_keys, energy_balance=energy_balance, strict=strict,
                                           workbook_detail=workbook_detail))
        if out is None:
            out = Path("out") / inventory.stem
        from ..runfolder import check_output_dir, check_output_run

        check_output_run(out, cfg.input_paths())  # never an input folder, never inside another run
        check_output_dir(out)
        from ..core.progress import terminal_progress

        bar = terminal_progress(quiet)  # rows/s and ETA on a terminal; None in pipes or with --quiet
        try:
            result = Inventory(cfg, progress=bar).run()
        finally:
            if bar is not None:
                bar.close()
        written = result.write(out)
        print_summary(result, written, quiet)
        if result.uncertainty is not None and not quiet:  # the exact (unquantified) inputs are always named
            console().print(f"uncertainty.parquet: {result.uncertainty.note()}")
    except GhgInvError as e:
        fail(e)
