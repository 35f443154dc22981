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

import polars as pl

__all__ = ["FORMULA_START", "neutralise_formulas", "restore_formulas"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # first characters a spreadsheet reads as a formula
_PREFIXED = r"^[=+\-@\t\r']"  # one of FORMULA_START, or a quote (doubled, so that restore_formulas is exact)


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
        exprs.append(pl.when(c.str.contains(_PREFIXED)).then(pl.lit("'") + c).otherwise(c).alias(name))
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
