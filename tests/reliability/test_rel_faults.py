"""Fault injection: runs killed (SIGKILL) or interrupted (SIGINT) mid-write, concurrent runs on one
output folder, a full disk, and leftovers of dead runs.

A run is made slow at a known point by a wrapper script that replaces
``ghginv.pipeline.write.write_parquet`` with one that writes the file, signals "ready", then sleeps:
the process is then in the middle of writing its temporary folder.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ghginv
from ghginv.core import errors as E
from ghginv.runfolder import atomic_output_dir, clean_stale_siblings

from rel_helpers import siblings, tiny_activity, tiny_set

SLOW = """
import os, sys, time, pathlib
import ghginv.pipeline.write as inv
orig = inv.write_parquet
ready, delay = pathlib.Path(os.environ["REL_READY"]), float(os.environ["REL_DELAY"])
def slow(df, p):
    orig(df, p)
    if not ready.exists():  # pause once, after the first file of the temporary folder
        ready.write_text(str(os.getpid()))
        time.sleep(delay)
inv.write_parquet = slow
from ghginv.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture
def job(tmp_path):
    s = tiny_set(tmp_path / "t_set")
    a = tiny_activity(tmp_path / "act.parquet")
    return ["compile", "--activity", str(a), "--factors", str(s), "--gwp", "AR5GWP100", "-q"]


def start(args, tmp_path, ready: Path, delay: float, env=None) -> subprocess.Popen:
    e = {**os.environ, "REL_READY": str(ready), "REL_DELAY": str(delay), **(env or {})}
    return subprocess.Popen([sys.executable, "-c", SLOW, *args], cwd=tmp_path, env=e, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, proc: subprocess.Popen, timeout=120.0) -> None:
    t0 = time.monotonic()
    while not path.exists():
        assert proc.poll() is None, f"run ended early: {proc.communicate()}"
        assert time.monotonic() - t0 < timeout, "run never reached the write stage"
        time.sleep(0.05)


def digest(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.rglob("*")) if p.is_file()}


def assert_complete(out: Path) -> None:
    """Every output listed in manifest.json exists with the recorded sha256."""
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for name, h in m["outputs"].items():
        assert "sha256:" + hashlib.sha256((out / name).read_bytes()).hexdigest() == h, name


def previous_run(job, tmp_path) -> tuple[Path, dict]:
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-m", "ghginv.cli", *job, "--out", str(out)], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return out, digest(out)


def test_sigkill_mid_write_keeps_previous_results_and_the_next_run_cleans_up(tmp_path, job):
    out, before = previous_run(job, tmp_path)
    ready = tmp_path / "ready"
    p = start([*job, "--out", str(out)], tmp_path, ready, 60)
    wait_for(ready, p)
    assert any(".tmp-" in s for s in siblings(out))  # mid-write: the temporary folder exists
    p.send_signal(signal.SIGKILL)
    p.wait(30)
    assert digest(out) == before  # previous results intact
    left = siblings(out)
    assert left and all(s.startswith((".out.tmp-", ".out.lock")) for s in left)  # a kill cannot clean up …
    r = subprocess.run([sys.executable, "-m", "ghginv.cli", *job, "--out", str(out)], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert siblings(out) == []  # … the next run does
    assert_complete(out)


def test_sigint_mid_write_cleans_up_at_once(tmp_path, job):
    out, before = previous_run(job, tmp_path)
    ready = tmp_path / "ready"
    p = start([*job, "--out", str(out)], tmp_path, ready, 60)
    wait_for(ready, p)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode != 0
    assert digest(out) == before
    assert siblings(out) == []


def test_concurrent_runs_on_one_folder_serialise(tmp_path, job):
    out = tmp_path / "out"
    procs = [start([*job, "--out", str(out)], tmp_path, tmp_path / f"ready{i}", 1.5) for i in range(2)]
    results = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert_complete(out)
    assert siblings(out) == []


def test_a_run_that_waits_too_long_for_the_lock_fails_clearly(tmp_path, job):
    out = tmp_path / "out"
    ready = tmp_path / "ready"
    first = start([*job, "--out", str(out)], tmp_path, ready, 8.0)
    wait_for(ready, first)
    r = subprocess.run([sys.executable, "-m", "ghginv.cli", *job, "--out", str(out)], cwd=tmp_path, capture_output=True,
                       text=True, env={**os.environ, "GHGINV_LOCK_TIMEOUT": "0.3"})
    assert r.returncode == 2 and r.stderr.startswith("error:") and "Traceback" not in r.stderr
    assert f"another ghginv run (pid {first.pid}) is writing this output folder" in r.stderr
    first.communicate(timeout=180)
    assert first.returncode == 0
    assert_complete(out)
    assert siblings(out) == []


def test_disk_full_is_a_clear_error_and_keeps_previous_results(tmp_path, job, monkeypatch):
    import ghginv.pipeline.write as inv

    out = tmp_path / "out"
    ghginv.compile_inventory(activity=[job[2]], factors=[job[4]], gwp="AR5GWP100", out=out)
    before = digest(out)

    def full(df, path):
        Path(path).write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(inv, "write_parquet", full)
    with pytest.raises(E.ConfigError) as ei:
        ghginv.compile_inventory(activity=[job[2]], factors=[job[4]], gwp="AR5GWP100", out=out)
    assert "the disk is full" in str(ei.value) and "previous results are unchanged" in str(ei.value)
    assert digest(out) == before and siblings(out) == []


def test_stale_leftovers_only_of_dead_processes_are_removed(tmp_path):
    out = tmp_path / "out"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    (tmp_path / f".out.tmp-{dead_pid}-abcd1234").mkdir()
    (tmp_path / f".out.tmp-{os.getppid()}-abcd1234").mkdir()  # a live process (pytest's parent): kept
    (tmp_path / f".other.tmp-{dead_pid}-abcd1234").mkdir()  # another output's: not ours to touch
    assert clean_stale_siblings(out) == [f".out.tmp-{dead_pid}-abcd1234"]
    assert siblings(out) == [f".out.tmp-{os.getppid()}-abcd1234"]
    assert (tmp_path / f".other.tmp-{dead_pid}-abcd1234").is_dir()


def test_a_kill_between_the_two_renames_is_repaired(tmp_path):
    out = tmp_path / "out"
    atomic_output_dir(out, lambda t: (t / "manifest.json").write_text('{"ghginv_version": "x"}'))
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout)
    os.replace(out, tmp_path / f".out.old-{dead}-00000000")  # previous results moved aside, new not yet in place

    def fail(t):
        raise RuntimeError("this run fails too")

    with pytest.raises(RuntimeError):
        atomic_output_dir(out, fail)
    assert json.loads((out / "manifest.json").read_text())["ghginv_version"] == "x"  # the previous results are back
    assert siblings(out) == []
