"""Completeness: notation keys for the reporting categories × gases a run does not estimate (ghginv.analysis.notation).

Expected rows are counted by hand from the reporting table of ``ghginv.analysis.notation.REPORTING``
(2006 IPCC GL Vol 1 Ch 8 §8.2.2: no empty cells, NE/NO/NA/IE/C where there is no number).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import polars as pl
import pytest

from ghginv import compile_inventory
from ghginv.analysis.notation import (
    combine_keys,
    completeness_table,
    completeness_tables,
    gas_group,
    notation_settings,
    reporting_codes,
    sector_keys,
    summary_line,
)
from ghginv.core.config import load_config
from ghginv.core.errors import ConfigError
from ghginv.pipeline.aggregate import build_inventory

from conftest import ROOT, write_activity

R = "510105"
ENERGY = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_energy"
NOTATION_SCHEMA = {"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String, "notation_key": pl.String}


def _emissions(*extra):
    rows = [dict(year=2024, region=R, scope="direct", sector="1.A.4.b", activity="natural_gas", gas=g, emissions_t=t, co2e_t=c)
            for g, t, c in (("CO2", 56.1, 56.1), ("CH4", 0.005, 0.14), ("N2O", 0.0001, 0.0265))]
    rows += [dict(year=2024, region=R, scope="indirect", sector="1.A.4.b", activity="electricity", gas="CO2", emissions_t=50.0, co2e_t=50.0)]
    rows += list(extra)
    return pl.DataFrame(rows, schema_overrides={"year": pl.Int32})


def _keys(table: dict, **kw):
    return notation_settings(SimpleNamespace(extra={"notation_keys": table}, source=None, **kw))


def _key(inv, category, gas):
    got = inv.filter(pl.col("category") == category, pl.col("gas") == gas, pl.col("notation_key").is_not_null())
    assert got.height <= 1, got
    return got["notation_key"][0] if got.height else None


def test_gas_groups():
    assert [gas_group(g) for g in ("CO2", "CH4", "N2O", "SF6", "NF3")] == ["CO2", "CH4", "N2O", "SF6", "NF3"]
    assert [gas_group(g) for g in ("HFC134a", "HFC32", "HFC4310mee")] == ["HFCs"] * 3
    assert [gas_group(g) for g in ("CF4", "C2F6", "cC4F8", "C10F18")] == ["PFCs"] * 4
    assert [gas_group(g) for g in ("HFE125", "HCFC22", "SF5CF3", "ALL")] == [None] * 4


def test_combine_keys():
    assert combine_keys(["NO", "NO"]) == "NO"
    assert combine_keys(["NO", "NE"]) == "NE"  # part of the parent is not estimated
    assert combine_keys(["NO", "NA", "IE"]) == "IE"
    assert combine_keys(["NA", "NO"]) == "NO"


def test_energy_only_run_shows_every_other_cell_as_ne():
    em = _emissions()
    inv = build_inventory(em)
    # the memo items (international bunkers 1.A.3.a.i, 1.A.3.d.i × CO2, CH4, N2O): 6 NE rows in scope memo
    memo = inv.filter(pl.col("notation_key").is_not_null(), pl.col("scope") == "memo")
    assert memo.height == 6 and set(memo["category"]) == {"1.A.3.a.i", "1.A.3.d.i"} and (memo["notation_key"] == "NE").all()
    keyed = inv.filter(pl.col("notation_key").is_not_null(), pl.col("scope") != "memo")
    # by hand: 68 leaf cells + 22 parent cells (1, 1.A, 3, 4, 5: 3 gases each; 2: 7 gases) = 90, minus the
    # 9 estimated cells 1, 1.A and 1.A.4 × CO2/CH4/N2O
    assert keyed.height == 81
    assert (keyed["notation_key"] == "NE").all() and keyed["emissions_t"].is_null().all() and keyed["co2e_t"].is_null().all()
    assert set(keyed["scope"].unique()) == {"direct"} and "TOTAL" not in keyed["category"].to_list()
    assert set(keyed["category"].unique()) == set(reporting_codes()) - {"1", "1.A", "1.A.4"}
    assert sorted(keyed.filter(pl.col("category") == "2")["gas"].to_list()) == sorted(["CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3"])
    assert sorted(keyed.filter(pl.col("category") == "2.F")["gas"].to_list()) == ["HFCs", "PFCs"]
    assert keyed.filter(pl.col("category") == "4.A")["gas"].to_list() == ["CH4"]
    assert keyed.filter(pl.col("category") == "5")["level"].to_list() == [1, 1, 1]
    assert keyed.filter(pl.col("category") == "1.A.5")["category_name"][0] == "Non-specified"
    # the numbers are the same rows as without completeness, and keys never add up
    plain = build_inventory(em, completeness=False)
    assert inv.filter(pl.col("notation_key").is_null()).equals(plain)
    assert inv.filter(pl.col("category") == "TOTAL", pl.col("scope") == "direct")["co2e_t"].sum() == pytest.approx(56.1 + 0.14 + 0.0265)


def test_fgas_species_count_for_their_group():
    inv = build_inventory(_emissions(dict(year=2024, region=R, scope="direct", sector="2.F.1.a", activity="ac", gas="HFC134a",
                                          emissions_t=0.01, co2e_t=13.0)))
    assert _key(inv, "2.F", "HFCs") is None and _key(inv, "2.F", "PFCs") == "NE"
    assert _key(inv, "2", "HFCs") is None and _key(inv, "2", "SF6") == "NE"
    assert _key(inv, "2.B", "HFCs") == "NE"  # another category of the same gas is still not estimated


def test_user_keys_parent_default_most_specific_wins():
    keys = _keys({"3": "NO", "3.C": {"key": "NE", "reason": "no fertiliser data yet"}, "5": "NO",
                  "2.F": {"key": "NO", "gases": ["PFCs"]}, "1.B": {"key": "IE", "where": "1.A.1", "reason": "gas works in 1.A.1"}})
    inv = build_inventory(_emissions(), keys=keys)
    assert _key(inv, "3.A", "CH4") == _key(inv, "3.B", "CO2") == _key(inv, "3.D", "N2O") == "NO"
    assert _key(inv, "3.C", "N2O") == "NE"
    assert _key(inv, "3", "CO2") == "NE"  # 3.B NO, 3.C NE, 3.D NO -> NE
    assert _key(inv, "3", "CH4") == "NE" and _key(inv, "5", "N2O") == "NO"
    assert _key(inv, "2.F", "PFCs") == "NO" and _key(inv, "2.F", "HFCs") == "NE"
    assert _key(inv, "1.B", "CH4") == "IE" and _key(inv, "1.A.5", "CO2") == "NE"
    assert _key(inv, "1", "CH4") is None  # estimated


def test_user_key_for_a_gas_outside_the_table_adds_the_cell():
    inv = build_inventory(_emissions(), keys=_keys({"4.A": {"key": "NA", "gases": ["CO2"], "reason": "biogenic"}}))
    assert _key(inv, "4.A", "CO2") == "NA" and _key(inv, "4.A", "CH4") == "NE"


@pytest.mark.parametrize("table", [{"1.A.4": "NO"}, {"1": "NO"}, {"1.A": {"key": "NE", "gases": ["CH4"]}}])
def test_a_key_on_an_estimated_cell_is_an_error(table):
    with pytest.raises(ConfigError, match=r"1\.A\.4 has estimates for (CO2|CH4).*cannot carry a notation key"):
        build_inventory(_emissions(), keys=_keys(table))


def test_a_key_for_a_gas_the_category_does_not_estimate_is_fine():
    inv = build_inventory(_emissions(), keys=_keys({"1.A.4": {"key": "NA", "gases": ["SF6"]}}))
    assert _key(inv, "1.A.4", "SF6") == "NA" and _key(inv, "1.A.4", "CO2") is None


@pytest.mark.parametrize("table, needle", [
    ({"2.F": "XX"}, "unknown notation key 'XX'"),
    ({"2.F.1": "NO"}, "'2.F.1' is not a reporting category"),
    ({"9.Z": "NO"}, "'9.Z' is not a reporting category"),
    ({"2.F": {"key": "NO", "gases": ["HFC134a"]}}, "unknown gas 'HFC134a'"),
    ({"1.B": "IE"}, "needs where"),
    ({"1.B": {"key": "IE", "where": "1.Z"}}, "'1.Z' is not an IPCC category"),
    ({"1.B": {"key": "NO", "reson": "typo"}}, "unknown field(s) reson"),
    ({"1.B": 3}, "give a key"),
])
def test_bad_user_keys(table, needle):
    with pytest.raises(ConfigError) as e:
        _keys(table)
    assert needle in str(e.value)


def test_dotted_toml_keys_and_csv(tmp_path):
    (tmp_path / "keys.csv").write_text(
        "category,gas,key,reason,where\n2.E,,NO,no electronics industry in the district,\n2.F,HFCs,IE,,2.G\n", encoding="utf-8")
    toml = tmp_path / "inv.toml"
    toml.write_text('[activity]\npaths = ["a.parquet"]\n[factors]\nsets = ["ipcc2006_energy"]\n'
                    '[notation_keys]\n1.B = "NO"\n"3.A" = { key = "NO", reason = "no livestock" }\npath = "keys.csv"\n', encoding="utf-8")
    keys = notation_settings(load_config(toml))
    got = {(k.category, k.gas, k.key, k.reason, k.where) for k in keys}
    assert got == {("1.B", None, "NO", "", ""), ("3.A", None, "NO", "no livestock", ""),
                   ("2.E", None, "NO", "no electronics industry in the district", ""), ("2.F", "HFCs", "IE", "", "2.G")}
    assert {k.origin for k in keys if k.category == "2.F"} == {"keys.csv row 3"}
    # the same cell twice with different keys
    (tmp_path / "keys.csv").write_text("category,gas,key\n1.B,,NE\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="1.B = NE, but"):
        notation_settings(load_config(toml))


def test_keys_from_the_activity_data_at_a_reporting_category():
    notation = pl.DataFrame([(2024, R, "1.B", "coal_mining", "NO"), (2024, R, "3.A.1", "dairy_cattle", "NO"),
                             (2024, R, "4", "msw", "NO")], schema=NOTATION_SCHEMA, orient="row")
    inv = build_inventory(_emissions(), notation, keys=_keys({"4.D": "NE"}))
    assert _key(inv, "1.B", "CO2") == "NO"
    assert _key(inv, "3.A", "CH4") == "NE"  # a key for 3.A.1 says nothing about 3.A.2
    assert _key(inv, "3.A.1", "ALL") == "NO"  # the data's own row stays
    assert _key(inv, "4.A", "CH4") == "NO" and _key(inv, "4.D", "CH4") == "NE"  # the TOML key wins
    assert _key(inv, "4", "CH4") == "NE"


def test_rows_per_year_and_region():
    em = pl.concat([_emissions(), _emissions().with_columns(pl.lit(2023, pl.Int32).alias("year"), pl.lit("510104").alias("region"))])
    keyed = build_inventory(em).filter(pl.col("notation_key").is_not_null())
    # 81 reporting cells (test_energy_only_run_shows_every_other_cell_as_ne) + 6 memo cells (2 bunkers × 3 gases)
    assert keyed.group_by("year", "region").len().sort("year")["len"].to_list() == [87, 87]
    assert keyed.filter(pl.col("scope") == "memo").group_by("year", "region").len()["len"].to_list() == [6, 6]


def test_views_table_sector_keys_summary():
    inv = build_inventory(_emissions(dict(year=2024, region=R, scope="direct", sector="3.B.1.a", activity="forest", gas="CO2",
                                          emissions_t=-10.0, co2e_t=-10.0)), keys=_keys({"5": "NO"}))
    tab = completeness_table(inv)
    row = {r["category"]: r for r in tab.iter_rows(named=True)}
    # the reporting categories, then the memo items (international bunkers, NE without bunker rows)
    assert tab["category"].to_list() == [*reporting_codes(), "1.A.3.a.i", "1.A.3.d.i"] and tab["year"].unique().to_list() == [2024]
    assert row["1.A.4"]["CO2_co2e_t"] == pytest.approx(56.1) and row["1.A.4"]["CO2_key"] is None
    assert row["1.A.5"]["CO2_key"] == "NE" and row["1.A.5"]["HFCs_key"] is None and row["1.A.5"]["HFCs_co2e_t"] is None
    assert row["3"]["CO2_co2e_t"] == pytest.approx(-10.0) and row["3"]["CH4_key"] == "NE"
    assert row["5"]["N2O_key"] == "NO"
    assert sector_keys(inv) == {("2", 2024): "NE", ("4", 2024): "NE", ("5", 2024): "NO"}
    line = summary_line(inv)
    assert line.startswith("completeness 2024") and "4 estimated" in line  # 1.A.4 × 3 gases + 3.B CO2
    assert "sector 2 (NE)" in line and "sector 5 (NO)" in line and "1.A.5 (NE)" in line and "3.A (NE)" in line


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_completeness_tables_of_many_years_equal_each_year_alone(seed):
    """The tables of several years grouped and summed together equal each year's table from its rows alone (the
    same sums to the bit: each group's rows in table order), the keys of unestimated cells and memo items included."""
    rng = np.random.default_rng(seed)
    sectors = ["1.A.1.a", "1.A.2.e", "1.A.4.b", "2.A.1", "3.A.1", "1.A.3.a.i"]  # the last: international bunkers (memo)
    rows = [dict(year=int(y), region=f"51010{rng.integers(3)}", scope="direct", sector=str(rng.choice(sectors)), activity="x",
                 gas=str(g), emissions_t=float(v), co2e_t=float(v) * float(rng.uniform(0.5, 300)))
            for y, g, v in zip(rng.integers(2019, 2024, 300), rng.choice(["CO2", "CH4", "N2O", "HFC-23"], 300),
                               rng.lognormal(3, 2, 300), strict=True)]
    inv = build_inventory(pl.DataFrame(rows, schema_overrides={"year": pl.Int32}), keys=_keys({"5": "NO", "2.B": "NE"}))
    years = sorted(inv["year"].unique().to_list())
    assert len(years) == 5 and inv.filter(pl.col("scope") == "memo").height
    mixed = inv.sample(fraction=1.0, shuffle=True, seed=seed)  # the years' rows interleaved
    assert mixed["year"].to_list() != sorted(mixed["year"].to_list())
    got = completeness_tables(mixed, [*years, 1999, None])
    for y in years:  # rows of other years between them change nothing
        assert got[y].equals(completeness_table(mixed.filter(pl.col("year") == y), y))
        assert got[y].height > len(reporting_codes()) and got[y]["year"].to_list() == [y] * got[y].height
    empty = got[1999].drop("year", "category", "level", "category_name")
    assert got[1999].equals(completeness_table(inv, 1999)) and empty.null_count().row(0) == (got[1999].height,) * empty.width
    assert got[None]["year"].null_count() == got[None].height
    assert completeness_table(mixed).equals(got[years[-1]])


