"""``ghginv import``: a bureau's ledger (CSV or XLSX) -> activity Parquet in the data contract.

>>> report = import_ledger("ledger.xlsx", "mapping.toml", "activity.parquet")   # doctest: +SKIP

Every row that cannot be mapped is reported with its sheet, row and column; nothing is written
when anything is unmapped unless ``skip_unmapped=True`` (then the count is in the report and in
the Parquet file's metadata). Bad values (text in a number cell, a negative amount, a failed total
check, an unknown unit) are always errors. The output is written atomically (temporary sibling,
then rename) and is byte-identical for the same ledger and mapping.
"""

from __future__ import annotations

import glob
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from ...core.errors import ConfigError, InputFileError, Problem, ValidationError
from ...core.hashcache import file_sha256
from ...runfolder import check_output_file
from .convert import convert
from .draft import draft_mapping
from .mapping import Mapping, load_mapping
from .read import read_sheets

__all__ = ["import_ledger", "ImportReport", "UnmappedError", "load_mapping", "Mapping", "expand_ledgers", "provenance_path",
           "draft_mapping"]

SCHEMA = {
    "year": pl.Int32,
    "region": pl.String,
    "sector": pl.String,
    "activity": pl.String,
    "amount": pl.Float64,
    "unit": pl.String,
    "entity_id": pl.String,
    "notation_key": pl.String,
}


class UnmappedError(ValidationError):
    """Ledger rows or columns that the mapping does not cover (skippable with --skip-unmapped)."""


@dataclass
class ImportReport:
    ledger: Path
    out: Path | None
    rows_written: int
    stats: dict
    checks: list[dict] = field(default_factory=list)
    unmapped: int = 0
    encoding: str | None = None
    files: list[Path] = field(default_factory=list)
    sheets: int = 0
    warnings: list = field(default_factory=list)
    unmapped_problems: list = field(default_factory=list)
    provenance: Path | None = None

    def as_dict(self) -> dict:
        return {
            "ledger": self.ledger.name,
            "files": len(self.files),
            "sheets": self.sheets,
            "rows_written": self.rows_written,
            "unmapped_skipped": self.unmapped,
            "encoding": self.encoding,
            "stats": self.stats,
            "checks": self.checks,
            "warnings": [w.render() for w in self.warnings],
        }


_PROV_SCHEMA = {
    "row_index": pl.Int64,
    "file": pl.String,
    "sheet": pl.String,
    "row": pl.Int32,
    "column": pl.String,
    "cell": pl.String,
    "cells": pl.String,
    "block_row": pl.Int32,
    "entity_name": pl.String,
    "fields_from": pl.String,
}


def _frame(records: list[dict]) -> pl.DataFrame:
    cols = ["year", "region", "sector", "activity", "amount", "unit"]
    if any(r.get("entity_id") is not None for r in records):
        cols.append("entity_id")
    if any(r.get("notation_key") for r in records):
        cols.append("notation_key")
    return pl.from_dicts(records, schema={c: SCHEMA[c] for c in cols})


def provenance_path(out: str | os.PathLike) -> Path:
    """The provenance table written beside an activity file: ``activity.parquet`` -> ``activity.provenance.parquet``.

    Parameters
    ----------
    out : str or os.PathLike
        The activity Parquet file of ``ghginv import``.

    Returns
    -------
    pathlib.Path
        The companion file in the same folder.
    """
    out = Path(out)
    stem = out.name[: -len(".parquet")] if out.name.lower().endswith(".parquet") else out.name
    return out.with_name(stem + ".provenance.parquet")


_PROV_KEYS = {"file": "_file", "sheet": "_sheet", "row": "_row", "column": "_column", "cell": "_cell", "cells": "_cells",
              "block_row": "_block", "entity_name": "_entity_name", "fields_from": "_from"}


