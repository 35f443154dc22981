"""Time-series gap filling (2006 IPCC GL Vol 1 Ch 5): hand values of each method, properties, errors, the run."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.core.config import load_config
from ghginv.core.errors import ConfigError, SchemaError
from ghginv.pipeline.gapfill import extrapolate, interpolate, overlap, surrogate
from ghginv.pipeline.inventory import Inventory

DIESEL_T_CO2_PER_T = 0.043 * 74.1  # ipcc2006_energy: NCV 43 TJ/Gg (Table 1.2) × 74,100 kg CO2/TJ (Table 1.4)


# ---- the equations, by hand --------------------------------------------------------------------


def test_interpolation_hand_values():
    assert interpolate({2020: 100.0, 2024: 140.0}, 2022) == (120.0, [2020, 2024])
    assert interpolate({2020: 100.0, 2024: 140.0}, 2021) == (110.0, [2020, 2024])
    # the nearest neighbours are used, not the ends of the series
    assert interpolate({2018: 0.0, 2020: 100.0, 2022: 200.0, 2030: 0.0}, 2021) == (150.0, [2020, 2022])


def test_extrapolation_hand_values():
    # least squares through 2020..2022: mean t 2021, mean y 113.33, slope (13.33 + 16.67) / 2 = 15
    v, used = extrapolate({2020: 100.0, 2021: 110.0, 2022: 130.0}, 2023, 3)
    assert used == [2020, 2021, 2022] and v == pytest.approx(113.333333333 + 15 * 2, rel=1e-9)  # 143.33
    v, used = extrapolate({2020: 100.0, 2021: 110.0, 2022: 130.0}, 2023, 2)  # the line through the two nearest
    assert used == [2021, 2022] and v == pytest.approx(150.0, rel=1e-12)
    v, _ = extrapolate({2021: 110.0, 2022: 130.0, 2023: 150.0}, 2020, 3)  # backwards
    assert v == pytest.approx(90.0, rel=1e-12)


def test_overlap_eq_5_1_hand_value():
    y = {2019: 50.0, 2020: 60.0, 2021: 70.0}
    x = {2019: 100.0, 2020: 110.0, 2021: 150.0, 2022: 160.0}
    v, used = overlap(y, x, 2022)
    assert used == [2019, 2020, 2021] and v == pytest.approx(160 * 180 / 360, rel=1e-12)  # 80
    v, used = overlap(y, x, 2022, years=[2021])
    assert used == [2021] and v == pytest.approx(160 * 70 / 150, rel=1e-12)


def test_surrogate_eq_5_2_hand_value():
    assert surrogate({2021: 200.0}, {2021: 1000.0, 2022: 1100.0}, 2022) == (pytest.approx(220.0), [2021])
    # nearest year with data; on a tie the earlier one
    v, used = surrogate({2020: 100.0, 2022: 300.0}, {2020: 10.0, 2021: 12.0, 2022: 20.0}, 2021)
    assert used == [2020] and v == pytest.approx(120.0)
    v, used = surrogate({2020: 100.0, 2022: 300.0}, {2020: 10.0, 2021: 12.0, 2022: 20.0}, 2021, base_year=2022)
    assert used == [2022] and v == pytest.approx(180.0)


@pytest.mark.parametrize(
    ("call", "msg"),
    [
        (lambda: interpolate({2020: 1.0, 2021: 2.0}, 2022), "before and after 2022"),
        (lambda: extrapolate({2020: 1.0}, 2022), "at least two years"),
        (lambda: overlap({2020: 1.0}, {2021: 1.0, 2022: 2.0}, 2022), "both series have data"),
        (lambda: overlap({2020: 1.0}, {2020: 1.0}, 2022), "reference series in 2022"),
        (lambda: surrogate({2020: 1.0}, {2020: 1.0}, 2022), "no value for 2022"),
        (lambda: surrogate({2020: 1.0}, {2020: 0.0, 2022: 1.0}, 2022), "is 0 in 2020"),
    ],
)
def test_methods_refuse_missing_years(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()


@settings(max_examples=200, deadline=None)
@given(a=st.floats(0, 1e9), b=st.floats(0, 1e9), y0=st.integers(1990, 2030), gap=st.integers(2, 10), k=st.integers(1, 9))
def test_property_interpolation_lies_between(a, b, y0, gap, k):
    k = min(k, gap - 1)
    v, _ = interpolate({y0: a, y0 + gap: b}, y0 + k)
    assert min(a, b) * (1 - 1e-12) <= v <= max(a, b) * (1 + 1e-12)


@settings(max_examples=200, deadline=None)
@given(x=st.lists(st.floats(1e-3, 1e9), min_size=2, max_size=8), ratio=st.floats(1e-3, 1e3))
def test_property_overlap_reproduces_a_proportional_series(x, ratio):
    years = list(range(2000, 2000 + len(x)))
    xs = dict(zip(years, x))
    ys = {t: ratio * v for t, v in xs.items() if t != years[-1]}  # y missing in the last year
    v, _ = overlap(ys, xs, years[-1])
    assert v == pytest.approx(ratio * x[-1], rel=1e-9)


# ---- in a run ----------------------------------------------------------------------------------


def _inventory(tmp_path: Path, rules: str, rows: list[dict] | None = None, economy: str | None = None) -> Path:
    from conftest import write_activity

    rows = rows or [
        {"year": y, "region": r, "sector": "1.A.3.b", "activity": "diesel", "amount": a, "unit": u}
        for y, r, a, u in [(2020, "A", 100.0, "t"), (2021, "A", 0.011, "10^4 t"), (2023, "A", 130.0, "t"), (2024, "A", 150.0, "t"),
                           (2020, "B", 10.0, "t"), (2021, "B", 11.0, "t"), (2022, "B", 12.0, "t"), (2023, "B", 13.0, "t"), (2024, "B", 14.0, "t")]
    ]
    write_activity(tmp_path / "act" / "a.parquet", rows)
    eco = ""
    if economy:
        (tmp_path / "eco.csv").write_text(economy, encoding="utf-8")
        eco = '[economy]\npath = "eco.csv"\n'
    toml = tmp_path / "inv.toml"
    toml.write_text('[inventory]\nname = "t"\nyears = [2020, 2024]\nbase_year = 2020\n[activity]\npaths = ["act"]\n'
                    f'[factors]\nsets = ["ipcc2006_energy"]\n{eco}{rules}\n', encoding="utf-8")
    return toml


RULE = '[[gap_filling]]\ncategory = "1.A.3"\nactivity = "diesel"\nregion = "{region}"\nyears = [2022]\nmethod = "{method}"\n'


def _co2(res, year, region):
    e = res.emissions.filter(pl.col("year") == year, pl.col("region") == region, pl.col("gas") == "CO2")
    return e["emissions_t"].sum()


def test_interpolation_in_a_run_is_recorded_and_marked(tmp_path):
    res = Inventory(load_config(_inventory(tmp_path, RULE.format(region="*", method="interpolation")))).run()
    # A: 2021 = 0.011 × 10^4 t = 110 t, 2023 = 130 t -> 2022 = 120 t; B has 2022 data and keeps it
    assert _co2(res, 2022, "A") == pytest.approx(120 * DIESEL_T_CO2_PER_T, rel=1e-12)
    assert _co2(res, 2022, "B") == pytest.approx(12 * DIESEL_T_CO2_PER_T, rel=1e-12)
    filled = res.cube.cells.filter(pl.col("n_rows") == 0)
    assert filled.select("year", "region", "sector", "activity", "unit", "amount").rows() == [(2022, "A", "1.A.3.b", "diesel", "t", pytest.approx(120.0))]
    assert res.checks["input_equals_cube"]["ok"] is True  # the estimate is not an input row
    out = res.write(tmp_path / "out")
    rec = pl.read_parquet(out / "gap_filling.parquet").row(0, named=True)
    assert (rec["year"], rec["region"], rec["sector"], rec["method"], rec["input_years"]) == (2022, "A", "1.A.3.b", "interpolation", [2021, 2023])
    assert rec["amount"] == pytest.approx(120.0) and "y[2021]=110 t" in rec["inputs"]
    cell = res.emissions.filter(pl.col("year") == 2022, pl.col("region") == "A")
    assert rec["co2e_t"] == pytest.approx(cell["co2e_t"].sum(), rel=1e-12)  # CO2 + CH4 + N2O of the filled cell
    assert rec["co2e_t"] > 120 * DIESEL_T_CO2_PER_T
    m = json.loads((out / "manifest.json").read_text())
    assert m["gap_filling"]["filled"] == 1 and m["rows"]["gap_filled_cells"] == 1
    assert any("has data in 2022, kept" in n for n in m["gap_filling"]["notes"])
    # recompute from the cached cube fills again and gives the same emissions
    again = Inventory(res.config).run_from_cube(res.cube, [])
    assert again.emissions.equals(res.emissions)


def test_overlap_and_surrogate_in_a_run(tmp_path):
    ov = RULE.format(region="A", method="overlap") + 'surrogate = { category = "1.A.3.b", activity = "diesel", region = "B" }\n'
    res = Inventory(load_config(_inventory(tmp_path, ov))).run()
    # Eq 5.1 with x = region B: 12 × (100 + 110 + 130 + 150) / (10 + 11 + 13 + 14) = 122.5 t
    assert _co2(res, 2022, "A") == pytest.approx(12 * 490 / 48 * DIESEL_T_CO2_PER_T, rel=1e-12)
    eco = "year,region,population,gdp_const_10k_yuan\n" + "\n".join(f"{y},ALL,{p},1" for y, p in
                                                                     [(2020, 1000), (2021, 1100), (2022, 1210), (2023, 1300), (2024, 1400)])
    su = RULE.format(region="A", method="surrogate") + 'surrogate = "population"\n'
    res = Inventory(load_config(_inventory(tmp_path / "s", su, economy=eco))).run()
    # Eq 5.2, nearest year 2021 (tie with 2023 -> earlier): 110 × 1210 / 1100 = 121 t
    assert _co2(res, 2022, "A") == pytest.approx(121 * DIESEL_T_CO2_PER_T, rel=1e-12)
    out = res.write(tmp_path / "s" / "out")  # with an economy table the run writes report.html and inventory.xlsx
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="gap-filling"' in html and "surrogate" in html and "population" in html
    import openpyxl

    assert "Gap filling" in openpyxl.load_workbook(out / "inventory.xlsx", read_only=True).sheetnames
    ex = RULE.format(region="A", method="extrapolation") + "trend_years = 2\n"
    res = Inventory(load_config(_inventory(tmp_path / "e", ex))).run()
    # two nearest years 2021 (110) and 2023 (130): the line gives 120 t in 2022
    assert _co2(res, 2022, "A") == pytest.approx(120 * DIESEL_T_CO2_PER_T, rel=1e-12)


@pytest.mark.parametrize(
    ("rules", "err", "msg"),
    [
        (RULE.format(region="A", method="surrogate"), ConfigError, "needs a surrogate series"),
        (RULE.format(region="A", method="surrogate") + 'surrogate = "population"\n', ConfigError, "no \\[economy\\] path"),
        (RULE.format(region="A", method="magic"), ConfigError, "method must be one of"),
        (RULE.format(region="B", method="interpolation"), ConfigError, "nothing to fill"),
        (RULE.format(region="Z", method="interpolation"), ConfigError, "matches no activity series"),
        (RULE.format(region="A", method="interpolation").replace("[2022]", "[2026]"), ConfigError, "outside the inventory years"),
        (RULE.format(region="A", method="overlap") + 'surrogate = { category = "1.A.3.b", activity = "diesel", region = "A" }\n',
         ConfigError, "reference series in 2022"),
        (RULE.format(region="A", method="interpolation") + "speed = 3\n", ConfigError, "unknown key 'speed'"),
    ],
)
def test_bad_rules(tmp_path, rules, err, msg):
    with pytest.raises(err, match=msg):
        Inventory(load_config(_inventory(tmp_path, rules))).run()


def test_method_needs_years_that_do_not_exist(tmp_path):
    rows = [{"year": y, "region": "A", "sector": "1.A.3.b", "activity": "diesel", "amount": 1.0, "unit": "t"} for y in (2020, 2021)]
    with pytest.raises(ConfigError, match=r"#1.*series A/1.A.3.b/diesel, year 2022: interpolation needs data before and after 2022"):
        Inventory(load_config(_inventory(tmp_path, RULE.format(region="A", method="interpolation"), rows=rows))).run()


def test_surrogate_column_missing(tmp_path):
    eco = "year,region,population,gdp_const_10k_yuan\n" + "\n".join(f"{y},ALL,1000,1" for y in range(2020, 2025))
    su = RULE.format(region="A", method="surrogate") + 'surrogate = "heating_days"\n'
    with pytest.raises(SchemaError, match="no column 'heating_days'"):
        Inventory(load_config(_inventory(tmp_path, su, economy=eco))).run()
