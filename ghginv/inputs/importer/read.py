"""Read a ledger (CSV or XLSX) into a grid of cells, with sheet and 1-based row numbers.

CSV: the encoding is detected — UTF-8 (with or without a byte-order mark), else GB18030 (a
superset of GBK and GB2312, what Chinese Excel and the 联网直报/久其 exports write). A file that
is neither is an error naming the first undecodable byte.

XLSX: read with openpyxl (``read_only=False`` so merged ranges are known; values only, formulas
are never evaluated — the cached value Excel saved is used). Every cell of a merged range takes
the value of its top-left cell, so merged headers over two rows or columns read like filled ones.
Hidden rows and columns are read like visible ones.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ...core.errors import InputFileError

__all__ = ["Grid", "read_grid", "decode_text"]


@dataclass
class Grid:
    """The cells of one sheet: ``rows[i]`` is the sheet's row ``i + 1`` (list of cell values)."""

    file: Path
    sheet: str | None  # None for CSV
    rows: list[list[object]]
    encoding: str | None = None

    def where(self, row: int, column: int | None = None) -> str:
        """``file, sheet 'x', row 7, column C`` (row is the 1-based sheet row)."""
        parts = [str(self.file)]
        if self.sheet is not None:
            parts.append(f"sheet '{self.sheet}'")
        parts.append(f"row {row}")
        if column is not None:
            parts.append(f"column {column_letter(column)}")
        return ", ".join(parts)


def column_letter(i: int) -> str:
    """0-based column index -> Excel letter (0 -> A, 26 -> AA)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def decode_text(data: bytes, path: Path) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (BOM or not), else GB18030; UTF-16 when it starts with its BOM.

    Parameters
    ----------
    data : bytes
        The file's bytes.
    path : pathlib.Path
        The file, for the message.

    Returns
    -------
    text : str
        The decoded text (without a byte-order mark).
    encoding : str
        ``"utf-8-sig"``, ``"utf-16"``, ``"utf-8"`` or ``"gb18030"``.

    Raises
    ------
    InputFileError
        When the bytes are neither UTF-8 nor GB18030 (naming the first bad byte), or do not
        match their byte-order mark.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as e:
            raise InputFileError(f"{path}: starts with a UTF-8 byte-order mark but byte {e.start + 3} is not UTF-8") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InputFileError(f"{path}: starts with a UTF-16 byte-order mark but is not valid UTF-16") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_err:
        try:
            return data.decode("gb18030"), "gb18030"
        except UnicodeDecodeError:
            raise InputFileError(
                f"{path}: text encoding not recognised (not UTF-8, not GBK/GB18030; "
                f"first bad byte at offset {utf8_err.start})",
            ) from None


def _read_csv(path: Path) -> list[Grid]:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputFileError(f"{path}: cannot read ({e.strerror})") from None
    if not data.strip():
        raise InputFileError(f"{path}: file is empty")
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputFileError(f"{path}: binary data, not a CSV text file (is it an .xls/.xlsx file with the wrong name?)")
    text, enc = decode_text(data, path)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        delim = dialect.delimiter
    except csv.Error:
        delim = ","
    try:
        rows = [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True)]
    except csv.Error as e:
        raise InputFileError(f"{path}: malformed CSV ({e})") from None
    return [Grid(path, None, rows, enc)]


def _read_xlsx(path: Path, sheet: str | None) -> list[Grid]:
    try:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise InputFileError(f"{path}: reading XLSX needs the openpyxl package") from None
    import zipfile

    try:
        wb = openpyxl.load_workbook(path, data_only=True, read_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as e:
        raise InputFileError(f"{path}: not a readable XLSX workbook ({type(e).__name__}: {e})") from None
    names = wb.sheetnames
    if sheet is not None and sheet not in names:
        raise InputFileError(f"{path}: no sheet named {sheet!r}; sheets: {', '.join(names)}")
    grids = []
    for name in [sheet] if sheet is not None else names[:1]:
        ws = wb[name]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        for rng in ws.merged_cells.ranges:
            top = rows[rng.min_row - 1][rng.min_col - 1] if rng.min_row - 1 < len(rows) else None
            for r in range(rng.min_row - 1, min(rng.max_row, len(rows))):
                for c in range(rng.min_col - 1, rng.max_col):
                    if c < len(rows[r]):
                        rows[r][c] = top
        grids.append(Grid(path, name, rows, None))
    wb.close()
    return grids


def read_grid(path: str | Path, sheet: str | None = None) -> Grid:
    """Read one sheet of a ledger (CSV: the file; XLSX: ``sheet`` or the first sheet).

    Parameters
    ----------
    path : str or pathlib.Path
        ``.csv``, ``.txt``, ``.tsv`` (delimiter sniffed among ``,``, tab, ``;``) or ``.xlsx`` /
        ``.xlsm``.
    sheet : str, optional
        XLSX sheet name; default the first sheet. Ignored for CSV.

    Returns
    -------
    Grid
        The sheet's cell values by 1-based row (merged ranges filled with their top-left value),
        with the CSV encoding detected.

    Raises
    ------
    InputFileError
        For a missing, empty, binary, malformed or undecodable file, an old ``.xls``, an unknown
        suffix, or an unknown sheet.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: ledger file not found")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)[0]
    if suffix == ".xls":
        raise InputFileError(
            f"{path}: old binary Excel (.xls) is not read; open it in Excel or LibreOffice and save as .xlsx (or CSV)"
        )
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path)[0]
    raise InputFileError(f"{path}: unknown ledger type {suffix!r}; give a .csv or .xlsx file")
