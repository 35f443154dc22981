"""``ghginv import`` of a whole SYNTHETIC ledger (issue 18): many workbooks, many forms, one mapping.

The ledger comes from ``ghginv/data/demo/ledgers/make_synthetic_enterprises.py`` (205-1 layout, a form per
sheet and year, title-block cells with credit code, name, industry and district codes, 能源合计
rows, mixed units, numbers as text with thousands separators and full-width digits). Covered here:
files, folders and globs; fields per block from title cells, sheet and file names, constants;
checks per block (a sheet of two enterprises); identity warnings and ``--strict``; the provenance
table; ``--draft-mapping``; the walkthrough of the documentation (the block marked ``ledger-walkthrough``:
the four commands run here); every bad input of the issue, each with exit 2, nothing written,
the inputs unchanged.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import tomllib
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest

import ghginv
from ghginv.core import errors as E
from ghginv.core.progress import FileProgress, terminal_file_progress
from ghginv.inputs.importer import import_ledger, provenance_path
from ghginv.inputs.importer.table import norm, parse_number
from ghginv.inputs.importer.vocabulary import ITEMS, label_of, lookup

from rel_helpers import EXAMPLES, run_cli

SETS = ["cn_gbt32151_22_2024", "cn_refsheet_2020", "cn_gbt32150_2025", "mee_nbs_grid", "cn_gbt2589_2020", "ipcc2006_energy"]
N = 6


def _gen():
    spec = importlib.util.spec_from_file_location("make_synthetic_enterprises", EXAMPLES / "make_synthetic_enterprises.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def ledger(tmp_path_factory):
    """N generated workbooks, the broken ones, and the mapping drafted from the first workbook."""
    d = tmp_path_factory.mktemp("ledger")
    g = _gen()
    files = g.generate(N, d / "ledgers")
    broken = g.generate_broken(d / "broken")
    mapping = d / "mapping.toml"
    mapping.write_text(ghginv.draft_mapping(files[0]), encoding="utf-8")
    return d, files, broken, mapping


def _digest(paths) -> dict:
    return {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}


# -- one import for a whole ledger -------------------------------------------------------------------


def test_folder_imports_with_one_mapping_and_every_total_is_checked_per_form(ledger, tmp_path):
    d, files, _, mapping = ledger
    out = tmp_path / "activity.parquet"
    rep = import_ledger(d / "ledgers", mapping, out)
    assert len(rep.files) == N and rep.sheets == 2 * N and rep.stats["blocks"] == 2 * N
    df = pl.read_parquet(out)
    assert {"year", "region", "sector", "activity", "amount", "unit", "entity_id"} <= set(df.columns)
    assert df["entity_id"].n_unique() == N and set(df["year"]) == {2022, 2023}
    assert set(df["region"]) <= {"510104", "510105", "510106", "510107", "510108"}
    # every form's 能源合计 row verified against its own rows: one coefficient check per value column per form
    total_checks = [c for c in rep.checks if c["check"].startswith("能源合计")]
    assert len(total_checks) == 2 * N * 2 and all(c["ok"] for c in total_checks)
    assert {(Path(c["file"]).name, c["sheet"]) for c in total_checks} == {(f.name, s) for f in files for s in ("205-1表 2022", "205-1表 2023")}
    assert all(c["ok"] for c in rep.checks)
    # 万吨 rows stay in 10^4 t; the import never sums a total row into the activity
    assert set(df["unit"]) <= {"t", "10^4 t", "10^4 m^3", "10^4 kWh", "GJ"}
    assert "能源合计" not in set(df["activity"])


def test_the_sector_comes_from_the_industry_code_cell(ledger, tmp_path):
    d, files, _, mapping = ledger
    out = tmp_path / "a.parquet"
    import_ledger(files[0], mapping, out)
    wb = openpyxl.load_workbook(files[0], read_only=True)
    industry = next(c for r in wb.worksheets[0].iter_rows(values_only=True) for c in r if isinstance(c, str) and c.startswith("行业代码"))
    division = industry.split("：")[1][:2]
    from ghginv.inputs.importer.vocabulary import SECTOR_DIVISIONS

    assert set(pl.read_parquet(out)["sector"]) == {SECTOR_DIVISIONS[division]}


def test_provenance_traces_every_number_to_its_cell(ledger, tmp_path):
    d, files, _, mapping = ledger
    out = tmp_path / "activity.parquet"
    import_ledger(d / "ledgers", mapping, out)
    df = pl.read_parquet(out)
    prov = pl.read_parquet(provenance_path(out))
    assert provenance_path(out).name == "activity.provenance.parquet"
    assert prov.height == df.height and prov["row_index"].to_list() == list(range(df.height))
    books = {}
    for i in range(0, df.height, 7):  # every 7th row: the cells it names give back its amount
        p = prov.row(i, named=True)
        wb = books.setdefault(p["file"], openpyxl.load_workbook(p["file"], read_only=True, data_only=True))
        ws = wb[p["sheet"]]
        total = 0.0
        for sign, ref in re.findall(r"([+-]?)([A-Z]+\d+)", p["cells"]):
            v = parse_number(ws[ref].value) or 0.0
            total += -v if sign == "-" else v
        assert total == pytest.approx(df["amount"][i], rel=1e-9), p
        assert p["cell"] == re.findall(r"[A-Z]+\d+", p["cells"])[0] and p["row"] == int(re.sub(r"[A-Z]", "", p["cell"]))
        assert p["entity_name"].startswith("合成示例") and "entity_id: cell" in p["fields_from"]


def test_globs_several_paths_and_the_sheets_option(ledger, tmp_path):
    d, files, _, mapping = ledger
    out = tmp_path / "a.parquet"
    rep = import_ledger([str(d / "ledgers" / "synthetic_enterprise_000[1-2].xlsx"), str(files[3])], mapping, out)
    assert [f.name for f in rep.files] == ["synthetic_enterprise_0001.xlsx", "synthetic_enterprise_0002.xlsx", "synthetic_enterprise_0004.xlsx"]
    rep = import_ledger(d / "ledgers", mapping, out, sheets="*2023")
    assert rep.sheets == N and set(pl.read_parquet(out)["year"]) == {2023}
    with pytest.raises(E.InputFileError, match="no file matches"):
        import_ledger(str(d / "ledgers" / "nothing_*.xlsx"), mapping, out)
    with pytest.raises(E.InputFileError, match="no sheet matches"):
        import_ledger(files[0], mapping, out, sheets="能源平衡*")


def test_fields_from_sheet_and_file_names_with_constants_as_fallback(tmp_path):
    """[names] file/sheet patterns with named groups; the sheet wins over the file, [cells] over both."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "2021年"
    ws.append(["能源名称", "计量单位", "消费量"])
    ws.append(["柴油", "吨", 12.5])
    ws2 = wb.create_sheet("2022年")
    ws2.append(["单位名称：乙公司"])
    ws2.append(["能源名称", "计量单位", "消费量"])
    ws2.append(["柴油", "吨", 7])
    led = tmp_path / "synthetic_91510100MA0000001X_510104.xlsx"
    wb.save(led)
    m = tmp_path / "m.toml"
    m.write_text("""[ledger]
sheets = "*"
[constants]
sector = "1.A.2.m"
entity_id = "fallback"
[cells]
entity_id = "单位名称"
[names]
file = '_(?P<entity_id>[0-9A-Z]{18})_(?P<region>\\d{6})\\.xlsx$'
sheet = '^(?P<year>\\d{4})年$'
[columns]
item = "能源名称"
unit = "计量单位"
amount = "消费量"
[activities]
"柴油" = "diesel"
""", encoding="utf-8")
    out = tmp_path / "a.parquet"
    import_ledger(led, m, out)
    df = pl.read_parquet(out).sort("year")
    assert df.select("year", "region", "entity_id", "amount").rows() == [(2021, "510104", "91510100MA0000001X", 12.5), (2022, "510104", "乙公司", 7.0)]
    prov = pl.read_parquet(provenance_path(out)).sort("sheet")
    assert "year: sheet name" in prov["fields_from"][0] and "region: file name" in prov["fields_from"][0]
    assert "entity_id: cell A1" in prov["fields_from"][1]


