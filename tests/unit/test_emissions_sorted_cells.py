"""The emissions stage numbers the cells of a cube sorted by its keys from the rows where a cell key
changes (:func:`ghginv.methods.emissions._sorted_cells`), without encoding and sorting every cube
row: the emissions, the detail and the positions kept for a recompute are those of the general
path, array for array; a cube that is not sorted so takes the general path."""

from __future__ import annotations

import importlib

import numpy as np
import polars as pl
import pytest

from ghginv.factors import load_factor_set

from conftest import make_factor_set

E = importlib.import_module("ghginv.methods.emissions")
S = "test source,loc,V"


def _sets(tmp_path):
    ef = [f"coal,*,*,,,CO2,2.5,t/t,{S}", f"coal,*,*,,,CH4,0.001,t/t,{S}", f"gas,*,*,,,CO2,56.1,t/TJ,{S}",
          f"gas,1.A.*,52*,,,N2O,0.0001,t/TJ,{S}", f"coal,1.A.1.a,510105,,,CO2,2.6,t/t,{S}"]
    conv = [f"gas,ncv,*,,,38.9,GJ/m^3,{S}"]
    acts = ["coal,coal,,,solid", "gas,natural gas,,,gaseous"]
    return [load_factor_set(make_factor_set(tmp_path / "set", ef=ef, conv=conv, activities=acts))]


def _cube(seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    regions = sorted({f"{p}{rng.integers(0, 10000):04d}" for p in rng.choice(["51", "52"], 40)} | {"510105"})
    rows = []
    for y in (2020, 2021):
        for r in regions:
            for s in ("1.A.1.a", "1.A.2.b", "2.A.1"):
                for a, units in (("coal", ("kt", "t")), ("gas", ("10^4 m^3", "m^3"))):
                    for u in units[: int(rng.integers(1, 3))]:
                        rows.append((y, r, s, a, u, float(rng.uniform(0, 1e4)), 1))
    schema = {"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String, "unit": pl.String,
              "amount": pl.Float64, "n_rows": pl.Int64}
    return pl.DataFrame(rows, schema=schema, orient="row").sort("year", "region", "sector", "activity", "unit")


def _run(cube, sets):
    index: dict = {}
    em, detail, _, cells = E.compute_emissions(cube, sets, index=index)
    return em, detail, cells, index


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_cells_of_a_sorted_cube_are_those_of_the_general_path(tmp_path, monkeypatch, seed):
    sets, cube = _sets(tmp_path), _cube(seed)
    assert E._sorted_cells(cube) is not None
    fast = _run(cube, sets)
    monkeypatch.setattr(E, "_sorted_cells", lambda cube_cells, cube_codes=None: None)
    general = _run(cube, sets)
    for a, b in zip(fast[:3], general[:3]):
        assert a.equals(b)
    assert fast[3].keys() == general[3].keys()
    for k in fast[3]:
        np.testing.assert_array_equal(fast[3][k], general[3][k])
    assert fast[0].height > 0 and fast[0]["emissions_t"].sum() > 0


def test_a_cube_not_sorted_by_its_cell_keys_takes_the_general_path(tmp_path):
    cube = _cube(3)
    assert E._sorted_cells(cube[::-1]) is None  # descending
    moved = pl.concat([cube[1:], cube[:1]])  # the first cell's rows apart
    assert E._sorted_cells(moved) is None
    sets = _sets(tmp_path)
    em, _, cells, _ = _run(moved, sets)
    em0, _, cells0, _ = _run(cube, sets)
    assert cells.equals(cells0)  # cells numbered in key order either way
    assert em.drop("emissions_t").equals(em0.drop("emissions_t"))
    np.testing.assert_allclose(em["emissions_t"].to_numpy(), em0["emissions_t"].to_numpy(), rtol=1e-12)


def test_cubes_of_one_row_and_no_rows(tmp_path):
    sets, cube = _sets(tmp_path), _cube(4)
    assert E._sorted_cells(cube.head(1)) is None  # nothing to gain: the general path
    em, _, cells, _ = _run(cube.head(1), sets)
    assert cells.height == 1 and em.height >= 1
