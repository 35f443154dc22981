"""The precedence queries of ``ghginv/factors/sql/resolve.sql`` and ``resolve_sinks.sql`` in numpy, for small inputs.

A district run asks three small queries (the emissions' cells, the reference approach's fuels, the
sink strata: a few hundred cells against a few hundred rules), and DuckDB costs about 0.15 s of CPU
to import and open before the first of them, plus 20–30 ms of planning each: a tenth of the run for
a few thousand comparisons. Up to :data:`SMALL_PAIRS` (cell, rule) pairs that share an activity (a
parameter), and when no key the queries compare is null, the same rows come from here; a larger
input, or one with nulls, goes to DuckDB. The choice depends on the input alone. Every pair is met
with whole-array numpy (the pairs of a cell's activity by a repeat, the patterns asked once per
distinct value and pattern, the winners of each group by one sort): about 0.2 µs a pair, a tenth of
loops over the pairs in Python.

The rules are those of the SQL files, read literally (their comments explain them): a rule matches a
cell of its activity (parameter) when its sector (stratum) and region patterns match and the cell's
year lies in its years (or always, with the year fallback); among the matches of one (cell, set,
kind, key) — (cell, parameter, set) for sinks — the rows that come first by (distance, factor year,
sector or stratum specificity descending, region specificity descending) win; one row per group
with the smallest and largest winning rule id and their number (``n_tied``), sorted as the SQL
sorts (strings by code point, as DuckDB's binary collation).
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

__all__ = ["SMALL_PAIRS", "resolve_rows", "sink_rows"]

# (cell, rule) pairs of the same activity or parameter: at most this many, here. numpy takes about 0.2 µs
# of CPU a pair (the 2,138 classes of cells of the 1 M and 10 M-row benchmarks, 50 k pairs: 5 ms; Python
# loops took 0.04 s), DuckDB's import, opening and first query 0.13-0.16 s in a fresh process: numpy costs
# less up to about 500 k pairs, and holds about 100 bytes a pair while it runs
SMALL_PAIRS = 500_000

_OUT = {"factor_year": pl.Int32, "distance": pl.Int32, "rule_id": pl.Int64, "other_rule_id": pl.Int64, "n_tied": pl.Int64}


def _column(table: pa.Table, name: str) -> np.ndarray | list:
    """A column of ``table``: int64 numpy array for an integer column, else a Python list."""
    col = table.column(name)
    if pa.types.is_integer(col.type):
        return np.asarray(col.to_numpy(), np.int64) if len(col) else np.zeros(0, np.int64)
    return col.to_pylist()


def _columns(table: pa.Table, names: list[str], nullable: tuple[str, ...] = ()) -> list | None:
    """The columns ``names`` of ``table`` (:func:`_column`), or None when one of them has a null
    (except the ``nullable`` ones: patterns, which a null simply fails to match, as in SQL)."""
    cols = [table.column(n) for n in names]
    if any(c.null_count for n, c in zip(names, cols) if n not in nullable):
        return None
    return [_column(table, n) for n in names]


def _region_hit(region: str, spec: int, prefix: str | None) -> bool:
    """resolve.sql's region condition: any (0), exact (1000), or a prefix (1..999)."""
    if spec == 0:
        return True
    if prefix is None:
        return False
    if spec == 1000:
        return region == prefix
    return 1 <= spec <= 999 and region.startswith(prefix)


def _sector_hit(sector: str, spec: int, prefix: str | None) -> bool:
    """resolve.sql's sector condition: any (0), exact (1000), or the code and its sub-codes (1..999)."""
    if spec == 0:
        return True
    if prefix is None:
        return False
    if spec == 1000:
        return sector == prefix
    return 1 <= spec <= 999 and (sector == prefix or sector.startswith(prefix + "."))


def _stratum_hit(stratum: str, spec: int, rule_stratum: str | None) -> bool:
    """resolve_sinks.sql's stratum condition: any (0), else the same stratum."""
    return spec == 0 or stratum == rule_stratum


def _codes(values: list, at: dict | None = None) -> tuple[dict, np.ndarray]:
    """(value -> code, int64 code per value) in the order values are first met (``at``: codes given
    so far, extended)."""
    at = {} if at is None else at
    for v in dict.fromkeys(values):  # the distinct values in the order met (a Python loop over those only)
        at.setdefault(v, len(at))
    return at, np.fromiter(map(at.__getitem__, values), np.int64, len(values))


