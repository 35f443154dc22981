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

from typing import NamedTuple

import numpy as np
import polars as pl

from ..core import categories
from ..core._frames import combine_codes, compact_codes, dense_ids, encode, rank_codes, sort_stable, sorted_groups
from ..core.errors import ConversionError, Problem
from ..core.gwp import montreal_gas
from ..core.units import parse_unit
from ..factors import FactorSet, Resolution, resolve
from ..kernels.emissions import activity_emissions

__all__ = ["compute_emissions", "conversion_path", "activity_classes", "bunker_sectors", "CELL_KEYS"]

CELL_KEYS = ["year", "region", "sector", "activity"]


def conversion_path(act_dim: str, fac_dim: str, ncv_dim: str | None, has_density: bool) -> tuple[int, int] | None:
    r"""Powers (ncv, density) that turn an amount in ``act_dim`` into the factor's ``fac_dim``.

    .. math::

        conv = NCV^{p} \times \rho^{q}, \quad p, q \in \{-1, 0, 1\}

    Parameters
    ----------
    act_dim : str
        Dimension of the activity's unit (``mass``, ``volume``, ``energy``, …).
    fac_dim : str
        Denominator dimension of the emission factor.
    ncv_dim : str or None
        Denominator dimension of the resolved NCV (``mass``: GJ/t, ``volume``: GJ/m^3), or None
        when the cell has no NCV.
    has_density : bool
        Whether the cell has a resolved density [t/m^3].

    Returns
    -------
    tuple of (int, int) or None
        The powers ``(p, q)`` of NCV and density; None when no path exists.
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
    """activity -> fuel_class, from the sets' activities.csv, the first set that lists it wins.

    Parameters
    ----------
    sets : list of FactorSet
        The run's factor sets, in precedence order.

    Returns
    -------
    dict of str to str
        Fuel class (e.g. ``biomass``, ``electricity``, ``heat``) per activity code.
    """
    out: dict[str, str] = {}
    for fs in sets:
        for code, meta in fs.activities.items():
            out.setdefault(code, meta["fuel_class"])
    return out


def _strings(values: list, codes: np.ndarray, name: str) -> pl.Series:
    """A String column from a small list of distinct values and a code per row."""
    return pl.Series(name, values, dtype=pl.String).gather(codes)


def _nullable(name: str, values: np.ndarray, valid: np.ndarray) -> pl.Series:
    """A column that is null where not ``valid`` (as ``pl.Series(name, pa.array(values, mask=~valid))``,
    without polars importing ``pyarrow.compute`` to take in an Arrow array)."""
    s = pl.Series(name, values)
    if valid.all():
        return s
    return s.to_frame().select(pl.when(pl.Series(valid)).then(pl.col(name)).alias(name)).to_series()


def _scope_codes(act_names: list[str], gas_names: list[str], classes: dict[str, str]) -> np.ndarray:
    """Scope code (index into SCOPES) per (activity, gas): biomass CO2 and gases controlled by the
    Montreal Protocol (:func:`ghginv.core.gwp.montreal_gas`) are memo items, purchased electricity
    and heat are indirect, the rest direct. International bunkers (a sector rule) are applied by
    :func:`_factor_labels`."""
    out = np.zeros((len(act_names), len(gas_names)), np.int64)
    for i, a in enumerate(act_names):
        cls = classes.get(a, "other")
        for j, g in enumerate(gas_names):
            memo = (cls == "biomass" and g == "CO2") or montreal_gas(g)
            out[i, j] = 2 if memo else 1 if cls in ("electricity", "heat") else 0
    return out


def bunker_sectors(sector_names: list[str]) -> np.ndarray:
    """Which sectors are international bunkers, whose emissions are memo items outside the totals.

    International aviation and navigation (1.A.3.a.i, 1.A.3.d.i and below) are reported as memo
    items, every gas of them outside the national total (2006 IPCC GL Vol 2 Ch 3 §3.5.1 and §3.6.1).

    Parameters
    ----------
    sector_names : list of str
        IPCC category codes, one per sector id of the cube.

    Returns
    -------
    numpy.ndarray
        Bool per sector name, True for a bunker category (:func:`ghginv.core.categories.is_bunker`).
    """
    return np.array([categories.is_bunker(s) for s in sector_names], dtype=bool)


SCOPES = list(categories.SCOPE_ORDER)  # scope codes: the position in the tables' scope order


class _Pairs(NamedTuple):
    """Cube rows met with the factor rows of their cell: one pair per cube row and gas resolved for
    its cell (the rows of the detail), in cube-row order."""

    fac: pl.DataFrame  # resolved factor rows, sorted by (cell_id, gas)
    fac_cell: np.ndarray  # int64, cell per factor row
    cube_row: np.ndarray  # int64, cube row per pair
    fac_row: np.ndarray  # int64, factor row per pair
    cell: np.ndarray  # int64, cell per pair


class _CellConversion(NamedTuple):
    """One resolved conversion quantity (``ncv`` or ``density``) as arrays indexed by cell."""

    value: np.ndarray  # float64, GJ/t or GJ/m^3 (ncv), t/m^3 (density); NaN where none resolved
    dim: np.ndarray  # int64, dimension code of its denominator (0 where none)
    rule: np.ndarray  # int64, rule id (-1 where none)
    has: np.ndarray  # bool, resolved for the cell


class _Operands(NamedTuple):
    """The per-pair operands of the emission kernel and the codes the detail labels them with."""

    dims: list  # dimension names by code (code 0 = None)
    unit_scale: np.ndarray  # float64 per cube row, reported unit -> base unit of its dimension
    act_dim: np.ndarray  # int64 per cube row, dimension code of the reported unit
    gas_names: list  # distinct gases of the factor rows
    gas_code: np.ndarray  # int64 per factor row, index into gas_names
    conv: dict  # "ncv" / "density" -> _CellConversion
    ncv_dim: np.ndarray  # int64 per pair, dimension code of the cell's NCV denominator
    has_d: np.ndarray  # bool per pair, the cell has a density
    ok: np.ndarray  # bool per pair, a conversion path exists (all True once returned)
    ncv_pow: np.ndarray  # int8 per pair, power of the NCV in {-1, 0, 1}
    dens_pow: np.ndarray  # int8 per pair, power of the density in {-1, 0, 1}
    amount: np.ndarray  # float64 per pair, activity [reported unit]
    ncv: np.ndarray  # float64 per pair, NCV [GJ/t or GJ/m^3] (NaN where none)
    density: np.ndarray  # float64 per pair, density [t/m^3] (NaN where none)
    value: np.ndarray  # float64 per pair, factor [t gas per base unit of its denominator]


def _dim_codes(dims: list, names) -> np.ndarray:
    """Codes of dimension ``names`` in ``dims`` (code 0 = None), appending the new ones to ``dims``."""
    for d in names:
        if d not in dims:
            dims.append(d)
    return np.array([dims.index(d) for d in names], dtype=np.int64)


def _sorted_cells(cube_cells: pl.DataFrame, cube_codes: dict | None = None):
    """The cells of a cube sorted by (year, region, sector, activity) — as the cube stage gives it —
    found where a row's cell keys differ from the row before: ``(cell_of, first, codes, heads)``,
    ``cell_of``, ``first`` and ``codes`` as :func:`_resolve_cells` describes them (the cells' region,
    sector and activity encoded once per cell instead of once per cube row), ``heads`` the cell keys
    (year, region, sector, activity) of each cell's first row; None when the cube is not sorted that
    way (then every row is encoded and the cells numbered by a sort). ``cube_codes``: the cube rows' region,
    sector and activity as :func:`~ghginv.core._frames.encode` gives them (:attr:`ghginv.pipeline.cube.Cube.codes`),
    when known: the cells are then found and encoded from them, without comparing or encoding strings."""
    n = cube_cells.height
    if n < 2:
        return None
    if cube_codes is not None:
        change = np.empty(n, bool)
        year = cube_cells["year"].to_numpy()
        np.not_equal(year[1:], year[:-1], out=change[1:])
        for k in ("region", "sector", "activity"):
            c = cube_codes[k][1]
            change[1:] |= c[1:] != c[:-1]
    else:
        change = cube_cells.select(pl.any_horizontal(pl.col(k).ne_missing(pl.col(k).shift(1)) for k in CELL_KEYS)).to_series().to_numpy()
    change[0] = True
    first = np.flatnonzero(change)
    heads = cube_cells.select(CELL_KEYS)[first] if first.size < n else cube_cells.select(CELL_KEYS)
    if cube_codes is not None:  # the values of the cells' first rows: those of every row
        codes = {k: compact_codes(cube_codes[k][0], cube_codes[k][1][first]) for k in ("region", "sector", "activity")}
    else:
        codes = {k: encode(heads[k]) for k in ("region", "sector", "activity")}
    key = combine_codes([rank_codes(heads["year"]), *(codes[k][1] for k in ("region", "sector", "activity"))])
    if key is None or (key[1:] <= key[:-1]).any():  # not sorted by the cell keys: every cell's rows are not one run
        return None
    return np.cumsum(change, dtype=np.int64) - 1, first, codes, heads


def _resolve_cells(cube_cells: pl.DataFrame, sets: list[FactorSet], year_fallback: str, cube_codes: dict | None = None):
    """Number the cube's resolution cells and resolve factors and conversions once per cell.

    Returns ``(unit_enc, cell_of, first, cell_codes, cells, res)``: ``unit_enc`` the ``encode``
    output of the cube's unit column (sorted distinct values, int64 code per cube row); ``cell_of``
    the cell (int64) of each cube row; ``first`` the first cube row of each cell; ``cell_codes``
    maps region, sector and activity to ``encode`` output per cell (sorted distinct values, int64
    code per cell); ``cells`` the distinct (cell_id, year, region, sector, activity); ``res`` the
    :class:`~ghginv.factors.Resolution`. Cells are numbered in (year, region, sector, activity)
    order. ``cube_codes``: the cube rows' keys as codes, when known (:func:`_sorted_cells`).
    """
    found = _sorted_cells(cube_cells, cube_codes)
    if found is not None:
        cell_of, first, cell_codes, heads = found
    else:
        enc = {k: encode(cube_cells[k]) for k in ("region", "sector", "activity")}
        cell_of, first = dense_ids([rank_codes(cube_cells["year"]), enc["region"][1], enc["sector"][1], enc["activity"][1]])
        cell_codes = {k: (vals, codes[first]) for k, (vals, codes) in enc.items()}
        heads = cube_cells.select(CELL_KEYS)[first]
    ncells = first.size
    cells = heads.select(pl.Series("cell_id", np.arange(ncells, dtype=np.int64)), *CELL_KEYS)
    unit_enc = cube_codes["unit"] if cube_codes is not None else encode(cube_cells["unit"])
    return unit_enc, cell_of, first, cell_codes, cells, resolve(cells, sets, year_fallback, codes=cell_codes)


def _pair_rows(factors: pl.DataFrame, cell_of: np.ndarray, ncells: int) -> _Pairs:
    """Meet each cube row with the factor rows of its cell, by position (no join on strings).

    ``factors`` are the resolved factor rows (sorted here by cell and gas if they are not already),
    ``cell_of`` the cell of each cube row. The factor rows of a cell are contiguous, so each cube
    row repeats once per factor row of its cell and the factor row of each repeat is its offset.
    """
    fac = factors
    fac_cell = fac["cell_id"].to_numpy()
    if fac_cell.size > 1 and (np.diff(fac_cell) < 0).any():
        fac = sort_stable(fac, ["cell_id", "gas"])
        fac_cell = fac["cell_id"].to_numpy()
    counts = np.bincount(fac_cell, minlength=ncells)
    fstart = np.zeros(ncells + 1, np.int64)
    np.cumsum(counts, out=fstart[1:])
    rep = counts[cell_of]
    cube_row = np.repeat(np.arange(cell_of.size, dtype=np.int64), rep)
    fac_row = np.arange(cube_row.size, dtype=np.int64) - np.repeat(np.cumsum(rep) - rep - fstart[cell_of], rep)
    return _Pairs(fac, fac_cell, cube_row, fac_row, fac_cell[fac_row])


def _cell_conversions(conversions: pl.DataFrame, ncells: int, dims: list) -> dict[str, _CellConversion]:
    """The resolved ``ncv`` [GJ/t or GJ/m^3] and ``density`` [t/m^3] of every cell as arrays
    indexed by cell (:class:`_CellConversion`), their denominator dimensions coded in ``dims``."""
    ccell = conversions["cell_id"].to_numpy()
    cval = conversions["value_norm"].to_numpy()
    crule = conversions["rule_id"].to_numpy()
    cden_names, cden_code = encode(conversions["den_dim"])
    cden = _dim_codes(dims, cden_names)[cden_code]
    quantity = conversions["quantity"].to_numpy()
    per_cell = {}
    for q in ("ncv", "density"):
        m = quantity == q
        val, dim, rule, has = np.full(ncells, np.nan), np.zeros(ncells, np.int64), np.full(ncells, -1, np.int64), np.zeros(ncells, bool)
        val[ccell[m]], dim[ccell[m]], rule[ccell[m]], has[ccell[m]] = cval[m], cden[m], crule[m], True
        per_cell[q] = _CellConversion(val, dim, rule, has)
    return per_cell


def _conversion_powers(act_dim: np.ndarray, fac_dim: np.ndarray, ncv_dim: np.ndarray, has_d: np.ndarray, dims: list):
    """Powers of NCV and density per pair, looked up per distinct (activity dimension, factor
    dimension, NCV dimension, has density) through :func:`conversion_path`.

    All arguments but ``dims`` are per pair (dimension codes into ``dims``). Returns ``(ok,
    ncv_pow, dens_pow)``: bool (a path exists) and int8 powers in {-1, 0, 1} (0 where not ok).
    """
    k = len(dims)
    combo = ((act_dim * k + fac_dim) * k + ncv_dim) * 2 + has_d
    ok_t = np.zeros(k * k * k * 2, bool)
    npow_t = np.zeros(k * k * k * 2, np.int8)
    dpow_t = np.zeros(k * k * k * 2, np.int8)
    for c in np.flatnonzero(np.bincount(combo, minlength=ok_t.size)):
        c = int(c)
        p = conversion_path(dims[c // (2 * k * k)], dims[c // (2 * k) % k], dims[c // 2 % k], bool(c % 2))
        if p is not None:
            ok_t[c], npow_t[c], dpow_t[c] = True, p[0], p[1]
    return ok_t[combo], npow_t[combo], dpow_t[combo]


def gas_codes(rules: list, rule_id: np.ndarray) -> tuple[list, np.ndarray]:
    """The resolved factor rows' gas column as :func:`~ghginv.core._frames.encode` gives it, from their rules
    instead of their strings: an emission factor's gas is its rule's key, a composite CO2 factor's (whose
    ``rule_id`` is its carbon-content rule) CO2.

    Parameters
    ----------
    rules : list of Rule
        The rules the ids index (:attr:`ghginv.factors.resolve.Resolution.rules`).
    rule_id : numpy.ndarray
        int64, the ``rule_id`` of each factor row (:attr:`ghginv.factors.resolve.Resolution.factors`).

    Returns
    -------
    names : list of str
        The gases of the rows, sorted.
    codes : numpy.ndarray
        int64, per row its gas's position in ``names``.
    """
    return _per_rule_codes([r.key if r.kind == "ef" else "CO2" for r in rules], rule_id)


def _per_rule_codes(per_rule: list[str], rule_id: np.ndarray) -> tuple[list[str], np.ndarray]:
    """A text value of each rule (``per_rule``, indexed by rule id) as codes of the rows of ``rule_id``: the
    distinct values of the rules used, sorted, and per row its value's position among them; coded once per rule
    and gathered by rule id."""
    used = np.flatnonzero(np.bincount(rule_id, minlength=len(per_rule))).tolist() if rule_id.size else []
    names = sorted({per_rule[i] for i in used})
    at = {v: i for i, v in enumerate(names)}
    return names, np.array([at.get(v, 0) for v in per_rule] or [0], np.int64)[rule_id]


def _operands(cube_cells: pl.DataFrame, unit_enc: tuple[list, np.ndarray], pairs: _Pairs, res: Resolution, ncells: int) -> _Operands:
    """Unit scales, conversion powers and values per pair: the operands of the emission kernel.

    Takes the cube rows (amount [reported unit]), the cube's unit codes (``encode`` of its unit
    column), the pairs of :func:`_pair_rows`, the resolution and the number of cells. Returns an
    :class:`_Operands`: per pair the amount [reported unit], NCV [GJ/t or GJ/m^3], density
    [t/m^3], their powers and the factor [t gas per base unit of its denominator]; per cube row
    the unit scale to the base unit of its dimension. Units are parsed once per distinct unit;
    dimensions are small codes (0 = none), in the order the units, the factors' denominators and
    the conversions' denominators first name them.

    Raises
    ------
    ConversionError
        Where no conversion bridges the activity's dimension and the factor's (one problem per
        activity, unit, factor set and factor dimension).
    """
    fac, row, fidx, dcell = pairs.fac, pairs.cube_row, pairs.fac_row, pairs.cell
    dims: list = [None]
    unit_names, ucode = unit_enc
    parsed = [parse_unit(u) for u in unit_names]
    unit_scale = np.array([p.scale for p in parsed], dtype=np.float64)[ucode]
    act_dim = _dim_codes(dims, [p.dimension for p in parsed])[ucode]
    # a factor row's denominator dimension is its rule's (the resolution's den_dim column): coded once per
    # rule and gathered by rule id, in the order of the distinct dimensions of the rules used
    rid = fac["rule_id"].to_numpy()
    den_names, den_code = _per_rule_codes([str(r.den_dim) for r in res.rules], rid)
    den_dim = _dim_codes(dims, den_names)[den_code]
    gas_names, gas_code = gas_codes(res.rules, rid)
    conv = _cell_conversions(res.conversions, ncells, dims)
    has_d = conv["density"].has[dcell]
    ncv_dim = conv["ncv"].dim[dcell]
    ok, ncv_pow, dens_pow = _conversion_powers(act_dim[row], den_dim[fidx], ncv_dim, has_d, dims)
    if not ok.all():
        bad = np.flatnonzero(~ok)
        frame = cube_cells.select("year", "region", "sector", "activity", "unit")[row[bad]].with_columns(
            _strings(gas_names, gas_code[fidx[bad]], "gas"), pl.Series("rule_id", fac["rule_id"].to_numpy()[fidx[bad]]),
            pl.Series("act_dim", [dims[i] for i in act_dim[row[bad]]], dtype=pl.String),
        )
        _conversion_error(frame, res.rules)
    return _Operands(
        dims, unit_scale, act_dim, gas_names, gas_code, conv, ncv_dim, has_d, ok, ncv_pow, dens_pow,
        amount=cube_cells["amount"].to_numpy()[row], ncv=conv["ncv"].value[dcell], density=conv["density"].value[dcell],
        value=fac["value_norm"].to_numpy()[fidx],
    )


def _factor_labels(sets: list[FactorSet], act_enc: tuple[list, np.ndarray], sec_enc: tuple[list, np.ndarray], pairs: _Pairs,
                   op: _Operands):
    """Per factor row: the factor set (int64 rank into ``sets``) and the scope (int64 index into
    :data:`SCOPES`) of its (activity, gas), memo in an international-bunker sector; ``act_enc`` and
    ``sec_enc`` are the cells' activity and sector codes. Returns ``(set_rank, scope)``."""
    act_names, act_code = act_enc
    sec_names, sec_code = sec_enc
    scope_t = _scope_codes(act_names, op.gas_names, activity_classes(sets))
    scope = scope_t[act_code[pairs.fac_cell], op.gas_code]
    bunker = bunker_sectors(sec_names)[sec_code[pairs.fac_cell]]
    return pairs.fac["set_rank"].to_numpy(), np.where(bunker & (scope == 0), 2, scope)  # a direct row of a bunker sector: memo


