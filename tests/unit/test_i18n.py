"""The message catalogue (ghginv.core.i18n): complete Chinese category names, labels, generated notes in
Chinese, the error framing of the command line, and chart labels that fit (ghginv.report.svg.fit)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from ghginv.analysis.indicators import ENERGY_VARIANTS
from ghginv.cli._common import render_error
from ghginv.core.categories import categories
from ghginv.core.columns import VALUE_ADDED_PREFIXES, VALUE_ADDED_SECTORS
from ghginv.core.errors import Problem, ValidationError
from ghginv.core.i18n import CATEGORY_ZH, CLI, LABELS, T, category_label, label, label_parts, resolve_lang, translate_message, translate_note
from ghginv.report.i18n import label_html
from ghginv.report.svg import fit, text_width


def test_every_ipcc_category_has_a_chinese_name():
    assert set(categories()) == set(CATEGORY_ZH)
    # the provincial guideline's names of the sectors and sub-items
    assert [CATEGORY_ZH[c] for c in ("1", "2", "3.B", "4", "1.A.3", "1.A.4.b", "3.C.7", "4.D.1")] == [
        "能源活动", "工业生产过程", "土地利用变化和林业", "废弃物处理", "交通运输", "居民生活", "稻田", "生活污水处理"]
    assert category_label("1.A.3", "zh", "Transport") == "1.A.3 交通运输"
    assert category_label("1.A.3", "en", "Transport") == "1.A.3 Transport"


def test_every_entry_has_both_languages():
    for block in (T, CLI, *LABELS.values()):
        for key, pair in block.items():
            assert len(pair) == 2 and all(isinstance(x, str) and x for x in pair), key
    assert label("indicator", "co2_energy_t", "zh") == "能源活动二氧化碳排放量"
    assert label("status", "rising", "zh") == "仍在上升"
    assert label("indicator", "not_catalogued", "zh") == "not_catalogued"  # unknown: the value as written


# the indicators of one sector that ghginv.analysis.indicators.sector_indicators writes, <indicator>:<sector>
SECTOR_INDICATORS = [*ENERGY_VARIANTS.values(), VALUE_ADDED_PREFIXES[0], *(f"energy_intensity_{v}" for v in ENERGY_VARIANTS)]


def test_every_value_added_sector_has_its_names():
    """The sectors the economy table's Chinese headers name (规模以上工业 → industry_above_scale) are catalogued,
    each with a Chinese name that the header reader maps back to it."""
    for key in set(VALUE_ADDED_SECTORS.values()):
        zh = label("sector", key, "zh")
        assert VALUE_ADDED_SECTORS.get(zh) == key, (key, zh)
        assert key in LABELS["sector"]
    assert label("sector", "industry_above_scale", "zh") == "规模以上工业"
    assert label("sector", "industry_above_scale", "en") == "above-scale industry"


def test_sector_target_names_in_both_languages():
    """A sector-level intensity target: its kind, its scope energy:<variant>:<sector> and every indicator
    <indicator>:<sector> it writes read in words; a catalogued sector is translated, no Latin letter is left
    in Chinese."""
    assert label("kind", "sector_energy_intensity", "zh") == "行业单位增加值能耗降低"
    assert label("kind", "sector_energy_intensity", "en") == "sector energy intensity"
    assert label("indicator", "energy_gross_tce:industry_above_scale", "zh") == "规模以上工业能源消费量"
    assert label("indicator", "value_added_const_10k_yuan:industry_above_scale", "zh") == "规模以上工业增加值（可比价）"
    assert label("indicator", "energy_intensity_excl_feedstock:industry_above_scale", "en") == \
        "Energy intensity of above-scale industry excl. feedstock"
    assert label("scope", "energy:excl_feedstock:industry_above_scale", "zh") == "扣除原料用能（规模以上工业）"
    assert label("scope", "energy:excl_feedstock:industry_above_scale", "en") == "energy excl. feedstock (above-scale industry)"
    for sector in set(VALUE_ADDED_SECTORS.values()):
        names = [label("indicator", f"{i}:{sector}", "zh") for i in SECTOR_INDICATORS]
        names += [label("scope", f"energy:{v}:{sector}", "zh") for v in ENERGY_VARIANTS]
        assert not [n for n in names if re.search("[A-Za-z_:]", n)], names
        en = [label("indicator", f"{i}:{sector}", "en") for i in SECTOR_INDICATORS]
        assert len(set(en)) == len(en) and not [n for n in en if "_" in n or ":" in n], en
    # an indicator catalogued without a sector wording: its name and the sector's in brackets
    assert label("indicator", "co2_total_t:industry", "zh") == "二氧化碳排放总量（工业）"
    # not catalogued at all: as written
    assert label_parts("indicator", "made_up:industry", "zh") == [("made_up:industry", False)]
    assert label_parts("scope", "energy:made_up:industry", "en") == [("energy:made_up:industry", False)]


def test_unknown_sector_is_shown_as_written():
    """A sector the catalogue does not know is the user's name: kept as written and, in HTML, marked
    translate="no" (as the report marks every name a user gives); only that piece, the words around it are
    translated and escaped."""
    parts = label_parts("indicator", "energy_gross_tce:park_A<1>", "zh")
    assert parts == [("park_A<1>", True), ("能源消费量", False)]
    assert label_html("indicator", "energy_gross_tce:park_A<1>", "zh") == '<span translate="no">park_A&lt;1&gt;</span>能源消费量'
    assert label_html("scope", "energy:gross:园区", "en") == 'energy, gross (<span translate="no">园区</span>)'
    assert label_html("indicator", "energy_gross_tce:industry_above_scale", "zh") == "规模以上工业能源消费量"  # known: no mark


@given(st.text(min_size=1, max_size=20).filter(lambda s: ":" not in s), st.sampled_from(SECTOR_INDICATORS), st.sampled_from(["en", "zh"]))
def test_sector_label_keeps_the_users_name(sector, indicator, lang):
    """For any sector name: the pieces join to the label, the sector appears once, and it is marked as written
    exactly when the catalogue does not know it."""
    parts = label_parts("indicator", f"{indicator}:{sector}", lang)
    assert "".join(t for t, _ in parts) == label("indicator", f"{indicator}:{sector}", lang)
    written = [t for t, w in parts if w]
    assert written == ([] if sector in LABELS["sector"] else [sector])


def test_generated_notes_in_chinese():
    assert translate_note("not peaked yet (status rising, latest year 2024); a peak before 2030 is still possible", "zh") == \
        "尚未达峰（仍在上升，最新年份 2024 年）；2030 年前仍可能达峰"
    assert translate_note("electricity 2020 → 2021 (mee_nbs_grid)", "zh") == "电力 2020 年 → 2021 年（mee_nbs_grid）"
    assert translate_note("something new", "zh") == "something new"
    assert translate_note("electricity 2020 → 2021 (mee_nbs_grid)", "en") == "electricity 2020 → 2021 (mee_nbs_grid)"


def test_language_from_environment(monkeypatch):
    monkeypatch.setenv("GHGINV_LANG", "zh_CN.UTF-8")
    assert resolve_lang() == "zh" and resolve_lang("en") == "en"
    monkeypatch.delenv("GHGINV_LANG")
    assert resolve_lang() == "en"


def test_error_framing_in_chinese():
    err = ValidationError("activity data are invalid", [Problem("amount is negative", file="a.parquet", row=3, column="amount", value=-2.5,
                                                                 hint="give the amount as a positive number")])
    zh = render_error(err, "zh")
    assert zh.splitlines()[0] == "错误：activity data are invalid（共 1 个问题）"
    # a catalogued message in Chinese, a hint that is not catalogued as written
    assert zh.splitlines()[1] == "  - 文件 a.parquet，第 3 行，列 'amount'：amount 为负数（值：-2.5） —— 处理办法：give the amount as a positive number"
    assert render_error(err, "en") == f"error: {err}"


def test_catalogued_messages_keep_values_and_rows():
    assert translate_message("amount is negative (first value: -12.5) — rows 2, 5 and 3 more", "zh") == \
        "amount 为负数（第一个值：-12.5） —— 第 2、5 行，另有 3 行"
    assert translate_message("unknown activity 'natual_gas': no factor set of the run knows it (did you mean natural_gas?) — row 2", "zh") == \
        "未知的活动 'natual_gas'：本次核算的因子集都不包含它（是否应为 natural_gas？） —— 第 2 行"
    assert translate_message("unknown IPCC 2006 category '1.A.9'", "zh") == "未知的 IPCC 2006 类别 '1.A.9'"
    assert translate_message("a message nobody catalogued — row 4", "zh") == "a message nobody catalogued —— 第 4 行"
    assert translate_message("amount is negative — row 4", "en") == "amount is negative — row 4"


@given(st.text(alphabet=st.sampled_from("abcXYZ 0123456789交通运输能源活动（）%/-"), min_size=0, max_size=80),
       st.floats(min_value=40, max_value=400), st.integers(min_value=1, max_value=3))
def test_fit_never_exceeds_the_width(s, width, lines):
    out = fit(s, width, 12, lines=lines)
    assert len(out) <= lines
    assert all(text_width(x, 12) <= width or len(x) <= 2 for x in out)
    if text_width(s, 12) <= width:
        assert out == ([s] if s else [])


def test_literal_head_is_what_every_match_starts_with():
    """The literal head that spares compiling a pattern: escaped punctuation is literal, an alternation inside a
    group after the head keeps it, one outside every group or a quantified character ends it, a class escape stops it."""
    from ghginv.core.i18n import _literal_head

    assert _literal_head(r"\[economy\]: indicators need (.+)") == "[economy]: indicators need "
    assert _literal_head(r"the (economy table|sink data) lacks (.+)") == "the "
    assert _literal_head(r"rows? (\d+)") == "row"
    assert _literal_head(r"ab+c") == "ab"
    assert _literal_head(r"a|b") == ""
    assert _literal_head(r"[a|b]x") == ""
    assert _literal_head(r"x[|](a)") == "x"
    assert _literal_head(r"\d+ rows") == ""
    assert _literal_head(r"x\(y\)|z") == ""
