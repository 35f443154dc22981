"""Issue 16 item 12: ``AR6GWP100_CH4FNF``, AR6 GWP-100 with methane split by the origin of its
carbon (IPCC AR6 WG1 Ch 7 Table 7.15: CH4-fossil 29.8, CH4-non fossil 27.0; every other gas as
``AR6GWP100``: N2O 273). Fossil: CH4 of sectors 1 (fuel combustion, fugitive) and 2; non-fossil:
CH4 of sectors 3 and 4 and of biomass fuels (fuel class ``biomass``) anywhere. One run mixes
natural gas and wood burnt in 1.A.1.a, dairy cattle (3.A.1), composting (4.B) and landfill
deposits (4.A.1, first-order decay); every consumer of CO2e — characterise, the uncertainty
terms, the recalculation's GWP effect, the scenarios' kernel and a kept-positions recompute —
gives the same numbers."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import polars as pl
import pytest

import ghginv
from ghginv.core.errors import UnknownGwpError
from ghginv.rerun.recompute import recompute
from ghginv.rerun.uncertainty import uncertainty_of_run

from conftest import ROOT, make_factor_set, write_activity

SPLIT = "AR6GWP100_CH4FNF"
FOSSIL, NON_FOSSIL, AR6_CH4, AR6_N2O = 29.8, 27.0, 27.9, 273.0  # AR6 WG1 Table 7.15; package AR6GWP100
SETS = [str(ROOT / "ghginv" / "data" / "factor_sets" / s) for s in ("ipcc2006_energy", "ipcc2006_agriculture", "ipcc2006_waste")]
WASTE = {"waste": {"climate_zone": "boreal_temperate_wet"}}
# per row: the CH4 value it must get under the split set
EXPECT = {"natural_gas": FOSSIL, "wood": NON_FOSSIL, "dairy_cattle": NON_FOSSIL, "composted_waste": NON_FOSSIL, "msw_food": NON_FOSSIL}


def _activity(tmp_path):
    rows = []
    for y in (2019, 2020):
        rows += [dict(year=y, region="510105", sector="1.A.1.a", activity="natural_gas", amount=100.0 + y - 2019, unit="TJ"),
                 dict(year=y, region="510105", sector="1.A.1.a", activity="wood", amount=40.0, unit="TJ"),
                 dict(year=y, region="510105", sector="3.A.1", activity="dairy_cattle", amount=500.0, unit="head"),
                 dict(year=y, region="510105", sector="4.B", activity="composted_waste", amount=3000.0, unit="t")]
    rows += [dict(year=y, region="510105", sector="4.A.1", activity="msw_food", amount=20_000.0, unit="t") for y in range(2012, 2021)]
    return write_activity(tmp_path / "activity.parquet", rows)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fnf")
    act = str(_activity(tmp))
    out = {}
    for gwp in ("AR6GWP100", SPLIT):
        out[gwp] = tmp / gwp
        ghginv.compile_inventory(activity=[act], factors=SETS, gwp=gwp, years=(2019, 2020), extra=WASTE, out=out[gwp])
    return out


def _emissions(run_dir):
    return pl.read_parquet(run_dir / "emissions.parquet")


def test_each_ch4_row_gets_its_origins_value(runs):
    """CH4 of natural gas in 1.A.1.a × 29.8; of wood (biomass) in 1.A.1.a, dairy cattle, composting
    and landfill × 27.0; N2O × 273 and CO2 × 1 as in AR6GWP100 — one multiplication per row."""
    e = _emissions(runs[SPLIT])
    ch4 = e.filter(pl.col("gas") == "CH4")
    assert set(ch4["activity"].to_list()) == set(EXPECT)
    for activity, gwp in EXPECT.items():
        rows = ch4.filter(pl.col("activity") == activity)
        assert rows.height and (rows["emissions_t"] > 0).all()
        np.testing.assert_array_equal(rows["co2e_t"].to_numpy(), rows["emissions_t"].to_numpy() * gwp)
    n2o = e.filter(pl.col("gas") == "N2O")
    np.testing.assert_array_equal(n2o["co2e_t"].to_numpy(), n2o["emissions_t"].to_numpy() * AR6_N2O)
    co2 = e.filter(pl.col("gas") == "CO2")
    np.testing.assert_array_equal(co2["co2e_t"].to_numpy(), co2["emissions_t"].to_numpy())
    # the inventory's roll-up of CH4 in 1.A.1.a: fossil natural gas plus non-fossil wood
    inv = pl.read_parquet(runs[SPLIT] / "inventory.parquet").filter((pl.col("category") == "1.A.1.a") & (pl.col("gas") == "CH4"))
    want = ch4.filter(pl.col("sector") == "1.A.1.a").group_by("year").agg(pl.col("co2e_t").sum()).sort("year")
    np.testing.assert_allclose(inv.group_by("year").agg(pl.col("co2e_t").sum()).sort("year")["co2e_t"].to_numpy(),
                               want["co2e_t"].to_numpy(), rtol=1e-15)


def test_manifest_says_which_values_were_used(runs):
    m = json.loads((runs[SPLIT] / "manifest.json").read_text(encoding="utf-8"))["gwp"]
    assert m["set"] == SPLIT and m["base_set"] == "AR6GWP100"
    assert m["values_by_origin"] == {"CH4": {"fossil": FOSSIL, "non_fossil": NON_FOSSIL}}
    assert m["values"]["N2O"] == AR6_N2O and m["values"]["CO2"] == 1.0 and "CH4" not in m["values"]
    assert "Table 7.15" in m["source"] and "biomass" in m["origin_rule"]
    plain = json.loads((runs["AR6GWP100"] / "manifest.json").read_text(encoding="utf-8"))["gwp"]
    assert plain["values"]["CH4"] == AR6_CH4 and "values_by_origin" not in plain  # AR6GWP100 stays the package's set


def test_ar6_to_split_changes_only_ch4_by_the_ratio(runs):
    a, b = _emissions(runs["AR6GWP100"]), _emissions(runs[SPLIT])
    assert a.drop("co2e_t").equals(b.drop("co2e_t"))
    other = (a["gas"] != "CH4").to_numpy()
    np.testing.assert_array_equal(a["co2e_t"].to_numpy()[other], b["co2e_t"].to_numpy()[other])
    ch4 = a.filter(pl.col("gas") == "CH4").with_columns(ratio=b.filter(pl.col("gas") == "CH4")["co2e_t"] / pl.col("co2e_t"))
    for activity, gwp in EXPECT.items():
        np.testing.assert_allclose(ch4.filter(pl.col("activity") == activity)["ratio"].to_numpy(), gwp / AR6_CH4, rtol=1e-14)


@pytest.mark.parametrize("path", ["kept_positions", "full"])
def test_recompute_to_split_equals_compile_and_explains_the_gwp_effect(runs, tmp_path, path):
    """A recompute AR6GWP100 -> split gives the split compile's numbers to the bit; its
    recalculation puts the whole change of every CH4 row into the GWP effect."""
    r = recompute(runs["AR6GWP100"], gwp=SPLIT, kept_positions=path == "kept_positions")
    assert r.recompute_path == path
    assert r.emissions.equals(_emissions(runs[SPLIT]))
    rc = r.tables["recalculation"]
    assert (rc["activity_effect_t"] == 0).all() and (rc["factor_effect_t"] == 0).all()
    top = rc.filter(pl.col("level") == 0)
    old, new = _emissions(runs["AR6GWP100"]), _emissions(runs[SPLIT])
    for gas in ("CH4", "N2O", "CO2"):
        g = top.filter(pl.col("gas") == gas).group_by("year").agg(pl.col("gwp_effect_t").sum()).sort("year")
        want = (new.filter(pl.col("gas") == gas).group_by("year").agg(pl.col("co2e_t").sum()).sort("year")["co2e_t"]
                - old.filter(pl.col("gas") == gas).group_by("year").agg(pl.col("co2e_t").sum()).sort("year")["co2e_t"])
        np.testing.assert_allclose(g["gwp_effect_t"].to_numpy(), want.to_numpy(), rtol=1e-12, atol=1e-9)
        assert (gas == "CH4") == bool((g["gwp_effect_t"].abs() > 0).all())


def test_recalc_split_to_ar6_old_state_uses_the_split(runs):
    """The other direction: old run with the split set, new AR6GWP100 — E1/E2 (old GWP) are
    characterised with the split, so activity and factor effects stay zero."""
    r = recompute(runs[SPLIT], gwp="AR6GWP100")
    assert r.emissions.equals(_emissions(runs["AR6GWP100"]))
    rc = r.tables["recalculation"]
    assert (rc["activity_effect_t"] == 0).all() and (rc["factor_effect_t"] == 0).all()


def test_uncertainty_terms_carry_the_runs_co2e(runs):
    """The uncertainty terms are characterised with the split as the run was: per year, sector
    and gas they add up to the run's co2e_t, and no group is left over as 'not from factor rows'."""
    u = uncertainty_of_run(runs[SPLIT], draws=200)
    assert u.terms.stats["non_factor_rows"] == 0
    assert u.terms.stats["fod_terms"] > 0  # the landfill's first-order decay terms are CH4 too
    k = ["year", "sector", "gas"]
    t = u.terms.frame.group_by(k).agg(pl.col("co2e_t").sum()).sort(k)
    e = _emissions(runs[SPLIT]).group_by(k).agg(pl.col("co2e_t").sum()).sort(k)
    assert t.select(k).equals(e.select(k))
    np.testing.assert_allclose(t["co2e_t"].to_numpy(), e["co2e_t"].to_numpy(), rtol=1e-12)
    # and differ from AR6GWP100's terms only in CH4
    a = uncertainty_of_run(runs["AR6GWP100"], draws=200).terms.frame.group_by(k).agg(pl.col("co2e_t").sum()).sort(k)
    ch4 = (a["gas"] == "CH4").to_numpy()
    np.testing.assert_allclose(a["co2e_t"].to_numpy()[~ch4], t["co2e_t"].to_numpy()[~ch4], rtol=1e-12)
    assert not np.allclose(a["co2e_t"].to_numpy()[ch4], t["co2e_t"].to_numpy()[ch4], rtol=1e-6)


