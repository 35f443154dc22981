"""Resolve: one factor per (cube cell, gas) and one conversion per (cube cell, quantity).

Cells are the distinct (year, region, sector, activity) of the activity cube — never rows. The
precedence rules inside a set run as DuckDB SQL (``ghginv/factors/sql/resolve.sql``); the choice
across sets (:func:`pick_across_sets`, gas by gas and quantity by quantity) and the composite CO2
factor of the China guideline form are applied here on the few resolved rows.

Year rule across sets (``year_fallback = "nearest"``): a row valid for the cell's year in *any*
set beats a row of another year; among rows of other years the nearest year wins, then the run's
order of sets. Inside one set the nearest year comes first too, then the most specific sector and
region (resolve.sql).

Composite CO2 (carbon content × oxidation × 44/12)::

    EF_CO2 [t CO2 / base unit] = CC [t C / base unit] × OF × 44/12

(2006 IPCC GL Vol 2 Ch 1 Eq 1.1 with Table 1.3 carbon contents; China 省级温室气体清单编制指南
energy chapter).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
import pyarrow as pa

from ..core._frames import dense_ids, encode
from ..core.errors import AmbiguousFactorError, FactorSetError, GhgInvError, MissingFactorError, Problem
from ._patterns import pick_across_sets
from ._precedence import resolve_rows
from ._sets import FactorSet, Rule

__all__ = ["Resolution", "ConversionAnswer", "resolve", "reduce_cells", "rules_frame", "factor_values", "pick_across_sets", "C_TO_CO2", "PRECEDENCE"]

C_TO_CO2 = 44.0 / 12.0
# the precedence rules in force, part of the kept positions' signature (ghginv.pipeline.positions):
# positions resolved under other rules do not hold. 2: across sets, the nearest year before set order.
PRECEDENCE = 2


@dataclass
class ConversionAnswer:
    """The precedence query's conversion rows of one resolution, every set's before the choice across
    sets: handed to the energy coefficients (:mod:`ghginv.analysis.energy`), which choose across sets
    their own way for the same cells, sets and year fallback, instead of asking DuckDB again.

    ``rows``: the query's rows of kind ``conv`` (``cell_id`` a class of cells, ``key``, ``set_rank``,
    ``distance``, ``rule_id`` …). ``cells``: the resolved cells (``cell_id``, year, region, sector,
    activity; ascending ``cell_id``). ``cell_class``: the ``rows``' ``cell_id`` of each cell (int64),
    or None when each cell was its own. ``sets`` and ``year_fallback``: what the query was asked with.
    ``frame`` and ``row_cell`` (set by :func:`ghginv.methods.emissions.compute_emissions`): the cube
    rows whose cells were resolved and the ``cells``' ``cell_id`` of each of them, or None.
    """

    rows: pl.DataFrame
    cells: pl.DataFrame
    cell_class: np.ndarray | None
    sets: list[FactorSet]
    year_fallback: str
    frame: pl.DataFrame | None = None
    row_cell: np.ndarray | None = None

    def classes_of(self, cells: pl.DataFrame, sets: list[FactorSet], year_fallback: str, frame_rows: np.ndarray | None = None
                   ) -> np.ndarray | None:
        """The class (``rows``' ``cell_id``) of each of ``cells`` (``cell_id`` 0..n-1 ascending, year,
        region, sector, activity), or None when this answer does not hold for them: other sets (not
        the same objects in the same order), another year fallback, or a cell it did not resolve.
        ``frame_rows``: for each of ``cells``, a row of :attr:`frame` with its keys (the caller's
        cells come from that very frame): the cells are then found by position, without a join."""
        if year_fallback != self.year_fallback or len(sets) != len(self.sets) or any(a is not b for a, b in zip(sets, self.sets)):
            return None
        if frame_rows is not None and self.row_cell is not None:
            ids = self.row_cell[frame_rows]
            return ids if self.cell_class is None else self.cell_class[ids]
        keys = ["year", "region", "sector", "activity"]
        if any(cells.schema[k] != self.cells.schema[k] for k in keys):
            return None
        at = cells.select(keys).join(self.cells.select(*keys, pl.col("cell_id").alias("_at")), on=keys, how="left",
                                     maintain_order="left")["_at"]
        if at.null_count():
            return None
        ids = at.to_numpy().astype(np.int64, copy=False)
        return ids if self.cell_class is None else self.cell_class[ids]


@dataclass
class Resolution:
    """Resolved factors and conversions for a set of cube cells.

    ``factors``: cell_id, gas, set_rank, factor_year, value_norm (t gas per base unit of
    ``den_dim``), den_dim, rule_id, rule2_id (oxidation row of a composite, else null).
    ``conversions``: cell_id, quantity, value_norm, den_dim, set_rank, rule_id.
    ``rules``: the global rule list that rule ids index.
    ``answer``: the query's conversion rows before the choice across sets (:class:`ConversionAnswer`).
    """

    factors: pl.DataFrame
    conversions: pl.DataFrame
    rules: list[Rule]
    sets: list[FactorSet]
    answer: ConversionAnswer | None = None


def factor_values(rule_norm: np.ndarray, rid: np.ndarray, rid2: np.ndarray) -> np.ndarray:
    """Factor value in base units per chosen row: ``rule_norm[rid]``, or for a composite CO2 factor
    (``rid2`` ≥ 0, its oxidation row) carbon content × (oxidation × 44/12).

    .. math::

        EF_{CO2} = CC \\times OF \\times 44/12

    Parameters
    ----------
    rule_norm : numpy.ndarray of float64
        Each rule's value in base units (``Rule.value_norm``: an emission factor [t gas / base
        unit of its denominator], a carbon content [t C / base unit] or an oxidation fraction [1]).
    rid : numpy.ndarray of int64
        Per chosen row, its rule (the emission factor or the carbon content).
    rid2 : numpy.ndarray of int64
        Per chosen row, the oxidation rule of a composite CO2 factor, or -1.

    Returns
    -------
    numpy.ndarray of float64
        Emission factor per chosen row [t gas / base unit of its denominator].

    References
    ----------
    2006 IPCC GL Vol 2 Ch 1, Eq 1.1 with Table 1.3 carbon contents; China 省级温室气体清单编制指南
    (provincial guideline), energy chapter.
    """
    return rule_norm[rid] * np.where(rid2 >= 0, rule_norm[np.maximum(rid2, 0)] * C_TO_CO2, 1.0)


def rules_frame(sets: list[FactorSet]) -> tuple[list[Rule], pa.Table]:
    """Every rule of the run's sets as one Arrow table (rule_id = position in the list).

    Parameters
    ----------
    sets : list of FactorSet
        The run's factor sets in precedence order (``set_rank`` = position).

    Returns
    -------
    rules : list of Rule
        Every rule of every set, in set order.
    table : pyarrow.Table
        One row per rule: ``rule_id``, ``set_rank``, ``kind``, ``activity``, ``key``,
        ``sector_prefix``, ``sector_spec``, ``region_prefix``, ``region_spec``, ``year_from``,
        ``year_to`` (the columns the precedence SQL reads).
    """
    rules: list[Rule] = []
    ranks: list[int] = []
    for rank, fs in enumerate(sets):
        rules.extend(fs.rules)
        ranks.extend([rank] * len(fs.rules))
    table = pa.table(
        {
            "rule_id": pa.array(np.arange(len(rules), dtype=np.int64)),
            "set_rank": pa.array(ranks, pa.int32()),
            "kind": [r.kind for r in rules],
            "activity": [r.activity for r in rules],
            "key": [r.key for r in rules],
            "sector_prefix": [r.sector_prefix for r in rules],
            "sector_spec": pa.array([r.sector_spec for r in rules], pa.int32()),
            "region_prefix": [r.region_prefix for r in rules],
            "region_spec": pa.array([r.region_spec for r in rules], pa.int32()),
            "year_from": pa.array([r.year_from for r in rules], pa.int32()),
            "year_to": pa.array([r.year_to for r in rules], pa.int32()),
        }
    )
    return rules, table


def _run_sql(cells: pa.Table, rules_tbl: pa.Table, fallback: bool) -> pl.DataFrame:
    """The precedence SQL (``resolve.sql``) over ``cells`` and ``rules_tbl``: for a small input the same
    rows from :func:`ghginv.factors._precedence.resolve_rows` (no DuckDB), else DuckDB's."""
    small = resolve_rows(cells, rules_tbl, fallback)
    return small if small is not None else _duckdb_rows(cells, rules_tbl, fallback)


