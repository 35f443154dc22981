"""The merge of the files' cubes (:func:`ghginv.pipeline.filecube.merge_sorted`): one stable sort,
then each cell's parts added in input order, against adding the files' cubes one after the other
into a hash table (the kernel's loop, ``_insert_cells``): the same cells, the same sums bit for bit
(``((a_1 + a_2) + a_3) + …``), the same counts; with and without entities, cells in 1 to 40
files, amounts of very different magnitudes (where the order of additions shows in the bits)."""

from __future__ import annotations

import numpy as np
import pytest

from ghginv.inputs.validate import Codebook
from ghginv.kernels import cube as C
from ghginv.pipeline.cube import cell_order
from ghginv.pipeline.filecube import CubeMerger, FileCube, merge_sorted, overlap_groups, sort_key


def _books(rng, keep_entity: bool) -> dict:
    books = {c: Codebook() for c in ("region", "sector", "activity", "unit", "entity")}
    for c, n in (("region", 7), ("sector", 5), ("activity", 6), ("unit", 3), ("entity", 4 if keep_entity else 0)):
        for x in rng.permutation([f"{c[0]}{i:02d}" for i in range(n)]):  # codes not in string order
            books[c].code(str(x))
    return books


def _parts(rng, n_files: int, keep_entity: bool):
    parts = []
    for _ in range(n_files):
        n = int(rng.integers(0, 60))
        k1 = C.pack_keys(rng.integers(2019, 2022, n), rng.integers(0, 7, n), rng.integers(0, 5, n),
                         rng.integers(0, 6, n), rng.integers(0, 3, n))
        k2 = rng.integers(0, 5, n).astype(np.int64) if keep_entity else np.zeros(n, np.int64)
        keys = np.unique(np.stack([k1, k2], 1), axis=0)  # a file's keys are unique
        keys = keys[rng.permutation(keys.shape[0])]
        m = keys.shape[0]
        sums = rng.uniform(0.0, 1.0, m) * 10.0 ** rng.integers(-9, 10, m)
        parts.append((keys[:, 0].copy(), keys[:, 1].copy(), sums, rng.integers(1, 9, m).astype(np.int64)))
    return parts


def _hash_merge(parts):
    loop = getattr(C._insert_cells, "py_func", C._insert_cells)  # a Kernel, a dispatcher or (nojit) the function
    table, n_used = C.new_table(1 << 13), 0  # room for every cell: never grown
    for p in parts:  # in input order, by the kernel's loop
        n_used = loop(*table, n_used, *p)
    return C.table_items(table)


@pytest.mark.parametrize("keep_entity", [False, True])
@pytest.mark.parametrize("seed", range(25))
def test_sorted_merge_gives_the_hash_merges_cells_and_bits(seed, keep_entity):
    rng = np.random.default_rng(seed)
    books = _books(rng, keep_entity)
    parts = _parts(rng, int(rng.integers(1, 41)), keep_entity)
    k1, k2, sums, counts, order = merge_sorted(parts, books, keep_entity)
    h1, h2, hs, hc = _hash_merge(parts)
    assert k1.shape[0] == h1.shape[0]
    want = cell_order(h1, h2, books, keep_entity)
    got_keys = np.stack([k1[order], k2[order]], 1)
    assert np.array_equal(got_keys, np.stack([h1[want], h2[want]], 1))
    assert sums[order].tobytes() == hs[want].tobytes()
    assert np.array_equal(counts[order], hc[want])
    assert np.array_equal(order, np.arange(k1.shape[0])) or len(parts) == 1


def test_no_parts_and_empty_parts():
    books = _books(np.random.default_rng(0), False)
    k1, k2, sums, counts, order = merge_sorted([], books, False)
    assert k1.size == k2.size == sums.size == counts.size == order.size == 0
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))
    one = (np.array([C.pack_keys(np.array([2020]), *[np.array([0])] * 4)[0]]), np.zeros(1, np.int64), np.array([2.5]), np.ones(1, np.int64))
    k1, k2, sums, counts, order = merge_sorted([empty, one, empty, one], books, False)
    assert sums.tolist() == [5.0] and counts.tolist() == [2]


