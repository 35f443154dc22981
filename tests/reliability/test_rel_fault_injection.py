"""Fault injection into every write of a run: a first run is compiled, then a second run over the
same folder (``compile`` again, ``recompute`` into it, ``report``, ``diff`` into it) has its k-th
file write fail — for every k the run makes, with a full disk (ENOSPC), an I/O error (EIO) and a
refused permission (EACCES). Each time the command must exit 2 with one clear message, the first
run must survive intact (every file and every manifest hash as before) and no debris may be left:
no temporary folder or lock file beside the run, no ``.update-*`` or ``.report.tmp-*`` inside it.

The writes are counted at the primitives every writer of a run goes through: the Parquet and CSV
writers of :mod:`ghginv.runfolder` (also as imported by :mod:`ghginv.pipeline.write` and
:mod:`ghginv.rerun.recalc`), the kept positions (``save_plan``), the workbook (``write_xlsx``),
``Path.write_text``/``write_bytes`` (manifest, report.html) and ``shutil.copyfile``/``copy2``
(factor-set snapshot, backups of replaced files) — counting only writes under the test's folder.
A failing write first leaves a few bytes at its path, as a real full disk does. By default the three
kinds of error take turns over the writes (each write fails once); the ``slow`` variant fails every
write with every kind.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import pathlib
import shutil
import threading
from pathlib import Path

import pytest

import ghginv.pipeline.write as pwrite
import ghginv.report as report_pkg
import ghginv.rerun.recalc as recalc_mod
import ghginv.runfolder as runfolder
from ghginv.cli import main

from rel_helpers import siblings, tiny_activity, tiny_set

ERRORS = {
    "ENOSPC": (lambda: OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
    "EIO": (lambda: OSError(errno.EIO, "Input/output error"), "Input/output error"),
    "EACCES": (lambda: PermissionError(errno.EACCES, "Permission denied"), "Permission denied"),
}


class Faults:
    """Counts the file writes under ``root``; the ``fail_at``-th (1-based) raises ``make()``."""

    def __init__(self, root: Path, fail_at: int | None = None, make=None):
        self.root, self.fail_at, self.make = root, fail_at, make
        self.lock = threading.Lock()
        self.n = 0
        self.names: list[str] = []
        self.failed: str | None = None

    def hit(self, path) -> None:
        path = Path(path).absolute()
        if self.root not in path.parents:
            return
        with self.lock:
            self.n += 1
            k = self.n
            self.names.append(path.name)
        if k == self.fail_at:
            self.failed = path.name
            with contextlib.suppress(OSError):  # a full disk leaves a partial file behind
                with open(path, "wb") as f:
                    f.write(b"PAR1partial")
            raise self.make()

    def wrap(self, fn, arg: int):
        def wrapped(*a, **kw):
            self.hit(a[arg])
            return fn(*a, **kw)

        return wrapped

    def install(self, mp: pytest.MonkeyPatch) -> None:
        for mod, name, arg in ((runfolder, "write_parquet", 1), (runfolder, "write_csv", 1), (pwrite, "write_parquet", 1),
                               (pwrite, "write_csv", 1), (pwrite, "save_plan", 1), (recalc_mod, "write_parquet", 1),
                               (report_pkg, "write_xlsx", 1), (pathlib.Path, "write_text", 0), (pathlib.Path, "write_bytes", 0),
                               (shutil, "copyfile", 1), (shutil, "copy2", 1)):
            mp.setattr(mod, name, self.wrap(getattr(mod, name), arg))


def cli(*args) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        rc = main([str(a) for a in args])
    return rc, err.getvalue()


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def assert_complete(run: Path) -> None:
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    files = {str(p.relative_to(run)) for p in run.rglob("*") if p.is_file()} - {"manifest.json"}
    assert files == set(m["outputs"]), f"files not in the manifest: {files ^ set(m['outputs'])}"
    for name, h in m["outputs"].items():
        assert "sha256:" + hashlib.sha256((run / name).read_bytes()).hexdigest() == h, name


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """Inputs, a first run (``run``, with uncertainty tables and, [economy] asking for indicators, a report) and a second (``other``)."""
    d = tmp_path_factory.mktemp("faults")
    s = tiny_set(d / "t_set")
    tiny_activity(d / "act.parquet")
    (d / "economy.csv").write_text("year,region,gdp_current_10k_yuan,gdp_index_prev_100,population\n2022,ALL,1000000,105,100000\n",
                                   encoding="utf-8")
    (d / "inv.toml").write_text('[inventory]\nname = "faults"\nbase_year = 2022\ngwp = "AR5GWP100"\n[activity]\npaths = ["act.parquet"]\n'
                                f'[factors]\nsets = ["{s}"]\n[uncertainty]\ndraws = 100\n[economy]\npath = "economy.csv"\n', encoding="utf-8")
    for out in ("run", "other"):
        rc, err = cli("compile", d / "inv.toml", "--out", d / out, "-q")
        assert rc == 0, err
    assert (d / "run" / "report.html").is_file() and (d / "run" / "inventory.xlsx").is_file()
    return d


COMMANDS = {
    "compile": lambda d: ("compile", d / "inv.toml", "--out", d / "run", "-q"),
    "recompute": lambda d: ("recompute", d / "other", "--out", d / "run", "-q"),
    "report": lambda d: ("report", d / "run"),
    "diff": lambda d: ("diff", d / "other", d / "run"),
}


def writes_of(ws: Path, command: str, mp: pytest.MonkeyPatch) -> list[str]:
    """The files one run of ``command`` writes (it succeeds; the run stays complete)."""
    f = Faults(ws)
    with mp.context() as m:
        f.install(m)
        rc, err = cli(*COMMANDS[command](ws))
    assert rc == 0, err
    assert_complete(ws / "run")
    return f.names


def fail_each_write(ws: Path, command: str, mp: pytest.MonkeyPatch, every_kind: bool) -> None:
    names = writes_of(ws, command, mp)
    assert len(names) >= 2, names  # the counting sees the run's writes (at least a file and the manifest)
    run = ws / "run"
    before = digest(run)
    kinds = list(ERRORS)
    for k in range(1, len(names) + 1):
        for kind in kinds if every_kind else [kinds[k % len(kinds)]]:  # by default the kinds take turns
            make, said = ERRORS[kind]
            f = Faults(ws, fail_at=k, make=make)
            with mp.context() as m:
                f.install(m)
                rc, err = cli(*COMMANDS[command](ws))
            case = f"{command}: write {k}/{len(names)} ({f.failed}) fails with {kind}"
            assert f.failed is not None, case
            assert rc == 2, f"{case}: exit {rc}, {err}"
            assert err.startswith("error:") and err.count("error:") == 1 and "Traceback" not in err, f"{case}: {err}"
            assert said in err and "unchanged" in err, f"{case}: {err}"
            assert digest(run) == before, f"{case}: the previous run changed"
            assert_complete(run)
            assert siblings(run) == [], f"{case}: debris beside the run: {siblings(run)}"
            assert [p.name for p in run.iterdir() if p.name.startswith(".")] == [], f"{case}: debris inside the run"
    rc, err = cli(*COMMANDS[command](ws))  # and the same command then succeeds
    assert rc == 0, err
    assert_complete(run)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_failing_write_keeps_the_previous_run_and_leaves_no_debris(ws, command, monkeypatch):
    fail_each_write(ws, command, monkeypatch, every_kind=False)


@pytest.mark.slow
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_write_fails_with_every_kind_of_error(ws, command, monkeypatch):
    fail_each_write(ws, command, monkeypatch, every_kind=True)


def test_a_full_disk_inside_polars_writer_is_a_clear_error(ws, monkeypatch):
    import polars.exceptions as ple

    f = Faults(ws, fail_at=1, make=lambda: ple.ComputeError("failed to write parquet: No space left on device (os error 28)"))
    run = ws / "run"
    before = digest(run)
    f.install(monkeypatch)
    try:
        rc, err = cli(*COMMANDS["compile"](ws))
    finally:
        monkeypatch.undo()
    assert digest(run) == before and siblings(run) == []
    assert rc == 2 and err.startswith("error:") and "the disk is full" in err, err
