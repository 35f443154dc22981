"""Which set gives the standard-coal coefficients of the energy total (issue 16, item 1).

Published values (GB/T 2589—2020 Appendix A, via the secondary table in factor-facts.md §2c, shipped
in ``cn_gbt2589_2020``): natural gas = 气田天然气 (gas-field gas) 35,544 kJ/m^3, 1.2143 kgce/m^3;
raw coal 0.7143 kgce/kg; electricity (当量值) 0.1229 kgce/kWh. The reference sheet
``cn_refsheet_2020`` (各种能源折标准煤及碳排放参考系数) prints 油田天然气 (oil-field gas) 38,931 kJ/m^3,
1.3300 kgce/m^3: a statistical item of its own, activity ``oilfield_gas``.

Rule: the set named in ``[energy] standard_coal`` (default ``cn_gbt2589_2020`` when it is in the
run, else the run's set order) answers first for the energy total; other sets fill the activities
it lacks; ``[energy] ncv`` / ``density`` name the bridges' set (default: the standard_coal set).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ghginv
from ghginv.analysis.energy import coefficient_sources, energy_consumption
from ghginv.analysis.indicators import IndicatorSettings
from ghginv.core.config import resolve_factor_set_path
from ghginv.core.errors import ConfigError
from ghginv.factors import load_factor_set
from ghginv.uncertainty.energy import energy_terms

from conftest import make_factor_set, write_activity

GBT2589 = load_factor_set(resolve_factor_set_path("cn_gbt2589_2020"))
REFSHEET = load_factor_set(resolve_factor_set_path("cn_refsheet_2020"))
GBT32151 = load_factor_set(resolve_factor_set_path("cn_gbt32151_22_2024"))
IPCC = load_factor_set(resolve_factor_set_path("ipcc2006_energy"))

SRC = "test-only values (not factors)"


def _cells(rows):
    return pl.DataFrame(rows, orient="row", schema={"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String,
                                                    "unit": pl.String, "amount": pl.Float64})


CELLS = _cells([
    (2020, "R1", "1.A.4.a", "natural_gas", "10^4 m^3", 10.0),    # 100,000 m^3 x 1.2143 kgce/m^3 = 121.43 tce
    (2020, "R1", "1.A.2.e", "raw_coal", "t", 1000.0),             # 1,000 t x 0.7143 kgce/kg = 714.3 tce
    (2020, "R1", "1.A.2.e", "oilfield_gas", "10^4 m^3", 1.0),     # 10,000 m^3 x 1.3300 kgce/m^3 = 13.3 tce
    (2020, "R1", "1.A.4.a", "electricity", "10^4 kWh", 100.0),    # 10^6 kWh x 0.1229 kgce/kWh = 122.9 tce
])


def _tce(res) -> dict[str, float]:
    return dict(res.by_activity.group_by("activity").agg(pl.col("energy_tce").sum()).iter_rows())


def _set_of(res) -> dict[str, str]:
    return {r["activity"]: r["factor_set"] for r in res.conversions_used}


@pytest.fixture
def first_set(tmp_path) -> Path:
    """A set placed first (as a reference sheet for its carbon parameters) with its own natural_gas
    standard-coal row at the oil-field-gas value 1.3300 kgce/m^3 and an NCV of 38,931 kJ/m^3."""
    return make_factor_set(tmp_path / "t_first", conv=[
        f"natural_gas,standard_coal,*,,,1.3300,kgce/m^3,{SRC},row 油田天然气,S",
        f"natural_gas,ncv,*,,,38931,kJ/m^3,{SRC},row 油田天然气,S",
        f"raw_coal,standard_coal,*,,,0.7000,kgce/kg,{SRC},row x,S",
    ], activities=["natural_gas,Natural gas,天然气,Natural Gas,gaseous", "raw_coal,Raw coal,原煤,,solid"])


def test_reference_sheet_first_still_takes_gbt2589_for_the_energy_total():
    """The demo's order (reference sheet before GB/T 2589): natural gas 1.2143 kgce/m^3 and raw coal
    0.7143 kgce/kg both from cn_gbt2589_2020; oil-field gas 1.3300 from the sheet (GB/T 2589 set lacks it)."""
    res = energy_consumption(CELLS, [REFSHEET, GBT2589])
    got = _tce(res)
    assert got["natural_gas"] == pytest.approx(10e4 * 1.2143 / 1000, rel=1e-12)  # 121.43 tce, not 133.0
    assert got["raw_coal"] == pytest.approx(714.3, rel=1e-12)
    assert got["oilfield_gas"] == pytest.approx(1e4 * 1.3300 / 1000, rel=1e-12)
    assert got["electricity"] == pytest.approx(122.9, rel=1e-12)
    assert _set_of(res) == {"natural_gas": "cn_gbt2589_2020", "raw_coal": "cn_gbt2589_2020", "electricity": "cn_gbt2589_2020",
                            "oilfield_gas": "cn_refsheet_2020"}
    ng = [r for r in res.conversions_used if r["activity"] == "natural_gas"][0]
    assert (ng["value"], ng["unit"], ng["status"]) == (1.2143, "kgce/m^3", "S")
    assert "气田天然气" in ng["source_locator"]
    assert res.sources["standard_coal"] == "cn_gbt2589_2020"
    assert "is in the run" in res.sources["chosen_by"]
    note = [n for n in res.notes if n.startswith("standard-coal coefficients")]
    assert len(note) == 1
    assert "natural_gas 1.2143 kgce/m^3 (cn_gbt2589_2020, S)" in note[0]
    assert "oilfield_gas 1.33 kgce/m^3 (cn_refsheet_2020, S)" in note[0]


def test_shipped_reference_sheet_has_no_natural_gas_row():
    """油田天然气 is its own activity: the sheet's row never answers for natural_gas."""
    acts = {r.activity for r in REFSHEET.rules}
    assert "natural_gas" not in acts and "natural_gas" not in REFSHEET.activities
    sc = [r for r in REFSHEET.rules if r.activity == "oilfield_gas" and r.key == "standard_coal"]
    ncv = [r for r in REFSHEET.rules if r.activity == "oilfield_gas" and r.key == "ncv"]
    assert [(r.value, r.unit) for r in sc] == [(1.33, "kgce/m^3")]
    assert [(r.value, r.unit) for r in ncv] == [(38931, "kJ/m^3")]
    assert REFSHEET.activities["oilfield_gas"]["name_zh"] == "油田天然气"
    # GB/T 2589's natural_gas is the gas-field row
    g = {r.key: r for r in GBT2589.rules if r.activity == "natural_gas"}
    assert (g["standard_coal"].value, g["ncv"].value) == (1.2143, 35544)