def _emission_rows(cube_cells: pl.DataFrame, cells: pl.DataFrame, pairs: _Pairs, op: _Operands, emis: np.ndarray,
                   set_names: list[str], fset: np.ndarray, fscope: np.ndarray, keep_entity: bool):
    """Sum the pairs' emissions [t gas] per (cell[, entity], gas), adding the cube rows in their order.

    Returns ``(emissions, order, starts, gf)``: the emission rows (year, region, sector, activity[,
    entity_id], gas, emissions_t, factor_set, scope, factor_year); with ``keep_entity`` the sort
    order of the pairs and the start of each group in it (else None, None: one row per factor row);
    the factor row of each emission row.
    """
    fac, fac_cell = pairs.fac, pairs.fac_cell
    ent = order = starts = None
    if keep_entity:
        ent_names, ent_code = encode(cube_cells["entity_id"])
        order, change = sorted_groups([pairs.cell, ent_code[pairs.cube_row], pairs.fac_row])
        starts = np.flatnonzero(change)
        gf = pairs.fac_row[order[starts]]
        ent = _strings(ent_names + [None], ent_code[pairs.cube_row[order[starts]]], "entity_id")
        e_sum = np.add.reduceat(emis[order], starts)
    else:
        gf = np.arange(fac_cell.size)
        e_sum = np.bincount(pairs.fac_row, weights=emis, minlength=fac_cell.size)
    emissions = cells.select(CELL_KEYS)[fac_cell[gf]].select(
        pl.col("year").cast(pl.Int32), "region", "sector", "activity",
        *([ent] if keep_entity else []),
        _strings(op.gas_names, op.gas_code[gf], "gas"), pl.Series("emissions_t", e_sum, pl.Float64),
        _strings(set_names, fset[gf], "factor_set"), _strings(SCOPES, fscope[gf], "scope"),
        fac["factor_year"].gather(gf).cast(pl.Int32),
    )
    return emissions, order, starts, gf


