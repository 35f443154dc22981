"""Rounding as the statistics bureau rounds: 四舍五入 (round half up) on the decimal value.

Chinese statistical practice keeps intensities to 4 decimals (t or tce per 10^4 yuan) before
ratios (cn-statistics-formats.md §4.1) and rounds *half up*, away from zero, on the number as it
is written in decimal. A binary float rounded as it is stored gets some of those ties wrong:
0.12345 is stored as 0.1234500000000000041…, 2.675 as 2.674999999999999822…, and polars'
``round`` rounds the scaled value half to even. One function, used everywhere ghginv rounds a
number for the bureau::

    round_half_up(0.12345, 4) == 0.1235
    round_half_up(0.00005, 4) == 0.0001
    round_half_up(2.675, 2)   == 2.68
    round_half_up(-2.675, 2)  == -2.68      # symmetric: half away from zero

The decimal value of a float is its shortest round-tripping form, ``repr(x)`` — what a user
typed, and what a table shows. The result equals ``float(Decimal(repr(x)).quantize(10^-digits,
ROUND_HALF_UP))`` exactly, for a scalar, a numpy array or a polars column. Arrays take a fast
path: away from a tie the scaled binary value decides (its error is a few units in the last
place); values within 8 units in the last place of a tie, and values too large for the fast
path, go through :mod:`decimal` one by one.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Context, Decimal

import numpy as np
import polars as pl

__all__ = ["round_half_up", "round_half_up_expr", "MAX_DIGITS"]

MAX_DIGITS = 15
_CTX = Context(prec=420, rounding=ROUND_HALF_UP)  # enough digits for any finite double at MAX_DIGITS
_TWO52 = 2.0 ** 52


def _exact(x: float, digits: int) -> float:
    """One value through :mod:`decimal`: its shortest decimal form, rounded half up."""
    if not np.isfinite(x):
        return float(x)
    q = Decimal(repr(float(x))).quantize(Decimal(1).scaleb(-digits), context=_CTX)
    return float(q)


def _array(x: np.ndarray, digits: int) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    scale = 10.0 ** digits
    a = np.abs(x)
    with np.errstate(invalid="ignore", over="ignore"):
        y = a * scale
        k = np.floor(y)
        f = y - k  # exact: y and k are within a factor 2 of each other, or k = 0
        r = k + (f >= 0.5)
        out = np.copysign(r / scale, x)  # r and 10^digits are exact: the division is correctly rounded
        slow = ~np.isfinite(y) | (y >= _TWO52) | (np.abs(f - 0.5) <= 8 * np.spacing(y))
    slow &= np.isfinite(x)
    out = np.where(np.isfinite(x), out, x)
    for i in np.flatnonzero(slow):
        out.flat[i] = _exact(x.flat[i], digits)
    return out


def round_half_up(x, digits: int):
    """Round half up (四舍五入, half away from zero) on the decimal value of ``x``.

    Parameters
    ----------
    x : float or int or numpy.ndarray or polars.Series
        The value(s) [any unit]. NaN and ±inf pass through; a Series keeps its nulls.
    digits : int
        Decimals to keep, 0 … :data:`MAX_DIGITS`.

    Returns
    -------
    float or numpy.ndarray or polars.Series
        The rounded value(s), of the same kind as ``x`` (float64): equal to
        ``float(Decimal(repr(x)).quantize(Decimal(10) ** -digits, ROUND_HALF_UP))``.

    Raises
    ------
    ValueError
        ``digits`` not an integer in 0 … :data:`MAX_DIGITS`.
    """
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)) or not 0 <= digits <= MAX_DIGITS:
        raise ValueError(f"digits must be an integer from 0 to {MAX_DIGITS}, got {digits!r}")
    digits = int(digits)
    if isinstance(x, pl.Series):
        s = x.cast(pl.Float64)
        out = pl.Series(s.name, _array(s.fill_null(np.nan).to_numpy(), digits), pl.Float64)
        if s.null_count():
            out = pl.select(pl.when(s.is_not_null()).then(out)).to_series().alias(s.name)
        return out
    if isinstance(x, np.ndarray):
        return _array(x, digits)
    return _scalar(float(x), digits)


def _scalar(x: float, digits: int) -> float:
    """:func:`_array` of one float, in Python floats (the same IEEE operations, without an array per call: the
    report formats hundreds of chart labels one at a time)."""
    if not math.isfinite(x):
        return x
    scale = 10.0 ** digits
    y = abs(x) * scale
    if not math.isfinite(y) or y >= _TWO52:
        return _exact(x, digits)
    k = float(math.floor(y))
    f = y - k  # exact, as in _array
    if abs(f - 0.5) <= 8 * math.ulp(y):  # near a tie: the decimal value decides
        return _exact(x, digits)
    return math.copysign((k + (1.0 if f >= 0.5 else 0.0)) / scale, x)


def round_half_up_expr(expr: pl.Expr, digits: int) -> pl.Expr:
    """A polars expression rounded half up on the decimal value (:func:`round_half_up`).

    Parameters
    ----------
    expr : polars.Expr
        A numeric expression [any unit].
    digits : int
        Decimals to keep, 0 … :data:`MAX_DIGITS`.

    Returns
    -------
    polars.Expr
        The rounded Float64 expression; nulls stay null.
    """
    round_half_up(0.0, digits)  # checks digits now, not at collect time
    return expr.map_batches(lambda s: round_half_up(s, digits), return_dtype=pl.Float64)
