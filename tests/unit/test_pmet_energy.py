"""P(met) of energy-intensity, non-fossil-share and peak targets (ghginv.uncertainty.targets).

Analytic case: coal 1000 t (2020) and 880 t (2021), 0.7143 kgce/kg (test set), GDP 1000 both years,
target −10 % energy intensity 2021 vs 2020, activity_pct 5 % (normal, each year an independent
source). Met when E1 ≤ 0.9 E0, and E1 − 0.9 E0 is normal with mean 880 − 900 = −20 t and standard
deviation σ √(880² + 900²), σ = 5 % / 1.96; so P(met) = Φ(20 / (σ √(880² + 900²))) ≈ 0.733 (the
indicator's 4-decimal rounding moves this by far less than the Monte Carlo error).
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from ghginv import compile_inventory
from ghginv.analysis.targets import PeakParams, peak_status
from ghginv.uncertainty.montecarlo import Z95
from ghginv.uncertainty.targets import _energy_multipliers, _term_draws, peak_ok

from conftest import make_factor_set, write_activity

SRC = "test document,table 1,S"


def _set(folder):
    return make_factor_set(
        folder,
        ef=[f"coal,*,*,,,CO2,2.0,t/t,{SRC}", f"electricity,*,*,,,CO2,0.0005,t/kWh,{SRC}"],
        conv=[f"coal,standard_coal,*,,,0.7143,kgce/kg,{SRC}", f"electricity,standard_coal,*,,,0.1229,kgce/kWh,{SRC}"],
        activities=["coal,Coal,煤,,solid", "electricity,Electricity,电力,,electricity"],
    )


def _compile(tmp_path, rows, targets, unc, out=None):
    act = write_activity(tmp_path / "a.parquet", rows)
    eco = tmp_path / "economy.csv"
    eco.write_text("year,region,gdp_const_10k_yuan,population,electricity_non_fossil_share\n"
                   "2020,ALL,1000,10000,0.5\n2021,ALL,1000,10000,0.5\n", encoding="utf-8")
    return compile_inventory(activity=[str(act)], factors=[str(_set(tmp_path / "s"))], gwp="AR5GWP100", base_year=2020,
                             extra={"economy": {"path": str(eco)}, "targets": targets, "uncertainty": unc}, out=out)


COAL = [dict(year=2020, region="R1", sector="1.A.4.b", activity="coal", amount=1000.0, unit="t"),
        dict(year=2021, region="R1", sector="1.A.4.b", activity="coal", amount=880.0, unit="t")]
EI = {"name": "energy intensity -10 %", "kind": "energy_intensity", "base_year": 2020, "year": 2021, "reduction_pct": 10,
      "energy_variant": "gross", "source": "test"}
CI = {"name": "co2 intensity -10 %", "kind": "co2_intensity", "base_year": 2020, "year": 2021, "reduction_pct": 10,
      "scope": "total_co2", "source": "test"}


def test_energy_intensity_p_met_matches_the_normal_approximation(tmp_path):
    draws = 10_000
    r = _compile(tmp_path, COAL, [EI, CI], {"activity_pct": {"default": 5.0}, "draws": draws, "seed": 42})
    t = r.analysis.targets
    ei = t.filter(pl.col("kind") == "energy_intensity").row(0, named=True)
    assert ei["met"] is True and ei["latest_value"] == pytest.approx(0.6286)
    sigma = 0.05 / Z95
    want = 0.5 * (1 + math.erf(20 / (sigma * math.hypot(880, 900)) / math.sqrt(2)))
    assert want == pytest.approx(0.733, abs=1e-3)
    se = math.sqrt(want * (1 - want) / draws)
    assert abs(ei["p_met"] - want) < 4 * se
    assert ei["p_on_track"] == ei["p_met"]
    # the CO2-intensity target moves with the same draws: the same event up to the 4-decimal rounding
    ci = t.filter(pl.col("kind") == "co2_intensity").row(0, named=True)
    assert abs(ci["p_met"] - ei["p_met"]) <= 0.002
    assert any("same activity draws" in n for n in r.analysis.notes)


def test_energy_terms_use_the_emission_draw_of_their_activity_source(tmp_path):
    r = _compile(tmp_path, COAL, [EI], {"activity_pct": {"default": 5.0}, "draws": 500, "seed": 1})
    from ghginv.analysis.indicators import settings_from_config
    from ghginv.uncertainty.energy import energy_terms

    unc = r.uncertainty
    et = energy_terms(r.cube.cells, r.sets, r.config.year_fallback, settings_from_config(r.config))
    assert et["energy_tce"].to_list() == pytest.approx([714.3, 628.584])
    shared, own = _energy_multipliers(unc.terms, unc.settings, et)
    assert own is None and (shared >= 0).all()
    draws, f = _term_draws(unc.terms, unc.settings, shared)
    for j, y in enumerate(et["year"].to_list()):
        k = f.filter(pl.col("year") == y, pl.col("gas") == "CO2")["_t"][0]
        np.testing.assert_allclose(draws[:, f.height + j], draws[:, k] / f["co2e_t"][k], rtol=1e-12)


def test_without_uncertain_inputs_the_probability_is_deterministic(tmp_path):
    fail = {**EI, "name": "energy intensity -20 %", "reduction_pct": 20}
    r = _compile(tmp_path, COAL, [EI, fail], {"draws": 200}, out=tmp_path / "run")
    t = r.analysis.targets
    assert t["p_met"].to_list() == [1.0, 0.0] and t["met"].to_list() == [True, False]
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert "<th>P(on track / met)</th>" in html.replace(' class=""', "") and ">1.000<" in html


def test_non_fossil_share_target_at_its_central_value_is_about_even(tmp_path):
    rows = [dict(year=y, region="R1", sector="1.A.4.b", activity=a, amount=v, unit=u)
            for y in (2020, 2021) for a, v, u in (("coal", 1000.0, "t"), ("electricity", 2e6 if y == 2020 else 3e6, "kWh"))]
    r0 = _compile(tmp_path / "a", rows, [], {"draws": 200})
    share = r0.analysis.indicators.filter(pl.col("indicator") == "non_fossil_share_pct", pl.col("year") == 2021)["value"][0]
    nf = {"name": "non-fossil", "kind": "non_fossil_share", "base_year": 2020, "year": 2021, "min_share_pct": share, "source": "test"}
    r = _compile(tmp_path / "b", rows, [nf], {"activity_pct": {"default": 5.0}, "draws": 4000, "seed": 7})
    row = r.analysis.targets.row(0, named=True)
    assert row["met"] is True
    assert 0.44 < row["p_met"] < 0.56


def test_vectorised_peak_rule_equals_peak_status():
    rng = np.random.default_rng(0)
    years = list(range(2018, 2025))
    v = 100 + np.cumsum(rng.normal(0, 3, size=(400, len(years))), axis=1)
    v[:50, -3:] = v[:50, -4:-3]  # some plateaus
    for p in (PeakParams(), PeakParams(min_years_since_peak=3, plateau_pct=1.0, plateau_years=4)):
        got = peak_ok(years, v, p, 2024)
        want = []
        for row in v:
            s = peak_status(years, row.tolist(), p)
            want.append(s["status"] in ("peaked", "plateau") and s["peak_year"] < 2024)
        assert got.tolist() == want
