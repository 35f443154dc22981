"""Chinese outputs contain no English words outside a whitelist (issue 19 item 2): ``report.html`` of the demo
in ``zh`` (every text node but names and citations given by the user or a source, marked ``translate="no"``)
and the command line's summary with ``--lang zh`` / ``GHGINV_LANG=zh``. A failure lists each offending word
with the text it stands in."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ghginv.core.i18n import LABELS

from conftest import ROOT

DEMO_TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"

# Latin words allowed in Chinese text: codes, units, names of standards, guidelines, gases and file formats,
# and the configuration keys a user types (shown next to their Chinese explanation).
WHITELIST = {
    # gases, notation keys, standards and bodies
    "CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3", "CO2e", "GWP", "IPCC", "GB", "GDP", "NE", "NO", "NA", "IE", "MEE", "NBS",
    "AR5GWP100", "AR4GWP100", "AR6GWP100", "SARGWP100", "NOx", "NH3", "SAR", "TFT", "LULUCF", "FOD",
    "HCFC", "HCFCs", "CFCs",  # gas families (氟化工（HCFC-22生产、HFCs生产）of the provincial tables)
    # units
    "tce", "kgce", "kg", "kWh", "MJ", "GJ", "TJ", "gce", "m", "t", "kt", "km", "sha256", "CO2/TJ",
    # the program, its files and formats
    "ghginv", "manifest", "json", "parquet", "csv", "toml", "xlsx", "html", "key_categories", "recalculation_factors",
    "inventory", "report",
    # configuration keys and values a user writes in the TOML (quoted with their meaning)
    "year_fallback", "nearest", "min_years_since_peak", "plateau_pct", "plateau_years", "gdp_index_prev_100", "energy_tce",
    "electricity_non_fossil_share", "standard_coal", "sets", "economy", "path", "targets", "gdp_const_10k_yuan",
    "workbook", "detail", "full",  # --workbook-detail full (inventory.xlsx summed over regions, ghginv.report._detail)
}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")
UNITS = {"C", "ha", "yr", "d.m", "kJ", "GJ", "MJ", "TJ", "kWh", "kg", "kgce", "tce", "m", "t", "kt", "gce", "dm"}


class _Text(HTMLParser):
    """Text nodes of a page, without <style>/<script> and without elements marked translate="no" (those in
    ``hidden``)."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.nodes: list[str] = []
        self.hidden: list[str] = []

    def handle_starttag(self, tag, attrs):
        skip = tag in ("style", "script") or dict(attrs).get("translate") == "no"
        self.stack.append((tag, skip))

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        if data.strip() and not any(s for _, s in self.stack):
            self.nodes.append(data.strip())
        elif data.strip() and not any(t in ("style", "script") for t, _ in self.stack):
            self.hidden.append(data.strip())


def english_words(texts: list[str], names: set[str] = frozenset()) -> dict[str, list[str]]:
    """Offending word -> up to three texts it appears in (a word counts when it has a Latin letter, is not a
    whitelisted code, unit or name, not an IPCC code, gas formula, file name or number with a unit)."""
    bad: dict[str, list[str]] = {}
    for t in texts:
        t2 = re.sub(r"https?://\S+", "", t)
        t2 = re.sub(r"\b\d+(?:\.[A-Za-z0-9]+)+\b", "", t2)  # IPCC codes 1.A.4.b, versions 2006.1
        t2 = re.sub(r"\b[\w-]+\.(?:parquet|csv|json|toml|xlsx|html|py)\b", "", t2)  # file names
        t2 = re.sub(r"GB/T", "", t2)
        for w in _WORD.findall(t2):
            if w in WHITELIST or w in UNITS or w in names or re.fullmatch(r"[A-Z]{1,3}\d*|[A-Z]?\d.*|[a-z]{1,2}\d*", w):
                continue
            ctx = bad.setdefault(w, [])
            if len(ctx) < 3:
                ctx.append(t[:160])
    return bad


def _show(bad: dict[str, list[str]]) -> str:
    return f"{len(bad)} English word(s) in Chinese output:\n" + "\n".join(f"  {w!r} in: " + " | ".join(map(repr, c)) for w, c in sorted(bad.items()))


def run_cli(*args, cwd: Path, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("GHGINV_FACTORS_PATH", "GHGINV_LANG")}
    env["COLUMNS"] = "200"
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "ghginv.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


