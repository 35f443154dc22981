"""inventory.xlsx in English is a contract (issue 19 item 2 added Chinese with ``lang = "zh"`` only): the demo's
English workbook keeps its sheet names, their order, every column head and the Summary's labels exactly as
before, and its notes in English; the Chinese workbook has the same sheets in the same order, each table with
every English column (a code column keeping its values) plus the Chinese name columns."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from conftest import ROOT

DEMO_TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"

SHEETS = ["Summary", "IPCC categories", "Completeness", "Provincial 5 sectors", "Provincial summary", "Energy activity (physical)",
          "Energy activity (tce)", "Energy (by sector)", "Industrial processes", "Agriculture", "LULUCF", "Waste", "Indicators", "Targets",
          "Peak", "Factors used", "Key categories", "Reference approach"]
HEADS = {
    "IPCC categories": ["year", "region", "scope", "category", "level", "category_name", "gas", "emissions_t", "co2e_t", "notation_key"],
    "Completeness": ["year", "category", "category_name", *(f"{g} (t CO2e or key)" for g in ("CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3"))],
    "Provincial 5 sectors": ["year", "sector", "sector_zh", "CO2_t", "CH4_t", "N2O_t", "HFCs_t", "PFCs_t", "SF6_t", "NF3_t", "co2e_t"],
    "Provincial summary": ["Year", "Code", "Item", "CO2 (10^4 t)", "CH4 (10^4 t)", "N2O (10^4 t)", "HFCs (10^4 t CO2e)", "PFCs (10^4 t CO2e)",
                           "SF6 (10^4 t CO2e)", "NF3 (10^4 t CO2e)", "Total GHG (10^4 t CO2e)", "Note"],
    "Energy (by sector)": ["Year", "Code", "Item", "IPCC 2006", "CO2 (10^4 t)", "CH4 (10^4 t)", "N2O (10^4 t)", "CO2e (10^4 t)"],
    "Indicators": ["year", "region", "indicator", "unit", "value", "index_base_100", "yoy_change_pct", "origin"],
    "Targets": ["target", "region", "kind", "scope", "base_year", "target_year", "base_value", "latest_year", "latest_value", "achieved_pct",
                "required_pct", "path_required_pct", "on_track", "met", "margin", "source", "status", "reason", "optional"],
    "Peak": ["region", "scope", "first_year", "latest_year", "peak_year", "peak_value", "latest_value", "change_from_peak_pct",
             "trend_pct_per_year", "status", "reason"],
    "Factors used": ["factor_set", "set_version", "activity", "kind", "item", "value", "unit", "status", "source", "source_locator", "rule"],
    "Key categories": ["assessment", "year", "base_year", "category", "category_name", "gas", "co2e_t", "base_co2e_t", "share", "cumulative",
                       "rank", "key", "uncertainty_pct"],
    "Reference approach": ["year", "region", "fuel", "unit", "production", "imports", "exports", "bunkers", "stock_change",
                           "apparent_consumption", "non_energy_use", "apparent_consumption_tj", "ef_t_co2_per_unit", "excluded_co2_t",
                           "reference_co2_t", "sectoral_co2_t", "difference_pct", "flag", "co2_factor", "note"],
}
SUMMARY_LABELS = ["name", "ghginv_version", "gwp", "synthetic", "factor_sets", "warning", "lang"]
NOTICE = "SYNTHETIC DEMO DATA — not official statistics"


def _compile(out: Path, *extra: str) -> Path:
    env = {k: v for k, v in os.environ.items() if k not in ("GHGINV_FACTORS_PATH", "GHGINV_LANG")}
    res = subprocess.run([sys.executable, "-m", "ghginv.cli", *extra, "compile", str(DEMO_TOML), "--out", str(out), "--quiet"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    return out / "inventory.xlsx"


@pytest.fixture(scope="module")
def books(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("xlsx_lang")
    return _compile(tmp / "en"), _compile(tmp / "zh", "--lang", "zh")


def _head(ws) -> tuple[str | None, list]:
    rows = list(ws.iter_rows(max_row=3, values_only=True))
    if rows[0][0] and all(v is None for v in rows[1]):
        return rows[0][0], list(rows[2])
    return None, list(rows[0])


def test_en_workbook_sheet_names_and_heads_unchanged(books):
    en, _ = books
    wb = load_workbook(en, read_only=True)
    assert wb.sheetnames == SHEETS
    for sheet, head in HEADS.items():
        note, got = _head(wb[sheet])
        assert got == head, sheet
        assert note is not None and note.startswith(NOTICE), (sheet, note)
    labels = [r[0] for r in wb["Summary"].iter_rows(values_only=True)]
    assert labels[:len(SUMMARY_LABELS)] == SUMMARY_LABELS and labels[-6:-5] == ["year"]
    assert ("synthetic", f"yes — {NOTICE}") in [tuple(r[:2]) for r in wb["Summary"].iter_rows(values_only=True)]
    five_note, _ = _head(wb["Provincial 5 sectors"])
    assert five_note == f"{NOTICE} · blank = not estimated: see the Completeness sheet for its notation key (NE, NO, IE …)"


def test_zh_workbook_keeps_every_table_and_code_column(books):
    """The Chinese workbook: the same sheets in the same order; each non-provincial table has the English table's
    columns (same count of rows) plus name columns; the code columns' values are the English workbook's."""
    from ghginv.core.i18n import XLSX_SHEETS

    en, zh = books
    we, wz = load_workbook(en, read_only=True), load_workbook(zh, read_only=True)
    assert len(we.sheetnames) == len(wz.sheetnames)
    for e_name, z_name in zip(we.sheetnames, wz.sheetnames, strict=True):
        if e_name in XLSX_SHEETS:
            assert z_name == XLSX_SHEETS[e_name][1]
    pairs = {"IPCC categories": ("category", "类别代码"), "Indicators": ("indicator", "指标代码"), "Targets": ("kind", "类型代码"),
             "Factors used": ("activity", "活动代码"), "Key categories": ("category", "类别代码"), "Reference approach": ("fuel", "燃料代码")}
    for sheet, (e_col, z_col) in pairs.items():
        _, eh = _head(we[sheet])
        _, zh_h = _head(wz[XLSX_SHEETS[sheet][1]])
        e_rows = list(we[sheet].iter_rows(min_row=4, values_only=True))
        z_rows = list(wz[XLSX_SHEETS[sheet][1]].iter_rows(min_row=4, values_only=True))
        assert len(e_rows) == len(z_rows), sheet
        assert [r[eh.index(e_col)] for r in e_rows] == [r[zh_h.index(z_col)] for r in z_rows], sheet
        # every value column is kept: numbers equal
        for r_e, r_z in zip(e_rows[:50], z_rows[:50], strict=True):
            assert [v for v in r_e if isinstance(v, float)] == [v for v in r_z if isinstance(v, float)], sheet


def test_zh_workbook_bytes_are_reproducible(books, tmp_path):
    """The same run rebuilt in zh gives the same bytes of inventory.xlsx (no dict order, time or locale in it)."""
    import shutil

    from ghginv.report import rebuild_reports

    _, zh = books
    run = tmp_path / "zh"
    shutil.copytree(zh.parent, run)
    rebuild_reports(run, "zh")
    assert (run / "inventory.xlsx").read_bytes() == zh.read_bytes()
