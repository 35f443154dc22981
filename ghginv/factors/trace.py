"""Traceability: which factor and conversion rows produced each number.

``factors_used`` has one row per (year, region, sector, activity) and gas or conversion
quantity actually used, naming the set, its version, the row (``set/file.csv:line``), the
value, unit, status, source and locator. A composite CO2 factor (carbon content × oxidation ×
44/12) is shown with its derived value (status ``D``) and both component rows.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ..core._frames import dense_ids, sort_stable
from . import Rule
from .resolve import C_TO_CO2, Resolution

__all__ = ["factors_used", "describe"]

_BASE = {"energy": ("t/TJ", 1000.0), "mass": ("t/t", 1.0), "volume": ("t/m^3", 1.0), "area": ("t/ha", 1.0), "count": ("t/head", 1.0)}
SCHEMA = {
    "year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String,
    "kind": pl.String, "item": pl.String, "factor_set": pl.String, "set_version": pl.String,
    "factor_year": pl.Int32, "value": pl.Float64, "unit": pl.String, "status": pl.String,
    "source": pl.String, "source_locator": pl.String, "rule": pl.String,
}


def _ref(rule: Rule) -> str:
    from pathlib import Path

    return f"{rule.set_name}/{Path(rule.file).name}:{rule.line}"


def _factor_meta(rule_id: int, rule2_id: int, value_norm: float, den_dim: str, rules: list[Rule]) -> tuple:
    """(factor_set, value, unit, status, source, source_locator, rule) of one factor: its row, or a
    composite CO2 factor derived from its carbon-content and oxidation rows."""
    a = rules[rule_id]
    if rule2_id < 0:
        return (a.set_name, a.value, a.unit, a.status, a.source, a.source_locator, _ref(a))
    b = rules[rule2_id]
    unit, mult = _BASE.get(den_dim, ("t/" + den_dim, 1.0))
    return (
        a.set_name,
        value_norm * mult,
        unit,
        "D",
        f"derived: carbon_content × oxidation × 44/12 ({a.source}; {b.source})",
        f"carbon_content {a.value} {a.unit} [{a.source_locator}] × oxidation {b.value} {b.unit} "
        f"[{b.source_locator}] × {C_TO_CO2:.6f}",
        f"{_ref(a)} × {_ref(b)}",
    )


META = ["factor_set", "value", "unit", "status", "source", "source_locator", "rule"]


def _conversion_meta(r: Rule) -> tuple:
    return (r.set_name, r.value, r.unit, r.status, r.source, r.source_locator, _ref(r))


def describe(keys: np.ndarray, rules: list[Rule]) -> list[tuple]:
    """The description (:data:`META` columns) of each row of ``keys`` with ``rules``' values.

    Parameters
    ----------
    keys : numpy.ndarray of int64, shape (n, 3)
        Per description: rule id, second rule id or -1, and 1 for a conversion (0 for a factor);
        as ``factors_used(..., index=...)`` gives them in ``meta_keys``.
    rules : list of Rule
        The rules the ids index (e.g. of another set version, for a recompute).

    Returns
    -------
    list of tuple
        Per row, ``(factor_set, value, unit, status, source, source_locator, rule)``; a composite
        CO2 factor as a derived value [t CO2 per t, TJ, m^3, ha or head] with status ``D``.
    """
    out = []
    for r1, r2, conv in keys.tolist():
        a = rules[r1]
        if conv:
            out.append(_conversion_meta(a))
            continue
        value_norm = a.value_norm * (rules[r2].value_norm * C_TO_CO2) if r2 >= 0 else a.value_norm  # as resolve does
        out.append(_factor_meta(r1, r2, value_norm, a.den_dim, rules))
    return out


def _rule_pair_ids(r1: np.ndarray, r2: np.ndarray, n_rules: int) -> tuple[np.ndarray, np.ndarray]:
    """``dense_ids([r1, r2])`` of rule ids (``r1`` in 0 .. n_rules - 1, ``r2`` in -1 .. n_rules - 1): the same ids
    (pairs numbered in sorted order), from a count per possible pair instead of a sort when there are
    few rules; ``first`` then holds a row of each pair (not always its first: the rows of a pair
    describe it alike)."""
    span = n_rules + 1
    if not r1.size or n_rules * span > 4 * r1.size + (1 << 16):
        return dense_ids([r1, r2])
    key = r1 * span + (r2 + 1)
    present = np.flatnonzero(np.bincount(key, minlength=n_rules * span))
    ids_of = np.zeros(n_rules * span, np.int64)
    ids_of[present] = np.arange(present.size)
    ids = ids_of[key]
    first = np.empty(present.size, np.int64)
    first[ids] = np.arange(ids.size)
    return ids, first


def factors_used(detail: pl.DataFrame, res: Resolution, cells: pl.DataFrame, index: dict | None = None) -> pl.DataFrame:
    """One row per cell and factor (gas) or conversion (ncv, density) the cell's detail rows used,
    sorted by cell, kind (conversion before factor) and item.

    Factor rows of the resolution (sorted by cell and gas) and conversion rows (sorted by cell and
    quantity) are merged by position; the descriptions (set, value, source, row …) are built once
    per distinct rule or rule pair and gathered.

    Parameters
    ----------
    detail : polars.DataFrame
        Emission detail rows: ``cell_id``, ``ncv_pow``, ``dens_pow`` are read (a conversion is
        used when a row of the cell has a nonzero power).
    res : Resolution
        The resolution of the run's cells (:func:`ghginv.factors.resolve.resolve`).
    cells : polars.DataFrame
        The cube cells: ``cell_id``, ``year``, ``region``, ``sector``, ``activity``.
    index : dict, optional
        When given, receives ``meta`` (the description each output row gathers) and ``meta_keys``
        (rule id, second rule id or -1, 1 for a conversion) of each description (see
        :func:`describe`).

    Returns
    -------
    polars.DataFrame
        ``factors_used``: year, region, sector, activity, kind, item, factor_set, set_version,
        factor_year, value [unit], unit, status, source, source_locator, rule.
    """
    rules = res.rules
    versions = {s.name: s.version for s in res.sets}
    # factors: every resolved (cell, gas) of the detail's cells
    fac = res.factors
    cid = cells["cell_id"].to_numpy()
    ncell = int(cid.max()) + 1 if cid.size else 0
    row_of = np.arange(ncell) if np.array_equal(cid, np.arange(ncell)) else np.zeros(ncell, np.int64)
    row_of[cid] = np.arange(cid.size)  # cell_id -> row of ``cells``
    in_detail = np.zeros(ncell, bool)
    dcell = detail["cell_id"].to_numpy()
    in_detail[dcell] = True
    fcell_all = fac["cell_id"].to_numpy()
    keep = in_detail[fcell_all]
    if not keep.all():
        fac = fac.filter(pl.Series(keep))
    fcell = fac["cell_id"].to_numpy()
    if fcell.size > 1 and (np.diff(fcell) < 0).any():
        fac = sort_stable(fac, ["cell_id", "gas"])
        fcell = fac["cell_id"].to_numpy()
    r1 = fac["rule_id"].to_numpy()
    r2 = fac["rule2_id"].fill_null(-1).to_numpy()
    pair, pair_first = _rule_pair_ids(r1, r2, len(rules))
    den = fac["den_dim"].gather(pair_first).to_list()  # of the first row of each rule pair only
    vnorm = fac["value_norm"].to_numpy()
    meta = [_factor_meta(int(r1[i]), int(r2[i]), float(vnorm[i]), d, rules) for i, d in zip(pair_first.tolist(), den)]

    # conversions: a cell's ncv / density row when any detail row of the cell used it (power ≠ 0)
    conv = res.conversions
    ccell = conv["cell_id"].to_numpy()
    quantity = conv["quantity"].to_numpy()
    used = np.zeros(conv.height, bool)
    for q, pow_col in (("ncv", "ncv_pow"), ("density", "dens_pow")):
        cell_used = np.zeros(ncell, bool)
        cell_used[dcell[detail[pow_col].to_numpy() != 0]] = True
        used |= (quantity == q) & cell_used[ccell]
    conv = conv.filter(pl.Series(used))
    ccell = conv["cell_id"].to_numpy()
    if ccell.size > 1 and (np.diff(ccell) < 0).any():
        conv = sort_stable(conv, ["cell_id", "quantity"])
        ccell = conv["cell_id"].to_numpy()
    crid = conv["rule_id"].to_numpy()
    crule, crule_first = _rule_pair_ids(crid, np.full(crid.size, -1, np.int64), len(rules))
    meta.extend(_conversion_meta(rules[int(i)]) for i in conv["rule_id"].to_numpy()[crule_first])

    # merge by position: within a cell, conversions ("conversion" < "factor") come first
    nf, nc = fcell.size, ccell.size
    fpos = np.arange(nf) + np.searchsorted(ccell, fcell, side="right")
    cpos = np.arange(nc) + np.searchsorted(fcell, ccell, side="left")
    cell = np.empty(nf + nc, np.int64)
    cell[fpos], cell[cpos] = fcell, ccell
    meta_idx = np.empty(nf + nc, np.int64)
    meta_idx[fpos], meta_idx[cpos] = pair, crule + len(pair_first)
    is_conv = np.zeros(nf + nc, bool)
    is_conv[cpos] = True
    items = pl.concat([fac["gas"], conv["quantity"]])
    years = pl.concat([fac["factor_year"].cast(pl.Int32), conv["factor_year"].cast(pl.Int32)])
    src = np.empty(nf + nc, np.int64)
    src[fpos], src[cpos] = np.arange(nf), nf + np.arange(nc)
    meta_df = pl.DataFrame(meta, schema={c: SCHEMA[c] for c in META}, orient="row")
    # the set's version once per description, gathered with the rest of it
    meta_df = meta_df.with_columns(pl.col("factor_set").replace_strict(versions, return_dtype=pl.String).alias("set_version"))
    if index is not None:
        keys = np.zeros((len(meta), 3), np.int64)
        keys[:, 1] = -1
        keys[: pair_first.size, 0], keys[: pair_first.size, 1] = r1[pair_first], r2[pair_first]
        keys[pair_first.size:, 0], keys[pair_first.size:, 2] = conv["rule_id"].to_numpy()[crule_first], 1
        index.update(meta=meta_idx, meta_keys=keys)
    out = pl.concat(
        [
            cells.select("year", "region", "sector", "activity")[row_of[cell]],
            pl.DataFrame([
                pl.Series("kind", ["factor", "conversion"], pl.String).gather(is_conv.astype(np.int64)),
                items.gather(src).alias("item"),
            ]),
            meta_df[meta_idx],
            pl.DataFrame([years.gather(src).alias("factor_year")]),
        ],
        how="horizontal",
    )
    return out.select(list(SCHEMA)).cast(SCHEMA)
