"""Targets: R14 arithmetic, the constant-rate target path, evaluation, peak analysis."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.analysis.targets import (
    PeakParams,
    evaluate_targets,
    parse_targets,
    path_required_pct,
    peak_analysis,
    peak_status,
    reduction_met,
)
from ghginv.cli.report import targets_exit_code
from ghginv.core.errors import ConfigError


def test_r14_target_arithmetic():
    # reference-cases.md R14: energy target met if I1 / I0 ≤ 0.87 (−13 %); CO2 target met if ≤ 0.80 (−20 %)
    assert reduction_met(0.5000, 0.4350, 13)  # ratio 0.87 exactly
    assert not reduction_met(0.5000, 0.4351, 13)  # 0.8702
    assert reduction_met(1.2500, 1.0000, 20)  # 0.80 exactly
    assert not reduction_met(1.2500, 1.0001, 20)
    assert reduction_met(0.1132, 0.0984, 13)  # 0.8693 with 4-decimal intensities


def test_path_required_hand_values():
    # 1 − (1 − 0.20)^((2024 − 2020)/(2025 − 2020)) = 1 − 0.8^0.8 = 1 − 0.836512... = 16.3488 %
    assert path_required_pct(20, 2020, 2025, 2024) == pytest.approx(16.34884, abs=1e-5)
    # −13 % over five years, after two: 1 − 0.87^0.4 = 1 − exp(0.4 × ln 0.87) = 1 − 0.945818 = 5.4182 %
    assert path_required_pct(13, 2020, 2025, 2022) == pytest.approx(5.41817, abs=1e-5)
    assert path_required_pct(13, 2020, 2025, 2020) == 0.0
    assert path_required_pct(13, 2020, 2025, 2025) == pytest.approx(13.0)


@settings(max_examples=100, deadline=None)
@given(st.floats(0.1, 90.0), st.integers(1, 15), st.integers(0, 15))
def test_path_is_monotone_and_bounded(r, span, k):
    y0, T = 2020, 2020 + span
    y = y0 + min(k, span)
    p = path_required_pct(r, y0, T, y)
    assert -1e-9 <= p <= r + 1e-9
    if y < T:
        assert p <= path_required_pct(r, y0, T, y + 1) + 1e-12
    # constant rate: equal yearly ratios along the path
    if span >= 2:
        a = 1 - path_required_pct(r, y0, T, y0 + 1) / 100
        b = (1 - path_required_pct(r, y0, T, y0 + 2) / 100) / a
        assert a == pytest.approx(b, rel=1e-9)


def _ind(values: dict[int, float], indicator="co2_intensity", region="ALL"):
    return pl.DataFrame({"year": list(values), "region": [region] * len(values), "indicator": [indicator] * len(values),
                         "value": list(values.values())}).with_columns(pl.col("year").cast(pl.Int32))


def _t(**kw):
    base = {"kind": "co2_intensity", "base_year": 2020, "year": 2025, "reduction_pct": 20, "source": "test plan"}
    return parse_targets([{**base, **kw}], 2020)


def test_evaluation_before_and_at_the_target_year():
    peaks = pl.DataFrame()
    before = evaluate_targets(_t(), _ind({2020: 1.0, 2023: 0.86}), peaks).row(0, named=True)
    assert before["latest_year"] == 2023 and before["met"] is None
    assert before["achieved_pct"] == pytest.approx(14.0)
    assert before["path_required_pct"] == pytest.approx((1 - 0.8 ** 0.6) * 100)
    assert before["on_track"] is True and before["margin"] == pytest.approx(14.0 - (1 - 0.8 ** 0.6) * 100)
    at = evaluate_targets(_t(), _ind({2020: 1.0, 2025: 0.81, 2026: 0.5}), peaks).row(0, named=True)
    assert at["latest_year"] == 2025 and at["met"] is False and at["on_track"] is False
    ok = evaluate_targets(_t(), _ind({2020: 1.0, 2025: 0.80}), peaks).row(0, named=True)
    assert ok["met"] is True
    none = evaluate_targets(_t(), _ind({2021: 1.0}), peaks).row(0, named=True)
    assert none["base_value"] is None and none["on_track"] is None and none["source"] == "test plan"


def test_share_and_cap_targets():
    share = parse_targets([{"kind": "non_fossil_share", "base_year": 2020, "year": 2025, "min_share_pct": 42, "source": "s"}], 2020)
    r = evaluate_targets(share, _ind({2020: 32.0, 2024: 39.0}, "non_fossil_share_pct"), pl.DataFrame()).row(0, named=True)
    assert r["path_required_pct"] == pytest.approx(32 + 10 * 4 / 5) and r["on_track"] is False
    cap = parse_targets([{"kind": "emissions_cap", "base_year": 2020, "year": 2030, "cap_t_co2e": 900.0, "scope": "total_co2e", "source": "s"}], 2020)
    r = evaluate_targets(cap, _ind({2020: 1000.0, 2030: 899.0}, "co2e_gross_t"), pl.DataFrame()).row(0, named=True)
    assert r["required_pct"] == pytest.approx(10.0) and r["met"] is True


@pytest.mark.parametrize(
    "entry, needle",
    [
        ({"kind": "energy_intensity", "year": 2025, "reduction_pct": 13, "source": "x"}, "energy_variant"),
        ({"kind": "co2_intensity", "year": 2025, "reduction_pct": 13}, "needs a source"),
        ({"kind": "co2_intensity", "year": 2019, "reduction_pct": 13, "source": "x"}, "base_year"),
        ({"kind": "wishful", "year": 2025, "source": "x"}, "kind must be one of"),
        ({"kind": "co2_intensity", "year": 2025, "reduction_pct": -5, "source": "x"}, "reduction_pct"),
    ],
)
def test_bad_targets(entry, needle):
    with pytest.raises(ConfigError, match=needle):
        parse_targets([entry], 2020)


def test_peak_status():
    p = PeakParams(min_years_since_peak=2, plateau_pct=2.0, plateau_years=3)
    assert peak_status([2018, 2019, 2020, 2021, 2022], [90, 100, 97, 95, 92], p)["status"] == "peaked"
    assert peak_status([2018, 2019, 2020, 2021, 2022], [90, 100, 101, 100.5, 100.8], p)["status"] == "plateau"
    s = peak_status([2018, 2019, 2020, 2021, 2022], [90, 94, 97, 101, 105], p)
    assert s["status"] == "rising" and s["peak_year"] == 2022
    # peak only one year back: not yet "peaked" with N = 2
    assert peak_status([2019, 2020, 2021, 2022], [90, 96, 104, 99], p)["status"] != "peaked"
    assert peak_status([2019, 2020, 2021, 2022], [90, 96, 104, 99], PeakParams(1, 2.0, 3))["status"] == "peaked"


def test_peak_target_and_exit_code():
    ind = _ind({2020: 100.0, 2021: 104.0, 2022: 101.0, 2023: 98.0}, "co2_energy_t")
    peaks = peak_analysis(ind, PeakParams())
    t = parse_targets([{"kind": "peak", "before_year": 2030, "scope": "energy_co2", "source": "s"}], 2020)
    r = evaluate_targets(t, ind, peaks)
    assert r["on_track"][0] is True and r["met"][0] is None
    assert targets_exit_code(r) == 0
    bad = evaluate_targets(_t(), _ind({2020: 1.0, 2023: 0.99}), peaks)
    assert targets_exit_code(pl.concat([r, bad])) == 1
