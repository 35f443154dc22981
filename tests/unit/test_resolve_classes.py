"""Resolution by region class equals resolution of every cell.

``resolve`` runs the precedence rules once per class of regions that every rule's region
pattern treats alike (e.g. once per province) and copies the result to the class's cells. For
random sets with exact, prefix and '*' region rules over hundreds of regions, the factors and
conversions must equal those of ``_resolve_cells`` on the real cells, row for row; and a missing
factor must be reported with the real cell.
"""

from __future__ import annotations

import importlib

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ghginv.core.errors import DuplicateRuleError, GhgInvError, MissingFactorError
from ghginv.factors import load_factor_set

from conftest import make_factor_set

R = importlib.import_module("ghginv.factors.resolve")
S = "test source,loc,V"
REGION_PATTERNS = ["*", "51*", "5101*", "52*", "11*", "510105", "520100", "6*", "510*"]


def _sets(tmp_path, seed):
    rng = np.random.default_rng(seed)
    sets = []
    for k in range(2):
        ef, conv = [], []
        if k == 1:  # catch-all
            ef.append(f"fuel,*,*,,,CO2,1.5,t/t,{S}")
            conv.append(f"fuel,ncv,*,,,20,GJ/t,{S}")
        for pat in rng.choice(REGION_PATTERNS[1:], size=4, replace=False):
            for sec in ("*", "1.A.*", "1.A.1.a"):
                if rng.random() < 0.6:
                    y = [("", "")] if rng.random() < 0.5 else [("", "2020"), ("2021", "")]
                    for y0, y1 in y:
                        ef.append(f"fuel,{sec},{pat},{y0},{y1},CO2,{rng.uniform(1, 3):.4f},t/t,{S}")
            if rng.random() < 0.5:
                conv.append(f"fuel,ncv,{pat},,,{rng.uniform(10, 30):.3f},GJ/t,{S}")
        sets.append(load_factor_set(make_factor_set(tmp_path / f"s{seed}_{k}", ef=ef, conv=conv, activities=["fuel,fuel,,,solid"])))
    return sets


def _cells(seed, n_regions=300):
    rng = np.random.default_rng(seed)
    prov = rng.choice(["51", "52", "11", "61", "44"], n_regions)
    regions = sorted({f"{p}{rng.integers(0, 10000):04d}" for p in prov} | {"510105", "520100"})
    rows = [(y, r, s, "fuel") for y in (2019, 2021) for r in regions for s in ("1.A.1.a", "1.A.2.b", "2.A.1")]
    df = pl.DataFrame(rows, schema={"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String}, orient="row")
    return df.sort("year", "region", "sector", "activity").with_row_index("cell_id").with_columns(pl.col("cell_id").cast(pl.Int64))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32 - 1))
def test_class_resolution_equals_cell_resolution(tmp_path, seed):
    sets = _sets(tmp_path, seed)
    cells = _cells(seed)
    regions = cells["region"].unique().to_list()
    assert len(set(R._region_classes(regions, [r for s in sets for r in s.rules]).values())) * 2 <= len(regions)
    fast = R.resolve(cells, sets)
    full = R._resolve_cells(cells, sets)
    assert fast.factors.equals(full.factors)
    assert fast.conversions.equals(full.conversions)


def test_missing_factor_names_the_real_cell(tmp_path):
    fs = load_factor_set(make_factor_set(tmp_path / "only51", ef=[f"fuel,*,51*,,,CO2,1,t/t,{S}"], activities=["fuel,fuel,,,solid"]))
    regions = [f"51{i:04d}" for i in range(50)] + ["520007"]
    cells = pl.DataFrame({"year": [2020] * len(regions), "region": regions, "sector": ["1.A.1.a"] * len(regions),
                          "activity": ["fuel"] * len(regions)}).with_row_index("cell_id").with_columns(pl.col("cell_id").cast(pl.Int64))
    with pytest.raises(MissingFactorError) as e:
        R.resolve(cells, [fs])
    assert "region 520007" in str(e.value)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32 - 1), st.sampled_from(["none", "nearest"]))
