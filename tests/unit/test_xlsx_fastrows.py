"""The column-by-column writer of large tables (ghginv.report._fastrows) gives the same bytes as the
cell-by-cell path: shared strings in the same order, the same dimension, spans and cells."""

from __future__ import annotations

import io
import zipfile

import polars as pl
import pytest
import xlsxwriter

from ghginv.report import _fastrows, xlsx


def _frame(n: int) -> pl.DataFrame:
    return pl.DataFrame({
        "year": [2019 + i % 3 for i in range(n)],
        "category": [None if i % 7 == 3 else f"1.A.{i % 5}" for i in range(n)],
        "value": [None if i % 4 == 1 else i * 0.1234567890123 - 5 for i in range(n)],
        "empty": pl.Series([None] * n, dtype=pl.Float64),
        "note": [None if i % 2 else "shared text <&> 甲" for i in range(n)],
        "big": [10**17 + i for i in range(n)],
        "near": pl.Series([2**53 - 5 + i % 5 if i % 3 else -(2**52) + i for i in range(n)], dtype=pl.Int64),  # exact below 2**53
    }).with_columns(  # some rows without any cell
        *(pl.when(pl.int_range(n) % 11 == 10).then(None).otherwise(pl.col(c)).alias(c) for c in ("year", "category", "value", "note", "big")))


def _book(df: pl.DataFrame, note: str | None, monkeypatch, fast_rows: int) -> dict[str, bytes]:
    monkeypatch.setattr(xlsx, "FAST_ROWS", fast_rows)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "nan_inf_to_errors": True})
    wb.set_properties({"created": xlsx.datetime(2000, 1, 1, tzinfo=xlsx.UTC)})
    head, num = wb.add_format({"bold": True}), wb.add_format({"num_format": "#,##0.0000"})
    ws = wb.add_worksheet("first")
    ws.write_string(0, 0, "shared text <&> 甲")  # a string already in the table before the frame's
    xlsx._sheet(wb, "table", df, num, head, note, [])
    xlsx._sheet(wb, "again", df.reverse(), num, head, None, [])
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.mark.parametrize("n", [0, 1, 15, 40, 333])
@pytest.mark.parametrize("note", [None, "SYNTHETIC data"])
@pytest.mark.parametrize("polars_cells", [0, 10**12])  # the cells' XML put together by polars, or in Python
def test_same_bytes_as_cell_by_cell(n, note, polars_cells, monkeypatch):
    monkeypatch.setattr(_fastrows, "POLARS_CELLS", polars_cells)
    df = _frame(n)
    slow = _book(df, note, monkeypatch, 10**9)
    fast = _book(df, note, monkeypatch, 1)
    assert fast.keys() == slow.keys()
    for name in slow:
        assert fast[name] == slow[name], name


def test_uncovered_frames_fall_back(monkeypatch):
    df = pl.DataFrame({"flag": [True, None, False], "x": [1.0, float("nan"), float("inf")]})
    assert _book(df, None, monkeypatch, 1) == _book(df, None, monkeypatch, 10**9)
    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True, "nan_inf_to_errors": True})
    assert not xlsx.write_rows(wb.add_worksheet(), df, 1, 0, wb.add_format())  # written cell by cell instead
    assert xlsx.write_rows(wb.add_worksheet(), _frame(20), 1, 0, wb.add_format())
