"""A more specific rule always wins (docs/factor-set-format.md "Precedence"): among the rules of
a set that match a cell, the one with the most specific sector wins (exact > longer prefix >
'*'), ties broken by the most specific region (exact > longer prefix > '*'). Rules that do not
match (another branch of the tree, another region, years outside the range) never win, however
specific they are."""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ghginv import compile_inventory

from conftest import make_factor_set, write_activity

CELL_SECTORS = ["1.A.1.a.i", "1.A.4.c.ii", "1.A.3.b.iii", "1.A.2.c", "2.B.1", "1.A", "4.A.1"]
CELL_REGIONS = ["510105", "5101", "110101", "51"]
DECOY_SECTORS = ["1.A.1.b", "1.A.1.a.ii", "2.*", "1.B.*", "3.A.*", "4.B", "2.B.10", "1.A.1.c.*", "1.A.3.a.*"]
DECOY_REGIONS = ["510106", "52*", "6*", "5102*", "11010*", "510105X"]


def sector_patterns(s: str) -> list[tuple[str, int]]:
    parts = s.split(".")
    pats = [("*", 0)] + [(".".join(parts[:i]) + ".*", i) for i in range(1, len(parts) + 1)] + [(s, 1000)]
    return pats


def region_patterns(r: str) -> list[tuple[str, int]]:
    return [("*", 0)] + [(r[:i] + "*", i) for i in range(1, len(r) + 1)] + [(r, 1000)]


@st.composite
def scenario(draw):
    sector = draw(st.sampled_from(CELL_SECTORS))
    region = draw(st.sampled_from(CELL_REGIONS))
    pairs = [(sp, rp) for sp, _ in sector_patterns(sector) for rp, _ in region_patterns(region)]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=8, unique=True))
    decoys = draw(
        st.lists(
            st.one_of(
                st.tuples(st.sampled_from(DECOY_SECTORS), st.sampled_from([p for p, _ in region_patterns(region)])),
                st.tuples(st.sampled_from([p for p, _ in sector_patterns(sector)]), st.sampled_from(DECOY_REGIONS)),
            ),
            max_size=5,
            unique=True,
        )
    )
    # a more specific matching rule that is out of its years
    out_of_years = draw(st.lists(st.sampled_from([(sp, rp) for sp, rp in pairs if (sp, rp) not in chosen] or [None]), max_size=3, unique=True))
    decoys = [d for d in decoys if not (sector_matches(d[0], sector) and region_matches(d[1], region))]
    return sector, region, chosen, decoys, [o for o in out_of_years if o is not None]


def sector_matches(pattern: str, sector: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        p = pattern[:-2]
        return sector == p or sector.startswith(p + ".")
    return sector == pattern


def region_matches(pattern: str, region: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith("*"):
        return region.startswith(pattern[:-1])
    return region == pattern


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario(), st.sampled_from([2005, 2020]))
def test_most_specific_matching_rule_wins(sc, year):
    sector, region, chosen, decoys, out_of_years = sc
    s_spec = dict(sector_patterns(sector))
    r_spec = dict(region_patterns(region))
    rows, values = [], {}
    for i, (sp, rp) in enumerate(chosen):
        values[(sp, rp)] = float(i + 1)
        rows.append(f"fuel,{sp},{rp},,,CO2,{i + 1},t/t,src,loc,V")
    for j, (sp, rp) in enumerate(decoys):
        rows.append(f"fuel,{sp},{rp},,,CO2,{1000 + j},t/t,src,loc,V")
    for j, (sp, rp) in enumerate(out_of_years):
        rows.append(f"fuel,{sp},{rp},1990,1999,CO2,{2000 + j},t/t,src,loc,V")
        rows.append(f"fuel,{sp},{rp},2030,,CO2,{3000 + j},t/t,src,loc,V")
    best = max(chosen, key=lambda p: (s_spec[p[0]], r_spec[p[1]]))
    with tempfile.TemporaryDirectory() as d:
        fs = make_factor_set(Path(d) / "spec", ef=rows, activities=["fuel,Fuel,,,solid"])
        act = write_activity(Path(d) / "a.parquet", [dict(year=year, region=region, sector=sector, activity="fuel", amount=1.0, unit="t")])
        res = compile_inventory(activity=[str(act)], factors=[str(fs)], gwp="AR5GWP100")
    got = res.emissions.filter(pl.col("gas") == "CO2")["emissions_t"].to_list()
    assert got == [values[best]], (best, chosen, decoys)
    used = res.factors_used.filter(pl.col("item") == "CO2")
    assert used["rule"].to_list() == [f"spec/emission_factors.csv:{chosen.index(best) + 2}"]
