"""The "Gap filling" section of report.html and its XLSX sheet (2006 IPCC GL Vol 1 Ch 5).

Rendered when the run has ``gap_filling.parquet`` (``[[gap_filling]]``): every filled activity
amount with its series, year, method, inputs and the CO2e it produced — the cells the inventory
shows as estimated by gap filling (``n_rows = 0`` in ``cube.parquet``).
"""

from __future__ import annotations

from html import escape

import polars as pl

from .i18n import category_label, label, pick

__all__ = ["gapfill_section"]

_T = {
    "title": ("Time-series gap filling (estimated values)", "时间序列数据空缺填补（估算值）"),
    "method": ("Activity amounts missing in a year were estimated before factors were applied (2006 IPCC GL Vol 1 Ch 5): overlap "
               "(Eq 5.1), surrogate (Eq 5.2), linear interpolation or trend extrapolation. The emissions of these cells are estimates.",
               "缺失年份的活动水平数据在应用排放因子之前进行了估算（2006 IPCC 指南 第 1 卷 第 5 章）：重叠法（式 5.1）、替代法（式 5.2）、"
               "线性内插或趋势外推。以下单元的排放量为估算值。"),
    "year": ("Year", "年份"), "region": ("Region", "地区"), "sector": ("Category", "类别"), "activity": ("Activity", "活动"),
    "method_col": ("Method", "方法"), "amount": ("Filled amount", "填补值"), "unit": ("Unit", "单位"), "inputs": ("Inputs used", "所用数据"),
    "co2e": ("t CO2e", "吨CO2当量"),
}


def _t(key: str, lang: str, **kw) -> str:
    return pick(_T, key, lang, **kw)


def gapfill_section(d, lang: str = "en") -> str:
    """HTML section, or '' when nothing was gap-filled."""
    g = getattr(d, "gap_filling", None)
    if g is None or g.height == 0:
        return ""
    head = [_t(k, lang) for k in ("year", "region", "sector", "activity", "method_col", "amount", "unit", "inputs", "co2e")]
    rows = []
    for r in g.iter_rows(named=True):
        inputs = r["inputs"] + (f" ({r['surrogate']})" if r.get("surrogate") else "")
        co2e = r.get("co2e_t")
        rows.append([str(r["year"]), f'<span translate="no">{escape(r["region"])}</span>', escape(category_label(r["sector"], lang)),
                     escape(label("activity", r["activity"], lang)), escape(r["method"]),
                     f"{r['amount']:,.4g}", escape(r["unit"]), f'<span class="small" translate="no">{escape(inputs)}</span>',
                     "—" if co2e is None else f"{co2e:,.1f}"])
    hh = "".join(f'<th class="{"l" if i < 5 else ""}">{escape(c)}</th>' for i, c in enumerate(head))
    body = "".join("<tr>" + "".join(f'<td class="{"l" if i < 5 else ""}">{c}</td>' for i, c in enumerate(r)) + "</tr>" for r in rows)
    return (f'<h2 id="gap-filling">{escape(_t("title", lang))}</h2><p class="small">{escape(_t("method", lang))}</p>'
            f"<table><tr>{hh}</tr>{body}</table>")


def gapfill_sheet(d) -> pl.DataFrame | None:
    """The frame for the XLSX sheet "Gap filling" (list column as text; None without one)."""
    g = getattr(d, "gap_filling", None)
    if g is None or g.height == 0:
        return None
    return g.with_columns(pl.col("input_years").cast(pl.List(pl.String)).list.join(", ")) if "input_years" in g.columns else g
