"""Deterministic group sums: sort by the keys, then add with ``numpy.add.reduceat``.

Floating-point sums depend on the order of the terms; a hash group-by may add them in a
different order from run to run. Sorting first (a stable sort on the key columns) fixes the
order, so the same input gives the same bytes.

Keys are handled as small integer codes (:func:`encode`: each string column through its sorted
distinct values), packed into one int64 where they fit, so sorting and grouping are numpy work on
integers, never comparisons of strings row by row.
"""

from __future__ import annotations

import sys

import numpy as np
import polars as pl

__all__ = ["sum_by", "hash_codes", "group_sum", "group_sum_codes", "sort_order", "sort_stable", "encode", "encode_shared",
           "narrow_codes", "compact_codes", "dense_ids",
           "inverse", "per_distinct", "rank_codes", "combine_codes", "argsort_stable", "lex_order", "sorted_groups", "sorted_sums",
           "first_rows"]


_SMALL_ENCODE = 8192  # rows: encoded in Python, longer columns by an Enum cast (see encode)


def encode(col: pl.Series) -> tuple[list, np.ndarray]:
    """(sorted distinct non-null values, int64 code per row): the code is the value's position
    in the sorted list, nulls get ``len(values)`` (they sort last). Strings sort in code-point
    order (= UTF-8 byte order = polars' String order).

    Up to :data:`_SMALL_ENCODE` rows the codes come from a Python dictionary over the distinct values
    (the same values and codes), chosen by the column's length alone: a district run encodes ~70
    columns of at most a few thousand rows. Longer columns are cast by polars to an Enum of their
    sorted distinct values, whose physical codes are the positions: as quick as
    ``pyarrow.compute.dictionary_encode`` (which this used before), without importing
    ``pyarrow.compute`` (about 0.04 s of CPU: its 286 function wrappers), which no other part of a
    compile needs; when the hashes of their few distinct values tell them apart, through the hashes instead
    (:func:`hash_codes`: the same values and codes)."""
    if col.len() <= _SMALL_ENCODE:
        return _encode_small(col)
    s = col.cast(pl.String)
    distinct = s.unique()
    got = hash_codes(s, distinct)  # few distinct values: through their hashes, about half the CPU
    if got is not None:
        return got
    values = sorted(distinct.drop_nulls().to_list())
    codes = s.cast(pl.Enum(values)).to_physical()
    if codes.null_count():
        codes = codes.fill_null(len(values))
    return values, codes.cast(pl.Int64).to_numpy()


_HASH_BITS = 16  # bits of a text's hash that index the lookup table of hash_codes (65,536 entries)


