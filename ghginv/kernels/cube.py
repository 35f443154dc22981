"""Streaming aggregation of activity rows into cube cells: an open-addressing hash table.

A cell key is two int64 numbers: ``k1`` packs (year, region, sector, activity, unit) codes and
``k2`` is the entity code (0 when entities are not kept). Stages, as in datashader:

* create  — :func:`new_table` allocates empty arrays (capacity a power of two);
* append  — :func:`table_append` adds one batch: ``sums[cell] += amount``, ``counts[cell] += 1``;
* combine — :func:`table_merge` adds one table into another (partial cubes, e.g. per worker);
* finalize — :func:`table_items` returns the used slots.

:func:`batch_append` is the fused form of append used by the cube builder: in one pass over a
batch's raw dictionary indices and amounts it checks every row (valid codes, finite amount ≥ 0,
plausible year), maps the batch's dictionary indices to global codes through small lookup
tables, packs the key, filters the year range and adds the row to the table. It stops at the
first bad row, and the caller re-checks that batch on the slow path that names rows.
:func:`batch_append_tally` also sums the added amounts per raw unit index for the conservation
check (:mod:`ghginv.pipeline.conservation`).

A slot is empty while ``counts[slot] == 0``. The table is grown (doubled and re-inserted) by the
caller whenever an append stops because it is half full.
"""

from __future__ import annotations

import numpy as np

from . import ngjit

__all__ = ["new_table", "table_append", "batch_append", "batch_append_tally", "tally_sums", "table_merge", "table_grow", "table_items", "pack_keys",
    "unpack_keys"]

# bit layout of k1 (60 bits used): year-1900 (8) | region (20) | sector (10) | activity (12) | unit (10)
UNIT_BITS, ACT_BITS, SECTOR_BITS, REGION_BITS, YEAR_BITS = 10, 12, 10, 20, 8
YEAR_BASE = 1900
LIMITS = {
    "unit": 1 << UNIT_BITS,
    "activity": 1 << ACT_BITS,
    "sector": 1 << SECTOR_BITS,
    "region": 1 << REGION_BITS,
    "year": 1 << YEAR_BITS,
}


def new_table(capacity: int = 1 << 12):
    """create: an empty hash table.

    Parameters
    ----------
    capacity : int, default 4096
        Wanted number of slots; rounded up to a power of two, at least 16.

    Returns
    -------
    tuple of numpy.ndarray
        ``(keys1, keys2, sums, counts)``: int64, int64, float64 and int64 arrays of the capacity,
        all zero (every slot empty).
    """
    cap = 1 << max(4, int(capacity - 1).bit_length())
    return (
        np.zeros(cap, np.int64),
        np.zeros(cap, np.int64),
        np.zeros(cap, np.float64),
        np.zeros(cap, np.int64),
    )


@ngjit
def _slot(a, b, mask):
    # multiplicative hashing on 30-bit halves: every product stays below 2**62, so the same
    # arithmetic is exact in numba (int64) and in plain Python (NUMBA_DISABLE_JIT=1)
    h = ((a & 0x3FFFFFFF) * 0x9E3779B1) ^ ((a >> 30) * 0x85EBCA77) ^ ((b & 0x3FFFFFFF) * 0xC2B2AE3D) ^ (b >> 30)
    h ^= (h >> 31) ^ (h >> 17)
    return h & mask


