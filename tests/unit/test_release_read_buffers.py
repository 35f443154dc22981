"""After the cube stage has read the activity files, the memory Arrow's allocator kept for reuse is
given back (ghginv.pipeline.activity._release_read_buffers): the later stages do not carry the
decoded batches' pages (about 300 MiB at 100 M rows) on top of their own."""

from __future__ import annotations

import pyarrow as pa

import ghginv
from ghginv.pipeline import activity
from ghginv.pipeline.activity import build_cube

from conftest import write_activity


class _CountingPool:
    def __init__(self):
        self.released = 0

    def release_unused(self):
        self.released += 1


def test_the_cube_stage_gives_arrows_unused_memory_back(tmp_path, ipcc_like_set, monkeypatch):
    rows = [{"year": 2020, "region": r, "sector": "1.A.1.a", "activity": "diesel", "amount": 1.5, "unit": "t"} for r in ("A", "B", "C")]
    act = write_activity(tmp_path / "act.parquet", rows)
    cfg = ghginv.load_config(None, activity=[act], factors=[ipcc_like_set], gwp="AR5GWP100")
    pool = _CountingPool()
    monkeypatch.setattr(pa, "default_memory_pool", lambda: pool)
    cube, _, _ = build_cube(cfg, [ghginv.load_factor_set(ipcc_like_set)])
    assert pool.released == 1  # once, after every file was read
    assert cube.cells.height == 3 and float(cube.cells["amount"].sum()) == 4.5  # the cube itself is untouched


def test_nothing_to_give_back_without_pyarrow_loaded(monkeypatch):
    import sys

    monkeypatch.delitem(sys.modules, "pyarrow")
    activity._release_read_buffers()  # no error, and pyarrow is not imported for it
    assert "pyarrow" not in sys.modules
