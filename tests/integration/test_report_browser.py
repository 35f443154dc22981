"""The demo report in a real browser (issue 19 item 6): headless Chromium from the system's packages opens
``report.html`` in Chinese and in English over the DevTools protocol (``_cdp.py``, standard library only).

Checked at 1280 px and at the printable width of A4 (print media): no console error or exception, no element
wider than the page, every chart present with its data, every chart text inside its chart and no two texts
overlapping, also after long unbreakable names are put into the targets table; a PNG screenshot of each
language in the test's temporary folder; the A4 PDF Chromium prints has A4 pages and the last row of every
table (each cell that is printed on one line, found by ``pdftotext``). Skipped, with the reason, when
``/usr/bin/chromium`` is absent (``.ci/run`` installs it: ``apt-get install chromium fonts-noto-cjk poppler-utils``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

DEMO_TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
CHARTS = ("sectors", "co2_intensity", "energy_intensity", "non_fossil", "waterfall", "sinks")

pytestmark = pytest.mark.browser

# Everything the page must satisfy, measured in the browser: page width, elements past the right edge,
# and per chart its bars and lines, texts outside the chart box, texts overlapping each other.
LAYOUT_JS = r"""
(() => {
  const W = document.documentElement.clientWidth;
  const over = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const cls = el.className && el.className.baseVal !== undefined ? el.className.baseVal : el.className;
    const what = `${el.tagName.toLowerCase()}.${cls} right=${r.right.toFixed(0)} "${(el.textContent || '').trim().slice(0, 50)}"`;
    if (r.right > W + 0.5 || r.left < -0.5) over.push(what);
  }
  const charts = [...document.querySelectorAll('svg.chart')].map(s => {
    const box = s.getBoundingClientRect();
    const texts = [...s.querySelectorAll('text')].map(t => ({r: t.getBoundingClientRect(), s: t.textContent,
                                                             rot: t.hasAttribute('transform')}));
    const outside = texts.filter(t => t.r.left < box.left - 0.5 || t.r.right > box.right + 0.5
                                      || t.r.top < box.top - 0.5 || t.r.bottom > box.bottom + 0.5).map(t => t.s);
    const overlaps = [];
    for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i], b = texts[j];
      if (a.rot || b.rot) continue;
      const ox = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left), oy = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (ox > 1 && oy > 1) overlaps.push(`${a.s} / ${b.s}`);
    }
    return {name: s.dataset.chart, bars: s.querySelectorAll('.bar').length, series: s.querySelectorAll('.series').length,
            width: box.width, outside, overlaps};
  });
  const lastRows = [...document.querySelectorAll('table')].map(t => {
    const rows = t.querySelectorAll('tr'); const cells = [...rows[rows.length - 1].querySelectorAll('td,th')];
    // the cells printed on one line (a wrapped cell's lines interleave with its neighbours' in the PDF's text)
    return cells.filter(c => { const rg = document.createRange(); rg.selectNodeContents(c);
                               return new Set([...rg.getClientRects()].map(r => Math.round(r.top))).size === 1; })
                .map(c => c.innerText.trim());
  });
  return JSON.stringify({W, scrollW: document.documentElement.scrollWidth, over: over.slice(0, 20), nOver: over.length, charts, lastRows,
                         fonts: document.fonts.status});
})()
"""


# A user's long unbreakable names in the targets table (target, region, an unknown sector in the scope), in the
# summary's table of targets, and a long source: the tables must wrap them, not widen the page.
STRESS_JS = r"""
(() => {
  const long = 'Qingyang_Economic_and_Technological_Development_Zone_above_scale_industry_2025';
  const row = document.querySelector('table.wide tbody tr');
  for (const td of row.querySelectorAll('td.l')) td.textContent = long;
  const sum = document.querySelector('.summary table tbody td.l');
  if (sum) sum.textContent = long;
  const li = document.querySelector('.sources li');
  if (li) li.textContent = 'https://example.org/' + long.repeat(3);
  return row.querySelectorAll('td.l').length;
})()
"""


def _chromium():
    from _cdp import CHROMIUM, Chromium

    if not CHROMIUM.exists():
        pytest.skip(f"headless Chromium ({CHROMIUM}) is not installed: apt-get install chromium fonts-noto-cjk (.ci/run does)")
    return Chromium


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    """The demo run's report.html in zh and en (one compile, the English report rebuilt in a copy)."""
    _chromium()
    tmp = tmp_path_factory.mktemp("browser")
    env = {k: v for k, v in os.environ.items() if k not in ("GHGINV_FACTORS_PATH", "GHGINV_LANG")}
    res = subprocess.run([sys.executable, "-m", "ghginv.cli", "--lang", "zh", "compile", str(DEMO_TOML), "--out", str(tmp / "zh"), "--quiet"],
                         capture_output=True, text=True, cwd=tmp, env=env, timeout=600)
    assert res.returncode == 0, res.stderr
    shutil.copytree(tmp / "zh", tmp / "en")
    res = subprocess.run([sys.executable, "-m", "ghginv.cli", "report", str(tmp / "en"), "--lang", "en"], capture_output=True, text=True,
                         cwd=tmp, env=env, timeout=600)
    assert res.returncode == 0, res.stderr
    return {"zh": tmp / "zh" / "report.html", "en": tmp / "en" / "report.html"}