def test_two_enterprises_on_one_sheet_are_checked_each_against_its_own_rows(tmp_path):
    """The issue's false alarm: a 能源合计 row compared with every item of the sheet. Now per block;
    a wrong total in the second block names its file, sheet, row and both values."""
    g = _gen()
    rng = __import__("random").Random(3)
    a, _ = g.form_rows(g.enterprise(1, rng), 2023, rng, messy=False, off_identity=False)
    b, _ = g.form_rows(g.enterprise(2, rng), 2023, rng, messy=True, off_identity=False)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "205-1表"
    for r in a + [[]] + b:
        ws.append(r)
    led = tmp_path / "synthetic_two_forms.xlsx"
    wb.save(led)
    m = tmp_path / "m.toml"
    m.write_text(ghginv.draft_mapping(led), encoding="utf-8")
    out = tmp_path / "a.parquet"
    rep = import_ledger(led, m, out)
    assert rep.stats["blocks"] == 2 and all(c["ok"] for c in rep.checks)
    assert pl.read_parquet(out)["entity_id"].n_unique() == 2
    total_rows = [i + 1 for i, r in enumerate(a + [[]] + b) if r and r[0] == "能源合计"]
    ws.cell(row=total_rows[1], column=7, value=99999.0)  # 消费量/合计 of the second form's 能源合计
    wb.save(led)
    before = _digest([led, m])
    with pytest.raises(E.ValidationError) as ei:
        import_ledger(led, m, tmp_path / "b.parquet")
    msg = str(ei.value)
    assert f"row {total_rows[1]}" in msg and "sheet '205-1表'" in msg and "total 99999" in msg and "parts sum to" in msg
    assert f"row {total_rows[0]}" not in msg  # the first form is checked against its own rows only
    assert not (tmp_path / "b.parquet").exists() and not (tmp_path / "b.provenance.parquet").exists() and _digest([led, m]) == before


