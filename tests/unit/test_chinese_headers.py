"""Chinese headers in every table a user writes (issue 18 item 4): one alias table (ghginv.core.columns).

Economy, sinks, targets, notation-key and scenario tables read the same with English or Chinese
headers; unit words in a header are converted with their exact factor (亿元 → 10^4 yuan × 10,000,
万人 → persons × 10,000, 万吨标准煤 → tce × 10,000, % → fraction × 0.01); two headers for one column
and a table with neither name are one clear message each.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.analysis.indicators import read_economy
from ghginv.analysis.notation import read_keys_csv
from ghginv.core.columns import TABLES, accepted_names, resolve_columns, split_header, unit_factor
from ghginv.core.errors import ConfigError, SchemaError, ValidationError
from ghginv.core.targets_include import KIND_WORDS, expand_targets, read_targets_csv, resolve_preset
from ghginv.core.units import parse_ratio, parse_unit
from ghginv.inputs.sink_data import load_sink_data
from ghginv.rerun.scenarios import read_scenarios

YEARS = [2020, 2021]
EN = ("year,region,gdp_const_10k_yuan,population,energy_tce,electricity_non_fossil_share\n"
      "2020,ALL,1000000,950000,120000,0.8\n2021,ALL,1050000,952000,121000,0.81\n")


def _w(tmp_path: Path, text: str, name: str = "t.csv", encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding=encoding)
    return p


# ---- the alias table itself -----------------------------------------------------------------------

def test_header_split_folds_full_width_forms():
    assert split_header("地区生产总值（亿元，可比价）") == ("地区生产总值", ["亿元", "可比价"])
    assert split_header("地区生产总值 (可比价)(万元)") == ("地区生产总值", ["可比价", "万元"])
    assert split_header("常住人口") == ("常住人口", [])


@pytest.mark.parametrize("word, unit, factor", [
    ("亿元", "10^4 yuan", 1e4), ("万元", "10^4 yuan", 1.0), ("元", "10^4 yuan", 1e-4), ("千元", "10^4 yuan", 0.1),
    ("万人", "person", 1e4), ("人", "person", 1.0), ("万吨标准煤", "tce", 1e4), ("吨标准煤", "tce", 1.0), ("吨标煤", "tce", 1.0),
    ("%", "fraction", 0.01), ("%", "%", 1.0), ("万吨二氧化碳当量", "t CO2e", 1e4), ("吨二氧化碳当量", "t CO2e", 1.0),
])
def test_unit_words_have_their_exact_factor(word, unit, factor):
    assert unit_factor(word, unit) == factor  # exact: the scale words are powers of ten


@pytest.mark.parametrize("word, unit", [("吨", "person"), ("万元", "tce"), ("美元", "10^4 yuan"), ("二氧化碳当量", "t CO2e")])
def test_a_unit_of_another_quantity_has_no_factor(word, unit):
    assert unit_factor(word, unit) is None  # never guessed


def test_chinese_unit_words_of_the_unit_system():
    assert parse_unit("万千瓦时").scale == pytest.approx(36.0)  # 10^4 kWh = 36 GJ
    assert parse_unit("亿千瓦小时").scale == pytest.approx(3.6e5)
    assert parse_unit("万立方米").dimension == "volume" and parse_unit("万立方米").scale == 1e4
    assert parse_unit("万吨").scale == 1e4 and parse_unit("吨标煤").scale == parse_unit("tce").scale
    assert parse_unit("平方公里").scale == 100.0 and parse_unit("标准立方米").dimension == "volume"
    assert parse_ratio("千克/千瓦时").scale == pytest.approx(1e-3 / 3.6e-3)


def test_every_table_lists_its_names_in_both_languages():
    for table, cols in TABLES.items():
        text = accepted_names(table)
        for c in cols:
            assert c.name in text and c.zh[0] in text, (table, c.name)


# ---- economy ------------------------------------------------------------------------------------

def test_economy_chinese_headers_give_the_english_table(tmp_path):
    """亿元, 万人, 万吨标准煤 and % converted with their exact factors: the same table as in English."""
    en, _ = read_economy(_w(tmp_path, EN, "en.csv"), YEARS, [], 2020)
    zh_text = ("年份,地区,地区生产总值（亿元，可比价）,常住人口(万人),能源消费总量(万吨标准煤),外购电力非化石能源比重(%)\n"
               "2020,ALL,100,95,12,80\n2021,ALL,105,95.2,12.1,81\n")
    zh, notes = read_economy(_w(tmp_path, zh_text, "zh.csv"), YEARS, [], 2020)
    assert zh.columns == en.columns
    for c in ("gdp_const_10k_yuan", "population", "energy_tce", "electricity_non_fossil_share"):
        assert zh[c].to_list() == pytest.approx(en[c].to_list(), rel=1e-12), c
    assert any("亿元" in n and "10000" in n for n in notes)  # each conversion is said


def test_economy_gbk_csv_and_current_price_chaining(tmp_path):
    """A CSV saved by Excel on a Chinese system (GB18030), GDP at current prices with its index."""
    text = ('年度,区划代码,"地区生产总值(万元,现价)",地区生产总值指数(上年=100),年末常住人口(人)\n'
            "2020,ALL,1000000,104,900000\n2021,ALL,1080000,105.0,905000\n")
    p = tmp_path / "gbk.csv"
    p.write_bytes(text.encode("gb18030"))
    eco, _ = read_economy(p, YEARS, [], 2020)
    assert eco["gdp_const_10k_yuan"].to_list() == pytest.approx([1_000_000, 1_050_000])


def test_economy_mixed_language_header(tmp_path):
    p = _w(tmp_path, "year,地区,gdp_const_10k_yuan,常住人口(人)\n2020,ALL,100,9\n2021,ALL,101,9\n")
    eco, _ = read_economy(p, YEARS, [], 2020)
    assert eco["population"].to_list() == [9.0, 9.0]


def test_economy_both_year_and_nian_fen_is_ambiguous(tmp_path):
    p = _w(tmp_path, "年份,year,region,gdp_const_10k_yuan,population\n2020,2020,ALL,1,1\n")
    with pytest.raises(SchemaError, match=r"'年份' and 'year' both give year.*keep one"):
        read_economy(p, YEARS, [], 2020)


def test_economy_with_neither_name_lists_both_languages(tmp_path):
    p = _w(tmp_path, "Jahr,region,gdp_const_10k_yuan,Einwohner\n2020,ALL,1,1\n")
    with pytest.raises(SchemaError) as e:
        read_economy(p, YEARS, [], 2020)
    msg = str(e.value)
    assert str(p) in msg and "lacks column(s) year, population" in msg
    assert "year = 年份" in msg and "population = 常住人口(人) | 常住人口(万人)" in msg and "Rename the header" in msg
    assert msg.count("lacks") == 1  # one message


def test_economy_gdp_without_price_basis_or_unit(tmp_path):
    p = _w(tmp_path, "年份,地区,地区生产总值(万元),常住人口(人)\n2020,ALL,1,1\n")
    with pytest.raises(SchemaError, match=r"gdp_const_10k_yuan.*地区生产总值\(万元,可比价\).*add \(可比价\) or \(现价\)"):
        read_economy(p, YEARS, [], 2020)
    p = _w(tmp_path, "年份,地区,地区生产总值(可比价),常住人口\n2020,ALL,1,1\n")
    with pytest.raises(SchemaError, match=r"地区生产总值\(可比价\)' \(gdp_const_10k_yuan\) names no unit.*万元, 亿元") as e:
        read_economy(p, YEARS, [], 2020)
    assert "常住人口' (population) names no unit" in str(e.value)  # every such header in the one message
    p = _w(tmp_path, '年份,地区,"地区生产总值(吨,可比价)",常住人口(人)\n2020,ALL,1,1\n')
    with pytest.raises(SchemaError, match="has the unit 吨, which is not one of this column's"):
        read_economy(p, YEARS, [], 2020)


def test_value_added_by_sector_columns(tmp_path):
    text = ("年份,地区,地区生产总值（万元，可比价）,常住人口(人),规模以上工业增加值（亿元，可比价）,第三产业增加值（万元，现价）,第三产业增加值指数(上年=100)\n"
            "2020,ALL,100,1,5,60,104\n2021,ALL,101,1,5.5,66,110\n")
    eco, notes = read_economy(_w(tmp_path, text), YEARS, [], 2020)
    assert eco["value_added_const_10k_yuan:industry_above_scale"].to_list() == pytest.approx([5e4, 5.5e4])
    assert eco["value_added_const_10k_yuan:tertiary"].to_list() == pytest.approx([60, 66.0])  # 60 × 110 / 100
    assert any("tertiary chained" in n for n in notes)
    alone = _w(tmp_path, "year,region,gdp_const_10k_yuan,population,value_added_current_10k_yuan:x\n2020,ALL,1,1,1\n", "a.csv")
    with pytest.raises(SchemaError, match="value_added_const_10k_yuan:x"):
        read_economy(alone, [2020], [], 2020)
    neg = _w(tmp_path, "year,region,gdp_const_10k_yuan,population,value_added_const_10k_yuan:x\n2020,ALL,1,1,-3\n", "n.csv")
    with pytest.raises(ValidationError, match="value added"):
        read_economy(neg, [2020], [], 2020)


# ---- sinks, notation keys, scenarios --------------------------------------------------------------

def test_sink_data_chinese_headers_and_units(tmp_path):
    en = _w(tmp_path, "year,region,category,stratum,variable,value,unit\n2024,510105,3.B.1.a,s1,area,15,mu\n", "en.csv")
    zh = tmp_path / "zh.csv"  # saved by Excel on a Chinese system: GB18030
    zh.write_bytes("年份,地区,类别,层,变量,数值,单位\n2024,510105,3.B.1.a,s1,area,15,亩\n".encode("gb18030"))
    a, _ = load_sink_data([en])
    b, _ = load_sink_data([zh])
    drop = [c for c in a.columns if c in ("file", "unit")]
    assert a.drop(drop).equals(b.drop(drop))
    mixed = _w(tmp_path, "年份,year,region,category,stratum,variable,value,unit\n2024,2024,5,3.B.1.a,s,area,1,ha\n", "m.csv")
    with pytest.raises(SchemaError, match="'年份' and 'year' both give year"):
        load_sink_data([mixed])
    bad = _w(tmp_path, "年份,地区,类别,层,变量,数值\n2024,5,3.B.1.a,s,area,1\n", "b.csv")
    with pytest.raises(SchemaError, match=r"lacks column\(s\) unit.*unit = 单位 \| 计量单位"):
        load_sink_data([bad])


def test_notation_key_table_chinese_headers(tmp_path):
    p = tmp_path / "keys.csv"
    p.write_bytes("类别,气体,注释符号,原因,包含于\n1.B,,NO,辖区内无煤矿,\n2.F,HFCs,IE,含于1.A,1.A.4\n".encode("gb18030"))
    keys = read_keys_csv(p)
    assert [(k.category, k.gas, k.key, k.where) for k in keys] == [("1.B", None, "NO", ""), ("2.F", "HFCs", "IE", "1.A.4")]
    assert keys[0].reason == "辖区内无煤矿"
    with pytest.raises(ConfigError, match=r"lacks column\(s\) key.*key = 注释符号"):
        read_keys_csv(_w(tmp_path, "类别,说明\n1.B,x\n", "k2.csv"))
    with pytest.raises(ConfigError, match="'类别' and 'category' both give category"):
        read_keys_csv(_w(tmp_path, "类别,category,key\n1.B,1.B,NO\n", "k3.csv"))


def test_scenario_file_chinese_headers_and_units(tmp_path):
    en = _w(tmp_path, "scenario,activity,gas,region,year,value,unit\ng,electricity,CO2,*,2024,0.45,kg/kWh\n", "en.csv")
    zh = _w(tmp_path, "情景,活动,气体,地区,年份,数值,单位\ng,electricity,CO2,*,2024,0.45,千克/千瓦时\n", "zh.csv")
    a = read_scenarios(en, "AR5GWP100")
    b = read_scenarios(zh, "AR5GWP100")
    assert a[0] == b[0] and a[1] == b[1]
    assert a[2].drop("line").equals(b[2].drop("line"))
    with pytest.raises(SchemaError, match=r"lacks column.*scenario = 情景"):
        read_scenarios(_w(tmp_path, "名字,gwp\nx,AR6GWP100\n", "bad.csv"), "AR5GWP100")


# ---- targets tables and presets --------------------------------------------------------------------

def test_targets_csv_with_chinese_headers_and_kind_words(tmp_path):
    p = _w(tmp_path, "名称,类型,基准年,目标年,下降率(%),能耗口径,来源,可选,部门,不含部门,增加值\n"
                     "能耗,单位GDP能耗,2020,2025,13,excl_feedstock,某方案,否,,,\n"
                     "规上,规上工业单位增加值能耗,2020,2025,10,gross,某方案,是,1.A.2,1.A.2.k,industry_above_scale\n")
    rows = read_targets_csv(p)
    assert rows[0]["kind"] == "energy_intensity" and rows[0]["reduction_pct"] == 13.0 and rows[0]["optional"] is False
    assert rows[1] | {"included_from": None} == {
        "name": "规上", "kind": "sector_energy_intensity", "base_year": 2020, "year": 2025, "reduction_pct": 10.0,
        "energy_variant": "gross", "source": "某方案", "optional": True, "sectors": ["1.A.2"], "except_sectors": ["1.A.2.k"],
        "value_added": "industry_above_scale", "included_from": None}
    assert rows[1]["included_from"].endswith("t.csv, row 2")
    assert set(KIND_WORDS.values()) <= {"co2_intensity", "energy_intensity", "non_fossil_share", "emissions_cap", "peak",
                                        "sector_energy_intensity"}


def test_targets_csv_cap_in_wan_tons_and_bad_cells(tmp_path):
    p = _w(tmp_path, "类型,目标年,基准年,排放上限(万吨二氧化碳当量),来源\n排放总量上限,2030,2020,150,x\n")
    assert read_targets_csv(p)[0]["cap_t_co2e"] == 1_500_000.0
    bad = _w(tmp_path, "类型,目标年,下降率(%),来源\n碳达峰,二〇三〇,十,x\n", "b.csv")
    with pytest.raises(ConfigError) as e:
        read_targets_csv(bad)
    assert "a year must be a whole number" in str(e.value) and "must be a number" in str(e.value)
    with pytest.raises(ConfigError, match=r"lacks column\(s\) source.*source = 来源 \| 依据"):
        read_targets_csv(_w(tmp_path, "类型\npeak\n", "c.csv"))
    with pytest.raises(ConfigError, match="'类型' and 'kind' both give kind"):
        read_targets_csv(_w(tmp_path, "类型,kind,来源\npeak,peak,x\n", "d.csv"))


def test_include_a_preset_and_a_file(tmp_path):
    (tmp_path / "targets").mkdir()
    _w(tmp_path, '[preset]\nname = "mine"\n[[targets]]\nkind = "peak"\nbefore_year = 2030\nsource = "plan"\n', "targets/mine.toml")
    _w(tmp_path, "类型,达峰年份,来源\n碳达峰,2035,plan 2\n", "more.csv")
    raw = [{"kind": "peak", "before_year": 2028, "source": "s"}, {"preset": "mine", "optional": True}, {"file": "more.csv"}]
    out = expand_targets(raw, tmp_path, "inv.toml")
    assert [t["before_year"] for t in out] == [2028, 2030, 2035]
    assert out[1]["optional"] is True and out[1]["included_from"] == str((tmp_path / "targets" / "mine.toml").resolve())
    with pytest.raises(ConfigError, match="unknown target preset 'nope'.*known presets: .*mine"):
        expand_targets([{"preset": "nope"}], tmp_path, "inv.toml")
    with pytest.raises(ConfigError, match="one of them"):
        expand_targets([{"preset": "mine", "file": "more.csv"}], tmp_path, "inv.toml")
    with pytest.raises(ConfigError, match="one of them"):
        expand_targets([{"preset": "mine", "kind": "peak"}], tmp_path, "inv.toml")
    with pytest.raises(ConfigError, match="targets file not found"):
        expand_targets([{"file": "gone.csv"}], tmp_path, "inv.toml")
    _w(tmp_path, '[[targets]]\npreset = "mine"\n', "targets/nested.toml")
    with pytest.raises(ConfigError, match="cannot include another preset"):
        expand_targets([{"preset": "nested"}], tmp_path, "inv.toml")


def test_district_preset_cites_the_plan():
    """The five quantitative targets of the district's plan and its peak, each cited (factor-facts.md §6)."""
    import tomllib

    path = resolve_preset("qingyang_2025_2030")
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    ts = doc["targets"]
    got = {(t["kind"], t.get("year", t.get("before_year"))): t for t in ts}
    assert got[("non_fossil_share", 2025)]["min_share_pct"] == 56
    assert got[("non_fossil_share", 2030)]["min_share_pct"] == 60
    assert got[("energy_intensity", 2025)]["reduction_pct"] == 13
    assert got[("co2_intensity", 2025)]["reduction_pct"] == 20
    assert got[("sector_energy_intensity", 2025)]["reduction_pct"] == 10
    assert ("peak", 2030) in got and len(ts) == 6
    assert all("成青府发〔2024〕28号" in t["source"] and "https://ccn.ac.cn/" in t["source"] for t in ts)
    co2 = got[("co2_intensity", 2025)]
    assert "完成市上下达目标" in co2["source"] and "成都市" in co2["source"] and "市上下达" in co2["name"]  # the city's rate, said so
    sec = got[("sector_energy_intensity", 2025)]
    assert sec["value_added"] == "industry_above_scale" and sec["sectors"] == ["1.A.2"] and sec["except_sectors"] == ["1.A.2.k"]


