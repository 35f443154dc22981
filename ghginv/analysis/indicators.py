"""Indicators: emissions + energy + economy -> intensities, shares, indices (``indicators.parquet``).

The economy table (``[economy] path = …`` or ``--economy PATH``; CSV or Parquet, a local path or a
URL such as ``s3://…``, :mod:`ghginv.core._fs`) has one row per year and region with ``year, region,
population`` and either ``gdp_const_10k_yuan`` (GDP at
constant prices of the plan's base year, 10^4 yuan) or ``gdp_current_10k_yuan`` with
``gdp_index_prev_100`` (real growth index, previous year = 100), from which constant base-year
GDP is chained: ``GDP(y0) = GDP_current(y0)``, ``GDP(y) = GDP(y−1) × index(y) / 100``. Optional:
``energy_tce`` (the official total energy consumption; overrides the computed gross total, noted)
and ``electricity_non_fossil_share`` (0–1, share of purchased electricity from non-fossil sources).
``region`` is a region of the inventory or ``ALL`` (the whole inventory area). Optional, for
sector-level intensity targets: the value added of a sector, ``value_added_const_10k_yuan:<name>``
(or ``value_added_current_10k_yuan:<name>`` with ``value_added_index_prev_100:<name>``, chained as
GDP), one column per sector. Headers may be Chinese (年份, 地区, 常住人口(万人),
地区生产总值(亿元,可比价), 规模以上工业增加值(万元,可比价) …; :mod:`ghginv.core.columns`), the values
converted from the header's unit words with their exact factors; a CSV may be UTF-8 or GB18030.

Official rules (cn-statistics-formats.md §4): intensities in t (tce) per 10^4 yuan rounded to 4
decimals before ratios, half up on the decimal value (四舍五入, :func:`intensity`,
:func:`ghginv.core.rounding.round_half_up`); three energy totals — gross, excluding feedstock (发改环资〔2022〕803号)
and excluding feedstock and non-fossil energy (发改环资〔2024〕113号); CO2 intensity from energy
CO2 = fossil combustion (IPCC 1.A, feedstock sectors excluded) plus, when chosen, the CO2 of
purchased (net imported) electricity at the grid factor the run's factor sets resolved.

``indicators.parquet`` (long): year, region, indicator, unit, value, index_base_100,
yoy_change_pct, origin (computed | economy | official).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from ..core import _fs, categories
from ..core._frames import group_sum, per_distinct
from ..core.columns import VALUE_ADDED_PREFIXES, missing_columns_error, resolve_columns
from ..core.errors import ConfigError, InputFileError, Problem, SchemaError, ValidationError
from ..core.rounding import round_half_up, round_half_up_expr
from .energy import ELECTRICITY_METHODS, EnergyResult

__all__ = ["IndicatorSettings", "settings_from_config", "read_economy", "chain_gdp", "compute_indicators",
           "emission_series", "intensity", "INDICATOR_UNITS", "ALL_REGION", "SCOPES", "INTENSITY_DIGITS", "SectorSpec",
           "sector_indicators"]

ALL_REGION = "ALL"
SCOPES = {"energy_co2": "co2_energy_t", "total_co2": "co2_total_t", "total_co2e": "co2e_gross_t", "net_co2e": "co2e_net_t"}
INDICATOR_UNITS = {
    "co2_energy_t": "t CO2",
    "co2_total_t": "t CO2",
    "co2e_gross_t": "t CO2e",
    "co2e_net_t": "t CO2e",
    "removals_co2_t": "t CO2",
    "energy_gross_tce": "tce",
    "energy_excl_feedstock_tce": "tce",
    "energy_excl_feedstock_nonfossil_tce": "tce",
    "energy_nonfossil_tce": "tce",
    "gdp_const_10k_yuan": "10^4 yuan (constant base-year prices)",
    "population": "persons",
    "co2_intensity": "t CO2 / 10^4 yuan",
    "energy_intensity_gross": "tce / 10^4 yuan",
    "energy_intensity_excl_feedstock": "tce / 10^4 yuan",
    "energy_intensity_excl_feedstock_nonfossil": "tce / 10^4 yuan",
    "co2e_per_capita": "t CO2e / person",
    "non_fossil_share_pct": "%",
}
INTENSITY_DIGITS = 4  # intensities kept to 4 decimals before ratios (cn-statistics-formats.md §4.1)
ENERGY_VARIANTS = {"gross": "energy_gross_tce", "excl_feedstock": "energy_excl_feedstock_tce",
                   "excl_feedstock_nonfossil": "energy_excl_feedstock_nonfossil_tce"}
_ECONOMY_KEYS = {"path", "price_base_year", "electricity_method", "coal_equivalent_gce_per_kwh",
                 "feedstock_sectors", "indirect_co2"}


@dataclass(frozen=True)
class IndicatorSettings:
    economy_path: Path | str | None  # a local path, or a URL on shared storage (ghginv.core._fs)
    base_year: int
    electricity_method: str = "equivalent"
    coal_equivalent_gce_per_kwh: dict = field(default_factory=dict)
    feedstock_sectors: tuple[str, ...] = ("2",)
    indirect_co2: tuple[str, ...] = ("electricity",)  # fuel classes whose purchased-energy CO2 counts
    energy_sources: dict = field(default_factory=dict)  # the [energy] table: set giving each quantity (analysis.energy)

    def conventions(self) -> dict:
        return {
            "price_base_year": self.base_year,
            "electricity_method": self.electricity_method,
            **({"coal_equivalent_gce_per_kwh": {str(k): v for k, v in self.coal_equivalent_gce_per_kwh.items()}}
               if self.electricity_method == "coal_equivalent" else {}),
            "feedstock_sectors": list(self.feedstock_sectors),
            "co2_numerator": "fossil combustion CO2 (IPCC 1.A, feedstock sectors excluded)"
            + (" + CO2 of purchased " + " and ".join(self.indirect_co2) + " at the resolved grid factor" if self.indirect_co2 else ""),
            "indirect_co2": list(self.indirect_co2),
            "intensity_rounding": "4 decimals (t or tce per 10^4 yuan) before ratios, round half up on the decimal value (四舍五入)",
        }


def settings_from_config(cfg, economy: str | Path | None = None) -> IndicatorSettings | None:
    """Indicator settings from the ``[economy]`` table (and ``--economy``).

    Parameters
    ----------
    cfg : ghginv.core.config.RunConfig
        The run's config (``[economy]``: ``path``, ``price_base_year``, ``electricity_method``,
        ``coal_equivalent_gce_per_kwh`` [gce/kWh by year], ``feedstock_sectors``, ``indirect_co2``;
        ``[energy]``: the set giving each standard-coal quantity, checked by
        :func:`ghginv.analysis.energy.coefficient_sources`).
    economy : str or pathlib.Path, optional
        Economy table given on the command line; overrides ``[economy] path`` (a URL stays as given,
        a path is taken from the working directory).

    Returns
    -------
    IndicatorSettings or None
        The settings; None when there is neither an economy table, an ``[economy]`` table nor
        ``[[targets]]``.

    Raises
    ------
    ConfigError
        An unknown key, no base year, an unknown electricity method, or malformed coal-equivalent
        coefficients, feedstock sectors or indirect CO2 classes.
    """
    table = dict(cfg.extra.get("economy") or {})
    where = f"{cfg.source}: [economy]" if cfg.source else "[economy]"
    unknown = sorted(set(table) - _ECONOMY_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_ECONOMY_KEYS))}")
    if economy is not None:  # a URL stays as given; a path is taken from the working directory
        path = _fs.location(economy)
        path = path if isinstance(path, str) else path.absolute()
    else:
        path = cfg.locate(table["path"]) if "path" in table else None
    if path is None and not table and not cfg.extra.get("targets"):
        return None
    base = table.get("price_base_year", cfg.base_year)
    if not isinstance(base, int) or isinstance(base, bool):
        raise ConfigError(f"{where}: indicators need a base year ([inventory] base_year or [economy] price_base_year), got {base!r}")
    method = table.get("electricity_method", "equivalent")
    if method not in ELECTRICITY_METHODS:
        raise ConfigError(f"{where}: electricity_method must be one of {ELECTRICITY_METHODS}, got {method!r}")
    ce_raw = table.get("coal_equivalent_gce_per_kwh", {})
    try:
        ce = {int(k): float(v) for k, v in ce_raw.items()}
    except (AttributeError, ValueError, TypeError):
        raise ConfigError(f"{where}: coal_equivalent_gce_per_kwh must map years to gce/kWh, e.g. {{2020 = 300.5}}") from None
    fs = table.get("feedstock_sectors", ["2"])
    ind = table.get("indirect_co2", ["electricity"])
    if not all(isinstance(x, str) for x in fs) or not all(x in ("electricity", "heat") for x in ind):
        raise ConfigError(f"{where}: feedstock_sectors must be IPCC codes; indirect_co2 a list of 'electricity', 'heat'")
    return IndicatorSettings(path, base, method, ce, tuple(fs), tuple(ind), cfg.extra.get("energy") or {})


def intensity(numerator, gdp):
    """An intensity as the indicators give it: numerator / GDP, 4 decimals, round half up (四舍五入).

    The one rule for every intensity ghginv reports or tests a target on (indicators, targets,
    their Monte Carlo, the report).

    Parameters
    ----------
    numerator : float or numpy.ndarray
        Emissions [t CO2] or energy [tce].
    gdp : float or numpy.ndarray
        GDP at constant base-year prices [10^4 yuan], positive.

    Returns
    -------
    float or numpy.ndarray
        The intensity [t or tce per 10^4 yuan], rounded to :data:`INTENSITY_DIGITS` decimals half up
        on the decimal value (:func:`ghginv.core.rounding.round_half_up`).
    """
    if isinstance(numerator, np.ndarray) or isinstance(gdp, np.ndarray):
        return round_half_up(np.asarray(numerator, dtype=np.float64) / gdp, INTENSITY_DIGITS)
    return round_half_up(float(numerator) / float(gdp), INTENSITY_DIGITS)


def _read_table(path: Path | str | _fs.Remote, notes: list[str] | None = None) -> pl.DataFrame:
    """The economy table (or a surrogate table of the same form): a local path or a URL, its
    headers in English or Chinese (:mod:`ghginv.core.columns`: renamed to the English columns, values
    in another unit converted with the exact factor, a line per conversion added to ``notes``)."""
    loc = _fs.input_file(path)
    if not _fs.is_file(loc):
        raise InputFileError(f"{loc}: economy table not found")
    df = _fs.read_table(loc, "the economy table", parquet=loc.name.lower().endswith(".parquet"), infer_schema_length=None)
    res = resolve_columns(df.columns, "economy", str(loc))
    df = df.rename({h: c for h, c in res.rename.items() if h != c})
    df = df.with_columns(pl.col(c) * f for c, f in res.factors.items() if df.schema[c].is_numeric())
    if notes is not None:
        notes += res.notes
    return df


def chain_gdp(df: pl.DataFrame, base_year: int, file: str = "economy table") -> pl.DataFrame:
    r"""Constant base-year GDP from current GDP and the previous-year = 100 real growth index, per region.

    .. math::

        GDP(y_0) = GDP_{current}(y_0), \qquad GDP(y) = GDP(y - 1) \times index(y) / 100

    chained forwards from the base year and backwards before it.

    Parameters
    ----------
    df : polars.DataFrame
        Economy rows: year, region, ``gdp_current_10k_yuan`` [10^4 yuan, current prices],
        ``gdp_index_prev_100`` [previous year = 100]; consecutive years per region, including
        ``base_year``.
    base_year : int
        Price base year of the constant GDP.
    file : str, default "economy table"
        Name of the table in error messages.

    Returns
    -------
    polars.DataFrame
        ``df`` with ``gdp_const_10k_yuan`` [10^4 yuan at constant base-year prices].

    Raises
    ------
    ValidationError
        A region's years are not consecutive.
    """
    out = []
    for (region,), g in df.sort("year").group_by("region", maintain_order=True):
        years = g["year"].to_list()
        cur = dict(zip(years, g["gdp_current_10k_yuan"].to_list()))
        idx = dict(zip(years, g["gdp_index_prev_100"].to_list()))
        gaps = [y for y in range(min(years), max(years) + 1) if y not in cur]
        if gaps:
            raise ValidationError(f"{file}: region {region}: GDP chaining needs consecutive years; missing {', '.join(map(str, gaps))}")
        const = {base_year: float(cur[base_year])}
        for y in range(base_year + 1, max(years) + 1):
            const[y] = const[y - 1] * idx[y] / 100.0
        for y in range(base_year - 1, min(years) - 1, -1):
            const[y] = const[y + 1] / (idx[y + 1] / 100.0)
        out.append(g.with_columns(pl.Series("gdp_const_10k_yuan", [const[y] for y in years], pl.Float64)))
    return pl.concat(out)


def read_economy(path: Path | str | _fs.Remote, years: list[int], regions: list[str], base_year: int) -> tuple[pl.DataFrame, list[str]]:
    """Read and check the economy table (CSV or Parquet, a local path or a URL).

    Parameters
    ----------
    path : pathlib.Path or str or ghginv.core._fs.Remote
        The economy table: one row per year and region with ``year, region, population`` and either
        ``gdp_const_10k_yuan`` or ``gdp_current_10k_yuan`` with ``gdp_index_prev_100``; optional
        ``energy_tce`` and ``electricity_non_fossil_share`` (module docstring).
    years : list of int
        The inventory's years; each region needs a row for every one.
    regions : list of str
        The inventory's regions; a row's region must be one of them or ``ALL``.
    base_year : int
        Price base year; each region needs a row for it.

    Returns
    -------
    economy : polars.DataFrame
        year, region, ``gdp_const_10k_yuan`` [10^4 yuan at constant base-year prices],
        ``population`` [persons], ``energy_tce`` [tce], ``electricity_non_fossil_share``
        [fraction], for the inventory's years and the base year.
    notes : list of str
        GDP chaining and years ignored.

    Raises
    ------
    InputFileError
        The table does not exist.
    SchemaError
        A required column is missing or not numeric.
    ValidationError
        Non-positive GDP, population or energy, a share outside [0, 1], an unknown region, a
        duplicate row, or a missing year.
    """
    loc = _fs.input_file(path)
    f = str(loc)
    unit_notes: list[str] = []
    df = _read_table(loc, unit_notes)
    cols = set(df.columns)
    need = ["year", "region", "population"]
    has_const = "gdp_const_10k_yuan" in cols
    has_chain = {"gdp_current_10k_yuan", "gdp_index_prev_100"} <= cols
    missing = [c for c in need if c not in cols]
    if missing or not (has_const or has_chain):
        gdp = [] if (has_const or has_chain) else ["gdp_const_10k_yuan", "gdp_current_10k_yuan", "gdp_index_prev_100"]
        alt = "GDP: gdp_const_10k_yuan, or gdp_current_10k_yuan with gdp_index_prev_100" if gdp else None
        raise missing_columns_error(f, "economy", missing + gdp, resolve_columns(df.columns, "economy", f), alt)
    va = _value_added_columns(df.columns, f)
    num = [c for c in ("gdp_const_10k_yuan", "gdp_current_10k_yuan", "gdp_index_prev_100", "population",
                       "energy_tce", "electricity_non_fossil_share") if c in cols] + [c for cs in va.values() for c in cs]
    try:
        df = df.with_columns(pl.col("year").cast(pl.Int32, strict=True), pl.col("region").cast(pl.String),
                             *(pl.col(c).cast(pl.Float64, strict=True) for c in num))
    except Exception:
        raise SchemaError(f"{f}: year must be integers and {', '.join(num)} numbers") from None
    df = df.with_row_index("_row", offset=1)
    problems: list[Problem] = []
    must_pos = ["population"] + (["gdp_const_10k_yuan"] if has_const else ["gdp_current_10k_yuan", "gdp_index_prev_100"])
    for r in df.iter_rows(named=True):
        for c in must_pos:
            v = r[c]
            if v is None or not math.isfinite(v) or v <= 0:
                what = "GDP" if c.startswith("gdp") else c
                problems.append(Problem(f"{what} must be a positive number", file=f, row=r["_row"], column=c, value=v))
        s = r.get("electricity_non_fossil_share")
        if s is not None and not 0 <= s <= 1:
            problems.append(Problem("electricity_non_fossil_share must lie in [0, 1]", file=f, row=r["_row"], column="electricity_non_fossil_share", value=s))
        e = r.get("energy_tce")
        if e is not None and (not math.isfinite(e) or e <= 0):
            problems.append(Problem("energy_tce must be positive (or empty)", file=f, row=r["_row"], column="energy_tce", value=e))
        for c in (c for cs in va.values() for c in cs):
            v = r[c]
            if v is not None and (not math.isfinite(v) or v <= 0):
                problems.append(Problem("value added (and its index) must be positive (or empty: unknown)", file=f, row=r["_row"], column=c, value=v))
        if r["region"] != ALL_REGION and r["region"] not in regions:
            problems.append(Problem(f"region {r['region']!r} is not in the inventory (regions: {', '.join(regions)}, or {ALL_REGION})", file=f,
                row=r["_row"], column="region"))
    dup = df.group_by("year", "region").agg(pl.col("_row")).filter(pl.col("_row").list.len() > 1).sort("year", "region")
    for r in dup.iter_rows(named=True):
        problems.append(Problem(f"year {r['year']}, region {r['region']} appears more than once (rows {r['_row']})", file=f))
    for (region,), g in df.group_by("region", maintain_order=True):
        have = set(g["year"].to_list())
        if base_year not in have:
            problems.append(Problem(f"region {region}: no row for the base year {base_year}", file=f, column="year"))
        lack = [y for y in years if y not in have]
        if lack:
            problems.append(Problem(f"region {region}: years {', '.join(map(str, lack))} of the inventory are missing", file=f, column="year"))
    if problems:
        raise ValidationError(f"{f}: invalid economy table", problems)
    notes = unit_notes
    if not has_const:
        df = chain_gdp(df, base_year, f)
        notes.append(f"GDP chained to constant {base_year} prices from gdp_index_prev_100")
    df, va_notes = _chain_value_added(df, va, base_year, f)
    notes += va_notes
    extra = sorted(set(df["year"].to_list()) - set(years) - {base_year})
    if extra:
        notes.append(f"economy years outside the inventory ignored: {', '.join(map(str, extra))}")
    for c in ("energy_tce", "electricity_non_fossil_share"):
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, pl.Float64).alias(c))
    keep = df.filter(pl.col("year").is_in(sorted(set(years) | {base_year})))
    va_cols = [f"{VALUE_ADDED_PREFIXES[0]}:{name}" for name in va]
    return keep.select("year", "region", "gdp_const_10k_yuan", "population", "energy_tce", "electricity_non_fossil_share",
                       *va_cols).sort("year", "region"), notes


def _value_added_columns(columns, file: str) -> dict[str, list[str]]:
    """Sector name -> its value-added columns: ``[const]`` or ``[current, index]``."""
    by: dict[str, dict[str, str]] = {}
    for c in columns:
        prefix, _, name = c.partition(":")
        if prefix in VALUE_ADDED_PREFIXES and name:
            by.setdefault(name, {})[prefix] = c
    out = {}
    const, cur, idx = VALUE_ADDED_PREFIXES
    for name, got in by.items():
        if const in got:
            out[name] = [got[const]]
        elif cur in got and idx in got:
            out[name] = [got[cur], got[idx]]
        else:
            have = next(iter(got.values()))
            raise SchemaError(f"{file}: value added of {name!r}: column {have!r} alone is not enough — give {const}:{name} "
                              f"(constant prices, e.g. 规模以上工业增加值(万元,可比价)) or both {cur}:{name} and {idx}:{name} "
                              "(current prices and the real growth index, e.g. 规模以上工业增加值(万元,现价) and 规模以上工业增加值指数(上年=100))")
    return out


def _chain_value_added(df: pl.DataFrame, va: dict[str, list[str]], base_year: int, file: str) -> tuple[pl.DataFrame, list[str]]:
    """Constant base-year value added per sector, chained from current prices and the index as GDP (:func:`chain_gdp`)."""
    notes = []
    for name, cs in va.items():
        if len(cs) == 1:
            continue
        const = f"{VALUE_ADDED_PREFIXES[0]}:{name}"
        empty = df.filter(pl.col(cs[0]).is_null() | pl.col(cs[1]).is_null())
        if empty.height:
            raise ValidationError(f"{file}: value added of {name!r} is chained from {cs[0]} and {cs[1]}: every year needs both "
                                  f"(empty in year(s) {', '.join(map(str, sorted(empty['year'].to_list())))})")
        part = df.select("year", "region", pl.col(cs[0]).alias("gdp_current_10k_yuan"), pl.col(cs[1]).alias("gdp_index_prev_100"))
        chained = chain_gdp(part, base_year, f"{file} ({name})").select("year", "region", pl.col("gdp_const_10k_yuan").alias(const))
        df = df.join(chained, on=["year", "region"], how="left")
        notes.append(f"value added of {name} chained to constant {base_year} prices from {cs[1]}")
    return df, notes


def _with_all(df: pl.DataFrame, keys: list[str], values: list[str]) -> pl.DataFrame:
    per = group_sum(df, ["year", "region", *keys], values)
    tot = group_sum(df, ["year", *keys], values).with_columns(pl.lit(ALL_REGION).alias("region"))
    return pl.concat([per, tot.select(per.columns)])


def emission_series(emissions: pl.DataFrame, classes: dict[str, str], settings: IndicatorSettings) -> pl.DataFrame:
    """The absolute emission indicators per year and region (including ``ALL``), wide.

    ``co2_energy_t`` is fossil combustion CO2 (IPCC 1.A, feedstock sectors excluded) plus the CO2
    of purchased energy of the ``indirect_co2`` classes; ``co2_total_t`` (CO2) and ``co2e_gross_t``
    (all gases) count positive direct rows plus those indirect rows; ``co2e_net_t`` all direct rows plus them;
    ``removals_co2_t`` negative direct CO2.

    Parameters
    ----------
    emissions : polars.DataFrame
        Emission rows: year, region, sector, activity, gas, scope, ``emissions_t`` [t of the gas],
        ``co2e_t`` [t CO2e].
    classes : dict of str to str
        Activity code -> fuel class (:func:`ghginv.methods.emissions.activity_classes`).
    settings : IndicatorSettings
        Feedstock sectors and the indirect CO2 classes.

    Returns
    -------
    polars.DataFrame
        year, region, ``co2_energy_t``, ``co2_total_t`` [t CO2], ``co2e_gross_t``, ``co2e_net_t``
        [t CO2e], ``removals_co2_t`` [t CO2, ≤ 0].
    """
    fs = settings.feedstock_sectors
    e = emissions.with_columns(
        pl.col("activity").replace_strict(classes, default="other", return_dtype=pl.String).alias("_cls"),
        per_distinct(emissions["sector"], lambda s: categories.under(s, *fs), pl.Boolean).alias("_feed"),
    )
    ind = (pl.col("scope") == "indirect") & pl.col("_cls").is_in(list(settings.indirect_co2))
    direct = pl.col("scope") == "direct"
    co2 = pl.col("gas") == "CO2"
    pos = pl.col("emissions_t") >= 0
    e = e.with_columns(
        pl.when((direct & co2 & pl.col("sector").str.starts_with("1.A") & ~pl.col("_feed")
                 & pl.col("_cls").is_in(["solid", "liquid", "gaseous"])) | (ind & co2)).then(pl.col("emissions_t")).otherwise(0.0).alias("co2_energy_t"),
        pl.when((direct & co2 & pos) | (ind & co2)).then(pl.col("emissions_t")).otherwise(0.0).alias("co2_total_t"),
        pl.when((direct & pos) | ind).then(pl.col("co2e_t")).otherwise(0.0).alias("co2e_gross_t"),
        pl.when(direct | ind).then(pl.col("co2e_t")).otherwise(0.0).alias("co2e_net_t"),
        pl.when(direct & co2 & ~pos).then(pl.col("emissions_t")).otherwise(0.0).alias("removals_co2_t"),
    )
    cols = ["co2_energy_t", "co2_total_t", "co2e_gross_t", "co2e_net_t", "removals_co2_t"]
    return _with_all(e, [], cols)


def _energy_series(energy: EnergyResult, economy: pl.DataFrame | None) -> pl.DataFrame:
    e = energy.by_activity.with_columns(
        pl.col("energy_tce").alias("energy_gross_tce"),
        pl.when(~pl.col("feedstock")).then(pl.col("energy_tce")).otherwise(0.0).alias("energy_excl_feedstock_tce"),
        pl.when(pl.col("fuel_class") == "electricity").then(pl.col("energy_tce")).otherwise(0.0).alias("_elec"),
    )
    return _with_all(e, [], ["energy_gross_tce", "energy_excl_feedstock_tce", "_elec"])


def _all_nonfossil_from_regions(w: pl.DataFrame) -> pl.DataFrame:
    """``ALL`` without a non-fossil share of its own: the sum of its regions' non-fossil energy,
    when every region's is known (a region without a share of its own takes ``ALL``'s, so it is
    unknown only when ``ALL`` has none either)."""
    reg = w.filter(pl.col("region") != ALL_REGION).select("year", "region", "energy_nonfossil_tce")
    if not reg.height:
        return w
    known = reg.group_by("year").agg(pl.col("energy_nonfossil_tce").null_count().alias("_nf_unknown"))
    sums = group_sum(reg.with_columns(pl.col("energy_nonfossil_tce").fill_null(0.0)), ["year"], ["energy_nonfossil_tce"])
    sums = sums.join(known, on="year").select("year", pl.when(pl.col("_nf_unknown") == 0).then(pl.col("energy_nonfossil_tce")).alias("_nf_regions"))
    return w.join(sums, on="year", how="left").with_columns(
        pl.when((pl.col("region") == ALL_REGION) & pl.col("energy_nonfossil_tce").is_null())
        .then(pl.col("_nf_regions")).otherwise(pl.col("energy_nonfossil_tce")).alias("energy_nonfossil_tce")
    ).drop("_nf_regions")


def compute_indicators(emissions: pl.DataFrame, energy: EnergyResult, economy: pl.DataFrame | None,
                       classes: dict[str, str], settings: IndicatorSettings) -> tuple[pl.DataFrame, list[str]]:
    """The long indicators table (``indicators.parquet``) and notes.

    Emission, energy and economy series per year and region (and ``ALL``); intensities per 10^4
    yuan rounded to 4 decimals before ratios, three energy totals — gross, excluding feedstock
    (发改环资〔2022〕803号) and excluding feedstock and non-fossil energy (发改环资〔2024〕113号) — per
    capita emissions and the non-fossil share (module docstring, cn-statistics-formats.md §4).

    Parameters
    ----------
    emissions : polars.DataFrame
        The run's emission rows (``emissions_t`` [t of the gas], ``co2e_t`` [t CO2e]).
    energy : EnergyResult
        Energy consumption [tce] of :func:`ghginv.analysis.energy.energy_consumption`.
    economy : polars.DataFrame or None
        The economy table of :func:`read_economy`; None: no GDP or population indicators.
    classes : dict of str to str
        Activity code -> fuel class.
    settings : IndicatorSettings
        The indicator settings (base year, feedstock sectors, indirect CO2).

    Returns
    -------
    indicators : polars.DataFrame
        year, region, indicator, unit (:data:`INDICATOR_UNITS`), value, ``index_base_100``
        (base year = 100), ``yoy_change_pct`` [%], origin (computed, economy or official).
    notes : list of str
        Official energy totals used, missing non-fossil shares.
    """
    notes: list[str] = []
    em = emission_series(emissions, classes, settings)
    en = _energy_series(energy, economy)
    wide = em.join(en, on=["year", "region"], how="full", coalesce=True)
    if economy is not None:
        wide = wide.join(economy, on=["year", "region"], how="left")
        # regions without their own share take the whole area's
        share_all = economy.filter(pl.col("region") == ALL_REGION).select("year", pl.col("electricity_non_fossil_share").alias("_share_all"))
        wide = wide.join(share_all, on="year", how="left").with_columns(
            pl.coalesce("electricity_non_fossil_share", "_share_all").alias("electricity_non_fossil_share")
        )
        off = wide.filter(pl.col("energy_tce").is_not_null())
        if off.height:
            notes.append("official energy_tce from the economy table replaces the computed gross energy for "
                         + ", ".join(f"{r} {y}" for y, r in off.select("year", "region").sort("year", "region").rows()))
    else:
        wide = wide.with_columns(*(pl.lit(None, pl.Float64).alias(c) for c in
                                   ("gdp_const_10k_yuan", "population", "energy_tce", "electricity_non_fossil_share")))
    fill = ["co2_energy_t", "co2_total_t", "co2e_gross_t", "co2e_net_t", "removals_co2_t", "energy_gross_tce", "energy_excl_feedstock_tce", "_elec"]
    w = wide.with_columns(pl.col(c).fill_null(0.0) for c in fill)
    feed = pl.col("energy_gross_tce") - pl.col("energy_excl_feedstock_tce")
    w = w.with_columns(
        pl.when(pl.col("energy_tce").is_not_null()).then(pl.lit("official")).otherwise(pl.lit("computed")).alias("_energy_origin"),
        pl.coalesce("energy_tce", "energy_gross_tce").alias("energy_gross_tce"),
        # no purchased electricity: no non-fossil energy, whatever the share (0, not unknown)
        pl.when(pl.col("_elec") == 0).then(0.0).otherwise(pl.col("_elec") * pl.col("electricity_non_fossil_share")).alias("energy_nonfossil_tce"),
    )
    w = _all_nonfossil_from_regions(w).with_columns(
        (pl.col("energy_gross_tce") - feed).alias("energy_excl_feedstock_tce"),
    ).with_columns(
        (pl.col("energy_excl_feedstock_tce") - pl.col("energy_nonfossil_tce")).alias("energy_excl_feedstock_nonfossil_tce"),
    ).with_columns(
        round_half_up_expr(pl.col("co2_energy_t") / pl.col("gdp_const_10k_yuan"), INTENSITY_DIGITS).alias("co2_intensity"),
        *(round_half_up_expr(pl.col(src) / pl.col("gdp_const_10k_yuan"), INTENSITY_DIGITS).alias(f"energy_intensity_{v}")
          for v, src in ENERGY_VARIANTS.items()),
        (pl.col("co2e_gross_t") / pl.col("population")).alias("co2e_per_capita"),
        (pl.col("energy_nonfossil_tce") / pl.col("energy_gross_tce") * 100).alias("non_fossil_share_pct"),
    )
    unknown = w.filter(pl.col("energy_nonfossil_tce").is_null())
    if unknown.height and economy is not None:
        notes.append("no electricity_non_fossil_share for " + ", ".join(f"{r} {y}" for y, r in unknown.select("year", "region").sort("year", "region").rows())
                     + ": their electricity's non-fossil part is unknown, so is the non-fossil energy there (left empty)")
    names = list(INDICATOR_UNITS)
    long = w.unpivot(index=["year", "region", "_energy_origin"], on=names, variable_name="indicator", value_name="value")
    origin = (
        pl.when(pl.col("indicator").is_in(["gdp_const_10k_yuan", "population"])).then(pl.lit("economy"))
        .when(pl.col("indicator").str.starts_with("energy_gross") | pl.col("indicator").str.starts_with("energy_intensity_gross"))
        .then(pl.col("_energy_origin")).otherwise(pl.lit("computed"))
    )
    long = long.with_columns(origin.alias("origin"), pl.col("indicator").replace_strict(INDICATOR_UNITS).alias("unit"))
    long = long.filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan())
    base = long.filter(pl.col("year") == settings.base_year).select("region", "indicator", pl.col("value").alias("_b"))
    long = long.sort("region", "indicator", "year").join(base, on=["region", "indicator"], how="left").with_columns(
        pl.when(pl.col("_b") != 0).then(pl.col("value") / pl.col("_b") * 100).alias("index_base_100"),
        pl.when((pl.col("value").shift(1).over("region", "indicator") != 0) & (pl.col("year").shift(1).over("region", "indicator") == pl.col("year") - 1))
        .then((pl.col("value") / pl.col("value").shift(1).over("region", "indicator") - 1) * 100).alias("yoy_change_pct"),
    )
    order = {n: i for i, n in enumerate(names)}
    long = long.with_columns(pl.col("indicator").replace_strict(order, return_dtype=pl.Int32).alias("_o"),
                             (pl.col("region") == ALL_REGION).alias("_a"))
    out = long.sort("_a", "region", "_o", "year").select(
        pl.col("year").cast(pl.Int32), "region", "indicator", "unit", pl.col("value").cast(pl.Float64),
        pl.col("index_base_100").cast(pl.Float64), pl.col("yoy_change_pct").cast(pl.Float64), "origin",
    )
    return out, notes


@dataclass(frozen=True)
class SectorSpec:
    """A sector of a sector-level intensity target: its value-added name and IPCC categories."""

    name: str  # the economy table's value added: value_added_const_10k_yuan:<name>
    sectors: tuple[str, ...]  # IPCC categories whose energy counts (each with the categories under it)
    except_sectors: tuple[str, ...] = ()  # categories under them left out (e.g. 1.A.2.k construction)


def sector_indicators(energy: EnergyResult, economy: pl.DataFrame | None, specs: list[SectorSpec],
                      base_year: int) -> pl.DataFrame:
    """Energy, value added and energy intensity of named sectors (sector-level intensity targets).

    For each sector: its energy [tce] — the rows of ``energy.by_sector`` in its IPCC categories —
    in the three variants of the whole-area total (gross; excluding feedstock, 发改环资〔2022〕803号;
    excluding feedstock and the non-fossil part of its purchased electricity, 发改环资〔2024〕113号,
    with the region's ``electricity_non_fossil_share``), its value added at constant base-year
    prices [10^4 yuan] from the economy table, and each energy divided by it with the rule of every
    intensity (:func:`intensity`: 4 decimals, half up), per year and region and ``ALL``.

    Parameters
    ----------
    energy : EnergyResult
        The run's energy (``by_sector``).
    economy : polars.DataFrame or None
        The economy table of :func:`read_economy` (``value_added_const_10k_yuan:<name>`` columns).
    specs : list of SectorSpec
        The sectors.
    base_year : int
        Base year of ``index_base_100``.

    Returns
    -------
    polars.DataFrame
        Rows in the form of ``indicators.parquet``: indicators ``energy_gross_tce:<name>``,
        ``energy_excl_feedstock_tce:<name>``, ``energy_excl_feedstock_nonfossil_tce:<name>`` [tce],
        ``value_added_const_10k_yuan:<name>`` [10^4 yuan], ``energy_intensity_<variant>:<name>``
        [tce / 10^4 yuan].
    """
    schema = {"year": pl.Int32, "region": pl.String, "indicator": pl.String, "unit": pl.String, "value": pl.Float64,
              "index_base_100": pl.Float64, "yoy_change_pct": pl.Float64, "origin": pl.String}
    bs = energy.by_sector
    out = []
    for spec in specs:
        va = f"{VALUE_ADDED_PREFIXES[0]}:{spec.name}"
        rows = bs.filter(per_distinct(bs["sector"], lambda s, sp=spec: categories.under(s, *sp.sectors)
                                      and not (sp.except_sectors and categories.under(s, *sp.except_sectors)),
                                      pl.Boolean)) if bs is not None and bs.height else None
        if rows is None or not rows.height:
            continue
        e = rows.with_columns(
            pl.when(~pl.col("feedstock")).then(pl.col("energy_tce")).otherwise(0.0).alias("_excl"),
            pl.when(~pl.col("feedstock") & (pl.col("fuel_class") == "electricity")).then(pl.col("energy_tce")).otherwise(0.0).alias("_elec"),
        )
        w = _with_all(e, [], ["energy_tce", "_excl", "_elec"])
        if economy is not None:
            share_all = economy.filter(pl.col("region") == ALL_REGION).select("year", pl.col("electricity_non_fossil_share").alias("_sa"))
            w = w.join(economy.select("year", "region", "electricity_non_fossil_share", *([va] if va in economy.columns else [])),
                       on=["year", "region"], how="left").join(share_all, on="year", how="left")
            share = pl.coalesce("electricity_non_fossil_share", "_sa")
        else:
            share = pl.lit(None, pl.Float64)
        if va not in w.columns:
            w = w.with_columns(pl.lit(None, pl.Float64).alias(va))
        w = w.with_columns(
            pl.col("energy_tce").alias(f"energy_gross_tce:{spec.name}"),
            pl.col("_excl").alias(f"energy_excl_feedstock_tce:{spec.name}"),
            (pl.col("_excl") - pl.when(pl.col("_elec") == 0).then(0.0).otherwise(pl.col("_elec") * share)).alias(
                f"energy_excl_feedstock_nonfossil_tce:{spec.name}"),
        ).with_columns(
            round_half_up_expr(pl.col(f"{src}:{spec.name}") / pl.col(va), INTENSITY_DIGITS).alias(f"energy_intensity_{v}:{spec.name}")
            for v, src in ENERGY_VARIANTS.items()
        )
        units = {**{f"{src}:{spec.name}": "tce" for src in ENERGY_VARIANTS.values()}, va: INDICATOR_UNITS["gdp_const_10k_yuan"],
                 **{f"energy_intensity_{v}:{spec.name}": "tce / 10^4 yuan" for v in ENERGY_VARIANTS}}
        long = w.unpivot(index=["year", "region"], on=list(units), variable_name="indicator", value_name="value")
        long = long.filter(pl.col("value").is_not_null() & pl.col("value").is_not_nan()).with_columns(
            pl.col("indicator").replace_strict(units).alias("unit"),
            pl.when(pl.col("indicator") == va).then(pl.lit("economy")).otherwise(pl.lit("computed")).alias("origin"))
        base = long.filter(pl.col("year") == base_year).select("region", "indicator", pl.col("value").alias("_b"))
        long = long.sort("region", "indicator", "year").join(base, on=["region", "indicator"], how="left").with_columns(
            pl.when(pl.col("_b") != 0).then(pl.col("value") / pl.col("_b") * 100).alias("index_base_100"),
            pl.when((pl.col("value").shift(1).over("region", "indicator") != 0)
                    & (pl.col("year").shift(1).over("region", "indicator") == pl.col("year") - 1))
            .then((pl.col("value") / pl.col("value").shift(1).over("region", "indicator") - 1) * 100).alias("yoy_change_pct"))
        order = {n: i for i, n in enumerate(units)}
        long = long.with_columns(pl.col("indicator").replace_strict(order, return_dtype=pl.Int32).alias("_o"),
                                 (pl.col("region") == ALL_REGION).alias("_a")).sort("_a", "region", "_o", "year")
        out.append(long.select(*(pl.col(c).cast(t) for c, t in schema.items())))
    return pl.concat(out) if out else pl.DataFrame(schema=schema)
