"""Error messages in Chinese (issue 19 item 2): every catalogued bad input of docs/bad-input-catalog.md reads in
Chinese with ``GHGINV_LANG=zh`` — its message and its hint — with no English word outside the whitelist of
:mod:`test_report_zh` (values, names and paths as written are allowed: they are the input's own), and with
``GHGINV_LANG=en`` the message is the English one, unchanged.

Two kinds of cases: a command-line case per section (:data:`CASES`, the bad input built here and run through
``python -m ghginv.cli``), and every row's own messages (``data/errors_zh_corpus.json``: the exact errors the
row's own tests raise, collected by :mod:`errors_zh_harvest`), rendered as the command line renders them
(:func:`ghginv.cli._common.render_error`). A test checks that every row with exit status 2 or 3 has a case, and
that every pattern of :data:`ghginv.core.i18n.ERRORS` is used by one (no dead patterns)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import polars as pl
import pytest
from errors_zh_harvest import CORPUS, catalogue_rows
from test_report_zh import english_words, run_cli

from ghginv.cli._common import render_error
from ghginv.core import i18n
from ghginv.core.errors import GhgInvError, Problem
from ghginv.core.i18n import translate_message

from conftest import ROOT, make_factor_set, write_activity

EXAMPLES = ROOT / "ghginv" / "data" / "demo" / "ledgers"
ROW = dict(year=2022, region="510105", sector="1.A.4.b", activity="natural_gas", amount=10.0, unit="t")


def _toml(tmp: Path, act: Path, fset: Path, extra: str = "", head: str = "") -> Path:
    t = tmp / "inv.toml"
    t.write_text(f'[inventory]\nname = "t"\nyears = [2022, 2022]\n{head}[activity]\npaths = ["{act.as_posix()}"]\n'
                 f'[factors]\nsets = ["{fset.as_posix()}"]\n{extra}', encoding="utf-8")
    return t


def _case(name: str, tmp: Path) -> list[str]:
    """Arguments of the command line for the catalogued bad input ``name``, its files made under ``tmp``."""
    s = make_factor_set(tmp / "t_set", ef=["natural_gas,*,*,,,CO2,56100,kg/TJ,src,T1,V2"],
                        conv=["natural_gas,ncv,*,,,48.0,TJ/Gg,src,T2,V2"], activities=["natural_gas,Natural Gas,天然气,Natural Gas,gaseous"])
    good = write_activity(tmp / "good.parquet", [ROW])
    run = ["compile", "--factors", s, "--gwp", "AR5GWP100", "--out", tmp / "out", "--activity"]
    rows = {
        "unknown_activity": [ROW, {**ROW, "activity": "natual_gas"}],  # 1
        "unknown_unit": [{**ROW, "unit": "furlong"}],  # 2
        "unknown_sector": [{**ROW, "sector": "1A4b"}],  # 3
        "negative_amount": [{**ROW, "amount": -12.5}],  # 4
        "nan_amount": [{**ROW, "amount": float("nan")}],  # 5
        "inf_amount": [{**ROW, "amount": float("inf")}],  # 6
        "implausible_year": [{**ROW, "year": 20222}],  # 8
        "blank_sector": [{**ROW, "sector": " "}],  # 22
    }
    if name in rows:
        return [*run, write_activity(tmp / "a.parquet", rows[name])]
    if name == "missing_column":  # 11
        p = tmp / "a.parquet"
        pl.DataFrame([ROW]).drop("unit").write_parquet(p)
        return [*run, p]
    if name == "wrong_type":  # 12
        p = tmp / "a.parquet"
        pl.DataFrame([{**ROW, "amount": "10"}]).write_parquet(p)
        return [*run, p]
    if name == "empty_file":  # 16
        (tmp / "a.parquet").write_bytes(b"")
        return [*run, tmp / "a.parquet"]
    if name == "zero_rows":  # 17
        p = tmp / "a.parquet"
        pl.DataFrame([ROW]).head(0).write_parquet(p)
        return [*run, p]
    if name == "corrupt_parquet":  # 18
        (tmp / "a.parquet").write_bytes(random.Random(1).randbytes(2000))
        return [*run, tmp / "a.parquet"]
    if name == "activity_path_missing":  # 20
        return [*run, tmp / "nope.parquet"]
    if name == "ledger_bad_bytes":  # 30
        led = tmp / "ledger.csv"
        led.write_bytes("能源名称,计量单位,消费量\n天然气,吨,1\n".encode() + b"\xff\xff\xff\n")
        return ["import", led, "--mapping", EXAMPLES / "synthetic_205_1.mapping.toml", "--out", tmp / "a.parquet"]
    if name == "ledger_xls":  # 41
        (tmp / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
        return ["import", tmp / "old.xls", "--mapping", EXAMPLES / "synthetic_205_1.mapping.toml", "--out", tmp / "a.parquet"]
    if name == "factor_value_text":  # 47
        bad = make_factor_set(tmp / "bad_set", ef=["natural_gas,*,*,,,CO2,abc,kg/TJ,src,T1,V2"],
                              activities=["natural_gas,Natural Gas,天然气,Natural Gas,gaseous"])
        return ["compile", "--factors", bad, "--out", tmp / "out", "--activity", good]
    if name == "unknown_set":  # 50
        return ["compile", "--factors", "no_such_set", "--out", tmp / "out", "--activity", good]
    if name == "manifest_tampered":  # 51
        csv = s / "emission_factors.csv"
        csv.write_text(csv.read_text(encoding="utf-8").replace("56100", "56000"), encoding="utf-8")
        return [*run, good]
    if name == "foreign_out":  # 53
        (tmp / "out").mkdir()
        (tmp / "out" / "mine.txt").write_text("x", encoding="utf-8")
        return [*run, good]
    if name == "toml_unknown_key":  # 54
        t = tmp / "inv.toml"
        t.write_text(f'[inventory]\nyeras = [2020, 2024]\n[activity]\npaths = ["{good.as_posix()}"]\n[factors]\nsets = ["{s.as_posix()}"]\n',
                     encoding="utf-8")
        return ["compile", t, "--out", tmp / "out"]
    if name == "toml_duplicate_key":  # 56
        return ["compile", _toml(tmp, good, s, head='name = "u"\n'), "--out", tmp / "out"]
    if name == "unknown_gwp":  # 60
        return ["compile", "--factors", s, "--gwp", "AR9GWP100", "--out", tmp / "out", "--activity", good]
    if name == "economy_missing_column":  # 62
        (tmp / "e.csv").write_text("year,region,population\n2022,510105,10\n", encoding="utf-8")
        return ["compile", _toml(tmp, good, s, head="base_year = 2022\n", extra='[economy]\npath = "e.csv"\n'), "--out", tmp / "out"]
    if name == "reference_approach_key":  # ra3
        return ["compile", _toml(tmp, good, s, extra='[reference_approach]\nenergy_balanse = "balance.csv"\nthreshold_pct = -1\n'), "--out", tmp / "out"]
    if name == "gap_filling_method":  # gf1
        extra = '[[gap_filling]]\ncategory = "1.A.4.b"\nactivity = "natural_gas"\nyears = [2022]\nmethod = "magic"\n'
        return ["compile", _toml(tmp, good, s, extra=extra), "--out", tmp / "out"]
    if name == "target_preset":  # tp1
        return ["compile", _toml(tmp, good, s, extra='[[targets]]\npreset = "nope"\n'), "--out", tmp / "out"]
    if name == "notation_key_depth":  # nk1
        return ["compile", _toml(tmp, good, s, extra='[notation_keys]\n"2.F.1" = "NO"\n'), "--out", tmp / "out"]
    if name == "energy_set":  # en1
        return ["compile", _toml(tmp, good, s, extra='[energy]\nstandard_coal = "no_such_set"\n'), "--out", tmp / "out"]
    if name == "ledger_glob":  # 44l
        return ["import", tmp / "nothing_*.xlsx", "--mapping", EXAMPLES / "synthetic_205_1.mapping.toml", "--out", tmp / "a.parquet"]
    if name == "workbook_detail_bad":  # 73b
        return ["compile", _toml(tmp, good, s), "--out", tmp / "out", "--workbook-detail", "some"]
    if name == "no_run_folder":  # 75
        return ["report", tmp / "no_run"]
    if name == "lang_fr":  # zh1
        return ["--lang", "fr", "compile", "x.toml"]
    if name == "missing_toml":  # zh2
        return ["compile", tmp / "missing.toml", "--out", tmp / "out"]
    if name == "demo_foreign":  # dm1
        (tmp / "target").mkdir()
        (tmp / "target" / "ledger.xlsx").write_text("mine", encoding="utf-8")
        return ["demo", tmp / "target"]
    raise KeyError(name)


# case -> (row of docs/bad-input-catalog.md, excerpt of the English message, unchanged with GHGINV_LANG=en)
CASES = {
    "unknown_activity": ("1", "unknown activity 'natual_gas': no factor set of the run knows it (did you mean natural_gas?) — row 2"),
    "unknown_unit": ("2", "unknown unit 'furlong'; known units: "),
    "unknown_sector": ("3", "unknown IPCC 2006 category '1A4b' (did you mean 1.A.4.b"),
    "negative_amount": ("4", "amount is negative (first value: -12.5) — row 1"),
    "nan_amount": ("5", "amount is NaN"),
    "inf_amount": ("6", "amount is infinite"),
    "implausible_year": ("8", "implausible year (expected 1900–2155) (first value: 20222)"),
    "missing_column": ("11", "required column 'unit' is missing"),
    "wrong_type": ("12", "column 'amount' has type large_string, expected float (or integer)"),
    "empty_file": ("16", "file is empty (0 bytes)"),
    "zero_rows": ("17", "file has no rows"),
    "corrupt_parquet": ("18", "not a readable Parquet file ("),
    "activity_path_missing": ("20", "activity path does not exist"),
    "blank_sector": ("22", "sector is empty — row 1"),
    "ledger_bad_bytes": ("30", "text encoding not recognised (not UTF-8, not GBK/GB18030; first bad byte at offset"),
    "ledger_xls": ("41", "save as .xlsx"),
    "factor_value_text": ("47", "line 2, column 'value': value must be a finite number ≥ 0 (value: 'abc')"),
    "unknown_set": ("50", "unknown factor set 'no_such_set'"),
    "manifest_tampered": ("51", "sha256 mismatch for 'emission_factors.csv'"),
    "foreign_out": ("53", "output folder exists and is not a ghginv run"),
    "toml_unknown_key": ("54", "invalid inventory file (1 problem)"),
    "toml_duplicate_key": ("56", "not valid TOML"),
    "unknown_gwp": ("60", "unknown GWP set 'AR9GWP100'"),
    "economy_missing_column": ("62", "the economy table lacks column(s) gdp_const_10k_yuan"),
    "reference_approach_key": ("ra3", "unknown key 'energy_balanse' in [reference_approach]"),
    "gap_filling_method": ("gf1", "[[gap_filling]] #1: method must be one of interpolation, extrapolation, overlap, surrogate"),
    "target_preset": ("tp1", "unknown target preset 'nope'"),
    "notation_key_depth": ("nk1", "'2.F.1' is not a reporting category"),
    "energy_set": ("en1", "standard_coal = 'no_such_set' is not a factor set of this run"),
    "ledger_glob": ("44l", "nothing_*.xlsx: no file matches this pattern"),
    "workbook_detail_bad": ("73b", "--workbook-detail takes 'auto', 'full' or 'summed' (got 'some')"),
    "no_run_folder": ("75", "no such run folder"),
    "lang_fr": ("zh1 (Language of the output)", "--lang must be zh or en, got 'fr'"),
    "missing_toml": ("zh2 (Language of the output)", "missing.toml: inventory file not found"),
    "demo_foreign": ("dm1", "the folder is not empty and was not written by ghginv demo"),
}
# Latin words a Chinese message keeps as written besides the report's whitelist: the data contract's column names and
# unit codes it lists, the programs it tells the user to open, ghginv's own subcommands, Arrow's type names, file
# formats, the keys and tables of the inventory TOML and of a mapping file it lists, the values a key takes
# (methods, layouts), scope codes, and the activity codes and names the tests' data use.
AS_WRITTEN = {"year", "region", "sector", "activity", "amount", "unit", "head", "person", "fraction", "mu", "kcal", "Wh", "MWh", "GWh",
              "TWh", "PJ", "Gg", "Mt", "Tg", "Nm", "Excel", "WPS", "LibreOffice", "compile", "demo", "import", "factors", "large_string",
              "NaN", "inf", "Parquet", "TOML", "xls", "value", "description", "gwp", "name", "regions", "years",
              "string", "bool", "double", "day", "population", "engine", "paths", "scheduler", "lang", "direct", "indirect", "gizmo",
              "category", "surrogate", "method", "file", "optional", "preset", "key", "reason", "where", "gases", "ncv", "density",
              "kind", "source", "scenario", "gas", "bunkers", "exports", "imports", "fuel", "production", "sheets", "strict",
              "interpolation", "extrapolation", "overlap", "diesel", "anthracite", "bitumen", "briquettes", "coke", "mine", "reson",
              "pyarrow", "fsspec", "Azure", "SDK", "Kerberos", "mount",
              "ledger", "constants", "columns", "activities", "sectors", "units", "totals", "checks", "subtract", "cells", "names",
              "long", "wide", "label", "header", "layout", "FSSPEC_", "status", "diagonal", "XLSX", "HTML", "zip",
              "solid", "liquid", "gaseous", "biomass", "electricity", "heat", "other", "pid", "true", "false"}


def _as_written(text: str) -> str:
    """``text`` without what is shown as written: quoted values, commands in backticks, paths, snake_case keys and
    codes, command-line options, and a library's own diagnostic after 详情."""
    text = re.sub(r"详情：[^）]*", "", text)
    text = re.sub(r"--[a-z][a-z-]* [^\s：]+：", "：", text)  # an option and its value: --out act：
    text = re.sub(r"--[a-z][a-z-]*", "", text)  # command-line options
    text = re.sub(r"\[\[?[a-z_]+(?:\.[a-z_]+)*\]\]?", "", text)  # TOML tables: [waste], [[targets]]
    text = re.sub(r"\S+://\S*", "", text)  # URLs
    text = re.sub(r"`[^`]*`|'[^']*'|\"[^\"]*\"", "", text)
    text = re.sub(r"[A-Za-z0-9_.~:-]*/[A-Za-z0-9_./~:-]*", "", text)
    text = re.sub(r"\b\d(?:\.[A-Za-z0-9]+)+\b", "", text)  # IPCC codes, whole: 1.A.3.a.i
    text = re.sub(r"\b[A-Za-z0-9]*\d[A-Za-z0-9]*\b", "", text)  # codes with digits: GWP sets, hashes
    return re.sub(r"\b[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+\b", "", text)


