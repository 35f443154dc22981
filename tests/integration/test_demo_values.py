"""Sanity of the demo result, checked independently with polars from the Parquet files.

Electricity: the Sichuan (region prefix 51) MEE/NBS grid factors, 2021 0.1255, 2022 0.1404,
2023 0.1564 kg CO2/kWh (set ``mee_nbs_grid``); 2020 takes 2021 and 2024 takes 2023
(``year_fallback = "nearest"`` in the demo TOML). Heat: GB/T 32150-2025 0.11 t CO2/GJ.
"""

from __future__ import annotations

import json

import polars as pl
import pytest

import ghginv

from conftest import ROOT

DEMO_TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
DEMO_ACT = ROOT / "ghginv" / "data" / "demo" / "data" / "qingyang_synthetic" / "activity"
YEARS = [2020, 2021, 2022, 2023, 2024]
SICHUAN_KG_PER_KWH = {2020: 0.1255, 2021: 0.1255, 2022: 0.1404, 2023: 0.1564, 2024: 0.1564}
FACTOR_YEAR = {2020: 2021, 2021: 2021, 2022: 2022, 2023: 2023, 2024: 2023}
KWH_PER_UNIT = {"kWh": 1.0, "MWh": 1e3, "10^4 kWh": 1e4, "GWh": 1e6, "10^8 kWh": 1e8}
AR5 = {"CO2": 1.0, "CH4": 28.0, "N2O": 265.0}
REL = 1e-9


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo_values") / "demo"
    ghginv.compile_inventory(DEMO_TOML, out=out)
    return out


@pytest.fixture(scope="module")
def emissions(out):
    return pl.read_parquet(out / "emissions.parquet")


@pytest.fixture(scope="module")
def inventory(out):
    return pl.read_parquet(out / "inventory.parquet")


@pytest.fixture(scope="module")
def activity():
    files = sorted(DEMO_ACT.glob("year=*/*.parquet"))
    return pl.concat(
        [pl.read_parquet(f).with_columns(pl.lit(int(f.parent.name.split("=")[1]), pl.Int32).alias("year")) for f in files]
    )


def _by_year(df: pl.DataFrame, col: str) -> dict[int, float]:
    return dict(df.group_by("year").agg(pl.col(col).sum()).sort("year").iter_rows())


def test_activity_is_what_the_readme_says(activity):
    assert activity.height == 24805
    assert sorted(activity["year"].unique()) == YEARS
    assert activity["region"].str.starts_with("51").all()  # Sichuan: the 51* grid factor applies
    assert (activity["amount"] > 0).all()


def test_totals_per_year_positive(inventory):
    tot = inventory.filter(pl.col("category") == "TOTAL", pl.col("notation_key").is_null())
    for scope in ("direct", "indirect"):
        by_year = _by_year(tot.filter(pl.col("scope") == scope), "co2e_t")
        assert sorted(by_year) == YEARS, scope
        assert all(v > 0 for v in by_year.values()), (scope, by_year)


def test_direct_plus_indirect_equals_all_emissions(inventory, emissions):
    tot = inventory.filter(pl.col("category") == "TOTAL", pl.col("scope").is_in(["direct", "indirect"]))
    from_inv = _by_year(tot, "co2e_t")
    from_emis = _by_year(emissions.filter(pl.col("scope").is_in(["direct", "indirect"])), "co2e_t")
    assert sorted(from_inv) == YEARS
    for y in YEARS:
        assert from_inv[y] == pytest.approx(from_emis[y], rel=REL), y
    # and the demo (no biomass) has no memo items
    assert emissions.filter(pl.col("scope") == "memo").height == 0


def test_indirect_is_electricity_and_heat_only(emissions):
    ind = emissions.filter(pl.col("scope") == "indirect")
    assert set(ind["activity"].unique()) == {"electricity", "heat"}
    assert emissions.filter(pl.col("activity").is_in(["electricity", "heat"]), pl.col("scope") != "indirect").height == 0


def test_electricity_equals_amount_times_sichuan_factor(emissions, activity):
    elec = activity.filter(pl.col("activity") == "electricity")
    assert set(elec["unit"].unique()) <= set(KWH_PER_UNIT)
    expected = (
        elec.with_columns(
            (
                pl.col("amount")
                * pl.col("unit").replace_strict(KWH_PER_UNIT, return_dtype=pl.Float64)
                * pl.col("year").replace_strict(SICHUAN_KG_PER_KWH, return_dtype=pl.Float64)
                / 1000.0
            ).alias("t")
        )
    )
    want = _by_year(expected, "t")
    got_rows = emissions.filter(pl.col("activity") == "electricity")
    assert set(got_rows["gas"].unique()) == {"CO2"}
    assert set(got_rows["factor_set"].unique()) == {"mee_nbs_grid"}
    got = _by_year(got_rows, "emissions_t")
    assert sorted(got) == YEARS
    for y in YEARS:
        assert got[y] == pytest.approx(want[y], rel=REL), f"electricity {y}: got {got[y]}, expected {want[y]}"
    # the same per (year, region)
    w = dict(((y, r), v) for y, r, v in expected.group_by("year", "region").agg(pl.col("t").sum()).iter_rows())
    g = dict(((y, r), v) for y, r, v in got_rows.group_by("year", "region").agg(pl.col("emissions_t").sum()).iter_rows())
    assert g.keys() == w.keys()
    for k in w:
        assert g[k] == pytest.approx(w[k], rel=REL), k


