"""Read a ledger (CSV or XLSX) into a grid of cells, with sheet and 1-based row numbers.

CSV: the encoding is detected — UTF-8 (with or without a byte-order mark), else GB18030 (a
superset of GBK and GB2312, what Chinese Excel and the 联网直报/久其 exports write). A file that
is neither is an error naming the first undecodable byte.

XLSX: read with calamine (the Rust reader, through the ``fastexcel`` package; openpyxl in streaming
mode when ``fastexcel`` is not installed): values only, formulas are never evaluated — the cached
value Excel saved is used; every cell is read as its text (a number as its shortest exact decimal),
which :func:`~ghginv.inputs.importer.table.parse_number` reads back. Rows and columns keep their
sheet positions (a table starting at C3 has its label in column C, row 3). Merged ranges are read
straight from the sheet's ``<mergeCells>`` XML; every cell of a merged range takes the value of its
top-left cell, so merged headers over two rows or columns read like filled ones (each grid keeps
its ranges in ``merges`` for the checks). Hidden rows and columns are read like visible ones. A
password-protected workbook (an encrypted OLE container, not a zip) and an old ``.xls`` saved
under an ``.xlsx`` name are told apart from a damaged file in the message.

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

__all__ = ["Grid", "read_grid", "read_sheets", "sheet_names", "decode_text", "check_workbook", "workbook_limits", "WORKBOOK_LIMITS"]

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
    """The cells of one sheet: ``rows[i]`` is the sheet's row ``i + 1`` (a list or tuple of cell values)."""

    file: Path
    sheet: str | None  # None for CSV
    rows: list  # of lists or tuples of cell values
    encoding: str | None = None
    merges: tuple = ()  # (min_row, min_col, max_row, max_col), 1-based, of every merged range

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
    _refuse_ole(path)
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


_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _refuse_ole(path: Path) -> None:
    """An OLE compound file named .xlsx: an encrypted (password-protected) workbook or an old .xls."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise InputFileError(f"{path}: cannot read ({e.strerror})") from None
    if not head:
        raise InputFileError(f"{path}: file is empty, not a workbook")
    if head.startswith(_OLE_MAGIC):
        raise InputFileError(
            f"{path}: this is a password-protected (encrypted) workbook or an old binary .xls under an .xlsx name; "
            "nothing was read. Open it in Excel or WPS, remove the password (文件 → 信息 → 保护工作簿 → 用密码进行加密, "
            "clear it) and save it as .xlsx")
    if not head.startswith(b"PK"):
        raise InputFileError(f"{path}: not an XLSX workbook (an .xlsx file is a zip archive; this one starts with "
                             f"{head[:8]!r}); is it a CSV, HTML or PDF export with the wrong name?")


def _sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML part (from xl/workbook.xml and its relationships)."""
    try:
        wbx = zf.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return {}
    targets = {}
    for m in re.finditer(r"<(?:\w+:)?Relationship\b([^>]*)>", rels):
        a = dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', m.group(1)))
        if "Id" in a and "Target" in a:
            t = a["Target"].lstrip("/")
            targets[a["Id"]] = t if t.startswith("xl/") else "xl/" + t
    out = {}
    for m in re.finditer(r"<(?:\w+:)?sheet\b([^>]*)/?>", wbx):
        attrs = m.group(1)
        name = re.search(r'\bname\s*=\s*"([^"]*)"', attrs)
        rid = re.search(r'\br:id\s*=\s*"([^"]*)"', attrs) or re.search(r'\b\w+:id\s*=\s*"([^"]*)"', attrs)
        if name and rid and rid.group(1) in targets:
            import html

            out[html.unescape(name.group(1))] = targets[rid.group(1)]
    return out


_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br\s*=\s*[\"'](\d+)[\"']")
_WIDE_CELL = re.compile(rb"r=[\"']([A-Z]{2,3})\d")


