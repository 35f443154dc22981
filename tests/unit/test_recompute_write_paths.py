"""The quicker paths of a recompute's writing (issue 20, fifth part), each against what it replaced:

* :func:`ghginv.analysis.notation.completeness_manifest` counts the keyed cells from four columns in one
  query: the same entry as filtering the whole inventory twice (the former code, kept here);
* :func:`ghginv.runfolder._copy_bytes` copies in the kernel, or through a buffer from where the kernel
  stopped: the same bytes either way;
* :meth:`ghginv.rerun.folder.RunFolder.release_frames` gives back the pages of the memory-mapped kept
  positions: the plan's arrays read the same values afterwards;
* :func:`ghginv.rerun.recalc._diff` finds the changed factor rows in a thread beside the roll-up: an error
  there reaches the caller.
"""

from __future__ import annotations

import errno
import os

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.analysis.notation import GASES, MEMO, REPORTING, completeness_manifest
from ghginv.runfolder import _copy_bytes


def _former_manifest(inventory: pl.DataFrame) -> tuple[dict, dict]:
    """The counts as completeness_manifest computed them before (whole rows filtered, twice)."""
    c = inventory.filter(pl.col("notation_key").is_not_null(), pl.col("category").is_in(list(REPORTING)), pl.col("gas").is_in(list(GASES)),
                         pl.col("scope") == "direct")
    m = inventory.filter(pl.col("notation_key").is_not_null(), pl.col("category").is_in(list(MEMO)), pl.col("scope") == "memo")
    return ({k: n for k, n in c.group_by("notation_key").len().sort("notation_key").iter_rows()},
            {k: n for k, n in m.group_by("notation_key").len().sort("notation_key").iter_rows()})


_CATS = [*list(REPORTING)[:6], *MEMO, "1.A", "TOTAL", "9.Z"]
_row = st.tuples(st.sampled_from(_CATS), st.sampled_from([*GASES[:3], "SF6", "XYZ"]), st.sampled_from(["direct", "memo", "indirect"]),
                 st.sampled_from([None, None, "NE", "NO", "IE", "NA", "C"]), st.floats(0, 10))


@settings(max_examples=200, deadline=None)
@given(st.lists(_row, max_size=60))
def test_completeness_manifest_counts_as_before(rows):
    inv = pl.DataFrame(rows, schema={"category": pl.String, "gas": pl.String, "scope": pl.String, "notation_key": pl.String,
                                     "co2e_t": pl.Float64}, orient="row").with_columns(pl.lit("510105").alias("region"))
    man = completeness_manifest(inv, [])
    keyed, memo = _former_manifest(inv)
    assert man["cells_keyed"] == keyed and list(man["cells_keyed"]) == list(keyed)  # the same counts in the same order
    assert man["memo_items"]["cells_keyed"] == memo and list(man["memo_items"]["cells_keyed"]) == list(memo)


@pytest.mark.parametrize("size", [0, 1, 4096, (1 << 20) + 17])
def test_copy_bytes_copies_the_rest_of_the_file(tmp_path, size):
    data = np.random.default_rng(size).integers(0, 256, size, np.uint8).tobytes()
    (tmp_path / "a").write_bytes(b"head" + data)
    with open(tmp_path / "a", "rb") as src, open(tmp_path / "b", "wb") as dst:
        assert src.read(4) == b"head"  # from where the source stands
        _copy_bytes(src, dst)
    assert (tmp_path / "b").read_bytes() == data


def test_copy_bytes_goes_on_through_a_buffer_where_the_kernel_stops(tmp_path, monkeypatch):
    """A file system that refuses the kernel copy after part of the file: the buffer copies the rest."""
    data = os.urandom(300_000)
    (tmp_path / "a").write_bytes(data)
    real = os.copy_file_range
    calls = []

    def partial(src, dst, count, offset_src=None):
        calls.append(count)
        if len(calls) == 1:
            return real(src, dst, 100_000, offset_src)
        raise OSError(errno.EXDEV, "cross-device")

    monkeypatch.setattr(os, "copy_file_range", partial)
    with open(tmp_path / "a", "rb") as src, open(tmp_path / "b", "wb") as dst:
        _copy_bytes(src, dst)
    assert len(calls) == 2 and (tmp_path / "b").read_bytes() == data


def test_copy_bytes_raises_a_write_error(tmp_path, monkeypatch):
    (tmp_path / "a").write_bytes(b"x" * 10)

    def full(src, dst, count, offset_src=None):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "copy_file_range", full)
    with open(tmp_path / "a", "rb") as src, open(tmp_path / "b", "wb") as dst, pytest.raises(OSError) as e:
        _copy_bytes(src, dst)
    assert e.value.errno == errno.ENOSPC


def _plan_arrays(plan) -> dict[str, np.ndarray]:
    return {"meta": plan.meta, **{f"em.{k}": v for k, v in plan.em.items()}, **{f"links.{k}": v for k, v in plan.links.items()},
            **{f"rollup.{k}": v for k, v in plan.rollup.arrays().items()}}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from ghginv import compile_inventory

    from conftest import ROOT

    out = tmp_path_factory.mktemp("rcp2") / "run"
    compile_inventory(str(ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"), out=out)
    return out


def test_release_frames_keeps_the_plan_readable(demo_run):
    """The kept positions' mapped pages given back: the same values when read again, and a recompute on
    them gives the same numbers as before."""
    from ghginv.rerun.folder import load_run
    from ghginv.rerun.recompute import recompute

    folder = load_run(demo_run)
    plan = folder.plan()
    assert plan is not None and any(isinstance(a, np.memmap) for a in _plan_arrays(plan).values())
    before = {k: np.array(v) for k, v in _plan_arrays(plan).items()}
    first = recompute(folder, gwp="AR6GWP100", recalculation=False)
    folder.release_frames()
    assert folder.plan() is plan
    after = _plan_arrays(plan)
    assert before.keys() == after.keys() and all(np.array_equal(before[k], after[k]) for k in before)
    again = recompute(folder, gwp="AR6GWP100", recalculation=False)
    assert again.recompute_path == first.recompute_path == "kept_positions"
    assert again.inventory.equals(first.inventory) and again.emissions.equals(first.emissions)


def test_changed_factors_error_reaches_the_caller(demo_run, monkeypatch):
    from ghginv.rerun import recalc
    from ghginv.rerun.recompute import recompute

    def broken(old, new):
        raise RuntimeError("changed factors failed")

    monkeypatch.setattr(recalc, "changed_factors", broken)
    with pytest.raises(RuntimeError, match="changed factors failed"):
        recompute(demo_run, gwp="AR6GWP100")


def test_changed_factors_beside_the_rollup_as_after_it(demo_run):
    """The recalculation with the old run's factor rows already read (its changed rows found in a thread
    beside the roll-up) and from a folder that has not read them (found after it): the same tables."""
    from ghginv.rerun.folder import load_run
    from ghginv.rerun.recalc import diff_result
    from ghginv.rerun.recompute import recompute

    folder = load_run(demo_run)
    result = recompute(folder, gwp="AR6GWP100", recalculation=False)
    assert folder.has_frame("factors_used.parquet")  # read by the trace stage on the kept positions
    threaded = diff_result(demo_run, result)
    result.source = None  # diff_result reads the old run again: nothing read yet
    fresh = load_run(demo_run)
    assert not fresh.has_frame("factors_used.parquet")
    after = diff_result(demo_run, result)
    assert threaded[0].equals(after[0]) and threaded[1].equals(after[1])
