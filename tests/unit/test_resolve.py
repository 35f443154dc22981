"""Resolution precedence (docs/factor-set-format.md "Precedence"; design §3).

Inside a set, for one (year, region, sector, activity) and gas: year inside the validity range,
then the most specific sector (exact > longer prefix > '*'), then the most specific region
(exact > longer prefix > '*'). Across sets: the run's order, gas by gas. Conversions resolve the
same way across all sets. Tested through compile_inventory, so the whole path is exercised.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from ghginv import compile_inventory, load_factor_set
from ghginv.core.errors import AmbiguousFactorError, DuplicateRuleError, FactorSetError, MissingFactorError
from ghginv.factors import resolve

from conftest import make_factor_set, write_activity

S = "test source,loc,V"  # source, source_locator, status


def ef(act, sector, region, y0, y1, gas, value, unit="t/t"):
    return f"{act},{sector},{region},{y0},{y1},{gas},{value},{unit},{S}"


def conv(act, qty, region, y0, y1, value, unit):
    return f"{act},{qty},{region},{y0},{y1},{value},{unit},{S}"


def row(year=2020, region="510105", sector="1.A.1.a", activity="fuel", amount=1.0, unit="t", **kw):
    return dict(year=year, region=region, sector=sector, activity=activity, amount=amount, unit=unit, **kw)


def run(tmp_path: Path, sets: list[Path], rows: list[dict], **kw):
    act = write_activity(tmp_path / "activity.parquet", rows)
    return compile_inventory(activity=[str(act)], factors=[str(s) for s in sets], gwp="AR5GWP100", **kw)


def value_of(res, gas="CO2", **where) -> float:
    df = res.emissions.filter(pl.col("gas") == gas, *(pl.col(k) == v for k, v in where.items()))
    assert df.height == 1, df
    return df["emissions_t"][0]


def per_unit(res, gas="CO2") -> dict[tuple, float]:
    """(sector, region, year) -> emissions_t of ``gas`` (amount 1 t in every test row)."""
    df = res.emissions.filter(pl.col("gas") == gas)
    return {(r["sector"], r["region"], r["year"]): r["emissions_t"] for r in df.iter_rows(named=True)}


ACT = ["fuel,Fuel,,,solid"]


# --- sector --------------------------------------------------------------------------------------


def test_sector_exact_beats_longer_prefix_beats_shorter_prefix_beats_star(tmp_path):
    fs = make_factor_set(
        tmp_path / "s",
        ef=[
            ef("fuel", "*", "*", "", "", "CO2", 1),
            ef("fuel", "1.*", "*", "", "", "CO2", 2),
            ef("fuel", "1.A.*", "*", "", "", "CO2", 3),
            ef("fuel", "1.A.1.*", "*", "", "", "CO2", 4),
            ef("fuel", "1.A.1.a.*", "*", "", "", "CO2", 5),
            ef("fuel", "1.A.1.a", "*", "", "", "CO2", 6),
        ],
        activities=ACT,
    )
    sectors = {
        "1.A.1.a": 6,  # exact beats 1.A.1.a.* (which also matches 1.A.1.a itself)
        "1.A.1.a.i": 5,
        "1.A.1.b": 4,
        "1.A.1": 4,  # 'P.*' matches P itself
        "1.A.2.a": 3,
        "1.A": 3,
        "1.B.1": 2,
        "2.A.1": 1,
        "4.A": 1,
    }
    res = run(tmp_path, [fs], [row(sector=s) for s in sectors])
    got = {k[0]: v for k, v in per_unit(res).items()}
    assert got == pytest.approx(sectors, rel=1e-15)


def test_prefix_matches_whole_code_segments_only(tmp_path):
    """'2.B.1.*' matches 2.B.1 but not 2.B.10 (no string-prefix leak across a dot)."""
    fs = make_factor_set(
        tmp_path / "s",
        ef=[ef("fuel", "*", "*", "", "", "CO2", 1), ef("fuel", "2.B.1.*", "*", "", "", "CO2", 2), ef("fuel", "2.B.1", "*", "", "", "CO2", 9)],
        activities=ACT,
    )
    res = run(tmp_path, [fs], [row(sector="2.B.1"), row(sector="2.B.10"), row(sector="2.B.2")])
    got = {k[0]: v for k, v in per_unit(res).items()}
    assert got == {"2.B.1": 9, "2.B.10": 1, "2.B.2": 1}


def test_sector_beats_region(tmp_path):
    """Sector specificity is compared first: exact sector with region '*' beats '*' sector with
    an exact region; among equal sectors the more specific region wins."""
    fs = make_factor_set(
        tmp_path / "s",
        ef=[
            ef("fuel", "*", "510105", "", "", "CO2", 1),
            ef("fuel", "1.A.1.a", "*", "", "", "CO2", 2),
            ef("fuel", "1.A.1.a", "51*", "", "", "CO2", 3),
            ef("fuel", "1.A.*", "510105", "", "", "CO2", 4),
        ],
        activities=ACT,
    )
    res = run(
        tmp_path,
        [fs],
        [row(sector="1.A.1.a", region="510105"), row(sector="1.A.1.a", region="110000"), row(sector="1.A.2.a", region="510105"), row(sector="2.A.1",
            region="510105")],
    )
    got = per_unit(res)
    assert got[("1.A.1.a", "510105", 2020)] == 3
    assert got[("1.A.1.a", "110000", 2020)] == 2
    assert got[("1.A.2.a", "510105", 2020)] == 4
    assert got[("2.A.1", "510105", 2020)] == 1


# --- region --------------------------------------------------------------------------------------


def test_region_exact_beats_longer_prefix_beats_shorter_prefix_beats_star(tmp_path):
    fs = make_factor_set(
        tmp_path / "s",
        ef=[
            ef("fuel", "*", "*", "", "", "CO2", 1),
            ef("fuel", "*", "5*", "", "", "CO2", 2),
            ef("fuel", "*", "51*", "", "", "CO2", 3),
            ef("fuel", "*", "5101*", "", "", "CO2", 4),
            ef("fuel", "*", "510105", "", "", "CO2", 5),
        ],
        activities=ACT,
    )
    regions = {"510105": 5, "510106": 4, "511000": 3, "51": 3, "520100": 2, "5": 2, "110000": 1, "Chengdu": 1}
    res = run(tmp_path, [fs], [row(region=r) for r in regions])
    got = {k[1]: v for k, v in per_unit(res).items()}
    assert got == regions


def test_region_exact_is_not_a_prefix(tmp_path):
    """An exact region code matches only itself, not codes that start with it."""
    fs = make_factor_set(
        tmp_path / "s",
        ef=[ef("fuel", "*", "*", "", "", "CO2", 1), ef("fuel", "*", "51", "", "", "CO2", 7)],
        activities=ACT,
    )
    res = run(tmp_path, [fs], [row(region="51"), row(region="510105")])
    got = {k[1]: v for k, v in per_unit(res).items()}
    assert got == {"51": 7, "510105": 1}


# --- years ---------------------------------------------------------------------------------------


@pytest.fixture
def year_set(tmp_path):
    return make_factor_set(
        tmp_path / "y",
        ef=[
            ef("fuel", "*", "*", "2015", "2017", "CO2", 1),
            ef("fuel", "*", "*", "2018", "2019", "CO2", 2),
            ef("fuel", "*", "*", "2020", "", "CO2", 3),
            ef("fuel", "*", "*", "", "2016", "CH4", 0.5),
        ],
        activities=ACT,
    )


def test_year_ranges_inclusive_and_open(tmp_path, year_set):
    years = {2015: 1, 2017: 1, 2018: 2, 2019: 2, 2020: 3, 2100: 3}
    res = run(tmp_path, [year_set], [row(year=y) for y in years])
    got = {k[2]: v for k, v in per_unit(res).items()}
    assert got == years
    ch4 = {k[2]: v for k, v in per_unit(res, "CH4").items()}
    assert ch4 == {2015: 0.5}  # CH4 rule open at the start, ends 2016
    assert (res.emissions["factor_year"] == res.emissions["year"]).all()


def test_year_outside_every_range_is_missing(tmp_path, year_set):
    """2010 lies outside every CO2 range while CH4 resolves: CO2 is never dropped silently, so that
    is a MissingFactorError naming CO2 and the year; a set with CO2 alone has no factor at all for
    2010, which is an error too."""
    with pytest.raises(MissingFactorError) as ei:
        run(tmp_path, [year_set], [row(year=2010), row(year=2020)], year_fallback="none")
    assert "CO2" in str(ei.value) and "2010" in str(ei.value)
    co2_only = make_factor_set(tmp_path / "co2_only", ef=[ef("fuel", "*", "*", "2015", "", "CO2", 1)], activities=ACT)
    with pytest.raises(MissingFactorError) as ei:
        run(tmp_path, [co2_only], [row(year=2010), row(year=2020)], year_fallback="none")
    assert "2010" in str(ei.value)
    assert isinstance(ei.value, KeyError)


def test_year_fallback_nearest(tmp_path):
    fs = make_factor_set(
        tmp_path / "y",
        ef=[ef("fuel", "*", "*", "2015", "2016", "CO2", 1), ef("fuel", "*", "*", "2017", "2019", "CO2", 2)],
        activities=ACT,
    )
    res = run(tmp_path, [fs], [row(year=y) for y in (2005, 2014, 2015, 2018, 2019, 2020, 2030)], year_fallback="nearest")
    e = {r["year"]: (r["emissions_t"], r["factor_year"]) for r in res.emissions.iter_rows(named=True)}
    assert e == {2005: (1, 2015), 2014: (1, 2015), 2015: (1, 2015), 2018: (2, 2018), 2019: (2, 2019), 2020: (2, 2019), 2030: (2, 2019)}
    fb = res.fallback_years()
    assert sorted(fb["year"].to_list()) == [2005, 2014, 2020, 2030]
    assert dict(zip(fb["year"], fb["factor_year"])) == {2005: 2015, 2014: 2015, 2020: 2019, 2030: 2019}


def test_year_fallback_nearest_per_gas(tmp_path):
    """Coverage is per gas: CO2 covers 2015-2025, CH4 only 2015-2016; for 2020 CO2 is exact and
    CH4 falls back to 2016."""
    fs = make_factor_set(
        tmp_path / "y",
        ef=[ef("fuel", "*", "*", "2015", "2025", "CO2", 1), ef("fuel", "*", "*", "2015", "2016", "CH4", 0.25)],
        activities=ACT,
    )
    res = run(tmp_path, [fs], [row(year=2020)], year_fallback="nearest")
    e = {r["gas"]: (r["emissions_t"], r["factor_year"]) for r in res.emissions.iter_rows(named=True)}
    assert e == {"CO2": (1, 2020), "CH4": (0.25, 2016)}


# --- across sets ---------------------------------------------------------------------------------


def test_first_set_wins_gas_by_gas(tmp_path):
    a = make_factor_set(tmp_path / "set_a", ef=[ef("fuel", "*", "*", "", "", "CO2", 1)], activities=ACT)
    b = make_factor_set(
        tmp_path / "set_b",
        ef=[ef("fuel", "1.A.1.a", "510105", "", "", "CO2", 2), ef("fuel", "*", "*", "", "", "CH4", 0.5)],
        activities=ACT,
    )
    res = run(tmp_path, [a, b], [row()])
    e = {r["gas"]: (r["emissions_t"], r["factor_set"]) for r in res.emissions.iter_rows(named=True)}
    # B's CO2 rule is more specific, but set order beats specificity across sets
    assert e == {"CO2": (1, "set_a"), "CH4": (0.5, "set_b")}
    res = run(tmp_path, [b, a], [row()])
    e = {r["gas"]: (r["emissions_t"], r["factor_set"]) for r in res.emissions.iter_rows(named=True)}
    assert e == {"CO2": (2, "set_b"), "CH4": (0.5, "set_b")}


def test_first_set_without_a_match_is_skipped(tmp_path):
    """Set A has CO2 for 1.A.2.* only; for 1.A.1.a the CO2 comes from set B."""
    a = make_factor_set(tmp_path / "set_a", ef=[ef("fuel", "1.A.2.*", "*", "", "", "CO2", 1)], activities=ACT)
    b = make_factor_set(tmp_path / "set_b", ef=[ef("fuel", "*", "*", "", "", "CO2", 2)], activities=ACT)
    res = run(tmp_path, [a, b], [row(sector="1.A.1.a"), row(sector="1.A.2.a")])
    e = {r["sector"]: (r["emissions_t"], r["factor_set"]) for r in res.emissions.iter_rows(named=True)}
    assert e == {"1.A.1.a": (2, "set_b"), "1.A.2.a": (1, "set_a")}


def test_conversions_resolve_across_sets(tmp_path):
    """The factor (kg/TJ) comes from set A, which has no NCV; the NCV comes from set B. When both
    have an NCV, the first set's NCV is used even for a factor of the second set."""
    a = make_factor_set(tmp_path / "set_a", ef=[ef("fuel", "*", "*", "", "", "CO2", 100000, "kg/TJ")], activities=ACT)
    b = make_factor_set(
        tmp_path / "set_b",
        ef=[ef("fuel", "*", "*", "", "", "CH4", 10, "kg/TJ")],
        conv=[conv("fuel", "ncv", "*", "", "", 20, "GJ/t"), conv("fuel", "ncv", "52*", "", "", 30, "GJ/t")],
        activities=ACT,
    )
    res = run(tmp_path, [a, b], [row(amount=1000.0), row(amount=1000.0, region="520100")])
    got = per_unit(res)
    assert got[("1.A.1.a", "510105", 2020)] == pytest.approx(1000 * 20 * 0.1, rel=1e-14)  # t × GJ/t × t/GJ
    assert got[("1.A.1.a", "520100", 2020)] == pytest.approx(1000 * 30 * 0.1, rel=1e-14)
    c = make_factor_set(tmp_path / "set_c", conv=[conv("fuel", "ncv", "*", "", "", 25, "GJ/t")], activities=ACT)
    res = run(tmp_path, [c, a, b], [row(amount=1000.0, region="520100")])
    assert per_unit(res)[("1.A.1.a", "520100", 2020)] == pytest.approx(1000 * 25 * 0.1, rel=1e-14)
    assert per_unit(res, "CH4")[("1.A.1.a", "520100", 2020)] == pytest.approx(1000 * 25 * 1e-5, rel=1e-14)
    used = res.factors_used.filter(pl.col("item") == "ncv")
    assert used["factor_set"].to_list() == ["set_c"]