def test_a_set_placed_first_does_not_answer_for_the_energy_total(first_set):
    """Any set before cn_gbt2589_2020 with its own natural_gas coefficient (1.3300) is passed over."""
    fs = load_factor_set(first_set)
    res = energy_consumption(CELLS.filter(pl.col("activity") != "oilfield_gas"), [fs, GBT2589])
    assert _tce(res)["natural_gas"] == pytest.approx(121.43, rel=1e-12)
    assert _set_of(res)["natural_gas"] == "cn_gbt2589_2020"
    assert _set_of(res)["raw_coal"] == "cn_gbt2589_2020"


def test_energy_standard_coal_naming_another_set_is_honoured(first_set):
    """[energy] standard_coal = "t_first": its 1.3300 and 0.7000 are used; electricity, which it
    lacks, still comes from GB/T 2589."""
    fs = load_factor_set(first_set)
    res = energy_consumption(CELLS.filter(pl.col("activity") != "oilfield_gas"), [GBT2589, fs], sources={"standard_coal": "t_first"})
    got = _tce(res)
    assert got["natural_gas"] == pytest.approx(133.0, rel=1e-12)
    assert got["raw_coal"] == pytest.approx(700.0, rel=1e-12)
    assert got["electricity"] == pytest.approx(122.9, rel=1e-12)
    assert _set_of(res) == {"natural_gas": "t_first", "raw_coal": "t_first", "electricity": "cn_gbt2589_2020"}
    assert res.sources == {"standard_coal": "t_first", "ncv": "t_first", "density": "t_first",
                           "chosen_by": "[energy] standard_coal = 't_first'"}
    # the shipped reference sheet named: raw coal from it, natural gas (which it does not have) from GB/T 2589
    res = energy_consumption(CELLS, [GBT2589, REFSHEET], sources={"standard_coal": "cn_refsheet_2020"})
    assert _set_of(res) == {"natural_gas": "cn_gbt2589_2020", "raw_coal": "cn_refsheet_2020", "electricity": "cn_gbt2589_2020",
                            "oilfield_gas": "cn_refsheet_2020"}


