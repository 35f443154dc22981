"""The provincial tables of inventory.xlsx as frames (ghginv.report.provincial): every number is a sum of
emission rows in 万吨 (t / 1e4), the sectors add up to the totals, sub-items to their sector, and random
inventories (hypothesis) keep both."""

from __future__ import annotations

import math

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.core.gwp import MONTREAL_GASES
from ghginv.report.provincial import (
    SECTOR_TABLES,
    SUMMARY_ROWS,
    energy_activity_table,
    energy_sector,
    net_import_memo,
    provincial_sheets,
    sector_table,
    summary_sheet,
    summary_table,
)

GASES = ["CO2", "CH4", "N2O", "HFC-134a", "HFC-32", "CF4", "SF6", "NF3", "HCFC22"]
ACTIVITIES = {"diesel": "liquid", "wood": "biomass", "electricity": "electricity", "heat": "heat", "proc": "other"}
SECTORS = ["1.A.1.a", "1.A.2.e", "1.A.2.k", "1.A.3.a.i", "1.A.3.a.ii", "1.A.3.b", "1.A.3.d.i", "1.A.4.a", "1.A.4.b", "1.A.4.c",
           "1.A.5", "1.B.1.a", "1.B.2", "1.C", "2.A.1", "2.B.9", "2.C.1", "2.F.1", "2.G.1", "3.A.1", "3.A.2", "3.B.1.a", "3.B.5.a",
           "3.C.4", "3.C.7", "3.C.1", "3.D.1", "3.D.2", "4.A.1", "4.C.1", "4.D.1", "4.D.2", "5.A"]


def _under(code: str, *prefixes: str) -> bool:
    """An independent prefix test (code equals the prefix or starts with it plus a dot)."""
    return any(code == p or code.startswith(p + ".") for p in prefixes)


def _scope(activity: str, gas: str, sector: str) -> str:
    cls = ACTIVITIES[activity]
    if (cls == "biomass" and gas == "CO2") or gas in MONTREAL_GASES:
        return "memo"
    if cls in ("electricity", "heat"):
        return "indirect"
    return "memo" if _under(sector, *BUNKERS) else "direct"  # international bunkers: memo items (methods/emissions.py)


def _energy_activity(rows) -> pl.DataFrame:
    return pl.DataFrame([{"year": y, "region": "r1", "sector": "1.A.4.b", "activity": a, "name_en": a, "name_zh": a, "fuel_class": c,
                          "dimension": "energy", "amount_base": 36.0, "energy_tce": None} for y in {r["year"] for r in rows}
                         for a, c in ACTIVITIES.items()])


row = st.fixed_dictionaries({
    "year": st.sampled_from([2020, 2021]),
    "region": st.sampled_from(["r1", "r2"]),
    "sector": st.sampled_from(SECTORS),
    "activity": st.sampled_from(sorted(ACTIVITIES)),
    "gas": st.sampled_from(GASES),
    "emissions_t": st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
    "gwp": st.sampled_from([1.0, 28.0, 265.0, 1300.0]),
})


