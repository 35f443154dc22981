"""The emission rows' key codes that :func:`ghginv.methods.emissions.compute_emissions` hands the inventory
(``codes=``) are exactly what encoding the rows' columns gives, and the inventory built on them is the
inventory built by encoding: random cubes, sorted or not, with and without entities."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ghginv.core._frames import encode
from ghginv.core.config import resolve_factor_set_path
from ghginv.core.gwp import gwp_set
from ghginv.factors import load_factor_set
from ghginv.methods.emissions import compute_emissions
from ghginv.pipeline.aggregate import build_inventory
from ghginv.pipeline.characterise import characterise

SETS = [load_factor_set(resolve_factor_set_path(n)) for n in ("cn_refsheet_2020", "cn_gbt2589_2020", "ipcc2006_energy")]
ACTS = [("1.A.4.a", "natural_gas", "10^4 m^3"), ("1.A.2.e", "raw_coal", "t"), ("1.A.1.a", "raw_coal", "t"),
        ("1.A.3.b", "diesel", "t"), ("1.A.3.a.i", "jet_kerosene", "t"), ("1.A.4.b", "wood", "t")]  # wood: a memo row (biomass CO2); 1.A.3.a.i: a bunker


@st.composite
def _cubes(draw):
    n = draw(st.integers(1, 60))
    entity = draw(st.booleans())
    rows = []
    for _ in range(n):
        s, a, u = draw(st.sampled_from(ACTS))
        rows.append((draw(st.sampled_from([2019, 2020])), draw(st.sampled_from(["R1", "R2", "区3", "510105"])), s, a, u,
                     draw(st.floats(0.5, 1e6)), *([draw(st.sampled_from(["e1", "e2", None]))] if entity else [])))
    schema = {"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String, "unit": pl.String,
              "amount": pl.Float64, **({"entity_id": pl.String} if entity else {})}
    keys = [k for k in schema if k != "amount"]
    cube = pl.DataFrame(rows, orient="row", schema=schema).unique(keys, keep="first", maintain_order=True)
    if draw(st.booleans()):  # the cube stage's order
        cube = cube.sort(keys, nulls_last=True)
    return cube, entity


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cube=_cubes())
def test_handed_codes_are_the_encoding_and_give_the_same_inventory(cube):
    cells, entity = cube
    codes: dict = {}
    em = compute_emissions(cells, SETS, "nearest", entity, full_detail=False, codes=codes)[0]
    assert set(codes) == {"region", "scope", "sector", "gas"}
    for k, (values, c) in codes.items():
        ev, ec = encode(em[k])
        assert values == ev, k
        assert c.dtype == np.int64 and np.array_equal(c, ec), k
    em = characterise(em, gwp_set("AR5GWP100"))
    plain = build_inventory(em, index=True, codes={})
    handed = build_inventory(em, index=True, codes={}, enc=codes)
    assert handed[0].equals(plain[0])
    for a, b in zip(handed[1].arrays().values(), plain[1].arrays().values()):
        assert np.array_equal(a, b)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cube=_cubes())
def test_cube_codes_give_the_emissions_of_the_strings(cube):
    """Cells found from the cube's codes (``cube_codes=``, :attr:`ghginv.pipeline.cube.Cube.codes`) are the cells
    found from the strings: the same emission rows, detail, cells and handed codes."""
    from ghginv.core._frames import compact_codes

    cells, entity = cube
    cube_codes = {}
    for k in ("region", "sector", "activity", "unit"):  # codes as a codebook would give them: values in any order
        values, c = encode(cells[k])
        shuffled = values[::-1]
        cube_codes[k] = compact_codes(shuffled, (len(values) - 1 - c))
        assert cube_codes[k][0] == values and np.array_equal(cube_codes[k][1], c)
    a_codes, b_codes = {}, {}
    a = compute_emissions(cells, SETS, "none", entity, codes=a_codes)
    b = compute_emissions(cells, SETS, "none", entity, codes=b_codes, cube_codes=cube_codes)
    for x, y in zip(a[:2], b[:2]):
        assert x.equals(y)
    assert a[3].equals(b[3])
    for k in a_codes:
        assert a_codes[k][0] == b_codes[k][0] and np.array_equal(a_codes[k][1], b_codes[k][1])


def test_the_cube_stage_hands_its_codes(tmp_path, ipcc_like_set):
    """The cube a compile builds carries its columns' codes, exactly the encoding of its strings."""
    import ghginv
    from ghginv.pipeline.activity import build_cube

    from conftest import write_activity

    rows = [{"year": y, "region": r, "sector": "1.A.1.a", "activity": a, "amount": 1.5, "unit": u}
            for y in (2020, 2019) for r in ("B", "A", "区") for a, u in (("diesel", "t"), ("natural_gas", "t"), ("diesel", "kg"))]
    act = write_activity(tmp_path / "act.parquet", rows)
    cfg = ghginv.load_config(None, activity=[act], factors=[ipcc_like_set], gwp="AR5GWP100")
    cube = build_cube(cfg, [ghginv.load_factor_set(ipcc_like_set)])[0]
    assert cube.codes is not None and set(cube.codes) == {"region", "sector", "activity", "unit"}
    for k, (values, c) in cube.codes.items():
        ev, ec = encode(cube.cells[k])
        assert values == ev and np.array_equal(c, ec), k
    # the input check's sums per unit, taken on the cube's unit codes, are those of the strings
    from ghginv.pipeline.conservation import _sums_per_unit

    by_codes, by_strings = _sums_per_unit(cube.cells, cube.codes["unit"]), _sums_per_unit(cube.cells)
    assert by_codes == by_strings and set(by_codes) == {"t", "kg"}
    assert _sums_per_unit(cube.cells, (["t"], np.zeros(1, np.int64))) == by_strings  # codes of other rows: not taken


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cube=_cubes(), depth=st.integers(1, 5))
def test_key_categories_on_the_inventory_codes_are_those_of_the_strings(cube, depth):
    """Key categories chosen and grouped on the inventory's key codes (as the run keeps them: the smallest
    integers that hold them) are the table of the strings."""
    from ghginv.analysis.key_categories import key_categories

    cells, entity = cube
    em = characterise(compute_emissions(cells, SETS, "nearest", entity, full_detail=False)[0], gwp_set("AR5GWP100"))
    codes: dict = {}
    inv = build_inventory(em, codes=codes)
    kept = {k: (v, c.astype(np.min_scalar_type(len(v)))) for k, (v, c) in codes["inventory"].items() if k in ("scope", "category", "gas")}
    plain = key_categories(inv, depth=depth, base_year=2019)
    coded = key_categories(inv, depth=depth, base_year=2019, codes=kept)
    assert coded.equals(plain)
