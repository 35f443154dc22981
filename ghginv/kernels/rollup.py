"""Kernels for sums over kept positions: emissions per emission row from (cube row, factor row)
pairs, sums up the IPCC tree, and the roll-up check.

They take plain arrays of positions (:class:`ghginv.pipeline.aggregate.RollupIndex`, :mod:`ghginv.pipeline.positions`,
:func:`ghginv.pipeline.conservation.rollup_links`) in CSR form — the terms of output ``g`` are
``idx[starts[g]:starts[g + 1]]`` — and add each sum's terms left to right, so a compile and a
recompute on kept positions give the same bits. Outputs are independent of each other: each
kernel computes the outputs ``lo:hi``, so its caller may split the work into contiguous ranges run
on threads (the kernels release the GIL; :mod:`ghginv.pipeline.sums` does); the split never
changes a sum.
"""

from __future__ import annotations

import numpy as np

from . import ngjit

__all__ = ["factor_row_sums", "segment_sums", "segment_sums2", "finite_range", "rollup_check_range", "csr"]


def csr(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``(starts, idx)``: for each output g in ``range(n)`` the positions i with ``keys[i] == g``
    in increasing order (keys < 0 are left out).

    Parameters
    ----------
    keys : numpy.ndarray of int
        Output of each position, in ``0..n-1``, or negative for none.
    n : int
        Number of outputs.

    Returns
    -------
    starts : numpy.ndarray of int64, shape (n + 1,)
        Output ``g``'s positions are ``idx[starts[g]:starts[g + 1]]``.
    idx : numpy.ndarray of int64
        Positions grouped by output, increasing within each.
    """
    keep = np.flatnonzero(keys >= 0)
    order = keep[np.argsort(keys[keep], kind="stable")]
    starts = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(keys[keep], minlength=n), out=starts[1:])
    return starts, order


@ngjit
def factor_row_sums(lo, hi, f_starts, det_row, f_cell, f_rule, f_rule2, cell_ncv_rule, cell_dens_rule, amount, unit_scale, ncv_pow,
                    dens_pow, norm, c_to_co2, e_out):
    """``e_out[f]`` [t of the gas] for factor rows ``lo:hi``: Σ over its (cube row, factor row)
    pairs of amount × unit_scale × conversion × value, in order (2006 IPCC GL Vol 2 Eq 2.1;
    :func:`ghginv.pipeline.sums.indexed_emissions` describes the operands).

    Parameters
    ----------
    lo, hi : int
        Range of factor rows computed.
    f_starts : numpy.ndarray of int64, shape (n_factor_rows + 1,)
        CSR bounds: the pairs of factor row ``f`` are ``f_starts[f]:f_starts[f + 1]``.
    det_row : numpy.ndarray of int64
        Cube row of each pair.
    f_cell : numpy.ndarray of int64
        Cube cell of each factor row (for its ncv and density rules).
    f_rule : numpy.ndarray of int64
        Rule (index into ``norm``) of each factor row's value.
    f_rule2 : numpy.ndarray of int64
        Second rule of a composite CO2 factor (carbon content × oxidation), or -1.
    cell_ncv_rule, cell_dens_rule : numpy.ndarray of int64
        Per cell, the rule of its net calorific value and density.
    amount : numpy.ndarray of float64
        Activity amount per cube row [reported unit].
    unit_scale : numpy.ndarray of float64
        Reported unit -> base unit, per cube row.
    ncv_pow, dens_pow : numpy.ndarray of int8
        Power (-1, 0, 1) of the NCV and density in each pair's conversion.
    norm : numpy.ndarray of float64
        Each rule's value in base units (factor [t gas / base unit], NCV [GJ/t or GJ/m^3],
        density [t/m^3], fractions).
    c_to_co2 : float
        44/12, mass of CO2 per mass of carbon.
    e_out : numpy.ndarray of float64
        Output: emissions per factor row [t gas]; entries ``lo:hi`` written.

    References
    ----------
    2006 IPCC GL Vol 2 Ch 2, Eq 2.1.
    """
    for f in range(lo, hi):
        c = f_cell[f]
        r2 = f_rule2[f]
        value = norm[f_rule[f]] * (norm[r2] * c_to_co2) if r2 >= 0 else norm[f_rule[f]]  # as factors.resolve
        e = 0.0
        for i in range(f_starts[f], f_starts[f + 1]):
            r = det_row[i]
            conv = 1.0
            p = ncv_pow[i]
            if p == 1:
                conv *= norm[cell_ncv_rule[c]]
            elif p == -1:
                conv /= norm[cell_ncv_rule[c]]
            q = dens_pow[i]
            if q == 1:
                conv *= norm[cell_dens_rule[c]]
            elif q == -1:
                conv /= norm[cell_dens_rule[c]]
            e += amount[r] * unit_scale[r] * conv * value  # as kernels.emissions.activity_emissions
        e_out[f] = e


def _segment_ids(lo, hi, starts):
    """(output of each position j in ``starts[lo]:starts[hi]``, that range's first j)."""
    j0, j1 = int(starts[lo]), int(starts[hi])
    counts = np.diff(starts[lo:hi + 1])
    return np.repeat(np.arange(lo, hi, dtype=np.int64), counts), j0, j1


def _segment_sums_np(lo, hi, x, idx, starts, out):
    """:func:`segment_sums` in numpy (numba not loaded): ``numpy.add.at`` adds each output's values
    left to right onto 0.0, as the loop does — the same bits."""
    if hi <= lo:
        return
    g, j0, j1 = _segment_ids(lo, hi, starts)
    acc = np.zeros(hi - lo, np.float64)
    np.add.at(acc, g - lo, x[idx[j0:j1]])
    out[lo:hi] = acc


@ngjit(small=_segment_sums_np)
def segment_sums(lo, hi, x, idx, starts, out):
    """``out[g] = Σ x[idx[j]]`` for j in ``starts[g]:starts[g + 1]``, g in ``lo:hi``, left to right.

    Parameters
    ----------
    lo, hi : int
        Range of outputs computed.
    x : numpy.ndarray of float64
        Values summed [any unit, e.g. t gas or t CO2e].
    idx : numpy.ndarray of int64
        Positions in ``x``, grouped by output (:func:`csr`).
    starts : numpy.ndarray of int64
        CSR bounds of each output's positions.
    out : numpy.ndarray of float64
        Output: the sums [unit of ``x``]; entries ``lo:hi`` written.
    """
    for g in range(lo, hi):
        acc = 0.0
        for j in range(starts[g], starts[g + 1]):
            acc += x[idx[j]]
        out[g] = acc


def _segment_sums2_np(lo, hi, x, y, idx, starts, out_x, out_y, pos):
    """:func:`segment_sums2` in numpy (numba not loaded), as :func:`_segment_sums_np`."""
    if hi <= lo:
        return
    g, j0, j1 = _segment_ids(lo, hi, starts)
    k = idx[j0:j1]
    ax = np.zeros(hi - lo, np.float64)
    ay = np.zeros(hi - lo, np.float64)
    np.add.at(ax, g - lo, x[k])
    np.add.at(ay, g - lo, y[k])
    at = pos[lo:hi] if pos.shape[0] else np.arange(lo, hi)
    out_x[at] = ax
    out_y[at] = ay


@ngjit(small=_segment_sums2_np)
def segment_sums2(lo, hi, x, y, idx, starts, out_x, out_y, pos):
    """:func:`segment_sums` of ``x`` and ``y`` in one pass, written at ``pos[g]`` (or g when ``pos`` is empty).

    Parameters
    ----------
    lo, hi : int
        Range of outputs computed.
    x, y : numpy.ndarray of float64
        Values summed [any unit, e.g. t gas and t CO2e].
    idx : numpy.ndarray of int64
        Positions in ``x`` and ``y``, grouped by output (:func:`csr`).
    starts : numpy.ndarray of int64
        CSR bounds of each output's positions.
    out_x, out_y : numpy.ndarray of float64
        Output: the sums of ``x`` and of ``y`` [their units].
    pos : numpy.ndarray of int64
        Where output ``g`` is written, or empty to write at ``g``.
    """
    for g in range(lo, hi):
        ax = 0.0
        ay = 0.0
        for j in range(starts[g], starts[g + 1]):
            k = idx[j]
            ax += x[k]
            ay += y[k]
        at = pos[g] if pos.shape[0] else g
        out_x[at] = ax
        out_y[at] = ay


def _finite_range_np(lo, hi, x):
    """:func:`finite_range` in numpy (numba not loaded)."""
    return bool(np.isfinite(x[lo:hi]).all())


@ngjit(small=_finite_range_np)
def finite_range(lo, hi, x):
    """Whether ``x[lo:hi]`` holds no NaN or infinity.

    Parameters
    ----------
    lo, hi : int
        Range checked.
    x : numpy.ndarray of float64
        Values.

    Returns
    -------
    bool
        True when every value in the range is finite.
    """
    for i in range(lo, hi):
        if not np.isfinite(x[i]):
            return False
    return True


def _rollup_check_range_np(lo, hi, rows, child_starts, child, own_starts, own, inv_value, em_value, rel, total):
    """:func:`rollup_check_range` in numpy (numba not loaded): each row's children, then its own
    emission rows, added left to right onto 0.0 with ``numpy.add.at`` (the loop's order, the same
    bits); the same comparison, NaN never failing."""
    if hi <= lo:
        return 0, -1
    t = np.zeros(hi - lo, np.float64)
    g, j0, j1 = _segment_ids(lo, hi, child_starts)
    np.add.at(t, g - lo, inv_value[rows[child[j0:j1]]])
    g, k0, k1 = _segment_ids(lo, hi, own_starts)
    np.add.at(t, g - lo, em_value[own[k0:k1]])
    total[lo:hi] = t
    v = inv_value[rows[lo:hi]]
    a = np.abs(v)
    b = np.abs(t)
    with np.errstate(invalid="ignore"):
        fails = np.abs(v - t) > rel * np.where(a > b, a, b)
    hit = np.flatnonzero(fails)
    return int(hit.size), int(hit[0]) + lo if hit.size else -1


@ngjit(small=_rollup_check_range_np)
def rollup_check_range(lo, hi, rows, child_starts, child, own_starts, own, inv_value, em_value, rel, total):
    """``(bad, first bad or -1)`` of the roll-up check for rows ``lo:hi``: each inventory value
    against the sum of its children and of the emission rows booked at its own category
    (``total[i]``), to ``rel`` relative.

    Row ``i`` fails when ``|v − t| > rel × max(|v|, |t|)`` (or either is NaN).

    Parameters
    ----------
    lo, hi : int
        Range of checked rows.
    rows : numpy.ndarray of int64
        Inventory row of each checked row (index into ``inv_value``).
    child_starts, child : numpy.ndarray of int64
        CSR: the child rows (checked-row indices) of row ``i`` are
        ``child[child_starts[i]:child_starts[i + 1]]``.
    own_starts, own : numpy.ndarray of int64
        CSR: the emission rows booked at row ``i``'s own category.
    inv_value : numpy.ndarray of float64
        Inventory values [t CO2e, as the caller passes them].
    em_value : numpy.ndarray of float64
        Emission-row values [unit of ``inv_value``].
    rel : float
        Relative tolerance.
    total : numpy.ndarray of float64
        Output: the recomputed sum ``t`` per checked row; entries ``lo:hi`` written.

    Returns
    -------
    bad : int
        Rows in ``lo:hi`` that fail.
    first : int
        The first failing row, or -1.
    """
    bad = 0
    first = -1
    for i in range(lo, hi):
        t = 0.0
        for j in range(child_starts[i], child_starts[i + 1]):
            t += inv_value[rows[child[j]]]
        for k in range(own_starts[i], own_starts[i + 1]):
            t += em_value[own[k]]
        total[i] = t
        v = inv_value[rows[i]]
        a = abs(v)
        b = abs(t)
        if abs(v - t) > rel * (a if a > b else b):  # NaN compares False, as in numpy
            bad += 1
            if first < 0:
                first = i
    return bad, first


