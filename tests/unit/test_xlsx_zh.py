"""The Chinese sheets of inventory.xlsx (:mod:`ghginv.report._xlsx_zh`) for the tables the demo does not write
(gap filling, recalculations, changed factors): every head Chinese, codes kept beside their Chinese names, value
words from the catalogue; English names are the identity."""

from __future__ import annotations

import re

import polars as pl
import pytest

from ghginv.core.i18n import XLSX_COLUMNS, XLSX_SHEETS
from ghginv.report._xlsx_zh import column_head, sheet_name, zh_frame, zh_summary_line
from ghginv.rerun.recalc import RECALC_COLUMNS

_CJK = re.compile(r"[\u4e00-\u9fff]")


def _all_heads_chinese(df: pl.DataFrame) -> None:
    assert all(_CJK.search(c) for c in df.columns), [c for c in df.columns if not _CJK.search(c)]
    assert len(set(df.columns)) == len(df.columns)


def test_gap_filling_sheet():
    g = pl.DataFrame({"rule": [1], "year": [2021], "region": ["ALL"], "sector": ["1.A.3.b"], "activity": ["diesel"], "method": ["interpolation"],
                      "unit": ["t"], "amount": [12.5], "input_years": ["2020, 2022"], "inputs": ["diesel 2020, 2022"], "surrogate": [None],
                      "co2e_t": [39.1]})
    z = zh_frame("Gap filling", g)
    _all_heads_chinese(z)
    row = z.row(0, named=True)
    assert row["类别代码"] == "1.A.3.b" and row["类别名称"] == "公路" and row["活动代码"] == "diesel" and row["活动"] == "柴油"
    assert row["填补方法"] == "线性内插" and row["地区"] == "全域" and row["单位"] == "吨" and row["填补值"] == 12.5
    assert z.columns.index("类别名称") == z.columns.index("类别代码") + 1


def test_recalculation_sheets():
    r = pl.DataFrame({c: [None] for c in RECALC_COLUMNS}).with_columns(
        pl.lit(2022).alias("year"), pl.lit("direct").alias("scope"), pl.lit("1.A").alias("category"), pl.lit("Fuel combustion").alias("category_name"),
        pl.lit(1.0).alias("old_co2e_t"))
    z = zh_frame("Recalculations", r)
    _all_heads_chinese(z)
    assert z.row(0, named=True)["类别名称"] == "化石燃料燃烧" and z.row(0, named=True)["口径"] == "直接排放"
    cols = ["factor_set", "set_version", "factor_year", "value", "unit", "status", "source", "rule"]
    f = pl.DataFrame({"year": [2022], "region": ["ALL"], "sector": ["1.A.4.b"], "activity": ["natural_gas"], "kind": ["factor"], "item": ["CO2"],
                      **{f"{p}_{c}": [None] for p in ("old", "new") for c in cols}, "change": ["added"]})
    z = zh_frame("Recalculated factors", f)
    _all_heads_chinese(z)
    row = z.row(0, named=True)
    assert row["类别名称"] == "居民生活" and row["因子类别"] == "排放因子" and row["变化"] == "新增" and "原数据等级" in z.columns


def test_booleans_and_ten_thousand_tonnes():
    z = zh_frame("Targets", pl.DataFrame({"on_track": [True, False, None], "status": ["off track", "met", None]}))
    assert z["进度达标"].to_list() == ["是", "否", None] and z["状态"].to_list() == ["进度滞后", "已完成", None]
    five = zh_frame("Provincial 5 sectors", pl.DataFrame({"year": [2020], "sector": ["Energy"], "sector_zh": ["能源活动"], "co2e_t": [12345.0]}))
    assert five.columns == ["年份", "领域", "温室气体合计（万吨二氧化碳当量）"] and five["温室气体合计（万吨二氧化碳当量）"][0] == pytest.approx(1.2345)


def test_english_is_the_identity_and_unknown_columns_keep_their_name():
    assert all(sheet_name(k, "en") == k == en for k, (en, _) in XLSX_SHEETS.items())
    assert all(sheet_name(k, "zh") != k for k in XLSX_SHEETS if k != "Summary") and sheet_name("Summary", "zh") == "概要"
    assert all(len(zh) <= 31 - 4 for _, zh in XLSX_SHEETS.values())  # room for " (2)" of a split sheet
    assert column_head("Peak", "peak_value") == "峰值（吨）" and column_head("Targets", "kind") == XLSX_COLUMNS["kind"][1]
    assert column_head("Indicators", "not_catalogued") == "not_catalogued"


def test_summary_lines():
    assert zh_summary_line("electricity_method", "equivalent") == ("电力折标方法", "当量值")
    assert zh_summary_line("indirect_co2", "electricity, heat") == ("计入的间接排放", "电力、热力")
    assert zh_summary_line("standard_coal_sources.ncv", "cn_gbt2589_2020") == ("折标准煤系数来源·低位发热量", "cn_gbt2589_2020")
    assert zh_summary_line("lang", "zh") == ("语言", "中文（zh）")
