"""Helpers shared by every kind of factor-set row (emission factors, sink and waste parameters).

Open-ended years, region patterns, and the checks every row passes whatever its file: the region
pattern, the year range, a finite value, the status (``V``, ``V2``, ``S``, ``D``; ``R`` refused)
and a non-empty citation. Each file's own checks (units, parameters, sectors) stay in its reader.
The year rule across sets (:func:`pick_across_sets`) is the same for every kind of row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..core.errors import DuplicateRuleError, Problem

__all__ = [
    "year_or_open", "RegionPattern", "Provenance", "EXACT", "OPEN_FROM", "OPEN_TO", "STATUSES",
    "check_region", "parse_years", "parse_value", "check_provenance", "check_year_overlaps",
    "pick_across_sets", "ACROSS_SETS",
]

EXACT = 1000  # specificity of an exact code
OPEN_FROM, OPEN_TO = 0, 9999
STATUSES = ("V", "V2", "S", "D")
_REGION_RE = re.compile(r"^[^\s*]+\*?$")

# bad(message, column=None, value=None): records one problem of the row being checked
Bad = Callable[..., None]


def year_or_open(text: str, default: int) -> int:
    """A four-digit year, or ``default`` (open end) for an empty cell; ValueError otherwise."""
    text = text.strip()
    if not text:
        return default
    if not re.fullmatch(r"\d{4}", text):
        raise ValueError(text)
    return int(text)


class RegionPattern:
    """Mixin for rows with a ``region`` column: exact code, prefix pattern ``51*``, or ``*``."""

    region: str

    @property
    def region_prefix(self) -> str:
        return "" if self.region == "*" else self.region.removesuffix("*")

    @property
    def region_spec(self) -> int:
        """0 for ``*``, the prefix length for ``P*``, :data:`EXACT` for an exact code."""
        if self.region == "*":
            return 0
        return len(self.region_prefix) if self.region.endswith("*") else EXACT


@dataclass(frozen=True, kw_only=True)
class Provenance:
    """Base of every checked factor-set row: where the value came from (file, line, citation and
    status) and its optional 95 % interval (``ghginv/factors/unc_cols.py``; all empty = exact).

    Keyword-only fields, so each row class lists its own key and value fields positionally first."""

    set_name: str
    file: str
    line: int
    source: str
    source_locator: str
    status: str
    notes: str = ""
    unc_pct: float | None = None
    unc_lower: float | None = None
    unc_upper: float | None = None
    distribution: str = ""

    def where(self) -> str:
        """``path line N`` — for error messages."""
        return f"{self.file} line {self.line}"

    def ref(self) -> str:
        """``set/file.csv:N`` — the short reference written to outputs."""
        return f"{self.set_name}/{Path(self.file).name}:{self.line}"


def check_region(region: str, bad: Bad) -> None:
    """``*``, an exact code or a prefix pattern such as ``51*``."""
    if region != "*" and not _REGION_RE.match(region):
        bad("region must be an exact code, a prefix pattern such as '51*', or '*'", "region", region)


def parse_years(row: dict, bad: Bad) -> tuple[int, int]:
    """``(year_from, year_to)`` of a row, empty cells open; a problem (and open years) if invalid."""
    try:
        y0, y1 = year_or_open(row["year_from"], OPEN_FROM), year_or_open(row["year_to"], OPEN_TO)
    except ValueError as e:
        bad("years must be four-digit integers or empty (open)", "year_from/year_to", str(e))
        return OPEN_FROM, OPEN_TO
    if y0 > y1:
        bad(f"year_from {y0} is after year_to {y1}", "year_from")
    return y0, y1


def parse_value(row: dict, bad: Bad, negative_ok: bool = False) -> float:
    """The row's ``value`` as a finite float (≥ 0 unless ``negative_ok``); NaN after a problem."""
    try:
        value = float(row["value"])
        if not math.isfinite(value) or (value < 0 and not negative_ok):
            raise ValueError
    except ValueError:
        bad("value must be a finite number" + ("" if negative_ok else " ≥ 0"), "value", row["value"])
        return math.nan
    return value


def check_provenance(row: dict, bad: Bad, statuses: Iterable[str] = STATUSES, synthetic_status: str | None = None,
                     synthetic: bool = False) -> None:
    """Status and citation: ``R`` is refused, the synthetic status only in a synthetic set."""
    status = row["status"]
    allowed = tuple(statuses) + ((synthetic_status,) if synthetic_status and synthetic else ())
    if status == "R":
        bad("status R (recalled only) cannot be used: verify the value in a primary source first", "status", status)
    elif synthetic_status and status == synthetic_status and not synthetic:
        bad(f"status {status} (synthetic demo value) is accepted only in a set whose manifest says synthetic = true",
            "status", status)
    elif status not in allowed:
        bad(f"status must be one of {', '.join(allowed)}", "status", status)
    for col in ("source", "source_locator"):
        if not row[col]:
            bad(f"{col} is empty: every number cites its source", col)


def check_year_overlaps(set_name: str, rules: Iterable, key: Callable[[object], tuple], what: str, label: str,
                        shown: Callable[[tuple], tuple] = lambda k: k) -> None:
    """Rows with the same ``key`` whose year ranges overlap always tie: one DuplicateRuleError.

    ``what`` names the row kind in each problem (``duplicate {what}: a / b / c …``, the key parts
    given by ``shown``), ``label`` the rows in the summary.
    """
    groups: dict[tuple, list] = {}
    for r in rules:
        groups.setdefault(key(r), []).append(r)
    problems = []
    for k, rs in groups.items():
        rs.sort(key=lambda r: (r.year_from, r.year_to))
        text = " / ".join(str(x) for x in shown(k))
        for a, b in zip(rs, rs[1:]):
            if b.year_from <= a.year_to:
                problems.append(Problem(
                    f"duplicate {what}: {text} for years {max(a.year_from, b.year_from)}–{min(a.year_to, b.year_to)} "
                    f"is given by {a.where()} and {b.where()}",
                    hint="keep one row, or make their year ranges disjoint",
                ))
    if problems:
        raise DuplicateRuleError(f"factor set {set_name!r} has {label} that tie", problems)


ACROSS_SETS = ("distance", "set_rank")  # sort keys of the choice across sets, after the group keys


def pick_across_sets(candidates: pl.DataFrame, by: list[str], then: tuple[str, ...] = ()) -> pl.DataFrame:
    """The winning row per group of ``by`` among the candidates of several sets.

    A row valid for the cell's year (``distance`` 0) in any set beats a row of another year; among
    rows of other years the nearest (smallest ``distance``) wins; on equal distance the run's
    order of sets (smallest ``set_rank``), then ``then`` (ascending).

    Parameters
    ----------
    candidates : polars.DataFrame
        At most one row per group and set from the within-set precedence (resolve.sql), with
        ``distance`` [years between the cell's year and the row's years; 0 inside them] and
        ``set_rank`` (the set's position in the run).
    by : list of str
        The group columns, e.g. ``["cell_id", "gas"]``.
    then : tuple of str, optional
        Further sort keys after the set order (sink parameters: specificity inside a set).

    Returns
    -------
    polars.DataFrame
        One row per group, sorted by ``by``, with the candidates' columns.
    """
    return candidates.sort(*by, *ACROSS_SETS, *then).unique(by, keep="first", maintain_order=True)