def _row_codes(cell_codes: dict, pairs: _Pairs, op: _Operands, fscope: np.ndarray, gf: np.ndarray) -> dict:
    """The emission rows' region, scope, sector and gas as :func:`ghginv.core._frames.encode` gives them
    (each (sorted distinct values, int64 code per row)), from the codes they were made from (``gf``: the
    factor row of each emission row)."""
    cell = pairs.fac_cell[gf]
    return {"region": compact_codes(cell_codes["region"][0], cell_codes["region"][1][cell]),
            "scope": compact_codes(SCOPES, fscope[gf]),
            "sector": compact_codes(cell_codes["sector"][0], cell_codes["sector"][1][cell]),
            "gas": compact_codes(op.gas_names, op.gas_code[gf])}


def _recompute_index(pairs: _Pairs, op: _Operands, order: np.ndarray | None, starts: np.ndarray | None) -> dict:
    """The positions that tie cube rows, factor rows and emission rows together (what
    :mod:`ghginv.pipeline.positions` keeps): a dict of numpy arrays, ``em_order``/``em_starts``
    only when emissions were summed per entity (``order`` not None)."""
    fac = pairs.fac
    return dict(
        det_row=pairs.cube_row, det_f=pairs.fac_row, ncv_pow=op.ncv_pow, dens_pow=op.dens_pow, unit_scale=op.unit_scale,
        f_cell=pairs.fac_cell, f_rule=fac["rule_id"].to_numpy(), f_rule2=fac["rule2_id"].fill_null(-1).to_numpy(), f_gas=op.gas_code,
        gas_names=np.array(op.gas_names, dtype=str), cell_ncv_rule=op.conv["ncv"].rule, cell_dens_rule=op.conv["density"].rule,
        **({"em_order": order, "em_starts": starts} if order is not None else {}),
    )


