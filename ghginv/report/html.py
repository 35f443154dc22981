"""report.html: one self-contained page (inline CSS and SVG, no scripts, no external links needed)."""

from __future__ import annotations

from html import escape

import polars as pl

from ..analysis.indicators import ALL_REGION, ENERGY_VARIANTS, SCOPES, intensity
from ..core.version import __version__
from . import svg
from ._completeness import completeness_section
from ._gapfill import gapfill_section
from ._keycat import keycat_section
from ._recalc import recalc_section
from ._reference import reference_section
from ._style import CSS
from .data import INDIRECT, ReportData
from .i18n import table as _t
from .i18n import text
from .provincial import ptext

__all__ = ["render_html"]


def _f(v, d=2) -> str:
    return "—" if v is None else svg.fmt_num(v, d)


def _series(ind: pl.DataFrame, name: str, region: str = ALL_REGION) -> dict[int, float]:
    s = ind.filter(pl.col("indicator") == name, pl.col("region") == region)
    return dict(zip(s["year"].to_list(), s["value"].to_list()))


def _sector_chart(d: ReportData, lang: str) -> str:
    g = d.by_group()
    years = d.years()
    groups = [x for x in g["group"].unique(maintain_order=True).to_list() if x != INDIRECT] + ([INDIRECT] if INDIRECT in g["group"].to_list() else [])
    series = []
    for grp in groups:
        sub = g.filter(pl.col("group") == grp)
        m = dict(zip(sub["year"].to_list(), sub["co2e_t"].to_list()))
        label = text("indirect", lang) if grp == INDIRECT else f"{grp} {sub['label'][0]}"
        series.append((label, [m.get(y, 0.0) / 1000 for y in years]))
    return svg.stacked_bars("sectors", text("sectors_chart", lang), text("kt_co2e", lang), [str(y) for y in years], series, digits=1)


def _has_economy(d: ReportData) -> bool:
    """Whether the run has an economy table (GDP in its indicators): the intensity and non-fossil-share charts."""
    ind = d.indicators
    return ind is not None and (ind.filter(pl.col("indicator") == "gdp_const_10k_yuan").height > 0
                                or ind.filter(pl.col("indicator") == "non_fossil_share_pct").height > 0)


def _intensity_series(ind: pl.DataFrame, kind: str, scope: str) -> dict[int, float]:
    if kind == "energy_intensity":
        return _series(ind, f"energy_intensity_{scope.split(':', 1)[1]}")
    if scope == "energy_co2":
        return _series(ind, "co2_intensity")
    num, gdp = _series(ind, SCOPES[scope]), _series(ind, "gdp_const_10k_yuan")
    return {y: intensity(num[y], gdp[y]) for y in num if y in gdp}


def _intensity_chart(d: ReportData, lang: str, kind: str) -> str:
    name, key = ("co2_intensity", "co2_int_chart") if kind == "co2_intensity" else ("energy_intensity", "en_int_chart")
    ind = d.indicators
    if ind is None or not ind.filter(pl.col("indicator") == "gdp_const_10k_yuan").height:
        return f'<p class="na">{escape(text("no_data_chart", lang, why=text("need_economy", lang)))}</p>'
    tg = d.targets.filter(pl.col("kind") == kind, pl.col("region") == ALL_REGION) if d.targets is not None else pl.DataFrame()
    scopes = tg["scope"].unique(maintain_order=True).to_list() if tg.height else (["energy_co2"] if kind == "co2_intensity" else ["energy:gross"])
    series, x_to = [], max(d.years())
    years = d.years()
    for sc in scopes:
        s = _intensity_series(ind, kind, sc)
        if s:
            series.append({"label": f"{text('actual', lang)} ({sc})", "points": sorted(s.items())})
    for k, r in enumerate(tg.iter_rows(named=True)):
        if r["base_value"] is None:
            continue
        y0, T, rr = r["base_year"], r["target_year"], r["required_pct"] / 100
        pts = [(y, r["base_value"] * (1 - rr) ** ((y - y0) / (T - y0))) for y in range(y0, T + 1)]
        series.append({"label": f"{text('path', lang)}: {r['target'].split(' (')[0]}", "points": pts, "dash": True,
            "color": svg.PALETTE[(k + 3) % len(svg.PALETTE)]})
        x_to = max(x_to, T)
    unit = "t CO2 / 10^4 yuan" if kind == "co2_intensity" else "tce / 10^4 yuan"
    return svg.lines(name, text(key, lang), unit, min(years), x_to, series, digits=3)


