"""Waste through ``compile``: 4.A deposits by first-order decay (stage ``waste``), 4.B–4.D as activity × factor.

Shipped set ``ipcc2006_waste`` (2006 IPCC GL Vol 5, values via the IPCC EFDB; facts file
../shared/waste-ippu-energy-facts.md §1). Expected values are the guideline equations multiplied
out by hand.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ghginv import compile_inventory
from ghginv.core.errors import ConfigError, GhgInvError, MissingFactorError, ValidationError
from ghginv.factors import load_factor_set
from ghginv.methods.waste import first_order_decay

from conftest import ROOT, write_activity

WASTE = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_waste"
R = "510105"


def _history(first=2000, last=2024, food_t=20_000.0, paper_t=8_000.0, sector="4.A.1"):
    rows = []
    for y in range(first, last + 1):
        rows.append(dict(year=y, region=R, sector=sector, activity="msw_food", amount=food_t, unit="t"))
        rows.append(dict(year=y, region=R, sector=sector, activity="msw_paper", amount=paper_t / 1e4, unit="10^4 t"))
    return rows


def _run(tmp_path, rows, years=None, waste=None, **kw):
    act = write_activity(tmp_path / "activity.parquet", rows)
    extra = {"waste": waste if waste is not None else {"climate_zone": "boreal_temperate_wet"}}
    return compile_inventory(activity=[str(act)], factors=[str(WASTE)], gwp="AR5GWP100", years=years, extra=extra, **kw)


def test_fod_in_compile_equals_the_function(tmp_path):
    res = _run(tmp_path, _history(), years=(2000, 2024))
    em = res.emissions.filter(pl.col("sector") == "4.A.1")
    assert set(em["gas"].to_list()) == {"CH4"}
    years = np.arange(2000, 2025)
    # by hand: food DOC 0.15, paper DOC 0.40 (Table 2.4), DOCf 0.5, MCF 1.0 (managed anaerobic), F 0.5, OX 0,
    # k boreal/temperate wet: food 0.185, paper 0.06 (Table 3.3), 6-month delay
    ref = first_order_decay(np.array([np.full(25, 20.0), np.full(25, 8.0)]), years, [0.15, 0.40], 0.5, 1.0, 0.5, [0.185, 0.06], 0.0, 0.0, 6)
    for i, act in enumerate(["msw_food", "msw_paper"]):
        got = em.filter(pl.col("activity") == act).sort("year")
        np.testing.assert_allclose(got["emissions_t"].to_numpy(), ref.ch4_emitted[i] * 1000, rtol=1e-12)
    assert em.filter(pl.col("year") == 2000)["emissions_t"].sum() == 0.0  # nothing decays in the first deposit year
    # the first decay year by hand: 20 Gg × 0.15 × 0.5 × (1 − e^-0.185) × 0.5 × 16/12 = 0.168896 Gg CH4
    food01 = em.filter(pl.col("year") == 2001, pl.col("activity") == "msw_food")["emissions_t"][0]
    assert food01 == pytest.approx(20 * 0.15 * 0.5 * (1 - np.exp(-0.185)) * 0.5 * 16 / 12 * 1000, rel=1e-12)
    # co2e with AR5 CH4 28, traced parameters
    assert em["co2e_t"].sum() == pytest.approx(em["emissions_t"].sum() * 28, rel=1e-12)
    used = res.factors_used.filter(pl.col("kind") == "waste_parameter", pl.col("year") == 2024, pl.col("activity") == "msw_food")
    got = dict(zip(used["item"].to_list(), used["value"].to_list()))
    assert got == {"doc": 0.15, "docf": 0.5, "mcf": 1.0, "f": 0.5, "ox": 0.0, "k_boreal_temperate_wet": 0.185, "delay_months": 6.0}
    assert set(used["status"].to_list()) <= {"V", "D"}
    assert res.waste["climate_zone"] == "boreal_temperate_wet"


def test_report_years_only_and_history_before_them(tmp_path):
    """Without [inventory] years every data year is kept: a 2000–2024 history reported for 2020–2024 only when
    other sectors' data cover those years; the 2024 value equals the full-history value."""
    rows = _history() + [dict(year=y, region=R, sector="4.B", activity="composted_waste", amount=1000.0, unit="t") for y in range(2020, 2025)]
    res = _run(tmp_path, rows)
    em = res.emissions.filter(pl.col("sector") == "4.A.1")
    assert sorted(em["year"].unique().to_list()) == [2020, 2021, 2022, 2023, 2024]
    full = _run(tmp_path / "full", _history(), years=(2000, 2024)).emissions.filter(pl.col("sector") == "4.A.1", pl.col("year") == 2024)
    assert em.filter(pl.col("year") == 2024)["emissions_t"].sum() == pytest.approx(full["emissions_t"].sum(), rel=1e-12)


