"""Exact sums of groups of floats, for tables whose cells add up many of the same groups.

:func:`math.fsum` is correctly rounded: it returns the float nearest (ties to even) to the exact sum of its
terms, whatever their order. A table that adds the same rows into many cells (the provincial tables: a sector,
its sub-items, the totals) can therefore reduce each *group* of rows once to its exact sum and round each cell's
total of groups once — the same bits as :func:`math.fsum` over the cell's rows, without running over the rows
again per cell.

The exact sum of a group is a Python integer ``N`` with ``sum = N × 2**scale``
(:func:`ghginv.core.exactsum.exact_group_sums`: the values' integer mantissas added per (group, exponent)), and a
cell's float is ``N_total × 2**scale`` rounded once (:func:`ghginv.core.exactsum.round_exact`, ties to even), as
:func:`math.fsum` rounds.

Groups with a value that is not a finite float (NaN, ±inf, null) and cells whose exact sum is zero are summed
with :func:`math.fsum` over their rows, as before: the same results and errors in those rare cases.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl

from ..core.exactsum import exact_group_sums, round_exact

__all__ = ["ExactSums"]


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
        self._group = None
        lengths = np.asarray(lengths, np.int64)
        self._starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        n = lengths.size
        self._sum(values, np.repeat(np.arange(n, dtype=np.int64), lengths), n)

    @classmethod
    def of_groups(cls, values: pl.Series, group: np.ndarray, n_groups: int) -> ExactSums:
        """The exact sums of groups given as a group number per row, the rows in any order.

        Parameters
        ----------
        values : polars.Series
            Float64 values.
        group : numpy.ndarray
            int, the group of each value, in ``0 .. n_groups - 1``.
        n_groups : int
            Number of groups.

        Returns
        -------
        ExactSums
            The same sums as ``ExactSums`` of the values gathered group by group (each group's rows in their
            order); :meth:`rows` gathers a group's values when asked (only for a group with a value that is not a
            finite float).
        """
        self = cls.__new__(cls)
        group = np.asarray(group, np.int64)
        self._values = values
        self._group = group
        self._starts = None
        self._sum(values, group, n_groups)
        return self

    def _sum(self, values: pl.Series, group: np.ndarray, n: int) -> None:
        """The exact sums of the finite values per group (``group``: the group of each value, ``0 .. n - 1``); the
        groups with a null, NaN or infinite value are kept apart (:meth:`fsum` sums their rows with ``math.fsum``)."""
        x = values.cast(pl.Float64).to_numpy()
        bad = ~np.isfinite(x)
        if values.null_count():
            bad |= values.is_null().to_numpy()
        self._special = set(np.unique(group[bad]).tolist()) if bad.any() else set()
        if bad.any():
            x, group = x[~bad], group[~bad]
        self._total, self._scale = exact_group_sums(x, group, n)

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
                return round_exact(n, self._scale)
        return math.fsum(v for g in groups for v in self.rows(g))

    def rows(self, group: int) -> list:
        """The values of one group, in their order (a list of floats; a null is None)."""
        if self._starts is None:  # of_groups: the group's rows, in their order
            return self._values.filter(pl.Series(self._group == group)).to_list()
        return self._values.slice(int(self._starts[group]), int(self._starts[group + 1] - self._starts[group])).to_list()