def _scan_sheet(zf: zipfile.ZipFile, member: str) -> tuple[list[tuple[int, int, int, int]], int, int]:
    """One streamed pass over a sheet's XML: its merged ranges, last row and last column that hold a cell.

    The last row is the last ``<row r=…>`` (rows are in order); the last column is found from the
    cells whose reference has two or three letters (a ledger of up to 26 columns has none, so the
    search costs almost nothing), else 26.
    """
    merges = []
    max_row = 0
    max_col = 0
    tail = b""
    with zf.open(member) as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            buf = tail + chunk
            last_end = 0
            for m in _MERGE.finditer(buf) if b"mergeCell" in buf else ():
                a, b = _ref(m.group(1)), _ref(m.group(2)) or _ref(m.group(1))
                if a and b:
                    merges.append((min(a[0], b[0]), min(a[1], b[1]), max(a[0], b[0]), max(a[1], b[1])))
                last_end = m.end()
            k = buf.rfind(b"row")
            while k > 0:
                m = _ROW_TAG.match(buf, buf.rfind(b"<", 0, k))
                if m:
                    max_row = max(max_row, int(m.group(1)))
                    break
                k = buf.rfind(b"row", 0, k)
            for m in _WIDE_CELL.finditer(buf):
                max_col = max(max_col, _col_number(m.group(1).decode("ascii")))
            tail = buf[max(last_end, len(buf) - 512):]  # a tag cut by the chunk boundary is found next time
    return merges, max_row, max(max_col, 26 if max_row else 0)