def test_conversion_region_precedence(tmp_path):
    fs = make_factor_set(
        tmp_path / "s",
        ef=[ef("fuel", "*", "*", "", "", "CO2", 1, "t/GJ")],
        conv=[
            conv("fuel", "ncv", "*", "", "2029", 10, "GJ/t"),
            conv("fuel", "ncv", "51*", "", "", 20, "GJ/t"),
            conv("fuel", "ncv", "510105", "", "", 30, "GJ/t"),
            conv("fuel", "ncv", "*", "2030", "", 40, "GJ/t"),
        ],
        activities=ACT,
    )
    res = run(tmp_path, [fs], [row(region="510105"), row(region="510106"), row(region="110000"), row(region="110000", year=2031)])
    got = {(k[1], k[2]): v for k, v in per_unit(res).items()}
    assert got == {("510105", 2020): 30, ("510106", 2020): 20, ("110000", 2020): 10, ("110000", 2031): 40}


# --- errors --------------------------------------------------------------------------------------


def test_composite_and_direct_co2_in_one_set_is_ambiguous(tmp_path):
    fs = make_factor_set(
        tmp_path / "s",
        ef=[ef("fuel", "*", "*", "", "", "CO2", 90, "t/TJ")],
        carbon=[
            f"fuel,*,*,,,carbon_content,25,t C/TJ,{S}",
            f"fuel,*,*,,,oxidation,0.98,fraction,{S}",
        ],
        conv=[conv("fuel", "ncv", "*", "", "", 20, "GJ/t")],
        activities=ACT,
    )
    with pytest.raises(AmbiguousFactorError) as ei:
        run(tmp_path, [fs], [row()])
    msg = str(ei.value)
    assert "emission_factors.csv line 2" in msg and "carbon_factors.csv line 2" in msg
    assert isinstance(ei.value, FactorSetError)