def _sorted_with_bounds(parts, books, keep_entity: bool):
    """Each part's cells in the cube's key order (as ``build_file_cube`` leaves them), and the sort
    keys of each part's first and last cell (as ``CubeMerger`` takes them: ``sort_key``)."""
    vals = {c: books[c].values for c in ("region", "sector", "activity", "unit", "entity")}

    def key(k1, k2):
        y, *codes = (int(x[0]) for x in C.unpack_keys(np.array([k1])))
        e = int(k2)
        return (y, *(vals[c][j] for c, j in zip(("region", "sector", "activity", "unit"), codes)),
                (1, "") if e == 0 else (0, vals["entity"][e - 1]))

    out, bounds = [], []
    for p in parts:
        o = cell_order(p[0], p[1], books, keep_entity)
        p = tuple(a[o] for a in p)
        out.append(p)
        bounds.append((key(p[0][0], p[1][0]), key(p[0][-1], p[1][-1])) if p[0].size else None)
    return [p for p in out if p[0].size], [b for b in bounds if b is not None]


@pytest.mark.parametrize("keep_entity", [False, True])
@pytest.mark.parametrize("seed", range(15))
def test_sorted_files_that_share_no_cell_are_taken_as_they_are(seed, keep_entity):
    """Files whose sorted cells follow one another (one year each, say) are the cube's cells as
    they are; files whose cells interleave go through the sort: the same bits either way."""
    rng = np.random.default_rng(seed)
    books = _books(rng, keep_entity)
    everything = _parts(rng, 1, keep_entity)[0]
    o = cell_order(everything[0], everything[1], books, keep_entity)
    everything = tuple(a[o] for a in everything)
    cuts = np.sort(rng.integers(0, everything[0].shape[0] + 1, int(rng.integers(0, 6))))
    disjoint = [tuple(a[lo:hi] for a in everything) for lo, hi in zip([0, *cuts], [*cuts, everything[0].shape[0]])]
    for parts in (disjoint, _parts(rng, int(rng.integers(2, 8)), keep_entity)):
        parts, bounds = _sorted_with_bounds(parts, books, keep_entity)
        want = merge_sorted(parts, books, keep_entity)
        got = merge_sorted(parts, books, keep_entity, bounds)
        for w, g in zip(want[:4], got[:4]):
            assert w[want[4]].tobytes() == g[got[4]].tobytes()
        assert np.array_equal(got[4], np.arange(got[0].shape[0]))
    parts, bounds = _sorted_with_bounds(disjoint, books, keep_entity)
    if parts:  # taken as they are: the files' cells one after the other
        assert merge_sorted(parts, books, keep_entity, bounds)[2].tobytes() == np.concatenate([p[2] for p in parts]).tobytes()


@pytest.mark.parametrize("keep_entity", [False, True])
@pytest.mark.parametrize("seed", range(10))
def test_sort_key_orders_a_files_cells_as_the_cube_does(seed, keep_entity):
    """``sort_key`` (the bounds ``CubeMerger`` compares) sorts a file's cells as ``cell_order`` does."""
    rng = np.random.default_rng(seed)
    books = _books(rng, keep_entity)
    k1, k2, sums, counts = _parts(rng, 1, keep_entity)[0]
    y, r, s, a, u = C.unpack_keys(k1)
    arrays = {"year": y, "region": r, "sector": s, "activity": a, "unit": u, "entity": k2, "sums": sums, "counts": counts}
    fc = FileCube(arrays, {"values": {c: list(books[c].values) for c in ("region", "sector", "activity", "unit", "entity")}})
    by_key = sorted(range(k1.shape[0]), key=lambda j: sort_key(fc, j))
    assert by_key == cell_order(k1, k2, books, keep_entity).tolist()


def _mixed_files(rng, books, keep_entity: bool):
    """Sorted files (with bounds) in a shuffled input order: some that share no cell with any other
    (cuts of one sorted cube), some whose cells interleave, some empty."""
    everything = _parts(rng, 1, keep_entity)[0]
    o = cell_order(everything[0], everything[1], books, keep_entity)
    everything = tuple(a[o] for a in everything)
    cuts = np.sort(rng.integers(0, everything[0].shape[0] + 1, int(rng.integers(0, 6))))
    disjoint = [tuple(a[lo:hi] for a in everything) for lo, hi in zip([0, *cuts], [*cuts, everything[0].shape[0]])]
    parts = disjoint + _parts(rng, int(rng.integers(0, 6)), keep_entity)
    parts = [parts[i] for i in rng.permutation(len(parts))]
    return _sorted_with_bounds(parts, books, keep_entity)


