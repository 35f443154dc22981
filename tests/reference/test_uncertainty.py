"""R7 / R8: uncertainty Approach 1 (2006 IPCC GL Vol 1 Ch 3 Eqs 3.1, 3.2) and Approach 2 (Monte Carlo).

Monte Carlo tolerance: with N draws the 2.5 / 97.5 % points of a normal output have a standard
error of sqrt(p (1 − p) / N) / φ(1.96) ≈ 0.0085 σ at N = 100,000, i.e. ≈ 0.3 % of the half-width
(1.96 σ); the product of two normals is slightly non-normal (it adds σ_a σ_b, < 0.5 % here).
A 3 % relative tolerance is thus > 5 standard errors wide and still far tighter than the gap
between R7's two cases.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.uncertainty.montecarlo import Inputs, approach1_level, approach1_trend, monte_carlo, multiplier_params


def _product():
    inputs = Inputs.from_specs([(1.0, "normal", 5.0, None, None), (1.0, "normal", 7.0, None, None)])
    return np.array([100.0]), np.array([[0, 1]]), np.ones((1, 2), np.int8), np.array([0]), inputs


def _sum():
    inputs = Inputs.from_specs([(100.0, "normal", 10.0, None, None), (50.0, "normal", 20.0, None, None)])
    return np.array([100.0, 50.0]), np.array([[0], [1]]), np.ones((2, 1), np.int8), np.array([0, 0]), inputs


def _half_width_pct(draws):
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return (hi - lo) / 2 / draws.mean() * 100


def test_r7_approach1_product_eq_3_1():
    base, idx, pw, g, inp = _product()
    assert approach1_level(base, idx, pw, g, 1, inp.u_pct)[0] == pytest.approx(8.60, abs=0.005)  # sqrt(5² + 7²)


def test_r7_approach1_sum_eq_3_2():
    base, idx, pw, g, inp = _sum()
    assert approach1_level(base, idx, pw, g, 1, inp.u_pct)[0] == pytest.approx(9.43, abs=0.005)  # sqrt(10² + 10²) / 150


@pytest.mark.parametrize("case, expect", [(_product, 8.60), (_sum, 9.43)])
def test_r7_monte_carlo_converges_to_approach1(case, expect):
    base, idx, pw, g, inp = case()
    d = monte_carlo(base, idx, pw, g, 1, inp, draws=100_000, seed=20240101)
    assert _half_width_pct(d[:, 0]) == pytest.approx(expect, rel=0.03)
    assert d[:, 0].mean() == pytest.approx(base.sum(), rel=0.002)


def test_shared_factor_is_fully_correlated():
    """Two terms using the same factor row: the sum's uncertainty is the factor's, not /√2."""
    inputs = Inputs.from_specs([(1.0, "normal", 10.0, None, None)])
    base, idx, pw, g = np.array([100.0, 100.0]), np.array([[0], [0]]), np.ones((2, 1), np.int8), np.array([0, 0])
    assert approach1_level(base, idx, pw, g, 1, inputs.u_pct)[0] == pytest.approx(10.0)
    d = monte_carlo(base, idx, pw, g, 1, inputs, draws=50_000, seed=1)
    assert _half_width_pct(d[:, 0]) == pytest.approx(10.0, rel=0.03)


def test_r8_lognormal_gives_asymmetric_interval():
    """R8: skewed (lognormal) N2O inputs, UK NAEI 1999 reported −76 % / +285 %."""
    inputs = Inputs.from_specs([(1.0, "lognormal", None, 0.24, 3.85)])
    d = monte_carlo(np.array([10.0]), np.array([[0]]), np.ones((1, 1), np.int8), np.array([0]), 1, inputs, draws=50_000, seed=7)[:, 0]
    lo, med, hi = np.percentile(d, [2.5, 50, 97.5])
    assert lo / 10 == pytest.approx(0.24, rel=0.03) and hi / 10 == pytest.approx(3.85, rel=0.03)
    assert (hi - med) > 3 * (med - lo)  # strongly right-skewed


def test_lognormal_from_pct_keeps_the_mean():
    code, mu, sigma, _, u = multiplier_params(1.0, "lognormal", 200.0, None, None)
    assert code == 2 and u == 200.0
    assert np.exp(mu + sigma**2 / 2) == pytest.approx(1.0)  # mean 1, sd U / 196
    assert np.sqrt(np.exp(sigma**2) - 1) == pytest.approx(200 / 195.9964, rel=1e-6)


@pytest.mark.parametrize("dist", ["uniform", "triangular"])
def test_bounds_are_the_95_percent_points(dist):
    inputs = Inputs.from_specs([(1.0, dist, None, 0.9, 1.2)])
    d = monte_carlo(np.array([1.0]), np.array([[0]]), np.ones((1, 1), np.int8), np.array([0]), 1, inputs, draws=100_000, seed=3)[:, 0]
    lo, hi = np.percentile(d, [2.5, 97.5])
    assert lo == pytest.approx(0.9, abs=0.004) and hi == pytest.approx(1.2, abs=0.004)


def test_trend_type_a_and_type_b_table_3_2():
    """One category, EF ±7 % used in both years (Type A: cancels), AD ±5 % per year (Type B × √2)."""
    # inputs: 0 = EF (both years), 1 = AD base year, 2 = AD year t
    u = np.array([7.0, 5.0, 5.0])
    c = np.array([[100.0, 100.0, 0.0]])  # base-year contributions
    d = np.array([[120.0, 0.0, 120.0]])  # year-t contributions
    t = approach1_trend(c, d, [100.0], [120.0], u)[0]
    # Table 3.2 Type A with a 1 % change: EF (C = 100, D = 120) -> A = 0; AD of year t (C = 0) -> A = Type B
    # = D / ΣC = 1.2; AD of the base year (D = 0) -> A = (120 − 101) / 101 × 100 − 20 = −1.188
    a_base = ((120 - 101) / 101 - 0.2) * 100
    assert t == pytest.approx(5 * np.hypot(1.2, a_base), rel=1e-12)
    assert t == pytest.approx(np.sqrt(2) * 1.2 * 5, rel=0.01)  # Table 3.2: Type B × U_AD × √2


def test_seeded_runs_are_reproducible_and_thread_independent():
    base, idx, pw, g, inp = _sum()
    a = monte_carlo(base, idx, pw, g, 1, inp, draws=3000, seed=11, threads=2)
    b = monte_carlo(base, idx, pw, g, 1, inp, draws=3000, seed=11, threads=1)
    c = monte_carlo(base, idx, pw, g, 1, inp, draws=3000, seed=12)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def _terms(rows, specs):
    """Terms frame from (year, sector, gas, co2e, ad_input, ef_input) rows."""
    import polars as pl

    from ghginv.uncertainty.propagate import Terms

    frame = pl.DataFrame(
        {"year": [r[0] for r in rows], "scope": ["direct"] * len(rows), "sector": [r[1] for r in rows], "gas": [r[2] for r in rows],
         "co2e_t": [float(r[3]) for r in rows], "i0": [r[4] for r in rows], "i1": [r[5] for r in rows], "i2": [-1] * len(rows),
         "i3": [-1] * len(rows), "i4": [-1] * len(rows), **{f"w{k}": [1] * len(rows) for k in range(5)}},
        schema_overrides={"year": pl.Int32, **{f"i{k}": pl.Int64 for k in range(5)}, **{f"w{k}": pl.Int8 for k in range(5)}},
    )
    return Terms(frame, Inputs.from_specs(specs), pl.DataFrame(), {})


def test_table_3_2_layout():
    """Table 3.2 columns by hand: two categories, EF shared by both years, AD per year."""
    import polars as pl

    from ghginv.uncertainty.tables import table_3_2

    specs = [(1.0, "normal", 7.0, None, None), (1.0, "normal", 50.0, None, None)] + [(1.0, "normal", 5.0, None, None)] * 4
    rows = [(2020, "1.A.1.a", "CO2", 100, 2, 0), (2020, "3.A.1", "CH4", 50, 3, 1),
            (2024, "1.A.1.a", "CO2", 120, 4, 0), (2024, "3.A.1", "CH4", 40, 5, 1)]
    t = table_3_2(_terms(rows, specs), base_year=2020, depth=4).filter(pl.col("year") == 2024)
    a = t.row(0, named=True)
    assert (a["category"], a["ad_pct"], a["ef_pct"]) == ("1.A.1.a", 5.0, 7.0)
    assert a["combined_pct"] == pytest.approx(np.hypot(5, 7))
    assert a["variance_contribution"] == pytest.approx((np.hypot(5, 7) * 120) ** 2 / 160**2)
    assert a["type_a"] == pytest.approx(((0.01 * 120 + 160 - (0.01 * 100 + 150)) / (0.01 * 100 + 150) - 10 / 150) * 100)
    assert a["type_b"] == pytest.approx(120 / 150)
    assert a["trend_ef_pct"] == pytest.approx(a["type_a"] * 7)
    assert a["trend_ad_pct"] == pytest.approx(120 / 150 * 5 * np.sqrt(2))
    tot = t.filter(pl.col("category") == "TOTAL").row(0, named=True)
    assert tot["combined_pct"] == pytest.approx(np.sqrt(t["variance_contribution"][:2].sum()))
    assert tot["trend_pct"] == pytest.approx(np.sqrt(t["trend_variance"][:2].sum()))
    # no input shared between rows: the Table 3.2 total equals Approach 1 input by input (Eq 3.2)
    base = np.array([120.0, 40.0])
    idx = np.array([[4, 0], [5, 1]])
    inp = Inputs.from_specs(specs)
    assert tot["combined_pct"] == pytest.approx(approach1_level(base, idx, np.ones((2, 2), np.int8), np.array([0, 0]), 1, inp.u_pct)[0])


@given(st.lists(st.floats(1.0, 1e6), min_size=1, max_size=12), st.lists(st.floats(0.0, 200.0), min_size=12, max_size=12))
@settings(max_examples=60, deadline=None)
def test_key_categories_approach2_cover_the_threshold(values, uncert):
    """Property: Approach 2 key categories cover at least 90 % of the uncertainty-weighted level."""
    import polars as pl

    from ghginv.analysis.key_categories import key_categories

    cats = [f"1.A.{i + 1}" for i in range(len(values))]
    inv = pl.DataFrame({"year": [2020] * len(values), "region": "r", "scope": "direct", "category": cats, "level": 3,
                        "category_name": "", "gas": "CO2", "emissions_t": values, "co2e_t": values, "notation_key": None},
                       schema_overrides={"notation_key": pl.String})
    unc = pl.DataFrame({"year": [2020] * len(values), "scope": "direct", "category": cats, "gas": "CO2",
                        "half_width_pct": uncert[: len(values)], "approach1_pct": uncert[: len(values)]})
    k = key_categories(inv, depth=3, uncertainty=unc).filter(pl.col("assessment") == "level_approach2")
    if k["share"].sum() > 0:
        assert k.filter(pl.col("key"))["share"].sum() >= 0.90 - 1e-9
        assert k["share"].sum() == pytest.approx(1.0)


def _zero_ef_run(tmp_path, dist="normal"):
    """1,000 TJ of natural gas in 1.A.1.a: CO2 56,100 kg/TJ (exact), CH4 0 kg/TJ with the 95 % interval 0–50 kg/TJ."""
    import hashlib

    import polars as pl

    from ghginv import compile_inventory

    from conftest import write_activity

    folder = tmp_path / "zero_set"
    folder.mkdir()
    text = ("activity,sector,region,year_from,year_to,gas,value,unit,source,source_locator,status,lower,upper,distribution\n"
            "natural_gas,*,*,,,CO2,56100,kg/TJ,2006 IPCC GL Vol 2 Ch 1,Table 1.4,V2,,,\n"
            f"natural_gas,*,*,,,CH4,0,kg/TJ,test,test,V2,0,50,{dist}\n")
    (folder / "emission_factors.csv").write_text(text, encoding="utf-8")
    (folder / "manifest.toml").write_text(
        'name = "zero_set"\nversion = "1"\ntitle = "t"\npublisher = "t"\npublished = "2024-01-01"\nurl = "-"\nlicense = "-"\n'
        f'[files]\n"emission_factors.csv" = "sha256:{hashlib.sha256(text.encode()).hexdigest()}"\n', encoding="utf-8")
    act = write_activity(tmp_path / "a.parquet", [dict(year=2024, region="510105", sector="1.A.1.a", activity="natural_gas",
                                                       amount=1000.0, unit="TJ")])
    res = compile_inventory(activity=[str(act)], factors=[str(folder)], gwp="AR5GWP100",
                            extra={"uncertainty": {"draws": 20000, "seed": 3}})
    u = res.uncertainty.table.filter(pl.col("scope") == "direct", pl.col("category") == "1.A.1.a")
    return res, {g: u.filter(pl.col("gas") == g).row(0, named=True) for g in ("CO2", "CH4", "ALL")}


def test_zero_factor_with_bounds_is_an_absolute_uncertainty(tmp_path):
    """Issue 16 item 7: a zero value with a 95 % interval is an absolute uncertainty, not an exact row.

    By hand: the CH4 half-width is 1,000 TJ × 25 kg/TJ = 25 t CH4 = 700 t CO2e (AR5 CH4 28) around 0 (normal law,
    mean = value, σ from the width); the category holds 56,100 t CO2, so Approach 1 (Eq 3.2, absolute half-widths
    over the category total) gives 700 / 56,100 × 100 = 1.2478 %, and Table 3.2's factor column the same."""
    import polars as pl

    res, row = _zero_ef_run(tmp_path)
    assert row["CH4"]["co2e_t"] == 0.0 and row["ALL"]["co2e_t"] == pytest.approx(56100.0)
    assert row["CH4"]["p97_5"] == pytest.approx(700.0, rel=0.05) and row["CH4"]["p2_5"] == pytest.approx(-700.0, rel=0.05)
    assert abs(row["CH4"]["mean"]) < 15.0
    assert row["ALL"]["approach1_pct"] == pytest.approx(700 / 56100 * 100, rel=1e-12)
    assert row["ALL"]["p97_5"] - row["ALL"]["p2_5"] == pytest.approx(1400.0, rel=0.05)
    t32 = res.uncertainty.table_3_2
    ch4 = t32.filter(pl.col("category") == "1.A.1.a", pl.col("gas") == "CH4").row(0, named=True)
    assert ch4["ef_pct"] is None  # a percentage of 0 t is undefined; its absolute half-width enters H
    assert ch4["variance_contribution"] == pytest.approx((700 / 56100 * 100) ** 2, rel=1e-12)
    assert t32.filter(pl.col("category") == "TOTAL")["combined_pct"][0] == pytest.approx(700 / 56100 * 100, rel=1e-12)
    st = res.uncertainty.stats
    assert (st["factor_rows_used"], st["factor_rows_exact"]) == (2, 1)  # the CO2 row is exact, the CH4 row is not


def test_zero_factor_triangular_stays_near_its_bounds(tmp_path):
    """A triangular law with mode 0 whose 2.5 / 97.5 % points are 0 and 50 kg/TJ: draws of the CH4 row in t CO2e
    have those percentiles × 1,000 TJ × 28."""
    _, row = _zero_ef_run(tmp_path, "triangular")
    assert row["CH4"]["p2_5"] == pytest.approx(0.0, abs=20.0)
    assert row["CH4"]["p97_5"] == pytest.approx(50 * 28.0, rel=0.03)
