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
    # units
    "tce", "kgce", "kg", "kWh", "MJ", "GJ", "TJ", "gce", "m", "t", "kt", "km", "sha256", "CO2/TJ",
    # the program, its files and formats
    "ghginv", "manifest", "json", "parquet", "csv", "toml", "xlsx", "html", "key_categories", "recalculation_factors",
    "inventory", "report",
    # configuration keys and values a user writes in the TOML (quoted with their meaning)
    "year_fallback", "nearest", "min_years_since_peak", "plateau_pct", "plateau_years", "gdp_index_prev_100", "energy_tce",
    "electricity_non_fossil_share", "standard_coal", "sets", "economy", "path", "targets", "gdp_const_10k_yuan",
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
