"""Characterise: from tonnes of each gas to tonnes of CO2 equivalent, once per run.

The methods (activity × factor, first-order decay of landfill deposits, carbon sinks) return
``emissions_t`` in tonnes of their gas. After their rows are merged, this one step adds, per
emission row::

    co2e_t = emissions_t × GWP100[gas]        (CO2 = 1)

with the run's :class:`~ghginv.core.gwp.GwpSet` (``RunConfig.gwp_set``, resolved from ``--gwp``
when the configuration was checked). A compile and a recompute (kept positions or full) call it
on the same merged rows, so their ``co2e_t`` are the same bits.

A set that splits a gas by origin (``AR6GWP100_CH4FNF``: fossil and non-fossil CH4) looks up
``GWP100[gas:origin]`` instead, the origin from the row's sector and the fuel class of its
activity (:func:`ghginv.core.gwp.origin_of`); the caller passes the fuel classes of the run's
factor sets (:func:`ghginv.methods.emissions.activity_classes`).
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from ..core.gwp import GwpSet

__all__ = ["characterise"]


def characterise(frame: pl.DataFrame, gwp_set: GwpSet, classes: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Add ``co2e_t`` to emission rows (replacing one already there), right after ``emissions_t``.

    Parameters
    ----------
    frame : polars.DataFrame
        Emission rows with ``gas`` and ``emissions_t`` [t of the gas].
    gwp_set : GwpSet
        The GWP100 values [t CO2e / t gas] to apply (:func:`ghginv.core.gwp.gwp_set`).
    classes : mapping of str to str, optional
        Fuel class per activity of the run's factor sets
        (:func:`ghginv.methods.emissions.activity_classes`); needed when ``gwp_set`` splits a gas
        of the rows by origin (then ``frame`` also needs ``sector`` and ``activity``).

    Returns
    -------
    polars.DataFrame
        ``frame`` with ``co2e_t`` [t CO2e] = ``emissions_t`` × GWP of the row's gas
        (:meth:`ghginv.core.gwp.GwpSet.co2e`), its other columns unchanged and in order.

    Raises
    ------
    UnknownGwpError
        When the set has no GWP for a gas of the rows, or (a set split by origin) a row of the
        split gas is in a sector without an origin rule.

    References
    ----------
    2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1 Ch 8 (reporting in CO2
    equivalents); IPCC AR5 WG1 Table 8.A.1 (GWP100 without climate-carbon feedback).
    """
    cols = [c for c in frame.columns if c != "co2e_t"]
    at = cols.index("emissions_t") + 1
    return frame.with_columns(gwp_set.co2e_of(frame, classes)).select(*cols[:at], "co2e_t", *cols[at:])