def hash_codes(col: pl.Series, distinct: pl.Series | None = None) -> tuple[list[str], np.ndarray] | None:
    """:func:`encode` of a text column — (sorted distinct non-null values, int64 code per row: the value's position,
    nulls ``len(values)``) — found through polars' hash of each row's text instead of a cast to an Enum (about half
    the CPU at 1.6 M rows): :func:`encode`'s way for a long column of few distinct values. The distinct values are
    the column's own (``unique``); when their hashes differ in 16 bits of the hash (some window of them), those bits
    name each row's value exactly — a row's hash is its value's — and a table of the 65,536 possible bits gives each
    row its code. None when no window tells the distinct values apart (many distinct values: the caller codes them
    another way).

    Parameters
    ----------
    col : polars.Series
        A String column.
    distinct : polars.Series, optional
        ``col.unique()``, when the caller has it.

    Returns
    -------
    (list of str, numpy.ndarray) or None
        The sorted distinct non-null values and the code per row, the same as ``encode``'s; None as said.
    """
    if col.dtype != pl.String:
        return None
    if distinct is None:
        distinct = col.unique()
    if distinct.len() > 1 << (_HASH_BITS // 2 - 1):  # too many for 16 bits to tell apart, most likely
        return None
    dh = distinct.hash().to_numpy()
    mask = (1 << _HASH_BITS) - 1
    for shift in range(0, 64 - _HASH_BITS + 1, _HASH_BITS):
        db = (dh >> np.uint64(shift)) & np.uint64(mask)
        if np.unique(db).size == db.size:  # the distinct values' bits all differ
            break
    else:
        return None
    vals = distinct.to_list()
    values = sorted(v for v in vals if v is not None)
    at = {v: i for i, v in enumerate(values)}
    table = np.full(mask + 1, -1, np.int64)
    table[db.astype(np.int64)] = [len(values) if v is None else at[v] for v in vals]
    h = col.hash().to_numpy()
    if _HASH_BITS == 16 and sys.byteorder == "little" and h.dtype == np.uint64 and h.flags.c_contiguous:  # the window in place:
        codes = table[h.view(np.uint16)[shift // _HASH_BITS::4]]  # 16-bit words, the lowest first
    else:
        codes = table[((h >> np.uint64(shift)) & np.uint64(mask)).astype(np.int64)]
    if codes.size and int(codes.min()) < 0:  # a row's hash not its value's: never, but never a wrong code either
        return None
    return values, codes


def _encode_small(col: pl.Series) -> tuple[list, np.ndarray]:
    """:func:`encode` of a short column, in Python: Python's ``str`` order is code-point order too."""
    vals = col.cast(pl.String).to_list()
    values = sorted(set(vals).difference((None,)))
    code = {v: i for i, v in enumerate(values)}
    code[None] = len(values)
    return values, np.fromiter(map(code.__getitem__, vals), np.int64, len(vals))


def narrow_codes(values: list, codes: np.ndarray) -> np.ndarray:
    """:func:`encode`'s ``codes`` in the smallest unsigned integer type that holds them.

    A code is at most ``len(values)`` (the null code), so a column of at most 255 distinct values takes one
    byte a row and one of at most 65,535 two, instead of eight: the same codes, so the same groups, order
    and sums wherever they are used (the inventory's key codes the reports keep, the recalculation's key
    columns held side by side).

    Parameters
    ----------
    values : list
        The sorted distinct non-null values (:func:`encode`'s first item).
    codes : numpy.ndarray
        int, the code per row (:func:`encode`'s second item).

    Returns
    -------
    numpy.ndarray
        The same codes, as ``uint8``, ``uint16``, ``uint32`` or ``uint64``.

    Examples
    --------
    >>> narrow_codes(["a", "b"], np.array([0, 2, 1])).dtype
    dtype('uint8')
    """
    return codes.astype(np.min_scalar_type(len(values)))


def compact_codes(values: list, codes: np.ndarray) -> tuple[list, np.ndarray]:
    """:func:`encode` of the column ``[values[c] for c in codes]`` (code ``len(values)`` for null), from the codes,
    without its strings: ``values`` (distinct, non-null, in any order) cut to those present and sorted, each code
    renumbered to its value's position among them.

    Parameters
    ----------
    values : list of str
        Distinct non-null values, in any order.
    codes : numpy.ndarray
        int, per row a position in ``values``, or ``len(values)`` for null.

    Returns
    -------
    values : list of str
        The values present, sorted (code-point order).
    codes : numpy.ndarray
        int64, per row its value's position among them, ``len(values)`` (of those) for null.
    """
    used = np.flatnonzero(np.bincount(codes, minlength=len(values) + 1)[:len(values)])
    vals = sorted(values[i] for i in used.tolist())
    at = {v: i for i, v in enumerate(vals)}
    table = np.full(len(values) + 1, len(vals), np.int64)
    table[used] = [at[values[i]] for i in used.tolist()]
    return vals, table[codes]


def encode_shared(cols: list[pl.Series]) -> list[np.ndarray]:
    """Codes of several columns on one shared sorted vocabulary (equal strings, equal codes;
    nulls get the code after the last value): each column is encoded on its own, then its few
    distinct values are mapped onto the union."""
    parts = [encode(c) for c in cols]
    vocab = sorted(set().union(*(v for v, _ in parts)))
    at = {v: i for i, v in enumerate(vocab)}
    return [np.array([at[v] for v in vals] + [len(vocab)], np.int64)[codes] for vals, codes in parts]


def rank_codes(col: pl.Series) -> np.ndarray:
    """int64 codes whose order is the column's sort order (nulls last)."""
    if col.dtype in (pl.String, pl.Categorical, pl.Enum):
        return encode(col)[1]
    if col.dtype.is_integer() or col.dtype == pl.Boolean:
        codes = col.cast(pl.Int64)
        if codes.null_count():
            codes = codes.fill_null(int(codes.max()) + 1 if codes.len() > codes.null_count() else 0)
        return codes.to_numpy()
    return col.rank("dense").fill_null(col.len() + 1).cast(pl.Int64).to_numpy()


def sort_order(df: pl.DataFrame, keys: list[str]) -> np.ndarray:
    """Stable permutation that sorts ``df`` by ``keys`` ascending, nulls last.

    The same order as ``df.sort(keys, nulls_last=True, maintain_order=True)``, computed on small
    integer codes (each string column through its sorted distinct values) with a numpy sort:
    much faster than sorting rows by several string columns.
    """
    return lex_order([rank_codes(df[k]) for k in keys]) if df.height else np.zeros(0, np.int64)


def combine_codes(codes: list[np.ndarray]) -> np.ndarray | None:
    """One int64 per row whose order is the lexicographic order of ``codes``; None when the
    key spans do not fit in 62 bits."""
    combined = np.zeros(codes[0].shape[0], np.int64)
    room = 1
    for c in codes:
        lo = int(c.min()) if c.size else 0
        span = int(c.max()) - lo + 1 if c.size else 1
        room *= span
        if room >= 1 << 62:  # too wide for one int64 key
            return None
        combined *= span
        combined += c - lo if lo else c
    return combined


def argsort_stable(combined: np.ndarray) -> np.ndarray:
    """``np.argsort(combined, kind="stable")`` of non-negative keys (:func:`combine_codes`'s), the same permutation: keys
    below 2**16 as uint16 (numpy sorts 16-bit keys stably by radix, about 4x faster than its timsort of int64 at a
    million rows), keys below 2**32 in two such passes (low 16 bits, then high 16 bits stably: a least-significant-
    digit radix sort), wider keys as they are."""
    top = int(combined.max()) if combined.size else 0
    if top < 1 << 16:
        return np.argsort(combined.astype(np.uint16), kind="stable")
    if top < 1 << 32:
        order = np.argsort((combined & 0xFFFF).astype(np.uint16), kind="stable")
        return order[np.argsort((combined[order] >> 16).astype(np.uint16), kind="stable")]
    return np.argsort(combined, kind="stable")


def sorted_sums(key: np.ndarray, columns, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Group sums over one integer key per row: the rows in the key's stable order, where each group starts in it, and
    each column's sums per group, its rows added in table order (``np.add.reduceat``), groups in key order.

    Parameters
    ----------
    key : numpy.ndarray
        int, non-negative, one per row summed (:func:`combine_codes`'s).
    columns : iterable of numpy.ndarray
        float, one value per row summed (per row of the table with ``rows``); taken one at a time (a generator keeps
        one column in memory at once).
    rows : numpy.ndarray, optional
        int, the rows of the table that ``key`` is of, in table order; each column is then gathered once, in the
        key's order.

    Returns
    -------
    order : numpy.ndarray
        Positions in ``key`` in its stable order (:func:`argsort_stable`); ``rows[order]`` are the table's rows.
    starts : numpy.ndarray
        int64, the position in ``order`` where each group starts.
    sums : list of numpy.ndarray
        Per column, its sum per group.
    """
    if key.size == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, [np.zeros(0) for _ in columns]
    order = argsort_stable(key)
    k = key[order]
    starts = np.flatnonzero(np.concatenate([[True], k[1:] != k[:-1]]))
    at = order if rows is None else rows[order]
    return order, starts, [np.add.reduceat(c[at], starts) for c in columns]


def lex_order(codes: list[np.ndarray]) -> np.ndarray:
    """Stable lexicographic order of rows given per-key codes."""
    combined = combine_codes(codes)
    if combined is None:
        return np.lexsort(codes[::-1])
    return argsort_stable(combined)


def sorted_groups(codes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(stable sort order of the rows, True where a row in that order starts a new key tuple)."""
    n = codes[0].shape[0]
    combined = combine_codes(codes)
    change = np.zeros(n, bool)
    change[:1] = True
    if combined is None:
        order = np.lexsort(codes[::-1])
        for c in codes:
            c = c[order]
            change[1:] |= c[1:] != c[:-1]
    else:
        order = argsort_stable(combined)
        c = combined[order]
        change[1:] = c[1:] != c[:-1]
    return order, change


def first_rows(codes: np.ndarray, n_codes: int) -> np.ndarray:
    """The first row of each code.

    Parameters
    ----------
    codes : numpy.ndarray
        An integer code (0 … ``n_codes`` - 1) per row.
    n_codes : int
        The number of codes.

    Returns
    -------
    numpy.ndarray
        int64, per code its first row; ``codes.size`` for a code no row has.
    """
    first = np.full(n_codes, codes.size, np.int64)
    np.minimum.at(first, codes, np.arange(codes.size))
    return first


def dense_ids(codes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct key tuples in sorted order: ``(id per row, first row of each id)``.

    ``first`` lists, for id 0, 1, …, the first row (in input order) holding that key tuple.
    """
    order, change = sorted_groups(codes)
    ids = np.empty(order.shape[0], np.int64)
    ids[order] = np.cumsum(change) - 1
    return ids, order[change]


def inverse(perm: np.ndarray) -> np.ndarray:
    """The inverse permutation: where each row of the input went in ``df[perm]``."""
    inv = np.empty(perm.size, np.int64)
    inv[perm] = np.arange(perm.size)
    return inv


def sort_stable(df: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """``df`` sorted by ``keys`` (ascending, nulls last, ties in their input order)."""
    return df[sort_order(df, keys)] if df.height > 1 else df


def group_sum(df: pl.DataFrame, keys: list[str], values: list[str]) -> pl.DataFrame:
    """Sum ``values`` per distinct ``keys``; result sorted by ``keys`` (nulls last)."""
    if df.height == 0:
        return df.select(keys + values).clear()
    return group_sum_codes(df, keys, values, [rank_codes(df[k]) for k in keys])[0]


def sum_by(frame: pl.LazyFrame | pl.DataFrame, keys: list, values: list, maintain_order: bool = False) -> pl.DataFrame:
    """``values`` summed per distinct ``keys``, each group's rows in the frame's row order (``numpy.add.reduceat`` over
    them: a fixed order of operations): the same input gives the same bits on every call.

    What ``frame.group_by(keys, maintain_order=...).agg(pl.col(values).sum())`` computes, except for the order of
    the additions: polars' group-by sum adds a group's partial sums in an order that can change from one call to
    the next (the last bit of a float differs), on a frame of a thousand rows and more, or any lazy frame, even on
    one thread. Here the key columns are sorted stably (:func:`group_sum`) and each group is added with
    ``numpy.add.reduceat``. For a root of summed squares, sum the squares here and take the root after.

    Parameters
    ----------
    frame : polars.LazyFrame or polars.DataFrame
        The rows; a lazy frame is collected (only the columns of ``keys`` and ``values``).
    keys : str, polars.Expr or list of them
        The grouping columns (at least one), each a column name or a named expression.
    values : str, polars.Expr or list of them
        The columns summed, each a column name or a named expression; cast to float64, an empty (null) value
        adds nothing (as in polars' sum: a group of nulls sums to 0.0).
    maintain_order : bool, default False
        False: the groups sorted by the keys (ascending, nulls last); True: in the order of their first row,
        as polars' ``group_by(..., maintain_order=True)`` gives them.

    Returns
    -------
    polars.DataFrame
        One row per distinct key tuple: the key columns (types kept, each from the group's first row) and the
        sums (float64) under their names.

    Raises
    ------
    ValueError
        No key column.
    polars.exceptions.ColumnNotFoundError
        A key or value names a column the frame does not have.

    Examples
    --------
    >>> import polars as pl, ghginv
    >>> em = pl.scan_parquet("out/demo/emissions.parquet")                          # doctest: +SKIP
    >>> ghginv.sum_by(em.filter(pl.col("scope") == "direct"), ["year", "region"], ["co2e_t"])  # doctest: +SKIP
    """
    keys = [keys] if isinstance(keys, (str, pl.Expr)) else list(keys)
    values = [values] if isinstance(values, (str, pl.Expr)) else list(values)
    if not keys:
        raise ValueError("sum_by needs at least one key column to group by (for a total of every row, sum the column)")
    df = frame.select(*keys, *values)
    if isinstance(df, pl.LazyFrame):
        df = df.collect()
    key_names, names = df.columns[:len(keys)], df.columns[len(keys):]
    df = df.with_columns(pl.col(names).cast(pl.Float64).fill_null(0.0))  # as polars' sum: an empty value adds nothing
    if df.height == 0:
        return df.clear()
    sums, first = group_sum_codes(df, key_names, names, [rank_codes(df[k]) for k in key_names])
    return sums[np.argsort(first, kind="stable")] if maintain_order and sums.height > 1 else sums


def group_sum_codes(df: pl.DataFrame, keys: list[str], values: list[str], codes: list[np.ndarray],
                    rows: np.ndarray | None = None) -> tuple[pl.DataFrame, np.ndarray]:
    """:func:`group_sum` with the groups given as integer codes: ``(sums, first)``.

    Parameters
    ----------
    df : polars.DataFrame
        The table.
    keys : list of str
        The columns the sums keep, each from its group's first row (in sorted order).
    values : list of str
        The columns summed (float64, each group's rows added in table order).
    codes : list of numpy.ndarray
        int, one code per row of ``df`` (per row of ``rows`` when given) for each grouping column, whose
        order is the column's sort order (nulls last): the groups and their order.
    rows : numpy.ndarray, optional
        int, the rows of ``df`` to sum (default every row), in table order.

    Returns
    -------
    sums : polars.DataFrame
        ``keys`` and the summed ``values``, one row per group, sorted by the codes.
    first : numpy.ndarray
        int64, the row of ``df`` each group's keys come from.
    """
    # first row of each group (in sorted order): where any code differs from the previous row
    order, change = sorted_groups(codes)
    starts = np.nonzero(change)[0]
    at = order if rows is None else rows[order]
    first = at[starts]
    sums = [pl.Series(v, np.add.reduceat(df[v].to_numpy()[at], starts), dtype=pl.Float64) for v in values]
    return df.select(keys)[first].with_columns(sums), first


def per_distinct(col: pl.Series, fn, dtype=pl.String) -> pl.Expr:
    """``fn`` of each value of column ``col`` (null stays null), called once per distinct value
    instead of once per row: what ``pl.col(name).map_elements(fn, return_dtype=dtype)`` gives, at
    the cost of the distinct values (an IPCC code is asked ``categories.under`` a few hundred times
    instead of once per emission row).

    Parameters
    ----------
    col : polars.Series
        The column, as in the frame the expression is used on (its name is the column's).
    fn : callable
        Value -> result.
    dtype : polars.DataType, default String
        Type of the results.

    Returns
    -------
    polars.Expr
        The column with each value replaced by ``fn(value)``.
    """
    keys = col.drop_nulls().unique().sort().to_list()
    return pl.col(col.name).replace_strict(keys, [fn(k) for k in keys], default=None, return_dtype=dtype)
