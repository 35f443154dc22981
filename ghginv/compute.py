"""Kernels stage: from cube cells and resolved factors to emissions per cell and gas.

For every cube cell (year, region, sector, activity, unit[, entity]) and every gas resolved for
its (year, region, sector, activity)::

    emissions_t = amount × scale(unit → base) × conv × factor_t_per_base      (kernel: energy.py)
    co2e_t      = emissions_t × GWP[gas]                                       (CO2 = 1)

``conv`` bridges dimensions with the cell's resolved conversions: mass ↔ energy through the net
calorific value, volume ↔ mass through density, volume ↔ energy through a volumetric NCV (or a
mass NCV and density). Work is per distinct unit or cell, vectorised; the arithmetic is a numba
kernel over plain arrays.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ._frames import group_sum, sort_stable
from .errors import ConversionError, Problem, UnknownGwpError
from .factors import FactorSet, Resolution, resolve
from .gwp import gwp_table
from .kernels.energy import activity_emissions
from .units import parse_unit

__all__ = ["compute_emissions", "conversion_path", "activity_classes", "CELL_KEYS"]

CELL_KEYS = ["year", "region", "sector", "activity"]


def conversion_path(act_dim: str, fac_dim: str, ncv_dim: str | None, has_density: bool) -> tuple[int, int] | None:
    """Powers (ncv, density) that turn an amount in ``act_dim`` into the factor's ``fac_dim``.

    ``ncv_dim`` is the denominator dimension of the resolved NCV (``mass``: GJ/t, ``volume``:
    GJ/m^3) or None. Returns None when no path exists.
    """
    if act_dim == fac_dim:
        return (0, 0)
    d = has_density
    table = {
        ("mass", "energy"): {"mass": (1, 0), "volume": (1, -1) if d else None},
        ("volume", "energy"): {"volume": (1, 0), "mass": (1, 1) if d else None},
        ("energy", "mass"): {"mass": (-1, 0), "volume": (-1, 1) if d else None},
        ("energy", "volume"): {"volume": (-1, 0), "mass": (-1, -1) if d else None},
    }
    if (act_dim, fac_dim) in table:
        return table[(act_dim, fac_dim)].get(ncv_dim)
    if (act_dim, fac_dim) == ("volume", "mass"):
        return (0, 1) if d else None
    if (act_dim, fac_dim) == ("mass", "volume"):
        return (0, -1) if d else None
    return None


def with_unit_columns(rows: pl.DataFrame) -> pl.DataFrame:
    """Add ``unit_scale`` (reported unit -> base unit) and ``act_dim`` (its dimension), parsing
    each distinct unit string once."""
    units = {u: parse_unit(u) for u in rows["unit"].unique().to_list()}
    return rows.with_columns(
        pl.col("unit").replace_strict({u: p.scale for u, p in units.items()}, return_dtype=pl.Float64).alias("unit_scale"),
        pl.col("unit").replace_strict({u: p.dimension for u, p in units.items()}, return_dtype=pl.String).alias("act_dim"),
    )


def activity_classes(sets: list[FactorSet]) -> dict[str, str]:
    """activity -> fuel_class, from the sets' activities.csv, the first set that lists it wins."""
    out: dict[str, str] = {}
    for fs in sets:
        for code, meta in fs.activities.items():
            out.setdefault(code, meta["fuel_class"])
    return out


def _scope(activity: pl.Expr, gas: pl.Expr, classes: dict[str, str]) -> pl.Expr:
    cls = activity.replace_strict(classes, default="other", return_dtype=pl.String)
    return (
        pl.when((cls == "biomass") & (gas == "CO2"))
        .then(pl.lit("memo"))
        .when(cls.is_in(["electricity", "heat"]))
        .then(pl.lit("indirect"))
        .otherwise(pl.lit("direct"))
    )