def test_without_gbt2589_the_run_set_order_applies(first_set):
    fs = load_factor_set(first_set)
    res = energy_consumption(CELLS.filter(pl.col("activity") == "natural_gas"), [fs, GBT32151])
    assert _tce(res)["natural_gas"] == pytest.approx(133.0, rel=1e-12)
    assert res.sources["standard_coal"] is None
    assert "not in the run" in res.sources["chosen_by"]


def test_ncv_bridge_comes_from_the_standard_coal_set(first_set):
    """1,000 GJ of natural gas: GB/T 2589 bridges with its own NCV 35,544 kJ/m^3 -> 1000 / 0.035544 m^3
    x 1.2143 kgce/m^3 = 34.1633 tce; [energy] ncv = "t_first" (38,931 kJ/m^3) -> 31.1911 tce."""
    fs = load_factor_set(first_set)
    cells = _cells([(2020, "R1", "1.A.4.a", "natural_gas", "GJ", 1000.0)])
    res = energy_consumption(cells, [fs, GBT2589])
    assert _tce(res)["natural_gas"] == pytest.approx(1000 / 0.035544 * 1.2143 / 1000, rel=1e-12)
    res = energy_consumption(cells, [fs, GBT2589], sources={"ncv": "t_first"})
    assert _tce(res)["natural_gas"] == pytest.approx(1000 / 0.038931 * 1.2143 / 1000, rel=1e-12)


def test_uncertainty_energy_terms_use_the_same_coefficients(first_set):
    fs = load_factor_set(first_set)
    cells = CELLS.filter(pl.col("activity") == "natural_gas")
    for sources, want in (({}, 121.43), ({"standard_coal": "t_first"}, 133.0)):
        s = IndicatorSettings(None, 2020, energy_sources=sources)
        et = energy_terms(cells, [fs, GBT2589], "none", s)
        assert et["energy_tce"].sum() == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("table, match", [
    ({"standard_coal": "no_such_set"}, r"standard_coal = 'no_such_set' is not a factor set of this run; the run's sets: cn_refsheet_2020, cn_gbt2589_2020"),
    ({"ncv": "ipcc2006_energy"}, r"ncv = 'ipcc2006_energy' is not a factor set of this run"),
    ({"standard_coal": 3}, r"standard_coal must be the name of one of the run's factor sets"),
    ({"standard_cole": "cn_gbt2589_2020"}, r"unknown key\(s\) standard_cole; known: standard_coal, ncv, density"),
    ("cn_gbt2589_2020", r"must be a table"),
])
def test_bad_energy_table_is_a_config_error(table, match):
    with pytest.raises(ConfigError, match=match):
        coefficient_sources(table, [REFSHEET, GBT2589], "inv.toml: [energy]")
    with pytest.raises(ConfigError, match=match):
        energy_consumption(CELLS, [REFSHEET, GBT2589], sources=table)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.permutations([REFSHEET, GBT2589, GBT32151, IPCC]))
def test_energy_total_does_not_depend_on_the_set_order(order):
    """Invariant: with cn_gbt2589_2020 in the run, the order of [factors] sets never changes the
    energy total or the set of any coefficient."""
    res = energy_consumption(CELLS, list(order))
    assert _tce(res) == pytest.approx({"natural_gas": 121.43, "raw_coal": 714.3, "oilfield_gas": 13.3, "electricity": 122.9}, rel=1e-12)
    assert _set_of(res)["natural_gas"] == "cn_gbt2589_2020"


def _toml(tmp_path: Path, energy: str) -> Path:
    act = write_activity(tmp_path / "act.parquet", [
        dict(year=2020, region="510105", sector="1.A.4.a", activity="natural_gas", amount=10.0, unit="10^4 m^3"),
        dict(year=2020, region="510105", sector="1.A.4.a", activity="diesel", amount=10.0, unit="t"),
    ])
    eco = tmp_path / "economy.csv"
    eco.write_text("year,region,gdp_const_10k_yuan,population\n2020,ALL,1000.0,100\n", encoding="utf-8")
    t = tmp_path / "inv.toml"
    t.write_text(f"""[inventory]
years = [2020, 2020]
base_year = 2020
[activity]
paths = ["{act}"]
[factors]
sets = ["cn_gbt32151_22_2024", "cn_refsheet_2020", "cn_gbt2589_2020"]
[economy]
path = "{eco}"
{energy}
""", encoding="utf-8")
    return t


