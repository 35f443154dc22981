"""Sums over kept positions, run on threads: the orchestration of :mod:`ghginv.kernels.rollup`.

Each kernel there computes a contiguous range of independent outputs; :func:`split_run` cuts the
outputs into one range per core (at most 4) and runs them on a thread pool (the kernels release
the GIL). The split never changes a sum, so a compile and a recompute on kept positions give the
same bits whatever the number of threads.
"""

from __future__ import annotations

import os

import numpy as np

from ..core._threads import shared_pool
from ..kernels import rollup as K
from ..kernels.rollup import csr

__all__ = ["indexed_emissions", "rolled_sums", "rolled_sums2", "rolled_into", "rollup_check", "all_finite", "csr", "split_run"]

_MIN_SPLIT = 1 << 16  # outputs below this run on the calling thread


def split_run(kernel, n: int, *args) -> list:
    """``kernel(lo, hi, *args)`` over ``range(n)`` cut into one contiguous range per core (at most
    4), on threads (below 65,536 outputs on the calling thread).

    Parameters
    ----------
    kernel : callable
        A range kernel of :mod:`ghginv.kernels.rollup`, ``kernel(lo, hi, *args)``.
    n : int
        Number of outputs.
    *args
        Passed to every call after ``lo, hi``.

    Returns
    -------
    list
        Each range's result, in range order.
    """
    parts = min(4, os.cpu_count() or 1) if n >= _MIN_SPLIT else 1
    if parts == 1:
        return [kernel(0, n, *args)]
    pool = shared_pool("ghginv-kernel", parts)  # kept for the later calls; shut down by the command line's write
    bounds = np.linspace(0, n, parts + 1).astype(np.int64)
    futures = [pool.submit(kernel, int(bounds[i]), int(bounds[i + 1]), *args) for i in range(parts)]
    return [f.result() for f in futures]


def indexed_emissions(f_starts, det_row, f_cell, f_rule, f_rule2, cell_ncv_rule, cell_dens_rule, amount, unit_scale, ncv_pow,
                      dens_pow, norm, c_to_co2):
    """emissions_t [t of the gas] per factor row ``f`` from the rules' values in base units (``norm``).

    The (cube row, factor row) pairs of ``f`` are ``f_starts[f]:f_starts[f + 1]`` (cube row
    ``det_row``, powers ``ncv_pow`` / ``dens_pow``). The factor row's value is ``norm[f_rule[f]]``,
    or ``norm[f_rule[f]] × (norm[f_rule2[f]] × c_to_co2)`` for a composite CO2 factor (carbon
    content × oxidation × 44/12, as :mod:`ghginv.factors.resolve`); the conversion uses the cell's
    ncv and density rules with the pair's powers; each pair's
    ``amount × unit_scale × conv × value`` (as :func:`ghginv.kernels.emissions.activity_emissions`) is
    added in order: the same bits as ``numpy.bincount(det_f, weights=activity_emissions(...))``
    on the resolved values. (CO2e is added to the emission rows afterwards:
    :func:`ghginv.pipeline.characterise.characterise`.)

    Parameters
    ----------
    f_starts : numpy.ndarray
        int64, CSR starts of each factor row's pairs (length = factor rows + 1).
    det_row : numpy.ndarray
        int64, cube row per pair.
    f_cell : numpy.ndarray
        int64, cell per factor row.
    f_rule, f_rule2 : numpy.ndarray
        int64, rule id of each factor row and of its oxidation row (-1 when not a composite).
    cell_ncv_rule, cell_dens_rule : numpy.ndarray
        int64, rule id of each cell's NCV and density (-1 where none).
    amount : numpy.ndarray
        float64, activity per cube row [unit of the row].
    unit_scale : numpy.ndarray
        float64, per cube row, reported unit -> base unit of its dimension.
    ncv_pow, dens_pow : numpy.ndarray
        int8 per pair, powers of NCV and density in {-1, 0, 1}.
    norm : numpy.ndarray
        float64, every rule's value in base units (factors [t gas per base unit], NCV [GJ/t or
        GJ/m^3], density [t/m^3], carbon content, oxidation).
    c_to_co2 : float
        44/12 [t CO2 / t C].

    Returns
    -------
    numpy.ndarray
        float64, emissions per factor row [t gas].

    References
    ----------
    .. [1] 2006 IPCC Guidelines, Vol 2, Ch 2, Eq 2.1 (emissions = activity data × emission factor).
    .. [2] 2006 IPCC Guidelines, Vol 2, Ch 1, Eq 1.1 (composite CO2 = carbon content × oxidation × 44/12).
    """
    nf = f_cell.shape[0]
    e_out = np.empty(nf, np.float64)
    split_run(K.factor_row_sums, nf, f_starts, det_row, f_cell, f_rule, f_rule2, cell_ncv_rule, cell_dens_rule,
              np.ascontiguousarray(amount, np.float64), np.ascontiguousarray(unit_scale, np.float64), np.ascontiguousarray(ncv_pow, np.int8),
              np.ascontiguousarray(dens_pow, np.int8), np.ascontiguousarray(norm, np.float64), float(c_to_co2), e_out)
    return e_out


_NOPOS = np.zeros(0, np.int64)


