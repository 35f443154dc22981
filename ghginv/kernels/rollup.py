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
    in increasing order (keys < 0 are left out)."""
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
    :func:`ghginv.pipeline.sums.indexed_emissions` describes the operands)."""
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


@ngjit
def segment_sums(lo, hi, x, idx, starts, out):
    """``out[g] = Σ x[idx[j]]`` for j in ``starts[g]:starts[g + 1]``, g in ``lo:hi``, left to right."""
    for g in range(lo, hi):
        acc = 0.0
        for j in range(starts[g], starts[g + 1]):
            acc += x[idx[j]]
        out[g] = acc


@ngjit
def segment_sums2(lo, hi, x, y, idx, starts, out_x, out_y, pos):
    """:func:`segment_sums` of ``x`` and ``y`` in one pass, written at ``pos[g]`` (or g when ``pos`` is empty)."""
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


@ngjit
def finite_range(lo, hi, x):
    """Whether ``x[lo:hi]`` holds no NaN or infinity."""
    for i in range(lo, hi):
        if not np.isfinite(x[i]):
            return False
    return True


@ngjit
def rollup_check_range(lo, hi, rows, child_starts, child, own_starts, own, inv_value, em_value, rel, total):
    """``(bad, first bad or -1)`` of the roll-up check for rows ``lo:hi``: each inventory value
    against the sum of its children and of the emission rows booked at its own category
    (``total[i]``), to ``rel`` relative."""
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