def _nonfossil_chart(d: ReportData, lang: str) -> str:
    ind = d.indicators
    s = _series(ind, "non_fossil_share_pct") if ind is not None else {}
    if not s:
        return f'<p class="na">{escape(text("no_data_chart", lang, why="electricity_non_fossil_share"))}</p>'
    series = [{"label": text("actual", lang), "points": sorted(s.items())}]
    x_to = max(s)
    tg = d.targets.filter(pl.col("kind") == "non_fossil_share", pl.col("region") == ALL_REGION) if d.targets is not None else pl.DataFrame()
    for k, r in enumerate(tg.iter_rows(named=True)):
        if r["base_value"] is None:
            continue
        series.append({"label": f"{text('path', lang)}: {r['target'].split(' (')[0]}", "dash": True, "color": svg.PALETTE[(k + 3) % len(svg.PALETTE)],
                       "points": [(r["base_year"], r["base_value"]), (r["target_year"], r["required_pct"])]})
        x_to = max(x_to, r["target_year"])
    return svg.lines("non_fossil", text("nonfossil_chart", lang), "%", min(s), x_to, series, digits=0)


def _waterfall(d: ReportData, lang: str, y0: int, y1: int) -> str:
    g = d.by_group()
    tot = lambda y: g.filter(pl.col("year") == y)["co2e_t"].sum() / 1000  # noqa: E731
    steps = []
    for grp in g["group"].unique(maintain_order=True).to_list():
        sub = g.filter(pl.col("group") == grp)
        m = dict(zip(sub["year"].to_list(), sub["co2e_t"].to_list()))
        delta = (m.get(y1, 0.0) - m.get(y0, 0.0)) / 1000
        steps.append((text("indirect", lang) if grp == INDIRECT else grp, delta))
    return svg.waterfall("waterfall", text("waterfall_chart", lang, y0=y0, y1=y1), text("kt_co2e", lang),
                         (str(y0), tot(y0)), steps, (str(y1), tot(y1)))


def _sinks(d: ReportData, lang: str) -> str:
    rem = d.removals()
    if rem.height == 0:
        return f'<p class="na">{escape(text("no_sinks", lang))}</p>'
    years = d.years()
    g = d.by_group()
    gross = [g.filter(pl.col("year") == y)["co2e_t"].sum() / 1000 for y in years]
    rm = dict(zip(rem["year"].to_list(), rem["removals_t"].to_list()))
    removals = [rm.get(y, 0.0) / 1000 for y in years]
    net = [a + b for a, b in zip(gross, removals)]
    chart = svg.stacked_bars("sinks", text("sinks_chart", lang), text("kt_co2e", lang), [str(y) for y in years],
                             [(text("gross", lang), gross), (text("removals", lang), removals)], line=(text("net", lang), net), digits=1)
    rows = [[escape(text(k, lang)), *(_f(v, 1) for v in vals)] for k, vals in (("gross", gross), ("removals", removals), ("net", net))]
    return chart + _t(rows, [text("kt_co2e", lang), *map(str, years)])


def _key_points(d: ReportData, lang: str, y0: int, y1: int) -> str:
    """Are we on track, by how much, and why: one line per whole-area target, then the drivers."""
    items = []
    if d.targets is not None:
        for r in d.targets.filter(pl.col("region") == ALL_REGION).iter_rows(named=True):
            if r["margin"] is None or r["path_required_pct"] is None:
                continue
            key = "sum_share" if r["kind"] == "non_fossil_share" else "sum_target"
            items.append(escape(text(key, lang, name=r["target"], achieved=f"{r['achieved_pct']:.2f}", year=r["latest_year"],
                                     path=f"{r['path_required_pct']:.2f}", margin=r["margin"],
                                     status=text("on_track" if r["on_track"] else "off_track", lang))))
    g = d.by_group()
    deltas = []
    for grp in g["group"].unique(maintain_order=True).to_list():
        sub = g.filter(pl.col("group") == grp)
        m = dict(zip(sub["year"].to_list(), sub["co2e_t"].to_list()))
        deltas.append(((m.get(y1, 0.0) - m.get(y0, 0.0)) / 1000, text("indirect", lang) if grp == INDIRECT else f"{grp} {sub['label'][0]}"))
    if len(deltas) >= 2 and y1 != y0:
        deltas.sort()
        items.append(escape(text("sum_why", lang, y0=y0, up=f"{deltas[-1][1]} {deltas[-1][0]:+,.1f}", down=f"{deltas[0][1]} {deltas[0][0]:+,.1f}")))
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>" if items else ""


