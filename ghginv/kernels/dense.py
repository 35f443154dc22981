"""Dense form of the activity cube: scatter-add into a (year, region, combo) array.

Activity data are sparse in the full key space (each activity has its own few sectors and
units) but dense in (year, region) × *combo*, where a combo is one (sector, activity, unit)
seen in the data. The cube is then one float64 array of shape ``(Y, R, C, 2)`` holding the sum
of ``amount`` and the row count per cell, addressed directly — no hashing, no keys stored, and
sum and count of a cell in the same cache line. For 600 k cells it is a few tens of MB and most
of it stays in cache, against one random memory access per row (or four) for a hash table.

``year_idx`` (indexed by ``year - YEAR_BASE``) and ``combo_of`` (indexed by the global sector,
activity and unit codes) give the dense positions, assigned in order of first appearance by
:func:`dense_append`. When a new year or combo does not fit, the kernel stops and the caller
grows the array (:class:`DenseCube`) and calls again. The caller switches to the hash table
when the array would grow beyond ``MAX_SLOTS`` (very sparse data).

A batch of one year (the usual ``year=YYYY`` partition folder) whose year is placed takes a
shorter loop (:func:`_dense_one_year`): the batch's own lookups folded once into a flat offset
per region and a combo per (sector, activity, unit) triple of dictionary indices, two lookups a
row instead of six; the rows are handled in the same order with the same checks, so the cells
and the tally have the same bits (about 8 → 6 ns a row at 100 M rows).
"""

from __future__ import annotations

import numpy as np

from . import ngjit
from .cube import BATCH_BAD, BATCH_DONE, BATCH_FULL, TALLY_LANES, YEAR_BASE, YEAR_BITS, pack_keys

__all__ = ["dense_append", "dense_append_tally", "DenseCube", "MAX_SLOTS"]

MAX_SLOTS = 1 << 23  # 8 M cells × 16 bytes = 128 MiB at most


CHUNK = 4096
U = np.uintp  # indices known to be ≥ 0 go in unsigned: numba then skips the negative-index wraparound (~1/3 of the loop)


@ngjit
def _scatter(flat, pos, amount, c0, c1):
    for i in range(c0, c1):
        j = pos[U(i - c0)]
        if j >= 0:
            flat[U(2 * j)] += amount[U(i)]
            flat[U(2 * j + 1)] += 1.0


@ngjit
def dense_append(cells, year_idx, combo_of, combo_keys, meta, start, years, y_step, y_lo, y_hi,
                 i_region, i_sector, i_activity, i_unit, steps, l_region, l_sector, l_activity, l_unit, amount):
    """:func:`dense_append_tally` without the input tally.

    Parameters
    ----------
    cells, year_idx, combo_of, combo_keys, meta, start : see dense_append_tally
        The dense cube's state (:class:`DenseCube`) and the first row.
    years, y_step, y_lo, y_hi, i_region, i_sector, i_activity, i_unit, steps : see dense_append_tally
        The batch's years and dictionary indices.
    l_region, l_sector, l_activity, l_unit, amount : see dense_append_tally
        The lookup tables and the amounts [reported unit of the row].

    Returns
    -------
    tuple of int
        ``(status, next_row, n_outside)``, as :func:`dense_append_tally`.
    """
    return dense_append_tally(cells, year_idx, combo_of, combo_keys, meta, start, years, y_step, y_lo, y_hi,
                              i_region, i_sector, i_activity, i_unit, steps, l_region, l_sector, l_activity, l_unit,
                              amount, np.zeros(0, np.float64))


