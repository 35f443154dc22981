"""Streaming aggregation of activity rows into cube cells: an open-addressing hash table.

A cell key is two int64 numbers: ``k1`` packs (year, region, sector, activity, unit) codes and
``k2`` is the entity code (0 when entities are not kept). Stages, as in datashader:

* create  — :func:`new_table` allocates empty arrays (capacity a power of two);
* append  — :func:`table_append` adds one batch: ``sums[cell] += amount``, ``counts[cell] += 1``;
* combine — :func:`table_merge` adds one table into another (partial cubes, e.g. per worker);
* finalize — :func:`table_items` returns the used slots.

A slot is empty while ``counts[slot] == 0``. The table is grown (doubled and re-inserted) by the
caller whenever an append stops because it is half full.
"""

from __future__ import annotations

import numpy as np

from . import ngjit

__all__ = ["new_table", "table_append", "table_merge", "table_grow", "table_items", "pack_keys", "unpack_keys"]

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
    """Add rows ``start..`` of (k1, k2, amount); stop early when the table is half full.

    Returns ``(next_row, n_used)``; the caller grows the table and calls again while
    ``next_row < len(k1)``.
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


@ngjit
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
    """A table of at least twice the capacity holding the same cells."""
    cap = max(table[0].shape[0] * 2, 1 << max(4, int(2 * min_capacity).bit_length()))
    new = new_table(cap)
    _insert_cells(*new, 0, *table)
    return new


def table_merge(dst, dst_used: int, src):
    """combine: add every cell of ``src`` into ``dst``; returns (table, n_used)."""
    src_used = int(np.count_nonzero(src[3]))
    if 2 * (dst_used + src_used) >= dst[0].shape[0]:
        dst = table_grow(dst, dst_used, dst_used + src_used)
    n = _insert_cells(*dst, dst_used, *src)
    return dst, n


def table_items(table):
    """finalize: (k1, k2, sums, counts) of the used slots."""
    used = table[3] > 0
    return table[0][used], table[1][used], table[2][used], table[3][used]


def pack_keys(year, region, sector, activity, unit):
    """Pack code arrays into k1 (int64). Inputs must be within LIMITS (checked by the caller)."""
    k = (year.astype(np.int64) - YEAR_BASE) << (REGION_BITS + SECTOR_BITS + ACT_BITS + UNIT_BITS)
    k |= region.astype(np.int64) << (SECTOR_BITS + ACT_BITS + UNIT_BITS)
    k |= sector.astype(np.int64) << (ACT_BITS + UNIT_BITS)
    k |= activity.astype(np.int64) << UNIT_BITS
    k |= unit.astype(np.int64)
    return k


def unpack_keys(k1):
    """Inverse of :func:`pack_keys`: (year, region, sector, activity, unit) arrays."""
    unit = k1 & ((1 << UNIT_BITS) - 1)
    activity = (k1 >> UNIT_BITS) & ((1 << ACT_BITS) - 1)
    sector = (k1 >> (ACT_BITS + UNIT_BITS)) & ((1 << SECTOR_BITS) - 1)
    region = (k1 >> (SECTOR_BITS + ACT_BITS + UNIT_BITS)) & ((1 << REGION_BITS) - 1)
    year = (k1 >> (REGION_BITS + SECTOR_BITS + ACT_BITS + UNIT_BITS)) + YEAR_BASE
    return year, region, sector, activity, unit
