"""Targets versus a base year, the constant-rate target path, and peak analysis.

``[[targets]]`` in the inventory TOML (one table per target)::

    [[targets]]
    kind = "co2_intensity"     # co2_intensity | energy_intensity | non_fossil_share | emissions_cap | peak
    base_year = 2020
    year = 2025
    reduction_pct = 20         # co2_intensity, energy_intensity
    energy_variant = "excl_feedstock"   # energy_intensity: gross | excl_feedstock | excl_feedstock_nonfossil
    # min_share_pct = 56       # non_fossil_share
    # cap_t_co2e = …           # emissions_cap
    # before_year = 2030       # peak
    scope = "energy_co2"       # energy_co2 | total_co2 | total_co2e | net_co2e
    region = "ALL"             # a region of the inventory, ALL (default) or "*" (every region with data)
    name = "Chengdu CO2 intensity"
    source = "成都市碳达峰实施方案 (2024)"

A reduction target r (fraction) set for year T against base year y0 is on track in year y when the
achieved reduction is at least the constant-rate path::

    path_required(y) = 1 − (1 − r) ^ ((y − y0) / (T − y0))

A share target follows the straight line from the base-year share to the target share; a cap
follows the constant-rate path from the base-year value to the cap. ``met`` stays null until the
target year has data. Peak analysis (``[peak]``: ``min_years_since_peak`` N = 2,
``plateau_pct`` x = 2.0, ``plateau_years`` = 3): *plateau* — the last ``plateau_years`` values lie
within ±x % of their mean; else *peaked* — the maximum lies at least N years back and the trend
since the peak (least-squares slope from the peak year on) is down; else *rising* — the recent
trend (slope of the last ``plateau_years`` values, also reported as ``trend_pct_per_year``) is up;
otherwise *undetermined*.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from ..core.errors import ConfigError, Problem
from .indicators import ALL_REGION, ENERGY_VARIANTS, SCOPES

__all__ = ["Target", "PeakParams", "parse_targets", "peak_params", "path_required_pct", "reduction_met",
           "peak_status", "peak_analysis", "evaluate_targets", "TARGET_SCHEMA", "PEAK_SCHEMA", "KINDS"]

KINDS = ("co2_intensity", "energy_intensity", "non_fossil_share", "emissions_cap", "peak")
TOL = 1e-9
TARGET_SCHEMA = {
    "target": pl.String, "region": pl.String, "kind": pl.String, "scope": pl.String, "base_year": pl.Int32,
    "target_year": pl.Int32, "base_value": pl.Float64, "latest_year": pl.Int32, "latest_value": pl.Float64,
    "achieved_pct": pl.Float64, "required_pct": pl.Float64, "path_required_pct": pl.Float64,
    "on_track": pl.Boolean, "met": pl.Boolean, "margin": pl.Float64, "source": pl.String,
}
PEAK_SCHEMA = {
    "region": pl.String, "scope": pl.String, "first_year": pl.Int32, "latest_year": pl.Int32, "peak_year": pl.Int32,
    "peak_value": pl.Float64, "latest_value": pl.Float64, "change_from_peak_pct": pl.Float64,
    "trend_pct_per_year": pl.Float64, "status": pl.String,
}
_KEYS = {"kind", "base_year", "year", "reduction_pct", "energy_variant", "min_share_pct", "cap_t_co2e",
         "before_year", "scope", "region", "name", "source"}


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


def parse_targets(raw, default_base_year: int | None, file: str | None = None) -> list[Target]:
    """Check the ``[[targets]]`` list of the inventory TOML; every problem is reported at once.

    Parameters
    ----------
    raw : list of dict or None
        The ``[[targets]]`` tables (kind, base_year, year or before_year, reduction_pct [%],
        energy_variant, min_share_pct [%], cap_t_co2e [t CO2e], scope, region, name, source).
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
        no source, or a missing or out-of-range reduction, share or cap.
    """
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(t, dict) for t in raw):
        raise ConfigError(f"{file or 'config'}: targets must be a list of tables ([[targets]])")
    problems: list[Problem] = []
    out = []
    for i, t in enumerate(raw, 1):
        where = f"[[targets]] #{i}"
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
        if kind in ("co2_intensity", "energy_intensity"):
            r = _num(t, "reduction_pct", problems, where)
            if r is not None and r >= 100:
                problems.append(Problem(f"{where}: reduction_pct must be below 100, got {r}"))
            kw["reduction_pct"] = r
        if kind == "energy_intensity":
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
        True when met (within a tolerance of 1e-9).
    """
    return latest / base <= 1.0 - reduction_pct / 100.0 + TOL


