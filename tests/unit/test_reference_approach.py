"""Reference approach (2006 IPCC GL Vol 2 Ch 6): hand-derived Eq 6.1/6.2 values, the 5 % flag, bad input.

Hand values use the shipped, cited factor rows:
* ipcc2006_energy diesel: CO2 74,100 kg/TJ (Vol 2 Ch 1 Table 1.4), NCV 43.0 TJ/Gg (Table 1.2)
  -> 0.043 TJ/t × 74.1 t/TJ = 3.1863 t CO2 per t;
* cn_gbt32151_22_2024 natural gas (composite): NCV 389.31 GJ/10^4 m^3, carbon content 15.3 t C/TJ,
  oxidation 0.99 (GB/T 32151.22-2024 Table C.1) -> 0.38931 × 15.3 × 0.99 × 44/12 = 21.6218881 t CO2 per 10^4 m^3.
"""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

import ghginv
from ghginv.core.config import load_config, resolve_factor_set_path
from ghginv.core.errors import ConfigError, InputFileError, SchemaError, ValidationError
from ghginv.factors import load_factor_set
from ghginv.methods.emissions import activity_classes
from ghginv.methods.reference_approach import apparent_consumption, read_energy_balance, reference_approach
from ghginv.pipeline.inventory import Inventory

ROOT = Path(__file__).resolve().parents[2]
DIESEL_T_CO2_PER_T = 0.043 * 74.1  # 3.1863
NG_T_CO2_PER_10K_M3 = 0.38931 * 15.3 * 0.99 * 44 / 12  # 21.6218881…
HEADER = "year,region,fuel,unit,production,imports,exports,bunkers,stock_change,non_energy_use"


@pytest.fixture(scope="module")
def sets():
    return [load_factor_set(resolve_factor_set_path(n)) for n in ("cn_gbt32151_22_2024", "ipcc2006_energy", "mee_nbs_grid")]


@pytest.fixture(scope="module")
def ipcc():
    return [load_factor_set(resolve_factor_set_path("ipcc2006_energy"))]


def _balance(tmp_path: Path, lines: list[str], header: str = HEADER) -> Path:
    p = tmp_path / "balance.csv"
    p.write_text(header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return p


def _emissions(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String,
                                      "gas": pl.String, "emissions_t": pl.Float64, "scope": pl.String}, orient="row")


def test_apparent_consumption_signs():
    # Eq 6.2: a stock build-up (+) is subtracted, a draw-down (−) adds to consumption
    assert apparent_consumption(0, 1000, 100, 50, 30) == 820
    assert apparent_consumption(0, 1000, 100, 50, -30) == 880
    assert apparent_consumption(500, 0, 0, 0, 0) == 500


def test_hand_values_direct_factor(tmp_path, ipcc):
    bal, notes = read_energy_balance(_balance(tmp_path, ["2022,ALL,diesel,t,0,1000,100,50,30,20",
                                                         "2023,ALL,diesel,t,0,1000,100,50,-30,"]), activity_classes(ipcc))
    em = _emissions([(2022, "A", "1.A.3.b", "diesel", "CO2", 1500.0, "direct"), (2022, "B", "1.A.2.e", "diesel", "CO2", 1000.0, "direct"),
                     (2022, "A", "2.A.1", "diesel", "CO2", 999.0, "direct"),  # not fuel combustion: not sectoral
                     (2023, "A", "1.A.3.b", "diesel", "CO2", 2400.0, "direct"), (2023, "A", "1.A.3.b", "diesel", "CH4", 1.0, "direct")])
    t = reference_approach(bal, em, ipcc)
    r22 = t.filter(pl.col("year") == 2022, pl.col("fuel") == "diesel").row(0, named=True)
    assert r22["apparent_consumption"] == 820
    assert r22["apparent_consumption_tj"] == pytest.approx(820 * 0.043, rel=1e-12)
    assert r22["excluded_co2_t"] == pytest.approx(20 * DIESEL_T_CO2_PER_T, rel=1e-12)  # 63.726
    assert r22["reference_co2_t"] == pytest.approx(800 * DIESEL_T_CO2_PER_T, rel=1e-12)  # 2549.04 t (Eq 6.1)
    assert r22["reference_co2_t"] == pytest.approx(2549.04, rel=1e-12)
    assert r22["sectoral_co2_t"] == 2500.0  # regions A + B, 1.A only
    assert r22["difference_pct"] == pytest.approx((2549.04 - 2500) / 2500 * 100, rel=1e-9)  # 1.9616 %
    assert r22["flag"] is False
    r23 = t.filter(pl.col("year") == 2023, pl.col("fuel") == "diesel").row(0, named=True)
    assert r23["reference_co2_t"] == pytest.approx(880 * DIESEL_T_CO2_PER_T, rel=1e-12)  # 2803.944 t
    assert r23["difference_pct"] == pytest.approx((2803.944 - 2400) / 2400 * 100, rel=1e-9)  # 16.8 %
    assert r23["flag"] is True
    assert "ipcc2006_energy/emission_factors.csv" in r22["co2_factor"]
    assert notes == []


