"""``ghginv drill``: one level of the drill-down of a finished run, from a total to the factor rows.

    ghginv drill RUN_DIR [--year 2024] [--sector 1.A.4.b] [--region R] [--entity E] [--activity A] [--scope direct] [--limit 500] [--lang zh] [--json]

Thin over :func:`ghginv.drill_down` and :func:`ghginv.drill_path`: prints the breadcrumb and the level below
the filters as a table (headers in Chinese with ``--lang zh``, from :mod:`ghginv.core.i18n`), or with
``--json`` one JSON object ``{"level", "path", "rows"}`` for scripts.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from ._common import LangOption, RunDir, cli_lang, console, esc, fail, set_lang

__all__ = ["drill_cmd"]


def _num(x, digits: int = 1) -> str:
    return "" if x is None else f"{x:,.{digits}f}"


def drill_cmd(
    run_dir: RunDir,
    year: Annotated[int | None, typer.Option("--year", help="one year (default: every year of the run, each on its own)")] = None,
    sector: Annotated[str | None, typer.Option("--sector", help="IPCC 2006 code (1, 1.A.2, 1.A.4.b); CODE= the rows booked at the code itself")] = None,
    region: Annotated[str | None, typer.Option("--region", help="a region of the run")] = None,
    entity: Annotated[str | None, typer.Option("--entity", help="an entity_id (runs compiled with --keep-entity)")] = None,
    activity: Annotated[str | None, typer.Option("--activity", help="an activity code (natural_gas, electricity …)")] = None,
    scope: Annotated[str | None, typer.Option("--scope", help="direct (default), indirect or memo")] = None,
    limit: Annotated[int, typer.Option("--limit", help="most rows per year; the rest in one 'others' row")] = 500,
    lang: LangOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object {level, path, rows} instead of the table")] = False,
):
    """Drill into a finished run: totals by sector, then sub-categories, regions, entities, activities, factor rows."""
    from ..core.errors import GhgInvError
    from ..core.i18n import LABELS, resolve_lang

    try:
        set_lang(lang)
        from .. import drill_down, drill_path

        filters = {"year": year, "sector": sector, "region": region, "entity": entity, "activity": activity, "scope": scope}
        rows = drill_down(run_dir, limit=limit, **filters)
        path = drill_path(run_dir, **filters)
    except GhgInvError as e:
        fail(e)
        return
    level = rows["level"][0] if rows.height else None
    if as_json:
        out = {"level": level, "path": [{**p, "by_year": {str(k): v for k, v in p["by_year"].items()}} for p in path],
               "rows": rows.to_dicts()}
        sys.stdout.write(json.dumps(out, ensure_ascii=False, default=str) + "\n")
        return
    from rich.table import Table

    lg = resolve_lang(cli_lang(lang))
    zh = 1 if lg == "zh" else 0
    w = LABELS["drill"]

    def word(k: str, **kw) -> str:
        return w[k][zh].format(**kw)

    sc = path[0]["filters"]["scope"]
    crumbs = " > ".join(p[f"label_{lg}"] if p["level"] == "total" else f"{p['key']} {p[f'label_{lg}']}".strip() if p["level"] == "sector"
                        else p[f"label_{lg}"] for p in path)
    title = word("title", run=run_dir, level=word(f"level_{level}") if level else "—", scope=word(f"scope_{sc}"))
    t = Table(title=esc(title), title_justify="left", caption=esc(word("path", path=crumbs)), caption_justify="left")
    cols = [("col_year", "right"), ("col_key", "left"), ("col_label", "left"), ("col_co2e", "right"), ("col_share", "right")]
    if level == "activity":
        cols += [("col_amount", "right"), ("col_unit", "left")]
    if level == "factor":
        cols += [("col_value", "right"), ("col_unit", "left"), ("col_set", "left"), ("col_status", "left"), ("col_source", "left"),
                 ("col_locator", "left")]
    for k, j in cols:
        t.add_column(word(k), justify=j, overflow="fold")
    for r in rows.iter_rows(named=True):
        cells = [str(r["year"]), esc(r["key"] if r["key"] is not None else ""), esc(r[f"label_{lg}"]), _num(r["co2e_t"]),
                 _num(None if r["share"] is None else 100 * r["share"])]
        if level == "activity":
            cells += [_num(r.get("amount"), 2), esc(r.get("amount_unit") or "")]
        if level == "factor":
            cells += [f"{r['value']:g}" if r.get("value") is not None else "", esc(r.get("unit") or ""),
                      esc(f"{r.get('factor_set') or ''} {r.get('set_version') or ''}".strip()), esc(r.get("status") or ""),
                      esc(r.get("source") or ""), esc(r.get("source_locator") or "")]
        t.add_row(*cells)
    console(soft_wrap=False).print(t)