def test_report_section_and_sheet(tmp_path):
    import openpyxl
    import xlsxwriter

    from ghginv.report._completeness import completeness_section, completeness_sheet
    from ghginv.report.data import ReportData

    keys = _keys({"3.A": {"key": "NO", "reason": "no livestock in the district"}})
    inv = build_inventory(_emissions(), keys=keys)
    manifest = {"completeness": {"user_keys": [{"category": "3.A", "gas": "ALL", "key": "NO", "reason": "no livestock in the district", "where": ""}]}}
    d = ReportData(manifest, _emissions(), inv, pl.DataFrame())
    html = completeness_section(d, "en")
    assert "Completeness" in html and "1.A.4 Other sectors</td><td>0.06</td>" in html
    assert '<span class="na">NO</span>' in html and "no livestock in the district" in html
    assert "完整性" in completeness_section(d, "zh")
    wb = xlsxwriter.Workbook(str(tmp_path / "c.xlsx"))
    completeness_sheet(wb, d, wb.add_format(), wb.add_format(), "SYNTHETIC")
    wb.close()
    ws = openpyxl.load_workbook(tmp_path / "c.xlsx")["Completeness"]
    rows = {r[1]: r for r in ws.iter_rows(min_row=4, values_only=True)}
    assert [c.value for c in ws[3]][:4] == ["year", "category", "category_name", "CO2 (t CO2e or key)"]
    assert rows["1.A.4"][:4] == (2024, "1.A.4", "Other sectors", pytest.approx(56.1))
    assert rows["3.A"][3:6] == (None, "NO", "NO") and rows["2.F"][6:8] == ("NE", "NE")


