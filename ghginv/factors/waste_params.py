"""Waste parameters: ``waste_parameters.csv`` of a factor set — checking and resolution.

Columns: ``activity, sector, region, year_from, year_to, parameter, value, unit, source,
source_locator, status`` (optional ``notes`` and the uncertainty columns ``uncertainty_pct`` or
``lower``/``upper`` with ``distribution``, as in :mod:`ghginv.factors.unc_cols`). ``activity`` is a waste type (``msw_food``,
``msw_paper`` …) or ``*``; ``sector`` an IPCC code under ``4.A`` (exact, ``4.A.*``) or ``*``;
``region`` and the years follow the emission-factor rules. Parameters of the first-order decay
method (2006 IPCC GL Vol 5 Ch 3):

=================  ==============  ===============================================================
parameter          unit            meaning
=================  ==============  ===============================================================
doc                fraction, %     degradable organic carbon of the wet waste (Table 2.4)
docf               fraction, %     fraction of DOC that decomposes (p. 3.13)
mcf                fraction, %     methane correction factor of the site type (Table 3.1)
f                  fraction, %     CH4 fraction of landfill gas (p. 3.15)
ox                 fraction, %     oxidation factor (Table 3.2)
delay_months       month           delay between deposit and start of decay (p. 3.19)
k_<climate zone>   1/yr            decay rate (Table 3.3) for the zone chosen in ``[waste]``
=================  ==============  ===============================================================

Precedence, for one (region, sector, waste type, year) and parameter: the run's sets in order,
the first set with a matching row wins; inside a set the year must lie in the row's range, then
the most specific activity (exact > ``*``), sector (exact > longer prefix > ``*``) and region
(exact > longer prefix > ``*``) wins; two rows that still tie are an error on load.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from ..core import categories
from ..core.errors import Problem
from ._patterns import EXACT, Provenance, check_provenance, check_region, check_year_overlaps, parse_value, parse_years
from .unc_cols import parse_uncertainty

__all__ = ["WASTE_COLUMNS", "CLIMATE_ZONES", "WasteRule", "read_waste_rows", "check_waste_overlaps", "resolve_waste_parameter"]

WASTE_COLUMNS = ["activity", "sector", "region", "year_from", "year_to", "parameter", "value", "unit", "source", "source_locator", "status"]
CLIMATE_ZONES = ("boreal_temperate_dry", "boreal_temperate_wet", "tropical_dry", "tropical_moist_wet")
_FRACTION = {"fraction": 1.0, "1": 1.0, "%": 0.01}
UNITS: dict[str, dict[str, float]] = {
    "doc": _FRACTION, "docf": _FRACTION, "mcf": _FRACTION, "f": _FRACTION, "ox": _FRACTION,
    "delay_months": {"month": 1.0, "months": 1.0, "yr": 12.0},
    **{f"k_{z}": {"1/yr": 1.0} for z in CLIMATE_ZONES},
}
_ACTIVITY_RE = re.compile(r"^([a-z0-9][a-z0-9_]*|\*)$")


@dataclass(frozen=True)
class WasteRule(Provenance):
    """One row of ``waste_parameters.csv``, checked; ``value_norm`` is a fraction, months or 1/yr."""

    activity: str
    sector: str
    region: str
    year_from: int
    year_to: int
    parameter: str
    value: float
    unit: str
    value_norm: float

    @property
    def key(self) -> str:
        return self.parameter

    def matches(self, region: str, sector: str, activity: str, year: int) -> bool:
        if not self.year_from <= year <= self.year_to or self.activity not in ("*", activity):
            return False
        if self.sector != "*":
            if self.sector.endswith(".*"):
                p = self.sector[:-2]
                if not categories.under(sector, p):
                    return False
            elif self.sector != sector:
                return False
        if self.region == "*":
            return True
        return region.startswith(self.region[:-1]) if self.region.endswith("*") else region == self.region

    @property
    def specificity(self) -> tuple[int, int, int]:
        act = 0 if self.activity == "*" else 1
        if self.sector == "*":
            sec = 0
        elif self.sector.endswith(".*"):
            sec = categories.level(self.sector[:-2])
        else:
            sec = EXACT
        reg = 0 if self.region == "*" else (len(self.region) - 1 if self.region.endswith("*") else EXACT)
        return act, sec, reg


def read_waste_rows(set_name: str, path: Path, rows: list[tuple[int, dict]], problems: list[Problem]) -> list[WasteRule]:
    """Check the rows of one ``waste_parameters.csv``; problems are appended, good rows returned.

    Parameters
    ----------
    set_name : str
        Name of the factor set (recorded in each rule).
    path : pathlib.Path
        The file, for problem messages and provenance.
    rows : list of tuple of (int, dict)
        ``(line number, row)`` per data row, the row as column -> text.
    problems : list of Problem
        Receives one problem per bad cell (file, line, column, value).

    Returns
    -------
    list of WasteRule
        The rows without problems; ``value_norm`` a fraction (doc, docf, mcf, f, ox), months
        (delay_months) or [1/yr] (k_<climate zone>), with the optional uncertainty columns.

    References
    ----------
    2006 IPCC GL Vol 5 Ch 3 (first-order decay parameters, Tables 3.1–3.3).
    """
    out = []
    for line, row in rows:
        before = len(problems)

        def bad(msg, col=None, value=None):
            problems.append(Problem(msg, file=str(path), line=line, column=col, value=value))

        act, sector, region, param = row["activity"], row["sector"] or "", row["region"], row["parameter"]
        if not _ACTIVITY_RE.match(act):
            bad("activity must be a lower-case snake_case waste type or '*'", "activity", act)
        if sector != "*":
            code = sector.removesuffix(".*")
            if not categories.is_category(code) or not (code == "4" or code == "4.A" or code.startswith("4.A.")):
                bad("sector must be '*', '4.A.*' or a category under 4.A (solid waste disposal)", "sector", sector)
        check_region(region, bad)
        y0, y1 = parse_years(row, bad)
        units = UNITS.get(param)
        if units is None:
            bad(f"unknown parameter; known: {', '.join(UNITS)}", "parameter", param)
        elif row["unit"] not in units:
            bad(f"unit of {param} must be one of {', '.join(units)}", "unit", row["unit"])
        value = parse_value(row, bad)
        norm = value * units[row["unit"]] if units and row["unit"] in units else math.nan
        if param in ("doc", "docf", "mcf", "f", "ox") and norm == norm and norm > 1:
            bad(f"{param} is a fraction and must lie in [0, 1]", "value", row["value"])
        if param.startswith("k_") and norm == 0:
            bad("a decay rate k must be > 0", "value", row["value"])
        check_provenance(row, bad)
        unc = parse_uncertainty(row, value, bad)
        if len(problems) == before:
            out.append(WasteRule(act, sector, region, y0, y1, param, value, row["unit"], norm, set_name=set_name, file=str(path),
                                 line=line, source=row["source"], source_locator=row["source_locator"], status=row["status"],
                                 notes=row.get("notes", ""), unc_pct=unc[0], unc_lower=unc[1], unc_upper=unc[2], distribution=unc[3]))
    return out


def check_waste_overlaps(set_name: str, rules: list[WasteRule]) -> None:
    """Two rows with the same waste type, sector, region and parameter whose years overlap always tie.

    Parameters
    ----------
    set_name : str
        Name of the factor set, for the message.
    rules : list of WasteRule
        The set's checked waste rules.

    Raises
    ------
    DuplicateRuleError
        Listing every pair of rows that tie.
    """
    check_year_overlaps(set_name, rules, lambda r: (r.activity, r.sector, r.region, r.parameter), "waste parameter", "waste parameters")


def resolve_waste_parameter(sets: list, parameter: str, region: str, sector: str, activity: str, year: int) -> WasteRule | None:
    """The row that gives ``parameter`` for one (region, sector, waste type, year), or None.

    The first set with a matching row wins; inside a set the most specific activity, then sector,
    then region (module docstring).

    Parameters
    ----------
    sets : list of FactorSet
        The run's factor sets in precedence order (their ``waste_rules``).
    parameter : str
        ``doc``, ``docf``, ``mcf``, ``f``, ``ox``, ``delay_months`` or ``k_<climate zone>``.
    region : str
        Region code.
    sector : str
        IPCC category under ``4.A``.
    activity : str
        Waste type, e.g. ``msw_food``.
    year : int
        Year (no fallback: it must lie in the row's range).

    Returns
    -------
    WasteRule or None
        The winning row (``value_norm`` a fraction, months or [1/yr]), or None when no set has one.
    """
    for fs in sets:
        best, spec = None, None
        for r in getattr(fs, "waste_rules", ()):
            if r.parameter == parameter and r.matches(region, sector, activity, year):
                s = r.specificity
                if spec is None or s > spec:
                    best, spec = r, s
        if best is not None:
            return best
    return None