def test_electricity_factor_years(emissions):
    rows = emissions.filter(pl.col("activity") == "electricity").select("year", "factor_year").unique()
    assert dict(rows.sort("year").iter_rows()) == FACTOR_YEAR


def test_heat_equals_amount_times_gbt32150_factor(emissions, activity):
    heat = activity.filter(pl.col("activity") == "heat")
    assert set(heat["unit"].unique()) == {"GJ"}
    want = _by_year(heat.with_columns((pl.col("amount") * 0.11).alias("t")), "t")
    got_rows = emissions.filter(pl.col("activity") == "heat")
    assert set(got_rows["factor_set"].unique()) == {"cn_gbt32150_2025"}
    got = _by_year(got_rows, "emissions_t")
    assert got.keys() == want.keys()
    for y in want:
        assert got[y] == pytest.approx(want[y], rel=REL), y


def test_co2e_is_emissions_times_ar5_gwp(emissions):
    chk = emissions.with_columns(pl.col("gas").replace_strict(AR5, return_dtype=pl.Float64).alias("gwp"))
    diff = chk.select(((pl.col("co2e_t") - pl.col("emissions_t") * pl.col("gwp")).abs() / pl.col("co2e_t").abs()).max()).item()
    assert diff < 1e-12
    # emissions are positive outside the land sector; 3.B carries the (synthetic) sinks' removals
    assert (emissions.filter(~pl.col("sector").str.starts_with("3.B"))["emissions_t"] > 0).all()


def test_total_equals_sum_of_level_1(inventory):
    keys = ["year", "region", "scope", "gas"]
    inv = inventory.filter(pl.col("notation_key").is_null())
    total = inv.filter(pl.col("level") == 0).select(*keys, pl.col("co2e_t").alias("total"), pl.col("emissions_t").alias("total_t"))
    assert (inv.filter(pl.col("level") == 0)["category"] == "TOTAL").all()
    lvl1 = inv.filter(pl.col("level") == 1).group_by(keys).agg(pl.col("co2e_t").sum().alias("l1"), pl.col("emissions_t").sum().alias("l1_t"))
    j = total.join(lvl1, on=keys, how="full", coalesce=True)
    assert j.height == total.height == lvl1.height
    assert j.filter(pl.col("total").is_null() | pl.col("l1").is_null()).height == 0
    assert j.select(((pl.col("total") - pl.col("l1")).abs() / pl.col("total").abs()).max()).item() < 1e-12
    assert j.select(((pl.col("total_t") - pl.col("l1_t")).abs() / pl.col("total_t").abs()).max()).item() < 1e-12


def test_every_level_sums_to_its_parent(inventory):
    """Each category equals the sum of its direct children (where it has any)."""
    keys = ["year", "region", "scope", "gas"]
    inv = inventory.filter(pl.col("notation_key").is_null(), pl.col("level") >= 1)
    child = inv.filter(pl.col("level") >= 2).with_columns(
        pl.col("category").str.replace(r"\.[^.]+$", "").alias("parent")
    )
    sums = child.group_by(*keys, "parent").agg(pl.col("co2e_t").sum().alias("children"))
    j = sums.join(inv, left_on=[*keys, "parent"], right_on=[*keys, "category"], how="left")
    assert j.filter(pl.col("co2e_t").is_null()).height == 0, "a child without its parent row"
    assert j.select(((pl.col("co2e_t") - pl.col("children")).abs() / pl.col("co2e_t").abs()).max()).item() < 1e-9


def test_inventory_total_equals_emissions_by_scope_and_gas(inventory, emissions):
    keys = ["year", "region", "scope", "gas"]
    tot = inventory.filter(pl.col("level") == 0).select(*keys, "co2e_t")
    em = emissions.group_by(keys).agg(pl.col("co2e_t").sum().alias("e"))
    j = tot.join(em, on=keys, how="full", coalesce=True)
    assert j.filter(pl.col("co2e_t").is_null() | pl.col("e").is_null()).height == 0
    assert j.select(((pl.col("co2e_t") - pl.col("e")).abs() / pl.col("e").abs()).max()).item() < 1e-12


# GB/T 2589-2020 Appendix A (secondary table, factor-facts.md §2c; set cn_gbt2589_2020): kgce per kg,
# per m^3 (natural gas = 气田天然气 1.2143, not 油田天然气 1.3300), per kWh (当量值), per MJ
GBT2589_KGCE = {"raw_coal": 0.7143, "diesel": 1.4571, "gasoline": 1.4714, "fuel_oil": 1.4286, "lpg": 1.7143,
                "natural_gas": 1.2143, "electricity": 0.1229, "heat": 0.03412}
