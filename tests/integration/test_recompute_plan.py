"""Recompute on a run's kept positions (recompute_index.bin, ghginv.pipeline.positions) ≡ a fresh compile, bit for bit.

The demo inventory without its sink data and reference approach (stages that keep no positions)
but with its economy table, targets and notation keys: SYNTHETIC activity data.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import ghginv
from ghginv.core.errors import InputFileError
from ghginv.pipeline.positions import PLAN_FILE
from ghginv.rerun.folder import load_run
from ghginv.rerun.recompute import recompute

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
FRAMES = ("emissions", "inventory", "factors_used")


def _energy_toml(folder: Path, keep_entity: bool = False) -> Path:
    """The demo TOML without [sinks] and [reference_approach], paths made absolute."""
    text = DEMO.read_text(encoding="utf-8")
    for table in ("sinks", "reference_approach"):  # up to the blank line that ends the table
        text = re.sub(rf"\n\[{table}\]\n.*?\n\n", "\n\n", text, flags=re.S)
    text = text.replace('"factors/qingyang_sinks_synthetic", "ipcc2006_afolu", "ipcc2013_wetlands"', "")
    text = text.replace('"data/', f'"{(DEMO.parent / "data").as_posix()}/')
    if keep_entity:
        text = text.replace("keep_entity = false", "keep_entity = true")
    path = folder / "energy_synthetic.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _edited_set(name: str, folder: Path, edit, files: tuple[str, ...] = ("emission_factors.csv",)) -> Path:
    """A copy of factor set ``name`` whose ``files`` went through ``edit`` (text -> text), re-hashed."""
    dst = folder / name
    shutil.copytree(ROOT / "ghginv" / "data" / "factor_sets" / name, dst)
    m = dst / "manifest.toml"
    for file in files:
        text = edit((dst / file).read_text(encoding="utf-8"))
        (dst / file).write_text(text, encoding="utf-8")
        digest = hashlib.sha256(text.encode()).hexdigest()
        m.write_text(re.sub(rf'("{re.escape(file)}" = "sha256:)[0-9a-f]+', rf"\g<1>{digest}", m.read_text(encoding="utf-8")), encoding="utf-8")
    return dst


def _scaled(text: str, factor: float = 1.01) -> str:
    """Every value of a factor CSV × ``factor`` (test values, not factors)."""
    import csv
    import io

    rows = list(csv.reader(io.StringIO(text)))
    iv = rows[0].index("value")
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(rows[0])
    for r in rows[1:]:
        if r and r[iv]:
            r[iv] = repr(float(r[iv]) * factor)
        w.writerow(r)
    return out.getvalue()


def _sets(toml: Path, **swap: Path) -> list[str]:
    from ghginv.core.config import load_config

    return [str(swap.get(p.name, p)) for p in load_config(toml).factor_sets]


def _same(a, b) -> None:
    for name in FRAMES:
        assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    if b.analysis is not None:
        assert_frame_equal(a.analysis.indicators, b.analysis.indicators, check_exact=True)
        assert_frame_equal(a.analysis.targets, b.analysis.targets, check_exact=True)
    assert a.checks["rollup"] == b.checks["rollup"]


@pytest.fixture(scope="module")
def energy(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plan")
    toml = _energy_toml(folder)
    run = folder / "run"
    ghginv.compile_inventory(toml, out=run)
    return toml, run


def test_compile_keeps_positions(energy):
    _, run = energy
    folder = load_run(run)
    assert (run / PLAN_FILE).is_file()
    assert folder.manifest["outputs"][PLAN_FILE].startswith("sha256:")
    plan = folder.plan()
    assert plan is not None and plan.rollup.n_rows == folder.frame("inventory.parquet").height


@pytest.mark.parametrize("gwp", ["AR6GWP100", "SARGWP100", "AR5GWP100"])
def test_gwp_change_on_kept_positions_is_compile(energy, gwp):
    toml, run = energy
    r = recompute(run, gwp=gwp)
    assert r.recompute_path == "kept_positions"
    _same(r, ghginv.compile_inventory(toml, gwp=gwp))


def test_new_factor_value_on_kept_positions_is_compile(energy, tmp_path):
    toml, run = energy
    # a test value (not a factor) in the 2022 Sichuan electricity row, which the demo's regions use
    grid = _edited_set("mee_nbs_grid", tmp_path, lambda t: t.replace("electricity,*,51*,2022,2022,CO2,0.1404,", "electricity,*,51*,2022,2022,CO2,0.5,"))
    sets = _sets(toml, mee_nbs_grid=grid)
    r = recompute(run, factors=sets)
    assert r.recompute_path == "kept_positions"
    c = ghginv.compile_inventory(toml, factors=sets)
    _same(r, c)
    old = load_run(run).frame("emissions.parquet")
    assert not r.emissions["co2e_t"].equals(old["co2e_t"])  # the value did change something
    used = r.factors_used.filter(pl.col("activity") == "electricity", pl.col("factor_year") == 2022, pl.col("item") == "CO2")
    assert used.height and set(used["value"].to_list()) == {0.5}


def test_composite_co2_and_ncv_values_change_on_kept_positions(energy, tmp_path):
    """The China fuel set gives CO2 as carbon content × oxidation × 44/12 and NCVs: new values of both."""
    toml, run = energy
    china = _edited_set("cn_gbt32151_22_2024", tmp_path, _scaled, ("carbon_factors.csv", "conversions.csv"))
    sets = _sets(toml, cn_gbt32151_22_2024=china)
    r = recompute(run, factors=sets)
    assert r.recompute_path == "kept_positions"
    _same(r, ghginv.compile_inventory(toml, factors=sets))
    assert (r.factors_used["status"] == "D").any()  # composite CO2 rows went through
    was = load_run(run).frame("factors_used.parquet")
    ncv = (pl.col("item") == "ncv") & (pl.col("factor_set") == "cn_gbt32151_22_2024")
    assert r.factors_used.filter(ncv).height and not r.factors_used.filter(ncv)["value"].equals(was.filter(ncv)["value"])


def test_structural_change_takes_the_full_path(energy, tmp_path):
    toml, run = energy
    # a 2024 row (a test value) replaces the nearest-year fallback for 2024 cells: other positions
    grid = _edited_set("mee_nbs_grid", tmp_path, lambda t: t + "electricity,*,*,2024,2024,CO2,0.52,kg/kWh,test value (not a factor),test row,S,\n")
    sets = _sets(toml, mee_nbs_grid=grid)
    r = recompute(run, factors=sets)
    assert r.recompute_path == "full"
    _same(r, ghginv.compile_inventory(toml, factors=sets))


def test_recomputed_run_keeps_positions_for_the_next_recompute(energy, tmp_path):
    toml, run = energy
    r = recompute(run, gwp="AR6GWP100")
    new = tmp_path / "ar6"
    r.write(new)
    assert (new / PLAN_FILE).is_file()
    again = recompute(new, gwp="AR4GWP100")
    assert again.recompute_path == "kept_positions"
    _same(again, ghginv.compile_inventory(toml, gwp="AR4GWP100"))


def test_entities_on_kept_positions(tmp_path):
    toml = _energy_toml(tmp_path, keep_entity=True)
    run = tmp_path / "run"
    ghginv.compile_inventory(toml, out=run)
    r = recompute(run, gwp="AR6GWP100")
    assert r.recompute_path == "kept_positions"
    _same(r, ghginv.compile_inventory(toml, gwp="AR6GWP100"))


def test_one_run_folder_many_recomputes(energy):
    toml, run = energy
    folder = load_run(run)
    first = recompute(folder, gwp="AR6GWP100")
    second = recompute(folder, gwp="AR6GWP100")
    _same(first, second)
    assert np.array_equal(first.inventory["co2e_t"].to_numpy(), second.inventory["co2e_t"].to_numpy(), equal_nan=True)


def test_tampered_positions_are_refused(energy, tmp_path):
    _, run = energy
    copy = tmp_path / "copy"
    shutil.copytree(run, copy)
    with open(copy / PLAN_FILE, "r+b") as f:
        f.seek(200)
        b = f.read(1)
        f.seek(200)
        f.write(bytes([b[0] ^ 0xFF]))
    with pytest.raises(InputFileError, match="sha256"):
        recompute(copy, gwp="AR6GWP100")


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    run = tmp_path_factory.mktemp("demo") / "run"
    ghginv.compile_inventory(DEMO, out=run)
    return run


@pytest.mark.parametrize("gwp", ["AR6GWP100", "AR5GWP100"])
def test_demo_with_sinks_and_reference_approach_on_kept_positions(demo_run, gwp):
    """Sink rows and the reference approach are computed again, the activity rows on the kept positions."""
    assert (demo_run / PLAN_FILE).is_file()
    r = recompute(demo_run, gwp=gwp)
    assert r.recompute_path == "kept_positions" and "sinks" in r.timings and "reference_approach" in r.timings
    c = ghginv.compile_inventory(DEMO, gwp=gwp)
    _same(r, c)
    assert_frame_equal(r.reference.table, c.reference.table, check_exact=True)
    assert_frame_equal(r.sinks.check, c.sinks.check, check_exact=True)


def test_other_sink_rows_take_the_full_path(demo_run, tmp_path):
    """Sink data with a row fewer: other sink rows, so the kept positions do not hold."""
    import json

    run = tmp_path / "copy"
    shutil.copytree(demo_run, run)
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    src = Path(m["config"]["base_dir"]) / m["config"]["sinks"]["path"]
    lines = src.read_text(encoding="utf-8").splitlines()
    fewer = tmp_path / "sinks_synthetic.csv"
    fewer.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    m["config"]["sinks"]["path"] = str(fewer)
    (run / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    r = recompute(run, gwp="AR6GWP100")
    assert r.recompute_path == "full"
    c = ghginv.compile_inventory(DEMO, gwp="AR6GWP100", extra={"sinks": {**m["config"]["sinks"], "path": str(fewer)}})
    _same(r, c)


SECTORS = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic_sectors.toml"


@pytest.fixture(scope="module")
def sectors_run(tmp_path_factory):
    """The all-sectors demo (landfill deposits: its cube has cells the kept positions skip)."""
    run = tmp_path_factory.mktemp("sectors") / "run"
    ghginv.compile_inventory(SECTORS, out=run)
    return run


def test_all_sectors_demo_with_landfill_decay_on_kept_positions(sectors_run):
    toml = SECTORS
    r = recompute(sectors_run, gwp="AR6GWP100")
    assert r.recompute_path == "kept_positions" and "waste" in r.timings
    c = ghginv.compile_inventory(toml, gwp="AR6GWP100")
    _same(r, c)
    assert r.waste == c.waste


@pytest.mark.parametrize("which", ["energy", "demo_run", "sectors_run"])
def test_scenarios_on_kept_positions_equal_the_resolved_path(which, request, tmp_path):
    """Scenario quantities from the kept positions = from resolving the factors again (positions
    removed); the demo run has sink rows among its emission rows, the all-sectors run landfill
    deposits among its cube cells."""
    from ghginv.rerun.scenarios import evaluate_scenarios

    run = request.getfixturevalue(which)
    run = run[1] if isinstance(run, tuple) else run
    f = tmp_path / "scenarios_synthetic.csv"  # SYNTHETIC overrides (test values, not factors)
    f.write_text("scenario,activity,gas,region,year,value,unit,gwp\n"
                 "low,electricity,CO2,*,,0.3,kg/kWh,\n"
                 "low,electricity,CO2,510105001,2022,0.2,kg/kWh,\n"
                 "gas,natural_gas,CO2,51*,,50000,kg/TJ,AR6GWP100\n"
                 "base,,,,,,,\n", encoding="utf-8")
    without = tmp_path / "without"
    shutil.copytree(run, without)
    (without / PLAN_FILE).unlink()
    kept = evaluate_scenarios(run, f)
    resolved = evaluate_scenarios(without, f)
    assert kept.drop(pl.selectors.float()).equals(resolved.drop(pl.selectors.float()))
    for c in ("direct_co2e_t", "indirect_co2e_t", "total_co2e_t"):  # sums in another order: equal to rounding
        np.testing.assert_allclose(kept[c].to_numpy(), resolved[c].to_numpy(), rtol=1e-12)
    per = {s: kept.filter(pl.col("scenario") == s)["indirect_co2e_t"].sum() for s in ("low", "base")}
    assert per["low"] != per["base"]  # the override took effect


def test_recalculation_of_a_recompute_on_kept_positions_equals_resolving_again(demo_run, tmp_path):
    """recompute --out explains itself against the old run; the activity rows at the old GWPs come
    from the kept positions: the same tables as `ghginv diff` on a run recomputed in full."""
    from ghginv.rerun.recalc import diff_result, diff_runs

    kept = recompute(demo_run, gwp="AR6GWP100")
    assert kept.recompute_path == "kept_positions"
    recalc, changed = diff_result(demo_run, kept)
    full = recompute(demo_run, gwp="AR6GWP100", kept_positions=False)
    full.recomputed_from = None  # written without its own recalculation
    full.write(tmp_path / "full")
    want, want_changed = diff_runs(demo_run, tmp_path / "full")
    assert_frame_equal(recalc, want, check_exact=True)
    assert_frame_equal(changed, want_changed, check_exact=True)
    assert recalc["gwp_effect_t"].abs().sum() > 0 and recalc["factor_effect_t"].abs().max() == 0.0


@pytest.mark.parametrize("change", ["grid_value", "composite_co2_and_ncv"])
def test_recalculation_of_a_factor_change_on_kept_positions_equals_resolving_again(energy, tmp_path, change):
    """New factor values (a grid factor; carbon contents, oxidation rates and NCVs of the China
    fuel set): the state after the activity effect (old sets first) also comes from the kept
    positions, with the old values; the tables equal `ghginv diff` against a full recompute."""
    from ghginv.rerun.recalc import diff_result, diff_runs

    toml, run = energy
    if change == "grid_value":
        grid = _edited_set("mee_nbs_grid", tmp_path, lambda t: t.replace("electricity,*,51*,2022,2022,CO2,0.1404,", "electricity,*,51*,2022,2022,CO2,0.5,"))
        sets = _sets(toml, mee_nbs_grid=grid)
    else:
        china = _edited_set("cn_gbt32151_22_2024", tmp_path, _scaled, ("carbon_factors.csv", "conversions.csv"))
        sets = _sets(toml, cn_gbt32151_22_2024=china)
    kept = recompute(run, factors=sets)
    assert kept.recompute_path == "kept_positions"
    recalc, changed = diff_result(run, kept)
    full = recompute(run, factors=sets, kept_positions=False)
    full.recomputed_from = None  # written without its own recalculation
    full.write(tmp_path / "full")
    want, want_changed = diff_runs(run, tmp_path / "full")
    assert_frame_equal(recalc, want, check_exact=True)
    assert_frame_equal(changed, want_changed, check_exact=True)
    assert recalc["factor_effect_t"].abs().max() > 0  # the new value lands in the factor effect
    assert recalc["activity_effect_t"].abs().max() == 0.0 and recalc["gwp_effect_t"].abs().max() == 0.0
