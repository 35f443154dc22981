"""Optional uncertainty columns of a factor row (emission_factors.csv, carbon_factors.csv, conversions.csv).

A row may give the 95 % interval of its value in one of two ways:

* ``uncertainty_pct`` — half-width of the 95 % interval in % of ``value`` (the IPCC "±U %",
  2006 IPCC GL Vol 1 Ch 3 §3.2.2.4), or
* ``lower`` and ``upper`` — the bounds of the 95 % interval, in the row's own unit;

and ``distribution`` — ``normal`` (default), ``lognormal``, ``triangular`` or ``uniform``. A row
with neither is *exact*: the uncertainty analysis treats it as known without error and counts it.
A row of value 0 with ``lower``/``upper`` is an *absolute* uncertainty (the interval in the row's
unit around 0; 2006 IPCC GL Vol 1 Ch 3 Eq 3.2 combines absolute amounts); ``uncertainty_pct`` on a
value of 0 is refused (a percentage of 0 is 0), and so is an interval on a conversion (ncv,
density, standard_coal) of value 0, which no emission can be linear in.
See docs/factor-set-format.md and :mod:`ghginv.uncertainty.propagate` for how each case is drawn.
"""

from __future__ import annotations

import math

__all__ = ["DISTRIBUTIONS", "UNCERTAINTY_COLUMNS", "parse_uncertainty"]

DISTRIBUTIONS = ("normal", "lognormal", "triangular", "uniform")
UNCERTAINTY_COLUMNS = ("uncertainty_pct", "lower", "upper", "distribution")


def _num(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):
        raise ValueError(text)
    return x


def parse_uncertainty(row: dict, value: float, bad, zero_ok: bool = True) -> tuple[float | None, float | None, float | None, str]:
    """Read the optional uncertainty columns of one factor row.

    Parameters
    ----------
    row : dict
        The CSV row (column -> text); ``uncertainty_pct``, ``lower``, ``upper`` and
        ``distribution`` are read when present.
    value : float
        The row's value [the row's unit]; NaN when already reported as bad.
    bad : callable
        ``bad(msg, col, value)``, called for each problem (the row is then treated as exact).
    zero_ok : bool, default True
        A value of 0 may carry ``lower``/``upper`` (an absolute uncertainty); False for
        conversions, where an interval on 0 is refused.

    Returns
    -------
    tuple
        ``(uncertainty_pct, lower, upper, distribution)`` as given, the unused form None:
        ``uncertainty_pct`` [% of value, half-width of the 95 % interval], ``lower``/``upper``
        [the row's unit], ``distribution`` one of :data:`DISTRIBUTIONS` (default ``normal``); or
        ``(None, None, None, "")`` for an exact row or a row with a problem.

    References
    ----------
    2006 IPCC GL Vol 1 Ch 3, §3.2.2.4 (the "±U %" half-width of the 95 % interval).
    """
    pct = (row.get("uncertainty_pct") or "").strip()
    lo_t = (row.get("lower") or "").strip()
    hi_t = (row.get("upper") or "").strip()
    dist = (row.get("distribution") or "").strip().lower()
    if not (pct or lo_t or hi_t):
        if dist:
            bad("distribution is given but no uncertainty_pct or lower/upper", "distribution", dist)
        return None, None, None, ""
    dist = dist or "normal"
    if dist not in DISTRIBUTIONS:
        bad(f"distribution must be one of {', '.join(DISTRIBUTIONS)}", "distribution", dist)
        return None, None, None, ""
    if pct and (lo_t or hi_t):
        bad("give either uncertainty_pct or lower/upper, not both", "uncertainty_pct", pct)
        return None, None, None, ""
    if value != value:  # value already reported as bad
        return None, None, None, ""
    if value == 0 and not zero_ok:
        bad("a conversion of value 0 cannot carry an uncertainty interval (no emission is linear in it); "
            "give the conversion's own value or leave the uncertainty columns empty", "lower/upper" if not pct else "uncertainty_pct",
            pct or f"{lo_t}–{hi_t}")
        return None, None, None, ""
    if value == 0 and pct:
        bad("uncertainty_pct is a percentage of value, and value is 0 (a percentage of 0 is 0): give the 95 % interval "
            "as lower and upper in the row's unit, e.g. lower 0, upper 50 (an absolute uncertainty)", "uncertainty_pct", pct)
        return None, None, None, ""
    if pct:
        try:
            u = _num(pct)
            if u <= 0:
                raise ValueError(pct)
        except ValueError:
            bad("uncertainty_pct must be a number > 0 (half-width of the 95 % interval, in %)", "uncertainty_pct", pct)
            return None, None, None, ""
        return u, None, None, dist
    if not (lo_t and hi_t):
        bad("lower and upper must be given together", "lower/upper", lo_t or hi_t)
        return None, None, None, ""
    try:
        lo, hi = _num(lo_t), _num(hi_t)
    except ValueError as e:
        bad("lower and upper must be finite numbers", "lower/upper", str(e))
        return None, None, None, ""
    if not lo <= value <= hi or lo == hi:
        bad(f"the 95 % interval [{lo_t}, {hi_t}] must contain value {value:g} and have width > 0", "lower/upper", f"{lo_t}–{hi_t}")
        return None, None, None, ""
    if dist == "lognormal" and lo <= 0:
        bad("a lognormal interval needs lower > 0", "lower", lo_t)
        return None, None, None, ""
    return None, lo, hi, dist