def test_compile_records_the_set_of_each_coefficient(tmp_path):
    """Through compile: 10 x 10^4 m^3 natural gas = 121.43 tce, 10 t diesel x 1.4571 = 14.571 tce."""
    res = ghginv.compile_inventory(_toml(tmp_path, ""), out=tmp_path / "out")
    e = res.analysis.indicators.filter(pl.col("indicator") == "energy_gross_tce", pl.col("region") == "ALL")["value"][0]
    assert e == pytest.approx(121.43 + 14.571, rel=1e-12)
    m = res.analysis.manifest_entry()
    assert {r["activity"]: (r["factor_set"], r["value"]) for r in m["standard_coal_rows"]} == {
        "natural_gas": ("cn_gbt2589_2020", 1.2143), "diesel": ("cn_gbt2589_2020", 1.4571)}
    assert m["standard_coal_sources"]["standard_coal"] == "cn_gbt2589_2020"
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "Standard-coal coefficients of the energy total" in html
    assert "cn_gbt2589_2020/conversions.csv" in html


def test_cli_unknown_set_in_energy_table_exits_2(tmp_path):
    import os
    import subprocess
    import sys

    toml = _toml(tmp_path, '[energy]\nstandard_coal = "cn_gbt2589"\n')
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "GHGINV_FACTORS_PATH"}
    env["COLUMNS"] = "200"
    r = subprocess.run([sys.executable, "-m", "ghginv.cli", "compile", str(toml), "--out", str(out)], capture_output=True, text=True,
                       cwd=tmp_path, env=env, timeout=300)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("error:"), r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert "[energy]: standard_coal = 'cn_gbt2589' is not a factor set of this run" in r.stderr
    assert "cn_gbt32151_22_2024, cn_refsheet_2020, cn_gbt2589_2020" in r.stderr
    assert not out.exists()


def test_bad_energy_table_fails_before_any_work_even_without_indicators(tmp_path):
    """No [economy], no targets (no energy stage): a set name not in the run still stops the run in
    the factors stage, and nothing is written."""
    toml = _toml(tmp_path, '[energy]\nstandard_coal = "ipcc2006_energy"\n')
    toml.write_text(toml.read_text(encoding="utf-8").replace("[economy]\npath", "# no economy\n# path"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"inv.toml: \[energy\]: standard_coal = 'ipcc2006_energy' is not a factor set of this run"):
        ghginv.compile_inventory(toml, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()



def test_cells_in_any_order_and_the_table_without_totals():
    """The cells' keys are numbered by runs of equal keys: a key whose cells are apart (cube cells
    out of their sorted order) gets the same coefficients, so every table is the same (each group
    here has at most two terms: the same sum in either order). ``totals=False`` gives the same
    energy-activity table, notes and coefficients, without the totals."""
    cells = pl.concat([
        CELLS, CELLS.with_columns(pl.lit("R2").alias("region")), CELLS.with_columns(pl.lit(2021, pl.Int32).alias("year")),
        _cells([(2020, "R1", "1.A.4.a", "natural_gas", "m^3", 5000.0)]),  # a second unit of a key: two cells, one key
    ]).sort("year", "region", "sector", "activity", "unit")
    sets = [REFSHEET, GBT2589]
    ref = energy_consumption(cells, sets)
    abs_ = ref.activity_by_sector
    assert abs_.height == 12 and abs_["energy_tce"].null_count() == 0  # the two natural-gas cells are one volume row
    gas = abs_.filter(pl.col("year") == 2020, pl.col("region") == "R1", pl.col("activity") == "natural_gas")
    assert gas["amount_base"].to_list() == [105000.0] and gas["energy_tce"][0] == pytest.approx(105000 * 1.2143 / 1000, rel=1e-12)
    shuffled = energy_consumption(cells.sample(fraction=1.0, shuffle=True, seed=7), sets)
    for a, b in ((ref.activity_by_sector, shuffled.activity_by_sector), (ref.by_activity, shuffled.by_activity),
                 (ref.by_sector, shuffled.by_sector)):
        assert a.equals(b)
    assert shuffled.conversions_used == ref.conversions_used and shuffled.notes == ref.notes
    only = energy_consumption(cells, sets, totals=False)
    assert only.activity_by_sector.equals(ref.activity_by_sector) and only.notes == ref.notes
    assert only.conversions_used == ref.conversions_used and only.by_activity.height == 0 and only.by_sector is None
