"""Solid waste disposal, first-order decay (2006 IPCC GL Vol 5 Ch 3): reference cases R5, R6.

R5 and R6 are in ../shared/reference-cases.md; the bonsai_ipcc re-computation is §1.9 of
../shared/waste-ippu-energy-facts.md (a D value: regression check, not an IPCC-published number).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.core.errors import GhgInvError, ValidationError
from ghginv.methods.waste import first_order_decay

K = 0.185
LONG = 400  # years: e^{-0.185 * 400} is far below float resolution


def pulse(n=LONG, amount=100.0):
    d = np.zeros(n)
    d[0] = amount
    return d


@pytest.mark.nojit
def test_r5_waste_model_convention():
    """R5: DDOCm 100 Gg, k 0.185, F 0.5, OX 0 — the Waste Model convention (6-month delay, M = 13)."""
    r = first_order_decay(pulse(), np.arange(LONG), doc=1, docf=1, mcf=1, f=0.5, k=K, ox=0, recovery=0, delay_months=6)
    assert r.ddocm_decomposed[0, 0] == 0.0  # the deposit year: nothing decays yet
    assert r.ddocm_decomposed[0, 1] == pytest.approx(16.890, abs=5e-4)
    assert r.ch4_generated[0, 1] == pytest.approx(11.260, abs=5e-4)
    assert r.ch4_emitted[0, 1] == r.ch4_generated[0, 1]
    assert r.ch4_generated.sum() == pytest.approx(66.667, abs=5e-4)
    assert r.ch4_generated.sum() == pytest.approx(100 * 0.5 * 16 / 12, rel=1e-12)
    # half-life 3.747 yr: the pool after whole years follows 100 e^{-k t}
    half = math.log(2) / K
    assert half == pytest.approx(3.747, abs=5e-4)
    acc = r.ddocm_accumulated[0]
    assert acc[1] == pytest.approx(100 * math.exp(-K), rel=1e-12)
    t = np.arange(1, 30)
    np.testing.assert_allclose(acc[t], 100 * np.exp(-K * t), rtol=1e-12)
    assert acc[3] > 50 > acc[4]  # t½ = 3.747 lies between year 3 and 4 of decay


@pytest.mark.nojit
def test_r5_analytic_no_delay():
    """R5 as the analytic pulse: deposited 1 January, no delay — year j decomposes 100 e^{-kj}(1 − e^{-k})."""
    r = first_order_decay(pulse(), np.arange(LONG), 1, 1, 1, 0.5, K, 0, 0, delay_months=0, deposit_month=1)
    j = np.arange(60)
    np.testing.assert_allclose(r.ddocm_decomposed[0, j], 100 * np.exp(-K * j) * (1 - math.exp(-K)), rtol=1e-12)
    assert r.ddocm_decomposed[0, 0] == pytest.approx(16.890, abs=5e-4)
    assert r.ch4_generated[0, 0] == pytest.approx(11.260, abs=5e-4)
    assert r.ch4_generated.sum() == pytest.approx(66.667, abs=5e-4)


@pytest.mark.nojit
def test_mid_year_deposit_without_delay_integrates_the_exponential():
    """Annex 3A.1 with M = 7: half a year of decay in the deposit year, then whole years."""
    r = first_order_decay(pulse(), np.arange(LONG), 1, 1, 1, 0.5, K, 0, 0, delay_months=0)
    assert r.ddocm_decomposed[0, 0] == pytest.approx(100 * (1 - math.exp(-K / 2)), rel=1e-12)
    j = np.arange(1, 40)
    np.testing.assert_allclose(r.ddocm_decomposed[0, j], 100 * np.exp(-K * (j - 0.5)) * (1 - math.exp(-K)), rtol=1e-12)
    assert r.ddocm_decomposed.sum() == pytest.approx(100, rel=1e-12)


@pytest.mark.nojit
def test_longer_delay_waits_whole_years():
    """A 12-month delay after a mid-year deposit starts decay on 1 July of the next year."""
    r = first_order_decay(pulse(50), np.arange(50), 1, 1, 1, 0.5, K, 0, 0, delay_months=12)
    assert r.ddocm_decomposed[0, 0] == 0.0
    assert r.ddocm_decomposed[0, 1] == pytest.approx(100 * (1 - math.exp(-K / 2)), rel=1e-12)
    assert r.ddocm_accumulated[0, 0] == 100.0


def test_equations_3_4_3_5_recursion_with_a_deposit_history():
    """Default convention = Eqs 3.4/3.5: DDOCma_T = DDOCmd_T + DDOCma_{T−1} e^{−k}; decomp_T = DDOCma_{T−1}(1 − e^{−k})."""
    rng = np.random.default_rng(7)
    dep = rng.uniform(0, 50, size=(3, 40))
    doc, docf, mcf, k = np.array([0.15, 0.40, 0.43]), 0.5, 1.0, np.array([0.185, 0.06, 0.03])
    r = first_order_decay(dep, np.arange(1980, 2020), doc, docf, mcf, 0.5, k, 0, 0)
    for i in range(3):
        dd = dep[i] * doc[i] * docf * mcf
        acc, prev = np.zeros(40), 0.0
        for t in range(40):
            dec = prev * (1 - math.exp(-k[i]))
            assert r.ddocm_decomposed[i, t] == pytest.approx(dec, rel=1e-12, abs=1e-12)
            prev = dd[t] + prev * math.exp(-k[i])
            acc[t] = prev
        np.testing.assert_allclose(r.ddocm_accumulated[i], acc, rtol=1e-12)


def test_bonsai_food_waste_recomputation():
    """Facts §1.9 (D): 2300.322 Gg/yr food waste 1950–1959, DOC 0.15, DOCf 0.7, MCF 0.705, k 0.185 → 92.0438 Gg CH4 in 1959."""
    dep = np.full(10, 2300.322)
    r = first_order_decay(dep, np.arange(1950, 1960), 0.15, 0.7, 0.705, 0.5, 0.185, 0, 0)
    assert r.ddocm_deposited[0, 0] == pytest.approx(170.28134, abs=5e-6)
    assert r.ddocm_accumulated[0, -2] == pytest.approx(817.46122, abs=5e-6)
    assert r.ddocm_decomposed[0, -1] == pytest.approx(138.06570, abs=5e-6)
    assert r.ch4_generated[0, -1] == pytest.approx(92.0438, abs=5e-5)
    r06 = first_order_decay(dep, np.arange(1950, 1960), 0.15, 0.5, 1.0, 0.5, 0.185, 0, 0)
    assert r06.ch4_generated[0, -1] == pytest.approx(93.2561, abs=5e-5)


@pytest.mark.nojit
def test_r6_carbon_balance():
    """R6: DDOCm 100, F 0.5, recovery 0.1, OX 0.1 — C(CH4 emitted + oxidised + recovered) = F × C decomposed."""
    r = first_order_decay(pulse(), np.arange(LONG), 1, 1, 1, 0.5, K, ox=0.1, recovery=0.1)
    c_ch4 = (r.ch4_emitted + r.ch4_oxidised + r.ch4_recovered) * 12 / 16
    np.testing.assert_allclose(c_ch4, 0.5 * r.ddocm_decomposed, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(c_ch4 + r.co2_lfg * 12 / 44, r.ddocm_decomposed, rtol=1e-12, atol=1e-15)
    assert r.ddocm_decomposed.sum() == pytest.approx(100, rel=1e-12)
    # year 1: 11.260 generated, 1.126 recovered, 1.0134 oxidised, 9.1206 emitted
    assert r.ch4_recovered[0, 1] == pytest.approx(0.1 * 11.25971, rel=1e-6)
    assert r.ch4_emitted[0, 1] == pytest.approx(11.25971 * 0.9 * 0.9, rel=1e-6)


deposit_arrays = st.lists(st.floats(0, 1e4, allow_nan=False), min_size=1, max_size=30)


@settings(max_examples=60, deadline=None)
@given(deposit_arrays, st.floats(0.05, 1.0), st.floats(0, 1), st.floats(0, 1), st.floats(0, 24))
def test_prop_carbon_balance_and_mass(dep, k, ox, rec, delay):
    dep = np.array(dep + [0.0] * 800)  # e^{-0.05 × 800} ≈ 4e-18: everything has decayed
    r = first_order_decay(dep, np.arange(dep.size), 0.2, 0.5, 0.8, 0.5, k, ox, rec, delay)
    np.testing.assert_allclose((r.ch4_emitted + r.ch4_oxidised + r.ch4_recovered) * 12 / 16, 0.5 * r.ddocm_decomposed, rtol=1e-9, atol=1e-9)
    # deposited = still in the site + decomposed, every year
    np.testing.assert_allclose(np.cumsum(r.ddocm_deposited[0]), r.ddocm_accumulated[0] + np.cumsum(r.ddocm_decomposed[0]), rtol=1e-9, atol=1e-6)
    total = r.ddocm_deposited.sum()
    assert r.ch4_generated.sum() == pytest.approx(total * 0.5 * 16 / 12, rel=1e-9, abs=1e-9)  # all years: DDOCm × F × 16/12
    assert (r.ch4_emitted >= 0).all()


@settings(max_examples=40, deadline=None)
@given(deposit_arrays, st.floats(0, 1e3), st.floats(0.01, 0.7))
def test_prop_linear_in_deposits(dep, c, k):
    a = np.array(dep)
    b = np.roll(a, 1) + 1.0
    years = np.arange(a.size)
    args = (0.15, 0.5, 1.0, 0.5, k, 0.1, 0.2)
    ra, rb = first_order_decay(a, years, *args), first_order_decay(b, years, *args)
    rab = first_order_decay(c * a + b, years, *args)
    np.testing.assert_allclose(rab.ch4_emitted, c * ra.ch4_emitted + rb.ch4_emitted, rtol=1e-9, atol=1e-9)


def test_types_are_independent():
    dep = np.array([[10.0, 5, 0, 2], [1, 0, 3, 0]])
    both = first_order_decay(dep, np.arange(2000, 2004), [0.15, 0.4], 0.5, 1, 0.5, [0.185, 0.06], 0, 0)
    one = first_order_decay(dep[1], np.arange(2000, 2004), 0.4, 0.5, 1, 0.5, 0.06, 0, 0)
    np.testing.assert_array_equal(both.ch4_emitted[1], one.ch4_emitted[0])
    np.testing.assert_array_equal(both.total(), both.ch4_emitted.sum(axis=0))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"deposits_gg": [1.0, -2.0, 3.0]}, "year 2001 must be finite and ≥ 0"),
        ({"deposits_gg": [1.0, float("nan"), 3.0]}, "finite"),
        ({"years": np.array([2000, 2001, 2003])}, "missing history year"),
        ({"years": np.array([2000, 2001])}, "integer years"),
        ({"k": 0.0}, "k must lie in"),
        ({"mcf": 1.5}, "mcf must lie in"),
        ({"doc": [0.1, 0.2]}, "one value per waste type"),
        ({"recovery": [0.1, 0.2]}, "one value per year"),
        ({"delay_months": -1}, "delay_months"),
    ],
)
def test_bad_input(kwargs, match):
    args = dict(deposits_gg=[1.0, 2.0, 3.0], years=np.array([2000, 2001, 2002]), doc=0.15, docf=0.5, mcf=1.0, f=0.5, k=0.185, ox=0.0, recovery=0.0,
        delay_months=6)
    args.update(kwargs)
    with pytest.raises(ValidationError, match=match) as e:
        first_order_decay(**args)
    assert isinstance(e.value, GhgInvError)


def test_wastewater_ch4_pathway_mix():
    """Vol 5 Ch 6: CH4 = Σ (TOW − S) × share_j × Bo × MCF_j − R; Bo 0.6 kg CH4/kg BOD, septic MCF 0.5, aerobic 0."""
    from ghginv.methods.waste import wastewater_ch4

    assert wastewater_ch4(1000.0, 0.6, [0.5, 0.0], shares=[0.6, 0.4]) == pytest.approx(1000 * 0.6 * 0.6 * 0.5)
    assert wastewater_ch4(1000.0, 0.6, 0.5, sludge_kg_bod=100.0, recovered_kg_ch4=20.0) == pytest.approx(900 * 0.3 - 20)
    with pytest.raises(ValidationError, match="add up to 1"):
        wastewater_ch4(1000.0, 0.6, [0.5, 0.0], shares=[0.6, 0.6])
