"""Emission kernel for activity-based methods (energy combustion and any direct-form factor).

For one cube cell and gas (2006 IPCC GL Vol 2 Ch 2 Eq 2.1, Tier 1/2)::

    emissions_t = amount × unit_scale × conv × factor_t_per_base

where ``unit_scale`` turns the activity amount into its dimension's base unit (t, m^3, GJ, ha),
``conv`` bridges the activity's dimension to the factor's denominator dimension with the cell's
resolved net calorific value and density::

    conv = ncv ** ncv_pow × density ** dens_pow        (powers in {-1, 0, 1})

and ``factor_t_per_base`` is the emission factor in tonnes of gas per base unit of its
denominator (e.g. 56,100 kg CO2/TJ -> 0.0561 t/GJ).
"""

from __future__ import annotations

import numpy as np

from . import ngjit

__all__ = ["activity_emissions"]


@ngjit
def _emissions(amount, unit_scale, ncv, ncv_pow, density, dens_pow, factor, out):
    for i in range(amount.shape[0]):
        conv = 1.0
        p = ncv_pow[i]
        if p == 1:
            conv *= ncv[i]
        elif p == -1:
            conv /= ncv[i]
        q = dens_pow[i]
        if q == 1:
            conv *= density[i]
        elif q == -1:
            conv /= density[i]
        out[i] = amount[i] * unit_scale[i] * conv * factor[i]


def activity_emissions(amount, unit_scale, ncv, ncv_pow, density, dens_pow, factor):
    """Tonnes of gas per (cell, gas) row; every argument is a 1-D array of the same length.

    Parameters
    ----------
    amount : float64, activity in its reported unit
    unit_scale : float64, reported unit -> base unit of its dimension
    ncv : float64, GJ per t or GJ per m^3 (NaN where unused)
    ncv_pow, dens_pow : int8 in {-1, 0, 1}
    density : float64, t per m^3 (NaN where unused)
    factor : float64, t gas per base unit of the factor's denominator
    """
    n = amount.shape[0]
    out = np.empty(n, np.float64)
    _emissions(
        np.ascontiguousarray(amount, np.float64),
        np.ascontiguousarray(unit_scale, np.float64),
        np.ascontiguousarray(ncv, np.float64),
        np.ascontiguousarray(ncv_pow, np.int8),
        np.ascontiguousarray(density, np.float64),
        np.ascontiguousarray(dens_pow, np.int8),
        np.ascontiguousarray(factor, np.float64),
        out,
    )
    return out
