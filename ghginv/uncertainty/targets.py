"""Probability of meeting each target: the Monte Carlo carried through the indicators.

For every target on the whole area (``region = "ALL"``) the same draws as ``uncertainty.parquet``
(same inputs, seed and iterations: a factor row is one draw in the base year and in the latest
year, fully correlated) give, per iteration, the base-year and latest-year values of the target's
indicator; the target's own test (:mod:`ghginv.analysis.targets`: the constant-rate or straight-line path
for ``on_track``, the reduction, share or cap for ``met``, the peak rule for ``peak``) is applied to
each iteration. ``targets.parquet`` gains two columns:

* ``p_on_track`` — share of iterations on (or above) the path in the latest year; for a ``peak``
  target before its deadline, the share of iterations that have already peaked (the peak is never
  off track before its deadline; with missing years in the series it is undetermined: null);
* ``p_met`` — share of iterations meeting the target, when the target year has data (else null).

Indicators and what is uncertain in them:

* ``co2_intensity`` (emissions of the target's scope / GDP, rounded as in the indicators), ``emissions_cap`` and ``peak`` (the
  emission series of the scope, every year, :func:`ghginv.analysis.targets.peak_status` per iteration): the
  emission terms. The emission indicators are linear in the terms, so each term's share of an
  indicator is found once with :func:`ghginv.analysis.indicators.emission_series` (each term its own region).
* ``energy_intensity`` (energy variant / GDP, rounded to 4 decimals half up as in the indicators) and
  ``non_fossil_share`` (non-fossil / gross energy): energy consumption per cube cell, drawn with the
  *same* activity-source draw as the emissions of that source (:mod:`ghginv.uncertainty.energy`).
  Activity sources with ``activity_pct`` but no emission term get their own draw (a separate,
  seeded stream: they are independent of every other input).

GDP, population, the non-fossil share of purchased electricity (economy table: no uncertainty
column) and standard-coal / NCV coefficients are exact. When no input of a target's indicator is
uncertain, every iteration gives the inventory value and the probability is exactly 0 or 1 — the
deterministic ``on_track`` / ``met``. Per-region targets get null probabilities (the terms are
summed over regions).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ..analysis.indicators import ALL_REGION, ENERGY_VARIANTS, SCOPES, emission_series, intensity, settings_from_config
from ..analysis.targets import TOL, missing_years, parse_targets, path_required_pct, peak_params, reduction_ok, reduction_on_path
from .montecarlo import Inputs, monte_carlo
from .propagate import K_SLOTS, term_base

__all__ = ["add_target_probabilities", "peak_ok", "NOTE"]

KINDS = ("co2_intensity", "emissions_cap", "energy_intensity", "non_fossil_share", "peak")
NOTE = ("p_on_track / p_met: the Monte Carlo of uncertainty.parquet carried through the emission and energy indicators "
        "(energy drawn with the same activity draws); GDP, population, the non-fossil share of electricity and "
        "standard-coal coefficients are exact; with no uncertain input a probability is the deterministic 0 or 1; "
        "per-region targets are not evaluated")


def _term_draws(terms, settings, extra: np.ndarray | None = None) -> tuple[np.ndarray, pl.DataFrame]:
    """(draws × (terms + extra)) values of every term, and the terms frame with a row index.

    ``extra`` (E,): the activity-source input id of each energy term (−1: exact); those terms have
    base 1, so their draw is the multiplier of the source — the same draw as its emission terms."""
    f = terms.frame
    idx = np.column_stack([f[f"i{k}"].to_numpy() for k in range(K_SLOTS)])
    pw = np.column_stack([f[f"w{k}"].to_numpy() for k in range(K_SLOTS)]).astype(np.int8)
    base = term_base(f)  # co2e_t, or the term at the scale of an absolute input
    if extra is not None and extra.size:
        ei = np.full((extra.size, K_SLOTS), -1, np.int64)
        ei[:, 0] = extra
        idx = np.vstack([idx, ei])
        pw = np.vstack([pw, np.ones((extra.size, K_SLOTS), np.int8)])
        base = np.concatenate([base, np.ones(extra.size)])
    n = base.size
    draws = monte_carlo(base, idx, pw, np.arange(n), n, terms.inputs, settings.draws, settings.seed)
    return draws, f.with_row_index("_t")


def _energy_multipliers(terms, settings, et: pl.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """Input id per energy term (shared with the emissions) and, for sources that only have energy,
    their own multipliers (draws × energy terms, 1 elsewhere) from an independent seeded stream."""
    keys = et.select("year", "sector", "activity").rows()
    shared = np.array([terms.ad_ids.get((int(y), s, a), -1) for y, s, a in keys], dtype=np.int64)
    own: dict = {}
    specs = []
    col = np.full(len(keys), -1, np.int64)
    for j, (y, s, a) in enumerate(keys):
        u = settings.activity_u(a)
        if shared[j] < 0 and u > 0:
            if (y, s, a) not in own:
                own[(y, s, a)] = len(specs)
                specs.append((1.0, "normal", u, None, None))
            col[j] = own[(y, s, a)]
    if not specs:
        return shared, None
    used = np.nonzero(col >= 0)[0]
    idx = np.full((used.size, K_SLOTS), -1, np.int64)
    idx[:, 0] = col[used]
    m = monte_carlo(np.ones(used.size), idx, np.ones((used.size, K_SLOTS), np.int8), np.arange(used.size), used.size,
                    Inputs.from_specs(specs), settings.draws, (settings.seed + 0x9E3779B1) % 2**32)
    own_m = np.ones((settings.draws, len(keys)))
    own_m[:, used] = m
    return shared, own_m


def _slopes(x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Least-squares slope of every row of ``v`` (iterations × len(x)) against ``x``."""
    xc = x - x.mean()
    return (v - v.mean(axis=1, keepdims=True)) @ xc / (xc @ xc)


