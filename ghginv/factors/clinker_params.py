"""Clinker parameters: ``clinker_parameters.csv`` of a factor set — Tier 2 cement (2.A.1).

2006 IPCC GL Vol 3 Ch 2, Eq 2.2 (Tier 2) with the clinker emission factor of Eq 2.4::

    CO2 [t] = M_cl [t clinker] × EF_cl [t CO2/t clinker] × CF_ckd
    EF_cl   = CaO × 44.01/56.08 (+ MgO × 44.01/40.30)

with ``CaO`` (and ``MgO``) the mass fraction of the clinker that comes from carbonates (the
default EF_cl 0.52 of EFDB 213926 assumes "CaO content for clinker of 65 %; 100 % of the CaO is
from calcium carbonate material"), 44.01/56.08 the CO2/CaO and 44.01/40.30 the CO2/MgO molar mass
ratios, and ``CF_ckd`` the correction for cement kiln dust not recycled to the kiln (default 1.02,
EFDB 213927, p. 2.12). CaO or MgO from non-carbonate sources (calcium-carbide residue, slag, fly
ash) releases no process CO2 and must be left out of the fractions given here.

Columns: ``activity, sector, region, year_from, year_to, parameter, value, unit, source,
source_locator, status`` (optional ``notes``), as ``waste_parameters.csv``:

=============  ======================  =========================================================
parameter      unit                    meaning
=============  ======================  =========================================================
cao_fraction   ``fraction``, ``1``,    CaO from carbonates in the clinker, in (0, 1]
               ``%``
mgo_fraction   ``fraction``, ``1``,    MgO from carbonates in the clinker, in [0, 1], optional;
               ``%``                   only with a ``cao_fraction`` row of the same activity,
                                       sector, region and years
cf_ckd         ``1``, ``fraction``     CKD correction factor, ≥ 1
=============  ======================  =========================================================

The loader turns every ``cao_fraction`` row into an emission-factor row of the same set (gas
``CO2``, unit ``t/t``, status ``D``, its arithmetic and both component rows in ``source_locator``
and ``notes``), so Tier 2 clinker is activity × factor like every other row: it resolves with the
usual precedence (a plant's own set first), shows in ``factors_used.parquet`` and is recomputed
with the run. The ``cf_ckd`` of a ``cao_fraction`` row is the set's most specific ``cf_ckd`` row
(exact activity > ``*``, sector, region) whose years cover the CaO row's; a set with a
``cao_fraction`` row and no such ``cf_ckd`` row does not load (copy the EFDB 213927 row, 1.02, or
give the plant's own value).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import Problem
from ._patterns import EXACT, STATUSES, Provenance, check_provenance, check_region, parse_value, parse_years

__all__ = ["CLINKER_COLUMNS", "CO2_PER_CAO", "CO2_PER_MGO", "ClinkerRule", "read_clinker_rows", "clinker_factor_rows"]

CLINKER_COLUMNS = ["activity", "sector", "region", "year_from", "year_to", "parameter", "value", "unit", "source", "source_locator", "status"]
CO2_PER_CAO = 44.01 / 56.08  # t CO2 / t CaO, 2006 IPCC GL Vol 3 Ch 2 Eq 2.4
CO2_PER_MGO = 44.01 / 40.30  # t CO2 / t MgO, same equation
_FRACTION = {"fraction": 1.0, "1": 1.0, "%": 0.01}
UNITS: dict[str, dict[str, float]] = {"cao_fraction": _FRACTION, "mgo_fraction": _FRACTION, "cf_ckd": {"1": 1.0, "fraction": 1.0}}
_ACTIVITY_RE = re.compile(r"^([a-z0-9][a-z0-9_]*|\*)$")
_SECTORS = ("*", "2.A.1")


@dataclass(frozen=True)
class ClinkerRule(Provenance):
    """One row of ``clinker_parameters.csv``, checked; ``value_norm`` a fraction (CaO, MgO) or the factor (CF_ckd)."""

    activity: str
    sector: str
    region: str
    year_from: int
    year_to: int
    parameter: str
    value: float
    unit: str
    value_norm: float

    def covers(self, other: ClinkerRule) -> bool:
        """This row (a ``cf_ckd``) holds wherever ``other`` (a ``cao_fraction``) does."""
        if self.activity not in ("*", other.activity) or self.sector not in ("*", other.sector):
            return False
        if not self.year_from <= other.year_from <= other.year_to <= self.year_to:
            return False
        if self.region == "*":
            return True
        if self.region.endswith("*"):
            return other.region.removesuffix("*").startswith(self.region[:-1])
        return other.region == self.region

    @property
    def specificity(self) -> tuple[int, int, int]:
        reg = 0 if self.region == "*" else (len(self.region) - 1 if self.region.endswith("*") else EXACT)
        return int(self.activity != "*"), int(self.sector != "*"), reg


def read_clinker_rows(set_name: str, path: Path, rows: list[tuple[int, dict]], problems: list[Problem],
                      synthetic: bool = False) -> list[ClinkerRule]:
    """Check the rows of one ``clinker_parameters.csv``; problems are appended, good rows returned.

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
    synthetic : bool, default False
        The set's manifest says ``synthetic = true``: status ``X`` (synthetic demo value, e.g. the CaO of
        the demo's synthetic cement plant) is accepted, as in ``sink_parameters.csv``.

    Returns
    -------
    list of ClinkerRule
        The rows without problems.

    References
    ----------
    2006 IPCC GL Vol 3 Ch 2, Eq 2.2 and 2.4 (Tier 2 cement); EFDB 213926, 213927.
    """
    out = []
    for line, row in rows:
        before = len(problems)

        def bad(msg, col=None, value=None):
            problems.append(Problem(msg, file=str(path), line=line, column=col, value=value))

        act, sector, region, param = row["activity"], row["sector"] or "", row["region"], row["parameter"]
        if not _ACTIVITY_RE.match(act):
            bad("activity must be a lower-case snake_case clinker activity code or '*'", "activity", act)
        if sector not in _SECTORS:
            bad("sector must be '2.A.1' (cement production) or '*'", "sector", sector)
        check_region(region, bad)
        y0, y1 = parse_years(row, bad)
        units = UNITS.get(param)
        if units is None:
            bad(f"unknown parameter; known: {', '.join(UNITS)}", "parameter", param)
        elif row["unit"] not in units:
            bad(f"unit of {param} must be one of {', '.join(units)}", "unit", row["unit"])
        value = parse_value(row, bad)
        norm = value * units[row["unit"]] if units and row["unit"] in units else math.nan
        if norm == norm:
            if param == "cao_fraction" and not 0 < norm <= 1:
                bad("cao_fraction is the CaO fraction of the clinker and must lie in (0, 1] (or (0, 100] %)", "value", row["value"])
            elif param == "mgo_fraction" and norm > 1:
                bad("mgo_fraction is the MgO fraction of the clinker and must lie in [0, 1] (or [0, 100] %)", "value", row["value"])
            elif param == "cf_ckd" and norm < 1:
                bad("cf_ckd corrects for kiln dust lost from the kiln and is ≥ 1 (1.02 by default, EFDB 213927)", "value", row["value"])
        if param == "cao_fraction" and act == "*":
            bad("a cao_fraction row names its clinker activity code (e.g. clinker_tier2), not '*'", "activity", act)
        check_provenance(row, bad, STATUSES, "X", synthetic)
        if len(problems) == before:
            out.append(ClinkerRule(act, sector, region, y0, y1, param, value, row["unit"], norm, set_name=set_name, file=str(path),
                                   line=line, source=row["source"], source_locator=row["source_locator"], status=row["status"],
                                   notes=row.get("notes", "")))
    return out


def _ref(r: ClinkerRule) -> str:
    return f"{r.set_name}/{Path(r.file).name}:{r.line}"


def clinker_factor_rows(rules: list[ClinkerRule], problems: list[Problem]) -> list[dict]:
    """The emission-factor rows (gas CO2, t/t) a set's clinker parameters give, one per ``cao_fraction`` row.

    .. math::

        EF = (CaO \\times 44.01/56.08 + MgO \\times 44.01/40.30) \\times CF_{ckd}

    Parameters
    ----------
    rules : list of ClinkerRule
        The set's checked ``clinker_parameters.csv`` rows.
    problems : list of Problem
        Receives a problem for a ``cao_fraction`` row without a ``cf_ckd`` row covering it, and for
        a ``mgo_fraction`` row without its ``cao_fraction`` row.

    Returns
    -------
    list of dict
        Keyword arguments of :class:`ghginv.factors.Rule` (kind ``ef``, key ``CO2``, value in
        t CO2/t clinker, status ``D``, or ``X`` when a component is a synthetic demo value), without
        ``set_name``.

    References
    ----------
    2006 IPCC GL Vol 3 Ch 2, Eq 2.2 (CO2 = M_cl × EF_cl × CF_ckd) and Eq 2.4 (EF_cl from the CaO
    content; the default 0.52 = 0.65 × 44.01/56.08 × 1.02, EFDB 213926).
    """
    cao = [r for r in rules if r.parameter == "cao_fraction"]
    ckd = [r for r in rules if r.parameter == "cf_ckd"]
    key = lambda r: (r.activity, r.sector, r.region, r.year_from, r.year_to)  # noqa: E731
    mgo = {key(r): r for r in rules if r.parameter == "mgo_fraction"}
    out = []
    for r in cao:
        m = mgo.pop(key(r), None)
        cands = [c for c in ckd if c.covers(r)]
        if not cands:
            problems.append(Problem(
                f"cao_fraction of activity {r.activity!r}, region {r.region!r} has no cf_ckd row in the same set that covers "
                "its activity, sector, region and years", file=r.file, line=r.line,
                hint="add a cf_ckd row (1.02 by default: EFDB 213927, 2006 IPCC GL Vol 3 Ch 2 p. 2.12) or the plant's own value"))
            continue
        c = max(cands, key=lambda c: c.specificity)
        mgo_t = m.value_norm * CO2_PER_MGO if m is not None else 0.0
        ef = (r.value_norm * CO2_PER_CAO + mgo_t) * c.value_norm
        mgo_txt = f" + mgo_fraction {m.value} {m.unit} [{_ref(m)}: {m.source_locator}] × 44.01/40.30" if m is not None else ""
        arith = (f"({r.value_norm:g} × 44.01/56.08" + (f" + {m.value_norm:g} × 44.01/40.30" if m is not None else "")
                 + f") × {c.value_norm:g} = {ef:.6f} t CO2/t clinker")
        out.append(dict(
            kind="ef", activity=r.activity, sector=r.sector, region=r.region, year_from=r.year_from, year_to=r.year_to, key="CO2",
            value=ef, unit="t/t", value_norm=ef, den_dim="mass", file=r.file, line=r.line,
            status="X" if "X" in (r.status, c.status, m.status if m is not None else "") else "D",  # a synthetic input stays synthetic
            source=f"derived: 2006 IPCC GL Vol 3 Ch 2 Eq 2.2/2.4 ({r.source}; {c.source})",
            source_locator=(f"EF_cl = (cao_fraction {r.value} {r.unit} [{_ref(r)}: {r.source_locator}] × 44.01/56.08{mgo_txt}) "
                            f"× cf_ckd {c.value} {c.unit} [{_ref(c)}: {c.source_locator}]"),
            notes=arith,
        ))
    for m in mgo.values():
        problems.append(Problem(f"mgo_fraction of activity {m.activity!r}, region {m.region!r} has no cao_fraction row with the same "
                                "activity, sector, region and years", file=m.file, line=m.line,
                                hint="give CaO and MgO of one clinker in two rows with the same key columns"))
    return out