def compute_emissions(cube_cells: pl.DataFrame, sets: list[FactorSet], gwp: str, year_fallback: str = "none", keep_entity: bool = False):
    """Emissions per cube cell and gas.

    Returns ``(emissions, detail, resolution, cells)``: ``emissions`` is one row per (year,
    region, sector, activity[, entity_id], gas) summed over units; ``detail`` one row per cube
    cell and gas (with the unit and the factor used); ``cells`` the distinct resolution cells.
    """
    gwps = gwp_table(gwp)
    cells = sort_stable(cube_cells.select(CELL_KEYS).unique(), CELL_KEYS).with_row_index("cell_id").with_columns(pl.col("cell_id").cast(pl.Int64))
    res: Resolution = resolve(cells, sets, year_fallback)

    rows = cube_cells.join(cells, on=CELL_KEYS, how="left").join(res.factors, on="cell_id", how="inner")

    rows = with_unit_columns(rows)

    conv = res.conversions
    ncv = conv.filter(pl.col("quantity") == "ncv").select(
        "cell_id", pl.col("value_norm").alias("ncv"), pl.col("den_dim").alias("ncv_dim"), pl.col("rule_id").alias("ncv_rule")
    )
    dens = conv.filter(pl.col("quantity") == "density").select(
        "cell_id", pl.col("value_norm").alias("density"), pl.col("rule_id").alias("density_rule")
    )
    rows = rows.join(ncv, on="cell_id", how="left").join(dens, on="cell_id", how="left")

    combos = rows.select("act_dim", "den_dim", "ncv_dim", pl.col("density").is_not_null().alias("has_d")).unique()
    paths = []
    for c in combos.iter_rows(named=True):
        p = conversion_path(c["act_dim"], c["den_dim"], c["ncv_dim"], c["has_d"])
        paths.append({**c, "ok": p is not None, "ncv_pow": p[0] if p else 0, "dens_pow": p[1] if p else 0})
    path_df = pl.DataFrame(
        paths,
        schema={"act_dim": pl.String, "den_dim": pl.String, "ncv_dim": pl.String, "has_d": pl.Boolean, "ok": pl.Boolean, "ncv_pow": pl.Int8, "dens_pow": pl.Int8},
    )
    rows = rows.with_columns(pl.col("density").is_not_null().alias("has_d")).join(
        path_df, on=["act_dim", "den_dim", "ncv_dim", "has_d"], how="left", nulls_equal=True
    )
    bad = rows.filter(~pl.col("ok"))
    if bad.height:
        rules = res.rules
        problems = []
        seen = set()
        for r in bad.sort("activity", "unit", "year", "region", "sector", "gas").iter_rows(named=True):
            rule = rules[r["rule_id"]]
            if (r["activity"], r["unit"], rule.set_name, rule.den_dim) in seen:
                continue
            seen.add((r["activity"], r["unit"], rule.set_name, rule.den_dim))
            need = {
                frozenset({"mass", "energy"}): "an ncv (net calorific value) per mass",
                frozenset({"volume", "energy"}): "an ncv per volume (or an ncv per mass and a density)",
                frozenset({"volume", "mass"}): "a density",
            }.get(frozenset({r["act_dim"], r["den_dim"]}), f"no conversion exists between {r['act_dim']} and {r['den_dim']}")
            problems.append(
                Problem(
                    f"activity {r['activity']!r} in {r['unit']!r} ({r['act_dim']}) cannot meet factor unit {rule.unit!r} "
                    f"({rule.where()}, set {rule.set_name!r}): needs {need}, none found in the run's sets "
                    f"(e.g. year {r['year']}, region {r['region']}, sector {r['sector']})",
                    hint="report the activity in a unit of the factor's dimension, or add a conversions.csv row",
                )
            )
        raise ConversionError("unit dimensions do not match and no conversion bridges them", problems)

    missing_gwp = sorted(set(rows["gas"].unique().to_list()) - set(gwps))
    if missing_gwp:
        raise UnknownGwpError(f"GWP set {gwp!r} has no value for {', '.join(missing_gwp)}; choose another GWP set")

    emis = activity_emissions(
        rows["amount"].to_numpy(),
        rows["unit_scale"].to_numpy(),
        rows["ncv"].fill_null(np.nan).to_numpy(),
        rows["ncv_pow"].to_numpy(),
        rows["density"].fill_null(np.nan).to_numpy(),
        rows["dens_pow"].to_numpy(),
        rows["value_norm"].to_numpy(),
    )
    set_names = [s.name for s in sets]
    classes = activity_classes(sets)
    detail = rows.with_columns(
        pl.Series("emissions_t", emis),
        pl.col("gas").replace_strict(gwps, return_dtype=pl.Float64).alias("gwp"),
        pl.col("set_rank").replace_strict(dict(enumerate(set_names)), return_dtype=pl.String).alias("factor_set"),
        _scope(pl.col("activity"), pl.col("gas"), classes).alias("scope"),
    ).with_columns((pl.col("emissions_t") * pl.col("gwp")).alias("co2e_t"))

    keys = CELL_KEYS + (["entity_id"] if keep_entity else []) + ["gas"]
    emissions = (
        group_sum(detail, keys + ["factor_set", "scope", "factor_year"], ["emissions_t", "co2e_t"])
        .select(
            pl.col("year").cast(pl.Int32), "region", "sector", "activity",
            *(["entity_id"] if keep_entity else []),
            "gas", "emissions_t", "co2e_t", "factor_set", "scope", pl.col("factor_year").cast(pl.Int32),
        )
    )
    emissions = sort_stable(emissions, keys)
    return emissions, detail, res, cells