def test_compile_writes_keys_and_manifest(tmp_path):
    act = write_activity(tmp_path / "a.parquet", [dict(year=2024, region=R, sector="1.A.4.b", activity="natural_gas", amount=1.0, unit="TJ")])
    toml = tmp_path / "inv.toml"
    toml.write_text(f'[activity]\npaths = ["{act.name}"]\n[factors]\nsets = ["{ENERGY}"]\n'
                    '[notation_keys]\n"1.B" = { key = "NO", reason = "no fuel extraction in the district" }\n', encoding="utf-8")
    res = compile_inventory(toml, out=tmp_path / "out")
    inv = pl.read_parquet(tmp_path / "out" / "inventory.parquet")
    assert _key(inv, "1.B", "CH4") == "NO" and _key(inv, "2", "SF6") == "NE" and _key(inv, "1.A.4", "CO2") is None
    m = res.manifest()["completeness"]
    assert m["user_keys"] == [{"category": "1.B", "gas": "ALL", "key": "NO", "reason": "no fuel extraction in the district", "where": "",
                               "origin": "[notation_keys] in inv.toml"}]
    assert m["cells_keyed"]["NO"] == 3 and m["cells_keyed"]["NE"] > 50
    toml.write_text(toml.read_text(encoding="utf-8").replace('"1.B"', '"1.A.4"'), encoding="utf-8")
    with pytest.raises(ConfigError, match="1.A.4 has estimates"):
        compile_inventory(toml)


