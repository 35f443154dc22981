"""Switching the GWP set of a run (AR5 -> AR6) changes only the characterisation: ``emissions_t``
stays the same to the bit, and ``co2e_t`` of every CH4 and N2O row moves by exactly the ratio of
the published GWPs (AR5 WG1 Table 8.A.1: CH4 28, N2O 265; AR6 WG1 Table 7.15: CH4 27.9, N2O 273),
for rows of activity × factor, carbon sinks and first-order decay of landfill deposits alike."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ghginv import compile_inventory

from conftest import ROOT, write_activity

DEMO = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
AR5 = {"CO2": 1.0, "CH4": 28.0, "N2O": 265.0}
AR6 = {"CO2": 1.0, "CH4": 27.9, "N2O": 273.0}


def _demo(tmp_path, gwp):
    return compile_inventory(DEMO, gwp=gwp)  # activity × factor (CO2, CH4, N2O) and sinks


def _landfill(tmp_path, gwp):
    rows = [dict(year=y, region="510105", sector="4.A.1", activity="msw_food", amount=20_000.0, unit="t") for y in range(2010, 2021)]
    act = write_activity(tmp_path / f"deposits_{gwp}.parquet", rows)
    return compile_inventory(activity=[str(act)], factors=[str(ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_waste")], gwp=gwp, years=(2010, 2020),
                             extra={"waste": {"climate_zone": "boreal_temperate_wet"}})


@pytest.mark.parametrize("run", [_demo, _landfill], ids=["demo", "landfill"])
def test_ar5_to_ar6_moves_co2e_by_the_gwp_ratio_only(tmp_path, run):
    a, b = run(tmp_path, "AR5GWP100").emissions, run(tmp_path, "AR6GWP100").emissions
    keys = [c for c in a.columns if c not in ("emissions_t", "co2e_t")]
    assert a.select(keys).equals(b.select(keys))
    np.testing.assert_array_equal(a["emissions_t"].to_numpy(), b["emissions_t"].to_numpy())  # the methods do not see the GWP
    assert {"CH4"} <= set(a["gas"].to_list()) <= set(AR5)
    for gas in set(a["gas"].to_list()):
        m = (a["gas"] == gas).to_numpy()
        e, c5, c6 = a["emissions_t"].to_numpy()[m], a["co2e_t"].to_numpy()[m], b["co2e_t"].to_numpy()[m]
        # one multiplication per emission row (ghginv.pipeline.characterise), the same bits as by hand
        np.testing.assert_array_equal(c5, e * AR5[gas])
        np.testing.assert_array_equal(c6, e * AR6[gas])
        nz = c5 != 0
        np.testing.assert_allclose(c6[nz] / c5[nz], AR6[gas] / AR5[gas], rtol=1e-15, atol=0)
    assert b.filter(pl.col("gas") == "CO2")["co2e_t"].equals(a.filter(pl.col("gas") == "CO2")["co2e_t"])