def _provenance(records: list[dict]) -> pl.DataFrame:
    df = pl.from_dicts(records, schema={k: _PROV_SCHEMA[c] for c, k in _PROV_KEYS.items()})
    df = df.rename({k: c for c, k in _PROV_KEYS.items()}).with_row_index("row_index").with_columns(pl.col("row_index").cast(pl.Int64))
    return df.select(list(_PROV_SCHEMA))


def _write_table(df: pl.DataFrame, out: Path, metadata: dict[str, str]) -> Path:
    """Write one Parquet file to a temporary sibling (deterministic bytes); the caller renames it."""
    if out.is_dir():
        raise ConfigError(f"{out}: is a folder; give a .parquet file name for --out")
    if not out.parent.is_dir():
        raise ConfigError(f"{out}: the folder {out.parent} does not exist")
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    table = df.to_arrow().replace_schema_metadata({k.encode(): v.encode() for k, v in metadata.items()})
    try:
        pq.write_table(table, tmp, compression="zstd", use_dictionary=True, write_statistics=True)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"{out}: cannot write ({e.strerror or e})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_atomic_parquet(df: pl.DataFrame, out: Path, metadata: dict[str, str]) -> None:
    """Write one Parquet file via a temporary sibling and a rename (deterministic bytes)."""
    out = Path(out)
    tmp = _write_table(df, out, metadata)
    try:
        os.replace(tmp, out)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"{out}: cannot write ({e.strerror or e})") from None


_LEDGER_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".tsv", ".txt")
_GLOB = re.compile(r"[*?\[]")


def expand_ledgers(sources) -> list[Path]:
    """Files, folders and globs -> the ledger files, sorted, each once.

    A folder gives its ``.xlsx``, ``.xlsm``, ``.csv``, ``.tsv``, ``.txt`` files (not its
    subfolders; Excel's lock files ``~$…`` and hidden files are left out); a glob such as
    ``ledgers/2024/*.xlsx`` the files it matches (``**`` reaches into subfolders).

    Parameters
    ----------
    sources : str, os.PathLike or a list of them
        What the user named.

    Returns
    -------
    list of pathlib.Path
        The ledger files in a stable order (sorted by path within each source).

    Raises
    ------
    InputFileError
        A file that does not exist, a glob or folder that names no ledger file.
    """
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    out: list[Path] = []
    for src in sources:
        text = os.fspath(src)
        p = Path(text)
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in _LEDGER_SUFFIXES
                           and not f.name.startswith(("~$", ".")))
            if not found:
                raise InputFileError(f"{p}: the folder holds no ledger file (.xlsx, .xlsm, .csv)")
            out += found
        elif p.exists() or not _GLOB.search(text):
            if not p.is_file():
                raise InputFileError(f"{p}: ledger file not found")
            out.append(p)
        else:
            found = sorted(Path(f) for f in glob.glob(text, recursive=True) if Path(f).is_file()
                           and not Path(f).name.startswith(("~$", ".")))
            if not found:
                raise InputFileError(f"{text}: no file matches this pattern")
            out += found
    seen: set[Path] = set()
    uniq = []
    for f in out:
        k = f.resolve()
        if k not in seen:
            seen.add(k)
            uniq.append(f)
    return uniq


def _from_names(m: Mapping, path: Path, sheet: str | None) -> dict:
    found: dict = {}
    for kind, text in (("file", path.name), ("sheet", sheet)):  # the sheet name wins over the file name
        rx = m.names.get(kind)
        if rx is None or text is None:
            continue
        hit = rx.search(text)
        if not hit:
            continue
        for k, v in hit.groupdict().items():
            if v is not None:
                found[k] = (int(v) if k == "year" and v.isdigit() else v, f"{kind} name")
    return found