def test_composite_in_one_set_direct_in_another_is_fine(tmp_path):
    """Composite CO2 in set A, direct CO2 in set B: A wins, no error."""
    a = make_factor_set(
        tmp_path / "set_a",
        carbon=[f"fuel,*,*,,,carbon_content,25,t C/TJ,{S}", f"fuel,*,*,,,oxidation,0.98,fraction,{S}"],
        conv=[conv("fuel", "ncv", "*", "", "", 20, "GJ/t")],
        activities=ACT,
    )
    b = make_factor_set(tmp_path / "set_b", ef=[ef("fuel", "*", "*", "", "", "CO2", 90, "t/TJ")], activities=ACT)
    res = run(tmp_path, [a, b], [row()])
    assert value_of(res) == pytest.approx(20e-3 * 25 * 0.98 * 44 / 12, rel=1e-14)
    assert res.emissions["factor_set"].to_list() == ["set_a"]


def test_composite_components_resolve_separately(tmp_path):
    """Oxidation may differ by sector while carbon content does not."""
    fs = make_factor_set(
        tmp_path / "s",
        carbon=[
            f"fuel,*,*,,,carbon_content,25,t C/TJ,{S}",
            f"fuel,*,*,,,oxidation,0.9,fraction,{S}",
            f"fuel,1.A.1.*,*,,,oxidation,99,%,{S}",
            f"fuel,*,51*,,,carbon_content,26,t C/TJ,{S}",
        ],
        conv=[conv("fuel", "ncv", "*", "", "", 20, "GJ/t")],
        activities=ACT,
    )
    res = run(tmp_path, [fs], [row(sector="1.A.1.a", region="510105"), row(sector="1.A.2.a", region="110000")])
    got = per_unit(res)
    assert got[("1.A.1.a", "510105", 2020)] == pytest.approx(20e-3 * 26 * 0.99 * 44 / 12, rel=1e-14)
    assert got[("1.A.2.a", "110000", 2020)] == pytest.approx(20e-3 * 25 * 0.9 * 44 / 12, rel=1e-14)


