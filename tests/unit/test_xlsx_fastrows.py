"""The column-by-column writer of large tables (ghginv.report._fastrows) gives the same bytes as the
cell-by-cell path: shared strings in the same order, the same dimension, spans and cells — with a table
prepared by polars or (a small one) in Python."""

from __future__ import annotations

import io
import zipfile

import polars as pl
import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    ws.write_number(1, 0, 0.5, num)  # the number format in use whatever the frame's columns (as in every workbook)
    xlsx._sheet(wb, "table", df, num, head, note, [])
    xlsx._sheet(wb, "again", df.reverse(), num, head, None, [])
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return {n: z.read(n) for n in z.namelist()}


@pytest.mark.parametrize("n", [0, 1, 15, 40, 333])
@pytest.mark.parametrize("note", [None, "SYNTHETIC data"])
@pytest.mark.parametrize("polars_cells", [0, 10**12])  # the cells' XML put together by polars, or in Python
@pytest.mark.parametrize("py_cells", [0, 10**12])  # the table checked, coded and spanned by polars, or in Python
def test_same_bytes_as_cell_by_cell(n, note, polars_cells, py_cells, monkeypatch):
    monkeypatch.setattr(_fastrows, "POLARS_CELLS", polars_cells)
    monkeypatch.setattr(_fastrows, "PY_CELLS", py_cells)
    df = _frame(n)
    slow = _book(df, note, monkeypatch, 10**9)
    fast = _book(df, note, monkeypatch, 1)
    assert fast.keys() == slow.keys()
    for name in slow:
        assert fast[name] == slow[name], name


@pytest.mark.parametrize("py_cells", [0, 10**12])
def test_uncovered_frames_fall_back(py_cells, monkeypatch):
    monkeypatch.setattr(_fastrows, "PY_CELLS", py_cells)
    df = pl.DataFrame({"flag": [True, None, False], "x": [1.0, float("nan"), float("inf")]})
    assert _book(df, None, monkeypatch, 1) == _book(df, None, monkeypatch, 10**9)
    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True, "nan_inf_to_errors": True})
    assert not xlsx.write_rows(wb.add_worksheet(), df, 1, 0, wb.add_format())  # written cell by cell instead
    for bad in (pl.DataFrame({"x": [1.0, float("nan")]}), pl.DataFrame({"x": [1.0, float("-inf")]}, schema={"x": pl.Float32}),
                pl.DataFrame({"s": ["a", "x" * 16_384]})):
        assert not xlsx.write_rows(wb.add_worksheet(), bad, 1, 0, wb.add_format()), bad
    # booleans: written column by column in a small table (the Python layout), cell by cell in a large one
    assert xlsx.write_rows(wb.add_worksheet(), pl.DataFrame({"b": [True]}), 1, 0, wb.add_format()) == (py_cells > 0)
    assert xlsx.write_rows(wb.add_worksheet(), pl.DataFrame({"s": ["a", "x" * 16_383, None]}), 1, 0, wb.add_format())
    assert xlsx.write_rows(wb.add_worksheet(), _frame(20), 1, 0, wb.add_format())


_TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "shared text <&> 甲", "1.A.1", " x "]), st.text(max_size=6))
_COLUMNS = {  # dtype -> the strategy of one value
    pl.String: _TEXT,
    pl.Float64: st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
    pl.Float32: st.one_of(st.none(), st.floats(width=32, allow_nan=False, allow_infinity=False)),
    pl.Int64: st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)),
    pl.Int32: st.one_of(st.none(), st.integers(-(2**31), 2**31 - 1)),
    pl.UInt64: st.one_of(st.none(), st.integers(0, 2**64 - 1)),
    pl.Null: st.none(),
    pl.Boolean: st.one_of(st.none(), st.booleans()),  # the key categories' flags
}


@st.composite
def _frames(draw) -> pl.DataFrame:
    n = draw(st.integers(0, 40))
    types = draw(st.lists(st.sampled_from(list(_COLUMNS)), min_size=1, max_size=6))
    return pl.DataFrame({f"c{j}": pl.Series([draw(_COLUMNS[t]) for _ in range(n)], dtype=t) for j, t in enumerate(types)})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(df=_frames(), note=st.sampled_from([None, "note"]))
def test_python_layout_same_bytes_as_polars_and_cell_by_cell(df, note, monkeypatch):
    """Random small tables (text, floats, integers up to 2**64, nulls, rows or columns without any cell) give the same
    workbook prepared in Python, by polars and cell by cell."""
    monkeypatch.setattr(_fastrows, "POLARS_CELLS", 10**12)
    books = []
    for py_cells, fast_rows in ((10**12, 1), (0, 1), (10**12, 10**9)):
        monkeypatch.setattr(_fastrows, "PY_CELLS", py_cells)
        books.append(_book(df, note, monkeypatch, fast_rows))
    assert books[0] == books[1] == books[2]


