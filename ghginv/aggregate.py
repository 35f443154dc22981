"""Aggregate: emissions per cell -> the inventory at every level of the IPCC tree.

A row of ``emissions`` with sector ``1.A.4.b`` counts towards ``1``, ``1.A``, ``1.A.4``,
``1.A.4.b`` and ``TOTAL`` (level 0), separately for each scope:

* ``direct`` — emissions inside the region (IPCC sectors; scope 1);
* ``indirect`` — emissions caused by purchased electricity and heat (scope 2), kept apart so
  that they are never added to direct emissions by accident;
* ``memo`` — memo items outside totals, e.g. CO2 from biomass combustion (2006 IPCC GL Vol 2
  Ch 1 §1.4.1.3: reported, not added).

Rows reported with a notation key (NO, NE, NA, IE, C) appear at their own category with gas
``ALL``, no numbers and the key; they are never summed as zero. Every reporting category × gas
the run does not estimate gets a key row too (gas = the gas group, e.g. ``HFCs``; default ``NE``,
user keys from ``[notation_keys]``): see :mod:`ghginv.notation`.
"""

from __future__ import annotations

import polars as pl

from . import categories
from .notation import completeness_rows
from ._frames import group_sum, sort_stable

__all__ = ["build_inventory", "INVENTORY_SCHEMA"]

INVENTORY_SCHEMA = {
    "year": pl.Int32,
    "region": pl.String,
    "scope": pl.String,
    "category": pl.String,
    "level": pl.Int8,
    "category_name": pl.String,
    "gas": pl.String,
    "emissions_t": pl.Float64,
    "co2e_t": pl.Float64,
    "notation_key": pl.String,
}
_SCOPE_ORDER = {"direct": 0, "indirect": 1, "memo": 2}


def _tree(sectors: list[str]) -> pl.DataFrame:
    rows = []
    for s in sectors:
        rows.append({"sector": s, "category": "TOTAL", "level": 0})
        for a in categories.ancestors(s):
            rows.append({"sector": s, "category": a, "level": categories.level(a)})
    return pl.DataFrame(rows, schema={"sector": pl.String, "category": pl.String, "level": pl.Int8})


def _name(cat: pl.Expr) -> pl.Expr:
    names = {**categories.categories(), "TOTAL": "Total"}
    return cat.replace_strict(names, default="", return_dtype=pl.String)


def build_inventory(emissions: pl.DataFrame, notation: pl.DataFrame | None = None, classes: dict[str, str] | None = None,
                    keys: list | None = None, completeness: bool = True) -> pl.DataFrame:
    """Roll emissions up the IPCC tree per year, region, scope and gas (see module doc).

    ``keys``: the user's notation keys (:func:`ghginv.notation.notation_settings`);
    ``completeness=False`` leaves out the rows of not-estimated reporting categories."""
    by_sector = group_sum(emissions, ["year", "region", "scope", "sector", "gas"], ["emissions_t", "co2e_t"])
    tree = _tree(by_sector["sector"].unique().to_list())
    rolled = group_sum(
        by_sector.join(tree, on="sector", how="inner"),
        ["year", "region", "scope", "category", "level", "gas"],
        ["emissions_t", "co2e_t"],
    ).with_columns(pl.lit(None, pl.String).alias("notation_key"))
    parts = [rolled]
    if notation is not None and notation.height:
        classes = classes or {}
        nk = notation.with_columns(
            pl.col("activity")
            .replace_strict(classes, default="other", return_dtype=pl.String)
            .is_in(["electricity", "heat"])
            .alias("_ind")
        ).select(
            pl.col("year").cast(pl.Int32),
            "region",
            pl.when(pl.col("_ind")).then(pl.lit("indirect")).otherwise(pl.lit("direct")).alias("scope"),
            pl.col("sector").alias("category"),
            pl.col("sector").map_elements(categories.level, return_dtype=pl.Int8).alias("level"),
            pl.lit("ALL").alias("gas"),
            pl.lit(None, pl.Float64).alias("emissions_t"),
            pl.lit(None, pl.Float64).alias("co2e_t"),
            "notation_key",
        ).unique()
        parts.append(nk)
    if completeness:
        parts.append(completeness_rows(rolled, notation, classes, keys))
    inv = pl.concat([p.select(rolled.columns).cast({"year": pl.Int32, "level": pl.Int8}) for p in parts])
    inv = inv.with_columns(
        _name(pl.col("category")).alias("category_name"),
        pl.col("scope").replace_strict(_SCOPE_ORDER, return_dtype=pl.Int8).alias("_s"),
    )
    inv = sort_stable(inv, ["year", "region", "_s", "category", "gas", "notation_key"])
    return inv.select(list(INVENTORY_SCHEMA)).cast(INVENTORY_SCHEMA)