def test_completeness_codes_are_the_rows_columns():
    """``completeness_rows(with_codes=True)``: the same rows, and each coded column decodes to the
    column (the inventory sorts the rows on these codes); the roll-up's codes handed in give the
    same rows as codes worked out from the rows."""
    from ghginv.analysis.notation import completeness_rows
    from ghginv.pipeline.aggregate import _rollup

    em = pl.concat([_emissions(), _emissions().with_columns(pl.lit(2023, pl.Int32).alias("year"), pl.lit("510104").alias("region"))])
    notation = pl.DataFrame([(2024, R, "1.B", "coal_mining", "NO"), (2022, "510199", "3.A.1", "dairy_cattle", "NO"),
                             (2024, R, "1.A.3.d.i", "bunker_fuel_oil", "NO")], schema=NOTATION_SCHEMA, orient="row")
    keys = _keys({"4.D": "NE", "2.F": {"key": "NO", "gases": ["PFCs"]}, "1.A.4": {"key": "NA", "gases": ["SF6"]}})
    rolled, _, codes = _rollup(em, ("emissions_t", "co2e_t"))
    rolled = rolled.with_columns(pl.lit(None, pl.String).alias("notation_key"))
    plain = completeness_rows(rolled, notation, {}, keys)
    rows, got = completeness_rows(rolled, notation, {}, keys, codes, with_codes=True)
    assert rows.equals(plain) and rows.height > 3 * 81  # three year-regions (one only in the notation rows)
    assert set(rows.select("year", "region").unique().rows()) == {(2024, R), (2023, "510104"), (2022, "510199")}
    for k, (vals, c) in got.items():
        assert vals == sorted(vals) and c.shape == (rows.height,)
        assert pl.Series([*vals, None], dtype=pl.String).gather(c).to_list() == rows[k].to_list(), k
    bare, bare_codes = completeness_rows(rolled, notation, {}, keys, codes, with_codes=True, strings=False)
    assert bare.equals(rows.select("year", "level")) and bare_codes.keys() == got.keys()  # strings=False: the same rows, not as strings
    assert all(bare_codes[k][0] == got[k][0] and np.array_equal(bare_codes[k][1], got[k][1]) for k in got)


