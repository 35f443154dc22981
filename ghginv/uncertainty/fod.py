"""Solid waste disposal (4.A, first-order decay) in the uncertainty analysis.

CH4 emitted in year y from one (region, category, waste type) history is a sum over the deposit
years d ≤ y (2006 IPCC GL Vol 5 Ch 3, Eqs 3.1–3.6, see :mod:`ghginv.methods.waste`)::

    CH4_y = Σ_d  W_d × DOC_d × DOCf_d × MCF_d × decay(k; d, y) × F_y × 16/12 × (1 − R_y) × (1 − OX_y)

The contribution c_{d,y} of one deposit year is linear in the deposit W_d and in each of DOC,
DOCf, MCF (of the deposit year) and F (of the emission year). Each c_{d,y} becomes one uncertainty
*term* (:mod:`ghginv.uncertainty.propagate`) with five inputs, all with power 1:

* slot 0, the activity source (year d, category, waste type) — the deposit, with the
  ``[uncertainty] activity_pct`` of its waste type (``msw_food`` …) or the default;
* slots 1–4, the ``waste_parameters.csv`` rows that gave DOC, DOCf, MCF and F. A row is one input
  wherever it is used (all deposit years, all series: fully correlated). Its uncertainty comes from
  the row's own ``uncertainty_pct`` / ``lower``/``upper`` / ``distribution`` columns (read by
  :mod:`ghginv.factors.waste_params`), else from ``[uncertainty] waste_pct = { doc = …, docf = …, mcf = …, f = … }``
  (95 % half-width in %, normal). The shipped ``ipcc2006_waste`` set has no uncertainty columns and
  ghginv ships no default ranges (Table 3.5 of Vol 5 Ch 3 is not in the verified material), so
  without either the parameters are exact and the result says so.

k, OX, recovery and the delay are treated as exact: the result is not linear in k, and OX and
recovery enter as (1 − x). The terms of a series add up to the run's FOD emissions (linearity in
the deposits), so ``uncertainty.parquet`` keeps its 4.A rows, with their own level and trend.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["fod_terms", "LINEAR_PARAMETERS"]

LINEAR_PARAMETERS = ("doc", "docf", "mcf", "f")


def fod_terms(deposits: pl.DataFrame, other_cells: pl.DataFrame, sets, cfg) -> tuple[pl.DataFrame, list]:
    """Solid waste disposal (4.A, first-order decay) as uncertainty terms.

    One term per deposit year d and emission year y: the CH4 emitted in year y from the deposit
    of year d is linear in the deposit and in DOC, DOCf, MCF (of year d) and F (of year y) (module
    docstring); the term's inputs are the activity source and those four parameter rows.

    Parameters
    ----------
    deposits : polars.DataFrame
        4.A deposit cells (:func:`ghginv.methods.waste_fod.split_deposits`) [any mass unit].
    other_cells : polars.DataFrame
        The other cube cells (reported years when ``cfg.years`` is not set).
    sets : list of FactorSet
        The run's factor sets, in precedence order.
    cfg : ghginv.core.config.RunConfig
        Needs ``years`` and ``extra["waste"]``. The inputs were checked by the run's waste stage; a
        series it could not compute is skipped here.

    Returns
    -------
    terms : polars.DataFrame
        One row per (year, region, sector, waste type, deposit year): ``emissions_t`` [t CH4;
        :func:`ghginv.uncertainty.propagate.build_terms` adds the CO2e], ``base_t`` [t CH4] (the
        term with its DOC, DOCf, MCF and F rows of value 0 and an interval at their scale, else
        ``emissions_t``) and the indices ``doc, docf, mcf, f`` into ``rules``.
    rules : list of WasteRule
        The waste parameter rows used.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 5 Ch 3,
       Eqs 3.1–3.6.
    """
    from ..factors.waste_params import resolve_waste_parameter
    from ..methods.waste import first_order_decay
    from ..methods.waste_fod import _deposits_gg, _report_years, waste_settings

    schema = {"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String, "dep_year": pl.Int32,
              "emissions_t": pl.Float64, "base_t": pl.Float64, **{p: pl.Int64 for p in LINEAR_PARAMETERS}}
    if deposits is None or deposits.height == 0:
        return pl.DataFrame(schema=schema), []
    years = set(_report_years(cfg, other_cells, deposits))
    settings = waste_settings(cfg)
    kname = f"k_{settings['climate_zone']}"
    last = max(years) if years else None
    rules: list = []
    rid: dict = {}
    out: list[tuple] = []
    for (region, sector, activity), g in _deposits_gg(deposits).group_by("region", "sector", "activity", maintain_order=True):
        y0 = int(g["year"].min())
        if last is None or y0 > last:
            continue
        span = np.arange(y0, last + 1)
        have = dict(zip(g["year"].to_list(), g["gg"].to_list()))
        if any(int(y) not in have for y in span):
            continue
        per = {p: [resolve_waste_parameter(sets, p, region, sector, activity, int(y)) for y in span]
               for p in (*LINEAR_PARAMETERS, "ox", kname, "delay_months")}
        if any(r is None for rs in per.values() for r in rs):
            continue
        val = {p: np.array([r.value_norm for r in rs]) for p, rs in per.items()}
        w = np.array([have[int(y)] for y in span], dtype=np.float64)
        rec = np.array([settings["recovery"].get(int(y), settings["recovery_default"]) for y in span])
        # one "waste type" per deposit year: row d of the result is that deposit's CH4 in every year
        res = first_order_decay(np.diag(w * val["doc"] * val["docf"]), span, 1.0, 1.0, val["mcf"], val["f"], val[kname][-1],
                                val["ox"], rec, val["delay_months"][-1])
        c = res.ch4_emitted * 1000.0  # t CH4, deposit year × emission year
        # DOC, DOCf, MCF, F rows of value 0 with an interval (absolute inputs): the terms at their scale
        vb = {p: np.array([_absolute_norm(r) for r in per[p]]) for p in LINEAR_PARAMETERS}
        if any(np.isfinite(vb[p]).any() for p in LINEAR_PARAMETERS):
            vb = {p: np.where(np.isfinite(vb[p]), vb[p], val[p]) for p in LINEAR_PARAMETERS}
            rb = first_order_decay(np.diag(w * vb["doc"] * vb["docf"]), span, 1.0, 1.0, vb["mcf"], vb["f"], val[kname][-1],
                                   val["ox"], rec, val["delay_months"][-1])
            cb = rb.ch4_emitted * 1000.0
        else:
            cb = c
        for j, y in enumerate(span):
            if int(y) not in years:
                continue
            for i in range(j + 1):
                ids = []
                for p in LINEAR_PARAMETERS:
                    r = per[p][j if p == "f" else i]  # F of the emission year; DOC, DOCf, MCF of the deposit year
                    if r not in rid:
                        rid[r] = len(rules)
                        rules.append(r)
                    ids.append(rid[r])
                out.append((int(y), region, sector, activity, int(span[i]), float(c[i, j]), float(cb[i, j]), *ids))
    return pl.DataFrame(out, schema=schema, orient="row"), rules


def _absolute_norm(rule) -> float:
    """The base-unit value at its scale of a waste parameter row of value 0 with an interval, else NaN."""
    from .montecarlo import absolute_scale

    sc = absolute_scale(rule.value, getattr(rule, "distribution", "") or "", getattr(rule, "unc_pct", None),
                        getattr(rule, "unc_lower", None), getattr(rule, "unc_upper", None))
    if sc == 0:
        return float("nan")
    from ..factors.waste_params import UNITS

    return sc * UNITS[rule.parameter][rule.unit]


def waste_input_spec(rule, waste_pct: dict[str, float]) -> tuple | None:
    """``(value, distribution, pct, lower, upper)`` of a waste parameter row, or None (exact)."""
    dist = getattr(rule, "distribution", "") or ""
    if dist:
        return (rule.value, dist, getattr(rule, "unc_pct", None), getattr(rule, "unc_lower", None), getattr(rule, "unc_upper", None))
    u = waste_pct.get(rule.parameter)
    if u and rule.value_norm != 0:
        return (1.0, "normal", float(u), None, None)
    return None
