"""The "Key categories" section of report.html and its XLSX sheet (2006 IPCC GL Vol 1 Ch 4).

From ``key_categories.parquet`` (:mod:`ghginv.analysis.key_categories`): for the latest year, the level assessment
(Eq 4.1) and the trend assessment against the base year (Eq 4.2), Approach 1 (key until 95 %
cumulative) and, when the run has an uncertainty analysis, Approach 2 (weighted by uncertainty,
key until 90 %). Each table lists the key categories in rank order; the count of the others
follows. The whole table, every year, is in the Parquet file and the XLSX sheet.
"""

from __future__ import annotations

from html import escape

import polars as pl

from .i18n import category_label, num, pick

__all__ = ["keycat_section", "keycat_sheet_frame"]

_T = {
    "title": ("Key categories", "关键类别"),
    "method": ("Categories at depth {depth} of the IPCC tree, per gas, whole area, direct emissions and removals (removals by "
               "absolute value). Level: share of the year's total (Eq 4.1); trend: contribution to the change since the base "
               "year (Eq 4.2). Approach 1: key until the cumulative share reaches 95 %; Approach 2: shares weighted by the "
               "category's uncertainty, key until 90 % (2006 IPCC GL Vol 1 Ch 4).",
               "按 IPCC 类别树第 {depth} 层、分气体、全区域的直接排放和吸收（吸收取绝对值）。水平评估：占当年总量的份额（式 4.1）；"
               "趋势评估：对基准年以来变化的贡献（式 4.2）。方法 1：累计份额达到 95 % 前的类别为关键类别；方法 2：按不确定性加权，"
               "累计达到 90 %（2006 IPCC 指南 第 1 卷 第 4 章）。"),
    "level": ("Level assessment, {y}", "水平评估，{y} 年"),
    "trend": ("Trend assessment, {y} against {b}", "趋势评估，{y} 年相对 {b} 年"),
    "level_approach2": ("Level assessment, Approach 2 (uncertainty-weighted), {y}", "水平评估，方法 2（按不确定性加权），{y} 年"),
    "trend_approach2": ("Trend assessment, Approach 2 (uncertainty-weighted), {y} against {b}",
                        "趋势评估，方法 2（按不确定性加权），{y} 年相对 {b} 年"),
    "rank": ("Rank", "排序"), "category": ("Category", "类别"), "name": ("Name", "名称"), "gas": ("Gas", "气体"),
    "value": ("t CO2e", "吨CO2e"), "base": ("Base year t CO2e", "基准年 吨CO2e"), "share": ("Share %", "份额 %"),
    "cum": ("Cumulative %", "累计 %"), "unc": ("Uncertainty %", "不确定性 %"),
    "others": ("{n} further categories are not key (see key_categories.parquet).", "另有 {n} 个类别不是关键类别（见 key_categories.parquet）。"),
}
_ORDER = ("level", "trend", "level_approach2", "trend_approach2")


def _t(key: str, lang: str, **kw) -> str:
    return pick(_T, key, lang, **kw)


def _table(sub: pl.DataFrame, assessment: str, lang: str) -> str:
    trend = assessment.startswith("trend")
    a2 = assessment.endswith("approach2")
    keys = ["rank", "category", "name", "gas", "value"] + (["base"] if trend else []) + ["share", "cum"] + (["unc"] if a2 else [])
    head = "".join(f'<th class="{"l" if k in ("category", "name", "gas") else ""}">{escape(_t(k, lang))}</th>' for k in keys)
    rows = []
    for r in sub.filter(pl.col("key")).sort("rank").iter_rows(named=True):
        name = category_label(r["category"], lang, r["category_name"] or "")[len(r["category"]) + 1:]
        cells = [str(r["rank"]), escape(r["category"]), escape(name), escape(r["gas"]), num(r["co2e_t"], lang=lang)]
        if trend:
            cells.append(num(r["base_co2e_t"], lang=lang))
        cells += [num(100 * r["share"], 2, lang=lang), num(100 * r["cumulative"], 2, lang=lang)]
        if a2:
            cells.append(num(r["uncertainty_pct"], 1, lang=lang))
        rows.append("<tr>" + "".join(f'<td class="{"l" if 1 <= i <= 3 else ""}">{c}</td>' for i, c in enumerate(cells)) + "</tr>")
    rest = sub.filter(~pl.col("key")).height
    note = f'<p class="small">{escape(_t("others", lang, n=rest))}</p>' if rest else ""
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>{note}"


def keycat_section(d, lang: str = "en") -> str:
    """HTML section for the latest year, or '' when the run has no key-category table."""
    kc = getattr(d, "key_categories", None)
    if kc is None or kc.height == 0:
        return ""
    year = kc["year"].max()
    depth = (d.manifest.get("key_categories") or {}).get("depth", 4)
    parts = [f'<h2 id="key-categories">{escape(_t("title", lang))}</h2>',
             f'<p class="small">{escape(_t("method", lang, depth=depth))}</p>']
    for a in _ORDER:
        sub = kc.filter(pl.col("assessment") == a, pl.col("year") == year)
        if sub.height == 0:
            continue
        base = sub["base_year"][0]
        parts.append(f"<h3>{escape(_t(a, lang, y=year, b=base))}</h3>")
        parts.append(_table(sub, a, lang))
    return "".join(parts)


def keycat_sheet_frame(d) -> pl.DataFrame | None:
    """Every year and assessment, key categories first, for the XLSX sheet."""
    kc = getattr(d, "key_categories", None)
    if kc is None or kc.height == 0:
        return None
    order = {a: i for i, a in enumerate(_ORDER)}
    return (kc.with_columns(pl.col("assessment").replace_strict(order, default=9, return_dtype=pl.Int8).alias("_a"))
            .sort("year", "_a", "rank").drop("_a"))