def test_carbon_content_without_oxidation(tmp_path):
    fs = make_factor_set(
        tmp_path / "s",
        carbon=[f"fuel,*,*,,,carbon_content,25,t C/TJ,{S}"],
        conv=[conv("fuel", "ncv", "*", "", "", 20, "GJ/t")],
        activities=ACT,
    )
    with pytest.raises(FactorSetError) as ei:
        run(tmp_path, [fs], [row()])
    assert "oxidation" in str(ei.value)
    assert "carbon_factors.csv line 2" in str(ei.value)


def test_oxidation_without_carbon_content(tmp_path):
    fs = make_factor_set(
        tmp_path / "s",
        carbon=[f"fuel,*,*,,,oxidation,0.98,fraction,{S}"],
        ef=[ef("fuel", "*", "*", "", "", "CH4", 1)],
        activities=ACT,
    )
    with pytest.raises(FactorSetError) as ei:
        run(tmp_path, [fs], [row()])
    assert "carbon_content" in str(ei.value)


def test_oxidation_resolving_only_for_some_sectors(tmp_path):
    """carbon_content for every sector but oxidation only for 1.A.1.*: a 1.A.2.a cell lacks oxidation."""
    fs = make_factor_set(
        tmp_path / "s",
        carbon=[f"fuel,*,*,,,carbon_content,25,t C/TJ,{S}", f"fuel,1.A.1.*,*,,,oxidation,0.98,fraction,{S}"],
        conv=[conv("fuel", "ncv", "*", "", "", 20, "GJ/t")],
        activities=ACT,
    )
    run(tmp_path, [fs], [row(sector="1.A.1.a")])  # fine
    with pytest.raises(FactorSetError, match="oxidation"):
        run(tmp_path, [fs], [row(sector="1.A.2.a")])


