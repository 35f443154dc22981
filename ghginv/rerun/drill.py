"""Drill-down of a finished run: from a total to the sub-categories, regions, entities, activities and
the factor rows behind it, one level per call.

A run's ``emissions.parquet`` holds one row per (year, region, sector, activity[, entity_id], gas) with
its ``co2e_t``; ``factors_used.parquet`` the factor and conversion rows each (year, region, sector,
activity) used. :func:`drill_down` reads them lazily (polars ``scan_parquet``: only the columns asked
for, the filters pushed down to the row groups, which the run writes sorted by year, region, sector,
activity), groups what is left and returns one level; nothing of the run is loaded whole, and nothing
is written.

The levels, in order:

``sector``
    The IPCC 2006 category tree (2006 IPCC Guidelines, Vol 1 Ch 8, Table 8.2 — the reporting
    categories; the codes of :mod:`ghginv.core.categories`): with no ``sector`` the top-level sectors
    (1 Energy, 2 IPPU, 3 AFOLU, 4 Waste, 5 Other), below a sector its sub-categories by code prefix
    (``1`` → ``1.A``, ``1.B``; ``1.A.2`` → ``1.A.2.a`` …). Emissions booked at a code that also has
    sub-categories in the run form a row of their own, keyed ``<code>=`` ("booked at the code itself");
    giving that key as ``sector`` selects those rows only.
``region``
    The run's regions (once the sector has no sub-category left in the run).
``entity``
    The entities (``entity_id``) of the region — only when the run keeps entities (its cube has an
    ``entity_id`` column, ``keep_entity = true``); skipped otherwise. Rows the run books to no entity
    (sinks, first-order decay, activity rows without an ``entity_id``) are the key ``""``.
``activity``
    The activities (fuels, electricity, land strata …).
``factor``
    The rows of ``factors_used.parquet`` of the selected cell(s): each gas's emission factor with the
    CO2e it gave, and the conversions (NCV, density …) the cell used, with ``co2e_t`` empty (they are
    used by every gas of the cell; their CO2e is in the factor rows). A gas computed without a single
    factor row (first-order decay, the carbon-sink methods) is a row of its own, ``kind`` empty.

Every level sums to its parent: the rows of one year (and scope) add up to the parent's total, which is
the sum of the same year and scope in ``inventory.parquet`` (``TOTAL``) at the top; past ``limit`` rows
an "others" row (``key`` empty) holds the rest. ``share`` is each row's part of its parent total
(negative for removals, 3.B).

Scopes: ``direct`` by default (scope 1, the inventory ``TOTAL``); ``indirect`` (purchased electricity
and heat, scope 2) and ``memo`` (biogenic CO2, Montreal-Protocol gases) are drilled on their own, never
added to direct emissions.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import polars as pl

from ..core._frames import sum_by
from ..core.categories import category_name, is_category, suggest
from ..core.errors import ConfigError, InputFileError
from ..core.i18n import CATEGORY_ZH, LABELS
from ..runfolder import read_manifest

__all__ = ["drill_down", "drill_path", "LEVELS", "FACTOR_COLUMNS", "SCOPES", "OWN"]

LEVELS = ("sector", "region", "entity", "activity", "factor")
SCOPES = ("direct", "indirect", "memo")
OWN = "="  # suffix of a sector key: the rows booked at that code itself, not at a sub-category
FACTOR_COLUMNS = ["kind", "item", "factor_set", "set_version", "factor_year", "value", "unit", "status", "source",
                  "source_locator", "rule"]
BASE_UNIT = {"mass": "t", "volume": "m^3", "energy": "GJ", "area": "ha", "area_time": "ha·d", "count": "head", "ratio": "1"}
_COLUMNS = {"sector": "sector", "region": "region", "entity": "entity_id", "activity": "activity"}
_SCHEMA = {"level": pl.String, "year": pl.Int32, "scope": pl.String, "key": pl.String, "label_en": pl.String,
           "label_zh": pl.String, "co2e_t": pl.Float64, "share": pl.Float64, "n_items": pl.UInt32}


def _words(key: str, lang: int, **kw) -> str:
    return LABELS["drill"][key][lang].format(**kw)


# --------------------------------------------------------------------------------------------------
# the run folder


@contextmanager
def _reading(path):
    """A damaged or unreadable Parquet file of a run is bad input (one message, exit 2), not a traceback."""
    try:
        yield
    except (pl.exceptions.PolarsError, OSError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise InputFileError(f"{path}: cannot read the run's Parquet files ({first}); compile the run again") from None


class _Run:
    """The files of a run folder and whether it keeps entities (its Parquet footers only)."""

    def __init__(self, run) -> None:
        path = Path(getattr(run, "path", run))
        read_manifest(path)  # "no such run folder" / "not a ghginv run folder": InputFileError
        self.path = path  # as given, for messages; the files by absolute path (the keys of the per-run caches)
        absolute = path.resolve()
        self.emissions = absolute / "emissions.parquet"
        self.factors = absolute / "factors_used.parquet"
        self.cube = absolute / "cube.parquet"
        self.manifest = absolute / "manifest.json"
        for f in (self.emissions, self.factors):
            if not f.is_file():
                raise InputFileError(f"{path}: the run folder has no {f.name} (compile it again with this ghginv version)")
        with _reading(path):
            self.entity = _has_entity(str(self.cube), _mtime(self.cube)) or _has_entity(str(self.emissions), _mtime(self.emissions))

    def scan(self) -> pl.LazyFrame:
        return pl.scan_parquet(self.emissions)

    def source(self, f: dict) -> pl.LazyFrame:
        """What a query with the filters ``f`` reads: the run's sector totals (year, scope, sector, co2e_t; a
        few hundred rows, kept per run while the file is unchanged) when ``f`` filters by year and sector
        only, else ``emissions.parquet`` itself, lazily."""
        if all(f.get(k) is None for k in ("region", "entity", "activity")):
            return _sector_totals(str(self.emissions), _mtime(self.emissions)).lazy()
        return self.scan()


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


@lru_cache(maxsize=64)
def _has_entity(path: str, mtime: int) -> bool:  # the footer only; mtime in the key: a rewritten run is read again
    return mtime != 0 and "entity_id" in pl.read_parquet_schema(path)


@lru_cache(maxsize=16)
def _sector_totals(path: str, mtime: int) -> pl.DataFrame:  # mtime in the key: a rewritten run is read again
    return sum_by(pl.scan_parquet(path), ["year", "scope", "sector"], ["co2e_t"])


@lru_cache(maxsize=16)
def _activity_names(run_path: str, mtime: int) -> dict[str, tuple[str, str]]:
    """activity -> (English, Chinese) name from the run's snapshot of its factor sets (first set first), then
    the catalogue (:data:`ghginv.core.i18n.LABELS` ``activity``)."""
    names: dict[str, tuple[str, str]] = {}
    for act, pair in LABELS["activity"].items():
        names[act] = pair
    manifest = read_manifest(run_path)
    folders = [Path(run_path) / "factor_sets" / s["name"] for s in manifest.get("factor_sets", []) if isinstance(s, dict) and "name" in s]
    if not folders:
        folders = sorted((Path(run_path) / "factor_sets").glob("*"))
    for folder in reversed(folders):  # the first set of the run wins
        f = folder / "activities.csv"
        if not f.is_file():
            continue
        try:
            t = pl.read_csv(f, infer_schema=False)
        except Exception:  # noqa: BLE001 - a name is a nicety: a snapshot we cannot read leaves the code as the label
            continue
        if {"activity", "name_en", "name_zh"} <= set(t.columns):
            for a, en, zh in t.select("activity", "name_en", "name_zh").iter_rows():
                if a:
                    names[a] = (en or a, zh or en or a)
    return names


# --------------------------------------------------------------------------------------------------
# filters


def _sector_expr(sector: str) -> pl.Expr:
    if sector.endswith(OWN):
        return pl.col("sector") == sector[: -len(OWN)]
    return (pl.col("sector") == sector) | pl.col("sector").str.starts_with(sector + ".")


def _filters(f: dict, scope: str) -> list[pl.Expr]:
    out = [pl.col("scope") == scope]
    if f.get("year") is not None:
        out.append(pl.col("year") == f["year"])
    if f.get("sector") is not None:
        out.append(_sector_expr(f["sector"]))
    if f.get("region") is not None:
        out.append(pl.col("region") == f["region"])
    if f.get("entity") is not None:
        out.append(pl.col("entity_id").is_null() if f["entity"] == "" else pl.col("entity_id") == f["entity"])
    if f.get("activity") is not None:
        out.append(pl.col("activity") == f["activity"])
    return out


def _check_options(run: _Run, f: dict, scope: str | None, limit: int) -> str:
    scope = "direct" if scope is None else scope
    if scope not in SCOPES:
        raise ConfigError(f"scope {scope!r} is not a scope of a run; give one of {', '.join(map(repr, SCOPES))}")
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ConfigError(f"limit must be a whole number ≥ 1, got {limit!r}")
    y = f.get("year")
    if isinstance(y, str) and y.strip().isdigit():  # a year from a form or a URL
        f["year"] = y = int(y)
    if y is not None:
        if isinstance(y, bool) or not isinstance(y, int):
            raise ConfigError(f"year must be a whole number such as 2022, got {y!r}")
    for k in ("sector", "region", "entity", "activity"):
        v = f.get(k)
        if v is not None and not isinstance(v, str):
            raise ConfigError(f"{k} must be text, got {v!r}")
    if f.get("entity") is not None and not run.entity:
        raise ConfigError(f"{run.path}: the run keeps no entities (compiled without keep_entity), so it cannot be drilled by "
                          f"entity {f['entity']!r}; compile with --keep-entity (or keep_entity = true) to drill by entity")
    s = f.get("sector")
    if s is not None:
        code = s[: -len(OWN)] if s.endswith(OWN) else s
        if not is_category(code):
            near = suggest(code)
            hint = f" (did you mean {', '.join(near)}?)" if near else ""
            raise ConfigError(f"sector {s!r} is not an IPCC 2006 category code{hint}; give a code such as 1.A.4.b")
    return scope


def _explain_empty(run: _Run, f: dict) -> None:
    """Raise for the first filter whose value the run does not have at all (any year, any scope); return when
    each value exists and only their combination is empty."""
    lf = run.scan()
    checks = []
    if f.get("year") is not None:
        checks.append(("year", pl.col("year") == f["year"], "year"))
    if f.get("sector") is not None:
        checks.append(("sector", _sector_expr(f["sector"]), "sector"))
    if f.get("region") is not None:
        checks.append(("region", pl.col("region") == f["region"], "region"))
    if f.get("entity") not in (None, ""):
        checks.append(("entity", pl.col("entity_id") == f["entity"], "entity_id"))
    if f.get("activity") is not None:
        checks.append(("activity", pl.col("activity") == f["activity"], "activity"))
    if not checks:
        return
    found = lf.select([e.any().alias(k) for k, e, _ in checks]).collect().row(0, named=True)
    for k, _, col in checks:
        if not found[k]:
            have = lf.select(pl.col(col).unique().drop_nulls().sort()).collect().to_series().to_list()
            shown = ", ".join(repr(x) for x in have[:20])  # quoted: the run's values as written + (f" … ({len(have)} in all)" if len(have) > 20 else "")
            raise ConfigError(f"{run.path}: {k} {f[k]!r} is not in the run (emissions.parquet has no row for it); "
                              f"the run's {k} values: {shown}")


# --------------------------------------------------------------------------------------------------
# levels


def _next_level(run: _Run, f: dict, scope: str) -> tuple[str, pl.DataFrame | None]:
    """The level below the given filters and, for the sector level, its rows (year, sector, co2e_t)."""
    sector = f.get("sector")
    if sector is None or not sector.endswith(OWN):
        codes = sum_by(run.source(f).filter(*_filters(f, scope)), ["year", "sector"], ["co2e_t"])
        if sector is None or not codes.height or (codes["sector"] != sector).any():
            return "sector", codes  # sub-categories below the code (or nothing: an empty sector level)
    for level in ("region", "entity", "activity"):
        if level == "entity" and not run.entity:
            continue
        if f.get(level) is None:
            return level, None
    return "factor", None


def _sector_rows(codes: pl.DataFrame, sector: str | None) -> pl.DataFrame:
    """(year, key, co2e_t) of the sub-categories of ``sector`` (the top-level sectors when None)."""
    if sector is None:
        key = pl.col("sector").str.extract(r"^([^.]+)", 1)
    else:
        n = len(sector) + 1
        key = (pl.when(pl.col("sector") == sector).then(pl.lit(sector + OWN))
               .otherwise(pl.lit(sector + ".") + pl.col("sector").str.slice(n).str.extract(r"^([^.]+)", 1)))
    return sum_by(codes, ["year", key.alias("key")], ["co2e_t"])


def _sector_labels(keys: list[str]) -> dict[str, tuple[str, str]]:
    out = {}
    for k in keys:
        own = k.endswith(OWN)
        code = k[: -len(OWN)] if own else k
        en = category_name(code) or code
        zh = CATEGORY_ZH.get(code, en)
        if own:
            en, zh = _words("own", 0, name=en, code=code), _words("own", 1, name=zh, code=code)
        out[k] = (en, zh)
    return out


def _limited(rows: pl.DataFrame, level: str, scope: str, limit: int) -> pl.DataFrame:
    """Rows (year, key, co2e_t, label_en, label_zh, + extra) sorted, shares of the year's total, at most
    ``limit`` per year and an "others" row with the rest."""
    rows = rows.with_columns(pl.col("year").cast(pl.Int32), pl.col("co2e_t").cast(pl.Float64))
    totals = sum_by(rows, ["year"], ["co2e_t"]).rename({"co2e_t": "_total"})
    rows = rows.join(totals, on="year", how="left", maintain_order="left")
    total = pl.col("_total")
    rows = rows.with_columns(
        pl.when(total != 0).then(pl.col("co2e_t") / total).otherwise(None).alias("share"),
        pl.lit(1, pl.UInt32).alias("n_items"),
        pl.lit(level).alias("level"),
        pl.lit(scope).alias("scope"),
    ).drop("_total")
    rows = rows.sort(["year", "co2e_t", "key"], descending=[False, True, False], nulls_last=True)
    rank = pl.int_range(pl.len()).over("year")
    head = rows.filter(rank < limit)
    rest = rows.filter(rank >= limit)
    if rest.height:
        counts = rest.group_by("year").agg(pl.len().cast(pl.UInt32).alias("n_items"))
        others = sum_by(rest, ["year"], ["co2e_t", "share"]).join(counts, on="year").with_columns(
            pl.lit(None, pl.String).alias("key"), pl.lit(level).alias("level"), pl.lit(scope).alias("scope"),
            pl.format(_words("others", 0, n="{}"), pl.col("n_items")).alias("label_en"),
            pl.format(_words("others", 1, n="{}"), pl.col("n_items")).alias("label_zh"),
        )
        head = pl.concat([head, others], how="diagonal_relaxed").sort("year", maintain_order=True)
    extra = [c for c in head.columns if c not in _SCHEMA]
    return head.select(*_SCHEMA, *extra)


def _activity_amounts(run: _Run, f: dict) -> pl.DataFrame | None:
    """Per (year, activity): the cube's amount in the base unit of its dimension (``amount``, ``unit``) when the
    activity has one dimension there; None when the run has no cube."""
    if not run.cube.is_file():
        return None
    from ..core.units import parse_unit

    cube = pl.scan_parquet(run.cube)
    names = cube.collect_schema().names()
    conds = []
    if f.get("year") is not None:
        conds.append(pl.col("year") == f["year"])
    if f.get("sector") is not None:
        conds.append(_sector_expr(f["sector"]))
    if f.get("region") is not None:
        conds.append(pl.col("region") == f["region"])
    if f.get("entity") is not None:
        if "entity_id" not in names:  # a cube without entities cannot give one entity's amounts
            return None
        conds.append(pl.col("entity_id").is_null() if f["entity"] == "" else pl.col("entity_id") == f["entity"])
    by_unit = sum_by(cube.filter(*conds, pl.lit(True)), ["year", "activity", "unit"], ["amount"])
    dims, scales = [], []
    for u in by_unit["unit"].to_list():
        try:
            p = parse_unit(u)
            dims.append(p.dimension)
            scales.append(p.scale)
        except Exception:  # noqa: BLE001 - a unit the run itself accepted; an odd one leaves the amount empty
            dims.append(None)
            scales.append(None)
    by_unit = by_unit.with_columns(pl.Series("dim", dims, pl.String), pl.Series("scale", scales, pl.Float64))
    dims = by_unit.group_by("year", "activity").agg(pl.col("dim").n_unique().alias("_n"), pl.col("dim").first().alias("_dim"),
                                                    pl.col("dim").null_count().alias("_nulls"))
    out = sum_by(by_unit, ["year", "activity"], [(pl.col("amount") * pl.col("scale")).alias("amount")]).join(dims, on=["year", "activity"])
    one = (pl.col("_n") == 1) & (pl.col("_nulls") == 0)  # one dimension, every unit understood
    out = out.with_columns(pl.when(one).then(pl.col("amount")).otherwise(None).alias("amount"),
                           pl.when(one).then(pl.col("_dim").replace_strict(BASE_UNIT, default=None)).otherwise(None).alias("amount_unit"))
    return out.select("year", pl.col("activity").alias("key"), "amount", "amount_unit")


def _factor_rows(run: _Run, f: dict, scope: str) -> pl.DataFrame:
    """The factor level: per year, each gas's factor row with its CO2e, the conversions without."""
    gases = sum_by(run.scan().filter(*_filters(f, scope)), ["year", "region", "sector", "activity", "gas"], ["co2e_t", "emissions_t"])
    cells = gases.select("year", "region", "sector", "activity").unique()
    if not cells.height:
        return pl.DataFrame(schema={"year": pl.Int32, "key": pl.String, "co2e_t": pl.Float64})
    conds = [pl.col("region") == f["region"], pl.col("activity") == f["activity"]]
    s = f["sector"]
    conds.append(pl.col("sector") == (s[: -len(OWN)] if s.endswith(OWN) else s))
    if f.get("year") is not None:
        conds.append(pl.col("year") == f["year"])
    used = pl.scan_parquet(run.factors).filter(*conds).collect()
    used = used.join(cells, on=["year", "region", "sector", "activity"], how="semi", maintain_order="left")
    facs = used.filter(pl.col("kind") == "factor").with_columns(pl.int_range(pl.len()).over("year", "item").alias("_n"))
    conv = used.filter(pl.col("kind") != "factor")
    g = gases.select("year", pl.col("gas").alias("item"), "co2e_t", "emissions_t", pl.lit(0, pl.Int64).alias("_n"))
    with_gas = facs.join(g, on=["year", "item", "_n"], how="full", coalesce=True, maintain_order="left_right")  # one factor row per gas takes its CO2e
    # a gas's factor row of the cell whose emissions are in another scope (biogenic CO2 is memo) is not this level's
    with_gas = with_gas.filter(~((pl.col("kind") == "factor") & pl.col("co2e_t").is_null()))
    out = pl.concat([with_gas.drop("_n"), conv], how="diagonal_relaxed")
    kinds = LABELS["factor_kind"]
    en, zh = [], []
    for kind, item in out.select("kind", "item").iter_rows():
        if kind == "factor":
            en.append(_words("ef", 0, gas=item))
            zh.append(_words("ef", 1, gas=item))
        elif kind is None:
            en.append(_words("no_factor", 0, gas=item))
            zh.append(_words("no_factor", 1, gas=item))
        else:
            name, what = kinds.get(item, (item, item)), kinds.get(kind, (kind, kind))
            en.append(_words("conversion", 0, name=name[0], kind=what[0]))
            zh.append(_words("conversion", 1, name=name[1], kind=what[1]))
    out = out.with_columns(pl.col("item").alias("key"), pl.Series("label_en", en, pl.String), pl.Series("label_zh", zh, pl.String),
                           pl.col("co2e_t").cast(pl.Float64))
    keep = ["year", "key", "label_en", "label_zh", "co2e_t", "emissions_t", *FACTOR_COLUMNS]
    for c in keep:
        if c not in out.columns:
            out = out.with_columns(pl.lit(None).alias(c))
    return out.select(keep)


