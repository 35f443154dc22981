"""Time-series consistency: fill a missing year of an activity series (2006 IPCC GL Vol 1 Ch 5).

A *series* is the activity amount of one (region, sector, activity) over the years, read from the
activity cube and summed over units in the base unit of their dimension (t, m^3, GJ, …). Gaps are
filled **at the activity level, before factors**: the filled amount becomes a cube cell and the
factors, conversions and GWPs of the run then apply to it as to any other cell (the place the
guidelines prefer: the emission factor of the year is used, not a trend of emissions).

Methods, per rule, for a gap year 0 (only years with reported data enter, never filled values)::

    overlap        y0 = x0 × Σ_i y_i / Σ_i x_i         (Vol 1 Ch 5 Eq 5.1; i = overlap years in which
                                                          both y and the reference series x have data)
    surrogate      y0 = y_t × s0 / s_t                  (Vol 1 Ch 5 Eq 5.2; t = nearest year with data,
                                                          s = surrogate series: GDP, population, …)
    interpolation  y0 = y_a + (y_b − y_a) × (0 − a)/(b − a)   (Vol 1 Ch 5 §5.3.3.3; a, b = nearest
                                                          years with data before and after the gap)
    extrapolation  y0 = α + β × year0                   (Vol 1 Ch 5 §5.3.3.4, trend extrapolation:
                                                          least-squares line through the ``trend_years``
                                                          nearest years with data, default 3)

Configuration (``[[gap_filling]]``, one table per rule)::

    [[gap_filling]]
    category = "1.A.4.b"        # sector code; also matches the codes below it (1.A.4.b.i …)
    activity = "natural_gas"    # activity code, or "*" (default) for every activity
    region = "510105003"        # region code, or "*" (default) for every region
    years = [2022]
    method = "interpolation"    # interpolation | extrapolation | overlap | surrogate
    # surrogate / overlap: the series s (or x) —
    # surrogate = "population"                 a column of the [economy] table (gdp_const_10k_yuan is
    #                                          chained like the indicators when only current GDP is given)
    # surrogate = { category = "1.A.4.a", activity = "natural_gas" }   another activity series
    #                                          (region defaults to the filled series' region)
    # surrogate_path = "data/heating_days.csv" a CSV/Parquet with year[, region] and the column named
    #                                          by surrogate (default "value")
    # base_year = 2021                         surrogate: the year t (default: nearest year with data)
    # overlap_years = [2019, 2020, 2021]       overlap: restrict the overlap years
    # trend_years = 3                          extrapolation: number of nearest years in the trend

Each rule fills the matched series in the years where they have no data; a series that has data in
that year keeps it (noted). Filled cells enter the cube with ``n_rows = 0`` (no source row), the
mark that they are estimated; ``gap_filling.parquet`` records series, year, method, the inputs used
and the filled amount, and the report lists them. Filling is repeatable: cells with ``n_rows = 0``
are dropped and filled again, so ``recompute`` from a cached cube gives the same result.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from ..core._frames import group_sum
from ..core.errors import ConfigError, InputFileError, Problem, SchemaError
from ..core.units import parse_unit
from .cube import Cube

__all__ = ["GapRule", "GapFillResult", "parse_rules", "fill_gaps", "gapfill_stage", "interpolate", "extrapolate",
           "overlap", "surrogate", "METHODS", "BASE_UNITS"]

METHODS = ("interpolation", "extrapolation", "overlap", "surrogate")
BASE_UNITS = {"mass": "t", "volume": "m^3", "energy": "GJ", "area": "ha", "area_time": "ha·d", "count": "head", "ratio": "1"}
_KEYS = {"category", "activity", "region", "years", "method", "surrogate", "surrogate_path", "base_year", "overlap_years", "trend_years"}
_SERIES = ["region", "sector", "activity"]


# ---- the equations (pure; values are dicts year -> amount) ------------------------------------------


def interpolate(y: dict[int, float], year: int) -> tuple[float, list[int]]:
    r"""Linear interpolation between the nearest years with data before and after ``year``.

    .. math::

        y_0 = y_a + (y_b - y_a) \frac{t_0 - a}{b - a}

    Parameters
    ----------
    y : dict of int to float
        The series: amount per year with data [base unit of its dimension].
    year : int
        The gap year.

    Returns
    -------
    value : float
        The filled amount [unit of ``y``].
    years : list of int
        The years used, ``[a, b]``.

    Raises
    ------
    ValueError
        When the series has no data before or after ``year``.

    References
    ----------
    .. [1] 2006 IPCC Guidelines, Vol 1, Ch 5, §5.3.3.3 (interpolation).
    """
    before = [t for t in y if t < year]
    after = [t for t in y if t > year]
    if not before or not after:
        raise ValueError(f"interpolation needs data before and after {year}; the series has {_years(y)}")
    a, b = max(before), min(after)
    return y[a] + (y[b] - y[a]) * (year - a) / (b - a), [a, b]


def extrapolate(y: dict[int, float], year: int, n: int = 3) -> tuple[float, list[int]]:
    r"""Least-squares linear trend through the ``n`` years with data nearest to ``year``.

    .. math::

        y_0 = \alpha + \beta \, t_0

    Parameters
    ----------
    y : dict of int to float
        The series: amount per year with data [base unit of its dimension].
    year : int
        The gap year.
    n : int, default 3
        Number of nearest years with data in the trend (ties: the earlier year).

    Returns
    -------
    value : float
        The filled amount [unit of ``y``].
    years : list of int
        The years used, ascending.

    Raises
    ------
    ValueError
        When fewer than two years have data.

    References
    ----------
    .. [1] 2006 IPCC Guidelines, Vol 1, Ch 5, §5.3.3.4 (trend extrapolation).
    """
    near = sorted(sorted((t for t in y if t != year), key=lambda t: (abs(t - year), t))[:n])
    if len(near) < 2:
        raise ValueError(f"trend extrapolation needs at least two years with data; the series has {_years(y)}")
    t = np.array(near, dtype=np.float64)
    v = np.array([y[k] for k in near], dtype=np.float64)
    tm = t.mean()
    beta = float(((t - tm) * (v - v.mean())).sum() / ((t - tm) ** 2).sum())
    return float(v.mean() + beta * (year - tm)), near


def overlap(y: dict[int, float], x: dict[int, float], year: int, years: list[int] | None = None) -> tuple[float, list[int]]:
    """Eq 5.1: y0 = x0 × Σ y_i / Σ x_i over the overlap years (both series have data).

    Parameters
    ----------
    y : dict of int to float
        The series to fill: amount per year with data [base unit of its dimension].
    x : dict of int to float
        The reference series per year [its own unit].
    year : int
        The gap year (``x`` must have it).
    years : list of int, optional
        Restrict the overlap years to these.

    Returns
    -------
    value : float
        The filled amount [unit of ``y``].
    years : list of int
        The overlap years used, ascending.

    Raises
    ------
    ValueError
        When ``x`` lacks ``year``, no overlap year exists, or ``x`` sums to 0 over them.

    References
    ----------
    .. [1] 2006 IPCC Guidelines, Vol 1, Ch 5, Eq 5.1 (overlap).
    """
    if year not in x:
        raise ValueError(f"overlap needs the reference series in {year}; it has {_years(x)}")
    both = sorted(t for t in y if t in x and t != year and (years is None or t in years))
    if not both:
        raise ValueError(f"overlap needs years in which both series have data; series {_years(y)}, reference {_years(x)}")
    sx = math.fsum(x[t] for t in both)
    if sx == 0:
        raise ValueError(f"the reference series sums to 0 over the overlap years {both}")
    return x[year] * math.fsum(y[t] for t in both) / sx, both


def surrogate(y: dict[int, float], s: dict[int, float], year: int, base_year: int | None = None) -> tuple[float, list[int]]:
    """Eq 5.2: y0 = y_t × s0 / s_t, t = ``base_year`` or the nearest year with data (earlier on a tie).

    Parameters
    ----------
    y : dict of int to float
        The series to fill: amount per year with data [base unit of its dimension].
    s : dict of int to float
        The surrogate series per year (GDP, population, another activity, …) [its own unit].
    year : int
        The gap year (``s`` must have it).
    base_year : int, optional
        The year ``t``; by default the nearest year in which both series have data.

    Returns
    -------
    value : float
        The filled amount [unit of ``y``].
    years : list of int
        ``[t]``.

    Raises
    ------
    ValueError
        When ``s`` lacks ``year``, no base year has both series, or ``s`` is 0 in it.

    References
    ----------
    .. [1] 2006 IPCC Guidelines, Vol 1, Ch 5, Eq 5.2 (surrogate data).
    """
    if year not in s:
        raise ValueError(f"the surrogate series has no value for {year}; it has {_years(s)}")
    if base_year is None:
        cand = sorted((t for t in y if t != year and t in s), key=lambda t: (abs(t - year), t))
        if not cand:
            raise ValueError(f"no year in which both the series and the surrogate have data; series {_years(y)}, surrogate {_years(s)}")
        base_year = cand[0]
    if base_year not in y or base_year not in s:
        raise ValueError(f"base_year {base_year}: the series or the surrogate has no value in it")
    if s[base_year] == 0:
        raise ValueError(f"the surrogate is 0 in {base_year}")
    return y[base_year] * s[year] / s[base_year], [base_year]


def _years(d: dict) -> str:
    return ", ".join(map(str, sorted(d))) or "no years"


# ---- configuration -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GapRule:
    number: int  # 1-based position of the [[gap_filling]] table
    category: str
    activity: str
    region: str
    years: tuple[int, ...]
    method: str
    surrogate: object = None  # column name (str) or series spec (dict)
    surrogate_path: Path | str | None = None  # a local path, or a URL (ghginv.core._fs)
    base_year: int | None = None
    overlap_years: tuple[int, ...] | None = None
    trend_years: int = 3

    def where(self) -> str:
        return f"[[gap_filling]] #{self.number} (category {self.category}, activity {self.activity}, region {self.region})"


def _int_list(v) -> tuple[int, ...] | None:
    if isinstance(v, int) and not isinstance(v, bool):
        return (v,)
    if isinstance(v, list) and v and all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        return tuple(v)
    return None


def parse_rules(raw, cfg) -> list[GapRule]:
    """Check the ``[[gap_filling]]`` tables; every problem is listed at once.

    Parameters
    ----------
    raw : list of dict or dict
        The ``gap_filling`` value of the configuration (one table or an array of tables).
    cfg : RunConfig
        The run's configuration (source file, inventory years, paths).

    Returns
    -------
    list of GapRule
        One rule per table, numbered from 1.

    Raises
    ------
    ConfigError
        When a table is malformed (unknown key, missing category, bad method, years, surrogate, …).
    """
    src = str(cfg.source) if cfg.source else "config"
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise ConfigError(f"{src}: gap_filling must be an array of tables ([[gap_filling]])")
    problems, rules = [], []
    for i, t in enumerate(raw, start=1):
        where = f"[[gap_filling]] #{i}"
        if not isinstance(t, dict):
            problems.append(Problem(f"{where} must be a table", file=src))
            continue
        for k in sorted(set(t) - _KEYS):
            problems.append(Problem(f"{where}: unknown key '{k}'", file=src, hint=f"known keys: {', '.join(sorted(_KEYS))}"))
        cat, method = t.get("category"), t.get("method")
        years = _int_list(t.get("years"))
        if not isinstance(cat, str) or not cat:
            problems.append(Problem(f"{where}: category (a sector code such as '1.A.4.b') is required", file=src))
        if method not in METHODS:
            problems.append(Problem(f"{where}: method must be one of {', '.join(METHODS)}", file=src, value=method))
        if years is None:
            problems.append(Problem(f"{where}: years must be a list of years, e.g. [2022]", file=src, value=t.get("years")))
        elif cfg.years is not None and any(not cfg.years[0] <= y <= cfg.years[1] for y in years):
            problems.append(Problem(f"{where}: years {list(years)} lie outside the inventory years {list(cfg.years)}", file=src))
        sur, spath = t.get("surrogate"), t.get("surrogate_path")
        if method in ("surrogate", "overlap"):
            if sur is None and spath is None:
                problems.append(Problem(f"{where}: method {method!r} needs a surrogate series: surrogate = \"population\" "
                                        "(an [economy] column), surrogate = { category = …, activity = … } or surrogate_path", file=src))
            elif sur is not None and not isinstance(sur, (str, dict)):
                problems.append(Problem(f"{where}: surrogate must be a column name or a table {{ category, activity, region }}", file=src, value=sur))
            elif isinstance(sur, dict) and (set(sur) - {"category", "activity", "region"} or not sur.get("category")):
                problems.append(Problem(f"{where}: a surrogate series takes category (required), activity and region", file=src, value=sur))
        ty = t.get("trend_years", 3)
        if not isinstance(ty, int) or isinstance(ty, bool) or ty < 2:
            problems.append(Problem(f"{where}: trend_years must be an integer ≥ 2", file=src, value=ty))
        by = t.get("base_year")
        if by is not None and (not isinstance(by, int) or isinstance(by, bool)):
            problems.append(Problem(f"{where}: base_year must be a year", file=src, value=by))
        oy = t.get("overlap_years")
        if oy is not None and _int_list(oy) is None:
            problems.append(Problem(f"{where}: overlap_years must be a list of years", file=src, value=oy))
        if problems:
            continue
        rules.append(GapRule(i, cat, str(t.get("activity", "*")), str(t.get("region", "*")), years, method, sur,
                             cfg.locate(spath) if spath else None, by, _int_list(oy) if oy is not None else None, ty))
    if problems:
        raise ConfigError(f"{src}: invalid [[gap_filling]]", problems)
    return rules


# ---- series --------------------------------------------------------------------------------------


def _in_category(col: str, cat: str) -> pl.Expr:
    return (pl.col(col) == cat) | pl.col(col).str.starts_with(cat + ".")


def _series_table(cells: pl.DataFrame) -> pl.DataFrame:
    """year, region, sector, activity, dim, base_amount: real cells summed in base units."""
    units = {u: parse_unit(u) for u in cells["unit"].unique().to_list()}
    base = cells.select(
        "year", *_SERIES,
        (pl.col("amount") * pl.col("unit").replace_strict({u: p.scale for u, p in units.items()}, return_dtype=pl.Float64)).alias("base_amount"),
        pl.col("unit").replace_strict({u: p.dimension for u, p in units.items()}, return_dtype=pl.String).alias("dim"),
    )
    return group_sum(base, ["year", *_SERIES, "dim"], ["base_amount"])  # deterministic order of the terms


def _values(tab: pl.DataFrame, what: str) -> tuple[dict[int, float], str]:
    dims = tab["dim"].unique().to_list()
    if len(dims) > 1:
        raise ConfigError(f"{what}: its units have different dimensions ({', '.join(sorted(dims))}); gap filling needs one")
    g = group_sum(tab.select("year", "base_amount"), ["year"], ["base_amount"])
    return dict(zip(g["year"].to_list(), g["base_amount"].to_list())), (dims[0] if dims else "mass")


def _surrogate_values(rule: GapRule, region: str, table: pl.DataFrame, cfg) -> tuple[dict[int, float], str]:
    sur = rule.surrogate
    if isinstance(sur, dict):
        reg = sur.get("region", region)
        reg = region if reg in ("same", "*") else str(reg)
        act = sur.get("activity", "*")
        sub = table.filter(_in_category("sector", sur["category"]), pl.col("region") == reg,
                           pl.lit(True) if act == "*" else pl.col("activity") == act)
        if sub.height == 0:
            raise ConfigError(f"{rule.where()}: the surrogate series (category {sur['category']}, activity {act}, region {reg}) has no data")
        vals, _ = _values(sub, f"{rule.where()}: surrogate series")
        return vals, f"activity series {reg}/{sur['category']}/{act}"
    column = sur or "value"
    path = rule.surrogate_path
    if path is None:
        eco = cfg.extra.get("economy") or {}
        if not eco.get("path"):
            raise ConfigError(f"{rule.where()}: surrogate = {column!r} names an economy column, but there is no [economy] path (or give surrogate_path)")
        path = cfg.locate(eco["path"])
    from ..analysis.indicators import _read_table, chain_gdp
    from ..core import _fs

    path = _fs.input_file(path)  # a local path or a URL
    if not _fs.is_file(path):
        raise InputFileError(f"{path}: surrogate table not found ({rule.where()})")
    df = _read_table(path)
    if "year" not in df.columns:
        raise SchemaError(f"{path}: the surrogate table lacks column 'year'")
    if "region" in df.columns:
        df = df.with_columns(pl.col("region").cast(pl.String))
        pick = region if df.filter(pl.col("region") == region).height else "ALL"
        df = df.filter(pl.col("region") == pick)
    else:
        pick = None
    if column not in df.columns and column == "gdp_const_10k_yuan" and {"gdp_current_10k_yuan", "gdp_index_prev_100"} <= set(df.columns):
        by = (cfg.extra.get("economy") or {}).get("price_base_year") or cfg.base_year or int(df["year"].min())
        df = chain_gdp(df.with_columns(pl.col("region").cast(pl.String) if "region" in df.columns else pl.lit("ALL").alias("region")), by, str(path))
    if column not in df.columns:
        raise SchemaError(f"{path}: the surrogate table has no column {column!r} ({rule.where()}); columns: {', '.join(df.columns)}")
    if df.height == 0:
        raise ConfigError(f"{path}: no rows for region {region} or ALL ({rule.where()})")
    vals = {}
    for y, v in zip(df["year"].to_list(), df[column].to_list()):
        if v is None or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ConfigError(f"{path}: year {y}, column {column!r}: surrogate value must be a number, got {v!r}")
        vals[int(y)] = float(v)
    return vals, f"{column} ({path.name}{', region ' + pick if pick else ''})"


# ---- the stage -----------------------------------------------------------------------------------


@dataclass
class GapFillResult:
    record: pl.DataFrame  # gap_filling.parquet
    notes: list[str] = field(default_factory=list)

    def manifest_entry(self) -> dict:
        return {"filled": self.record.height, "notes": self.notes,
                "methods": dict(sorted(self.record.group_by("method").len().iter_rows())) if self.record.height else {}}


_RECORD_SCHEMA = {"rule": pl.Int32, "year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String,
                  "method": pl.String, "unit": pl.String, "amount": pl.Float64, "input_years": pl.List(pl.Int32),
                  "inputs": pl.String, "surrogate": pl.String}


def fill_gaps(cells: pl.DataFrame, rules: list[GapRule], cfg) -> tuple[pl.DataFrame, GapFillResult]:
    """Cube cells with the gaps filled (new cells: unit = base unit, n_rows = 0) and the record.

    Cells with ``n_rows = 0`` (filled before) are dropped and filled again, so filling is repeatable.

    Parameters
    ----------
    cells : polars.DataFrame
        The cube cells: year, region, sector, activity, unit, amount [unit of the row], n_rows
        (and entity_id).
    rules : list of GapRule
        The rules of :func:`parse_rules`.
    cfg : RunConfig
        The run's configuration (for the surrogate tables).

    Returns
    -------
    cells : polars.DataFrame
        The real cells and the filled ones (amount in the base unit of the series' dimension),
        sorted by the cell keys.
    result : GapFillResult
        The record (rule, year, series, method, unit, amount, input years, inputs, surrogate) and notes.

    Raises
    ------
    ConfigError
        When a rule matches no series or fills nothing, two rules fill the same year, a method cannot
        apply or gives an amount that is not finite and ≥ 0.
    """
    real = cells.filter(pl.col("n_rows") > 0)
    table = _series_table(real)
    rec, notes, seen = [], [], {}
    for rule in rules:
        act = pl.lit(True) if rule.activity == "*" else pl.col("activity") == rule.activity
        reg = pl.lit(True) if rule.region == "*" else pl.col("region") == rule.region
        matched = table.filter(_in_category("sector", rule.category), act, reg).select(_SERIES).unique().sort(_SERIES)
        if matched.height == 0:
            raise ConfigError(f"{rule.where()}: matches no activity series in the data")
        n_filled = 0
        for region, sector, activity in matched.iter_rows():
            name = f"{region}/{sector}/{activity}"
            y, dim = _values(table.filter(pl.col("region") == region, pl.col("sector") == sector, pl.col("activity") == activity),
                f"{rule.where()}: series {name}")
            s = sdesc = None
            if rule.method in ("surrogate", "overlap"):
                s, sdesc = _surrogate_values(rule, region, table, cfg)
            for year in rule.years:
                if year in y:
                    notes.append(f"gap filling rule #{rule.number}: {name} has data in {year}, kept")
                    continue
                if (region, sector, activity, year) in seen:
                    raise ConfigError(f"{rule.where()}: {name} {year} is also filled by rule #{seen[(region, sector, activity, year)]}")
                try:
                    if rule.method == "interpolation":
                        v, used = interpolate(y, year)
                    elif rule.method == "extrapolation":
                        v, used = extrapolate(y, year, rule.trend_years)
                    elif rule.method == "overlap":
                        v, used = overlap(y, s, year, list(rule.overlap_years) if rule.overlap_years else None)
                    else:
                        v, used = surrogate(y, s, year, rule.base_year)
                except ValueError as e:
                    raise ConfigError(f"{rule.where()}: series {name}, year {year}: {e}") from None
                if not math.isfinite(v) or v < 0:
                    raise ConfigError(f"{rule.where()}: series {name}, year {year}: {rule.method} gives {v!r}, not a valid "
                                      "amount (finite, ≥ 0) — choose another method or other years")
                seen[(region, sector, activity, year)] = rule.number
                unit = BASE_UNITS[dim]
                inputs = "; ".join([f"y[{t}]={y[t]:.6g} {unit}" for t in used if t in y]
                                   + ([f"s[{t}]={s[t]:.6g}" for t in sorted(set(used) | {year}) if t in s] if s is not None else []))
                rec.append({"rule": rule.number, "year": year, "region": region, "sector": sector, "activity": activity,
                            "method": rule.method, "unit": unit, "amount": v, "input_years": used, "inputs": inputs, "surrogate": sdesc})
                n_filled += 1
        if n_filled == 0:
            raise ConfigError(f"{rule.where()}: nothing to fill — every matched series has data in {list(rule.years)}")
    record = pl.DataFrame(rec, schema=_RECORD_SCHEMA).sort("year", *_SERIES)
    if record.height == 0:
        return real, GapFillResult(record, notes)
    new = record.select(pl.col("year"), *_SERIES, "unit", "amount").with_columns(pl.lit(0, pl.Int64).alias("n_rows"))
    if "entity_id" in cells.columns:
        new = new.with_columns(pl.lit(None, cells.schema["entity_id"]).alias("entity_id"))
    new = new.select([pl.col(c).cast(cells.schema[c]) for c in cells.columns])
    keys = [c for c in ("year", "region", "sector", "activity", "unit", "entity_id") if c in cells.columns]
    return pl.concat([real, new]).sort(keys, nulls_last=True), GapFillResult(record, notes)


def gapfill_wanted(cfg) -> bool:
    return bool(cfg.extra.get("gap_filling"))


def gapfill_stage(cfg, cube: Cube) -> tuple[Cube, GapFillResult]:
    """Fill the configured gaps in the cube (see module doc); filled cells drop their notation keys.

    Parameters
    ----------
    cfg : RunConfig
        The run's configuration; its ``gap_filling`` tables are the rules.
    cube : Cube
        The activity cube.

    Returns
    -------
    cube : Cube
        The cube with the filled cells (``stats`` counts them as ``gap_filled_cells``).
    result : GapFillResult
        The record of the filled cells and the notes.

    Raises
    ------
    ConfigError
        As :func:`parse_rules` and :func:`fill_gaps`.
    """
    rules = parse_rules(cfg.extra.get("gap_filling"), cfg)
    cells, res = fill_gaps(cube.cells, rules, cfg)
    notation = cube.notation
    if res.record.height and notation.height:
        filled = res.record.select("year", *_SERIES).with_columns(pl.col("year").cast(notation.schema["year"]))
        notation = notation.join(filled, on=["year", *_SERIES], how="anti")
    stats = {**cube.stats, "cube_cells": cells.height, "gap_filled_cells": res.record.height}
    return Cube(cells=cells, notation=notation, stats=stats), res


def with_emissions(res: GapFillResult, emissions: pl.DataFrame) -> pl.DataFrame:
    """The record with the CO2e of the filled cells (direct, indirect and memo, as computed)."""
    if res.record.height == 0:
        return res.record.with_columns(pl.lit(None, pl.Float64).alias("co2e_t"))
    e = group_sum(emissions.select("year", *_SERIES, "co2e_t"), ["year", *_SERIES], ["co2e_t"]).with_columns(pl.col("year").cast(pl.Int32))
    return res.record.join(e, on=["year", *_SERIES], how="left")