@pytest.mark.parametrize(
    "years_a,years_b",
    [(("", ""), ("", "")), (("2010", "2020"), ("2015", "")), (("", "2015"), ("2015", "2015")), (("2010", "2010"), ("", ""))],
)
def test_overlapping_duplicate_rows(tmp_path, years_a, years_b):
    fs = make_factor_set(
        tmp_path / "s",
        ef=[
            ef("other", "*", "*", "", "", "CO2", 1),
            ef("fuel", "1.A.*", "51*", *years_a, "CO2", 1),
            ef("fuel", "1.A.*", "51*", "", "", "CH4", 1),
            ef("fuel", "1.A.*", "51*", *years_b, "CO2", 2),
        ],
        activities=ACT,
    )
    with pytest.raises(DuplicateRuleError) as ei:
        load_factor_set(fs)
    msg = str(ei.value)
    assert "emission_factors.csv line 3" in msg
    assert "emission_factors.csv line 5" in msg
    assert "line 2" not in msg and "line 4" not in msg
    assert isinstance(ei.value, FactorSetError) and isinstance(ei.value, ValueError)
    with pytest.raises(DuplicateRuleError):  # and through compile
        run(tmp_path, [fs], [row()])


def test_disjoint_years_are_not_duplicates(tmp_path):
    fs = make_factor_set(
        tmp_path / "s",
        ef=[ef("fuel", "*", "*", "", "2014", "CO2", 1), ef("fuel", "*", "*", "2015", "2019", "CO2", 2), ef("fuel", "*", "*", "2020", "", "CO2", 3)],
        activities=ACT,
    )
    assert len(load_factor_set(fs).rules) == 3


