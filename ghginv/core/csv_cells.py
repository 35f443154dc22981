"""CSV cells a spreadsheet could run as a formula ("CSV injection", OWASP).

Excel, LibreOffice and WPS treat a CSV cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return as a formula: a region or source named ``=HYPERLINK("http://…","x")`` or
``+cmd|' /C calc'!A0`` would run when the file is opened. Every CSV ghginv writes therefore
prefixes such a **text** cell with a single quote ``'`` (OWASP's advice), which spreadsheets show
as text. Number columns are never touched: a negative number stays a number.

A text cell that itself begins with ``'`` gets a second one, so the change can be undone exactly
(:func:`restore_formulas`, used where ghginv reads its own CSV back, e.g. ``notation_keys.csv``).
"""

from __future__ import annotations

import sys

import polars as pl

__all__ = ["FORMULA_START", "neutralise_formulas", "restore_formulas"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # first characters a spreadsheet reads as a formula
_PREFIXED = r"^[=+\-@\t\r']"  # one of FORMULA_START, or a quote (doubled, so that restore_formulas is exact)


_FIRST_BYTES = b"=+-@\t\r'"  # the characters of _PREFIXED (all ASCII: one byte each)


def _any_prefixed(col: pl.Series) -> bool:
    """Whether a cell of the String column ``col`` matches ``_PREFIXED``, from the first byte of each
    cell: polars keeps every string's first bytes in its 16-byte view (Arrow's string_view layout:
    length, then the first bytes), so no string is read."""
    import numpy as np
    import pyarrow as pa

    first = np.zeros(256, bool)
    first[np.frombuffer(_FIRST_BYTES, np.uint8)] = True
    arr = col.to_arrow(compat_level=pl.CompatLevel.newest())
    for c in arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]:
        if not len(c):
            continue
        if not pa.types.is_string_view(c.type) or sys.byteorder != "little":  # another layout: the expression itself
            return bool(pl.Series(c).cast(pl.String).str.contains(_PREFIXED).any())
        views = np.frombuffer(c.buffers()[1], "<u4").reshape(-1, 4)[c.offset:c.offset + len(c)]  # length, prefix, …
        hit = first[(views[:, 1] & 0xFF).astype(np.uint8)]  # the first byte (little-endian) …
        hit &= views[:, 0] != 0  # … of a non-empty string
        if c.null_count:  # the validity bitmap itself (Arrow: LSB first), not is_valid (pyarrow.compute, ~50 ms)
            bits = np.unpackbits(np.frombuffer(c.buffers()[0], np.uint8), bitorder="little")
            hit &= bits[c.offset:c.offset + len(c)].astype(bool)
        if hit.any():
            return True
    return False


def _text_columns(df: pl.DataFrame) -> list[str]:
    return [n for n, t in df.schema.items() if t == pl.String or isinstance(t, pl.Categorical | pl.Enum)]


def neutralise_formulas(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with every text cell that a spreadsheet would run as a formula prefixed with ``'``.

    A text cell (String, Categorical or Enum column) that begins with one of :data:`FORMULA_START`
    or with ``'`` gets a leading ``'``; other cells, and every cell of a number, date or boolean
    column, are unchanged.

    Parameters
    ----------
    df : polars.DataFrame
        The table to be written as CSV.

    Returns
    -------
    polars.DataFrame
        The same table (same columns; Categorical and Enum columns as String), safe to open in a
        spreadsheet.
    """
    exprs = []
    for name in _text_columns(df):
        c = pl.col(name).cast(pl.String)
        # only a column holding such a cell is rewritten (found from the cells' first bytes)
        if _any_prefixed(df[name].cast(pl.String)):
            exprs.append(pl.when(c.str.contains(_PREFIXED)).then(pl.lit("'") + c).otherwise(c).alias(name))
        elif df.schema[name] != pl.String:
            exprs.append(c)
    return df.with_columns(exprs) if exprs else df


def restore_formulas(df: pl.DataFrame) -> pl.DataFrame:
    """Undo :func:`neutralise_formulas`: drop the leading ``'`` of every text cell that has one.

    Parameters
    ----------
    df : polars.DataFrame
        A table read from a CSV file ghginv wrote.

    Returns
    -------
    polars.DataFrame
        The table as it was before it was written.
    """
    exprs = []
    for name in _text_columns(df):
        c = pl.col(name).cast(pl.String)
        exprs.append(pl.when(c.str.starts_with("'")).then(c.str.slice(1)).otherwise(c).alias(name))
    return df.with_columns(exprs) if exprs else df