def _rows(run: _Run, f: dict, scope: str, level: str, codes: pl.DataFrame | None) -> pl.DataFrame:
    if level == "sector":
        rows = _sector_rows(codes, f.get("sector"))
        labels = _sector_labels(rows["key"].unique().to_list())
    elif level == "factor":
        return _factor_rows(run, f, scope)
    else:
        col = _COLUMNS[level]
        lf = run.scan().filter(*_filters(f, scope))
        key = pl.col(col).fill_null("") if level == "entity" else pl.col(col)
        rows = sum_by(lf, ["year", key.alias("key")], ["co2e_t"])
        keys = rows["key"].unique().to_list()
        if level == "activity":
            names = _activity_names(str(run.manifest.parent), _mtime(run.manifest))
            labels = {k: names.get(k, (k, k)) for k in keys}
            amounts = _activity_amounts(run, f)
            if amounts is not None:
                rows = rows.join(amounts, on=["year", "key"], how="left")
        elif level == "entity":
            labels = {k: (k, k) if k else (_words("no_entity", 0), _words("no_entity", 1)) for k in keys}
        else:
            labels = {k: (k, k) for k in keys}
    en = {k: v[0] for k, v in labels.items()}
    zh = {k: v[1] for k, v in labels.items()}
    return rows.with_columns(pl.col("key").replace_strict(en, default=pl.col("key"), return_dtype=pl.String).alias("label_en"),
                             pl.col("key").replace_strict(zh, default=pl.col("key"), return_dtype=pl.String).alias("label_zh"))


