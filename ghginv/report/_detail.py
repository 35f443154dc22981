"""How much of the per-region tables ``inventory.xlsx`` holds: ``[report] workbook_detail`` /
``--workbook-detail`` (issue 20).

At scale the tables with a row per region — "IPCC categories" (``inventory.parquet``, 400 k–3 M
rows), "Recalculations" (``recalculation.parquet``) and "Recalculated factors"
(``recalculation_factors.parquet``) — make the workbook most of a run, and nobody reads millions of
rows in Excel: they are in the Parquet (and CSV) files. The choices:

``full``
    every row, as before (the same bytes);
``summed``
    each of these tables over regions: one row per the other columns, the region column
    ``ALL`` — the name the run already gives the whole area (indicators, targets; 全域 in
    Chinese);
``auto`` (default)
    ``full`` for a table of at most :data:`WORKBOOK_DETAIL_ROWS` rows, ``summed`` for a table
    over it.

Summing (:func:`summed_frame`): the numbers of a group are summed with
:func:`ghginv.core._frames.group_sum` (groups in sorted key order, each group's rows in table
order: the same bits every run). Notation keys of "IPCC categories": a group with an estimate in
any region is the sum of the estimates and has no key (a key of another region — NE there, say —
does not hide the estimate); a group of keys only takes the key they agree on, mixed keys the first
of NE, IE, C, NO, NA present — the rule of the completeness table and of a parent category
(:func:`ghginv.analysis.notation.combine_keys`). "Recalculated factors" holds factor values, which
do not add: summed, it keeps each distinct row once with the region ``ALL``.

What was summed is said on the sheet (its A1 note), on the Summary sheet, in ``report.html``'s
data-quality notes and in ``manifest.json`` (``report.workbook_detail``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from ..analysis.indicators import ALL_REGION
from ..analysis.notation import combine_keys_expr  # combine_keys as a group aggregation (the completeness table's)
from ..core._frames import combine_codes, encode, first_rows, group_sum, group_sum_codes, rank_codes, sort_order, sorted_sums
from ..core.categories import SCOPE_ORDER
from ..core.config import WORKBOOK_DETAILS
from ._xlsx_zh import sheet_name
from .i18n import text

__all__ = ["WORKBOOK_DETAIL_ROWS", "DETAIL_TABLES", "SummedTable", "table_detail", "summed_frame", "summed_record", "summed_text"]

WORKBOOK_DETAIL_ROWS = 100_000  # rows of a per-region table above which ``auto`` writes it summed over regions


@dataclass(frozen=True)
class _Table:
    file: str  # the Parquet file that holds every row (and ``csv``: its CSV copy, if any)
    values: tuple[str, ...]  # additive columns, summed over regions; empty: distinct rows
    csv: str | None = None


# sheet (English name, the key of the sheet catalogue) -> where its rows are and what adds up
DETAIL_TABLES: dict[str, _Table] = {
    "IPCC categories": _Table("inventory.parquet", ("emissions_t", "co2e_t"), "inventory.csv"),
    "Recalculations": _Table("recalculation.parquet", ("old_co2e_t", "new_co2e_t", "delta_co2e_t", "activity_effect_t",
                                                       "factor_effect_t", "gwp_effect_t")),
    "Recalculated factors": _Table("recalculation_factors.parquet", ()),
}


@dataclass(frozen=True)
class SummedTable:
    """A table of the workbook written summed over regions."""

    sheet: str  # English sheet name (DETAIL_TABLES key)
    rows: int  # rows by region (in the Parquet file)
    summed_rows: int  # rows on the sheet

    @property
    def files(self) -> str:
        t = DETAIL_TABLES[self.sheet]
        return " / ".join(f for f in (t.file, t.csv) if f)


def table_detail(setting: str, n_rows: int, limit_rows: int = WORKBOOK_DETAIL_ROWS) -> str:
    """Whether one per-region table is written ``full`` or ``summed``.

    Parameters
    ----------
    setting : {"auto", "full", "summed"}
        ``[report] workbook_detail`` / ``--workbook-detail``.
    n_rows : int
        The table's rows (by region).
    limit_rows : int, default :data:`WORKBOOK_DETAIL_ROWS`
        With ``auto``: the most rows written in full.

    Returns
    -------
    str
        ``"full"`` or ``"summed"``.

    Raises
    ------
    ValueError
        ``setting`` is not one of :data:`ghginv.core.config.WORKBOOK_DETAILS` (checked with the config before).
    """
    if setting not in WORKBOOK_DETAILS:
        raise ValueError(f"workbook_detail {setting!r} is not one of {WORKBOOK_DETAILS}")
    if setting == "auto":
        return "full" if n_rows <= limit_rows else "summed"
    return setting


def _key_columns(df: pl.DataFrame, sheet: str) -> list[str]:
    t = DETAIL_TABLES[sheet]
    return [c for c in df.columns if c != "region" and c not in t.values and c != "notation_key"]


def _ordered(df: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """``df`` sorted by ``keys`` (the scope in the inventory's order), nulls last: one order every run."""
    if "scope" in keys:
        s = df["scope"].replace_strict(SCOPE_ORDER, default=len(SCOPE_ORDER), return_dtype=pl.Int8).alias("_s")
        tmp = df.with_columns(s)
        return df[sort_order(tmp, [("_s" if k == "scope" else k) for k in keys])]
    return df[sort_order(df, keys)]


def _coded_sums(df: pl.DataFrame, keys: list[str], values: list[str], codes: dict, rows: np.ndarray,
                mask: pl.Series | None = None) -> pl.DataFrame | None:
    """``group_sum(df[rows], keys, values)`` grouped on integer codes of the key columns instead of their strings: the
    same groups in the same order (a code's order is its string's), each group's rows added in table order, so the same
    frame. ``codes``: column -> int code per row of ``df`` (the strings' order, nulls last), or None for a column that
    follows the key columns before it (no code needed); an integer key column without nulls is its own code. None when
    a key column has neither. ``mask``: True for the rows of ``rows`` (and only those), when the caller has it."""
    cols = []
    for k in keys:
        if k in codes:
            if codes[k] is not None:
                cols.append(codes[k][rows])
        elif df.schema[k].is_integer() and df[k].null_count() == 0:
            cols.append(df[k].to_numpy()[rows])
        else:
            return None
    # the codes (uint8 from the inventory stage) gathered in their own type and combined into one int64 key per row
    # (mixed radix: the same order and groups as the columns side by side), not each widened to int64 first
    key = combine_codes(cols) if cols else np.zeros(rows.size, np.int64)
    if key is None:  # too wide for one int64
        return group_sum_codes(df, keys, values, [c.astype(np.int64) for c in cols], rows)[0]
    if mask is None:
        return group_sum_codes(df, keys, values, [key], rows)[0]
    # group_sum_codes' groups and sums (the same stable order of the one key, each group's rows added in table order),
    # with each value column's rows taken by the mask (a filter: its nulls NaN in numpy, as to_numpy gives them)
    # rather than the whole column converted and then gathered
    order, starts, sums = sorted_sums(key, (df[v].filter(mask).to_numpy() for v in values))
    return df.select(keys)[rows[order[starts]]].with_columns(pl.Series(v, s, dtype=pl.Float64) for v, s in zip(values, sums))


def _group_sum_named(df: pl.DataFrame, keys: list[str], values: list[str]) -> pl.DataFrame:
    """``group_sum(df, keys, values)``, with ``category_name`` not encoded when each category has one name in ``df``
    (as the inventory and the recalculation make it, from the code): grouped on the other keys, the groups, their
    order, their rows and so their sums are the same, and each group's name is its first row's. Checked on the rows
    (each row's name against its category's first name), else every key is encoded as before."""
    if ("category" not in keys or "category_name" not in keys or keys.index("category_name") < keys.index("category")
            or df.schema["category"] != pl.String or df.height == 0):  # a name before its category orders the groups
        return group_sum(df, keys, values)
    cats, cat = encode(df["category"])
    first = first_rows(cat, len(cats) + 1)  # each category's first row (nulls: the last code)
    names = df["category_name"].gather(np.where(first < df.height, first, 0))  # its name (unused codes: any row)
    if not df["category_name"].eq_missing(names.gather(cat)).all():  # a category with two names: every key encoded
        return group_sum(df, keys, values)
    codes = [cat if k == "category" else encode(df[k])[1] if df.schema[k] == pl.String else rank_codes(df[k])
             for k in keys if k != "category_name"]
    return group_sum_codes(df, keys, values, codes)[0]


def summed_frame(sheet: str, df: pl.DataFrame, keyed: pl.DataFrame | None = None, codes: dict | None = None) -> pl.DataFrame:
    """One of :data:`DETAIL_TABLES` summed over regions (see the module doc for the rules).

    Parameters
    ----------
    sheet : str
        The English sheet name, a key of :data:`DETAIL_TABLES`.
    df : polars.DataFrame
        The table by region (its Parquet file's rows and columns).
    keyed : polars.DataFrame, optional
        The rows of ``df`` with a notation key, each distinct row once (any columns besides the region:
        :meth:`ghginv.report.data.ReportData.keyed_rows`), when the caller has them: the keys are then combined from
        these few hundred rows instead of a pass over the millions of ``df``.
    codes : dict, optional
        Key columns of ``df`` as integer codes, when the caller has them (the run's inventory stage made them:
        :meth:`ghginv.report.data.ReportData.inventory_codes`): column -> code per row of ``df`` whose order is the
        column's order (nulls last), or None for a column that follows the key columns before it (``category_name``
        follows ``category``). The estimates are then grouped on these integers, not on their strings encoded again:
        the same groups, order and sums.

    Returns
    -------
    polars.DataFrame
        The same columns in the same order and types, one row per distinct other columns (the
        additive values [t] summed, the notation key combined), ``region`` = ``ALL``; sorted by
        those columns (the scope as in the inventory: direct, indirect, memo).
    """
    t = DETAIL_TABLES[sheet]
    keys = _key_columns(df, sheet)
    cols, schema = df.columns, df.schema
    if not t.values:  # not additive: each distinct row once
        out = df.with_columns(pl.lit(ALL_REGION, pl.String).alias("region")).unique(maintain_order=False)
        return _ordered(out, [c for c in cols if c != "region"]).select(cols)
    has_key = "notation_key" in df.columns
    # without the region column (the filters below copy every column they keep), and lazily: only the kept
    # columns of the kept rows are gathered
    sums = None
    if codes is not None and has_key:
        est = df["notation_key"].is_null()
        est_rows = np.flatnonzero(est.to_numpy())
        sums = _coded_sums(df, keys, list(t.values), codes, est_rows, est) if est_rows.size else None
    if sums is None:
        est = df.lazy().filter(pl.col("notation_key").is_null()).select(*keys, *t.values).collect() if has_key else df
        sums = _group_sum_named(est, keys, list(t.values))
    sums = sums.with_columns(pl.col(v).fill_nan(None) for v in t.values)
    parts = [sums]
    if has_key:
        sums = sums.with_columns(pl.lit(None, pl.String).alias("notation_key"))
        # the keys combined per group first, then the groups with an estimate dropped: the same groups as
        # dropping the rows of those groups first, at the cost of a join of a few hundred rows
        # each (group, key) once first: the combined key is the first of the keys present, whatever their repeats
        src = keyed.lazy() if keyed is not None else df.lazy().select(*keys, "notation_key").filter(pl.col("notation_key").is_not_null())
        keyed = src.select(*keys, "notation_key").unique().collect().group_by(keys).agg(combine_keys_expr())
        keyed = keyed.join(sums.select(keys), on=keys, how="anti", nulls_equal=True)
        keyed = keyed.with_columns(pl.lit(None, pl.Float64).alias(v) for v in t.values)
        parts = [sums, keyed.select(sums.columns)]
    out = pl.concat(parts).with_columns(pl.lit(ALL_REGION, pl.String).alias("region"))
    out = out.select(cols).cast(dict(schema))
    return _ordered(out, keys + (["notation_key"] if has_key else []))


def summed_record(tables: list[SummedTable], setting: str, limit_rows: int = WORKBOOK_DETAIL_ROWS) -> dict:
    """The ``report.workbook_detail`` entry of ``manifest.json``.

    Parameters
    ----------
    tables : list of SummedTable
        The tables written summed over regions.
    setting : {"auto", "full", "summed"}
        The setting the workbook was written with.
    limit_rows : int, default :data:`WORKBOOK_DETAIL_ROWS`
        The ``auto`` limit [rows].

    Returns
    -------
    dict
        ``setting``, ``limit_rows`` and ``summed``: one ``{sheet, rows, summed_rows, files}`` per table.
    """
    return {"setting": setting, "limit_rows": limit_rows,
            "summed": [{"sheet": s.sheet, "rows": s.rows, "summed_rows": s.summed_rows, "files": s.files} for s in tables]}


def summed_text(st: SummedTable, lang: str) -> str:
    """The line that says a table of ``inventory.xlsx`` is summed over regions (Summary sheet, report.html's notes).

    Parameters
    ----------
    st : SummedTable
        The table (:mod:`ghginv.report._detail`).
    lang : {"en", "zh"}
        Language.

    Returns
    -------
    str
        E.g. "inventory.xlsx, sheet “IPCC categories”: 404,884 rows by region are in inventory.parquet /
        inventory.csv; the sheet sums them over regions (2,101 rows); --workbook-detail full writes them all".
    """
    zh = lang == "zh"
    return text("xlsx_summed", lang, sheet=sheet_name(st.sheet, lang), rows=st.rows if zh else f"{st.rows:,}",
                files=st.files, n=st.summed_rows if zh else f"{st.summed_rows:,}")
