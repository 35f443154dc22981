"""report.html: one self-contained page (inline CSS and SVG, no scripts, no external links needed)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

import polars as pl

from ..analysis.indicators import ALL_REGION, ENERGY_VARIANTS, SCOPES, intensity
from ..core.version import __version__
from . import svg
from ._completeness import completeness_section
from ._detail import summed_text
from ._gapfill import gapfill_section
from ._keycat import keycat_section
from ._recalc import recalc_section
from ._reference import reference_section
from ._style import CSS
from .data import INDIRECT, ReportData
from .i18n import LABELS, category_label, label, mass_unit, text, translate_note
from .i18n import label_html as _label
from .i18n import table as _t
from .provincial import ptext

__all__ = ["render_html", "chart_svgs", "CHART_SVG"]

# one chart of the page: svg.py writes each as one <svg class="chart" …>…</svg> element, its texts escaped (no "</svg>" inside)
CHART_SVG = re.compile(r'<svg class="chart".*?</svg>', re.S)


def _f(v, d=2, lang: str = "en") -> str:
    return "—" if v is None else svg.fmt_num(v, d, group=lang != "zh")


def _raw(s) -> str:
    """A value given by the user or a source (a name, a citation, a path): shown as written, not translated
    (``translate="no"``; the Chinese-text test skips it)."""
    return f'<span translate="no">{escape(str(s))}</span>'


def _act(a: str, lang: str) -> str:
    """An activity as HTML: its catalogued name, else the code as written (a code of the user or a factor set)."""
    return escape(label("activity", a, lang)) if a in LABELS["activity"] else _raw(a)


def _region(r: str, lang: str) -> str:
    """A region: "ALL" (the whole area) by its name in ``lang``, other regions (codes, names) as given."""
    return escape(label("region", r, lang)) if r == ALL_REGION else _raw(r)


def _group_label(grp: str, english: str, lang: str) -> str:
    return text("indirect", lang) if grp == INDIRECT else category_label(grp, lang, english)


def _data_table(caption: str, xs: list[str], rows: list[tuple[str, list], ], digits: int, lang: str, raw_labels: bool = False) -> str:
    """The numbers of a chart as a table (every number in a chart is also in a table): one row per series."""
    body = [[_raw(lbl) if raw_labels else escape(lbl), *(_f(v, digits, lang) for v in vals)] for lbl, vals in rows]
    return '<div class="chartdata">' + _t(body, ["", *xs], caption=caption) + "</div>"


def _series(ind: pl.DataFrame, name: str, region: str = ALL_REGION) -> dict[int, float]:
    s = ind.filter(pl.col("indicator") == name, pl.col("region") == region)
    return dict(zip(s["year"].to_list(), s["value"].to_list()))


def _sector_chart(d: ReportData, lang: str) -> str:
    gy = d.group_years()
    years = d.years()
    div, unit = mass_unit(lang)
    dig = 2 if lang == "zh" else 1
    groups = [x for x in gy if x != INDIRECT] + ([INDIRECT] if INDIRECT in gy else [])
    series = []
    for grp in groups:
        lab, m = gy[grp]
        series.append((_group_label(grp, lab, lang), [m.get(y, 0.0) / div for y in years]))
    xs = [str(y) for y in years]
    total = [sum(v[i] for _, v in series) for i in range(len(years))]
    return (svg.stacked_bars("sectors", text("sectors_chart", lang), unit, xs, series, digits=dig, group=lang != "zh")
            + _data_table(f"{text('sectors_chart', lang)}, {unit}", xs, [*series, (text("col_total", lang), total)], dig, lang))


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
            series.append({"label": f"{text('actual', lang)}（{label('scope', sc, lang)}）" if lang == "zh" else f"{text('actual', lang)} ({sc})",
                           "points": sorted(s.items())})
    for k, r in enumerate(tg.iter_rows(named=True)):
        if r["base_value"] is None:
            continue
        y0, T, rr = r["base_year"], r["target_year"], r["required_pct"] / 100
        pts = [(y, r["base_value"] * (1 - rr) ** ((y - y0) / (T - y0))) for y in range(y0, T + 1)]
        series.append({"label": f"{text('path', lang)}: {r['target'].split(' (')[0]}", "points": pts, "dash": True, "raw": True,
            "color": svg.PALETTE[(k + 3) % len(svg.PALETTE)]})
        x_to = max(x_to, T)
    unit = label("unit", "t CO2 / 10^4 yuan" if kind == "co2_intensity" else "tce / 10^4 yuan", lang)
    return (svg.lines(name, text(key, lang), unit, min(years), x_to, series, digits=3)
            + _series_table(f"{text(key, lang)}, {unit}", series, min(years), x_to, 4, lang))


def _series_table(caption: str, series: list[dict], x_from: int, x_to: int, digits: int, lang: str) -> str:
    xs = list(range(x_from, x_to + 1))
    rows = [[_raw(s["label"]) if s.get("raw") else escape(s["label"]), *(_f(dict(s["points"]).get(x), digits, lang) for x in xs)] for s in series]
    return '<div class="chartdata">' + _t(rows, ["", *map(str, xs)], caption=caption) + "</div>"


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
        series.append({"label": f"{text('path', lang)}: {r['target'].split(' (')[0]}", "dash": True, "raw": True,
                       "color": svg.PALETTE[(k + 3) % len(svg.PALETTE)],
                       "points": [(r["base_year"], r["base_value"]), (r["target_year"], r["required_pct"])]})
        x_to = max(x_to, r["target_year"])
    return (svg.lines("non_fossil", text("nonfossil_chart", lang), "%", min(s), x_to, series, digits=0)
            + _series_table(f"{text('nonfossil_chart', lang)}, %", series, min(s), x_to, 2, lang))


def _waterfall(d: ReportData, lang: str, y0: int, y1: int) -> str:
    div, unit = mass_unit(lang)
    dig = 2 if lang == "zh" else 1
    tot = lambda y: d.year_total(y) / div  # noqa: E731
    steps, names = [], []
    for grp, (lab, m) in d.group_years().items():
        delta = (m.get(y1, 0.0) - m.get(y0, 0.0)) / div
        steps.append((text("indirect_short", lang) if grp == INDIRECT else grp, delta))
        names.append(_group_label(grp, lab, lang))
    title = text("waterfall_chart", lang, y0=y0, y1=y1)
    rows = [[escape(str(y0)), _f(tot(y0), dig, lang)], *([escape(n), _f(v, dig, lang) if v <= 0 else "+" + _f(v, dig, lang)]
                                                        for n, (_, v) in zip(names, steps)), [escape(str(y1)), _f(tot(y1), dig, lang)]]
    return (svg.waterfall("waterfall", title, unit, (str(y0), tot(y0)), steps, (str(y1), tot(y1)), digits=dig, group=lang != "zh")
            + '<div class="chartdata">' + _t(rows, ["", unit], caption=title) + "</div>")


def _sinks(d: ReportData, lang: str) -> str:
    rem = d.removals()
    if rem.height == 0:
        return f'<p class="na">{escape(text("no_sinks", lang))}</p>'
    years = d.years()
    div, unit = mass_unit(lang)
    dig = 2 if lang == "zh" else 1
    gross = [d.year_total(y) / div for y in years]
    rm = dict(zip(rem["year"].to_list(), rem["removals_t"].to_list()))
    removals = [rm.get(y, 0.0) / div for y in years]
    net = [a + b for a, b in zip(gross, removals)]
    chart = svg.stacked_bars("sinks", text("sinks_chart", lang), unit, [str(y) for y in years],
                             [(text("gross", lang), gross), (text("removals", lang), removals)], line=(text("net", lang), net), digits=dig,
                             group=lang != "zh")
    rows = [[escape(text(k, lang)), *(_f(v, dig, lang) for v in vals)] for k, vals in (("gross", gross), ("removals", removals), ("net", net))]
    return chart + '<div class="chartdata">' + _t(rows, [unit, *map(str, years)]) + "</div>"


def _summary_page(d: ReportData, lang: str, y0: int, y1: int) -> str:
    """The one-page summary at the top: total of the latest year, change since the base year, each target's
    verdict with its margin, and the sectors that moved most."""
    div, unit = mass_unit(lang)
    dig = 2 if lang == "zh" else 1
    tot = {y: d.year_total(y) / div for y in d.years()}
    t0, t1 = tot.get(y0), tot.get(y1)
    cards = [f'<div class="card"><div class="k">{escape(text("sum_total", lang, y=y1))}</div><div class="v">{_f(t1, dig, lang)}</div>'
             f'<div class="u">{escape(unit)}</div></div>']
    if t0 and y1 != y0:
        ch = t1 - t0
        cards.append(f'<div class="card"><div class="k">{escape(text("sum_change", lang, y0=y0, y1=y1))}</div>'
                     f'<div class="v">{"+" if ch > 0 else ""}{_f(ch, dig, lang)}</div>'
                     f'<div class="u">{escape(unit)}{"；" if lang == "zh" else "; "}{"+" if ch > 0 else ""}{_f(100 * ch / t0, 1, lang)} %</div></div>')
    out = [f'<section class="summary" id="summary"><h2>{escape(text("summary", lang))}</h2><div class="cards">{"".join(cards)}</div>']
    bunk = d.bunker_co2e(y1)
    if bunk.len():  # international bunkers: a memo line, outside the total (2006 IPCC GL Vol 2 Ch 3)
        out.append("<p>" + escape(text("sum_bunkers", lang, y=y1, v=_f(bunk.sum() / div, dig, lang), unit=unit)) + "</p>")
    rows = []
    if d.targets is not None:
        for r in d.targets.iter_rows(named=True):
            latest = "—" if r["latest_year"] is None else f"{r['latest_year']}: {_target_value(r, r['latest_value'], lang)}"
            rows.append([_raw(r["target"]), _label("kind", r["kind"], lang), latest, _f(r["achieved_pct"], 2, lang),
                         _f(r["path_required_pct"] if r["path_required_pct"] is not None else r["required_pct"], 2, lang),
                         _status(r, lang, reason=False), "—" if r["margin"] is None else ("+" if r["margin"] > 0 else "") + _f(r["margin"], 2, lang)])
    if rows:
        out.append(_t(rows, [text(k, lang) for k in ("col_target", "col_kind", "col_latest", "col_achieved", "col_path", "col_status",
                                                     "col_margin")], left=2, caption=text("sum_targets", lang)))
    deltas = []
    for grp, (lab, m) in d.group_years().items():
        deltas.append(((m.get(y1, 0.0) - m.get(y0, 0.0)) / div, _group_label(grp, lab, lang)))
    if len(deltas) >= 2 and y1 != y0:
        deltas.sort()
        fmt = lambda v: ("+" if v > 0 else "") + _f(v, dig, lang)  # noqa: E731
        out.append("<p>" + escape(text("sum_why", lang, y0=y0, up=f"{deltas[-1][1]} {fmt(deltas[-1][0])}", down=f"{deltas[0][1]} {fmt(deltas[0][0])}",
                                       unit=unit)) + "</p>")
    out.append("</section>")
    return "".join(out)


_STATUS_HTML = {"met": ("ok", "✔ ", "met"), "not met": ("bad", "✘ ", "not_met"), "on track": ("ok", "✔ ", "on_track"),
                "off track": ("bad", "✘ ", "off_track"), "pending": ("na", "", "pending"), "undetermined": ("na", "", "undetermined"),
                "no data": ("na", "", "no_data")}


def _status(r: dict, lang: str, reason: bool = True) -> str:
    st = r.get("status")
    if st is None:  # a run folder written before targets had a status
        st = ("met" if r["met"] else "not met") if r["met"] is not None else (
            "no data" if r["on_track"] is None else "on track" if r["on_track"] else "off track")
    cls, mark, key = _STATUS_HTML.get(st, ("na", "", "no_data"))
    why = f'<br><span class="small">{escape(translate_note(r["reason"], lang))}</span>' if reason and r.get("reason") else ""
    return f'<span class="{cls}">{mark}{text(key, lang)}</span>{why}'


def _target_value(r: dict, v, lang: str) -> str:
    """A target's base or latest value: intensities to 4 decimals, shares to 2; emissions (peak, caps) in t, or in
    Chinese in 万吨 to 2 decimals as the provincial tables."""
    if "intensity" in r["kind"]:
        return _f(v, 4, lang)
    if r["kind"] == "non_fossil_share":
        return _f(v, 2, lang)
    if v is None:
        return "—"
    return _f(v / 1e4, 2, lang) + " 万吨" if lang == "zh" else _f(v, 0, lang)


def _targets_table(d: ReportData, lang: str) -> str:
    if d.targets is None or d.targets.height == 0:
        return f"<p>{escape(text('no_targets', lang))}</p>"
    rows, sources = [], {}
    for r in d.targets.iter_rows(named=True):
        rows.append([_raw(r["target"]), _region(r["region"], lang), _label("kind", r["kind"], lang), _label("scope", r["scope"], lang),
                     f"{r['base_year']}: {_target_value(r, r['base_value'], lang)}",
                     "—" if r["latest_year"] is None else f"{r['latest_year']}: {_target_value(r, r['latest_value'], lang)}",
                     _f(r["achieved_pct"], 2, lang), _f(r["required_pct"], 2, lang), _f(r["path_required_pct"], 2, lang), _status(r, lang),
                     _f(r["margin"], 2, lang), _source_ref(r["source"], sources)])
    head = [text(k, lang) for k in ("col_target", "col_region", "col_kind", "col_scope", "col_base", "col_latest", "col_achieved",
                                    "col_required", "col_path", "col_status", "col_margin", "col_source")]
    if "p_on_track" in d.targets.columns:  # Monte Carlo probabilities (ghginv.uncertainty.targets)
        for row, r in zip(rows, d.targets.iter_rows(named=True)):
            row.insert(-1, _f(r["p_met"] if r["p_met"] is not None else r["p_on_track"], 3, lang))
        head.insert(-1, text("col_p", lang))
    notes = "".join(f'<li id="target-source-{n}" translate="no">{escape(src)}</li>' for src, n in sources.items())
    return (_t(rows, head, left=4).replace("<table>", "<table class=\"wide\">", 1)
            + f'<div class="sources"><span class="small">{escape(text("target_sources", lang))}</span><ol class="small">{notes}</ol></div>')


def _source_ref(source: str, sources: dict[str, int]) -> str:
    """The Source cell of the targets table: a numbered reference to the list of sources under it (one
    number per distinct source), so that long citations and addresses do not widen the table."""
    n = sources.setdefault(source, len(sources) + 1)
    return f'<a class="ref" href="#target-source-{n}">[{n}]</a>'



def _peak_table(d: ReportData, lang: str) -> str:
    if d.peak is None or d.peak.height == 0:
        return ""
    rows = [[_region(r["region"], lang), _label("scope", r["scope"], lang), str(r["peak_year"]), _f(r["change_from_peak_pct"], 2, lang),
             _f(r["trend_pct_per_year"], 2, lang), escape(label("status", r["status"], lang))] for r in d.peak.iter_rows(named=True)]
    head = [text(k, lang) for k in ("col_region", "col_scope", "col_peak_year", "col_change", "col_trend", "col_status")]
    p = d.analysis.get("peak", {})
    params = f'<p class="small">{escape(text("peak_params", lang, n=p.get("min_years_since_peak"), pct=p.get("plateau_pct"), y=p.get("plateau_years")))}</p>'
    return f"<h2>{escape(text('peak', lang))}</h2>{params}{_t(rows, head, left=2)}"


def _indicator_table(d: ReportData, lang: str) -> str:
    if d.indicators is None:
        return ""
    ind = d.indicators.filter(pl.col("region") == ALL_REGION)
    years = sorted(ind["year"].unique().to_list())
    rows = []
    for (name,), sub in ind.group_by("indicator", maintain_order=True):  # in order of first appearance, rows in order
        m = dict(zip(sub["year"].to_list(), sub["value"].to_list()))
        dig = 4 if "intensity" in name else (2 if name in ("non_fossil_share_pct", "co2e_per_capita") else 0)
        rows.append([_label("indicator", name, lang), escape(label("unit", sub["unit"][0], lang)), *(_f(m.get(y), dig, lang) for y in years)])
    return f"<h2>{escape(text('indicators', lang))}</h2>" + _t(rows, [text("col_indicator", lang), text("col_unit", lang), *map(str, years)], left=2)


def _factor_sets(d: ReportData, lang: str) -> str:
    rows = [[_raw(s["name"]), _raw(s.get("version", "")), _raw(s.get("title", "")), escape(str(s.get("published", ""))),
             _raw(s.get("publisher", "")), f'<span class="small" translate="no">{escape(s.get("url", ""))}</span>'] for s in d.factor_sets()]
    head = [text("col_set", lang), text("col_version", lang), text("col_title", lang), text("col_published", lang), text("col_publisher", lang),
            text("col_url", lang)]
    return f"<h2>{escape(text('factor_sets', lang))}</h2>" + _t(rows, head, left=6)


def _quality(d: ReportData, lang: str) -> str:
    out = [f"<h2>{escape(text('dq', lang))}</h2>"]
    if d.synthetic:
        out.append(f'<div class="synthetic">{escape(text("synthetic", lang))}</div>')
    warns = [w for w in d.manifest.get("warnings") or [] if w.get("kind") == "base_year_fallback"]
    if warns:  # a base-year factor taken from another year (InventoryResult.warnings)
        out.append(f"<h3>{escape(text('warnings', lang))}</h3><ul>" + "".join(
            '<li class="bad">' + escape(text("warn_base_year", lang, base_year=w["base_year"], activity=label("activity", w["activity"], lang),
                                             item=w["item"], factor_year=w["factor_year"],
                                             kind=label("factor_kind", w["factor_kind"], lang) if lang == "zh" else w["factor_kind"].replace("_", " "),
                                             factor_set=w["factor_set"])) + "</li>" for w in warns) + "</ul>")
    nk = d.notation_rows()
    out.append(f"<h3>{escape(text('notation', lang))}</h3>")
    out.append(_t([[escape(r[0]), escape(category_label(r[0], lang, r[1])[len(r[0]) + 1:]), escape(r[2])] for r in nk.rows()],
                  ["IPCC", text("col_name", lang), text("col_key", lang)], left=3) if nk.height else f"<p>{text('none', lang)}</p>")
    src = d.factor_sources()
    s_rows = src.filter(pl.col("status") == "S") if "status" in src.columns else src.clear()
    out.append(f"<h3>{escape(text('s_status', lang))}</h3>")
    if s_rows.height:
        agg = (s_rows.group_by("factor_set", "activity", "kind", "item", "value", "unit", maintain_order=True)
               .agg(pl.col("rule").first(), pl.col("source").first()).sort("factor_set", "activity", "kind", "item", "value", "unit", "rule"))
        out.append(_t([[_raw(r["factor_set"]), _act(r["activity"], lang), escape(label("factor_kind", r["kind"], lang)),
                        _raw(r["item"]), _f(r["value"], 4, lang), escape(r["unit"]),
                        f'<span class="small" translate="no">{escape(r["rule"])} — {escape(r["source"])}</span>'] for r in agg.iter_rows(named=True)],
                      [text("col_set", lang), text("col_activity", lang), text("col_kind", lang), text("col_item", lang), text("col_value", lang),
                       text("col_unit", lang), text("col_source", lang)], left=4))
    else:
        out.append(f"<p>{text('none', lang)}</p>")
    x_sets = sorted(set(src.filter(pl.col("status") == "X")["factor_set"].to_list())) if "status" in src.columns else []
    if x_sets:
        out.append(f'<p class="bad">{escape(text("x_status", lang))}: {_raw(", ".join(x_sets))}</p>')
    fb = d.manifest.get("fallback_years") or []
    if fb:
        seen = sorted({(r["factor_set"], r["activity"], r["year"], r["factor_year"]) for r in fb})
        out.append(f"<h3>{escape(text('fallback', lang))}</h3><ul>" + "".join(
            f"<li>{escape(translate_note(f'{a} {y} → {fy} ({s})', lang))}</li>" for s, a, y, fy in seen) + "</ul>")
    out.append(_standard_coal(d, lang))
    conv = {k: v for k, v in d.analysis.items() if k not in ("notes", "standard_coal_rows", "standard_coal_sources")}
    if conv:
        out.append(f"<h3>{escape(text('conventions', lang))}</h3><ul>" + "".join(_convention(k, v, lang) for k, v in conv.items()) + "</ul>")
    notes = list(d.analysis.get("notes", [])) + d.extra_notes
    notes += [text("xlsx_split", lang, sheet=s["sheet"], rows=f"{s['rows']:,}", n=len(s["sheets"]), names=", ".join(s["sheets"]),
                   per=f"{s['rows_per_sheet']:,}") for s in d.sheet_splits]  # set by write_xlsx (written first)
    notes += [summed_text(st, lang) for st in d.workbook_summed]  # tables of inventory.xlsx summed over regions (ghginv.report._detail)
    if notes:
        out.append(f"<h3>{escape(text('notes', lang))}</h3><ul>" + "".join(f"<li>{escape(translate_note(n, lang))}</li>" for n in notes) + "</ul>")
    return "\n".join(out)


def _convention(k: str, v, lang: str) -> str:
    """One convention of the indicators: its name and value in ``lang``; paths, hashes and numbers as written."""
    if isinstance(v, dict):
        val = ", ".join(f"{a} = {b}" for a, b in v.items())
        return f"<li><b>{escape(label('convention', k, lang))}</b>: {_raw(val)}</li>"
    if isinstance(v, list):
        val = label("value", str(v), lang) if str(v) in LABELS["value"] else ", ".join(label("activity", x, lang) for x in v)
    else:
        val = label("value", str(v), lang)
    shown = _raw(val) if k in ("economy_table", "economy_sha256") or val == str(v) and lang == "zh" and not str(v).replace(".", "").isdigit() else escape(val)
    return f"<li><b>{escape(label('convention', k, lang))}</b>: {shown}</li>"


def _standard_coal(d: ReportData, lang: str) -> str:
    """The standard-coal coefficients of the energy total, each with the set (and source) that gave it."""
    rows = d.analysis.get("standard_coal_rows") or []
    if not rows:
        return ""
    how = (d.analysis.get("standard_coal_sources") or {}).get("chosen_by", "")
    body = [[_act(r["activity"], lang), escape(f"{r['value']:g}"), escape(r["unit"]), _raw(r["factor_set"]), escape(r.get("status", "")),
             f'<span class="small" translate="no">{escape(r.get("rule", ""))} — {escape(r.get("source", ""))}; {escape(r.get("source_locator", ""))}</span>']
            for r in sorted(rows, key=lambda r: (r["activity"], r["factor_set"]))]
    head = [text("col_activity", lang), text("col_value", lang), text("col_unit", lang), text("col_set", lang), text("col_status_key", lang),
            text("col_source", lang)]
    return f"<h3>{escape(text('standard_coal', lang).format(how=translate_note(how, lang)))}</h3>" + _t(body, head, left=1)


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
    parts = [
        f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(m.get('name', ''))} — {escape(text('title', lang))}</title><style>{CSS}</style></head><body>",
        f'<h1 translate="no">{escape(m.get("name", ""))}</h1><div>{escape(text("title", lang))} {years[0]}–{years[-1]}</div>',
    ]
    if d.synthetic:
        parts.append(f'<div class="synthetic">{escape(text("synthetic", lang))}</div>')
    parts.append(f'<p class="small">{escape(text("generated", lang, v=m.get("ghginv_version", __version__), g=(m.get("gwp") or {}).get("set", "")))}</p>')
    parts += [build() for _, build in _sections(d, lang)]
    parts.append("</body></html>")
    return "\n".join(parts)


def chart_svgs(d: ReportData, lang: str = "en") -> list[str]:
    """The charts of ``report.html``: each ``<svg class="chart">`` element, in page order, as the page holds it.

    Only the sections of the page that hold a chart are built (:func:`_sections`), by the same functions
    :func:`render_html` calls, so each string equals the page's own SVG in the same language.

    Parameters
    ----------
    d : ReportData
        The run's frames and manifest.
    lang : {"en", "zh"}, default "en"
        Language of the charts (titles, units, legends, number format).

    Returns
    -------
    list of str
        The SVG documents (``xmlns`` set, no script), one per chart.
    """
    return [c for has_chart, build in _sections(d, lang) if has_chart for c in CHART_SVG.findall(build())]


def _sections(d: ReportData, lang: str) -> list[tuple[bool, Callable[[], str]]]:
    """The page's sections after its heading, in order: ``(holds_a_chart, build)`` with ``build()`` the section's
    HTML. :func:`render_html` builds them all, :func:`chart_svgs` only those that hold a chart."""
    m = d.manifest
    years = d.years()
    base = (m.get("config") or {}).get("base_year") or d.analysis.get("price_base_year") or years[0]
    y0 = base if base in years else years[0]
    y1 = years[-1]
    eco = _has_economy(d)
    return [
        (False, lambda: _summary_page(d, lang, y0, y1)),
        (False, lambda: f'<h2>{escape(text("by_sector", lang))}</h2>'),
        (True, lambda: _sector_chart(d, lang)),
        (False, lambda: f"<h2>{escape(text('targets', lang))}</h2>"),
        (False, lambda: _targets_table(d, lang)),
        *([(True, lambda: _intensity_chart(d, lang, "co2_intensity")),
           (True, lambda: _intensity_chart(d, lang, "energy_intensity")),
           (True, lambda: _nonfossil_chart(d, lang))] if eco else
          # no economy table: no intensity section, said in one line (issue 19 item 1)
          [(False, lambda: f'<p class="na" id="no-economy">{escape(ptext("no_economy", lang))}</p>')]),
        (True, lambda: _waterfall(d, lang, y0, y1)),
        (False, lambda: f"<h2>{escape(text('sinks_chart', lang))}</h2>"),
        (True, lambda: _sinks(d, lang)),
        (False, lambda: _peak_table(d, lang)),
        (False, lambda: keycat_section(d, lang)),  # key categories (Vol 1 Ch 4), with key_categories.parquet
        (False, lambda: recalc_section(d, lang)),  # "Recalculations" when the run has recalculation.parquet
        (False, lambda: reference_section(d, lang)),  # energy balance vs sectoral CO2, with reference_approach.parquet
        (False, lambda: gapfill_section(d, lang)),  # gap-filled (estimated) activity cells, with gap_filling.parquet
        (False, lambda: _indicator_table(d, lang)),
        (False, lambda: completeness_section(d, lang)),  # categories × gases: value or notation key (ghginv.analysis.notation)
        (False, lambda: _factor_sets(d, lang)),
        (False, lambda: _quality(d, lang)),
    ]


_ = ENERGY_VARIANTS  # the energy variants named in targets' scope ("energy:<variant>")
