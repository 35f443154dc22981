"""The energy coefficients take the emissions' factor query answer (:class:`ghginv.factors.resolve.ConversionAnswer`,
``Resolution.answer``) instead of asking DuckDB again: the same coefficients, tonnes of standard coal and notes as
their own query, for a subset of the emissions' cells, with either year fallback and a named standard-coal set; an
answer for other sets, another year fallback or cells it did not resolve is not taken (the energy stage asks itself)."""

from __future__ import annotations

import importlib

import numpy as np
import polars as pl
import pytest

from ghginv.analysis.energy import energy_consumption
from ghginv.core.config import resolve_factor_set_path
from ghginv.factors import load_factor_set
from ghginv.methods.emissions import compute_emissions

E = importlib.import_module("ghginv.analysis.energy")

SETS = [load_factor_set(resolve_factor_set_path(n)) for n in ("cn_refsheet_2020", "cn_gbt2589_2020", "ipcc2006_energy")]
ACTS = [("1.A.4.a", "natural_gas", "10^4 m^3", 10.0), ("1.A.2.e", "raw_coal", "t", 1000.0), ("1.A.1.a", "raw_coal", "t", 250.0),
        ("1.A.3.b", "diesel", "t", 40.0)]


def _cells(regions: int, years=(2019, 2020)) -> pl.DataFrame:
    rows = [(y, f"R{r:02d}", s, a, u, amount * (r + 1)) for y in years for r in range(regions) for s, a, u, amount in ACTS]
    rows.sort(key=lambda t: t[:4])  # cube cells come sorted by their keys
    return pl.DataFrame(rows, orient="row", schema={"year": pl.Int32, "region": pl.String, "sector": pl.String,
                                                    "activity": pl.String, "unit": pl.String, "amount": pl.Float64})


def _same(a, b) -> None:
    assert a.by_activity.equals(b.by_activity) and a.by_sector.equals(b.by_sector)
    assert a.activity_by_sector.equals(b.activity_by_sector)
    assert a.notes == b.notes and a.conversions_used == b.conversions_used and a.sources == b.sources


def _counting(monkeypatch) -> list:
    asked = []
    real = E._run_sql

    def run_sql(*args):
        asked.append(1)
        return real(*args)

    monkeypatch.setattr(E, "_run_sql", run_sql)
    return asked


@pytest.mark.parametrize("year_fallback", ["none", "nearest"])
@pytest.mark.parametrize("sources", [None, {"standard_coal": "cn_refsheet_2020"}])
def test_the_handed_answer_gives_the_coefficients_of_their_own_query(monkeypatch, year_fallback, sources):
    cube = _cells(12)
    res = compute_emissions(cube, SETS, year_fallback, False)[2]
    assert res.answer is not None and res.answer.cell_class is not None  # 12 regions alike: resolved once per class
    own = energy_consumption(cube, SETS, year_fallback, sources=sources)
    asked = _counting(monkeypatch)
    handed = energy_consumption(cube, SETS, year_fallback, sources=sources, answer=res.answer)
    assert asked == []  # no query of its own
    assert handed.by_activity["energy_tce"].sum() > 0
    _same(handed, own)
    part = cube.filter(pl.col("activity") != "diesel", pl.col("region") != "R03")  # fewer cells than the emissions'
    _same(energy_consumption(part, SETS, year_fallback, sources=sources, answer=res.answer),
          energy_consumption(part, SETS, year_fallback, sources=sources))
    assert asked == [1]  # only the call without the answer asked


def test_an_answer_for_other_inputs_is_not_taken(monkeypatch):
    cube = _cells(3)
    res = compute_emissions(cube, SETS, "none", False)[2]
    asked = _counting(monkeypatch)
    other_year = _cells(3, years=(2021,))
    for cells, sets, fallback in [(cube, SETS[::-1], "none"), (cube, SETS, "nearest"), (other_year, SETS, "none")]:
        before = len(asked)
        _same(energy_consumption(cells, sets, fallback, answer=res.answer), energy_consumption(cells, sets, fallback))
        assert len(asked) == before + 2  # both asked DuckDB


@pytest.mark.parametrize("year_fallback", ["none", "nearest"])
def test_cells_of_the_emissions_own_rows_are_found_by_position(monkeypatch, year_fallback):
    """Cells from the very cube rows the emissions resolved are found by their rows (no join), with the classes
    the join finds; in any order of the cube's rows."""
    R = importlib.import_module("ghginv.factors.resolve")
    for cube in (_cells(12), _cells(5).reverse(), _cells(7).sample(fraction=1.0, shuffle=True, seed=3)):
        res = compute_emissions(cube, SETS, year_fallback, False)[2]
        assert res.answer.frame is cube
        joined = []
        real = R.ConversionAnswer.classes_of

        def spy(self, cells, sets, fallback, frame_rows=None):
            joined.append(frame_rows is None)
            out = real(self, cells, sets, fallback, frame_rows)
            if frame_rows is not None:  # the same classes as the join
                assert np.array_equal(out, real(self, cells, sets, fallback))
            return out

        monkeypatch.setattr(R.ConversionAnswer, "classes_of", spy)
        _same(energy_consumption(cube, SETS, year_fallback, answer=res.answer), energy_consumption(cube, SETS, year_fallback))
        assert joined == [False]  # found by position (the call without the answer asks DuckDB or numpy, no classes_of)
        monkeypatch.undo()


@pytest.mark.parametrize("order", ["sorted", "reversed", "shuffled"])
def test_the_cube_codes_give_the_table_of_the_strings(order):
    """The runs of equal keys found on the cube's codes (``codes=``, :attr:`ghginv.pipeline.cube.Cube.codes`) give
    the energy tables of the strings, the cube's rows in its order or not."""
    from ghginv.core._frames import encode

    cube = _cells(6)
    cube = {"sorted": cube, "reversed": cube.reverse(), "shuffled": cube.sample(fraction=1.0, shuffle=True, seed=5)}[order]
    codes = {k: encode(cube[k]) for k in ("region", "sector", "activity", "unit")}
    runs = E._sorted_key_runs(cube, codes)
    assert (runs is not None) is (order == "sorted")
    if runs is not None:
        assert np.array_equal(runs, E._sorted_key_runs(cube))
    _same(energy_consumption(cube, SETS, "none", codes=codes), energy_consumption(cube, SETS, "none"))