@pytest.fixture(scope="module")
def zh_run(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    tmp = tmp_path_factory.mktemp("zh")
    out = tmp / "demo"
    res = run_cli("--lang", "zh", "compile", DEMO_TOML, "--out", out, cwd=tmp)
    assert res.returncode == 0, res.stderr
    return out, res


def test_whitelist_check_finds_english():
    """The checker itself: an English label is reported, codes, units and names are not."""
    bad = english_words(["1.A.3 交通运输 755.20 万吨二氧化碳当量 CO2 tce/万元 GB/T 2589", "co2_energy_t 仍在上升", "rising 状态"])
    assert set(bad) == {"co2_energy_t", "rising"}
    assert "rising 状态" in bad["rising"]


def test_zh_report_has_no_english_words(zh_run):
    import json

    run, _ = zh_run
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    p = _Text()
    p.feed((run / "report.html").read_text(encoding="utf-8").replace(m["name"], ""))  # the inventory's name, as the user wrote it
    assert len(p.nodes) > 300
    bad = english_words(p.nodes, names={s["name"] for s in m["factor_sets"]})  # factor sets are named by code
    assert not bad, _show(bad)
    # translate="no" hides only what the user or a source wrote: never a name ghginv catalogues (an indicator,
    # target kind, scope or sector such as industry_above_scale, alone or in <indicator>:<sector>)
    keys = {k for b in ("indicator", "kind", "scope", "sector", "sector_indicator") for k in LABELS[b] if "_" in k or ":" in k}
    hidden = [(k, t) for t in p.hidden for k in keys if re.search(rf"(?<![\w:]){re.escape(k)}(?![\w])", t)]
    assert not hidden, f"catalogued names hidden from the check by translate=\"no\": {hidden[:5]}"
    html = (run / "report.html").read_text(encoding="utf-8")
    for zh in ("能源活动", "化石燃料燃烧", "交通运输", "居民生活", "工业生产过程", "土地利用变化和林业", "废弃物处理", "万吨二氧化碳当量",
               "吨标准煤/万元", "进度滞后", "仍在上升",
               # the district's sector target (规上工业单位增加值能耗) and the indicators of its sector
               "行业单位增加值能耗降低", "扣除原料用能（规模以上工业）", "规模以上工业能源消费量", "规模以上工业增加值（可比价）",
               "规模以上工业单位增加值能耗"):
        assert zh in html, zh
    assert "industry_above_scale" not in html


def test_zh_cli_summary_has_no_english_words(zh_run):
    import json

    run, res = zh_run
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    lines = [ln.replace(m["name"], "").replace(str(run), "") for ln in res.stdout.splitlines() if ln.strip()]
    assert any("万吨二氧化碳当量" in ln for ln in lines) and any("1 能源活动" in ln for ln in lines), res.stdout
    bad = english_words(lines, names={s[k] for s in m["factor_sets"] for k in ("name", "version")})  # sets: code and version
    assert not bad, _show(bad) + "\n" + res.stdout


def test_unknown_language_is_bad_input(tmp_path):
    """``ghginv --lang fr``: one message naming the option and the value, exit 2, in either position."""
    for args in (["--lang", "fr", "version"], ["compile", str(DEMO_TOML), "--lang", "fr", "--out", str(tmp_path / "o")]):
        res = run_cli(*args, cwd=tmp_path)
        assert res.returncode == 2 and "--lang must be zh or en, got 'fr'" in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert not (tmp_path / "o").exists()


def test_zh_targets_table(zh_run, tmp_path):
    """``ghginv targets`` with GHGINV_LANG=zh: Chinese heads and statuses, no English word but the targets' own names."""
    import polars as pl

    run, _ = zh_run
    res = run_cli("targets", run, cwd=tmp_path, env_extra={"GHGINV_LANG": "zh"})
    assert "目标完成情况" in res.stdout and "进度滞后" in res.stdout and "全域" in res.stdout, res.stdout
    tg = pl.read_parquet(run / "targets.parquet")
    text = res.stdout.replace(str(run), "")
    for name in tg["target"].to_list():
        text = text.replace(name, "")
    bad = english_words(text.splitlines())
    assert not bad, _show(bad)


def test_zh_error_framing(tmp_path):
    """An error in Chinese (GHGINV_LANG=zh): the framing word 错误 and exit 2; the message names the file."""
    res = run_cli("compile", tmp_path / "missing.toml", "--out", tmp_path / "o", cwd=tmp_path, env_extra={"GHGINV_LANG": "zh"})
    assert res.returncode == 2 and res.stderr.startswith("错误："), res.stderr
    assert "missing.toml：找不到清单文件" in res.stderr and "Traceback" not in res.stderr


# ---- inventory.xlsx in zh (issue 19 item 2): every sheet name, note, head and text cell ----
# Columns whose values are codes (kept as data beside their Chinese name column) or names and citations the user or
# a source gave, by their Chinese head; their cells are not checked (their heads are).
XLSX_VERBATIM_HEADS = {
    "地区", "口径代码", "类别代码", "气体", "注释键", "指标代码", "类型代码", "活动代码", "燃料代码", "项目代码", "因子类别代码",  # codes
    "编号", "IPCC 2006 类别",  # codes of the provincial tables
    "目标", "来源", "出处位置", "取值规则", "因子集", "因子集版本", "数据等级", "所用排放因子行", "所用数据", "替代序列",  # user / source
}
# Summary lines whose text is a name, path or hash as the user or a source wrote it
XLSX_VERBATIM_SUMMARY = {"清单名称", "排放因子集", "经济数据表", "经济数据表 sha256"}


def _sheet_rows(ws) -> tuple[str | None, tuple, list[tuple]]:
    """(note in A1 or None, header, data rows) of a table sheet: a note, a blank row, then the header."""
    rows = list(ws.iter_rows(values_only=True))
    if rows[0][0] and len(rows) > 1 and all(v is None for v in rows[1]):
        return rows[0][0], rows[2], rows[3:]
    return None, rows[0], rows[1:]


def xlsx_texts(path: Path) -> tuple[list[str], dict[str, list]]:
    """Every text of a workbook the English-word check reads (sheet names, notes, heads, text cells but those of
    :data:`XLSX_VERBATIM_HEADS` and :data:`XLSX_VERBATIM_SUMMARY`), and sheet -> its frame of cells per head."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    texts: list[str] = []
    tables: dict[str, list] = {}
    for ws in wb.worksheets:
        texts.append(ws.title)
        if ws.title == "概要":  # label | text lines, then the yearly totals and the split records
            for row in ws.iter_rows(values_only=True):
                texts += [v for v in row[:1] if isinstance(v, str)]
                if isinstance(row[1], str) and row[0] not in XLSX_VERBATIM_SUMMARY:
                    texts.append(row[1])
            continue
        note, head, data = _sheet_rows(ws)
        texts += [t for t in (note, *head) if isinstance(t, str)]
        tables[ws.title] = [dict(zip(head, r)) for r in data]
        for j, h in enumerate(head):
            if h in XLSX_VERBATIM_HEADS or (h and h[0] in "原新" and h[1:] in XLSX_VERBATIM_HEADS):  # old_/new_ of a changed factor
                continue
            texts += sorted({r[j] for r in data if j < len(r) and isinstance(r[j], str)})
    return texts, tables


def test_zh_workbook_has_no_english_words(zh_run):
    """inventory.xlsx with --lang zh: sheet names, notes, heads and text cells Chinese; codes kept beside their names;
    statuses, kinds, scopes, indicators and units as the catalogue's words; numbers as numbers."""
    import json

    run, _ = zh_run
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    texts, tables = xlsx_texts(run / "inventory.xlsx")
    assert len(texts) > 300
    bad = english_words(texts, names={s[k] for s in m["factor_sets"] for k in ("name", "version")})
    assert not bad, _show(bad)
    assert not [t for t in texts if "SYNTHETIC" in t or "not official" in t]
    assert all(re.search(r"[\u4e00-\u9fff]", name) for name in [*tables, "概要"]), list(tables)
    assert {"IPCC类别排放", "完整性", "五大领域排放", "清单汇总表", "主要指标", "目标完成情况", "达峰分析", "使用的排放因子", "关键类别",
            "参考方法"} <= set(tables)
    # code columns are kept as data, each with its Chinese name beside it
    ind = {(r["指标代码"], r["指标"]) for r in tables["主要指标"]}
    assert ("co2_energy_t", "能源活动二氧化碳排放量") in ind
    assert ("energy_gross_tce:industry_above_scale", "规模以上工业能源消费量") in ind
    assert {r["单位"] for r in tables["主要指标"]} >= {"吨二氧化碳", "吨标准煤/万元", "%"}
    assert {(r["类型代码"], r["类型"]) for r in tables["目标完成情况"]} >= {("non_fossil_share", "非化石能源占比")}
    assert ("energy:non_fossil", "非化石能源") in {(r["口径代码"], r["口径"]) for r in tables["目标完成情况"]}
    assert {r["状态"] for r in tables["目标完成情况"]} <= {"已完成", "未完成", "进度达标", "进度滞后", "未到期", "无法判定", "无数据"}
    assert "仍在上升" in {r["状态"] for r in tables["达峰分析"]}
    cats = {(r["类别代码"], r["类别名称"]) for r in tables["IPCC类别排放"]}
    assert {("1", "能源活动"), ("1.A.3.b", "公路"), ("1.A.4.b", "居民生活")} <= cats
    assert all(isinstance(r["二氧化碳当量（吨）"], float) for r in tables["IPCC类别排放"] if r["二氧化碳当量（吨）"] is not None)
    assert {r["评估方法"] for r in tables["关键类别"]} <= {"水平评估（方法 1）", "趋势评估（方法 1）", "水平评估（方法 2）", "趋势评估（方法 2）"}


def test_zh_five_sectors_in_10k_t_equal_the_parquet(zh_run):
    """五大领域排放 (zh) is the English sheet's table in 万吨: each cell equals t / 1e4 from emissions.parquet."""
    import polars as pl

    from ghginv.report.xlsx import provincial_table

    run, _ = zh_run
    _, tables = xlsx_texts(run / "inventory.xlsx")
    want = provincial_table(pl.read_parquet(run / "emissions.parquet"))
    got = tables["五大领域排放"]
    assert [(r["年份"], r["领域"]) for r in got] == list(zip(want["year"].to_list(), want["sector_zh"].to_list(), strict=True))
    for r, w in zip(got, want.iter_rows(named=True), strict=True):
        for g, head in (("CO2_t", "二氧化碳（万吨）"), ("CH4_t", "甲烷（万吨）"), ("co2e_t", "温室气体合计（万吨二氧化碳当量）")):
            assert (r[head] is None) == (w[g] is None) and (w[g] is None or r[head] == pytest.approx(w[g] / 1e4, rel=1e-12))