def _duckdb_rows(cells: pa.Table, rules_tbl: pa.Table, fallback: bool) -> pl.DataFrame:
    """The precedence SQL (``resolve.sql``) in DuckDB."""
    from ._duck import precedence_rows

    return precedence_rows("resolve.sql", cells, rules_tbl, fallback)


def _cell_label(cells: pl.DataFrame, cell_id: int) -> str:
    c = cells.row(cell_id, named=True)
    return f"(year {c['year']}, region {c['region']}, sector {c['sector']}, activity {c['activity']})"


def _region_classes(regions: list[str], rules: list[Rule]) -> dict[str, str]:
    """region -> the first region that every rule's region pattern treats the same way."""
    pats = sorted({(r.region_prefix, r.region_spec) for r in rules if r.region_spec != 0})
    exact: dict[str, list[int]] = {}  # pattern -> its positions in pats: a region equal to it
    prefix: dict[str, list[int]] = {}  # a region starting with it
    for i, (p, spec) in enumerate(pats):
        (exact if spec == 1000 else prefix).setdefault(p, []).append(i)
    rep: dict[tuple, str] = {}
    out = {}
    for reg in sorted(regions):  # the patterns a region matches: looked up by its prefixes, not tried one by one
        hits = list(exact.get(reg, ()))
        for k in range(len(reg) + 1):
            hits.extend(prefix.get(reg[:k], ()))
        out[reg] = rep.setdefault(tuple(sorted(hits)), reg)
    return out


