"""The energy-activity table of a run without analysis stages is computed in a thread from the emissions stage on
(``ghginv.core._threads.background``), while the trace, inventory and checks stages run: the same table as computed
in its own stage, and an error of it is raised by the ``energy_activity`` stage, as before."""

from __future__ import annotations

import pytest

import ghginv
from ghginv.core.errors import ConfigError
from ghginv.pipeline import stages as S

from conftest import write_activity


def _config(tmp_path, ipcc_like_set):
    rows = [{"year": y, "region": r, "sector": s, "activity": a, "amount": 1.5 + i, "unit": "t"}
            for i, (y, r, s, a) in enumerate((y, r, s, a) for y in (2019, 2020) for r in ("A", "B") for s in ("1.A.1.a", "1.A.2")
                                             for a in ("diesel", "natural_gas"))]
    act = write_activity(tmp_path / "act.parquet", rows)
    return ghginv.load_config(None, activity=[act], factors=[ipcc_like_set], gwp="AR5GWP100")


def test_the_table_computed_ahead_is_the_stages_own(tmp_path, ipcc_like_set, monkeypatch):
    cfg = _config(tmp_path, ipcc_like_set)
    started = []
    real = S.background
    monkeypatch.setattr(S, "background", lambda fn, *a, name=None: started.append((fn.__name__, name)) or real(fn, *a, name=name))
    ahead = S.run_stages(S.Run(cfg))
    assert started == [("energy_activity", "ghginv-energy")] and ahead.energy_job is None  # started once, joined by its stage

    monkeypatch.setattr(S, "background", lambda *a, **k: None)  # no job: the energy_activity stage computes the table
    inline = S.run_stages(S.Run(cfg))
    assert ahead.energy_table.height > 0 and ahead.energy_table.equals(inline.energy_table)
    assert ahead.inventory.equals(inline.inventory)


def test_an_error_of_the_table_is_raised_by_its_stage(tmp_path, ipcc_like_set, monkeypatch):
    cfg = _config(tmp_path, ipcc_like_set)

    def fail(*args):
        raise ConfigError("bad [energy] table")

    monkeypatch.setattr(S, "energy_activity", fail)
    seen = []
    with pytest.raises(ConfigError, match="bad"):
        S.run_stages(S.Run(cfg, progress=seen.append))
    assert seen[-1] == "energy_activity"  # the stages before it ran to their end


def test_a_failing_stage_before_it_leaves_no_energy_thread(tmp_path, ipcc_like_set, monkeypatch):
    """A stage after the emissions and before energy_activity fails: its error goes up only once the
    energy-activity thread has ended (no thread left computing on a core of a server or API caller)."""
    import threading
    import time

    cfg = _config(tmp_path, ipcc_like_set)
    real, done = S.energy_activity, []

    def slow(*args):
        time.sleep(0.3)  # still running when the checks stage fails
        out = real(*args)
        done.append(True)
        return out

    def broken_checks(*args, **kwargs):
        raise RuntimeError("checks broke")

    monkeypatch.setattr(S, "energy_activity", slow)
    monkeypatch.setattr(S, "run_checks", broken_checks)
    with pytest.raises(RuntimeError, match="checks broke"):
        S.run_stages(S.Run(cfg))
    assert done == [True]
    assert not [t for t in threading.enumerate() if t.name == "ghginv-energy"]
