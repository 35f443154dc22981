"""Target and peak verdicts (issue 16 item 6) and one rounding of one intensity (item 4).

Rules (docs/guides/targets.md, ghginv.analysis.targets):
a base value of 0 is judged without dividing by it; no non-fossil energy is a share of 0 %, not
empty; a target the run cannot evaluate is an error unless ``optional = true`` (then "no data" with
the reason); a peak target is never off track before its deadline; missing years inside a series
make the peak status undetermined with the reason; ``ghginv targets`` exits 2 / 1 / 0.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv import compile_inventory
from ghginv.analysis.targets import (
    STATUSES,
    PeakParams,
    check_evaluable,
    evaluate_targets,
    parse_targets,
    peak_analysis,
    peak_status,
)
from ghginv.cli.report import targets_exit_code
from ghginv.core.errors import ConfigError

from conftest import make_factor_set, write_activity

SRC = "test document,table 1,S"


def _set(folder):
    return make_factor_set(
        folder,
        ef=[f"coal,*,*,,,CO2,1.0,t/t,{SRC}", f"electricity,*,*,,,CO2,0.0005,t/kWh,{SRC}"],
        conv=[f"coal,standard_coal,*,,,0.7143,kgce/kg,{SRC}", f"electricity,standard_coal,*,,,0.1229,kgce/kWh,{SRC}"],
        activities=["coal,Coal,煤,,solid", "electricity,Electricity,电力,,electricity"],
    )


def _compile(tmp_path, rows, targets, economy: str, unc=None, out=None):
    tmp_path.mkdir(parents=True, exist_ok=True)
    act = write_activity(tmp_path / "a.parquet", rows)
    eco = tmp_path / "economy.csv"
    eco.write_text(economy, encoding="utf-8")
    extra = {"economy": {"path": str(eco)}, "targets": targets}
    if unc is not None:
        extra["uncertainty"] = unc
    return compile_inventory(activity=[str(act)], factors=[str(_set(tmp_path / "s"))], gwp="AR5GWP100", base_year=2020,
                             extra=extra, out=out)


def _rows(activity, amounts, unit, sector="1.A.4.b", region="R1"):
    return [dict(year=y, region=region, sector=sector, activity=activity, amount=v, unit=unit) for y, v in amounts.items()]


ECO_HEAD = "year,region,gdp_const_10k_yuan,population,electricity_non_fossil_share\n"


def _economy(years, share_all="", share_r1="", gdp=1000):
    return ECO_HEAD + "".join(f"{y},ALL,{gdp},10000,{share_all}\n{y},R1,{gdp},10000,{share_r1}\n" for y in years)


def _ind(values: dict[int, float], indicator="co2_intensity", region="ALL"):
    return pl.DataFrame({"year": list(values), "region": [region] * len(values), "indicator": [indicator] * len(values),
                         "value": list(values.values())}).with_columns(pl.col("year").cast(pl.Int32))


def _t(**kw):
    base = {"kind": "co2_intensity", "base_year": 2020, "year": 2025, "reduction_pct": 20, "source": "test plan"}
    return parse_targets([{**base, **kw}], 2020)


# -- base value 0 -----------------------------------------------------------------------------------------


def test_intensity_target_with_base_0_does_not_crash(tmp_path):
    # economy table with an ALL row and one region; all electricity non-fossil: the energy excluding
    # feedstock and non-fossil energy is 0 in both years. Before: ZeroDivisionError in reduction_met.
    ei = {"name": "ei", "kind": "energy_intensity", "base_year": 2020, "year": 2021, "reduction_pct": 10,
          "energy_variant": "excl_feedstock_nonfossil", "source": "t"}
    r = _compile(tmp_path, _rows("electricity", {2020: 1000.0, 2021: 1000.0}, "kWh"), [ei], _economy((2020, 2021), 1, 1))
    row = r.analysis.targets.row(0, named=True)
    assert row["base_value"] == 0.0 and row["latest_value"] == 0.0
    assert row["met"] is True and row["status"] == "met" and row["achieved_pct"] is None
    assert "base-year value is 0" in row["reason"]


def test_base_0_verdicts_without_division():
    peaks = pl.DataFrame()
    at = evaluate_targets(_t(), _ind({2020: 0.0, 2025: 0.0}), peaks).row(0, named=True)
    assert at["met"] is True and at["achieved_pct"] is None and at["margin"] is None
    up = evaluate_targets(_t(), _ind({2020: 0.0, 2025: 0.0001}), peaks).row(0, named=True)
    assert up["met"] is False and up["status"] == "not met"
    before = evaluate_targets(_t(), _ind({2020: 0.0, 2023: 0.0001}), peaks).row(0, named=True)
    assert before["on_track"] is False and before["status"] == "off track"
    cap = parse_targets([{"kind": "emissions_cap", "base_year": 2020, "year": 2030, "cap_t_co2e": 50.0, "scope": "total_co2e", "source": "s"}], 2020)
    c = evaluate_targets(cap, _ind({2020: 0.0, 2024: 40.0}, "co2e_gross_t"), peaks).row(0, named=True)
    assert c["on_track"] is True and c["required_pct"] is None and c["status"] == "on track"
    c = evaluate_targets(cap, _ind({2020: 0.0, 2030: 60.0}, "co2e_gross_t"), peaks).row(0, named=True)
    assert c["met"] is False


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["co2_intensity", "energy_intensity", "non_fossil_share", "emissions_cap"]),
       st.lists(st.sampled_from([0.0, 0.0001, 1.0, 50.0]), min_size=2, max_size=6))
def test_no_target_verdict_raises_and_every_status_is_known(kind, values):
    extra = {"co2_intensity": {"reduction_pct": 20}, "energy_intensity": {"reduction_pct": 20, "energy_variant": "gross"},
             "non_fossil_share": {"min_share_pct": 30}, "emissions_cap": {"cap_t_co2e": 10.0, "scope": "total_co2e"}}[kind]
    t = parse_targets([{"kind": kind, "base_year": 2020, "year": 2023, "source": "s", **extra}], 2020)
    name = {"co2_intensity": "co2_intensity", "energy_intensity": "energy_intensity_gross",
            "non_fossil_share": "non_fossil_share_pct", "emissions_cap": "co2e_gross_t"}[kind]
    r = evaluate_targets(t, _ind(dict(zip(range(2020, 2020 + len(values)), values)), name), pl.DataFrame()).row(0, named=True)
    assert r["status"] in STATUSES and r["status"] != "no data"
    assert (r["met"] is None) == (r["latest_year"] != 2023)


# -- no non-fossil energy ---------------------------------------------------------------------------------


def test_no_non_fossil_energy_is_a_share_of_0_and_not_met(tmp_path):
    nf = {"name": "nf", "kind": "non_fossil_share", "base_year": 2020, "year": 2021, "min_share_pct": 20, "source": "t"}
    coal = _rows("coal", {2020: 1000.0, 2021: 1000.0}, "t")
    # no electricity at all (and no share column): nothing non-fossil to count. Before: share, achieved, met empty.
    r = _compile(tmp_path / "a", coal, [nf], "year,region,gdp_const_10k_yuan,population\n2020,ALL,1000,10000\n2021,ALL,1000,10000\n"
                 "2020,R1,1000,10000\n2021,R1,1000,10000\n")
    row = r.analysis.targets.row(0, named=True)
    assert (row["base_value"], row["latest_value"], row["achieved_pct"], row["met"], row["status"]) == (0.0, 0.0, 0.0, False, "not met")
    # electricity with a share of 0 for the region, none for ALL: ALL's non-fossil energy is its regions' sum (0)
    mixed = coal + _rows("electricity", {2020: 1e6, 2021: 1e6}, "kWh")
    r = _compile(tmp_path / "b", mixed, [nf], _economy((2020, 2021), "", 0))
    row = r.analysis.targets.row(0, named=True)
    assert row["latest_value"] == 0.0 and row["met"] is False
    share = r.analysis.indicators.filter(pl.col("indicator") == "non_fossil_share_pct", pl.col("region") == "ALL")
    assert share["value"].to_list() == [0.0, 0.0]


def test_unknown_non_fossil_share_is_an_error_naming_the_column(tmp_path):
    nf = {"name": "nf 20 %", "kind": "non_fossil_share", "base_year": 2020, "year": 2021, "min_share_pct": 20, "source": "t"}
    mixed = _rows("coal", {2020: 1000.0, 2021: 1000.0}, "t") + _rows("electricity", {2020: 1e6, 2021: 1e6}, "kWh")
    with pytest.raises(ConfigError) as ei:
        _compile(tmp_path, mixed, [nf], _economy((2020, 2021)))
    msg = str(ei.value) + " ".join(str(p) for p in ei.value.problems)
    assert "nf 20 %" in msg and "electricity_non_fossil_share" in msg and "optional = true" in msg


# -- targets the run cannot evaluate ----------------------------------------------------------------------


def test_target_outside_the_run_is_an_error_unless_optional(tmp_path):
    ci = {"name": "CO2 intensity -10 %", "kind": "co2_intensity", "base_year": 2020, "year": 2025, "reduction_pct": 10,
          "scope": "energy_co2", "source": "t"}
    coal = _rows("coal", {2024: 900.0}, "t")
    eco = _economy((2020, 2024))
    with pytest.raises(ConfigError) as ei:
        _compile(tmp_path / "a", coal, [ci], eco, out=tmp_path / "a" / "run")
    msg = str(ei.value) + " ".join(str(p) for p in ei.value.problems)
    assert "CO2 intensity -10 %" in msg and "base year 2020 is not in the run" in msg
    assert not (tmp_path / "a" / "run").exists()  # nothing written
    r = _compile(tmp_path / "b", coal, [{**ci, "optional": True}], eco, out=tmp_path / "b" / "run")
    row = r.analysis.targets.row(0, named=True)
    assert row["status"] == "no data" and row["optional"] is True and "base year 2020" in row["reason"]
    assert targets_exit_code(r.analysis.targets) == 0


def test_optional_must_be_a_boolean():
    with pytest.raises(ConfigError) as ei:
        _t(optional="yes")
    assert "optional" in " ".join(str(p) for p in ei.value.problems)


def test_missing_target_year_when_the_run_goes_beyond_it():
    tg = evaluate_targets(_t(), _ind({2020: 1.0, 2024: 0.9, 2026: 0.7}), pl.DataFrame())
    assert tg["status"][0] == "no data" and "target year 2025" in tg["reason"][0]
    with pytest.raises(ConfigError, match="cannot be evaluated"):
        check_evaluable(tg)


def test_targets_exit_codes():
    peaks = pl.DataFrame()
    on = evaluate_targets(_t(), _ind({2020: 1.0, 2023: 0.8}), peaks)
    off = evaluate_targets(_t(), _ind({2020: 1.0, 2023: 0.99}), peaks)
    gone = evaluate_targets(_t(), _ind({2021: 1.0}), peaks)
    gone_opt = evaluate_targets(_t(optional=True), _ind({2021: 1.0}), peaks)
    assert targets_exit_code(on) == 0 and targets_exit_code(off) == 1
    assert targets_exit_code(gone) == 2 and targets_exit_code(pl.concat([off, gone])) == 2
    assert targets_exit_code(pl.concat([on, gone_opt])) == 0
    # a run folder written before the status column: a row without any value is "no data"
    old = pl.concat([on, gone]).drop("status", "reason", "optional")
    assert targets_exit_code(old) == 2 and targets_exit_code(old.head(1)) == 0


# -- peak: deadline and missing years ---------------------------------------------------------------------


def _peak_target(before=2030):
    return parse_targets([{"kind": "peak", "before_year": before, "scope": "energy_co2", "source": "s"}], 2020)


def test_peak_target_is_not_off_track_before_its_deadline():
    ind = _ind({2020: 100.0, 2021: 105.0, 2022: 110.0, 2023: 115.0, 2024: 120.0}, "co2_energy_t")
    peaks = peak_analysis(ind, PeakParams())
    assert peaks["status"][0] == "rising"
    r = evaluate_targets(_peak_target(2030), ind, peaks).row(0, named=True)
    assert r["on_track"] is None and r["status"] == "pending" and "2030" in r["reason"]
    assert targets_exit_code(evaluate_targets(_peak_target(2030), ind, peaks)) == 0
    # at its deadline the same series is not met
    at = evaluate_targets(_peak_target(2024), ind, peaks).row(0, named=True)
    assert at["met"] is False and at["status"] == "not met"


@settings(max_examples=80, deadline=None)
@given(st.lists(st.floats(1.0, 1000.0), min_size=2, max_size=8), st.integers(1, 10))
def test_peak_target_before_its_deadline_is_never_off_track(values, ahead):
    years = list(range(2020, 2020 + len(values)))
    ind = _ind(dict(zip(years, values)), "co2_energy_t")
    r = evaluate_targets(_peak_target(years[-1] + ahead), ind, peak_analysis(ind, PeakParams())).row(0, named=True)
    assert r["on_track"] is not False and r["status"] in ("on track", "pending")


def test_missing_years_make_the_peak_undetermined():
    s = peak_status([2020, 2024], [100.0, 90.0], PeakParams())
    assert s["status"] == "undetermined"  # before: "peaked"
    assert "2021, 2022, 2023" in s["reason"]
    ind = _ind({2020: 100.0, 2024: 90.0}, "co2_energy_t")
    peaks = peak_analysis(ind, PeakParams())
    assert peaks["status"][0] == "undetermined" and "2021" in peaks["reason"][0]
    r = evaluate_targets(_peak_target(2030), ind, peaks).row(0, named=True)
    assert r["status"] == "undetermined" and "2021, 2022, 2023" in r["reason"] and r["on_track"] is None
    # at its deadline an undetermined peak cannot be judged: an error unless optional
    with pytest.raises(ConfigError, match="cannot be evaluated"):
        check_evaluable(evaluate_targets(_peak_target(2024), ind, peaks))
    assert peak_status([2020, 2021, 2022, 2023, 2024], [100.0, 98, 96, 94, 90], PeakParams())["reason"] is None


def test_peak_probability_is_null_with_missing_years(tmp_path):
    pk = {"name": "peak", "kind": "peak", "base_year": 2020, "before_year": 2030, "scope": "energy_co2", "source": "t"}
    r = _compile(tmp_path, _rows("coal", {2020: 1000.0, 2024: 900.0}, "t"), [pk], _economy((2020, 2024)),
                 unc={"activity_pct": {"default": 5.0}, "draws": 200, "seed": 3})
    row = r.analysis.targets.row(0, named=True)
    assert row["status"] == "undetermined" and row["p_on_track"] is None


# -- item 4: one rounding of one intensity ----------------------------------------------------------------


def test_one_base_intensity_in_indicators_and_targets(tmp_path):
    """Energy CO2 and total CO2 are the same 0.12345 t per 10^4 yuan in 2020: the indicators (scope
    energy_co2) and the targets (scope total_co2) must both round it to 0.1235 (四舍五入). Before,
    polars round(4) gave 0.1234 and Python round 0.1235, and the 13 % target was not met in one
    and met in the other (0.1074 / 0.1234 = 0.8703; 0.1074 / 0.1235 = 0.8696)."""
    rows = _rows("coal", {2020: 0.12345, 2021: 0.1074}, "t")
    both = [{"name": f"co2 -13 % {sc}", "kind": "co2_intensity", "base_year": 2020, "year": 2021, "reduction_pct": 13,
             "scope": sc, "source": "t"} for sc in ("energy_co2", "total_co2")]
    r = _compile(tmp_path, rows, both, _economy((2020, 2021), 0, 0, gdp=1), unc={"draws": 100})
    ind = r.analysis.indicators.filter(pl.col("indicator") == "co2_intensity", pl.col("region") == "ALL")
    assert ind["value"].to_list() == [0.1235, 0.1074]
    t = r.analysis.targets
    assert t["base_value"].to_list() == [0.1235, 0.1235]
    assert t["met"].to_list() == [True, True]
    assert t["p_met"].to_list() == [1.0, 1.0]  # the Monte Carlo rounds the same way


def test_targets_command_exits_2_naming_a_target_without_data(tmp_path):
    import os
    import subprocess
    import sys

    gone = evaluate_targets(_t(name="CO2 intensity [2025]"), _ind({2021: 1.0}), pl.DataFrame())
    off = evaluate_targets(_t(), _ind({2020: 1.0, 2023: 0.99}), pl.DataFrame())
    pl.concat([off, gone]).write_parquet(tmp_path / "targets.parquet")
    (tmp_path / "manifest.json").write_text('{"ghginv_version": "0.1.0"}\n', encoding="utf-8")  # a run folder
    res = subprocess.run([sys.executable, "-m", "ghginv", "targets", str(tmp_path)], capture_output=True, text=True, cwd=tmp_path,
                         env={**os.environ, "COLUMNS": "200"}, timeout=120)
    assert res.returncode == 2, res.stderr
    assert "CO2 intensity [2025]" in res.stderr and "cannot be evaluated" in res.stderr and "Traceback" not in res.stderr
    assert "base year 2020 is not in the run" in res.stdout and "OFF TRACK" in res.stdout
