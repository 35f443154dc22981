"""Monte Carlo (2006 IPCC GL Vol 1 Ch 3 §3.2.3.2, Approach 2) and scenario kernels.

Monte Carlo. The inventory is reduced to *terms*: emissions that share the same uncertain
inputs (an activity-data source and up to four factor rows). A term's value in one iteration is::

    E_t × Π_k m[idx[t, k]] ** pow[t, k]        (idx = −1: exact input, skipped)

where ``m[p]`` is the multiplier (draw / central value) of independent input ``p``, drawn ONCE
per iteration: a factor row used by many terms moves them all together (fully correlated),
distinct inputs are independent. Terms are summed into ``leaf`` groups per iteration.

Input distributions of the multiplier (``dist`` code, parameters ``p1, p2, p3``):

    0 exact        m = 1
    1 normal       m = 1 + p1 · z                       (p1 = relative standard deviation)
    2 lognormal    m = exp(p1 + p2 · z)                 (p1 = μ − ln value, p2 = σ of ln)
    3 triangular   support [p1, p3], mode p2             (inverse CDF of a uniform draw)
    4 uniform      support [p1, p2]
    5 normal0      m = p1 · z                           (mean 0: an absolute input whose value is 0)

An input whose central value is 0 but whose 95 % interval has a width (an *absolute*
uncertainty) cannot be a multiplier of the value; its term's ``E_t`` is then the term at a
reference value of the input (the caller's scale) and ``m`` the draw over that scale: laws 3 and
4 take supports over the scale, law 5 a normal of mean 0.

Draws come in blocks of a fixed size; each block re-seeds the generator of the thread that
runs it with ``seed_block = (seed × 1 000 003 + block) mod 2**32``, so results do not depend on
how many threads ran the blocks.

Scenarios. :func:`scenario_totals` adds, per scenario, the change of each matched row
(``new_factor × quantity − emissions``) weighted by the scenario's GWP to the year/scope totals.
"""

from __future__ import annotations

import numpy as np

from . import ngjit

__all__ = ["mc_block", "scenario_totals", "block_seed", "BLOCK"]

BLOCK = 500  # draws per block (the unit of seeding and of parallel work)


def block_seed(seed: int, block: int) -> int:
    """Seed of one block of draws: ``(seed × 1 000 003 + block) mod 2**32``.

    Parameters
    ----------
    seed : int
        The run's Monte Carlo seed.
    block : int
        Block number (draws ``block × BLOCK`` onwards).

    Returns
    -------
    int
        Seed in ``0..2**32-1``, independent of the thread that runs the block.
    """
    return (int(seed) * 1_000_003 + int(block)) % (2**32)


@ngjit(lazy=False)  # numba's random generator of the thread (numpy's is shared between threads)
def _draw(dist, p1, p2, p3, m):
    for p in range(dist.shape[0]):
        d = dist[p]
        if d == 1:
            m[p] = 1.0 + p1[p] * np.random.standard_normal()
        elif d == 2:
            m[p] = np.exp(p1[p] + p2[p] * np.random.standard_normal())
        elif d == 3:
            a, c, b = p1[p], p2[p], p3[p]
            u = np.random.random()
            if u < (c - a) / (b - a):
                m[p] = a + np.sqrt(u * (b - a) * (c - a))
            else:
                m[p] = b - np.sqrt((1.0 - u) * (b - a) * (b - c))
        elif d == 4:
            m[p] = p1[p] + (p2[p] - p1[p]) * np.random.random()
        elif d == 5:
            m[p] = p1[p] * np.random.standard_normal()
        else:
            m[p] = 1.0


