"""Read a ledger (CSV or XLSX) into a grid of cells, with sheet and 1-based row numbers.

CSV: the encoding is detected — UTF-8 (with or without a byte-order mark), else GB18030 (a
superset of GBK and GB2312, what Chinese Excel and the 联网直报/久其 exports write). A file that
is neither is an error naming the first undecodable byte.

XLSX: read with openpyxl in streaming mode (``read_only=True``: values only, formulas are never
evaluated — the cached value Excel saved is used), by the cells the sheet really holds: a declared
``<dimension>`` is never trusted, rows end at their last real cell. Merged ranges are read from the
sheet's ``<mergeCells>``; every cell of a merged range takes the value of its top-left cell, so
merged headers over two rows or columns read like filled ones. Hidden rows and columns are read
like visible ones.

Before anything is parsed the workbook (a zip archive) is checked against limits a real ledger
never reaches (:func:`check_workbook`), so a zip bomb is refused in milliseconds instead of
filling the memory:

=============================  ============  ==============================================
limit                          default       raise it with
=============================  ============  ==============================================
uncompressed size, all parts   200 MB        ``GHGINV_MAX_WORKBOOK_MB``
compression ratio of a part    100 : 1       ``GHGINV_MAX_WORKBOOK_RATIO``
(parts of 1 MB or more)
cells of a sheet (rows ×       20,000,000    ``GHGINV_MAX_WORKBOOK_CELLS``
columns; declared dimension,
then the real cells)
=============================  ============  ==============================================

A value of ``0`` turns that check off. (A 100,000-row ledger of 30 columns is 3,000,000 cells,
about 50 MB of sheet XML, compressed about 16 : 1.) The sizes are the ones the zip directory
declares; Python's ``zipfile`` never inflates a part beyond its declared size (a part that tries is
a CRC error).
"""

from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ...core.errors import ConfigError, InputFileError

__all__ = ["Grid", "read_grid", "decode_text", "check_workbook", "workbook_limits", "WORKBOOK_LIMITS"]

# name -> (environment variable, default, unit shown in messages); 0 in the environment: no check
WORKBOOK_LIMITS = {
    "mb": ("GHGINV_MAX_WORKBOOK_MB", 200.0, "MB uncompressed"),
    "ratio": ("GHGINV_MAX_WORKBOOK_RATIO", 100.0, ": 1 compression ratio"),
    "cells": ("GHGINV_MAX_WORKBOOK_CELLS", 20_000_000.0, "cells"),
}
_RATIO_FROM_BYTES = 1 << 20  # the ratio is checked on parts of at least 1 MB (tiny parts say nothing)
_HEAD_BYTES = 64 * 1024  # the <dimension> element sits in the first bytes of a sheet's XML
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([A-Za-z$]*[0-9$]*)(?::([A-Za-z$]*[0-9$]*))?[\"']")
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*[\"']([A-Za-z]+[0-9]+)(?::([A-Za-z]+[0-9]+))?[\"']")
_CELL_REF = re.compile(r"^\$?([A-Za-z]*)\$?([0-9]*)$")


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


def workbook_limits() -> dict[str, float]:
    """The workbook limits in force: ``$GHGINV_MAX_WORKBOOK_MB``, ``…_RATIO``, ``…_CELLS`` or the defaults.

    Returns
    -------
    dict
        ``{"mb": …, "ratio": …, "cells": …}``; ``0`` means the check is off.

    Raises
    ------
    ConfigError
        When a variable is set to something other than a number ≥ 0.
    """
    out = {}
    for key, (env, default, _) in WORKBOOK_LIMITS.items():
        raw = os.environ.get(env, "").strip()
        if not raw:
            out[key] = default
            continue
        try:
            value = float(raw.replace("_", "").replace(",", ""))
        except ValueError:
            value = -1.0
        if not value >= 0 or value == float("inf"):
            raise ConfigError(f"{env} must be a number ≥ 0 (0 turns the check off), got {raw!r}")
        out[key] = value
    return out


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _ref(ref: bytes | str | None) -> tuple[int, int] | None:
    """``B7`` -> (row 7, column 2); a column- or row-only part counts as its sheet maximum."""
    if not ref:
        return None
    m = _CELL_REF.match(ref.decode("ascii", "replace") if isinstance(ref, bytes) else ref)
    if not m or not (m.group(1) or m.group(2)):
        return None
    col = _col_number(m.group(1)) if m.group(1) else 16384
    row = int(m.group(2)) if m.group(2) else 1048576
    return row, col


def _too_big(path: Path, what: str, value: float, key: str, limit: float, suggest: float) -> InputFileError:
    env = WORKBOOK_LIMITS[key][0]
    shown, lim = {
        "mb": (f"{value:,.1f} MB uncompressed", f"{limit:,.0f} MB"),
        "ratio": (f"{value:,.0f} : 1", f"{limit:,.0f} : 1"),
        "cells": (f"{value:,.0f} cells", f"{limit:,.0f} cells"),
    }[key]
    return InputFileError(
        f"{path}: {what} {shown}, more than the limit of {lim} (a real ledger never comes near it: is this a "
        f"zip bomb or a damaged file?); nothing was read. If the workbook is genuine, raise the limit, e.g. "
        f"{env}={suggest:.0f} ghginv import … ({env}=0 turns the check off), or save the sheet as CSV"
    )