def test_resolve_columns_leaves_unknown_headers(tmp_path):
    r = resolve_columns(["year", "备注", "region"], "economy", "e.csv")
    assert r.rename == {"year": "year", "region": "region"} and not r.factors
    frame = pl.DataFrame({"备注": ["x"]})
    assert frame.rename({h: c for h, c in r.rename.items() if h in frame.columns}).columns == ["备注"]


def test_load_config_expands_includes_from_the_toml_and_from_options(tmp_path):
    from ghginv.core.config import load_config

    (tmp_path / "targets").mkdir()
    _w(tmp_path, "类型,达峰年份,来源\n碳达峰,2030,plan\n", "targets/own.csv")
    from conftest import write_activity

    act = write_activity(tmp_path / "a.parquet", [dict(year=2024, region="R", sector="1.A.4.b", activity="natural_gas", amount=1.0, unit="TJ")])
    toml = _w(tmp_path, f'[activity]\npaths = ["{act.as_posix()}"]\n[factors]\nsets = ["ipcc2006_energy"]\n'
                        '[[targets]]\npreset = "own"\noptional = true\n', "inv.toml")
    cfg = load_config(toml)
    assert cfg.extra["targets"] == [{"kind": "peak", "before_year": 2030, "source": "plan", "optional": True,
                                     "included_from": f"{(tmp_path / 'targets' / 'own.csv').resolve()}, row 1"}]
    assert ("targets preset", (tmp_path / "targets" / "own.csv").resolve()) in cfg.input_paths()  # never an output
    cfg2 = load_config(toml, extra={"targets": [{"preset": "qingyang_2025_2030"}]})
    assert len(cfg2.extra["targets"]) == 6


