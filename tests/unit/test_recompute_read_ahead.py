"""The old run's tables read ahead for a recompute (issue 20, eighth part: :meth:`ghginv.rerun.folder.RunFolder._prefetch`).

A recompute on the kept positions that opened the run folder itself starts reading ``factors_used``, ``emissions`` and the
inventory's other columns in a thread of their own as it begins; the stages take them when they ask. Checked here: the
frames taken are those read when asked (values, dtypes, column order, one chunk per column); a table read ahead and
released is dropped; a read that fails ahead fails again, in the caller, when the table is asked for; two threads asking
at once get the same frame; and a recompute that reads ahead writes the same files as one that does not.
"""

from __future__ import annotations

import threading

import polars as pl
import pytest

from conftest import ROOT

AHEAD = [("factors_used.parquet", ()), ("emissions.parquet", ()), ("inventory.parquet", ("emissions_t", "co2e_t"))]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from ghginv import compile_inventory

    out = tmp_path_factory.mktemp("ahead") / "run"
    compile_inventory(str(ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"), out=out)
    return out


def _new_columns(inventory: pl.DataFrame) -> list[pl.Series]:
    return [pl.Series("emissions_t", inventory["emissions_t"] * 3), pl.Series("co2e_t", inventory["co2e_t"] - 1)]


def test_tables_read_ahead_are_the_tables_read_when_asked(demo_run):
    from ghginv.rerun.folder import load_run

    plain = load_run(demo_run)
    want = {name: plain.frame(name) for name in ("factors_used.parquet", "emissions.parquet")}
    new = _new_columns(plain.frame("inventory.parquet"))
    want_inv = load_run(demo_run).frame_with("inventory.parquet", new)

    folder = load_run(demo_run)
    folder._prefetch(AHEAD)
    for name, frame in want.items():
        got = folder.frame(name)
        assert got.equals(frame) and got.schema == frame.schema, name
        assert all(s.n_chunks() == 1 for s in got.iter_columns()), name
        assert folder.frame(name) is got  # kept, as a table read when asked
    got = folder.frame_with("inventory.parquet", new)
    assert got.equals(want_inv) and got.columns == want_inv.columns
    assert all(s.n_chunks() == 1 for s in got.iter_columns())
    assert not folder.has_frame("inventory.parquet")  # frame_with does not keep the table, read ahead or not
    assert folder._ahead == {}  # every table read ahead was taken once
    assert [t for t in threading.enumerate() if t.name.startswith("ghginv-read-ahead")]  # its thread, idle, until waited for
    folder._wait_ahead()
    assert not [t for t in threading.enumerate() if t.name.startswith("ghginv-read-ahead")]


def test_a_table_read_ahead_then_released_is_dropped_and_read_again(demo_run):
    from ghginv.rerun.folder import load_run

    want = load_run(demo_run).frame("emissions.parquet")
    folder = load_run(demo_run)
    folder._prefetch([("emissions.parquet", ()), ("factors_used.parquet", ())])
    folder.release_frames("emissions.parquet")
    assert set(folder._ahead) == {"factors_used.parquet"}  # the other table's read stays
    folder._wait_ahead()
    assert folder.frame("emissions.parquet").equals(want)  # read again, when asked
    folder.release_frames()
    assert folder._ahead == {} and not folder.has_frame("factors_used.parquet")


def test_a_read_that_fails_ahead_fails_in_the_caller(demo_run, tmp_path):
    import shutil

    from ghginv.rerun.folder import load_run

    run = tmp_path / "run"
    shutil.copytree(demo_run, run)
    (run / "emissions.parquet").write_bytes(b"not a parquet file")
    folder = load_run(run)
    with pytest.raises(Exception) as plain:
        load_run(run).frame("emissions.parquet")
    folder._prefetch([("emissions.parquet", ())])
    folder._wait_ahead()
    with pytest.raises(type(plain.value)):  # the same error as without reading ahead, raised where the table is asked for
        folder.frame("emissions.parquet")


def test_two_threads_asking_at_once_get_one_frame(demo_run):
    from ghginv.rerun.folder import load_run

    folder = load_run(demo_run)
    folder._prefetch([("factors_used.parquet", ())])
    got = []
    threads = [threading.Thread(target=lambda: got.append(folder.frame("factors_used.parquet"))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    want = load_run(demo_run).frame("factors_used.parquet")
    assert len(got) == 2 and all(g.equals(want) for g in got)
    assert folder.frame("factors_used.parquet").equals(want)
    folder._wait_ahead()


@pytest.mark.parametrize("gwp", ["AR6GWP100", "AR4GWP100"])
def test_a_recompute_that_reads_ahead_writes_the_same_files(demo_run, tmp_path, monkeypatch, gwp):
    """ghginv.recompute(path) opens the folder itself and reads ahead; a RunFolder passed in is not read ahead: the same
    files, byte for byte."""
    from ghginv.rerun.folder import RunFolder, load_run
    from ghginv.rerun.recompute import recompute

    calls = []
    real = RunFolder._prefetch
    monkeypatch.setattr(RunFolder, "_prefetch", lambda self, reads: (calls.append(reads), real(self, reads))[1])
    ahead = recompute(demo_run, gwp=gwp)
    assert calls == [AHEAD] and ahead.recompute_path == "kept_positions"
    plain = recompute(load_run(demo_run), gwp=gwp)
    assert len(calls) == 1
    a, b = ahead.write(tmp_path / "a"), plain.write(tmp_path / "b")
    for f in sorted(p.name for p in a.iterdir() if p.is_file() and p.name != "manifest.json"):
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_a_recompute_that_falls_back_drops_the_inventory_read_ahead(demo_run, tmp_path, monkeypatch):
    """The run's own sets in another order change what the kept positions stand for: the stages start again on the
    full path (``Fallback``), and the inventory read ahead for the kept path is dropped, not held through it; the same
    files as a recompute that did not read ahead."""
    from ghginv.rerun.folder import RunFolder, load_run
    from ghginv.rerun.recompute import recompute

    released = []
    real = RunFolder.release_frames
    monkeypatch.setattr(RunFolder, "release_frames", lambda self, *names: (released.append(names), real(self, *names))[1])
    factors = [str(p) for p in sorted((demo_run / "factor_sets").iterdir())]
    ahead = recompute(demo_run, factors=factors)
    assert ahead.recompute_path == "full"
    assert ("inventory.parquet",) in released
    plain = recompute(load_run(demo_run), factors=factors)
    a, b = ahead.write(tmp_path / "a"), plain.write(tmp_path / "b")
    for f in sorted(p.name for p in a.iterdir() if p.is_file() and p.name != "manifest.json"):
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
