"""The "Reference approach" section of report.html and its XLSX sheet (2006 IPCC GL Vol 2 Ch 6).

Rendered when the run has ``reference_approach.parquet`` (``[reference_approach]`` or
``--energy-balance``): per year, the apparent-consumption CO2 of each fossil fuel next to the
sectoral (1.A) CO2 of the same fuel, the difference in %, and a mark where it exceeds the threshold.
"""

from __future__ import annotations

from html import escape

import polars as pl

from .i18n import label, num, pick, translate_note

__all__ = ["reference_section"]

_T = {
    "title": ("Reference approach (energy balance) vs sectoral approach", "参考方法（能源平衡表）与部门方法对比"),
    "method": ("CO2 = (apparent consumption − non-energy use) × the run's CO2 factor of the fuel; apparent consumption = "
               "production + imports − exports − international bunkers − stock change (2006 IPCC GL Vol 2 Ch 6, Eqs 6.1, 6.2). "
               "Sectoral = direct CO2 of fuel combustion (1.A) of the same fuel. Flagged: |difference| > {th} %, or a fuel on one side only.",
               "CO2 =（表观消费量 − 非能源利用量）× 本次核算所用该燃料 CO2 排放因子；表观消费量 = 生产量 + 进口（调入）量 − 出口（调出）量 − "
               "国际燃料舱 − 库存变化（2006 IPCC 指南 第 2 卷 第 6 章 式 6.1、6.2）。部门方法 = 同一燃料的化石燃料燃烧（1.A）直接 CO2。"
               "标记：差异绝对值大于 {th} %，或燃料只出现在一方。"),
    "year": ("Year", "年份"), "region": ("Region", "地区"), "fuel": ("Fuel", "燃料"), "ac": ("Apparent consumption", "表观消费量"),
    "unit": ("Unit", "单位"), "ref": ("Reference t CO2", "参考方法 吨CO2"), "sect": ("Sectoral t CO2", "部门方法 吨CO2"),
    "diff": ("Difference %", "差异 %"), "flag": ("Check", "检查"), "ok": ("ok", "正常"), "bad": ("> threshold", "超出阈值"),
    "note": ("Note", "说明"),
}


def _t(key: str, lang: str, **kw) -> str:
    return pick(_T, key, lang, **kw)


def reference_section(d, lang: str = "en") -> str:
    """HTML section, or '' when the run has no reference approach."""
    t = getattr(d, "reference_approach", None)
    if t is None or t.height == 0:
        return ""
    th = (d.manifest.get("reference_approach") or {}).get("threshold_pct", 5.0)
    head = [_t(k, lang) for k in ("year", "region", "fuel", "ac", "unit", "ref", "sect", "diff", "flag", "note")]
    rows = []
    for r in t.iter_rows(named=True):
        mark = f'<span class="bad">✘ {_t("bad", lang)}</span>' if r["flag"] else f'<span class="ok">✔ {_t("ok", lang)}</span>'
        fuel = f"<b>{escape(label('activity', r['fuel'], lang))}</b>" if r["fuel"] == "TOTAL" else escape(label("activity", r["fuel"], lang))
        region = escape(label("region", r["region"], lang)) if r["region"] == "ALL" else f'<span translate="no">{escape(r["region"])}</span>'
        rows.append([str(r["year"]), region, fuel, num(r["apparent_consumption"], 4, lang=lang), escape(r["unit"] or ""),
                     num(r["reference_co2_t"], lang=lang), num(r["sectoral_co2_t"], lang=lang), num(r["difference_pct"], 2, lang=lang), mark,
                     f'<span class="small">{escape(translate_note(r["note"] or "", lang))}</span>'])
    hh = "".join(f'<th class="{"l" if i < 3 else ""}">{escape(c)}</th>' for i, c in enumerate(head))
    body = "".join("<tr>" + "".join(f'<td class="{"l" if i < 3 else ""}">{c}</td>' for i, c in enumerate(r)) + "</tr>" for r in rows)
    notes = (d.manifest.get("reference_approach") or {}).get("notes") or []
    extra = "<ul>" + "".join(f'<li class="small">{escape(translate_note(n, lang))}</li>' for n in notes) + "</ul>" if notes else ""
    return (f'<h2 id="reference-approach">{escape(_t("title", lang))}</h2><p class="small">{escape(_t("method", lang, th=th))}</p>'
            f"<table><tr>{hh}</tr>{body}</table>{extra}")


def reference_sheet(d) -> pl.DataFrame | None:
    """The frame for the XLSX sheet "Reference approach" (None without one)."""
    t = getattr(d, "reference_approach", None)
    return t if t is not None and t.height else None