def test_the_demo_economy_table_in_chinese_reads_as_the_english_one(tmp_path):
    """The demo's SYNTHETIC economy table written as a bureau would (亿元 at current prices, 万人, %,
    full-width parentheses, GB18030): the same economy frame as the English file."""
    from conftest import ROOT

    en_path = ROOT / "ghginv" / "data" / "demo" / "data" / "qingyang_synthetic" / "economy_synthetic.csv"
    en = pl.read_csv(en_path)
    rows = ["年份,地区,地区生产总值（亿元，现价）,地区生产总值指数（上年=100）,常住人口（万人）,外购电力非化石能源比重（%）,规模以上工业增加值（万元，可比价）"]
    for r in en.iter_rows(named=True):
        rows.append(f"{r['year']},{r['region']},{r['gdp_current_10k_yuan'] / 1e4!r},{r['gdp_index_prev_100']},{r['population'] / 1e4!r},"
                    f"{r['electricity_non_fossil_share'] * 100!r},{r['value_added_const_10k_yuan:industry_above_scale']}")
    zh_path = tmp_path / "economy_zh.csv"
    zh_path.write_bytes(("\n".join(rows) + "\n").encode("gb18030"))
    years = list(range(2020, 2025))
    a, _ = read_economy(en_path, years, [], 2020)
    b, _ = read_economy(zh_path, years, [], 2020)
    assert a.columns == b.columns
    for c in a.columns[2:]:
        if a[c].null_count() == a.height:  # energy_tce: in neither file
            assert b[c].null_count() == b.height
        else:
            assert b[c].to_list() == pytest.approx(a[c].to_list(), rel=1e-12), c


