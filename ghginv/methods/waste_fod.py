"""Stage ``waste`` of ``ghginv compile``: CH4 from solid waste disposal (4.A) by first-order decay.

The activity contract is unchanged: one activity row per (year deposited, region, 4.A category,
waste type) with the wet mass deposited (any mass unit). When any factor set of the run has a
``waste_parameters.csv``, every cube cell under ``4.A`` is a deposit (:func:`split_deposits`);
:func:`fod_emissions` runs :func:`ghginv.methods.waste.first_order_decay` over each (region,
category, waste type) history and returns CH4 *emitted* in the reported years as rows of
``emissions.parquet`` (scope ``direct``, gas ``CH4``, ``emissions_t`` in t CH4; CO2e is added with
the other methods' rows by :func:`ghginv.pipeline.characterise.characterise`) and the parameter
rows used as rows of ``factors_used.parquet`` (kind ``waste_parameter``).

The ``[waste]`` table of the inventory TOML::

    [waste]
    climate_zone = "boreal_temperate_wet"   # selects k_<zone> (Table 3.3); required with 4.A data
    recovery = 0.0                          # fraction of CH4 generated that is recovered; or a
                                            # table by year: recovery = { 2022 = 0.2, 2023 = 0.2 }

A history must be complete: every year from the first deposit year of a series to the last
reported year needs a row (0 is a valid amount); a gap is an error that names the series and year.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ..core._frames import sum_by
from ..core.errors import ConfigError, MissingFactorError, Problem, ValidationError
from ..core.units import parse_unit
from ..factors.waste_params import CLIMATE_ZONES, resolve_waste_parameter
from .waste import first_order_decay

__all__ = ["split_deposits", "fod_emissions", "fod_for_recalc", "waste_settings", "has_waste_parameters", "is_deposit_sector"]

_PER_YEAR = ("doc", "docf", "mcf", "f", "ox")


def has_waste_parameters(sets) -> bool:
    """Whether any factor set has first-order decay parameters (a ``waste_parameters.csv``).

    Parameters
    ----------
    sets : list of FactorSet
        The run's factor sets.

    Returns
    -------
    bool
        True when 4.A rows are deposits for :func:`fod_emissions` rather than activity × factor rows.
    """
    return any(getattr(s, "waste_rules", None) for s in sets)


def is_deposit_sector(sector: str) -> bool:
    """Whether a sector is ``4.A`` or under it: the rows whose earlier years the cube must keep.

    Parameters
    ----------
    sector : str
        IPCC category code, e.g. ``4.A.1``.

    Returns
    -------
    bool
        True for ``4.A`` and every code under it.
    """
    return sector == "4.A" or sector.startswith("4.A.")


def _is_4a(sector: pl.Expr) -> pl.Expr:
    return (sector == "4.A") | sector.str.starts_with("4.A.")


def split_deposits(cells: pl.DataFrame, sets) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split cube cells into cells for activity × factor and 4.A deposit cells.

    All of 4.A are deposits only when a factor set has waste parameters (:func:`has_waste_parameters`).

    Parameters
    ----------
    cells : polars.DataFrame
        Cube cells (year, region, sector, activity, unit, amount [unit of the row], …).
    sets : list of FactorSet
        The run's factor sets.

    Returns
    -------
    tuple of polars.DataFrame
        ``(cells for activity × factor, 4.A deposit cells)``; without waste parameters, all cells
        and an empty frame.
    """
    if not has_waste_parameters(sets) or cells.height == 0:
        return cells, cells.clear()
    mask = _is_4a(pl.col("sector"))
    return cells.filter(~mask), cells.filter(mask)


def waste_settings(cfg) -> dict:
    """The ``[waste]`` table of the inventory TOML, checked.

    Parameters
    ----------
    cfg : ghginv.core.config.RunConfig
        The run's config (``cfg.extra["waste"]``).

    Returns
    -------
    dict
        ``climate_zone`` (str or None), ``recovery_default`` [fraction of CH4 generated] and
        ``recovery`` ({year: fraction}).

    Raises
    ------
    ConfigError
        An unknown key, an unknown climate zone, or a recovery that is not a fraction in [0, 1] or
        keyed by something other than a year.
    """
    raw = dict((getattr(cfg, "extra", None) or {}).get("waste", {}) or {})
    unknown = sorted(set(raw) - {"climate_zone", "recovery"})
    if unknown:
        raise ConfigError(f"[waste]: unknown key(s) {', '.join(unknown)}; known: climate_zone, recovery")
    zone = raw.get("climate_zone")
    if zone is not None and zone not in CLIMATE_ZONES:
        raise ConfigError(f"[waste] climate_zone = {zone!r} is not one of {', '.join(CLIMATE_ZONES)}")
    rec = raw.get("recovery", 0.0)
    table: dict[int, float] = {}
    if isinstance(rec, dict):
        for y, v in rec.items():
            if not str(y).isdigit():
                raise ConfigError(f"[waste] recovery: key {y!r} is not a year")
            table[int(y)] = v
        default = 0.0
    else:
        default = rec
    for v in [default, *table.values()]:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
            raise ConfigError(f"[waste] recovery must be a fraction in [0, 1], got {v!r}")
    return {"climate_zone": zone, "recovery_default": float(default), "recovery": {y: float(v) for y, v in table.items()}}