def _sector_classes(act_vals: list[str], sec_vals: list[str], pairs: np.ndarray, rules: list[Rule]) -> np.ndarray:
    """For each distinct (activity code, sector code) pair (rows of ``pairs``), the code of the
    first sector of the same activity that every sector pattern of the activity's rules treats
    the same way."""
    pats: dict[str, set] = {}
    for r in rules:
        pats.setdefault(r.activity, set()).add((r.sector_prefix, r.sector_spec))
    pats = {a: sorted(p) for a, p in pats.items()}

    def hit(sec: str, prefix: str, spec: int) -> bool:
        return spec == 0 or (sec == prefix if spec == 1000 else (sec == prefix or sec.startswith(prefix + ".")))

    rep: dict[tuple, int] = {}
    out = np.empty(pairs.shape[0], np.int64)
    for i, (a, sc) in enumerate(pairs.tolist()):  # pairs sorted: the first sector of a class is its smallest
        act = act_vals[a]
        sig = (a, tuple(j for j, p in enumerate(pats.get(act, ())) if hit(sec_vals[sc], *p)))
        out[i] = rep.setdefault(sig, sc)
    return out


def _year_classes(years: np.ndarray, rules: list[Rule]) -> np.ndarray:
    """Per distinct year (sorted ``years``), the first year inside exactly the same rule year ranges."""
    spans = sorted({(r.year_from, r.year_to) for r in rules})
    rep: dict[tuple, int] = {}
    return np.array([rep.setdefault(tuple(j for j, (lo, hi) in enumerate(spans) if lo <= y <= hi), y) for y in years.tolist()], np.int64)


def _expand(df: pl.DataFrame, rid: np.ndarray, cell_ids: np.ndarray, year: np.ndarray | None) -> pl.DataFrame:
    """Rows of ``df`` (resolved per reduced cell: ``cell_id`` = reduced id, rows of an id
    contiguous and ids ascending) copied to every real cell (``rid``: reduced id per cell, cells in
    ascending ``cell_ids``); ``year``: the real cell's year as ``factor_year`` (no fallback)."""
    r = df["cell_id"].to_numpy()
    cnt = np.bincount(r, minlength=int(rid.max()) + 1 if rid.size else 0)
    start = np.zeros(cnt.size + 1, np.int64)
    np.cumsum(cnt, out=start[1:])
    rep = cnt[rid]
    idx = np.arange(int(rep.sum()), dtype=np.int64) - np.repeat(np.cumsum(rep) - rep - start[rid], rep)
    new = [pl.Series("cell_id", np.repeat(cell_ids, rep)).cast(df.schema["cell_id"])]
    if year is not None:
        new.append(pl.Series("factor_year", np.repeat(year, rep)).cast(df.schema["factor_year"]))
    replaced = {s.name for s in new}  # not gathered: made anew
    return df.select([c for c in df.columns if c not in replaced])[idx].with_columns(new).select(df.columns)


