"""The data rows of a large table of ``inventory.xlsx``, written column by column instead of cell by cell.

xlsxwriter keeps every cell as an object and writes it as XML through several method calls; at
hundreds of thousands of rows (the IPCC categories sheet of a run of 265 k cube cells holds 4 M
cells) that is most of the report's time. :func:`write_rows` gives the same bytes as the
cell-by-cell path of :func:`ghginv.report.xlsx._sheet` (``write_number`` with the number format
for floats, without a format for integers, ``write_string`` for text, ``write_boolean`` for booleans, nothing for nulls): the
strings enter the workbook's shared-string table in the same (row-major) order, the sheet's
dimension and each 16-row block's ``spans`` are the same, and the cells' XML is rendered once at
``close`` with the same number format (``.16G``). A frame the fast path does not cover (NaN or
infinite floats, other types, text longer than Excel's limit; booleans in a large table) returns ``False`` and is
written cell by cell as before. A small table (fewer than :data:`PY_CELLS` cells: every table of a district's
run but the IPCC categories) is prepared in Python from one list per column (:func:`_py_columns`), without a
polars query per column: the same strings, codes, dimension and spans.
"""

from __future__ import annotations

from itertools import chain
from math import isfinite

import numpy as np
import polars as pl
from xlsxwriter.utility import xl_col_to_name

__all__ = ["write_rows", "write_cells"]

# the worksheet's parts this path uses (xlsxwriter 3.x; tests/unit/test_xlsx_fastrows.py compares the bytes
# with the cell-by-cell path of the installed version): without them the table is written cell by cell
_INTERNALS = ("str_table", "_check_dimensions", "_write_rows", "constant_memory", "xls_strmax")
POLARS_CELLS = 20_000  # tables from this many cells (measured: about even at 16,000) have their XML put together by polars, smaller ones in Python
PY_CELLS = 20_000  # tables below this many cells are checked, coded and spanned in Python (a few polars queries per
# column cost more there: about 2 ms of a 20-column table of a hundred rows)
_CHUNK_ROWS = 65536  # rows rendered at a time: the XML of a chunk is held in memory once
_EXACT_INT = 2**53  # below this an integer is exact as a float: its ``.16G`` is its digits
_NUMERIC = (pl.Float64, pl.Float32, pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)


