"""Writing a recomputed run: the files a recompute leaves as they were are copied from the old run
(cube, kept positions, energy activity), and every file is byte for byte what encoding it again
gives (ghginv.rerun.recompute._same_files, ghginv.runfolder.copy_unchanged).

The demo's SYNTHETIC activity data with the demo's energy sets and no [economy] table (so the
energy-activity stage runs, not the analysis), and test values (not factors) in edited set copies.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from test_recompute_plan import DEMO, _edited_set, _scaled

import ghginv
from ghginv.pipeline.positions import ENERGY_FILE, PLAN_FILE
from ghginv.rerun.folder import load_run
from ghginv.rerun.recompute import recompute
from ghginv.runfolder import copy_unchanged, verified_same_file, write_files, write_parquet

SETS = ["cn_gbt32151_22_2024", "cn_refsheet_2020", "cn_gbt32150_2025", "mee_nbs_grid", "cn_gbt2589_2020", "ipcc2006_energy"]
ACTIVITY = DEMO.parent / "data" / "qingyang_synthetic" / "activity"
COPIED = ("cube.parquet", PLAN_FILE, ENERGY_FILE)
# the manifest's entries that differ between two writes of one result (time of writing, stage seconds)
VOLATILE = ("created_utc", "stage_seconds")


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("rw") / "run"
    ghginv.compile_inventory(activity=[str(ACTIVITY)], factors=SETS, year_fallback="nearest", out=out)
    return out


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _manifest(b: bytes) -> dict:
    m = json.loads(b)
    return {k: v for k, v in m.items() if k not in VOLATILE}


def _same_bytes(a: Path, b: Path) -> None:
    fa, fb = _files(a), _files(b)
    assert sorted(fa) == sorted(fb)
    for name in fa:
        if name == "manifest.json":
            assert _manifest(fa[name]) == _manifest(fb[name])
        else:
            assert fa[name] == fb[name], name


def _grid(tmp_path: Path) -> list[str]:
    """The run's sets with a test value (not a factor) in the 2022 Sichuan electricity row."""
    grid = _edited_set("mee_nbs_grid", tmp_path, lambda t: t.replace("electricity,*,51*,2022,2022,CO2,0.1404,", "electricity,*,51*,2022,2022,CO2,0.5,"))
    return [str(grid) if s == "mee_nbs_grid" else s for s in SETS]


def test_a_factor_change_copies_the_unchanged_files_and_writes_the_same_bytes(run, tmp_path):
    r = recompute(run, factors=_grid(tmp_path))
    assert r.recompute_path == "kept_positions"
    assert sorted(r.same_files) == sorted(COPIED)
    copied = r.write(tmp_path / "copied")
    for name in COPIED:  # the old run's bytes
        assert (copied / name).read_bytes() == (run / name).read_bytes(), name
    r.same_files = {}  # every file encoded again, as before
    encoded = r.write(tmp_path / "encoded")
    _same_bytes(copied, encoded)
    m = json.loads((copied / "manifest.json").read_text())
    assert m["outputs"]["cube.parquet"] == json.loads((run / "manifest.json").read_text())["outputs"]["cube.parquet"]
    assert not load_run(copied).frame("emissions.parquet")["co2e_t"].equals(load_run(run).frame("emissions.parquet")["co2e_t"])


def test_a_gwp_change_through_the_cli_writes_what_encoding_gives(run, tmp_path):
    from ghginv.cli import main

    assert main(["recompute", str(run), "--gwp", "AR6GWP100", "--out", str(tmp_path / "cli"), "--quiet"]) in (0, None)
    r = recompute(run, gwp="AR6GWP100")
    r.same_files = {}
    _same_bytes(tmp_path / "cli", r.write(tmp_path / "encoded"))


def test_a_conversion_change_computes_the_energy_activity_again(run, tmp_path):
    """NCV and standard-coal values × 1.01 (test values): the energy table changes; it is computed,
    not taken from the old run, and equals what the full path gives."""
    std = _edited_set("cn_gbt2589_2020", tmp_path, _scaled, ("conversions.csv",))
    sets = [str(std) if s == "cn_gbt2589_2020" else s for s in SETS]
    r = recompute(run, factors=sets)
    assert r.recompute_path == "kept_positions"
    assert ENERGY_FILE not in r.same_files and "cube.parquet" in r.same_files
    full = recompute(run, factors=sets, kept_positions=False)
    assert_frame_equal(r.tables["energy_activity"], full.tables["energy_activity"], check_exact=True)
    old = load_run(run).frame(ENERGY_FILE)
    assert not r.tables["energy_activity"]["energy_tce"].equals(old["energy_tce"])