def test_as_written_keeps_prose_visible():
    """The stripping of values and paths leaves English prose for the checker to find."""
    bad = english_words([_as_written("文件 a/b.parquet：this is empty（值：'abc'）")], AS_WRITTEN)
    assert set(bad) == {"this", "empty"}


# Each case runs the command line twice (zh, en) in fresh interpreters: every fourth case (spread over the catalogue's
# sections, in its order) runs by default, all of them with -m slow; the message of every catalogued row is checked in
# the default run anyway, in process, by test_every_message_of_a_catalogued_row_reads_in_chinese.
@pytest.mark.parametrize("case", [c if i % 4 == 0 else pytest.param(c, marks=pytest.mark.slow) for i, c in enumerate(CASES)])
def test_catalogued_bad_input_reads_in_chinese(tmp_path, case):
    row, english = CASES[case]
    args = _case(case, tmp_path)
    zh = run_cli(*args, cwd=tmp_path, env_extra={"GHGINV_LANG": "zh"})
    en = run_cli(*args, cwd=tmp_path, env_extra={"GHGINV_LANG": "en"})
    assert zh.returncode == 2 and en.returncode == 2, (zh.stderr, en.stderr)
    assert zh.stderr.startswith("错误") and "Traceback" not in zh.stderr + en.stderr
    bad = english_words([_as_written(line) for line in zh.stderr.splitlines()], AS_WRITTEN)
    assert not bad, f"catalogue row {row} ({case}): English left in\n{zh.stderr}\n{sorted(bad)}"
    # English unchanged with en: the catalogued excerpt as written, with the English framing
    assert en.stderr.startswith("error: ") and english in en.stderr, en.stderr
    for name in re.findall(r"'([^']+)'", english):  # the values the message quotes are in the Chinese one as written
        assert name in zh.stderr, (name, zh.stderr)


