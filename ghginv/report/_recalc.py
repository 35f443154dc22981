"""The "Recalculations" section of report.html (issue 5 item 2).

Rendered for any run whose folder holds ``recalculation.parquet`` (written by ``ghginv recompute
RUN_DIR --out NEW_DIR`` against the old run, or by ``ghginv diff OLD NEW`` into NEW), from the
frames of :func:`ghginv.rerun.recalc.diff_runs`:

* per year and scope (TOTAL, all gases): old, new, delta (t CO2e and %), and the additive
  decomposition delta = activity effect + factor effect + GWP effect;
* the categories (level 3 of the IPCC tree, all gases) that changed most;
* the factor and conversion rows whose value, unit, set or row changed (``recalculation_factors``);
* the method statement (sequential substitution: activity data, then factors, then GWPs).

:func:`recalc_fragment` returns the same section as a stand-alone HTML page (``ghginv diff --html``).
"""

from __future__ import annotations

from html import escape

import polars as pl

from ..core._frames import group_sum
from ..core.categories import SCOPE_ORDER
from ._style import CSS
from .i18n import category_label, label, label_html, num, pick, table

__all__ = ["recalc_section", "recalc_fragment", "TOP_CATEGORIES", "MAX_FACTOR_ROWS"]

TOP_CATEGORIES = 12
MAX_FACTOR_ROWS = 40

_T = {
    "title": ("Recalculations", "重新计算"),
    "against": ("Against the earlier run {old}.", "与此前的核算结果 {old} 对比。"),
    "method": (
        "Method: sequential substitution in a fixed order (ghginv.rerun.recalc). The old run (E0) is recomputed with the new "
        "activity data (E1), then with the new factor sets (E2), then with the new GWP values (E3 = the new run): "
        "activity effect = E1 − E0, factor effect = E2 − E1, GWP effect = E3 − E2, and they add up exactly to the "
        "change (no residual). Interactions (a category whose data and factor both changed) go to the later step.",
        "方法：按固定顺序逐项替代（ghginv.rerun.recalc）。先用新的活动水平数据重算旧结果（E1），再换用新的排放因子集（E2），"
        "最后换用新的 GWP 值（E3 = 新结果）：活动水平影响 = E1 − E0，排放因子影响 = E2 − E1，GWP 影响 = E3 − E2，"
        "三者之和恰好等于变化量（无残差）。交互作用（活动水平和因子同时变化的类别）计入后一步。"),
    "totals": ("Change per year (all gases, t CO2e)", "各年度变化（全部气体，吨二氧化碳当量）"),
    "top": ("Categories that changed most (level 3, all gases, t CO2e)", "变化最大的类别（第 3 级，全部气体，吨二氧化碳当量）"),
    "factors": ("Factor and conversion rows that changed", "发生变化的排放因子和换算系数"),
    "no_factors": ("No factor or conversion row changed.", "排放因子和换算系数均未变化。"),
    "no_change": ("No category changed.", "没有类别发生变化。"),
    "more": ("… {n} more rows in recalculation_factors.parquet", "…… 另有 {n} 行，见 recalculation_factors.parquet"),
    "year": ("Year", "年份"), "scope": ("Scope", "范围"), "old": ("Old", "原值"), "new": ("New", "新值"),
    "delta": ("Change", "变化量"), "delta_pct": ("Change %", "变化 %"), "activity": ("Activity data effect", "活动水平影响"),
    "factor": ("Factor effect", "排放因子影响"), "gwp": ("GWP effect", "GWP 影响"), "category": ("Category", "类别"),
    "change": ("Change", "变化"), "item": ("Item", "项目"), "years": ("Years", "年份"), "old_row": ("Old row", "原取值"),
    "new_row": ("New row", "新取值"),
}


def _tx(key: str, lang: str, **kw) -> str:
    return pick(_T, key, lang, **kw)


def _years(ys: list[int]) -> str:
    ys = sorted(set(ys))
    if not ys:
        return ""
    if ys == list(range(ys[0], ys[-1] + 1)) and len(ys) > 1:
        return f"{ys[0]}–{ys[-1]}"
    return ", ".join(map(str, ys))


def totals_table(recalc: pl.DataFrame) -> pl.DataFrame:
    """year, scope, old/new/delta and effects (t CO2e) at the TOTAL level over all gases."""
    cols = ["old_co2e_t", "new_co2e_t", "delta_co2e_t", "activity_effect_t", "factor_effect_t", "gwp_effect_t"]
    # the TOTAL rows, only the columns summed (lazily: no copy of the other columns of the 1.6 M rows at 4,000 regions)
    rows = recalc.lazy().filter(pl.col("level") == 0).select("year", "scope", *cols).collect()
    return (group_sum(rows, ["year", "scope"], cols)  # fixed summation order
            .with_columns(pl.col("scope").replace_strict(SCOPE_ORDER, default=9, return_dtype=pl.Int8).alias("_s"))
            .sort("year", "_s").drop("_s"))