def test_identity_warning_and_strict(ledger, tmp_path):
    """期初库存 + 购进 − 消费 ≈ 期末库存 as a warning; --strict makes it an error (nothing written)."""
    d, files, _, mapping = ledger
    g = _gen()
    rng = __import__("random").Random(5)
    rows, h = g.form_rows(g.enterprise(17, rng), 2023, rng, messy=False, off_identity=True)
    led = tmp_path / "synthetic_off.xlsx"
    g.write_workbook(led, [("205-1表 2023", rows, h)])
    rep = import_ledger(led, mapping, tmp_path / "a.parquet")
    assert len(rep.warnings) == 1 and "identity not met" in rep.warnings[0].render() and "column 'L (期末库存量)'" in rep.warnings[0].render()
    res = run_cli("import", led, "--mapping", mapping, "--out", tmp_path / "b.parquet", "--strict", cwd=tmp_path)
    assert res.returncode == 2 and "identity not met" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "b.parquet").exists()


def test_unmapped_rows_listed_and_strict(ledger, tmp_path):
    d, files, _, mapping = ledger
    text = mapping.read_text(encoding="utf-8").replace('"柴油" = "diesel"', "")
    m = tmp_path / "m.toml"
    m.write_text(text, encoding="utf-8")
    with pytest.raises(E.ValidationError) as ei:
        import_ledger(d / "ledgers", m, tmp_path / "a.parquet")
    assert "energy item not in [activities]" in str(ei.value) and "(value: '柴油')" in str(ei.value)
    assert 'add it to [activities]: "柴油" = "diesel"' in str(ei.value)  # the hint comes from the vocabulary
    rep = import_ledger(d / "ledgers", m, tmp_path / "a.parquet", skip_unmapped=True)
    assert rep.unmapped > 0 and all("row" in p.render() and "column 'A (item)'" in p.render() for p in rep.unmapped_problems)
    with pytest.raises(E.ValidationError):
        import_ledger(d / "ledgers", m, tmp_path / "b.parquet", skip_unmapped=True, strict=True)
    assert not (tmp_path / "b.parquet").exists()