def reduce_cells(cells: pl.DataFrame, rules: list[Rule], year_fallback: str = "none", codes: dict | None = None):
    """The classes of cells that every rule treats alike (see :func:`resolve`).

    Parameters
    ----------
    cells : polars.DataFrame
        ``cell_id`` (0..n-1), ``year``, ``region``, ``sector``, ``activity``.
    rules : list of Rule
        Every rule of the run's sets.
    year_fallback : {"none", "nearest"}, default "none"
        With ``nearest`` years are not merged (the distance to a rule's years matters).
    codes : dict, optional
        ``region``, ``sector`` and ``activity`` of ``cells`` already encoded (each (sorted distinct
        values, int64 code per row), :func:`ghginv.core._frames.encode`), rows in ascending
        ``cell_id``: used instead of encoding the columns again.

    Returns
    -------
    cells : polars.DataFrame
        ``cells`` in ascending ``cell_id``.
    reduced : polars.DataFrame or None
        One cell per class (``cell_id`` 0..k-1, year, region, sector, activity), or None when
        the classes would not halve the cells (resolve the cells themselves).
    rid : numpy.ndarray of int64 or None
        The class of each cell of ``cells``; rows resolved per class are copied to the cells
        with :func:`_expand`.
    """
    cid = cells["cell_id"].to_numpy()
    if (cid[1:] < cid[:-1]).any():
        cells = cells[np.argsort(cid, kind="stable")]
        codes = None  # given in the rows' order
    if codes is None:
        codes = {k: encode(cells[k]) for k in ("region", "sector", "activity")}
    (reg_vals, reg_code), (sec_vals, sec_code), (act_vals, act_code) = (codes[k] for k in ("region", "sector", "activity"))
    year = cells["year"].to_numpy().astype(np.int64)
    classes = _region_classes(reg_vals, rules)
    at = {v: i for i, v in enumerate(reg_vals)}
    reg_rep = np.array([at[classes[v]] for v in reg_vals], np.int64)[reg_code]
    pair, pair_first = dense_ids([act_code, sec_code])
    sec_rep = _sector_classes(act_vals, sec_vals, np.stack([act_code[pair_first], sec_code[pair_first]], 1), rules)[pair]
    if year_fallback == "nearest":  # the distance to a rule's years matters: no year classes
        year_rep = year
    else:
        yv, yc = np.unique(year, return_inverse=True)
        year_rep = _year_classes(yv, rules)[yc]
    rid, first = dense_ids([year_rep, reg_rep, sec_rep, act_code])
    if first.size * 2 > cells.height:
        return cells, None, None
    reduced = pl.DataFrame([
        pl.Series("cell_id", np.arange(first.size, dtype=np.int64)),
        pl.Series("year", year_rep[first]).cast(cells.schema["year"]),
        pl.Series("region", reg_vals, pl.String).gather(reg_rep[first]),
        pl.Series("sector", sec_vals, pl.String).gather(sec_rep[first]),
        pl.Series("activity", act_vals, pl.String).gather(act_code[first]),
    ])
    return cells, reduced, rid


