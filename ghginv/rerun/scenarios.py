"""Scenarios: many factor variants over a run's cached cube in one numba pass.

A scenario file (CSV or Parquet) has a column ``scenario`` and, per row, either a factor
override::

    scenario,activity,gas,region,year,value,unit
    grid_low,electricity,CO2,*,2024,0.45,kg/kWh
    grid_low,electricity,CO2,510105*,2024,0.40,kg/kWh

(``region``: ``*``, an exact code or a prefix pattern ``51*``, the most specific wins; ``year``
empty = every year; ``value``/``unit``: the new factor, its unit in the dimension of the factor
the run resolved for those cells) or a GWP set::

    scenario,gwp
    ar6,AR6GWP100

Headers may be Chinese (情景, 活动, 气体, 地区, 年份, 数值, 单位, GWP;
:data:`ghginv.core.columns.TABLES`), units too (千克/千瓦时, 吨/万立方米).

A scenario may combine both. A factor override replaces the resolved factor of every matching
cube cell (all sectors) — as a factor set with that row placed first in the run's precedence
would. The result, ``scenarios.parquet``, has one row per scenario and year:
``direct_co2e_t``, ``indirect_co2e_t`` (purchased electricity and heat) and ``total_co2e_t``
(their sum), with the GWP set used. Rows of the run that no factor produced (carbon sinks,
first-order decay of landfill deposits) are carried unchanged (GWP applied). An override that matches no cell of the run changes nothing.

A GWP set that splits CH4 by origin (``AR6GWP100_CH4FNF``) is applied as in a compile: the kernel's
gas axis is then the GWP keys (``CH4:fossil``, ``CH4:non_fossil``, the other gases;
:func:`ghginv.core.gwp.gwp_keys`), each row keyed by its sector and the fuel class of its
activity, and the other scenarios' sets give both CH4 keys their one value.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import polars as pl

from ..core._frames import sum_by
from ..core.columns import missing_columns_error, resolve_columns
from ..core.errors import GhgInvError, InputFileError, Problem, UnitError, ValidationError
from ..core.gwp import gwp_keys, gwp_set
from ..core.units import parse_ratio
from ..kernels.emissions import activity_emissions
from ..kernels.montecarlo import scenario_totals

__all__ = ["read_scenarios", "evaluate_scenarios", "SCHEMA"]

SCHEMA = {"scenario": pl.String, "year": pl.Int32, "gwp": pl.String, "direct_co2e_t": pl.Float64,
          "indirect_co2e_t": pl.Float64, "total_co2e_t": pl.Float64}
_COLS = ("activity", "gas", "region", "year", "value", "unit")
_SCOPES = ("direct", "indirect")


def read_scenarios(path: str | os.PathLike, default_gwp: str) -> tuple[list[str], dict[str, str], pl.DataFrame]:
    """(scenario names in file order, scenario -> GWP set, overrides frame). Checks every row.

    Parameters
    ----------
    path : str or os.PathLike
        The scenario file (CSV or Parquet; columns: see the module doc).
    default_gwp : str
        The GWP set of a scenario that names none (the run's).

    Returns
    -------
    names : list of str
        Scenario names, in file order.
    gwps : dict of str to str
        GWP set per scenario.
    overrides : polars.DataFrame
        One row per factor override: scenario, activity, gas, region_prefix, region_spec (how
        specific), oyear (null = every year), value_norm_new [t gas per base unit of den_new],
        den_new (the unit's denominator dimension), line.

    Raises
    ------
    InputFileError
        When the file is missing or cannot be read.
    SchemaError
        When the columns are not scenario with the override columns and/or gwp.
    ValidationError
        Listing every invalid row (empty name, unknown GWP set, bad value, year or unit).
    """
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: scenario file not found")
    try:
        df = pl.read_parquet(path) if path.suffix.lower() == ".parquet" else pl.read_csv(path, infer_schema_length=0)
    except Exception as e:  # noqa: BLE001 - any reader failure is bad input
        raise InputFileError(f"{path}: cannot read the scenario file ({e})") from None
    df = df.with_columns(pl.all().cast(pl.String))
    res = resolve_columns(df.columns, "scenarios", str(path))  # English or Chinese headers (ghginv.core.columns)
    df = df.rename({h: c for h, c in res.rename.items() if h != c})
    if "scenario" not in df.columns or not ({"gwp"} & set(df.columns) or set(_COLS) <= set(df.columns)):
        missing = [c for c in ("scenario", *_COLS) if c not in df.columns]
        raise missing_columns_error(str(path), "scenarios", missing, res,
                                    f"A scenario file has scenario with {', '.join(_COLS)} and/or scenario with gwp; got {', '.join(df.columns)}")
    for c in ("gwp", *_COLS):
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, pl.String).alias(c))
    line0 = 2 if path.suffix.lower() != ".parquet" else 1
    problems, names, gwps, rows = [], [], {}, []
    for i, r in enumerate(df.iter_rows(named=True)):
        line = i + line0

        def bad(msg, col, value):
            problems.append(Problem(msg, file=str(path), line=line, column=col, value=value))

        s = (r["scenario"] or "").strip()
        if not s:
            bad("scenario name is empty", "scenario", r["scenario"])
            continue
        if s not in names:
            names.append(s)
        g = (r["gwp"] or "").strip()
        if g:
            try:
                gwp_set(g)
            except GhgInvError:
                bad("unknown GWP set", "gwp", g)
            if gwps.get(s, g) != g:
                bad(f"scenario {s!r} names two GWP sets", "gwp", g)
            gwps[s] = g
        if not (r["activity"] or "").strip():
            continue  # a GWP row, or a scenario without changes (the baseline)
        try:
            value = float(r["value"])
            if not np.isfinite(value) or value < 0:
                raise ValueError
        except (TypeError, ValueError):
            bad("value must be a finite number ≥ 0", "value", r["value"])
            continue
        year = (r["year"] or "").strip()
        year = year[:-2] if year.endswith(".0") else year  # a Parquet float column
        if year and not (year.isdigit() and len(year) == 4):
            bad("year must be a four-digit year or empty (every year)", "year", year)
            continue
        try:
            ratio = parse_ratio(r["unit"] or "")
            if ratio.numerator.dimension != "mass" or ratio.numerator.element not in (None, r["gas"]):
                raise UnitError("numerator")
        except (GhgInvError, ValueError):
            bad("unit must be a mass of the gas per unit of activity, e.g. kg/kWh, t/TJ", "unit", r["unit"])
            continue
        region = (r["region"] or "*").strip()
        spec = 0 if region == "*" else (len(region) - 1 if region.endswith("*") else 1000)
        rows.append((s, r["activity"].strip(), (r["gas"] or "").strip(), region.removesuffix("*") if region != "*" else "",
                     spec, int(year) if year else None, value * ratio.scale, ratio.denominator.dimension, line))
    if problems:
        raise ValidationError(f"{path}: invalid scenario rows", problems)
    gmap = {s: gwps.get(s, default_gwp) for s in names}
    ov = pl.DataFrame(rows, schema={"scenario": pl.String, "activity": pl.String, "gas": pl.String, "region_prefix": pl.String,
                                    "region_spec": pl.Int32, "oyear": pl.Int32, "value_norm_new": pl.Float64, "den_new": pl.String,
                                    "line": pl.Int64}, orient="row")
    return names, gmap, ov


def evaluate_scenarios(run_dir, scenario_file: str | os.PathLike) -> pl.DataFrame:
    """Many factor or GWP variants of a finished run, in one pass over its cached cube.

    With the run's kept positions (``recompute_index.bin``) the factors are not resolved again.
    Nothing is written.

    Parameters
    ----------
    run_dir : str, os.PathLike or RunFolder
        The run folder, or a :class:`~ghginv.rerun.folder.RunFolder` already read
        (:func:`ghginv.load_run`).
    scenario_file : str or os.PathLike
        CSV or Parquet, one scenario per value of its ``scenario`` column: factor overrides
        (``activity, gas, region, year, value, unit``: the new factor and its unit, e.g.
        ``0.45 kg/kWh``) and/or a GWP set (``gwp``); see the module doc.

    Returns
    -------
    polars.DataFrame
        The frame of ``scenarios.parquet``: per scenario and year, ``gwp``,
        ``direct_co2e_t``, ``indirect_co2e_t`` and ``total_co2e_t`` [t CO2e].

    Raises
    ------
    InputFileError, SchemaError
        The run folder or the scenario file cannot be read, or lacks columns.
    UnitError, ValidationError
        An override's unit is not in the dimension of the factor it replaces, or a value is
        not a number.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 2
       Ch 2, Eq 2.1 (emissions = activity data × emission factor), applied per scenario.

    Examples
    --------
    >>> ghginv.evaluate_scenarios("out/demo", "scenarios.csv")   # doctest: +SKIP
    """
    from ..factors import load_factor_set
    from ..methods.emissions import activity_classes, compute_emissions
    from ..methods.waste_fod import split_deposits
    from .folder import RunFolder, load_run

    run = run_dir if isinstance(run_dir, RunFolder) else load_run(run_dir)
    cfg = run.run_config()
    names, gmap, ov = read_scenarios(scenario_file, cfg.gwp)
    sets = [load_factor_set(p) for p in run.set_paths]
    cells = split_deposits(run.cube.cells, sets)[0]  # landfill deposits: first-order decay rows, carried unchanged
    plan = run.plan()
    if plan is not None and not plan.per_entity:  # the run's kept positions: one quantity per emission row
        d = _quantities(plan, run, cells, sets)
    else:
        _, detail, _, _ = compute_emissions(cells, sets, cfg.year_fallback, cfg.keep_entity)
        # activity in the base unit of each factor's denominator: the emissions kernel with a factor of 1
        ncv, density = (detail[c].fill_null(np.nan).to_numpy() for c in ("ncv", "density"))
        q = activity_emissions(detail["amount"].to_numpy(), detail["unit_scale"].to_numpy(), ncv, detail["ncv_pow"].to_numpy(),
                               density, detail["dens_pow"].to_numpy(), np.ones(detail.height))
        d = detail.with_columns(pl.Series("q", q))
    # the kernel's gas axis: GWP keys, CH4 by origin when a scenario's set splits it (as characterise does)
    classes = activity_classes(sets)
    split_by = sorted({gmap[s] for s in names if gwp_set(gmap[s]).by_origin})
    split = sorted({g for name in split_by for g in gwp_set(name).by_origin})
    d = d.with_columns(gwp_keys(d, classes, split, ", ".join(split_by)))
    groups, rows = _tables(d.filter(pl.col("scope").is_in(_SCOPES)), bool((ov["region_spec"] > 0).any()))
    emis = run.frame("emissions.parquet").filter(pl.col("scope").is_in(_SCOPES))
    emis = emis.with_columns(gwp_keys(emis, classes, split, ", ".join(split_by)))
    years = sorted(emis["year"].unique().to_list())
    gases = sorted(set(emis["gwp_key"].unique().to_list()) | set(groups["gwp_key"].unique().to_list()))
    cell_of = {(y, s): i for i, (y, s) in enumerate((y, s) for y in years for s in _SCOPES)}
    gas_of = {g: i for i, g in enumerate(gases)}
    base = np.zeros((len(cell_of), len(gases)))
    for y, s, g, e in sum_by(emis, ["year", "scope", "gwp_key"], ["emissions_t"]).iter_rows():  # the same bits on every call
        base[cell_of[(y, s)], gas_of[g]] += e
    gwp = np.zeros((len(names), len(gases)))  # each scenario's GwpSet.vector: the kernel's CO2e
    for i, s in enumerate(names):
        try:
            gwp[i] = gwp_set(gmap[s]).vector(gases)
        except GhgInvError as e:
            raise ValidationError(f"{scenario_file}: scenario {s!r}: {e}") from None
    sid = {s: i for i, s in enumerate(names)}
    ov = ov.with_columns(pl.col("scenario").replace_strict(sid, return_dtype=pl.Int64).alias("sid"))
    _check_units(ov, groups, scenario_file)
    r_arr, m_sid, m_row, m_val = _matches(ov, groups, rows)
    out = np.zeros((len(names), len(cell_of)))
    # cell_of numbers (year, scope) year-major in _SCOPES order: year index × 2 + scope index
    r_cell = (np.searchsorted(np.array(years), r_arr["year"].to_numpy()) * len(_SCOPES)
              + (r_arr["scope"] == _SCOPES[1]).to_numpy().astype(np.int64)).astype(np.int64)
    scenario_totals(
        base, gwp, r_cell, r_arr["gwp_key"].replace_strict(gas_of, return_dtype=pl.Int64).to_numpy(), r_arr["q"].to_numpy(),
        r_arr["emissions_t"].to_numpy(), m_sid, m_row, m_val, out,
    )
    recs = []
    for i, s in enumerate(names):
        for y in years:
            di, ii = out[i, cell_of[(y, "direct")]], out[i, cell_of[(y, "indirect")]]
            recs.append((s, y, gmap[s], di, ii, di + ii))
    return pl.DataFrame(recs, schema=SCHEMA, orient="row")


_GROUP = ["year", "scope", "activity", "gas", "gwp_key", "den_dim"]


def _tables(d: pl.DataFrame, by_region: bool) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """(groups, rows): ``q`` and ``emissions_t`` of ``d`` summed per (year, scope, activity, gas,
    GWP key, den_dim) and, when ``by_region`` (an override names regions), per region too."""
    d = d.with_columns(pl.col("year").cast(pl.Int32))
    # sums by core._frames.sum_by (each group's rows added in table order: the same bits on every call)
    groups = sum_by(d, _GROUP, ["q", "emissions_t"]).sort(_GROUP).with_row_index("grp")
    if not by_region:
        return groups, None
    rk = ["year", "scope", "region", "activity", "gas", "gwp_key", "den_dim"]
    rows = sum_by(d, rk, ["q", "emissions_t"]).sort(rk).with_row_index("row")
    return groups, rows.with_columns(pl.col("row").cast(pl.Int64))


def _quantities(plan, run, cells: pl.DataFrame, sets) -> pl.DataFrame:
    """Per activity × factor emission row of the run (year, scope, region, activity, gas,
    emissions_t): ``q``, its activity in the base unit of its factor's denominator (``den_dim``),
    from the kept positions (:func:`ghginv.pipeline.positions.activity_quantities`)."""
    from ..pipeline.positions import activity_quantities

    rules = [r for s in sets for r in s.rules]
    q = activity_quantities(plan, cells, rules)
    dims = sorted({r.den_dim for r in rules})
    den = np.array([dims.index(r.den_dim) for r in rules], np.int64)[plan.em["f_rule"]]
    return plan.activity_rows(run.frame("emissions.parquet")).select("year", "scope", "region", "sector", "activity", "gas",
                                                                     "emissions_t").with_columns(
        pl.Series("q", q), pl.Series("den_dim", dims, pl.String).gather(den))


def _check_units(ov: pl.DataFrame, groups: pl.DataFrame, scenario_file) -> None:
    """An override's unit must be per the dimension of the factor the run resolved for its cells."""
    dims = groups.select("activity", "gas", "den_dim").unique()
    wrong = ov.join(dims, on=["activity", "gas"], how="inner").filter(pl.col("den_new") != pl.col("den_dim")).sort("line")
    if wrong.height:
        problems = [Problem(f"the run's factor for {r['activity']} {r['gas']} is per {r['den_dim']}, the scenario's per {r['den_new']}",
                            file=str(scenario_file), line=r["line"], column="unit")
                    for r in wrong.unique(["line"], maintain_order=True).head(50).iter_rows(named=True)]
        raise UnitError(f"{scenario_file}: scenario factor units do not match the run's factors", problems)


def _best(m: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """Per ``key``, the most specific override: longest region match first, then a named year."""
    return m.sort(*key, "region_spec", pl.col("oyear").is_not_null(), descending=[False] * len(key) + [True, True]).unique(
        key, keep="first", maintain_order=True)


def _matches(ov: pl.DataFrame, groups: pl.DataFrame, rows: pl.DataFrame | None):
    """Kernel rows and matches ``(sid, row, new factor)`` of the overrides, without a scenarios × rows join.

    ``rows`` are aggregated per (year, scope, region, activity, gas, factor dimension) (None when
    no override names a region), ``groups`` the same without the region. Overrides
    for every region (``*``) are matched once per *group* — the same key without the region, its
    quantity and emissions summed — so 1,000 scenarios over 2,000 regions cost 1,000 × groups, not
    1,000 × rows. Region-specific overrides are matched to the rows; where one wins over a ``*``
    override of the same scenario and group, a correction row (the row with quantity and emissions
    negated) takes that row out of the group's change again. The totals are linear in each row's
    change ``(new factor × quantity − emissions) × GWP``, so the result equals matching every row.
    """
    year_ok = pl.col("oyear").is_null() | (pl.col("oyear") == pl.col("year"))
    # every-region overrides, per scenario and group
    wild = _best(ov.filter(pl.col("region_spec") == 0).join(groups, on=["activity", "gas"], how="inner").filter(year_ok),
                 ["sid", "grp"])
    kernel_cols = ["year", "scope", "gwp_key", "q", "emissions_t"]
    if rows is None:
        m_val = wild["value_norm_new"].to_numpy()
        return groups.select(kernel_cols), wild["sid"].to_numpy().astype(np.int64), wild["grp"].to_numpy().astype(np.int64), m_val
    n = rows.height
    rows = rows.join(groups.select(*_GROUP, "grp"), on=_GROUP, how="left").sort("row")
    # region-specific overrides, per scenario and row (exact codes joined on the region itself)
    ovs = ov.filter(pl.col("region_spec") > 0)
    exact = ovs.filter(pl.col("region_spec") == 1000).join(rows, left_on=["activity", "gas", "region_prefix"],
                                                             right_on=["activity", "gas", "region"], how="inner")
    exact = exact.with_columns(pl.col("region_prefix").alias("region"))
    prefix = ovs.filter(pl.col("region_spec") < 1000).join(rows, on=["activity", "gas"], how="inner").filter(
        pl.col("region").str.starts_with(pl.col("region_prefix")))
    spec = _best(pl.concat([exact.filter(year_ok), prefix.filter(year_ok).select(exact.columns)]), ["sid", "row"])
    # a row with its own override leaves its group's every-region override
    corr = spec.select("sid", "row", "grp").join(wild.select("sid", "grp", "value_norm_new"), on=["sid", "grp"], how="inner")
    r_arr = pl.concat([
        rows.select(kernel_cols),
        groups.select(kernel_cols),
        rows.select("year", "scope", "gwp_key", -pl.col("q"), -pl.col("emissions_t")),
    ])
    m_sid = np.concatenate([spec["sid"].to_numpy(), wild["sid"].to_numpy(), corr["sid"].to_numpy()]).astype(np.int64)
    m_row = np.concatenate([spec["row"].to_numpy(), n + wild["grp"].to_numpy().astype(np.int64),
                            n + groups.height + corr["row"].to_numpy()]).astype(np.int64)
    m_val = np.concatenate([spec["value_norm_new"].to_numpy(), wild["value_norm_new"].to_numpy(), corr["value_norm_new"].to_numpy()])
    return r_arr, m_sid, m_row, m_val