def test_energy_conversions_by_class_equal_those_of_every_cell(tmp_path, monkeypatch, seed, fallback):
    """The energy total's standard-coal / NCV look-up (``ghginv.analysis.energy._conversions``)
    also runs once per class of cells: the same rows as the look-up of every cell."""
    E = importlib.import_module("ghginv.analysis.energy")
    sets = _sets(tmp_path, seed)
    rng = np.random.default_rng(seed)
    sc = [f"fuel,standard_coal,*,,,0.7143,kgce/kg,{S}"]  # GB/T 2589-2020 Appendix A, raw coal (a value to look up, not checked here)
    for pat in rng.choice(REGION_PATTERNS[1:], size=3, replace=False):
        sc.append(f"fuel,standard_coal,{pat},,2020,{rng.uniform(0.5, 1.0):.4f},kgce/kg,{S}")
    sets.append(load_factor_set(make_factor_set(tmp_path / f"sc{seed}", conv=sc, activities=["fuel,fuel,,,solid"])))
    cells = _cells(seed)
    fast = E._conversions(cells, sets, fallback)[1]
    monkeypatch.setattr(E, "reduce_cells", lambda c, rules, fb: (c, None, None))  # every cell on its own
    full = E._conversions(cells, sets, fallback)[1]
    assert fast.height == full.height > 0
    assert fast.sort("cell_id", "quantity").equals(full.sort("cell_id", "quantity"))


def _mixed_sets(tmp_path, seed):
    """Sets with direct or composite CO2 (carbon content × oxidation, the first set's), CH4, N2O and
    conversions over region, sector and year patterns; a few draws hold a problem (half a composite,
    CO2 both ways in one set)."""
    rng = np.random.default_rng(seed)
    sets = []
    for k in range(3):
        ef, carbon, conv = [], [], []
        composite = k == 0 and rng.random() < 0.7
        for pat in rng.choice(REGION_PATTERNS, size=3, replace=False):
            for sec in ("*", "1.A.*", "1.A.1.a"):
                y0, y1 = [("", ""), ("", "2020"), ("2021", ""), ("2018", "2019")][rng.integers(0, 4)]
                if rng.random() < 0.5:
                    gases = ["CH4", "N2O"] + ([] if composite and rng.random() < 0.97 else ["CO2"])
                    for gas in rng.choice(gases, size=rng.integers(1, len(gases) + 1), replace=False):
                        ef.append(f"fuel,{sec},{pat},{y0},{y1},{gas},{rng.uniform(1, 3):.4f},t/t,{S}")
                if composite and rng.random() < 0.5:
                    carbon.append(f"fuel,{sec},{pat},{y0},{y1},carbon_content,{rng.uniform(0.5, 0.9):.4f},t C/t,{S}")
                    if rng.random() < 0.98:
                        carbon.append(f"fuel,{sec},{pat},{y0},{y1},oxidation,{rng.uniform(0.9, 1):.4f},fraction,{S}")
            if rng.random() < 0.5:
                conv.append(f"fuel,ncv,{pat},{y0},{y1},{rng.uniform(10, 30):.3f},GJ/t,{S}")
        if k == 2 and rng.random() < 0.8:  # a catch-all last (else some cells lack CO2 or any factor)
            ef.append(f"fuel,*,*,,,CO2,1.5,t/t,{S}")
        sets.append(load_factor_set(make_factor_set(tmp_path / f"m{seed}_{k}", ef=ef, carbon=carbon, conv=conv,
                                                    activities=["fuel,fuel,,,solid"])))
    return sets


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32 - 1), st.sampled_from(["none", "nearest"]), st.booleans())
def test_choice_in_arrays_equals_choice_in_frames(tmp_path, seed, fallback, duckdb):
    """The numpy choice across sets (``_choose_arrays``) gives the frames' rows (values, dtypes, order),
    or None exactly where the frames' way reports a problem (which it then raises); on the query's rows
    from numpy and from DuckDB (their dtypes)."""
    try:
        sets = _mixed_sets(tmp_path, seed)
    except DuplicateRuleError:
        return
    cells = _cells(seed, n_regions=40)
    rules, tbl = R.rules_frame(sets)
    res = (R._duckdb_rows if duckdb else R._run_sql)(cells.to_arrow(), tbl, fallback == "nearest")
    fast = R._choose_arrays(res, cells, rules)
    try:
        slow = R._choose_frames(res, cells, rules, sets, fallback)
    except GhgInvError:
        assert fast is None
        return
    assert fast is not None
    for a, b in zip(fast, slow):
        assert a.schema == b.schema
        assert a.equals(b)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32 - 1))
def test_gas_codes_from_the_rules_are_the_encoding_of_the_gas_column(tmp_path, seed):
    """The emissions stage codes the resolved rows' gases from their rules (an emission factor's key, CO2
    for a composite): the values and codes ``encode`` gives the strings."""
    from ghginv.core._frames import encode
    from ghginv.methods.emissions import gas_codes

    try:
        sets = _mixed_sets(tmp_path, seed)
        res = R.resolve(_cells(seed, n_regions=40), sets)
    except GhgInvError:
        return
    names, codes = gas_codes(res.rules, res.factors["rule_id"].to_numpy())
    want_names, want_codes = encode(res.factors["gas"])
    assert names == want_names and np.array_equal(codes, want_codes)