def _merged_ranges(zf: zipfile.ZipFile, member: str) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col) of every ``<mergeCell>`` of a sheet, streamed in chunks."""
    return _scan_sheet(zf, member)[0]


def _read_xlsx(path: Path, sheet: str | None, sheets: str | None = None) -> list[Grid]:
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
        grids = []
        for name in _select(path, names, sheet, sheets):
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
            _check_merged_extent(path, name, rows, width, merges, max_cells, limits)
            _fill_merges(rows, merges)
            grids.append(Grid(path, name, rows, None, tuple(merges)))
    finally:
        wb.close()
    return grids


def _fill_merges(rows: list[list[object]], merges) -> None:
    for r0, c0, r1, c1 in merges:
        top = rows[r0 - 1][c0 - 1] if r0 - 1 < len(rows) and c0 - 1 < len(rows[r0 - 1]) else None
        rows.extend([] for _ in range(len(rows), r1))
        for r in range(r0 - 1, r1):
            row = rows[r]
            if row.__class__ is not list:
                row = rows[r] = list(row)
            if len(row) < c1:
                row.extend([None] * (c1 - len(row)))
            row[c0 - 1:c1] = [top] * (c1 - c0 + 1)


def _select(path: Path, names: list[str], sheet: str | None, sheets: str | None) -> list[str]:
    if sheets is not None:
        import fnmatch

        chosen = [n for n in names if fnmatch.fnmatchcase(n, sheets) or fnmatch.fnmatchcase(n.strip(), sheets)]
        if not chosen:
            raise InputFileError(f"{path}: no sheet matches {sheets!r}; sheets: {', '.join(names)}")
        return chosen
    if sheet is not None and sheet not in names:
        raise InputFileError(f"{path}: no sheet named {sheet!r}; sheets: {', '.join(names)}")
    return [sheet] if sheet is not None else names[:1]


def sheet_names(path: str | Path) -> list[str]:
    """The sheet names of an XLSX workbook, in workbook order (after the workbook checks).

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.xlsx`` / ``.xlsm`` file.

    Returns
    -------
    list of str
        The names as the workbook lists them.

    Raises
    ------
    InputFileError
        When the file is not a readable workbook (see :func:`check_workbook`).
    """
    path = Path(path)
    check_workbook(path)
    try:
        with zipfile.ZipFile(path) as zf:
            return list(_sheet_paths(zf))
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise InputFileError(f"{path}: not a readable XLSX workbook ({type(e).__name__}: {e})") from None


def _read_xlsx_calamine(path: Path, sheet: str | None, sheets: str | None) -> list[Grid]:
    import fastexcel

    limits = workbook_limits()
    check_workbook(path, limits)
    max_cells = limits["cells"] or float("inf")
    try:
        reader = fastexcel.read_excel(path)
        names = list(reader.sheet_names)
    except Exception as e:  # fastexcel raises its own exception classes (CalamineError …)
        raise InputFileError(f"{path}: not a readable XLSX workbook ({_calamine_reason(e)})") from None
    grids = []
    with zipfile.ZipFile(path) as zf:
        parts = _sheet_paths(zf)
        for name in _select(path, names, sheet, sheets):
            member = parts.get(name)
            try:
                merges, last_row, last_col = _scan_sheet(zf, member) if member else ([], 0, 0)
            except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError, EOFError) as e:
                raise InputFileError(f"{path}: not a readable XLSX workbook ({type(e).__name__}: {e})") from None
            if last_row * last_col > max_cells:  # calamine builds the sheet's whole rectangle: refuse it first
                n = last_row * last_col
                raise _too_big(path, f"sheet '{name}' holds cells up to row {last_row:,}, column {column_letter(last_col - 1)}:",
                               n, "cells", limits["cells"], n * 1.1)
            try:
                ws = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0)
                cols = ws.available_columns()
                offset = cols[0].absolute_index if cols else 0
                if ws.height * (ws.width + offset) > max_cells:
                    n = ws.height * (ws.width + offset)
                    raise _too_big(path, f"sheet '{name}' holds cells up to row {ws.height:,}, column "
                                   f"{column_letter(ws.width + offset - 1)}:", n, "cells", limits["cells"], n * 1.1)
                df = ws.to_polars()
            except InputFileError:
                raise
            except Exception as e:
                raise InputFileError(f"{path}: sheet '{name}' cannot be read ({_calamine_reason(e)})") from None
            pad = (None,) * offset
            rows = [pad + r for r in df.rows()] if offset else df.rows()  # tuples; a row a merged range fills becomes a list
            _check_merged_extent(path, name, rows, df.width + offset, merges, max_cells, limits)
            _fill_merges(rows, merges)
            grids.append(Grid(path, name, rows, None, tuple(merges)))
    return grids


def _check_merged_extent(path, name: str, rows: list, width: int, merges, max_cells: int, limits: dict) -> None:
    """Refuse a sheet whose merged ranges reach beyond the cell limit (a workbook bomb by merges)."""
    if not merges:
        return
    n_rows = max(len(rows), max(m[2] for m in merges))
    n_cols = max(width, max(m[3] for m in merges))
    if n_rows * n_cols > max_cells:
        raise _too_big(path, f"sheet '{name}' has merged ranges up to row {n_rows:,}, column "
                       f"{column_letter(n_cols - 1)}:", n_rows * n_cols, "cells",
                       limits["cells"], n_rows * n_cols * 1.1)


def _calamine_reason(e: Exception) -> str:
    text = " ".join(str(e).split())
    return f"{type(e).__name__}: {text[:300]}"


def read_sheets(path: str | Path, sheet: str | None = None, sheets: str | None = None) -> list[Grid]:
    """Read the sheets of a ledger: ``sheets`` (a glob such as ``"205-1*"`` or ``"*"``), else ``sheet``, else the first.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.csv`` / ``.txt`` / ``.tsv`` (one grid, sheet None) or ``.xlsx`` / ``.xlsm``.
    sheet : str, optional
        One sheet by its exact name.
    sheets : str, optional
        Every sheet whose name matches this glob (``fnmatch``, case-sensitive), in workbook order.

    Returns
    -------
    list of Grid
        One grid per sheet read (merged ranges filled with their top-left value).

    Raises
    ------
    InputFileError
        As :func:`read_grid`; also when no sheet matches ``sheets``.
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: ledger file not found")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            import fastexcel  # noqa: F401
        except ImportError:  # pragma: no cover - fastexcel is a dependency; openpyxl is the fallback
            return _read_xlsx(path, sheet, sheets)
        return _read_xlsx_calamine(path, sheet, sheets)
    if suffix == ".xls":
        raise InputFileError(
            f"{path}: old binary Excel (.xls) is not read; open it in Excel or LibreOffice and save as .xlsx (or CSV)"
        )
    if suffix in (".csv", ".txt", ".tsv"):
        return _read_csv(path)
    raise InputFileError(f"{path}: unknown ledger type {suffix!r}; give a .csv or .xlsx file")


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
    return read_sheets(path, sheet)[0]
