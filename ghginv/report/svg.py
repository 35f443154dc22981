"""Charts as inline SVG strings (no JavaScript, no external files): the report works offline.

Every chart is an ``<svg class="chart" data-chart=NAME>``; bars are ``<rect class="bar">`` and
lines ``<polyline class="series">`` so tests can check that a chart carries data.
"""

from __future__ import annotations

import math
from html import escape

from ..core.rounding import round_half_up
from ._style import FONT_FAMILY

__all__ = ["stacked_bars", "lines", "waterfall", "nice_ticks", "PALETTE", "fmt_num", "text_width", "fit"]

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173"]
NO_TRANSLATE = ' translate="no"'  # a name given by the user: shown as written (the Chinese-text test skips it)
W, H = 1000, 340
ML, MR, MT, MB = 78, 300, 52, 42  # margins; legend on the right


def fmt_num(v: float, digits: int = 0, group: bool = True) -> str:
    """A number with thousands separators for chart labels.

    Parameters
    ----------
    v : float or None
        The number [unit of the chart].
    digits : int, default 0
        Decimals.
    group : bool, default True
        Thousands separators (English); False for the Chinese statistical tables, which print none.

    Returns
    -------
    str
        ``v`` rounded half up on its decimal value (四舍五入, :func:`ghginv.core.rounding.round_half_up`)
        and formatted, or "—" for None or NaN.
    """
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    return f"{round_half_up(v, digits):{',' if group else ''}.{digits}f}"


def text_width(s: str, size: float = 12) -> float:
    """Width of ``s`` in px at font size ``size`` [px], estimated from its characters: a CJK or full-width
    character one em, an ASCII letter or digit about 0.6 em (sans-serif), a space or punctuation 0.35 em.

    Parameters
    ----------
    s : str
        The text.
    size : float, default 12
        Font size [px].

    Returns
    -------
    float
        Estimated width [px] (upper side of the fonts the report names: Noto Sans CJK, Segoe UI, Arial).
    """
    w = 0.0
    for ch in s:
        o = ord(ch)
        if o >= 0x2E80 or 0xFF00 <= o <= 0xFFEF:
            w += 1.0
        elif ch in " .,:;'|!il()[]":
            w += 0.36
        elif ch.isupper() or ch in "mwMW%@":
            w += 0.72
        else:
            w += 0.6
    return w * size


def fit(s: str, width: float, size: float = 12, lines: int = 1) -> list[str]:
    """``s`` broken into at most ``lines`` lines each at most ``width`` px wide (:func:`text_width`);
    the last line ends with "…" when the text does not fit.

    Parameters
    ----------
    s : str
        The text.
    width : float
        Room per line [px].
    size : float, default 12
        Font size [px].
    lines : int, default 1
        Most lines.

    Returns
    -------
    list of str
        The lines, none wider than ``width``.
    """
    out, rest = [], s
    while rest and len(out) < lines:
        if text_width(rest, size) <= width:
            out.append(rest)
            return out
        n = len(rest)
        while n > 1 and text_width(rest[:n] + ("…" if len(out) == lines - 1 else ""), size) > width:
            n -= 1
        if len(out) < lines - 1:  # break at a space when there is one in the second half
            cut = rest.rfind(" ", 0, n)
            n = cut + 1 if cut > n // 2 else n
            out.append(rest[:n].rstrip())
            rest = rest[n:].lstrip()
        else:
            out.append(rest[:n].rstrip() + "…")
            rest = ""
    return out


def nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """About ``n`` round tick values covering [lo, hi].

    Steps are 1, 2, 2.5 or 5 times a power of ten.

    Parameters
    ----------
    lo : float
        Lowest value to cover [unit of the axis].
    hi : float
        Highest value to cover [unit of the axis].
    n : int, default 5
        Approximate number of intervals.

    Returns
    -------
    list of float
        Ascending tick values, the first ≤ ``lo`` and the last ≥ ``hi``.
    """
    if hi == lo:
        hi = lo + (abs(lo) or 1.0)
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = [round(start, 10)]
    while ticks[-1] < hi - step * 1e-9:
        ticks.append(round(start + step * len(ticks), 10))
    return ticks