def import_ledger(ledger, mapping: str | os.PathLike | Mapping, out: str | os.PathLike | None,
                  skip_unmapped: bool = False, strict: bool = False, sheets: str | None = None,
                  progress=None) -> ImportReport:
    """Import a statistics ledger (e.g. form 205-1, an energy balance table) as activity data.

    One call imports a whole ledger: files, folders and globs, every sheet (or those a pattern
    names), one mapping. Each table (block) takes its year, entity, region and sector from a
    mapped column, the cells above it (``[cells]``), the sheet or file name (``[names]``) or the
    mapping's constants. Sub-items and totals are verified against each other per block as the
    mapping's ``[[checks]]`` say (never added up into the data); a ledger that fails a check, or
    has rows the mapping does not cover, writes nothing.

    Parameters
    ----------
    ledger : str, os.PathLike or list of them
        ``.csv`` (UTF-8, UTF-8 with BOM, GBK/GB18030) or ``.xlsx`` files, folders of them, or
        globs (``ledgers/2024/*.xlsx``); see :func:`expand_ledgers`.
    mapping : str, os.PathLike or Mapping
        The mapping TOML (see ``ghginv/data/demo/ledgers/``), or one already loaded.
    out : str or os.PathLike or None
        Activity Parquet file to write atomically (columns of the data contract: ``year``,
        ``region``, ``sector``, ``activity``, ``amount``, ``unit``, ``entity_id`` …, the import
        recorded in its metadata), with its provenance table beside it
        (:func:`provenance_path`: file, sheet, row and cell of every activity row); None writes
        nothing.
    skip_unmapped : bool, default False
        Leave out (and count) rows or columns the mapping does not cover instead of failing.
    strict : bool, default False
        Make every unmapped row or column, every identity warning and every total row that no
        check covers an error (even with ``skip_unmapped``).
    sheets : str, optional
        Glob of the sheets to read in every workbook; overrides ``[ledger] sheet``/``sheets``.
    progress : callable, optional
        ``progress(files_done, files_total, rows_done)``, called after each file and every
        16,384 rows of a large sheet.

    Returns
    -------
    ImportReport
        ``rows_written``, ``files``, ``sheets``, ``stats`` (rows checked, left out, blank,
        blocks), ``checks`` (each with ``ok``, file, sheet, row), ``warnings``, ``unmapped``,
        ``encoding``, ``provenance``.

    Raises
    ------
    ValidationError
        The ledger breaks the mapping (a failed check, a bad cell) or yields no activity row.
    UnmappedError
        Rows or columns are not covered by the mapping (without ``skip_unmapped``, or with ``strict``).
    InputFileError
        A file that is missing, not a workbook, password-protected or damaged.
    ConfigError
        The mapping is invalid, or ``out`` cannot be written: it is a ledger or the mapping, or
        lies inside a ghginv run folder (:func:`ghginv.runfolder.check_output_file`).

    References
    ----------
    .. [1] 国家统计局, 《能源统计报表制度》: 205-1 表 "能源购进、消费与库存" (the form the bundled
       example follows).

    Examples
    --------
    >>> rep = ghginv.import_ledger("ghginv/data/demo/ledgers/synthetic_205_1_2023.csv",
    ...                            "ghginv/data/demo/ledgers/synthetic_205_1.mapping.toml", "activity.parquet")  # doctest: +SKIP
    >>> rep.rows_written                                                                            # doctest: +SKIP
    """
    files = expand_ledgers(ledger)
    m_path = mapping.path if isinstance(mapping, Mapping) else mapping
    if out is not None:  # never over a ledger or the mapping, never into a run folder: refused before any work
        inputs = [("mapping", m_path)] + [("ledger", f) for f in files]
        check_output_file(out, inputs)
        check_output_file(provenance_path(out), inputs, what="the provenance file of --out")
    m = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    pattern = sheets if sheets is not None else m.sheets
    records: list[dict] = []
    errors: list = []
    problems: list = []
    warnings: list = []
    checks: list[dict] = []
    stats: dict = {}
    encodings = set()
    n_sheets = 0
    for fi, f in enumerate(files):
        grids = read_sheets(f, m.sheet if pattern is None else None, pattern)
        for grid in grids:
            n_sheets += 1
            tick = None if progress is None else (lambda n, fi=fi: progress(fi, len(files), len(records) + n))
            res = convert(grid, m, _from_names(m, f, grid.sheet), strict=strict, tick=tick)
            for r in res.records:
                r["_file"] = str(f)
                r["_sheet"] = grid.sheet
            errors += res.errors
            problems += res.problems
            warnings += res.warnings
            checks += res.checks
            for k, v in res.stats.items():
                if isinstance(v, list):
                    stats.setdefault(k, []).extend(f"{grid.where(x)}" if isinstance(x, int) else x for x in v)
                elif k in ("header_row", "first_data_row"):
                    stats.setdefault(k, v)
                else:
                    stats[k] = stats.get(k, 0) + v
            if grid.encoding:
                encodings.add(grid.encoding)
            records += res.records
        if progress is not None:
            progress(fi + 1, len(files), len(records))
    label = files[0] if len(files) == 1 else Path(os.fspath(ledger if isinstance(ledger, (str, os.PathLike)) else files[0]))
    if strict:
        unverified = stats.get("unverified_total_rows", [])
        errors += [Problem("total row not verified by any check (--strict)", file=u,
                           hint="add a [[checks]] entry for it") for u in unverified]
        errors += warnings
        if problems:
            raise UnmappedError(
                f"{label}: {len(problems)} row(s)/column(s) not covered by the mapping {m.path.name}; nothing was written "
                "(--strict: map every row and column)", problems + errors)
    if errors:
        raise ValidationError(f"{label}: the ledger cannot be imported; nothing was written", errors + problems)
    if problems and not skip_unmapped:
        raise UnmappedError(
            f"{label}: {len(problems)} row(s)/column(s) not covered by the mapping {m.path.name}; nothing was written "
            "(map them, or pass --skip-unmapped to leave them out)",
            problems,
        )
    if not records:
        raise ValidationError(f"{label}: no activity rows found with mapping {m.path.name}; nothing was written")
    df = _frame(records)
    enc = ",".join(sorted(encodings)) or None
    prov = provenance_path(out) if out is not None else None
    report = ImportReport(label, Path(out) if out else None, df.height, stats, checks, len(problems), enc,
                          files, n_sheets, warnings, problems, prov)
    if out is not None:
        hashes = [{"file": str(f), "sha256": file_sha256(f)} for f in files]
        info = {**report.as_dict(), "mapping_sha256": file_sha256(m.path), "unmapped": [p.render() for p in problems],
                "provenance": "the file NAME.provenance.parquet beside this one", "ledgers": hashes}
        if len(files) == 1:
            info["ledger_sha256"] = hashes[0]["sha256"]
        info["checks"] = [{k: v for k, v in c.items() if k not in ("file",)} | {"file": Path(c["file"]).name} for c in checks]
        meta = {"ghginv.import": json.dumps(info, ensure_ascii=False, sort_keys=True, default=str)}
        pmeta = {"ghginv.provenance": json.dumps({"activity": "the file NAME.parquet beside this one", "mapping": m.path.name,
                                                  "columns": "row_index = the 0-based row of the activity file; file, sheet, row "
                                                  "(1-based sheet row) and cell of its amount; cells: the cells summed (+) and "
                                                  "subtracted (-); block_row: the header row of its table; fields_from: where "
                                                  "year, region, sector and entity_id came from"},
                                                 ensure_ascii=False, sort_keys=True)}
        out = Path(out)
        tmp_p = _write_table(_provenance(records), prov, pmeta)
        try:
            tmp_a = _write_table(df, out, meta)
        except BaseException:
            tmp_p.unlink(missing_ok=True)
            raise
        try:
            os.replace(tmp_p, prov)
            os.replace(tmp_a, out)
        except OSError as e:
            tmp_a.unlink(missing_ok=True)
            tmp_p.unlink(missing_ok=True)
            raise ConfigError(f"{out}: cannot write ({e.strerror or e})") from None
    return report
