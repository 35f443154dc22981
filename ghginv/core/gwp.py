"""Global warming potentials (100-year) from the ``globalwarmingpotentials`` package, and the one
place emissions are multiplied by them.

The package (openclimatedata, CC0) is the machine-readable source; its metric names are used as
GWP set names: ``SARGWP100`` (used by China's 2011 provincial inventory guideline), ``AR4GWP100``,
``AR5GWP100`` (AR5 WG1 Table 8.A.1 without climate-carbon feedback), ``AR5CCFGWP100``,
``AR6GWP100`` (AR6 WG1 Table 7.SM.7; CH4 27.9, no fossil/non-fossil split). CO2 is 1 by
definition.

``--gwp`` is resolved once, when the run's configuration is checked, into a :class:`GwpSet`
(``RunConfig.gwp_set``). The methods return tonnes of each gas; :meth:`GwpSet.co2e` is the only
multiplication by a GWP (CO2e = emissions × GWP100; 2006 IPCC GL Vol 1 Ch 8, reporting in CO2
equivalents), used by :func:`ghginv.pipeline.characterise.characterise` and by
every consumer below the pipeline (uncertainty terms). Fused kernels that need CO2e take
:meth:`GwpSet.vector` as a plain array.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from types import MappingProxyType

import numpy as np

from .errors import UnknownGwpError

__all__ = ["GwpSet", "gwp_set", "gwp_table", "gwp_sets", "known_gases", "montreal_gas", "GWP100_SETS", "SOURCE",
           "MONTREAL_GASES"]

GWP100_SETS = ("SARGWP100", "AR4GWP100", "AR5GWP100", "AR5CCFGWP100", "AR6GWP100")
SOURCE = "globalwarmingpotentials package"

# Ozone-depleting substances controlled by the Montreal Protocol, under the names of the
# globalwarmingpotentials package. IPCC and UNFCCC inventories report them as memo items outside
# the inventory total (UNFCCC Article 4.1(a): inventories of "all greenhouse gases not controlled
# by the Montreal Protocol", the scope of the 2006 IPCC Guidelines); ghginv books their rows to the
# ``memo`` scope. Montreal Protocol on
# Substances that Deplete the Ozone Layer (UNEP Ozone Secretariat, Handbook, Annexes A–C, E):
#   Annex A Group I   CFC-11, CFC-12, CFC-113, CFC-114, CFC-115
#   Annex A Group II  halon-1211, halon-1301, halon-2402
#   Annex B Group I   other fully halogenated CFCs (CFC-13 among them)
#   Annex B Group II  carbon tetrachloride;  Annex B Group III  1,1,1-trichloroethane (methyl chloroform)
#   Annex C Group I   HCFCs (HCFC-21, -22, -123, -124, -141b, -142b, -225ca, -225cb among them)
#   Annex C Group II  HBFCs (CHF2Br, HBFC-22B1, named Halon1201 and CHBrF2 in the package)
#   Annex E Group I   methyl bromide
# HFCs (Annex F, added by the 2016 Kigali Amendment) stay in the totals: they are Kyoto gases of
# the UNFCCC inventory.
MONTREAL_GASES = frozenset({
    "CFC11", "CFC12", "CFC113", "CFC114", "CFC115",  # Annex A I
    "Halon1211", "Halon1301", "Halon2402",  # Annex A II
    "CFC13",  # Annex B I
    "CCl4",  # Annex B II
    "CH3CCl3",  # Annex B III
    "HCFC21", "HCFC22", "HCFC123", "HCFC124", "HCFC141b", "HCFC142b", "HCFC225ca", "HCFC225cb",  # Annex C I
    "Halon1201", "CHBrF2",  # Annex C II (HBFC-22B1)
    "CH3Br",  # Annex E I
})


def montreal_gas(gas: str) -> bool:
    """Whether ``gas`` is controlled by the Montreal Protocol (a memo item, never in a total).

    Parameters
    ----------
    gas : str
        Gas name as in the GWP tables (``HCFC22``, ``CFC11``, ``HFC134a`` …).

    Returns
    -------
    bool
        True for the gases of :data:`MONTREAL_GASES` (Annexes A, B, C and E); False for CO2, CH4,
        N2O, HFCs, PFCs, SF6, NF3 and the other gases of the GWP tables.

    References
    ----------
    Montreal Protocol on Substances that Deplete the Ozone Layer, Annexes A, B, C and E (UNEP Ozone
    Secretariat); UNFCCC Article 4.1(a) (inventories of the greenhouse gases not controlled by the
    Montreal Protocol).
    """
    return gas in MONTREAL_GASES


@dataclass(frozen=True)
class GwpSet:
    """A GWP set: its ``name`` (the package's metric name), ``values`` (gas -> GWP, read-only,
    ``CO2`` = 1) and ``source``. Build it with :func:`gwp_set`."""

    name: str
    values: Mapping[str, float]
    source: str = SOURCE

    def __reduce__(self):  # pickled (and deep-copied) by name: the read-only mapping is rebuilt
        return (gwp_set, (self.name,))

    def vector(self, gases: Sequence[str]) -> np.ndarray:
        """GWP of each of ``gases``, as float64.

        Parameters
        ----------
        gases : sequence of str
            Gas names, e.g. ``["CH4", "CO2", "N2O"]``.

        Returns
        -------
        numpy.ndarray
            GWP100 per gas [t CO2e / t gas].

        Raises
        ------
        UnknownGwpError
            Naming the gases this set has no value for.
        """
        missing = sorted({g for g in gases if g not in self.values})
        if missing:
            raise UnknownGwpError(f"GWP set {self.name!r} has no value for {', '.join(missing)}; choose another GWP set")
        return np.array([self.values[g] for g in gases], dtype=np.float64)

    def co2e(self, emissions_t, gas_codes, gas_names: Sequence[str]) -> np.ndarray:
        """CO2 equivalent of emissions: ``emissions_t × GWP[gas]`` — the only multiplication by a
        GWP in ghginv.

        Parameters
        ----------
        emissions_t : array_like of float
            Emissions [t of the gas], one per row.
        gas_codes : array_like of int
            Per row, the index of its gas in ``gas_names``.
        gas_names : sequence of str
            The distinct gases the codes point into.

        Returns
        -------
        numpy.ndarray
            Emissions [t CO2e], one per row.

        References
        ----------
        2006 IPCC GL Vol 1 Ch 8 (reporting in CO2 equivalents); IPCC AR5 WG1 Table 8.A.1 (GWP100).
        """
        gwp = self.vector(gas_names)
        return np.asarray(emissions_t, dtype=np.float64) * gwp[np.asarray(gas_codes, dtype=np.int64)]

    def co2e_of(self, frame):
        """:meth:`co2e` of a polars frame with columns ``gas`` and ``emissions_t`` [t]: a
        ``co2e_t`` Series [t CO2e]."""
        import polars as pl

        from ._frames import encode

        names, codes = encode(frame["gas"])
        return pl.Series("co2e_t", self.co2e(frame["emissions_t"].to_numpy(), codes, names), dtype=pl.Float64)

    def manifest_entry(self, gases: Sequence[str]) -> dict:
        """``manifest.json``'s ``gwp`` entry: the set, its source and the values of ``gases``."""
        return {"set": self.name, "source": self.source, "values": {g: self.values[g] for g in gases}}


