"""The stage list of a run exists once (ghginv.pipeline.stages): compile, recompute on kept
positions and recompute in full run it; InventoryResult.write computes nothing."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import polars as pl
from polars.testing import assert_frame_equal

import ghginv
from ghginv.pipeline import stages as stages_mod
from ghginv.pipeline.inventory import Inventory
from ghginv.pipeline.stages import STAGES
from ghginv.rerun.recompute import recompute

from conftest import write_activity

PKG = Path(ghginv.__file__).parent


def _compile(tmp_path, ipcc_like_set, **options):
    rows = [
        {"year": y, "region": r, "sector": s, "activity": a, "amount": v, "unit": u}
        for y in (2020, 2021)
        for r in ("A", "B")
        for s, a, v, u in (("1.A.1.a", "bituminous_coal", 120.0 + y - 2020, "t"), ("1.A.2", "natural_gas", 30.5, "t"),
                           ("1.A.1.a", "diesel", 7.25, "t"))
    ]
    act = write_activity(tmp_path / "act.parquet", rows)
    return ghginv.compile_inventory(activity=[act], factors=[ipcc_like_set], gwp="AR5GWP100", base_year=2020, **options)


def _order(names: list[str]) -> list[str]:
    declared = [s.name for s in STAGES]
    return sorted(names, key=declared.index)


def test_the_stage_list_is_declared_once():
    """Only pipeline/stages.py names stages: no other module times a stage of the run by hand."""
    names = {s.name for s in STAGES}
    assert Inventory.STAGES == tuple(s.name for s in STAGES)
    offenders = []
    for path in PKG.rglob("*.py"):
        if path.name == "stages.py" and path.parent.name == "pipeline":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("stage", "_stage")
                    and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in names):
                offenders.append(f"{path.relative_to(PKG)}:{node.lineno} stage({node.args[0].value!r})")
    assert not offenders, offenders


def test_compile_runs_the_stages_in_the_declared_order(tmp_path, ipcc_like_set):
    seen = []
    res = Inventory(ghginv.load_config(None, activity=[write_activity(tmp_path / "a.parquet", [
        {"year": 2020, "region": "A", "sector": "1.A.1.a", "activity": "diesel", "amount": 2.0, "unit": "t"}])],
        factors=[ipcc_like_set], gwp="AR5GWP100"), progress=seen.append).run()
    assert seen == _order(seen) == list(res.timings)
    assert seen[:4] == ["factors", "cube", "emissions", "trace"]
    assert {"inventory", "checks", "positions", "tables"} <= set(seen)


def test_recompute_runs_the_same_list_on_both_paths(tmp_path, ipcc_like_set):
    res = _compile(tmp_path, ipcc_like_set)
    res.write(tmp_path / "run")
    kept = recompute(tmp_path / "run", gwp="AR6GWP100", recalculation=False)
    full = recompute(tmp_path / "run", gwp="AR6GWP100", recalculation=False, kept_positions=False)
    assert kept.recompute_path == "kept_positions" and full.recompute_path == "full"
    compiled = [n for n in res.timings if n not in ("cube", "write", "report")]  # write and report: res was written, kept and full not
    assert list(kept.timings) == list(full.timings) == compiled  # the same stages, after the cube
    for name in ("emissions", "inventory", "factors_used"):
        assert_frame_equal(getattr(kept, name), getattr(full, name), check_exact=True)
    assert_frame_equal(kept.tables["key_categories"], full.tables["key_categories"], check_exact=True)


def test_kept_positions_that_do_not_hold_fall_back_to_the_full_path(tmp_path, ipcc_like_set, monkeypatch):
    res = _compile(tmp_path, ipcc_like_set)
    res.write(tmp_path / "run")
    monkeypatch.setattr(stages_mod, "signature", lambda *a: "another structure")
    r = recompute(tmp_path / "run", gwp="AR6GWP100", recalculation=False)
    assert r.recompute_path == "full"
    full = recompute(tmp_path / "run", gwp="AR6GWP100", recalculation=False, kept_positions=False)
    assert_frame_equal(r.inventory, full.inventory, check_exact=True)


def test_write_only_writes(tmp_path, ipcc_like_set, monkeypatch):
    """Every table a run writes was computed by a stage: with the analyses disabled, write still
    writes the same files."""
    res = _compile(tmp_path, ipcc_like_set)

    def boom(*a, **kw):
        raise AssertionError("write computed something")

    import ghginv.analysis.key_categories as kc
    import ghginv.uncertainty.run as ur

    for mod, name in ((kc, "key_categories"), (stages_mod, "key_categories"), (ur, "uncertainty_of_result"),
                      (stages_mod, "run_analysis"), (stages_mod, "compute_emissions")):
        monkeypatch.setattr(mod, name, boom)
    res.write(tmp_path / "out")
    assert_frame_equal(pl.read_parquet(tmp_path / "out" / "key_categories.parquet"), res.tables["key_categories"], check_exact=True)


def test_recalculation_is_computed_by_recompute_and_not_written_over_the_old_run(tmp_path, ipcc_like_set):
    _compile(tmp_path, ipcc_like_set).write(tmp_path / "run")
    r = recompute(tmp_path / "run", gwp="AR6GWP100")
    assert {"recalculation", "recalculation_factors"} <= set(r.tables) and r.recalculation["method"]
    r.write(tmp_path / "new")
    assert (tmp_path / "new" / "recalculation.parquet").exists()
    r.write(tmp_path / "run")  # replaces the old run: nothing left to compare with
    assert not (tmp_path / "run" / "recalculation.parquet").exists()
    assert "recalculation" not in json.loads((tmp_path / "run" / "manifest.json").read_text(encoding="utf-8"))