def test_duplicate_conversion_and_carbon_rows(tmp_path):
    fs = make_factor_set(
        tmp_path / "s",
        ef=[ef("fuel", "*", "*", "", "", "CO2", 1, "t/GJ")],
        conv=[conv("fuel", "ncv", "*", "", "", 20, "GJ/t"), conv("fuel", "ncv", "*", "2020", "2020", 21, "GJ/t")],
        activities=ACT,
    )
    with pytest.raises(DuplicateRuleError, match=r"conversions\.csv line 2.*conversions\.csv line 3"):
        load_factor_set(fs)
    fs = make_factor_set(
        tmp_path / "s2",
        carbon=[
            f"fuel,*,*,,,carbon_content,25,t C/TJ,{S}",
            f"fuel,*,*,,,oxidation,0.98,fraction,{S}",
            f"fuel,*,*,2020,,oxidation,0.99,fraction,{S}",
        ],
        activities=ACT,
    )
    with pytest.raises(DuplicateRuleError, match=r"carbon_factors\.csv line 3.*carbon_factors\.csv line 4"):
        load_factor_set(fs)


def test_same_pattern_different_regions_or_sectors_not_duplicates(tmp_path):
    fs = make_factor_set(
        tmp_path / "s",
        ef=[ef("fuel", "1.A.*", "51*", "", "", "CO2", 1), ef("fuel", "1.A.*", "5101*", "", "", "CO2", 2), ef("fuel", "1.A.1.*", "51*", "", "", "CO2", 3)],
        activities=ACT,
    )
    assert len(load_factor_set(fs).rules) == 3


# --- the resolve function directly ----------------------------------------------------------------


def test_resolve_function_direct(tmp_path):
    """ghginv.factors.resolve on a cells frame: one factor per (cell, gas), rule ids index the
    global rule list, set_rank is the run order."""
    a = load_factor_set(make_factor_set(tmp_path / "set_a", ef=[ef("fuel", "1.A.*", "*", "", "", "CO2", 1)], activities=ACT))
    b = load_factor_set(
        make_factor_set(tmp_path / "set_b", ef=[ef("fuel", "*", "*", "", "", "CO2", 2), ef("fuel", "*", "5*", "", "", "N2O", 3)], activities=ACT)
    )
    cells = pl.DataFrame(
        {
            "cell_id": pl.Series([0, 1, 2], dtype=pl.Int64),
            "year": pl.Series([2020, 2020, 2021], dtype=pl.Int32),
            "region": ["510105", "110000", "520000"],
            "sector": ["1.A.1.a", "2.A.1", "1.A"],
            "activity": ["fuel", "fuel", "fuel"],
        }
    )
    res = resolve(cells, [a, b])
    f = {(r["cell_id"], r["gas"]): (r["set_rank"], res.rules[r["rule_id"]].value, r["value_norm"]) for r in res.factors.iter_rows(named=True)}
    assert f == {
        (0, "CO2"): (0, 1.0, 1.0),
        (0, "N2O"): (1, 3.0, 3.0),
        (1, "CO2"): (1, 2.0, 2.0),
        (2, "CO2"): (0, 1.0, 1.0),
        (2, "N2O"): (1, 3.0, 3.0),
    }


