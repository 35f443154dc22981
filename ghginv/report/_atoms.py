"""The emission rows as *atoms*: one per distinct (year, sector, gas, scope, activity), with the atom of each row.

Three tables of the reports group the emission rows by functions of these columns — the report's
level-3 groups (:meth:`ghginv.report.data.ReportData.by_group`), the five-sector sheet
(:func:`ghginv.report.xlsx.provincial_table`) and the provincial tables' atoms of (year, sector, gas,
scope, fuel class) (:mod:`ghginv.report.provincial`) — and each used to hash or encode the text
columns of every emission row again (850 k rows at 10 M activity rows over 2,000 regions). The
atoms are found once per run's reports (:func:`emission_atoms`, kept by
:meth:`ghginv.report.data.ReportData.emission_atoms` and passed to the tables: the text columns as
integer codes, one int64 key per row), and each table maps its few hundred to few thousand atoms in Python and
the rows through a numpy lookup: the same group codes per row as before, so the same groups, order
and sums (the same bits). The level-3 groups and the five-sector sheet are summed from the atoms' keys
(:meth:`Atoms.group_sum`: one stable sort of a small integer per row, no key column built per row).
A text column is coded through polars' hash of each text when the hashes tell its few distinct values
apart (:func:`ghginv.core._frames.hash_codes`), else through a categorical cast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ..core._frames import first_rows, hash_codes, sorted_sums

__all__ = ["Atoms", "emission_atoms", "frame_atoms", "MIN_ROWS", "ATOM_COLUMNS"]

ATOM_COLUMNS = ("year", "sector", "gas", "scope", "activity")  # ``activity`` optional
# rows from which a frame is grouped through its atoms; shorter frames: grouped as before (measured: about even
# at a few thousand rows, 20 % less CPU at 10,000)
MIN_ROWS = 10_000


@dataclass(frozen=True)
class Atoms:
    """The atoms of an emission frame.

    Attributes
    ----------
    table : polars.DataFrame
        One row per atom, in the order of their first row in the frame: the columns of
        :data:`ATOM_COLUMNS` the frame has, with the frame's types.
    ids : numpy.ndarray
        int64, the atom of each row of the frame (``0 .. table.height - 1``).
    """

    table: pl.DataFrame
    ids: np.ndarray

    def rows_of(self, per_atom: np.ndarray) -> np.ndarray:
        """A value per atom taken to every row of the frame.

        Parameters
        ----------
        per_atom : numpy.ndarray
            One value per atom (``table.height``).

        Returns
        -------
        numpy.ndarray
            ``per_atom[ids]``: one value per row.
        """
        return per_atom[self.ids]

    def codes(self, name: str, per_atom: list, atoms: np.ndarray | None = None) -> pl.Series:
        """An integer code per atom (None: null) taken to every row of the frame, or to the rows of ``atoms``.

        Parameters
        ----------
        name : str
            The series' name.
        per_atom : list of int or None
            One non-negative code (or None) per atom.
        atoms : numpy.ndarray, optional
            The atom of each row wanted (default :attr:`ids`: every row of the frame).

        Returns
        -------
        polars.Series
            Int64, one code per row, null where the row's atom has None.
        """
        arr = np.array([-1 if v is None else v for v in per_atom], np.int64)
        s = pl.Series(name, arr[self.ids if atoms is None else atoms], dtype=pl.Int64)
        if (arr < 0).any():
            s = pl.select(pl.when(s >= 0).then(s)).to_series().alias(name)
        return s

    def group_sum(self, frame: pl.DataFrame, keys: list[tuple[str, list, pl.DataType]], values: list[str],
                  rows: pl.Series | None = None, atoms: np.ndarray | None = None) -> pl.DataFrame:
        """:func:`ghginv.core._frames.group_sum` of the frame's rows by keys that are functions of their atom, from the
        atoms' keys: one sort of an integer per row (its atom's rank among the groups), no key column per row built or
        encoded. The same groups in the same order (the keys' sort order, nulls last), each group's rows added in table
        order (the same permutation: a stable sort on a key of the same order), so the same frame, to the bit.

        Parameters
        ----------
        frame : polars.DataFrame
            The frame of the atoms (one row per entry of :attr:`ids`), with the ``values`` columns.
        keys : list of (str, list, polars.DataType)
            Each group column: its name, its value per atom (sortable Python values or None) and its type.
        values : list of str
            The columns summed (float64).
        rows : polars.Series, optional
            Boolean per row: the rows summed (null: left out); default every row.
        atoms : numpy.ndarray, optional
            Boolean per atom: the atoms whose rows are summed; default every atom.

        Returns
        -------
        polars.DataFrame
            The keys and the summed values, one row per group, sorted by the keys (nulls last).
        """
        key = np.zeros(self.table.height, np.int64)
        per_key = []
        for _, vals, _ in keys:  # each key's rank per atom (nulls after every value), packed in mixed radix
            distinct = sorted({v for v in vals if v is not None})
            rank = {v: i for i, v in enumerate(distinct)}
            key = key * (len(distinct) + 1) + np.array([len(distinct) if v is None else rank[v] for v in vals], np.int64)
            per_key.append(vals)
        # each row's key (its atom's), -1 for an atom left out: one lookup per row
        room = int(key.max()) + 1 if key.size else 1
        if atoms is not None:
            key = np.where(atoms, key, -1)
        small = np.int16 if room < 1 << 15 else np.int32 if room < 1 << 31 else np.int64
        k = key.astype(small)[self.ids]
        take = k >= 0
        if rows is not None:
            take &= rows.fill_null(False).to_numpy()
        at = np.flatnonzero(take)
        order, starts, sums = sorted_sums(k[at], (frame[v].to_numpy() for v in values), rows=at)
        first = self.ids[at[order[starts]]].tolist()
        cols = [pl.Series(name, [per_key[j][a] for a in first], dtype=dtype) for j, (name, _, dtype) in enumerate(keys)]
        cols += [pl.Series(v, s, dtype=pl.Float64) for v, s in zip(values, sums)]
        return pl.DataFrame(cols)


def emission_atoms(emissions: pl.DataFrame, min_rows: int | None = None) -> Atoms | None:
    """The atoms of an emission frame (:meth:`ghginv.report.data.ReportData.emission_atoms` keeps them for a run's reports).

    Parameters
    ----------
    emissions : polars.DataFrame
        Emission rows with ``year`` (integer), ``sector``, ``gas``, ``scope`` and optionally
        ``activity`` (text).
    min_rows : int, optional
        Frames with fewer rows return None; default :data:`MIN_ROWS` (10,000).

    Returns
    -------
    Atoms or None
        None when the frame is shorter than ``min_rows``, lacks one of the columns, has one of another
        type, or its codes do not fit one int64 key: the caller groups the rows as it did before.
    """
    if emissions.height < (MIN_ROWS if min_rows is None else min_rows):
        return None
    cols = [c for c in ATOM_COLUMNS if c in emissions.columns]
    return frame_atoms(emissions, cols) if len(cols) >= len(ATOM_COLUMNS) - ("activity" not in cols) else None


def frame_atoms(df: pl.DataFrame, cols: list[str]) -> Atoms | None:
    """The atoms of any frame: one per distinct value of ``cols`` (text or integer columns), in the order of their first
    row, and the atom of each row.

    A text column's codes are :func:`ghginv.core._frames.hash_codes`' when its hashes tell its values apart, else its categorical codes
    (in no particular order): only equal values share a code either way, so the same atoms.

    Parameters
    ----------
    df : polars.DataFrame
        The rows.
    cols : list of str
        Columns of ``df``, each text (String) or an integer type.

    Returns
    -------
    Atoms or None
        None when the frame is empty, a column is missing or of another type, or the codes do not fit one int64 key.
    """
    if df.height == 0 or any(c not in df.columns for c in cols):
        return None
    schema = df.schema
    if any(not (schema[c] == pl.String or schema[c].is_integer()) for c in cols):
        return None
    key = np.zeros(df.height, np.int64)
    room = 1
    for c in cols:  # one column's codes at a time, packed into the key before the next
        got = hash_codes(df[c]) if schema[c] == pl.String else None
        if got is not None:  # the positions of the values present (null after them): dense already, as they are
            x = got[1]
            span = int(x.max()) + 1
            room *= span
            if room >= 1 << 62:
                return None
            key *= span
            key += x
            continue
        # integer codes of the distinct texts (categorical: in no particular order), or the integers themselves
        col = df[c].cast(pl.Categorical).to_physical() if schema[c] == pl.String else df[c]
        nulls = col.null_count()
        x = (col.fill_null(0) if nulls else col).to_numpy().astype(np.int64)  # a copy: written below
        x -= int(x.min())
        top = int(x.max())
        if top >= 1 << 26:
            return None
        if nulls:  # null: a code of its own
            top += 1
            x[col.is_null().to_numpy()] = top
        # the codes made dense (a text column's codes may be sparse: the categories are shared by the process)
        seen = np.zeros(top + 1, np.int64)
        seen[x] = 1
        dense = np.cumsum(seen) - 1
        span = int(dense[-1]) + 1
        room *= span
        if room >= 1 << 62:
            return None
        key *= span
        key += dense[x]
    # each distinct key once, in the order of its first row; then every row's position among them
    if room <= max(key.size, 1 << 16):  # keys that index a table no longer than the frame: numpy lookups, no hashing
        first = first_rows(key, room)  # the first row of each key
        present = np.flatnonzero(first < key.size)
        uniq = present[np.argsort(first[present], kind="stable")]  # in the order of their first row
        at = np.empty(room, np.int64)
        at[uniq] = np.arange(uniq.size)
        return Atoms(df.select(cols)[first[uniq]], at[key])
    firsts = (pl.DataFrame({"k": key}).with_row_index("i").group_by("k", maintain_order=True)
              .agg(pl.col("i").first()))
    uniq = firsts["k"].to_numpy()
    by_key = np.argsort(uniq, kind="stable")
    ids = by_key[np.searchsorted(uniq[by_key], key)]
    table = df.select(cols)[firsts["i"].to_numpy()]
    return Atoms(table, ids.astype(np.int64, copy=False))