def _covered(df: pl.DataFrame, strmax: int) -> bool:
    """Whether every column is text, an integer, a finite float or null (what :func:`write_rows` renders)."""
    checks = []
    for c, t in df.schema.items():
        if t == pl.String:  # xlsxwriter truncates text past 32,767 UTF-16 units
            checks.append((pl.col(c).str.len_chars().max() <= strmax // 2).fill_null(True).alias(c))
        elif t in (pl.Float64, pl.Float32):  # NaN/inf become error formulas (nan_inf_to_errors)
            checks.append((pl.col(c).is_finite() | pl.col(c).is_null()).all().alias(c))
        elif t not in _NUMERIC and t != pl.Null:
            return False
    return not checks or all(df.select(checks).row(0))  # one query for every column


def write_rows(ws, df: pl.DataFrame, first_row: int, header_row: int, fmt_num) -> bool:
    """Write the rows of ``df`` into worksheet ``ws`` from row ``first_row`` (0-based), as the
    cell-by-cell path would.

    Parameters
    ----------
    ws : xlsxwriter.worksheet.Worksheet
        The worksheet (not in constant-memory mode), its header row already written.
    df : polars.DataFrame
        The rows of this sheet.
    first_row : int
        The sheet row of ``df``'s first row.
    header_row : int
        The sheet row of the header (its cells span every column of ``df``).
    fmt_num : xlsxwriter.format.Format
        The format of float cells.

    Returns
    -------
    bool
        ``False`` (nothing written) when ``df`` holds a type this path does not render; the caller
        then writes it cell by cell.
    """
    if not all(hasattr(ws, a) for a in _INTERNALS) or ws.constant_memory:
        return False
    n, k = df.height, df.width
    if n * k < PY_CELLS:
        got = _py_layout(ws, df, first_row, header_row)
        if got is None:
            return False
        cols, spans = got
    else:
        if not _covered(df, ws.xls_strmax):
            return False
        if n == 0 or k == 0:
            return True
        cols, spans = _polars_layout(ws, df, first_row, header_row)
    if spans is None:  # no cell in any row
        return True

    def render() -> None:
        xf = fmt_num._get_xf_index()  # formats get their index when the workbook closes
        if n * k < POLARS_CELLS:  # a small table: a query's set-up would cost more than it saves
            ws.fh.write(_rows_xml_py(cols, first_row, n, xf, spans))
            return
        series = [(kind, v if isinstance(v, pl.Series) else pl.Series(v, dtype=pl.Int64) if kind == "str" else df[c])
                  for (kind, v), c in zip(cols, df.columns, strict=True)]  # lists of the Python layout: as Series
        for lo in range(0, n, _CHUNK_ROWS):
            ws.fh.write(_rows_xml(series, first_row, lo, min(n, lo + _CHUNK_ROWS), xf, spans))

    _after_rows(ws, render)
    return True


def _after_rows(ws, render) -> None:
    """Have ``render()`` write its rows' XML when the workbook closes, after the rows the worksheet holds itself (the
    header rows)."""
    orig = ws._write_rows

    def _write_rows() -> None:
        orig()
        render()

    ws._write_rows = _write_rows


def write_cells(ws, cols: list[tuple[str, list]], first_row: int, header_row: int, fmt_num) -> bool:
    """Write a small table given as Python lists, one per column, into worksheet ``ws`` from row ``first_row`` (0-based),
    as writing its cells one by one would: ``write_number`` without a format for ``"int"``, with ``fmt_num`` for
    ``"float"``, ``write_string`` for ``"str"``, and per row either of the last two for ``"mixed"`` (a float or a
    text); ``None``: no cell.

    Parameters
    ----------
    ws : xlsxwriter.worksheet.Worksheet
        The worksheet (not in constant-memory mode), its header row already written.
    cols : list of (str, list)
        Per column its kind (``"int"``, ``"float"``, ``"str"`` or ``"mixed"``) and its values, all of one length.
    first_row : int
        The sheet row of the first values.
    header_row : int
        The sheet row of the header (its cells span every column).
    fmt_num : xlsxwriter.format.Format
        The format of float cells.

    Returns
    -------
    bool
        ``False`` (nothing written) for what this path does not render (a float that is NaN or infinite, a text longer
        than Excel's limit, a value of another type, a worksheet without the internals it uses); the caller then
        writes the cells one by one.
    """
    if not all(hasattr(ws, a) for a in _INTERNALS) or ws.constant_memory or len({len(v) for _, v in cols}) > 1:
        return False
    lim = ws.xls_strmax // 2
    ok = {"int": lambda v: type(v) is int, "float": lambda v: type(v) is float and isfinite(v),
          "str": lambda v: type(v) is str and len(v) <= lim}
    ok["mixed"] = lambda v: ok["float"](v) or ok["str"](v)
    for kind, vals in cols:
        test = ok.get(kind)
        if test is None or not all(test(v) for v in vals if v is not None):
            return False
    n = len(cols[0][1]) if cols else 0
    # the number format is asked for its index only when a cell has it (as a cell written with it registers it)
    formatted = any(type(v) is float for kind, vals in cols if kind in ("float", "mixed") for v in vals)
    cols, spans = _py_cells(ws, list(cols), n, first_row, header_row)
    if spans is None:
        return True
    _after_rows(ws, lambda: ws.fh.write(_rows_xml_py(cols, first_row, n, fmt_num._get_xf_index() if formatted else 0, spans)))
    return True


def _polars_layout(ws, df: pl.DataFrame, first_row: int, header_row: int) -> tuple[list, dict[int, str] | None]:
    """How :func:`write_rows` renders each column of a large table (kind, its values or shared-string codes as a
    Series) and the ``spans`` of each 16-row block, its strings added to the workbook's shared-string table and the
    sheet's dimension extended (polars and numpy); spans None when no row holds a cell."""
    n, k = df.height, df.width
    cols: list[tuple[str, pl.Series]] = [("null", pl.Series())] * k  # per column: how its cells are rendered, its values
    strings: list[tuple[int, str]] = []
    for j, (c, t) in enumerate(df.schema.items()):
        if t == pl.String:
            strings.append((j, c))
            continue
        vals = df[c]
        if t in (pl.Float64, pl.Float32):
            cols[j] = ("float", vals)
        elif t != pl.Null:
            cols[j] = ("int", vals)
        else:
            cols[j] = ("null", vals)
    # shared strings in the order the cell-by-cell path adds them: row by row, left to right
    st = ws.str_table
    table = st.string_table
    if strings:
        # the text cells row by row, left to right (polars): a string new to the table gets the next
        # index in the order of its first cell, as adding them cell by cell does
        flat = df.select(pl.concat_list([pl.col(c) for _, c in strings]).alias("s")).explode("s")["s"]
        seen = flat.drop_nulls()
        for v in seen.unique(maintain_order=True).to_list():
            if v not in table:
                table[v] = st.unique_count
                st.unique_count += 1
        st.count += seen.len()
        keys = seen.unique().to_list()
        codes = flat.replace_strict(keys, [table[v] for v in keys], default=-1, return_dtype=pl.Int64).fill_null(-1)
        codes = codes.to_numpy().reshape(n, len(strings))
        for m, (j, _) in enumerate(strings):
            cols[j] = ("str", pl.Series(np.ascontiguousarray(codes[:, m])))  # -1: no cell
    # which columns hold a cell in each row (numpy, rows × columns): the sheet's dimension and the rows' spans
    present = np.column_stack([df[c].is_not_null().to_numpy() if df[c].null_count() else np.ones(n, np.bool_)
                               for c in df.columns])
    any_row = present.any(axis=1)
    if not any_row.any():
        return cols, None
    idx = np.flatnonzero(any_row)
    col_any = np.flatnonzero(present.any(axis=0))
    ws._check_dimensions(first_row + int(idx[0]), int(col_any[0]))
    ws._check_dimensions(first_row + int(idx[-1]), int(col_any[-1]))
    block = np.arange(first_row, first_row + n) // 16
    starts = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
    spans = {}
    for b, flags in zip(block[starts].tolist(), np.logical_or.reduceat(present, starts, axis=0), strict=True):
        on = np.flatnonzero(flags).tolist()
        if header_row // 16 == b:  # the block of the header row: its cells span every column
            on = [*on, 0, k - 1]
        if on:
            spans[b] = f"{min(on) + 1}:{max(on) + 1}"
    return cols, spans


def _py_layout(ws, df: pl.DataFrame, first_row: int, header_row: int) -> tuple[list, dict[int, str] | None] | None:
    """:func:`_polars_layout` of a small table in Python, from one list per column: the same kinds, codes (lists),
    shared strings in the same order, dimension and spans; None (nothing done) when a column is not covered
    (:func:`_covered`, but for booleans: NaN or infinite floats, other types, text longer than Excel's limit)."""
    cols: list[tuple[str, list]] = []
    lim = ws.xls_strmax // 2
    for c, t in df.schema.items():
        vals = df.get_column(c).to_list()
        if t == pl.String:
            if any(len(v) > lim for v in vals if v is not None):
                return None
            cols.append(("str", vals))
        elif t in (pl.Float64, pl.Float32):
            if not all(isfinite(v) for v in vals if v is not None):
                return None
            cols.append(("float", vals))
        elif t in _NUMERIC:
            cols.append(("int", vals))
        elif t == pl.Boolean:  # write_boolean: TRUE or FALSE, without a format
            cols.append(("bool", vals))
        elif t == pl.Null:
            cols.append(("null", vals))
        else:
            return None
    return _py_cells(ws, cols, df.height, first_row, header_row)


def _py_cells(ws, cols: list[tuple[str, list]], n: int, first_row: int, header_row: int) -> tuple[list, dict[int, str] | None]:
    """The shared part of :func:`_py_layout` and :func:`write_cells`: the text of ``cols`` added to the workbook's
    shared-string table (each text cell's code), the sheet's dimension extended and the rows' spans."""
    k = len(cols)
    if n == 0 or k == 0:
        return cols, None
    # shared strings in the order the cell-by-cell path adds them: row by row, left to right
    strings = [j for j, (kind, _) in enumerate(cols) if kind in ("str", "mixed")]
    if strings:
        st = ws.str_table
        table = st.string_table
        lists = [cols[j][1] if cols[j][0] == "str" else [v if isinstance(v, str) else None for v in cols[j][1]] for j in strings]
        first = dict.fromkeys(chain.from_iterable(zip(*lists, strict=True)))  # each text once, in the order of its first cell
        first.pop(None, None)
        for v in first:
            if v not in table:
                table[v] = st.unique_count
                st.unique_count += 1
        st.count += sum(len(vals) - vals.count(None) for vals in lists)
        for j, vals in zip(strings, lists, strict=True):
            if cols[j][0] == "str":
                cols[j] = ("str", [-1 if v is None else table[v] for v in vals])  # -1: no cell
            else:  # a number stays a float, a text becomes its code (an int)
                cols[j] = ("mixed", [table[t] if t is not None else v for v, t in zip(cols[j][1], vals, strict=True)])
    # the 16-row blocks holding a cell of each column: the sheet's dimension and the rows' spans
    block_of = [r // 16 for r in range(first_row, first_row + n)]
    lo_col: dict[int, int] = {}
    hi_col: dict[int, int] = {}
    rows_on: list[int] = []  # the first and last row holding a cell, over all columns
    for j, (kind, vals) in enumerate(cols):
        if kind == "str":
            on = [i for i, x in enumerate(vals) if x >= 0]
        elif kind == "null":
            on = []
        elif None in vals:
            on = [i for i, v in enumerate(vals) if v is not None]
        else:
            on = range(n)
        if not on:
            continue
        rows_on += (on[0], on[-1])
        for b in {block_of[i] for i in on} if len(on) < n else set(block_of):
            lo_col.setdefault(b, j)
            hi_col[b] = j
    if not rows_on:
        return cols, None
    ws._check_dimensions(first_row + min(rows_on), min(lo_col.values()))
    ws._check_dimensions(first_row + max(rows_on), max(hi_col.values()))
    spans = {}
    for b in dict.fromkeys(block_of):
        lo, hi = lo_col.get(b), hi_col.get(b)
        if header_row // 16 == b:  # the block of the header row: its cells span every column
            lo, hi = 0, k - 1
        if lo is not None:
            spans[b] = f"{lo + 1}:{hi + 1}"
    return cols, spans


def _rows_xml_py(cols: list[tuple[str, pl.Series | list]], first_row: int, n: int, xf: int, spans: dict[int, str]) -> str:
    """The ``<row>`` elements of a small table (rows without a cell left out), cell by cell in Python."""
    rows = range(first_row + 1, first_row + n + 1)  # 1-based row numbers in the cells' references
    xml = []
    for j, (kind, series) in enumerate(cols):
        name, vals = xl_col_to_name(j), series if isinstance(series, list) else series.to_list()
        if kind == "float":
            xml.append([f'<c r="{name}{r}" s="{xf}"><v>{v:.16G}</v></c>' if v is not None else "" for r, v in zip(rows, vals, strict=True)])
        elif kind == "int":
            xml.append([f'<c r="{name}{r}"><v>{v:.16G}</v></c>' if v is not None else "" for r, v in zip(rows, vals, strict=True)])
        elif kind == "str":
            xml.append([f'<c r="{name}{r}" t="s"><v>{x}</v></c>' if x >= 0 else "" for r, x in zip(rows, vals, strict=True)])
        elif kind == "bool":
            xml.append([f'<c r="{name}{r}" t="b"><v>{1 if v else 0}</v></c>' if v is not None else "" for r, v in zip(rows, vals, strict=True)])
        elif kind == "mixed":  # a float (number format) or a text's code (an int)
            xml.append([f'<c r="{name}{r}" s="{xf}"><v>{v:.16G}</v></c>' if type(v) is float
                        else f'<c r="{name}{r}" t="s"><v>{v}</v></c>' if v is not None else "" for r, v in zip(rows, vals, strict=True)])
        else:
            xml.append([""] * n)
    out = []
    for r, cells in zip(rows, zip(*xml, strict=True), strict=True):
        body = "".join(cells)
        if body:
            out.append(f'<row r="{r}" spans="{spans[(r - 1) // 16]}">{body}</row>')
    return "".join(out)


def _values(kind: str, vals: pl.Series, lo: int, hi: int, name: str) -> tuple[pl.Series, pl.Expr] | None:
    """Rows ``lo:hi`` of one column and the expression of their ``<v>`` text (null: no cell), as
    xlsxwriter renders it (``.16G``); ``None`` for a column without cells."""
    part = vals[lo:hi].rename(name)
    if kind == "str":  # shared-string indices, -1 for no cell
        return part, pl.when(pl.col(name) >= 0).then(pl.col(name).cast(pl.String))
    if kind == "bool":  # 1 or 0
        return part, pl.col(name).cast(pl.Int8).cast(pl.String)
    if kind == "int" and (part.null_count() == part.len() or part.cast(pl.Float64).abs().max() < _EXACT_INT):
        return part, pl.col(name).cast(pl.String)  # ``.16G`` of an integer below 2**53: its digits
    if kind in ("int", "float"):
        return pl.Series(name, [None if v is None else f"{v:.16G}" for v in part.to_list()], dtype=pl.String), pl.col(name)
    return None


def _rows_xml(cols: list[tuple[str, pl.Series]], first_row: int, lo: int, hi: int, xf: int, spans: dict[int, str]) -> str:
    """The ``<row>`` elements of rows ``lo:hi`` of the table (rows without a cell left out): each cell's
    XML put together by polars from its column's rendered values."""
    at = {"float": f'" s="{xf}"><v>', "int": '"><v>', "str": '" t="s"><v>', "bool": '" t="b"><v>'}
    r = pl.Series(range(first_row + lo + 1, first_row + hi + 1), dtype=pl.Int64)  # 1-based sheet rows
    frame = {"r": r.cast(pl.String), "span": pl.Series([spans.get((x - 1) // 16) for x in r.to_list()], dtype=pl.String)}
    cells = []
    for j, (kind, vals) in enumerate(cols):
        got = _values(kind, vals, lo, hi, f"c{j}")
        if got is None:
            continue
        frame[f"c{j}"], value = got
        cells.append(pl.concat_str([pl.lit(f'<c r="{xl_col_to_name(j)}'), pl.col("r"), pl.lit(at[kind]), value,
                                    pl.lit("</v></c>")]))
    if not cells:
        return ""
    body = pl.concat_str(cells, ignore_nulls=True).fill_null("")
    rows = (pl.DataFrame(frame).lazy().select(body.alias("body"), "r", "span").filter(pl.col("body") != "")
            .select(pl.concat_str([pl.lit('<row r="'), pl.col("r"), pl.lit('" spans="'), pl.col("span"), pl.lit('">'),
                                   pl.col("body"), pl.lit("</row>")]).str.join("")).collect())
    return rows.item() if rows.height else ""