PATTERN_CASES = [
    ("a/b.parquet: file is empty (0 bytes)", "a/b.parquet：文件为空（0 字节）"),
    ("column 'x' appears 2 times", "列 'x' 出现了 2 次"),
    ("year column disagrees with the folder year=2021", "year 列与文件夹 year=2021 不一致"),
    ("directory holds no Parquet files", "文件夹中没有 Parquet 文件"),
    ("header row not found: no row holds all of 能源名称, 消费量", "找不到表头行：没有一行同时包含 能源名称, 消费量"),
    ("'abc' is not a number", "'abc' 不是数字"),
    ("energy item not in [activities]", "能源品种不在映射文件的 [activities] 中"),
    ("the folder is not empty and was not written by ghginv demo; nothing was written", "该文件夹不是空的，也不是由 ghginv demo 写出的；未写入任何文件"),
    ("it is a file, not a folder", "这是一个文件，不是文件夹"),
    ("/d/out: another ghginv run (pid 12) is writing this output folder; waited 0.3 s. Try again when it has finished, or choose another --out",
     "/d/out：另一个 ghginv 进程（pid 12）正在写入这个输出文件夹；已等待 0.3 秒。请等它结束后再试，或另选 --out"),
    ("/d/out: cannot write the outputs: the disk is full; nothing was written and any previous results are unchanged",
     "/d/out：无法写入输出：磁盘已满；未写入任何文件，之前的结果保持不变"),
    ("not valid TOML: Expected '=' (at line 1, column 3)", "不是有效的 TOML 文件（详情：Expected '=' (at line 1, column 3)）"),
    # row 27 with the other dimensions (the catalogue's case is a volume)
    ("activity 'coal' in 't' (mass) cannot meet factor unit 'kg/TJ' (/s/ef.csv line 2, set 's'): needs an ncv (net calorific value) per "
     "mass, none found in the run's sets (e.g. year 2022, region A, sector 1.A.1)",
     "活动 'coal' 的单位 't'（质量）无法换算到因子单位 'kg/TJ'（/s/ef.csv 第 2 行，因子集 's'）：需要单位质量的低位发热量（ncv），"
     "但本次核算的因子集中都没有（例如 2022 年，地区 A，类别 1.A.1）"),
    ("activity 'lpg' in 'm^3' (volume) cannot meet factor unit 'kg/t' (/s/ef.csv line 3, set 's'): needs a density, none found in the "
     "run's sets (e.g. year 2022, region A, sector 1.A.4.b)",
     "活动 'lpg' 的单位 'm^3'（体积）无法换算到因子单位 'kg/t'（/s/ef.csv 第 3 行，因子集 's'）：需要密度，但本次核算的因子集中都没有"
     "（例如 2022 年，地区 A，类别 1.A.4.b）"),
    ("activity 'x' in 'ha' (area) cannot meet factor unit 'kg/t' (/s/ef.csv line 4, set 's'): needs no conversion exists between area "
     "and mass, none found in the run's sets (e.g. year 2022, region A, sector 3.B)",
     "活动 'x' 的单位 'ha'（面积）无法换算到因子单位 'kg/t'（/s/ef.csv 第 4 行，因子集 's'）：需要面积与质量之间的换算（没有这样的换算），"
     "但本次核算的因子集中都没有（例如 2022 年，地区 A，类别 3.B）"),
    # patterns the rows' own tests do not reach: a column of another type, the GWP sets without the other metrics,
    # the economy table without a base year, a run that cannot be updated, the other kinds of credential in a URL
    ("a.parquet: column 'region' has type int64, expected string", "a.parquet：列 'region' 的类型是 int64，应为 string"),
    ("unknown GWP set 'AR7'; known sets: AR5GWP100, AR6GWP100", "未知的 GWP 取值集 'AR7'；可用的取值集：AR5GWP100, AR6GWP100"),
    ("[economy]: indicators need a base year ([inventory] base_year or [economy] price_base_year), got None",
     "[economy]：计算指标需要基年（[inventory] base_year 或 [economy] price_base_year），当前为 None"),
    ("/d/run: cannot update the run: the disk is full; its files and manifest are unchanged",
     "/d/run：无法更新该运行：磁盘已满；其文件和 manifest.json 保持不变"),
    ("s3://***:***@bucket/a: the URL holds a credential (a password in user:password@; query: an Azure SAS token (sv=, se=, sp=, …); "
     "a fragment (#…): storage never uses one, and it may hold a token; a credential in user@ (for s3:// the part before @ is a key "
     "or token)); URLs are written to manifest.json and messages, so ghginv refuses them before connecting — remove it",
     "s3://***:***@bucket/a：URL 中含有凭据（user:password@ 中的密码；查询：Azure SAS 令牌（sv=、se=、sp= 等）；片段（#…）：存储从不使用片段，"
     "它可能含有令牌；user@ 中的凭据（对 s3:// 而言 @ 之前的部分是密钥或令牌））；URL 会写入 manifest.json 和消息中，"
     "因此 ghginv 在连接之前就拒绝它 —— remove it"),
    # row 73 with the other keys of the inventory TOML
    ('paths must be a string or a list of strings (e.g. paths = ["data/activity"])', 'paths 必须是字符串或字符串列表（例如 paths = ["data/activity"]）'),
    ("base_year must be an integer year (e.g. base_year = 2020)", "base_year 必须是整数年份（例如 base_year = 2020）"),
    ("years must be one year or [first, last] (two integers, e.g. years = [2020, 2024])",
     "years 必须是一个年份，或 [起始年, 结束年]（两个整数，例如 years = [2020, 2024]）"),
    ('scheduler must be a string (the dask scheduler address, e.g. "tcp://host:8786")', 'scheduler 必须是字符串（dask 调度器的地址，例如 "tcp://host:8786"）'),
    ('year_fallback must be a string: "none" or "nearest"', 'year_fallback 必须是字符串："none" 或 "nearest"'),
    # row 50a: the warning of an unknown column in a factor set (compile prints it; an error with --strict)
    ("/s/ipcc/emission_factors.csv: unknown column 'uncertainty_pc' — did you mean 'uncertainty_pct'? The column is ignored: rename or "
     "remove it and run `ghginv factors hash /s/ipcc --write` (--strict or [factors] strict = true makes this an error)",
     "/s/ipcc/emission_factors.csv：未知的列 'uncertainty_pc'（是否应为 'uncertainty_pct'？）。该列被忽略：请重命名或删除它，然后运行 "
     "`ghginv factors hash /s/ipcc --write`（使用 --strict 或 [factors] strict = true 时这是一个错误）"),
    ("/s/ipcc/sink_parameters.csv: an unnamed column (empty header) — sink_parameters.csv takes the columns activity, value. The column is "
     "ignored: rename or remove it and run `ghginv factors hash /s/ipcc --write` (--strict or [factors] strict = true makes this an error)",
     "/s/ipcc/sink_parameters.csv：一个没有名称的列（表头为空） —— sink_parameters.csv 可用的列：activity, value。该列被忽略：请重命名或删除它，"
     "然后运行 `ghginv factors hash /s/ipcc --write`（使用 --strict 或 [factors] strict = true 时这是一个错误）"),
    # drill-down (rows dd2, dd4, dd6) beyond the rows' own tests: an entity not in the run with a shortened list of
    # the run's values (20 shown), a year that is not a whole number, a run compiled before a file was written
    ("/d/run: entity 'E9' is not in the run (emissions.parquet has no row for it); the run's entity values: 'E1', 'E2' … (25 in all)",
     "/d/run：本次核算没有企业 'E9'（emissions.parquet 中无此行）；本次核算的企业：'E1', 'E2' 等（共 25 个）"),
    ("year must be a whole number such as 2022, got 2022.5", "年份必须是整数，例如 2022，实际为 2022.5"),
    ("/d/run: the run folder has no cube.parquet (compile it again with this ghginv version)",
     "/d/run：核算目录中没有 cube.parquet（请用此版本的 ghginv 重新编译）"),
    # rows cm2 and cm5 with the MgO fraction, the activity code, the parameter and its unit (the rows' tests reach the others)
    ("mgo_fraction is the MgO fraction of the clinker and must lie in [0, 1] (or [0, 100] %)",
     "mgo_fraction 是熟料中氧化镁的质量比例，必须在 [0, 1] 之内（以 % 计则在 [0, 100] 之内）"),
    ("activity must be a lower-case snake_case clinker activity code or '*'", "活动必须是小写 snake_case 形式的熟料活动代码或 '*'"),
    ("a cao_fraction row names its clinker activity code (e.g. clinker_tier2), not '*'",
     "cao_fraction 行须写明其熟料活动代码（例如 clinker_tier2），不能为 '*'"),
    ("unknown parameter; known: cao_fraction, mgo_fraction, cf_ckd", "未知的参数；可用的参数：cao_fraction, mgo_fraction, cf_ckd"),
    ("unit of cao_fraction must be one of fraction, %", "cao_fraction 的单位必须是以下之一：fraction, %"),
]