def resolve(cells: pl.DataFrame, sets: list[FactorSet], year_fallback: str = "none", codes: dict | None = None) -> Resolution:
    """Resolve factors for ``cells`` (columns cell_id = 0..n-1, year, region, sector, activity).

    Cells that every rule treats alike resolve alike, so the rules run once per class of cells and
    the result is copied to every cell of the class: regions that match the same region patterns
    (e.g. one class per province for provincial rules), sectors of an activity that match the same
    sector patterns of its rules, and (without a year fallback) years inside the same rule year
    ranges; the factor year is then the cell's own year. Any problem is reported from a
    resolution of the real cells, so messages name them.

    Parameters
    ----------
    cells : polars.DataFrame
        The cube cells: ``cell_id`` (0..n-1), ``year``, ``region``, ``sector``, ``activity``.
    sets : list of FactorSet
        The run's factor sets in precedence order.
    year_fallback : {"none", "nearest"}, default "none"
        Outside a set's years, no factor, or a row of another year: a factor for the cell's own
        year in any set still wins; among other years the nearest, then the run's set order
        (:func:`pick_across_sets`).
    codes : dict, optional
        ``region``, ``sector`` and ``activity`` of ``cells`` already encoded, rows in ascending
        ``cell_id`` (see :func:`reduce_cells`).

    Returns
    -------
    Resolution
        ``factors`` sorted by (cell_id, gas), with ``value_norm`` [t gas / base unit of
        ``den_dim``]; ``conversions`` (ncv, density) sorted by (cell_id, quantity), with
        ``value_norm`` in base units [GJ/t, GJ/m^3, t/m^3]; the rules and sets.

    Raises
    ------
    AmbiguousFactorError
        When two rules tie after the precedence rules, or a set gives CO2 both directly and from
        carbon content × oxidation.
    FactorSetError
        For a composite CO2 factor with only one of carbon_content and oxidation.
    MissingFactorError
        For cells with no factor, or with no CO2 factor although the run's sets give CO2 for the
        same activity elsewhere.
    """
    if cells.height == 0:
        return _resolve_cells(cells, sets, year_fallback)
    cells, reduced, rid = reduce_cells(cells, [r for fs in sets for r in fs.rules], year_fallback, codes)
    if reduced is None:
        return _resolve_cells(cells, sets, year_fallback)
    fallback = year_fallback == "nearest"
    year = cells["year"].to_numpy().astype(np.int64)
    try:
        res = _resolve_cells(reduced, sets, year_fallback)
    except GhgInvError:
        return _resolve_cells(cells, sets, year_fallback)
    ids = cells["cell_id"].to_numpy()
    y = None if fallback else year
    return Resolution(
        factors=_expand(res.factors, rid, ids, y), conversions=_expand(res.conversions, rid, ids, y), rules=res.rules, sets=sets,
        answer=ConversionAnswer(res.answer.rows, cells, rid, sets, year_fallback),
    )


def _resolve_cells(cells: pl.DataFrame, sets: list[FactorSet], year_fallback: str = "none") -> Resolution:
    rules, rules_tbl = rules_frame(sets)
    res = _run_sql(cells.to_arrow(), rules_tbl, year_fallback == "nearest")
    rule_norm = np.array([r.value_norm for r in rules], dtype=np.float64)
    rule_den = np.array([r.den_dim for r in rules], dtype=object)
    chosen = _choose_arrays(res, cells, rules)
    if chosen is None:  # a problem to report (or nothing resolved): the frames' way, which names it
        chosen = _choose_frames(res, cells, rules, sets, year_fallback)
    factors, conv = chosen
    rid = factors["rule_id"].to_numpy()
    value = factor_values(rule_norm, rid, factors["rule2_id"].fill_null(-1).to_numpy())
    factors = factors.with_columns(
        pl.Series("value_norm", value), pl.Series("den_dim", rule_den[rid].astype(str))
    )
    crid = conv["rule_id"].to_numpy()
    conversions = conv.with_columns(
        pl.Series("value_norm", rule_norm[crid] if crid.size else np.zeros(0)),
        pl.Series("den_dim", rule_den[crid].astype(str) if crid.size else np.zeros(0, dtype=str), dtype=pl.String),
    )
    answer = ConversionAnswer(res.filter(pl.col("kind") == "conv"), cells, None, sets, year_fallback)
    return Resolution(factors=factors, conversions=conversions, rules=rules, sets=sets, answer=answer)


def _first_of_groups(keys: list[np.ndarray]) -> np.ndarray:
    """The first row of each distinct tuple of the leading two ``keys`` when the rows are sorted by
    every key (most significant first): the rows :func:`pick_across_sets` keeps, in its order."""
    order = np.lexsort(keys[::-1])
    change = np.zeros(order.size, bool)
    change[:1] = True
    for k in keys[:2]:
        ks = k[order]
        change[1:] |= ks[1:] != ks[:-1]
    return order[change]


