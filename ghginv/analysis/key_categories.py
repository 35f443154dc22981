"""Key category analysis, Approach 1 (2006 IPCC GL Vol 1 Ch 4).

Categories are taken at one depth of the IPCC tree (default 4, e.g. ``1.A.4.b``; a shallower
code with no children at that depth counts as itself), per gas, over the whole inventory (all
regions together: the reporting entity), direct emissions and removals.

Level assessment, Eq 4.1::

    L_x,t = |E_x,t| / Σ_y |E_y,t|

Trend assessment against the base year 0, Eq 4.2::

    T_x,t = (|E_x,0| / Σ_y |E_y,0|) × | (E_x,t − E_x,0) / |E_x,0|  −  (Σ_y E_y,t − Σ_y E_y,0) / |Σ_y E_y,0| |

(for a category with E_x,0 = 0 the first ratio is taken as |E_x,t| / Σ|E_y,0|, its whole
emissions being new). Categories are sorted by their share (T normalised by Σ T for the trend)
and are *key* until the cumulative share reaches 95 %: the category that crosses the threshold is
key too. Removals enter by absolute value.

Approach 2 (Vol 1 Ch 4 §4.3.2), when an uncertainty table is given
(:mod:`ghginv.uncertainty.propagate`): each category's level and trend assessment is weighted by its
relative uncertainty U_x,t (Monte Carlo 95 % half-width, or Approach 1 where the draws give none)::

    LU_x,t = L_x,t × U_x,t          TU_x,t = T_x,t × U_x,t

normalised to shares and key until the cumulative share reaches 90 % (assessments
``level_approach2`` and ``trend_approach2``; column ``uncertainty_pct``). A category without
uncertainty (exact inputs, e.g. sinks without parameter ranges) has weight 0.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ..core import categories
from ..core._frames import group_sum, group_sum_codes

__all__ = ["key_categories", "level_assessment", "THRESHOLD"]

THRESHOLD = 0.95
THRESHOLD_APPROACH2 = 0.90
SCHEMA = {
    "assessment": pl.String, "year": pl.Int32, "base_year": pl.Int32, "category": pl.String,
    "category_name": pl.String, "gas": pl.String, "co2e_t": pl.Float64, "base_co2e_t": pl.Float64,
    "share": pl.Float64, "cumulative": pl.Float64, "rank": pl.Int32, "key": pl.Boolean,
    "uncertainty_pct": pl.Float64,
}


def _cumulate(shares: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Order by share (desc), cumulative sums, and the key flags (up to and incl. the crossing)."""
    order = np.argsort(-shares, kind="stable")
    cum = np.cumsum(shares[order])
    key = np.zeros(shares.size, bool)
    crossing = int(np.searchsorted(cum, threshold - 1e-12)) if shares.size else 0
    key[: min(crossing + 1, shares.size)] = True
    return order, cum, key


def level_assessment(values: np.ndarray, threshold: float = THRESHOLD):
    r"""Level assessment (Eq 4.1) on plain numbers.

    .. math::

        L_x = |E_x| / \sum_y |E_y|

    Categories are sorted by share (descending) and are key up to and including the one whose
    cumulative share reaches ``threshold``.

    Parameters
    ----------
    values : numpy.ndarray
        Emissions or removals per category [t CO2e]; removals enter by absolute value.
    threshold : float, default :data:`THRESHOLD` (0.95)
        Cumulative share up to which categories are key [fraction].

    Returns
    -------
    order : numpy.ndarray
        Indices of ``values`` in descending order of share.
    share : numpy.ndarray
        Level shares in that order [fraction]; all 0 when every value is 0.
    cumulative : numpy.ndarray
        Cumulative shares in that order [fraction].
    key : numpy.ndarray of bool
        Key flags in that order.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1 Ch 4,
       Eq 4.1 (Approach 1, level assessment).
    """
    a = np.abs(np.asarray(values, dtype=float))
    total = a.sum()
    share = a / total if total > 0 else np.zeros_like(a)
    order, cum, key = _cumulate(share, threshold)
    return order, share[order], cum, key


