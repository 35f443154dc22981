"""Year fallback across factor sets (issue 16 item 2; docs/factor-set-format.md "Year rule across sets").

With ``year_fallback = "nearest"``: a row valid for the cell's year in *any* set beats a row of
another year; among rows of other years the nearest year wins, then the run's order of sets.
The same for emission factors, conversions (NCV) and sink parameters. A base-year value taken
from another year is a warning in the CLI summary, in ``manifest.json`` (``warnings``) and in the
report's data-quality notes.

Published values: MEE/NBS 公告2024年第12号, Sichuan (51*) 2021 average electricity CO2 factor
0.1255 kg/kWh (mee_nbs_grid); 公告2024年第33号, Sichuan 2022: 0.1404 kg/kWh. The 2024 value
0.148 kg/kWh of the set placed first is the issue's test value, not a factor.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ghginv
from ghginv.factors import load_factor_set
from ghginv.factors.resolve import resolve

from conftest import make_factor_set, write_activity
from sink_fixtures import make_sink_set, p, write_sinks

ROOT = Path(__file__).resolve().parents[2]
MEE = ROOT / "ghginv" / "data" / "factor_sets" / "mee_nbs_grid"
TEST = "issue 16 test value (not a factor),test row,S"
ELEC = ["electricity,Electricity (purchased),电力,,electricity"]


def _grid_2024_only(folder: Path) -> Path:
    """A set with only a 2024 electricity factor (0.148 kg/kWh, the issue's test value)."""
    return make_factor_set(folder / "grid_2024", ef=[f"electricity,*,*,2024,2024,CO2,0.148,kg/kWh,{TEST}"], activities=ELEC)


def _electricity(folder: Path, years=(2020, 2021, 2022, 2023, 2024)) -> Path:
    rows = [dict(year=y, region="510105", sector="1.A.4.a", activity="electricity", amount=1.0e6, unit="kWh") for y in years]
    return write_activity(folder / "electricity.parquet", rows)


def _by_year(res) -> dict[int, tuple[float, str, int]]:
    """year -> (t CO2 per 10^6 kWh, factor set, factor year) of the electricity rows."""
    e = res.emissions.filter(pl.col("activity") == "electricity", pl.col("gas") == "CO2")
    return {r["year"]: (r["emissions_t"], r["factor_set"], r["factor_year"]) for r in e.iter_rows(named=True)}


# --- the case ------------------------------------------------------------------------------


def test_nearer_year_of_a_later_set_beats_a_far_fallback_of_the_first_set(tmp_path):
    """Set A first holds only 2024 (0.148); mee_nbs_grid second holds 2021-2023. 2020 takes
    mee_nbs_grid's 2021 value 0.1255 kg/kWh (one year away), not A's 2024 value (four years away);
    2021-2023 take mee's own years; 2024 takes A's own year."""
    act = _electricity(tmp_path)
    res = ghginv.compile_inventory(activity=[str(act)], factors=[str(_grid_2024_only(tmp_path)), str(MEE)], gwp="AR5GWP100",
                                   year_fallback="nearest")
    got = _by_year(res)
    assert got[2020] == (pytest.approx(125.5, rel=1e-12), "mee_nbs_grid", 2021)  # 10^6 kWh × 0.1255 kg/kWh
    assert got[2022] == (pytest.approx(140.4, rel=1e-12), "mee_nbs_grid", 2022)
    assert got[2024] == (pytest.approx(148.0, rel=1e-12), "grid_2024", 2024)


def test_an_exact_year_of_a_later_set_beats_a_fallback_of_the_first_set(tmp_path):
    """mee_nbs_grid first (2021-2023), the 2024-only set second: 2024 takes the second set's own
    year rather than the first set's fallback to 2023; 2020 still falls back to mee's 2021."""
    act = _electricity(tmp_path, (2020, 2024))
    res = ghginv.compile_inventory(activity=[str(act)], factors=[str(MEE), str(_grid_2024_only(tmp_path))], gwp="AR5GWP100",
                                   year_fallback="nearest")
    got = _by_year(res)
    assert got[2024] == (pytest.approx(148.0, rel=1e-12), "grid_2024", 2024)
    assert got[2020] == (pytest.approx(125.5, rel=1e-12), "mee_nbs_grid", 2021)


def test_equal_distance_goes_to_the_run_order(tmp_path):
    """2022 is two years from both A's 2020 and B's 2024: the set placed first wins, either way round."""
    a = make_factor_set(tmp_path / "a", ef=[f"electricity,*,*,2020,2020,CO2,0.2,kg/kWh,{TEST}"], activities=ELEC)
    b = make_factor_set(tmp_path / "b", ef=[f"electricity,*,*,2024,2024,CO2,0.3,kg/kWh,{TEST}"], activities=ELEC)
    act = _electricity(tmp_path, (2022,))
    for order, want in (([a, b], ("a", 2020)), ([b, a], ("b", 2024))):
        res = ghginv.compile_inventory(activity=[str(act)], factors=[str(s) for s in order], gwp="AR5GWP100", year_fallback="nearest")
        assert _by_year(res)[2022][1:] == want


def test_ncv_follows_the_same_year_rule(tmp_path):
    """The NCV of a fuel: set A first has it for 2024 only, set B for 2021; 2020 takes B's 2021 NCV."""
    src = "test source,test row,D"
    fuel = ["fuel,Fuel,,,solid"]
    a = make_factor_set(tmp_path / "a", ef=[f"fuel,*,*,,,CO2,100000,kg/TJ,{src}"],
                        conv=[f"fuel,ncv,*,2024,2024,30,GJ/t,{src}"], activities=fuel)
    b = make_factor_set(tmp_path / "b", conv=[f"fuel,ncv,*,2021,2021,20,GJ/t,{src}"], activities=fuel)
    act = write_activity(tmp_path / "fuel.parquet", [dict(year=y, region="510105", sector="1.A.1.a", activity="fuel", amount=1000.0, unit="t")
                                                     for y in (2020, 2023)])
    res = ghginv.compile_inventory(activity=[str(act)], factors=[str(a), str(b)], gwp="AR5GWP100", year_fallback="nearest")
    ncv = {r["year"]: (r["factor_set"], r["factor_year"], r["value"]) for r in res.factors_used.filter(pl.col("item") == "ncv").iter_rows(named=True)}
    assert ncv == {2020: ("b", 2021, 20.0), 2023: ("a", 2024, 30.0)}
    co2 = {r["year"]: r["emissions_t"] for r in res.emissions.filter(pl.col("gas") == "CO2").iter_rows(named=True)}
    assert co2[2020] == pytest.approx(1000 * 20 * 0.1, rel=1e-14)  # t × GJ/t × t CO2/GJ
    assert co2[2023] == pytest.approx(1000 * 30 * 0.1, rel=1e-14)


def test_sink_parameters_follow_the_same_year_rule(tmp_path):
    """Urban-tree crown-cover rate: set A first has it for 2024 (2.0), set B for 2021 (3.0); the
    nearest year wins whatever the set order, an exact year in any set first."""
    a = make_sink_set(tmp_path / "a", [p("urban_trees", "crw", 2.0, "t C/ha/yr", years="2024,2024")])
    b = make_sink_set(tmp_path / "b", [p("urban_trees", "crw", 3.0, "t C/ha/yr", years="2021,2021")])
    rows = [{"year": y, "region": "510105", "category": "3.B.5.a", "stratum": "urban_trees", "variable": "crown_cover", "value": 1.0}
            for y in (2020, 2021, 2022, 2023, 2024)]
    data = write_sinks(tmp_path / "d.csv", rows)
    res = ghginv.compile_inventory(factors=[str(a), str(b)], extra={"sinks": {"path": str(data)}}, year_fallback="nearest")
    got = {y: -v * 12 / 44 for y, v in res.emissions.select("year", "emissions_t").iter_rows()}
    assert got == pytest.approx({2020: 3.0, 2021: 3.0, 2022: 3.0, 2023: 2.0, 2024: 2.0})
    used = res.factors_used.filter(pl.col("kind") == "sink_parameter", pl.col("item") == "crw")
    assert dict(zip(used["year"], used["factor_year"])) == {2020: 2021, 2021: 2021, 2022: 2021, 2023: 2024, 2024: 2024}


# --- property: random sets and years -------------------------------------------------------------


@st.composite
def _ranges(draw):
    """0-3 disjoint year ranges (lo, hi) for one (pattern, key) of one set; None = open end."""
    k = draw(st.integers(0, 3))
    b = sorted(draw(st.lists(st.integers(2010, 2030), min_size=2 * k, max_size=2 * k, unique=True)))
    out = []
    for i in range(k):
        lo, hi = b[2 * i], b[2 * i + 1]
        if draw(st.booleans()):
            hi = lo  # a single year
        out.append((lo, hi))
    if out and draw(st.integers(0, 4)) == 0:
        out[0] = (None, out[0][1])
    if out and draw(st.integers(0, 4)) == 0:
        out[-1] = (out[-1][0], None)
    return out


@st.composite
def _scenario(draw):
    n = draw(st.integers(1, 4))
    # per set: CO2 rows for sector '*' and for '1.A.1.*' (more specific), NCV rows
    sets = [{"co2": draw(_ranges()), "co2_spec": draw(_ranges()), "ncv": draw(_ranges())} for _ in range(n)]
    if not any(s["co2"] or s["co2_spec"] for s in sets):
        sets[0]["co2"] = [(2015, 2015)]
    if not any(s["ncv"] for s in sets):
        sets[-1]["ncv"] = [(2025, 2025)]
    years = draw(st.lists(st.integers(2008, 2032), min_size=1, max_size=4, unique=True))
    return sets, years


def _expected(sets: list[dict], keys: tuple[str, ...], year: int):
    """(set rank, factor year, distance, value) the year rule picks, computed from the rule text:
    inside a set the nearest year (earlier on a tie), then the more specific sector; across sets
    the smallest distance, then the set order."""
    best_per_set = []
    for rank, s in enumerate(sets):
        cands = []
        for key in keys:
            spec = 1 if key == "co2_spec" else 0
            for lo, hi, value in s[key]:
                lo_, hi_ = (0 if lo is None else lo), (9999 if hi is None else hi)
                fy = min(max(year, lo_), hi_)
                cands.append((abs(year - fy), fy, -spec, value))
        if cands:
            d, fy, _, value = min(cands)
            best_per_set.append((d, rank, fy, value))
    d, rank, fy, value = min(best_per_set)
    return rank, fy, d, value


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_scenario())
def test_year_rule_property(sc):
    """On random sets and years: the chosen factor (and NCV) is for the cell's own year whenever
    any set has that year; otherwise it is from the nearest year any set has; on equal distance
    the set placed first wins (inside a set: the earlier year, then the more specific sector)."""
    drawn, years = sc
    src = "property test,generated,D"
    value = iter(range(1, 10_000))  # every row its own value, so the chosen row is known by it
    sets = [{k: [(lo, hi, float(next(value))) for lo, hi in v] for k, v in s.items()} for s in drawn]

    def yr(x):
        return "" if x is None else str(x)

    with tempfile.TemporaryDirectory() as tmp:
        loaded = []
        for i, s in enumerate(sets):
            ef = [f"fuel,*,*,{yr(lo)},{yr(hi)},CO2,{v},t/GJ,{src}" for lo, hi, v in s["co2"]]
            ef += [f"fuel,1.A.1.*,*,{yr(lo)},{yr(hi)},CO2,{v},t/GJ,{src}" for lo, hi, v in s["co2_spec"]]
            conv = [f"fuel,ncv,*,{yr(lo)},{yr(hi)},{v},GJ/t,{src}" for lo, hi, v in s["ncv"]]
            loaded.append(load_factor_set(make_factor_set(Path(tmp) / f"s{i}", ef=ef, conv=conv, activities=["fuel,Fuel,,,solid"])))
        cells = pl.DataFrame({"cell_id": list(range(len(years))), "year": years, "region": ["510105"] * len(years),
                              "sector": ["1.A.1.a"] * len(years), "activity": ["fuel"] * len(years)},
                             schema={"cell_id": pl.Int64, "year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String})
        res = resolve(cells, loaded, "nearest")
    rules = res.rules
    for what, frame, keys in (("CO2", res.factors.filter(pl.col("gas") == "CO2"), ("co2", "co2_spec")),
                              ("ncv", res.conversions.filter(pl.col("quantity") == "ncv"), ("ncv",))):
        got = {r["cell_id"]: (r["set_rank"], r["factor_year"], rules[r["rule_id"]].value) for r in frame.iter_rows(named=True)}
        for cid, y in enumerate(years):
            rank, fy, d, v = _expected(sets, keys, y)
            assert got[cid] == (rank, fy, v), (what, y, sets)
            covered = [(r, lo, hi) for r, s in enumerate(sets) for k in keys for lo, hi, _ in s[k]
                       if (lo is None or lo <= y) and (hi is None or y <= hi)]
            if covered:  # an exact year in any set: never a fallback
                assert got[cid][1] == y and d == 0
            else:  # nearest year of any set; ties by set order
                dists = [(min(abs(y - (lo if lo is not None else 0)), abs(y - (hi if hi is not None else 9999))), r)
                         for r, s in enumerate(sets) for k in keys for lo, hi, _ in s[k]]
                dmin = min(x for x, _ in dists)
                assert abs(got[cid][1] - y) == dmin
                assert got[cid][0] == min(r for x, r in dists if x == dmin)


# --- warnings: base year from another year ---------------------------------------------------------


TARGET = {"kind": "emissions_cap", "base_year": 2020, "year": 2030, "cap_t_co2e": 1000.0, "scope": "total_co2e",
          "source": "test target (not a plan)"}


def _warned_run(tmp_path: Path, **kw):
    act = _electricity(tmp_path, (2020, 2024))
    return ghginv.compile_inventory(activity=[str(act)], factors=[str(_grid_2024_only(tmp_path)), str(MEE)], gwp="AR5GWP100",
                                    year_fallback="nearest", **kw)


def test_base_year_fallback_is_a_warning_in_manifest_and_report(tmp_path):
    res = _warned_run(tmp_path, base_year=2020, extra={"targets": [TARGET]})  # a target: the run writes report.html
    out = tmp_path / "run"
    res.write(out)
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    w = [x for x in m["warnings"] if x["kind"] == "base_year_fallback"]
    assert [(x["base_year"], x["activity"], x["item"], x["factor_set"], x["factor_year"]) for x in w] == [
        (2020, "electricity", "CO2", "mee_nbs_grid", 2021)]
    assert "base year 2020" in w[0]["message"] and "2021" in w[0]["message"] and "mee_nbs_grid" in w[0]["message"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Base year 2020: electricity CO2 (factor) taken from 2021, set mee_nbs_grid" in html
    from openpyxl import load_workbook

    summary = [tuple(r) for r in load_workbook(out / "inventory.xlsx")["Summary"].iter_rows(values_only=True)]
    assert ("warning", w[0]["message"]) in summary
    # 2024 is not a base year: its own factor of set grid_2024, no warning for it
    assert all(x["base_year"] == 2020 for x in m["warnings"])


def test_no_warning_when_the_base_year_has_its_own_factor(tmp_path):
    res = _warned_run(tmp_path, base_year=2024)
    assert res.warnings() == []
    assert res.manifest()["warnings"] == []


def test_a_targets_base_year_is_a_base_year(tmp_path):
    """[inventory] base_year 2024 (its own factor), a target against 2020: the 2020 fallback is a warning."""
    res = _warned_run(tmp_path, base_year=2024, extra={"targets": [TARGET]})
    assert res.base_years() == [2020, 2024]
    assert [(w["base_year"], w["factor_year"]) for w in res.warnings()] == [(2020, 2021)]


@pytest.mark.parametrize("quiet", [False, True], ids=["table", "quiet"])
def test_base_year_fallback_is_a_warning_in_the_cli_summary(tmp_path, quiet):
    act = _electricity(tmp_path, (2020, 2024))
    grid = _grid_2024_only(tmp_path)
    cmd = [sys.executable, "-m", "ghginv", "compile", "--activity", str(act), "--factors", str(grid), "--factors", str(MEE),
           "--gwp", "AR5GWP100", "--year-fallback", "nearest", "--base-year", "2020", "--out", str(tmp_path / "out"), *(["-q"] if quiet else [])]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=tmp_path, env={**os.environ, "COLUMNS": "300"})
    assert r.returncode == 0, r.stderr
    assert "warning: base year 2020: electricity CO2 (factor) taken from 2021, set mee_nbs_grid" in " ".join(r.stdout.split())