# -- draft mapping ------------------------------------------------------------------------------------


def test_draft_mapping_maps_every_standard_item_and_is_valid_toml(ledger):
    d, files, _, mapping = ledger
    text = mapping.read_text(encoding="utf-8")
    doc = tomllib.loads(text)
    acts = doc["activities"]
    for name, act in [("原煤", "raw_coal"), ("洗精煤", "cleaned_coal"), ("焦炭", "coke"), ("汽油", "gasoline"), ("柴油", "diesel"),
                      ("天然气(气态)", "natural_gas"), ("液化石油气", "lpg"), ("电力", "electricity"), ("热力", "heat")]:
        assert acts[name] == act
    for it in ITEMS:  # every item of the form: mapped, deliberately "-", or a TODO line
        name = norm(it.names[0])
        from ghginv.inputs.importer.table import label_key

        key = label_key(name)
        assert key in acts or f'# TODO "{key}"' in text, key
    assert doc["cells"]["year"] == "报告期" and doc["cells"]["sector"] == "行业代码" and doc["sectors"]["26"] == "1.A.2.c"
    assert any(c.get("coefficient") == "采用折标系数" for c in doc["checks"]) and any(c.get("warn") for c in doc["checks"])


def test_draft_mapping_cli_prints_toml_and_rejects_mixed_use(ledger, tmp_path):
    d, files, _, _ = ledger
    res = run_cli("import", "--draft-mapping", files[0], cwd=tmp_path)
    assert res.returncode == 0 and tomllib.loads(res.stdout)["columns"]["amount"] == "消费量/合计"
    res = run_cli("import", files[0], "--draft-mapping", files[0], cwd=tmp_path)
    assert res.returncode == 2 and "give no ledger" in res.stderr


def test_the_vocabulary_serves_both_directions():
    assert lookup("3.一般烟煤").code == "04" and lookup("天然气（气态）").activity == "natural_gas" and lookup("x", "33").activity == "electricity"
    assert label_of("natural_gas").names[0] == "天然气(气态)" and label_of("electricity").unit == "万千瓦时"
    assert all(label_of(it.activity) is not None for it in ITEMS if it.activity not in (None, "-"))


# -- the walkthrough ------------------------------------------------------------------------------------

