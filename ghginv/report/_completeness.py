"""Completeness table of the reports: reporting categories × the seven gases, each cell the
estimate (direct emissions, all regions) or its notation key (:mod:`ghginv.analysis.notation`), then
the memo items (international bunkers, 2006 IPCC GL Vol 1 Ch 8 Table 8.2) under their own heading."""

from __future__ import annotations

from html import escape

from ..analysis.notation import GASES, MEMO
from ..core.i18n import XLSX_COLUMNS, text
from . import svg
from ._fastrows import write_cells
from ._sheets import sheet_head, sheet_parts, split_note
from .data import ReportData
from .i18n import category_label, pick

__all__ = ["completeness_section", "completeness_sheet"]

_T = {
    "title": ("Completeness: categories × gases", "完整性：类别 × 气体"),
    "caption": ("{y}, direct emissions of all regions, kt CO2e; a notation key where the run has no estimate; "
                "blank: the gas does not occur in the category (2006 IPCC GL)",
                "{y}年，全部地区的直接排放，万吨二氧化碳当量；本次核算未估算之处给出注释键；空白：该类别不排放该气体（2006 IPCC 指南）"),
    "keys": ("NE not estimated, NO not occurring, NA not applicable, IE included elsewhere, C confidential",
             "NE 未估算，NO 未发生，NA 不适用，IE 已计入其他类别，C 保密"),
    "user": ("Notation keys given in the inventory", "清单中给定的注释键"),
    "where": ("included in", "计入"),
}


def _t(key: str, lang: str, **kw) -> str:
    return pick(_T, key, lang, **kw)


def _cell(row: dict, gas: str, lang: str = "en") -> str:
    v, k = row[f"{gas}_co2e_t"], row[f"{gas}_key"]
    if v is not None:
        return svg.fmt_num(v / 1e4, 2, group=False) if lang == "zh" else svg.fmt_num(v / 1000, 2)
    return f'<span class="na">{escape(k)}</span>' if k else ""


def completeness_section(d: ReportData, lang: str = "en") -> str:
    """The HTML section (heading, table for the last year, the user's keys with reasons)."""
    inv = d.inventory
    if inv.height == 0:
        return ""
    tab = d.completeness()
    year = tab["year"][0]
    head = "".join(f"<th>{escape(g)}</th>" for g in GASES)
    body = []
    for r in tab.iter_rows(named=True):
        if r["category"] == MEMO[0]:  # the memo items come last, both together (completeness_table)
            body.append(f'<tr class="memo-head"><td class="l" colspan="{len(GASES) + 1}"><b>{escape(text("completeness_memo", lang))}</b></td></tr>')
        label = escape(category_label(r["category"], lang, r["category_name"]))
        if r["level"] <= 1 or r["category"] == "1.A":
            label = f"<b>{label}</b>"
        tr = '<tr class="memo">' if r["category"] in MEMO else "<tr>"
        body.append(f'{tr}<td class="l">{label}</td>' + "".join(f"<td>{_cell(r, g, lang)}</td>" for g in GASES) + "</tr>")
    out = [f"<h2>{escape(_t('title', lang))}</h2>",
           f'<table><caption class="small">{escape(_t("caption", lang, y=year))}</caption><tr><th class="l">IPCC</th>{head}</tr>{"".join(body)}</table>',
           f'<p class="small">{escape(_t("keys", lang))}</p>']
    user = (d.manifest.get("completeness") or {}).get("user_keys") or []
    if user:
        items = "".join(
            f"<li>{escape(u['category'])}{' ' + escape(u['gas']) if u.get('gas') not in (None, 'ALL') else ''}: <b>{escape(u['key'])}</b>"
            + (f" — {escape(_t('where', lang))} {escape(u['where'])}" if u.get("where") else "")
            + (f" — <span translate=\"no\">{escape(u['reason'])}</span>" if u.get("reason") else "") + "</li>" for u in user)
        out.append(f"<h3>{escape(_t('user', lang))}</h3><ul>{items}</ul>")
    return "\n".join(out)


def completeness_sheet(wb, d: ReportData, fmt_num, fmt_head, note: str | None = None, splits: list[dict] | None = None,
                       lang: str = "en") -> None:
    """Sheet "Completeness" (完整性 with ``lang = "zh"``, heads and category names in Chinese): every year × reporting
    category, per gas t CO2e (a number) or the key; continued on "Completeness (2)" … when longer than one sheet holds
    (:mod:`ghginv.report._sheets`, the split appended to ``splits``)."""
    from ._xlsx_zh import category_zh, column_head, sheet_name

    zh = lang == "zh"
    gas_head = XLSX_COLUMNS["completeness_gas"][1 if zh else 0]
    cols = ([column_head("Completeness", c) for c in ("year", "category", "category_name")] if zh
            else ["year", "category", "category_name"]) + [gas_head.format(g=g) for g in GASES]
    name_head = cols[2]
    years = d.completeness_years()
    rows = [(y, r) for y in years for r in d.completeness(y).iter_rows(named=True)]
    parts = sheet_parts(sheet_name("Completeness", lang), len(rows), note)
    for part, start, stop in parts:
        ws, r0 = sheet_head(wb, part, note, cols, fmt_head, lambda c: 40 if c == name_head else 14)
        part_rows = rows[start:stop]
        # the cells column by column (ghginv.report._fastrows.write_cells: the same bytes as one by one, about a third
        # of the time of xlsxwriter's cell objects), else one by one
        names = [category_zh(r["category"], r["category_name"]) if zh else r["category_name"] for _, r in part_rows]
        by_column = [("int", [y for y, _ in part_rows]), ("str", [r["category"] for _, r in part_rows]), ("str", names)]
        by_column += [("mixed", [r[f"{g}_co2e_t"] if r[f"{g}_co2e_t"] is not None else r[f"{g}_key"] or None for _, r in part_rows])
                      for g in GASES]
        texts_set = None not in by_column[1][1] and None not in names  # (a missing name: written one by one, as before)
        if not (texts_set and write_cells(ws, by_column, r0 + 1, r0, fmt_num)):
            for i, (y, r) in enumerate(part_rows, start=r0 + 1):
                ws.write_number(i, 0, y)
                ws.write_string(i, 1, r["category"])
                ws.write_string(i, 2, names[i - r0 - 1])
                for j, g in enumerate(GASES, start=3):
                    if r[f"{g}_co2e_t"] is not None:
                        ws.write_number(i, j, r[f"{g}_co2e_t"], fmt_num)
                    elif r[f"{g}_key"]:
                        ws.write_string(i, j, r[f"{g}_key"])
        ws.freeze_panes(r0 + 1, 3)
    rec = split_note(parts)
    if rec is not None and splits is not None:
        splits.append(rec)