def _header(c, pick: int, lang: int) -> str:
    """The English name (lang 0) or a Chinese one (written as accepted_names writes it) of a column."""
    if lang == 0:
        return c.name
    zh = c.zh[pick % len(c.zh)]
    unit = {"10^4 yuan": "亿元", "person": "万人", "tce": "万吨标准煤", "t CO2e": "万吨二氧化碳当量"}.get(c.unit)
    parts = [p for p in (unit if (c.need_unit or c.qualifier in ("const", "current")) else None,
                         {"const": "可比价", "current": "现价", "index": "上年=100"}.get(c.qualifier)) if p]
    return zh + (f"（{'，'.join(parts)}）" if parts else "")


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(TABLES)), st.data())
def test_any_mix_of_english_and_chinese_headers_resolves_to_the_same_columns(table, data):
    """Whatever mix of English and Chinese headers a table has (one per column), each resolves to its
    column, and exactly the Chinese headers with a scaled unit carry a factor."""
    cols = [c for c in TABLES[table] if not (table == "economy" and c.name == "gdp_current_10k_yuan")]  # same names as const
    langs = data.draw(st.lists(st.integers(0, 1), min_size=len(cols), max_size=len(cols)))
    picks = data.draw(st.lists(st.integers(0, 9), min_size=len(cols), max_size=len(cols)))
    heads = [_header(c, p, lang) for c, p, lang in zip(cols, picks, langs)]
    res = resolve_columns(heads, table, "t.csv")
    assert [res.rename[h] for h in heads] == [c.name for c in cols]
    scaled = {c.name for c, lang in zip(cols, langs) if lang and c.unit in ("10^4 yuan", "person", "tce", "t CO2e")}
    assert set(res.factors) == scaled and all(f == 1e4 for f in res.factors.values())
