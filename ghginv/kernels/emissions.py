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


def _emissions_np(amount, unit_scale, ncv, ncv_pow, density, dens_pow, factor, out):
    """:func:`_emissions` in numpy, for the plain-Python mode (numba not loaded): the same
    operations on each row in the same order (``1.0 × ncv`` is ``ncv``, ``1.0 / ncv`` as in the
    loop), so the same bits. Without a conversion on any row (every power 0) ``conv`` is 1.0 throughout and
    its product is left out (``x × 1.0`` is ``x``): ``amount × unit_scale × factor`` in place."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        np.multiply(amount, unit_scale, out=out)
        if ncv_pow.any() or dens_pow.any():
            conv = np.where(ncv_pow == 1, ncv, np.where(ncv_pow == -1, 1.0 / ncv, 1.0))
            conv = np.where(dens_pow == 1, conv * density, np.where(dens_pow == -1, conv / density, conv))
            out *= conv
        out *= factor


@ngjit(small=_emissions_np)
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

    .. math::

        E = A \\times s_u \\times \\mathrm{NCV}^{p} \\times \\rho^{q} \\times EF

    Parameters
    ----------
    amount : numpy.ndarray of float64
        Activity amount [reported unit of the row].
    unit_scale : numpy.ndarray of float64
        Reported unit -> base unit of its dimension [base unit / reported unit]
        (:attr:`ghginv.core.units.Unit.scale`).
    ncv : numpy.ndarray of float64
        Net calorific value [GJ/t or GJ/m^3]; NaN where unused.
    ncv_pow : numpy.ndarray of int8
        Power ``p`` of ``ncv`` in the conversion, in {-1, 0, 1}.
    density : numpy.ndarray of float64
        Density [t/m^3]; NaN where unused.
    dens_pow : numpy.ndarray of int8
        Power ``q`` of ``density`` in the conversion, in {-1, 0, 1}.
    factor : numpy.ndarray of float64
        Emission factor [t gas / base unit of the factor's denominator].

    Returns
    -------
    numpy.ndarray of float64
        Emissions [t gas], one per row.

    References
    ----------
    2006 IPCC GL Vol 2 Ch 2, Eq 2.1 (emissions = fuel consumption × emission factor), Tier 1/2.
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