def _hits(cell_vals: list, cell_code: np.ndarray, rule_pats: list, rule_code: np.ndarray, hit) -> np.ndarray:
    """``hit(value, *pattern)`` of each pair (a cell's value by its code ``cell_code``, a rule's pattern
    by ``rule_code``), asked once per distinct (value, pattern) met: a table over every value and pattern
    when it is no larger than the pairs, else over the distinct combinations of the pairs."""
    nv, npat = len(cell_vals), len(rule_pats)
    if nv * npat <= max(cell_code.size, 64):
        table = np.array([hit(v, *p) for v in cell_vals for p in rule_pats] or [False], bool)
        return table[cell_code * npat + rule_code]
    combo = cell_code * npat + rule_code
    uniq, inv = np.unique(combo, return_inverse=True)
    return np.array([hit(cell_vals[c // npat], *rule_pats[c % npat]) for c in uniq.tolist()], bool)[inv]


def _ranks(values: list) -> tuple[list, np.ndarray]:
    """(the sorted distinct values, the rank of each of ``values`` among them: int64)."""
    vocab = sorted(set(values))
    at = {v: i for i, v in enumerate(vocab)}
    return vocab, np.fromiter(map(at.__getitem__, values), np.int64, len(values))


def _winners(cells, rules, fallback: bool, sub_hit, group) -> tuple | None:
    """The winning rows per group, in the order of the group keys.

    ``cells``: columns (cell_id, year, region, sub value, join key); ``rules``: columns (rule_id,
    set_rank, join key, sub spec, sub pattern, region spec, region prefix, year_from, year_to, …),
    as :func:`_columns` gives them; ``group(ci, ri)``: the group key of the matching pairs (cell rows
    ``ci``, rule rows ``ri``) as a list of int64 rank arrays, most significant first.

    A rule matches a cell of its join key when its sub pattern (``sub_hit``) and region pattern
    match and the cell's year lies in its years (always, with ``fallback``); among the matches of a
    group the pairs first by (distance, factor year, sub spec descending, region spec descending)
    win. Returns ``(ci, ri, first, factor_year, distance, min rule, max rule, n)``: the matching pairs'
    cell and rule rows, and per group (sorted by its key) the position among them of a winner and its values; None
    when the pairs to compare are more than :data:`SMALL_PAIRS`. Every pair is met with whole-array
    numpy, the patterns asked once per distinct (value, pattern)."""
    c_id, c_year, c_region, c_sub, c_join = cells
    r_id, _, r_join, r_sspec, r_spat, r_rspec, r_rpre, r_yf, r_yt = rules[:9]
    at, cj = _codes(c_join)
    n_known = len(at)
    at, rj = _codes(r_join, at)
    order = np.argsort(rj, kind="stable")  # the rules of each join key together
    count = np.bincount(rj, minlength=len(at))
    start = np.zeros(len(at) + 1, np.int64)
    np.cumsum(count, out=start[1:])
    rep = count[cj] if n_known else np.zeros(cj.size, np.int64)
    if int(rep.sum()) > SMALL_PAIRS:
        return None
    ci = np.repeat(np.arange(cj.size, dtype=np.int64), rep)
    ri = order[np.arange(ci.size, dtype=np.int64) - np.repeat(np.cumsum(rep) - rep - start[cj], rep)]
    year, yf, yt = c_year[ci], r_yf[ri], r_yt[ri]
    keep = np.ones(ci.size, bool) if fallback else (yf <= year) & (year <= yt)
    ci, ri, year, yf, yt = ci[keep], ri[keep], year[keep], yf[keep], yt[keep]
    sub_vals, sub_code = _codes(c_sub)
    spat, spat_code = _codes(list(zip(r_sspec.tolist(), r_spat)))
    reg_vals, reg_code = _codes(c_region)
    rpat, rpat_code = _codes(list(zip(r_rspec.tolist(), r_rpre)))
    keep = _hits(list(sub_vals), sub_code[ci], list(spat), spat_code[ri], sub_hit)
    ci, ri, year, yf, yt = ci[keep], ri[keep], year[keep], yf[keep], yt[keep]
    keep = _hits(list(reg_vals), reg_code[ci], list(rpat), rpat_code[ri], _region_hit)
    ci, ri, year, yf, yt = ci[keep], ri[keep], year[keep], yf[keep], yt[keep]
    factor_year = np.minimum(np.maximum(year, yf), yt)
    distance = np.where(year < yf, yf - year, np.where(year > yt, year - yt, 0))
    keys = group(ci, ri)
    rank = [distance, factor_year, -r_sspec[ri], -r_rspec[ri]]
    srt = np.lexsort([*rank[::-1], *keys[::-1]])  # by group, then the precedence order
    n = srt.size
    new = np.zeros(n, bool)
    new[:1] = True
    for k in keys:
        ks = k[srt]
        new[1:] |= ks[1:] != ks[:-1]
    head = np.flatnonzero(new)
    gid = np.cumsum(new) - 1
    tie = np.ones(n, bool)
    for x in rank:
        xs = x[srt]
        tie &= xs == xs[head][gid]
    tied = srt[tie]  # the winners: a prefix of each group's pairs
    n_tied = np.bincount(gid[tie], minlength=head.size)
    bounds = np.zeros(head.size, np.int64)
    np.cumsum(n_tied[:-1], out=bounds[1:])
    rid = r_id[ri[tied]]
    lo = np.minimum.reduceat(rid, bounds) if rid.size else rid
    hi = np.maximum.reduceat(rid, bounds) if rid.size else rid
    first = srt[head]
    return ci, ri, first, factor_year[first], distance[first], lo, hi, n_tied


def _frame(cols: dict[str, pl.Series], best: tuple) -> pl.DataFrame:
    """The winners as the query's frame: the group's key columns ``cols`` (one value per group, sorted by
    them), then factor_year, distance, rule_id, other_rule_id, n_tied."""
    out = [s for s in cols.values()]
    out += [pl.Series(name, x, dtype) for (name, dtype), x in zip(_OUT.items(), best[3:])]
    return pl.DataFrame(out)


def resolve_rows(cells: pa.Table, rules: pa.Table, fallback: bool) -> pl.DataFrame | None:
    """resolve.sql over ``cells`` and ``rules`` (the tables :func:`ghginv.factors.resolve._run_sql`
    registers), or None when the input is not small or has nulls (then DuckDB answers)."""
    c = _columns(cells, ["cell_id", "year", "region", "sector", "activity"])
    r = _columns(rules, ["rule_id", "set_rank", "activity", "sector_spec", "sector_prefix", "region_spec", "region_prefix",
                         "year_from", "year_to", "kind", "key"], nullable=("sector_prefix", "region_prefix"))
    if c is None or r is None:
        return None
    kinds, kind = _ranks(r[9])
    keys, key = _ranks(r[10])
    best = _winners(c, r, bool(fallback), _sector_hit, lambda ci, ri: [c[0][ci], r[1][ri], kind[ri], key[ri]])
    if best is None:
        return None
    ci, ri, first = best[:3]
    return _frame({"cell_id": pl.Series("cell_id", c[0][ci[first]], pl.Int64), "set_rank": pl.Series("set_rank", r[1][ri[first]], pl.Int32),
                   "kind": pl.Series("kind", kinds, pl.String).gather(kind[ri[first]]),
                   "key": pl.Series("key", keys, pl.String).gather(key[ri[first]])}, best)


def sink_rows(cells: pa.Table, rules: pa.Table, fallback: bool) -> pl.DataFrame | None:
    """resolve_sinks.sql over ``cells`` and ``rules`` (the tables
    :func:`ghginv.factors.sink_params.resolve_sink_parameters` registers), or None when the input is
    not small or has nulls (then DuckDB answers)."""
    c = _columns(cells, ["cell_id", "year", "region", "stratum", "parameter"])
    r = _columns(rules, ["rule_id", "set_rank", "parameter", "stratum_spec", "stratum", "region_spec", "region_prefix",
                         "year_from", "year_to"], nullable=("stratum", "region_prefix"))
    if c is None or r is None:
        return None
    params, param = _ranks(c[4])
    best = _winners(c, r, bool(fallback), _stratum_hit, lambda ci, ri: [c[0][ci], param[ci], r[1][ri]])
    if best is None:
        return None
    ci, ri, first = best[:3]
    return _frame({"cell_id": pl.Series("cell_id", c[0][ci[first]], pl.Int64),
                   "parameter": pl.Series("parameter", params, pl.String).gather(param[ci[first]]),
                   "set_rank": pl.Series("set_rank", r[1][ri[first]], pl.Int32)}, best)
