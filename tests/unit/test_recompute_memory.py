"""The recompute's memory paths (issue 20, fifth part), each against what it replaced:

* :func:`ghginv.rerun.folder._read` reads a run's table with one chunk per column: the same frame (values,
  dtypes, column order) as ``polars.read_parquet``, which gives one chunk per row group, and the same bytes
  when written again;
* :func:`ghginv.rerun.recalc.recalculation_tables` with ``release=True`` drops the old run folder's tables
  once the states are summed: the same tables as without, and the folder's tables are gone afterwards;
* :func:`ghginv.rerun.recompute._give_back_heap` (glibc's ``malloc_trim``) leaves every frame as it was;
* a recompute on the kept positions hands the reports the inventory's key codes
  (:func:`ghginv.rerun.recompute._inventory_key_codes`, issue 20 sixth part): the codes of the inventory's strings,
  and the same workbook and page as without them (grouped on the strings).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.rerun.folder import _read
from ghginv.runfolder import write_parquet

_text = st.one_of(st.none(), st.sampled_from(["", "1.A.1", "510105", "a long source text that is not inlined in a view", "=SUM(A1)", "汉字"]))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(2000, 2030), _text, _text, st.one_of(st.none(), st.floats(allow_nan=False))), max_size=300),
       group=st.integers(1, 64))
def test_read_gives_one_chunk_per_column_and_the_same_frame(tmp_path_factory, rows, group):
    df = pl.DataFrame(rows, schema={"year": pl.Int32, "region": pl.String, "source": pl.String, "value": pl.Float64}, orient="row")
    folder = tmp_path_factory.mktemp("read")
    path = folder / "t.parquet"
    df.write_parquet(path, row_group_size=group)  # many row groups: many chunks from the reader
    plain = pl.read_parquet(path)
    got = _read(path)
    assert got.equals(plain) and got.schema == plain.schema
    assert all(s.n_chunks() == 1 for s in got.iter_columns())
    write_parquet(plain, folder / "a.parquet")
    write_parquet(got, folder / "b.parquet")
    assert (folder / "a.parquet").read_bytes() == (folder / "b.parquet").read_bytes()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    from ghginv import compile_inventory

    from conftest import ROOT

    out = tmp_path_factory.mktemp("rcm") / "run"
    compile_inventory(str(ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"), out=out)
    return out


@pytest.mark.parametrize("gwp", ["AR6GWP100", None])
def test_release_before_the_rollup_gives_the_same_tables(demo_run, gwp):
    """The old run's tables dropped once the states are summed: the same recalculation, bit for bit, and the
    folder holds no table afterwards (a table asked for again is read again)."""
    from ghginv.rerun.folder import load_run
    from ghginv.rerun.recalc import recalculation_tables
    from ghginv.rerun.recompute import recompute

    folder = load_run(demo_run)
    result = recompute(folder, gwp=gwp, year_fallback="nearest", recalculation=False)
    kept = recalculation_tables(result)
    assert folder.has_frame("emissions.parquet")  # not released without the flag
    released = recalculation_tables(result, release=True)
    assert not any(folder.has_frame(n) for n in ("emissions.parquet", "factors_used.parquet", "inventory.parquet"))
    assert kept.keys() == released.keys()
    for name in kept:
        assert kept[name].equals(released[name]) and kept[name].schema == released[name].schema, name
    # a recompute that opens the folder itself (released inside) gives the same tables again
    assert all(recompute(demo_run, gwp=gwp, year_fallback="nearest").tables[n].equals(kept[n]) for n in kept)


def test_give_back_heap_leaves_the_frames(demo_run):
    from ghginv.rerun.recompute import _give_back_heap, recompute

    result = recompute(demo_run, gwp="AR6GWP100")
    before = {n: result.tables[n].clone() for n in ("recalculation", "recalculation_factors")}
    inventory = result.inventory.clone()
    _give_back_heap()
    _give_back_heap()
    assert result.inventory.equals(inventory)
    assert all(result.tables[n].equals(before[n]) for n in before)


@pytest.mark.parametrize("gwp", ["AR6GWP100", None])
def test_key_codes_of_a_recompute_give_the_same_reports(demo_run, tmp_path, gwp):
    from ghginv.rerun.recompute import recompute

    result = recompute(demo_run, gwp=gwp)
    assert result.recompute_path == "kept_positions"  # no inventory stage: the codes come from the recompute
    codes = result.key_codes
    assert set(codes) == {"scope", "category", "gas"}
    for k, (values, c) in codes.items():
        assert values == sorted(values) and None not in values
        assert c.dtype.kind == "u" and c.shape == (result.inventory.height,)
        assert pl.Series([*values, None], dtype=pl.String).gather(c.astype(np.int64)).equals(result.inventory[k], null_equal=True)
    assert recompute(demo_run, gwp=gwp, recalculation=False).key_codes is None  # only the numbers: not made
    # every table of the workbook summed over regions (the IPCC sheet grouped on the codes): the same bytes as on the strings
    result.config.extra["report"] = {**(result.config.extra.get("report") or {}), "workbook_detail": "summed"}
    coded = result.write(tmp_path / "coded")
    result.key_codes = None
    strings = result.write(tmp_path / "strings")
    for name in ("inventory.xlsx", "report.html"):
        assert (coded / name).read_bytes() == (strings / name).read_bytes(), name


def test_frame_with_reads_the_other_columns_in_the_table_order(demo_run):
    """RunFolder.frame_with: the table with the given columns in place of its own (which are not read), in its column
    order, one chunk per column, and not kept; from a table read whole already, the same frame."""
    from ghginv.rerun.folder import load_run

    whole = load_run(demo_run).frame("inventory.parquet")
    new = [pl.Series("co2e_t", whole["co2e_t"] * 2), pl.Series("emissions_t", whole["emissions_t"] + 1)]
    want = whole.with_columns(new)
    folder = load_run(demo_run)
    got = folder.frame_with("inventory.parquet", new)
    assert got.equals(want) and got.schema == want.schema
    assert all(s.n_chunks() == 1 for s in got.iter_columns())
    assert not folder.has_frame("inventory.parquet")
    folder.frame("inventory.parquet")
    assert folder.frame_with("inventory.parquet", new).equals(want)


@pytest.mark.parametrize("part", ["em", "rollup", "links", "meta"])
def test_a_part_of_the_plan_given_back_reads_the_same(demo_run, part):
    """RunFolder.release_plan_pages(part) (the stages of a recompute that opened the folder itself): every array of
    the plan reads the same afterwards (its pages come back from the page cache)."""
    import mmap

    from ghginv.rerun.folder import _map_address, _plan_parts, load_run

    folder = load_run(demo_run)
    plan = folder.plan()
    mapped = [a for a in _plan_parts(plan)[part] if isinstance(getattr(a, "_mmap", None), mmap.mmap) and a.nbytes]
    assert mapped and all(_map_address(a) is not None for a in mapped)  # the part's arrays view the map: they have pages to give back
    before = {k: [np.array(a) for a in v] for k, v in _plan_parts(plan).items()}
    folder.release_plan_pages(part)
    after = _plan_parts(plan)
    assert all(np.array_equal(np.asarray(a), b) for k in before for a, b in zip(after[k], before[k], strict=True))


def test_release_frames_of_one_table_keeps_the_others(demo_run):
    from ghginv.rerun.folder import load_run

    folder = load_run(demo_run)
    for name in ("emissions.parquet", "factors_used.parquet"):
        folder.frame(name)
    folder.release_frames("factors_used.parquet")
    assert folder.has_frame("emissions.parquet") and not folder.has_frame("factors_used.parquet")
