"""Comparing two finished runs: the factor rows that changed, grouped for a person to read.

:func:`ghginv.diff_runs` explains the change of every category (activity, factor and GWP effects,
2006 IPCC Guidelines Vol 1 Ch 5, Section 5.2: report the reason of a recalculation). Its second table
lists the changed rows of ``factors_used`` cell by cell — per (year, region, sector, activity) and gas,
so a new grid factor for a province shows once per year, street and sector. :func:`changed_factors`
gives the same change as a person reads it: one row per factor set, activity, gas (or conversion),
region and run of consecutive years with the same old and new factor row, its value, unit, status and
source before and after. It reads only the two runs' ``factors_used.parquet`` (lazily) and recomputes
nothing.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ..core.errors import InputFileError
from ..runfolder import read_manifest
from .drill import _reading

__all__ = ["changed_factors", "COMPARED", "CHANGE_COLUMNS"]

CELL = ["year", "region", "sector", "activity", "kind", "item"]
# the fields of a factor row compared between the runs (the row's file and line, ``rule``, and the year of
# the value, ``factor_year``, follow the value: a moved line alone is not a change)
COMPARED = ["factor_set", "set_version", "value", "unit", "status", "source", "source_locator"]
_CARRIED = [*COMPARED, "rule"]
CHANGE_COLUMNS = ["activity", "kind", "item", "region", "year_from", "year_to", "change", "changed", "n_cells", "sectors",
                  *(f"{p}_{c}" for c in _CARRIED for p in ("old", "new"))]


def _used(run) -> tuple[pl.LazyFrame, str | None]:
    path = Path(getattr(run, "path", run))
    manifest = read_manifest(path)
    f = path / "factors_used.parquet"
    if not f.is_file():
        raise InputFileError(f"{path}: the run folder has no factors_used.parquet (compile it again with this ghginv version)")
    return pl.scan_parquet(f).select(*CELL, *_CARRIED), manifest.get("outputs", {}).get("factors_used.parquet")


def changed_factors(old_run, new_run) -> pl.DataFrame:
    """The factor rows whose value, unit, status, source or set differ between two runs, by set, activity,
    gas, region and year range.

    Parameters
    ----------
    old_run, new_run : str, os.PathLike or RunFolder
        Two run folders (``ghginv compile`` / ``ghginv recompute``), e.g. a run and its recompute with a
        new grid factor.

    Returns
    -------
    polars.DataFrame
        One row per ``activity``, ``kind`` (``factor`` or ``conversion``), ``item`` (the gas, or ``ncv``,
        ``density`` …), ``region`` and run of consecutive years ``year_from``–``year_to`` in which the
        old and the new factor row are the same pair: ``change`` (``changed``, ``added`` — the new run
        uses a row where the old had none —, ``removed``), ``changed`` (the compared fields that differ,
        e.g. ``"value, source"``), ``n_cells`` (the (year, sector) cells it covers), ``sectors`` (their
        IPCC codes, sorted) and ``old_``/``new_`` ``factor_set``, ``set_version``, ``value``, ``unit``,
        ``status``, ``source``, ``source_locator``, ``rule``. Sorted by activity, kind, item, region,
        year_from. Empty when the runs used the same factor rows (their ``factors_used.parquet`` have the
        same sha256 in the manifests: nothing is read).

    Raises
    ------
    InputFileError
        A folder is not a run folder, or has no ``factors_used.parquet``.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1 Ch 5,
       Section 5.2 (recalculations: document the changed methods and data).

    Examples
    --------
    >>> ghginv.changed_factors("out/2024", "out/2024_new_grid")    # doctest: +SKIP
    """
    old, old_sha = _used(old_run)
    new, new_sha = _used(new_run)
    with _reading(f"{Path(getattr(old_run, 'path', old_run))}, {Path(getattr(new_run, 'path', new_run))}"):
        return _changed(old, new, old_sha, new_sha)


def _changed(old: pl.LazyFrame, new: pl.LazyFrame, old_sha, new_sha) -> pl.DataFrame:
    schema = old.collect_schema()
    empty = pl.DataFrame(schema={c: schema.get(c[4:], schema.get(c)) or pl.String for c in CHANGE_COLUMNS}).with_columns(
        pl.col("year_from", "year_to").cast(pl.Int32), pl.col("n_cells").cast(pl.UInt32), pl.col("sectors").cast(pl.List(pl.String)))
    if old_sha is not None and old_sha == new_sha:
        return empty
    o, n = pl.collect_all([old.rename({c: f"old_{c}" for c in _CARRIED}), new.rename({c: f"new_{c}" for c in _CARRIED})])
    differs = [pl.col(f"old_{c}").ne_missing(pl.col(f"new_{c}")) for c in COMPARED]
    if o.height == n.height and all(o[k].equals(n[k]) for k in CELL):
        j = pl.concat([o, n.drop(CELL)], how="horizontal")  # the same cells in the same order (a recompute): no join
    else:
        j = o.join(n, on=CELL, how="full", coalesce=True, nulls_equal=True)
    j = j.filter(pl.any_horizontal(differs))
    if not j.height:
        return empty
    j = j.with_columns(
        pl.when(pl.col("old_rule").is_null()).then(pl.lit("added")).when(pl.col("new_rule").is_null()).then(pl.lit("removed"))
        .otherwise(pl.lit("changed")).alias("change"),
        pl.concat_str([pl.when(d).then(pl.lit(c)) for d, c in zip(differs, COMPARED)], separator=", ", ignore_nulls=True).alias("changed"),
    )
    group = ["activity", "kind", "item", "region", "change", "changed", *(f"{p}_{c}" for c in _CARRIED for p in ("old", "new"))]
    per_year = j.group_by(*group, "year").agg(pl.len().alias("n_cells"), pl.col("sector").unique())
    per_year = per_year.sort(*group, "year", nulls_last=True).with_columns(
        (pl.col("year") - pl.int_range(pl.len()).over(group)).alias("_run"))  # constant along consecutive years
    out = per_year.group_by(*group, "_run").agg(
        pl.col("year").min().alias("year_from"), pl.col("year").max().alias("year_to"),
        pl.col("n_cells").sum().cast(pl.UInt32), pl.col("sector").explode().unique().sort().alias("sectors"))
    return out.select(CHANGE_COLUMNS).with_columns(pl.col("year_from", "year_to").cast(pl.Int32)).sort(
        "activity", "kind", "item", "region", "year_from", nulls_last=True)
