"""Factor-set tools: every row of a set as a table, and the difference between two sets."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from ._sets import FactorSet

__all__ = ["factor_set_table", "diff_factor_sets"]

_KEY = ["file", "activity", "sector", "region", "year_from", "year_to", "key"]
SCHEMA = {
    "file": pl.String, "line": pl.Int64, "activity": pl.String, "sector": pl.String, "region": pl.String,
    "year_from": pl.Int32, "year_to": pl.Int32, "key": pl.String, "value": pl.Float64, "unit": pl.String,
    "status": pl.String, "source": pl.String, "source_locator": pl.String,
}


def factor_set_table(fs: FactorSet) -> pl.DataFrame:
    """Every row of a factor set as a table, with its source.

    Parameters
    ----------
    fs : FactorSet
        A loaded set (:func:`ghginv.load_factor_set`).

    Returns
    -------
    polars.DataFrame
        One row per factor, carbon, conversion or waste-parameter row: ``file``, ``line``,
        ``activity``, ``sector``, ``region``, ``year_from``/``year_to`` (null when open),
        ``key``, ``value`` in ``unit`` (e.g. ``kg/TJ``), ``status``, ``source``,
        ``source_locator``.

    Examples
    --------
    >>> ghginv.factor_set_table(ghginv.load_factor_set("ipcc2006_energy"))   # doctest: +SKIP
    """
    rows = [
        {
            "file": Path(r.file).name, "line": r.line, "activity": r.activity, "sector": r.sector,
            "region": r.region, "year_from": None if r.year_from == 0 else r.year_from,
            "year_to": None if r.year_to == 9999 else r.year_to, "key": r.key, "value": r.value,
            "unit": r.unit, "status": r.status, "source": r.source, "source_locator": r.source_locator,
        }
        for r in [*fs.rules, *getattr(fs, "waste_rules", ())]  # waste_parameters.csv rows: key = parameter
    ]
    return pl.DataFrame(rows, schema=SCHEMA).sort("file", "activity", "key", "sector", "region", "year_from", nulls_last=False)


def diff_factor_sets(a: FactorSet, b: FactorSet) -> pl.DataFrame:
    """Rows added, removed and changed between two factor sets, with both sources.

    Rows are matched on (file, activity, sector, region, year_from, year_to, key).

    Parameters
    ----------
    a, b : FactorSet
        The earlier and the later set.

    Returns
    -------
    polars.DataFrame
        ``change`` (``added``: only in B; ``removed``: only in A; ``changed``: value, unit or
        status differ), the key columns, and ``a_``/``b_`` ``value``, ``unit``, ``status``,
        ``source``, ``source_locator``.

    Examples
    --------
    >>> a, b = ghginv.load_factor_set("mee_nbs_grid"), ghginv.load_factor_set("my_grid")   # doctest: +SKIP
    >>> ghginv.diff_factor_sets(a, b).filter(pl.col("change") == "changed")                # doctest: +SKIP
    """
    ta = factor_set_table(a).drop("line")
    tb = factor_set_table(b).drop("line")
    cols = ["value", "unit", "status", "source", "source_locator"]
    j = ta.rename({c: f"a_{c}" for c in cols}).join(
        tb.rename({c: f"b_{c}" for c in cols}), on=_KEY, how="full", coalesce=True, nulls_equal=True
    )
    change = (
        pl.when(pl.col("a_value").is_null()).then(pl.lit("added"))
        .when(pl.col("b_value").is_null()).then(pl.lit("removed"))
        .when(
            pl.col("a_value").ne_missing(pl.col("b_value"))
            | pl.col("a_unit").ne_missing(pl.col("b_unit"))
            | pl.col("a_status").ne_missing(pl.col("b_status"))
        )
        .then(pl.lit("changed"))
        .otherwise(pl.lit(None, pl.String))
    )
    return j.with_columns(change.alias("change")).filter(pl.col("change").is_not_null()).select(
        "change", *_KEY, *(f"a_{c}" for c in cols), *(f"b_{c}" for c in cols)
    ).sort("change", *_KEY, nulls_last=False)
