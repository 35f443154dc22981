"""Reference case R10: GWP-100 values.

Source: the ``globalwarmingpotentials`` package (openclimatedata, CC0), whose metric names are the
GWP set names; AR6 WG1 Table 7.15 for AR6 (CH4 27.9 is the package value; fossil 29.8 and
non-fossil 27.0 are ghginv's own set AR6GWP100_CH4FNF). See /work/shared/reference-cases.md.
"""

from __future__ import annotations

import csv
import importlib.resources
import math
import pickle

import globalwarmingpotentials
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# AR6GWP100_CH4FNF: AR6 with CH4 split by origin (issue 16 item 12)

SPLIT = "AR6GWP100_CH4FNF"


def test_r10_ar6_fossil_non_fossil_ch4_values():
    """R10 — IPCC AR6 WG1 Ch 7 Table 7.15: CH4-fossil GWP-100 29.8, CH4-non fossil 27.0; every
    other gas as the package's AR6GWP100 (N2O 273, SF6 25,200, HFC-134a 1,530); CO2 = 1. The
    package's AR6GWP100 keeps its one CH4 value, 27.9."""
    gs = gwp_set(SPLIT)
    assert dict(gs.by_origin["CH4"]) == {"fossil": 29.8, "non_fossil": 27.0}
    assert "CH4" not in gs.values  # no single value to use by mistake
    ar6 = gwp_set("AR6GWP100")
    assert dict(gs.values) == {g: v for g, v in ar6.values.items() if g != "CH4"}
    assert (gs.values["N2O"], gs.values["SF6"], gs.values["HFC134a"], gs.values["CO2"]) == (273.0, 25200.0, 1530.0, 1.0)
    assert ar6.values["CH4"] == 27.9 and not ar6.by_origin
    np.testing.assert_array_equal(gs.vector(["CH4:fossil", "CH4:non_fossil", "N2O", "CO2"]), [29.8, 27.0, 273.0, 1.0])
    np.testing.assert_array_equal(ar6.vector(["CH4:fossil", "CH4:non_fossil"]), [27.9, 27.9])  # no split: one value
    assert gwp_set(SPLIT) is gs and pickle.loads(pickle.dumps(gs)) is gs
    assert "Table 7.15" in gs.source
    # the packaged table carries status and source of each value
    text = importlib.resources.files("ghginv.core.data").joinpath("gwp_by_origin.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert {(r["origin"], float(r["gwp100"]), r["status"]) for r in rows} == {("fossil", 29.8, "V2"), ("non_fossil", 27.0, "V2")}
    assert all("Table 7.15" in r["source"] for r in rows)


def test_r10_split_set_has_no_single_ch4_value():
    """A calculation that needs one value per gas gets a clear error naming both values."""
    with pytest.raises(UnknownGwpError, match=r"no single value for CH4 \(fossil 29.8, non-fossil 27"):
        gwp_set(SPLIT).vector(["CO2", "CH4"])
    with pytest.raises(UnknownGwpError, match="C9F20"):
        gwp_set(SPLIT).vector(["CH4:fossil", "C9F20"])


@pytest.mark.parametrize("sector, fuel_class, origin", [
    ("1.A.1.a", "gaseous", "fossil"), ("1.A.4.b", "solid", "fossil"), ("1.A.3.b", None, "fossil"),
    ("1.B.2.b", "gaseous", "fossil"), ("2.C.1", "other", "fossil"),
    ("1.A.1.a", "biomass", "non_fossil"), ("1.A.4.b", "biomass", "non_fossil"),
    ("3.A.1", "other", "non_fossil"), ("3.C.7", None, "non_fossil"), ("4.A.1", "other", "non_fossil"), ("4.D.1", None, "non_fossil"),
    ("5.B", "other", None), ("5.A", None, None),
])
def test_origin_rule(sector, fuel_class, origin):
    """Fossil: sectors 1 (fuel combustion, fugitive emissions) and 2; non-fossil: 3, 4 and biomass
    fuels anywhere; no rule for sector 5."""
    from ghginv.core.gwp import origin_of

    assert origin_of(sector, fuel_class) == origin


_ROWS = st.lists(st.tuples(st.sampled_from(["CH4", "N2O", "CO2", "SF6"]),
                           st.sampled_from(["1.A.1.a", "1.A.4.b", "1.B.1", "2.C.1", "3.A.1", "3.C.7", "4.A.1", "4.D.1"]),
                           st.sampled_from(["natural_gas", "wood", "raw_coal", "biogas", "x"]),
                           st.floats(0, 1e9, allow_nan=False)), max_size=40)


@settings(max_examples=60, deadline=None)
@given(_ROWS)
def test_split_co2e_is_ar6_with_ch4_by_origin(rows):
    """Invariant: for any rows, the split set's CO2e equals AR6GWP100's for every gas but CH4, and
    CH4 × 29.8 (fossil) or × 27.0 (non-fossil) by sector and fuel class — row by row, to the bit."""
    import polars as pl

    from ghginv.core.gwp import origin_of

    classes = {"natural_gas": "gaseous", "raw_coal": "solid", "wood": "biomass", "biogas": "biomass"}
    frame = pl.DataFrame(rows, schema={"gas": pl.String, "sector": pl.String, "activity": pl.String, "emissions_t": pl.Float64},
                         orient="row")
    got = gwp_set(SPLIT).co2e_of(frame, classes).to_numpy()
    ar6 = gwp_set("AR6GWP100").co2e_of(frame).to_numpy()
    want = [e * (29.8 if origin_of(s, classes.get(a)) == "fossil" else 27.0) if g == "CH4" else ar6[i]
            for i, (g, s, a, e) in enumerate(rows)]
    np.testing.assert_array_equal(got, np.array(want, dtype=np.float64))
    assert got.dtype == np.float64 and len(got) == len(rows)
