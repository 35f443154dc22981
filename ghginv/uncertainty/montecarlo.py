"""Uncertainty arithmetic on plain arrays: input distributions, Approach 1 and Approach 2.

Inputs. Every uncertain input (a factor row, an activity-data source) is given by its central
value and the 95 % interval (``lower``, ``upper``) or the half-width ``U`` in % of the value,
and a distribution. The Monte Carlo draws a *multiplier* m = draw / value:

* normal — mean 1, σ = (upper − lower) / (2 × 1.96) / value (σ = U / 196 from ``U``); draws are
  not truncated, so for large uncertainties (U of 50 % and more) a lognormal is the better choice;
* lognormal — from ``lower``/``upper``: ln m ~ N(μ, σ²) with μ = (ln lower + ln upper)/2 − ln value
  and σ = (ln upper − ln lower) / (2 × 1.96) (the bounds are the 2.5 / 97.5 percentiles); from
  ``U``: mean 1 and standard deviation U/196, σ² = ln(1 + (U/196)²), μ = −σ²/2 (moment match,
  2006 IPCC GL Vol 1 Ch 3 §3.2.2.4);
* uniform — the bounds are the 2.5 / 97.5 percentiles: support widened by 2.5 % of its width on
  each side;
* triangular — mode = value, support [a, b] solved so that the 2.5 / 97.5 percentiles are the
  bounds.

A value of 0 with a 95 % interval (``lower`` < ``upper``) is an *absolute* uncertainty: a
percentage of 0 is 0, and 2006 IPCC GL Vol 1 Ch 3 combines uncertainties as absolute amounts
(Eq 3.2: U_i × x_i per quantity, over the |total|). Such an input is drawn in its own unit over
the scale s = (upper − lower) / 2 (:func:`absolute_scale`): the term it enters is the term at
the input's value s (the caller's ``base``), the multiplier is draw / s — normal with mean 0 and
σ = (upper − lower) / (2 × 1.96) / s (kernel law 5), uniform and triangular as above with the
value 0 as the mode — and ``u_pct`` = 100 (the half-width is s). Approach 1 then counts the term
at s as the input's contribution: the absolute half-width over the group's total. A lognormal
needs ``lower`` > 0 and so a value > 0; ``uncertainty_pct`` on a value of 0 is refused on load.

Approach 1 (2006 IPCC GL Vol 1 Ch 3, Eq 3.1 for products, Eq 3.2 for sums of independent
quantities). A group's emissions S = Σ_t E_t, where term t uses independent inputs p with power
±1. Terms that share an input are first summed per input (their errors are fully correlated),
then the independent inputs combine in quadrature::

    U_S = sqrt( Σ_p ( U_p × Σ_{t uses p} E_t )² ) / |S|

For one term with two inputs this is Eq 3.1, U = sqrt(U_AD² + U_EF²); for independent terms it is
Eq 3.2, U = sqrt(Σ (U_i E_i)²) / |Σ E_i|. ``U_p`` is the half-width of the 95 % interval in % of
the value (for an asymmetric interval, half its width).

Trend, Approach 1 (Vol 1 Ch 3 Table 3.2 and §3.7.1; the uncertainty of τ = S_t / S_0 − 1 in
percentage points). For each independent input p with contributions D_p (year t) and C_p (base
year) the Type A sensitivity of Table 3.2 is::

    A_p = [ (0.01 D_p + S_t − (0.01 C_p + S_0)) / (0.01 C_p + S_0) − (S_t − S_0) / S_0 ] × 100

and U_τ = sqrt( Σ_p (A_p × U_p)² ). A factor row used in both years enters once (EF fully
correlated between years: Table 3.2 column "introduced by emission factor uncertainty" = Type A
× U_EF); an activity source belongs to one year, and A_p then equals the Type B sensitivity
D_p / S_0 (year t) or its base-year counterpart, whose squares add to (√2 × B × U_AD)² when the
shares are steady — Table 3.2's "introduced by activity data uncertainty" = Type B × U_AD × √2.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numba
import numpy as np

from ..kernels.montecarlo import BLOCK, block_seed, mc_block

__all__ = [
    "Inputs", "DIST_CODES", "multiplier_params", "absolute_scale", "approach1_level", "approach1_trend",
    "monte_carlo", "Z95",
]

Z95 = 1.959963984540054
DIST_CODES = {"": 0, "normal": 1, "lognormal": 2, "triangular": 3, "uniform": 4}  # 5: normal of mean 0 (absolute input)


def _triangular_support(lo: float, c: float, hi: float) -> tuple[float, float]:
    """Support [a, b] of a triangular law with mode c whose 2.5 / 97.5 % points are lo, hi."""
    q = 0.025
    a, b = lo, hi

    def extend(p, qq):  # X ≥ 0 with X² = q (P + X)(Q + X)
        s = q * (p + qq)
        return (s + math.sqrt(s * s + 4 * (1 - q) * q * p * qq)) / (2 * (1 - q))

    for _ in range(200):
        a_new = lo - extend(b - lo, c - lo)
        b_new = hi + extend(hi - a_new, hi - c)
        if abs(a_new - a) + abs(b_new - b) <= 1e-13 * (abs(hi) + abs(lo) + 1e-300):
            a, b = a_new, b_new
            break
        a, b = a_new, b_new
    return a, b


def multiplier_params(value: float, dist: str, pct: float | None, lower: float | None, upper: float | None):
    """The law of the Monte Carlo multiplier m = draw / value of one uncertain input.

    From the 95 % interval (``lower``, ``upper``) or the half-width ``pct`` (module docstring):
    normal — mean 1, σ = (upper − lower) / (2 × 1.96) / value; lognormal — from the bounds as the
    2.5 / 97.5 percentiles, or from ``pct`` by moment matching (mean 1, σ² = ln(1 + (U/196)²));
    uniform — support widened so the bounds are the 2.5 / 97.5 percentiles; triangular — mode
    = value, support solved so the bounds are the 2.5 / 97.5 percentiles.

    A value of 0 with ``lower`` < ``upper`` is an absolute input (module docstring): the law is
    that of draw / s with s = :func:`absolute_scale` and ``u_pct`` is 100.

    Parameters
    ----------
    value : float
        Central value of the input [its unit]; 0 with ``pct`` (a percentage of 0) makes the input
        exact, 0 with ``lower`` < ``upper`` an absolute input.
    dist : str
        ``normal``, ``lognormal``, ``uniform``, ``triangular``; empty for an exact input.
    pct : float or None
        Half-width of the 95 % interval [% of the value]; else ``lower`` and ``upper`` are used.
    lower : float or None
        Lower bound of the 95 % interval [unit of the value].
    upper : float or None
        Upper bound of the 95 % interval [unit of the value].

    Returns
    -------
    tuple
        ``(code, p1, p2, p3, u_pct)``: distribution code (:data:`DIST_CODES`), the law's parameters
        for the multiplier, and the half-width used by Approach 1 [%] (half the interval's width for
        an asymmetric one).

    Raises
    ------
    ValueError
        An unknown distribution.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1 Ch 3 §3.2.2.4 (lognormal moment match).
    """
    if not dist:
        return 0, 0.0, 0.0, 0.0, 0.0
    if value == 0:
        sc = absolute_scale(value, dist, pct, lower, upper)
        if sc == 0:
            return 0, 0.0, 0.0, 0.0, 0.0
        lo, hi = float(lower), float(upper)
        if dist == "normal":
            return 5, (hi - lo) / (2 * Z95) / sc, 0.0, 0.0, 100.0
        if dist == "uniform":
            w = (hi - lo) / 0.95
            return 4, (lo - 0.025 * w) / sc, (hi + 0.025 * w) / sc, 0.0, 100.0
        if dist == "triangular":
            a, b = _triangular_support(lo, 0.0, hi)
            return 3, a / sc, 0.0, b / sc, 100.0
        raise ValueError(f"a {dist} law cannot have the value 0")
    if pct is not None:
        u = float(pct)
        lo, hi = value * (1 - u / 100), value * (1 + u / 100)
    else:
        lo, hi = float(lower), float(upper)
        u = (hi - lo) / 2 / abs(value) * 100
    if dist == "normal":
        return 1, (hi - lo) / (2 * Z95) / abs(value), 0.0, 0.0, u
    if dist == "lognormal":
        if pct is not None:
            s2 = math.log(1 + (u / 100 / Z95) ** 2)
            return 2, -s2 / 2, math.sqrt(s2), 0.0, u
        mu = (math.log(lo) + math.log(hi)) / 2 - math.log(value)
        return 2, mu, (math.log(hi) - math.log(lo)) / (2 * Z95), 0.0, u
    if dist == "uniform":
        w = (hi - lo) / 0.95
        return 4, (lo - 0.025 * w) / value, (hi + 0.025 * w) / value, 0.0, u
    if dist == "triangular":
        a, b = _triangular_support(lo, value, hi)
        return 3, a / value, 1.0, b / value, u
    raise ValueError(dist)


def absolute_scale(value: float, dist: str, pct: float | None, lower: float | None, upper: float | None) -> float:
    """The scale s of an absolute input: (upper − lower) / 2 for a value of 0 with an interval, else 0.

    Parameters
    ----------
    value : float
        Central value of the input [its unit].
    dist : str
        Distribution name; empty for an exact input.
    pct : float or None
        Half-width [% of the value] (a percentage of 0 is 0: no absolute input).
    lower : float or None
        Lower bound of the 95 % interval [unit of the value].
    upper : float or None
        Upper bound of the 95 % interval [unit of the value].

    Returns
    -------
    float
        s [unit of the value], the half-width of the interval; 0 when the input is not absolute.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1 Ch 3, Eq 3.2
       (uncertainties combined as absolute amounts U_i × x_i).
    """
    if not dist or value != 0 or pct is not None or lower is None or upper is None or not upper > lower:
        return 0.0
    return (float(upper) - float(lower)) / 2


@dataclass
class Inputs:
    """Independent uncertain inputs: multiplier law, the half-width ``u_pct`` (Approach 1) and,
    for an absolute input (value 0 with an interval), the ``scale`` its multiplier is relative to
    (0 for the others)."""

    dist: np.ndarray  # int8 codes
    p1: np.ndarray
    p2: np.ndarray
    p3: np.ndarray
    u_pct: np.ndarray
    scale: np.ndarray | None = None  # float64, > 0 for an absolute input [unit of its value]

    def __post_init__(self):
        if self.scale is None:
            self.scale = np.zeros(self.dist.shape[0])

    @classmethod
    def from_specs(cls, specs: list[tuple]) -> Inputs:
        """``specs``: (value, dist, pct, lower, upper) per input."""
        rows = [multiplier_params(*s) for s in specs] or [(0, 0.0, 0.0, 0.0, 0.0)][:0]
        a = np.array(rows, dtype=np.float64).reshape(-1, 5)
        scale = np.array([absolute_scale(*s) for s in specs], dtype=np.float64)
        return cls(a[:, 0].astype(np.int8), a[:, 1].copy(), a[:, 2].copy(), a[:, 3].copy(), a[:, 4].copy(), scale)

    @property
    def absolute(self) -> np.ndarray:
        """Bool per input: an absolute input (value 0 with an interval; module docstring)."""
        return self.scale > 0

    @property
    def size(self) -> int:
        return int(self.dist.shape[0])


def _contributions(base, idx, pw, group, n_groups, n_inputs):
    """Dense (n_groups × n_inputs) Σ_t E_t over the terms of a group that use input p."""
    out = np.zeros((n_groups, max(n_inputs, 1)))
    for k in range(idx.shape[1]):
        used = idx[:, k] >= 0
        np.add.at(out, (group[used], idx[used, k]), base[used] * np.abs(pw[used, k]))
    return out


def approach1_level(base, idx, pw, group, n_groups, u_pct) -> np.ndarray:
    r"""Approach 1 level uncertainty per group of terms (Eqs 3.1–3.2).

    Terms that share an input are first summed per input (fully correlated), then the independent
    inputs combine in quadrature:

    .. math::

        U_S = \sqrt{\sum_p \Big(U_p \sum_{t \ni p} E_t\Big)^2} \Big/ |S|

    Parameters
    ----------
    base : numpy.ndarray
        Value of each term, E_t [t CO2e].
    idx : numpy.ndarray
        Input ids per term and slot (terms × slots); −1 for none.
    pw : numpy.ndarray
        Power of each input in its term (terms × slots), ±1.
    group : numpy.ndarray
        Group of each term (0 … n_groups − 1).
    n_groups : int
        Number of groups.
    u_pct : numpy.ndarray
        Half-width of each input's 95 % interval, U_p [%].

    Returns
    -------
    numpy.ndarray
        Level uncertainty per group [% of |S|, 95 % half-width]; NaN where S = 0.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1 Ch 3, Eqs 3.1–3.2.
    """
    base, idx, pw, group = np.asarray(base, float), np.asarray(idx), np.asarray(pw), np.asarray(group)
    contrib = _contributions(base, idx, pw, group, n_groups, len(u_pct))
    var = ((contrib[:, : len(u_pct)] * np.asarray(u_pct)[None, :]) ** 2).sum(axis=1)
    s = np.bincount(group, weights=base, minlength=n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s != 0, np.sqrt(var) / np.abs(s), np.nan)


def approach1_trend(c_contrib, d_contrib, s0, st, u_pct) -> np.ndarray:
    r"""Approach 1 trend uncertainty per group (Table 3.2, Type A sensitivity per input).

    For each independent input p with contributions D_p (year t) and C_p (base year)

    .. math::

        A_p = \left[\frac{0.01 D_p + S_t - (0.01 C_p + S_0)}{0.01 C_p + S_0} - \frac{S_t - S_0}{S_0}\right] \times 100,
        \qquad U_\tau = \sqrt{\sum_p (A_p U_p)^2}

    Parameters
    ----------
    c_contrib : numpy.ndarray
        Contribution of each input in the base year, C_p (groups × inputs) [t CO2e].
    d_contrib : numpy.ndarray
        Contribution of each input in year t, D_p (groups × inputs) [t CO2e].
    s0 : numpy.ndarray
        Group totals in the base year, S_0 [t CO2e].
    st : numpy.ndarray
        Group totals in year t, S_t [t CO2e].
    u_pct : numpy.ndarray
        Half-width of each input's 95 % interval, U_p [%].

    Returns
    -------
    numpy.ndarray
        Uncertainty of the trend S_t / S_0 − 1 per group [percentage points]; NaN where S_0 = 0.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1 Ch 3, Table 3.2 and §3.7.1.
    """
    s0 = np.asarray(s0, float)[:, None]
    st = np.asarray(st, float)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        a = ((0.01 * d_contrib + st - (0.01 * c_contrib + s0)) / (0.01 * c_contrib + s0) - (st - s0) / s0) * 100
        a = np.where((c_contrib == 0) & (d_contrib == 0), 0.0, a)
        out = np.sqrt(((a * np.asarray(u_pct)[None, :]) ** 2).sum(axis=1))
    return np.where(s0[:, 0] != 0, out, np.nan)


def monte_carlo(base, idx, pw, leaf, n_leaves, inputs: Inputs, draws: int, seed: int, threads: int = 2) -> np.ndarray:
    """Seeded Monte Carlo (Approach 2): the sums of the terms per leaf, one row per iteration.

    Every input is drawn once per iteration (:func:`multiplier_params`); each term is its value
    times the product of its inputs' multipliers (to their powers). Blocks of
    :data:`~ghginv.kernels.montecarlo.BLOCK` draws run on ``threads`` threads (the kernel releases
    the GIL); the result does not depend on ``threads``.

    Parameters
    ----------
    base : numpy.ndarray
        Value of each term [t CO2e in the inventory; the sums take the unit of ``base``].
    idx : numpy.ndarray
        Input ids per term and slot (terms × slots); −1 for none.
    pw : numpy.ndarray
        Power of each input in its term (terms × slots), ±1.
    leaf : numpy.ndarray
        Leaf of each term (0 … n_leaves − 1).
    n_leaves : int
        Number of leaves.
    inputs : Inputs
        The independent inputs' multiplier laws.
    draws : int
        Number of iterations.
    seed : int
        Seed; block b draws from :func:`~ghginv.kernels.montecarlo.block_seed` (seed, b).
    threads : int, default 2
        Threads; without the JIT, one.

    Returns
    -------
    numpy.ndarray
        Leaf sums per iteration (draws × n_leaves) [unit of ``base``].

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1 Ch 3, §3.2.3 (Approach 2, Monte Carlo simulation).
    """
    base = np.ascontiguousarray(base, np.float64)
    idx = np.ascontiguousarray(idx, np.int64)
    pw = np.ascontiguousarray(pw, np.int8)
    leaf = np.ascontiguousarray(leaf, np.int64)
    out = np.empty((draws, n_leaves), np.float64)
    blocks = [(b, b * BLOCK, min(draws, (b + 1) * BLOCK)) for b in range((draws + BLOCK - 1) // BLOCK)]
    args = (inputs.dist, inputs.p1, inputs.p2, inputs.p3)

    def run(blk):
        b, d0, d1 = blk
        chunk = np.empty((d1 - d0, n_leaves), np.float64)
        mc_block(base, idx, pw, leaf, n_leaves, *args, block_seed(seed, b), d1 - d0, chunk)
        out[d0:d1] = chunk

    if threads > 1 and len(blocks) > 1 and not numba.config.DISABLE_JIT:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(run, blocks))
    else:  # without the JIT the kernel uses numpy's global generator: one thread
        for blk in blocks:
            run(blk)
    return out