def _choose_arrays(res: pl.DataFrame, cells: pl.DataFrame, rules: list[Rule]) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """:func:`_choose_frames` in numpy over the query's few rows: the same factor and conversion rows
    (values, dtypes, order), without some forty small polars queries; None when there is a problem
    to report (ties, half a composite factor, CO2 given twice, a cell without a factor or without
    CO2) or no row, which :func:`_choose_frames` then reports (or answers) as before."""
    if res.height == 0 or cells.height == 0:
        return None
    if int(res["n_tied"].max()) > 1:
        return None
    cell = res["cell_id"].to_numpy().astype(np.int64, copy=False)
    srank = res["set_rank"].to_numpy().astype(np.int64, copy=False)
    dist = res["distance"].to_numpy().astype(np.int64, copy=False)
    kind_vals, kind_code = encode(res["kind"])
    key_vals, key_code = encode(res["key"])
    if len(kind_vals) < kind_code.size and kind_code.max() == len(kind_vals):  # a null kind
        return None
    kind_at = {v: i for i, v in enumerate(kind_vals)}
    key_at = {v: i for i, v in enumerate(key_vals)}

    def rows(kind: str, key: str | None = None) -> np.ndarray:
        m = kind_code == kind_at.get(kind, -1)
        if key is not None:
            m &= key_code == key_at.get(key, -1)
        return np.flatnonzero(m)

    span = int(srank.max()) + 1 - min(int(srank.min()), 0)
    ef, cc, of = rows("ef"), rows("carbon", "carbon_content"), rows("carbon", "oxidation")
    # composite CO2: a set's carbon content and oxidation of one cell, paired (the frames' full join)
    cc = cc[np.lexsort((srank[cc], cell[cc]))]
    of = of[np.lexsort((srank[of], cell[of]))]
    if cc.size != of.size or (cell[cc] != cell[of]).any() or (srank[cc] != srank[of]).any():
        return None  # half a composite factor
    pair_key = cell[cc] * span + srank[cc]
    if pair_key.size and np.unique(pair_key).size != pair_key.size:
        return None
    gas_vals = sorted(set(key_vals) | ({"CO2"} if cc.size else set()))
    gas_at = {v: i for i, v in enumerate(gas_vals)}
    key_gas = np.array([gas_at[v] for v in key_vals] + [len(gas_vals)], np.int64)
    co2 = gas_at.get("CO2", -1)
    ef_gas = key_gas[key_code[ef]]
    if cc.size and np.isin(pair_key, cell[ef][ef_gas == co2] * span + srank[ef][ef_gas == co2]).any():
        return None  # CO2 given directly and as a composite by one set
    # candidates (ef rows, then composites) and the choice across sets: per (cell, gas) the first by
    # (distance, set_rank)
    c_row = np.concatenate([ef, cc])
    c_gas = np.concatenate([ef_gas, np.full(cc.size, co2, np.int64)])
    c_dist = np.concatenate([dist[ef], np.maximum(dist[cc], dist[of])])
    c_rule2 = np.concatenate([np.full(ef.size, -1, np.int64), res["rule_id"].to_numpy().astype(np.int64, copy=False)[of]])
    pick = _first_of_groups([cell[c_row], c_gas, c_dist, srank[c_row]])
    chosen_cell = cell[c_row[pick]]
    if np.setdiff1d(cells["cell_id"].to_numpy(), chosen_cell).size:
        return None  # a cell without a factor
    co2_acts = {r.activity for r in rules if (r.kind == "ef" and r.key == "CO2") or r.kind == "carbon"}
    if co2_acts:
        with_co2 = chosen_cell[c_gas[pick] == co2]
        needs = cells.filter(pl.col("activity").is_in(sorted(co2_acts)))["cell_id"].to_numpy()
        if np.setdiff1d(needs, with_co2).size:
            return None  # a cell without CO2
    src = c_row[pick]
    rule2 = c_rule2[pick]
    factors = pl.DataFrame([
        res["cell_id"].gather(src),
        pl.Series("gas", gas_vals, pl.String).gather(c_gas[pick]),
        res["set_rank"].gather(src),
        res["factor_year"].gather(src),
        res["rule_id"].gather(src),
        pl.Series("rule2_id", rule2, pl.Int64).set(pl.Series(rule2 < 0), None),  # null: not a composite
    ])
    conv = rows("conv")
    cpick = conv[_first_of_groups([cell[conv], key_code[conv], dist[conv], srank[conv]])]
    conversions = pl.DataFrame([
        res["cell_id"].gather(cpick), res["key"].gather(cpick).alias("quantity"), res["set_rank"].gather(cpick),
        res["factor_year"].gather(cpick), res["rule_id"].gather(cpick),
    ])
    return factors, conversions


