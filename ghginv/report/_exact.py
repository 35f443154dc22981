"""Exact sums of groups of floats, for tables whose cells add up many of the same groups.

:func:`math.fsum` is correctly rounded: it returns the float nearest (ties to even) to the exact sum of its
terms, whatever their order. A table that adds the same rows into many cells (the provincial tables: a sector,
its sub-items, the totals) can therefore reduce each *group* of rows once to its exact sum and round each cell's
total of groups once — the same bits as :func:`math.fsum` over the cell's rows, without running over the rows
again per cell.

The exact sum of a group is a Python integer ``N`` with ``sum = N × 2**scale`` (every float is an integer
multiple of a power of two): each value's IEEE 754 bits give its 53-bit integer mantissa (signed) and its
exponent, the mantissas are added per (group, exponent) in pieces with :func:`numpy.bincount` (float64
additions of integers below 2**53: exact), and the pieces are shifted into ``N`` in Python, once per
(group, exponent). A cell's float is ``N_total / 2**-scale``: Python's integer true division is correctly rounded
(ties to even), as :func:`math.fsum` is.

Groups with a value that is not a finite float (NaN, ±inf, null) and cells whose exact sum is zero are summed
with :func:`math.fsum` over their rows, as before: the same results and errors in those rare cases.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

__all__ = ["ExactSums"]

_TWO_PIECE_ROWS = 1 << 26  # below this many rows a mantissa is added in two pieces (|piece| <= 2**27: sums below 2**53)
_PIECE = 18  # bits per mantissa piece from there on (three pieces): sums of up to 2**35 values stay below 2**53


class ExactSums:
    """The exact sum of each group of a float column, and :meth:`fsum` of any set of groups.

    Parameters
    ----------
    values : polars.Series
        Float64 values, the rows of group 0 first, then group 1, … (e.g. an exploded list column).
    lengths : numpy.ndarray
        Rows per group (int), summing to ``len(values)``.
    """

    def __init__(self, values: pl.Series, lengths: np.ndarray):
        self._values = values
        lengths = np.asarray(lengths, np.int64)
        self._starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        n = lengths.size
        x = values.cast(pl.Float64).to_numpy()
        group = np.repeat(np.arange(n, dtype=np.int64), lengths)
        bad = ~np.isfinite(x)
        if values.null_count():
            bad |= values.is_null().to_numpy()
        self._special = set(np.unique(group[bad]).tolist()) if bad.any() else set()
        if bad.any():
            x, group = x[~bad], group[~bad]
        # a finite float64 is ±m × 2**(max(E, 1) - 1075): E its 11-bit exponent field, m its 52 fraction bits with the
        # implicit leading 1 of a normal number (E > 0) — integer arithmetic on the bits, exact
        bits = x.view(np.int64)
        efield = (bits >> 52) & 0x7FF
        mant = (bits & ((1 << 52) - 1)) | np.where(efield > 0, np.int64(1 << 52), np.int64(0))
        mant = np.where(bits < 0, -mant, mant)
        exp = np.maximum(efield, 1)
        self._total: list[int] = [0] * n
        self._scale = 0
        if x.size == 0:
            return
        e0 = int(exp.min())
        self._scale = e0 - 1075
        span = int(exp.max()) - e0 + 1
        key = group * span + (exp - e0)
        # pieces of the mantissa whose sums per (group, exponent) stay below 2**53: exact float64 additions in bincount
        width = 27 if x.size < _TWO_PIECE_ROWS else _PIECE  # two pieces (27 low bits, the signed rest), else three
        pieces = []
        rest = mant
        for _ in range(1 if width == 27 else 2):
            pieces.append((rest & ((1 << width) - 1)).astype(np.float64))  # low bits, 0 … 2**width - 1
            rest = rest >> width
        pieces.append(rest.astype(np.float64))  # the high bits, signed (arithmetic shifts): |piece| <= 2**width
        sums = [np.bincount(key, weights=p, minlength=n * span) for p in pieces]
        used = np.flatnonzero(np.logical_or.reduce([q != 0 for q in sums]))
        total = self._total
        for k, *ps in zip(used.tolist(), *(q[used].tolist() for q in sums), strict=True):
            g, shift = divmod(k, span)
            v = 0
            for i, q in enumerate(ps):
                v += int(q) << (i * width)
            total[g] += v << shift

    def fsum(self, groups) -> float:
        """:func:`math.fsum` of the rows of ``groups`` (the same bits), from the groups' exact sums.

        Parameters
        ----------
        groups : iterable of int
            Group numbers (a group given twice counts twice, as its rows would).

        Returns
        -------
        float
            The correctly rounded sum [the values' unit]; 0.0 without groups.
        """
        groups = list(groups)
        if self._special.isdisjoint(groups):
            n = sum(self._total[g] for g in groups)
            if n:
                return n / (1 << -self._scale) if self._scale < 0 else float(n << self._scale)
        return math.fsum(v for g in groups for v in self.rows(g))

    def rows(self, group: int) -> list:
        """The values of one group, in their order (a list of floats; a null is None)."""
        return self._values.slice(int(self._starts[group]), int(self._starts[group + 1] - self._starts[group])).to_list()
