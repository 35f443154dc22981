"""Global warming potentials (100-year) from the ``globalwarmingpotentials`` package.

The package (openclimatedata, CC0) is the machine-readable source; its metric names are used as
GWP set names: ``SARGWP100`` (used by China's 2011 provincial inventory guideline), ``AR4GWP100``,
``AR5GWP100`` (AR5 WG1 Table 8.A.1 without climate-carbon feedback), ``AR5CCFGWP100``,
``AR6GWP100`` (AR6 WG1 Table 7.SM.7; CH4 27.9, no fossil/non-fossil split). CO2 is 1 by
definition.
"""

from __future__ import annotations

from functools import lru_cache

from .errors import UnknownGwpError

__all__ = ["gwp_table", "gwp_sets", "known_gases", "GWP100_SETS"]

GWP100_SETS = ("SARGWP100", "AR4GWP100", "AR5GWP100", "AR5CCFGWP100", "AR6GWP100")


def gwp_sets() -> tuple[str, ...]:
    import globalwarmingpotentials as gwp

    return tuple(sorted(gwp.data))


def gwp_table(name: str) -> dict[str, float]:
    """Gas -> GWP for the named set, with ``CO2`` = 1 (a fresh dict the caller may change).

    Raises :class:`UnknownGwpError` naming the known sets.
    """
    return dict(_gwp_table(name))


@lru_cache(maxsize=None)
def _gwp_table(name: str) -> dict[str, float]:
    import globalwarmingpotentials as gwp

    if name not in gwp.data:
        raise UnknownGwpError(
            f"unknown GWP set {name!r}; known sets: {', '.join(GWP100_SETS)}"
            f" (and {', '.join(s for s in sorted(gwp.data) if s not in GWP100_SETS)})"
        )
    table = {k: float(v) for k, v in gwp.data[name].items() if v == v}  # drop NaN
    table["CO2"] = 1.0
    return table


@lru_cache(maxsize=1)
def known_gases() -> frozenset[str]:
    """Every gas name that appears in any GWP set, plus CO2."""
    import globalwarmingpotentials as gwp

    names = {"CO2"}
    for t in gwp.data.values():
        names.update(t)
    return frozenset(names)