@ngjit
def table_append(keys1, keys2, sums, counts, n_used, k1, k2, amount, start):
    """append: add rows ``start..`` of (k1, k2, amount); stop early when the table is half full.

    ``sums[cell] += amount``, ``counts[cell] += 1``; the table arrays are changed in place.

    Parameters
    ----------
    keys1 : numpy.ndarray of int64, shape (capacity,)
        Packed key ``k1`` of each slot (:func:`pack_keys`).
    keys2 : numpy.ndarray of int64, shape (capacity,)
        Entity code ``k2`` of each slot (0 when entities are not kept).
    sums : numpy.ndarray of float64, shape (capacity,)
        Sum of the amounts per slot [reported unit of the cell].
    counts : numpy.ndarray of int64, shape (capacity,)
        Rows added per slot; 0 marks an empty slot.
    n_used : int
        Slots in use.
    k1 : numpy.ndarray of int64, shape (n,)
        Packed key of each row.
    k2 : numpy.ndarray of int64, shape (n,)
        Entity code of each row.
    amount : numpy.ndarray of float64, shape (n,)
        Activity amount of each row [reported unit of the row].
    start : int
        First row to add.

    Returns
    -------
    next_row : int
        First row not added (``len(k1)`` when all were).
    n_used : int
        Slots in use after the call. The caller grows the table (:func:`table_grow`) and calls
        again while ``next_row < len(k1)``.
    """
    mask = keys1.shape[0] - 1
    limit = keys1.shape[0] >> 1
    n = k1.shape[0]
    for i in range(start, n):
        a = k1[i]
        b = k2[i]
        h = _slot(a, b, mask)
        while True:
            if counts[h] == 0:
                keys1[h] = a
                keys2[h] = b
                sums[h] = amount[i]
                counts[h] = 1
                n_used += 1
                break
            if keys1[h] == a and keys2[h] == b:
                sums[h] += amount[i]
                counts[h] += 1
                break
            h = (h + 1) & mask
        if n_used >= limit:
            return i + 1, n_used
    return n, n_used


YEAR_SHIFT = REGION_BITS + SECTOR_BITS + ACT_BITS + UNIT_BITS
R_SHIFT = SECTOR_BITS + ACT_BITS + UNIT_BITS
S_SHIFT = ACT_BITS + UNIT_BITS
BATCH_DONE, BATCH_FULL, BATCH_BAD = 0, 1, 2
U = np.uintp  # indices known to be ≥ 0 go in unsigned: numba then skips the negative-index wraparound
TALLY_LANES = 8  # independent accumulators per unit: consecutive rows do not wait on one add


@ngjit
def batch_append(keys1, keys2, sums, counts, n_used, start, years, y_step, y_lo, y_hi,
                 i_region, i_sector, i_activity, i_unit, i_entity, steps,
                 l_region, l_sector, l_activity, l_unit, l_entity, amount):
    """:func:`batch_append_tally` without the input tally.

    Parameters
    ----------
    keys1, keys2, sums, counts, n_used, start, years, y_step, y_lo, y_hi : see batch_append_tally
        The table, the first row and the batch's years.
    i_region, i_sector, i_activity, i_unit, i_entity, steps : see batch_append_tally
        The batch's dictionary indices and their steps.
    l_region, l_sector, l_activity, l_unit, l_entity, amount : see batch_append_tally
        The lookup tables and the amounts [reported unit of the row].

    Returns
    -------
    tuple of int
        ``(status, next_row, n_used, n_outside)``, as :func:`batch_append_tally`.
    """
    return batch_append_tally(keys1, keys2, sums, counts, n_used, start, years, y_step, y_lo, y_hi,
                              i_region, i_sector, i_activity, i_unit, i_entity, steps,
                              l_region, l_sector, l_activity, l_unit, l_entity, amount, np.zeros(0, np.float64))