def test_recovery_and_site_categories(tmp_path):
    rows = _history(sector="4.A.3")
    base = _run(tmp_path / "a", rows, years=(2000, 2024)).emissions
    rec = _run(tmp_path / "b", rows, years=(2000, 2024), waste={"climate_zone": "boreal_temperate_wet", "recovery": {"2024": 0.2}}).emissions
    b24 = base.filter(pl.col("year") == 2024)["emissions_t"].sum()
    r24 = rec.filter(pl.col("year") == 2024)["emissions_t"].sum()
    assert r24 == pytest.approx(0.8 * b24, rel=1e-12)
    assert rec.filter(pl.col("year") == 2023)["emissions_t"].sum() == pytest.approx(base.filter(pl.col("year") == 2023)["emissions_t"].sum(), rel=1e-12)
    managed = _run(tmp_path / "c", _history(sector="4.A.1"), years=(2000, 2024)).emissions.filter(pl.col("year") == 2024)["emissions_t"].sum()
    assert b24 == pytest.approx(managed * 0.6, rel=1e-12)  # MCF uncategorised 0.6 vs managed 1.0


def test_activity_times_factor_waste_categories_and_rollup(tmp_path):
    rows = _history(2015, 2024) + [
        dict(year=2024, region=R, sector="4.B", activity="composted_waste", amount=1000.0, unit="t"),
        dict(year=2024, region=R, sector="4.C.1", activity="msw_plastics", amount=100.0, unit="t"),
        dict(year=2024, region=R, sector="4.C.2", activity="msw_textiles", amount=10.0, unit="t"),
        dict(year=2024, region=R, sector="4.D.1", activity="wastewater_bod_septic", amount=1000.0, unit="kg"),
        dict(year=2024, region=R, sector="4.D.1", activity="wastewater_effluent_n", amount=1000.0, unit="kg"),
    ]
    res = _run(tmp_path, rows, years=(2015, 2024))
    e = res.emissions.filter(pl.col("year") == 2024)

    def val(sector, act, gas):
        return e.filter(pl.col("sector") == sector, pl.col("activity") == act, pl.col("gas") == gas)["emissions_t"][0]

    assert val("4.B", "composted_waste", "CH4") == pytest.approx(4.0, rel=1e-12)  # 1000 t × 4 g/kg (Table 4.1)
    assert val("4.B", "composted_waste", "N2O") == pytest.approx(0.24, rel=1e-12)
    assert val("4.C.1", "msw_plastics", "CO2") == pytest.approx(100 * 1.0 * 0.75 * 1.0 * 44 / 12, rel=1e-6)  # DM × CF × FCF × OF × 44/12
    assert val("4.C.1", "msw_plastics", "CH4") == pytest.approx(100 * 0.2e-6, rel=1e-12)  # 0.2 kg/Gg
    assert val("4.C.1", "msw_plastics", "N2O") == pytest.approx(100 * 50e-6, rel=1e-12)
    assert val("4.C.2", "msw_textiles", "CO2") == pytest.approx(10 * 0.8 * 0.5 * 0.2 * 0.58 * 44 / 12, rel=1e-6)
    assert val("4.C.2", "msw_textiles", "CH4") == pytest.approx(10 * 6500e-6, rel=1e-12)
    assert val("4.D.1", "wastewater_bod_septic", "CH4") == pytest.approx(1000 * 0.6 * 0.5 / 1000, rel=1e-12)  # Bo × MCF
    assert val("4.D.1", "wastewater_effluent_n", "N2O") == pytest.approx(1000 * 0.005 * 44 / 28 / 1000, rel=1e-6)
    inv = res.inventory.filter(pl.col("year") == 2024, pl.col("scope") == "direct", pl.col("notation_key").is_null())
    co2e = {c: inv.filter(pl.col("category") == c)["co2e_t"].sum() for c in ["4", "4.A", "4.B", "4.C", "4.D", "TOTAL"]}
    assert co2e["4"] == pytest.approx(co2e["4.A"] + co2e["4.B"] + co2e["4.C"] + co2e["4.D"], rel=1e-12)
    assert co2e["TOTAL"] == pytest.approx(co2e["4"], rel=1e-12)
    assert co2e["4.A"] == pytest.approx(e.filter(pl.col("sector") == "4.A.1")["co2e_t"].sum(), rel=1e-12)


