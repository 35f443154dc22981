"""Workbook bombs (issue 17 item 4): refused before parsing, in milliseconds, with a clear message.

A 590 KB .xlsx that expands to 600 MB kept ``import`` busy for minutes; a 4.9 KB workbook with the
cells A1 and XFD1048576 ended in a MemoryError traceback at 2.9 GB. The bombs are built here with
``zipfile`` (a tiny sheet with a huge dimension; a highly compressible part): small and fast.
"""

from __future__ import annotations

import re
import time
import zipfile

import openpyxl
import polars as pl
import pytest

from ghginv.core import errors as E
from ghginv.inputs.importer import import_ledger
from ghginv.inputs.importer.read import check_workbook, read_grid, workbook_limits

from rel_helpers import LONG_MAPPING, long_ledger, run_cli

ENVS = ("GHGINV_MAX_WORKBOOK_MB", "GHGINV_MAX_WORKBOOK_RATIO", "GHGINV_MAX_WORKBOOK_CELLS")


@pytest.fixture(autouse=True)
def _default_limits(monkeypatch):
    for env in ENVS:
        monkeypatch.delenv(env, raising=False)


@pytest.fixture
def mapping(tmp_path):
    p = tmp_path / "m.toml"
    p.write_text(LONG_MAPPING, encoding="utf-8")
    return p


def ledger_xlsx(path, extra_cells=()):
    """A real two-row ledger (天然气 4 t, 柴油 2 t), plus ``extra_cells`` such as ``("XFD1048576", "x")``."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in long_ledger([["天然气", "吨", 4], ["柴油", "吨", 2]]):
        ws.append(r)
    for ref, value in extra_cells:
        ws[ref] = value
    wb.save(path)
    return path


def rewrite_sheet(path, edit):
    """Rewrite xl/worksheets/sheet1.xml of ``path`` with ``edit(xml_text)``."""
    with zipfile.ZipFile(path) as z:
        parts = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            if info.filename == "xl/worksheets/sheet1.xml":
                data = edit(data.decode("utf-8")).encode("utf-8")
            z.writestr(info.filename, data)
    return path


def add_part(path, name, size, chunk=b" "):
    """Add a part of ``size`` bytes of one repeated byte (deflates about 1000 : 1), streamed."""
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as z, z.open(name, "w", force_zip64=True) as f:
        block = chunk * (1 << 20)
        left = size
        while left > 0:
            f.write(block[: min(left, len(block))])
            left -= len(block)
    return path


def refused(tmp_path, led, mapping, *needles, seconds=5):
    """import_ledger refuses ``led`` quickly with an InputFileError holding ``needles``; nothing written."""
    out = tmp_path / "a.parquet"
    t0 = time.perf_counter()
    with pytest.raises(E.InputFileError) as ei:
        import_ledger(led, mapping, out)
    assert time.perf_counter() - t0 < seconds, "a bomb must be refused before it is parsed"
    msg = str(ei.value)
    assert str(led) in msg and "nothing was read" in msg
    for n in needles:
        assert n in msg, f"{n!r} not in {msg}"
    assert not out.exists() and not any(p.name.startswith(".a.parquet") for p in tmp_path.iterdir())
    return msg


# -- the two bombs of the issue ----------------------------------------------------------------------


def test_cells_a1_and_xfd1048576_are_refused_by_the_declared_dimension(tmp_path, mapping):
    """The issue's 4.9 KB workbook: the declared dimension is A1:XFD1048576 = 17,179,869,184 cells."""
    led = ledger_xlsx(tmp_path / "bomb.xlsx", [("XFD1048576", "x")])
    assert led.stat().st_size < 10_000
    msg = refused(tmp_path, led, mapping, "A1:XFD1048576", "17,179,869,184", "GHGINV_MAX_WORKBOOK_CELLS",
                  "20,000,000")
    assert "xl/worksheets/sheet1.xml" in msg