def drill_down(run, *, year=None, sector=None, region=None, entity=None, activity=None, scope=None, limit=500) -> pl.DataFrame:
    """One level of the drill-down of a finished run folder, from a total down to the factor rows.

    Nothing given: the totals by year and top-level sector (1 Energy, 2 IPPU, 3 AFOLU, 4 Waste, 5 Other).
    Filters narrow it; the level returned is the next one down, in the order sector (the sub-categories, by
    IPCC code prefix) → region → entity (only when the run keeps entities; skipped otherwise) → activity →
    the factor rows used (what ``factors_used.parquet`` holds). A filter level not given comes first: a region
    without a sector gives that region's sectors.

    An entity's CO2e is what the run booked to it (``emissions.parquet`` of a run compiled with
    ``keep_entity``): a cell's factor applies to every entity in the cell, so this is the entity's amount ×
    the cell's CO2e / amount (exact when the cell's amount > 0; tested).

    The run's Parquet files are read lazily (polars ``scan_parquet``: the columns needed, the filters pushed
    down), never whole; nothing is written.

    Parameters
    ----------
    run : str, os.PathLike or RunFolder
        A run folder written by ``ghginv compile`` or ``ghginv recompute`` (or :func:`ghginv.load_run`'s
        result).
    year : int, optional
        One year; default every year of the run (each year is its own parent: rows, shares, "others").
    sector : str, optional
        An IPCC 2006 category code (``1``, ``1.A.2``, ``3.B.1.a``): the rows of that code and below. A key
        ending in ``=`` (``1.A.2=``) selects the rows booked at the code itself, not at a sub-category.
    region, entity, activity : str, optional
        A region code, an ``entity_id`` (``""``: the rows booked to no entity), an activity code.
    scope : {"direct", "indirect", "memo"}, optional
        Default ``"direct"`` (scope 1: the inventory ``TOTAL``); ``"indirect"`` purchased electricity and
        heat (scope 2); ``"memo"`` biogenic CO2 and Montreal-Protocol gases. Never added together.
    limit : int, default 500
        Most rows per year; the rest are summed into one "others" row (``key`` empty).

    Returns
    -------
    polars.DataFrame
        ``level`` ("sector", "region", "entity", "activity" or "factor"), ``year``, ``scope``, ``key`` (the
        value to give as the level's filter to go one level down; empty for "others"), ``label_en``,
        ``label_zh``, ``co2e_t`` [t CO2e], ``share`` (of the parent total of that year, a fraction of 1;
        empty when the parent total is 0), ``n_items`` (1, or the number of rows an "others" row sums),
        then by level: ``activity`` — ``amount`` and ``amount_unit`` (the cube's activity in the base unit
        of its dimension: t, m^3, GJ …; empty when it mixes dimensions); ``factor`` — ``emissions_t``
        [t of the gas] and ``kind``, ``item``, ``factor_set``, ``set_version``, ``factor_year``, ``value``,
        ``unit``, ``status``, ``source``, ``source_locator``, ``rule`` (conversion rows with ``co2e_t``
        empty). Sorted by year, then ``co2e_t`` descending, then ``key``; the rows of a year add up to
        the parent total.

    Raises
    ------
    InputFileError
        ``run`` is not a run folder (no ``manifest.json``, or no ``emissions.parquet``).
    ConfigError
        A filter the run does not have (a year, sector, region, entity or activity no row of the run
        holds), a sector that is not an IPCC 2006 code, an entity for a run without entities, an unknown
        scope, ``limit`` < 1.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1 Ch 8,
       Table 8.2 (reporting categories) and Vol 2 Ch 2, Eq 2.1 (emissions = activity data ×
       emission factor, the factor row shown at the last level).

    Examples
    --------
    >>> ghginv.drill_down("out/demo", year=2024)                                       # doctest: +SKIP
    >>> ghginv.drill_down("out/demo", year=2024, sector="1.A.4.b", region="510105001")  # doctest: +SKIP
    """
    r = _Run(run)
    f = {"year": year, "sector": sector, "region": region, "entity": entity, "activity": activity}
    scope = _check_options(r, f, scope, limit)
    with _reading(r.path):
        level, codes = _next_level(r, f, scope)
        rows = _rows(r, f, scope, level, codes)
        if not rows.height:
            _explain_empty(r, f)
        return _limited(rows, level, scope, limit)


