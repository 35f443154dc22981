"""Approach 1 in the layout of 2006 IPCC GL Vol 1 Ch 3 Table 3.2 (``uncertainty_table_3_2.parquet``).

One row per category (at a chosen depth of the IPCC tree, direct emissions and removals, all
regions together) and gas, per year t against the base year 0, and a ``TOTAL`` row::

    base_co2e_t            C   base-year emissions or removals (t CO2e)
    co2e_t                 D   year-t emissions or removals
    ad_pct                 E   activity-data uncertainty of the row (Eq 3.2 over its activity sources)
    ef_pct                 F   emission-factor / parameter uncertainty of the row (Eq 3.2 over its factor rows;
                               NCV, density and oxidation rows count here too)
    combined_pct           G   sqrt(E² + F²)                                               (Eq 3.1)
    variance_contribution  H   (G × D)² / (Σ D)²; for a row of 0 t with an absolute uncertainty (a
                               factor of value 0 with lower/upper) E, F and G are null and H is
                               (absolute half-width)² / (Σ D)²; its trend columns are 0 here
                               (uncertainty.parquet's trend counts it input by input)
    type_a                 I   [(0.01 D + ΣD − (0.01 C + ΣC)) / (0.01 C + ΣC) − (ΣD − ΣC) / ΣC] × 100
    type_b                 J   |D| / |ΣC|
    trend_ef_pct           K   I × F          (EF correlated between the years)
    trend_ad_pct           L   J × E × √2     (AD uncorrelated between the years)
    trend_variance         M   K² + L²
    trend_pct                  sqrt(M); on the TOTAL row sqrt(Σ M), the trend uncertainty in % points

On the TOTAL row ``combined_pct`` = sqrt(Σ H), the level uncertainty of the total (%). Table 3.2
treats its rows as independent; a factor row shared by two rows (e.g. one NCV used in several
sectors) is correlated there, which ``uncertainty.parquet`` (input by input) accounts for and this
layout does not — the two totals can therefore differ slightly.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ..core import categories
from ..core._frames import sum_by
from .propagate import K_SLOTS, Terms, slot_contributions

__all__ = ["table_3_2", "SCHEMA"]

SCHEMA = {
    "year": pl.Int32, "base_year": pl.Int32, "category": pl.String, "category_name": pl.String, "gas": pl.String,
    "base_co2e_t": pl.Float64, "co2e_t": pl.Float64, "ad_pct": pl.Float64, "ef_pct": pl.Float64, "combined_pct": pl.Float64,
    "variance_contribution": pl.Float64, "type_a": pl.Float64, "type_b": pl.Float64, "trend_ef_pct": pl.Float64,
    "trend_ad_pct": pl.Float64, "trend_variance": pl.Float64, "trend_pct": pl.Float64,
}


def _at_depth(code: str, depth: int) -> str:
    return ".".join(code.split(".")[:depth])


def _row_uncertainty(f: pl.DataFrame, slots: range, inputs, name: str) -> pl.DataFrame:
    """Per (year, category, gas): sqrt(Σ_p (u_p Σ E_p)²) over the inputs in ``slots`` [t CO2e × %]
    (an absolute input contributes its term at its scale: :func:`~ghginv.uncertainty.propagate.slot_contributions`)."""
    u = inputs.u_pct
    cs = slot_contributions(f, inputs)
    parts = [f.select("year", "category", "gas", pl.Series("co2e_t", cs[k]), pl.col(f"i{k}").alias("input_id")).filter(pl.col("input_id") >= 0)
             for k in slots]
    long = pl.concat(parts).sort("year", "category", "gas", "input_id", maintain_order=True)
    # deterministic sums (core._frames.sum_by): each group's rows added in table order, the same bits on every call
    per = sum_by(long, ["year", "category", "gas", "input_id"], ["co2e_t"], maintain_order=True)
    per = per.with_columns(pl.col("input_id").replace_strict(dict(enumerate(u.tolist())), return_dtype=pl.Float64).alias("u"))
    sq = sum_by(per, ["year", "category", "gas"], [((pl.col("co2e_t") * pl.col("u")) ** 2).alias(name)], maintain_order=True)
    return sq.with_columns(pl.col(name).sqrt())


def table_3_2(terms: Terms, base_year: int | None, depth: int = 4) -> pl.DataFrame:
    """Approach 1 in the layout of Table 3.2, for every year (trend columns for years after ``base_year``).

    One row per category (at ``depth``, direct emissions and removals, all regions together) and
    gas, and a ``TOTAL`` row: C, D [t CO2e], E (activity data) and F (factors) by Eq 3.2 over the
    row's inputs, G = sqrt(E² + F²) (Eq 3.1), H, the Type A and Type B sensitivities I and J,
    K = I × F, L = J × E × √2, M = K² + L² (module docstring).

    Parameters
    ----------
    terms : Terms
        The terms of :func:`ghginv.uncertainty.propagate.build_terms`.
    base_year : int or None
        Base year 0 of the trend columns.
    depth : int, default 4
        Category depth of the rows.

    Returns
    -------
    polars.DataFrame
        :data:`SCHEMA`: ``base_co2e_t``, ``co2e_t`` [t CO2e], ``ad_pct``, ``ef_pct``,
        ``combined_pct`` [%], ``variance_contribution``, ``type_a``, ``type_b``, ``trend_ef_pct``,
        ``trend_ad_pct`` [percentage points], ``trend_variance``, ``trend_pct`` [percentage points].

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1 Ch 3,
       Eqs 3.1–3.2 and Table 3.2.
    """
    f = terms.frame.filter(pl.col("scope") == "direct")
    if f.height == 0:
        return pl.DataFrame(schema=SCHEMA)
    f = f.with_columns(pl.col("sector").map_elements(lambda c: _at_depth(c, depth), return_dtype=pl.String).alias("category"))
    rows = sum_by(f, ["year", "category", "gas"], ["co2e_t"]).sort("year", "category", "gas")
    rows = rows.join(_row_uncertainty(f, range(0, 1), terms.inputs, "_ad"), on=["year", "category", "gas"], how="left").join(
        _row_uncertainty(f, range(1, K_SLOTS), terms.inputs, "_ef"), on=["year", "category", "gas"], how="left")
    # a row of 0 t whose factor has an absolute uncertainty (value 0 with an interval): no percentage
    # (null), its absolute half-width enters H directly
    undefined = (pl.col("co2e_t") == 0) & ((pl.col("_ad").fill_null(0.0) > 0) | (pl.col("_ef").fill_null(0.0) > 0))
    rows = rows.with_columns(
        (pl.col("_ad").fill_null(0.0) / pl.col("co2e_t").abs()).alias("ad_pct"),
        (pl.col("_ef").fill_null(0.0) / pl.col("co2e_t").abs()).alias("ef_pct"),
        ((pl.col("_ad").fill_null(0.0) ** 2 + pl.col("_ef").fill_null(0.0) ** 2).sqrt() / 100).alias("_abs"),
        undefined.alias("_undef"),
    ).drop("_ad", "_ef").with_columns(
        pl.when(pl.col("co2e_t") != 0).then(pl.col("ad_pct")).when(pl.col("_undef")).then(None).otherwise(0.0).alias("ad_pct"),
        pl.when(pl.col("co2e_t") != 0).then(pl.col("ef_pct")).when(pl.col("_undef")).then(None).otherwise(0.0).alias("ef_pct"),
    ).with_columns((pl.col("ad_pct") ** 2 + pl.col("ef_pct") ** 2).sqrt().alias("combined_pct"))
    years = sorted(rows["year"].unique().to_list())
    names = categories.categories()
    out = []
    for y in years:
        d = rows.filter(pl.col("year") == y)
        sd = d["co2e_t"].sum()
        h = pl.when(pl.col("_undef")).then((pl.col("_abs") * 100) ** 2).otherwise((pl.col("combined_pct") * pl.col("co2e_t")) ** 2)
        # sd * sd, not sd**2: a huge total (1e300 t) gives inf instead of an OverflowError
        d = d.with_columns((h / (sd * sd) if sd else pl.lit(0.0)).alias("variance_contribution")).drop("_abs", "_undef")
        trend = base_year is not None and y > base_year and base_year in years
        if trend:
            b = rows.filter(pl.col("year") == base_year).select("category", "gas", pl.col("co2e_t").alias("base_co2e_t"))
            d = d.join(b, on=["category", "gas"], how="full", coalesce=True).with_columns(
                pl.lit(y, pl.Int32).alias("year"), pl.col("co2e_t").fill_null(0.0), pl.col("base_co2e_t").fill_null(0.0),
                *(pl.col(c).fill_null(0.0) for c in ("ad_pct", "ef_pct", "combined_pct", "variance_contribution")),
            ).sort("category", "gas")
            sc, sd = d["base_co2e_t"].sum(), d["co2e_t"].sum()
            c, dd = pl.col("base_co2e_t"), pl.col("co2e_t")
            d = d.with_columns(
                (((0.01 * dd + sd - (0.01 * c + sc)) / (0.01 * c + sc) - (sd - sc) / sc) * 100).alias("type_a"),
                (dd.abs() / abs(sc)).alias("type_b"),
            ).with_columns(
                (pl.col("type_a") * pl.col("ef_pct")).alias("trend_ef_pct"),
                (pl.col("type_b") * pl.col("ad_pct") * np.sqrt(2)).alias("trend_ad_pct"),
            ).with_columns((pl.col("trend_ef_pct") ** 2 + pl.col("trend_ad_pct") ** 2).alias("trend_variance")).with_columns(
                pl.col("trend_variance").sqrt().alias("trend_pct"))
        else:
            d = d.with_columns(pl.lit(None, pl.Float64).alias("base_co2e_t"), *(pl.lit(None, pl.Float64).alias(k) for k in (
                "type_a", "type_b", "trend_ef_pct", "trend_ad_pct", "trend_variance", "trend_pct")))
        total = {
            "year": y, "category": "TOTAL", "gas": "ALL", "co2e_t": d["co2e_t"].sum(),
            "base_co2e_t": d["base_co2e_t"].sum() if trend else None,
            "combined_pct": float(np.sqrt(d["variance_contribution"].sum())), "variance_contribution": d["variance_contribution"].sum(),
            "trend_variance": d["trend_variance"].sum() if trend else None,
            "trend_pct": float(np.sqrt(d["trend_variance"].sum())) if trend else None,
        }
        d = d.with_columns(pl.lit(base_year if trend else None, pl.Int32).alias("base_year"))
        tot = pl.DataFrame([total]).with_columns(pl.lit(base_year if trend else None, pl.Int32).alias("base_year"))
        out.append(pl.concat([d, tot], how="diagonal_relaxed"))
    res = pl.concat(out, how="diagonal_relaxed").with_columns(
        pl.col("category").replace_strict({**names, "TOTAL": "Total"}, default="", return_dtype=pl.String).alias("category_name"))
    return res.select(list(SCHEMA)).cast(SCHEMA)