def _cells_book(cols: list, note: str | None, fast: bool) -> dict[str, bytes]:
    """A workbook with one table written by write_cells (``fast``) or one cell at a time (as the completeness sheet did)."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "nan_inf_to_errors": True})
    wb.set_properties({"created": xlsx.datetime(2000, 1, 1, tzinfo=xlsx.UTC)})
    head, num = wb.add_format({"bold": True}), wb.add_format({"num_format": "#,##0.0000"})
    first = wb.add_worksheet("first")
    first.write_string(0, 0, "NE")  # a string already in the table
    ws = wb.add_worksheet("table")
    r0 = 0
    if note:
        ws.write(0, 0, note)
        r0 = 2
    for j in range(len(cols)):
        ws.write(r0, j, f"h{j}", head)
    if not (fast and _fastrows.write_cells(ws, cols, r0 + 1, r0, num)):
        assert not fast or any(v != v or v in (float("inf"), float("-inf")) for _, vals in cols for v in vals if type(v) is float)
        for i in range(len(cols[0][1])):  # row by row, left to right
            for j, (kind, vals) in enumerate(cols):
                v = vals[i]
                if v is None:
                    continue
                if isinstance(v, str):
                    ws.write_string(r0 + 1 + i, j, v)
                elif kind == "int":
                    ws.write_number(r0 + 1 + i, j, v)
                else:
                    ws.write_number(r0 + 1 + i, j, v, num)
    ws.freeze_panes(r0 + 1, 3)
    wb.close()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        return {n: z.read(n) for n in z.namelist()}


_FLOAT = st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([0.0, -0.0, 1e-320, 123456.789]))
_KEY = st.one_of(st.none(), st.sampled_from(["NE", "NO", "IE", "C", "NA", "shared text <&> 甲"]), st.text(max_size=4))


@st.composite
def _cell_columns(draw) -> list:
    n = draw(st.integers(0, 40))
    cols = [("int", [draw(st.one_of(st.none(), st.integers(-(2**53), 2**53))) for _ in range(n)])]
    for kind in draw(st.lists(st.sampled_from(["str", "float", "mixed"]), min_size=1, max_size=6)):
        value = {"str": _KEY, "float": _FLOAT, "mixed": st.one_of(_FLOAT, _KEY)}[kind]
        cols.append((kind, [draw(value) for _ in range(n)]))
    return cols


@settings(max_examples=80, deadline=None)
@given(cols=_cell_columns(), note=st.sampled_from([None, "note"]))
def test_write_cells_same_bytes_as_one_by_one(cols, note):
    """Tables given as one Python list per column — integers, floats (the number format), text and columns of either —
    give the workbook written one cell at a time: the same shared strings in the same order, dimension, spans, cells."""
    assert _cells_book(cols, note, True) == _cells_book(cols, note, False)


def test_write_cells_falls_back_for_what_it_does_not_render():
    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True, "nan_inf_to_errors": True})
    num = wb.add_format()
    for bad in ([("mixed", [1.0, float("nan")])], [("float", [float("inf")])], [("str", ["x" * 16_384])], [("int", [1.5])],
                [("mixed", [True])], [("other", [1])], [("int", [1]), ("str", ["a", "b"])]):
        assert not _fastrows.write_cells(wb.add_worksheet(), bad, 1, 0, num), bad
    assert _fastrows.write_cells(wb.add_worksheet(), [("mixed", [1.0, "NE", None]), ("str", ["x" * 16_383, None, "a"])], 1, 0, num)
    cols = [("mixed", [1.0, float("nan")])]  # written one by one: the NaN as an error formula
    assert _cells_book(cols, None, True) == _cells_book(cols, None, False)


@pytest.mark.parametrize("polars_cells", [0, 10**12])  # the small table's XML put together by polars, or in Python
@pytest.mark.parametrize("n", [1, 17, 60])
def test_booleans_of_a_small_table_same_bytes_as_cell_by_cell(n, polars_cells, monkeypatch):
    """A small table with a boolean column (the key categories' flags): column by column, the same bytes as cell by cell
    (``write_boolean``: TRUE or FALSE without a format; null: no cell)."""
    monkeypatch.setattr(_fastrows, "POLARS_CELLS", polars_cells)
    monkeypatch.setattr(_fastrows, "PY_CELLS", 10**12)
    df = _frame(n).with_columns(pl.Series("key", [None if i % 5 == 2 else i % 3 == 0 for i in range(n)], dtype=pl.Boolean),
                                pl.Series("flag", [i % 2 == 1 for i in range(n)], dtype=pl.Boolean))
    assert _book(df, "note", monkeypatch, 1) == _book(df, "note", monkeypatch, 10**9)
