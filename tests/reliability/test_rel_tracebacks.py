"""Issue 17 item 8: inputs and situations that ended in a traceback. Each must end in one clear
message naming the file (row, key) and the value, with exit status 2, and nothing written."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rel_helpers import row, run_cli, siblings, tiny_activity, tiny_set


def _clear_failure(r, *texts):
    """Exit 2, no traceback, and every text in the message."""
    err = r.stdout + r.stderr
    assert r.returncode == 2, err
    assert "Traceback" not in err, err
    for t in texts:
        assert t in err, err
    return err


def _inv(tmp_path, inventory: str = "", activity: str = "") -> str:
    act = tiny_activity(tmp_path / "a.parquet")
    s = tiny_set(tmp_path / "t_set")
    (tmp_path / "inv.toml").write_text(f'[inventory]\n{inventory}\n[activity]\npaths = ["{act.name}"]\n{activity}\n'
                                       f'[factors]\nsets = ["{s.name}"]\n', encoding="utf-8")
    return "inv.toml"


# -- 1. a TOML value of the wrong type ----------------------------------------------------------

@pytest.mark.parametrize("inventory, activity, text", [
    ('name = ["t"]', "", "[inventory] name = ['t'] has the wrong type — name must be a string"),
    ('description = 5', "", "[inventory] description = 5 has the wrong type"),
    ('gwp = ["AR5GWP100"]', "", "[inventory] gwp = ['AR5GWP100'] has the wrong type"),
    ('regions = "510105"', "", "[inventory] regions = '510105' has the wrong type — regions must be a list of region codes"),
    ("", "keep_entity = \"yes\"", "[activity] keep_entity = 'yes' has the wrong type — keep_entity must be true or false"),
    ("", "batch_size = \"big\"", "[activity] batch_size = 'big' has the wrong type"),
    ("", "engine = 1", "[activity] engine = 1 has the wrong type"),
])
def test_toml_value_of_the_wrong_type(tmp_path, inventory, activity, text):
    toml = _inv(tmp_path, inventory, activity)
    _clear_failure(run_cli("compile", toml, "--out", "out", cwd=tmp_path), "inv.toml", text)
    assert not (tmp_path / "out").exists() and siblings(tmp_path / "out") == []
    _clear_failure(run_cli("validate", toml, cwd=tmp_path), "inv.toml", text)  # validate called it valid


# -- 2. an integer amount no float64 holds exactly ---------------------------------------------

@pytest.mark.parametrize("path", ["fast", "general"])
@pytest.mark.parametrize("typ, big", [(pa.int64(), 2**53 + 1), (pa.uint64(), 2**64 - 1), (pa.int64(), -(2**62) - 1)])
def test_integer_amount_above_2_53(tmp_path, path, typ, big):
    """The fast path (a batch without nulls) and the general path (a batch with a notation key) both name the
    file, the row and the value; 2^53 + 2 (a float64 exactly) is accepted."""
    cols = dict(year=pa.array([2022, 2022, 2022], pa.int32()), region=["510105"] * 3, sector=["1.A.4.b"] * 3,
                activity=["natural_gas"] * 3, amount=pa.array([2**53 + 2, big, None if path == "general" else 7], typ),
                unit=["t"] * 3)
    if path == "general":
        cols["notation_key"] = [None, None, "NO"]
    pq.write_table(pa.table(cols), tmp_path / "big.parquet")
    tiny_set(tmp_path / "t_set")
    args = ("--activity", "big.parquet", "--factors", "t_set")
    for cmd in (("compile", *args, "--out", "out"), ("validate", *args)):
        _clear_failure(run_cli(*cmd, cwd=tmp_path), "big.parquet", "column 'amount'",
                       "integer amount too large to be represented exactly as a 64-bit float", f"(first value: {big})",
                       "row 2")
    assert not (tmp_path / "out").exists() and siblings(tmp_path / "out") == []


def test_integer_amounts_a_float64_holds_compute_exactly(tmp_path):
    import ghginv
    from ghginv.inputs.validate import inexact_integers

    assert inexact_integers(pa.array([2**53, 2**53 + 2, 2**60, -(2**53) - 2, None], pa.int64())) is None
    assert inexact_integers(pa.array([1, 2**53 + 1], pa.int64())).tolist() == [False, True]
    pq.write_table(pa.table(dict(year=pa.array([2022], pa.int32()), region=["510105"], sector=["1.A.4.b"],
                                 activity=["natural_gas"], amount=pa.array([2**53 + 2], pa.int64()), unit=["t"])),
                   tmp_path / "a.parquet")
    res = ghginv.compile_inventory(activity=[str(tmp_path / "a.parquet")], factors=[str(tiny_set(tmp_path / "t_set"))],
                                   gwp="AR5GWP100")
    assert res.cube.cells["amount"].to_list() == [float(2**53 + 2)] and float(2**53 + 2) == 2**53 + 2  # exact


# -- 3. a notation key with spaces (or in lower case) ------------------------------------------

@pytest.mark.parametrize("sector, key, hint", [("1.B", " NO ", "write 'NO' exactly, without spaces"),
                                               ("1.A.4.b", "NE ", "write 'NE' exactly, without spaces"),
                                               ("1.B", "no", "write 'NO' exactly, without spaces and in capitals")])
def test_notation_key_with_spaces_is_refused(tmp_path, sector, key, hint):
    """' NO ' at a reporting category was a polars replace_strict traceback (and validate called it valid); at a
    finer category it was written to notation_keys.csv as ' NO '. Refused, as a sector or unit with spaces is."""
    tiny_activity(tmp_path / "nk.parquet", [row(), row(sector=sector, amount=None, notation_key=key)])
    tiny_set(tmp_path / "t_set")
    args = ("--activity", "nk.parquet", "--factors", "t_set")
    for cmd in (("compile", *args, "--out", "out"), ("validate", *args)):
        _clear_failure(run_cli(*cmd, cwd=tmp_path), "nk.parquet", "column 'notation_key'",
                       f"unknown notation key {key!r} — row 2", hint)
    assert not (tmp_path / "out").exists() and siblings(tmp_path / "out") == []


# -- 4. a real full disk: polars' error carries the OS error --------------------------------------

def _digest(folder):
    import hashlib

    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("number, what", [(28, "the disk is full"), (5, "Input/output error"), (13, "Permission denied")])
def test_polars_error_with_an_os_error_is_a_clear_error(tmp_path, monkeypatch, number, what):
    """polars reports a full disk as ``ComputeError: … (os error 28)``, not as an OSError: the same clear message
    as an OSError, the previous results untouched, no temporary folder left (compile and an update of a run)."""
    import polars as pl

    import ghginv
    from ghginv.core.errors import ConfigError
    from ghginv.runfolder import update_run

    act, s, out = tiny_activity(tmp_path / "a.parquet"), tiny_set(tmp_path / "t_set"), tmp_path / "out"
    ghginv.compile_inventory(activity=[str(act)], factors=[str(s)], gwp="AR5GWP100", out=out)
    before = _digest(out)
    real = pl.DataFrame.write_parquet

    def failing(self, file, *a, **kw):
        with open(file, "wb") as f:
            f.write(b"partial")
        raise pl.exceptions.ComputeError(f"failed to write parquet: {os.strerror(number)} (os error {number})")

    monkeypatch.setattr(pl.DataFrame, "write_parquet", failing)
    with pytest.raises(ConfigError) as ei:
        ghginv.compile_inventory(activity=[str(act)], factors=[str(s)], gwp="AR5GWP100", out=out)
    assert f"{out}: cannot write the outputs: {what}; nothing was written and any previous results are unchanged" == str(ei.value)
    assert _digest(out) == before and siblings(out) == []

    with pytest.raises(ConfigError) as ei:
        update_run(out, {"extra.parquet": lambda p: pl.DataFrame({"a": [1]}).write_parquet(p)})
    assert f"cannot update the run: {what}; its files and manifest are unchanged" in str(ei.value)
    assert _digest(out) == before and [p.name for p in out.iterdir() if p.name.startswith(".")] == []
    monkeypatch.setattr(pl.DataFrame, "write_parquet", real)


def test_other_polars_errors_are_not_taken_for_a_full_disk(tmp_path):
    import polars as pl

    from ghginv.runfolder import atomic_output_dir

    def bug(tmp):
        raise pl.exceptions.ComputeError("some computation failed")

    with pytest.raises(pl.exceptions.ComputeError):
        atomic_output_dir(tmp_path / "out", bug)
    assert not (tmp_path / "out").exists() and siblings(tmp_path / "out") == []


# -- 5. report while a compile replaces the same folder ----------------------------------------

def test_report_reads_the_run_under_the_lock_compile_takes(tmp_path, monkeypatch):
    """``ghginv report`` read the run without the output lock: a compile replacing the folder meanwhile gave a
    FileNotFoundError, or a report of the old run recorded in the new run's manifest. Now the report waits for
    the compile and reports the run that is there."""
    import shutil
    import threading

    import ghginv
    from ghginv.report.data import ReportData
    from ghginv.runfolder import atomic_output_dir, read_manifest

    act, s = tiny_activity(tmp_path / "a.parquet"), tiny_set(tmp_path / "t_set")
    out, second = tmp_path / "out", tmp_path / "second"
    ghginv.compile_inventory(activity=[str(act)], factors=[str(s)], name="First run", out=out)
    ghginv.compile_inventory(activity=[str(act)], factors=[str(s)], name="Second run", out=second)
    real, read_done, writing = ReportData.from_run_dir, threading.Event(), threading.Event()

    def spy(run):
        d = real(run)
        read_done.set()
        return d

    monkeypatch.setattr(ReportData, "from_run_dir", spy)

    def compile_second(tmp):  # a compile in progress: holds the lock, then puts the second run in place
        writing.set()
        read_done.wait(3)  # before the fix the report has read the first run by now
        for p in second.iterdir():
            (shutil.copytree if p.is_dir() else shutil.copy2)(p, tmp / p.name)

    t = threading.Thread(target=atomic_output_dir, args=(out, compile_second))
    t.start()
    writing.wait(5)
    try:
        ghginv.rebuild_reports(out)
    finally:
        t.join()
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Second run" in html and "First run" not in html
    assert read_manifest(out)["config"]["name"] == "Second run"


def test_report_of_a_folder_removed_while_it_waited(tmp_path, monkeypatch):
    import shutil
    import threading

    import ghginv
    from ghginv.core.errors import InputFileError
    from ghginv.runfolder import output_lock

    out = tmp_path / "out"
    ghginv.compile_inventory(activity=[str(tiny_activity(tmp_path / "a.parquet"))], factors=[str(tiny_set(tmp_path / "t_set"))],
                             out=out)
    held, go = threading.Event(), threading.Event()

    def remove():
        with output_lock(out):
            held.set()
            go.wait(5)
            shutil.rmtree(out)

    t = threading.Thread(target=remove)
    t.start()
    held.wait(5)
    threading.Timer(0.3, go.set).start()
    try:
        with pytest.raises(InputFileError, match="no such run folder"):
            ghginv.rebuild_reports(out)
    finally:
        t.join()
    assert not out.exists() and siblings(out) == []


# -- 6. leftovers of a report killed with SIGKILL inside the run -----------------------------------

def test_leftovers_of_a_killed_report_inside_the_run_are_cleaned(tmp_path):
    """A report killed with SIGKILL leaves its temporary folder (0-byte xlsx inside) in the run; the next report
    (any update of the run: report, diff) removes every such leftover of a dead process, keeps a live one's, and
    puts back the old files of an update killed before it replaced the manifest."""
    import json
    import subprocess
    import sys

    import ghginv
    from ghginv.core.hashcache import file_sha256
    from ghginv.runfolder import read_manifest, update_run

    out = tmp_path / "out"
    ghginv.compile_inventory(activity=[str(tiny_activity(tmp_path / "a.parquet"))], factors=[str(tiny_set(tmp_path / "t_set"))],
                             out=out)
    ghginv.rebuild_reports(out)
    html = (out / "report.html").read_bytes()
    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout)
    live = os.getppid()
    for name in (f".report.tmp-{dead}-abcd1234", f".update-{dead}-abcd1234", f".report.tmp-{live}-abcd1234"):
        (out / name).mkdir()
        (out / name / "inventory.xlsx").write_bytes(b"")  # 0 bytes, as a kill leaves it
    (out / f".uncertainty.parquet.tmp-{dead}").write_bytes(b"half")
    # an update killed between moving its files in and replacing the manifest
    upd = out / f".update-{dead}-0000beef"
    upd.mkdir()
    os.link(out / "report.html", upd / ".old-report.html")
    (out / "report.html.new").write_text("half a report")
    os.replace(out / "report.html.new", out / "report.html")
    (out / "added.txt").write_text("added by the killed update")
    m = read_manifest(out)
    (upd / "manifest.json").write_text(json.dumps({**m, "outputs": {**m["outputs"], "report.html": "sha256:x",
                                                                     "added.txt": "sha256:y"}}))

    update_run(out, {"note.txt": lambda p: p.write_text("a later update")})
    left = sorted(p.name for p in out.iterdir() if p.name.startswith("."))
    assert left == [f".report.tmp-{live}-abcd1234"]  # a live process's: kept
    assert (out / "report.html").read_bytes() == html and "sha256:" + file_sha256(out / "report.html") == m["outputs"]["report.html"]
    assert not (out / "added.txt").exists()

    (out / f".report.tmp-{dead}-abcd1234").mkdir()
    r = run_cli("report", "out", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [f".report.tmp-{live}-abcd1234"]