def test_missing_factor_lists_every_cell(tmp_path):
    fs = make_factor_set(tmp_path / "s", ef=[ef("fuel", "1.A.1.*", "*", "", "", "CO2", 1)], activities=ACT)
    with pytest.raises(MissingFactorError) as ei:
        run(tmp_path, [fs], [row(sector="1.A.1.a"), row(sector="1.A.2.a"), row(sector="2.A.1", year=2019)])
    assert len(ei.value.problems) == 2
    msg = str(ei.value)
    assert "1.A.2.a" in msg and "2.A.1" in msg and "2019" in msg


# --- unit elements in emission_factors.csv ------------------------------------------------------


@pytest.mark.parametrize("unit", ["kg CH4/TJ", "kg N2O/TJ"])
def test_ef_unit_naming_another_gas_is_refused(tmp_path, unit):
    """A CO2 row whose unit says it counts CH4 (or N2O) contradicts itself; the loader must not
    read it as kg CO2/TJ."""
    fs = make_factor_set(tmp_path / "s", ef=[ef("fuel", "*", "*", "", "", "CO2", 25.8, unit)], activities=ACT)
    with pytest.raises(FactorSetError):
        load_factor_set(fs)


def test_ef_unit_naming_the_same_gas_is_fine(tmp_path):
    fs = make_factor_set(tmp_path / "s", ef=[ef("fuel", "*", "*", "", "", "CO2", 94600, "kg CO2/TJ")], activities=ACT)
    assert load_factor_set(fs).rules[0].value_norm == pytest.approx(0.0946, rel=1e-14)


def test_ef_co2_in_carbon_units_is_refused_or_converted(tmp_path):
    """A CO2 factor written in tonnes of carbon (t C/TJ) is 44/12 times larger in t CO2/TJ; the
    loader must either convert it or refuse it, never take 25.8 t C/TJ as 25.8 t CO2/TJ."""
    fs = make_factor_set(tmp_path / "s", ef=[ef("fuel", "*", "*", "", "", "CO2", 25.8, "t C/TJ")], activities=ACT)
    try:
        loaded = load_factor_set(fs)
    except FactorSetError:
        return
    assert loaded.rules[0].value_norm == pytest.approx(25.8e-3 * 44 / 12, rel=1e-12)


def test_composite_with_carbon_content_per_mass(tmp_path):
    """carbon_content may be per mass (t C/t): CO2 = 0.7 t C/t × 0.98 × 44/12 per t, no NCV needed."""
    fs = make_factor_set(
        tmp_path / "s",
        carbon=[f"fuel,*,*,,,carbon_content,0.7,t C/t,{S}", f"fuel,*,*,,,oxidation,98,%,{S}"],
        activities=ACT,
    )
    res = run(tmp_path, [fs], [row(amount=2.0, unit="kg")])
    assert value_of(res) == pytest.approx(2e-3 * 0.7 * 0.98 * 44 / 12, rel=1e-14)


@pytest.mark.parametrize("unit", ["t CO2/TJ", "t/TJ", "GJ/t"])
def test_carbon_content_must_count_carbon(tmp_path, unit):
    fs = make_factor_set(
        tmp_path / "s",
        carbon=[f"fuel,*,*,,,carbon_content,25,{unit},{S}", f"fuel,*,*,,,oxidation,0.98,fraction,{S}"],
        activities=ACT,
    )
    with pytest.raises(FactorSetError, match="carbon_factors.csv"):
        load_factor_set(fs)
