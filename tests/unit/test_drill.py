"""ghginv.drill_down / drill_path / changed_factors and ``ghginv drill``: the levels of a run from its
total to the factor rows, their sums, the bad filters, and the changed factor rows of two runs.

Values: the synthetic demo (README "A short example": direct emissions 2020 1,462.6 kt CO2e, indirect
547.2 kt) and hand derivations from 2006 IPCC GL Vol 2 Table 1.2 (NCV of natural gas 48.0 TJ/Gg) and
Table 1.4 (CO2 56,100 kg/TJ) on a tiny run with entities.
"""

from __future__ import annotations

import json
import shutil

import polars as pl
import pytest
from typer.testing import CliRunner

import ghginv
from ghginv.cli import app

from conftest import ROOT, make_factor_set, write_activity

DEMO_TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
SRC = "2006 IPCC GL Vol 2"
CO2_PER_T_GAS = 48.0e-3 * 56.1  # t CO2 per t natural gas: NCV 48.0 TJ/Gg (Table 1.2) × 56.1 t CO2/TJ (Table 1.4)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    out = tmp_path_factory.mktemp("drill_demo") / "run"
    return out, ghginv.compile_inventory(DEMO_TOML, out=out)


@pytest.fixture(scope="module")
def demo(compiled):
    return compiled[0]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Natural gas in two regions, two entities and one row without entity; 5 t booked at 1.A.2 itself."""
    tmp = tmp_path_factory.mktemp("drill_tiny")
    s = make_factor_set(tmp / "t_ipcc", ef=[f"natural_gas,*,*,,,CO2,56100,kg/TJ,{SRC},Table 1.4,V2"],
                        conv=[f"natural_gas,ncv,*,,,48.0,TJ/Gg,{SRC},Table 1.2,V2"],
                        activities=["natural_gas,Natural Gas,天然气,Natural Gas,gaseous"])
    rows = [
        {"year": 2022, "region": "R1", "sector": "1.A.2.a", "activity": "natural_gas", "amount": 10.0, "unit": "t", "entity_id": "E1"},
        {"year": 2022, "region": "R1", "sector": "1.A.2.a", "activity": "natural_gas", "amount": 30.0, "unit": "t", "entity_id": "E2"},
        {"year": 2022, "region": "R1", "sector": "1.A.2", "activity": "natural_gas", "amount": 5.0, "unit": "t", "entity_id": "E1"},
        {"year": 2022, "region": "R2", "sector": "1.A.2.a", "activity": "natural_gas", "amount": 20.0, "unit": "t", "entity_id": None},
    ]
    act = write_activity(tmp / "activity.parquet", pl.DataFrame(rows, schema_overrides={"entity_id": pl.String}))
    out = tmp / "run"
    ghginv.compile_inventory(activity=[str(act)], factors=[str(s)], gwp="AR5GWP100", keep_entity=True, out=out)
    return out


def _inventory_total(run, year: int, scope: str) -> float:
    inv = pl.read_parquet(run / "inventory.parquet")
    return inv.filter(pl.col("category") == "TOTAL", pl.col("year") == year, pl.col("scope") == scope)["co2e_t"].sum()


def test_sector_level_of_the_demo_is_the_reports_total(compiled):
    demo, result = compiled
    summary = {r.label: r.values for r in ghginv.inventory_summary(result).rows}  # the table of the report and the CLI
    top = ghginv.drill_down(demo)
    assert set(top["level"]) == {"sector"} and set(top["key"]) == {"1", "3"}  # Energy and the sinks of AFOLU
    by_year = top.group_by("year").agg(pl.col("co2e_t").sum()).sort("year")
    assert [round(x / 1e3, 1) for x in by_year["co2e_t"]] == [1462.6, 1518.0, 1494.4, 1474.3, 1450.4]  # README, direct
    indirect = ghginv.drill_down(demo, year=2020, scope="indirect")
    assert round(indirect["co2e_t"].sum() / 1e3, 1) == 547.2  # README, indirect 2020
    assert by_year["co2e_t"].to_list() == pytest.approx(summary["Direct emissions (scope 1)"], rel=1e-12)
    for code, name in (("1", "Energy"), ("3", "Agriculture, forestry and other land use")):
        assert top.filter(pl.col("key") == code).sort("year")["co2e_t"].to_list() == pytest.approx(summary[f"{code} {name}"], rel=1e-12)
    indirect_years = ghginv.drill_down(demo, scope="indirect").group_by("year").agg(pl.col("co2e_t").sum()).sort("year")
    assert indirect_years["co2e_t"].to_list() == pytest.approx(summary["Indirect, purchased electricity and heat (scope 2)"], rel=1e-12)
    for year, total in by_year.iter_rows():
        assert total == pytest.approx(_inventory_total(demo, year, "direct"), rel=1e-12)
        assert ghginv.drill_down(demo, year=year)["share"].sum() == pytest.approx(1.0)


def test_each_level_down_to_the_factor_rows(demo):
    """2020, residential (1.A.4.b), street 510105001, natural gas: 1,312.34 ×10^4 m^3 × 389.31 GJ/10^4 m^3 (GB/T
    32151.22 Table C.1) × 55.539 t CO2/TJ = 28,375.3 t CO2."""
    f = {"year": 2020}
    seen = []
    for key in ("1", "1.A", "1.A.4", "1.A.4.b", "510105001", "natural_gas"):
        level = ghginv.drill_down(demo, **f)
        seen.append(level["level"][0])
        row = level.filter(pl.col("key") == key)
        assert row.height == 1
        nxt = {"sector" if seen[-1] == "sector" else seen[-1]: key}
        f = {**f, **nxt}
        below = ghginv.drill_down(demo, **f)
        assert below["co2e_t"].sum() == pytest.approx(row["co2e_t"][0], rel=1e-12)
    assert seen == ["sector", "sector", "sector", "sector", "region", "activity"]  # no entity level: the demo keeps none
    factors = ghginv.drill_down(demo, **f)
    assert set(factors["level"]) == {"factor"}
    co2 = factors.filter(pl.col("key") == "CO2").row(0, named=True)
    assert co2["kind"] == "factor" and co2["factor_set"] == "cn_gbt32151_22_2024" and co2["unit"] == "t/TJ"
    assert co2["source"] and co2["source_locator"] and co2["rule"].startswith("cn_gbt32151_22_2024/")
    assert co2["co2e_t"] == pytest.approx(1312.34 * 389.31 * 55.539 / 1e3, rel=1e-4)
    ncv = factors.filter(pl.col("key") == "ncv").row(0, named=True)
    assert ncv["kind"] == "conversion" and ncv["value"] == pytest.approx(389.31) and ncv["co2e_t"] is None and ncv["share"] is None
    amounts = ghginv.drill_down(demo, year=2020, sector="1.A.4.b", region="510105001").filter(pl.col("key") == "natural_gas")
    assert amounts["amount"][0] == pytest.approx(13_123_400.0) and amounts["amount_unit"][0] == "m^3"
    assert amounts["label_zh"][0] == "天然气"


def test_limit_keeps_the_sum_in_an_others_row(demo):
    full = ghginv.drill_down(demo, sector="1.A.4.b")
    cut = ghginv.drill_down(demo, sector="1.A.4.b", limit=3)
    assert cut.group_by("year").len()["len"].to_list() == [4] * 5
    others = cut.filter(pl.col("key").is_null())
    assert others["n_items"].to_list() == [5] * 5 and others["label_en"][0] == "others (5)" and others["label_zh"][0] == "其他（5 项）"
    for year in range(2020, 2025):
        a = full.filter(pl.col("year") == year)["co2e_t"].sum()
        assert cut.filter(pl.col("year") == year)["co2e_t"].sum() == pytest.approx(a, rel=1e-12)
    top3 = full.filter(pl.col("year") == 2020).head(3)["key"].to_list()
    assert cut.filter(pl.col("year") == 2020, pl.col("key").is_not_null())["key"].to_list() == top3
    assert full.filter(pl.col("year") == 2020)["co2e_t"].is_sorted(descending=True)



@pytest.mark.parametrize("kw", [{}, {"sector": "1"}, {"year": 2020}, {"year": 2020, "sector": "1.A.4.b"},
                                {"sector": "1.A.4.b", "limit": 3},
                                {"year": 2020, "sector": "1.A.4.b", "region": "510105001"},
                                {"year": 2020, "sector": "1.A.4.b", "region": "510105001", "activity": "natural_gas"}])
def test_equal_calls_give_the_same_bits(demo, kw):
    """Each group is added in the file's row order: polars' threaded group_by sum gave a different last bit in
    about one call in five (a region's 2020 total, 43,002.00783 t, once one ulp apart), so a year given as
    text and as a number, or a page reloaded, showed different numbers."""
    first = ghginv.drill_down(demo, **kw)
    assert first.height > 0
    for _ in range(12):
        again = ghginv.drill_down(demo, **kw)
        assert again.equals(first), again.join(first, on=["year", "key"], how="full", suffix="_first", nulls_equal=True).filter(
            pl.col("co2e_t").ne_missing(pl.col("co2e_t_first")))
    path = ghginv.drill_path(demo, **{k: v for k, v in kw.items() if k != "limit"})
    assert all(ghginv.drill_path(demo, **{k: v for k, v in kw.items() if k != "limit"}) == path for _ in range(12))

def test_breadcrumb_goes_back_up(demo):
    path = ghginv.drill_path(demo, year=2020, sector="1.A.4.b", region="510105001")
    assert [p["key"] for p in path] == [None, "1", "1.A", "1.A.4", "1.A.4.b", "510105001"]
    assert [p["level"] for p in path] == ["total", "sector", "sector", "sector", "sector", "region"]
    assert path[0]["co2e_t"] == pytest.approx(_inventory_total(demo, 2020, "direct"), rel=1e-12)
    assert path[0]["label_zh"] == "合计（直接排放）" and path[4]["label_zh"] == "居民生活"
    for parent, child in zip(path, path[1:]):  # each entry is a row of the level its parent's filters show
        rows = ghginv.drill_down(demo, **parent["filters"])
        assert rows.filter(pl.col("key") == child["key"])["co2e_t"][0] == pytest.approx(child["co2e_t"], rel=1e-12)
    assert path[-1]["by_year"] == {2020: pytest.approx(path[-1]["co2e_t"])}
    # a year as a form or URL gives it: the same level
    assert ghginv.drill_down(demo, year="2020", sector="1.A.4.b").equals(ghginv.drill_down(demo, year=2020, sector="1.A.4.b"))


def test_scopes_are_never_added(demo):
    direct = ghginv.drill_down(demo, year=2022, sector="1.A.4.a", region="510105001")
    indirect = ghginv.drill_down(demo, year=2022, sector="1.A.4.a", region="510105001", scope="indirect")
    assert "electricity" not in direct["key"].to_list() and "electricity" in indirect["key"].to_list()
    assert set(indirect["scope"]) == {"indirect"}
    assert ghginv.drill_down(demo, scope="memo").height == 0 or set(ghginv.drill_down(demo, scope="memo")["scope"]) == {"memo"}


def test_entity_level_and_rows_booked_at_a_code_itself(tiny):
    top = ghginv.drill_down(tiny, sector="1.A.2")
    assert sorted(top["key"]) == ["1.A.2.a", "1.A.2="]
    own = top.filter(pl.col("key") == "1.A.2=").row(0, named=True)
    assert own["co2e_t"] == pytest.approx(5 * CO2_PER_T_GAS) and own["label_en"] == "Manufacturing industries and construction (booked at 1.A.2 itself)"
    assert ghginv.drill_down(tiny, sector="1.A.2=")["level"][0] == "region"
    regions = ghginv.drill_down(tiny, sector="1.A.2.a")
    assert dict(regions.select("key", "co2e_t").iter_rows()) == pytest.approx({"R1": 40 * CO2_PER_T_GAS, "R2": 20 * CO2_PER_T_GAS})
    ents = ghginv.drill_down(tiny, sector="1.A.2.a", region="R1")
    assert ents["level"][0] == "entity"
    # a cell's factor applies to every entity in it: entity CO2e = its amount × the cell's CO2e / amount
    cell = 40 * CO2_PER_T_GAS
    assert dict(ents.select("key", "co2e_t").iter_rows()) == pytest.approx({"E1": 10 * cell / 40, "E2": 30 * cell / 40})
    none = ghginv.drill_down(tiny, sector="1.A.2.a", region="R2")
    assert none["key"].to_list() == [""] and none["label_en"][0] == "(no entity)"
    acts = ghginv.drill_down(tiny, sector="1.A.2.a", region="R2", entity="")
    assert acts["level"][0] == "activity" and acts["co2e_t"][0] == pytest.approx(20 * CO2_PER_T_GAS)
    assert (acts["amount"][0], acts["amount_unit"][0]) == (20.0, "t")
    for sector, t in (("1.A.2.a", 10.0), ("1.A.2=", 5.0)):  # E1: 10 t at 1.A.2.a, 5 t at 1.A.2 itself
        e1 = ghginv.drill_down(tiny, sector=sector, region="R1", entity="E1")
        assert e1["level"][0] == "activity" and (e1["amount"][0], e1["co2e_t"][0]) == (t, pytest.approx(t * CO2_PER_T_GAS))
    fac = ghginv.drill_down(tiny, sector="1.A.2.a", region="R1", entity="E2", activity="natural_gas")
    co2 = fac.filter(pl.col("key") == "CO2").row(0, named=True)
    assert co2["value"] == 56100 and co2["co2e_t"] == pytest.approx(30 * CO2_PER_T_GAS) and co2["status"] == "V2"
    assert [p["key"] for p in ghginv.drill_path(tiny, sector="1.A.2=", region="R1")] == [None, "1", "1.A", "1.A.2", "1.A.2=", "R1"]


@pytest.mark.parametrize(("kw", "words"), [
    ({"sector": "1A4b"}, "is not an IPCC 2006 category code (did you mean"),
    ({"sector": "2"}, "sector '2' is not in the run"),
    ({"region": "nowhere"}, "region 'nowhere' is not in the run"),
    ({"year": 1999}, "year 1999 is not in the run"),
    ({"activity": "natual_gas"}, "activity 'natual_gas' is not in the run"),
    ({"entity": "E1"}, "the run keeps no entities"),
    ({"scope": "scope3"}, "scope 'scope3' is not a scope of a run"),
    ({"limit": 0}, "limit must be a whole number ≥ 1"),
])
def test_bad_filters_are_one_clear_error(demo, kw, words):
    with pytest.raises(ghginv.ConfigError, match=None) as e:
        ghginv.drill_down(demo, **kw)
    assert words in str(e.value)


def test_not_a_run_folder(tmp_path):
    with pytest.raises(ghginv.InputFileError, match="not a ghginv run folder"):
        ghginv.drill_down(tmp_path)
    with pytest.raises(ghginv.InputFileError, match="no such run folder"):
        ghginv.drill_path(tmp_path / "nothing")


def test_damaged_parquet_is_bad_input(demo, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(demo, run)
    (run / "emissions.parquet").write_bytes(b"PAR1 not parquet")
    with pytest.raises(ghginv.InputFileError, match="cannot read the run's Parquet files"):
        ghginv.drill_down(run)


def test_cli_drill_bad_input_exit_2_and_nothing_written(demo, tmp_path):
    before = sorted(p.name for p in demo.iterdir())
    r = CliRunner().invoke(app, ["drill", str(demo), "--region", "nowhere"])
    assert r.exit_code == 2 and "region 'nowhere' is not in the run" in r.output and "Traceback" not in r.output
    r = CliRunner().invoke(app, ["drill", str(tmp_path)])
    assert r.exit_code == 2 and "not a ghginv run folder" in r.output
    assert sorted(p.name for p in demo.iterdir()) == before


def test_cli_drill_table_in_chinese_and_json(demo):
    r = CliRunner().invoke(app, ["drill", str(demo), "--year", "2020", "--sector", "1.A.4.b", "--lang", "zh"])
    assert r.exit_code == 0, r.output
    for head in ("年份", "代码", "名称", "二氧化碳当量（吨）", "占比（%）", "居民生活", "地区"):
        assert head in r.output
    r = CliRunner().invoke(app, ["drill", str(demo), "--year", "2020", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["level"] == "sector" and out["path"][0]["level"] == "total"
    assert sum(x["co2e_t"] for x in out["rows"]) == pytest.approx(out["path"][0]["co2e_t"])


def _grid_variant(run, tmp_path, value: str):
    """The run's grid set with Sichuan's (51*) 2021 electricity CO2 replaced by ``value`` (a test value, not a factor)."""
    dst = tmp_path / "mee_nbs_grid"
    shutil.copytree(run / "factor_sets" / "mee_nbs_grid", dst)
    ef = dst / "emission_factors.csv"
    lines = ef.read_text(encoding="utf-8").splitlines()
    i = next(i for i, ln in enumerate(lines) if ln.startswith("electricity,*,51*,2021,2021,CO2,0.1255,"))
    lines[i] = lines[i].replace(",0.1255,", f",{value},", 1)
    ef.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert CliRunner().invoke(app, ["factors", "hash", "--write", str(dst)]).exit_code == 0
    return dst


def test_changed_factors_by_region_and_year_range(demo, tmp_path):
    new = tmp_path / "new"
    grid = _grid_variant(demo, tmp_path, "0.2")
    ghginv.recompute(demo, update_factors=[str(grid)]).write(new)
    ch = ghginv.changed_factors(demo, new)
    regions = sorted(pl.read_parquet(demo / "emissions.parquet")["region"].unique())
    assert ch["region"].to_list() == regions  # one row per street: 2020 (nearest year: 2021's value) and 2021
    assert set(ch["year_from"]) == {2020} and set(ch["year_to"]) == {2021}
    assert set(ch["old_value"]) == {0.1255} and set(ch["new_value"]) == {0.2} and set(ch["changed"]) == {"value"}
    assert set(ch["activity"]) == {"electricity"} and set(ch["item"]) == {"CO2"} and set(ch["change"]) == {"changed"}
    cells = pl.read_parquet(demo / "factors_used.parquet").filter(
        pl.col("activity") == "electricity", pl.col("year").is_in([2020, 2021]), pl.col("item") == "CO2")
    assert ch["n_cells"].sum() == cells.height
    assert ghginv.changed_factors(demo, demo).height == 0
    gwp = tmp_path / "ar6"
    ghginv.recompute(demo, gwp="AR6GWP100").write(gwp)
    assert ghginv.changed_factors(demo, gwp).height == 0  # a GWP change changes no factor row


def test_cli_drill_bad_input_in_chinese(demo):
    r = CliRunner().invoke(app, ["--lang", "zh", "drill", str(demo), "--region", "nowhere"])
    assert r.exit_code == 2 and "错误：" in r.output and "本次核算没有地区 'nowhere'" in r.output
    r = CliRunner().invoke(app, ["drill", str(demo), "--sector", "1A4b", "--lang", "zh"])
    assert r.exit_code == 2 and "类别 '1A4b' 不是 IPCC 2006 类别代码" in r.output and "1.A.4.b" in r.output


def test_changed_factors_join_path_added_and_removed(tiny, tmp_path):
    """Runs whose cells differ (not a recompute of the same cube): rows only in the old run are "removed", only in
    the new "added", both with another value "changed"."""
    import hashlib

    new = tmp_path / "new"
    shutil.copytree(tiny, new)
    used = pl.read_parquet(tiny / "factors_used.parquet")
    r2 = pl.col("region") == "R2"
    ncv = (pl.col("region") == "R1") & (pl.col("item") == "ncv") & (pl.col("sector") == "1.A.2.a")
    changed = used.filter(~r2).with_columns(pl.when(ncv).then(pl.lit(50.0)).otherwise(pl.col("value")).alias("value"))
    extra = used.filter(r2).with_columns(pl.lit("R3").alias("region"))
    pl.concat([extra, changed]).write_parquet(new / "factors_used.parquet")
    m = json.loads((new / "manifest.json").read_text())
    m["outputs"]["factors_used.parquet"] = "sha256:" + hashlib.sha256((new / "factors_used.parquet").read_bytes()).hexdigest()
    (new / "manifest.json").write_text(json.dumps(m))
    ch = ghginv.changed_factors(tiny, new)
    got = {(r["region"], r["item"], r["change"]) for r in ch.iter_rows(named=True)}
    assert got == {("R1", "ncv", "changed"), ("R2", "CO2", "removed"), ("R2", "ncv", "removed"), ("R3", "CO2", "added"),
                   ("R3", "ncv", "added")}
    row = ch.filter(pl.col("change") == "changed").row(0, named=True)
    assert (row["old_value"], row["new_value"], row["changed"], row["sectors"]) == (48.0, 50.0, "value", ["1.A.2.a"])
    assert row["year_from"] == row["year_to"] == 2022 and row["old_unit"] == "TJ/Gg"