@pytest.mark.parametrize(("message", "chinese"), PATTERN_CASES)
def test_patterns_without_a_cli_case(message, chinese):
    """Catalogue patterns the command-line cases above do not reach; a message no pattern knows stays as written."""
    assert translate_message(message, "zh") == chinese
    assert translate_message(message, "en") == message


# click's messages as typer 0.29 / click 8 word them (the command line's own usage errors)
USAGE_CASES = [  # (the command-line usage errors and option checks: no catalogue row, so checked here)
    ("No such option: --nope (Possible options: --no-cache)", "没有这个选项：--nope（是否应为 --no-cache？）"),
    ("No such option: --ou Did you mean --out?", "没有这个选项：--ou（是否应为 --out？）"),
    ("No such command 'frobnicate'", "没有这个命令：'frobnicate'"),
    ("Option '--years' requires an argument", "选项 '--years' 需要一个值"),
    ("Got unexpected extra argument(s) (b c)", "多余的参数：b c"),
    ("Missing argument 'run_dir'", "缺少参数 'run_dir'"),
    ("Invalid value for '--engine': 'zz' is not one of 'local', 'dask'.", "'--engine' 的值无效：'zz' 不是以下之一：'local', 'dask'"),
    ("Invalid value for '--draws': 'abc' is not a valid integer.", "'--draws' 的值无效：'abc' 不是有效的整数"),
    ("Invalid value for '--draws': Input should be a valid integer, unable to parse string as an integer",
     "'--draws' 的值无效：应为有效的整数：无法把文本解析为整数"),
    # the commands' own checks of their options (ghginv.cli)
    ("--out NEW_DIR is required (or --scenarios FILE)", "需要给出 --out 新文件夹（或 --scenarios 文件）"),
    ("--replace-factors needs the new list: --factors SET [--factors SET …]", "--replace-factors 需要新的因子集列表：--factors 因子集 [--factors 因子集 …]"),
    ("factor set 'ipcc' has no activity 'natgas'; nearest known codes: natural_gas (all: ghginv factors show ipcc)",
     "因子集 'ipcc' 中没有活动 'natgas'；最接近的已知代码：natural_gas（全部活动：ghginv factors show ipcc）"),
    ("factor set 'x' has no activity 'y'; the set has no activity codes (all: ghginv factors show x)",
     "因子集 'x' 中没有活动 'y'；该因子集没有任何活动代码（全部活动：ghginv factors show x）"),
    ("--years must look like 2020-2024 or 2022, got '20x'", "--years 应写成 2020-2024 或 2022 的形式，现在是 '20x'"),
    ("--draft-mapping SAMPLE prints a mapping: give no ledger, --mapping or --out with it",
     "--draft-mapping 样本文件 只打印映射草稿：不要同时给出台账文件、--mapping 或 --out"),
    ("give the ledger files, folders or globs to import (or --draft-mapping SAMPLE)",
     "请给出要导入的台账文件、文件夹或通配模式（或 --draft-mapping 样本文件）"),
    ("give --mapping MAPPING.toml and --out OUT.parquet (draft a mapping with --draft-mapping SAMPLE.xlsx)",
     "请给出 --mapping 映射文件.toml 和 --out 输出文件.parquet（可用 --draft-mapping 样本文件.xlsx 起草映射）"),
    ("--format must be 'table' or 'json', got 'xml'", "--format 只能是 'table' 或 'json'，现在是 'xml'"),
    ("give an inventory TOML, or --activity and/or --factors", "请给出清单 TOML 文件，或 --activity 和/或 --factors"),
    ("give an inventory TOML, or --activity and/or --sinks and --factors (and --gwp, --out)",
     "请给出清单 TOML 文件，或 --activity 和/或 --sinks 以及 --factors（还有 --gwp、--out）"),
    ("--out DIR is required without an inventory TOML", "没有清单 TOML 文件时必须给出 --out 文件夹"),
]