def _walkthrough_commands() -> list[str]:
    """The shell block marked ``<!-- ledger-walkthrough -->`` in README.md or a docs/ page."""
    root = Path(__file__).parents[2]
    pages = [root / "README.md", *sorted((root / "docs").rglob("*.md"))]
    block = None
    for page in pages:
        if page.is_file():
            block = re.search(r"<!-- ledger-walkthrough -->\s*```(?:sh|bash)\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
            if block:
                break
    assert block, "the walkthrough block (<!-- ledger-walkthrough -->) is in neither README.md nor docs/"
    return [ln for ln in block.group(1).splitlines() if ln.strip() and not ln.startswith("#")]


def test_walkthrough_folder_to_report_in_four_commands(tmp_path):
    cmds = _walkthrough_commands()
    ghginv_cmds = [c for c in cmds if c.startswith("ghginv ")]
    assert len(ghginv_cmds) == 4
    import shlex

    for c in cmds:
        args = shlex.split(c.replace("make_synthetic_enterprises.py 50", "make_synthetic_enterprises.py 4"))
        if args[0] == "python":
            # the block runs in the demo workspace (``ghginv demo``): its ledgers/ is EXAMPLES
            args = [__import__("sys").executable, str(EXAMPLES.parent / args[1]), *args[2:]]
            res = __import__("subprocess").run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        else:
            redirect = args.index(">") if ">" in args else None
            res = run_cli(*(args[1:redirect] if redirect else args[1:]), cwd=tmp_path, timeout=300)
            if redirect:
                (tmp_path / args[redirect + 1]).write_text(res.stdout, encoding="utf-8")
        assert res.returncode == 0, (c, res.stderr[-2000:])
    assert (tmp_path / "run_synthetic" / "report.html").is_file() and (tmp_path / "run_synthetic" / "inventory.xlsx").is_file()
    assert (tmp_path / "activity_synthetic.provenance.parquet").is_file()


# -- progress and --quiet ------------------------------------------------------------------------------


def test_progress_is_drawn_only_after_a_delay_and_never_when_quiet(ledger, tmp_path):
    d, files, _, mapping = ledger
    calls = []
    import_ledger(d / "ledgers", mapping, tmp_path / "a.parquet", progress=lambda *a: calls.append(a))
    assert calls[-1][:2] == (N, N) and calls[-1][2] == pl.read_parquet(tmp_path / "a.parquet").height
    bar = FileProgress(delay_s=0.0)
    bar(1, 3, 10)
    assert bar.shown
    bar.close()
    assert terminal_file_progress(quiet=True) is None
    res = run_cli("import", d / "ledgers", "--mapping", mapping, "--out", tmp_path / "q.parquet", "--quiet", cwd=tmp_path)
    assert res.returncode == 0 and len(res.stdout.strip().splitlines()) == 1 and res.stderr == ""
    assert f"{N} file(s), {2 * N} sheet(s)" in res.stdout and "[SYNTHETIC]" in res.stdout


# -- bad input: one clear message, exit 2, nothing written, inputs unchanged ----------------------------


def _refused(tmp_path, ledger_path, mapping, *needles, extra=()):
    out = tmp_path / "out.parquet"
    before = _digest([ledger_path, mapping])
    res = run_cli("import", ledger_path, "--mapping", mapping, "--out", out, *extra, cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert res.stderr.startswith("error:") and "Traceback" not in res.stderr
    for n in needles:
        assert n in res.stderr, f"{n!r} not in {res.stderr}"
    assert not out.exists() and not provenance_path(out).exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]
    assert _digest([ledger_path, mapping]) == before
    return res.stderr


def test_not_a_workbook(ledger, tmp_path):
    _, _, broken, mapping = ledger
    _refused(tmp_path, broken["not_a_workbook"], mapping, "synthetic_broken_not_a_workbook.xlsx", "not an XLSX workbook", "wrong name")


def test_password_protected_workbook(ledger, tmp_path):
    _, _, broken, mapping = ledger
    _refused(tmp_path, broken["password"], mapping, "synthetic_broken_password.xlsx", "password-protected", "remove the password")


def test_corrupt_workbook(ledger, tmp_path):
    _, files, _, mapping = ledger
    bad = tmp_path / "synthetic_corrupt.xlsx"
    data = bytearray(files[0].read_bytes())
    bad.write_bytes(bytes(data[: len(data) // 2]))  # cut in half: the zip directory is gone
    _refused(tmp_path, bad, mapping, "synthetic_corrupt.xlsx", "not a readable XLSX workbook")
    with zipfile.ZipFile(files[0]) as z:  # a sheet part that is not XML
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/worksheets/sheet1.xml"] = b"<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>x</t></is>"
    bad2 = tmp_path / "synthetic_corrupt_sheet.xlsx"
    with zipfile.ZipFile(bad2, "w") as z:
        for n, b in parts.items():
            z.writestr(n, b)
    _refused(tmp_path, bad2, mapping, "synthetic_corrupt_sheet.xlsx")


def test_empty_sheet(ledger, tmp_path):
    _, _, broken, mapping = ledger
    _refused(tmp_path, broken["empty"], mapping, "synthetic_broken_empty_sheet.xlsx", "sheet '205-1表 2024'", "the sheet is empty")


def test_header_row_that_moved_is_found_and_a_missing_one_is_named(ledger, tmp_path):
    d, files, _, mapping = ledger
    wb = openpyxl.load_workbook(files[1])
    ws = wb.worksheets[0]
    ws.insert_rows(3, amount=5)  # the header moves 5 rows down
    ws.insert_cols(1, amount=2)  # and 2 columns right
    moved = tmp_path / "synthetic_moved.xlsx"
    wb.save(moved)
    rep = import_ledger(moved, mapping, tmp_path / "a.parquet")
    assert rep.stats["header_row"] == 5 + 5 and all(c["ok"] for c in rep.checks)
    prov = pl.read_parquet(provenance_path(tmp_path / "a.parquet")).filter(pl.col("sheet") == ws.title)
    assert set(c[0] for c in prov["cell"]) == {"I"}, prov["cell"].to_list()  # 消费量/合计 moved from G to I
    for row in ws.iter_rows():
        for c in row:
            if c.value == "能源名称":
                c.value = "品种"
    wb.save(moved)
    _refused(tmp_path, moved, mapping, "synthetic_moved.xlsx", "sheet '205-1表 2022'", "header row not found", "能源名称")


def test_merged_cells_across_the_item_column(ledger, tmp_path):
    _, _, broken, mapping = ledger
    _refused(tmp_path, broken["merged"], mapping, "synthetic_broken_merged_item.xlsx", "merged cells A", "cover the item column", "unmerge")


def test_numbers_as_text_thousands_separators_and_full_width_digits_are_accepted(ledger, tmp_path):
    """As a bureau expects: '51,200' and '１２３４' are the numbers they show; a malformed one is refused."""
    d, files, _, mapping = ledger
    g = _gen()
    rng = __import__("random").Random(9)
    rows, h = g.form_rows(g.enterprise(1, rng), 2023, rng, messy=False, off_identity=False)
    coal = next(r for r in rows if r and r[0] == "原煤")
    coal_parts = next(r for r in rows if r and r[0] == "3.一般烟煤")
    value = coal[6]
    text = f"{value:,}".translate(g.FULL)  # full-width digits (with a thousands separator from 1,000 on)
    coal[6] = coal_parts[6] = text
    led = tmp_path / "synthetic_text_numbers.xlsx"
    g.write_workbook(led, [("205-1表 2023", rows, h)])
    import_ledger(led, mapping, tmp_path / "a.parquet")
    df = pl.read_parquet(tmp_path / "a.parquet")
    raw = df.filter(pl.col("activity") == "raw_coal")["amount"][0]
    assert raw == pytest.approx(value - (coal[8] or 0))
    coal[6] = coal_parts[6] = "5,12,00"  # not a thousands grouping
    g.write_workbook(led, [("205-1表 2023", rows, h)])
    _refused(tmp_path, led, mapping, "synthetic_text_numbers.xlsx", "'5,12,00' is not a number", f"row {rows.index(coal) + 1}", "column 'G")


def test_text_in_a_number_cell(ledger, tmp_path):
    _, _, broken, mapping = ledger
    _refused(tmp_path, broken["text"], mapping, "synthetic_broken_text_cell.xlsx", "'五万一千' is not a number", "column 'G (消费量/合计)'")


def test_wrong_energy_total(ledger, tmp_path):
    _, _, broken, mapping = ledger
    _refused(tmp_path, broken["total"], mapping, "synthetic_broken_total.xlsx", "check failed: 能源合计", "but the parts sum to")


def test_unit_cell_contradicting_the_header(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["能源名称", "计量单位", "消费量(吨)"])
    ws.append(["柴油", "吨", 12])
    ws.append(["原煤", "万吨", 3])
    led = tmp_path / "synthetic_units.xlsx"
    wb.save(led)
    m = tmp_path / "m.toml"
    m.write_text('[constants]\nyear = 2023\nregion = "510105"\nsector = "1.A.2.m"\n[columns]\nitem = "能源名称"\nunit = "计量单位"\n'
                 'amount = "消费量(吨)"\n[activities]\n"柴油" = "diesel"\n"原煤" = "raw_coal"\n', encoding="utf-8")
    _refused(tmp_path, led, m, "synthetic_units.xlsx", "row 3", "column 'C (消费量(吨))'", "the unit cell says '万吨' (10^4 t)", "says t")


@pytest.mark.slow
def test_500_workbooks_import_in_one_command_and_compile(tmp_path):
    """The issue's done-when: the generated 500-workbook ledger, one mapping, one command, every
    能源合计 verified per form, then compiled."""
    files = _gen().generate(500, tmp_path / "ledgers")
    m = tmp_path / "mapping.toml"
    m.write_text(ghginv.draft_mapping(files[0]), encoding="utf-8")
    res = run_cli("import", tmp_path / "ledgers", "--mapping", m, "--out", tmp_path / "activity.parquet", "--quiet", cwd=tmp_path, timeout=600)
    assert res.returncode == 0, res.stderr
    assert "500 file(s), 1000 sheet(s), 1000 form(s)" in res.stdout
    rep = import_ledger(tmp_path / "ledgers", m, None)
    totals = [c for c in rep.checks if c["check"].startswith("能源合计")]
    assert len(totals) == 1000 * 2 and all(c["ok"] for c in totals)
    res = run_cli("compile", "--activity", tmp_path / "activity.parquet", *[x for s in SETS for x in ("--factors", s)], "--gwp", "AR5GWP100",
                  "--out", tmp_path / "run", "--quiet", cwd=tmp_path, timeout=600)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "run" / "inventory.parquet").is_file()


def test_the_openpyxl_fallback_reads_the_same_cells_as_calamine(ledger):
    """Without fastexcel the importer reads with openpyxl: the same cells, the same merged ranges."""
    from ghginv.inputs.importer.read import _read_xlsx, read_sheets

    _, files, _, _ = ledger
    fast = read_sheets(files[2], sheets="*")
    slow = _read_xlsx(files[2], None, "*")
    assert [g.sheet for g in fast] == [g.sheet for g in slow]
    for a, b in zip(fast, slow):
        assert sorted(a.merges) == sorted(b.merges)
        width = max(len(r) for r in a.rows + b.rows)
        pad = lambda rows: [[norm(c) for c in r] + [""] * (width - len(r)) for r in rows]  # noqa: E731
        assert pad(a.rows) == pad(b.rows)


def test_a_large_sheet_reports_progress_while_it_is_read(tmp_path):
    led = tmp_path / "synthetic_long.csv"
    led.write_text("能源名称,计量单位,消费量\n" + "柴油,吨,1.5\n" * 40_000, encoding="utf-8")
    m = tmp_path / "m.toml"
    m.write_text('[constants]\nyear = 2023\nregion = "510105"\nsector = "1.A.2.m"\n[columns]\nitem = "能源名称"\nunit = "计量单位"\n'
                 'amount = "消费量"\n[activities]\n"柴油" = "diesel"\n', encoding="utf-8")
    calls = []
    rep = import_ledger(led, m, None, progress=lambda *a: calls.append(a))
    assert calls[:2] == [(0, 1, 16384), (0, 1, 32768)] and calls[-1] == (1, 1, 40_000) and rep.rows_written == 40_000
