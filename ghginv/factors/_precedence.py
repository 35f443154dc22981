"""The precedence queries of ``ghginv/factors/sql/resolve.sql`` and ``resolve_sinks.sql`` in Python, for small inputs.

A district run asks three small queries (the emissions' cells, the reference approach's fuels, the
sink strata: a few hundred cells against a few hundred rules), and DuckDB costs about 0.15 s of CPU
to import and open before the first of them, plus 20–30 ms of planning each: a tenth of the run for
a few thousand comparisons. Up to :data:`SMALL_PAIRS` (cell, rule) pairs that share an activity (a
parameter), and when no key the queries compare is null, the same rows come from the loops here; a
larger input, or one with nulls, goes to DuckDB. The choice depends on the input alone.

The rules are those of the SQL files, read literally (their comments explain them): a rule matches a
cell of its activity (parameter) when its sector (stratum) and region patterns match and the cell's
year lies in its years (or always, with the year fallback); among the matches of one (cell, set,
kind, key) — (cell, parameter, set) for sinks — the rows that come first by (distance, factor year,
sector or stratum specificity descending, region specificity descending) win; one row per group
with the smallest and largest winning rule id and their number (``n_tied``), sorted as the SQL
sorts (strings by code point, as DuckDB's binary collation).
"""

from __future__ import annotations

import polars as pl
import pyarrow as pa

__all__ = ["SMALL_PAIRS", "resolve_rows", "sink_rows"]

# (cell, rule) pairs of the same activity or parameter: at most this many, Python. The loops take about
# 0.8 µs of CPU a pair (the 2,138 classes of cells of the 1 M and 10 M-row benchmarks, 50 k pairs: 0.04 s),
# DuckDB's import, opening and first query 0.13-0.16 s in a fresh process: the loops cost less up to
# about 160 k pairs
SMALL_PAIRS = 100_000

_OUT = {"factor_year": pl.Int32, "distance": pl.Int32, "rule_id": pl.Int64, "other_rule_id": pl.Int64, "n_tied": pl.Int64}


def _columns(table: pa.Table, names: list[str], nullable: tuple[str, ...] = ()) -> list[list] | None:
    """The columns ``names`` of ``table`` as Python lists, or None when one of them has a null
    (except the ``nullable`` ones: patterns, which a null simply fails to match, as in SQL)."""
    cols = [table.column(n) for n in names]
    if any(c.null_count for n, c in zip(names, cols) if n not in nullable):
        return None
    return [c.to_pylist() for c in cols]


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


def _winners(cells, rules, fallback: bool, sub_hit, group) -> dict | None:
    """The winning rows per group: {group key: [order, factor_year, distance, min rule, max rule, n]}.

    ``cells``: rows (cell_id, year, region, sub value, join key, cell part of the group);
    ``rules``: rows (rule_id, set_rank, join key, sub spec, sub pattern, region spec, region prefix,
    year_from, year_to, rule part of the group); ``group(cell row, rule row)``: the group key.
    None when the pairs to compare are more than :data:`SMALL_PAIRS`."""
    by_key: dict = {}
    for r in rules:
        by_key.setdefault(r[2], []).append(r)
    n_cells: dict = {}
    for c in cells:
        n_cells[c[4]] = n_cells.get(c[4], 0) + 1
    if sum(n * len(by_key.get(k, ())) for k, n in n_cells.items()) > SMALL_PAIRS:
        return None
    best: dict = {}
    for c in cells:
        year, region, sub = c[1], c[2], c[3]
        for r in by_key.get(c[4], ()):
            yf, yt = r[7], r[8]
            if not (fallback or yf <= year <= yt):
                continue
            if not (sub_hit(sub, r[3], r[4]) and _region_hit(region, r[5], r[6])):
                continue
            factor_year = min(max(year, yf), yt)
            distance = yf - year if year < yf else (year - yt if year > yt else 0)
            order = (distance, factor_year, -r[3], -r[5])
            key = group(c, r)
            b = best.get(key)
            if b is None or order < b[0]:
                best[key] = [order, factor_year, distance, r[0], r[0], 1]
            elif order == b[0]:
                b[3] = min(b[3], r[0])
                b[4] = max(b[4], r[0])
                b[5] += 1
    return best


def _frame(best: dict, keys: dict[str, pl.DataType]) -> pl.DataFrame:
    """The winners as the query's frame: the group's ``keys`` (sorted by them), then factor_year,
    distance, rule_id, other_rule_id, n_tied."""
    rows = sorted(best.items(), key=lambda kv: kv[0])
    cols = {name: [k[i] for k, _ in rows] for i, name in enumerate(keys)}
    for i, name in enumerate(_OUT, start=1):
        cols[name] = [v[i] for _, v in rows]
    return pl.DataFrame(cols, schema={**keys, **_OUT})


def resolve_rows(cells: pa.Table, rules: pa.Table, fallback: bool) -> pl.DataFrame | None:
    """resolve.sql over ``cells`` and ``rules`` (the tables :func:`ghginv.factors.resolve._run_sql`
    registers), or None when the input is not small or has nulls (then DuckDB answers)."""
    c = _columns(cells, ["cell_id", "year", "region", "sector", "activity"])
    r = _columns(rules, ["rule_id", "set_rank", "activity", "sector_spec", "sector_prefix", "region_spec", "region_prefix",
                         "year_from", "year_to", "kind", "key"], nullable=("sector_prefix", "region_prefix"))
    if c is None or r is None:
        return None
    best = _winners(list(zip(*c)), list(zip(*r)), bool(fallback), _sector_hit, lambda cr, rr: (cr[0], rr[1], rr[9], rr[10]))
    if best is None:
        return None
    return _frame(best, {"cell_id": pl.Int64, "set_rank": pl.Int32, "kind": pl.String, "key": pl.String})


def sink_rows(cells: pa.Table, rules: pa.Table, fallback: bool) -> pl.DataFrame | None:
    """resolve_sinks.sql over ``cells`` and ``rules`` (the tables
    :func:`ghginv.factors.sink_params.resolve_sink_parameters` registers), or None when the input is
    not small or has nulls (then DuckDB answers)."""
    c = _columns(cells, ["cell_id", "year", "region", "stratum", "parameter"])
    r = _columns(rules, ["rule_id", "set_rank", "parameter", "stratum_spec", "stratum", "region_spec", "region_prefix",
                         "year_from", "year_to"], nullable=("stratum", "region_prefix"))
    if c is None or r is None:
        return None
    best = _winners(list(zip(*c)), list(zip(*r)), bool(fallback), _stratum_hit, lambda cr, rr: (cr[0], cr[4], rr[1]))
    if best is None:
        return None
    return _frame(best, {"cell_id": pl.Int64, "parameter": pl.String, "set_rank": pl.Int32})