def check_workbook(path: str | Path, limits: dict[str, float] | None = None) -> None:
    """Refuse a workbook that would take minutes or gigabytes to read, before it is parsed.

    Reads only the zip directory and the first 64 KB of each worksheet: the total uncompressed
    size of the parts, the compression ratio of each part of 1 MB or more, and the cells of each
    worksheet's declared ``<dimension ref="A1:XFD1048576">`` (rows × columns).

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.xlsx`` / ``.xlsm`` file.
    limits : dict, optional
        ``{"mb", "ratio", "cells"}`` (``0`` = no check); default :func:`workbook_limits`.

    Returns
    -------
    None
        When the workbook is within every limit.

    Raises
    ------
    InputFileError
        Naming the limit that is exceeded, the workbook's value, and the environment variable that
        raises the limit; or when the file is not a zip archive.
    ConfigError
        For a limit variable that is not a number.
    """
    path = Path(path)
    lim = workbook_limits() if limits is None else limits
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise InputFileError(f"{path}: not a readable XLSX workbook ({type(e).__name__}: {e})") from None
    with zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        if lim["mb"] and total > lim["mb"] * 1e6:
            raise _too_big(path, "the workbook expands to", total / 1e6, "mb", lim["mb"], total / 1e6 * 1.1 + 1)
        for i in infos:
            ratio = i.file_size / max(i.compress_size, 1)
            if lim["ratio"] and i.file_size >= _RATIO_FROM_BYTES and ratio > lim["ratio"]:
                raise _too_big(path, f"part {i.filename} ({i.compress_size:,} bytes packed, {i.file_size:,} unpacked) "
                               "has a compression ratio of",
                               ratio, "ratio", lim["ratio"], ratio * 1.1 + 1)
        if not lim["cells"]:
            return
        for i in infos:
            name = i.filename
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            try:
                with zf.open(i) as f:
                    head = f.read(_HEAD_BYTES)
            except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError) as e:
                raise InputFileError(f"{path}: not a readable XLSX workbook ({type(e).__name__}: {e})") from None
            m = _DIMENSION.search(head)
            if not m:
                continue
            first, last = _ref(m.group(1)), _ref(m.group(2)) or _ref(m.group(1))
            if first is None or last is None:
                continue
            cells = (abs(last[0] - first[0]) + 1) * (abs(last[1] - first[1]) + 1)
            if cells > lim["cells"]:
                ref = m.group(0).split(b"ref", 1)[1].strip(b" =\"'").decode("ascii", "replace")
                raise _too_big(path, f"{name} declares the dimension {ref}:", cells, "cells", lim["cells"], cells * 1.1)


def _merged_ranges(zf: zipfile.ZipFile, member: str) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of every ``<mergeCell>`` of a sheet, streamed in chunks."""
    out = []
    tail = b""
    with zf.open(member) as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            buf = tail + chunk
            last_end = 0
            for m in _MERGE.finditer(buf):
                a, b = _ref(m.group(1)), _ref(m.group(2)) or _ref(m.group(1))
                if a and b:
                    out.append((min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])))
                last_end = m.end()
            tail = buf[max(last_end, len(buf) - 512):]  # a tag cut by the chunk boundary is found next time
    return out


def _read_xlsx(path: Path, sheet: str | None) -> list[Grid]:
    try:
        import openpyxl
        from openpyxl.utils.exceptions import InvalidFileException
    except ImportError:  # pragma: no cover - openpyxl is a dependency
        raise InputFileError(f"{path}: reading XLSX needs the openpyxl package") from None
    limits = workbook_limits()
    check_workbook(path, limits)
    max_cells = limits["cells"] or float("inf")
    unreadable = (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError)
    try:
        wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    except unreadable as e:
        raise InputFileError(f"{path}: not a readable XLSX workbook ({type(e).__name__}: {e})") from None
    try:
        names = wb.sheetnames
        if sheet is not None and sheet not in names:
            raise InputFileError(f"{path}: no sheet named {sheet!r}; sheets: {', '.join(names)}")
        grids = []
        for name in [sheet] if sheet is not None else names[:1]:
            ws = wb[name]
            ws.reset_dimensions()  # the declared <dimension> is not trusted: rows end at their last real cell
            rows: list[list[object]] = []
            width = 0
            try:
                for r in ws.iter_rows(values_only=True):
                    rows.append(list(r))
                    if len(r) > width:
                        width = len(r)
                    if len(rows) * width > max_cells:
                        raise _too_big(path, f"sheet '{name}' holds cells up to row {len(rows):,}, column "
                                       f"{column_letter(width - 1)}:", len(rows) * width, "cells",
                                       limits["cells"], len(rows) * width * 1.1)
                merges = _merged_ranges(wb._archive, ws._worksheet_path)
            except unreadable as e:
                raise InputFileError(f"{path}: not a readable XLSX workbook ({type(e).__name__}: {e})") from None
            if merges:
                n_rows = max(len(rows), max(m[2] for m in merges))
                n_cols = max(width, max(m[3] for m in merges))
                if n_rows * n_cols > max_cells:
                    raise _too_big(path, f"sheet '{name}' has merged ranges up to row {n_rows:,}, column "
                                   f"{column_letter(n_cols - 1)}:", n_rows * n_cols, "cells",
                                   limits["cells"], n_rows * n_cols * 1.1)
            for r0, c0, r1, c1 in merges:
                top = rows[r0 - 1][c0 - 1] if r0 - 1 < len(rows) and c0 - 1 < len(rows[r0 - 1]) else None
                rows.extend([] for _ in range(len(rows), r1))
                for r in range(r0 - 1, r1):
                    row = rows[r]
                    if len(row) < c1:
                        row.extend([None] * (c1 - len(row)))
                    row[c0 - 1:c1] = [top] * (c1 - c0 + 1)
            grids.append(Grid(path, name, rows, None))
    finally:
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