def _check_layout(m: dict, where: str) -> None:
    assert m["scrollW"] <= m["W"], f"{where}: the page is {m['scrollW']} px wide in a {m['W']} px window"
    assert m["nOver"] == 0, f"{where}: {m['nOver']} element(s) past the page's right edge: " + "; ".join(m["over"])
    names = [c["name"] for c in m["charts"]]
    assert set(CHARTS) <= set(names), f"{where}: charts {names}"
    for c in m["charts"]:
        assert c["bars"] + c["series"] > 0, f"{where}: chart {c['name']} carries no data"
        assert c["width"] <= m["W"], f"{where}: chart {c['name']} is {c['width']} px wide"
        assert not c["outside"], f"{where}: chart {c['name']}: text cut off at its edge: {c['outside']}"
        assert not c["overlaps"], f"{where}: chart {c['name']}: overlapping texts: {c['overlaps'][:5]}"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_report_in_chromium(reports, lang, tmp_path):
    from _cdp import A4_PRINT_PX

    Chromium = _chromium()
    with Chromium(width=1280) as c:
        c.open(reports[lang])
        assert c.evaluate("document.documentElement.lang") == ("zh-CN" if lang == "zh" else "en")
        c.evaluate("document.fonts.ready.then(() => true)")
        screen = json.loads(c.evaluate(LAYOUT_JS))
        shot = c.screenshot(tmp_path / f"report-{lang}.png")
        _check_layout(screen, f"{lang}, 1280 px")
        # print: A4 less the 12 mm margins, print media (the report's @media print rules)
        c.media("print")
        c.viewport(A4_PRINT_PX, 1100)
        printed = json.loads(c.evaluate(LAYOUT_JS))
        _check_layout(printed, f"{lang}, A4 print width {A4_PRINT_PX} px")
        pdf = c.pdf(tmp_path / f"report-{lang}.pdf")
        errors = c.console_errors()
        assert c.evaluate(STRESS_JS) >= 3
        for width, media in ((A4_PRINT_PX, "print"), (1280, "")):
            c.media(media)
            c.viewport(width, 1100)
            _check_layout(json.loads(c.evaluate(LAYOUT_JS)), f"{lang}, {width} px, {media or 'screen'}, long unbreakable names in the targets table")
    assert errors == [], errors
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 1280 and int.from_bytes(png[20:24], "big") > 3000
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-"
    pages = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert pages and all(abs(float(w) - 595.9) < 2 and abs(float(h) - 842.9) < 2 for w, h in pages), pages[:3]  # A4 in points
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF's text was not checked")
    text = re.sub(r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout)
    missing, checked = [], 0
    for cells in printed["lastRows"]:
        cells = [re.sub(r"\s+", "", x) for x in cells if x.strip() and x.strip() != "—"]
        checked += bool(cells)
        if cells and not all(x in text for x in cells):
            missing.append([x for x in cells if x not in text])
    assert checked >= len(printed["lastRows"]) - 2, f"{lang}: only {checked} of {len(printed['lastRows'])} tables have a one-line cell in their last row"
    assert not missing, f"{lang}: the printed PDF lacks the last row of {len(missing)} table(s) (cut off?): {missing[:5]}"