def peak_ok(years: list[int], v: np.ndarray, p, target_year: int) -> np.ndarray:
    """The test of a ``peak`` target per iteration, vectorised.

    Peaked or on a plateau (:func:`ghginv.analysis.targets.peak_status`) with the peak year before
    ``target_year``.

    Parameters
    ----------
    years : list of int
        Years of the series, ascending.
    v : numpy.ndarray
        Values per iteration and year (iterations × years) [unit of the series, e.g. t CO2].
    p : PeakParams
        The peak-analysis parameters.
    target_year : int
        The peak must lie before this year.

    Returns
    -------
    numpy.ndarray of bool
        Per iteration: the target's test passes.
    """
    y = np.asarray(years, dtype=float)
    i = np.argmax(v, axis=1)
    k = min(p.plateau_years, y.size)
    tail = v[:, -k:]
    mean = tail.mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        plateau = (k >= p.plateau_years) & (mean != 0) & np.all(np.abs(tail / mean[:, None] - 1) * 100 <= p.plateau_pct, axis=1)
    peaked = np.zeros(v.shape[0], dtype=bool)
    for j in np.unique(i):
        if years[-1] - years[j] >= p.min_years_since_peak:
            sel = i == j
            peaked[sel] = _slopes(y[j:], v[sel, j:]) < 0
    return (plateau | peaked) & (y[i] < target_year)