@pytest.mark.parametrize("with_keys", [False, True])
def test_completeness_without_strings_is_the_same_rows(with_keys):
    """``strings=False``: the year and level of the rows and the same codes, whether every cell is NE (the rows
    from positions alone) or user and data keys join in."""
    from ghginv.analysis.notation import completeness_rows
    from ghginv.pipeline.aggregate import _rollup

    rolled, _, codes = _rollup(_emissions(), ("emissions_t", "co2e_t"))
    notation = pl.DataFrame([(2024, R, "1.B", "coal_mining", "NO")], schema=NOTATION_SCHEMA, orient="row") if with_keys else None
    keys = _keys({"2.F": {"key": "NO", "gases": ["PFCs"]}}) if with_keys else []
    rows, got = completeness_rows(rolled, notation, {}, keys, codes, with_codes=True)
    bare, bare_codes = completeness_rows(rolled, notation, {}, keys, codes, with_codes=True, strings=False)
    assert rows.height > 81 and bare.equals(rows.select("year", "level"))
    for k, (vals, c) in got.items():
        assert bare_codes[k][0] == vals and np.array_equal(bare_codes[k][1], c), k


@pytest.mark.parametrize("seed", range(12))
def test_distinct_is_unique_and_searchsorted(seed):
    """``_distinct`` (a count per value when the values are dense, else a sort) gives ``numpy.unique``
    and the ``searchsorted`` positions, for dense and sparse values."""
    import numpy as np

    from ghginv.analysis.notation import _distinct

    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 5000))
    spread = [10, 20_000, 10 ** 12][seed % 3]
    x = rng.integers(-spread, spread, n).astype(np.int64) + 2019
    values, at = _distinct(x)
    want = np.unique(x)
    assert values.dtype == want.dtype and np.array_equal(values, want)
    q = x[rng.integers(0, n, 100)] if n else x
    assert np.array_equal(at(q), np.searchsorted(want, q))
