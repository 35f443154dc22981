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


_CHUNK = 1 << 16  # values reduced at a time (their temporaries: a few hundred KiB each)


def _exponents(bits: np.ndarray) -> np.ndarray:
    """``max(E, 1)`` of each float64 given as its int64 bits (``E``: the 11-bit exponent field)."""
    e = bits >> 52
    e &= 0x7FF
    return np.maximum(e, 1, out=e)


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
    n = x.size
    lo_e, hi_e = 2047, 1
    for s0 in range(0, n, _CHUNK):  # the exponents' range first: one scale for all
        e = _exponents(bits[s0:s0 + _CHUNK])
        lo_e, hi_e = min(lo_e, int(e.min())), max(hi_e, int(e.max()))
    e0 = lo_e
    span = hi_e - e0 + 1
    width, n_pieces = _piece_width(n)
    bins = n_groups * span
    sums: list = [None] * n_pieces
    # the values a block at a time, each block's temporaries small enough to stay in the CPU's cache (measured: 2.5 to
    # 3 times faster than whole-array passes at 175 k to 850 k values); blocks no shorter than the bins, so a call with
    # many (group, exponent) bins stays one pass. Each block's bin sums are integers and so is their total: every
    # partial sum over all values stays within 2**53 (_piece_width), the same exact sums
    step = max(_CHUNK, bins)
    for s0 in range(0, n, step):
        b = bits[s0:s0 + step]
        sign = b >> 63  # 0, or -1 for a negative value (arithmetic shift)
        e = b >> 52
        e &= 0x7FF
        mant = b & ((1 << 52) - 1)
        mant |= np.minimum(e, 1) << 52  # the implicit leading 1 of a normal number
        mant ^= sign
        mant -= sign  # -m for a negative value: (m ^ -1) + 1, two's complement
        np.maximum(e, 1, out=e)
        key = group[s0:s0 + step] * span
        key += e
        key -= e0
        rest = mant
        for i in range(n_pieces):
            if i < n_pieces - 1:
                w = (rest & ((1 << width) - 1)).astype(np.float64)  # low bits, 0 … 2**width - 1
                rest = rest >> width
            else:
                w = rest.astype(np.float64)  # the high bits, signed (arithmetic shift)
            got = np.bincount(key, weights=w, minlength=bins)
            if sums[i] is None:  # the first block's sums (one block: no other array of the bins' size)
                sums[i] = got
            else:
                sums[i] += got
    used = np.flatnonzero(np.logical_or.reduce([q != 0 for q in sums]))
    if not used.size:
        return totals, e0 - 1075
    # each (group, exponent) sum as a Python integer, shifted to the common scale and added per group — in numpy's
    # object loops (the integers' own arithmetic, exact) rather than a Python loop over the pairs: about half the time
    # at a few thousand pairs (8,655 at 1 M activity rows in the provincial tables)
    g, shift = np.divmod(used, span)
    parts = [q[used] for q in sums]  # integers of at most 2**53: exact in int64
    if n_pieces == 2 and float(np.abs(parts[1]).max()) < 2.0 ** (62 - width):
        # the two pieces' sums joined in int64 where that holds them (|high| · 2**width < 2**62, low < 2**53), then one
        # Python integer per pair
        v = parts[1].astype(np.int64) << width
        v += parts[0].astype(np.int64)
        v = v.astype(object)
    else:
        v = None
        for i, q in enumerate(parts):
            t = q.astype(np.int64).astype(object)
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