def _choose_frames(res: pl.DataFrame, cells: pl.DataFrame, rules: list[Rule], sets: list[FactorSet],
                   year_fallback: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The chosen factor rows (cell_id, gas, set_rank, factor_year, rule_id, rule2_id; sorted by cell
    and gas) and conversion rows (cell_id, quantity, set_rank, factor_year, rule_id; sorted by cell and
    quantity) of the query's rows ``res``, with polars queries; raises the problems it finds."""
    ties = res.filter(pl.col("n_tied") > 1)
    if ties.height:
        problems = [
            Problem(
                f"{rules[r['rule_id']].where()} and {rules[r['other_rule_id']].where()} tie for "
                f"{r['key']} in {_cell_label(cells, r['cell_id'])}",
                hint="make one rule more specific (sector or region) or their years disjoint",
            )
            for r in ties.head(200).iter_rows(named=True)
        ]
        raise AmbiguousFactorError("factor rules tie after the precedence rules", problems)

    ef = res.filter(pl.col("kind") == "ef").select(
        "cell_id", pl.col("key").alias("gas"), "set_rank", "factor_year", "distance", "rule_id",
        pl.lit(None, pl.Int64).alias("rule2_id"),
    )
    carbon = res.filter(pl.col("kind") == "carbon")
    cc = carbon.filter(pl.col("key") == "carbon_content").select("cell_id", "set_rank", "factor_year", "distance", "rule_id")
    of = carbon.filter(pl.col("key") == "oxidation").select(
        "cell_id", "set_rank", pl.col("distance").alias("distance2"), pl.col("rule_id").alias("rule2_id")
    )
    pairs = cc.join(of, on=["cell_id", "set_rank"], how="full", coalesce=True)
    half = pairs.filter(pl.col("rule_id").is_null() | pl.col("rule2_id").is_null())
    if half.height:
        problems = []
        for r in half.head(200).iter_rows(named=True):
            have = rules[r["rule_id"] if r["rule_id"] is not None else r["rule2_id"]]
            lacking = "oxidation" if r["rule_id"] is not None else "carbon_content"
            problems.append(
                Problem(
                    f"set {sets[r['set_rank']].name!r} has {have.key} ({have.where()}) but no {lacking} "
                    f"for {_cell_label(cells, r['cell_id'])}",
                    hint="a composite CO2 factor needs both carbon_content and oxidation rows",
                )
            )
        raise FactorSetError("incomplete composite CO2 factors", problems)
    composite = pairs.select(
        "cell_id", pl.lit("CO2").alias("gas"), "set_rank", "factor_year",
        pl.max_horizontal("distance", "distance2").alias("distance"), "rule_id", "rule2_id",
    )
    both = composite.join(ef.filter(pl.col("gas") == "CO2"), on=["cell_id", "set_rank"], how="inner")
    if both.height:
        problems = [
            Problem(
                f"set {sets[r['set_rank']].name!r} gives CO2 for {_cell_label(cells, r['cell_id'])} both directly "
                f"({rules[r['rule_id_right']].where()}) and from carbon content × oxidation ({rules[r['rule_id']].where()})",
                hint="a set gives CO2 for an activity one way only",
            )
            for r in both.head(200).iter_rows(named=True)
        ]
        raise AmbiguousFactorError("CO2 defined twice within one set", problems)

    # across sets, gas by gas: a factor for the cell's own year (distance 0) in any set beats a
    # fallback from another year; among fallbacks the nearest year, then the run's order of sets
    cand = pl.concat([ef, composite.cast(ef.schema)])
    chosen = pick_across_sets(cand, ["cell_id", "gas"]).drop("distance")

    missing = np.setdiff1d(cells["cell_id"].to_numpy(), chosen["cell_id"].unique().to_numpy())
    if missing.size:
        raise _missing_error(cells.filter(pl.col("cell_id").is_in(missing)), rules, sets, year_fallback)
    _check_missing_co2(cells, chosen, rules, sets, year_fallback)
    conv = (
        pick_across_sets(res.filter(pl.col("kind") == "conv"), ["cell_id", "key"])
        .select("cell_id", pl.col("key").alias("quantity"), "set_rank", "factor_year", "rule_id")
    )
    return chosen, conv


def _years_text(years: list[int]) -> str:
    """2020, 2021, 2022, 2024 -> '2020–2022, 2024'."""
    years = sorted(set(years))
    parts, start, prev = [], years[0], years[0]
    for y in years[1:] + [None]:
        if y is not None and y == prev + 1:
            prev = y
            continue
        parts.append(str(start) if start == prev else f"{start}–{prev}")
        if y is not None:
            start = prev = y
    return ", ".join(parts)


def _missing_error(miss: pl.DataFrame, rules: list[Rule], sets: list[FactorSet], year_fallback: str) -> MissingFactorError:
    """Every missing (activity, sector, region) with its years, plus a hint per activity."""
    grouped = miss.group_by("activity", "sector", "region").agg(pl.col("year").sort()).sort("activity", "sector", "region")
    problems = [
        Problem(f"no factor for activity {r['activity']!r}, sector {r['sector']}, region {r['region']}, "
                f"year{'s' if len(r['year']) > 1 else ''} {_years_text(r['year'])}")
        for r in grouped.iter_rows(named=True)
    ]
    hints = []
    for act in sorted(miss["activity"].unique().to_list()):
        covered = [r for r in rules if r.activity == act and r.kind in ("ef", "carbon")]
        if not covered:
            continue
        by_set: dict[str, list[int]] = {}
        for r in covered:
            by_set.setdefault(r.set_name, []).extend([r.year_from, r.year_to])
        spans = []
        for name, ys in by_set.items():
            lo, hi = min(ys), max(ys)
            if lo > 0 or hi < 9999:
                spans.append(f"{name} covers {'' if lo == 0 else lo}–{'' if hi == 9999 else hi}")
        if spans:
            hints.append(f"{act}: {'; '.join(spans)}")
    msg = (
        f"no factor set of the run ({', '.join(s.name for s in sets)}) has a factor for these activity cells; "
        "add a factor set that covers them or a rule to your own set"
    )
    if hints and year_fallback != "nearest":
        msg += (
            ". Some activities have factors only for other years (" + "; ".join(hints) + "): "
            "to use a set's nearest year, set year_fallback = \"nearest\" in [factors] or pass --year-fallback nearest"
        )
    return MissingFactorError(msg, problems)


def _check_missing_co2(cells: pl.DataFrame, chosen: pl.DataFrame, rules: list[Rule], sets: list[FactorSet], year_fallback: str) -> None:
    """A cell of an activity that has CO2 factors somewhere in the run must get CO2 too.

    Otherwise a year or region gap in the CO2 rules would silently drop the largest gas while
    CH4/N2O still resolve. (CH4 and N2O defaults legitimately exist for some sectors only.)
    """
    co2_acts = {r.activity for r in rules if (r.kind == "ef" and r.key == "CO2") or r.kind == "carbon"}
    with_co2 = chosen.filter(pl.col("gas") == "CO2")["cell_id"].to_list()
    lacking = cells.filter(pl.col("activity").is_in(sorted(co2_acts)), ~pl.col("cell_id").is_in(with_co2))
    if lacking.height:
        err = _missing_error(lacking, rules, sets, year_fallback)
        raise MissingFactorError(
            "no CO2 factor for these activity cells, although the run's sets give CO2 for the same "
            "activities elsewhere (another year, region or sector): " + err.summary,
            [Problem(p.message.replace("no factor", "no CO2 factor")) for p in err.problems],
        )
