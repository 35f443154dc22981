"""Deterministic group sums: sort by the keys, then add with ``numpy.add.reduceat``.

Floating-point sums depend on the order of the terms; a hash group-by may add them in a
different order from run to run. Sorting first (a stable sort on the key columns) fixes the
order, so the same input gives the same bytes.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["group_sum"]


def group_sum(df: pl.DataFrame, keys: list[str], values: list[str]) -> pl.DataFrame:
    """Sum ``values`` per distinct ``keys``; result sorted by ``keys`` (nulls last)."""
    if df.height == 0:
        return df.select(keys + values).clear()
    s = df.select(keys + values).sort(keys, nulls_last=True, maintain_order=True)
    k = s.select(keys)
    # first row of each group: where any key differs from the previous row
    change = np.zeros(s.height, bool)
    change[0] = True
    for c in keys:
        col = k[c]
        prev = col.shift(1)
        diff = (col != prev).fill_null(True) & ~(col.is_null() & prev.is_null())
        change |= diff.to_numpy()
    starts = np.nonzero(change)[0]
    out = k[starts]
    cols = [pl.Series(v, np.add.reduceat(s[v].to_numpy(), starts), dtype=pl.Float64) for v in values]
    return out.with_columns(cols)