def _emissions(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame([{**{k: r[k] for k in ("year", "region", "sector", "activity", "gas", "emissions_t")},
                          "co2e_t": r["emissions_t"] * r["gwp"], "scope": _scope(r["activity"], r["gas"], r["sector"])} for r in rows],
                        schema={"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String, "gas": pl.String,
                                "emissions_t": pl.Float64, "co2e_t": pl.Float64, "scope": pl.String})


def _close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _by(em: pl.DataFrame, year: int, keep) -> pl.DataFrame:
    return em.filter(pl.col("year") == year, pl.col("sector").map_elements(keep, return_dtype=pl.Boolean))


SECTOR_PREFIXES = {"1": ("1",), "2": ("2",), "3": ("3.A", "3.C", "3.D.2"), "4": ("3.B", "3.D.1"), "5": ("4",), "6": ("5",)}
BUNKERS = ("1.A.3.a.i", "1.A.3.d.i")


def _expected_sector(em: pl.DataFrame, year: int, code: str) -> pl.DataFrame:
    d = em.filter(pl.col("scope") == "direct")
    return _by(d, year, lambda s: _under(s, *SECTOR_PREFIXES[code]) and not _under(s, *BUNKERS))


@settings(max_examples=60, deadline=None)
@given(st.lists(row, min_size=1, max_size=40))
def test_summary_equals_the_sums_of_the_emission_rows(rows):
    em = _emissions(rows)
    t = summary_table(em, _energy_activity(rows))
    get = {(r["year"], r["code"]): r for r in t.iter_rows(named=True)}
    for y in sorted(em["year"].unique().to_list()):
        total = 0.0
        excl = 0.0
        for code in SECTOR_PREFIXES:
            exp = _expected_sector(em, y, code)
            if code == "6" and exp.height == 0:
                assert (y, "6") not in get
                continue
            r = get[(y, code)]
            for gas_col, gas in (("CO2_10kt", "CO2"), ("CH4_10kt", "CH4"), ("N2O_10kt", "N2O")):
                g = exp.filter(pl.col("gas") == gas)
                assert _close(r[gas_col], g["emissions_t"].sum() / 1e4 if g.height else None), (code, gas)
            hfc = exp.filter(pl.col("gas").str.starts_with("HFC"))
            assert _close(r["HFCs_10kt_co2e"], hfc["co2e_t"].sum() / 1e4 if hfc.height else None)
            for grp, gas in (("PFCs", "CF4"), ("SF6", "SF6"), ("NF3", "NF3")):
                g = exp.filter(pl.col("gas") == gas)
                assert _close(r[f"{grp}_10kt_co2e"], g["co2e_t"].sum() / 1e4 if g.height else None), (code, grp)
            assert _close(r["co2e_10kt"], exp["co2e_t"].sum() / 1e4 if exp.height else None)
            total += exp["co2e_t"].sum()
            excl += 0.0 if code == "4" else exp["co2e_t"].sum()
        t1, t2 = get[(y, "T1")], get[(y, "T2")]
        for r, want, has in ((t1, total, any(_expected_sector(em, y, c).height for c in SECTOR_PREFIXES)),
                             (t2, excl, any(_expected_sector(em, y, c).height for c in SECTOR_PREFIXES if c != "4"))):
            if has:
                assert math.isclose(r["co2e_10kt"], want / 1e4, rel_tol=1e-9, abs_tol=1e-6)
            else:
                assert r["co2e_10kt"] is None
        # memo rows: bunkers where present, biomass CO2, indirect (outside the totals)
        bunk = _by(em.filter(pl.col("scope") == "memo", ~pl.col("gas").is_in(list(MONTREAL_GASES))), y, lambda s: _under(s, *BUNKERS))
        assert ((y, "M1") in get) == (bunk.height > 0)
        if bunk.height:
            assert _close(get[(y, "M1")]["co2e_10kt"], bunk["co2e_t"].sum() / 1e4)
        bio = _by(em.filter(pl.col("scope") == "memo", pl.col("gas") == "CO2"), y, lambda s: not _under(s, *BUNKERS))
        assert _close(get[(y, "M2")]["CO2_10kt"], bio["emissions_t"].sum() / 1e4 if bio.height else None)
        ind = em.filter(pl.col("year") == y, pl.col("scope") == "indirect")
        assert _close(get[(y, "M3")]["co2e_10kt"], ind["co2e_t"].sum() / 1e4 if ind.height else None)


@settings(max_examples=60, deadline=None)
@given(st.lists(row, min_size=1, max_size=40))
def test_items_partition_their_sector(rows):
    """The sub-items of each sector (with its "other" row) add up to the sector, gas by gas; the
    fossil-combustion sub-sectors add up to fossil combustion."""
    em = _emissions(rows)
    t = summary_table(em, _energy_activity(rows))
    cols = [c for c in t.columns if c.endswith("_10kt") or c.endswith("_10kt_co2e")]
    for y in sorted(em["year"].unique().to_list()):
        ty = t.filter(pl.col("year") == y)
        for parent, children in (("1", ("1.1", "1.2", "1.3", "1.4", "1.5")), ("1.1", tuple(f"1.1.{i}" for i in range(1, 8))),
                                 ("2", tuple(f"2.{i}" for i in range(1, 13))), ("3", tuple(f"3.{i}" for i in range(1, 6))),
                                 ("4", tuple(f"4.{i}" for i in range(1, 9))), ("5", tuple(f"5.{i}" for i in range(1, 6)))):
            p = ty.filter(pl.col("code") == parent).row(0, named=True)
            ch = ty.filter(pl.col("code").is_in(children))
            for c in cols:
                vals = [v for v in ch[c].to_list() if v is not None]
                if p[c] is None:
                    assert not vals, (parent, c)
                else:
                    assert math.isclose(p[c], sum(vals), rel_tol=1e-9, abs_tol=1e-6), (parent, c)


@settings(max_examples=30, deadline=None)
@given(st.lists(row, min_size=1, max_size=30))
def test_sector_tables_match_the_summary(rows):
    """Each per-sector sheet's sector row has the summary's CO2e; the waste shares of the items add to 100 %."""
    em = _emissions(rows)
    ea = _energy_activity(rows)
    s = {(r["year"], r["code"]): r for r in summary_table(em, ea).iter_rows(named=True)}
    for tab, code in zip(SECTOR_TABLES[1:], ("2", "3", "4", "5")):
        df = sector_table(em, tab, "en", ea)
        co2e = "CO2e (10^4 t)"
        for r in df.filter(pl.col("Code") == code).iter_rows(named=True):
            assert _close(r[co2e], s[(r["Year"], code)]["co2e_10kt"])
    en = sector_table(em, SECTOR_TABLES[0], "en", ea)  # energy: fossil total + biomass + fugitive + other = summary "1"
    for y in sorted(em["year"].unique().to_list()):
        e = en.filter(pl.col("Year") == y, pl.col("Code").is_in(["1", "2", "3", "4", "5"]))["CO2e (10^4 t)"].to_list()
        v = [x for x in e if x is not None]
        exp = s[(y, "1")]["co2e_10kt"]
        if exp is None:
            assert not v
        else:
            assert math.isclose(sum(v), exp, rel_tol=1e-9, abs_tol=1e-6)


def test_summary_layout_and_languages():
    em = _emissions([{"year": 2020, "region": "r1", "sector": "1.A.4.b", "activity": "diesel", "gas": "CO2", "emissions_t": 12345.0, "gwp": 1.0},
                     {"year": 2020, "region": "r2", "sector": "1.A.3.a.i", "activity": "diesel", "gas": "CO2", "emissions_t": 500.0, "gwp": 1.0},
                     {"year": 2020, "region": "r1", "sector": "2.F.1", "activity": "proc", "gas": "HFC-134a", "emissions_t": 2.0, "gwp": 1300.0},
                     {"year": 2020, "region": "r1", "sector": "3.B.1.a", "activity": "proc", "gas": "CO2", "emissions_t": -1000.0, "gwp": 1.0}])
    t = summary_table(em)
    got = {r["code"]: r for r in t.iter_rows(named=True)}
    assert got["1"]["CO2_10kt"] == pytest.approx(1.2345)  # 12,345 t = 1.2345 万吨; the bunker is outside
    assert got["1.1.6"]["CO2_10kt"] == pytest.approx(1.2345) and got["1.1.4"]["CO2_10kt"] is None
    assert got["M1"]["CO2_10kt"] == pytest.approx(0.05) and got["M1.1"]["CO2_10kt"] == pytest.approx(0.05)
    assert got["2"]["HFCs_10kt_co2e"] == pytest.approx(0.26) and got["2"]["CO2_10kt"] is None
    assert got["T2"]["co2e_10kt"] == pytest.approx(1.2345 + 0.26) and got["T1"]["co2e_10kt"] == pytest.approx(1.2345 + 0.26 - 0.1)
    assert got["4"]["CO2_10kt"] == pytest.approx(-0.1)
    assert [r.code for r in SUMMARY_ROWS if r.level == 1] == ["1", "2", "3", "4", "5", "6"]
    zh = summary_sheet(t, "zh")
    assert zh.columns[:4] == ["年份", "编号", "项目", "二氧化碳（万吨）"] and "温室气体合计（万吨二氧化碳当量）" in zh.columns
    items = zh["项目"].to_list()
    assert items[:3] == ["总量（含LULUCF）", "总量（不含LULUCF）", "能源活动"] and "备忘项：国际燃料舱" in items
    en = summary_sheet(t, "en")
    assert en.columns[3] == "CO2 (10^4 t)" and "Total emissions (excluding LULUCF)" in en["Item"].to_list()
    for df in (zh, en):  # values stay numbers
        assert all(df.schema[c] == pl.Float64 for c in df.columns[3:-1])


def test_net_imported_electricity_memo():
    """电力调入调出: net imports × the run's average factor of purchased electricity (indirect CO2 / kWh consumed)."""
    ea = pl.DataFrame([{"year": 2020, "region": "r1", "sector": "1.A.4.b", "activity": "electricity", "name_en": "Electricity",
                        "name_zh": "电力", "fuel_class": "electricity", "dimension": "energy", "amount_base": 3.6e6 * 0.0036 / 3.6,
                        "energy_tce": 1.0}])  # 1e6 kWh
    bal = pl.DataFrame({"year": [2020], "region": ["ALL"], "fuel": ["electricity"], "unit": ["10^4 kWh"], "imports": [150.0], "exports": [50.0],
                        "net_imports": [100.0], "net_imports_kwh": [1e6]}, schema_overrides={"year": pl.Int32})
    memo = net_import_memo(ea, bal, {2020: 600.0})  # 600 t over 1e6 kWh = 0.6 kg/kWh
    assert memo[2020]["factor_kg_per_kwh"] == pytest.approx(0.6) and memo[2020]["co2_t"] == pytest.approx(600.0)
    em = _emissions([{"year": 2020, "region": "r1", "sector": "1.A.4.b", "activity": "electricity", "gas": "CO2", "emissions_t": 600.0, "gwp": 1.0}])
    t = summary_table(em, ea.with_columns(pl.col("year").cast(pl.Int32)), bal)
    r = t.filter(pl.col("code") == "M3.4").row(0, named=True)
    assert r["CO2_10kt"] == pytest.approx(0.06) and "净调入电力 100.00 万千瓦时" in r["note_zh"] and "0.6000" in r["note_en"]
    assert summary_table(em, ea).filter(pl.col("code") == "M3.4").height == 0  # no balance: no row


def test_energy_activity_table_units_and_totals():
    ea = pl.DataFrame([
        {"year": 2020, "region": "r1", "sector": "1.A.2.e", "activity": "natural_gas", "name_en": "Natural gas", "name_zh": "天然气",
         "fuel_class": "gaseous", "dimension": "volume", "amount_base": 2e4, "energy_tce": 24.286},
        {"year": 2020, "region": "r2", "sector": "1.A.4.b", "activity": "natural_gas", "name_en": "Natural gas", "name_zh": "天然气",
         "fuel_class": "gaseous", "dimension": "volume", "amount_base": 1e4, "energy_tce": 12.143},
        {"year": 2020, "region": "r1", "sector": "1.A.4.b", "activity": "electricity", "name_en": "Electricity", "name_zh": "电力",
         "fuel_class": "electricity", "dimension": "energy", "amount_base": 36.0, "energy_tce": 1.229},
        {"year": 2020, "region": "r1", "sector": "1.A.4.b", "activity": "wood", "name_en": "Wood", "name_zh": "薪柴",
         "fuel_class": "biomass", "dimension": "mass", "amount_base": 5.0, "energy_tce": None}],
        schema_overrides={"year": pl.Int32})
    phys = energy_activity_table(ea, "zh", "physical")
    assert phys.columns[:3] == ["年份", "编号", "项目"]
    assert {"天然气（万立方米）", "电力（万千瓦时）", "薪柴（吨）"} <= set(phys.columns)
    tot = phys.filter(pl.col("编号") == "T").row(0, named=True)
    assert tot["天然气（万立方米）"] == pytest.approx(3.0) and tot["电力（万千瓦时）"] == pytest.approx(1.0) and tot["薪柴（吨）"] == 5.0
    assert phys["编号"].to_list() == ["T", "1.2.5", "1.5"]
    tce = energy_activity_table(ea, "en", "tce")
    assert "Wood (tce)" not in tce.columns  # biomass: outside the statistical total
    t = tce.filter(pl.col("Code") == "T").row(0, named=True)
    assert t["Total (tce)"] == pytest.approx(24.286 + 12.143 + 1.229)
    assert energy_activity_table(None) is None


def test_energy_sector_rows():
    assert energy_sector("1.A.1.a")[0] == "1.1.1" and energy_sector("1.A.2.e")[0] == "1.2.5" and energy_sector("1.A.2.k")[0] == "1.2.6"
    assert energy_sector("1.A.3.a.i")[0] == "M.1" and energy_sector("1.A.3.a.ii")[0] == "1.3.1"
    assert energy_sector("1.A.4.a")[0] == energy_sector("1.A.5")[0] == "1.4" and energy_sector("1.A.4.b")[2] == "居民生活"
    assert energy_sector("2.B.1")[0] == "6"


def test_sheets_in_both_languages_have_unique_short_names():
    em = _emissions([{"year": 2020, "region": "r1", "sector": "4.A.1", "activity": "proc", "gas": "CH4", "emissions_t": 10.0, "gwp": 28.0}])
    for lang, first in (("zh", "清单汇总表"), ("en", "Provincial summary")):
        sheets = provincial_sheets(em, None, None, lang)
        names = [n for n, _, _ in sheets]
        assert names[0] == first and len(set(names)) == len(names) and all(len(n) <= 31 for n in names)
        waste = dict((n, df) for n, df, _ in sheets)["废弃物处理" if lang == "zh" else "Waste"]
        assert waste.row(0)[-1] == 100.0  # the sector's own share
