"""Probability of meeting each target: the Monte Carlo carried through the emission indicators.

For every target on the whole area (``region = "ALL"``) whose indicator comes from emissions —
``co2_intensity`` (emissions of the target's scope / GDP at constant prices) and ``emissions_cap``
— the same draws as ``uncertainty.parquet`` (same inputs, seed and iterations: a factor row is one
draw in the base year and in the latest year, fully correlated) give, per iteration, the base-year
and latest-year values; the target's own test (:mod:`ghginv.targets`: the constant-rate path for
``on_track``, the reduction or the cap for ``met``) is applied to each iteration. ``targets.parquet``
gains two columns:

* ``p_on_track`` — share of iterations on (or above) the constant-rate path in the latest year;
* ``p_met`` — share of iterations meeting the target, when the target year has data (else null).

GDP, population and energy carry no uncertainty here (the economy table gives none): energy-
intensity, non-fossil-share and peak targets, and per-region targets, get null probabilities.
The emission indicators are linear in the emission terms, so each term's share of an indicator
is found once with :func:`ghginv.indicators.emission_series` (each term as its own region).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .indicators import ALL_REGION, SCOPES, emission_series, settings_from_config
from .targets import TOL, parse_targets, path_required_pct
from .uncertainty import K_SLOTS
from .uncertainty_calc import monte_carlo

__all__ = ["add_target_probabilities"]

_SERIES = ["co2_energy_t", "co2_total_t", "co2e_gross_t", "co2e_net_t"]


def _term_draws(terms, settings) -> tuple[np.ndarray, pl.DataFrame]:
    """(draws × terms) values of every term, and each term's share of every emission series."""
    f = terms.frame
    n = f.height
    idx = np.column_stack([f[f"i{k}"].to_numpy() for k in range(K_SLOTS)])
    pw = np.column_stack([f[f"w{k}"].to_numpy() for k in range(K_SLOTS)]).astype(np.int8)
    base = f["co2e_t"].to_numpy()
    draws = monte_carlo(base, idx, pw, np.arange(n), n, terms.inputs, settings.draws, settings.seed)
    return draws, f.with_row_index("_t")


def add_target_probabilities(unc, analysis, cfg, classes: dict[str, str]) -> None:
    """Add ``p_on_track`` and ``p_met`` to ``analysis.targets`` (see module doc)."""
    tg = analysis.targets
    targets = {t.name: t for t in parse_targets(cfg.extra.get("targets"), cfg.base_year, str(cfg.source) if cfg.source else None)}
    p_on = [None] * tg.height
    p_met = [None] * tg.height
    wanted = [i for i, r in enumerate(tg.iter_rows(named=True)) if r["region"] == ALL_REGION and r["latest_year"] is not None
              and r["kind"] in ("co2_intensity", "emissions_cap") and r["target"] in targets]
    if wanted and unc.terms is not None and unc.terms.frame.height:
        draws, f = _term_draws(unc.terms, unc.settings)
        rows = f.select(pl.col("_t").cast(pl.String).alias("region"), "year", "sector", pl.col("activity").fill_null(""), "gas", "scope",
                        pl.col("co2e_t").alias("emissions_t"), "co2e_t")
        series = emission_series(rows, classes, settings_from_config(cfg)).filter(pl.col("region") != ALL_REGION)
        series = series.with_columns(pl.col("region").cast(pl.Int64).alias("_t")).sort("_t")
        base = f["co2e_t"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(base != 0, draws / base, 1.0)  # multiplier of each term per iteration
        years = f["year"].to_numpy()
        tid = series["_t"].to_numpy()
        ind = analysis.indicators
        gdp = dict(ind.filter(pl.col("indicator") == "gdp_const_10k_yuan", pl.col("region") == ALL_REGION).select("year", "value").rows())

        def series_draws(name: str, year: int) -> np.ndarray:
            share = np.zeros(f.height)
            share[tid] = series[name].to_numpy()
            share[years != year] = 0.0
            return rel @ share

        for i in wanted:
            r = tg.row(i, named=True)
            t = targets[r["target"]]
            col = SCOPES[t.scope] if t.kind == "co2_intensity" else SCOPES.get(t.scope, "co2e_gross_t")
            y0, y = r["base_year"], r["latest_year"]
            b, v = series_draws(col, y0), series_draws(col, y)
            if t.kind == "co2_intensity":
                if y0 not in gdp or y not in gdp:
                    continue
                b, v = b / gdp[y0], v / gdp[y]
                req = np.full(b.shape, t.reduction_pct)
            else:
                req = (1 - t.cap_t_co2e / b) * 100
            achieved = (1 - v / b) * 100
            path = np.array([path_required_pct(x, y0, t.year, y) if x < 100 else np.nan for x in req])
            p_on[i] = float(np.mean(achieved >= path - TOL))
            if y == t.year:
                ok = v <= t.cap_t_co2e + TOL if t.kind == "emissions_cap" else achieved >= req - TOL
                p_met[i] = float(np.mean(ok))
                p_on[i] = p_met[i]
    analysis.targets = tg.with_columns(pl.Series("p_on_track", p_on, pl.Float64), pl.Series("p_met", p_met, pl.Float64))