def _at_depth(inventory: pl.DataFrame, depth: int, codes: dict | None = None) -> pl.DataFrame:
    """Direct rows at ``depth``, plus shallower codes that have nothing below them; all regions.

    Only the four columns summed are gathered (lazily, in one pass over the inventory's rows that
    are kept), not a copy of every column of the direct rows: the rows, their order and so the
    sums are those of filtering the whole frame. ``codes``: the inventory's scope, category and gas
    as (sorted values, integer code per row) (``InventoryResult.key_codes``): the rows are then
    chosen and grouped on them, with the same rows, groups, order and sums.
    """
    if codes is not None and not inventory["year"].has_nulls():  # (a year is never null in an inventory)
        return _at_depth_coded(inventory, depth, codes)
    direct = (pl.col("scope") == "direct") & (pl.col("level") >= 1) & pl.col("notation_key").is_null()
    codes = set(inventory.lazy().filter(direct).select(pl.col("category").unique()).collect()["category"].to_list())
    parents = {".".join(c.split(".")[:n]) for c in codes for n in range(1, categories.level(c))}
    keep = sorted(c for c in codes if categories.level(c) == depth or (categories.level(c) < depth and c not in parents))
    rows = inventory.lazy().filter(direct & pl.col("category").is_in(keep)).select("year", "category", "gas", "co2e_t").collect()
    return group_sum(rows, ["year", "category", "gas"], ["co2e_t"])


def _at_depth_coded(inventory: pl.DataFrame, depth: int, codes: dict) -> pl.DataFrame:
    """:func:`_at_depth` from the inventory's key codes: the direct rows and their categories are found on the
    codes, and the rows kept are grouped by (year, category code, gas code), whose order is that of the strings
    (each vocabulary is sorted), adding each group's rows in table order: the same rows and sums."""
    scope_vals, scope = codes["scope"]
    cat_vals, cat = codes["category"]
    gas_vals, gas = codes["gas"]
    direct = np.zeros(len(scope_vals) + 1, bool)
    direct[[i for i, v in enumerate(scope_vals) if v == "direct"]] = True
    lv = inventory.select(((pl.col("level") >= 1) & pl.col("notation_key").is_null()).fill_null(False)).to_series().to_numpy()
    is_direct = direct[scope] & lv
    present = np.flatnonzero(np.bincount(cat[is_direct].astype(np.int64), minlength=len(cat_vals) + 1)[:len(cat_vals)])
    found = {cat_vals[i] for i in present.tolist()}
    parents = {".".join(c.split(".")[:n]) for c in found for n in range(1, categories.level(c))}
    keep = np.zeros(len(cat_vals) + 1, bool)
    keep[[i for i in present.tolist() if categories.level(cat_vals[i]) == depth
          or (categories.level(cat_vals[i]) < depth and cat_vals[i] not in parents)]] = True
    rows = np.flatnonzero(is_direct & keep[cat])
    df = inventory.select("year", "category", "gas", "co2e_t")
    if not rows.size:
        return df.clear()
    year = inventory["year"].to_numpy().astype(np.int64)[rows]
    return group_sum_codes(df, ["year", "category", "gas"], ["co2e_t"],
                           [year, cat[rows].astype(np.int64), gas[rows].astype(np.int64)], rows=rows)[0]