def _frame(name: str, title: str, unit: str, body: list[str], legend: list[tuple]) -> str:
    """The chart's frame: title and unit (cut to fit the width), body, and the legend on the right, each label
    in at most two lines that fit the legend's width; the chart grows in height when the legend needs it.
    A legend entry ``(label, color, kind[, raw])`` with ``raw`` true is a name given by the user (``translate="no"``)."""
    items, y = [], MT + 6
    for entry in legend:
        label, color, kind = entry[:3]
        raw = ' translate="no"' if len(entry) > 3 and entry[3] else ""
        if kind == "line":
            items.append(f'<line x1="{W - MR + 14}" y1="{y + 5}" x2="{W - MR + 34}" y2="{y + 5}" stroke="{color}" stroke-width="2.5"/>')
        elif kind == "dash":
            items.append(f'<line x1="{W - MR + 14}" y1="{y + 5}" x2="{W - MR + 34}" y2="{y + 5}" stroke="{color}" stroke-width="2" stroke-dasharray="5,3"/>')
        else:
            items.append(f'<rect x="{W - MR + 14}" y="{y}" width="14" height="10" fill="{color}"/>')
        parts = fit(label, W - (W - MR + 40) - 6, 12, lines=2)
        for k, part in enumerate(parts):
            items.append(f'<text x="{W - MR + 40}" y="{y + 10 + 17 * k}"{raw}>{escape(part)}</text>')
        y += 20 + 17 * (len(parts) - 1)
    h = max(H, y + 4)
    out = [f'<svg class="chart" data-chart="{escape(name)}" viewBox="0 0 {W} {h}" width="{W}" height="{h}" '
           f'xmlns="http://www.w3.org/2000/svg" role="img" font-family="{escape(FONT_FAMILY)}" font-size="12">',
           f"<title>{escape(title)}</title>",
           f'<text x="8" y="20" font-size="14" font-weight="bold">{escape(fit(title, W - 16, 14)[0])}</text>',
           f'<text x="8" y="{MT - 14}" fill="#555" font-size="11">{escape(fit(unit, W - MR - 16, 11)[0])}</text>']
    out += body + items
    out.append("</svg>")
    return "\n".join(out)


def _axes(ticks: list[float], ymap, xlabels: list[tuple[float, str]], fmt, step: int = 1) -> list[str]:
    out = []
    for t in ticks:
        y = ymap(t)
        out.append(f'<line x1="{ML}" y1="{y:.1f}" x2="{W - MR}" y2="{y:.1f}" stroke="#e3e3e3"/>')
        out.append(f'<text x="{ML - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#333">{escape(fmt(t))}</text>')
    out.append(f'<line x1="{ML}" y1="{ymap(0) if ticks[0] <= 0 <= ticks[-1] else H - MB:.1f}" x2="{W - MR}" '
               f'y2="{ymap(0) if ticks[0] <= 0 <= ticks[-1] else H - MB:.1f}" stroke="#444"/>')
    for x, label in xlabels[::step]:
        out.append(f'<text x="{x:.1f}" y="{H - MB + 16}" text-anchor="middle" fill="#333">{escape(label)}</text>')
    return out


def _ymap(ticks):
    lo, hi = ticks[0], ticks[-1]
    return lambda v: MT + (hi - v) / (hi - lo) * (H - MT - MB)


