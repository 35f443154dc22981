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
user keys from ``[notation_keys]``): see :mod:`ghginv.analysis.notation`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ..analysis.notation import completeness_rows
from ..core import categories
from ..core._frames import argsort_stable, combine_codes, encode, inverse, lex_order, narrow_codes, per_distinct, rank_codes, sorted_groups
from ..core.categories import SCOPE_ORDER

__all__ = ["build_inventory", "RollupIndex", "INVENTORY_SCHEMA", "REPORT_KEYS", "report_key_codes"]

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


@dataclass
class RollupIndex:
    """How the numbers of the inventory come from the rows of ``emissions``, as positions.

    ``order1``/``starts1`` sort the emission rows by (year, region, scope, sector, gas) and cut
    them into groups (the per-sector sums); ``src2``/``starts2`` list, group by group of the
    rolled-up keys (year, region, scope, category, gas), the per-sector sums that add into it (a
    sector adds into ``TOTAL`` and into each of its ancestors); ``pos`` is the inventory row of
    each rolled-up group. The starts are CSR bounds: group g is ``starts[g]:starts[g + 1]``.
    :meth:`values` repeats the arithmetic of :func:`build_inventory` on new emission values — the same terms added in the same order, so the same bits."""

    order1: np.ndarray
    starts1: np.ndarray
    src2: np.ndarray
    starts2: np.ndarray
    pos: np.ndarray
    n_rows: int  # inventory rows (with the notation-key rows, which have no numbers)

    def values(self, emissions_t: np.ndarray, co2e_t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The inventory's ``emissions_t`` and ``co2e_t`` (``n_rows`` each, NaN at the notation-key
        rows) from per-emission-row values, both summed in one pass over the positions."""
        from .sums import rolled_into

        return rolled_into(emissions_t, co2e_t, self.order1, self.starts1, self.src2, self.starts2, self.pos, self.n_rows)

    def columns(self, values: tuple[np.ndarray, np.ndarray]) -> list[pl.Series]:
        """:meth:`values` as the inventory's columns, null at the notation-key rows (no copy)."""
        import pyarrow as pa

        if getattr(self, "_validity", None) is None:  # the same for every call: built once
            valid = np.zeros(self.n_rows, bool)
            valid[self.pos] = True
            self._validity = (pa.py_buffer(np.packbits(valid, bitorder="little")), self.n_rows - self.pos.size)
        bitmap, nulls = self._validity
        return [pl.Series(name, pa.Array.from_buffers(pa.float64(), self.n_rows, [bitmap, pa.py_buffer(x)], null_count=nulls))
                for name, x in zip(("emissions_t", "co2e_t"), values)]

    def arrays(self) -> dict[str, np.ndarray]:
        return {"order1": self.order1, "starts1": self.starts1, "src2": self.src2, "starts2": self.starts2, "pos": self.pos,
                "n_rows": np.array([self.n_rows], np.int64)}

    @classmethod
    def from_arrays(cls, a) -> RollupIndex:
        return cls(a["order1"], a["starts1"], a["src2"], a["starts2"], a["pos"], int(a["n_rows"][0]))


def rollup(emissions: pl.DataFrame, values: tuple[str, ...] = ("emissions_t", "co2e_t")) -> tuple[pl.DataFrame, tuple]:
    """Sums of ``values`` per (year, region, scope, category, level, gas) up the IPCC tree from rows
    with (year, region, scope, sector, gas): the rolled-up rows, sorted by those keys, and
    (order1, starts1, src2, starts2) of :class:`RollupIndex`. Keys are integer codes throughout."""
    rolled, index, _ = _rollup(emissions, values)
    return rolled, index


# the inventory's key columns the reports group on by code (InventoryResult.key_codes)
REPORT_KEYS = ("scope", "category", "gas")


def report_key_codes(codes: dict) -> dict:
    """The inventory's scope, category and gas codes kept for the reports (``InventoryResult.key_codes``: the
    workbook's IPCC sheet summed over regions groups on them), each in the smallest integer that holds it (4 bytes a
    row), from codes per column as :func:`ghginv.core._frames.encode` gives them.

    Parameters
    ----------
    codes : dict
        column -> (sorted distinct values, code per row; nulls last): the inventory stage's, or ``encode`` of the
        inventory's columns.

    Returns
    -------
    dict
        :data:`REPORT_KEYS` column -> (values, codes in the smallest unsigned integer type).
    """
    return {k: (v, narrow_codes(v, c)) for k, (v, c) in codes.items() if k in REPORT_KEYS}