@ngjit
def batch_append_tally(keys1, keys2, sums, counts, n_used, start, years, y_step, y_lo, y_hi,
                       i_region, i_sector, i_activity, i_unit, i_entity, steps,
                       l_region, l_sector, l_activity, l_unit, l_entity, amount, tally):
    """Validate, remap, pack and add rows ``start..`` of one batch.

    ``i_*`` are dictionary indices into the lookup tables ``l_*``, which hold the global code
    (``l_entity``: k2), or -1 for a value that fails its check. ``steps[c]`` is 1, or 0 for a column that is constant in the batch (a Hive
    partition: one index for every row); ``y_step`` likewise for ``years``. Rows whose year lies
    outside ``[y_lo, y_hi]`` are valid but not added. A row is bad when an index lies outside
    its lookup table, its code is -1, its amount is negative, NaN or infinite, or its year is
    outside ``YEAR_BASE .. YEAR_BASE + 255``.

    Parameters
    ----------
    keys1 : numpy.ndarray of int64, shape (capacity,)
        Packed key ``k1`` of each slot (:func:`pack_keys`).
    keys2 : numpy.ndarray of int64, shape (capacity,)
        Entity code ``k2`` of each slot (0 when entities are not kept).
    sums : numpy.ndarray of float64, shape (capacity,)
        Sum of the amounts per slot [reported unit of the cell].
    counts : numpy.ndarray of int64, shape (capacity,)
        Rows added per slot; 0 marks an empty slot.
    n_used : int
        Slots in use.
    start : int
        First row of the batch to add.
    years : numpy.ndarray of int64
        Year of each row (length n), or one year for the batch (length 1, ``y_step`` 0).
    y_step : int
        1, or 0 when ``years`` holds one year for every row.
    y_lo, y_hi : int
        Years of the run, inclusive.
    i_region, i_sector, i_activity, i_unit, i_entity : numpy.ndarray of int32
        Dictionary index of each row (length n), or one index (length 1, step 0).
    steps : numpy.ndarray of int64, shape (5,)
        Step of each ``i_*`` array, in the order region, sector, activity, unit, entity.
    l_region, l_sector, l_activity, l_unit, l_entity : numpy.ndarray of int64
        Global code per dictionary index, or -1 for a value that fails its check.
    amount : numpy.ndarray of float64, shape (n,)
        Activity amount of each row [reported unit of the row].
    tally : numpy.ndarray of float64
        Length ``TALLY_LANES × len(l_unit)``, or empty for none: receives the conservation
        check's input tally, each added row's amount [reported unit] by its *raw* unit dictionary
        index ``i_unit`` (not the remapped code), in one of ``TALLY_LANES`` lanes (:func:`tally_sums`).

    Returns
    -------
    status : int
        ``BATCH_DONE``; ``BATCH_FULL`` when the table is half full (grow it and call again from
        ``next_row``); ``BATCH_BAD`` when row ``next_row`` breaks the contract (rows before it
        may have been added).
    next_row : int
        First row not yet handled.
    n_used : int
        Slots in use after the call.
    n_outside : int
        Valid rows skipped because their year lies outside ``[y_lo, y_hi]``.
    """
    mask = keys1.shape[0] - 1
    n_tu = l_unit.shape[0] if tally.shape[0] > 0 else 0
    limit = keys1.shape[0] >> 1
    n = amount.shape[0]
    s_r, s_s, s_a, s_u, s_e = steps[0], steps[1], steps[2], steps[3], steps[4]
    n_r, n_s, n_a, n_u, n_e = U(l_region.shape[0]), U(l_sector.shape[0]), U(l_activity.shape[0]), U(l_unit.shape[0]), U(l_entity.shape[0])
    n_outside = 0
    for i in range(start, n):
        x = amount[U(i)]
        y = years[U(i * y_step)]
        jr, js, ja, ju, je = (i_region[U(i * s_r)], i_sector[U(i * s_s)], i_activity[U(i * s_a)], i_unit[U(i * s_u)],
                              i_entity[U(i * s_e)])
        if U(jr) >= n_r or U(js) >= n_s or U(ja) >= n_a or U(ju) >= n_u or U(je) >= n_e:  # negative: huge unsigned
            return BATCH_BAD, i, n_used, n_outside  # a damaged page: index outside the dictionary
        r = l_region[U(jr)]
        s = l_sector[U(js)]
        a = l_activity[U(ja)]
        u = l_unit[U(ju)]
        b = l_entity[U(je)]
        if not (x >= 0.0) or x == np.inf or U(y - YEAR_BASE) >= U(1 << YEAR_BITS) or (r | s | a | u | b) < 0:
            return BATCH_BAD, i, n_used, n_outside
        if y < y_lo or y > y_hi:
            n_outside += 1
            continue
        k = ((y - YEAR_BASE) << YEAR_SHIFT) | (r << R_SHIFT) | (s << S_SHIFT) | (a << UNIT_BITS) | u
        h = _slot(k, b, mask)
        while True:
            if counts[h] == 0:
                keys1[h] = k
                keys2[h] = b
                sums[h] = x
                counts[h] = 1
                n_used += 1
                break
            if keys1[h] == k and keys2[h] == b:
                sums[h] += x
                counts[h] += 1
                break
            h = (h + 1) & mask
        if n_tu:
            tally[U((i & (TALLY_LANES - 1)) * n_tu + ju)] += x
        if n_used >= limit:
            return BATCH_FULL, i + 1, n_used, n_outside
    return BATCH_DONE, n, n_used, n_outside


