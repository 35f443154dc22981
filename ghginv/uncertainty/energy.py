"""Energy consumption (tce) in the Monte Carlo: the draws carried through the energy indicators.

Energy in tonnes of standard coal is linear in the activity amount (:mod:`ghginv.analysis.energy`)::

    tce(cell) = amount × c(year, region, activity, unit)

where c is the cell's standard-coal coefficient (with NCV / density bridges). Each cube cell's tce
is one *energy term* whose only uncertain input is its activity source (year, sector, activity):
the same input, and in every iteration the same draw, as the emission terms of that source
(:mod:`ghginv.uncertainty.propagate`), so energy and emissions move together. Standard-coal, NCV and density
coefficients are treated as exact here; GDP, population and the non-fossil share of electricity
(economy table, which carries no uncertainty column) are exact too.

Per iteration the whole-area energy indicators follow :func:`ghginv.analysis.indicators.compute_indicators`:
gross, excluding feedstock, non-fossil (= electricity × share) and excluding feedstock and
non-fossil; an official ``energy_tce`` of the economy table replaces the gross total (exact) and
the computed feedstock is subtracted from it, as in the indicators.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ..core import categories
from ..core._frames import group_sum

__all__ = ["energy_terms", "energy_draws", "ENERGY_SERIES"]

ENERGY_SERIES = ("energy_gross_tce", "energy_excl_feedstock_tce", "energy_excl_feedstock_nonfossil_tce", "energy_nonfossil_tce")


def energy_terms(cells: pl.DataFrame, sets, year_fallback: str, settings) -> pl.DataFrame:
    """Energy consumption per cube cell group, as the energy terms of the Monte Carlo.

    The coefficient c of tce = amount × c comes from
    :func:`ghginv.analysis.energy.energy_consumption` itself, run on one unit amount per (year,
    region, activity) and unit, so the conventions (electricity method, biomass excluded,
    unconvertible activities left out) are exactly those of the run's indicators.

    Parameters
    ----------
    cells : polars.DataFrame or None
        Cube cells: year, region, sector, activity, unit, amount [unit of the row].
    sets : list of FactorSet
        The run's factor sets, in precedence order.
    year_fallback : {"none", "nearest"}
        Year fallback of the coefficient look-up.
    settings : IndicatorSettings
        Electricity method, coal-equivalent coefficients [gce/kWh], feedstock sectors and the
        ``[energy]`` table (the set giving each standard-coal coefficient).

    Returns
    -------
    polars.DataFrame
        year, sector, activity, fuel_class, feedstock, energy_tce [tce], summed over regions.
    """
    from ..analysis.energy import energy_consumption

    schema = {"year": pl.Int32, "sector": pl.String, "activity": pl.String, "fuel_class": pl.String,
              "feedstock": pl.Boolean, "energy_tce": pl.Float64}
    if cells is None or cells.height == 0:
        return pl.DataFrame(schema=schema)
    cells = cells.select(pl.col("year").cast(pl.Int32), "region", "sector", "activity", "unit", pl.col("amount").cast(pl.Float64))
    coefs = []
    for unit in sorted(cells["unit"].unique().to_list()):
        one = (cells.filter(pl.col("unit") == unit).select("year", "region", "activity").unique()
               .with_columns(pl.lit("1").alias("sector"), pl.lit(unit).alias("unit"), pl.lit(1.0).alias("amount")))
        res = energy_consumption(one, sets, year_fallback, settings.electricity_method,
                                 settings.coal_equivalent_gce_per_kwh, ("\x00",), settings.energy_sources)
        coefs.append(res.by_activity.select("year", "region", "activity", "fuel_class", pl.col("energy_tce").alias("_c"),
                                            pl.lit(unit).alias("unit")))
    coef = pl.concat(coefs) if coefs else None
    if coef is None or coef.height == 0:
        return pl.DataFrame(schema=schema)
    fs = tuple(settings.feedstock_sectors)
    sectors = cells["sector"].unique().to_list()
    feed = {s: categories.under(s, *fs) for s in sectors}  # as ghginv.analysis.energy
    rows = cells.join(coef, on=["year", "region", "activity", "unit"], how="inner").with_columns(
        (pl.col("amount") * pl.col("_c")).alias("energy_tce"),
        pl.col("sector").replace_strict(feed, return_dtype=pl.Boolean).alias("feedstock"),
    )
    out = group_sum(rows, ["year", "sector", "activity", "fuel_class", "feedstock"], ["energy_tce"])  # fixed summation order
    return out.select(list(schema)).cast(schema)


def energy_draws(et: pl.DataFrame, mult: np.ndarray, indicators: pl.DataFrame, all_region: str) -> dict[str, dict[int, np.ndarray]]:
    """Per energy series and year: the whole-area value in every iteration.

    Follows :func:`ghginv.analysis.indicators.compute_indicators`: gross, excluding feedstock,
    non-fossil (electricity × the run's non-fossil share) and excluding feedstock and non-fossil; an
    official ``energy_tce`` replaces the gross total (exact).

    Parameters
    ----------
    et : polars.DataFrame
        The energy terms of :func:`energy_terms` (energy_tce [tce]).
    mult : numpy.ndarray
        Multiplier of each energy term per iteration (draws × terms) [-].
    indicators : polars.DataFrame
        The run's indicators table (official gross energy, non-fossil energy).
    all_region : str
        The whole-area region code (``ALL``).

    Returns
    -------
    dict of str to dict of int to numpy.ndarray
        Series name (:data:`ENERGY_SERIES`) -> year -> value per iteration [tce], shape (draws,).
    """
    ind = indicators.filter(pl.col("region") == all_region)

    def series(name: str) -> dict[int, float]:
        s = ind.filter(pl.col("indicator") == name)
        return dict(zip(s["year"].to_list(), s["value"].to_list()))

    official = dict(ind.filter(pl.col("indicator") == "energy_gross_tce", pl.col("origin") == "official").select("year", "value").rows())
    nonfossil = series("energy_nonfossil_tce")
    e = et["energy_tce"].to_numpy()
    years = et["year"].to_numpy()
    feed = et["feedstock"].to_numpy()
    elec = (et["fuel_class"] == "electricity").to_numpy()
    out: dict[str, dict[int, np.ndarray]] = {k: {} for k in ENERGY_SERIES}
    for y in sorted(set(years.tolist())):
        in_y = years == y
        gross = mult[:, in_y] @ e[in_y]
        fd = mult[:, in_y & feed] @ e[in_y & feed]
        el = mult[:, in_y & elec] @ e[in_y & elec]
        el0 = float(e[in_y & elec].sum())
        if y in official:
            gross = np.full(mult.shape[0], float(official[y]))
        share = nonfossil[y] / el0 if y in nonfossil and el0 > 0 else (0.0 if el0 == 0 and y in nonfossil else np.nan)
        nf = el * share
        out["energy_gross_tce"][y] = gross
        out["energy_excl_feedstock_tce"][y] = gross - fd
        out["energy_nonfossil_tce"][y] = nf
        out["energy_excl_feedstock_nonfossil_tce"][y] = gross - fd - nf
    return out
