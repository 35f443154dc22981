"""Issue 17 item 3: a table longer than one Excel sheet holds is split across continuation sheets
with the header repeated — never cut short — and the split is said on the Summary sheet, in the
data-quality notes of report.html and in manifest.json (``xlsx_sheets_split``).

The row limit is a module constant (:data:`ghginv.report._sheets.EXCEL_MAX_ROWS`); the tests lower
it so that the demo's 5,190 inventory rows need several sheets (12,000 regions would need the real
1,048,576)."""

from __future__ import annotations

import json
import shutil

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

import ghginv
from ghginv.report import _sheets, rebuild_reports

from conftest import ROOT

DEMO_TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
LIMIT = 1000  # rows of a sheet in these tests; the demo is synthetic, so 3 header rows (notice, blank, header)


def test_the_real_limit_is_excels():
    import xlsxwriter.worksheet

    assert _sheets.EXCEL_MAX_ROWS == 1_048_576 == xlsxwriter.worksheet.Worksheet().xls_rowmax
    assert _sheets.rows_per_sheet(None) == 1_048_576 - 1  # header only
    assert _sheets.rows_per_sheet("SYNTHETIC DEMO DATA") == 1_048_576 - 3  # note, blank row, header
    # 12,000 regions: the 1,127,998 rows (1,048,573 + 79,425 lost) now take two sheets
    parts = _sheets.sheet_parts("IPCC categories", 1_048_573 + 79_425, "SYNTHETIC")
    assert parts == [("IPCC categories", 0, 1_048_573), ("IPCC categories (2)", 1_048_573, 1_127_998)]


@given(n=st.integers(0, 50_000), limit=st.integers(2, 5_000), note=st.sampled_from([None, "note"]),
       name=st.text(min_size=1, max_size=40, alphabet=st.characters(codec="utf-8", exclude_characters="[]:*?/\\")))
def test_parts_cover_every_row_once_within_the_limit(n, limit, note, name):
    old = _sheets.EXCEL_MAX_ROWS
    _sheets.EXCEL_MAX_ROWS = limit + _sheets.header_rows(note)
    try:
        parts = _sheets.sheet_parts(name, n, note)
    finally:
        _sheets.EXCEL_MAX_ROWS = old
    assert parts[0][1] == 0 and parts[-1][2] == n
    assert all(a[2] == b[1] for a, b in zip(parts, parts[1:], strict=False))  # contiguous, no row twice or lost
    assert all(0 <= stop - start <= limit for _, start, stop in parts)
    assert all(stop > start for _, start, stop in parts) or n == 0
    names = [p[0] for p in parts]
    assert len(set(names)) == len(names) and all(len(x) <= _sheets.SHEET_NAME_MAX for x in names)
    assert (_sheets.split_note(parts) is None) == (len(parts) == 1)


def _sheet_rows(wb, name: str) -> tuple[list, list]:
    rows = list(wb[name].iter_rows(values_only=True))
    return list(rows[2]), [list(r) for r in rows[3:]]  # notice, blank, header, data


@pytest.fixture(scope="module")
def split_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("split") / "demo"
    mp = pytest.MonkeyPatch()
    mp.setattr(_sheets, "EXCEL_MAX_ROWS", LIMIT)
    try:
        ghginv.compile_inventory(DEMO_TOML, out=out)
    finally:
        mp.undo()
    return out


