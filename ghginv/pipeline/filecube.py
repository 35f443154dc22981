"""Per-file cubes: the cube of each activity file on its own, added together in input order.

The ``cube`` stage (:mod:`ghginv.pipeline.activity`) builds the cube of every file with a fresh
:class:`~ghginv.pipeline.cube.CubeBuilder` (its own codebooks and input tally), so a file's cube
depends on its bytes, its partition folders and whether entities are kept, and on nothing read
before it. :class:`CubeMerger` adds the files' cubes in the order of the inputs
(:func:`merge_sorted`): a cell's amount is ``((a_1 + a_2) + a_3) + …`` over the files that have it, each ``a_f``
the file's own sum in row order. Whether ``a_f`` was just computed or taken from the cube cache
(:mod:`ghginv.core.cubecache`), the additions are the same, so a compile that reuses cached
files gives the same bits as a cold one.

A file's cube holds every valid row inside the run's years. A cached cube is reused when its
values still pass the run's checks (activity codes known to the factor sets, regions of
``[inventory] regions``) and either the run's years are those it was built with, or none of the
file's rows lay outside those years and the run's years still cover all of its cells (a compile
that adds a year keeps the cubes of the earlier years).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import numpy as np

from ..core import cubecache
from ..core.errors import ValidationError
from ..core.version import __version__
from ..inputs.validate import BatchValidator, Codebook
from ..kernels.cube import LIMITS, pack_keys, unpack_keys
from .conservation import InputTally
from .cube import Cube, CubeBuilder, cell_order, cells_frame, notation_frame

__all__ = ["FileCube", "build_file_cube", "cache_key", "CubeMerger", "merge_sorted", "sort_key"]

_COLS = ("region", "sector", "activity", "unit")


@dataclass
class FileCube:
    """The cube of one activity file, in its own codes.

    ``arrays``: year (int32), region, sector, activity, unit (int32 codes into ``values``),
    entity (int32, 0 = none, else 1 + code into ``values["entity"]``), sums (float64), counts
    (int64) of the cells (sorted by the key columns' values when ``meta["sorted"]``), and the
    notation-key rows (each once) as nk_year, nk_region, nk_sector, nk_activity, nk_key (codes
    into ``values``; the keys into ``values["notation_key"]``). ``meta``: the values, the row
    counts, the years it was built with and the input tally.
    """

    arrays: dict
    meta: dict

    @property
    def n_cells(self) -> int:
        return int(self.arrays["sums"].shape[0])


def cache_key(sha256: str, partitions: dict, keep_entity: bool) -> str:
    """The cube cache's key of a file: its bytes, its partition folders, entities kept, the layout.

    Parameters
    ----------
    sha256 : str
        The file's hex sha256.
    partitions : dict of str to str
        Its ``key=value`` partition folders (constant columns).
    keep_entity : bool
        Whether the run keeps ``entity_id``.

    Returns
    -------
    str
        64 hex digits.
    """
    text = json.dumps([cubecache.FORMAT, __version__, sha256, sorted(partitions.items()), bool(keep_entity)])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def build_file_cube(batches, known: set[str], years, regions, keep_entity: bool, on_batch=None):
    """Build one file's cube from its batches.

    Parameters
    ----------
    batches : iterable of Batch
        The file's batches, in order.
    known : set of str
        Activity codes of the run's factor sets.
    years : tuple of (int, int) or None
        The cube's years.
    regions : tuple of str or None
        ``[inventory] regions``.
    keep_entity : bool
        Keep ``entity_id``.
    on_batch : callable, optional
        Called with each batch after it was added.

    Returns
    -------
    tuple of (FileCube or None, BatchValidator)
        The file's cube (None when a row breaks the data contract: the validator names it).
    """
    v = BatchValidator(known, years, regions, keep_entity)
    tally = InputTally(years)
    builder = CubeBuilder(v, tally=tally)
    for batch in batches:
        tally.add(batch)
        builder.append(batch)
        if on_batch is not None:
            on_batch(batch)
    if v.issues:
        return None, v
    # the cells in the cube's key order (by the file's own strings: the order they have in the
    # run's cube too), so that the merge of files whose cells do not interleave needs no sort
    k1, k2, sums, counts = builder.items(sort=True)
    year, region, sector, activity, unit = unpack_keys(k1)
    values = {c: list(v.books[c].values) for c in (*_COLS, "entity")}
    nk_vals: list[str] = []
    nk_at: dict[str, int] = {}
    nk = sorted({(r["year"], r["region"], r["sector"], r["activity"], r["notation_key"]) for r in v.notation_rows})
    code = {c: v.books[c].index for c in _COLS}
    arrays = {
        "year": year.astype(np.int32), "region": region.astype(np.int32), "sector": sector.astype(np.int32),
        "activity": activity.astype(np.int32), "unit": unit.astype(np.int32), "entity": k2.astype(np.int32),
        "sums": np.ascontiguousarray(sums, np.float64), "counts": np.ascontiguousarray(counts, np.int64),
        "nk_year": np.array([r[0] for r in nk], np.int32),
        "nk_region": np.array([code["region"][r[1]] for r in nk], np.int32),
        "nk_sector": np.array([code["sector"][r[2]] for r in nk], np.int32),
        "nk_activity": np.array([code["activity"][r[3]] for r in nk], np.int32),
        "nk_key": np.array([nk_at.setdefault(r[4], len(nk_at)) for r in nk], np.int32),
    }
    for k in nk_at:
        nk_vals.append(k)
    meta = {
        "values": {**values, "notation_key": nk_vals},
        "rows_read": int(v.rows_read), "rows_outside_years": int(v.rows_outside_years),
        "rows_notation": int(v.rows_notation),
        "years": list(years) if years is not None else None,
        "cell_years": [int(year.min()), int(year.max())] if year.size else None,
        "rules": rules_digest(v),
        "sorted": True,  # cells in the cube's key order (entries of earlier builds may not be)
        "tally": {"units": list(tally.sums), "sums": [float(x) for x in tally.sums.values()], "rows": int(tally.rows)},
    }
    return FileCube(arrays, meta), v


def usable(fc: FileCube, years, checker: BatchValidator) -> bool:
    """Whether a cached file cube is the one this run would build (see the module docstring)."""
    m = fc.meta
    built = tuple(m["years"]) if m["years"] is not None else None
    if built != (tuple(years) if years is not None else None):
        if m["rows_outside_years"]:
            return False
        cy = m["cell_years"]
        if cy is not None and years is not None and not (years[0] <= cy[0] and cy[1] <= years[1]):
            return False
    if m["rows_outside_years"] and m.get("rules") != rules_digest(checker):
        return False  # rows outside the years were checked against other rules
    vals = m["values"]
    return all(checker._check_value(c, x) is None for c in _COLS for x in vals[c])


def rules_digest(v: BatchValidator) -> str:
    """Digest of the value checks that depend on the run (known activities, regions)."""
    text = json.dumps([sorted(v.known_activities), sorted(v.regions) if v.regions is not None else None])
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def from_cache(entry) -> FileCube | None:
    """A :class:`FileCube` from a cube cache entry, or None when the entry does not hold one."""
    if entry is None:
        return None
    arrays, meta = entry
    try:
        n = arrays["sums"].shape[0]
        if any(arrays[k].shape[0] != n for k in ("year", *_COLS, "entity", "counts")):
            return None
        for c in (*_COLS, "entity", "notation_key"):
            meta["values"][c] = list(meta["values"][c])
        return FileCube(arrays, meta)
    except (KeyError, TypeError, AttributeError):
        return None


def merge_sorted(parts, books, keep_entity: bool, bounds=None):
    """Add the files' cells, in input order, into the cells of the run's cube, sorted.

    When every file's cells are sorted (``bounds`` known), the files are grouped by overlapping
    key ranges (:func:`overlap_groups`): no cell is in two groups, so each group is added up on
    its own and the groups' cells follow one another in key order; a group of one file is its
    cells as they are (files of one year each, or of regions in order, need no sort at all).
    Within a group (or with a file not known to be sorted, over every file), one stable sort of every file's cells by the cube's key order (:func:`cell_order`)
    brings a cell's parts together in input order; a cell's amount is then added up part by
    part, ``((a_1 + a_2) + a_3) + …``, exactly as adding the files' cubes one after the other
    into a hash table does, in numpy (no kernel, so no numba to load), and the cells come out in
    the order of the cube's frame.

    Parameters
    ----------
    parts : list of tuple of numpy.ndarray
        ``(k1, k2, sums, counts)`` of each file, in input order, in the codes of ``books``; a
        file's keys are unique.
    books : dict of str to Codebook
        The run's codebooks.
    keep_entity : bool
        Whether the entity is a key column.
    bounds : list of tuple or None, optional
        Per file, the sort keys (:func:`sort_key`) of its first and last cell when its cells
        are sorted, else None; None: not known for any file.

    Returns
    -------
    tuple of numpy.ndarray
        ``k1``, ``k2``, ``sums`` (float64, in each cell's unit) and ``counts`` of the cells, and
        ``order``: the positions that sort them (``arange``: they are sorted already).
    """
    if not parts:
        z = np.zeros(0, np.int64)
        return z, z, np.zeros(0, np.float64), z, z
    if len(parts) > 1 and bounds is not None and all(b is not None for b in bounds):
        groups = overlap_groups(bounds)
        if len(groups) > 1:  # key ranges that share no cell: each group added up on its own, in key order
            merged = [parts[g[0]] if len(g) == 1 else merge_sorted([parts[i] for i in g], books, keep_entity, [bounds[i] for i in g])
                      for g in groups]
            k1, k2, sums, counts = (np.concatenate([m[j] for m in merged]).astype(t, copy=False)
                                    for j, t in enumerate((np.int64, np.int64, np.float64, np.int64)))
            return k1, k2, sums, counts, np.arange(k1.shape[0])
    k1 = np.concatenate([p[0] for p in parts]).astype(np.int64, copy=False)
    k2 = np.concatenate([p[1] for p in parts]).astype(np.int64, copy=False)
    sums = np.concatenate([p[2] for p in parts]).astype(np.float64, copy=False)
    counts = np.concatenate([p[3] for p in parts]).astype(np.int64, copy=False)
    if bounds is not None and all(b is not None for b in bounds) and all(
            a[1] < b[0] for a, b in zip(bounds, bounds[1:])):
        return k1, k2, sums, counts, np.arange(k1.shape[0])  # sorted files, in order, that share no cell
    if len(parts) == 1:
        return k1, k2, sums, counts, cell_order(k1, k2, books, keep_entity)
    order = cell_order(k1, k2, books, keep_entity, stable=True)  # equal keys keep input order
    k1, k2, sums, counts = k1[order], k2[order], sums[order], counts[order]
    first = np.empty(k1.shape[0], np.bool_)
    first[0] = True
    np.not_equal(k1[1:], k1[:-1], out=first[1:])
    first[1:] |= k2[1:] != k2[:-1]
    starts = np.flatnonzero(first)
    sizes = np.diff(starts, append=k1.shape[0])
    out = sums[starts]  # a copy: the first part of each cell
    # then the r-th part of every cell that has one, r = 1, 2, …: the cells with most parts first,
    # so that those with more than r parts are a prefix (the work is one addition per part)
    by_size = np.argsort(-sizes, kind="stable")
    more_than = starts.shape[0] - np.cumsum(np.bincount(sizes))  # more_than[r]: cells with more than r parts
    for r in range(1, int(sizes.max())):
        g = by_size[: more_than[r]]
        out[g] = out[g] + sums[starts[g] + r]
    n = np.add.reduceat(counts, starts)
    return k1[starts], k2[starts], out, n, np.arange(starts.shape[0])


def overlap_groups(bounds) -> list[list[int]]:
    """The files grouped by overlapping key ranges, the groups in key order.

    Parameters
    ----------
    bounds : list of tuple
        Per file, the sort keys (:func:`sort_key`) of its first and last cell (its cells sorted).

    Returns
    -------
    list of list of int
        Groups of file positions (each in input order); a group's key range lies before the next
        group's, so no cell is in two groups (a cell of two files is in both files' ranges).
    """
    groups: list[list[int]] = []
    last = None
    for i in sorted(range(len(bounds)), key=lambda i: bounds[i][0]):
        if groups and not last < bounds[i][0]:
            groups[-1].append(i)
            last = max(last, bounds[i][1])
        else:
            groups.append([i])
            last = bounds[i][1]
    return [sorted(g) for g in groups]


def sort_key(fc: FileCube, j: int) -> tuple:
    """The sort key of one cell of a file's cube: its key columns' values, as the cube sorts them.

    Parameters
    ----------
    fc : FileCube
        The file's cube.
    j : int
        The cell's position.

    Returns
    -------
    tuple
        Year, region, sector, activity and unit (str order = UTF-8 byte order, as the cube's
        frame sorts), and the entity as ``(1, "")`` for none (last) or ``(0, entity_id)``.
    """
    a, vals = fc.arrays, fc.meta["values"]
    e = int(a["entity"][j])
    return (int(a["year"][j]), *(vals[c][int(a[c][j])] for c in _COLS), (1, "") if e == 0 else (0, vals["entity"][e - 1]))


class CubeMerger:
    """Adds file cubes, in input order, into the run's cube and input tally."""

    def __init__(self, years, keep_entity: bool):
        self.years = years
        self.keep_entity = keep_entity
        self.books = {c: Codebook() for c in (*_COLS, "entity")}
        self.parts: list[tuple] = []  # (k1, k2, sums, counts) of each file, in input order
        self.bounds: list[tuple | None] = []  # sort keys of each file's first and last cell, None if not sorted
        self.tally = InputTally(years)
        self.notation: list[tuple] = []
        self.stats = {"rows_read": 0, "rows_outside_years": 0, "rows_notation": 0}

    def add(self, fc: FileCube) -> None:
        a, m = fc.arrays, fc.meta
        vals = m["values"]
        maps = {c: np.array([self.books[c].code(x) for x in vals[c]], np.int64) for c in _COLS}
        for c in _COLS:
            if len(self.books[c]) > LIMITS[c]:
                raise ValidationError(f"too many distinct {c} values ({len(self.books[c])}); at most {LIMITS[c]} are supported")
        ent = np.zeros(len(vals["entity"]) + 1, np.int64)
        ent[1:] = [self.books["entity"].code(x) + 1 for x in vals["entity"]]
        if fc.n_cells:
            k1 = pack_keys(a["year"].astype(np.int64), *(maps[c][a[c]] for c in _COLS))
            k2 = ent[a["entity"]]
            self.parts.append((k1, k2, a["sums"], a["counts"]))
            self.bounds.append((sort_key(fc, 0), sort_key(fc, fc.n_cells - 1)) if m.get("sorted") else None)
        for y, r, s, act, k in zip(a["nk_year"], a["nk_region"], a["nk_sector"], a["nk_activity"], a["nk_key"]):
            self.notation.append((int(y), vals["region"][r], vals["sector"][s], vals["activity"][act], vals["notation_key"][k]))
        t = m["tally"]
        self.tally._merge(t["units"], t["sums"], t["rows"])
        for k in self.stats:
            self.stats[k] += int(m[k])

    def fold(self) -> None:
        """Add up the files added so far into one part (their cells, sorted), while the next file is
        awaited: a later :meth:`finalize` adds the files after them to it in input order, which is
        the same addition, cell by cell, as adding every file there. Nothing is done for fewer than
        two parts, or when a part's cells are not known to be sorted."""
        if len(self.parts) < 2 or any(b is None for b in self.bounds):
            return
        k1, k2, sums, counts, order = merge_sorted(self.parts, self.books, self.keep_entity, self.bounds)
        if not (order.shape[0] == 0 or (order[0] == 0 and np.all(order[1:] > order[:-1]))):
            k1, k2, sums, counts = k1[order], k2[order], sums[order], counts[order]
        self.parts = [(k1, k2, sums, counts)]
        self.bounds = [(min(b[0] for b in self.bounds), max(b[1] for b in self.bounds))]

    def finalize(self) -> tuple[Cube, InputTally]:
        k1, k2, sums, counts, order = merge_sorted(self.parts, self.books, self.keep_entity, self.bounds)
        codes: dict = {}
        cells = cells_frame(k1, k2, sums, counts, self.books, self.keep_entity, order, codes=codes)
        notation = notation_frame(self.notation)
        return Cube(cells=cells, notation=notation, stats={**self.stats, "cube_cells": cells.height}, codes=codes or None), self.tally