@ngjit(lazy=False)
def mc_block(base, idx, pw, leaf, n_leaves, dist, p1, p2, p3, seed, n_draws, out):
    """Fill ``out[d, leaf]`` (n_draws × n_leaves, zeroed here) for one block of draws.

    .. math::

        out_{d,g} = \\sum_{t:\\,leaf_t = g} E_t \\prod_k m_{d,\\,idx_{t,k}}^{\\,pw_{t,k}}

    Parameters
    ----------
    base : numpy.ndarray of float64, shape (T,)
        Central value E_t of each term [t CO2e as the caller passes them; any unit].
    idx : numpy.ndarray of int64, shape (T, K)
        Input index of each of a term's K slots, or −1 for an exact input (skipped).
    pw : numpy.ndarray of int8, shape (T, K)
        Power of the slot's multiplier, 1 or −1.
    leaf : numpy.ndarray of int64, shape (T,)
        Output group of each term, in ``0..n_leaves-1``.
    n_leaves : int
        Number of output groups.
    dist : numpy.ndarray of int8, shape (P,)
        Distribution code per input: 0 exact, 1 normal, 2 lognormal, 3 triangular, 4 uniform,
        5 normal of mean 0 (an absolute input, module docstring).
    p1, p2, p3 : numpy.ndarray of float64, shape (P,)
        Distribution parameters of the multiplier (module docstring), dimensionless.
    seed : int
        Seed for this block (:func:`block_seed`).
    n_draws : int
        Draws (iterations) in this block.
    out : numpy.ndarray of float64, shape (n_draws, n_leaves)
        Output: the sum of the terms per leaf in each draw [unit of ``base``]; overwritten.

    References
    ----------
    2006 IPCC GL Vol 1 Ch 3, §3.2.3.2 (Approach 2, Monte Carlo simulation).
    """
    np.random.seed(seed)
    m = np.empty(dist.shape[0], np.float64)
    n_terms, k_slots = idx.shape
    for d in range(n_draws):
        _draw(dist, p1, p2, p3, m)
        for g in range(n_leaves):
            out[d, g] = 0.0
        for t in range(n_terms):
            v = base[t]
            for k in range(k_slots):
                j = idx[t, k]
                if j >= 0:
                    if pw[t, k] == 1:
                        v *= m[j]
                    else:
                        v /= m[j]
            out[d, leaf[t]] += v


@ngjit
def scenario_totals(base_tot, gwp, row_cell, row_gas, row_q, row_emis, m_scen, m_row, m_value, out):
    """Totals per scenario, year/scope cell: ``out[s, c]``.

    .. math::

        out_{s,c} = \\sum_g B_{c,g} \\, GWP_{s,g}
        + \\sum_{i:\\,scen_i = s,\\ cell_{r_i} = c} (EF'_i \\, q_{r_i} - E_{r_i}) \\, GWP_{s,\\,gas_{r_i}}

    Rows ``r`` are cube rows aggregated by year, scope, region, activity and gas.

    Parameters
    ----------
    base_tot : numpy.ndarray of float64, shape (C, G)
        Gas mass per year/scope cell ``c`` and gas ``g`` over the whole run [t gas].
    gwp : numpy.ndarray of float64, shape (S, G)
        GWP100 of each gas in scenario ``s`` [t CO2e/t gas].
    row_cell : numpy.ndarray of int64, shape (R,)
        Year/scope cell of each row.
    row_gas : numpy.ndarray of int64, shape (R,)
        Gas index of each row.
    row_q : numpy.ndarray of float64, shape (R,)
        Activity quantity of each row [base unit of the factor's denominator].
    row_emis : numpy.ndarray of float64, shape (R,)
        Emissions of each row in the run [t gas].
    m_scen : numpy.ndarray of int64, shape (M,)
        Scenario of each match.
    m_row : numpy.ndarray of int64, shape (M,)
        Row of each match.
    m_value : numpy.ndarray of float64, shape (M,)
        The scenario's new emission factor for the row [t gas / base unit].
    out : numpy.ndarray of float64, shape (S, C)
        Output: total per scenario and year/scope cell [t CO2e]; overwritten.

    References
    ----------
    2006 IPCC GL Vol 2 Ch 2, Eq 2.1 (emissions = activity data × emission factor), applied per
    scenario.
    """
    n_s = out.shape[0]
    n_c = out.shape[1]
    n_g = base_tot.shape[1]
    for s in range(n_s):
        for c in range(n_c):
            acc = 0.0
            for g in range(n_g):
                acc += base_tot[c, g] * gwp[s, g]
            out[s, c] = acc
    for i in range(m_scen.shape[0]):
        s = m_scen[i]
        r = m_row[i]
        out[s, row_cell[r]] += (m_value[i] * row_q[r] - row_emis[r]) * gwp[s, row_gas[r]]