def _dense_append_tally_np(cells, year_idx, combo_of, combo_keys, meta, start, years, y_step, y_lo, y_hi,
                           i_region, i_sector, i_activity, i_unit, steps, l_region, l_sector, l_activity, l_unit, amount, tally):
    """:func:`dense_append_tally` in numpy, for the plain-Python mode (numba not loaded): the same
    state changes, the same sums bit for bit and the same return value, without a Python loop per row.

    The rows go in pieces of ``NP_PIECE`` rows, then four times as many each time
    (:func:`_dense_np_piece` on each): a piece ends the call when it stops (``BATCH_BAD``,
    ``BATCH_FULL``), so that a batch whose first rows bring more combos than the array holds (the
    first batch of every file) does the work of its first piece twice, not that of the whole batch.
    Handing the rows over in consecutive pieces is the kernel's own row order, so the result is
    the same as in one piece.
    """
    n = amount.shape[0]
    if start >= n:
        return BATCH_DONE, n, 0
    outside = 0
    size = NP_PIECE
    while True:
        status, start, n_out = _dense_np_piece(cells, year_idx, combo_of, combo_keys, meta, start, min(n, start + size), years, y_step,
                                               y_lo, y_hi, (i_region, i_sector, i_activity, i_unit), steps,
                                               (l_region, l_sector, l_activity, l_unit), amount, tally)
        outside += n_out
        if status != BATCH_DONE or start >= n:
            return status, start, outside
        size *= 4


NP_PIECE = 4096  # rows of the numpy form's first piece


def _first_new(values, cand, n_values):
    """(distinct ``values[cand]`` in order of first appearance, the row of each first appearance).

    ``cand`` holds rows in increasing order. The distinct values of a prefix of the rows are
    first appearances; the rows of those values are dropped from the rest, and the next prefix
    (four times longer) is looked at — a few short passes when, as usual, the new values are
    few and appear early, instead of sorting every row.
    """
    vals, rows = [], []
    seen = None
    size = 1024
    while cand.size:
        head = cand[:size]
        v, first = np.unique(values[head], return_index=True)
        order = np.argsort(first, kind="stable")
        vals.append(v[order])
        rows.append(head[first[order]])
        if cand.size <= size:
            break
        if seen is None:
            seen = np.zeros(n_values, np.bool_)
        seen[v] = True
        rest = cand[size:]
        cand = rest[~seen[values[rest]]]
        size *= 4
    if not vals:
        return values[:0], cand[:0]
    if len(vals) == 1:
        return vals[0], rows[0]
    return np.concatenate(vals), np.concatenate(rows)