def peak_status(years: list[int], values: list[float], p: PeakParams = PeakParams()) -> dict:
    """Peak year so far and the peak status of one series.

    *plateau* — the last ``plateau_years`` values lie within ±``plateau_pct`` % of their mean; else
    *peaked* — the maximum lies at least ``min_years_since_peak`` years back and the least-squares
    slope from the peak year on is down; else *rising* — the slope of the last ``plateau_years``
    values is up; otherwise *undetermined*.

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
        change_from_peak_pct [%], trend_pct_per_year [% of the recent mean per year], status.
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
    return {"first_year": years[0], "latest_year": years[-1], "peak_year": years[i], "peak_value": float(v[i]),
            "latest_value": float(v[-1]), "change_from_peak_pct": (v[-1] / v[i] - 1) * 100 if v[i] else None,
            "trend_pct_per_year": trend_pct, "status": status}


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
        return {y: round(num[y] / gdp[y], 4) for y in num if y in gdp}
    if t.kind == "non_fossil_share":
        return _series(ind, "non_fossil_share_pct", region)
    return _series(ind, SCOPES[t.scope], region)


def _evaluate(t: Target, region: str, s: dict[int, float], peaks: pl.DataFrame) -> dict:
    scope = {"energy_intensity": f"energy:{t.energy_variant}", "non_fossil_share": "energy:non_fossil"}.get(t.kind, t.scope)
    row = {"target": t.name, "region": region, "kind": t.kind, "scope": scope,
           "base_year": t.base_year, "target_year": t.year, "source": t.source}
    years = sorted(y for y in s if t.base_year <= y <= t.year)
    if t.base_year not in s or not years:
        return row
    y = years[-1]
    b, v = s[t.base_year], s[y]
    row.update(base_value=b, latest_year=y, latest_value=v)
    has_target_year = y == t.year
    if t.kind in ("co2_intensity", "energy_intensity", "emissions_cap"):
        r = t.reduction_pct if t.kind != "emissions_cap" else (1 - t.cap_t_co2e / b) * 100
        achieved = (1 - v / b) * 100 if b else None
        path = path_required_pct(r, t.base_year, t.year, y) if r < 100 else None
        row.update(achieved_pct=achieved, required_pct=r, path_required_pct=path)
        if achieved is not None and path is not None:
            row["on_track"] = bool(achieved >= path - TOL)
            row["margin"] = achieved - path
        if has_target_year:
            row["met"] = reduction_met(b, v, r) if t.kind != "emissions_cap" else bool(v <= t.cap_t_co2e + TOL)
            row["on_track"] = row["met"]
    elif t.kind == "non_fossil_share":
        path = b + (t.min_share_pct - b) * (y - t.base_year) / (t.year - t.base_year)
        row.update(achieved_pct=v, required_pct=t.min_share_pct, path_required_pct=path,
                   on_track=bool(v >= path - TOL), margin=v - path)
        if has_target_year:
            row["met"] = bool(v >= t.min_share_pct - TOL)
            row["on_track"] = row["met"]
    else:  # peak
        pk = peaks.filter(pl.col("region") == region, pl.col("scope") == t.scope)
        if pk.height:
            p = pk.row(0, named=True)
            ok = p["status"] in ("peaked", "plateau") and p["peak_year"] < t.year
            drop = (p["peak_value"] - p["latest_value"]) / p["peak_value"] * 100 if p["peak_value"] else None
            row.update(achieved_pct=drop, on_track=ok)
            if has_target_year:
                row["met"] = ok
    return row


def evaluate_targets(targets: list[Target], ind: pl.DataFrame, peaks: pl.DataFrame) -> pl.DataFrame:
    """Evaluate every target: one row per target and region (``targets.parquet``).

    A reduction target is on track when the achieved reduction is at least the constant-rate path
    (:func:`path_required_pct`); a share target follows the straight line to the target share; a cap
    the constant-rate path from the base-year value to the cap; a peak target needs status *peaked*
    or *plateau* with the peak before the target year. ``met`` stays null until the target year has
    data.

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
        points] and the target's source.
    """
    rows = []
    for t in targets:
        ind_t = ind
        if t.kind == "peak":
            name = SCOPES[t.scope]
        else:
            name = None
        regions = ind["region"].unique(maintain_order=True).to_list() if t.region == "*" else [t.region]
        for region in regions:
            s = _series(ind_t, name, region) if name else _intensity(ind_t, t, region)
            if t.region == "*" and not s:
                continue
            rows.append(_evaluate(t, region, s, peaks))
    return pl.DataFrame(rows, schema=TARGET_SCHEMA) if rows else pl.DataFrame(schema=TARGET_SCHEMA)