def stacked_bars(name: str, title: str, unit: str, xs: list[str], series: list[tuple[str, list[float]]],
                 line: tuple[str, list[float]] | None = None, digits: int = 0, group: bool = True) -> str:
    """Stacked bars per x (positive values up, negative down), with an optional overlay line.

    Parameters
    ----------
    name : str
        Chart name (``data-chart`` attribute).
    title : str
        Chart title.
    unit : str
        Unit label of the y axis, e.g. "kt CO2e".
    xs : list of str
        The x labels (e.g. years).
    series : list of tuple of (str, list of float)
        Label and one value per x [unit of the chart] for each stacked series.
    line : tuple of (str, list of float), optional
        Label and one value per x of a line drawn over the bars (e.g. net emissions).
    digits : int, default 0
        Decimals of the value labels.
    group : bool, default True
        Thousands separators in the labels (False: Chinese table convention).

    Returns
    -------
    str
        The chart as an ``<svg class="chart">`` element; each bar a ``<rect class="bar">``.
    """
    pos = [sum(max(v, 0) for _, vals in series for v in [vals[i]]) for i in range(len(xs))]
    neg = [sum(min(v, 0) for _, vals in series for v in [vals[i]]) for i in range(len(xs))]
    lo = min([0.0, *neg, *(line[1] if line else [])])
    hi = max([0.0, *pos, *(line[1] if line else [])])
    ticks = nice_ticks(lo, hi)
    ym = _ymap(ticks)
    slot = (W - ML - MR) / max(len(xs), 1)
    bw = slot * 0.6
    step = max(1, math.ceil(max((text_width(x) for x in xs), default=0) / (slot - 4)))
    body = _axes(ticks, ym, [(ML + slot * (i + 0.5), x) for i, x in enumerate(xs)],
                 lambda t: fmt_num(t, digits if abs(ticks[1] - ticks[0]) < 1 else 0, group), step)
    legend = []
    up = [0.0] * len(xs)
    down = [0.0] * len(xs)
    for k, (label, vals) in enumerate(series):
        color = PALETTE[k % len(PALETTE)]
        legend.append((label, color, "box"))
        for i, v in enumerate(vals):
            if not v:
                continue
            if v > 0:
                y0, y1 = ym(up[i] + v), ym(up[i])
                up[i] += v
            else:
                y0, y1 = ym(down[i]), ym(down[i] + v)
                down[i] += v
            x = ML + slot * i + (slot - bw) / 2
            body.append(f'<rect class="bar" x="{x:.1f}" y="{y0:.1f}" width="{bw:.1f}" height="{max(y1 - y0, 0.5):.1f}" fill="{color}">'
                        f"<title>{escape(label)} {escape(xs[i])}: {fmt_num(v, digits, group)}</title></rect>")
    if line:
        pts = " ".join(f"{ML + slot * (i + 0.5):.1f},{ym(v):.1f}" for i, v in enumerate(line[1]))
        body.append(f'<polyline class="series" points="{pts}" fill="none" stroke="#000" stroke-width="2.5"/>')
        body += [f'<circle cx="{ML + slot * (i + 0.5):.1f}" cy="{ym(v):.1f}" r="3.5">'
                 f'<title>{escape(line[0])} {xs[i]}: {fmt_num(v, digits, group)}</title></circle>' for i, v in enumerate(line[1])]
        legend.append((line[0], "#000", "line"))
    return _frame(name, title, unit, body, legend)


def lines(name: str, title: str, unit: str, x_from: int, x_to: int, series: list[dict], digits: int = 2) -> str:
    """Lines over years.

    Parameters
    ----------
    name : str
        Chart name (``data-chart`` attribute).
    title : str
        Chart title.
    unit : str
        Unit label of the y axis, e.g. "kt CO2e".
    x_from : int
        First year of the x axis.
    x_to : int
        Last year of the x axis.
    series : list of dict
        Each with ``label``, ``points`` [(year, value [unit of the chart])], ``dash`` (bool, a
        dashed line such as a target path), optional ``color`` and ``raw`` (bool: the label is a name
        given by the user, marked ``translate="no"``).
    digits : int, default 2
        Decimals of the y-axis labels.

    Returns
    -------
    str
        The chart as an ``<svg class="chart">`` element; each line a ``<polyline class="series">``.
    """
    vals = [v for s in series for _, v in s["points"]]
    lo, hi = (min(vals), max(vals)) if vals else (0.0, 1.0)
    pad = (hi - lo) * 0.1 or abs(hi) * 0.1 or 1.0
    ticks = nice_ticks(lo - pad, hi + pad)
    ym = _ymap(ticks)
    span = max(x_to - x_from, 1)
    xm = lambda yr: ML + 20 + (yr - x_from) / span * (W - ML - MR - 40)  # noqa: E731
    step = max(1, math.ceil(text_width("2030") / max((W - ML - MR - 40) / span - 4, 1)))
    body = _axes(ticks, ym, [(xm(y), str(y)) for y in range(x_from, x_to + 1)], lambda t: fmt_num(t, digits), step)
    legend = []
    for k, s in enumerate(series):
        color = s.get("color") or PALETTE[k % len(PALETTE)]
        pts = " ".join(f"{xm(x):.1f},{ym(v):.1f}" for x, v in s["points"])
        dash = ' stroke-dasharray="6,4"' if s.get("dash") else ""
        body.append(f'<polyline class="series" points="{pts}" fill="none" stroke="{color}" stroke-width="{2 if s.get("dash") else 2.8}"{dash}/>')
        for x, v in s["points"]:
            if not s.get("dash") or x == s["points"][-1][0]:
                body.append(f'<circle cx="{xm(x):.1f}" cy="{ym(v):.1f}" r="3.5" fill="{color}">'
                            f'<title{NO_TRANSLATE if s.get("raw") else ""}>{escape(s["label"])} {x}: {fmt_num(v, digits + 2)}</title></circle>')
        legend.append((s["label"], color, "dash" if s.get("dash") else "line", bool(s.get("raw"))))
    return _frame(name, title, unit, body, legend)