_STATUS_HTML = {"met": ("ok", "✔ ", "met"), "not met": ("bad", "✘ ", "not_met"), "on track": ("ok", "✔ ", "on_track"),
                "off track": ("bad", "✘ ", "off_track"), "pending": ("na", "", "pending"), "undetermined": ("na", "", "undetermined"),
                "no data": ("na", "", "no_data")}


def _status(r: dict, lang: str) -> str:
    st = r.get("status")
    if st is None:  # a run folder written before targets had a status
        st = ("met" if r["met"] else "not met") if r["met"] is not None else (
            "no data" if r["on_track"] is None else "on track" if r["on_track"] else "off track")
    cls, mark, key = _STATUS_HTML.get(st, ("na", "", "no_data"))
    why = f'<br><span class="small">{escape(r["reason"])}</span>' if r.get("reason") else ""
    return f'<span class="{cls}">{mark}{text(key, lang)}</span>{why}'


def _targets_table(d: ReportData, lang: str) -> str:
    if d.targets is None or d.targets.height == 0:
        return f"<p>{escape(text('no_targets', lang))}</p>"
    rows = []
    for r in d.targets.iter_rows(named=True):
        dig = 4 if "intensity" in r["kind"] else (2 if r["kind"] == "non_fossil_share" else 0)
        rows.append([escape(r["target"]), escape(r["region"]), escape(r["kind"]), escape(r["scope"]),
                     f"{r['base_year']}: {_f(r['base_value'], dig)}",
                     "—" if r["latest_year"] is None else f"{r['latest_year']}: {_f(r['latest_value'], dig)}",
                     _f(r["achieved_pct"]), _f(r["required_pct"]), _f(r["path_required_pct"]), _status(r, lang),
                     _f(r["margin"]), f'<span class="small">{escape(r["source"])}</span>'])
    head = [text(k, lang) for k in ("col_target", "col_region", "col_kind", "col_scope", "col_base", "col_latest", "col_achieved",
                                    "col_required", "col_path", "col_status", "col_margin", "col_source")]
    if "p_on_track" in d.targets.columns:  # Monte Carlo probabilities (ghginv.uncertainty.targets)
        for row, r in zip(rows, d.targets.iter_rows(named=True)):
            row.insert(-1, _f(r["p_met"] if r["p_met"] is not None else r["p_on_track"], 3))
        head.insert(-1, "P(on track / met)" if lang == "en" else "进度达标/达标概率")
    return _t(rows, head, left=4)


def _peak_table(d: ReportData, lang: str) -> str:
    if d.peak is None or d.peak.height == 0:
        return ""
    rows = [[escape(r["region"]), escape(r["scope"]), str(r["peak_year"]), _f(r["change_from_peak_pct"]), _f(r["trend_pct_per_year"]), escape(r["status"])]
            for r in d.peak.iter_rows(named=True)]
    head = [text(k, lang) for k in ("col_region", "col_scope", "col_peak_year", "col_change", "col_trend", "col_status")]
    p = d.analysis.get("peak", {})
    params = (f'<p class="small">min_years_since_peak = {p.get("min_years_since_peak")}, '
              f'plateau_pct = {p.get("plateau_pct")}, plateau_years = {p.get("plateau_years")}</p>')
    return f"<h2>{escape(text('peak', lang))}</h2>{params}{_t(rows, head, left=2)}"


def _indicator_table(d: ReportData, lang: str) -> str:
    if d.indicators is None:
        return ""
    ind = d.indicators.filter(pl.col("region") == ALL_REGION)
    years = sorted(ind["year"].unique().to_list())
    rows = []
    for name in ind["indicator"].unique(maintain_order=True).to_list():
        sub = ind.filter(pl.col("indicator") == name)
        m = dict(zip(sub["year"].to_list(), sub["value"].to_list()))
        dig = 4 if "intensity" in name else (2 if name in ("non_fossil_share_pct", "co2e_per_capita") else 0)
        rows.append([escape(name), escape(sub["unit"][0]), *(_f(m.get(y), dig) for y in years)])
    return f"<h2>{escape(text('indicators', lang))}</h2>" + _t(rows, [text("col_indicator", lang), text("col_unit", lang), *map(str, years)], left=2)


