"""The energy-activity table (``EnergyResult.activity_by_sector``, energy_activity.parquet) of cube cells sorted by
their keys is grouped from the runs of equal keys (:func:`ghginv.analysis.energy._sorted_key_runs`) instead of encoding the
key strings: the same rows, order and bits as the general group sum, which cells in any other order still take."""

from __future__ import annotations

import importlib
import random

import polars as pl

from ghginv.analysis.energy import energy_consumption
from ghginv.core.config import resolve_factor_set_path
from ghginv.factors import load_factor_set

E = importlib.import_module("ghginv.analysis.energy")

SETS = [load_factor_set(resolve_factor_set_path(n)) for n in ("cn_gbt2589_2020", "ipcc2006_energy")]
# several units per activity, of one dimension (t, kt) and of two (m^3 and GJ), a biomass fuel (outside the total,
# in the table) and an activity no set classes (in neither)
ACTS = [("1.A.4.a", "natural_gas", "10^4 m^3", 10.0), ("1.A.4.a", "natural_gas", "GJ", 3.5), ("1.A.2.e", "raw_coal", "t", 1000.0),
        ("1.A.2.e", "raw_coal", "kt", 0.25), ("1.A.1.a", "raw_coal", "t", 250.0), ("1.A.4.b", "wood", "t", 12.0),
        ("1.A.3.b", "diesel", "t", 40.0), ("1.A.5", "unknown_fuel", "t", 1.0)]


def _cells(regions: int = 5, years=(2019, 2020)) -> pl.DataFrame:
    rows = [(y, f"R{r:02d}", s, a, u, amount * (r + 1) + 0.1 * (y - 2019))
            for y in years for r in range(regions) for s, a, u, amount in ACTS]
    rows.sort(key=lambda t: t[:5])  # the cube's order: sorted by every key
    return pl.DataFrame(rows, orient="row", schema={"year": pl.Int32, "region": pl.String, "sector": pl.String,
                                                    "activity": pl.String, "unit": pl.String, "amount": pl.Float64})


def test_sorted_key_runs_only_of_sorted_cells():
    cells = _cells()
    assert E._sorted_key_runs(cells.head(1)).tolist() == [0] and E._sorted_key_runs(cells.clear()).size == 0
    assert E._sorted_key_runs(cells.reverse()) is None
    swapped = pl.concat([cells.slice(1, 1), cells.slice(0, 1), cells.slice(2)])  # two cells of one region, out of order
    assert E._sorted_key_runs(swapped) is None
    assert E._sorted_key_runs(cells.with_columns(pl.when(pl.int_range(pl.len()) == 3).then(None)
                                                 .otherwise(pl.col("sector")).alias("sector"))) is None


def test_key_runs_number_the_sorted_key_tuples():
    cells = _cells()
    runs = E._sorted_key_runs(cells)
    distinct = cells.select(E.CELL_KEYS).unique(maintain_order=True)
    dense = cells.select(pl.struct(E.CELL_KEYS).rank("dense").cast(pl.Int64) - 1).to_series()  # 0, 1, … in key order
    assert runs.tolist() == dense.to_list()
    assert runs[-1] == distinct.height - 1 and distinct.equals(distinct.sort(E.CELL_KEYS))


def test_key_runs_give_the_general_group_sums(monkeypatch):
    cells = _cells()
    fast = energy_consumption(cells, SETS).activity_by_sector
    assert fast.height and fast["energy_tce"].null_count()  # biomass in the table, outside the total
    assert "unknown_fuel" not in fast["activity"].to_list()
    monkeypatch.setattr(E, "_sorted_key_runs", lambda cells, codes=None: None)  # the general group sum
    general = energy_consumption(cells, SETS)
    assert general.activity_by_sector.equals(fast)
    shuffled = cells.sample(fraction=1.0, shuffle=True, seed=random.Random(7).randrange(1 << 30))
    monkeypatch.undo()
    assert E._sorted_key_runs(shuffled) is None
    other = energy_consumption(shuffled, SETS)
    assert other.activity_by_sector.sort(["year", "region", "sector", "activity", "dimension"]).equals(fast)
    assert energy_consumption(cells, SETS).by_sector.equals(general.by_sector)
