"""Waste methods that are more than activity × factor (2006 IPCC GL Vol 5).

Solid waste disposal (4.A) — first-order decay
==============================================

:func:`first_order_decay` is the public entry point (``from ghginv.methods.waste import
first_order_decay``; deliberately not in ``ghginv.__all__``). Per waste type and year::

    DDOCm_d      = W × DOC × DOCf × MCF                                     (Eq 3.2)
    DDOCma, decomposed: the first-order decay of ghginv.kernels.waste        (Eqs 3.4, 3.5; Annex 3A.1)
    CH4 generated = decomposed × F × 16/12                                  (Eq 3.6)
    CH4 recovered = recovery × CH4 generated
    CH4 emitted   = (CH4 generated − CH4 recovered) × (1 − OX)              (Eq 3.1)

Timing. A year's deposit is taken to arrive on average at month ``deposit_month`` (default 7,
i.e. 1 July, the IPCC Waste Model's assumption) and to start decaying ``delay_months`` later:
decay starts at month M = deposit_month + delay_months of the deposit year (Annex 3A.1; M = 13
is 1 January of the next year). Two conventions are tested:

* **IPCC Waste Model** (the default): ``delay_months = 6`` (EFDB 615110) → M = 13, so nothing of
  a deposit decays in its own year and the deposit of year T decays from year T+1 on — exactly
  Eqs 3.4–3.5 of the main text.
* **analytic, no delay**: ``deposit_month = 1, delay_months = 0`` → M = 1, a pulse at 1 January
  that decays at once: year j after the deposit (j = 0, 1, …) decomposes
  DDOCm × e^{−kj} × (1 − e^{−k}). Reference case R5 (DDOCm 100 Gg, k 0.185) counts its first
  decay year as "year 1": 16.890 Gg decomposed → 11.260 Gg CH4. The Waste Model convention gives
  the same number in the calendar year after the deposit.

``recovery`` is the fraction of the CH4 generated that is recovered (flared or used), not an
amount: the IPCC's R_T divided by the generation. Carbon balance (reference case R6): carbon in
CH4 emitted + CH4 oxidised + CH4 recovered = F × carbon decomposed; the other (1 − F) leaves as
biogenic CO2 in landfill gas (``co2_lfg``, not reported).

Integration into ``ghginv compile`` (stage ``waste``)
=====================================================

Activity rows in ``4.A.1`` (managed), ``4.A.2`` (unmanaged) or ``4.A.3`` (uncategorised) with a
mass unit (t, Gg, 10^4 t …) and an activity that is a waste type of a ``waste_parameters.csv``
(``msw_food``, ``msw_paper``, ``msw_textiles``, ``msw_wood``, ``msw_garden``, ``msw_nappies``,
``msw_bulk``) are *deposits*, one row per year deposited (wet weight). They do not go through
activity × factor: :func:`ghginv.methods.waste_fod.split_deposits` takes them out of the cube cells, and
:func:`ghginv.methods.waste_fod.fod_emissions` computes CH4 emitted per inventory year from the
whole history of each (region, sector, waste type), with DOC, DOCf, MCF, F, OX, k and the delay
from the run's waste parameters and the ``[waste]`` table of the inventory TOML (climate zone,
recovery, OX and MCF overrides).

With ``[inventory] years`` and a waste set in the run, the cube stage keeps 4.A rows of every
year before the first inventory year (``ghginv.pipeline.activity._drop_early_non_deposits`` drops the
other early cells and takes them out of the conservation tally), so the history is complete;
the waste stage reports only inventory years. The manifest's ``waste.first_deposit_year`` shows
where the history starts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import ValidationError
from ..kernels.waste import fod_decay

__all__ = ["first_order_decay", "FodResult", "wastewater_ch4", "CH4_C", "WASTE_MODEL_DELAY_MONTHS"]

CH4_C = 16.0 / 12.0  # molecular weight ratio CH4/C (Eq 3.6)
CO2_C = 44.0 / 12.0
WASTE_MODEL_DELAY_MONTHS = 6.0  # EFDB 615110, 2006 IPCC GL Vol 5 p. 3.19


@dataclass(frozen=True)
class FodResult:
    """First-order decay results; every array is n_types × n_years, Gg, in the order of ``years``."""

    years: np.ndarray
    ddocm_deposited: np.ndarray
    ddocm_decomposed: np.ndarray
    ddocm_accumulated: np.ndarray  # end of year, including deposits still waiting to decay
    ch4_generated: np.ndarray
    ch4_recovered: np.ndarray
    ch4_oxidised: np.ndarray
    ch4_emitted: np.ndarray
    co2_lfg: np.ndarray  # biogenic CO2 in landfill gas, (1 − F) of the carbon decomposed

    def total(self, name: str = "ch4_emitted") -> np.ndarray:
        """A result summed over waste types, per year."""
        return getattr(self, name).sum(axis=0)


def _as_types(name, value, n_types):
    a = np.asarray(value, dtype=np.float64)
    if a.ndim == 0:
        return np.full(n_types, float(a))
    if a.shape != (n_types,):
        raise ValidationError(f"{name} must be a number or one value per waste type ({n_types}), got shape {a.shape}")
    return a.copy()


def _as_grid(name, value, n_types, n_years):
    """Scalar, one value per year, or n_types × n_years."""
    a = np.asarray(value, dtype=np.float64)
    if a.ndim == 1 and a.shape == (n_years,):
        a = a[None, :]
    try:
        return np.broadcast_to(a, (n_types, n_years)).astype(np.float64)
    except ValueError:
        raise ValidationError(f"{name} must be a number, one value per year ({n_years}) or types × years, got shape {a.shape}") from None


def _check(name, a, lo, hi, lo_open=False):
    bad = ~np.isfinite(a) | (a < lo) | (a > hi) | ((a == lo) if lo_open else False)
    if bad.any():
        v = a[bad].flat[0]
        rng = f"({lo}, {hi}]" if lo_open else f"[{lo}, {hi}]"
        raise ValidationError(f"{name} must lie in {rng}, got {v!r}")


def first_order_decay(deposits_gg, years, doc, docf, mcf, f, k, ox, recovery, delay_months=WASTE_MODEL_DELAY_MONTHS,
                      *, deposit_month: int = 7) -> FodResult:
    r"""CH4 from solid waste disposal by first-order decay (2006 IPCC GL Vol 5 Ch 3).

    Per waste type and year the decomposable DOC deposited, DDOCm = W × DOC × DOCf × MCF (Eq 3.2),
    decays by first order (Eqs 3.4–3.5, Annex 3A.1); the CH4 generated is the DDOCm decomposed
    × F × 16/12 (Eq 3.6), and

    .. math::

        CH_4^{emitted} = (CH_4^{generated} - R) \times (1 - OX)

    (Eq 3.1), with R = ``recovery`` × CH4 generated. Timing conventions (when a deposit starts to
    decay) and the reference cases: module docstring.

    Parameters
    ----------
    deposits_gg : array_like of float
        Waste deposited per year [Gg wet weight], one row per waste type (n_types × n_years) or a
        single type (n_years); finite and ≥ 0.
    years : array_like of int
        Consecutive calendar years, one per column; results cover exactly these years (append years
        with zero deposit to see the tail).
    doc : float or array_like of float
        Degradable organic carbon, DOC [fraction of wet weight]; a number or one value per waste type.
    docf : float or array_like of float
        Fraction of DOC that decomposes, DOCf [fraction]; a number or one value per waste type.
    mcf : float or array_like of float
        Methane correction factor, MCF [fraction]; a number, one value per year, or types × years.
    f : float or array_like of float
        Fraction of CH4 in the landfill gas generated, F [fraction]; as ``mcf``.
    k : float or array_like of float
        Decay rate constant [1/yr], in (0, 10]; a number or one value per waste type.
    ox : float or array_like of float
        Oxidation factor, OX [fraction]; as ``mcf``.
    recovery : float or array_like of float
        CH4 recovered, flared or used [fraction of the CH4 generated]; as ``mcf``.
    delay_months : float, default :data:`WASTE_MODEL_DELAY_MONTHS` (6)
        Delay between the average deposit month and the start of decay [months], 0–1200.
    deposit_month : int, default 7
        Average month of deposit (1–12); 7 with ``delay_months = 6`` gives the IPCC Waste Model.

    Returns
    -------
    FodResult
        Per waste type and year (n_types × n_years) [Gg]: DDOCm deposited, decomposed and accumulated,
        CH4 generated, recovered, oxidised and emitted, and the biogenic CO2 in landfill gas.

    Raises
    ------
    ValidationError
        An array of the wrong shape, a value out of its range, a negative or non-finite deposit, or
        years that are not consecutive integers.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 5 Ch 3,
       Eqs 3.1, 3.2, 3.4–3.6 and Annex 3A.1; delay: EFDB 615110 (Vol 5 p. 3.19).
    """
    dep = np.asarray(deposits_gg, dtype=np.float64)
    if dep.ndim == 1:
        dep = dep[None, :]
    if dep.ndim != 2:
        raise ValidationError(f"deposits_gg must be n_years or n_types × n_years, got shape {dep.shape}")
    n_types, n_years = dep.shape
    yrs = np.asarray(years)
    if yrs.shape != (n_years,) or not np.issubdtype(yrs.dtype, np.integer):
        raise ValidationError(f"years must be {n_years} integer years, one per deposit column, got {yrs!r}")
    if n_years > 1:
        gaps = np.nonzero(np.diff(yrs) != 1)[0]
        if gaps.size:
            i = gaps[0]
            raise ValidationError(f"years must be consecutive: {int(yrs[i])} is followed by {int(yrs[i + 1])} (missing history year)")
    bad = ~np.isfinite(dep) | (dep < 0)
    if bad.any():
        t, y = np.argwhere(bad)[0]
        raise ValidationError(f"deposit of waste type {t} in year {int(yrs[y])} must be finite and ≥ 0, got {dep[t, y]!r}")
    doc_a, docf_a, k_a = _as_types("doc", doc, n_types), _as_types("docf", docf, n_types), _as_types("k", k, n_types)
    _check("doc", doc_a, 0, 1)
    _check("docf", docf_a, 0, 1)
    _check("k", k_a, 0, 10, lo_open=True)
    grids = {n: _as_grid(n, v, n_types, n_years) for n, v in (("mcf", mcf), ("f", f), ("ox", ox), ("recovery", recovery))}
    for n, g in grids.items():
        _check(n, g, 0, 1)
    if not (isinstance(deposit_month, (int, np.integer)) and 1 <= deposit_month <= 12):
        raise ValidationError(f"deposit_month must be a month 1–12, got {deposit_month!r}")
    delay = float(delay_months)
    if not np.isfinite(delay) or delay < 0 or delay > 1200:
        raise ValidationError(f"delay_months must be between 0 and 1200, got {delay_months!r}")
    start = (deposit_month - 1 + delay) / 12.0  # years from 1 January of the deposit year

    ddocm = dep * doc_a[:, None] * docf_a[:, None] * grids["mcf"]
    decomposed = np.zeros_like(ddocm)
    accumulated = np.zeros_like(ddocm)
    fod_decay(np.ascontiguousarray(ddocm), k_a, start, decomposed, accumulated)
    gen = decomposed * grids["f"] * CH4_C
    rec = gen * grids["recovery"]
    oxid = (gen - rec) * grids["ox"]
    return FodResult(
        years=yrs.astype(np.int64), ddocm_deposited=ddocm, ddocm_decomposed=decomposed, ddocm_accumulated=accumulated,
        ch4_generated=gen, ch4_recovered=rec, ch4_oxidised=oxid, ch4_emitted=gen - rec - oxid,
        co2_lfg=decomposed * (1.0 - grids["f"]) * CO2_C,
    )


def wastewater_ch4(tow_kg_bod, bo, mcf, shares=None, sludge_kg_bod=0.0, recovered_kg_ch4=0.0) -> float:
    r"""Domestic or industrial wastewater CH4 (2006 IPCC GL Vol 5 Ch 6).

    .. math::

        CH_4 = \sum_j (TOW - S) \times U_j T_j \times B_o \times MCF_j - R

    In ``ghginv compile`` the same arithmetic runs as activity × factor: TOW per pathway is the
    activity (unit kg, sector 4.D.1/4.D.2, e.g. activity ``wastewater_bod_septic``) and
    EF = Bo × MCF is a D row of ``ipcc2006_waste``.

    Parameters
    ----------
    tow_kg_bod : float
        Total organics in wastewater, TOW [kg BOD, or kg COD matching ``bo``].
    bo : float
        Maximum CH4 producing capacity, Bo [kg CH4 / kg BOD (or COD)].
    mcf : float or array_like of float
        Methane correction factor of each treatment pathway [fraction].
    shares : array_like of float, optional
        Fraction of TOW per treatment pathway (U_j T_j), one per value of ``mcf``, ≥ 0 and adding
        up to 1; default all in one pathway.
    sludge_kg_bod : float, default 0
        Organics removed as sludge, S [kg BOD (or COD)].
    recovered_kg_ch4 : float, default 0
        CH4 recovered, R [kg CH4].

    Returns
    -------
    float
        CH4 emitted [kg CH4], never below 0.

    Raises
    ------
    ValidationError
        ``shares`` and ``mcf`` of different lengths, shares that are negative or do not add up to
        1, S larger than TOW, or R < 0.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 5 Ch 6
       (wastewater treatment and discharge).
    """
    mcf_a = np.atleast_1d(np.asarray(mcf, dtype=np.float64))
    sh = np.ones(1) if shares is None else np.atleast_1d(np.asarray(shares, dtype=np.float64))
    if sh.shape != mcf_a.shape:
        raise ValidationError(f"shares and mcf need one value per pathway, got {sh.shape} and {mcf_a.shape}")
    if np.any(sh < 0) or abs(sh.sum() - 1.0) > 1e-9:
        raise ValidationError(f"pathway shares must be ≥ 0 and add up to 1, got {sh.tolist()}")
    net = float(tow_kg_bod) - float(sludge_kg_bod)
    if net < 0 or float(recovered_kg_ch4) < 0:
        raise ValidationError("TOW must be at least the organics removed as sludge, and recovery ≥ 0")
    return max(0.0, net * float(bo) * float((sh * mcf_a).sum()) - float(recovered_kg_ch4))
