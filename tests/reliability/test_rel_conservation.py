"""Conservation checks of every run (ghginv.pipeline.conservation): input = cube per unit, roll-ups = sum of
parts, finite values, notation-key rows counted — recorded in manifest.json, fatal when broken."""

from __future__ import annotations

import json

import polars as pl
import pytest

import ghginv
import ghginv.pipeline.stages as stages_mod
from ghginv.core import errors as E
from ghginv.pipeline.conservation import ConservationError, InputTally

from conftest import write_activity
from rel_helpers import row, siblings, tiny_activity, tiny_set


def compile_(tmp_path, act, **kw):
    return ghginv.compile_inventory(activity=[str(act)], factors=[str(tiny_set(tmp_path / "t_set"))], gwp="AR5GWP100",
                                    out=tmp_path / "out", **kw)


def test_manifest_records_the_checks(tmp_path):
    rows = [row(amount=1.5), row(amount=2.25, unit="kg"), row(activity="diesel", amount=4.0, sector="1.A.2.c"),
            row(year=2019, amount=100.0), row(amount=None, notation_key="NE", sector="1.A.4.a")]
    act = write_activity(tmp_path / "a.parquet", rows)
    compile_(tmp_path, act, years=(2020, 2024))
    m = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    c = m["checks"]
    assert c["input_equals_cube"] == {"ok": True, "rows": 3, "sum_per_unit": {"kg": 2.25, "t": 5.5}}  # 2019 row outside the years
    assert c["finite"] == {"ok": True}
    assert c["rollup"]["ok"] is True and c["rollup"]["rows_checked"] > 0
    assert c["notation_keys"] == {"rows": 1, "categories": 1, "by_key": {"NE": 1}}


def test_input_sums_are_independent_of_the_cube(tmp_path):
    act = tiny_activity(tmp_path / "a.parquet", [row(amount=float(i)) for i in range(1, 101)])
    res = compile_(tmp_path, act)
    assert res.checks["input_equals_cube"]["sum_per_unit"] == {"t": 5050.0}
    assert res.cube.cells["amount"].sum() == 5050.0


def test_a_lost_amount_stops_the_run(tmp_path, monkeypatch):
    orig = InputTally.add

    def add_and_miscount(self, batch):
        orig(self, batch)
        self.sums["t"] = self.sums.get("t", 0.0) + 1.0  # as if the cube had dropped 1 t

    monkeypatch.setattr(InputTally, "add", add_and_miscount)
    with pytest.raises(ConservationError) as ei:
        compile_(tmp_path, tiny_activity(tmp_path / "a.parquet"))
    assert ei.value.exit_code == 3
    assert "activity amounts going in differ from the sums in the cube (unit 't'" in str(ei.value)
    assert not (tmp_path / "out").exists() and siblings(tmp_path / "out") == []


def test_a_wrong_rollup_stops_the_run(tmp_path, monkeypatch):
    orig = stages_mod.build_inventory

    def bad_rollup(*a, **kw):
        inv, index = orig(*a, **kw)
        return inv.with_columns(pl.when(pl.col("category") == "1.A").then(pl.col("co2e_t") * 1.001).otherwise(pl.col("co2e_t")).alias("co2e_t")), index

    monkeypatch.setattr(stages_mod, "build_inventory", bad_rollup)
    with pytest.raises(ConservationError, match="roll-up of category"):
        compile_(tmp_path, tiny_activity(tmp_path / "a.parquet"))
    assert not (tmp_path / "out").exists()


def test_huge_but_finite_amounts_compute(tmp_path):
    """Decision: an amount is valid when finite and ≥ 0; 1e300 t gives finite emissions (≈2.7e303 t)."""
    res = compile_(tmp_path, tiny_activity(tmp_path / "a.parquet", [row(amount=1e300)]))
    assert res.emissions["emissions_t"].item() == pytest.approx(1e300 * 0.048 * 56100 / 1000, rel=1e-12)


def test_emissions_that_overflow_are_an_error_not_inf(tmp_path):
    with pytest.raises(E.ValidationError) as ei:
        compile_(tmp_path, tiny_activity(tmp_path / "a.parquet", [row(amount=1e307)]))
    assert "overflow the float range" in str(ei.value) and "natural_gas" in str(ei.value) and "gas CO2" in str(ei.value)
    assert not (tmp_path / "out").exists()


def test_amounts_that_add_up_to_inf_in_the_cube_are_an_error(tmp_path):
    with pytest.raises(E.ValidationError) as ei:
        compile_(tmp_path, tiny_activity(tmp_path / "a.parquet", [row(amount=1.5e308), row(amount=1.5e308)]))
    assert "add up beyond the float range" in str(ei.value) and "1.A.4.b" in str(ei.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.nojit
@pytest.mark.parametrize("seed, n, with_mask", [(0, 0, False), (1, 1, True), (2, 37, False), (3, 1000, True)])
def test_tally_kernel_equals_bincount(seed, n, with_mask):
    import numpy as np

    from ghginv.pipeline.conservation import tally_kernel

    rng = np.random.default_rng(seed)
    idx = rng.integers(0, 5, n).astype(np.int32)
    amount = rng.random(n) * 1000
    mask = rng.random(n) < 0.7 if with_mask else np.ones(0, np.bool_)
    sums, rows = tally_kernel(idx, amount, mask, 6)
    keep = mask if with_mask else np.ones(n, bool)
    np.testing.assert_allclose(sums, np.bincount(idx[keep], weights=amount[keep], minlength=6), rtol=1e-12)
    assert rows == int(keep.sum())