def _report_years(cfg, other_cells: pl.DataFrame, deposits: pl.DataFrame) -> list[int]:
    if cfg.years:
        return list(range(cfg.years[0], cfg.years[1] + 1))
    src = other_cells if other_cells.height else deposits
    return sorted(int(y) for y in src["year"].unique().to_list())


def _deposits_gg(deposits: pl.DataFrame) -> pl.DataFrame:
    units = deposits["unit"].unique().to_list()
    scale = {}
    for u in units:
        pu = parse_unit(u)
        if pu.dimension != "mass":
            ex = deposits.filter(pl.col("unit") == u).row(0, named=True)
            raise ValidationError(
                f"solid waste deposits must be a mass of waste (t, Gg, 10^4 t …); {ex['activity']!r} in {ex['sector']} "
                f"({ex['region']}, {ex['year']}) is in {u!r}")
        scale[u] = pu.scale / 1000.0  # t -> Gg
    gg = (pl.col("amount") * pl.col("unit").replace_strict(scale, return_dtype=pl.Float64)).alias("gg")
    # each group's rows added in table order (core._frames.sum_by): the same bits on every call
    return sum_by(deposits, ["region", "sector", "activity", "year"], [gg]).sort("region", "sector", "activity", "year")


def fod_emissions(deposits: pl.DataFrame, other_cells: pl.DataFrame, sets, cfg, keep_entity: bool = False):
    """CH4 emitted from solid waste disposal per reported year, by first-order decay.

    Runs :func:`ghginv.methods.waste.first_order_decay` over the whole deposit history of each
    (region, category, waste type), with DOC, DOCf, MCF, F, OX, k and the delay from the run's
    waste parameters (k of the ``[waste]`` climate zone, Vol 5 Table 3.3) and recovery from the
    ``[waste]`` table (module docstring).

    Parameters
    ----------
    deposits : polars.DataFrame
        4.A deposit cells (:func:`split_deposits`): wet mass deposited per year [any mass unit].
    other_cells : polars.DataFrame
        The other cube cells; their years are the reported years when ``cfg.years`` is not set.
    sets : list of FactorSet
        The run's factor sets, in precedence order.
    cfg : ghginv.core.config.RunConfig
        The run's config (``years``, ``[waste]``).
    keep_entity : bool, default False
        Add a null ``entity_id`` column to the emission rows.

    Returns
    -------
    emissions : polars.DataFrame
        Rows of ``emissions.parquet`` (scope ``direct``, gas ``CH4``, ``emissions_t`` [t CH4], no
        ``co2e_t``), one per reported year, region, category and waste type.
    factors_used : polars.DataFrame
        The waste parameter rows used (kind ``waste_parameter``), rows of ``factors_used.parquet``.
    summary : dict
        Number of series, first deposit year, climate zone and whether the history may be truncated.

    Raises
    ------
    ConfigError
        Deposits but no ``[waste] climate_zone``, or an invalid ``[waste]`` table.
    ValidationError
        A deposit that is not a mass, a year missing from a history, or k or the delay changing over
        the years.
    MissingFactorError
        A waste parameter the run's factor sets do not give.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 5 Ch 3,
       Eq 3.1 and Table 3.3.
    """
    from ..factors.trace import SCHEMA

    years = _report_years(cfg, other_cells, deposits)
    settings = waste_settings(cfg)
    dep = _deposits_gg(deposits)
    if settings["climate_zone"] is None:
        raise ConfigError(
            f"the activity data have solid waste deposits (4.A) but the inventory has no [waste] climate_zone; "
            f"set one of {', '.join(CLIMATE_ZONES)} (2006 IPCC GL Vol 5 Table 3.3) in the TOML, "
            f"or pass --climate-zone ZONE to ghginv compile")
    kname = f"k_{settings['climate_zone']}"
    versions = {s.name: s.version for s in sets}
    last = max(years) if years else None
    problems, missing = [], []
    em_rows, used_rows = [], []
    first_hist = {}
    for (region, sector, activity), g in dep.group_by("region", "sector", "activity", maintain_order=True):
        y0 = int(g["year"].min())
        first_hist[(region, sector, activity)] = y0
        if last is None or y0 > last:
            continue
        span = np.arange(y0, last + 1)
        have = dict(zip(g["year"].to_list(), g["gg"].to_list()))
        gaps = [int(y) for y in span if int(y) not in have]
        if gaps:
            problems.append(Problem(
                f"solid waste deposits of {activity!r} in {sector}, region {region}: no row for year(s) "
                f"{', '.join(map(str, gaps[:10]))}{' …' if len(gaps) > 10 else ''} (missing history year)",
                hint="give every year from the first deposit year to the last inventory year; use amount 0 for none"))
            continue
        rules = {}
        for p in (*_PER_YEAR, kname, "delay_months"):
            per = [resolve_waste_parameter(sets, p, region, sector, activity, int(y)) for y in span]
            if any(r is None for r in per):
                missing.append(Problem(f"no waste parameter {p!r} for {activity!r} in {sector}, region {region}, year "
                                       f"{int(span[[r is None for r in per].index(True)])} in the run's factor sets",
                                       hint="waste types with parameters in ipcc2006_waste: msw_food, msw_paper, msw_textiles, "
                                            "msw_wood, msw_garden, msw_bulk; add a waste_parameters.csv row for others"))
                break
            rules[p] = per
        if len(rules) < len(_PER_YEAR) + 2:
            continue
        vals = {p: np.array([r.value_norm for r in rs]) for p, rs in rules.items()}
        for p in (kname, "delay_months"):
            if np.ptp(vals[p]) != 0:
                problems.append(Problem(f"{p} of {activity!r} in {sector}, region {region} changes over the years; "
                                        "first-order decay needs one value per waste type"))
        w = np.array([have[int(y)] for y in span], dtype=np.float64)
        rec = np.array([settings["recovery"].get(int(y), settings["recovery_default"]) for y in span])
        res = first_order_decay(w * vals["doc"] * vals["docf"], span, 1.0, 1.0, vals["mcf"], vals["f"], vals[kname][-1],
                                vals["ox"], rec, vals["delay_months"][-1])
        set_name = "+".join(sorted({r.set_name for rs in rules.values() for r in rs}))
        for i, y in enumerate(span):
            if int(y) not in years:
                continue
            t = float(res.ch4_emitted[0, i]) * 1000.0
            em_rows.append((int(y), region, sector, activity, "CH4", t, set_name, "direct", int(y)))
            for p, rs in rules.items():
                r = rs[i]
                used_rows.append((int(y), region, sector, activity, "waste_parameter", p, r.set_name, versions.get(r.set_name, ""),
                                  int(y), r.value_norm, {"delay_months": "month"}.get(p, "1/yr" if p.startswith("k_") else "fraction"),
                                  r.status, r.source, r.source_locator, r.ref()))
    if problems:
        raise ValidationError("solid waste disposal (first-order decay) cannot run", problems)
    if missing:
        raise MissingFactorError("waste parameters missing", missing)
    em_schema = {"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String, "gas": pl.String,
                 "emissions_t": pl.Float64, "factor_set": pl.String, "scope": pl.String, "factor_year": pl.Int32}
    em = pl.DataFrame(em_rows, schema=em_schema, orient="row")
    if keep_entity:
        em = em.with_columns(pl.lit(None, pl.String).alias("entity_id"))
    used = pl.DataFrame(used_rows, schema=SCHEMA, orient="row")
    first = min(first_hist.values()) if first_hist else None
    summary = {"series": len(first_hist), "first_deposit_year": first, "climate_zone": settings["climate_zone"],
               "history_may_be_truncated": bool(cfg.years and first is not None and first >= cfg.years[0])}
    return em, used, summary


def fod_for_recalc(cells: pl.DataFrame, sets, cfg) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """For ``ghginv diff``: (cells for activity × factor, FOD emission rows or None) from a cached cube.

    Parameters
    ----------
    cells : polars.DataFrame
        Cube cells of a run (amounts per year, region, sector, activity, unit).
    sets : list of FactorSet
        The factor sets, in precedence order.
    cfg : ghginv.core.config.RunConfig
        The run's config (years, ``[waste]``; a recorded one: :meth:`~ghginv.core.config.RunConfig.from_dict`).

    Returns
    -------
    tuple
        The cells other than 4.A deposits, and the first-order decay emission rows (t CH4;
        IPCC 2006 Vol. 5 Ch. 3 Eq. 3.1) or None when there are no deposits.
    """
    other, dep = split_deposits(cells, sets)
    if not dep.height:
        return cells, None
    return other, fod_emissions(dep, other, sets, cfg)[0]
