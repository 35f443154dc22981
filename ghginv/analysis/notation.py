"""Completeness: a notation key for every reporting category × gas a run does not estimate.

IPCC reporting tables have no empty cells (2006 IPCC GL Vol 1 Ch 8 §8.2.2): a category × gas
cell holds a number or a notation key — ``NO`` not occurring, ``NE`` not estimated, ``NA`` not
applicable, ``IE`` included elsewhere (say where), ``C`` confidential. ghginv fills the cells
at a fixed *reporting depth* (:data:`REPORTING`: the main categories of the 2006 GL summary table,
1.A.1–1.A.5, 1.B, 1.C, 2.A–2.H, 3.A–3.D, 4.A–4.E, 5.A, 5.B, and their parents 1, 1.A, 2, 3, 4,
5) for the seven gases of :data:`GASES` (F-gas species are grouped: ``HFC134a`` counts for
``HFCs``, ``CF4`` for ``PFCs``). A cell is *estimated* in a year and region when the inventory
has a direct-scope number for it there (from rows at that category or below); every other
applicable cell gets a row in ``inventory.parquet`` per year and region, with ``gas`` = the gas
group, no numbers and a key:

1. a key from ``[notation_keys]`` of the inventory TOML (or its CSV, ``path = "keys.csv"`` with
   columns ``category, gas, key, reason, where``, or their Chinese names 类别, 气体, 注释符号, 原因,
   包含于) — a key on a parent (``"3" = "NO"``) is the
   default of every reporting category under it, the most specific key wins;
2. else a key from the activity data (a row with a ``notation_key``) given at that reporting
   category or a parent;
3. else ``NE``.

A parent cell (``2``, ``1.A``) with no estimate combines its categories' keys: one key if they
agree, else the first of NE, IE, C, NO, NA present. A user key on a cell the run estimates in any
year or region is an error: an estimated category shows its number, it cannot also be NO, NE, NA,
IE or C (a partial inclusion is documented in the reason of the category that includes it). User
keys hold for every year and region; finer categories take keys in the activity data. Keys never
carry numbers, so totals never count them as zero.

International bunkers (1.A.3.a.i aviation, 1.A.3.d.i navigation, :data:`MEMO`) are the memo items
of the table (2006 IPCC GL Vol 1 Ch 8 Table 8.2, "Memo items: International bunkers"; Vol 2 Ch 3
§3.5.1, §3.6.1): CO2, CH4 and N2O per year and region, estimated when the run has bunker rows
(scope ``memo``), else a row in scope ``memo`` with the user's key on that category (e.g.
``"1.A.3.a.i" = "NO"``), else a key of the activity data given at or below it, else ``NE``. A key on
a parent (``"1"``, ``"1.A"``) does not reach them, and they are never counted with the reporting
categories (the national total and the counts of :func:`summary_line` are unchanged).

Which gases a category can emit (:data:`REPORTING`) follows the chapters of the 2006 GL that
estimate them (Vol 2 Ch 2–5 energy; Vol 3 Ch 2–8 IPPU; Vol 4 Ch 10–11 agriculture, Ch 4–9 land;
Vol 5 Ch 3–6 waste; Vol 1 Ch 7 §7.3 indirect N2O). Other cells are left out (not applicable);
a user key for such a gas adds the cell.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from ..core import categories
from ..core._frames import encode, group_sum
from ..core.columns import missing_columns_error, resolve_columns
from ..core.errors import ConfigError, Problem, SchemaError

__all__ = ["GASES", "REPORTING", "PARENTS", "UserKey", "gas_group", "reporting_codes", "applicable_gases",
           "notation_settings", "completeness_rows", "combine_keys", "combine_keys_expr", "completeness_table", "completeness_tables", "sector_keys",
           "completeness_manifest",
           "summary_line", "MEMO", "memo_status"]

GASES = ("CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3")
KEYS = ("NO", "NE", "NA", "IE", "C")
_PRIORITY = ("NE", "IE", "C", "NO", "NA")  # a parent of mixed keys takes the first present
_CCN = ("CO2", "CH4", "N2O")
# reporting categories (leaves of the completeness table) -> gases their 2006 GL methods estimate
REPORTING: dict[str, tuple[str, ...]] = {
    "1.A.1": _CCN, "1.A.2": _CCN, "1.A.3": _CCN, "1.A.4": _CCN, "1.A.5": _CCN,  # Vol 2 Ch 2-3
    "1.B": _CCN,                                                # Vol 2 Ch 4 (flaring N2O)
    "1.C": ("CO2",),                                            # Vol 2 Ch 5
    "2.A": ("CO2",),                                            # Vol 3 Ch 2
    "2.B": ("CO2", "CH4", "N2O", "HFCs", "PFCs", "SF6", "NF3"),  # Vol 3 Ch 3 (3.10 fluorochemicals)
    "2.C": ("CO2", "CH4", "PFCs", "SF6"),                       # Vol 3 Ch 4 (aluminium PFCs, magnesium SF6)
    "2.D": ("CO2",),                                            # Vol 3 Ch 5
    "2.E": ("HFCs", "PFCs", "SF6", "NF3"),                      # Vol 3 Ch 6
    "2.F": ("HFCs", "PFCs"),                                    # Vol 3 Ch 7
    "2.G": ("N2O", "PFCs", "SF6"),                              # Vol 3 Ch 8
    "2.H": _CCN,                                                # other
    "3.A": ("CH4", "N2O"),                                      # Vol 4 Ch 10
    "3.B": ("CO2",),                                            # Vol 4 Ch 4-9
    "3.C": _CCN,                                                # Vol 4 Ch 2, 5, 11
    "3.D": _CCN,                                                # Vol 4 Ch 12 (HWP) and other
    "4.A": ("CH4",),                                            # Vol 5 Ch 3
    "4.B": ("CH4", "N2O"),                                      # Vol 5 Ch 4
    "4.C": _CCN,                                                # Vol 5 Ch 5
    "4.D": ("CH4", "N2O"),                                      # Vol 5 Ch 6
    "4.E": _CCN,                                                # other
    "5.A": ("N2O",),                                            # Vol 1 Ch 7 §7.3
    "5.B": _CCN,                                                # other
}
PARENTS = ("1", "1.A", "2", "3", "4", "5")
# memo items of the table (2006 IPCC GL Vol 1 Ch 8 Table 8.2): international bunkers, CO2, CH4, N2O
MEMO: tuple[str, ...] = categories.BUNKERS
MEMO_GASES = _CCN
_MEMO_EN = {"1.A.3.a.i": "international aviation", "1.A.3.d.i": "international navigation"}
_PFC = re.compile(r"^(PFC.*|c?C\d*F\d+)$")


def gas_group(gas: str) -> str | None:
    """The reporting gas of a species: ``HFC134a`` -> ``HFCs``, ``CF4`` -> ``PFCs``.

    Parameters
    ----------
    gas : str
        Gas code.

    Returns
    -------
    str or None
        One of :data:`GASES`; None for a gas outside them.
    """
    if gas in ("CO2", "CH4", "N2O", "SF6", "NF3", "HFCs", "PFCs"):
        return gas
    if gas.startswith("HFC"):
        return "HFCs"
    if _PFC.match(gas):
        return "PFCs"
    return None


def leaves_under(code: str) -> list[str]:
    return [leaf for leaf in REPORTING if categories.under(leaf, code)]


def reporting_codes() -> list[str]:
    """Parents and reporting categories in tree order: 1, 1.A, 1.A.1, …, 5.B.

    Returns
    -------
    list of str
        :data:`PARENTS` and the keys of :data:`REPORTING`, in the order of the IPCC tree.
    """
    order = {c: i for i, c in enumerate(categories.categories())}
    return sorted([*PARENTS, *REPORTING], key=lambda c: order[c])


def applicable_gases(code: str) -> tuple[str, ...]:
    """The gases the 2006 GL methods estimate for a reporting category or parent (:data:`REPORTING`).

    Parameters
    ----------
    code : str
        A reporting category or parent, e.g. ``1.A`` or ``2.F``.

    Returns
    -------
    tuple of str
        The gases of the reporting categories under ``code``, in the order of :data:`GASES`.
    """
    got = {g for leaf in leaves_under(code) for g in REPORTING[leaf]}
    return tuple(g for g in GASES if g in got)


def combine_keys(keys) -> str:
    """One notation key for a parent of categories with these keys.

    Agreeing keys give that key, mixed keys the first of NE, IE, C, NO, NA present.

    Parameters
    ----------
    keys : iterable of str
        Notation keys (``NO``, ``NE``, ``NA``, ``IE``, ``C``).

    Returns
    -------
    str
        The parent's key.
    """
    return min(keys, key=_PRIORITY.index)


def combine_keys_expr(col: str = "notation_key") -> pl.Expr:
    """:func:`combine_keys` as a group aggregation (``df.group_by(...).agg(combine_keys_expr())``).

    Parameters
    ----------
    col : str, default "notation_key"
        The String column of notation keys (nulls are skipped).

    Returns
    -------
    polars.Expr
        The group's one key — agreeing keys that key, mixed keys the first of NE, IE, C, NO, NA present — named ``col``.
    """
    rank = pl.col(col).replace_strict({k: i for i, k in enumerate(_PRIORITY)}, return_dtype=pl.Int8).min()
    return rank.replace_strict(dict(enumerate(_PRIORITY)), return_dtype=pl.String).alias(col)


# ---- user keys: [notation_keys] in the inventory TOML, or its CSV ---------------------------

@dataclass(frozen=True)
class UserKey:
    category: str
    gas: str | None  # None: every applicable gas
    key: str
    reason: str = ""
    where: str = ""
    origin: str = ""  # "[notation_keys] in FILE" or "FILE row N"

    def label(self) -> str:
        return f"{self.category}{' ' + self.gas if self.gas else ''} = {self.key} ({self.origin})"


def _check(k: UserKey) -> list[Problem]:
    p = []
    if k.category in MEMO:
        if k.gas is not None and k.gas not in MEMO_GASES:
            p.append(Problem(f"{k.origin}: {k.category}: gas {k.gas!r} is not a memo gas of international bunkers",
                             hint=f"use one of {', '.join(MEMO_GASES)} (or leave it empty for all)"))
    elif k.category not in REPORTING and k.category not in PARENTS:
        near = [c for c in REPORTING if k.category.startswith(c + ".")]
        hint = (f"notation keys here are for the reporting categories ({', '.join(reporting_codes())}); "
                + (f"{k.category} lies under {near[0]}; give keys for finer categories in the activity data (notation_key column)"
                   if near else "check the code"))
        p.append(Problem(f"{k.origin}: {k.category!r} is not a reporting category", hint=hint))
    if k.key not in KEYS:
        p.append(Problem(f"{k.origin}: {k.category}: unknown notation key {k.key!r}", hint=f"use one of {', '.join(KEYS)}"))
    if k.gas is not None and k.gas not in GASES and k.category not in MEMO:
        p.append(Problem(f"{k.origin}: {k.category}: unknown gas {k.gas!r}", hint=f"use one of {', '.join(GASES)} (or leave it empty for all)"))
    if k.key == "IE" and not k.where:
        p.append(Problem(f"{k.origin}: {k.category} = IE needs where = \"<category>\" (where the emissions are included)"))
    if k.where and not categories.is_category(k.where):
        p.append(Problem(f"{k.origin}: {k.category}: where = {k.where!r} is not an IPCC category"))
    return p


def _flatten(table: dict, prefix: str = "") -> dict:
    """Unquoted dotted TOML keys (``1.B = "NO"``) arrive as nested tables: join them back."""
    out = {}
    for k, v in table.items():
        code = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict) and "key" not in v and k != "path":
            out.update(_flatten(v, code))
        else:
            out[code] = v
    return out


def read_keys_csv(path: Path) -> list[UserKey]:
    """CSV with columns ``category, key`` and optional ``gas, reason, where`` (UTF-8, or GB18030 as
    Excel writes it), headed in English or Chinese (类别, 注释符号, 气体, 原因, 包含于 …)."""
    if not path.is_file():
        raise ConfigError(f"[notation_keys] path: file not found: {path}")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")  # Excel's CSV on a Chinese system
    reader = csv.reader(io.StringIO(text))
    head = next(reader, [])
    try:  # English or Chinese headers (ghginv.core.columns)
        res = resolve_columns(head, "notation_keys", str(path))
        names = [res.rename.get(h, h) for h in head]
        rows = [dict(zip(names, r)) for r in reader]
        missing = [c for c in ("category", "key") if c not in names]
        if rows and missing:
            raise missing_columns_error(str(path), "notation_keys", missing, res)
    except SchemaError as e:
        raise ConfigError(str(e)) from None
    out = []
    for i, r in enumerate(rows, start=2):  # row 1 is the header
        gas = (r.get("gas") or "").strip()
        out.append(UserKey((r.get("category") or "").strip(), None if gas in ("", "ALL") else gas, (r.get("key") or "").strip(),
                           (r.get("reason") or "").strip(), (r.get("where") or "").strip(), f"{path.name} row {i}"))
    return out


def notation_settings(cfg) -> list[UserKey]:
    """The user's notation keys from ``[notation_keys]`` of the inventory TOML (or its CSV), checked.

    Parameters
    ----------
    cfg : ghginv.core.config.RunConfig
        The run's config (``cfg.extra["notation_keys"]``: ``category = "KEY"``,
        ``category = { key, reason, where, gas or gases }``, or ``path`` of a CSV with columns
        ``category, gas, key, reason, where``).

    Returns
    -------
    list of UserKey
        The keys; empty without ``[notation_keys]``.

    Raises
    ------
    ConfigError
        Every problem at once: an unknown category, key, gas or field, IE without ``where``, a
        ``where`` that is not an IPCC category, conflicting keys, or a missing CSV.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1 Ch 8
       §8.2.2 (notation keys).
    """
    raw = (getattr(cfg, "extra", None) or {}).get("notation_keys")
    if not raw:
        return []
    src = getattr(cfg, "source", None)
    origin = f"[notation_keys] in {Path(src).name}" if src else "[notation_keys]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{origin} must be a table of category = key")
    keys: list[UserKey] = []
    problems: list[Problem] = []
    for code, v in _flatten(raw).items():
        if code == "path":
            for p in v if isinstance(v, list) else [v]:
                keys += read_keys_csv(cfg.resolve_path(p) if hasattr(cfg, "resolve_path") else Path(p))
            continue
        if isinstance(v, str):
            keys.append(UserKey(code, None, v, origin=origin))
        elif isinstance(v, dict):
            unknown = set(v) - {"key", "reason", "where", "gas", "gases"}
            if unknown:
                problems.append(Problem(f"{origin}: {code}: unknown field(s) {', '.join(sorted(unknown))}", hint="known: key, reason, where, gases"))
            gases = v.get("gases", v.get("gas"))
            for g in (gases if isinstance(gases, list) else [gases]):
                keys.append(UserKey(code, g, str(v.get("key", "")), str(v.get("reason", "")), str(v.get("where", "")), origin))
        else:
            problems.append(Problem(f"{origin}: {code} = {v!r}: give a key (\"NO\") or {{ key = \"NO\", reason = \"…\" }}"))
    seen: dict[tuple, UserKey] = {}
    for k in keys:
        problems += _check(k)
        prev = seen.setdefault((k.category, k.gas), k)
        if prev is not k and prev.key != k.key:
            problems.append(Problem(f"{k.origin}: {k.category}{' ' + k.gas if k.gas else ''} = {k.key}, but {prev.origin} gives {prev.key}"))
    if problems:
        raise ConfigError("invalid notation keys", problems)
    return keys


# ---- completeness rows of inventory.parquet -----------------------------------------------

def _cells(keys: list[UserKey]) -> pl.DataFrame:
    """(leaf, gas) cells of the table: applicable gases plus any gas a user key names."""
    rows = {(leaf, g) for leaf, gases in REPORTING.items() for g in gases}
    rows |= {(leaf, k.gas) for k in keys if k.gas for leaf in leaves_under(k.category)}
    return pl.DataFrame(sorted(rows), schema={"leaf": pl.String, "gas": pl.String}, orient="row")


def _user_cells(keys: list[UserKey], cells: pl.DataFrame) -> pl.DataFrame:
    """(leaf, gas) -> the most specific user key (deeper category first, then a named gas)."""
    schema = {"leaf": pl.String, "gas": pl.String, "key": pl.String, "origin": pl.String, "_rank": pl.Int32}
    rows = []
    for k in keys:
        for leaf in leaves_under(k.category):
            for g in ([k.gas] if k.gas else REPORTING[leaf]):
                rows.append((leaf, g, k.key, k.label(), categories.level(k.category) * 2 + (k.gas is not None)))
    if not rows:
        return pl.DataFrame(schema=schema)
    df = pl.DataFrame(rows, schema=schema, orient="row")
    return df.sort("_rank", descending=True).unique(["leaf", "gas"], keep="first").join(cells, on=["leaf", "gas"], how="semi")


def _grouped(df: pl.DataFrame) -> pl.DataFrame:
    """``gas`` replaced by its gas group (null for gases outside the seven), one lookup per distinct gas."""
    groups = {g: gas_group(g) for g in df["gas"].unique().to_list()}
    return df.with_columns(pl.col("gas").replace_strict(groups, return_dtype=pl.String)).drop_nulls("gas")


def _data_keys(notation: pl.DataFrame | None, classes: dict[str, str]) -> pl.DataFrame:
    """Keys of activity rows given at a reporting category or a parent, per (year, region, leaf)."""
    schema = {"year": pl.Int32, "region": pl.String, "leaf": pl.String, "key": pl.String}
    if notation is None or notation.height == 0:
        return pl.DataFrame(schema=schema)
    codes = set(REPORTING) | set(PARENTS)
    nk = notation.filter(
        pl.col("sector").is_in(list(codes)),
        ~pl.col("activity").replace_strict(classes, default="other", return_dtype=pl.String).is_in(["electricity", "heat"]),
    )
    rows = [(y, r, leaf, k) for y, r, s, k in nk.select("year", "region", "sector", "notation_key").iter_rows() for leaf in leaves_under(s)]
    df = pl.DataFrame(rows, schema=schema, orient="row")
    return df.group_by("year", "region", "leaf").agg(combine_keys_expr("key")) if df.height else df


def _year_regions(rolled: pl.DataFrame, notation: pl.DataFrame | None, region: tuple[list, np.ndarray]) -> tuple[pl.DataFrame, np.ndarray, tuple]:
    """The distinct (year, region) of ``rolled`` and ``notation`` (year Int32, region; sorted), the row of it of each
    rolled row and its regions as (sorted values, code per row); ``region``: the rolled rows' regions as (sorted
    values, int64 code per row, nulls ``len(values)``)."""
    rvals, rcode = region
    years = [rolled["year"].cast(pl.Int64).to_numpy()]
    regs = [(rvals, rcode)]
    if notation is not None and notation.height:
        years.append(notation["year"].cast(pl.Int64).to_numpy())
        regs.append(encode(notation["region"]))
    vocab = sorted(set().union(*(v for v, _ in regs)))
    at = {v: i for i, v in enumerate(vocab)}
    rc = [np.array([at[v] for v in vals] + [len(vocab)], np.int64)[c] for vals, c in regs]
    yv, year_at = _distinct(np.concatenate(years))
    pairs = [year_at(y) * (len(vocab) + 1) + r for y, r in zip(years, rc)]
    yr_pairs, pair_at = _distinct(np.concatenate(pairs))
    yr = pl.DataFrame([pl.Series("year", yv[yr_pairs // (len(vocab) + 1)], pl.Int32),
                       pl.Series("region", [*vocab, None], pl.String).gather(yr_pairs % (len(vocab) + 1))])
    return yr, pair_at(pairs[0]), (vocab, yr_pairs % (len(vocab) + 1))


def _distinct(x: np.ndarray):
    """(the sorted distinct values of the int64 array ``x``, a function giving the position among them of
    each of the values of an array taken from ``x``): ``numpy.unique`` and ``searchsorted``, or, when the
    values span at most a few times as many integers as there are values (years; year × region pairs),
    the same from a count per value, without sorting."""
    if not x.size:
        return x, lambda q: np.zeros(q.shape[0], np.int64)
    lo, hi = int(x.min()), int(x.max())
    if hi - lo + 1 > max(4 * x.size, 1 << 16):
        values = np.unique(x)
        return values, lambda q: np.searchsorted(values, q)
    present = np.bincount(x - lo, minlength=hi - lo + 1) > 0
    rank = np.cumsum(present) - 1
    return np.flatnonzero(present) + lo, lambda q: rank[q - lo]


def completeness_rows(rolled: pl.DataFrame, notation: pl.DataFrame | None = None, classes: dict[str, str] | None = None,
                      keys: list[UserKey] | None = None, codes: dict | None = None, with_codes: bool = False,
                      strings: bool = True):
    """Notation-key rows for every reporting cell (category × gas) the run does not estimate.

    One row per cell, year and region. The key of a cell is the user's (:func:`notation_settings`;
    the most specific wins), else one from the activity data given at that reporting category or a
    parent, else ``NE``; a parent without an estimate combines its categories' keys
    (:func:`combine_keys`).

    Parameters
    ----------
    rolled : polars.DataFrame
        The rolled-up inventory (year, region, scope, category, gas, co2e_t [t CO2e], notation_key);
        with ``codes`` for all four key columns, year and co2e_t are enough (notation_key, when
        present, marks key rows).
    notation : polars.DataFrame, optional
        Activity rows that carry a ``notation_key`` (year, region, sector, activity, notation_key).
    classes : dict of str to str, optional
        Activity code -> fuel class; keys of electricity and heat rows are not used.
    keys : list of UserKey, optional
        The user's keys.
    codes : dict, optional
        ``rolled``'s region, scope, category and gas as (sorted distinct values, int64 code per
        row), as :func:`ghginv.core._frames.encode` gives them (the roll-up of ``build_inventory``
        has them); a column not given is encoded here.
    with_codes : bool, default False
        Also return the rows' region, scope, category, gas and notation_key as codes.
    strings : bool, default True
        With False (and ``with_codes``) the rows are only ``year`` and ``level``: their other columns
        are the codes, and the rows' String columns are never built (:func:`ghginv.pipeline.aggregate.build_inventory`
        builds the inventory's once, sorted, from the codes).

    Returns
    -------
    rows : polars.DataFrame
        Inventory rows without ``category_name``: year, region, scope ``direct`` (``memo`` for the
        international bunkers of :data:`MEMO`), category, level, gas (the gas group), ``emissions_t``
        and ``co2e_t`` null, ``notation_key``; with ``strings=False``, year and level only.
    codes : dict
        Only with ``with_codes=True``: column -> (sorted distinct values, int64 code per row), as
        :func:`ghginv.core._frames.encode` gives them (the inventory sorts on them).

    Raises
    ------
    ConfigError
        A user key names a cell the run estimates.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1 Ch 8
       §8.2.2 (notation keys).
    """
    keys = keys or []
    strings = strings or not with_codes
    codes = {**{k: encode(rolled[k]) for k in ("region", "scope", "category", "gas") if k not in (codes or {})}, **(codes or {})}
    yr, yi, yr_region = _year_regions(rolled, notation, codes["region"])
    cells = _cells(keys)
    cell_list = cells.rows()
    nc = len(cell_list)
    # the rows with a direct-scope number (the run's estimates, at any category) as positions on the grid
    # year-region × cell, and as (year-region, parent, gas group)
    cvals, cc = codes["category"]
    gvals, gc = codes["gas"]
    est_row = _estimated(rolled, codes["scope"], "direct")
    cell_at = {c: i for i, c in enumerate(cell_list)}
    groups = [gas_group(g) for g in gvals]
    par_list = [(p, grp) for p in PARENTS for grp in dict.fromkeys(x for x in groups if x is not None)]
    par_at = {c: i for i, c in enumerate(par_list)}
    at_leaf = np.full((len(cvals) + 1, len(gvals) + 1), -1, np.int64)  # (category code, gas code) -> cell, -1: none
    at_par = np.full((len(cvals) + 1, len(gvals) + 1), -1, np.int64)  # -> (parent, gas group), -1: none
    for i, c in enumerate(cvals):
        for j, grp in enumerate(groups):
            at_leaf[i, j] = cell_at.get((c, grp), -1)
            at_par[i, j] = par_at.get((c, grp), -1)
    e_cell, e_par = at_leaf[cc, gc], at_par[cc, gc]
    sel = est_row & (e_cell >= 0)
    estimated = np.zeros(yr.height * nc, bool)
    estimated[yi[sel] * nc + e_cell[sel]] = True
    sel = est_row & (e_par >= 0)
    est_parent = np.zeros((yr.height, max(len(par_list), 1)), bool)
    est_parent[yi[sel], e_par[sel]] = True

    def grid(pos: np.ndarray) -> pl.DataFrame:  # rows of yr × cells at these positions
        return pl.concat([yr[pos // nc], cells[pos % nc], pl.DataFrame({"_pos": pos})], how="horizontal")

    user = _user_cells(keys, cells)
    if user.height:
        clash = grid(np.flatnonzero(estimated)).join(user, on=["leaf", "gas"], how="inner")
        _refuse_keys_on_estimates(clash, "leaf")
    leaf_pos = np.flatnonzero(~estimated)
    data = _data_keys(notation, classes or {})
    priority_at = {k: i for i, k in enumerate(_PRIORITY)}
    if user.height or data.height:
        leaf = (
            grid(leaf_pos).join(user.select("leaf", "gas", pl.col("key").alias("_user")), on=["leaf", "gas"], how="left")
            .join(data.rename({"key": "_data"}), on=["year", "region", "leaf"], how="left")
            .with_columns(pl.coalesce("_user", "_data", pl.lit("NE")).alias("notation_key"))
        )
        leaf_keys = encode(leaf["notation_key"]) if with_codes else None
        leaf_pos = leaf["_pos"].to_numpy()
        leaf_rank = leaf["notation_key"].replace_strict(priority_at, return_dtype=pl.Int64).to_numpy()
    else:  # every leaf NE: its rows are positions on the grid (as strings only when asked for)
        leaf = grid(leaf_pos).with_columns(pl.lit("NE").alias("notation_key")) if strings else None
        leaf_keys = (["NE"], np.zeros(leaf_pos.size, np.int64))
        leaf_rank = priority_at["NE"]
    # a parent: per year, region and gas, the combined key of its leaves without an estimate (combine_keys),
    # unless the run estimates the parent itself
    none = len(_PRIORITY)
    rank = np.full(yr.height * nc, none, np.int64)
    rank[leaf_pos] = leaf_rank
    rank = rank.reshape(yr.height, nc)
    if strings:
        leaf = leaf.select("year", "region", pl.col("leaf").alias("category"), "gas", "notation_key")
    yr_year = yr["year"].to_numpy()
    years = [yr_year[leaf_pos // nc]]  # strings=False: the rows' year and level, part by part
    levels = [np.array([categories.level(c) for c, _ in cell_list], np.int8)[leaf_pos % nc]]
    parents = []
    priority = pl.Series("notation_key", _PRIORITY, pl.String)
    leaf_vocab, gas_vocab = sorted({c for c, _ in cell_list}), sorted({g for _, g in cell_list})
    pos = leaf_pos % nc if with_codes else None
    part_codes = [{"region": (yr_region[0], yr_region[1][leaf_pos // nc]), "scope": (["direct"], np.zeros(leaf_pos.size, np.int64)),
                   "category": (leaf_vocab, np.array([leaf_vocab.index(c) for c, _ in cell_list], np.int64)[pos]),
                   "gas": (gas_vocab, np.array([gas_vocab.index(g) for _, g in cell_list], np.int64)[pos]),
                   "notation_key": leaf_keys}] if with_codes else []
    for p in PARENTS:
        under = set(leaves_under(p))
        for g in sorted({g for c, g in cell_list if c in under}):
            m = rank[:, [i for i, (c, gg) in enumerate(cell_list) if c in under and gg == g]].min(axis=1)
            keep = m < none
            if (p, g) in par_at:
                keep &= ~est_parent[:, par_at[(p, g)]]
            rows = np.flatnonzero(keep)
            if strings:
                parents.append(yr[rows].with_columns(pl.lit(p).alias("category"), pl.lit(g).alias("gas"), priority.gather(m[rows])))
            years.append(yr_year[rows])
            levels.append(np.full(rows.size, categories.level(p), np.int8))
            if with_codes:
                one = np.zeros(rows.size, np.int64)
                part_codes.append({"region": (yr_region[0], yr_region[1][rows]), "scope": (["direct"], one), "category": ([p], one),
                                   "gas": ([g], one), "notation_key": (list(_PRIORITY), m[rows])})
    memo = _memo_rows(rolled, notation, keys, yr, codes)
    if strings:
        out = pl.concat([leaf, *parents]).select(
            "year", "region", pl.lit("direct").alias("scope"), "category",
            pl.col("category").replace_strict({c: categories.level(c) for c in reporting_codes()}, return_dtype=pl.Int8).alias("level"),
            "gas", pl.lit(None, pl.Float64).alias("emissions_t"), pl.lit(None, pl.Float64).alias("co2e_t"), "notation_key",
        )
        result = pl.concat([out, memo])
    else:
        result = pl.DataFrame([pl.Series("year", np.concatenate([*years, memo["year"].to_numpy()]), pl.Int32),
                               pl.Series("level", np.concatenate([*levels, memo["level"].to_numpy()]), pl.Int8)])
    if not with_codes:
        return result
    part_codes.append({k: encode(memo[k]) for k in _CODED})
    return result, {k: _joined([c[k] for c in part_codes]) for k in _CODED}


_CODED = ("region", "scope", "category", "gas", "notation_key")  # completeness_rows(with_codes=True)


def _joined(parts: list[tuple[list, np.ndarray]]) -> tuple[list, np.ndarray]:
    """Codes of consecutive parts, each (values, code per row; ``len(values)``: null), on their sorted common values."""
    vocab = sorted(set().union(*(v for v, _ in parts)).difference((None,)))
    at = {v: i for i, v in enumerate(vocab)}
    return vocab, np.concatenate([np.array([at[v] for v in vals] + [len(vocab)], np.int64)[c] for vals, c in parts])


def _refuse_keys_on_estimates(clash: pl.DataFrame, code: str) -> None:
    """Raise the one error for user notation keys on cells the run estimates (``clash``: those cells with the key's
    ``origin``; ``code``: the column holding the category), naming the first cell and how many more there are."""
    if clash.height:
        r = clash.sort("year", "region", code, "gas").row(0, named=True)
        raise ConfigError(
            f"notation key {r['origin']}: {r[code]} has estimates for {r['gas']} ({r['year']}, region {r['region']}"
            f"{f', and {clash.height - 1} more cell(s)' if clash.height > 1 else ''}); an estimated category cannot carry a notation key",
            [Problem("remove the key, or give it for the gases or categories the run does not estimate")],
        )


def _estimated(rolled: pl.DataFrame, scope: tuple[list, np.ndarray], name: str) -> np.ndarray:
    """True at the rows of ``rolled`` with a number (``co2e_t``, no ``notation_key`` when it has that column) in
    scope ``name``; ``scope``: its scopes as (sorted values, int64 code per row, nulls ``len(values)``)."""
    svals, sc = scope
    est = np.array([v == name for v in svals] + [False])[sc] & rolled["co2e_t"].is_not_null().to_numpy()
    if "notation_key" in rolled.columns:
        est &= rolled["notation_key"].is_null().to_numpy()
    return est


def _memo_rows(rolled: pl.DataFrame, notation: pl.DataFrame | None, keys: list[UserKey], yr: pl.DataFrame,
               codes: dict) -> pl.DataFrame:
    """Notation-key rows (scope ``memo``) of the memo items :data:`MEMO` × :data:`MEMO_GASES` the run does not estimate;
    ``codes``: ``rolled``'s region, scope, category and gas as codes (:func:`completeness_rows`).

    The key: the user's on the bunker category (a key for one gas before one for all), else the combined key of activity
    rows given at or below it, else ``NE`` (2006 IPCC GL Vol 1 Ch 8 Table 8.2, memo items)."""
    cells = pl.DataFrame([(c, g) for c in MEMO for g in MEMO_GASES], schema={"category": pl.String, "gas": pl.String}, orient="row")
    cvals, cc = codes["category"]
    rows = np.flatnonzero(_estimated(rolled, codes["scope"], "memo") & np.array([c in MEMO for c in cvals] + [False])[cc])
    est = pl.DataFrame([rolled["year"].gather(rows).cast(pl.Int32),
                        *(pl.Series(k, [*codes[k][0], None], pl.String).gather(codes[k][1][rows]) for k in ("region", "category", "gas"))])
    est = _grouped(est.unique()).unique().with_columns(pl.lit(True).alias("_est"))
    user: dict[tuple[str, str], UserKey] = {}
    for k in keys:
        if k.category in MEMO:
            for g in [k.gas] if k.gas else MEMO_GASES:
                if (k.category, g) not in user or k.gas is not None:  # a key for one gas wins over one for all
                    user[(k.category, g)] = k
    uschema = {"category": pl.String, "gas": pl.String, "_user": pl.String, "origin": pl.String}
    udf = pl.DataFrame([(c, g, k.key, k.label()) for (c, g), k in user.items()], schema=uschema, orient="row")
    grid = yr.join(cells, how="cross").join(est, on=["year", "region", "category", "gas"], how="left")
    clash = grid.filter(pl.col("_est").is_not_null()).join(udf, on=["category", "gas"], how="inner")
    _refuse_keys_on_estimates(clash, "category")
    dschema = {"year": pl.Int32, "region": pl.String, "category": pl.String, "_data": pl.String}
    data = pl.DataFrame(schema=dschema)
    if notation is not None and notation.height:
        memo_of = {s: next((c for c in MEMO if categories.under(s, c)), None) for s in notation["sector"].unique().to_list()}
        nk = notation.select(pl.col("year").cast(pl.Int32), "region", pl.col("sector").replace_strict(memo_of, return_dtype=pl.String)
                             .alias("category"), pl.col("notation_key").alias("_data")).drop_nulls("category")
        if nk.height:
            data = nk.group_by("year", "region", "category").agg(combine_keys_expr("_data")).cast(dschema)
    return (
        grid.filter(pl.col("_est").is_null())
        .join(udf.select("category", "gas", "_user"), on=["category", "gas"], how="left")
        .join(data, on=["year", "region", "category"], how="left")
        .select("year", "region", pl.lit("memo").alias("scope"), "category",
                pl.col("category").replace_strict({c: categories.level(c) for c in MEMO}, return_dtype=pl.Int8).alias("level"), "gas",
                pl.lit(None, pl.Float64).alias("emissions_t"), pl.lit(None, pl.Float64).alias("co2e_t"),
                pl.coalesce("_user", "_data", pl.lit("NE")).alias("notation_key"))
    )


# ---- views for the CLI, the reports and the manifest ---------------------------------------

def _is_completeness(inv: pl.DataFrame) -> pl.Expr:
    return pl.col("category").is_in(reporting_codes()) & pl.col("gas").is_in(list(GASES))


def completeness_table(inventory: pl.DataFrame, year: int | None = None) -> pl.DataFrame:
    """The completeness table of one year: t CO2e or the notation key per reporting category and gas.

    Categories in tree order; a cell that is neither estimated nor keyed (not applicable) has both columns null.
    The memo items (:data:`MEMO`, international bunkers, scope ``memo``) follow as the last rows when
    the inventory has them (an estimate or a key), outside every total.

    Parameters
    ----------
    inventory : polars.DataFrame
        The inventory (``inventory.parquet``, with completeness rows).
    year : int, optional
        Default the last year.

    Returns
    -------
    polars.DataFrame
        category, level, category_name, per gas ``<gas>_co2e_t`` [t CO2e, summed over regions] and
        ``<gas>_key``, and year.
    """
    if year is None:
        direct = inventory.filter(pl.col("scope") == "direct")
        year = direct["year"].max() if direct.height else None
    return completeness_tables(inventory, [year])[year]


def completeness_tables(inventory: pl.DataFrame, years: list[int | None],
                        sums: tuple[pl.DataFrame, pl.DataFrame] | None = None) -> dict[int | None, pl.DataFrame]:
    """:func:`completeness_table` of each of ``years``, the inventory's rows filtered, grouped and summed once for
    them all (the same tables: each group's rows in table order, the same sums).

    Parameters
    ----------
    inventory : polars.DataFrame
        The inventory (``inventory.parquet``, with completeness rows).
    years : list of int or None
        The years (None: a table without estimates or keys, as :func:`completeness_table` of an inventory without
        direct rows).
    sums : tuple of polars.DataFrame, optional
        The estimates' sums when the caller has them (the reports group the inventory's integer codes:
        :meth:`ghginv.report.data.ReportData.completeness`): (direct rows of the reporting categories, memo rows of the
        memo items), each year, category, gas group and ``co2e_t`` as the group sums here give them (every year, each
        group's rows added in table order). ``inventory`` then needs only its rows with a notation key.

    Returns
    -------
    dict of int to polars.DataFrame
        Year -> its completeness table.
    """
    at = [y for y in years if y is not None]
    d = inventory.filter(pl.col("scope") == "direct", pl.col("year").is_in(at))
    keys = (d.filter(pl.col("notation_key").is_not_null(), _is_completeness(d))
            .group_by("year", "category", "gas").agg(combine_keys_expr()))
    m = inventory.filter(pl.col("scope") == "memo", pl.col("year").is_in(at), pl.col("category").is_in(list(MEMO)))
    if sums is not None:  # every year's: only the years asked are read below
        vals, mv = sums
    else:
        vals = group_sum(_grouped(d.filter(pl.col("notation_key").is_null(), pl.col("category").is_in(reporting_codes()))),
                         ["year", "category", "gas"], ["co2e_t"])  # fixed summation order: the same bytes every run
        mv = group_sum(_grouped(m.filter(pl.col("notation_key").is_null(), pl.col("co2e_t").is_not_null())),
                       ["year", "category", "gas"], ["co2e_t"])
    mk = (m.filter(pl.col("notation_key").is_not_null(), pl.col("gas").is_in(list(MEMO_GASES)))
          .group_by("year", "category", "gas").agg(combine_keys_expr()))

    def by_year(df: pl.DataFrame) -> dict:
        out: dict = {}
        for y, c, g, x in df.iter_rows():
            out.setdefault(y, {})[(c, g)] = x
        return out

    vals, keys, mv, mk = by_year(vals), by_year(keys), by_year(mv), by_year(mk)
    schema = {"category": pl.String, "level": pl.Int8, "category_name": pl.String,
              **{f"{g}_{s}": (pl.Float64 if s == "co2e_t" else pl.String) for g in GASES for s in ("co2e_t", "key")}}

    def table_rows(codes, v: dict, k: dict) -> list[dict]:  # a row per category: per gas its value, else its key
        rows = []
        for code in codes:
            row = {"category": code, "level": categories.level(code), "category_name": categories.category_name(code)}
            for g in GASES:
                row[f"{g}_co2e_t"] = v.get((code, g))
                row[f"{g}_key"] = None if (code, g) in v else k.get((code, g))
            rows.append(row)
        return rows

    tables = {}
    for year in dict.fromkeys(years):
        rows = table_rows(reporting_codes(), vals.get(year, {}), keys.get(year, {}))
        v, k = mv.get(year, {}), mk.get(year, {})
        if v or k:
            rows += table_rows(MEMO, v, k)
        tables[year] = pl.DataFrame(rows, schema=schema).with_columns(pl.lit(year, pl.Int32).alias("year"))
    return tables


def sector_keys(inventory: pl.DataFrame) -> dict[tuple[str, int], str]:
    """The notation key of each sector (1–5) with no direct estimate at all in a year.

    Parameters
    ----------
    inventory : polars.DataFrame
        The inventory (``inventory.parquet``, with completeness rows).

    Returns
    -------
    dict of (str, int) to str
        (sector code, year) -> the combined key (:func:`combine_keys`).
    """
    d = inventory.filter(pl.col("scope") == "direct", pl.col("level") == 1)
    est = set(d.filter(pl.col("notation_key").is_null()).select("category", "year").iter_rows())
    keyed = d.filter(pl.col("notation_key").is_not_null(), pl.col("gas").is_in(list(GASES)))
    out = {}
    for (code, year), sub in keyed.group_by("category", "year"):
        if (code, year) not in est:
            out[(code, year)] = combine_keys(sub["notation_key"].to_list())
    return out


def completeness_manifest(inventory: pl.DataFrame, keys: list[UserKey]) -> dict:
    """The completeness entry of ``manifest.json``.

    Parameters
    ----------
    inventory : polars.DataFrame
        The inventory (``inventory.parquet``, with completeness rows).
    keys : list of UserKey
        The user's keys.

    Returns
    -------
    dict
        Reporting depth, gases, number of keyed cells per key at reporting depth, and the user's
        keys with reasons and origin.
    """
    # the keyed rows' four key columns only (not a copy of every column of the matching rows), both counts in one query
    keyed = inventory.lazy().select("notation_key", "category", "gas", "scope").filter(pl.col("notation_key").is_not_null())
    c = keyed.filter(pl.col("category").is_in(list(REPORTING)), pl.col("gas").is_in(list(GASES)), pl.col("scope") == "direct")
    m = keyed.filter(pl.col("category").is_in(list(MEMO)), pl.col("scope") == "memo")
    c, m = pl.collect_all([q.group_by("notation_key").len().sort("notation_key") for q in (c, m)])
    return {
        "depth": "reporting categories " + ", ".join(REPORTING),
        "gases": list(GASES),
        "cells_keyed": dict(c.iter_rows()),
        "memo_items": {"categories": list(MEMO), "gases": list(MEMO_GASES), "cells_keyed": dict(m.iter_rows())},
        "user_keys": [{"category": k.category, "gas": k.gas or "ALL", "key": k.key, "reason": k.reason, "where": k.where, "origin": k.origin}
                      for k in keys],
    }


def summary_line(inventory: pl.DataFrame) -> str:
    """One line for the CLI: cells estimated and keyed in the last year, and what has no estimate.

    Parameters
    ----------
    inventory : polars.DataFrame
        The inventory (``inventory.parquet``, with completeness rows).

    Returns
    -------
    str
        The line; empty when the inventory has no year.
    """
    tab = completeness_table(inventory)
    if tab.height == 0 or tab["year"][0] is None:
        return ""
    leaves = {r["category"]: r for r in tab.iter_rows(named=True) if r["category"] in REPORTING}
    n_est = sum(r[f"{g}_co2e_t"] is not None for r in leaves.values() for g in GASES)
    keyed = [r[f"{g}_key"] for r in leaves.values() for g in GASES if r[f"{g}_key"]]
    counts = ", ".join(f"{keyed.count(k)} {k}" for k in KEYS if k in keyed)
    empty = {c: combine_keys([r[f"{g}_key"] for g in GASES if r[f"{g}_key"]]) for c, r in leaves.items()
             if all(r[f"{g}_co2e_t"] is None for g in GASES) and any(r[f"{g}_key"] for g in GASES)}
    whole = [p for p in ("1", "2", "3", "4", "5") if all(c in empty for c in leaves_under(p))]
    rest = [c for c in empty if not categories.under(c, *whole)]
    parts = [f"sector {p} ({combine_keys([empty[c] for c in leaves_under(p)])})" for p in whole] + [f"{c} ({empty[c]})" for c in rest]
    line = f"completeness {tab['year'][0]} (reporting categories × gases): {n_est} estimated" + (f", {counts}" if counts else "")
    memo = memo_status(tab)
    return line + (f"; no estimate for {', '.join(parts)}" if parts else "") + (f"; memo items: {memo}" if memo else "")


def memo_status(table: pl.DataFrame) -> str:
    """The memo items of a completeness table in a few words: ``international bunkers NE``, ``international bunkers
    estimated``, or per item (and gas where they differ), e.g. ``international aviation estimated, international
    navigation CO2 estimated, CH4 NE, N2O NE``.

    Parameters
    ----------
    table : polars.DataFrame
        A table of :func:`completeness_table`.

    Returns
    -------
    str
        The words; empty when the table has no memo rows.
    """
    rows = {r["category"]: r for r in table.iter_rows(named=True) if r["category"] in MEMO}
    if not rows:
        return ""
    st = {c: [(g, "estimated" if r[f"{g}_co2e_t"] is not None else r[f"{g}_key"] or "NE") for g in MEMO_GASES] for c, r in rows.items()}
    every = {x for v in st.values() for _, x in v}
    if len(every) == 1 and len(rows) == len(MEMO):
        return f"international bunkers {every.pop()}"
    out = []
    for c, v in st.items():
        if len({x for _, x in v}) == 1:
            out.append(f"{_MEMO_EN[c]} {v[0][1]}")
        else:
            out.append(f"{_MEMO_EN[c]} " + ", ".join(f"{g} {x}" for g, x in v))
    return ", ".join(out)