def gwp_sets() -> tuple[str, ...]:
    """Names of every GWP set of the ``globalwarmingpotentials`` package.

    Returns
    -------
    tuple of str
        Metric names, sorted (:data:`GWP100_SETS` and the package's other sets).
    """
    import globalwarmingpotentials as gwp

    return tuple(sorted(gwp.data))


@cache
def gwp_set(name: str) -> GwpSet:
    """The :class:`GwpSet` called ``name`` (one object per name and process).

    Parameters
    ----------
    name : str
        A metric name of the ``globalwarmingpotentials`` package, e.g. ``AR5GWP100``.

    Returns
    -------
    GwpSet
        Its GWP100 values [t CO2e / t gas], NaN entries dropped, ``CO2`` = 1.

    Raises
    ------
    UnknownGwpError
        Naming the known sets.
    """
    import globalwarmingpotentials as gwp

    if name not in gwp.data:
        raise UnknownGwpError(
            f"unknown GWP set {name!r}; known sets: {', '.join(GWP100_SETS)}"
            f" (and {', '.join(s for s in sorted(gwp.data) if s not in GWP100_SETS)})"
        )
    table = {k: float(v) for k, v in gwp.data[name].items() if v == v}  # drop NaN
    table["CO2"] = 1.0
    return GwpSet(name, MappingProxyType(table))


def gwp_table(name: str) -> dict[str, float]:
    """Gas -> GWP for the named set, with ``CO2`` = 1 (a fresh dict the caller may change): the
    values of :func:`gwp_set`.

    Parameters
    ----------
    name : str
        A metric name of the ``globalwarmingpotentials`` package, e.g. ``AR5GWP100``.

    Returns
    -------
    dict of str to float
        GWP100 per gas [t CO2e / t gas].

    Raises
    ------
    UnknownGwpError
        Naming the known sets.
    """
    return dict(gwp_set(name).values)


@lru_cache(maxsize=1)
def known_gases() -> frozenset[str]:
    """Every gas name that appears in any GWP set, plus CO2.

    Returns
    -------
    frozenset of str
        Gas names (``CO2``, ``CH4``, ``N2O``, ``HFC134a`` …).
    """
    import globalwarmingpotentials as gwp

    names = {"CO2"}
    for t in gwp.data.values():
        names.update(t)
    return frozenset(names)