def _detail(cube_cells: pl.DataFrame, pairs: _Pairs, op: _Operands, emis: np.ndarray, set_names: list[str], fset: np.ndarray,
            fscope: np.ndarray, full_detail: bool) -> pl.DataFrame:
    """One row per pair (cube row × factor row of its cell) with its emissions [t gas].

    With ``full_detail`` the cube row, the factor row used (gas, set_rank, factor_year, rule ids,
    value_norm, den_dim), the unit scale, conversions and powers, factor set and scope; else only
    cell_id, ncv_pow, dens_pow and emissions_t.
    """
    row, fidx, dcell = pairs.cube_row, pairs.fac_row, pairs.cell
    if not full_detail:
        return pl.DataFrame([pl.Series("cell_id", dcell), pl.Series("ncv_pow", op.ncv_pow), pl.Series("dens_pow", op.dens_pow),
                             pl.Series("emissions_t", emis)])
    ncv_c, dens_c = op.conv["ncv"], op.conv["density"]
    fcols = pairs.fac.select("gas", "set_rank", "factor_year", "rule_id", "rule2_id", "value_norm", "den_dim")[fidx]
    ncv_has, dens_has = ncv_c.has[dcell], op.has_d
    return pl.concat(
        [
            cube_cells[row],
            pl.DataFrame([pl.Series("cell_id", dcell)]),
            fcols,
            pl.DataFrame([
                pl.Series("unit_scale", op.unit_scale[row]), _strings(op.dims, op.act_dim[row], "act_dim"),
                _nullable("ncv", op.ncv, ncv_has), _strings(op.dims, op.ncv_dim, "ncv_dim"), _nullable("ncv_rule", ncv_c.rule[dcell], ncv_has),
                _nullable("density", op.density, dens_has), _nullable("density_rule", dens_c.rule[dcell], dens_has),
                pl.Series("has_d", op.has_d), pl.Series("ok", op.ok), pl.Series("ncv_pow", op.ncv_pow), pl.Series("dens_pow", op.dens_pow),
                pl.Series("emissions_t", emis), _strings(set_names, fset[fidx], "factor_set"),
                _strings(SCOPES, fscope[fidx], "scope"),
            ]),
        ],
        how="horizontal",
    )