def test_hand_values_composite_factor_and_total(tmp_path, sets):
    bal, _ = read_energy_balance(_balance(tmp_path, ["2022,ALL,natural_gas,10^4 m^3,0,100,0,0,0,",
                                                     "2022,ALL,diesel,t,0,820,0,0,0,20"]), activity_classes(sets))
    ng = 100 * NG_T_CO2_PER_10K_M3
    em = _emissions([(2022, "A", "1.A.4.b", "natural_gas", "CO2", ng / 1.04, "direct"),  # reference 4 % above: not flagged
                     (2022, "A", "1.A.3.b", "diesel", "CO2", 100.0, "direct")])
    t = reference_approach(bal, em, sets, threshold_pct=5.0)
    r = t.filter(pl.col("fuel") == "natural_gas").row(0, named=True)
    assert r["ef_t_co2_per_unit"] == pytest.approx(NG_T_CO2_PER_10K_M3, rel=1e-12)
    assert r["reference_co2_t"] == pytest.approx(2162.18881, rel=1e-9)
    assert r["difference_pct"] == pytest.approx(4.0, rel=1e-9)
    assert r["flag"] is False
    # diesel resolves in the first set with a CO2 factor for it (GB/T 32151.22 composite), as the sectoral approach does
    d = t.filter(pl.col("fuel") == "diesel").row(0, named=True)
    assert d["co2_factor"].startswith("cn_gbt32151_22_2024/")
    tot = t.filter(pl.col("fuel") == "TOTAL").row(0, named=True)
    assert tot["reference_co2_t"] == pytest.approx(r["reference_co2_t"] + d["reference_co2_t"], rel=1e-12)
    assert tot["sectoral_co2_t"] == pytest.approx(ng / 1.04 + 100.0, rel=1e-12)


def test_threshold_is_configurable_and_one_sided_fuels_flagged(tmp_path, ipcc):
    bal, _ = read_energy_balance(_balance(tmp_path, ["2022,ALL,diesel,t,0,100,0,0,0,", "2022,ALL,lpg,t,0,10,0,0,0,"]), activity_classes(ipcc))
    ref = 100 * DIESEL_T_CO2_PER_T
    em = _emissions([(2022, "A", "1.A.3.b", "diesel", "CO2", ref / 1.06, "direct"),  # +6 %
                     (2022, "A", "1.A.4.b", "natural_gas", "CO2", 50.0, "direct")])  # burnt, not in the balance
    t5 = reference_approach(bal, em, ipcc, threshold_pct=5.0)
    t7 = reference_approach(bal, em, ipcc, threshold_pct=7.0)
    flag = lambda t, f: t.filter(pl.col("fuel") == f)["flag"][0]  # noqa: E731
    assert flag(t5, "diesel") is True and flag(t7, "diesel") is False
    assert flag(t5, "lpg") is True  # in the balance, no sectoral CO2
    ng = t5.filter(pl.col("fuel") == "natural_gas").row(0, named=True)
    assert ng["flag"] is True and ng["reference_co2_t"] is None and "not in the energy balance" in ng["note"]


def test_regional_balance_compares_with_matching_regions(tmp_path, ipcc):
    bal, _ = read_energy_balance(_balance(tmp_path, ["2022,510105,diesel,t,0,100,0,0,0,"]), activity_classes(ipcc))
    em = _emissions([(2022, "510105001", "1.A.3.b", "diesel", "CO2", 300.0, "direct"),
                     (2022, "510104001", "1.A.3.b", "diesel", "CO2", 900.0, "direct")])
    t = reference_approach(bal, em, ipcc)
    assert t.filter(pl.col("fuel") == "diesel")["sectoral_co2_t"][0] == 300.0


