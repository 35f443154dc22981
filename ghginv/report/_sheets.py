"""Excel's row limit: a table longer than one worksheet holds is split across continuation sheets
("IPCC categories", "IPCC categories (2)", …), each with the header repeated — never cut short.

Every split is recorded (:func:`split_note`) on the Summary sheet of ``inventory.xlsx``, in the
data-quality notes of ``report.html`` and in ``manifest.json`` (``xlsx_sheets_split``).
"""

from __future__ import annotations

__all__ = ["EXCEL_MAX_ROWS", "SHEET_NAME_MAX", "header_rows", "rows_per_sheet", "sheet_parts", "split_note", "sheet_head"]

EXCEL_MAX_ROWS = 1_048_576  # rows of one worksheet in Excel 2007+ (and xlsxwriter's limit)
SHEET_NAME_MAX = 31  # characters of a worksheet name in Excel


def header_rows(note: str | None) -> int:
    """Rows above the data of a sheet: the header, and with a note the note and a blank row.

    Parameters
    ----------
    note : str or None
        The note written in the sheet's first row (e.g. the synthetic-data notice), if any.

    Returns
    -------
    int
        1 without a note, 3 with one.
    """
    return 3 if note else 1


def rows_per_sheet(note: str | None) -> int:
    """Data rows one worksheet holds: :data:`EXCEL_MAX_ROWS` minus the header rows.

    Parameters
    ----------
    note : str or None
        The sheet's note, if any (:func:`header_rows`).

    Returns
    -------
    int
        The number of data rows of one sheet.
    """
    return EXCEL_MAX_ROWS - header_rows(note)


def _part_name(name: str, k: int) -> str:
    if k == 1:
        return name[:SHEET_NAME_MAX]
    suffix = f" ({k})"
    return name[: SHEET_NAME_MAX - len(suffix)] + suffix


def sheet_parts(name: str, n_rows: int, note: str | None) -> list[tuple[str, int, int]]:
    """How a table of ``n_rows`` data rows is laid out over worksheets.

    Parameters
    ----------
    name : str
        The sheet's name; continuation sheets are named ``"<name> (2)"``, ``"<name> (3)"`` … (cut
        to Excel's 31 characters).
    n_rows : int
        Data rows of the table.
    note : str or None
        The sheet's note, if any (:func:`header_rows`).

    Returns
    -------
    list of (str, int, int)
        One (sheet name, first row, end row) per worksheet, the rows as a half-open range of the
        table's rows; one entry (possibly with no rows) when the table fits one sheet.
    """
    per = rows_per_sheet(note)
    n = max(1, -(-n_rows // per))
    return [(_part_name(name, k + 1), k * per, min(n_rows, (k + 1) * per)) for k in range(n)]


def split_note(parts: list[tuple[str, int, int]]) -> dict | None:
    """The record of a split table (``None`` when it fits one sheet).

    Parameters
    ----------
    parts : list of (str, int, int)
        The layout of :func:`sheet_parts`.

    Returns
    -------
    dict or None
        ``sheet`` (the first sheet's name), ``sheets`` (all names), ``rows`` (data rows in all),
        ``rows_per_sheet`` and ``message`` (one sentence for people).
    """
    if len(parts) < 2:
        return None
    rows = parts[-1][2]
    per = parts[0][2] - parts[0][1]
    names = [p[0] for p in parts]
    return {"sheet": names[0], "sheets": names, "rows": rows, "rows_per_sheet": per,
            "message": (f"sheet '{names[0]}' split into {len(names)} sheets ({', '.join(repr(n) for n in names)}), "
                        f"{rows:,} rows: more than one Excel sheet holds ({EXCEL_MAX_ROWS:,} rows with the header); "
                        "no row is left out")}


def sheet_head(wb, part: str, note: str | None, cols: list[str], fmt_head, width) -> tuple[object, int]:
    """Add sheet ``part`` with the optional ``note`` in A1 and the header row ``cols``.

    Parameters
    ----------
    wb : xlsxwriter.Workbook
        The workbook.
    part : str
        The sheet's name (a part of a split table: ``"<name> (2)"`` …).
    note : str or None
        A line written above the table (the header then sits on row 3).
    cols : list of str
        The column headers.
    fmt_head : xlsxwriter.format.Format
        The header cells' format.
    width : callable
        Column header -> column width [characters].

    Returns
    -------
    tuple
        The worksheet and the 0-based row of the header.
    """
    ws = wb.add_worksheet(part)
    r0 = 0
    if note:
        ws.write(0, 0, note)
        r0 = 2
    for j, c in enumerate(cols):
        ws.write(r0, j, c, fmt_head)
        ws.set_column(j, j, width(c))
    return ws, r0