def tally_sums(tally, n_units: int):
    """Per unit dictionary index: the sum of a tally array's lanes.

    Parameters
    ----------
    tally : numpy.ndarray of float64, shape (TALLY_LANES × n_units,)
        The lanes filled by :func:`batch_append_tally` or
        :func:`ghginv.kernels.dense.dense_append_tally` [reported unit].
    n_units : int
        Entries of the batch's unit dictionary.

    Returns
    -------
    numpy.ndarray of float64, shape (n_units,)
        Sum of the added amounts per raw unit index [that unit]; ``inf`` where it overflows.
    """
    if not n_units:
        return np.zeros(0)
    with np.errstate(over="ignore"):  # amounts near the float limit: inf here, a clear error in run_checks
        return tally.reshape(TALLY_LANES, n_units).sum(axis=0)


def _slot_np(a, b, mask):
    """:func:`_slot` over int64 arrays (the same products, all below 2**62: the same slots)."""
    h = ((a & 0x3FFFFFFF) * 0x9E3779B1) ^ ((a >> 30) * 0x85EBCA77) ^ ((b & 0x3FFFFFFF) * 0xC2B2AE3D) ^ (b >> 30)
    h ^= (h >> 31) ^ (h >> 17)
    return h & mask


def _insert_cells_np(keys1, keys2, sums, counts, n_used, src1, src2, src_sums, src_counts):
    """:func:`_insert_cells` in numpy, for the plain-Python mode (numba not loaded): the same cells,
    sums and counts, without a Python loop per cell.

    Every probe sequence advances one slot per round for all cells at once. A cell of ``src``
    already in the table (found before the first empty slot of its sequence: inserting the other
    new cells cannot hide it) gets one addition, ``sums[h] + src_sums[j]``, as in the loop. A new
    cell takes the first empty slot of its sequence; when several new cells reach the same empty
    slot in a round, the first in ``src`` order takes it and the others probe on. So every cell
    lies where its probe sequence finds it, its sum and count are set from ``src`` as the loop
    sets them (same bits), and only the slot *order* of colliding new cells may differ from the
    loop's — which :func:`table_items`' callers do not depend on (they sort the cells by key).
    """
    mask = keys1.shape[0] - 1
    live = np.flatnonzero(src_counts != 0)
    a = src1[live].astype(np.int64)
    b = src2[live].astype(np.int64)
    h = _slot_np(a, b, mask)
    todo = np.arange(live.shape[0])  # positions in live: cells still probing the existing table
    found = np.full(live.shape[0], -1, np.int64)
    new = np.zeros(live.shape[0], np.bool_)
    while todo.size:  # find each cell, or the first empty slot of its sequence
        hh = h[todo]
        empty = counts[hh] == 0
        hit = ~empty & (keys1[hh] == a[todo]) & (keys2[hh] == b[todo])
        found[todo[hit]] = hh[hit]
        new[todo[empty]] = True
        todo = todo[~(hit | empty)]
        h[todo] = (h[todo] + 1) & mask
    f = np.flatnonzero(found >= 0)
    hf, jf = found[f], live[f]
    sums[hf] = sums[hf] + src_sums[jf]
    counts[hf] = counts[hf] + src_counts[jf]
    todo = np.flatnonzero(new)  # new cells, in src order; h: the first empty slot of each sequence
    while todo.size:
        hh = h[todo]
        empty = counts[hh] == 0
        first = np.zeros(todo.size, np.bool_)
        cand = np.flatnonzero(empty)
        _, at = np.unique(hh[cand], return_index=True)  # the first cell (src order) at each empty slot
        first[cand[at]] = True
        t, s = todo[first], hh[first]
        keys1[s] = a[t]
        keys2[s] = b[t]
        sums[s] = src_sums[live[t]]
        counts[s] = src_counts[live[t]]
        n_used += t.size
        todo = todo[~first]
        h[todo] = (h[todo] + 1) & mask
    return n_used


@ngjit(small=_insert_cells_np)
def _insert_cells(keys1, keys2, sums, counts, n_used, src1, src2, src_sums, src_counts):
    mask = keys1.shape[0] - 1
    for j in range(src1.shape[0]):
        if src_counts[j] == 0:
            continue
        a = src1[j]
        b = src2[j]
        h = _slot(a, b, mask)
        while True:
            if counts[h] == 0:
                keys1[h] = a
                keys2[h] = b
                sums[h] = src_sums[j]
                counts[h] = src_counts[j]
                n_used += 1
                break
            if keys1[h] == a and keys2[h] == b:
                sums[h] += src_sums[j]
                counts[h] += src_counts[j]
                break
            h = (h + 1) & mask
    return n_used


