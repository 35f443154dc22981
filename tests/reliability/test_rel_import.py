"""``ghginv import``: the shipped SYNTHETIC examples and every ledger defect of the catalog.

The 205-1 example is imported from XLSX and from GBK CSV and compiled with the shipped factor
sets; every emission is checked against a hand computation from the factor files' values.
"""

from __future__ import annotations

import datetime
import json

import openpyxl
import polars as pl
import pyarrow.parquet as pq
import pytest

import ghginv
from ghginv.core import errors as E
from ghginv.inputs.importer import UnmappedError, import_ledger

from rel_helpers import EXAMPLES, LONG_MAPPING, csv_bytes, long_ledger, run_cli, siblings

M205 = EXAMPLES / "synthetic_205_1.mapping.toml"
XLSX = EXAMPLES / "synthetic_205_1_2023.xlsx"
CSV = EXAMPLES / "synthetic_205_1_2023.csv"
BAL = EXAMPLES / "synthetic_energy_balance_2023.csv"
MBAL = EXAMPLES / "synthetic_energy_balance.mapping.toml"
SETS = ["cn_gbt32151_22_2024", "cn_refsheet_2020", "cn_gbt32150_2025", "mee_nbs_grid", "cn_gbt2589_2020", "ipcc2006_energy"]
EXPECTED_205 = [  # activity, amount, unit — from the ledger by hand (natural gas: 85.6 − 20.0 raw material)
    ("raw_coal", 51200.0, "t"),
    ("natural_gas", 65.6, "10^4 m^3"),
    ("diesel", 320.0, "t"),
    ("heat", 3600.0, "GJ"),
    ("electricity", 1520.4, "10^4 kWh"),
]


@pytest.fixture
def mapping(tmp_path):
    p = tmp_path / "m.toml"
    p.write_text(LONG_MAPPING, encoding="utf-8")
    return p


