"""The run folder (ghginv.runfolder): reading a run's manifest, and updating a finished run — new
or replaced files and the manifest with their sha256 — all or nothing, under the output lock."""

from __future__ import annotations

import hashlib
import json
import os
import threading

import pytest

from ghginv import runfolder
from ghginv.core.errors import ConfigError, InputFileError
from ghginv.runfolder import output_lock, read_manifest, replace_file, update_run, verified_output, write_manifest


def _sha(path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def run(tmp_path):
    """A small run folder: two outputs recorded in its manifest."""
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "a.txt").write_text("old a", encoding="utf-8")
    (folder / "b.txt").write_text("old b", encoding="utf-8")
    write_manifest(folder, {"ghginv_version": "test", "name": "run", "outputs": {n: _sha(folder / n) for n in ("a.txt", "b.txt")}})
    return folder


def _writer(text: str):
    return lambda p: p.write_text(text, encoding="utf-8")


def _state(folder) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_manifest_round_trip(run):
    m = read_manifest(run)
    assert m["name"] == "run" and set(m["outputs"]) == {"a.txt", "b.txt"}
    assert (run / "manifest.json").read_text(encoding="utf-8").endswith("}\n")


def test_update_replaces_files_and_records_their_hashes(run):
    hashes = update_run(run, {"b.txt": _writer("new b"), "c.txt": _writer("new c")}, {"recalculation": {"old_run": "x"}})
    assert (run / "b.txt").read_text() == "new b" and (run / "c.txt").read_text() == "new c"
    assert (run / "a.txt").read_text() == "old a"
    m = read_manifest(run)
    assert hashes == {"b.txt": _sha(run / "b.txt"), "c.txt": _sha(run / "c.txt")}
    assert m["outputs"] == {n: _sha(run / n) for n in ("a.txt", "b.txt", "c.txt")}  # every recorded hash is the file's
    assert list(m["outputs"]) == ["a.txt", "b.txt", "c.txt"]  # the old order, new files after
    assert m["recalculation"] == {"old_run": "x"} and m["name"] == "run"
    assert sorted(p.name for p in run.iterdir()) == ["a.txt", "b.txt", "c.txt", "manifest.json"]  # no temporary left
    assert not list(run.parent.glob(".run.lock"))


def test_update_refuses_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(InputFileError, match="not a ghginv run folder \\(no manifest.json\\)"):
        update_run(tmp_path, {"x.txt": _writer("x")})
    (tmp_path / "manifest.json").write_text(json.dumps({"name": "something else"}), encoding="utf-8")
    with pytest.raises(InputFileError, match="not a ghginv run folder"):
        update_run(tmp_path, {"x.txt": _writer("x")})
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(InputFileError, match="not valid JSON"):
        read_manifest(tmp_path)
    assert not (tmp_path / "x.txt").exists()


def test_a_failing_writer_leaves_the_run_unchanged(run):
    before = _state(run)

    def boom(p):
        p.write_text("half", encoding="utf-8")
        raise RuntimeError("writer failed")

    with pytest.raises(RuntimeError, match="writer failed"):
        update_run(run, {"a.txt": _writer("new a"), "b.txt": boom})
    assert _state(run) == before


def test_a_failure_while_replacing_puts_the_old_files_back(run, monkeypatch):
    """Fail the rename of the manifest, after the files were moved in: the old files return."""
    before = _state(run)
    real = os.replace

    def replace(src, dst):
        if os.path.basename(dst) == "manifest.json":
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(runfolder.os, "replace", replace)
    with pytest.raises(ConfigError, match="the disk is full; its files and manifest are unchanged"):
        update_run(run, {"a.txt": _writer("new a"), "c.txt": _writer("new c")}, {"x": 1})
    assert _state(run) == before


def test_update_waits_for_the_output_lock(run, monkeypatch):
    """The lock compile takes: an update waits for it, then fails clearly."""
    monkeypatch.setenv("GHGINV_LOCK_TIMEOUT", "0.2")
    held, release = threading.Event(), threading.Event()

    def hold():
        with output_lock(run):
            held.set()
            release.wait(5)

    t = threading.Thread(target=hold)
    t.start()
    held.wait(5)
    try:
        with pytest.raises(ConfigError, match="another ghginv run"):
            update_run(run, {"a.txt": _writer("new a")})
    finally:
        release.set()
        t.join()
    assert (run / "a.txt").read_text() == "old a"
    update_run(run, {"a.txt": _writer("new a")})
    assert (run / "a.txt").read_text() == "new a"


def test_stale_update_folders_of_dead_processes_are_removed(run):
    stale = run / ".update-999999999-abcd"  # no such process
    stale.mkdir()
    (stale / "a.txt").write_text("junk")
    update_run(run, {"b.txt": _writer("new b")})
    assert not stale.exists()


def test_verified_output(run):
    m = read_manifest(run)
    assert verified_output(run, m, "a.txt") == run / "a.txt"
    assert verified_output(run, m, "missing.txt") is None
    (run / "a.txt").write_text("tampered")
    with pytest.raises(InputFileError, match="the thing changed after the run \\(sha256 mismatch\\)"):
        verified_output(run, m, "a.txt", "the thing")


def test_replace_file(tmp_path):
    target = tmp_path / "r.parquet"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        replace_file(target, lambda p: (p.write_text("half"), (_ for _ in ()).throw(RuntimeError("x"))))
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["r.parquet"]
    replace_file(target, _writer("new"))
    assert target.read_text() == "new"
