"""Carbon sinks: forest biomass (gain-loss, stock-difference), urban trees, soils and wetlands.

All equations are from the 2006 IPCC Guidelines Vol 4 (AFOLU) and the 2013 Wetlands Supplement
(WS13). Carbon stock changes ΔC (t C/yr) are positive for a gain; every result is reported as
CO2 with the inventory's sign convention, a removal being a negative emission::

    CO2 = −ΔC × 44/12

* Forest, gain-loss (Eqs 2.7, 2.9–2.14), per stratum and year — see :mod:`ghginv.kernels.sinks`::

      ΔC_G = I_V × BCEF_I × (1 + R) × CF
      ΔC_L = (H × BCEF_R + FG × BCEF_R + V_dist × BCEF_S) × (1 + R) × CF
      CO2  = −(ΔC_G − ΔC_L) × 44/12

* Forest, stock-difference (Eq 2.8): C_t = V_t × BCEF_S × (1 + R) × CF at each stock inventory;
  ΔC = (C_t2 − C_t1)/(t2 − t1), reported for every year t1 < y ≤ t2.
* Urban trees, Tier 2a (Vol 4 Ch 8 Eq 8.2): ΔC = crown_cover × CRW.
* Mineral soils, Tier 1 (Eq 2.25), per region and category (activity ``soc_mineral``)::

      SOC_y = Σ_strata A × SOC_REF × F_LU × F_MG × F_I
      ΔC_y  = (SOC_y − SOC_(y−T)) / D     (T > D: divide by T)

  with 0−T the year y − D when the data have it, else the earliest earlier soil year; D is the
  parameter ``soc_transition`` (20 yr default).
* Rewetted organic soils (WS13 Ch 3, Tier 1, area × EF): CO2 = A × (EF_CO2 + EF_DOC) × 44/12
  (t CO2; the EFs are t CO2-C/ha/yr, negative for a net uptake); CH4 = A × EF_CH4 × 16/12.

The reported forest method is chosen per run (``method``); when the data allow both, both are
computed and :attr:`SinkResult.check` compares them per year, region, category and stratum:
``rel_diff = |SD − GL| / max(|SD|, |GL|)`` (0 when both are 0), ``flag = rel_diff > threshold``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from ..core._frames import dense_ids, rank_codes, sum_by
from ..core.errors import ConfigError, Problem, ValidationError
from ..factors.sink_params import resolve_sink_parameters
from ..inputs.sink_data import VOLUME_VARIABLES, load_sink_data
from ..kernels.sinks import area_rate, gain_loss, stock_carbon
from ._sink_out import SYNTHETIC_SETS_NOTICE, check_frame, emission_rows, parameters_used

__all__ = ["SinkSettings", "SinkResult", "sink_settings", "compute_sinks", "METHODS", "C_TO_CO2", "CH4_C_TO_CH4"]

METHODS = ("gain_loss", "stock_difference")
C_TO_CO2 = 44.0 / 12.0
CH4_C_TO_CH4 = 16.0 / 12.0
_KEYS = ("path", "method", "check_threshold")
GROUP = ["year", "region", "category", "stratum"]
_GL_PARAMS = {"volume_increment": "bcef_i", "harvest": "bcef_r", "fuelwood": "bcef_r", "disturbance_volume": "bcef_s"}
_SOIL = ("soc_ref", "f_lu", "f_mg", "f_i", "soc_transition")
_WET = ("wetland_co2_c", "wetland_doc_c", "wetland_ch4_c")


@dataclass(frozen=True)
class SinkSettings:
    """The ``[sinks]`` table: data paths, reported forest method, cross-check threshold."""

    paths: tuple[Path | str, ...]  # local paths, or URLs on shared storage (ghginv.core._fs)
    method: str = "gain_loss"
    threshold: float = 0.2


@dataclass
class SinkResult:
    """Sink rows in the emissions schema, the cross-check and the parameters used."""

    emissions: pl.DataFrame
    check: pl.DataFrame
    parameters_used: pl.DataFrame
    inputs: list[dict]
    settings: SinkSettings
    synthetic_sets: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    def manifest(self) -> dict:
        flagged = int(self.check["flag"].sum()) if self.check.height else 0
        return {
            "method": self.settings.method,
            "check_threshold": self.settings.threshold,
            "check_rows": self.check.height,
            "check_flagged": flagged,
            "synthetic_parameter_sets": self.synthetic_sets,
            "notice": SYNTHETIC_SETS_NOTICE.format(", ".join(self.synthetic_sets)) if self.synthetic_sets else "",
            **self.stats,
        }


def sink_settings(cfg) -> SinkSettings | None:
    """Read and check the ``[sinks]`` table of the inventory TOML.

    Parameters
    ----------
    cfg : ghginv.core.config.RunConfig
        The run's config (``cfg.extra["sinks"]``: ``path``, ``method``, ``check_threshold``); paths
        are relative to the TOML, or URLs.

    Returns
    -------
    SinkSettings or None
        Data paths, reported forest method (``gain_loss`` or ``stock_difference``) and cross-check
        threshold [fraction]; None when the run has no sinks.

    Raises
    ------
    ConfigError
        An unknown key, no data path, an unknown method or a negative threshold.
    """
    raw = cfg.extra.get("sinks")
    if raw is None:
        return None
    where = str(cfg.source) if cfg.source else "options"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: [sinks] must be a table")
    problems = [Problem(f"unknown key '{k}' in [sinks]", hint=f"known keys: {', '.join(_KEYS)}") for k in raw if k not in _KEYS]
    paths = raw.get("path")
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if not paths or not all(isinstance(p, (str, Path)) for p in paths):
        problems.append(Problem("[sinks] path must name a sink data file or folder (or a list of them)", value=raw.get("path")))
        paths = []
    method = raw.get("method", "gain_loss")
    if method not in METHODS:
        problems.append(Problem(f"sink method must be one of {', '.join(METHODS)}", value=method))
    thr = raw.get("check_threshold", 0.2)
    if isinstance(thr, bool) or not isinstance(thr, (int, float)) or not thr >= 0:
        problems.append(Problem("check_threshold must be a number ≥ 0 (a fraction: 0.2 = 20 %)", value=thr))
    if problems:
        raise ConfigError(f"{where}: invalid [sinks] table", problems)
    return SinkSettings(tuple(cfg.locate(p) for p in paths), method, float(thr))


def _pivot(params: pl.DataFrame, cells: pl.DataFrame) -> pl.DataFrame:
    wide = params.pivot(on="parameter", index="cell_id", values="value") if params.height else pl.DataFrame({"cell_id": []}, schema={"cell_id": pl.Int64})
    return cells.join(wide, on="cell_id", how="left")


def _set_of(g: pl.DataFrame, *params: str) -> pl.Expr:
    """factor_set of a result row: the set that gave its rate-defining parameter."""
    cols = [pl.col("set:" + p) for p in params if "set:" + p in g.columns]
    return (pl.coalesce(cols) if cols else pl.lit(None, pl.String)).alias("factor_set")


def _col(df: pl.DataFrame, name: str) -> np.ndarray:
    return df[name].fill_null(0.0).to_numpy() if name in df.columns else np.zeros(df.height)


def compute_sinks(cfg, sets: list, settings: SinkSettings | None = None) -> SinkResult:
    """Run every sink method the data call for (forest biomass, urban trees, soils, wetlands).

    Stock changes ΔC [t C/yr] are reported as CO2 with the inventory's sign, a removal being a
    negative emission, CO2 = −ΔC × 44/12 (module docstring):

    * forest, gain-loss (Eqs 2.7, 2.9–2.14): ΔC = ΔC_G − ΔC_L per stratum and year;
    * forest, stock-difference (Eq 2.8): ΔC = (C_t2 − C_t1) / (t2 − t1) between stock inventories;
    * urban trees, Tier 2a (Vol 4 Ch 8 Eq 8.2): ΔC = crown_cover × CRW;
    * mineral soils, Tier 1 (Eq 2.25): ΔC = (SOC_0 − SOC_(0−T)) / D;
    * rewetted organic soils (WS13 Ch 3, Tier 1): CO2 = A × (EF_CO2 + EF_DOC) × 44/12,
      CH4 = A × EF_CH4 × 16/12.

    When the data allow both forest methods, both are computed and compared
    (:attr:`SinkResult.check`).

    Parameters
    ----------
    cfg : ghginv.core.config.RunConfig
        The run's config (``years``, ``regions``, ``year_fallback``, ``keep_entity``, ``[sinks]``).
    sets : list of FactorSet
        The sink parameter sets, in precedence order.
    settings : SinkSettings, optional
        Default :func:`sink_settings` of ``cfg``.

    Returns
    -------
    SinkResult
        Sink rows in the emissions schema (``emissions_t`` [t of the gas]; removals negative), the
        method cross-check, the parameters used, the input files and statistics.

    Raises
    ------
    ValidationError
        Sink data that break the data contract or do not support the chosen method (e.g.
        stock-difference with a single stock year), or soil data for one year only.
    InputFileError, SchemaError
        Missing or malformed sink data files.
    MissingFactorError, AmbiguousFactorError
        A parameter the sets do not give, or give twice.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 4 Ch 2,
       Eqs 2.7–2.14 (gain-loss, stock-difference) and 2.25, applied to forest land (Vol 4 Ch 4);
       Vol 4 Ch 8 Eq 8.2 (urban trees).
    .. [2] IPCC (2014), 2013 Supplement to the 2006 IPCC Guidelines: Wetlands, Ch 3 (rewetted
       organic soils).
    """
    settings = settings or sink_settings(cfg)
    rec, inputs = load_sink_data(settings.paths, cfg.regions)
    years = cfg.years or (int(rec["year"].min()), int(rec["year"].max()))
    inside = pl.col("year").is_between(*years)
    stats = {"sink_rows_read": rec.height, "sink_rows_outside_years": rec.filter(~inside).height}

    vol = rec.filter(pl.col("variable").is_in(list(VOLUME_VARIABLES)))
    gl_rec = vol.filter(pl.col("variable") != "stock_volume", inside)
    st_rec = vol.filter(pl.col("variable") == "stock_volume")
    stock_years = st_rec.group_by("region", "category", "stratum").agg(pl.col("year").unique().sort().alias("years"))
    forest = vol.select("region", "category", "stratum").unique().sort("region", "category", "stratum")
    gl_strata = gl_rec.select("region", "category", "stratum").unique()
    problems = []
    if settings.method == "stock_difference":
        chk = forest.join(stock_years, on=["region", "category", "stratum"], how="left")
        for r in chk.iter_rows(named=True):
            n = len(r["years"] or [])
            if n < 2:
                what = "a single stock year (" + str(r["years"][0]) + ")" if n == 1 else "no stock_volume rows"
                problems.append(Problem(
                    f"stock-difference needs stock_volume for at least two years; stratum {r['stratum']!r} "
                    f"(region {r['region']}, category {r['category']}) has {what}",
                    hint="give stock_volume for two inventory years, or use --sink-method gain_loss"))
    else:
        for r in forest.join(gl_strata, on=["region", "category", "stratum"], how="anti").iter_rows(named=True):
            problems.append(Problem(
                f"gain-loss needs volume_increment (or removals) in {years[0]}–{years[1]}; stratum {r['stratum']!r} "
                f"(region {r['region']}, category {r['category']}) has none",
                hint="give volume_increment rows, or use --sink-method stock_difference"))
    if problems:
        raise ValidationError("sink data do not support the requested method; nothing was computed", problems)
    sd_strata = stock_years.filter(pl.col("years").list.len() >= 2)
    st_rec = st_rec.join(sd_strata.select("region", "category", "stratum"), on=["region", "category", "stratum"])

    cc_rec = rec.filter(pl.col("variable") == "crown_cover", inside)
    soc_rec = rec.filter(pl.col("variable") == "soc_area")
    wet_rec = rec.filter(pl.col("variable") == "wetland_area", inside)

    # which parameters each (year, region, stratum) cell needs
    needs = [gl_rec.select("year", "region", "stratum", pl.col("variable").replace_strict(_GL_PARAMS).alias("parameter"))]
    for src, params in ((gl_rec, ("root_shoot", "carbon_fraction")), (st_rec, ("bcef_s", "root_shoot", "carbon_fraction")),
                        (cc_rec, ("crw",)), (soc_rec, _SOIL), (wet_rec, _WET)):
        # every parameter for every distinct cell of the records: one cross join, not a frame per parameter
        needs.append(src.select("year", "region", "stratum").unique().join(pl.DataFrame({"parameter": list(params)}), how="cross"))
    needs = pl.concat(needs).cast({"year": pl.Int32}).unique()
    cells = needs.select("year", "region", "stratum").unique().sort("year", "region",
        "stratum").with_row_index("cell_id").with_columns(pl.col("cell_id").cast(pl.Int64))
    need_ids = needs.join(cells, on=["year", "region", "stratum"]).select("cell_id", "parameter")
    if need_ids.height:
        params, rules = resolve_sink_parameters(cells, need_ids, sets, cfg.year_fallback)
    else:
        params, rules = pl.DataFrame(schema={"cell_id": pl.Int64, "parameter": pl.String, "value": pl.Float64, "set_rank": pl.Int32}), []
    wide = _pivot(params.select("cell_id", "parameter", "value"), cells)
    set_names = [s.name for s in sets]
    if params.height:  # which set gave each parameter: column "set:<parameter>"
        ranks = params.select("cell_id", "parameter", pl.col("set_rank").replace_strict(dict(enumerate(set_names)), return_dtype=pl.String))
        wide = wide.join(ranks.pivot(on="parameter", index="cell_id", values="set_rank").rename(lambda c: c if c == "cell_id" else "set:" + c),
                         on="cell_id", how="left")

    def groups(records: pl.DataFrame) -> tuple[pl.DataFrame, np.ndarray]:
        # the distinct (year, region, category, stratum) in sorted order, numbered, with the
        # cell's parameters; each record's group number (the keys are never null: sink_data
        # checks them), from integer codes instead of a unique, a sort and a join on four keys
        ids, first = dense_ids([rank_codes(records[k]) for k in GROUP]) if records.height else (np.zeros(0, np.int64), np.zeros(0, np.int64))
        g = records.select(GROUP)[first].with_row_index("group").join(wide, on=["year", "region", "stratum"], how="left")
        return g.sort("group"), ids

    def var(records: pl.DataFrame, name: str) -> np.ndarray:
        return np.where((records["variable"] == name).to_numpy(), records["value"].to_numpy(), 0.0)

    parts = []
    # forest, gain-loss
    g, idx = groups(gl_rec)
    gain, loss = gain_loss(idx, var(gl_rec, "volume_increment"), var(gl_rec, "harvest"), var(gl_rec, "fuelwood"),
                           var(gl_rec, "disturbance_volume"), _col(g, "bcef_i"), _col(g, "bcef_r"), _col(g, "bcef_s"),
                           _col(g, "root_shoot"), _col(g, "carbon_fraction"), g.height)
    gl = g.select(*GROUP, _set_of(g, "bcef_i", "bcef_r", "bcef_s")).with_columns(pl.Series("co2", -(gain - loss) * C_TO_CO2, dtype=pl.Float64))
    # forest, stock-difference
    g, idx = groups(st_rec)
    c = stock_carbon(idx, st_rec["value"].to_numpy(), _col(g, "bcef_s"), _col(g, "root_shoot"), _col(g, "carbon_fraction"), g.height)
    stocks = g.select(*GROUP, _set_of(g, "bcef_s")).with_columns(pl.Series("c", c, dtype=pl.Float64)).sort("region", "category", "stratum", "year")
    sd_rows = []
    for (region, cat, stratum), s in stocks.group_by(["region", "category", "stratum"], maintain_order=True):
        ys, cs, fs = s["year"].to_list(), s["c"].to_list(), s["factor_set"].to_list()
        for (t1, c1), (t2, c2, f2) in zip(zip(ys, cs), zip(ys[1:], cs[1:], fs[1:])):
            rate = -(c2 - c1) / (t2 - t1) * C_TO_CO2
            sd_rows += [(y, region, cat, stratum, f2, rate) for y in range(t1 + 1, t2 + 1) if years[0] <= y <= years[1]]
    sd = pl.DataFrame(sd_rows, schema={**{k: gl.schema[k] for k in GROUP}, "factor_set": pl.String, "co2": pl.Float64}, orient="row")
    forest_rows = gl if settings.method == "gain_loss" else sd
    parts.append(forest_rows.with_columns(pl.col("stratum").alias("activity"), pl.lit("CO2").alias("gas"), pl.col("co2").alias("emissions_t")))
    # urban trees, Tier 2a
    g, idx = groups(cc_rec)
    dc = area_rate(idx, cc_rec["value"].to_numpy(), _col(g, "crw"), g.height)
    parts.append(g.select(*GROUP, _set_of(g, "crw")).with_columns(pl.col("stratum").alias("activity"), pl.lit("CO2").alias("gas"),
                                                                 pl.Series("emissions_t", -dc * C_TO_CO2, dtype=pl.Float64)))
    # wetlands (rewetted organic soils)
    g, idx = groups(wet_rec)
    a = wet_rec["value"].to_numpy()
    co2 = area_rate(idx, a, _col(g, "wetland_co2_c") + _col(g, "wetland_doc_c"), g.height) * C_TO_CO2
    ch4 = area_rate(idx, a, _col(g, "wetland_ch4_c"), g.height) * CH4_C_TO_CH4
    base = g.select(*GROUP, _set_of(g, "wetland_co2_c")).with_columns(pl.col("stratum").alias("activity"))
    parts += [base.with_columns(pl.lit("CO2").alias("gas"), pl.Series("emissions_t", co2, dtype=pl.Float64)),
              base.with_columns(pl.lit("CH4").alias("gas"), pl.Series("emissions_t", ch4, dtype=pl.Float64))]
    # mineral soils, Tier 1
    parts.append(_soil(soc_rec, groups, years))

    emissions = emission_rows(parts, cfg.keep_entity)
    check = check_frame(gl, sd, settings.threshold)
    used_groups = pl.concat([p.select("year", "region", "category", "stratum") for p in (gl_rec, st_rec, cc_rec, wet_rec, soc_rec)]).unique()
    used = parameters_used(params, rules, cells, used_groups, sets)
    synthetic = [s.name for i, s in enumerate(sets) if s.synthetic and i in set(params["set_rank"].to_list())]
    stats.update({"sink_strata": used_groups.select("region", "category", "stratum").unique().height, "sink_emission_rows": emissions.height})
    return SinkResult(emissions, check, used, inputs, settings, synthetic, stats)


def _soil(soc_rec: pl.DataFrame, groups, years: tuple[int, int]) -> pl.DataFrame:
    """Eq 2.25 per region and category (activity ``soc_mineral``)."""
    g, idx = groups(soc_rec)
    coef = _col(g, "soc_ref") * _col(g, "f_lu") * _col(g, "f_mg") * _col(g, "f_i")
    soc = g.select(*GROUP, _set_of(g, "soc_ref"), *(["soc_transition"] if "soc_transition" in g.columns else [])).with_columns(
        pl.Series("soc", area_rate(idx, soc_rec["value"].to_numpy(), coef, g.height), dtype=pl.Float64))
    out = []
    if soc.height:
        pk = ["year", "region", "category"]
        per = sum_by(soc, pk, ["soc"]).join(  # the soc sum in table order (core._frames.sum_by): the same bits on every call
            soc.group_by(pk).agg(pl.col("soc_transition").max(), pl.col("factor_set").drop_nulls().sort().first()),
            on=pk, how="left", nulls_equal=True).sort("region", "category", "year")
        problems = []
        for (region, cat), s in per.group_by(["region", "category"], maintain_order=True):
            ys = s["year"].to_list()
            if len(ys) < 2:
                problems.append(Problem(f"soil (Eq 2.25) needs soc_area for two years (0−T and 0); region {region}, category {cat} has only {ys[0]}"))
                continue
            stock = dict(zip(ys, s["soc"].to_list()))
            for y, d, fs in zip(ys, s["soc_transition"].to_list(), s["factor_set"].to_list()):
                if not years[0] <= y <= years[1] or y == ys[0]:
                    continue
                y0 = y - int(d) if (y - int(d)) in stock else ys[0]
                rate = (stock[y] - stock[y0]) / max(d, y - y0)
                out.append((y, region, cat, "soc_mineral", fs, -rate * C_TO_CO2))
        if problems:
            raise ValidationError("soil data are incomplete; nothing was computed", problems)
    return pl.DataFrame(out, schema={"year": pl.Int32, "region": pl.String, "category": pl.String, "activity": pl.String,
                                     "factor_set": pl.String, "emissions_t": pl.Float64}, orient="row").with_columns(pl.lit("CO2").alias("gas"))


def sink_emissions(cfg, sets: list, year_fallback: str) -> pl.DataFrame | None:
    """Sink rows of a run with other factor sets or year fallback (``emissions_t``; the caller
    characterises them with the GWP set it compares at).

    Used by recalculations (``ghginv diff``): the sink data are re-read from the path the run's
    config gives.

    Parameters
    ----------
    cfg : ghginv.core.config.RunConfig
        The run's config (a recorded one: :meth:`~ghginv.core.config.RunConfig.from_dict`).
    sets : list of FactorSet
        The sink parameter sets, in precedence order.
    year_fallback : {"none", "nearest"}
        The year fallback of the parameter look-up.

    Returns
    -------
    polars.DataFrame or None
        The sink emission rows (t of gas; removals negative), one per year, region,
        category and gas (no entity); None when the run has no sink data.
    """
    if not cfg.extra.get("sinks"):
        return None
    run = cfg.with_overrides(factor_sets=tuple(s.path for s in sets), year_fallback=year_fallback, keep_entity=False)
    return compute_sinks(run, sets).emissions
