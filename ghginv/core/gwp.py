"""Global warming potentials (100-year) from the ``globalwarmingpotentials`` package, and the one
place emissions are multiplied by them.

The package (openclimatedata, CC0) is the machine-readable source; its metric names are used as
GWP set names: ``SARGWP100`` (used by China's 2011 provincial inventory guideline), ``AR4GWP100``,
``AR5GWP100`` (AR5 WG1 Table 8.A.1 without climate-carbon feedback), ``AR5CCFGWP100``,
``AR6GWP100`` (AR6 WG1 Table 7.SM.7; CH4 27.9, no fossil/non-fossil split). CO2 is 1 by
definition.

One set is ghginv's own: ``AR6GWP100_CH4FNF`` ("CH4 fossil / non-fossil") is ``AR6GWP100`` with
methane split by the origin of its carbon, as AR6 WG1 Table 7.15 gives it: fossil CH4 29.8,
non-fossil CH4 27.0 (the values, their status and source in ``core/data/gwp_by_origin.csv``). A
set with such a split has no single value for the gas; each emission row's origin follows from its
IPCC sector and the fuel class of its activity (:func:`origin_of`, the one rule):

* fuel class ``biomass`` (wood, charcoal, biogas … in ``activities.csv``), in any sector: non-fossil
  (AR6: methane whose carbon is biogenic);
* otherwise sector 1 (Energy: fuel combustion 1.A, fugitive emissions from fuels 1.B, 1.C) and
  sector 2 (IPPU: CH4 of the 2006 Guidelines' petrochemical and metal production comes from fossil
  feedstocks and reductants): fossil;
* sector 3 (AFOLU: enteric fermentation, manure, rice, managed wetlands, burning) and sector 4
  (Waste: landfills, biological treatment, incineration, wastewater): non-fossil — also the small
  CH4 of incinerating fossil waste types (plastics), which the factor sets do not mark as fossil;
* any other sector (5, Other): no rule — :class:`~ghginv.core.errors.UnknownGwpError` naming the
  sector, rather than a guess.

Rows are characterised by a *GWP key*, the gas or, for a split gas, ``gas:origin`` (``CH4:fossil``,
``CH4:non_fossil``; :meth:`GwpSet.keys_of`); a set without the split gives both keys its one value.

``--gwp`` is resolved once, when the run's configuration is checked, into a :class:`GwpSet`
(``RunConfig.gwp_set``). The methods return tonnes of each gas; :meth:`GwpSet.co2e` is the only
multiplication by a GWP (CO2e = emissions × GWP100; 2006 IPCC GL Vol 1 Ch 8, reporting in CO2
equivalents), used by :func:`ghginv.pipeline.characterise.characterise` and by
every consumer below the pipeline (uncertainty terms). Fused kernels that need CO2e take
:meth:`GwpSet.vector` as a plain array.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from types import MappingProxyType

import numpy as np

from .errors import UnknownGwpError

__all__ = ["GwpSet", "gwp_set", "gwp_table", "gwp_sets", "known_gases", "montreal_gas", "gas_family", "origin_of", "gwp_keys", "GWP100_SETS",
           "ORIGIN_SETS", "SOURCE", "MONTREAL_GASES", "FOSSIL", "NON_FOSSIL", "ORIGIN_RULE"]

GWP100_SETS = ("SARGWP100", "AR4GWP100", "AR5GWP100", "AR5CCFGWP100", "AR6GWP100")
ORIGIN_SETS = ("AR6GWP100_CH4FNF",)  # ghginv's sets with a fossil / non-fossil split (core/data/gwp_by_origin.csv)
SOURCE = "globalwarmingpotentials package"
FOSSIL, NON_FOSSIL = "fossil", "non_fossil"
ORIGIN_RULE = ("fuel class biomass: non-fossil; otherwise IPCC sectors 1 (energy: combustion, fugitive) and 2 (IPPU): "
               "fossil; sectors 3 (AFOLU) and 4 (waste): non-fossil; other sectors: no value (error)")
_EMPTY: Mapping = MappingProxyType({})


def origin_of(sector: str, fuel_class: str | None) -> str | None:
    """Origin of an emission row's carbon for a GWP split by origin (the rule of the module doc).

    Parameters
    ----------
    sector : str
        The row's IPCC 2006 category code, e.g. ``1.A.4.b``.
    fuel_class : str or None
        The fuel class of its activity (``activities.csv``), None when no set lists it.

    Returns
    -------
    str or None
        :data:`FOSSIL`, :data:`NON_FOSSIL`, or None (sector 5 and others: no rule).
    """
    if fuel_class == "biomass":
        return NON_FOSSIL
    top = str(sector).split(".", 1)[0]
    return FOSSIL if top in ("1", "2") else NON_FOSSIL if top in ("3", "4") else None


def gwp_keys(frame, classes: Mapping[str, str] | None, split: Iterable[str], set_name: str = ""):
    """Per row of ``frame``, its GWP key: the gas, or ``gas:origin`` for a gas in ``split``.

    Parameters
    ----------
    frame : polars.DataFrame
        Rows with ``gas`` and, when a gas of ``split`` occurs, ``sector`` and ``activity``.
    classes : mapping of str to str or None
        Fuel class per activity (:func:`ghginv.methods.emissions.activity_classes`); required
        when a row has a gas of ``split``.
    split : iterable of str
        Gases to key by origin (:func:`origin_of`).
    set_name : str, optional
        The GWP set asking, named in the error.

    Returns
    -------
    polars.Series
        ``gwp_key`` (String), one per row.

    Raises
    ------
    UnknownGwpError
        A row of a split gas in a sector without an origin rule (e.g. 5.B).
    ValueError
        A split gas occurs and ``classes`` or the ``sector``/``activity`` columns are missing.
    """
    import polars as pl

    split = sorted(set(split))
    gas = frame["gas"].cast(pl.String)
    hit = gas.is_in(split) if split else None
    if hit is None or not hit.any():
        return gas.alias("gwp_key")
    if classes is None or not {"sector", "activity"} <= set(frame.columns):
        raise ValueError(f"GWP set {set_name!r} splits {', '.join(split)} by origin: the CO2e needs each row's sector and the "
                         "activities' fuel classes (classes=activity_classes(sets))")
    pairs = frame.select(pl.col("sector").cast(pl.String), pl.col("activity").cast(pl.String)).filter(hit).unique()
    origin, bad = {}, []
    for sector, activity in pairs.iter_rows():
        o = origin_of(sector or "", classes.get(activity))
        if o is None:
            bad.append(f"{sector} (activity {activity})")
        origin[(sector, activity)] = o
    if bad:
        raise UnknownGwpError(
            f"GWP set {set_name!r} gives {', '.join(split)} a fossil or a non-fossil value by IPCC sector ({ORIGIN_RULE}); "
            f"{', '.join(split)} in sector {', '.join(sorted(bad)[:5])} has no rule: use AR6GWP100 (one CH4 value) for this inventory")
    o = pl.DataFrame([(s, a, o) for (s, a), o in origin.items()], schema={"sector": pl.String, "activity": pl.String, "_o": pl.String},
                     orient="row")
    rows = frame.select(pl.col("gas").cast(pl.String), pl.col("sector").cast(pl.String), pl.col("activity").cast(pl.String))
    rows = rows.with_row_index("_i").join(o, on=["sector", "activity"], how="left", nulls_equal=True).sort("_i")
    return rows.select(pl.when(pl.col("gas").is_in(split)).then(pl.col("gas") + ":" + pl.col("_o")).otherwise(pl.col("gas"))
                       .alias("gwp_key")).to_series()

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


_PFC_NAMES = frozenset({"CF4", "C2F6", "C3F8", "C4F10", "c-C4F8", "C5F12", "C6F14"})


def gas_family(gas: str) -> str:
    """The reporting family of a gas: ``HFCs`` for every HFC, ``PFCs`` for every PFC, else the gas.

    Parameters
    ----------
    gas : str
        Gas name as in the GWP tables (``HFC134a``, ``CF4``, ``CO2`` …).

    Returns
    -------
    str
        ``"HFCs"``, ``"PFCs"`` or ``gas`` itself (CO2, CH4, N2O, SF6, NF3 …): the columns of the
        inventory tables (IPCC 2006 Vol 1 Ch 8 Table 8.2; the provincial summary table).
    """
    if gas.startswith("HFC"):
        return "HFCs"
    if gas.startswith("PFC") or gas in _PFC_NAMES:
        return "PFCs"
    return gas


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
    """A GWP set: its ``name`` (the package's metric name, or one of :data:`ORIGIN_SETS`),
    ``values`` (gas -> GWP, read-only, ``CO2`` = 1), ``source`` and ``by_origin`` (gas -> origin
    -> GWP for a gas split by origin — such a gas is not in ``values``; empty for the package's
    sets). Build it with :func:`gwp_set`."""

    name: str
    values: Mapping[str, float]
    source: str = SOURCE
    by_origin: Mapping[str, Mapping[str, float]] = field(default_factory=lambda: _EMPTY)

    def __reduce__(self):  # pickled (and deep-copied) by name: the read-only mapping is rebuilt
        return (gwp_set, (self.name,))

    def vector(self, gases: Sequence[str]) -> np.ndarray:
        """GWP of each of ``gases``, as float64.

        Parameters
        ----------
        gases : sequence of str
            Gas names or GWP keys (:meth:`keys_of`), e.g. ``["CH4", "CO2", "N2O"]`` or
            ``["CH4:fossil", "CH4:non_fossil", "CO2"]``. A set without a split gives a key
            ``gas:origin`` the gas's one value.

        Returns
        -------
        numpy.ndarray
            GWP100 per gas [t CO2e / t gas].

        Raises
        ------
        UnknownGwpError
            Naming the gases this set has no value for, or a gas it splits by origin asked for
            without an origin.
        """
        out, missing, unsplit = [], set(), set()
        for key in gases:
            gas, _, origin = key.partition(":")
            if gas in self.by_origin:
                v = self.by_origin[gas].get(origin) if origin else None
                if v is None:
                    (unsplit if not origin else missing).add(key)
            else:
                v = self.values.get(gas)
                if v is None:
                    missing.add(gas)
            out.append(v)
        if unsplit:
            vals = ", ".join(f"{o.replace('_', '-')} {v:g}" for g in sorted(unsplit) for o, v in self.by_origin[g].items())
            raise UnknownGwpError(f"GWP set {self.name!r} has no single value for {', '.join(sorted(unsplit))} ({vals}, by each "
                                  "row's sector and fuel class); this calculation needs one value per gas: choose another GWP set")
        if missing:
            raise UnknownGwpError(f"GWP set {self.name!r} has no value for {', '.join(sorted(missing))}; choose another GWP set")
        return np.array(out, dtype=np.float64)

    def keys_of(self, frame, classes: Mapping[str, str] | None = None):
        """Per row of ``frame``, the key its GWP is looked up by: the gas, or ``gas:origin`` for a
        gas this set splits (:func:`gwp_keys`).

        Parameters
        ----------
        frame : polars.DataFrame
            Rows with ``gas`` (and ``sector``, ``activity`` when a split gas occurs).
        classes : mapping of str to str, optional
            Fuel class per activity; required when a split gas occurs.

        Returns
        -------
        polars.Series
            ``gwp_key`` per row.
        """
        return gwp_keys(frame, classes, self.by_origin, self.name)

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

    def co2e_of(self, frame, classes: Mapping[str, str] | None = None):
        """:meth:`co2e` of a polars frame with columns ``gas`` and ``emissions_t`` [t]: a
        ``co2e_t`` Series [t CO2e].

        Parameters
        ----------
        frame : polars.DataFrame
            Rows with ``gas``, ``emissions_t`` [t of the gas] and, for a set that splits a gas of
            the rows by origin, ``sector`` and ``activity``.
        classes : mapping of str to str, optional
            Fuel class per activity (:func:`ghginv.methods.emissions.activity_classes`), needed
            by a set that splits a gas of the rows by origin (:func:`origin_of`).

        Returns
        -------
        polars.Series
            ``co2e_t`` [t CO2e], one per row.
        """
        import polars as pl

        from ._frames import encode

        names, codes = encode(self.keys_of(frame, classes))
        return pl.Series("co2e_t", self.co2e(frame["emissions_t"].to_numpy(), codes, names), dtype=pl.Float64)

    def manifest_entry(self, gases: Sequence[str]) -> dict:
        """``manifest.json``'s ``gwp`` entry: the set, its source and the values of ``gases``.

        Parameters
        ----------
        gases : sequence of str
            The run's gases.

        Returns
        -------
        dict
            ``set``, ``source``, ``values`` (gas -> GWP) and, for a set split by origin,
            ``values_by_origin`` (gas -> {fossil, non_fossil} -> GWP), ``origin_rule`` and
            ``base_set``.
        """
        entry = {"set": self.name, "source": self.source, "values": {g: self.values[g] for g in gases if g not in self.by_origin}}
        if self.by_origin:
            entry["values_by_origin"] = {g: dict(self.by_origin[g]) for g in gases if g in self.by_origin}
            entry["origin_rule"] = ORIGIN_RULE
            entry["base_set"] = _origin_rows()[self.name][0]
        return entry


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

    if name in ORIGIN_SETS:
        base, split, source = _origin_rows()[name]
        table = {g: v for g, v in gwp_set(base).values.items() if g not in split}
        return GwpSet(name, MappingProxyType(table), source, MappingProxyType({g: MappingProxyType(o) for g, o in split.items()}))
    if name not in gwp.data:
        raise UnknownGwpError(
            f"unknown GWP set {name!r}; known sets: {', '.join(GWP100_SETS + ORIGIN_SETS)}"
            f" (and {', '.join(s for s in sorted(gwp.data) if s not in GWP100_SETS)})"
        )
    table = {k: float(v) for k, v in gwp.data[name].items() if v == v}  # drop NaN
    table["CO2"] = 1.0
    return GwpSet(name, MappingProxyType(table))


@cache
def _origin_rows() -> dict[str, tuple[str, dict[str, dict[str, float]], str]]:
    """set -> (base set, gas -> origin -> GWP, source) from ``core/data/gwp_by_origin.csv``."""
    out: dict = {}
    with resources.files("ghginv.core.data").joinpath("gwp_by_origin.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            base, split, _ = out.setdefault(r["set"], (r["base_set"], {}, ""))
            split.setdefault(r["gas"], {})[r["origin"]] = float(r["gwp100"])
    for name, (base, split, _) in out.items():
        out[name] = (base, split, f"IPCC AR6 WG1 Table 7.15 (CH4 fossil / non-fossil); other gases: {SOURCE} ({base})")
    return out


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