def test_a_lying_dimension_is_caught_by_the_real_cells(tmp_path, mapping):
    """Same cells, but the sheet declares A1:C3: the far cell is found while streaming, no grid is built."""
    led = ledger_xlsx(tmp_path / "bomb.xlsx", [("XFD1048576", "x")])
    rewrite_sheet(led, lambda x: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:C3"', x))
    refused(tmp_path, led, mapping, "sheet 'Sheet'", "row 1,048,576, column XFD", "GHGINV_MAX_WORKBOOK_CELLS",
            seconds=60)  # streams 1,048,576 (empty) rows: about 1 s, more on a busy machine


def test_a_part_that_expands_past_200_mb_is_refused(tmp_path, mapping):
    """The issue's other bomb: a small file whose parts unpack to more than 200 MB."""
    led = add_part(ledger_xlsx(tmp_path / "bomb.xlsx"), "xl/media/padding.bin", 210 * 2**20)
    assert led.stat().st_size < 2_000_000
    refused(tmp_path, led, mapping, "expands to 220.2 MB uncompressed", "limit of 200 MB", "GHGINV_MAX_WORKBOOK_MB=")


def test_a_part_compressed_more_than_100_to_1_is_refused(tmp_path, mapping):
    led = add_part(ledger_xlsx(tmp_path / "bomb.xlsx"), "xl/worksheets/sheet2.xml", 8 * 2**20)
    refused(tmp_path, led, mapping, "part xl/worksheets/sheet2.xml", "compression ratio of", "limit of 100 : 1",
            "GHGINV_MAX_WORKBOOK_RATIO=")


# -- raising the limits ------------------------------------------------------------------------------


def test_limits_are_raised_by_environment_variables(tmp_path, mapping, monkeypatch):
    led = add_part(ledger_xlsx(tmp_path / "big.xlsx"), "xl/media/padding.bin", 8 * 2**20, chunk=b"\x00")
    monkeypatch.setenv("GHGINV_MAX_WORKBOOK_MB", "5")
    monkeypatch.setenv("GHGINV_MAX_WORKBOOK_RATIO", "0")  # 0 = no check
    refused(tmp_path, led, mapping, "limit of 5 MB", "GHGINV_MAX_WORKBOOK_MB=")
    monkeypatch.setenv("GHGINV_MAX_WORKBOOK_MB", "20")
    import_ledger(led, mapping, tmp_path / "a.parquet")
    assert pl.read_parquet(tmp_path / "a.parquet")["amount"].to_list() == [4.0, 2.0]


@pytest.mark.parametrize("value", ["abc", "-1", "inf"])
def test_a_bad_limit_variable_is_a_config_error(monkeypatch, value):
    monkeypatch.setenv("GHGINV_MAX_WORKBOOK_CELLS", value)
    with pytest.raises(E.ConfigError, match=r"GHGINV_MAX_WORKBOOK_CELLS must be a number ≥ 0"):
        workbook_limits()


def test_a_huge_declared_dimension_over_few_cells_reads_only_the_real_cells(tmp_path, mapping, monkeypatch):
    """With the cell check off, a sheet declaring A1:XFD1048576 over 3 rows is read as 3 rows of 3
    cells, in well under a second: the declared grid is never allocated."""
    led = ledger_xlsx(tmp_path / "ledger.xlsx")
    rewrite_sheet(led, lambda x: re.sub(r'<dimension ref="[^"]*"', '<dimension ref="A1:XFD1048576"', x))
    monkeypatch.setenv("GHGINV_MAX_WORKBOOK_CELLS", "0")
    t0 = time.perf_counter()
    g = read_grid(led)
    assert time.perf_counter() - t0 < 5
    assert [[str(c) for c in r] for r in g.rows] == [["能源名称", "计量单位", "消费量"], ["天然气", "吨", "4"], ["柴油", "吨", "2"]]
    import_ledger(led, mapping, tmp_path / "a.parquet")
    assert pl.read_parquet(tmp_path / "a.parquet")["amount"].to_list() == [4.0, 2.0]


def test_real_ledgers_are_far_below_the_limits(tmp_path):
    """A 20,000-row ledger of repetitive rows (the most compressible real sheet): every check passes."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["能源名称", "计量单位", "消费量"])
    for _ in range(20_000):
        ws.append(["天然气", "吨", 4])
    led = tmp_path / "long.xlsx"
    wb.save(led)
    check_workbook(led)
    with zipfile.ZipFile(led) as z:
        i = z.getinfo("xl/worksheets/sheet1.xml")
        assert i.file_size / i.compress_size < 50  # the ratio limit is 100
    assert len(read_grid(led).rows) == 20_001


def test_cli_import_of_a_bomb_exits_2_without_traceback(tmp_path, mapping):
    led = ledger_xlsx(tmp_path / "bomb.xlsx", [("XFD1048576", "x")])
    r = run_cli("import", led, "--mapping", mapping, "--out", tmp_path / "a.parquet", cwd=tmp_path, timeout=60)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and "MemoryError" not in r.stderr
    assert "GHGINV_MAX_WORKBOOK_CELLS" in r.stderr
    assert not (tmp_path / "a.parquet").exists()