@pytest.mark.parametrize(
    "rows, waste, err, match",
    [
        ([r for r in _history(2010, 2024) if not (r["year"] == 2015 and r["activity"] == "msw_food")], None, ValidationError, "missing history year"),
        (_history(2010, 2024) + [dict(year=2024, region=R, sector="4.A.1", activity="msw_plastics", amount=5.0, unit="t")], None, MissingFactorError,
            "msw_plastics"),
        ([dict(year=2024, region=R, sector="4.A.1", activity="msw_food", amount=5.0, unit="m^3")], None, ValidationError, "mass of waste"),
        (_history(2020, 2024), {}, ConfigError, "climate_zone"),
        (_history(2020, 2024), {"climate_zone": "arctic"}, ConfigError, "arctic"),
        (_history(2020, 2024), {"climate_zone": "tropical_dry", "recovery": 1.5}, ConfigError, "recovery"),
    ],
)
def test_bad_waste_input(tmp_path, rows, waste, err, match):
    with pytest.raises(err, match=match) as e:
        _run(tmp_path, rows, years=(2010, 2024) if rows and rows[0]["year"] == 2010 else None, waste=waste)
    assert isinstance(e.value, GhgInvError)


def test_negative_deposit_is_rejected(tmp_path):
    rows = _history(2020, 2024)
    rows[0]["amount"] = -1.0
    with pytest.raises(GhgInvError, match="-1"):
        _run(tmp_path, rows)


def test_shipped_waste_parameters_values():
    fs = load_factor_set(WASTE)
    by = {(r.activity, r.sector, r.parameter): r for r in fs.waste_rules}
    assert by[("msw_food", "4.A.*", "k_boreal_temperate_wet")].value == 0.185  # Table 3.3, EFDB 615068–615087
    assert by[("msw_paper", "4.A.*", "doc")].value == 0.40  # Table 2.4
    assert by[("*", "4.A.*", "docf")].value == 0.5  # EFDB 615067
    assert by[("*", "4.A.1", "mcf")].value == 1.0 and by[("*", "4.A.3", "mcf")].value == 0.6  # Table 3.1
    bulk = by[("msw_bulk", "4.A.*", "doc")]
    assert bulk.status == "D" and bulk.value == pytest.approx(0.262 * 0.15 + 0.188 * 0.40 + 0.035 * 0.43 + 0.035 * 0.24 + 0.010 * 0.39, abs=1e-8)
    # Table 3.4 half-lives reproduce from k (D check of the facts file): food wet 4 yr, paper wet 12, wood wet 23
    for act, t_half in [("msw_food", 4), ("msw_paper", 12), ("msw_wood", 23)]:
        assert round(np.log(2) / by[(act, "4.A.*", "k_boreal_temperate_wet")].value) == t_half
    assert all(r.status in ("V", "V2", "S", "D") for r in fs.rules + fs.waste_rules)


def test_recompute_and_diff_with_deposits(tmp_path):
    """The cached cube holds the deposits: recompute equals compile, and a pure GWP change is all GWP effect."""
    from ghginv.rerun.recalc import diff_runs
    from ghginv.rerun.recompute import recompute

    rows = _history(2010, 2024) + [dict(year=y, region=R, sector="4.B", activity="composted_waste", amount=500.0, unit="t") for y in range(2010, 2025)]
    act = write_activity(tmp_path / "activity.parquet", rows)
    extra = {"waste": {"climate_zone": "boreal_temperate_wet", "recovery": {"2024": 0.1}}}
    old = compile_inventory(activity=[str(act)], factors=[str(WASTE)], gwp="AR5GWP100", extra=extra, out=tmp_path / "old")
    fresh = compile_inventory(activity=[str(act)], factors=[str(WASTE)], gwp="AR6GWP100", extra=extra)
    new = recompute(tmp_path / "old", gwp="AR6GWP100")
    cols = ["year", "region", "sector", "activity", "gas", "emissions_t", "co2e_t"]
    assert new.emissions.select(cols).equals(fresh.emissions.select(cols))
    assert old.emissions.filter(pl.col("sector") == "4.A.1").height == 30
    new.write(tmp_path / "new")
    recalc, _ = diff_runs(tmp_path / "old", tmp_path / "new")
    four = recalc.filter(pl.col("category") == "4.A")
    assert four.height == 15
    assert four["activity_effect_t"].abs().max() == 0.0 and four["factor_effect_t"].abs().max() == 0.0
    np.testing.assert_allclose(four["gwp_effect_t"].to_numpy(), four["delta_co2e_t"].to_numpy(), rtol=1e-12)
