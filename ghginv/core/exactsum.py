"""Exact sums of groups of float64 values, as integers: the reduction behind sums with :func:`math.fsum`'s bits.

Every finite float64 is an integer multiple of a power of two. With ``E`` its 11-bit exponent field and ``f`` its
52 fraction bits,

    x = ±m · 2^(max(E, 1) − 1075),   m = f + [E > 0] · 2^52 < 2^53

(the implicit leading 1 of a normal number; a subnormal, ``E = 0``, has the exponent of ``E = 1``). ``m`` and the
exponent come from the value's bits by integer operations (no :func:`numpy.frexp`): exact. The exact sum of a
group is therefore ``N × 2**scale`` with a Python integer ``N`` and ``scale`` the smallest exponent of all values:
the signed mantissas are added per (group, exponent) with :func:`numpy.bincount` and each (group, exponent) sum is
shifted into ``N`` as a Python integer, once (in numpy's object loops).

:func:`numpy.bincount` adds in float64, which is exact while every partial sum is an integer of magnitude at most
2**53. The signed mantissa is cut into pieces whose sums over all ``n`` values stay there: the low pieces of ``w``
bits each (``0 … 2**w − 1``) and the signed rest (arithmetic shift, ``|rest| <= 2**(53 − (k − 1)·w)`` for ``k``
pieces), with ``n · 2**w <= 2**53`` and ``n · |rest| <= 2**53``. Below 2**26 values two pieces of 27 bits (low) and
at most 26 bits (signed rest) do; below 2**35 values three pieces of 18 bits; from there pieces of ``53 − b`` bits
(``n < 2**b``) as many as needed. No row count falls back to :func:`math.fsum`.

Rounding ``N × 2**scale`` once to the nearest float (ties to even) — :func:`round_exact`, Python's correctly rounded
integer true division — gives the bits of :func:`math.fsum` over the group's values, which is correctly rounded
too (Shewchuk, "Adaptive Precision Floating-Point Arithmetic and Fast Robust Geometric Predicates", 1997; the
algorithm of :func:`math.fsum`), except for two cases the callers leave to :func:`math.fsum` itself: the sign of a
zero sum (−0.0 or 0.0) and sums beyond the float range (:func:`math.fsum`'s errors). Sums of several groups are
the sums of their integers, rounded once.
"""

from __future__ import annotations

import numpy as np

__all__ = ["exact_group_sums", "round_exact"]

_TWO_PIECE_ROWS = 1 << 26  # below this many values: two pieces, 27 low bits and the signed rest (|rest| <= 2**26)
_THREE_PIECE_ROWS = 1 << 35  # below this many values: three pieces of 18 bits (|rest| <= 2**17)


def _piece_width(n_values: int) -> tuple[int, int]:
    """Bits per low piece and number of pieces of a mantissa for exact float64 sums of ``n_values`` pieces.

    Parameters
    ----------
    n_values : int
        Number of values added (the rows of all groups).

    Returns
    -------
    tuple of int
        ``(w, k)``: ``k − 1`` low pieces of ``w`` bits and the signed rest, such that ``n_values · 2**w <= 2**53``
        and ``n_values · 2**(53 − (k − 1)·w) <= 2**53``.
    """
    if n_values < _TWO_PIECE_ROWS:
        return 27, 2
    if n_values < _THREE_PIECE_ROWS:
        return 18, 3
    b = int(n_values).bit_length()  # n_values < 2**b
    w = 53 - b
    return w, 1 + -(-b // w)


def exact_group_sums(x: np.ndarray, group: np.ndarray, n_groups: int) -> tuple[list[int], int]:
    """The exact sum of the finite float64 values ``x`` of each group, as integers times one power of two.

    Parameters
    ----------
    x : numpy.ndarray
        float64 values, all finite [any unit].
    group : numpy.ndarray
        int, the group of each value, in ``0 .. n_groups - 1``.
    n_groups : int
        Number of groups.

    Returns
    -------
    totals : list of int
        Per group, the integer ``N``: its exact sum is ``N × 2**scale`` [unit of ``x``]; 0 for a group without values
        or whose values cancel.
    scale : int
        The power of two (the smallest exponent of the values, ``max(E, 1) − 1075``); 0 without values.
    """
    x = np.ascontiguousarray(x, np.float64)
    group = np.asarray(group, np.int64)
    totals = [0] * n_groups
    if not x.size:
        return totals, 0
    bits = x.view(np.int64)
    efield = (bits >> 52) & 0x7FF
    mant = (bits & ((1 << 52) - 1)) | np.where(efield > 0, np.int64(1 << 52), np.int64(0))
    mant = np.where(bits < 0, -mant, mant)
    exp = np.maximum(efield, 1)
    e0 = int(exp.min())
    span = int(exp.max()) - e0 + 1
    key = group * span + (exp - e0)
    width, n_pieces = _piece_width(x.size)
    pieces = []
    rest = mant
    for _ in range(n_pieces - 1):
        pieces.append((rest & ((1 << width) - 1)).astype(np.float64))  # low bits, 0 … 2**width - 1
        rest = rest >> width
    pieces.append(rest.astype(np.float64))  # the high bits, signed (arithmetic shift)
    sums = [np.bincount(key, weights=p, minlength=n_groups * span) for p in pieces]
    used = np.flatnonzero(np.logical_or.reduce([q != 0 for q in sums]))
    if not used.size:
        return totals, e0 - 1075
    # each (group, exponent) sum as a Python integer, shifted to the common scale and added per group — in numpy's
    # object loops (the integers' own arithmetic, exact) rather than a Python loop over the pairs: about half the time
    # at a few thousand pairs (8,655 at 1 M activity rows in the provincial tables)
    g, shift = np.divmod(used, span)
    v = None
    for i, q in enumerate(sums):
        t = q[used].astype(np.int64).astype(object)  # an integer of at most 2**53: exact in int64
        if i:
            t = np.left_shift(t, i * width)
        v = t if v is None else v + t
    v = np.left_shift(v, shift.astype(object))
    first = np.flatnonzero(np.concatenate([[True], g[1:] != g[:-1]]))  # ``used`` is ascending: each group's pairs in a run
    for gi, n in zip(g[first].tolist(), np.add.reduceat(v, first).tolist(), strict=True):
        totals[gi] = n
    return totals, e0 - 1075


def round_exact(total: int, scale: int) -> float:
    """``total × 2**scale`` rounded once to the nearest float64 (ties to even).

    Parameters
    ----------
    total : int
        The integer of an exact sum (:func:`exact_group_sums`).
    scale : int
        Its power of two.

    Returns
    -------
    float
        The correctly rounded value [unit of the summed values]; 0.0 for ``total == 0``.

    Raises
    ------
    OverflowError
        When the value rounds beyond the float range.
    """
    return total / (1 << -scale) if scale < 0 else float(total << scale)
