"""Targets versus a base year, the constant-rate target path, and peak analysis.

``[[targets]]`` in the inventory TOML (one table per target)::

    [[targets]]
    kind = "co2_intensity"     # co2_intensity | energy_intensity | non_fossil_share | emissions_cap | peak
                               # | sector_energy_intensity
    base_year = 2020
    year = 2025
    reduction_pct = 20         # co2_intensity, energy_intensity, sector_energy_intensity
    energy_variant = "excl_feedstock"   # (sector_)energy_intensity: gross | excl_feedstock | excl_feedstock_nonfossil
    # value_added = "industry_above_scale"   # sector_energy_intensity: the economy table's
    #                          value_added_const_10k_yuan:<name> (规模以上工业增加值(万元,可比价))
    # sectors = ["1.A.2"]      # sector_energy_intensity: IPCC categories whose energy it compares
    # except_sectors = ["1.A.2.k"]   # … without these (construction is not industry)
    # min_share_pct = 56       # non_fossil_share
    # cap_t_co2e = …           # emissions_cap
    # before_year = 2030       # peak
    scope = "energy_co2"       # energy_co2 | total_co2 | total_co2e | net_co2e
    region = "ALL"             # a region of the inventory, ALL (default) or "*" (every region with data)
    name = "Chengdu CO2 intensity"
    source = "成都市碳达峰实施方案 (2024)"
    optional = false           # true: a target the run cannot evaluate is reported as "no data", not an error

A sector-level intensity target (规上工业单位增加值能耗) divides the energy of the rows in its IPCC
categories by the sector's value added at constant base-year prices, with the rule of every
intensity (4 decimals, half up; :func:`ghginv.analysis.indicators.sector_indicators`), and is judged
as an energy-intensity target. The ``[[targets]]`` list may also include a preset or a file of
targets (``preset = "qingyang_2025_2030"``, ``file = "targets.csv"``; expanded when the inventory
TOML is read, :mod:`ghginv.core.targets_include`).

A reduction target r (fraction) set for year T against base year y0 is on track in year y when the
achieved reduction is at least the constant-rate path::

    path_required(y) = 1 − (1 − r) ^ ((y − y0) / (T − y0))

A share target follows the straight line from the base-year share to the target share; a cap
follows the constant-rate path from the base-year value to the cap. ``met`` stays null until the
target year has data.

Verdicts (``status``, with the ``reason`` where it is not plain): *met* / *not met* once the target
year has data; before it *on track* / *off track* against the path. A base-year value of 0 is
judged without dividing by it: a reduction target is met (on track) when the latest value is at most
(1 − r) × 0 = 0, a cap when the latest value is within the cap; ``achieved_pct`` stays null. A peak
target has no path: before its deadline it is *on track* once the series has peaked (or is on a
plateau) before the deadline, and *pending* otherwise — never *off track*, since a peak can still
come before the deadline; at the deadline it is *met* or *not met*. Missing years inside the series
make the peak status *undetermined* (the reason names them). A target the run cannot evaluate (no
base-year value, e.g. the base year is outside the run; no value in the target year although the
run has later years; a peak target at its deadline with an undetermined status) is an error
(:func:`check_evaluable`) unless the target says ``optional = true``; then it is *no data* with the
reason.

Peak analysis (``[peak]``: ``min_years_since_peak`` N = 2,
``plateau_pct`` x = 2.0, ``plateau_years`` = 3): *plateau* — the last ``plateau_years`` values lie
within ±x % of their mean; else *peaked* — the maximum lies at least N years back and the trend
since the peak (least-squares slope from the peak year on) is down; else *rising* — the recent
trend (slope of the last ``plateau_years`` values, also reported as ``trend_pct_per_year``) is up;
otherwise *undetermined*. Missing years inside the series make it *undetermined* whatever the values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from ..core import categories
from ..core.errors import ConfigError, Problem
from .indicators import ALL_REGION, ENERGY_VARIANTS, SCOPES, SectorSpec, intensity

__all__ = ["Target", "PeakParams", "parse_targets", "peak_params", "path_required_pct", "reduction_met", "reduction_on_path",
           "missing_years", "peak_status", "peak_analysis", "evaluate_targets", "check_evaluable", "TARGET_SCHEMA", "PEAK_SCHEMA",
           "KINDS", "STATUSES", "sector_specs"]

KINDS = ("co2_intensity", "energy_intensity", "non_fossil_share", "emissions_cap", "peak", "sector_energy_intensity")
_REDUCTION_KINDS = ("co2_intensity", "energy_intensity", "sector_energy_intensity")
TOL = 1e-9
TARGET_SCHEMA = {
    "target": pl.String, "region": pl.String, "kind": pl.String, "scope": pl.String, "base_year": pl.Int32,
    "target_year": pl.Int32, "base_value": pl.Float64, "latest_year": pl.Int32, "latest_value": pl.Float64,
    "achieved_pct": pl.Float64, "required_pct": pl.Float64, "path_required_pct": pl.Float64,
    "on_track": pl.Boolean, "met": pl.Boolean, "margin": pl.Float64, "source": pl.String,
    "status": pl.String, "reason": pl.String, "optional": pl.Boolean,
}
STATUSES = ("met", "not met", "on track", "off track", "pending", "undetermined", "no data")
PEAK_SCHEMA = {
    "region": pl.String, "scope": pl.String, "first_year": pl.Int32, "latest_year": pl.Int32, "peak_year": pl.Int32,
    "peak_value": pl.Float64, "latest_value": pl.Float64, "change_from_peak_pct": pl.Float64,
    "trend_pct_per_year": pl.Float64, "status": pl.String, "reason": pl.String,
}
_KEYS = {"kind", "base_year", "year", "reduction_pct", "energy_variant", "min_share_pct", "cap_t_co2e",
         "before_year", "scope", "region", "name", "source", "optional", "value_added", "sectors", "except_sectors",
         "included_from"}


@dataclass(frozen=True)
class Target:
    kind: str
    base_year: int
    year: int
    scope: str
    source: str
    name: str
    region: str = ALL_REGION
    reduction_pct: float | None = None
    energy_variant: str | None = None
    min_share_pct: float | None = None
    cap_t_co2e: float | None = None
    optional: bool = False
    value_added: str | None = None  # sector_energy_intensity: value_added_const_10k_yuan:<value_added> of the economy table
    sectors: tuple[str, ...] = ()  # sector_energy_intensity: IPCC categories whose energy counts
    except_sectors: tuple[str, ...] = ()  # … and those under them that do not

    def sector_spec(self) -> SectorSpec | None:
        """The sector a sector-level intensity target compares (None for other kinds)."""
        return SectorSpec(self.value_added, self.sectors, self.except_sectors) if self.kind == "sector_energy_intensity" else None


@dataclass(frozen=True)
class PeakParams:
    min_years_since_peak: int = 2
    plateau_pct: float = 2.0
    plateau_years: int = 3


def _num(t: dict, k: str, problems: list, where: str, positive: bool = True) -> float | None:
    v = t.get(k)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or (positive and v <= 0):
        problems.append(Problem(f"{where}: {k} must be a positive number, got {v!r}"))
        return None
    return float(v)


def _codes(v) -> list[str] | None:
    v = [v] if isinstance(v, str) else v
    return [x.strip() for x in v] if isinstance(v, list) and v and all(isinstance(x, str) and x.strip() for x in v) else None


def _sector_keys(t: dict, where: str, problems: list) -> dict:
    """value_added, sectors and except_sectors of a sector-level intensity target, checked."""
    va, sectors, exc = t.get("value_added"), _codes(t.get("sectors")), _codes(t.get("except_sectors", []) or [])
    if not isinstance(va, str) or not va.strip():
        problems.append(Problem(f"{where}: a sector_energy_intensity target needs value_added = \"<name>\": the sector's value added, "
                                "column value_added_const_10k_yuan:<name> of the economy table (e.g. \"industry_above_scale\" for "
                                "规模以上工业增加值(万元,可比价))"))
    if sectors is None:
        problems.append(Problem(f"{where}: a sector_energy_intensity target needs sectors = [\"1.A.2\", …]: the IPCC categories whose "
                                f"energy it compares, got {t.get('sectors')!r}"))
    bad = [c for c in (sectors or []) + (exc or []) if not categories.is_category(c)]
    if bad:
        problems.append(Problem(f"{where}: not IPCC categories: {', '.join(bad)}"))
    if t.get("except_sectors") and exc is None:
        problems.append(Problem(f"{where}: except_sectors must be a list of IPCC categories, got {t.get('except_sectors')!r}"))
    return {"value_added": va.strip() if isinstance(va, str) else None, "sectors": tuple(sectors or ()), "except_sectors": tuple(exc or ())}


def sector_specs(targets: list[Target], file: str | None = None) -> list[SectorSpec]:
    """The sectors the sector-level intensity targets compare, one per value-added name.

    Parameters
    ----------
    targets : list of Target
        The checked targets.
    file : str, optional
        The TOML's name in error messages.

    Returns
    -------
    list of SectorSpec
        One per distinct ``value_added`` name, in target order.

    Raises
    ------
    ConfigError
        Two targets name the same value added with different IPCC categories (the name stands for
        one sector).
    """
    out: dict[str, SectorSpec] = {}
    for t in targets:
        sp = t.sector_spec()
        if sp is None:
            continue
        prev = out.setdefault(sp.name, sp)
        if prev != sp:
            raise ConfigError(f"{file or 'config'}: targets name value_added = {sp.name!r} with different sectors "
                              f"({', '.join(prev.sectors)} except {', '.join(prev.except_sectors) or 'none'} vs {', '.join(sp.sectors)} "
                              f"except {', '.join(sp.except_sectors) or 'none'}): one value added, one set of categories")
    return list(out.values())


def parse_targets(raw, default_base_year: int | None, file: str | None = None) -> list[Target]:
    """Check the ``[[targets]]`` list of the inventory TOML; every problem is reported at once.

    Parameters
    ----------
    raw : list of dict or None
        The ``[[targets]]`` tables (kind, base_year, year or before_year, reduction_pct [%],
        energy_variant, min_share_pct [%], cap_t_co2e [t CO2e], scope, region, name, source,
        optional).
    default_base_year : int or None
        Base year of a target that gives none (``[inventory] base_year``).
    file : str, optional
        The TOML's name in error messages.

    Returns
    -------
    list of Target
        The targets; empty without ``[[targets]]``.

    Raises
    ------
    ConfigError
        Not a list of tables, an unknown key, kind or scope, base year not before the target year,
        no source, a missing or out-of-range reduction, share or cap, or ``optional`` not true/false.
    """
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise ConfigError(f"{file or 'config'}: targets must be a list of tables ([[targets]])")
    problems: list[Problem] = []
    out = []
    for i, t in enumerate(raw, 1):
        where = f"[[targets]] #{i}" + (f" (from {t['included_from']})" if isinstance(t.get("included_from"), str) else "")
        unknown = sorted(set(t) - _KEYS)
        if unknown:
            problems.append(Problem(f"{where}: unknown key(s) {', '.join(unknown)}", hint=f"known: {', '.join(sorted(_KEYS))}"))
        kind = t.get("kind")
        if kind not in KINDS:
            problems.append(Problem(f"{where}: kind must be one of {', '.join(KINDS)}, got {kind!r}"))
            continue
        base = t.get("base_year", default_base_year)
        year = t.get("before_year") if kind == "peak" else t.get("year")
        if not isinstance(base, int) or not isinstance(year, int) or year <= base:
            problems.append(Problem(f"{where}: needs integer base_year < {'before_year' if kind == 'peak' else 'year'}, got {base!r}, {year!r}"))
            continue
        scope = t.get("scope", "energy_co2")
        if scope not in SCOPES:
            problems.append(Problem(f"{where}: scope must be one of {', '.join(SCOPES)}, got {scope!r}"))
        src = t.get("source")
        if not isinstance(src, str) or not src.strip():
            problems.append(Problem(f"{where}: every target needs a source (the plan or document that sets it)"))
        kw = {}
        if kind in _REDUCTION_KINDS:
            r = _num(t, "reduction_pct", problems, where)
            if r is not None and r >= 100:
                problems.append(Problem(f"{where}: reduction_pct must be below 100, got {r}"))
            kw["reduction_pct"] = r
        if kind in ("energy_intensity", "sector_energy_intensity"):
            v = t.get("energy_variant")
            if v not in ENERGY_VARIANTS:
                problems.append(Problem(f"{where}: an energy-intensity target must name its energy_variant: {', '.join(ENERGY_VARIANTS)}; got {v!r}"))
            kw["energy_variant"] = v
        if kind == "non_fossil_share":
            s = _num(t, "min_share_pct", problems, where)
            if s is not None and s > 100:
                problems.append(Problem(f"{where}: min_share_pct must be at most 100, got {s}"))
            kw["min_share_pct"] = s
        if kind == "emissions_cap":
            kw["cap_t_co2e"] = _num(t, "cap_t_co2e", problems, where)
        if kind == "sector_energy_intensity":
            kw.update(_sector_keys(t, where, problems))
        opt = t.get("optional", False)
        if not isinstance(opt, bool):
            problems.append(Problem(f"{where}: optional must be true or false, got {opt!r}"))
        kw["optional"] = opt is True
        region = str(t.get("region", ALL_REGION))
        label = str(t.get("name") or f"{kind} {year} vs {base}")
        out.append(Target(kind, base, year, scope, (src or "").strip(), label, region, **kw))
    if problems:
        raise ConfigError(f"{file or 'config'}: invalid targets", problems)
    return out


def peak_params(raw: dict | None, file: str | None = None) -> PeakParams:
    """The ``[peak]`` table of the inventory TOML, checked.

    Parameters
    ----------
    raw : dict or None
        ``min_years_since_peak`` (default 2), ``plateau_pct`` [%] (default 2.0), ``plateau_years``
        (default 3).
    file : str, optional
        The TOML's name in error messages.

    Returns
    -------
    PeakParams
        The peak-analysis parameters.

    Raises
    ------
    ConfigError
        An unknown key, ``min_years_since_peak`` < 1, ``plateau_pct`` < 0 or ``plateau_years`` < 2.
    """
    raw = dict(raw or {})
    known = {"min_years_since_peak", "plateau_pct", "plateau_years"}
    bad = sorted(set(raw) - known)
    p = PeakParams(**{k: raw[k] for k in known if k in raw}) if not bad else None
    if bad or p.min_years_since_peak < 1 or p.plateau_pct < 0 or p.plateau_years < 2:
        raise ConfigError(f"{file or 'config'}: [peak] takes min_years_since_peak ≥ 1, plateau_pct ≥ 0, plateau_years ≥ 2 ({raw})")
    return p


def path_required_pct(reduction_pct: float, base_year: int, target_year: int, year: int) -> float:
    """Reduction needed in ``year`` to lie on the constant-rate path to a reduction target.

    .. math::

        path(y) = 1 - (1 - r)^{(y - y_0) / (T - y_0)}

    Parameters
    ----------
    reduction_pct : float
        Target reduction r by the target year [%], below 100.
    base_year : int
        Base year y0.
    target_year : int
        Target year T.
    year : int
        Year y.

    Returns
    -------
    float
        Required reduction against the base year [%].
    """
    r = reduction_pct / 100.0
    frac = (year - base_year) / (target_year - base_year)
    return (1.0 - (1.0 - r) ** frac) * 100.0


def reduction_met(base: float, latest: float, reduction_pct: float) -> bool:
    """Whether a reduction target is met: latest / base ≤ 1 − r.

    E.g. reference case R14: an energy-intensity reduction of 13 % is met if I1 / I0 ≤ 0.87.

    Parameters
    ----------
    base : float
        Base-year value of the indicator [its unit].
    latest : float
        Target-year value [same unit].
    reduction_pct : float
        Target reduction r [%].

    Returns
    -------
    bool
        True when met (within a tolerance of 1e-9). A base of 0 is not divided by: met when
        latest ≤ (1 − r) × 0, i.e. latest ≤ 0.
    """
    return bool(reduction_ok(base, latest, 1.0 - reduction_pct / 100.0))


def reduction_ok(base, latest, factor):
    """latest ≤ factor × base, as the ratio latest / base ≤ factor (+1e-9) where base ≠ 0, latest ≤ 0 where base = 0.

    The one test behind :func:`reduction_met` and :func:`reduction_on_path`, for scalars and numpy
    arrays alike (the Monte Carlo of :mod:`ghginv.uncertainty.targets` applies it per iteration).

    Parameters
    ----------
    base : float or numpy.ndarray
        Base-year value(s) [unit of the indicator].
    latest : float or numpy.ndarray
        Latest value(s) [same unit].
    factor : float or numpy.ndarray
        Allowed ratio latest / base [-], e.g. 0.87 for a 13 % reduction.

    Returns
    -------
    numpy.bool_ or numpy.ndarray of bool
        Whether the latest value is within the allowed ratio.
    """
    b = np.asarray(base, dtype=float)
    v = np.asarray(latest, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = v / np.where(b == 0, 1.0, b)
    return np.where(b == 0, v <= 0, ratio <= np.asarray(factor, dtype=float) + TOL)


def reduction_on_path(base, latest, path_pct):
    """Whether a reduction is on its path: achieved ≥ path − 1e-9, judged without dividing by a base of 0.

    Parameters
    ----------
    base : float or numpy.ndarray
        Base-year value(s) [unit of the indicator].
    latest : float or numpy.ndarray
        Latest value(s) [same unit].
    path_pct : float or numpy.ndarray
        Reduction the path requires in the latest year [%] (:func:`path_required_pct`).

    Returns
    -------
    numpy.bool_ or numpy.ndarray of bool
        On (or ahead of) the path; with a base of 0, when the latest value is ≤ 0.
    """
    b = np.asarray(base, dtype=float)
    v = np.asarray(latest, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        achieved = (1.0 - v / np.where(b == 0, 1.0, b)) * 100.0
    return np.where(b == 0, v <= 0, achieved >= np.asarray(path_pct, dtype=float) - TOL)


def missing_years(years: list[int]) -> list[int]:
    """Years missing inside a series (between its first and last year).

    Parameters
    ----------
    years : list of int
        Years of the series.

    Returns
    -------
    list of int
        The missing years, ascending; empty for a series without gaps.
    """
    have = set(years)
    return [y for y in range(min(have), max(have) + 1) if y not in have] if have else []


def peak_status(years: list[int], values: list[float], p: PeakParams = PeakParams()) -> dict:
    """Peak year so far and the peak status of one series.

    *plateau* — the last ``plateau_years`` values lie within ±``plateau_pct`` % of their mean; else
    *peaked* — the maximum lies at least ``min_years_since_peak`` years back and the least-squares
    slope from the peak year on is down; else *rising* — the slope of the last ``plateau_years``
    values is up; otherwise *undetermined*. Missing years inside the series make it *undetermined*
    (``reason`` names them): what happened in those years is unknown.

    Parameters
    ----------
    years : list of int
        Years of the series, ascending.
    values : list of float
        Values per year [unit of the series, e.g. t CO2].
    p : PeakParams, default PeakParams()
        The peak-analysis parameters.

    Returns
    -------
    dict
        first_year, latest_year, peak_year, peak_value, latest_value [unit of the series],
        change_from_peak_pct [%], trend_pct_per_year [% of the recent mean per year], status,
        reason (None, or why the status is undetermined).
    """
    y = np.asarray(years, dtype=float)
    v = np.asarray(values, dtype=float)
    i = int(np.argmax(v))
    k = min(p.plateau_years, len(v))
    tail_y, tail_v = y[-k:], v[-k:]
    slope = float(np.polyfit(tail_y, tail_v, 1)[0]) if k >= 2 else 0.0
    mean = float(np.mean(tail_v))
    trend_pct = slope / mean * 100 if mean else 0.0
    if k >= p.plateau_years and mean and np.all(np.abs(tail_v / mean - 1) * 100 <= p.plateau_pct):
        status = "plateau"
    elif years[-1] - years[i] >= p.min_years_since_peak and float(np.polyfit(y[i:], v[i:], 1)[0]) < 0:
        status = "peaked"
    elif slope > 0:
        status = "rising"
    else:
        status = "undetermined"
    gaps = missing_years(list(years))
    reason = None
    if gaps:
        status = "undetermined"
        reason = f"missing year(s) {_years_text(gaps)} inside the series {years[0]}–{years[-1]}"
    return {"first_year": years[0], "latest_year": years[-1], "peak_year": years[i], "peak_value": float(v[i]),
            "latest_value": float(v[-1]), "change_from_peak_pct": (v[-1] / v[i] - 1) * 100 if v[i] else None,
            "trend_pct_per_year": trend_pct, "status": status, "reason": reason}


def _years_text(years: list[int]) -> str:
    return ", ".join(map(str, years))


def _series(ind: pl.DataFrame, indicator: str, region: str) -> dict[int, float]:
    s = ind.filter(pl.col("indicator") == indicator, pl.col("region") == region)
    return dict(zip(s["year"].to_list(), s["value"].to_list()))


def peak_analysis(ind: pl.DataFrame, p: PeakParams) -> pl.DataFrame:
    """Peak analysis of every emission scope and region of the indicators table.

    Parameters
    ----------
    ind : polars.DataFrame
        The indicators table (:func:`ghginv.analysis.indicators.compute_indicators`).
    p : PeakParams
        The peak-analysis parameters.

    Returns
    -------
    polars.DataFrame
        ``peak.parquet`` (:data:`PEAK_SCHEMA`): one row per region and scope with at least two
        years, the result of :func:`peak_status`.
    """
    rows = []
    for region in ind["region"].unique(maintain_order=True).to_list():
        for scope, name in SCOPES.items():
            s = _series(ind, name, region)
            if len(s) < 2:
                continue
            ys = sorted(s)
            rows.append({"region": region, "scope": scope, **peak_status(ys, [s[y] for y in ys], p)})
    return pl.DataFrame(rows, schema=PEAK_SCHEMA)


def _intensity(ind: pl.DataFrame, t: Target, region: str) -> dict[int, float]:
    if t.kind == "energy_intensity":
        return _series(ind, f"energy_intensity_{t.energy_variant}", region)
    if t.kind == "co2_intensity":
        if t.scope == "energy_co2":
            return _series(ind, "co2_intensity", region)
        num, gdp = _series(ind, SCOPES[t.scope], region), _series(ind, "gdp_const_10k_yuan", region)
        return {y: intensity(num[y], gdp[y]) for y in num if y in gdp}
    if t.kind == "non_fossil_share":
        return _series(ind, "non_fossil_share_pct", region)
    if t.kind == "sector_energy_intensity":
        return _series(ind, f"energy_intensity_{t.energy_variant}:{t.value_added}", region)
    return _series(ind, SCOPES[t.scope], region)


_WHAT = {
    "co2_intensity": ("the CO2 intensity", "emissions and GDP (gdp_const_10k_yuan in the economy table)"),
    "energy_intensity": ("the energy intensity", "energy and GDP (gdp_const_10k_yuan in the economy table)"),
    "non_fossil_share": ("the non-fossil share", "energy and electricity_non_fossil_share in the economy table "
                         "(0 when the electricity has no non-fossil part)"),
    "emissions_cap": ("the emissions", "emission rows"),
    "sector_energy_intensity": ("the sector's energy intensity", "energy rows in the target's sectors and "
                                "value_added_const_10k_yuan:<value_added> in the economy table"),
    "peak": ("the emission series", "emission rows"),
}


def _no_data(t: Target, region: str, s: dict[int, float], run_years: list[int]) -> str:
    """Why a target has no base-year (or target-year) value: what is missing, in words."""
    what, needs = _WHAT[t.kind]
    needs = needs.replace("<value_added>", t.value_added or "<value_added>")
    if t.base_year not in run_years:
        span = "none" if not run_years else str(run_years[0]) if len(run_years) == 1 else f"{run_years[0]}–{run_years[-1]}"
        upto = max(run_years[-1] if run_years else t.base_year, t.base_year)
        return f"the base year {t.base_year} is not in the run (years: {span}); compile with --years {min([t.base_year, *run_years])}-{upto}"
    if t.base_year not in s:
        return f"no value of {what} for region {region} in the base year {t.base_year} (it needs {needs})"
    return f"no value of {what} for region {region} in the target year {t.year}, although the run has later years (it needs {needs})"


def _evaluate(t: Target, region: str, s: dict[int, float], peaks: pl.DataFrame, run_years: list[int]) -> dict:
    scope = {"energy_intensity": f"energy:{t.energy_variant}", "non_fossil_share": "energy:non_fossil",
             "sector_energy_intensity": f"energy:{t.energy_variant}:{t.value_added}"}.get(t.kind, t.scope)
    row = {"target": t.name, "region": region, "kind": t.kind, "scope": scope,
           "base_year": t.base_year, "target_year": t.year, "source": t.source, "optional": t.optional}
    if t.kind == "peak":
        return _evaluate_peak(t, region, s, peaks, run_years, row)
    years = sorted(y for y in s if t.base_year <= y <= t.year)
    past_target = any(y > t.year for y in run_years)
    if t.base_year not in s or not years or (past_target and years[-1] != t.year):
        return {**row, "status": "no data", "reason": _no_data(t, region, s, run_years)}
    y = years[-1]
    b, v = s[t.base_year], s[y]
    row.update(base_value=b, latest_year=y, latest_value=v)
    has_target_year = y == t.year
    if t.kind in _REDUCTION_KINDS:
        r = t.reduction_pct
        path = path_required_pct(r, t.base_year, t.year, y)
        row.update(required_pct=r, path_required_pct=path, on_track=bool(reduction_on_path(b, v, path)))
        if b:
            row.update(achieved_pct=(1 - v / b) * 100, margin=(1 - v / b) * 100 - path)
        if has_target_year:
            row["met"] = row["on_track"] = reduction_met(b, v, r)
    elif t.kind == "emissions_cap":
        if b:
            r = (1 - t.cap_t_co2e / b) * 100
            achieved = (1 - v / b) * 100
            row.update(achieved_pct=achieved, required_pct=r)
            if r < 100:
                path = path_required_pct(r, t.base_year, t.year, y)
                row.update(path_required_pct=path, on_track=bool(achieved >= path - TOL), margin=achieved - path)
        else:  # no constant-rate path from 0: on track while within the cap
            row["on_track"] = bool(v <= t.cap_t_co2e + TOL)
        if has_target_year:
            row["met"] = row["on_track"] = bool(v <= t.cap_t_co2e + TOL)
    else:  # non_fossil_share
        path = b + (t.min_share_pct - b) * (y - t.base_year) / (t.year - t.base_year)
        row.update(achieved_pct=v, required_pct=t.min_share_pct, path_required_pct=path,
                   on_track=bool(v >= path - TOL), margin=v - path)
        if has_target_year:
            row["met"] = row["on_track"] = bool(v >= t.min_share_pct - TOL)
    if b == 0 and t.kind != "non_fossil_share":
        row["reason"] = ("the base-year value is 0: the reduction in % is undefined; judged on latest ≤ (1 − r) × 0"
                         if t.kind != "emissions_cap" else "the base-year value is 0: judged on latest ≤ cap")
    row["status"] = ("met" if row["met"] else "not met") if has_target_year else ("on track" if row.get("on_track") else "off track")
    return row


def _evaluate_peak(t: Target, region: str, s: dict[int, float], peaks: pl.DataFrame, run_years: list[int], row: dict) -> dict:
    """A peak target: on track once peaked before the deadline, pending until then, met or not at the deadline."""
    years = sorted(y for y in s if y <= t.year)
    past_target = any(y > t.year for y in run_years)
    if not years or (past_target and years[-1] != t.year):
        return {**row, "status": "no data", "reason": _no_data(t, region, s, run_years)}
    y = years[-1]
    at_deadline = y == t.year
    row.update(base_value=s.get(t.base_year), latest_year=y, latest_value=s[y])
    pk = peaks.filter(pl.col("region") == region, pl.col("scope") == t.scope) if peaks.height else peaks
    if not pk.height:
        reason = f"only one year ({y}) of the series: a peak needs at least two"
        return {**row, "status": "no data" if at_deadline else "undetermined", "reason": reason}
    p = pk.row(0, named=True)
    if p["peak_value"]:
        row["achieved_pct"] = (p["peak_value"] - p["latest_value"]) / p["peak_value"] * 100
    if p.get("reason"):  # missing years inside the series
        return {**row, "status": "no data" if at_deadline else "undetermined", "reason": p["reason"]}
    ok = p["status"] in ("peaked", "plateau") and p["peak_year"] < t.year
    if at_deadline:
        return {**row, "met": ok, "on_track": ok, "status": "met" if ok else "not met"}
    if ok:
        return {**row, "on_track": True, "status": "on track"}
    return {**row, "status": "pending",
            "reason": f"not peaked yet (status {p['status']}, latest year {y}); a peak before {t.year} is still possible"}


def evaluate_targets(targets: list[Target], ind: pl.DataFrame, peaks: pl.DataFrame) -> pl.DataFrame:
    """Evaluate every target: one row per target and region (``targets.parquet``).

    A reduction target is on track when the achieved reduction is at least the constant-rate path
    (:func:`path_required_pct`); a share target follows the straight line to the target share; a cap
    the constant-rate path from the base-year value to the cap; a peak target is on track once the
    series has peaked (or is on a plateau) before the target year, pending until then (never off
    track before its deadline). ``met`` stays null until the target year has data. ``status`` and
    ``reason`` give the verdict in words (module docstring); a target the run cannot evaluate is
    *no data* here and an error in :func:`check_evaluable` unless it is optional.

    Parameters
    ----------
    targets : list of Target
        The checked targets (:func:`parse_targets`).
    ind : polars.DataFrame
        The indicators table.
    peaks : polars.DataFrame
        The peak analysis (:func:`peak_analysis`).

    Returns
    -------
    polars.DataFrame
        :data:`TARGET_SCHEMA`: base and latest values [unit of the indicator], ``achieved_pct``,
        ``required_pct``, ``path_required_pct`` [%], ``on_track``, ``met``, ``margin`` [percentage
        points], the target's source, ``status`` (:data:`STATUSES`), ``reason`` and ``optional``.
    """
    rows = []
    run_years = sorted(ind["year"].unique().to_list()) if ind.height else []
    for t in targets:
        regions = ind["region"].unique(maintain_order=True).to_list() if t.region == "*" else [t.region]
        for region in regions:
            s = _series(ind, SCOPES[t.scope], region) if t.kind == "peak" else _intensity(ind, t, region)
            if t.region == "*" and not s:
                continue
            rows.append(_evaluate(t, region, s, peaks, run_years))
    return pl.DataFrame(rows, schema=TARGET_SCHEMA) if rows else pl.DataFrame(schema=TARGET_SCHEMA)


def check_evaluable(targets: pl.DataFrame, file: str | None = None) -> None:
    """Refuse a run whose targets it cannot evaluate, unless they are optional.

    Parameters
    ----------
    targets : polars.DataFrame
        The evaluated targets (:func:`evaluate_targets`).
    file : str, optional
        The inventory TOML's name in the message.

    Raises
    ------
    ConfigError
        One problem per target and region with status *no data* that is not ``optional``, naming
        the target and what is missing.
    """
    bad = targets.filter((pl.col("status") == "no data") & ~pl.col("optional").fill_null(False))
    if bad.height:
        problems = [Problem(f"target {r['target']!r} (region {r['region']}): {r['reason']}") for r in bad.iter_rows(named=True)]
        raise ConfigError(f"{file or 'config'}: {bad.height} target(s) cannot be evaluated — add what is missing, or set "
                          "optional = true in the target's [[targets]] table to report it as no data", problems)
