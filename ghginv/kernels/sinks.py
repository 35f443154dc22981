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
    """Gains and losses (t C per year) per group.

    Record arrays (length n_records): ``group`` (int64 index of the stratum cell), ``inc``
    volume increment (m^3/yr), ``harv`` harvest (m^3), ``fuel`` fuelwood (m^3), ``dist``
    disturbance volume (m^3). Group arrays (length ``n_groups``): ``bcef_i``, ``bcef_r``,
    ``bcef_s`` (t d.m./m^3), ``root`` (R), ``cf`` (t C/t d.m.). Returns ``(gain, loss)``.
    """
    gain = np.zeros(n_groups, np.float64)
    loss = np.zeros(n_groups, np.float64)
    _gain_loss(np.ascontiguousarray(group, np.int64), _f(inc), _f(harv), _f(fuel), _f(dist),
               _f(bcef_i), _f(bcef_r), _f(bcef_s), _f(root), _f(cf), gain, loss)
    return gain, loss


def stock_carbon(group, volume, bcef_s, root, cf, n_groups: int):
    """Biomass carbon stock (t C) per group: Σ V × BCEF_S × (1 + R) × CF (Eq 2.8 stocks)."""
    coef = _f(bcef_s) * (1.0 + _f(root)) * _f(cf)
    out = np.zeros(n_groups, np.float64)
    _weighted_sum(np.ascontiguousarray(group, np.int64), _f(volume), coef, out)
    return out


def area_rate(group, area, rate, n_groups: int):
    """Σ area × rate per group (crown cover × CRW; area × SOC_REF × F; area × EF)."""
    out = np.zeros(n_groups, np.float64)
    _weighted_sum(np.ascontiguousarray(group, np.int64), _f(area), _f(rate), out)
    return out