def test_the_full_path_copies_only_the_cube(run, tmp_path):
    r = recompute(run, factors=_grid(tmp_path), kept_positions=False)
    assert r.recompute_path == "full" and sorted(r.same_files) == ["cube.parquet"]
    copied = r.write(tmp_path / "copied")
    r.same_files = {}
    _same_bytes(copied, r.write(tmp_path / "encoded"))


def test_a_source_changed_after_it_was_verified_is_encoded_again(tmp_path):
    """copy_unchanged copies only the bytes that were verified: a source written to since is not
    copied; the file is written by its own writer and hashed."""
    old = tmp_path / "old"
    old.mkdir()
    df = pl.DataFrame({"a": [1.5, 2.5]})
    write_parquet(df, old / "t.parquet")
    from ghginv.core.hashcache import file_sha256

    manifest = {"outputs": {"t.parquet": "sha256:" + file_sha256(old / "t.parquet")}}
    same = verified_same_file(old, manifest, "t.parquet")
    new = pl.DataFrame({"a": [9.0]})
    out = tmp_path / "new"
    out.mkdir()
    hashes = write_files(out, {"t.parquet": copy_unchanged(same, lambda p: write_parquet(new, p))})
    assert hashes["t.parquet"] == same.sha256  # copied: the recorded sha256, not read again
    write_parquet(pl.DataFrame({"a": [3.5]}), old / "t.parquet")  # the old run's file changes after it was verified
    os.utime(old / "t.parquet", ns=(same.ident[3], same.ident[3]))  # even with its old mtime (its ctime moved)
    out2 = tmp_path / "new2"
    out2.mkdir()
    hashes = write_files(out2, {"t.parquet": copy_unchanged(same, lambda p: write_parquet(new, p))})
    assert_frame_equal(pl.read_parquet(out2 / "t.parquet"), new)
    assert hashes["t.parquet"] == "sha256:" + file_sha256(out2 / "t.parquet") != same.sha256
    (old / "t.parquet").unlink()  # the old run removed before the new one is written
    out3 = tmp_path / "new3"
    out3.mkdir()
    hashes = write_files(out3, {"t.parquet": copy_unchanged(same, lambda p: write_parquet(new, p))})
    assert_frame_equal(pl.read_parquet(out3 / "t.parquet"), new)


def test_config_of_the_fixture_has_no_analysis(run):
    """The energy-activity stage (not the analysis) gives energy_activity.parquet in these runs."""
    m = json.loads((run / "manifest.json").read_text())
    assert "indicators" not in m and ENERGY_FILE in m["outputs"]


def test_release_gives_back_factors_used_and_writes_the_same_bytes(run, tmp_path):
    """write_run(release=True) (``ghginv recompute``): the same files as the default write; the result's
    factors_used is then cut to the rows its summary and warnings read (the full table freed), and those say the
    same; the default write leaves the table whole."""
    import weakref

    from ghginv.pipeline.summary import inventory_summary
    from ghginv.pipeline.write import _summary_factor_rows, write_run

    kept = recompute(run, gwp="AR6GWP100")
    full = kept.factors_used
    kept.write(tmp_path / "kept")
    assert kept.factors_used is full  # a library caller's result keeps every row

    r = recompute(run, gwp="AR6GWP100")
    before = weakref.ref(r.factors_used)
    whole = r.factors_used.clone()
    written = write_run(r, tmp_path / "released", release=True)
    _same_bytes(tmp_path / "kept", written)
    assert before() is None  # the full table is no longer held
    assert 0 < r.factors_used.height < whole.height
    assert_frame_equal(r.factors_used, _summary_factor_rows(whole), check_exact=True)
    assert_frame_equal(r.factors_used, whole.filter(pl.col("factor_year") != pl.col("year")), check_exact=True)
    assert r.warnings() == kept.warnings()
    assert_frame_equal(r.fallback_years(), kept.fallback_years(), check_exact=True)
    a, b = inventory_summary(r), inventory_summary(kept)
    a.timings = b.timings = {}
    assert a == b


