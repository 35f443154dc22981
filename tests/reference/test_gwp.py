"""Reference case R10: GWP-100 values.

Source: the ``globalwarmingpotentials`` package (openclimatedata, CC0), whose metric names are the
GWP set names; AR6 WG1 Table 7.15 for AR6 (CH4 27.9 is the package value; fossil 29.8 and
non-fossil 27.0 are not split). See /work/shared/reference-cases.md.
"""

from __future__ import annotations

import csv
import importlib.resources
import math
import pickle

import globalwarmingpotentials
import numpy as np
import pytest

from ghginv import gwp_table
from ghginv.core.errors import GhgInvError, UnknownGwpError
from ghginv.core.gwp import GwpSet, gwp_set

R10 = {
    "SARGWP100": (21.0, 310.0),
    "AR4GWP100": (25.0, 298.0),
    "AR5GWP100": (28.0, 265.0),
    "AR6GWP100": (27.9, 273.0),
}


@pytest.mark.parametrize("name", list(R10))
def test_r10_ch4_n2o(name):
    """R10 — globalwarmingpotentials package; AR6 WG1 Table 7.15: SAR CH4 21 / N2O 310, AR4 25 / 298,
    AR5 28 / 265, AR6 27.9 / 273; CO2 = 1 by definition."""
    t = gwp_table(name)
    ch4, n2o = R10[name]
    assert t["CH4"] == ch4
    assert t["N2O"] == n2o
    assert t["CO2"] == 1.0


@pytest.mark.parametrize("name", sorted(globalwarmingpotentials.data))
def test_r10_identical_to_package_for_every_species(name):
    """R10 — globalwarmingpotentials.data: every species of every set is taken over unchanged
    (NaN entries dropped), plus CO2 = 1."""
    pkg = {k: float(v) for k, v in globalwarmingpotentials.data[name].items() if not math.isnan(float(v))}
    t = dict(gwp_table(name))  # copy: never mutate what gwp_table returns
    assert t.pop("CO2") == 1.0
    assert t == pkg
    assert all(isinstance(v, float) and math.isfinite(v) and v > 0 for v in t.values())


def test_r10_package_csv_agrees_for_ch4_n2o():
    """R10 — globalwarmingpotentials.csv (the package's source table) agrees with the dict for CH4
    and N2O of the four GWP-100 sets used by ghginv."""
    text = importlib.resources.files("globalwarmingpotentials").joinpath("globalwarmingpotentials.csv").read_text(encoding="utf-8")
    rows = [r for r in csv.reader(line for line in text.splitlines() if not line.startswith("#"))]
    header, body = rows[0], {r[0]: r for r in rows[1:] if r}
    for name, (ch4, n2o) in R10.items():
        col = header.index(name)
        assert float(body["CH4"][col]) == ch4
        assert float(body["N2O"][col]) == n2o


@pytest.mark.parametrize("bad", ["AR7GWP100", "ar5gwp100", "", "AR5"])
def test_r10_unknown_set(bad):
    """R10 — an unknown GWP set name raises UnknownGwpError, which is also a KeyError and a
    GhgInvError, and names the known sets."""
    with pytest.raises(UnknownGwpError) as ei:
        gwp_table(bad)
    assert isinstance(ei.value, KeyError)
    assert isinstance(ei.value, GhgInvError)
    assert "AR5GWP100" in str(ei.value)


def test_r10_table_is_not_shared_mutable_state():
    """R10 — mutating a returned table must not change the values seen by later calls
    (a caller that edits its copy must not change every later run in the process)."""
    t = gwp_table("AR5GWP100")
    saved = dict(t)
    try:
        t["CH4"] = 1e9
        t.pop("N2O", None)
        again = gwp_table("AR5GWP100")
        assert again["CH4"] == 28.0
        assert again["N2O"] == 265.0
    finally:  # undo the damage if gwp_table hands out its cached dict
        t.clear()
        t.update(saved)
    assert gwp_table("AR5GWP100")["CH4"] == 28.0


# GwpSet: the set a run carries (RunConfig.gwp_set) and the one multiplication by a GWP


@pytest.mark.parametrize("name, ch4, n2o", [("AR5GWP100", 28.0, 265.0), ("AR6GWP100", 27.9, 273.0)])
def test_r10_gwp_set_published_values(name, ch4, n2o):
    """R10 — AR5 WG1 Table 8.A.1 (CH4 28, N2O 265) and AR6 WG1 Table 7.15 (CH4 27.9, N2O 273), as the
    globalwarmingpotentials package gives them; CO2 = 1; one object per name; values read-only."""
    gs = gwp_set(name)
    assert isinstance(gs, GwpSet) and gs.name == name and gs.source == "globalwarmingpotentials package"
    assert (gs.values["CH4"], gs.values["N2O"], gs.values["CO2"]) == (ch4, n2o, 1.0)
    assert gs.values["CH4"] == globalwarmingpotentials.data[name]["CH4"]
    assert gwp_set(name) is gs
    assert gwp_table(name) == dict(gs.values)
    with pytest.raises(TypeError):
        gs.values["CH4"] = 1e9  # type: ignore[index]
    np.testing.assert_array_equal(gs.vector(["N2O", "CO2", "CH4"]), [n2o, 1.0, ch4])
    # the multiplication: t of gas × GWP, by row through codes into the distinct gases
    np.testing.assert_array_equal(gs.co2e([2.0, 3.0, 5.0], [1, 0, 1], ["CO2", "CH4"]), [2.0 * ch4, 3.0, 5.0 * ch4])
    assert pickle.loads(pickle.dumps(gs)) is gs


def test_r10_gwp_set_unknown_name():
    """R10 — an unknown set: UnknownGwpError naming the known sets (as gwp_table)."""
    with pytest.raises(UnknownGwpError, match="unknown GWP set 'AR9GWP100'.*AR5GWP100"):
        gwp_set("AR9GWP100")


def test_r10_gas_without_gwp_in_the_set():
    """R10 — C7F16 has an AR5 GWP but none in the SAR set of the package: the vector (and so any
    CO2e) names the gas and the set."""
    assert "C7F16" in gwp_set("AR5GWP100").values and "C7F16" not in gwp_set("SARGWP100").values
    with pytest.raises(UnknownGwpError, match=r"GWP set 'SARGWP100' has no value for C7F16; choose another GWP set"):
        gwp_set("SARGWP100").vector(["CO2", "C7F16", "CH4"])
    with pytest.raises(UnknownGwpError, match="C7F16"):
        gwp_set("SARGWP100").co2e([1.0], [0], ["C7F16"])