def _factor_sets(d: ReportData, lang: str) -> str:
    rows = [[escape(s["name"]), escape(s.get("version", "")), escape(s.get("title", "")), escape(str(s.get("published", ""))),
             escape(s.get("publisher", "")), f'<span class="small">{escape(s.get("url", ""))}</span>'] for s in d.factor_sets()]
    head = [text("col_set", lang), text("col_version", lang), text("col_title", lang), text("col_published", lang), "Publisher", "URL"]
    return f"<h2>{escape(text('factor_sets', lang))}</h2>" + _t(rows, head, left=6)


def _quality(d: ReportData, lang: str) -> str:
    out = [f"<h2>{escape(text('dq', lang))}</h2>"]
    if d.synthetic:
        out.append(f'<div class="synthetic">{escape(text("synthetic", lang))}</div>')
    warns = [w for w in d.manifest.get("warnings") or [] if w.get("kind") == "base_year_fallback"]
    if warns:  # a base-year factor taken from another year (InventoryResult.warnings)
        out.append(f"<h3>{escape(text('warnings', lang))}</h3><ul>" + "".join(
            '<li class="bad">' + escape(text("warn_base_year", lang, base_year=w["base_year"], activity=w["activity"], item=w["item"],
                                             kind=w["factor_kind"].replace("_", " "), factor_year=w["factor_year"],
                                             factor_set=w["factor_set"])) + "</li>" for w in warns) + "</ul>")
    nk = d.notation_rows()
    out.append(f"<h3>{escape(text('notation', lang))}</h3>")
    out.append(_t([[escape(r[0]), escape(r[1]), escape(r[2])] for r in nk.rows()], ["IPCC", "", "key"],
        left=3) if nk.height else f"<p>{text('none', lang)}</p>")
    src = d.factor_sources()
    s_rows = src.filter(pl.col("status") == "S") if "status" in src.columns else src.clear()
    out.append(f"<h3>{escape(text('s_status', lang))}</h3>")
    if s_rows.height:
        agg = (s_rows.group_by("factor_set", "activity", "kind", "item", "value", "unit", maintain_order=True)
               .agg(pl.col("rule").first(), pl.col("source").first()).sort("factor_set", "activity", "kind", "item", "value", "unit", "rule"))
        out.append(_t([[escape(r["factor_set"]), escape(r["activity"]), escape(r["kind"]), escape(r["item"]), _f(r["value"], 4), escape(r["unit"]),
                        f'<span class="small">{escape(r["rule"])} — {escape(r["source"])}</span>'] for r in agg.iter_rows(named=True)],
                      [text("col_set", lang), text("col_activity", lang), "", text("col_item", lang), text("col_value", lang), text("col_unit", lang),
                          text("col_source", lang)], left=4))
    else:
        out.append(f"<p>{text('none', lang)}</p>")
    x_sets = sorted(set(src.filter(pl.col("status") == "X")["factor_set"].to_list())) if "status" in src.columns else []
    if x_sets:
        out.append(f'<p class="bad">{escape(text("x_status", lang))}: {escape(", ".join(x_sets))}</p>')
    fb = d.manifest.get("fallback_years") or []
    if fb:
        seen = sorted({(r["factor_set"], r["activity"], r["year"], r["factor_year"]) for r in fb})
        out.append(f"<h3>{escape(text('fallback', lang))}</h3><ul>" + "".join(
            f"<li>{escape(a)} {y} → {fy} ({escape(s)})</li>" for s, a, y, fy in seen) + "</ul>")
    out.append(_standard_coal(d, lang))
    conv = {k: v for k, v in d.analysis.items() if k not in ("notes", "standard_coal_rows", "standard_coal_sources")}
    if conv:
        out.append(f"<h3>{escape(text('conventions', lang))}</h3><ul>" + "".join(f"<li><b>{escape(k)}</b>: {escape(str(v))}</li>" for k,
            v in conv.items()) + "</ul>")
    notes = list(d.analysis.get("notes", [])) + d.extra_notes
    notes += [text("xlsx_split", lang, sheet=s["sheet"], rows=f"{s['rows']:,}", n=len(s["sheets"]), names=", ".join(s["sheets"]),
                   per=f"{s['rows_per_sheet']:,}") for s in d.sheet_splits]  # set by write_xlsx (written first)
    if notes:
        out.append(f"<h3>{escape(text('notes', lang))}</h3><ul>" + "".join(f"<li>{escape(n)}</li>" for n in notes) + "</ul>")
    return "\n".join(out)