def test_non_fossil_rows_skipped_with_note(tmp_path, sets):
    bal, notes = read_energy_balance(_balance(tmp_path, ["2022,ALL,electricity,10^8 kWh,0,1,0,0,0,", "2022,ALL,diesel,t,0,1,0,0,0,"]),
                                     activity_classes(sets))
    assert bal["fuel"].to_list() == ["diesel"]
    assert any("electricity" in n for n in notes)


@pytest.mark.parametrize(
    ("line", "expect"),
    [
        ("2022,ALL,coal_tar_pitch_x,t,0,1,0,0,0,", ["row 1", "column 'fuel'", "unknown fuel 'coal_tar_pitch_x'"]),
        ("2022,ALL,diesel,barrels,0,1,0,0,0,", ["row 1", "column 'unit'", "barrels"]),
        ("2022,ALL,diesel,t,0,-5,0,0,0,", ["row 1", "column 'imports'", "imports must be ≥ 0", "-5"]),
        ("2022,ALL,diesel,t,0,1,0,0,0,-2", ["column 'non_energy_use'"]),
        ("2022,ALL,diesel,t,0,abc,0,0,0,", ["row 1", "column 'imports'", "'abc'"]),
        ("20x2,ALL,diesel,t,0,1,0,0,0,", ["column 'year'", "'20x2'"]),
    ],
)
def test_bad_rows_name_file_row_and_value(tmp_path, ipcc, line, expect):
    p = _balance(tmp_path, ["2021,ALL,diesel,t,0,1,0,0,-1,", line])
    with pytest.raises(ValidationError) as e:
        read_energy_balance(p, activity_classes(ipcc))
    msg = str(e.value).replace("row 1,", "row 2,")  # the bad line is the second data row
    assert str(p) in msg
    for s in expect:
        assert s.replace("row 1", "row 2") in msg, msg


def test_missing_column_duplicates_and_missing_file(tmp_path, ipcc):
    p = _balance(tmp_path, ["2022,ALL,diesel,t,0,1,0,0"], header="year,region,fuel,unit,production,imports,exports,stock_change")
    with pytest.raises(SchemaError, match="lacks column.*bunkers"):
        read_energy_balance(p, activity_classes(ipcc))
    p = _balance(tmp_path, ["2022,ALL,diesel,t,0,1,0,0,0,", "2022,ALL,diesel,t,0,2,0,0,0,"])
    with pytest.raises(ValidationError, match=r"more than once \(rows \[1, 2\]\)"):
        read_energy_balance(p, activity_classes(ipcc))
    with pytest.raises(InputFileError, match="energy balance not found"):
        read_energy_balance(tmp_path / "nope.csv", activity_classes(ipcc))


def _tiny_inventory(tmp_path: Path, table: str) -> Path:
    from conftest import write_activity

    write_activity(tmp_path / "act" / "a.parquet", [
        {"year": 2022, "region": "A", "sector": "1.A.3.b", "activity": "diesel", "amount": 780.0, "unit": "t"}])
    _balance(tmp_path, ["2022,ALL,diesel,t,0,1000,100,50,30,20"])
    toml = tmp_path / "inv.toml"
    toml.write_text(f'[inventory]\nname = "t"\nyears = [2022, 2022]\n[activity]\npaths = ["act"]\n[factors]\nsets = ["ipcc2006_energy"]\n{table}\n',
                    encoding="utf-8")
    return toml


def test_run_writes_reference_approach_parquet(tmp_path):
    toml = _tiny_inventory(tmp_path, '[reference_approach]\nenergy_balance = "balance.csv"\nthreshold_pct = 2.0')
    res = Inventory(load_config(toml)).run()
    out = res.write(tmp_path / "out")
    t = pl.read_parquet(out / "reference_approach.parquet")
    r = t.filter(pl.col("fuel") == "diesel").row(0, named=True)
    assert r["reference_co2_t"] == pytest.approx(2549.04, rel=1e-12)
    assert r["sectoral_co2_t"] == pytest.approx(780 * DIESEL_T_CO2_PER_T, rel=1e-12)
    assert r["difference_pct"] == pytest.approx((800 / 780 - 1) * 100, rel=1e-9)  # 2.56 % > 2 %
    assert r["flag"] is True
    assert "reference_approach" in res.timings
    import json

    m = json.loads((out / "manifest.json").read_text())
    assert m["reference_approach"]["flagged"] == ["2022 ALL diesel"] and m["reference_approach"]["threshold_pct"] == 2.0