def test_scenarios_apply_the_split_as_the_compile_does(runs, tmp_path):
    """The scenario kernel keys CH4 by origin: a GWP scenario with the split set on the AR6 run
    gives the split compile's totals; a factor override on natural gas CH4 adds its change × 29.8."""
    f = tmp_path / "scenarios.csv"
    f.write_text("scenario,activity,gas,region,year,value,unit,gwp\n"
                 f"split,,,,,,,{SPLIT}\n"
                 "ar6,,,,,,,AR6GWP100\n"
                 f"gas2,natural_gas,CH4,*,,2,kg/TJ,{SPLIT}\n", encoding="utf-8")
    want = _emissions(runs[SPLIT]).filter(pl.col("scope").is_in(["direct", "indirect"])).group_by("year").agg(
        pl.col("co2e_t").sum()).sort("year")["co2e_t"].to_numpy()
    ar6 = _emissions(runs["AR6GWP100"]).filter(pl.col("scope").is_in(["direct", "indirect"])).group_by("year").agg(
        pl.col("co2e_t").sum()).sort("year")["co2e_t"].to_numpy()
    gas = _emissions(runs[SPLIT]).filter((pl.col("activity") == "natural_gas") & (pl.col("gas") == "CH4")).sort("year")
    tj = np.array([100.0, 101.0])
    assert np.allclose(gas["emissions_t"].to_numpy(), tj * 1e-3)  # Table 2.2 natural gas, energy industries: 1 kg CH4/TJ
    for run in (runs["AR6GWP100"], runs[SPLIT]):
        s = ghginv.evaluate_scenarios(run, f)
        tot = {n: s.filter(pl.col("scenario") == n).sort("year")["total_co2e_t"].to_numpy() for n in ("split", "ar6", "gas2")}
        np.testing.assert_allclose(tot["split"], want, rtol=1e-12)
        np.testing.assert_allclose(tot["ar6"], ar6, rtol=1e-12)
        np.testing.assert_allclose(tot["gas2"], want + tj * 1e-3 * FOSSIL, rtol=1e-12)  # (2 − 1) kg/TJ × TJ × 29.8


def test_ch4_in_a_sector_without_rule_is_a_clear_error(tmp_path):
    """CH4 in sector 5.B is neither fossil nor non-fossil by the rule: exit 2, one message naming
    the set and the sector, nothing written; AR6GWP100 compiles the same data."""
    fs = make_factor_set(tmp_path / "t5", ef=["gizmo,5.B,*,,,CH4,1,t/t,test,test,V2"], activities=["gizmo,Gizmo,,,other"])
    act = write_activity(tmp_path / "a.parquet", [dict(year=2020, region="510105", sector="5.B", activity="gizmo", amount=1.0, unit="t")])
    with pytest.raises(UnknownGwpError, match=r"AR6GWP100_CH4FNF.*CH4 in sector 5\.B \(activity gizmo\) has no rule"):
        ghginv.compile_inventory(activity=[str(act)], factors=[str(fs)], gwp=SPLIT)
    ghginv.compile_inventory(activity=[str(act)], factors=[str(fs)], gwp="AR6GWP100")
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "ghginv", "compile", "--activity", str(act), "--factors", str(fs), "--gwp", SPLIT,
                        "--out", str(out)], capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    assert "5.B" in p.stdout + p.stderr and "Traceback" not in p.stderr
    assert not out.exists()