@pytest.mark.parametrize(("message", "chinese"), USAGE_CASES)
def test_usage_error_patterns(message, chinese):
    assert translate_message(message, "zh") == chinese
    assert translate_message(message, "en") == message


@pytest.mark.parametrize("args", [["compile", "--nope"], ["report"], ["frobnicate"], ["compile", "a", "b", "c"], ["compile"]])
def test_usage_errors_read_in_chinese(tmp_path, args):
    """The command line's own usage errors (an unknown option or command, a missing argument, no input at all):
    Chinese with ``--lang zh``; click's (or ghginv's) English message with en; exit 2 in both."""
    zh = run_cli("--lang", "zh", *args, cwd=tmp_path)
    en = run_cli(*args, cwd=tmp_path, env_extra={"GHGINV_LANG": "en"})
    assert zh.returncode == en.returncode == 2, (zh.stderr, en.stderr)
    assert zh.stderr.startswith("错误：") and "Traceback" not in zh.stderr, zh.stderr
    assert not english_words([_as_written(zh.stderr)], AS_WRITTEN), zh.stderr
    assert ("Usage:" in en.stderr or en.stderr.startswith("error: ")) and "错误" not in en.stderr, en.stderr


# ---- every row of the catalogue: its own tests' messages (data/errors_zh_corpus.json) ------------------------------
ROWS = catalogue_rows()
CORPUS_ERRORS = json.loads(CORPUS.read_text(encoding="utf-8"))


