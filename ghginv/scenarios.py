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

A scenario may combine both. A factor override replaces the resolved factor of every matching
cube cell (all sectors) — as a factor set with that row placed first in the run's precedence
would. The result, ``scenarios.parquet``, has one row per scenario and year:
``direct_co2e_t``, ``indirect_co2e_t`` (purchased electricity and heat) and ``total_co2e_t``
(their sum), with the GWP set used. Rows of the run that no factor produced (carbon sinks) are
carried unchanged (GWP applied). An override that matches no cell of the run changes nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import polars as pl

from .errors import GhgInvError, InputFileError, Problem, SchemaError, UnitError, ValidationError
from .gwp import gwp_table
from .kernels.montecarlo import scenario_totals
from .units import parse_ratio

__all__ = ["read_scenarios", "evaluate_scenarios", "SCHEMA"]

SCHEMA = {"scenario": pl.String, "year": pl.Int32, "gwp": pl.String, "direct_co2e_t": pl.Float64,
          "indirect_co2e_t": pl.Float64, "total_co2e_t": pl.Float64}
_COLS = ("activity", "gas", "region", "year", "value", "unit")
_SCOPES = ("direct", "indirect")


def read_scenarios(path: str | os.PathLike, default_gwp: str) -> tuple[list[str], dict[str, str], pl.DataFrame]:
    """(scenario names in file order, scenario -> GWP set, overrides frame). Checks every row."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(f"{path}: scenario file not found")
    try:
        df = pl.read_parquet(path) if path.suffix.lower() == ".parquet" else pl.read_csv(path, infer_schema_length=0)
    except Exception as e:  # noqa: BLE001 - any reader failure is bad input
        raise InputFileError(f"{path}: cannot read the scenario file ({e})") from None
    df = df.with_columns(pl.all().cast(pl.String))
    if "scenario" not in df.columns or not ({"gwp"} & set(df.columns) or set(_COLS) <= set(df.columns)):
        raise SchemaError(f"{path}: columns must be scenario, {', '.join(_COLS)} and/or scenario, gwp; got {', '.join(df.columns)}")
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
                gwp_table(g)
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


def evaluate_scenarios(run_dir: str | os.PathLike, scenario_file: str | os.PathLike) -> pl.DataFrame:
    """``scenarios.parquet`` for a finished run (see module doc)."""
    from .compute import compute_emissions
    from .factors import load_factor_set
    from .recompute import load_run

    run = load_run(run_dir)
    cfg = run.config
    names, gmap, ov = read_scenarios(scenario_file, cfg["gwp"])
    sets = [load_factor_set(p) for p in run.set_paths]
    _, detail, _, _ = compute_emissions(run.cube.cells, sets, cfg["gwp"], cfg.get("year_fallback", "none"), bool(cfg.get("keep_entity")))
    conv = np.ones(detail.height)
    for pcol, vcol in (("ncv_pow", "ncv"), ("dens_pow", "density")):
        p = detail[pcol].to_numpy()
        v = detail[vcol].fill_null(np.nan).to_numpy()
        conv = conv * np.where(p == 1, v, np.where(p == -1, 1.0 / v, 1.0))
    d = detail.with_columns(pl.Series("q", detail["amount"].to_numpy() * detail["unit_scale"].to_numpy() * conv)).filter(
        pl.col("scope").is_in(_SCOPES))
    rk = ["year", "scope", "region", "activity", "gas", "den_dim"]
    rows = d.group_by(rk).agg(pl.col("q").sum(), pl.col("emissions_t").sum()).sort(rk).with_row_index("row").with_columns(
        pl.col("row").cast(pl.Int64), pl.col("year").cast(pl.Int32))
    emis = run.frame("emissions.parquet").filter(pl.col("scope").is_in(_SCOPES))
    years = sorted(set(emis["year"].to_list()))
    gases = sorted(set(emis["gas"].to_list()) | set(rows["gas"].to_list()))
    cell_of = {(y, s): i for i, (y, s) in enumerate((y, s) for y in years for s in _SCOPES)}
    gas_of = {g: i for i, g in enumerate(gases)}
    base = np.zeros((len(cell_of), len(gases)))
    for y, s, g, e in emis.group_by("year", "scope", "gas").agg(pl.col("emissions_t").sum()).iter_rows():
        base[cell_of[(y, s)], gas_of[g]] += e
    gwp = np.zeros((len(names), len(gases)))
    for i, s in enumerate(names):
        tab = gwp_table(gmap[s])
        missing = [g for g in gases if g not in tab]
        if missing:
            raise ValidationError(f"{scenario_file}: GWP set {gmap[s]!r} of scenario {s!r} has no value for {', '.join(missing)}")
        gwp[i] = [tab[g] for g in gases]
    # matches: the most specific override (region, then a named year) per scenario and row
    m = ov.join(rows, on=["activity", "gas"], how="inner").filter(
        (pl.col("oyear").is_null() | (pl.col("oyear") == pl.col("year")))
        & ((pl.col("region_spec") == 0) | ((pl.col("region_spec") == 1000) & (pl.col("region") == pl.col("region_prefix")))
           | ((pl.col("region_spec") < 1000) & (pl.col("region_spec") > 0) & pl.col("region").str.starts_with(pl.col("region_prefix"))))
    ).sort("scenario", "row", "region_spec", pl.col("oyear").is_not_null(), descending=[False, False, True, True]).unique(
        ["scenario", "row"], keep="first", maintain_order=True)
    wrong = m.filter(pl.col("den_new") != pl.col("den_dim"))
    if wrong.height:
        problems = [Problem(f"the run's factor for {r['activity']} {r['gas']} is per {r['den_dim']}, the scenario's per {r['den_new']}",
                            file=str(scenario_file), line=r["line"], column="unit")
                    for r in wrong.unique(["line"]).head(50).iter_rows(named=True)]
        raise UnitError(f"{scenario_file}: scenario factor units do not match the run's factors", problems)
    sid = {s: i for i, s in enumerate(names)}
    m = m.with_columns(pl.col("scenario").replace_strict(sid, return_dtype=pl.Int64).alias("sid")).sort("sid", "row")
    out = np.zeros((len(names), len(cell_of)))
    scenario_totals(
        base, gwp, np.array([cell_of[(y, sc)] for y, sc in rows.select("year", "scope").iter_rows()], dtype=np.int64),
        rows["gas"].replace_strict(gas_of, return_dtype=pl.Int64).to_numpy(), rows["q"].to_numpy(), rows["emissions_t"].to_numpy(),
        m["sid"].to_numpy(), m["row"].to_numpy(), m["value_norm_new"].to_numpy(), out,
    )
    recs = []
    for i, s in enumerate(names):
        for y in years:
            di, ii = out[i, cell_of[(y, "direct")]], out[i, cell_of[(y, "indirect")]]
            recs.append((s, y, gmap[s], di, ii, di + ii))
    return pl.DataFrame(recs, schema=SCHEMA, orient="row")
