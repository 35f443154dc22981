"""Indicators, targets and reports end to end on the demo inventory: report.html (inline SVG,
zh/en, offline), inventory.xlsx round trip, ``ghginv report`` / ``ghginv targets``, bad economy
input, and a headless-Chromium rendering check (``pytest.mark.browser``)."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import polars as pl
import pytest

from ghginv.cli.report import targets_exit_code

from conftest import ROOT

DEMO_TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
CHROMIUM = Path("/usr/bin/chromium")


def run_cli(*args, cwd: Path, timeout: int = 240) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GHGINV_FACTORS_PATH"}
    env["COLUMNS"] = "200"
    return subprocess.run([sys.executable, "-m", "ghginv.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    out = tmp / "demo"
    res = run_cli("compile", DEMO_TOML, "--out", out, "--quiet", cwd=tmp)
    assert res.returncode == 0, res.stderr
    return out


def test_outputs_exist_and_manifest_records_conventions(run):
    import json

    for name in ("indicators.parquet", "targets.parquet", "peak.parquet", "report.html", "inventory.xlsx"):
        assert (run / name).is_file(), name
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    conv = m["indicators"]
    assert conv["electricity_method"] == "equivalent" and conv["indirect_co2"] == ["electricity"]
    assert conv["price_base_year"] == 2020
    assert {"report.html", "inventory.xlsx", "targets.parquet"} <= set(m["outputs"])
    assert {"energy", "indicators", "targets", "report"} <= set(m["stage_seconds"])
    assert any(r["activity"] == "electricity" and r["value"] == 0.1229 for r in conv["standard_coal_rows"])


def test_every_demo_target_is_evaluated(run):
    tg = pl.read_parquet(run / "targets.parquet")
    assert list(tg.columns)[:2] == ["target", "region"]
    for c in ("kind", "base_year", "target_year", "base_value", "latest_year", "latest_value", "achieved_pct",
              "required_pct", "path_required_pct", "on_track", "met", "margin", "source"):
        assert c in tg.columns
    assert tg.height == 6 and tg["latest_year"].to_list() == [2024] * tg.height  # the district's preset (qingyang_2025_2030)
    # every target has a verdict; the 2030 peak target is pending (rising, not off track before its deadline)
    assert tg["status"].null_count() == 0 and "no data" not in tg["status"].to_list()
    assert tg.filter(pl.col("kind") != "peak")["on_track"].null_count() == 0
    assert tg.filter(pl.col("kind") == "peak")["status"].to_list() == ["pending"]
    assert tg["met"].null_count() == tg.height  # 2025/2030 targets: no data for the target year yet
    assert all(s.strip() for s in tg["source"].to_list())
    ind = pl.read_parquet(run / "indicators.parquet")
    ci = ind.filter(pl.col("region") == "ALL", pl.col("indicator") == "co2_intensity").sort("year")
    row = tg.filter(pl.col("kind") == "co2_intensity").row(0, named=True)
    assert row["base_value"] == ci["value"][0] and row["latest_value"] == ci["value"][-1]
    assert row["achieved_pct"] == pytest.approx((1 - ci["value"][-1] / ci["value"][0]) * 100)
    assert all(v == round(v, 4) for v in ci["value"].to_list())


def test_report_html_has_charts_with_data(run):
    html = (run / "report.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<link" not in html and "src=" not in html  # self-contained, offline
    assert "SYNTHETIC DEMO DATA" in html
    charts = dict(re.findall(r'<svg class="chart" data-chart="([a-z0-9_]+)"(.*?)</svg>', html, re.S))
    for name in ("sectors", "co2_intensity", "energy_intensity", "non_fossil", "waterfall"):
        assert name in charts, name
    assert len(re.findall(r'class="bar"[^>]*height="([0-9.]+)"', charts["sectors"])) >= 5 * 4
    for name in ("co2_intensity", "energy_intensity", "non_fossil"):
        assert charts[name].count('class="series"') >= 2  # actual + at least one target path
    if pl.read_parquet(run / "emissions.parquet").filter(pl.col("emissions_t") < 0).height:
        assert "sinks" in charts
    else:
        assert "no sink rows" in html
    assert "✘" in html or "✔" in html
    assert "cn_gbt2589_2020" in html and "GB/T 2589" in html


def test_sector_target_in_words(run):
    """The district's sector-level target (规上工业单位增加值能耗, kind sector_energy_intensity) and the indicators
    of its sector read in English words in the English report, not as codes; its source is one numbered entry
    of the list under the targets table."""
    html = (run / "report.html").read_text(encoding="utf-8")
    for words in ("sector energy intensity", "energy excl. feedstock (above-scale industry)", "Energy consumption of above-scale industry, gross",
                  "Value added of above-scale industry at constant prices", "Energy intensity of above-scale industry excl. feedstock"):
        assert words in html, words
    assert "industry_above_scale" not in html and "sector_energy_intensity" not in html
    n = pl.read_parquet(run / "targets.parquet")["source"].n_unique()
    assert len(re.findall(r'<li id="target-source-\d+"', html)) == n and f'href="#target-source-{n}">[{n}]</a>' in html


def test_key_categories_section_and_sheet(run):
    """report.html lists the key categories of the latest year in rank order, as key_categories.parquet has
    them; inventory.xlsx has the whole table."""
    from openpyxl import load_workbook

    kc = pl.read_parquet(run / "key_categories.parquet")
    html = (run / "report.html").read_text(encoding="utf-8")
    sec = html[html.index('id="key-categories"'):]
    sec = sec[:sec.index("<h2", 10)]
    year = kc["year"].max()
    for a, title in (("level", f"Level assessment, {year}"), ("trend", f"Trend assessment, {year} against 2020")):
        key = kc.filter(pl.col("assessment") == a, pl.col("year") == year, pl.col("key")).sort("rank")
        assert key.height >= 1 and title in sec
        part = sec[sec.index(title):]
        part = part[:part.index("<h3", 5)] if "<h3" in part[5:] else part
        # every key category appears, in rank order, and no non-key one is listed
        pos = [part.index(f'<td class="">{r}</td>') for r in key["rank"].to_list()]
        assert part.count("<tr>") == key.height + 1
        assert pos == sorted(pos)
        first = key.row(0, named=True)
        assert f"{100 * first['share']:,.2f}" in part
        others = kc.filter(pl.col("assessment") == a, pl.col("year") == year, ~pl.col("key")).height
        assert f"{others} further categories are not key" in part
    wb = load_workbook(run / "inventory.xlsx", read_only=True)
    rows = list(wb["Key categories"].iter_rows(values_only=True))
    head_at = 2 if rows[0][0] and "SYNTHETIC" in str(rows[0][0]) else 0
    assert len(rows) - head_at - 1 == kc.height


def test_report_rebuild_in_chinese_and_targets_command(run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    res = run_cli("report", copy, "--lang", "zh", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    html = (copy / "report.html").read_text(encoding="utf-8")
    assert "温室气体清单年度报告" in html and 'lang="zh-CN"' in html and "合成演示数据" in html
    res = run_cli("targets", copy, cwd=tmp_path)
    assert res.returncode == targets_exit_code(pl.read_parquet(copy / "targets.parquet"))
    assert "青羊区" in res.stdout and "Traceback" not in res.stderr  # the district's preset (ghginv/data/demo/targets/qingyang_2025_2030.toml)
    bad = run_cli("targets", tmp_path, cwd=tmp_path)
    assert bad.returncode == 2 and "not a ghginv run folder" in bad.stderr  # a folder, but no run (issue 16 item 10)


def test_xlsx_round_trip(run):
    from openpyxl import load_workbook

    wb = load_workbook(run / "inventory.xlsx", read_only=True)
    assert {"Summary", "IPCC categories", "Provincial 5 sectors", "Indicators", "Targets", "Peak", "Factors used"} <= set(wb.sheetnames)

    def frame(name):
        rows = list(wb[name].iter_rows(values_only=True))
        head_at = 2 if rows[0][0] and "SYNTHETIC" in str(rows[0][0]) else 0
        head = rows[head_at]
        return [dict(zip(head, r)) for r in rows[head_at + 1:]]

    ind = pl.read_parquet(run / "indicators.parquet")
    back = frame("Indicators")
    assert len(back) == ind.height
    for a, b in zip(ind.iter_rows(named=True), back):
        assert (a["year"], a["region"], a["indicator"]) == (b["year"], b["region"], b["indicator"])
        # xlsxwriter writes 16 significant digits (Excel itself keeps 15)
        for k in ("value", "index_base_100", "yoy_change_pct"):
            assert b[k] == (None if a[k] is None else pytest.approx(a[k], rel=1e-15)), k
    tg = pl.read_parquet(run / "targets.parquet")
    for a, b in zip(tg.iter_rows(named=True), frame("Targets")):
        for k in ("base_value", "latest_value", "achieved_pct", "path_required_pct", "margin"):
            assert b[k] == (None if a[k] is None else pytest.approx(a[k], rel=1e-15)), k
        for k in ("target", "region", "on_track", "met", "source", "base_year", "latest_year"):
            assert b[k] == a[k], k
    em = pl.read_parquet(run / "emissions.parquet")
    five = {(r["year"], r["sector"]): r for r in frame("Provincial 5 sectors")}
    for y in (2020, 2024):
        e = em.filter(pl.col("year") == y, pl.col("scope") == "direct", pl.col("sector").str.starts_with("1"))
        assert five[(y, "Energy")]["CO2_t"] == pytest.approx(e.filter(pl.col("gas") == "CO2")["emissions_t"].sum(), rel=1e-12)
        assert five[(y, "Energy")]["co2e_t"] == pytest.approx(e["co2e_t"].sum(), rel=1e-12)
        # the demo estimates no industrial process: blank cells (null), not zeros
        assert five[(y, "Industrial processes")]["CO2_t"] is None and five[(y, "Industrial processes")]["co2e_t"] is None
        assert five[(y, "Energy")]["SF6_t"] is None
        ind_e = em.filter(pl.col("year") == y, pl.col("scope") == "indirect")["co2e_t"].sum()
        assert five[(y, "Memo: purchased electricity and heat (indirect)")]["co2e_t"] == pytest.approx(ind_e, rel=1e-12)


@pytest.mark.parametrize(
    "csv, needle",
    [
        # every problem at once; the single cases are unit-tested in tests/unit/test_indicators.py
        ("year,region,gdp_const_10k_yuan,population\n2021,ALL,0,5\n2022,ALL,11,5\n",
         ["no row for the base year 2020", "row 1", "GDP must be a positive number", "2020, 2023, 2024 of the inventory are missing"]),
    ],
)
def test_bad_economy_input_exit_2_no_output(tmp_path, csv, needle):
    eco = tmp_path / "economy.csv"
    eco.write_text(csv, encoding="utf-8")
    out = tmp_path / "out"
    res = run_cli("compile", DEMO_TOML, "--economy", eco, "--out", out, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert all(n in res.stderr for n in needle), res.stderr
    assert str(eco) in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def _png_pixels(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + n
    return w, h, zlib.decompress(idat)


@pytest.mark.browser
def test_report_renders_in_headless_chromium(run, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("headless Chromium (/usr/bin/chromium) is not installed")
    shot = tmp_path / "report.png"
    res = subprocess.run([str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--no-first-run", f"--screenshot={shot}", "--window-size=1280,2400", (run / "report.html").as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert shot.is_file(), res.stderr
    w, h, raw = _png_pixels(shot)
    assert (w, h) == (1280, 2400)
    # colour: the chart palette (bars, lines) must show up; a blank or text-only page is grey-scale
    stride = len(raw) // h
    coloured = 0
    for row in range(0, h, 4):
        line = raw[row * stride + 1:(row + 1) * stride]
        if len(set(line)) > 40:
            coloured += 1
    assert coloured > 50, "the screenshot shows no charts"