def key_categories(inventory: pl.DataFrame, depth: int = 4, base_year: int | None = None, threshold: float = THRESHOLD,
                   uncertainty: pl.DataFrame | None = None, codes: dict | None = None) -> pl.DataFrame:
    r"""Key category analysis: level assessment per year, trend assessment against ``base_year``.

    Categories are taken at ``depth`` of the IPCC tree (a shallower code with no children there
    counts as itself), per gas, over all regions together, direct emissions and removals. Level
    (Eq 4.1) and trend (Eq 4.2) assessments of Approach 1 (module docstring)

    .. math::

        L_{x,t} = \frac{|E_{x,t}|}{\sum_y |E_{y,t}|}, \qquad
        T_{x,t} = \frac{|E_{x,0}|}{\sum_y |E_{y,0}|}
                  \left| \frac{E_{x,t} - E_{x,0}}{|E_{x,0}|} - \frac{\sum_y E_{y,t} - \sum_y E_{y,0}}{|\sum_y E_{y,0}|} \right|

    are key until the cumulative share reaches ``threshold``. With ``uncertainty``, Approach 2
    (§4.3.2) adds assessments ``level_approach2`` and ``trend_approach2``: the shares weighted by
    each category's relative uncertainty, key until 90 %.

    Parameters
    ----------
    inventory : polars.DataFrame
        The rolled-up inventory (``inventory.parquet``: year, scope, category, level, gas,
        co2e_t [t CO2e], notation_key).
    depth : int, default 4
        Category depth of the analysis (e.g. 4: ``1.A.4.b``).
    base_year : int, optional
        Base year of the trend assessment; without it, level assessment only.
    threshold : float, default :data:`THRESHOLD` (0.95)
        Cumulative share up to which categories are key in Approach 1 [fraction].
    uncertainty : polars.DataFrame, optional
        ``uncertainty.parquet`` (:func:`ghginv.uncertainty.propagate.analyse`): the Monte Carlo
        95 % half-width [%], else Approach 1, per year, category and gas, for Approach 2.
    codes : dict, optional
        The inventory's ``scope``, ``category`` and ``gas`` as (sorted distinct values, integer code
        per row; the value count for null) (``InventoryResult.key_codes``): the rows are chosen and
        grouped on them instead of on the strings (the same table).

    Returns
    -------
    polars.DataFrame
        One row per assessment, year, category and gas: ``co2e_t`` and ``base_co2e_t`` [t CO2e],
        ``share`` and ``cumulative`` [fraction], ``rank``, ``key`` and ``uncertainty_pct`` [%]
        (Approach 2).

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1 Ch 4,
       Eqs 4.1–4.2 (Approach 1) and §4.3.2 (Approach 2).
    """
    data = _at_depth(inventory, depth, codes)
    out = []
    years = sorted(data["year"].unique().to_list())
    for y in years:
        d = data.filter(pl.col("year") == y).sort("category", "gas")
        order, share, cum, key = level_assessment(d["co2e_t"].to_numpy(), threshold)
        out.append(
            d[order].with_columns(
                pl.lit("level").alias("assessment"), pl.lit(None, pl.Int32).alias("base_year"),
                pl.lit(None, pl.Float64).alias("base_co2e_t"), pl.Series("share", share),
                pl.Series("cumulative", cum), pl.Series("rank", np.arange(1, len(order) + 1)), pl.Series("key", key),
            )
        )
        if base_year is not None and y > base_year and base_year in years:
            b = data.filter(pl.col("year") == base_year).select("category", "gas", pl.col("co2e_t").alias("base_co2e_t"))
            t = d.join(b, on=["category", "gas"], how="full", coalesce=True).with_columns(
                pl.col("co2e_t").fill_null(0.0), pl.col("base_co2e_t").fill_null(0.0), pl.lit(y).alias("year")
            ).sort("category", "gas")
            e0, e1 = t["base_co2e_t"].to_numpy(), t["co2e_t"].to_numpy()
            s0 = np.abs(e0).sum()
            tot0, tot1 = e0.sum(), e1.sum()
            total_change = (tot1 - tot0) / abs(tot0) if tot0 != 0 else 0.0
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.where(e0 != 0, (e1 - e0) / np.abs(e0), 0.0)
            trend = np.where(e0 != 0, np.abs(e0) / s0 * np.abs(rel - total_change), np.abs(e1) / s0) if s0 > 0 else np.zeros_like(e0)
            tshare = trend / trend.sum() if trend.sum() > 0 else trend
            order, cum, key = _cumulate(tshare, threshold)
            out.append(
                t[order].with_columns(
                    pl.lit("trend").alias("assessment"), pl.lit(base_year).alias("base_year"),
                    pl.Series("share", tshare[order]), pl.Series("cumulative", cum),
                    pl.Series("rank", np.arange(1, len(order) + 1)), pl.Series("key", key),
                )
            )
    if not out:
        return pl.DataFrame(schema=SCHEMA)
    names = {**categories.categories()}
    out = [o.with_columns(pl.lit(None, pl.Float64).alias("uncertainty_pct")) for o in out]
    if uncertainty is not None and uncertainty.height:
        out += _approach2(out, uncertainty)
    res = pl.concat([o.select([c for c in SCHEMA if c != "category_name"]).cast({k: v for k, v in SCHEMA.items() if k != "category_name"}) for o in out])
    return res.with_columns(pl.col("category").replace_strict(names, default="").alias("category_name")).select(list(SCHEMA)).cast(SCHEMA)


def _approach2(approach1: list[pl.DataFrame], uncertainty: pl.DataFrame, threshold: float = THRESHOLD_APPROACH2) -> list[pl.DataFrame]:
    """Approach 2: Approach 1 shares weighted by the category's uncertainty (see module doc)."""
    u = uncertainty.filter(pl.col("scope") == "direct", pl.col("gas") != "ALL").select(
        "year", "category", "gas",
        pl.when(pl.col("half_width_pct").is_finite()).then(pl.col("half_width_pct")).otherwise(pl.col("approach1_pct")).fill_null(0.0)
        .fill_nan(0.0).alias("u"),
    )
    out = []
    for a in approach1:
        d = a.drop("uncertainty_pct").join(u, on=["year", "category", "gas"], how="left").with_columns(pl.col("u").fill_null(0.0))
        w = d["share"].to_numpy() * d["u"].to_numpy()
        share = w / w.sum() if w.sum() > 0 else w
        order, cum, key = _cumulate(share, threshold)
        out.append(
            d[order].with_columns(
                (pl.col("assessment") + "_approach2").alias("assessment"), pl.Series("share", share[order]),
                pl.Series("cumulative", cum), pl.Series("rank", np.arange(1, len(order) + 1)), pl.Series("key", key),
                pl.col("u").alias("uncertainty_pct"),
            ).drop("u")
        )
    return out