def test_release_is_the_command_line_process_default(run, tmp_path, monkeypatch):
    """Without ``release`` the write releases only in the command-line process (ghginv._CLI_PROCESS)."""
    r = recompute(run, gwp="AR6GWP100")
    full = r.factors_used
    r.write(tmp_path / "library")
    assert r.factors_used is full
    monkeypatch.setattr(ghginv, "_CLI_PROCESS", True)
    r.write(tmp_path / "cli")
    assert r.factors_used.height < full.height
    _same_bytes(tmp_path / "library", tmp_path / "cli")


def test_released_plan_pages_read_the_same_positions_again(run, tmp_path):
    """RunFolder.release_plan_pages (called by a recompute that opened the folder itself, after the stages and
    after the recalculation's states): the plan's arrays read the same afterwards, and a recompute from the path
    (pages released) writes what one from a folder read beforehand (pages kept) writes."""
    import numpy as np

    folder = load_run(run)
    plan = folder.plan()
    arrays = {k: np.array(v) for k, v in plan.em.items()}
    folder.release_plan_pages()
    assert all(np.array_equal(np.asarray(plan.em[k]), v) for k, v in arrays.items())
    sets = _grid(tmp_path)
    released = recompute(run, factors=sets)
    kept = recompute(folder, factors=sets)
    assert released.recompute_path == kept.recompute_path == "kept_positions"
    _same_bytes(released.write(tmp_path / "released"), kept.write(tmp_path / "kept"))


def test_the_command_line_recompute_cuts_factors_used_before_its_recalculation(run, tmp_path, monkeypatch):
    """In the command-line process (ghginv._CLI_PROCESS) a recompute takes factors_used's part of the write ahead
    (ghginv.pipeline.write.factors_used_ahead: the file's bytes, its rows, the reports' distinct factor rows) and cuts
    the table to the rows the summary and warnings read before its recalculation: the same recalculation tables,
    summary and warnings, and the same files (the manifest's rows included) as a library caller's recompute, whose
    result keeps the whole table through the write."""
    import ghginv.rerun.recompute as rc
    from ghginv.pipeline.summary import inventory_summary
    from ghginv.pipeline.write import _summary_factor_rows

    library = recompute(run, gwp="AR6GWP100")
    full = library.factors_used
    assert library._factors_used_ahead is None
    library.write(tmp_path / "library")
    assert library.factors_used is full  # a library caller's result keeps every row

    mapped = []
    monkeypatch.setattr(rc, "_map_large_blocks", lambda: mapped.append(True))  # process-wide: not in the test process
    monkeypatch.setattr(ghginv, "_CLI_PROCESS", True)
    cli = recompute(run, gwp="AR6GWP100")
    assert mapped == [True] and cli.recompute_path == "kept_positions"
    ahead = cli._factors_used_ahead
    assert ahead is not None and ahead.rows == full.height
    assert 0 < cli.factors_used.height < full.height
    assert_frame_equal(cli.factors_used, _summary_factor_rows(full), check_exact=True)
    for name in ("recalculation", "recalculation_factors"):
        assert_frame_equal(cli.tables[name], library.tables[name], check_exact=True)
    assert cli.warnings() == library.warnings()
    assert_frame_equal(cli.fallback_years(), library.fallback_years(), check_exact=True)
    _same_bytes(tmp_path / "library", cli.write(tmp_path / "cli"))
    a, b = inventory_summary(cli), inventory_summary(library)
    a.timings = b.timings = {}
    assert a == b


def test_a_recompute_in_a_job_thread_keeps_the_heap_threshold(run, monkeypatch):
    """``ghginv serve`` is the command-line process too (ghginv._CLI_PROCESS), but long-lived: its jobs recompute in
    threads of their own, and glibc's mmap threshold (process-wide, for the rest of the process) is left alone there;
    the one-shot ``ghginv recompute`` sets it in its main thread (the test above)."""
    import threading

    import ghginv.rerun.recompute as rc

    mapped = []
    monkeypatch.setattr(rc, "_map_large_blocks", lambda: mapped.append(True))
    monkeypatch.setattr(ghginv, "_CLI_PROCESS", True)
    out = []
    t = threading.Thread(target=lambda: out.append(recompute(run, gwp="AR6GWP100")))
    t.start()
    t.join()
    assert len(out) == 1 and out[0].recompute_path == "kept_positions"
    assert mapped == []