# base quantity of each demo unit: kg, m^3, kWh, MJ
DEMO_UNIT = {"t": 1e3, "10^4 t": 1e7, "m^3": 1.0, "10^4 m^3": 1e4, "kWh": 1.0, "MWh": 1e3, "10^4 kWh": 1e4, "GJ": 1e3}


def test_energy_natural_gas_coefficient_is_gbt2589_gas_field_gas(out):
    """Issue 16 item 1: the demo's energy total takes 1.2143 kgce/m^3 for natural gas from
    cn_gbt2589_2020 (GB/T 2589-2020, 气田天然气), not the reference sheet's 油田天然气 1.3300, and says so
    in the manifest and in the report's data-quality notes."""
    ind = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["indicators"]
    ng = [r for r in ind["standard_coal_rows"] if r["activity"] == "natural_gas"]
    assert [(r["factor_set"], r["value"], r["unit"], r["status"]) for r in ng] == [("cn_gbt2589_2020", 1.2143, "kgce/m^3", "S")]
    assert "气田天然气" in ng[0]["source_locator"]
    assert {r["factor_set"] for r in ind["standard_coal_rows"]} == {"cn_gbt2589_2020"}
    assert {r["activity"]: r["value"] for r in ind["standard_coal_rows"]} == GBT2589_KGCE
    assert ind["standard_coal_sources"]["standard_coal"] == "cn_gbt2589_2020"
    assert any("natural_gas 1.2143 kgce/m^3 (cn_gbt2589_2020, S)" in n for n in ind["notes"])
    html = (out / "report.html").read_text(encoding="utf-8")
    i = html.index("Standard-coal coefficients of the energy total")
    section = html[i:html.index("</table>", i)]
    assert "natural gas</td><td" in section and ">1.2143<" in section and "cn_gbt2589_2020/conversions.csv" in section


def test_energy_total_equals_activity_times_gbt2589(out, activity):
    """The demo's gross energy per year, by hand from the activity data and the GB/T 2589-2020 coefficients
    (2020: 1,214,537.28 tce; with the oil-field-gas 1.3300 for natural gas it was 1,247,988.83)."""
    a = activity.with_columns(
        (pl.col("amount") * pl.col("unit").replace_strict(DEMO_UNIT, return_dtype=pl.Float64)
         * pl.col("activity").replace_strict(GBT2589_KGCE, return_dtype=pl.Float64) / 1000.0).alias("tce")
    )
    want = _by_year(a, "tce")
    ind = pl.read_parquet(out / "indicators.parquet").filter(pl.col("region") == "ALL", pl.col("indicator") == "energy_gross_tce")
    got = dict(ind.select("year", "value").iter_rows())
    assert sorted(got) == YEARS
    for y in YEARS:
        assert got[y] == pytest.approx(want[y], rel=REL), y
    assert got[2020] == pytest.approx(1_214_537.28, abs=0.01)



def test_demo_targets_are_the_district_preset(out):
    """The demo includes ghginv/data/demo/targets/qingyang_2025_2030.toml (issue 19 item 4): six rows, each
    cited to the district's plan, and the manifest records where each target came from."""
    tg = pl.read_parquet(out / "targets.parquet")
    assert tg.height == 6 and all(n.startswith("青羊区") for n in tg["target"])
    assert all("成青府发〔2024〕28号" in s for s in tg["source"])
    assert sorted(tg["kind"]) == sorted(["non_fossil_share", "non_fossil_share", "energy_intensity", "co2_intensity", "peak",
                                          "sector_energy_intensity"])
    cfg = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["config"]
    assert all(t["included_from"].endswith("qingyang_2025_2030.toml") for t in cfg["targets"])


def test_demo_sector_target_is_its_indicators(out):
    """规上工业单位增加值能耗: the target's values are the sector's energy (1.A.2 without 1.A.2.k, excluding
    feedstock) over its value added, kept to 4 decimals half up, as in indicators.parquet."""
    from ghginv.core.rounding import round_half_up

    ind = pl.read_parquet(out / "indicators.parquet").filter(pl.col("region") == "ALL")
    s = lambda name: dict(ind.filter(pl.col("indicator") == name).select("year", "value").rows())  # noqa: E731
    energy, va = s("energy_excl_feedstock_tce:industry_above_scale"), s("value_added_const_10k_yuan:industry_above_scale")
    row = pl.read_parquet(out / "targets.parquet").filter(pl.col("kind") == "sector_energy_intensity").row(0, named=True)
    assert row["base_value"] == round_half_up(energy[2020] / va[2020], 4)
    assert row["latest_year"] == 2024 and row["latest_value"] == round_half_up(energy[2024] / va[2024], 4)
    assert row["achieved_pct"] == pytest.approx((1 - row["latest_value"] / row["base_value"]) * 100, rel=1e-12)
    assert va[2020] == 543730.1  # economy_synthetic.csv, SYNTHETIC
