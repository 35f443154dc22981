"""Nothing depends on how the input is laid out: the order of the rows, the batch size of the
streamed reader (load_config(..., batch_size=n)) and the split of the rows over several files
give the same emissions and inventory (rel 1e-12)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from properties.gen import random_scenario, write_rows, write_sets

from ghginv import Inventory, load_config

E_KEYS = ["year", "region", "sector", "activity", "gas", "factor_set", "scope", "factor_year"]
I_KEYS = ["year", "region", "scope", "category", "level", "gas", "notation_key"]


def run(files, sets, batch_size=None):
    cfg = load_config(activity=[str(f) for f in files], factors=[str(s) for s in sets], gwp="AR5GWP100", batch_size=batch_size)
    return Inventory(cfg).run()


def assert_same(a, b):
    for frame, keys in (("emissions", E_KEYS), ("inventory", I_KEYS)):
        x, y = getattr(a, frame), getattr(b, frame)
        assert x.columns == y.columns
        assert x.schema == y.schema
        assert x.select(keys).equals(y.select(keys)), frame  # same rows, same order
        for col in ("emissions_t", "co2e_t"):
            np.testing.assert_allclose(y[col].to_numpy(), x[col].to_numpy(), rtol=1e-12, atol=0, err_msg=f"{frame}.{col}")
    ca, cb = a.cube.cells, b.cube.cells
    assert ca.drop("amount").equals(cb.drop("amount"))
    np.testing.assert_allclose(cb["amount"].to_numpy(), ca["amount"].to_numpy(), rtol=1e-12)
    assert a.factors_used.equals(b.factors_used)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(1, 50), st.integers(2, 6), st.booleans())
def test_order_batch_size_and_files_change_nothing(seed, batch_size, n_files, as_directory):
    sc = random_scenario(seed, n_rows=80)
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        sets = write_sets(sc, d / "sets")
        base = run(write_rows(sc.rows, d / "one"), sets)
        shuffled = [sc.rows[i] for i in rng.permutation(len(sc.rows))]
        assert_same(base, run(write_rows(shuffled, d / "shuffled"), sets, batch_size=batch_size))
        files = write_rows(shuffled, d / "split", n_files=n_files, rng=rng)
        split = run([d / "split"] if as_directory else files[::-1], sets, batch_size=batch_size)
        assert_same(base, split)
        assert split.cube.stats["rows_read"] == len(sc.rows)
        assert split.cube.cells["n_rows"].sum() == len(sc.rows)


def test_duplicate_rows_sum_in_the_cube(tmp_path):
    """The same row twice gives twice the emissions of one row (the cube sums amounts)."""
    sc = random_scenario(5, n_rows=30)
    sets = write_sets(sc, tmp_path / "sets")
    once = run(write_rows(sc.rows, tmp_path / "once"), sets)
    twice = run(write_rows(sc.rows + sc.rows, tmp_path / "twice"), sets)
    x, y = once.emissions, twice.emissions
    assert x.select(E_KEYS).equals(y.select(E_KEYS))
    np.testing.assert_allclose(y["emissions_t"].to_numpy(), 2 * x["emissions_t"].to_numpy(), rtol=1e-12)
    assert (twice.cube.cells["n_rows"] == 2 * once.cube.cells["n_rows"]).all()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.integers(1, 6))
def test_keep_entity_only_splits_rows(seed, n_entities):
    """keep_entity=True splits emissions by entity_id; summed over entities they equal the run
    without entities."""
    sc = random_scenario(seed, n_rows=60)
    rng = np.random.default_rng(seed)
    rows = [{**r, "entity_id": f"E{int(rng.integers(0, n_entities))}"} for r in sc.rows]
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        sets = write_sets(sc, d / "sets")
        files = write_rows(rows, d / "act")
        plain = load_config(activity=[str(f) for f in files], factors=[str(s) for s in sets], gwp="AR5GWP100")
        with_e = load_config(activity=[str(f) for f in files], factors=[str(s) for s in sets], gwp="AR5GWP100", keep_entity=True)
        a, b = Inventory(plain).run(), Inventory(with_e).run()
    assert "entity_id" in b.emissions.columns and "entity_id" not in a.emissions.columns
    keys = ["year", "region", "sector", "activity", "gas"]
    summed = b.emissions.group_by(keys).agg(pl.col("emissions_t").sum(), pl.col("co2e_t").sum()).sort(keys)
    base = a.emissions.sort(keys)
    assert summed.select(keys).equals(base.select(keys))
    np.testing.assert_allclose(summed["emissions_t"].to_numpy(), base["emissions_t"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(summed["co2e_t"].to_numpy(), base["co2e_t"].to_numpy(), rtol=1e-12)
    # the inventory does not depend on keep_entity
    ia, ib = a.inventory, b.inventory
    assert ia.select(I_KEYS).equals(ib.select(I_KEYS))
    np.testing.assert_allclose(ib["co2e_t"].to_numpy(), ia["co2e_t"].to_numpy(), rtol=1e-12)