def drill_path(run, *, year=None, sector=None, region=None, entity=None, activity=None, scope=None) -> list[dict]:
    """The breadcrumb of a drill-down: the total and each level the filters select, with its total.

    Parameters
    ----------
    run : str, os.PathLike or RunFolder
        A run folder.
    year, sector, region, entity, activity, scope
        As :func:`drill_down`.

    Returns
    -------
    list of dict
        Top first: ``{"level": "total", "key": None, …}`` then one entry per sector code on the way (``1``,
        ``1.A``, ``1.A.2`` … down to ``sector``), the region, the entity and the activity given. Each entry:
        ``level``, ``key``, ``label_en``, ``label_zh``, ``co2e_t`` [t CO2e] (summed over the selected
        years), ``by_year`` ({year: t CO2e}) and ``filters`` (the keyword arguments of :func:`drill_down`
        that show the level below that entry — a link back up).

    Raises
    ------
    InputFileError, ConfigError
        As :func:`drill_down`.

    Examples
    --------
    >>> [c["key"] for c in ghginv.drill_path("out/demo", sector="1.A.4.b")]  # doctest: +SKIP
    [None, '1', '1.A', '1.A.4', '1.A.4.b']
    """
    r = _Run(run)
    f = {"year": year, "sector": sector, "region": region, "entity": entity, "activity": activity}
    scope = _check_options(r, f, scope, 1)
    with _reading(r.path):
        return _path(r, f, scope)


