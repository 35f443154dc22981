"""Carbon-sink kernels: sub-compartment records aggregated to strata (2006 IPCC GL Vol 4).

Every kernel takes record arrays (one element per sub-compartment row) with the index ``group``
of the record's stratum cell, and per-group parameter arrays; it accumulates tonnes of carbon
per group. Carbon stock changes are positive for a gain; the methods turn them into CO2 with
the sign convention of the inventory (removal = negative emission): CO2 = −ΔC × 44/12.

* :func:`gain_loss` — Eqs 2.7, 2.9–2.14 (gain-loss method, biomass)::

      ΔC_G = Σ I_V × BCEF_I × (1 + R) × CF                                     (Eqs 2.9, 2.10)
      L_wood-removals = Σ H × BCEF_R × (1 + R) × CF                            (Eq 2.12)
      L_fuelwood      = Σ FG × BCEF_R × (1 + R) × CF                           (Eq 2.13)
      L_disturbance   = Σ V_dist × BCEF_S × (1 + R) × CF                       (Eq 2.14, volume form)
      ΔC_B = ΔC_G − ΔC_L,  ΔC_L = L_wood-removals + L_fuelwood + L_disturbance (Eqs 2.7, 2.11)

* :func:`stock_carbon` — the carbon stock of Eq 2.8 (stock-difference)::

      C = Σ V × BCEF_S × (1 + R) × CF

* :func:`area_rate` — area × rate per group: urban trees Tier 2a (Vol 4 Ch 8 Eq 8.2,
  ΔC = Σ crown cover × CRW), Tier 1 soil stocks (Eq 2.25, SOC = Σ A × SOC_REF × F_LU × F_MG × F_I)
  and wetland fluxes (area × emission factor).
"""

from __future__ import annotations

import numpy as np

from . import ngjit

__all__ = ["gain_loss", "stock_carbon", "area_rate"]


@ngjit
def _gain_loss(group, inc, harv, fuel, dist, bcef_i, bcef_r, bcef_s, root, cf, gain, loss):
    for i in range(group.shape[0]):
        g = group[i]
        expand = (1.0 + root[g]) * cf[g]
        gain[g] += inc[i] * bcef_i[g] * expand
        loss[g] += ((harv[i] + fuel[i]) * bcef_r[g] + dist[i] * bcef_s[g]) * expand


@ngjit
def _weighted_sum(group, x, coef, out):
    for i in range(group.shape[0]):
        g = group[i]
        out[g] += x[i] * coef[g]


def _f(a):
    return np.ascontiguousarray(a, np.float64)


def gain_loss(group, inc, harv, fuel, dist, bcef_i, bcef_r, bcef_s, root, cf, n_groups: int):
    """Gains and losses (t C per year) per group (gain-loss method, biomass).

    .. math::

        \\Delta C_G = \\sum I_V \\, BCEF_I (1 + R) \\, CF, \\quad
        \\Delta C_L = \\sum \\left[ (H + FG) \\, BCEF_R + V_{dist} \\, BCEF_S \\right] (1 + R) \\, CF

    Record arrays have length n_records (one element per sub-compartment row); group arrays
    length ``n_groups``, indexed by ``group``.

    Parameters
    ----------
    group : numpy.ndarray of int64
        Per record, index of its stratum cell, in ``0..n_groups-1``.
    inc : numpy.ndarray of float64
        Per record, volume increment I_V [m^3/yr].
    harv : numpy.ndarray of float64
        Per record, wood removals (harvest) H [m^3/yr].
    fuel : numpy.ndarray of float64
        Per record, fuelwood removals FG [m^3/yr].
    dist : numpy.ndarray of float64
        Per record, volume lost to disturbance V_dist [m^3/yr].
    bcef_i : numpy.ndarray of float64
        Per group, biomass conversion and expansion factor for increment [t d.m./m^3].
    bcef_r : numpy.ndarray of float64
        Per group, BCEF for removals [t d.m./m^3].
    bcef_s : numpy.ndarray of float64
        Per group, BCEF for growing stock [t d.m./m^3].
    root : numpy.ndarray of float64
        Per group, root-to-shoot ratio R [t root d.m./t above-ground d.m.].
    cf : numpy.ndarray of float64
        Per group, carbon fraction of dry matter CF [t C/t d.m.].
    n_groups : int
        Number of groups (length of the outputs).

    Returns
    -------
    gain : numpy.ndarray of float64
        ΔC_G per group [t C/yr].
    loss : numpy.ndarray of float64
        ΔC_L per group [t C/yr] (positive; ΔC_B = gain − loss).

    References
    ----------
    2006 IPCC GL Vol 4 Ch 2, Eqs 2.7, 2.9–2.14 (gain-loss method; Eq 2.14 in volume form).
    """
    gain = np.zeros(n_groups, np.float64)
    loss = np.zeros(n_groups, np.float64)
    _gain_loss(np.ascontiguousarray(group, np.int64), _f(inc), _f(harv), _f(fuel), _f(dist),
               _f(bcef_i), _f(bcef_r), _f(bcef_s), _f(root), _f(cf), gain, loss)
    return gain, loss