def waterfall(name: str, title: str, unit: str, start: tuple[str, float], steps: list[tuple[str, float]],
              end: tuple[str, float], digits: int = 1, group: bool = True) -> str:
    """Waterfall chart: base total, one bar per change (green down, red up), latest total.

    Parameters
    ----------
    name : str
        Chart name (``data-chart`` attribute).
    title : str
        Chart title.
    unit : str
        Unit label of the y axis, e.g. "kt CO2e".
    start : tuple of (str, float)
        Label and value of the base total [unit of the chart].
    steps : list of tuple of (str, float)
        Label and change of each step [unit of the chart].
    end : tuple of (str, float)
        Label and value of the latest total [unit of the chart].
    digits : int, default 1
        Decimals of the value labels.
    group : bool, default True
        Thousands separators in the labels (False: Chinese table convention).

    Returns
    -------
    str
        The chart as an ``<svg class="chart">`` element; each bar a ``<rect class="bar">``.
    """
    levels = [0.0, start[1]]
    run = start[1]
    for _, d in steps:
        run += d
        levels.append(run)
    levels.append(end[1])
    moving = levels[1:]
    lo, hi = min(moving), max(moving)
    # zoom in when every level is positive: the totals' bars then start at the axis floor
    floor = max(0.0, lo - (hi - lo) * 1.5) if lo > 0 else min(levels)
    ticks = nice_ticks(floor, hi)
    ym = _ymap(ticks)
    n = len(steps) + 2
    slot = (W - ML - MR) / n
    bw = slot * 0.7
    labels = [start[0], *[s[0] for s in steps], end[0]]
    body = _axes(ticks, ym, [], lambda t: fmt_num(t, 0, group))
    legend = []
    run = start[1]
    base = ticks[0]
    bars = [(start[0], base, start[1], "#555")]
    for label, d in steps:
        bars.append((label, run, run + d, "#d62728" if d > 0 else "#2ca02c"))
        run += d
    bars.append((end[0], base, end[1], "#555"))
    for i, (label, a, b, color) in enumerate(bars):
        x = ML + slot * i + (slot - bw) / 2
        y0, y1 = ym(max(a, b)), ym(min(a, b))
        body.append(f'<rect class="bar" x="{x:.1f}" y="{y0:.1f}" width="{bw:.1f}" height="{max(y1 - y0, 0.8):.1f}" fill="{color}">'
                    f"<title>{escape(label)}: {fmt_num(b if i in (0, n - 1) else b - a, digits, group)}</title></rect>")
        value = fmt_num(b, digits, group) if i in (0, n - 1) else ('+' if b >= a else '') + fmt_num(b - a, digits, group)
        vs = 10 if text_width(value, 10) <= slot - 2 else max(7, 10 * (slot - 2) / text_width(value, 10))
        body.append(f'<text x="{x + bw / 2:.1f}" y="{y0 - 4:.1f}" text-anchor="middle" font-size="{vs:.1f}">{value}</text>')
        short = fit(labels[i], 110, 10)[0]
        body.append(f'<text x="{x + bw / 2:.1f}" y="{H - MB + 14}" text-anchor="end" font-size="10" '
                    f'transform="rotate(-20 {x + bw / 2:.1f} {H - MB + 14})">{escape(short)}</text>')
    legend = [("+", "#d62728", "box"), ("−", "#2ca02c", "box")]
    return _frame(name, title, unit, body, legend)