def rolled_sums(x, order1, starts1, src2, starts2) -> np.ndarray:
    """Two-stage segment sums over CSR positions: ``by_sector[g] = Σ x[order1[j]]`` for j in
    ``starts1[g]:starts1[g + 1]``, then ``rolled[h] = Σ by_sector[src2[j]]`` for j in
    ``starts2[h]:starts2[h + 1]``; each left to right.

    Parameters
    ----------
    x : numpy.ndarray
        Values to sum (e.g. emissions [t gas] or CO2e [t CO2e]); the result has their unit.
    order1 : numpy.ndarray
        int64, positions into ``x`` grouped by first-stage output.
    starts1 : numpy.ndarray
        int64, CSR starts of the first stage (length = groups + 1).
    src2 : numpy.ndarray
        int64, positions into the first-stage sums grouped by output.
    starts2 : numpy.ndarray
        int64, CSR starts of the second stage (length = outputs + 1).

    Returns
    -------
    numpy.ndarray
        float64, the rolled-up sums, one per second-stage output [unit of ``x``].
    """
    x = np.ascontiguousarray(x, np.float64)
    by_sector = np.empty(starts1.shape[0] - 1, np.float64)
    split_run(K.segment_sums, by_sector.shape[0], x, order1, starts1, by_sector)
    out = np.empty(starts2.shape[0] - 1, np.float64)
    split_run(K.segment_sums, out.shape[0], by_sector, src2, starts2, out)
    return out


def rolled_sums2(x, y, order1, starts1, src2, starts2) -> tuple[np.ndarray, np.ndarray]:
    """:func:`rolled_sums` of two value arrays in one pass over the positions (the kernel of
    :func:`rolled_into`, which a recompute runs): the same sums, term by term, as two calls.

    Parameters
    ----------
    x, y : numpy.ndarray
        The two value arrays (e.g. [t gas] and [t CO2e]).
    order1, starts1, src2, starts2 : numpy.ndarray
        The CSR positions, as in :func:`rolled_sums`.

    Returns
    -------
    x_sums, y_sums : numpy.ndarray
        float64, the rolled-up sums of each, one per second-stage output [units of ``x`` and ``y``].
    """
    n = starts2.shape[0] - 1
    return rolled_into(x, y, order1, starts1, src2, starts2, np.arange(n, dtype=np.int64), n)  # every output at its own row


def rolled_into(x, y, order1, starts1, src2, starts2, pos, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`rolled_sums` of two value arrays in one pass over the positions, placed at rows
    ``pos`` of arrays of ``n_rows`` (NaN elsewhere); the same sums, term by term, as two calls.

    Parameters
    ----------
    x, y : numpy.ndarray
        The two value arrays (e.g. [t gas] and [t CO2e]).
    order1, starts1, src2, starts2 : numpy.ndarray
        The CSR positions, as in :func:`rolled_sums`.
    pos : numpy.ndarray
        int64, the result row of each second-stage output.
    n_rows : int
        Length of the results.

    Returns
    -------
    x_sums, y_sums : numpy.ndarray
        float64 arrays of ``n_rows``, the sums at ``pos`` and NaN elsewhere [units of ``x`` and ``y``].
    """
    x = np.ascontiguousarray(x, np.float64)
    y = np.ascontiguousarray(y, np.float64)
    nb = starts1.shape[0] - 1
    bx, by = np.empty(nb, np.float64), np.empty(nb, np.float64)
    split_run(K.segment_sums2, nb, x, y, order1, starts1, bx, by, _NOPOS)
    out_x, out_y = np.full(n_rows, np.nan), np.full(n_rows, np.nan)
    split_run(K.segment_sums2, starts2.shape[0] - 1, bx, by, src2, starts2, out_x, out_y, pos)
    return out_x, out_y


def all_finite(x: np.ndarray) -> bool:
    """No NaN or infinity in ``x``.

    Parameters
    ----------
    x : numpy.ndarray
        Values (cast to float64).

    Returns
    -------
    bool
        True when every value is finite.
    """
    return all(split_run(K.finite_range, x.shape[0], np.ascontiguousarray(x, np.float64)))


def rollup_check(links: dict, inv_value, em_value, rel: float):
    """``(bad rows, first bad row or -1, sums)`` of the roll-up check.

    Each inventory value ``inv_value[rows[i]]`` is checked against the sum of its children's values
    and of the emission rows booked at its own category (``links`` in CSR form,
    :func:`ghginv.pipeline.conservation.rollup_links`), to ``rel`` relative.

    Parameters
    ----------
    links : dict of str to numpy.ndarray
        ``rows``, ``child_starts``, ``child``, ``own_starts``, ``own`` (CSR positions).
    inv_value : numpy.ndarray
        Values of the inventory rows (``co2e_t`` [t CO2e] in the run's check).
    em_value : numpy.ndarray
        Values of the emission rows [same unit as ``inv_value``].
    rel : float
        Relative tolerance.

    Returns
    -------
    bad : int
        Number of rows off by more than ``rel``.
    first : int
        Position in ``rows`` of the first bad row, or -1.
    sums : numpy.ndarray
        float64, the sum of children and own rows per checked row.
    """
    rows = links["rows"]
    total = np.empty(rows.shape[0], np.float64)
    parts = split_run(K.rollup_check_range, rows.shape[0], rows, links["child_starts"], links["child"], links["own_starts"], links["own"],
                      np.ascontiguousarray(inv_value, np.float64), np.ascontiguousarray(em_value, np.float64), float(rel), total)
    bad = sum(int(b) for b, _ in parts)
    first = next((int(f) for _, f in parts if f >= 0), -1)
    return bad, first, total