# the roll-up's expanded rows take int32 positions below this many rows (int64 above)
_INT32_ROWS = 1 << 31


def _rollup(emissions: pl.DataFrame, values: tuple[str, ...], enc: dict | None = None,
            strings: bool = True, keep_index: bool = True) -> tuple[pl.DataFrame, tuple | None, dict]:
    """:func:`rollup`, and the rolled-up rows' keys as codes: column -> (sorted distinct values,
    int64 code per rolled row) for region, scope, category and gas. ``enc``: the rows' region, scope,
    sector and gas as :func:`ghginv.core._frames.encode` gives them (or those codes as int32), when the caller has
    them; the region, scope and gas codes returned are then in their type.
    ``strings=False`` leaves the String key columns out of the rolled rows (year, level and
    ``values`` only): a caller that works from the codes (:func:`build_inventory`) never builds them.
    ``keep_index=False`` returns None for the index, which is then dropped before the rolled rows are built (a
    caller that needs only the sums: the recalculation)."""
    year = rank_codes(emissions["year"])
    enc = enc or {k: encode(emissions[k]) for k in ("region", "scope", "sector", "gas")}
    order1, change1 = _groups([year, enc["region"][1], enc["scope"][1], enc["sector"][1], enc["gas"][1]])
    starts1 = np.flatnonzero(change1)
    first1 = order1[starts1]
    change1 = None
    # each sector adds into TOTAL and into each of its ancestors (itself included)
    sectors = enc["sector"][0]
    chains = [["TOTAL", *categories.ancestors(s)] for s in sectors]
    cats = sorted({c for ch in chains for c in ch})
    at = {c: i for i, c in enumerate(cats)}
    n_anc = np.array([len(ch) for ch in chains], np.int64)
    offset = np.zeros(len(chains) + 1, np.int64)
    np.cumsum(n_anc, out=offset[1:])
    # the expanded rows' positions (src, at_chain) and categories (cat) as int32 when they fit (~8 bytes a row less at
    # the roll-up's peak: ~5 M expanded rows at 1.6 M emission rows); the CSR index returned stays int64
    sec = enc["sector"][1][first1]
    rep = n_anc[sec]
    n_exp = int(rep.sum())
    idx = np.int32 if n_exp < _INT32_ROWS else np.int64
    flat = np.array([at[c] for ch in chains for c in ch], idx)
    src = np.repeat(np.arange(first1.size, dtype=idx), rep)
    # the k-th expanded row of a group takes the k-th category of its sector's chain: flat[offset[sector] + k],
    # k = the row's position minus the group's first expanded row (one repeat of a per-group shift)
    at_chain = np.repeat((offset[sec] - (np.cumsum(rep) - rep)).astype(idx), rep)
    sec = rep = None
    at_chain += np.arange(src.size, dtype=idx)
    cat = flat[at_chain]
    at_chain = None
    # the expanded rows' keys: (year, region, scope) as one int64 per group (its order is theirs), category, gas;
    # packed into one int64 per group without the category, then per expanded row plus its category (one gather and
    # one multiply-add per expanded row; the packing keeps the order and the equality of the key tuples)
    prefix = combine_codes([year, enc["region"][1], enc["scope"][1]])
    n_gas = len(enc["gas"][0]) + 1  # gas codes 0..len(values), the last for null
    if prefix is not None and prefix.size and (int(prefix.max()) + 1) * len(cats) * n_gas < 1 << 62:
        base = prefix[first1] * (len(cats) * n_gas) + enc["gas"][1][first1]
        prefix = None
        key2 = base[src]
        base = None
        key2 += cat * (n_gas if len(cats) * n_gas < 1 << 31 else np.int64(n_gas))  # no int32 overflow
        cat = None  # in the packed key: key // n_gas % len(cats) (not kept through the sort)
        order2, change2 = _groups_of(key2)
        starts2 = np.flatnonzero(change2)
        change2 = None
        at_first = order2[starts2]
        g_cat = (key2[at_first] // n_gas % len(cats)).astype(np.int64)
        key2 = None
    else:
        if prefix is None:  # too wide for one int64: each column
            row = first1[src]  # an emission row with the expanded row's keys
            keys2 = [year[row], enc["region"][1][row], enc["scope"][1][row], cat, enc["gas"][1][row]]
            row = None
        else:
            keys2 = [prefix[first1][src], cat, enc["gas"][1][first1][src]]
        prefix = None
        order2, change2 = _groups(keys2)
        keys2 = None
        starts2 = np.flatnonzero(change2)
        change2 = None
        at_first = order2[starts2]
        g_cat = cat[at_first].astype(np.int64)
        cat = None
    g_row = first1[src[at_first]]
    at_first = first1 = year = None
    src2 = src[order2]
    src = order2 = None
    src2 = src2.astype(np.int64, copy=False)
    level = np.array([0 if c == "TOTAL" else categories.level(c) for c in cats], np.int8)
    from .sums import rolled_sums, rolled_sums2

    index = (order1, np.append(starts1, order1.size), src2, np.append(starts2, src2.size))  # CSR bounds
    if len(values) == 2:  # both in one pass over the positions (the kernel a recompute runs: the same bits)
        sums = list(rolled_sums2(emissions[values[0]].to_numpy(), emissions[values[1]].to_numpy(), *index))
    else:
        sums = [rolled_sums(emissions[v].to_numpy(), *index) for v in values]
    if not keep_index:
        index = order1 = starts1 = src2 = starts2 = None
    codes = {"region": (enc["region"][0], enc["region"][1][g_row]), "scope": (enc["scope"][0], enc["scope"][1][g_row]),
             "category": (cats, g_cat), "gas": (enc["gas"][0], enc["gas"][1][g_row])}
    rolled = pl.DataFrame([
        emissions["year"].gather(g_row),
        *(_from_codes(k, *codes[k]) for k in ("region", "scope", "category") if strings),
        pl.Series("level", level[g_cat], pl.Int8),
        *([_from_codes("gas", *codes["gas"])] if strings else []),
        *(pl.Series(v, x, pl.Float64) for v, x in zip(values, sums)),
    ])
    return rolled, index, codes


def _stable_sort(combined: np.ndarray) -> np.ndarray:
    """``numpy.argsort(combined, kind="stable")`` of :func:`~ghginv.core._frames.combine_codes`'s keys, the same permutation,
    by the quicker of numpy's two stable sorts for these keys: its timsort when they are nearly in order (fewer
    descents than a quarter of the rows: the emission rows come sorted by year and region, the rolled and
    completeness rows in runs; 2.5-10 times quicker there at 10 M rows over 2,000 regions), else
    :func:`~ghginv.core._frames.argsort_stable` (a 16-bit radix sort, quicker on keys in no order)."""
    if _nearly_sorted(combined):
        return np.argsort(combined, kind="stable")
    return argsort_stable(combined)


def _nearly_sorted(combined: np.ndarray) -> bool:
    """Whether keys are nearly in order: fewer descents than a quarter of the rows (numpy's timsort is then the
    quicker stable sort: :func:`_stable_sort`)."""
    n = combined.size
    return n > 1 and np.count_nonzero(combined[1:] < combined[:-1]) * 4 < n


def _groups(codes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """:func:`~ghginv.core._frames.sorted_groups` (the stable sort order of the rows by ``codes``, True where a row
    in that order starts a new key tuple), the same arrays, sorted by :func:`_stable_sort`."""
    combined = combine_codes(codes)
    if combined is None:
        return sorted_groups(codes)
    return _groups_of(combined)


def _groups_of(combined: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_groups` of keys already packed into one int64 per row (order and equality those of the key tuples)."""
    order = _stable_sort(combined)
    c = combined[order]
    change = np.empty(order.size, bool)
    change[:1] = True
    np.not_equal(c[1:], c[:-1], out=change[1:])
    return order, change


def category_names(vocab: list, codes: np.ndarray) -> pl.Series:
    """``category_name`` of the categories ``codes`` on ``vocab`` (sorted codes; "Total" for TOTAL,
    "" for a code the tree does not name), made from the vocabulary."""
    names = {**categories.categories(), "TOTAL": "Total"}
    return _from_codes("category_name", [names.get(c, "") for c in vocab], codes)


def _from_codes(name: str, vocab: list, codes: np.ndarray) -> pl.Series:
    """The String column of ``codes`` on ``vocab`` (code ``len(vocab)`` is null)."""
    return pl.Series(name, [*vocab, None], pl.String).gather(codes)


def _codes_on(vocab: list, parts: list[tuple[list, np.ndarray]]) -> np.ndarray:
    """Codes of several parts' (values, codes) on the sorted ``vocab`` (a part's null code, ``len(values)``,
    becomes ``len(vocab)``), concatenated; int32 (a vocabulary is far below 2**31 values), half the
    memory of the inventory's key codes, which the checks stage reuses."""
    at = {v: i for i, v in enumerate(vocab)}
    return np.concatenate([np.array([at[v] for v in vals] + [len(vocab)], np.int32)[c] for vals, c in parts])


def _merged_order(codes: list[np.ndarray], n_first: int) -> np.ndarray:
    """:func:`ghginv.core._frames.lex_order` of ``codes`` (the stable lexicographic order), the same permutation, when the
    first ``n_first`` rows are already in that order (the rolled rows: :func:`_rollup` sorts them by the same keys):
    only the other rows are sorted, then merged in after the first rows of equal key. Checked: when the first rows
    are not in order, or the keys do not fit one int64, every row is sorted. When the rows are nearly in order
    (:func:`_stable_sort`: the other rows are the completeness rows, in a few sorted runs) every row is sorted
    by numpy's timsort, quicker than the merge."""
    combined = combine_codes(codes) if n_first else None
    if combined is None:
        return lex_order(codes)
    if _nearly_sorted(combined):
        return np.argsort(combined, kind="stable")
    head, tail = combined[:n_first], combined[n_first:]
    if (head[1:] < head[:-1]).any():
        return argsort_stable(combined)
    t_order = argsort_stable(tail) if tail.size else np.zeros(0, np.int64)
    dest = np.searchsorted(head, tail[t_order], side="right") + np.arange(tail.size)  # after the first rows of equal key
    perm = np.empty(combined.size, np.int64)
    free = np.ones(combined.size, bool)
    free[dest] = False
    perm[dest] = t_order + n_first
    perm[free] = np.arange(n_first)
    return perm


def _sorted_inventory(rolled: pl.DataFrame, codes: dict, others: list[pl.DataFrame],
                      other_codes: list[dict | None] | None = None) -> tuple[pl.DataFrame, np.ndarray, dict]:
    """The inventory: ``rolled`` (its keys as ``codes``, :func:`_rollup`) and the key rows ``others``
    (the same columns, no numbers) in one frame sorted by (year, region, scope in the order direct,
    indirect, memo, category, gas, notation_key), nulls last, ties in that order; the inventory row
    of each rolled row (the inverse of the sort permutation, on the rolled rows); and the inventory's region,
    scope, category and gas as codes: column -> (sorted distinct values, int64 code per inventory
    row, ``len(values)`` for null), the codes its string columns were made from.

    The sort runs on integer codes (each key column on one sorted vocabulary across the parts) and
    the string columns are built once, in sorted order, from their vocabularies: the rows of the
    parts are never gathered as strings. ``other_codes``: for each part, its key columns and
    notation_key as codes when its maker has them (:func:`~ghginv.analysis.notation.completeness_rows`),
    else None (encoded here)."""
    kept = [(o, c) for o, c in zip(others, other_codes or [None] * len(others), strict=True) if o.height]
    others = [o for o, _ in kept]
    nr = rolled.height
    parts = {k: [codes[k]] + [c[k] if c else encode(o[k]) for o, c in kept] for k in ("region", "scope", "category", "gas")}
    vocab = {k: sorted(set().union(*(v for v, _ in p))) for k, p in parts.items()}
    key = {k: _codes_on(vocab[k], p) for k, p in parts.items()}
    nk_parts = [c["notation_key"] if c else encode(o["notation_key"].cast(pl.String)) for o, c in kept]  # the rolled rows have none
    nk_vocab = sorted(set().union(*(v for v, _ in nk_parts)))
    nk_codes = np.concatenate([np.full(nr, len(nk_vocab), np.int64), *([_codes_on(nk_vocab, nk_parts)] if nk_parts else [])])
    year = pl.concat([rolled["year"].cast(pl.Int32), *(o["year"].cast(pl.Int32) for o in others)])
    scope_rank = pl.Series(vocab["scope"], dtype=pl.String).replace_strict(SCOPE_ORDER, return_dtype=pl.Int64).to_numpy()
    perm = _merged_order([rank_codes(year), key["region"], scope_rank[key["scope"]], key["category"], key["gas"], nk_codes], nr)
    level = np.concatenate([rolled["level"].to_numpy(), *(o["level"].cast(pl.Int8).to_numpy() for o in others)])
    n_other = year.len() - nr
    pos = inverse(perm)[:nr]  # the inventory row of each rolled row
    inv_codes = {k: (vocab[k], key[k][perm]) for k in ("region", "scope", "category", "gas")}
    inv = pl.DataFrame([
        year.gather(perm),
        _from_codes("region", *inv_codes["region"]),
        _from_codes("scope", *inv_codes["scope"]),
        _from_codes("category", *inv_codes["category"]),
        pl.Series("level", level[perm], pl.Int8),
        category_names(*inv_codes["category"]),
        _from_codes("gas", *inv_codes["gas"]),
        *_at_rows([(v, rolled[v].to_numpy()) for v in ("emissions_t", "co2e_t")], pos, nr + n_other),
        _from_codes("notation_key", nk_vocab, nk_codes[perm]),
    ])
    return inv.cast(INVENTORY_SCHEMA), pos, inv_codes


def _at_rows(values: list[tuple[str, np.ndarray]], pos: np.ndarray, n: int) -> list[pl.Series]:
    """Float64 columns of ``n`` rows: each of ``values`` (name, float64 array) placed at rows ``pos``, null at the
    others (the notation-key rows); the same columns as gathering the values followed by nulls, without the gather
    (and without pyarrow's compute module, which a column made from Arrow buffers imports: 0.05 s of a district run)."""
    valid = np.zeros(n, bool)
    valid[pos] = True
    mask = pl.Series("valid", valid)
    out = []
    for name, x in values:
        at = np.zeros(n, np.float64)
        at[pos] = x
        out.append(pl.select(pl.when(mask).then(pl.Series(name, at))).to_series().alias(name))
    return out


def build_inventory(emissions: pl.DataFrame, notation: pl.DataFrame | None = None, classes: dict[str, str] | None = None,
                    keys: list | None = None, completeness: bool = True, index: bool = False, codes: dict | None = None,
                    enc: dict | None = None):
    """Roll emissions up the IPCC tree per year, region, scope and gas (see module doc).

    Parameters
    ----------
    emissions : polars.DataFrame
        Emission rows: year, region, sector, activity, gas, scope, emissions_t [t gas], co2e_t
        [t CO2e].
    notation : polars.DataFrame, optional
        The cube's notation-key rows (year, region, sector, activity, notation_key).
    classes : dict of str to str, optional
        Fuel class per activity (:func:`ghginv.methods.emissions.activity_classes`): a notation
        key of electricity or heat goes to the indirect scope.
    keys : list, optional
        The user's notation keys (:func:`ghginv.analysis.notation.notation_settings`).
    completeness : bool, default True
        With False the rows of not-estimated reporting categories are left out.
    index : bool, default False
        Also return the :class:`RollupIndex`.
    codes : dict, optional
        When given (an empty dict), filled with the key columns as integer codes, each column ->
        (sorted distinct values, int64 code per row, ``len(values)`` for null), for the roll-up
        check (:func:`ghginv.pipeline.conservation.run_checks`), which then encodes no strings:
        ``"emissions"``, the emission rows' region, scope, sector and gas
        (:func:`ghginv.core._frames.encode`); ``"inventory"``, the inventory's region, scope,
        category and gas, the codes its string columns were made from.
    enc : dict, optional
        The emission rows' ``region``, ``scope``, ``sector`` and ``gas`` exactly as
        :func:`ghginv.core._frames.encode` gives them, when the caller has them
        (:func:`ghginv.methods.emissions.compute_emissions` ``codes=``): not encoded again.

    Returns
    -------
    inventory : polars.DataFrame
        One row per (year, region, scope, category, gas[, notation_key]) in the
        :data:`INVENTORY_SCHEMA`: emissions_t [t gas], co2e_t [t CO2e]; key rows have no numbers.
    index : RollupIndex
        Only with ``index=True``: the positions that repeat the sums on new values.
    """
    enc = enc or {k: encode(emissions[k]) for k in ("region", "scope", "sector", "gas")}
    # the rolled rows' keys stay codes (the inventory's string columns are built once, sorted, in _sorted_inventory)
    rolled, (order1, starts1, src2, starts2), rolled_codes = _rollup(emissions, ("emissions_t", "co2e_t"), enc, strings=False)
    parts, part_codes = [], []
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
            per_distinct(notation["sector"], categories.level, pl.Int8).alias("level"),
            pl.lit("ALL").alias("gas"),
            pl.lit(None, pl.Float64).alias("emissions_t"),
            pl.lit(None, pl.Float64).alias("co2e_t"),
            "notation_key",
        ).unique()
        parts.append(nk)
        part_codes.append(None)
    if completeness:
        rows, row_codes = completeness_rows(rolled, notation, classes, keys, rolled_codes, with_codes=True, strings=False)
        parts.append(rows)
        part_codes.append(row_codes)
    inv, pos, inv_codes = _sorted_inventory(rolled, rolled_codes, parts, part_codes)
    if codes is not None:
        codes.update(emissions=enc, inventory=inv_codes)
    if not index:
        return inv
    return inv, RollupIndex(order1, starts1, src2, starts2, pos, inv.height)
