"""Cube: stream validated batches into the activity cube.

The cube holds, per (year, region, sector, activity, unit[, entity]), the sum of ``amount`` and
the number of rows. It is built in one pass over the input by the numba hash-table kernel in
:mod:`ghginv.kernels.cube`; factors are later resolved per (year, region, sector, activity) cell,
never per row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from .errors import ValidationError
from .kernels.cube import LIMITS, new_table, pack_keys, table_append, table_grow, table_items, unpack_keys
from .load import Batch
from .validate import BatchValidator, ValidRows

__all__ = ["Cube", "CubeBuilder"]


@dataclass
class Cube:
    """The aggregated activity data.

    ``cells``: polars DataFrame with columns year (Int32), region, sector, activity, unit,
    entity_id (String, only with entities), amount (Float64, sum in ``unit``), n_rows (Int64),
    sorted by every key column. ``notation``: rows reported with a notation key.
    """

    cells: pl.DataFrame
    notation: pl.DataFrame
    stats: dict = field(default_factory=dict)


class CubeBuilder:
    """create / append / finalize around the hash-table kernel."""

    def __init__(self, validator: BatchValidator):
        self.v = validator
        self.table = new_table(1 << 12)
        self.n_used = 0

    def append(self, batch: Batch) -> None:
        rows = self.v.process(batch)
        if rows is None:
            return
        self._append_rows(rows)

    def _append_rows(self, r: ValidRows) -> None:
        for name, book in (("region", "region"), ("sector", "sector"), ("activity", "activity"), ("unit", "unit")):
            if len(self.v.books[book]) > LIMITS[name]:
                raise ValidationError(
                    f"too many distinct {name} values ({len(self.v.books[book])}); at most {LIMITS[name]} are supported"
                )
        k1 = pack_keys(r.year, r.region, r.sector, r.activity, r.unit)
        k2 = r.entity.astype(np.int64, copy=False)
        amount = np.ascontiguousarray(r.amount, np.float64)
        start = 0
        while start < k1.shape[0]:
            start, self.n_used = table_append(*self.table, self.n_used, k1, k2, amount, start)
            if start < k1.shape[0] or 2 * self.n_used >= self.table[0].shape[0]:
                self.table = table_grow(self.table, self.n_used)

    def finalize(self) -> Cube:
        self.v.raise_if_problems()
        k1, k2, sums, counts = table_items(self.table)
        year, region, sector, activity, unit = unpack_keys(k1)
        b = self.v.books

        def strings(book, codes):
            vals = np.array(b[book].values, dtype=object) if len(b[book]) else np.array([], dtype=object)
            return pl.Series(vals[codes] if codes.size else [], dtype=pl.String)

        data = {
            "year": pl.Series(year, dtype=pl.Int32),
            "region": strings("region", region),
            "sector": strings("sector", sector),
            "activity": strings("activity", activity),
            "unit": strings("unit", unit),
        }
        keys = ["year", "region", "sector", "activity", "unit"]
        if self.v.keep_entity:
            ent = np.array([None, *b["entity"].values], dtype=object)
            data["entity_id"] = pl.Series(ent[k2] if k2.size else [], dtype=pl.String)
            keys.append("entity_id")
        data["amount"] = pl.Series(sums, dtype=pl.Float64)
        data["n_rows"] = pl.Series(counts, dtype=pl.Int64)
        cells = pl.DataFrame(data).sort(keys, nulls_last=True)
        notation = pl.DataFrame(
            self.v.notation_rows,
            schema={"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String, "notation_key": pl.String},
        ).unique().sort("year", "region", "sector", "activity", "notation_key")
        stats = {
            "rows_read": self.v.rows_read,
            "rows_outside_years": self.v.rows_outside_years,
            "rows_notation": self.v.rows_notation,
            "cube_cells": cells.height,
        }
        return Cube(cells=cells, notation=notation, stats=stats)