def _error(err: dict) -> GhgInvError:
    return GhgInvError(err["summary"], [Problem(message, hint=hint) for message, hint in err["problems"]])


@pytest.mark.parametrize("row", sorted(CORPUS_ERRORS))
def test_every_message_of_a_catalogued_row_reads_in_chinese(row):
    """Each error the row's own tests raise, rendered as the command line renders it: Chinese with zh (the quoted
    values as written), the English message unchanged with en."""
    for err in CORPUS_ERRORS[row]:
        e = _error(err)
        zh = render_error(e, "zh")
        bad = english_words([_as_written(zh)], AS_WRITTEN)
        assert not bad, f"catalogue row {row}: English left in\n{zh}\n{sorted(bad)}"
        assert render_error(e, "en") == f"error: {e}"
        for value in re.findall(r"(?<!\w)'([^'\n]+)'(?!\w)", str(e)):  # the values an English message quotes, as written
            assert value in zh, (row, value, zh)


def test_every_catalogued_bad_input_has_a_chinese_case():
    """Every row whose exit status is 2 (bad input) or 3 (internal check) has its messages checked: a command-line
    case of :data:`CASES` or messages of its own tests in the corpus."""
    covered = set(CORPUS_ERRORS) | {row for row, _ in CASES.values()}
    covered |= {r["key"] for r in ROWS if any("test_errors_zh" in t for t in r["tests"])}  # this test's own row (zh3)
    missing = [r["key"] for r in ROWS if re.search(r"\b[23]\b", r["exit"]) and r["key"] not in covered]
    assert not missing, f"catalogue rows without a Chinese case: {missing}"
    assert covered <= {r["key"] for r in ROWS}, sorted(covered - {r["key"] for r in ROWS})