def add_target_probabilities(unc, analysis, cfg, classes: dict[str, str], cells: pl.DataFrame | None = None, sets=None) -> None:
    """Add ``p_on_track`` and ``p_met`` to ``analysis.targets`` from the Monte Carlo.

    For every whole-area target, the same draws as ``uncertainty.parquet`` give the base-year and
    latest-year values of its indicator per iteration, and the target's own test is applied to each
    (module docstring). Per-region targets get null probabilities. Changes ``analysis`` in place.

    Parameters
    ----------
    unc : UncertaintyResult
        The run's uncertainty result (terms and settings).
    analysis : Analysis
        The run's analysis (targets, indicators, notes); updated in place.
    cfg : ghginv.core.config.RunConfig
        The run's config (``[[targets]]``, ``[peak]``, ``[economy]``, base year).
    classes : dict of str to str
        Activity code -> fuel class.
    cells : polars.DataFrame, optional
        The cube cells [unit of the row]; needed with ``sets`` for energy-intensity and
        non-fossil-share targets.
    sets : list of FactorSet, optional
        The run's factor sets.
    """
    tg = analysis.targets
    targets = {t.name: t for t in parse_targets(cfg.extra.get("targets"), cfg.base_year, str(cfg.source) if cfg.source else None)}
    p_on = [None] * tg.height
    p_met = [None] * tg.height
    wanted = [i for i, r in enumerate(tg.iter_rows(named=True)) if r["region"] == ALL_REGION and r["latest_year"] is not None
              and r["kind"] in KINDS and r["target"] in targets]
    if not (cells is not None and sets is not None):
        wanted = [i for i in wanted if tg["kind"][i] not in ("energy_intensity", "non_fossil_share")]
    if wanted and unc.terms is not None and unc.terms.frame.height:
        settings = settings_from_config(cfg)
        energy_kinds = any(tg["kind"][i] in ("energy_intensity", "non_fossil_share") for i in wanted)
        et, shared, own = None, None, None
        if energy_kinds:
            from .energy import energy_terms

            et = energy_terms(cells, sets, cfg.year_fallback, settings)
            shared, own = _energy_multipliers(unc.terms, unc.settings, et)
        draws, f = _term_draws(unc.terms, unc.settings, shared)
        n_em = f.height
        rows = f.select(pl.col("_t").cast(pl.String).alias("region"), "year", "sector", pl.col("activity").fill_null(""), "gas", "scope",
                        pl.col("co2e_t").alias("emissions_t"), "co2e_t")
        series = emission_series(rows, classes, settings).filter(pl.col("region") != ALL_REGION)
        series = series.with_columns(pl.col("region").cast(pl.Int64).alias("_t")).sort("_t")
        base = f["co2e_t"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(base != 0, draws[:, :n_em] / base, 1.0)  # multiplier of each term per iteration
        years = f["year"].to_numpy()
        tid = series["_t"].to_numpy()
        ind = analysis.indicators
        gdp = dict(ind.filter(pl.col("indicator") == "gdp_const_10k_yuan", pl.col("region") == ALL_REGION).select("year", "value").rows())
        energy = None
        if et is not None:
            from .energy import energy_draws

            mult = draws[:, n_em:] * (own if own is not None else 1.0)
            energy = energy_draws(et, mult, ind, ALL_REGION)

        def series_draws(name: str, year: int) -> np.ndarray:
            share = np.zeros(f.height)
            share[tid] = series[name].to_numpy()
            share[years != year] = 0.0
            return rel @ share

        for i in wanted:
            r = tg.row(i, named=True)
            res = _probabilities(targets[r["target"]], r, series_draws, energy, gdp, ind, cfg)
            if res is not None:
                p_on[i], p_met[i] = res
        analysis.notes.append(NOTE)
    analysis.targets = tg.with_columns(pl.Series("p_on_track", p_on, pl.Float64), pl.Series("p_met", p_met, pl.Float64))


def _probabilities(t, r: dict, series_draws, energy, gdp: dict, ind: pl.DataFrame, cfg) -> tuple[float, float | None] | None:
    """(p_on_track, p_met) of one whole-area target, or None when its indicator has no draws.

    The tests are those of :mod:`ghginv.analysis.targets` (``reduction_ok``, ``reduction_on_path``,
    the straight line of a share, the cap, the peak rule) applied per iteration, with intensities
    rounded by :func:`ghginv.analysis.indicators.intensity` as in the indicators."""
    y0, y = r["base_year"], r["latest_year"]
    at_target = y == t.year
    if t.kind == "peak":
        name = SCOPES[t.scope]
        s = ind.filter(pl.col("indicator") == name, pl.col("region") == ALL_REGION)
        yrs = sorted(s["year"].to_list())  # the whole series, as peak.parquet
        if len(yrs) < 2 or missing_years(yrs):  # undetermined: no probability either
            return None
        v = np.column_stack([series_draws(name, yy) for yy in yrs])
        p = float(np.mean(peak_ok(yrs, v, peak_params(cfg.extra.get("peak")), t.year)))
        return p, (p if at_target else None)
    if t.kind == "non_fossil_share":
        if energy is None or y0 not in energy["energy_gross_tce"] or y not in energy["energy_gross_tce"]:
            return None
        with np.errstate(divide="ignore", invalid="ignore"):
            b = energy["energy_nonfossil_tce"][y0] / energy["energy_gross_tce"][y0] * 100
            v = energy["energy_nonfossil_tce"][y] / energy["energy_gross_tce"][y] * 100
        path = b + (t.min_share_pct - b) * (y - y0) / (t.year - y0)
        on = float(np.mean(v >= path - TOL))
        return (float(np.mean(v >= t.min_share_pct - TOL)),) * 2 if at_target else (on, None)
    if t.kind == "energy_intensity":
        name = ENERGY_VARIANTS[t.energy_variant]
        if energy is None or y0 not in gdp or y not in gdp or y0 not in energy[name] or y not in energy[name]:
            return None
        b = intensity(energy[name][y0], gdp[y0])  # rounded as the indicators round
        v = intensity(energy[name][y], gdp[y])
    else:
        col = SCOPES[t.scope] if t.kind == "co2_intensity" else SCOPES.get(t.scope, "co2e_gross_t")
        b, v = series_draws(col, y0), series_draws(col, y)
        if t.kind == "co2_intensity":
            if y0 not in gdp or y not in gdp:
                return None
            b, v = intensity(b, gdp[y0]), intensity(v, gdp[y])
    frac = (y - y0) / (t.year - y0)
    if t.kind == "emissions_cap":
        within = v <= t.cap_t_co2e + TOL
        with np.errstate(divide="ignore", invalid="ignore"):
            req = np.where(b != 0, (1 - t.cap_t_co2e / np.where(b != 0, b, 1.0)) * 100, np.nan)
            path = np.where(req < 100, (1.0 - (1.0 - np.minimum(req, 100) / 100.0) ** frac) * 100.0, np.nan)
            achieved = (1 - v / np.where(b != 0, b, 1.0)) * 100
        on = float(np.mean(np.where(b != 0, achieved >= path - TOL, within)))  # a base of 0: within the cap
        ok = within
    else:
        path = path_required_pct(t.reduction_pct, y0, t.year, y)
        on = float(np.mean(reduction_on_path(b, v, path)))
        ok = reduction_ok(b, v, 1.0 - t.reduction_pct / 100.0)
    if not at_target:
        return on, None
    met = float(np.mean(ok))
    return met, met