def test_bad_table_is_a_config_error(tmp_path):
    toml = _tiny_inventory(tmp_path, '[reference_approach]\nenergy_balanse = "balance.csv"\nthreshold_pct = -1')
    with pytest.raises(ConfigError) as e:
        Inventory(load_config(toml)).run()
    msg = str(e.value)
    assert "unknown key 'energy_balanse'" in msg and "needs energy_balance" in msg and "threshold_pct must be a positive" in msg


def test_demo_report_shows_reference_approach(tmp_path):
    out = tmp_path / "demo"
    ghginv.compile_inventory(ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml", out=out)
    t = pl.read_parquet(out / "reference_approach.parquet")
    fuels = t.filter(pl.col("fuel") != "TOTAL")
    # the synthetic balance: every fuel within 2.5 % (+ rounding), LPG 8 % above the recorded use -> flagged
    assert set(fuels.filter(pl.col("flag"))["fuel"].to_list()) == {"lpg"}
    lpg = fuels.filter(pl.col("fuel") == "lpg")["difference_pct"].to_list()
    assert all(7.9 < d < 8.1 for d in lpg)
    others = fuels.filter(pl.col("fuel") != "lpg")["difference_pct"].drop_nulls().to_list()
    assert others and all(0 < abs(d) < 3.0 for d in others)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="reference-approach"' in html and "lpg" in html
    import openpyxl

    assert "Reference approach" in openpyxl.load_workbook(out / "inventory.xlsx", read_only=True).sheetnames
    assert not math.isnan(t.filter(pl.col("fuel") == "TOTAL")["difference_pct"][0])


def _co2_per_unit_by_rows(keys: pl.DataFrame, sets, year_fallback: str) -> pl.DataFrame:
    """The factors per unit as computed before the column-wise form: one dictionary per CO2 row."""
    from ghginv.methods.emissions import compute_emissions, conversion_path

    cells = keys.select(pl.col("year").cast(pl.Int32), pl.col("factor_region").alias("region"), pl.lit("1.A").alias("sector"),
                        pl.col("fuel").alias("activity"), "unit", pl.lit(1.0).alias("amount"), pl.lit(1, pl.Int64).alias("n_rows"))
    _, detail, res, _ = compute_emissions(cells, sets, year_fallback)
    out = []
    for r in detail.filter(pl.col("gas") == "CO2").iter_rows(named=True):
        p = conversion_path(r["act_dim"], "energy", r["ncv_dim"], r["density"] is not None)
        tj = None
        if p is not None:
            tj = r["unit_scale"] * (r["ncv"] ** p[0] if p[0] else 1.0) * (r["density"] ** p[1] if p[1] else 1.0) / 1000.0
        rule = res.rules[r["rule_id"]]
        ref = f"{rule.set_name}/{Path(rule.file).name}:{rule.line}"
        if r.get("rule2_id") is not None:
            r2 = res.rules[r["rule2_id"]]
            ref += f" × {Path(r2.file).name}:{r2.line}"
        out.append({"year": r["year"], "factor_region": r["region"], "fuel": r["activity"], "unit": r["unit"],
                    "ef_t_co2_per_unit": r["emissions_t"], "tj_per_unit": tj, "co2_factor": ref})
    return pl.DataFrame(out, schema={"year": pl.Int32, "factor_region": pl.String, "fuel": pl.String, "unit": pl.String,
                                     "ef_t_co2_per_unit": pl.Float64, "tj_per_unit": pl.Float64, "co2_factor": pl.String})


def test_co2_per_unit_same_as_row_by_row():
    """The column-wise factors per unit (conversion path and rule reference once per distinct
    value) equal the row-by-row form bit for bit, on the demo's balance keys (composite natural-gas
    factors with a second rule, direct factors, several regions and years)."""
    from ghginv.methods.reference_approach import _co2_per_unit

    toml = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
    cfg = load_config(toml)
    sets = [load_factor_set(p) for p in cfg.factor_sets]
    balance, _ = read_energy_balance(toml.parent / "data" / "qingyang_synthetic" / "energy_balance_synthetic.csv", activity_classes(sets))
    keys = (balance.select("year", "fuel", "unit").unique().join(pl.DataFrame({"factor_region": ["510105", "510104", "51"]}), how="cross")
            .select("year", "factor_region", "fuel", "unit").sort("year", "factor_region", "fuel", "unit"))
    new, old = _co2_per_unit(keys, sets, cfg.year_fallback, "test"), _co2_per_unit_by_rows(keys, sets, cfg.year_fallback)
    assert new.height == keys.height and new.schema == old.schema
    assert new.rows() == old.rows()
    assert any(" × " in c for c in new["co2_factor"].to_list())