class _Recorder:
    """Stands in for :mod:`re` in :mod:`ghginv.core.i18n` and notes each pattern of ERRORS that matched."""

    def __init__(self):
        self.used: set[str] = set()
        self.patterns = {p for p, _ in i18n.ERRORS}

    def __getattr__(self, name):
        return getattr(re, name)

    def fullmatch(self, pattern, text, flags=0):
        m = re.fullmatch(pattern, text, flags)
        if m and pattern in self.patterns:
            self.used.add(pattern)
        return m


def test_no_dead_patterns(monkeypatch):
    """Every pattern of :data:`ghginv.core.i18n.ERRORS` translates a message of a case (the corpus, the
    command-line cases' English excerpts or the messages without a command-line case below), and no pattern is
    listed twice."""
    rec = _Recorder()
    monkeypatch.setattr(i18n, "re", rec)
    for errs in CORPUS_ERRORS.values():
        for err in errs:
            translate_message(err["summary"], "zh")
            for message, hint in err["problems"]:
                translate_message(message, "zh")
                translate_message(hint or "", "zh")
    for message, _ in PATTERN_CASES + USAGE_CASES:
        translate_message(message, "zh")
    patterns = [p for p, _ in i18n.ERRORS]
    assert len(patterns) == len(set(patterns)), sorted({p for p in patterns if patterns.count(p) > 1})
    dead = [p for p in patterns if p not in rec.used]
    assert not dead, f"{len(dead)} pattern(s) of ERRORS no case uses:\n" + "\n".join(dead)
