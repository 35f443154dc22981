"""Solid waste disposal kernel: first-order decay (2006 IPCC GL Vol 5 Ch 3, Eqs 3.4–3.5, Annex 3A.1).

Per waste type (row) and year (column), with DDOCm_d the decomposable degradable organic carbon
deposited in a year, ``s`` the time in years from 1 January of the deposit year until the
deposit starts to decay, ``m = floor(s)`` and ``r = s − m``::

    decomposed_T = A_{T−1} × (1 − e^{−k}) + DDOCm_d,{T−m} × (1 − e^{−k(1−r)})
    A_T          = A_{T−1} × e^{−k}       + DDOCm_d,{T−m} × e^{−k(1−r)}
    DDOCma_T     = A_T + Σ_{i=T−m+1..T} DDOCm_d,i        (deposits still waiting to decay)

``A`` is the decaying pool at the end of the year. With ``s = 1`` (decay from 1 January of the
year after deposit — the IPCC Waste Model: mid-year deposit plus a 6-month delay, M = 13 in
Annex 3A.1) this is exactly Eqs 3.4–3.5: ``DDOCma_T = DDOCm_d,T + DDOCma_{T−1} e^{−k}`` and
``decomposed_T = DDOCma_{T−1} (1 − e^{−k})``. The pool before the first year is zero.
"""

from __future__ import annotations

import math

from . import ngjit

__all__ = ["fod_decay"]


@ngjit
def fod_decay(ddocm_dep, k, start, decomposed, accumulated):
    """Fill ``decomposed`` and ``accumulated`` (n_types × n_years, Gg DDOCm) from deposits.

    First-order decay with a delayed start (module docstring); with ``start = 1``:

    .. math::

        DDOCma_T = DDOCm_{d,T} + DDOCma_{T-1} e^{-k}, \\quad
        DDOCm\\,decomp_T = DDOCma_{T-1} (1 - e^{-k})

    Parameters
    ----------
    ddocm_dep : numpy.ndarray of float64, shape (n_types, n_years)
        Decomposable degradable organic carbon deposited per waste type and year [Gg DDOCm].
    k : numpy.ndarray of float64, shape (n_types,)
        Decay rate constant per waste type [1/yr].
    start : float
        Time from 1 January of the deposit year to the start of decay [yr], ≥ 0.
    decomposed : numpy.ndarray of float64, shape (n_types, n_years)
        Output: DDOCm decomposed in each year [Gg DDOCm]; overwritten.
    accumulated : numpy.ndarray of float64, shape (n_types, n_years)
        Output: DDOCm accumulated at the end of each year, including deposits still waiting to
        decay [Gg DDOCm]; overwritten.

    References
    ----------
    2006 IPCC GL Vol 5 Ch 3, Eqs 3.4–3.5 and Annex 3A.1 (first-order decay, IPCC Waste Model).
    """
    n_types, n_years = ddocm_dep.shape
    m = int(math.floor(start))
    r = start - m
    for i in range(n_types):
        keep = math.exp(-k[i])
        keep_first = math.exp(-k[i] * (1.0 - r))
        pool = 0.0
        for t in range(n_years):
            fresh = ddocm_dep[i, t - m] if t - m >= 0 else 0.0
            decomposed[i, t] = pool * (1.0 - keep) + fresh * (1.0 - keep_first)
            pool = pool * keep + fresh * keep_first
            waiting = 0.0
            for j in range(max(0, t - m + 1), t + 1):
                waiting += ddocm_dep[i, j]
            accumulated[i, t] = pool + waiting
