"""``ghginv import``: a bureau's ledger (CSV or XLSX) -> activity Parquet in the data contract.

>>> report = import_ledger("ledger.xlsx", "mapping.toml", "activity.parquet")   # doctest: +SKIP

Every row that cannot be mapped is reported with its sheet, row and column; nothing is written
when anything is unmapped unless ``skip_unmapped=True`` (then the count is in the report and in
the Parquet file's metadata). Bad values (text in a number cell, a negative amount, a failed total
check, an unknown unit) are always errors. The output is written atomically (temporary sibling,
then rename) and is byte-identical for the same ledger and mapping.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from ...core.errors import ConfigError, ValidationError
from ...core.hashcache import file_sha256
from ...runfolder import check_output_file
from .convert import convert
from .mapping import Mapping, load_mapping
from .read import read_grid

__all__ = ["import_ledger", "ImportReport", "UnmappedError", "load_mapping", "Mapping"]

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

    def as_dict(self) -> dict:
        return {
            "ledger": self.ledger.name,
            "rows_written": self.rows_written,
            "unmapped_skipped": self.unmapped,
            "encoding": self.encoding,
            "stats": self.stats,
            "checks": self.checks,
        }


def _frame(records: list[dict]) -> pl.DataFrame:
    cols = ["year", "region", "sector", "activity", "amount", "unit"]
    if any(r.get("entity_id") is not None for r in records):
        cols.append("entity_id")
    if any(r.get("notation_key") for r in records):
        cols.append("notation_key")
    data = {c: [r.get(c) for r in records] for c in cols}
    return pl.DataFrame(data, schema={c: SCHEMA[c] for c in cols})


def write_atomic_parquet(df: pl.DataFrame, out: Path, metadata: dict[str, str]) -> None:
    """Write one Parquet file via a temporary sibling and a rename (deterministic bytes)."""
    out = Path(out)
    if out.is_dir():
        raise ConfigError(f"{out}: is a folder; give a .parquet file name for --out")
    if not out.parent.is_dir():
        raise ConfigError(f"{out}: the folder {out.parent} does not exist")
    tmp = out.parent / f".{out.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    table = df.to_arrow().replace_schema_metadata({k.encode(): v.encode() for k, v in metadata.items()})
    try:
        pq.write_table(table, tmp, compression="zstd", use_dictionary=True, write_statistics=True)
        os.replace(tmp, out)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise ConfigError(f"{out}: cannot write ({e.strerror or e})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def import_ledger(ledger: str | os.PathLike, mapping: str | os.PathLike | Mapping, out: str | os.PathLike | None,
                  skip_unmapped: bool = False) -> ImportReport:
    """Import a statistics ledger (e.g. form 205-1, an energy balance table) as activity data.

    Sub-items and totals are verified against each other as the mapping's ``[[checks]]`` say
    (never added up into the data); a ledger that fails a check, or has rows the mapping does
    not cover, writes nothing.

    Parameters
    ----------
    ledger : str or os.PathLike
        ``.csv`` (UTF-8, UTF-8 with BOM, GBK/GB18030) or ``.xlsx``.
    mapping : str, os.PathLike or Mapping
        The mapping TOML (see ``ghginv/data/demo/ledgers/``), or one already loaded.
    out : str or os.PathLike or None
        Activity Parquet file to write atomically (columns of the data contract: ``year``,
        ``region``, ``sector``, ``activity``, ``amount``, ``unit`` …, the import recorded in
        its metadata); None writes nothing.
    skip_unmapped : bool, default False
        Leave out (and count) rows or columns the mapping does not cover instead of failing.

    Returns
    -------
    ImportReport
        ``rows_written``, ``stats`` (rows checked, left out, blank), ``checks`` (each with
        ``ok``), ``unmapped``, ``encoding``.

    Raises
    ------
    ValidationError
        The ledger breaks the mapping (a failed check, a bad cell) or yields no activity row.
    UnmappedError
        Rows or columns are not covered by the mapping (without ``skip_unmapped``).
    ConfigError
        The mapping is invalid, or ``out`` cannot be written: it is the ledger or the mapping, or
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
    ledger = Path(ledger)
    if out is not None:  # never over the ledger or the mapping, never into a run folder: refused before any work
        check_output_file(out, [("ledger", ledger), ("mapping", mapping.path if isinstance(mapping, Mapping) else mapping)])
    m = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    grid = read_grid(ledger, m.sheet)
    res = convert(grid, m)
    if res.errors:
        raise ValidationError(f"{ledger}: the ledger cannot be imported; nothing was written", res.errors + res.problems)
    if res.problems and not skip_unmapped:
        raise UnmappedError(
            f"{ledger}: {len(res.problems)} row(s)/column(s) not covered by the mapping {m.path.name}; nothing was written "
            "(map them, or pass --skip-unmapped to leave them out)",
            res.problems,
        )
    if not res.records:
        raise ValidationError(f"{ledger}: no activity rows found with mapping {m.path.name}; nothing was written")
    df = _frame(res.records)
    report = ImportReport(ledger, Path(out) if out else None, df.height, res.stats, res.checks, len(res.problems), grid.encoding)
    if out is not None:
        meta = {
            "ghginv.import": json.dumps(
                {**report.as_dict(), "ledger_sha256": file_sha256(ledger), "mapping_sha256": file_sha256(m.path),
                 "unmapped": [p.render() for p in res.problems]},
                ensure_ascii=False, sort_keys=True,
            )
        }
        write_atomic_parquet(df, Path(out), meta)
    return report