def ledger_file(tmp_path, rows, name="ledger.csv", encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(csv_bytes(rows, encoding))
    return p


# -- the shipped examples --------------------------------------------------------------------------


@pytest.mark.parametrize("ledger", [XLSX, CSV], ids=["xlsx", "csv-gbk"])
def test_205_1_example_rows(tmp_path, ledger):
    rep = import_ledger(ledger, M205, tmp_path / "a.parquet")
    df = pl.read_parquet(tmp_path / "a.parquet")
    assert df.columns == ["year", "region", "sector", "activity", "amount", "unit", "entity_id"]
    assert df.schema["year"] == pl.Int32 and df.schema["amount"] == pl.Float64
    got = [(a, round(x, 9), u) for a, x, u in df.select("activity", "amount", "unit").rows()]
    assert got == EXPECTED_205
    assert set(df["sector"]) == {"1.A.2.c"} and set(df["year"]) == {2023} and set(df["entity_id"]) == {"SYNTHETIC000000001"}
    # sub-items 02–05 and 能源合计 were verified, never added: 12 checks, all passing
    assert rep.stats["total"] == 1 and rep.stats["skip"] == 5 and len(rep.checks) == 12 and all(c["ok"] for c in rep.checks)
    tce = next(c for c in rep.checks if c["check"].startswith("能源合计") and c["column"] == "消费量/合计")
    assert tce["total"] == 40478.72  # printed in the ledger; Σ value × coefficient = 40,478.7164
    assert tce["sum"] == pytest.approx(51200 * 0.7143 + 85.6 * 12.143 + 320 * 1.4571 + 3600 * 0.03412 + 1520.4 * 1.229 + 12000 * 0.03412)


def test_205_1_example_compiles_to_the_hand_computed_inventory(tmp_path):
    import_ledger(XLSX, M205, tmp_path / "a.parquet")
    res = ghginv.compile_inventory(activity=[str(tmp_path / "a.parquet")], factors=SETS, gwp="AR5GWP100", out=tmp_path / "out")
    em = {(a, g): v for a, g, v in res.emissions.select("activity", "gas", "emissions_t").rows()}
    c = 44 / 12
    # raw coal: 51,200 t × 20,908 kJ/kg (cn_refsheet_2020 ncv) = 1,070.4896 TJ; carbon 26.37 t C/TJ × oxidation 0.94
    tj_coal = 51200 * 20.908 / 1000
    assert em[("raw_coal", "CO2")] == pytest.approx(tj_coal * 26.37 * 0.94 * c, rel=1e-12)
    assert em[("raw_coal", "CH4")] == pytest.approx(tj_coal * 10 / 1000, rel=1e-12)  # IPCC Table 2.3 coal, 10 kg/TJ
    assert em[("raw_coal", "N2O")] == pytest.approx(tj_coal * 1.5 / 1000, rel=1e-12)
    # natural gas: 65.6 × 10^4 m^3 × 389.31 GJ/10^4 m^3 (GB/T 32151.22 C.1); 15.3 t C/TJ × 0.99
    tj_gas = 65.6 * 389.31 / 1000
    assert em[("natural_gas", "CO2")] == pytest.approx(tj_gas * 15.3 * 0.99 * c, rel=1e-12)
    # diesel: 320 t × 42.652 GJ/t; 20.2 t C/TJ × 0.98
    tj_diesel = 320 * 42.652 / 1000
    assert em[("diesel", "CO2")] == pytest.approx(tj_diesel * 20.2 * 0.98 * c, rel=1e-12)
    # electricity: 1,520.4 × 10^4 kWh × 0.1564 kg/kWh (MEE/NBS 2023, Sichuan, region 51*)
    assert em[("electricity", "CO2")] == pytest.approx(1520.4e4 * 0.1564 / 1000, rel=1e-12)
    # heat: 3,600 GJ × 0.11 t/GJ (GB/T 32150—2025)
    assert em[("heat", "CO2")] == pytest.approx(396.0, rel=1e-12)
    inv = res.inventory.filter(pl.col("category") == "TOTAL", pl.col("gas") == "CO2")
    direct = inv.filter(pl.col("scope") == "direct")["co2e_t"].item()
    assert direct == pytest.approx(em[("raw_coal", "CO2")] + em[("natural_gas", "CO2")] + em[("diesel", "CO2")], rel=1e-12)
    assert inv.filter(pl.col("scope") == "indirect")["co2e_t"].item() == pytest.approx(2377.9056 + 396.0, rel=1e-12)
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["checks"]["input_equals_cube"]["ok"] is True


def test_energy_balance_example(tmp_path):
    rep = import_ledger(BAL, MBAL, tmp_path / "b.parquet")
    df = pl.read_parquet(tmp_path / "b.parquet")
    assert rep.encoding == "utf-8-sig" and all(c["ok"] for c in rep.checks) and len(rep.checks) == 50
    s = {(sec, a): x for sec, a, x in df.group_by("sector", "activity").agg(pl.col("amount").sum()).rows()}
    assert s[("1.A.2", "coke")] == pytest.approx(0.85 - 0.40)  # 工业 minus 其中：用作原料、材料
    assert s[("1.A.2", "natural_gas")] == pytest.approx(2.35 - 0.35)
    assert s[("1.A.4.a", "electricity")] == pytest.approx(7.40 + 6.10)  # 批零住餐 + 其他
    elec = df.filter(pl.col("activity") == "electricity")
    assert elec["amount"].sum() == pytest.approx(47.69) and set(elec["unit"]) == {"10^8 kWh"}  # = 终端消费量
    assert set(df.filter(pl.col("activity") == "heat")["unit"]) == {"10^4 GJ"}  # 万百万千焦
    assert "煤炭合计" not in " ".join(df["activity"].unique())  # total column skipped


def test_import_is_byte_identical_and_atomic(tmp_path):
    a, b = tmp_path / "a.parquet", tmp_path / "b.parquet"
    import_ledger(XLSX, M205, a)
    import_ledger(XLSX, M205, b)
    assert a.read_bytes() == b.read_bytes()
    meta = json.loads(pq.read_schema(a).metadata[b"ghginv.import"])
    assert meta["rows_written"] == 5 and meta["unmapped_skipped"] == 0 and len(meta["ledger_sha256"]) == 64
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.parquet", "a.provenance.parquet", "b.parquet", "b.provenance.parquet"]
    assert (tmp_path / "a.provenance.parquet").read_bytes() == (tmp_path / "b.provenance.parquet").read_bytes()


def test_cli_import_example(tmp_path):
    out = tmp_path / "a.parquet"
    res = run_cli("import", XLSX, "--mapping", M205, "--out", out, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "SYNTHETIC" in res.stdout and "5 activity rows" in res.stdout and "12 of 12 passed" in res.stdout
    assert pl.read_parquet(out).height == 5


# -- unmapped rows ---------------------------------------------------------------------------------


def test_unmapped_row_is_reported_with_sheet_row_and_column(tmp_path):
    wb = openpyxl.load_workbook(XLSX)
    ws = wb["205-1表"]
    ws.cell(row=12, column=1, value="洗中煤")  # row 12 was 洗精煤 (blank): now an item the mapping does not know
    led = tmp_path / "synthetic_bad.xlsx"
    wb.save(led)
    out = tmp_path / "a.parquet"
    with pytest.raises(UnmappedError) as ei:
        import_ledger(led, M205, out)
    msg = str(ei.value)
    assert "sheet '205-1表'" in msg and "row 12" in msg and "column 'A (item)'" in msg and "洗中煤" in msg
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["synthetic_bad.xlsx"]
    res = run_cli("import", led, "--mapping", M205, "--out", out, cwd=tmp_path)
    assert res.returncode == 2 and res.stderr.startswith("error:") and "洗中煤" in res.stderr and "Traceback" not in res.stderr
    assert not out.exists()
    res = run_cli("import", led, "--mapping", M205, "--out", out, "--skip-unmapped", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "1 unmapped" in res.stdout
    meta = json.loads(pq.read_schema(out).metadata[b"ghginv.import"])
    assert meta["unmapped_skipped"] == 1 and "洗中煤" in meta["unmapped"][0]


def test_unmapped_fuel_column_and_sector_row(tmp_path):
    text = BAL.read_text(encoding="utf-8-sig").replace("柴油(万吨)", "生物柴油(万吨)").replace("1.城镇", "1.城市")
    led = tmp_path / "balance.csv"
    led.write_text(text, encoding="utf-8")
    with pytest.raises(E.ValidationError) as ei:  # the renamed row also breaks the 生活消费 check
        import_ledger(led, MBAL, tmp_path / "b.parquet")
    assert len(ei.value.problems) == 3 and "part row '城镇' of '生活消费' is not in the table" in str(ei.value)
    msg = str(ei.value)
    assert "fuel column not in [activities]" in msg and "生物柴油" in msg and "row 2" in msg
    assert "row label not in [sectors]" in msg and "城市" in msg and "row 18" in msg


# -- encodings and number formats -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_encodings(tmp_path, mapping, encoding):
    led = ledger_file(tmp_path, long_ledger([["天然气", "吨", "12.5"], ["柴油", "吨", "3"]]), encoding=encoding)
    import_ledger(led, mapping, tmp_path / "a.parquet")
    assert pl.read_parquet(tmp_path / "a.parquet")["amount"].to_list() == [12.5, 3.0]


def test_undecodable_bytes(tmp_path, mapping):
    led = tmp_path / "ledger.csv"
    led.write_bytes(csv_bytes(long_ledger([["天然气", "吨", "1"]])) + b"\xff\xff\xff\n")
    with pytest.raises(E.InputFileError, match="encoding not recognised"):
        import_ledger(led, mapping, tmp_path / "a.parquet")


def test_thousands_separators_full_width_digits_spaces_and_blanks(tmp_path, mapping):
    rows = long_ledger([["天然气", "万立方米", "1,234,567.5"], ["柴油", "吨", "１２３．５"], ["　柴油　", " 吨 ", " 7 "],
                        [], ["", "", ""], ["天然气", "吨", "-"], ["天然气", "吨", "—"]])
    rep = import_ledger(ledger_file(tmp_path, rows), mapping, tmp_path / "a.parquet")
    df = pl.read_parquet(tmp_path / "a.parquet")
    assert df.select("activity", "amount", "unit").rows() == [("natural_gas", 1234567.5, "10^4 m^3"), ("diesel", 123.5, "t"), ("diesel", 7.0, "t")]
    assert rep.stats["blank_rows"] == 2 and rep.stats["blank_cells"] == 2


def test_blank_cells_as_notation_key(tmp_path, mapping):
    mapping.write_text(LONG_MAPPING.replace('layout = "long"', 'layout = "long"\nblank = "NE"'), encoding="utf-8")
    import_ledger(ledger_file(tmp_path, long_ledger([["天然气", "吨", ""], ["柴油", "吨", "2"]])), mapping, tmp_path / "a.parquet")
    df = pl.read_parquet(tmp_path / "a.parquet")
    assert df["notation_key"].to_list() == ["NE", None] and df["amount"].to_list() == [None, 2.0]


@pytest.mark.parametrize("cell, text", [("abc", "'abc' is not a number"), ("12%", "is not a number"),
                                        ("1e400", "not a finite number"), ("(5)", "amount is negative")])
def test_bad_numbers(tmp_path, mapping, cell, text):
    led = ledger_file(tmp_path, long_ledger([["天然气", "吨", "1"], ["柴油", "吨", cell]]))
    with pytest.raises(E.ValidationError) as ei:
        import_ledger(led, mapping, tmp_path / "a.parquet")
    assert text in str(ei.value) and "row 3" in str(ei.value) and "column 'C" in str(ei.value)
    assert not (tmp_path / "a.parquet").exists()


def test_huge_but_finite_amount_is_imported(tmp_path, mapping):
    import_ledger(ledger_file(tmp_path, long_ledger([["天然气", "吨", "1e300"]])), mapping, tmp_path / "a.parquet")
    assert pl.read_parquet(tmp_path / "a.parquet")["amount"].item() == 1e300


def test_unknown_unit(tmp_path, mapping):
    with pytest.raises(E.ValidationError) as ei:
        import_ledger(ledger_file(tmp_path, long_ledger([["天然气", "桶", "1"]])), mapping, tmp_path / "a.parquet")
    assert "unknown unit" in str(ei.value) and "'桶'" in str(ei.value) and "row 2" in str(ei.value)


# -- layout defects ---------------------------------------------------------------------------------


def test_duplicate_columns(tmp_path, mapping):
    rows = [["能源名称", "计量单位", "消费量", "消费量"], ["天然气", "吨", "1", "2"]]
    with pytest.raises(E.ValidationError, match=r"'消费量' \(\[columns\] amount\) appears 2 times, in columns C, D"):
        import_ledger(ledger_file(tmp_path, rows), mapping, tmp_path / "a.parquet")


def test_header_not_found(tmp_path, mapping):
    with pytest.raises(E.ValidationError, match="header row not found"):
        import_ledger(ledger_file(tmp_path, [["名称", "单位", "数量"], ["天然气", "吨", "1"]]), mapping, tmp_path / "a.parquet")


def test_merged_header_cells_in_xlsx(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["名称", "单位", "消费量", None])
    ws.append([None, None, "生产", "生活"])
    ws.append(["天然气", "吨", 4, 1])
    ws.merge_cells("A1:A2")
    ws.merge_cells("B1:B2")
    ws.merge_cells("C1:D1")  # 消费量 over 生产 / 生活
    led = tmp_path / "merged.xlsx"
    wb.save(led)
    m = tmp_path / "m.toml"
    m.write_text(LONG_MAPPING.replace('layout = "long"', 'layout = "long"\nheader_rows = 2')
                 .replace('item = "能源名称"', 'item = "名称"').replace('unit = "计量单位"', 'unit = "单位"')
                 .replace('amount = "消费量"', 'amount = ["消费量/生产", "消费量/生活"]'), encoding="utf-8")
    import_ledger(led, m, tmp_path / "a.parquet")
    assert pl.read_parquet(tmp_path / "a.parquet")["amount"].to_list() == [5.0]


def test_date_in_the_year_column(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["年份", "能源名称", "计量单位", "消费量"])
    ws.append([datetime.datetime(2022, 1, 1), "天然气", "吨", 1])
    led = tmp_path / "dates.xlsx"
    wb.save(led)
    m = tmp_path / "m.toml"
    m.write_text(LONG_MAPPING.replace("year = 2022\n", "").replace('[columns]\n', '[columns]\nyear = "年份"\n'), encoding="utf-8")
    with pytest.raises(E.ValidationError) as ei:
        import_ledger(led, m, tmp_path / "a.parquet")
    assert "a date (2022-01-01 00:00:00) in the year column" in str(ei.value) and "row 2" in str(ei.value)


def test_failed_total_check(tmp_path):
    text = CSV.read_bytes().decode("gbk").replace('"40,478.72"', '"40,999.00"')
    led = tmp_path / "synthetic_205.csv"
    led.write_bytes(text.encode("gbk"))
    with pytest.raises(E.ValidationError) as ei:
        import_ledger(led, M205, tmp_path / "a.parquet")
    msg = str(ei.value)
    assert "check failed: 能源合计 = Σ value × 采用折标系数: total 40999" in msg and "row 18" in msg
    assert not (tmp_path / "a.parquet").exists()


def test_sub_item_check(tmp_path):
    text = CSV.read_bytes().decode("gbk").replace('3.一般烟煤,吨,04,"1,500","52,000","46,800","51,200"',
                                                  '3.一般烟煤,吨,04,"1,500","52,000","46,800","50,200"')
    led = tmp_path / "synthetic_205.csv"
    led.write_bytes(text.encode("gbk"))
    with pytest.raises(E.ValidationError, match=r"check failed: 原煤 = 无烟煤 \+ 炼焦烟煤 \+ 一般烟煤 \+ 褐煤: total 51200 but the parts sum to 50200"):
        import_ledger(led, M205, tmp_path / "a.parquet")


@pytest.mark.parametrize("name, data, text", [
    ("old.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "save as .xlsx"),
    ("empty.csv", b"", "file is empty"),
    ("binary.csv", b"PK\x03\x04\x00\x00binary", "binary data"),
    ("broken.xlsx", b"PK\x03\x04 not a zip", "not a readable XLSX"),
    ("ledger.pdf", b"%PDF", "unknown ledger type"),
])
def test_unreadable_ledger_files(tmp_path, mapping, name, data, text):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(E.InputFileError, match=text):
        import_ledger(tmp_path / name, mapping, tmp_path / "a.parquet")


def test_failed_import_keeps_the_previous_output(tmp_path, mapping):
    out = tmp_path / "a.parquet"
    import_ledger(ledger_file(tmp_path, long_ledger([["天然气", "吨", "1"]])), mapping, out)
    before = out.read_bytes()
    with pytest.raises(E.ValidationError):
        import_ledger(ledger_file(tmp_path, long_ledger([["天然气", "吨", "x"]])), mapping, out)
    assert out.read_bytes() == before and siblings(out) == []


@pytest.mark.parametrize("text, needle", [
    ("[output]\npath = '/etc'\n", "unknown table 'output'"),
    ("[ledger]\nlayout = 'diagonal'\n", "layout must be 'long' or 'wide'"),
    ("[constants]\nyear = 2022\nregion = '1'\nsector = '9.Z'\n[columns]\nitem='a'\namount='b'\n", "'9.Z' is not an IPCC 2006 category"),
    ("[constants]\nyear = '2022'\n", "year must be an integer"),
    ("not toml = = =", "not valid TOML"),
])
def test_bad_mapping_files(tmp_path, text, needle):
    m = tmp_path / "m.toml"
    m.write_text(text, encoding="utf-8")
    with pytest.raises(E.ConfigError, match=needle):
        import_ledger(XLSX, m, tmp_path / "a.parquet")


def test_qizhong_sub_item_rows_are_never_added(tmp_path, mapping):
    rows = long_ledger([["柴油", "吨", "10"], ["其中：柴油", "吨", "4"], ["#柴油", "吨", "4"], ["天然气", "吨", "2"]])
    rep = import_ledger(ledger_file(tmp_path, rows), mapping, tmp_path / "a.parquet")
    assert pl.read_parquet(tmp_path / "a.parquet")["amount"].to_list() == [10.0, 2.0]
    assert rep.stats["subitem_rows"] == 2