def _dense_np_piece(cells, year_idx, combo_of, combo_keys, meta, start, n, years, y_step, y_lo, y_hi, idx, steps, luts, amount, tally):
    """Rows ``start..n`` of :func:`_dense_append_tally_np` (``idx`` and ``luts``: the region,
    sector, activity and unit indices and lookup tables); its return value.

    The row loop of the kernel, restated over whole arrays: the first row that breaks the contract
    (``BATCH_BAD``) and the first row whose new year or combo does not fit (``BATCH_FULL``; the year
    is checked before the combo, so a row that stops on its combo has its new year assigned) end
    the rows handled; new years and combos get their positions in order of first appearance among
    the rows handled; ``numpy.add.at`` adds each row's amount and count to its cell, and to the
    tally, in row order — the order of the kernel's additions, so every sum has the same bits.
    """
    m = n - start

    def rows(a, step):  # the rows' values in int64: numpy gathers by int64 indices several times faster than by int32
        return a[start:n].astype(np.int64) if step else np.full(m, a[0], np.int64)

    x = amount[start:n]
    y = rows(years, y_step) - YEAR_BASE
    j = [rows(a, st) for a, st in zip(idx, steps.tolist())]
    bad = np.zeros(m, np.bool_)
    for jj, lut in zip(j, luts):
        bad |= jj.view(np.uint64) >= lut.shape[0]  # negative: huge unsigned
    j_ok = [np.where(bad, 0, jj) for jj in j] if bad.any() else j
    r, s, a, u = (np.take(lut, jj) for jj, lut in zip(j_ok, luts))
    bad |= ~(x >= 0.0) | (x == np.inf) | (y.view(np.uint64) >= (1 << YEAR_BITS)) | ((r | s | a | u) < 0)
    stop = int(np.argmax(bad)) if bad.any() else m
    status = BATCH_BAD if stop < m else BATCH_DONE
    inside = (y >= y_lo - YEAR_BASE) & (y <= y_hi - YEAR_BASE)
    inside[stop:] = False
    yb = np.where(inside, y, 0)
    s_cap, a_cap, u_cap = combo_of.shape
    key = np.where(inside, (s * a_cap + a) * u_cap + u, 0)
    combo_flat = combo_of.reshape(-1)

    def first_new(values, known, n_values):
        """(distinct new values in order of first appearance, the row of each first appearance)."""
        return _first_new(values, np.flatnonzero(inside & ~known), n_values)

    y_pos, c_pos = np.take(year_idx, yb), np.take(combo_flat, key)
    new_y, y_row = first_new(yb, y_pos >= 0, year_idx.shape[0])
    new_c, c_row = first_new(key, c_pos >= 0, combo_of.size)
    free_y, free_c = cells.shape[0] - int(meta[0]), cells.shape[2] - int(meta[1])
    stop_y = int(y_row[free_y]) if new_y.size > free_y else m
    stop_c = int(c_row[free_c]) if new_c.size > free_c else m
    if min(stop_y, stop_c) < stop:
        status = BATCH_FULL
        if stop_y <= stop_c:  # the year is checked first: that row stops before its combo
            stop, y_upto, c_upto = stop_y, stop_y, stop_y
        else:  # the row's new year is assigned, then its combo does not fit
            stop, y_upto, c_upto = stop_c, stop_c + 1, stop_c
    else:
        y_upto = c_upto = stop
    take_y = new_y[y_row < y_upto]
    year_idx[take_y] = meta[0] + np.arange(take_y.size)
    meta[0] += take_y.size
    take_c = new_c[c_row < c_upto]
    combo_flat[take_c] = meta[1] + np.arange(take_c.size)
    sa, uu = np.divmod(take_c, u_cap)
    combo_keys[meta[1]:meta[1] + take_c.size] = np.stack([sa // a_cap, sa % a_cap, uu], 1)
    meta[1] += take_c.size
    if status == BATCH_FULL and meta.shape[0] >= 4:
        # the years and combos the rest of the batch (up to its first bad row) still needs:
        # DenseCube.grow makes at once the doublings the loop's calls would ask for one by one
        meta[2], meta[3] = new_y.size - take_y.size, new_c.size - take_c.size
    n_in = int(np.count_nonzero(inside[:stop]))
    n_outside = stop - n_in - int(np.count_nonzero(bad[:stop]))
    if n_in == stop:  # every row handled is added: slices instead of gathers
        def pick(v):
            return v[:stop]

        at = np.arange(start, start + stop)
    else:
        sel = np.flatnonzero(inside[:stop])

        def pick(v):
            return np.take(v, sel)

        at = sel + start
    if take_y.size:  # positions of the rows' new years and combos
        y_pos = np.take(year_idx, yb)
    if take_c.size:
        c_pos = np.take(combo_flat, key)
    pos = (pick(y_pos) * cells.shape[1] + pick(r)) * cells.shape[2] + pick(c_pos)
    xs = pick(x)
    flat = cells.reshape(-1)
    np.add.at(flat, 2 * pos, xs)
    np.add.at(flat, 2 * pos + 1, 1.0)
    if tally.shape[0] > 0:
        np.add.at(tally, (at & (TALLY_LANES - 1)) * luts[3].shape[0] + pick(j[3]), xs)
    return status, start + stop, n_outside


@ngjit
def _new_combo(combo_of, combo_keys, meta, s, a, u):
    """Place the combo (sector ``s``, activity ``a``, unit ``u``) at the next free position (the caller
    has checked there is one): its position."""
    c = meta[1]
    combo_of[s, a, u] = c
    combo_keys[c, 0] = s
    combo_keys[c, 1] = a
    combo_keys[c, 2] = u
    meta[1] += 1
    return c


BATCH_PASS = -1  # :func:`_dense_one_year` leaves the batch to the general loop
COMBO_LUT_MAX = 1 << 16  # most (sector, activity, unit) dictionary-index triples of a batch given a lookup of their own


@ngjit
def _dense_one_year(flat, year_idx, combo_of, combo_keys, meta, start, y, y_lo, y_hi, r_cap, c_cap,
                    i_region, i_sector, i_activity, i_unit, l_region, l_sector, l_activity, l_unit, amount, tally, n_tu):
    """:func:`dense_append_tally`'s loop for the usual batch: one year for every row (a ``year=``
    partition folder), inside the run's years and already placed, every key column read per row.

    The batch's lookups are folded before the loop: each region's dictionary index to the flat
    offset of its (year, region) row, and each (sector, activity, unit) triple of dictionary
    indices to its combo, filled as the triples appear (through ``l_sector``/``l_activity``/
    ``l_unit`` and ``combo_of``, new combos placed exactly as the general loop places them). A row
    then costs two lookups instead of six, and the rows are checked, placed, counted and added in
    the same order as by the general loop, so the cells, the tally and the returned row are the same.

    Returns
    -------
    tuple of int
        ``(status, next_row)``: as :func:`dense_append_tally`, or ``(BATCH_PASS, start)`` when the
        batch is not of this kind (the general loop then takes it from ``start``).
    """
    n_r, n_s, n_a, n_u = l_region.shape[0], l_sector.shape[0], l_activity.shape[0], l_unit.shape[0]
    n_triples = n_s * n_a * n_u  # the combo lookup's size, filled before the loop: not more than the rows are worth
    if U(y - YEAR_BASE) >= U(1 << YEAR_BITS) or y < y_lo or y > y_hi or n_triples > min(COMBO_LUT_MAX, 4 * (amount.shape[0] - start) + CHUNK):
        return BATCH_PASS, start
    yi = year_idx[U(y - YEAR_BASE)]
    if yi < 0:
        return BATCH_PASS, start
    base = np.empty(n_r, np.int64)  # flat cell index of combo 0 of (yi, region), or -1 for a region that fails its check
    for j in range(n_r):
        r = l_region[j]
        base[j] = (yi * r_cap + r) * c_cap if r >= 0 else -1
    combo = np.full(n_triples, -2, np.int64)  # -2 not looked up yet, -1 a code that fails its check
    n = amount.shape[0]
    pos = np.empty(CHUNK, np.int64)
    for c0 in range(start, n, CHUNK):
        c1 = min(c0 + CHUNK, n)
        for i in range(c0, c1):
            x = amount[U(i)]
            jr, js, ja, ju = i_region[U(i)], i_sector[U(i)], i_activity[U(i)], i_unit[U(i)]
            if U(jr) >= U(n_r) or U(js) >= U(n_s) or U(ja) >= U(n_a) or U(ju) >= U(n_u):
                _scatter(flat, pos, amount, c0, i)
                return BATCH_BAD, i
            at = U((js * n_a + ja) * n_u + ju)
            c = combo[at]
            b = base[U(jr)]
            if (b | c) < 0 or not (x >= 0.0) or x == np.inf:  # rare: a triple not looked up yet, a new combo or a bad row
                if c == -2:
                    s, a, u = l_sector[U(js)], l_activity[U(ja)], l_unit[U(ju)]
                    c = -1 if (s | a | u) < 0 else combo_of[U(s), U(a), U(u)]
                    if c == -1 and (s | a | u) >= 0:  # a new combo, placed below if the row is valid
                        c = -3
                    else:
                        combo[at] = c
                if not (x >= 0.0) or x == np.inf or b < 0 or c == -1:
                    _scatter(flat, pos, amount, c0, i)
                    return BATCH_BAD, i
                if c == -3:
                    if meta[1] == c_cap:
                        _scatter(flat, pos, amount, c0, i)
                        return BATCH_FULL, i
                    c = _new_combo(combo_of, combo_keys, meta, l_sector[U(js)], l_activity[U(ja)], l_unit[U(ju)])
                    combo[at] = c
            pos[U(i - c0)] = b + c
            if n_tu:
                tally[U((i & (TALLY_LANES - 1)) * n_tu + ju)] += x
        _scatter(flat, pos, amount, c0, c1)
    return BATCH_DONE, n


@ngjit(small=_dense_append_tally_np)
def dense_append_tally(cells, year_idx, combo_of, combo_keys, meta, start, years, y_step, y_lo, y_hi,
                       i_region, i_sector, i_activity, i_unit, steps, l_region, l_sector, l_activity, l_unit, amount, tally):
    """Validate, remap and add rows ``start..`` of one batch to ``cells`` (shape (Y, R, C, 2)).

    Lookup tables and steps as in :func:`ghginv.kernels.cube.batch_append`; every code in
    ``l_region`` is < R and the sector, activity and unit codes fit ``combo_of`` (the caller
    sizes them). The row checks are those of :func:`ghginv.kernels.cube.batch_append_tally`.

    Rows go in chunks: first every row's cell position (checks and lookups, no memory
    dependence between rows), then the scatter-add — twice as fast as doing both per row.

    Parameters
    ----------
    cells : numpy.ndarray of float64, shape (Y, R, C, 2)
        Per (year, region, combo): ``[..., 0]`` the sum of the amounts [reported unit of the
        combo], ``[..., 1]`` the row count; added to in place.
    year_idx : numpy.ndarray of int64, shape (256,)
        Dense year position per ``year - YEAR_BASE``, or -1; new years are assigned here.
    combo_of : numpy.ndarray of int64, shape (n_sector, n_activity, n_unit)
        Dense combo position per (sector, activity, unit) code, or -1; new combos are assigned here.
    combo_keys : numpy.ndarray of int64, shape (C, 3)
        (sector, activity, unit) codes of each combo position; filled for new combos.
    meta : numpy.ndarray of int64, shape (2,)
        ``[years used, combos used]``; updated.
    start : int
        First row of the batch to add.
    years : numpy.ndarray of int64
        Year of each row (length n), or one year for the batch (length 1, ``y_step`` 0).
    y_step : int
        1, or 0 when ``years`` holds one year for every row.
    y_lo, y_hi : int
        Years of the run, inclusive; rows outside are valid but not added.
    i_region, i_sector, i_activity, i_unit : numpy.ndarray of int32
        Dictionary index of each row (length n), or one index (length 1, step 0).
    steps : numpy.ndarray of int64
        Step (1 or 0) of each ``i_*`` array, in the order region, sector, activity, unit.
    l_region, l_sector, l_activity, l_unit : numpy.ndarray of int64
        Global code per dictionary index, or -1 for a value that fails its check.
    amount : numpy.ndarray of float64, shape (n,)
        Activity amount of each row [reported unit of the row].
    tally : numpy.ndarray of float64
        Length ``TALLY_LANES × len(l_unit)``, or empty for none: the conservation check's input
        tally, as in :func:`ghginv.kernels.cube.batch_append_tally` — each row's amount by raw unit
        index, counted once the row has its cell position.

    Returns
    -------
    status : int
        ``BATCH_DONE``; ``BATCH_FULL`` for a new year (more than Y) or combo (more than C) at
        ``next_row``: grow (:meth:`DenseCube.grow`) and call again from there; ``BATCH_BAD``
        when row ``next_row`` breaks the contract (rows before it have been added).
    next_row : int
        First row not yet handled.
    n_outside : int
        Valid rows skipped because their year lies outside ``[y_lo, y_hi]``.
    """
    n_tu = l_unit.shape[0] if tally.shape[0] > 0 else 0  # int: U × int would be float in numba
    y_cap = cells.shape[0]
    r_cap = cells.shape[1]
    c_cap = cells.shape[2]
    flat = cells.reshape(-1)
    n = amount.shape[0]
    s_r, s_s, s_a, s_u = steps[0], steps[1], steps[2], steps[3]
    if y_step == 0 and s_r == 1 and s_s == 1 and s_a == 1 and s_u == 1 and start < n:
        status, start = _dense_one_year(flat, year_idx, combo_of, combo_keys, meta, start, years[0], y_lo, y_hi, r_cap,
                                        c_cap, i_region, i_sector, i_activity, i_unit, l_region, l_sector, l_activity,
                                        l_unit, amount, tally, n_tu)
        if status != BATCH_PASS:
            return status, start, 0
    n_r, n_s, n_a, n_u = U(l_region.shape[0]), U(l_sector.shape[0]), U(l_activity.shape[0]), U(l_unit.shape[0])
    n_outside = 0
    pos = np.empty(CHUNK, np.int64)
    for c0 in range(start, n, CHUNK):
        c1 = min(c0 + CHUNK, n)
        for i in range(c0, c1):
            x = amount[U(i)]
            y = years[U(i * y_step)]
            jr, js, ja, ju = i_region[U(i * s_r)], i_sector[U(i * s_s)], i_activity[U(i * s_a)], i_unit[U(i * s_u)]
            if U(jr) >= n_r or U(js) >= n_s or U(ja) >= n_a or U(ju) >= n_u:  # negative: huge unsigned
                _scatter(flat, pos, amount, c0, i)
                return BATCH_BAD, i, n_outside  # a damaged page: index outside the dictionary
            r = l_region[U(jr)]
            s = l_sector[U(js)]
            a = l_activity[U(ja)]
            u = l_unit[U(ju)]
            if not (x >= 0.0) or x == np.inf or U(y - YEAR_BASE) >= U(1 << YEAR_BITS) or (r | s | a | u) < 0:
                _scatter(flat, pos, amount, c0, i)
                return BATCH_BAD, i, n_outside
            if y < y_lo or y > y_hi:
                n_outside += 1
                pos[U(i - c0)] = -1
                continue
            yi = year_idx[U(y - YEAR_BASE)]
            if yi < 0:
                if meta[0] == y_cap:
                    _scatter(flat, pos, amount, c0, i)
                    return BATCH_FULL, i, n_outside
                yi = meta[0]
                year_idx[y - YEAR_BASE] = yi
                meta[0] += 1
            c = combo_of[U(s), U(a), U(u)]
            if c < 0:
                if meta[1] == c_cap:
                    _scatter(flat, pos, amount, c0, i)
                    return BATCH_FULL, i, n_outside
                c = _new_combo(combo_of, combo_keys, meta, s, a, u)
            pos[U(i - c0)] = (yi * r_cap + r) * c_cap + c
            if n_tu:
                tally[U((i & (TALLY_LANES - 1)) * n_tu + ju)] += x
        _scatter(flat, pos, amount, c0, c1)
    return BATCH_DONE, n, n_outside


def _unravel(flat_at, n_r: int, n_c: int):
    """(year, region, combo) positions of flat positions in a (Y, n_r, n_c) array, as ``numpy.nonzero``
    of the array gives them (in the same order), from ``numpy.flatnonzero`` — a fifth of the time."""
    rc, c = np.divmod(flat_at, n_c)
    yi, r = np.divmod(rc, n_r)
    return yi, r, c


def _pow2(n: int, lo: int = 4) -> int:
    return 1 << max(lo.bit_length() - 1, int(max(n, 1) - 1).bit_length())


class DenseCube:
    """State of the dense cube between batches; grows its array as years, regions and combos appear."""

    def __init__(self):
        self.cells = np.zeros((4, 16, 16, 2), np.float64)
        self.year_idx = np.full(1 << YEAR_BITS, -1, np.int64)
        self.combo_of = np.full((16, 16, 16), -1, np.int64)
        self.combo_keys = np.zeros((16, 3), np.int64)
        self.meta = np.zeros(4, np.int64)  # years used, combos used; years and combos a batch still needs (hints)

    def fits(self, n_region: int, n_sector: int, n_activity: int, n_unit: int) -> bool:
        """Size the lookups for these codebook sizes; False when the array would exceed MAX_SLOTS."""
        y, r, c, _ = self.cells.shape
        if n_region > r:
            r = _pow2(n_region)
            if y * r * c > MAX_SLOTS:
                return False
            self._resize(y, r, c)
        s0, a0, u0 = self.combo_of.shape
        if n_sector > s0 or n_activity > a0 or n_unit > u0:
            s1, a1, u1 = max(s0, _pow2(n_sector)), max(a0, _pow2(n_activity)), max(u0, _pow2(n_unit))
            new = np.full((s1, a1, u1), -1, np.int64)
            new[:s0, :a0, :u0] = self.combo_of
            self.combo_of = new
        return True

    def grow(self) -> bool:
        """Double the dimension that ran out (years or combos); False beyond MAX_SLOTS.

        When the numpy form of the kernel left in ``meta[2:]`` how many more years and combos the
        rest of its batch needs, both dimensions are doubled as often as that takes, at once: the
        sizes the kernel loop's calls reach one doubling at a time (the same positions, the same
        sums), without the numpy form going over the batch again after each doubling. Beyond
        MAX_SLOTS it doubles one dimension, as the loop's caller does, so that the cube moves to
        the hash table at the same row.
        """
        y, r, c, _ = self.cells.shape
        want_y, want_c = int(self.meta[0] + self.meta[2]), int(self.meta[1] + self.meta[3])
        self.meta[2:] = 0
        if want_y > y or want_c > c:
            y2, c2 = y, c
            while y2 < want_y:
                y2 *= 2
            while c2 < want_c:
                c2 *= 2
            if y2 * r * c2 <= MAX_SLOTS:
                self._resize(y2, r, c2)
                self._grow_keys(c2)
                return True
        if self.meta[0] == y:
            y *= 2
        else:
            c *= 2
        if y * r * c > MAX_SLOTS:
            return False
        self._resize(y, r, c)
        self._grow_keys(c)
        return True

    def _grow_keys(self, c: int) -> None:
        if c > self.combo_keys.shape[0]:
            keys = np.zeros((c, 3), np.int64)
            keys[: self.combo_keys.shape[0]] = self.combo_keys
            self.combo_keys = keys

    def _resize(self, y: int, r: int, c: int) -> None:
        old = self.cells
        new = np.zeros((y, r, c, 2), np.float64)
        new[: old.shape[0], : old.shape[1], : old.shape[2]] = old
        self.cells = new

    def append(self, start: int, args, tally=None) -> tuple[int, int, int]:
        if tally is None:
            return dense_append(self.cells, self.year_idx, self.combo_of, self.combo_keys, self.meta, start, *args)
        return dense_append_tally(self.cells, self.year_idx, self.combo_of, self.combo_keys, self.meta, start, *args, tally)

    def items(self, ranks=None):
        """(k1, k2, sums, counts) of the used cells, keys packed as in the hash table.

        Only the years and combos in use are looked at (they hold the first positions): a file of
        one year leaves three of the four years the array starts with empty, in its full size.

        Parameters
        ----------
        ranks : tuple of numpy.ndarray, optional
            Rank of each region, sector, activity and unit code among its values sorted: the
            cells then come sorted by (year, region, sector, activity, unit) ranks, read from the
            array with its axes in that order (years by value, regions by rank, combos by their
            three ranks) instead of sorted afterwards. Default: in the array's order.

        Returns
        -------
        tuple of numpy.ndarray
            ``k1`` (int64), ``k2`` (int64 zeros), ``sums`` (float64) and ``counts`` (int64).
        """
        ny, nc = int(self.meta[0]), int(self.meta[1])
        years = np.empty(ny, np.int64)
        used = np.nonzero(self.year_idx >= 0)[0]
        years[self.year_idx[used]] = used + YEAR_BASE
        used_cells = self.cells[:ny, :, :nc, 1] > 0
        n_r = self.cells.shape[1]
        if ranks is None:
            yi, r, c = _unravel(np.flatnonzero(used_cells), n_r, nc)
        else:
            region_rank, sector_rank, activity_rank, unit_rank = ranks
            by_year = np.argsort(years)
            rank = np.full(n_r, region_rank.shape[0], np.int64)  # codes without a value hold no cell: last
            rank[: min(n_r, region_rank.shape[0])] = region_rank[:n_r]  # the book may hold regions of rows that took no dense path, or fewer
            by_region = np.argsort(rank, kind="stable")
            k = self.combo_keys[:nc]
            by_combo = np.lexsort((unit_rank[k[:, 2]], activity_rank[k[:, 1]], sector_rank[k[:, 0]]))
            yi, r, c = _unravel(np.flatnonzero(used_cells[np.ix_(by_year, by_region, by_combo)]), n_r, nc)
            yi, r, c = np.take(by_year, yi), np.take(by_region, r), np.take(by_combo, c)
        keys = np.take(self.combo_keys, c, axis=0)
        k1 = pack_keys(np.take(years, yi), r, keys[:, 0], keys[:, 1], keys[:, 2])
        at = ((yi * n_r + r) * self.cells.shape[2] + c) * 2  # one flat gather each, not four index arrays
        flat = self.cells.reshape(-1)
        sums = np.take(flat, at)
        counts = np.take(flat, at + 1).astype(np.int64)
        return k1, np.zeros(k1.shape[0], np.int64), sums, counts