def table_grow(table, n_used: int, min_capacity: int = 0):
    """A table of at least twice the capacity holding the same cells.

    Parameters
    ----------
    table : tuple of numpy.ndarray
        ``(keys1, keys2, sums, counts)`` (:func:`new_table`).
    n_used : int
        Slots in use (not read; kept for a uniform call).
    min_capacity : int, default 0
        The new table holds at least ``2 × min_capacity`` slots.

    Returns
    -------
    tuple of numpy.ndarray
        The new ``(keys1, keys2, sums, counts)``, with the same cells re-inserted.
    """
    cap = max(table[0].shape[0] * 2, 1 << max(4, int(2 * min_capacity).bit_length()))
    new = new_table(cap)
    _insert_cells(*new, 0, *table)
    return new


def table_merge(dst, dst_used: int, src):
    """combine: add every cell of ``src`` into ``dst`` (sums and counts of equal keys add up).

    Parameters
    ----------
    dst : tuple of numpy.ndarray
        ``(keys1, keys2, sums, counts)`` receiving the cells; changed in place unless grown.
    dst_used : int
        Slots in use in ``dst``.
    src : tuple of numpy.ndarray
        ``(keys1, keys2, sums, counts)`` to add: a table, or the used slots of one
        (:func:`table_items`).

    Returns
    -------
    table : tuple of numpy.ndarray
        ``dst``, or a grown copy when it would be half full.
    n_used : int
        Slots in use in ``table``.
    """
    src_used = int(np.count_nonzero(src[3]))
    if 2 * (dst_used + src_used) >= dst[0].shape[0]:
        dst = table_grow(dst, dst_used, dst_used + src_used)
    n = _insert_cells(*dst, dst_used, *src)
    return dst, n


def table_items(table):
    """finalize: (k1, k2, sums, counts) of the used slots.

    Parameters
    ----------
    table : tuple of numpy.ndarray
        ``(keys1, keys2, sums, counts)``.

    Returns
    -------
    tuple of numpy.ndarray
        ``k1`` (int64), ``k2`` (int64), ``sums`` (float64, [reported unit of the cell]) and
        ``counts`` (int64) of the slots with ``counts > 0``, in slot order.
    """
    used = table[3] > 0
    return table[0][used], table[1][used], table[2][used], table[3][used]


def pack_keys(year, region, sector, activity, unit):
    """Pack code arrays into k1 (int64). Inputs must be within LIMITS (checked by the caller).

    Bit layout (60 bits): year − 1900 (8) | region (20) | sector (10) | activity (12) | unit (10).

    Parameters
    ----------
    year : numpy.ndarray of int
        Calendar year, 1900..2155.
    region, sector, activity, unit : numpy.ndarray of int
        Global codes (codebook indices), each below its :data:`LIMITS` entry.

    Returns
    -------
    numpy.ndarray of int64
        The packed key ``k1`` of each element.
    """
    k = (year.astype(np.int64) - YEAR_BASE) << (REGION_BITS + SECTOR_BITS + ACT_BITS + UNIT_BITS)
    k |= region.astype(np.int64) << (SECTOR_BITS + ACT_BITS + UNIT_BITS)
    k |= sector.astype(np.int64) << (ACT_BITS + UNIT_BITS)
    k |= activity.astype(np.int64) << UNIT_BITS
    k |= unit.astype(np.int64)
    return k


def unpack_keys(k1):
    """Inverse of :func:`pack_keys`: (year, region, sector, activity, unit) arrays.

    Parameters
    ----------
    k1 : numpy.ndarray of int64
        Packed keys.

    Returns
    -------
    tuple of numpy.ndarray of int64
        ``(year, region, sector, activity, unit)``, year as a calendar year.
    """
    unit = k1 & ((1 << UNIT_BITS) - 1)
    activity = (k1 >> UNIT_BITS) & ((1 << ACT_BITS) - 1)
    sector = (k1 >> (ACT_BITS + UNIT_BITS)) & ((1 << SECTOR_BITS) - 1)
    region = (k1 >> (SECTOR_BITS + ACT_BITS + UNIT_BITS)) & ((1 << REGION_BITS) - 1)
    year = (k1 >> (REGION_BITS + SECTOR_BITS + ACT_BITS + UNIT_BITS)) + YEAR_BASE
    return year, region, sector, activity, unit
