"""Kernels stage: from cube cells and resolved factors to emissions per cell and gas.

For every cube cell (year, region, sector, activity, unit[, entity]) and every gas resolved for
its (year, region, sector, activity)::

    emissions_t = amount × scale(unit → base) × conv × factor_t_per_base      (kernel: emissions.py)

in tonnes of the gas; CO2e is added after the rows of every method are merged
(:func:`ghginv.pipeline.characterise.characterise`).

``conv`` bridges dimensions with the cell's resolved conversions: mass ↔ energy through the net
calorific value, volume ↔ mass through density, volume ↔ energy through a volumetric NCV (or a
mass NCV and density). Work is per distinct unit or cell, vectorised; the arithmetic is a numba
kernel over plain arrays.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ..core._frames import _rank_codes, _sorted_groups, dense_ids, encode, sort_stable
from ..core.errors import ConversionError, Problem
from ..core.units import parse_unit
from ..factors import FactorSet, Resolution, resolve
from ..kernels.emissions import activity_emissions

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


def _strings(values: list, codes: np.ndarray, name: str) -> pl.Series:
    """A String column from a small list of distinct values and a code per row."""
    return pl.Series(name, values, dtype=pl.String).gather(codes)


def _nullable(name: str, values: np.ndarray, valid: np.ndarray) -> pl.Series:
    """A column that is null where not ``valid``."""
    import pyarrow as pa

    return pl.Series(name, pa.array(values, mask=~valid))


def _scope_codes(act_names: list[str], gas_names: list[str], classes: dict[str, str]) -> np.ndarray:
    """Scope code (index into SCOPES) per (activity, gas): biomass CO2 is a memo item, purchased
    electricity and heat are indirect, the rest direct."""
    out = np.zeros((len(act_names), len(gas_names)), np.int64)
    for i, a in enumerate(act_names):
        cls = classes.get(a, "other")
        for j, g in enumerate(gas_names):
            out[i, j] = 2 if cls == "biomass" and g == "CO2" else 1 if cls in ("electricity", "heat") else 0
    return out


SCOPES = ["direct", "indirect", "memo"]


def compute_emissions(cube_cells: pl.DataFrame, sets: list[FactorSet], year_fallback: str = "none", keep_entity: bool = False,
                      full_detail: bool = True, index: dict | None = None):
    """Emissions per cube cell and gas, in tonnes of the gas (``emissions_t``; no CO2e).

    Returns ``(emissions, detail, resolution, cells)``: ``emissions`` is one row per (year,
    region, sector, activity[, entity_id], gas) summed over units; ``detail`` one row per cube
    cell and gas (with the unit and the factor used); ``cells`` the distinct resolution cells.
    With ``full_detail=False`` the detail holds only what :func:`ghginv.factors.trace.factors_used` reads
    (cell_id, ncv_pow, dens_pow, emissions_t): the full one copies every key string to
    each (cell, gas) row, the largest cost of this stage when nothing else needs it. A dict passed
    as ``index`` receives the positions that tie cube rows, factor rows and emission rows together
    (what :mod:`ghginv.pipeline.positions` keeps to recompute with new values without resolving again).

    Every key is handled as an integer code: the cube's rows get a cell number from their
    (year, region, sector, activity) codes, factors are resolved once per cell, and each cube row
    meets its cell's factor rows by position (the factor rows of a cell are contiguous), so no
    join on strings runs; sums per (cell, gas) add the rows in cube order.
    """
    n = cube_cells.height
    enc = {k: encode(cube_cells[k]) for k in ("region", "sector", "activity", "unit")}
    cell_of, first = dense_ids([_rank_codes(cube_cells["year"]), enc["region"][1], enc["sector"][1], enc["activity"][1]])
    ncells = first.size
    cells = cube_cells.select(CELL_KEYS)[first].select(pl.Series("cell_id", np.arange(ncells, dtype=np.int64)), *CELL_KEYS)
    res: Resolution = resolve(cells, sets, year_fallback)

    # factor rows (sorted by cell, gas) -> one detail row per cube row and factor row of its cell
    fac = res.factors
    fcell = fac["cell_id"].to_numpy()
    if fcell.size > 1 and (np.diff(fcell) < 0).any():
        fac = sort_stable(fac, ["cell_id", "gas"])
        fcell = fac["cell_id"].to_numpy()
    counts = np.bincount(fcell, minlength=ncells)
    fstart = np.zeros(ncells + 1, np.int64)
    np.cumsum(counts, out=fstart[1:])
    rep = counts[cell_of]
    row = np.repeat(np.arange(n, dtype=np.int64), rep)
    fidx = np.arange(row.size, dtype=np.int64) - np.repeat(np.cumsum(rep) - rep - fstart[cell_of], rep)
    dcell = fcell[fidx]

    # dimensions as small codes (0 = none); units parsed once each
    dims: list = [None]

    def dim_codes(names) -> np.ndarray:
        for d in names:
            if d not in dims:
                dims.append(d)
        return np.array([dims.index(d) for d in names], dtype=np.int64)

    unit_names, ucode = enc["unit"]
    parsed = [parse_unit(u) for u in unit_names]
    unit_scale = np.array([p.scale for p in parsed], dtype=np.float64)[ucode]
    act_dim = dim_codes([p.dimension for p in parsed])[ucode]
    den_names, den_code = encode(fac["den_dim"])
    den_dim = dim_codes(den_names)[den_code]
    gas_names, gas_code = encode(fac["gas"])

    # the cell's resolved conversions (ncv, density) as arrays indexed by cell
    conv = res.conversions
    ccell = conv["cell_id"].to_numpy()
    cval = conv["value_norm"].to_numpy()
    crule = conv["rule_id"].to_numpy()
    cden_names, cden_code = encode(conv["den_dim"])
    cden = dim_codes(cden_names)[cden_code]
    quantity = conv["quantity"].to_numpy()
    per_cell = {}
    for q in ("ncv", "density"):
        m = quantity == q
        val, dim, rule, has = np.full(ncells, np.nan), np.zeros(ncells, np.int64), np.full(ncells, -1, np.int64), np.zeros(ncells, bool)
        val[ccell[m]], dim[ccell[m]], rule[ccell[m]], has[ccell[m]] = cval[m], cden[m], crule[m], True
        per_cell[q] = (val, dim, rule, has)

    # conversion path per distinct (activity dim, factor dim, ncv dim, has density)
    k = len(dims)
    has_d = per_cell["density"][3][dcell]
    ncv_dim = per_cell["ncv"][1][dcell]
    combo = ((act_dim[row] * k + den_dim[fidx]) * k + ncv_dim) * 2 + has_d
    ok_t = np.zeros(k * k * k * 2, bool)
    npow_t = np.zeros(k * k * k * 2, np.int8)
    dpow_t = np.zeros(k * k * k * 2, np.int8)
    for c in np.flatnonzero(np.bincount(combo, minlength=ok_t.size)):
        c = int(c)
        p = conversion_path(dims[c // (2 * k * k)], dims[c // (2 * k) % k], dims[c // 2 % k], bool(c % 2))
        if p is not None:
            ok_t[c], npow_t[c], dpow_t[c] = True, p[0], p[1]
    ok = ok_t[combo]
    if not ok.all():
        bad = np.flatnonzero(~ok)
        frame = cube_cells.select("year", "region", "sector", "activity", "unit")[row[bad]].with_columns(
            _strings(gas_names, gas_code[fidx[bad]], "gas"), pl.Series("rule_id", fac["rule_id"].to_numpy()[fidx[bad]]),
            pl.Series("act_dim", [dims[i] for i in act_dim[row[bad]]], dtype=pl.String),
        )
        _conversion_error(frame, res.rules)

    amount = cube_cells["amount"].to_numpy()[row]
    ncv, density = per_cell["ncv"][0][dcell], per_cell["density"][0][dcell]
    ncv_pow, dens_pow = npow_t[combo], dpow_t[combo]
    value = fac["value_norm"].to_numpy()[fidx]
    emis = activity_emissions(amount, unit_scale[row], ncv, ncv_pow, density, dens_pow, value)

    set_names = [s.name for s in sets]
    act_names = enc["activity"][0]
    scope_t = _scope_codes(act_names, gas_names, activity_classes(sets))
    fscope = scope_t[enc["activity"][1][first][fcell], gas_code]
    fset = fac["set_rank"].to_numpy()

    # sums per (cell[, entity], gas), adding the cube rows in their order
    ent = None
    if keep_entity:
        ent_names, ent_code = encode(cube_cells["entity_id"])
        order, change = _sorted_groups([dcell, ent_code[row], fidx])
        starts = np.flatnonzero(change)
        gf = fidx[order[starts]]
        ent = _strings(ent_names + [None], ent_code[row[order[starts]]], "entity_id")
        e_sum = np.add.reduceat(emis[order], starts)
    else:
        gf = np.arange(fcell.size)
        e_sum = np.bincount(fidx, weights=emis, minlength=fcell.size)
    emissions = cells[fcell[gf]].select(
        pl.col("year").cast(pl.Int32), "region", "sector", "activity",
        *([ent] if keep_entity else []),
        _strings(gas_names, gas_code[gf], "gas"), pl.Series("emissions_t", e_sum, pl.Float64),
        _strings(set_names, fset[gf], "factor_set"), _strings(SCOPES, fscope[gf], "scope"),
        fac["factor_year"].gather(gf).cast(pl.Int32),
    )

    if index is not None:
        index.update(
            det_row=row, det_f=fidx, ncv_pow=ncv_pow, dens_pow=dens_pow, unit_scale=unit_scale, f_cell=fcell,
            f_rule=fac["rule_id"].to_numpy(), f_rule2=fac["rule2_id"].fill_null(-1).to_numpy(), f_gas=gas_code,
            gas_names=np.array(gas_names, dtype=str), cell_ncv_rule=per_cell["ncv"][2], cell_dens_rule=per_cell["density"][2],
            **({"em_order": order, "em_starts": starts} if keep_entity else {}),
        )
    if not full_detail:
        detail = pl.DataFrame([pl.Series("cell_id", dcell), pl.Series("ncv_pow", ncv_pow), pl.Series("dens_pow", dens_pow),
                               pl.Series("emissions_t", emis)])
        return emissions, detail, res, cells
    fcols = fac.select("gas", "set_rank", "factor_year", "rule_id", "rule2_id", "value_norm", "den_dim")[fidx]
    ncv_has, dens_has = per_cell["ncv"][3][dcell], has_d
    detail = pl.concat(
        [
            cube_cells[row],
            pl.DataFrame([pl.Series("cell_id", dcell)]),
            fcols,
            pl.DataFrame([
                pl.Series("unit_scale", unit_scale[row]), _strings(dims, act_dim[row], "act_dim"),
                _nullable("ncv", ncv, ncv_has), _strings(dims, ncv_dim, "ncv_dim"), _nullable("ncv_rule", per_cell["ncv"][2][dcell], ncv_has),
                _nullable("density", density, dens_has), _nullable("density_rule", per_cell["density"][2][dcell], dens_has),
                pl.Series("has_d", has_d), pl.Series("ok", ok), pl.Series("ncv_pow", ncv_pow), pl.Series("dens_pow", dens_pow),
                pl.Series("emissions_t", emis), _strings(set_names, fset[fidx], "factor_set"),
                _strings(SCOPES, fscope[fidx], "scope"),
            ]),
        ],
        how="horizontal",
    )
    return emissions, detail, res, cells


def _conversion_error(bad: pl.DataFrame, rules) -> None:
    """Raise a ConversionError for the detail rows whose dimensions no conversion bridges (one
    problem per activity, unit, factor set and factor dimension)."""
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
        }.get(frozenset({r["act_dim"], rule.den_dim}), f"no conversion exists between {r['act_dim']} and {rule.den_dim}")
        problems.append(
            Problem(
                f"activity {r['activity']!r} in {r['unit']!r} ({r['act_dim']}) cannot meet factor unit {rule.unit!r} "
                f"({rule.where()}, set {rule.set_name!r}): needs {need}, none found in the run's sets "
                f"(e.g. year {r['year']}, region {r['region']}, sector {r['sector']})",
                hint="report the activity in a unit of the factor's dimension, or add a conversions.csv row",
            )
        )
    raise ConversionError("unit dimensions do not match and no conversion bridges them", problems)
