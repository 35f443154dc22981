"""The write stage computes the run's manifest once (ghginv.pipeline.write): the reports and
``manifest.json`` get what ``InventoryResult.manifest`` gives, entry for entry and in the same order."""

from __future__ import annotations

import json

import pytest

import ghginv
from ghginv import Inventory
from ghginv.pipeline.write import _final_manifest, _manifest_body

from conftest import write_activity


def _result(tmp_path, ipcc_like_set):
    rows = [
        {"year": y, "region": r, "sector": "1.A.1.a", "activity": a, "amount": 10.0 + y - 2020, "unit": "t"}
        for y in (2020, 2021) for r in ("A", "B") for a in ("bituminous_coal", "diesel")
    ]
    act = write_activity(tmp_path / "act.parquet", rows)
    return Inventory(ghginv.load_config(None, activity=[act], factors=[ipcc_like_set], gwp="AR5GWP100", base_year=2020)).run()


def _same_but_time(a: dict, b: dict) -> None:
    assert list(a) == list(b)  # the same entries in the same order (manifest.json's bytes)
    assert {k: v for k, v in a.items() if k != "created_utc"} == {k: v for k, v in b.items() if k != "created_utc"}


def test_the_final_manifest_is_the_results_manifest(tmp_path, ipcc_like_set):
    res = _result(tmp_path, ipcc_like_set)
    for_reports, body = _manifest_body(res)
    assert for_reports == body and for_reports is not body  # the reports get a copy of their own
    for_reports["report"]["added_by_a_report"] = True  # what the reports add stays out of manifest.json
    res.timings["report"] = 0.5  # stages timed after the body was computed are in the final stage seconds
    res.timings["write"] = 1.25
    outputs = {"cube.parquet": "sha256:" + "0" * 64}
    final = _final_manifest(res, body, outputs, recalculation=True)
    _same_but_time(final, res.manifest(outputs, recalculation=True))
    assert final["stage_seconds"]["write"] == 1.25 and final["outputs"] == outputs
    assert "added_by_a_report" not in final["report"]
    json.dumps(final)


def test_the_recalculation_entry_only_when_asked(tmp_path, ipcc_like_set):
    res = _result(tmp_path, ipcc_like_set)
    res.recalculation = {"against": "old", "changed_cells": 3}
    _, body = _manifest_body(res)
    outputs = {"inventory.parquet": "sha256:" + "1" * 64}
    for flag in (True, False):
        final = _final_manifest(res, body, outputs, recalculation=flag)
        _same_but_time(final, res.manifest(outputs, recalculation=flag))
        assert ("recalculation" in final) is flag


def test_a_failing_snapshot_waits_for_the_reports_before_the_folder_is_removed(tmp_path, ipcc_like_set, monkeypatch):
    """A write that fails after the Parquet files (the factor-set snapshot: a full disk, EACCES, Ctrl-C)
    waits for the reports' thread before the temporary folder is removed, so that thread never
    writes into a folder being removed (which left a ``.out.tmp-…`` folder beside the run)."""
    import threading
    import time

    import ghginv.pipeline.write as w

    res = _result(tmp_path, ipcc_like_set)
    out = tmp_path / "run"
    started, finished = threading.Event(), threading.Event()
    real = w._write_reports

    def slow_reports(result, folder, frames, manifest, **kw):
        started.set()
        time.sleep(0.3)  # still writing when the snapshot fails
        value = real(result, folder, frames, manifest, **kw)
        finished.set()
        return value

    def failing_snapshot(sets, dest):
        started.wait(5)
        raise PermissionError(13, "Permission denied", str(dest / "activities.csv"))

    monkeypatch.setattr(w, "_write_reports", slow_reports)
    monkeypatch.setattr(w, "snapshot_factor_sets", failing_snapshot)
    with pytest.raises(Exception, match="Permission denied|cannot write"):
        w.write_run(res, out)
    assert finished.is_set()  # the reports were waited for …
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".run")) == []  # … and left nothing
    assert not out.exists()


def test_a_failing_manifest_body_with_release_raises_its_error(tmp_path, ipcc_like_set, monkeypatch):
    """write_run(release=True): the reports and the factor sources wait for the manifest body; when the body fails,
    its error is raised (no wait left hanging), nothing is left beside the run and factors_used is not cut."""
    import ghginv.pipeline.write as w

    res = _result(tmp_path, ipcc_like_set)
    full = res.factors_used

    def failing_body(result):
        raise RuntimeError("manifest body failed")

    monkeypatch.setattr(w, "_manifest_body", failing_body)
    out = tmp_path / "run"
    with pytest.raises(RuntimeError, match="manifest body failed"):
        w.write_run(res, out, release=True)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".run")) == []
    assert res.factors_used is full