@pytest.mark.parametrize("keep_entity", [False, True])
@pytest.mark.parametrize("seed", range(25))
def test_files_grouped_by_overlapping_ranges_give_the_same_bits(seed, keep_entity):
    """Sorted files grouped by overlapping key ranges (``overlap_groups``), each group added up on its
    own: the same cells, sums (bit for bit) and counts as one sort of every file, and as the hash merge."""
    rng = np.random.default_rng(seed)
    books = _books(rng, keep_entity)
    parts, bounds = _mixed_files(rng, books, keep_entity)
    if not parts:
        return
    want = merge_sorted(parts, books, keep_entity)  # bounds unknown: one sort of every file
    got = merge_sorted(parts, books, keep_entity, bounds)
    assert np.array_equal(got[4], np.arange(got[0].shape[0]))
    for w, g in zip(want[:4], got[:4]):
        assert w[want[4]].tobytes() == g.tobytes()
    h1, h2, hs, hc = _hash_merge(parts)
    order = cell_order(h1, h2, books, keep_entity)
    assert hs[order].tobytes() == got[2].tobytes() and np.array_equal(hc[order], got[3])
    groups = overlap_groups(bounds)
    assert sorted(i for g in groups for i in g) == list(range(len(parts)))
    for a, b in zip(groups, groups[1:]):
        assert max(bounds[i][1] for i in a) < min(bounds[i][0] for i in b)


def _file_cube(part, books) -> FileCube:
    """A FileCube in the run's codes (its values: the books' values), cells as given."""
    y, r, s, a, u = C.unpack_keys(part[0])
    i32 = np.zeros(0, np.int32)
    arrays = {"year": y.astype(np.int32), "region": r.astype(np.int32), "sector": s.astype(np.int32),
              "activity": a.astype(np.int32), "unit": u.astype(np.int32), "entity": part[1].astype(np.int32),
              "sums": part[2], "counts": part[3], "nk_year": i32, "nk_region": i32, "nk_sector": i32,
              "nk_activity": i32, "nk_key": i32}
    values = {c: list(books[c].values) for c in ("region", "sector", "activity", "unit", "entity")}
    meta = {"values": {**values, "notation_key": []}, "sorted": True, "rows_read": int(part[3].sum()),
            "rows_outside_years": 0, "rows_notation": 0, "tally": {"units": [], "sums": [], "rows": 0}}
    return FileCube(arrays, meta)


@pytest.mark.parametrize("keep_entity", [False, True])
@pytest.mark.parametrize("seed", range(15))
def test_folding_the_files_added_so_far_changes_no_bit(seed, keep_entity):
    """``CubeMerger.fold`` (the files added so far added up while the next is awaited) then the other
    files: the same cube, bit for bit, as adding every file at the end."""
    rng = np.random.default_rng(seed)
    books = _books(rng, keep_entity)
    parts, _ = _mixed_files(rng, books, keep_entity)
    if not parts:
        return
    at = int(rng.integers(0, len(parts) + 1))  # len(parts): folded just before finalize
    cubes = []
    for fold in (False, True):
        m = CubeMerger(None, keep_entity)
        for j, p in enumerate([*parts, None]):
            if fold and j == at:
                before = len(m.parts)  # the non-empty files added so far (an empty cube adds no part)
                m.fold()
                assert len(m.parts) == min(before, 1)  # added up into one part (nothing to do for none)
            if p is not None:
                m.add(_file_cube(p, books))
        cubes.append(m.finalize()[0].cells)
    assert cubes[0].equals(cubes[1])
    assert cubes[0]["amount"].to_numpy().tobytes() == cubes[1]["amount"].to_numpy().tobytes()


@pytest.mark.parametrize("keep_entity", [False, True])
def test_a_fold_of_several_files_changes_no_bit(keep_entity):
    """The fold really adds up several parts (seeds with at least two non-empty files before the last): one
    part after it, and the same cube, bit for bit, as adding every file at the end."""
    folds = 0
    for seed in range(40):
        rng = np.random.default_rng(1000 + seed)
        books = _books(rng, keep_entity)
        parts, _ = _mixed_files(rng, books, keep_entity)
        cubes = []
        for fold in (False, True):
            m = CubeMerger(None, keep_entity)
            for p in parts[:-1]:
                m.add(_file_cube(p, books))
            if fold:
                if len(m.parts) < 2:
                    break
                m.fold()
                assert len(m.parts) == 1
                folds += 1
            for p in parts[-1:]:
                m.add(_file_cube(p, books))
            cubes.append(m.finalize()[0].cells)
        if len(cubes) == 2:
            assert cubes[0].equals(cubes[1])
            assert cubes[0]["amount"].to_numpy().tobytes() == cubes[1]["amount"].to_numpy().tobytes()
    assert folds >= 10  # most seeds fold two files or more
