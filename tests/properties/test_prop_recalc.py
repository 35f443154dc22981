"""Recalculation attribution on random runs (issue 16 item 3): ``diff_runs`` books a change to the
cause that changed.

* identical activity data, other factors → activity effect exactly 0 everywhere, the whole change is
  factor effect (also when a new set gives a factor for the cell's own year where the old run used
  a nearest-year fallback, or gives a gas the old sets did not have);
* identical factor sets, other activity data → factor effect exactly 0 everywhere;
* always: delta = activity + factor + GWP effect exactly, and old + delta = new.

The runs are small random scenarios (properties/gen.py), compiled into run folders.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from properties.gen import random_scenario, write_rows, write_sets

from ghginv import compile_inventory, diff_runs, recompute


def _compile(out: Path, files, sets, fallback: str, gwp: str = "AR5GWP100", keep_entity: bool = False) -> Path:
    compile_inventory(activity=[str(f) for f in files], factors=[str(s) for s in sets], gwp=gwp, year_fallback=fallback,
                      years=(2018, 2022), keep_entity=keep_entity, out=out)
    return out


def _renamed(sc, prefix: str):
    """The scenario's sets under other names (another publisher's sets for the same activities)."""
    return replace(sc, sets=[{**s, "name": f"{prefix}{s['name']}"} for s in sc.sets])


def _always(rc: pl.DataFrame) -> None:
    np.testing.assert_array_equal(rc["delta_co2e_t"].to_numpy(),
                                  (rc["activity_effect_t"] + rc["factor_effect_t"] + rc["gwp_effect_t"]).to_numpy())
    old, new = rc["old_co2e_t"].to_numpy(), rc["new_co2e_t"].to_numpy()
    scale = np.maximum(np.abs(old), np.abs(new))  # the effects are differences of sums of this size
    assert np.all(np.abs(old + rc["delta_co2e_t"].to_numpy() - new) <= 1e-12 * scale + 1e-9)


def _changed_sets(sc, seed: int, how: str):
    """Other factor sets for the same activities: every value scaled (same structure), other random
    sets, or the old sets behind a set that holds factors for single years only (own year beats a
    nearest-year fallback in a compile)."""
    if how == "scaled":
        return _renamed(sc.scaled_factors(1.0 + (seed % 7 + 1) / 100.0), "s")
    other = _renamed(random_scenario(seed ^ 0x5A5A5A5A, n_rows=2, activities=sc.activities), "o")
    if how == "other":
        return other
    # every gas of every activity for two single years, in the unit of the other sets' CO2 catch-all
    rng = np.random.default_rng(seed)
    unit = {e["activity"]: e["unit"] for e in other.sets[-1]["ef"] if e["gas"] == "CO2" and e["sector"] == e["region"] == "*"}
    years = [dict(activity=act, sector="*", region="*", year_from=str(y), year_to=str(y), gas=gas, value=float(rng.uniform(0.01, 100.0)), unit=u)
             for act, u in unit.items() for gas in ("CO2", "CH4", "N2O")
             for y in rng.choice([2018, 2019, 2020, 2021, 2022], size=2, replace=False).tolist()]
    return replace(sc, sets=[{"name": "single_years", "ef": years, "conv": []}, *sc.sets])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.sampled_from(["scaled", "other", "single_years"]), st.sampled_from(["none", "nearest"]), st.booleans())
def test_same_activity_other_factors_is_all_factor_effect(seed, how, fallback, keep_entity):
    sc = random_scenario(seed, n_rows=60)
    if keep_entity:  # several reporting entities per cell: the runs sum them per entity
        sc = replace(sc, rows=[{**r, "entity_id": f"E{i % 7}"} for i, r in enumerate(sc.rows)])
    new = _changed_sets(sc, seed, how)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        files = write_rows(sc.rows, d / "activity")
        old = _compile(d / "old", files, write_sets(sc, d / "old_sets"), fallback, keep_entity=keep_entity)
        new_sets = write_sets(new, d / "new_sets")
        _compile(d / "new", files, new_sets, fallback, keep_entity=keep_entity)
        rc, _ = diff_runs(old, d / "new")
        assert rc["activity_effect_t"].abs().max() == 0.0
        assert rc["gwp_effect_t"].abs().max() == 0.0
        np.testing.assert_array_equal(rc["factor_effect_t"].to_numpy(), rc["delta_co2e_t"].to_numpy())
        _always(rc)
        # recompute computes the same decomposition (recalculation_tables)
        r = recompute(old, factors=[str(s) for s in new_sets])
        again = r.tables["recalculation"]
        assert again["activity_effect_t"].abs().max() == 0.0
        np.testing.assert_array_equal(again["factor_effect_t"].to_numpy(), rc["factor_effect_t"].to_numpy())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.sampled_from(["none", "nearest"]), st.sampled_from(["AR5GWP100", "AR6GWP100"]))
def test_same_factors_other_activity_has_no_factor_effect(seed, fallback, gwp):
    sc = random_scenario(seed, n_rows=60)
    rng = np.random.default_rng(seed)
    # revised data: some rows rescaled, some dropped, rows of another scenario added (new cells)
    keep = [{**r, "amount": r["amount"] * float(rng.choice([1.0, 1.0, 0.5, 3.0]))} for r in sc.rows if rng.random() > 0.2]
    rows = keep + random_scenario(seed ^ 0x3C3C3C3C, n_rows=20, activities=sc.activities).rows
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        sets = write_sets(sc, d / "sets")
        old = _compile(d / "old", write_rows(sc.rows, d / "a_old"), sets, fallback)
        _compile(d / "new", write_rows(rows, d / "a_new"), sets, fallback, gwp=gwp)
        rc, _ = diff_runs(old, d / "new")
        assert rc["factor_effect_t"].abs().max() == 0.0
        assert rc.filter(pl.col("level") == 0)["activity_effect_t"].abs().sum() > 0
        if gwp == "AR5GWP100":
            assert rc["gwp_effect_t"].abs().max() == 0.0
        _always(rc)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.sampled_from(["none", "nearest"]))
def test_new_activity_only_the_new_sets_price_is_activity_effect(seed, fallback):
    """Old run: coal and oil. New run: the same coal and oil rows at scaled factors, plus gas rows
    that only a new set prices. Coal and oil change by factor effect alone; the gas rows are new
    activity, valued with the new set in the intermediate state, so all activity effect."""
    sc = random_scenario(seed, n_rows=40, activities=["coal_a", "oil_b"])
    gas = _renamed(random_scenario(seed ^ 0x0F0F0F0F, n_rows=20, activities=["gas_c"]), "g")
    new = _renamed(sc.scaled_factors(1.05), "s")
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        old = _compile(d / "old", write_rows(sc.rows, d / "a_old"), write_sets(sc, d / "old_sets"), fallback)
        sets = write_sets(new, d / "new_sets") + write_sets(gas, d / "gas_sets")
        _compile(d / "new", write_rows(sc.rows + gas.rows, d / "a_new"), sets, fallback)
        rc, _ = diff_runs(old, d / "new")
        known, fresh = _only(rc, sc.rows, gas.rows), _only(rc, gas.rows, sc.rows)
        assert known.height
        assert known["activity_effect_t"].abs().max() == 0.0
        np.testing.assert_array_equal(known["factor_effect_t"].to_numpy(), known["delta_co2e_t"].to_numpy())
        if fresh.height:
            assert fresh["factor_effect_t"].abs().max() == 0.0
            np.testing.assert_array_equal(fresh["activity_effect_t"].to_numpy(), fresh["delta_co2e_t"].to_numpy())
        _always(rc)


def _only(rc: pl.DataFrame, rows: list[dict], others: list[dict]) -> pl.DataFrame:
    """The recalculation rows (year, region, category) that hold cells of ``rows`` and none of ``others``."""
    def under(r, cat):
        return cat == "TOTAL" or r["sector"] == cat or r["sector"].startswith(cat + ".")

    def hit(x, rs):
        return any(r["year"] == x["year"] and r["region"] == x["region"] and under(r, x["category"]) for r in rs)

    keep = [hit(x, rows) and not hit(x, others) for x in rc.select("year", "region", "category").iter_rows(named=True)]
    return rc.filter(pl.Series(keep))