def _path(r: _Run, f: dict, scope: str) -> list[dict]:
    year, sector, activity = f["year"], f["sector"], f["activity"]
    base = {"year": year, "scope": scope}
    steps: list[tuple[str, str | None, dict]] = [("total", None, dict(base))]
    cur = dict(base)
    if sector is not None:
        own = sector.endswith(OWN)
        code = sector[: -len(OWN)] if own else sector
        parts = code.split(".")
        for i in range(len(parts)):
            c = ".".join(parts[: i + 1])
            cur = {**cur, "sector": c}
            steps.append(("sector", c, dict(cur)))
        if own:
            cur = {**cur, "sector": sector}
            steps.append(("sector", sector, dict(cur)))
    for level in ("region", "entity", "activity"):
        v = f[level]
        if v is not None:
            cur = {**cur, level: v}
            steps.append((level, v, dict(cur)))
    lf = r.source(f).filter(pl.col("scope") == scope, *([pl.col("year") == year] if year is not None else []))
    aggs = []
    for i, (_, _, flt) in enumerate(steps):
        conds = _filters({k: v for k, v in flt.items() if k != "scope"}, scope)[1:]
        pred = pl.lit(True)
        for c in conds:
            pred = pred & c
        aggs.append(pl.when(pred).then(pl.col("co2e_t")).otherwise(0.0).alias(f"t{i}"))  # + 0.0: the same sum
    by_year = sum_by(lf, ["year"], aggs)
    if by_year.height == 0 or by_year[f"t{len(steps) - 1}"].abs().sum() == 0:
        if not lf.filter(*_filters(f, scope)).head(1).collect().height:
            _explain_empty(r, f)
    sec = _sector_labels([k for lv, k, _ in steps if lv == "sector"])
    names = _activity_names(str(r.manifest.parent), _mtime(r.manifest)) if activity is not None else {}
    out = []
    for i, (lv, key, flt) in enumerate(steps):
        if lv == "total":
            en, zh = _words("total", 0, scope=scope), _words("total", 1, scope=LABELS["drill"][f"scope_{scope}"][1])
        elif lv == "sector":
            en, zh = sec[key]
        elif lv == "activity":
            en, zh = names.get(key, (key, key))
        elif lv == "entity" and key == "":
            en, zh = _words("no_entity", 0), _words("no_entity", 1)
        else:
            en, zh = key, key
        years = dict(zip(by_year["year"].to_list(), by_year[f"t{i}"].to_list()))
        out.append({"level": lv, "key": key, "label_en": en, "label_zh": zh, "co2e_t": float(sum(years.values())), "by_year": years,
                    "filters": {k: v for k, v in flt.items() if v is not None}})
    return out