def stock_carbon(group, volume, bcef_s, root, cf, n_groups: int):
    """Biomass carbon stock (t C) per group: Σ V × BCEF_S × (1 + R) × CF (Eq 2.8 stocks).

    Parameters
    ----------
    group : numpy.ndarray of int64
        Per record, index of its stratum cell, in ``0..n_groups-1``.
    volume : numpy.ndarray of float64
        Per record, growing stock volume V [m^3].
    bcef_s : numpy.ndarray of float64
        Per group, BCEF for growing stock [t d.m./m^3].
    root : numpy.ndarray of float64
        Per group, root-to-shoot ratio R [t root d.m./t above-ground d.m.].
    cf : numpy.ndarray of float64
        Per group, carbon fraction of dry matter CF [t C/t d.m.].
    n_groups : int
        Number of groups (length of the output).

    Returns
    -------
    numpy.ndarray of float64
        Carbon stock C per group [t C]; the stock-difference method takes the change between two
        inventories.

    References
    ----------
    2006 IPCC GL Vol 4 Ch 2, Eq 2.8 (stock-difference method).
    """
    coef = _f(bcef_s) * (1.0 + _f(root)) * _f(cf)
    out = np.zeros(n_groups, np.float64)
    _weighted_sum(np.ascontiguousarray(group, np.int64), _f(volume), coef, out)
    return out


def area_rate(group, area, rate, n_groups: int):
    """Σ area × rate per group (crown cover × CRW; area × SOC_REF × F; area × EF).

    Parameters
    ----------
    group : numpy.ndarray of int64
        Per record, index of its stratum cell, in ``0..n_groups-1``.
    area : numpy.ndarray of float64
        Per record, area [ha] (crown cover area for urban trees).
    rate : numpy.ndarray of float64
        Per group, rate per hectare: crown-cover removal factor CRW [t C/(ha·yr)], soil carbon
        stock SOC_REF × F_LU × F_MG × F_I [t C/ha], or a wetland emission factor
        [t CO2-C or CH4-C/(ha·yr)].
    n_groups : int
        Number of groups (length of the output).

    Returns
    -------
    numpy.ndarray of float64
        Σ area × rate per group [t C/yr or t C, as ``rate``].

    References
    ----------
    2006 IPCC GL Vol 4 Ch 8, Eq 8.2 (urban trees, Tier 2a); Vol 4 Ch 2, Eq 2.25 (Tier 1 soil
    organic carbon stocks).
    """
    out = np.zeros(n_groups, np.float64)
    _weighted_sum(np.ascontiguousarray(group, np.int64), _f(area), _f(rate), out)
    return out