def test_compile_splits_the_ipcc_sheet_and_says_so(split_run):
    inv = pl.read_parquet(split_run / "inventory.parquet")
    per = LIMIT - 3
    n = -(-inv.height // per)
    assert n >= 2
    wb = load_workbook(split_run / "inventory.xlsx", read_only=True)
    names = ["IPCC categories"] + [f"IPCC categories ({k})" for k in range(2, n + 1)]
    assert [s for s in wb.sheetnames if s.startswith("IPCC categories")] == names
    data = []
    for name in names:
        header, rows = _sheet_rows(wb, name)
        assert header == inv.columns  # the header on every sheet
        assert len(rows) <= per
        data += rows
    assert len(data) == inv.height  # every row, none twice
    assert [r[3] for r in data] == inv["category"].to_list() and [r[8] for r in data] == pytest.approx(inv["co2e_t"].to_list())
    summary = [r for r in wb["Summary"].iter_rows(values_only=True) if r[0] == "sheet split"]
    ipcc = [r[1] for r in summary if "'IPCC categories'" in r[1]]
    assert ipcc and f"split into {n} sheets" in ipcc[0] and f"{inv.height:,} rows" in ipcc[0]
    m = json.loads((split_run / "manifest.json").read_text(encoding="utf-8"))
    rec = {s["sheet"]: s for s in m["xlsx_sheets_split"]}["IPCC categories"]
    assert rec["sheets"] == names and rec["rows"] == inv.height and rec["rows_per_sheet"] == per
    html = (split_run / "report.html").read_text(encoding="utf-8")
    assert f"inventory.xlsx: sheet “IPCC categories” has {inv.height:,} rows" in html and f"split into {n} sheets" in html


def test_a_small_table_is_one_sheet_and_rebuild_updates_the_manifest(split_run, tmp_path):
    run = tmp_path / "demo"
    shutil.copytree(split_run, run)
    rebuild_reports(run)  # the real limit: nothing to split
    wb = load_workbook(run / "inventory.xlsx", read_only=True)
    assert "IPCC categories (2)" not in wb.sheetnames
    assert not [r for r in wb["Summary"].iter_rows(values_only=True) if r[0] == "sheet split"]
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert m["xlsx_sheets_split"] == []  # the old split is no longer claimed
    assert "split into" not in (run / "report.html").read_text(encoding="utf-8")
    inv = pl.read_parquet(run / "inventory.parquet")
    assert len(_sheet_rows(wb, "IPCC categories")[1]) == inv.height


def test_rebuild_splits_the_completeness_sheet_too(split_run, tmp_path, monkeypatch):
    run = tmp_path / "demo"
    shutil.copytree(split_run, run)
    wb = load_workbook(run / "inventory.xlsx", read_only=True)
    _, complete = _sheet_rows(wb, "Completeness")
    limit = len(complete) // 2 + 3  # the completeness table needs exactly 2 sheets (or 3 for an odd count)
    monkeypatch.setattr(_sheets, "EXCEL_MAX_ROWS", limit)
    rebuild_reports(run)
    wb = load_workbook(run / "inventory.xlsx", read_only=True)
    parts = [s for s in wb.sheetnames if s.startswith("Completeness")]
    assert parts[:2] == ["Completeness", "Completeness (2)"]
    rows = []
    for name in parts:
        header, r = _sheet_rows(wb, name)
        assert header[:3] == ["year", "category", "category_name"]
        rows += r
    assert rows == complete
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert {"IPCC categories", "Completeness"} <= {s["sheet"] for s in m["xlsx_sheets_split"]}
    assert m["outputs"]["inventory.xlsx"].startswith("sha256:")


def test_split_in_chinese(split_run, tmp_path, monkeypatch):
    """Rebuilt in zh: the continuation sheets carry the Chinese name (IPCC类别排放 (2) …), the header repeated in
    Chinese, and the Summary (概要) records the split in Chinese."""
    run = tmp_path / "demo"
    shutil.copytree(split_run, run)
    monkeypatch.setattr(_sheets, "EXCEL_MAX_ROWS", LIMIT)
    rebuild_reports(run, "zh")
    inv = pl.read_parquet(run / "inventory.parquet")
    n = -(-inv.height // (LIMIT - 3))
    wb = load_workbook(run / "inventory.xlsx", read_only=True)
    names = ["IPCC类别排放"] + [f"IPCC类别排放 ({k})" for k in range(2, n + 1)]
    assert [s for s in wb.sheetnames if s.startswith("IPCC类别排放")] == names
    heads = {tuple(_sheet_rows(wb, name)[0]) for name in names}
    assert len(heads) == 1 and next(iter(heads))[:2] == ("年份", "地区")
    assert sum(len(_sheet_rows(wb, name)[1]) for name in names) == inv.height
    split = [r[1] for r in wb["概要"].iter_rows(values_only=True) if r[0] == "工作表拆分"]
    assert any(f"工作表“IPCC类别排放”共 {inv.height} 行" in s and f"已拆分为 {n} 个工作表" in s for s in split), split