def _factor_rows(changed: pl.DataFrame, lang: str) -> str:
    if changed is None or changed.height == 0:
        return f"<p>{escape(_tx('no_factors', lang))}</p>"
    keys = ["change", "activity", "kind", "item", "old_factor_set", "old_value", "old_unit", "old_rule", "new_factor_set",
            "new_value", "new_unit", "new_rule"]
    keys = [k for k in keys if k in changed.columns]
    g = changed.group_by(keys, maintain_order=True).agg(pl.col("year").unique().sort()).sort("activity", "item", "change")
    rows = []
    for r in g.head(MAX_FACTOR_ROWS).iter_rows(named=True):
        def side(p):
            if r.get(f"{p}_rule") is None:
                return "—"
            v = r.get(f"{p}_value")
            return (f"{'—' if v is None else format(v, '.6g')} {escape(r.get(f'{p}_unit') or '')} "
                    f'<span class="small">{escape(r.get(f"{p}_rule") or "")}</span>')
        rows.append([escape(r["change"]), escape(label("activity", r["activity"], lang)), escape(f"{label('factor_kind', r['kind'], lang)} {r['item']}"),
                     _years(r["year"]), side("old"), side("new")])
    head = [_tx(k, lang) for k in ("change", "activity", "item", "years", "old_row", "new_row")]
    out = table(rows, head, left=4)
    if g.height > MAX_FACTOR_ROWS:
        out += f'<p class="small">{escape(_tx("more", lang, n=g.height - MAX_FACTOR_ROWS))}</p>'
    return out


def render_recalc(recalc: pl.DataFrame, changed: pl.DataFrame | None, lang: str = "en", old_run: str | None = None) -> str:
    """The section's HTML (an ``<h2>`` and its tables)."""
    out = [f"<h2>{escape(_tx('title', lang))}</h2>"]
    if old_run:
        out.append(f"<p>{escape(_tx('against', lang, old=old_run))}</p>")
    out.append(f'<p class="small">{escape(_tx("method", lang))}</p>')
    tot = totals_table(recalc)
    rows = []
    for r in tot.iter_rows(named=True):
        pct = r["delta_co2e_t"] / abs(r["old_co2e_t"]) * 100 if r["old_co2e_t"] else None
        rows.append([str(r["year"]), label_html("scope", r["scope"], lang), num(r["old_co2e_t"], lang=lang), num(r["new_co2e_t"], lang=lang),
                     num(r["delta_co2e_t"], lang=lang), num(pct, 2, lang=lang), num(r["activity_effect_t"], lang=lang),
                     num(r["factor_effect_t"], lang=lang), num(r["gwp_effect_t"], lang=lang)])
    out.append(f"<h3>{escape(_tx('totals', lang))}</h3>")
    out.append(table(rows, [_tx(k, lang) for k in ("year", "scope", "old", "new", "delta", "delta_pct", "activity", "factor", "gwp")], left=2))
    cols = ["old_co2e_t", "new_co2e_t", "delta_co2e_t", "activity_effect_t", "factor_effect_t", "gwp_effect_t"]
    keys = ["year", "scope", "category", "category_name"]
    top = (group_sum(recalc.lazy().filter(pl.col("level") == 3).select(*keys, *cols).collect(), keys, cols)
           .filter(pl.col("delta_co2e_t").abs() > 0).sort(pl.col("delta_co2e_t").abs(), "year", "scope", "category", descending=[True, False, False, False])
           .head(TOP_CATEGORIES))
    out.append(f"<h3>{escape(_tx('top', lang))}</h3>")
    if top.height:
        out.append(table([[str(r["year"]), label_html("scope", r["scope"], lang), escape(category_label(r["category"], lang, r["category_name"] or "")),
                            num(r["old_co2e_t"], lang=lang), num(r["new_co2e_t"], lang=lang), num(r["delta_co2e_t"], lang=lang),
                            num(r["activity_effect_t"], lang=lang), num(r["factor_effect_t"], lang=lang), num(r["gwp_effect_t"], lang=lang)]
                           for r in top.iter_rows(named=True)],
                          [_tx(k, lang) for k in ("year", "scope", "category", "old", "new", "delta", "activity", "factor", "gwp")], left=3))
    else:
        out.append(f"<p>{escape(_tx('no_change', lang))}</p>")
    out.append(f"<h3>{escape(_tx('factors', lang))}</h3>")
    out.append(_factor_rows(changed, lang))
    return "\n".join(out)


def recalc_section(d, lang: str = "en") -> str:
    """The section for a :class:`~ghginv.report.data.ReportData` ("" when it has no recalculation)."""
    rc = getattr(d, "recalculation", None)
    if rc is None:
        return ""
    old = ((d.manifest or {}).get("recalculation") or {}).get("old_run") or (d.manifest or {}).get("recomputed_from")
    return render_recalc(rc, getattr(d, "recalculation_factors", None), lang, old)


def recalc_fragment(recalc: pl.DataFrame, changed: pl.DataFrame | None, lang: str = "en", old_run: str | None = None) -> str:
    """A stand-alone HTML page with only the Recalculations section of a report.

    ``ghginv diff --html FILE`` writes it; public as :func:`ghginv.recalculation_html`.

    Parameters
    ----------
    recalc, changed : polars.DataFrame
        The two frames of :func:`ghginv.diff_runs` (``changed`` may be None).
    lang : {"en", "zh"}, default "en"
        Language of the page.
    old_run : str, optional
        The earlier run, named in the page.

    Returns
    -------
    str
        The HTML page (self-contained: styles inline).

    Examples
    --------
    >>> html = ghginv.recalculation_html(*ghginv.diff_runs("out/a", "out/b"), "en", "out/a")   # doctest: +SKIP
    """
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f"<title>{escape(_tx('title', lang))}</title><style>{CSS}</style></head><body>\n"
            + render_recalc(recalc, changed, lang, old_run) + "\n</body></html>")
