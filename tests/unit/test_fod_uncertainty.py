"""Solid waste disposal (4.A, first-order decay) in uncertainty.parquet (ghginv.uncertainty.fod).

Hand case (shipped set ipcc2006_waste, 2006 IPCC GL Vol 5: food DOC 0.15, DOCf 0.5, MCF 1.0 managed
anaerobic, F 0.5, OX 0, k 0.185 boreal/temperate wet, 6-month delay): 1 Gg food waste deposited in
2000 and 2 Gg in 2001. A deposit of year T decays from T+1 on, year j ≥ 1 after it decomposing
DDOCm e^{−k(j−1)} (1 − e^{−k}). In 2003 the two deposits give

    c1 = 1 Gg × A × e^{−2k} (1 − e^{−k}),   c2 = 2 Gg × A × e^{−k} (1 − e^{−k}),   A = DOC × DOCf × MCF × F × 16/12

With activity_pct 10 % (each deposit year an independent source) and waste_pct doc = 20 % (one DOC row,
fully correlated), Approach 1 (Eqs 3.1–3.2) gives U = sqrt((10 c1)² + (10 c2)² + (20 (c1 + c2))²) / (c1 + c2).
"""

from __future__ import annotations

import math

import polars as pl
import pytest

from ghginv import compile_inventory
from ghginv.core.errors import ConfigError
from ghginv.rerun.uncertainty import uncertainty_of_run
from ghginv.uncertainty.propagate import uncertainty_settings

from conftest import ROOT, write_activity

WASTE = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_waste"
K = 0.185
A = 0.15 * 0.5 * 1.0 * 0.5 * 16 / 12


def _run(tmp_path, unc, out=None):
    rows = [dict(year=y, region="R1", sector="4.A.1", activity="msw_food", amount=a, unit="t")
            for y, a in ((2000, 1000.0), (2001, 2000.0), (2002, 0.0), (2003, 0.0))]
    act = write_activity(tmp_path / "a.parquet", rows)
    return compile_inventory(activity=[str(act)], factors=[str(WASTE)], gwp="AR5GWP100", years=(2000, 2003), base_year=2001,
                             extra={"waste": {"climate_zone": "boreal_temperate_wet"}, "uncertainty": unc}, out=out)


def _row(table, year, category="4.A.1", gas="CH4"):
    return table.filter(pl.col("year") == year, pl.col("scope") == "direct", pl.col("category") == category, pl.col("gas") == gas).row(0, named=True)


def test_fod_rows_with_approach1_hand_case(tmp_path):
    res = _run(tmp_path, {"activity_pct": {"msw_food": 10.0}, "waste_pct": {"doc": 20.0}, "draws": 4000, "seed": 11}, out=tmp_path / "run")
    u = res.uncertainty.table
    c1 = 1.0 * A * math.exp(-2 * K) * (1 - math.exp(-K))
    c2 = 2.0 * A * math.exp(-K) * (1 - math.exp(-K))
    r = _row(u, 2003)
    assert r["co2e_t"] == pytest.approx((c1 + c2) * 1000 * 28, rel=1e-12)  # Gg CH4 -> t CO2e (AR5 CH4 28)
    want = math.sqrt((10 * c1) ** 2 + (10 * c2) ** 2 + (20 * (c1 + c2)) ** 2) / (c1 + c2)
    assert r["approach1_pct"] == pytest.approx(want, rel=1e-9)
    assert r["unquantified_pct"] == 0.0
    # the TOTAL (all gases) is the same single series here
    assert _row(u, 2003, "TOTAL", "ALL")["approach1_pct"] == pytest.approx(want, rel=1e-9)
    # the Monte Carlo agrees with Approach 1 for these moderate normal inputs
    assert r["half_width_pct"] == pytest.approx(want, rel=0.1)
    assert r["p2_5"] < r["co2e_t"] < r["p97_5"]
    # trend against 2001: the DOC row cancels (fully correlated), the deposits do not
    assert r["trend_approach1_pct"] is not None and r["trend_approach1_pct"] > 0
    st = res.uncertainty.stats
    assert st["fod_terms"] == 1 + 2 + 3 + 4 and st["fod_parameter_rows"] == 4 and st["fod_parameter_rows_exact"] == 3
    # the run folder path (cached cube, deposits split off again) gives the same table
    assert uncertainty_of_run(tmp_path / "run").table.equals(u)


