"""Deterministic group sums: sort by the keys, then add with ``numpy.add.reduceat``.

Floating-point sums depend on the order of the terms; a hash group-by may add them in a
different order from run to run. Sorting first (a stable sort on the key columns) fixes the
order, so the same input gives the same bytes.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["group_sum", "sort_order", "sort_stable"]


def _rank_codes(col: pl.Series) -> np.ndarray:
    """int64 codes whose order is the column's sort order (nulls last)."""
    if col.dtype in (pl.String, pl.Categorical, pl.Enum):
        import pyarrow.compute as pc

        arr = col.cast(pl.String).rechunk().to_arrow()
        if hasattr(arr, "combine_chunks"):
            arr = arr.combine_chunks()
        d = pc.dictionary_encode(arr)
        values = d.dictionary.to_pylist()
        rank = np.empty(len(values) + 1, np.int64)
        # str order (code points) = UTF-8 byte order = polars' String order
        rank[np.argsort(np.array(values, dtype=object), kind="stable")] = np.arange(len(values))
        rank[-1] = len(values)  # nulls last
        return rank[pc.fill_null(d.indices, len(values)).to_numpy(zero_copy_only=False)]
    if col.dtype.is_integer() or col.dtype == pl.Boolean:
        codes = col.cast(pl.Int64)
        if codes.null_count():
            codes = codes.fill_null(int(codes.max()) + 1 if codes.len() > codes.null_count() else 0)
        return codes.to_numpy()
    return col.rank("dense").fill_null(col.len() + 1).cast(pl.Int64).to_numpy()


def sort_order(df: pl.DataFrame, keys: list[str]) -> np.ndarray:
    """Stable permutation that sorts ``df`` by ``keys`` ascending, nulls last.

    The same order as ``df.sort(keys, nulls_last=True, maintain_order=True)``, computed on small
    integer codes (each string column through an Enum of its sorted distinct values) with a
    numpy lexsort: much faster than sorting rows by several string columns.
    """
    return _order([_rank_codes(df[k]) for k in keys]) if df.height else np.zeros(0, np.int64)


def _order(codes: list[np.ndarray]) -> np.ndarray:
    """Stable lexicographic order of rows given per-key codes (all ≥ 0)."""
    combined = np.zeros(codes[0].shape[0], np.int64)
    room = 1
    codes = [c - c.min() if c.size else c for c in codes]
    for c in codes:
        span = int(c.max()) + 1 if c.size else 1
        room *= span
        if room >= 1 << 62:  # too wide for one int64 key
            return np.lexsort(codes[::-1])
        combined = combined * span + c
    return np.argsort(combined, kind="stable")


def sort_stable(df: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """``df`` sorted by ``keys`` (ascending, nulls last, ties in their input order)."""
    return df[sort_order(df, keys)] if df.height > 1 else df


def group_sum(df: pl.DataFrame, keys: list[str], values: list[str]) -> pl.DataFrame:
    """Sum ``values`` per distinct ``keys``; result sorted by ``keys`` (nulls last)."""
    if df.height == 0:
        return df.select(keys + values).clear()
    codes = [_rank_codes(df[k]) for k in keys]
    order = _order(codes)
    # first row of each group (in sorted order): where any key differs from the previous row
    change = np.zeros(df.height, bool)
    change[0] = True
    for c in codes:
        c = c[order]
        change[1:] |= c[1:] != c[:-1]
    starts = np.nonzero(change)[0]
    out = df.select(keys)[order[starts]]
    cols = []
    for v in values:
        x = df[v].to_numpy()[order]
        cols.append(pl.Series(v, np.add.reduceat(x, starts), dtype=pl.Float64))
    return out.with_columns(cols)
