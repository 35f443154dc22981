"""The year rule across sets (issue 16 item 2) on kept positions: a recompute ≡ a fresh compile.

The demo's energy inventory (SYNTHETIC activity data, base year 2020, targets) with a set placed
first that holds only a 2024 electricity factor (0.148 kg/kWh, the issue's test value, not a
factor): 2020 takes mee_nbs_grid's 2021 value (0.1255 kg/kWh for Sichuan, MEE/NBS 公告2024年第12号),
2024 the first set's own year.
"""

from __future__ import annotations

import polars as pl
import pytest
from test_recompute_plan import _energy_toml, _same, _sets

import ghginv
from ghginv.pipeline import positions
from ghginv.rerun.recompute import recompute

from conftest import make_factor_set

ELEC = ["electricity,Electricity (purchased),电力,,electricity"]


def _grid(folder, value: float):
    return make_factor_set(folder, activities=ELEC,
                           ef=[f"electricity,*,*,2024,2024,CO2,{value},kg/kWh,issue 16 test value (not a factor),test row,S"])


@pytest.fixture(scope="module")
def first_2024(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fallback")
    toml = _energy_toml(folder)
    sets = [str(_grid(folder / "a" / "grid_2024", 0.148))] + _sets(toml)
    run = folder / "run"
    ghginv.compile_inventory(toml, factors=sets, out=run)
    return toml, sets, run


def test_demo_base_year_takes_the_nearer_year_of_a_later_set(first_2024):
    _, _, run = first_2024
    used = pl.read_parquet(run / "factors_used.parquet").filter(pl.col("activity") == "electricity", pl.col("item") == "CO2")
    by_year = {y: sorted(set(zip(g["factor_set"], g["factor_year"], g["value"])))
               for (y,), g in used.group_by("year")}
    assert by_year[2020] == [("mee_nbs_grid", 2021, 0.1255)]
    assert by_year[2024] == [("grid_2024", 2024, 0.148)]


def test_new_value_of_the_first_set_on_kept_positions_is_compile(first_2024, tmp_path):
    toml, sets, run = first_2024
    new = [str(_grid(tmp_path / "b" / "grid_2024", 0.15))] + sets[1:]  # same rows, another test value
    r = recompute(run, factors=new)
    assert r.recompute_path == "kept_positions"
    _same(r, ghginv.compile_inventory(toml, factors=new))


def test_positions_of_other_precedence_rules_take_the_full_path(tmp_path, monkeypatch):
    """A run folder whose positions were chosen under other precedence rules (an older ghginv)
    does not recompute on them: the signature names the rules."""
    toml = _energy_toml(tmp_path)
    run = tmp_path / "run"
    with monkeypatch.context() as m:
        m.setattr(positions, "PRECEDENCE", 1)
        ghginv.compile_inventory(toml, out=run)
    r = recompute(run, gwp="AR6GWP100")
    assert r.recompute_path == "full"
    _same(r, ghginv.compile_inventory(toml, gwp="AR6GWP100"))