def test_fod_rows_without_uncertainty_inputs_are_kept_and_noted(tmp_path):
    res = _run(tmp_path, {"draws": 200})
    u = res.uncertainty.table
    r = _row(u, 2003)
    assert r["co2e_t"] > 0 and r["approach1_pct"] == 0.0 and r["unquantified_pct"] == 100.0
    assert r["half_width_pct"] == pytest.approx(0.0, abs=1e-9)
    note = res.uncertainty.note()
    assert "first-order decay" in note and "4 of 4 DOC/DOCf/MCF/F rows have no uncertainty" in note


def test_bad_waste_pct():
    with pytest.raises(ConfigError, match="waste_pct.k_"):
        uncertainty_settings({"waste_pct": {"k_boreal_temperate_wet": 30}})
    with pytest.raises(ConfigError, match="waste_pct.doc"):
        uncertainty_settings({"waste_pct": {"doc": "twenty"}})


def _waste_set_with_doc_uncertainty(tmp_path, pct: float):
    """The shipped waste set with ``uncertainty_pct`` on the food DOC row (manifest re-hashed)."""
    import csv
    import hashlib
    import io
    import re
    import shutil

    folder = tmp_path / "ipcc2006_waste"
    shutil.copytree(WASTE, folder)
    path = folder / "waste_parameters.csv"
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    cols = list(rows[0]) + ["uncertainty_pct", "distribution"]
    for r in rows:
        hit = r["activity"] == "msw_food" and r["parameter"] == "doc"
        r["uncertainty_pct"], r["distribution"] = (str(pct), "normal") if hit else ("", "")
    buf = io.StringIO()
    w = csv.DictWriter(buf, cols, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    digest = hashlib.sha256(buf.getvalue().encode()).hexdigest()
    m = folder / "manifest.toml"
    m.write_text(re.sub(r'("waste_parameters.csv" = "sha256:)[0-9a-f]+', rf"\g<1>{digest}", m.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


def test_waste_row_uncertainty_columns_feed_the_fod_rows(tmp_path):
    """A DOC row carrying uncertainty_pct = 20 gives the same Approach 1 result as waste_pct doc = 20."""
    from ghginv.factors import load_factor_set

    folder = _waste_set_with_doc_uncertainty(tmp_path, 20.0)
    fs = load_factor_set(folder)
    doc = [r for r in fs.waste_rules if r.activity == "msw_food" and r.parameter == "doc"]
    assert len(doc) == 1 and doc[0].unc_pct == 20.0 and doc[0].distribution == "normal"
    assert all(r.unc_pct is None and r.distribution == "" for r in fs.waste_rules if r is not doc[0])

    rows = [dict(year=y, region="R1", sector="4.A.1", activity="msw_food", amount=a, unit="t")
            for y, a in ((2000, 1000.0), (2001, 2000.0), (2002, 0.0), (2003, 0.0))]
    act = write_activity(tmp_path / "a.parquet", rows)
    res = compile_inventory(activity=[str(act)], factors=[str(folder)], gwp="AR5GWP100", years=(2000, 2003), base_year=2001,
                            extra={"waste": {"climate_zone": "boreal_temperate_wet"},
                                   "uncertainty": {"activity_pct": {"msw_food": 10.0}, "draws": 2000, "seed": 3}})
    c1 = 1.0 * A * math.exp(-2 * K) * (1 - math.exp(-K))
    c2 = 2.0 * A * math.exp(-K) * (1 - math.exp(-K))
    want = math.sqrt((10 * c1) ** 2 + (10 * c2) ** 2 + (20 * (c1 + c2)) ** 2) / (c1 + c2)
    assert _row(res.uncertainty.table, 2003)["approach1_pct"] == pytest.approx(want, rel=1e-9)
