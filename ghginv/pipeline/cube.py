"""Cube: stream validated batches into the activity cube.

The cube holds, per (year, region, sector, activity, unit[, entity]), the sum of ``amount`` and
the number of rows. It is built in one pass over the input: per batch one fused numba kernel
(:mod:`ghginv.inputs.fastpath`) checks, remaps and adds the rows into a dense (year, region, combo)
array (:mod:`ghginv.kernels.dense`) or the hash table of :mod:`ghginv.kernels.cube`; factors are
later resolved per (year, region, sector, activity) cell, never per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from ..core._frames import compact_codes
from ..core.errors import ValidationError
from ..inputs.fastpath import FastPath
from ..inputs.load import Batch, check_batch
from ..inputs.validate import BatchValidator, ValidRows
from ..kernels.cube import (
    BATCH_BAD,
    BATCH_FULL,
    LIMITS,
    TALLY_LANES,
    batch_append_tally,
    new_table,
    pack_keys,
    table_append,
    table_grow,
    table_items,
    table_merge,
    unpack_keys,
)
from ..kernels.dense import DenseCube

__all__ = ["Cube", "CubeBuilder"]


@dataclass
class Cube:
    """The aggregated activity data.

    ``cells``: polars DataFrame with columns year (Int32), region, sector, activity, unit,
    entity_id (String, only with entities), amount (Float64, sum in ``unit``), n_rows (Int64),
    sorted by every key column. ``notation``: rows reported with a notation key. ``codes``: the
    cells' region, sector, activity and unit as :func:`ghginv.core._frames.encode` gives them (sorted
    distinct values, int64 code per row), when the cube was made from codes (:func:`cells_frame`), else None.
    """

    cells: pl.DataFrame
    notation: pl.DataFrame
    stats: dict = field(default_factory=dict)
    codes: dict | None = None


class CubeBuilder:
    """create / append / finalize around the cube kernels.

    A batch takes the fast path when it can (:mod:`ghginv.inputs.fastpath`: one fused kernel pass,
    into the dense (year, region, combo) array of :mod:`ghginv.kernels.dense`, or into the hash
    table with entities or very sparse keys). Otherwise, or when the kernel meets a bad row, it
    goes through :meth:`BatchValidator.process`, which names every bad row, and its valid rows
    go into the hash table. ``finalize`` merges both.

    With ``tally`` (the run's :class:`~ghginv.pipeline.conservation.InputTally`), a batch the tally handed
    over (:meth:`InputTally.add` defers to the builder) is counted by the fused kernel in the
    same pass when it takes the fast path, and by the tally's own pass otherwise.
    """

    def __init__(self, validator: BatchValidator, fast: bool = True, tally=None):
        self.v = validator
        self.table = new_table(1 << 12)
        self.n_used = 0
        self.fast = FastPath(validator) if fast else None
        self.dense = DenseCube() if fast and not validator.keep_entity else None
        self.tally = tally
        if tally is not None and self.fast is not None:
            tally.deferred = True

    def append(self, batch: Batch) -> None:
        tally = self.tally
        counting = tally is not None and tally.claim(batch)
        if self.fast is not None and not self.v.issues:
            fb = self.fast.prepare(batch)
            if fb is not None:
                lanes = np.zeros(TALLY_LANES * len(fb.luts[3]) if counting else 0, np.float64)
                outside = self._append_fast(fb, lanes)
                if outside is not None:
                    if counting:
                        tally.add_counted(fb.unit_names, lanes, fb.n - outside)
                    return
                check_batch(batch)  # a bad row, or a damaged page (indices outside the dictionary)
        if counting:
            tally.count(batch)
        rows = self.v.process(batch)
        if rows is None:
            return
        self._append_rows(rows)

    def _append_fast(self, fb, lanes: np.ndarray) -> int | None:
        """Add a prepared batch with the fused kernel, counting the input tally into ``lanes``;
        the number of rows outside the years, or None when a row is bad (slow path next)."""
        self._check_limits()
        args = fb.args()
        start = 0
        outside = 0
        b = self.v.books
        if self.dense is not None and not self.dense.fits(len(b["region"]), len(b["sector"]), len(b["activity"]), len(b["unit"])):
            self._dense_to_table()
        while self.dense is not None:
            d_args = (*args[:8], args[9], *args[10:14], args[15])  # without entity index and table
            status, start, n_out = self.dense.append(start, d_args, lanes)
            outside += n_out
            if status == BATCH_BAD:
                return None
            if status == BATCH_FULL:
                if not self.dense.grow():
                    self._dense_to_table()
                continue
            self.v.rows_read += fb.n
            self.v.rows_outside_years += outside
            return outside
        while True:
            status, start, self.n_used, n_out = batch_append_tally(*self.table, self.n_used, start, *args, lanes)
            outside += n_out
            if status == BATCH_BAD:
                return None
            if status == BATCH_FULL:
                self.table = table_grow(self.table, self.n_used)
                continue
            break
        self.v.rows_read += fb.n
        self.v.rows_outside_years += outside
        return outside

    def _dense_to_table(self) -> None:
        """Move the dense cube's cells into the hash table (very sparse data), and stop using it."""
        items = self.dense.items()
        self.table, self.n_used = table_merge(self.table, self.n_used, items)
        self.dense = None

    def _check_limits(self) -> None:
        for name, book in (("region", "region"), ("sector", "sector"), ("activity", "activity"), ("unit", "unit")):
            if len(self.v.books[book]) > LIMITS[name]:
                raise ValidationError(
                    f"too many distinct {name} values ({len(self.v.books[book])}); at most {LIMITS[name]} are supported"
                )

    def _append_rows(self, r: ValidRows) -> None:
        self._check_limits()
        k1 = pack_keys(r.year, r.region, r.sector, r.activity, r.unit)
        k2 = r.entity.astype(np.int64, copy=False)
        amount = np.ascontiguousarray(r.amount, np.float64)
        start = 0
        while start < k1.shape[0]:
            start, self.n_used = table_append(*self.table, self.n_used, k1, k2, amount, start)
            if start < k1.shape[0] or 2 * self.n_used >= self.table[0].shape[0]:
                self.table = table_grow(self.table, self.n_used)

    def items(self, sort: bool = False):
        """(k1, k2, sums, counts) of the cube's cells in the builder's codes, after the checks of
        every row seen (raises :class:`ValidationError` naming the bad rows); with ``sort``, in
        the cube's key order (:func:`cell_order`)."""
        self.v.raise_if_problems()
        b = self.v.books
        if self.dense is not None and self.n_used == 0:  # every row took the dense fast path
            if not sort:
                return self.dense.items()
            return self.dense.items(tuple(_ranks(b[c].values) for c in ("region", "sector", "activity", "unit")))
        if self.dense is not None:
            self._dense_to_table()
        k1, k2, sums, counts = table_items(self.table)
        if sort:
            order = cell_order(k1, k2, b, self.v.keep_entity)
            k1, k2, sums, counts = k1[order], k2[order], sums[order], counts[order]
        return k1, k2, sums, counts

    def finalize(self) -> Cube:
        k1, k2, sums, counts = self.items()
        codes: dict = {}
        cells = cells_frame(k1, k2, sums, counts, self.v.books, self.v.keep_entity, codes=codes)
        notation = notation_frame(self.v.notation_rows)
        stats = {
            "rows_read": self.v.rows_read,
            "rows_outside_years": self.v.rows_outside_years,
            "rows_notation": self.v.rows_notation,
            "cube_cells": cells.height,
        }
        return Cube(cells=cells, notation=notation, stats=stats, codes=codes or None)


_NOTATION_SCHEMA = {"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String, "notation_key": pl.String}


def notation_frame(rows) -> pl.DataFrame:
    """The cube's notation-key rows (dicts or tuples of year, region, sector, activity, key), each once, sorted."""
    return pl.DataFrame(rows, schema=_NOTATION_SCHEMA, orient="row" if rows and not isinstance(rows[0], dict) else None
                        ).unique().sort("year", "region", "sector", "activity", "notation_key")


def cell_order(k1, k2, books, keep_entity: bool, stable: bool = False) -> np.ndarray:
    """The order that sorts cells by every key column (year, region, sector, activity, unit[, entity]).

    Sorts by the strings without building a string per cell: each code's rank among its book's
    sorted values (Python's str order = UTF-8 byte order = polars' String order), the ranks
    packed as the codes are (a rank is below its book's size, so it fits the same bits): one
    int64 argsort instead of a lexsort over five keys; with entities, the entity's rank second
    (no entity last).

    Parameters
    ----------
    k1, k2 : numpy.ndarray of int64
        Packed keys (:func:`~ghginv.kernels.cube.pack_keys`) and entity codes (0 = none, else
        1 + code) of the cells, in the codes of ``books``.
    books : dict of str to Codebook
        The codebooks of region, sector, activity, unit and entity.
    keep_entity : bool
        Whether the entity is a key column.
    stable : bool, default False
        Keep equal keys in their given order (the merge of the files' cubes relies on it).

    Returns
    -------
    numpy.ndarray of int64
        Positions of the cells in sorted order.
    """
    if not k1.size:
        return np.zeros(0, np.int64)
    year, region, sector, activity, unit = unpack_keys(k1)
    ranks = []
    for book, codes in (("region", region), ("sector", sector), ("activity", activity), ("unit", unit)):
        vals = books[book].values
        ranks.append(_ranks(vals)[codes] if len(vals) else codes)
    packed = pack_keys(year, *ranks)
    if keep_entity:
        vals = books["entity"].values
        rank = np.empty(len(vals) + 1, np.int64)
        rank[0] = len(vals)  # no entity (null) sorts last
        rank[1:] = _ranks(vals)
        return np.lexsort((rank[k2], packed))  # a stable sort
    return np.argsort(packed, kind="stable" if stable else None)


def cells_frame(k1, k2, sums, counts, books, keep_entity: bool, order=None, codes: dict | None = None) -> pl.DataFrame:
    """The cube's cells as a frame sorted by every key column, from packed keys and the codebooks.

    ``order``: the cells' sorted order when known (:func:`cell_order`), else computed here; when
    it is ``arange`` (sorted already) the arrays are taken as they are, without gathers. ``codes``:
    when given (an empty dict), filled with the region, sector, activity and unit columns as
    :func:`ghginv.core._frames.encode` gives them (:attr:`Cube.codes`), from the codebooks' codes.
    """
    if order is None:
        order = cell_order(k1, k2, books, keep_entity)
    if order.shape[0] == k1.shape[0] and np.array_equal(order, np.arange(order.shape[0])):
        order = slice(None)
    year, region, sector, activity, unit = unpack_keys(k1[order])
    b = books

    def strings(vals, codes):
        return pl.Series(vals, dtype=pl.String).gather(codes) if codes.size else pl.Series([], dtype=pl.String)

    data = {"year": pl.Series(year, dtype=pl.Int32)}
    for name, c in (("region", region), ("sector", sector), ("activity", activity), ("unit", unit)):
        data[name] = strings(b[name].values, c)
        if codes is not None and None not in b[name].values:
            codes[name] = compact_codes(b[name].values, c)
    if codes is not None and len(codes) < 4:  # a codebook with a null: no codes (the stages encode the strings)
        codes.clear()
    if keep_entity:
        data["entity_id"] = strings([None, *b["entity"].values], k2[order])
    data["amount"] = pl.Series(sums[order], dtype=pl.Float64)
    data["n_rows"] = pl.Series(counts[order], dtype=pl.Int64)
    return pl.DataFrame(data)


def _ranks(vals) -> np.ndarray:
    """Rank of each value among ``vals`` sorted (str order: UTF-8 byte order, as polars sorts)."""
    rank = np.empty(len(vals), np.int64)
    rank[np.array(sorted(range(len(vals)), key=vals.__getitem__), dtype=np.int64)] = np.arange(len(vals))
    return rank


def empty_cube() -> Cube:
    """The cube of a run without activity data (sinks only)."""
    cells = pl.DataFrame(schema={"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String,
                                 "unit": pl.String, "amount": pl.Float64, "n_rows": pl.Int64})
    notation = pl.DataFrame(schema={"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String, "notation_key": pl.String})
    return Cube(cells=cells, notation=notation, stats={"rows_read": 0, "rows_outside_years": 0, "rows_notation": 0, "cube_cells": 0})