def compute_emissions(cube_cells: pl.DataFrame, sets: list[FactorSet], year_fallback: str = "none", keep_entity: bool = False,
                      full_detail: bool = True, index: dict | None = None, codes: dict | None = None,
                      cube_codes: dict | None = None):
    r"""Emissions per cube cell and gas, in tonnes of the gas (``emissions_t``; no CO2e).

    For every cube row and every gas resolved for its (year, region, sector, activity):

    .. math::

        E_{gas} = A \times s_{unit} \times NCV^{p} \times \rho^{q} \times EF_{gas}

    with the activity ``A`` in its reported unit, ``s_unit`` its scale to the base unit of its
    dimension, the cell's resolved NCV [GJ/t or GJ/m^3] and density [t/m^3] at powers
    ``p, q`` ∈ {-1, 0, 1} (:func:`conversion_path`) and ``EF`` in t gas per base unit of its
    denominator; a composite CO2 factor is carbon content × oxidation × 44/12
    (:func:`ghginv.factors.resolve.factor_values`).

    Every key is handled as an integer code: the cube's rows get a cell number from their
    (year, region, sector, activity) — where a row's keys differ from the row before when the cube
    is sorted by them, as the cube stage gives it, else from their codes sorted —, factors are
    resolved once per cell, and each cube row meets its cell's factor rows by position (the factor
    rows of a cell are contiguous), so no join on strings runs; sums per (cell, gas) add the rows in
    cube order.

    Parameters
    ----------
    cube_cells : polars.DataFrame
        The activity cube: year, region, sector, activity, unit, amount [unit of the row]
        (and entity_id with ``keep_entity``), one row per cube cell.
    sets : list of FactorSet
        The run's factor sets, in precedence order.
    year_fallback : str, default "none"
        How a factor of another year may stand in (see :func:`ghginv.factors.resolve`).
    keep_entity : bool, default False
        Sum per entity as well (an ``entity_id`` column in ``emissions``).
    full_detail : bool, default True
        With False the detail holds only what :func:`ghginv.factors.trace.factors_used` reads
        (cell_id, ncv_pow, dens_pow, emissions_t): the full one copies every key string to each
        (cell, gas) row, the largest cost of this stage when nothing else needs it.
    index : dict, optional
        Receives the positions that tie cube rows, factor rows and emission rows together (what
        :mod:`ghginv.pipeline.positions` keeps to recompute with new values without resolving
        again).
    codes : dict, optional
        When given (an empty dict), filled with the emission rows' ``region``, ``scope``, ``sector``
        and ``gas`` as :func:`ghginv.core._frames.encode` gives them (sorted distinct values, int64
        code per row), from the codes the rows were made from: the inventory's roll-up takes them
        (:func:`ghginv.pipeline.aggregate.build_inventory`) instead of encoding the columns again.
    cube_codes : dict, optional
        ``cube_cells``' ``region``, ``sector``, ``activity`` and ``unit`` exactly as
        :func:`ghginv.core._frames.encode` gives them (:attr:`ghginv.pipeline.cube.Cube.codes`): the
        cells are found and encoded from them instead of from the strings.

    Returns
    -------
    emissions : polars.DataFrame
        One row per (year, region, sector, activity[, entity_id], gas), summed over units:
        emissions_t [t gas], factor_set, scope (direct, indirect, memo), factor_year.
    detail : polars.DataFrame
        One row per cube cell and gas, with the unit and the factor used (see ``full_detail``).
    resolution : Resolution
        The resolved factors and conversions of the cells.
    cells : polars.DataFrame
        The distinct resolution cells: cell_id, year, region, sector, activity.

    Raises
    ------
    ConversionError
        When an activity's unit dimension cannot meet its factor's (no NCV or density bridges them).

    References
    ----------
    .. [1] 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 2 (Energy), Ch 2,
       Eq 2.1 (emissions = activity data × emission factor, Tier 1/2).
    .. [2] 2006 IPCC Guidelines, Vol 2, Ch 1, Eq 1.1 with Table 1.3 carbon contents (composite
       CO2 = carbon content × oxidation × 44/12).
    .. [3] GB/T 32150 (enterprise GHG accounting and reporting, general rules) and GB/T 32151
       (sector parts, e.g. GB/T 32151.22—2024 Annex C Table C.1 carbon content per unit heat and
       oxidation rate): CO2 = carbon content × oxidation × 44/12.
    """
    unit_enc, cell_of, first, cell_codes, cells, res = _resolve_cells(cube_cells, sets, year_fallback, cube_codes)
    if res.answer is not None:  # the energy stage finds its cells among these rows by position
        res.answer.frame, res.answer.row_cell = cube_cells, cell_of
    pairs = _pair_rows(res.factors, cell_of, first.size)
    op = _operands(cube_cells, unit_enc, pairs, res, first.size)
    # the kernel: t gas per pair (2006 IPCC GL Vol 2 Ch 2 Eq 2.1)
    emis = activity_emissions(op.amount, op.unit_scale[pairs.cube_row], op.ncv, op.ncv_pow, op.density, op.dens_pow, op.value)

    set_names = [s.name for s in sets]
    fset, fscope = _factor_labels(sets, cell_codes["activity"], cell_codes["sector"], pairs, op)
    emissions, order, starts, gf = _emission_rows(cube_cells, cells, pairs, op, emis, set_names, fset, fscope, keep_entity)
    if codes is not None:
        codes.update(_row_codes(cell_codes, pairs, op, fscope, gf))
    if index is not None:
        index.update(_recompute_index(pairs, op, order, starts))
    detail = _detail(cube_cells, pairs, op, emis, set_names, fset, fscope, full_detail)
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