def _standard_coal(d: ReportData, lang: str) -> str:
    """The standard-coal coefficients of the energy total, each with the set (and source) that gave it."""
    rows = d.analysis.get("standard_coal_rows") or []
    if not rows:
        return ""
    how = (d.analysis.get("standard_coal_sources") or {}).get("chosen_by", "")
    body = [[escape(r["activity"]), escape(f"{r['value']:g}"), escape(r["unit"]), escape(r["factor_set"]), escape(r.get("status", "")),
             f'<span class="small">{escape(r.get("rule", ""))} — {escape(r.get("source", ""))}; {escape(r.get("source_locator", ""))}</span>']
            for r in sorted(rows, key=lambda r: (r["activity"], r["factor_set"]))]
    head = [text("col_activity", lang), text("col_value", lang), text("col_unit", lang), text("col_set", lang), "status", text("col_source", lang)]
    return f"<h3>{escape(text('standard_coal', lang).format(how=how))}</h3>" + _t(body, head, left=1)


def render_html(d: ReportData, lang: str = "en") -> str:
    """``report.html``: a self-contained page (inline CSS and SVG charts, no JavaScript) of a run.

    Summary, key points, emissions by sector, targets and their paths, change since the base year,
    sinks, peak analysis, key categories, recalculations, reference approach, gap filling,
    indicators, completeness, factor sets and data-quality notes; sections without data are left
    out or say so.

    Parameters
    ----------
    d : ReportData
        The run's frames and manifest.
    lang : {"en", "zh"}, default "en"
        Language of the page.

    Returns
    -------
    str
        The HTML document.
    """
    m = d.manifest
    years = d.years()
    base = (m.get("config") or {}).get("base_year") or d.analysis.get("price_base_year") or years[0]
    y0 = base if base in years else years[0]
    y1 = years[-1]
    g = d.by_group()
    totals = [[str(y), _f(g.filter(pl.col("year") == y)["co2e_t"].sum() / 1000, 1)] for y in years]
    parts = [
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        f"<title>{escape(m.get('name', ''))} — {escape(text('title', lang))}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(m.get('name', ''))}</h1><div>{escape(text('title', lang))} {years[0]}–{years[-1]}</div>",
    ]
    if d.synthetic:
        parts.append(f'<div class="synthetic">{escape(text("synthetic", lang))}</div>')
    parts.append(f'<p class="small">{escape(text("generated", lang, v=m.get("ghginv_version", __version__), g=(m.get("gwp") or {}).get("set", "")))}</p>')
    parts.append(f"<h2>{escape(text('summary', lang))}</h2>")
    parts.append(_t([[r[1] for r in totals]], [y for y, _ in totals], left=0).replace("<table>",
        f"<table><caption>{escape(text('total_direct_indirect', lang))}</caption>", 1))
    parts.append(_key_points(d, lang, y0, y1))
    parts.append(_sector_chart(d, lang))
    parts.append(f"<h2>{escape(text('targets', lang))}</h2>")
    parts.append(_targets_table(d, lang))
    if _has_economy(d):
        parts.append(_intensity_chart(d, lang, "co2_intensity"))
        parts.append(_intensity_chart(d, lang, "energy_intensity"))
        parts.append(_nonfossil_chart(d, lang))
    else:  # no economy table: no intensity section, said in one line (issue 19 item 1)
        parts.append(f'<p class="na" id="no-economy">{escape(ptext("no_economy", lang))}</p>')
    parts.append(_waterfall(d, lang, y0, y1))
    parts.append(f"<h2>{escape(text('sinks_chart', lang))}</h2>")
    parts.append(_sinks(d, lang))
    parts.append(_peak_table(d, lang))
    parts.append(keycat_section(d, lang))  # key categories (Vol 1 Ch 4), with key_categories.parquet
    parts.append(recalc_section(d, lang))  # "Recalculations" when the run has recalculation.parquet
    parts.append(reference_section(d, lang))  # energy balance vs sectoral CO2, with reference_approach.parquet
    parts.append(gapfill_section(d, lang))  # gap-filled (estimated) activity cells, with gap_filling.parquet
    parts.append(_indicator_table(d, lang))
    parts.append(completeness_section(d, lang))  # categories × gases: value or notation key (ghginv.analysis.notation)
    parts.append(_factor_sets(d, lang))
    parts.append(_quality(d, lang))
    parts.append("</body></html>")
    return "\n".join(parts)


_ = ENERGY_VARIANTS  # the energy variants named in targets' scope ("energy:<variant>")
