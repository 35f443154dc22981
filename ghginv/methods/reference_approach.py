"""Reference approach: CO2 from the energy balance, checked against the sectoral result
(2006 IPCC GL Vol 2 Ch 6).

Per year, region and fuel of an energy balance (``[reference_approach] energy_balance = …`` or
``--energy-balance PATH``; a local path or a URL such as ``s3://…``, :mod:`ghginv.core._fs`)::

    apparent consumption  AC = production + imports − exports − bunkers − stock_change     (Eq 6.2)
    reference CO2         = (AC − non_energy_use) × EF_CO2                               (Eq 6.1)

``stock_change`` is the closing minus the opening stock: a stock build-up is positive and is
subtracted, a draw-down adds to consumption (Ch 6 §6.2.1). Eq 6.1 writes CO2 as
``[(AC × NCV × CC) − excluded carbon] × COF × 44/12`` with excluded carbon = non-energy use ×
NCV × CC (§6.2.2): with the fuel's own NCV and carbon content this is ``(AC − NEU) × EF_CO2``, the
form used here. ``EF_CO2`` is the CO2 factor the **run's own factor sets** resolve for the fuel,
in the run's precedence and year rules (:func:`ghginv.methods.emissions.compute_emissions` on one unit of
the fuel in sector ``1.A``): a composite row (carbon content × oxidation × 44/12, the China form)
or a direct CO2 factor, bridged to the balance unit by the same NCV and density conversions. No
factor is typed in here. Factors are resolved for the balance row's region; for the whole area
(``region`` absent or ``ALL``) for every inventory region, which must agree (otherwise
``factor_region`` names the region whose factors apply).

The sectoral figure is the direct CO2 of fuel combustion (IPCC ``1.A`` and below) of the same fuel,
year and region (a balance region also covers the inventory regions whose code starts with it).
``difference_pct = (reference − sectoral) / sectoral × 100``; ``flag`` when
``|difference_pct| > threshold_pct`` (default 5, the Ch 6 §6.8 check), when the balance has a fuel
the sectoral approach does not burn, or the sectoral approach burns a fuel the balance lacks. A
``TOTAL`` row per year and region compares all fossil fuels together.

Only fossil fuels (``fuel_class`` solid, liquid, gaseous in the sets' ``activities.csv``) enter;
electricity, heat and biomass rows of a balance are skipped with a note. Imports and exports
include flows to and from other regions (调入/调出) for a sub-national balance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path

import polars as pl

from ..core import _fs
from ..core._frames import group_sum
from ..core.errors import ConfigError, GhgInvError, InputFileError, Problem, SchemaError, UnitError, ValidationError
from ..core.units import parse_unit
from .emissions import activity_classes, compute_emissions, conversion_path

__all__ = ["ReferenceResult", "read_energy_balance", "electricity_balance", "ELECTRICITY_BALANCE_SCHEMA", "apparent_consumption",
           "reference_approach", "reference_stage", "reference_wanted", "FLOWS", "FOSSIL_CLASSES"]

FLOWS = ("production", "imports", "exports", "bunkers", "stock_change")
REQUIRED = ("year", "fuel", "unit", *FLOWS)
NON_NEGATIVE = ("production", "imports", "exports", "bunkers", "non_energy_use")
FOSSIL_CLASSES = ("solid", "liquid", "gaseous")
ALL = "ALL"
_KEYS = {"energy_balance", "threshold_pct", "factor_region"}


def apparent_consumption(production: float, imports: float, exports: float, bunkers: float, stock_change: float) -> float:
    r"""Apparent consumption of a fuel (Eq 6.2).

    .. math::

        AC = \text{production} + \text{imports} - \text{exports} - \text{bunkers} - \text{stock change}

    ``stock_change`` is the closing minus the opening stock: a build-up is subtracted, a draw-down
    adds to consumption. Works on numbers and on polars expressions alike.

    Parameters
    ----------
    production : float or polars.Expr
        Primary production [unit of the balance row].
    imports : float or polars.Expr
        Imports, including inflows from other regions [unit of the balance row].
    exports : float or polars.Expr
        Exports, including outflows to other regions [unit of the balance row].
    bunkers : float or polars.Expr
        International bunkers [unit of the balance row].
    stock_change : float or polars.Expr
        Closing minus opening stock [unit of the balance row].

    Returns
    -------
    float or polars.Expr
        Apparent consumption [unit of the balance row].

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 2 Ch 6,
       Eq 6.2 and §6.2.1.
    """
    return production + imports - exports - bunkers - stock_change


@dataclass
class ReferenceResult:
    table: pl.DataFrame  # reference_approach.parquet
    threshold_pct: float
    path: str
    notes: list[str] = field(default_factory=list)
    sha256: str = ""
    bytes: int | None = None
    electricity: pl.DataFrame | None = None  # electricity_balance.parquet: the balance's electricity rows (电力调入调出)

    def manifest_entry(self) -> dict:
        t = self.table
        flagged = t.filter(pl.col("flag"), pl.col("fuel") != "TOTAL") if t.height else t
        return {"energy_balance": self.path, "sha256": self.sha256, "bytes": self.bytes, "threshold_pct": self.threshold_pct, "notes": self.notes,
                "flagged": sorted({f"{r['year']} {r['region']} {r['fuel']}" for r in flagged.iter_rows(named=True)})}


def reference_wanted(cfg) -> bool:
    """Whether the inventory asks for the reference approach (a ``[reference_approach]`` table).

    Parameters
    ----------
    cfg : ghginv.core.config.RunConfig
        The run's config.

    Returns
    -------
    bool
        True when ``cfg.extra["reference_approach"]`` is set.
    """
    return bool(cfg.extra.get("reference_approach"))


def _num(v) -> float | None:
    """A flow value: number, or blank (None / '' / '-') meaning none (yearbook convention)."""
    if v is None:
        return 0.0
    if isinstance(v, str):
        s = v.strip().replace(",", "")
        if s in ("", "-", "—"):
            return 0.0
        v = s
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x


def read_energy_balance(path: Path | str | _fs.Remote, classes: dict[str, str], electricity: list | None = None) -> tuple[pl.DataFrame, list[str]]:
    """Read and check an energy balance (CSV or Parquet, a local path or a URL).

    Every problem is listed at once.

    Parameters
    ----------
    path : pathlib.Path or str or ghginv.core._fs.Remote
        The energy balance: columns ``year, fuel, unit, production, imports, exports, bunkers,
        stock_change`` and optional ``region``, ``non_energy_use``; flows in the row's ``unit``,
        blank meaning 0.
    classes : dict of str to str
        Activity code -> ``fuel_class`` of the run's factor sets
        (:func:`ghginv.methods.emissions.activity_classes`).
    electricity : list, optional
        When given, the valid rows of fuel class ``electricity`` (skipped by the reference approach) are
        appended to it as dicts (row, year, region, fuel, unit, the flows): the balance's imported
        and exported electricity (电力调入调出) for :func:`electricity_balance`.

    Returns
    -------
    balance : polars.DataFrame
        Fossil-fuel rows only: year, region (``ALL`` when absent), fuel, unit, the flows and
        ``non_energy_use`` [unit of the row], and ``row`` (1-based data row).
    notes : list of str
        The rows skipped (electricity, heat, biomass …).

    Raises
    ------
    InputFileError
        The file does not exist or has no rows.
    SchemaError
        A required column is missing.
    ValidationError
        Bad years, unknown fuels or units, non-finite or negative flows (only ``stock_change`` may
        be negative), or a (year, region, fuel) given twice.
    """
    path = _fs.input_file(path)
    f = str(path)
    if not _fs.is_file(path):
        raise InputFileError(f"{path}: energy balance not found")
    df = _fs.read_table(path, "the energy balance", parquet=path.name.lower().endswith(".parquet"), infer_schema=False)
    missing = [c for c in REQUIRED if c not in df.columns]
    if missing:
        raise SchemaError(f"{f}: energy balance lacks column(s) {', '.join(missing)} "
                          f"(needs {', '.join(REQUIRED)}; optional region, non_energy_use)")
    if df.height == 0:
        raise InputFileError(f"{path}: the energy balance has no rows")
    problems, rows, notes, skipped = [], [], [], {}
    for i, r in enumerate(df.iter_rows(named=True), start=1):
        bad = False
        try:
            year = int(str(r["year"]).strip())
        except ValueError:
            problems.append(Problem("year must be an integer", file=f, row=i, column="year", value=r["year"]))
            bad = True
        fuel = (str(r["fuel"]).strip() if r["fuel"] is not None else "")
        if fuel not in classes:
            near = get_close_matches(fuel, list(classes), n=1)
            problems.append(Problem(f"unknown fuel {fuel!r}: not an activity code of the run's factor sets"
                                    + (f" (did you mean {near[0]}?)" if near else ""), file=f, row=i, column="fuel",
                                    hint="use the activity codes of the sets' activities.csv, e.g. " + ", ".join(sorted(k for k,
                                        c in classes.items() if c in FOSSIL_CLASSES)[:8])))
            bad = True
        unit = str(r["unit"]).strip() if r["unit"] is not None else ""
        try:
            parse_unit(unit)
        except UnitError as e:
            problems.append(Problem(str(e), file=f, row=i, column="unit", value=r["unit"]))
            bad = True
        vals = {}
        for c in (*FLOWS, "non_energy_use"):
            x = _num(r.get(c))
            if x is None or not math.isfinite(x):
                problems.append(Problem("must be a finite number (blank means 0)", file=f, row=i, column=c, value=r.get(c)))
                bad = True
            elif x < 0 and c in NON_NEGATIVE:
                problems.append(Problem(f"{c} must be ≥ 0 (give magnitudes; Eq 6.2 applies the signs; only stock_change may be negative)",
                                        file=f, row=i, column=c, value=x))
                bad = True
            vals[c] = x
        region = str(r["region"]).strip() if r.get("region") not in (None, "") else ALL
        if bad:
            continue
        if classes[fuel] not in FOSSIL_CLASSES:
            skipped.setdefault(classes[fuel], set()).add(fuel)
            if electricity is not None and classes[fuel] == "electricity":
                electricity.append({"row": i, "year": year, "region": region, "fuel": fuel, "unit": unit, **vals})
            continue
        rows.append({"row": i, "year": year, "region": region, "fuel": fuel, "unit": unit, **vals})
    if problems:
        raise ValidationError(f"{f}: invalid energy balance", problems)
    for cls, fuels in sorted(skipped.items()):
        notes.append(f"energy balance rows of {', '.join(sorted(fuels))} ({cls}) skipped: the reference approach covers fossil fuels")
    out = pl.DataFrame(rows, schema={"row": pl.Int64, "year": pl.Int32, "region": pl.String, "fuel": pl.String, "unit": pl.String,
                                     **{c: pl.Float64 for c in (*FLOWS, "non_energy_use")}})
    dup = out.group_by("year", "region", "fuel").agg(pl.col("row")).filter(pl.col("row").list.len() > 1).sort("year", "region", "fuel")
    if dup.height:
        raise ValidationError(f"{f}: invalid energy balance", [
            Problem(f"year {r['year']}, region {r['region']}, fuel {r['fuel']} appears more than once (rows {r['row']})", file=f)
            for r in dup.iter_rows(named=True)])
    return out, notes


def _co2_per_unit(keys: pl.DataFrame, sets, year_fallback: str, where: str) -> pl.DataFrame:
    """year, factor_region, fuel, unit -> ef_t_co2_per_unit, tj_per_unit, co2_factor_rule: the run's
    factors applied to one unit of the fuel in sector 1.A."""
    cells = keys.select(pl.col("year").cast(pl.Int32), pl.col("factor_region").alias("region"), pl.lit("1.A").alias("sector"),
                        pl.col("fuel").alias("activity"), "unit", pl.lit(1.0).alias("amount"), pl.lit(1, pl.Int64).alias("n_rows"))
    try:
        _, detail, res, _ = compute_emissions(cells, sets, year_fallback)
    except GhgInvError as e:
        raise type(e)(f"reference approach ({where}): {e.summary}", e.problems) from None
    co2 = detail.filter(pl.col("gas") == "CO2")
    rules = res.rules
    # column lists and one conversion path / rule reference per distinct value (a few fuels and
    # rules for a few hundred cells), the same Python arithmetic per row as before
    paths: dict = {}
    refs: dict = {}
    names: dict = {}

    def _name(rule) -> str:
        if rule.file not in names:
            names[rule.file] = Path(rule.file).name
        return names[rule.file]

    def _ref(rid, rid2) -> str:
        if (rid, rid2) not in refs:
            rule = rules[rid]
            ref = f"{rule.set_name}/{_name(rule)}:{rule.line}"
            if rid2 is not None:
                r2 = rules[rid2]
                ref += f" × {_name(r2)}:{r2.line}"
            refs[rid, rid2] = ref
        return refs[rid, rid2]

    col = {c: co2[c].to_list() for c in ("act_dim", "ncv_dim", "density", "unit_scale", "ncv", "rule_id")}
    rule2 = co2["rule2_id"].to_list() if "rule2_id" in co2.columns else [None] * co2.height
    tjs, ref_col = [], []
    for act, ncv_dim, dens, scale, ncv, rid, rid2 in zip(col["act_dim"], col["ncv_dim"], col["density"], col["unit_scale"],
                                                         col["ncv"], col["rule_id"], rule2):
        pk = (act, ncv_dim, dens is not None)
        if pk not in paths:
            paths[pk] = conversion_path(act, "energy", ncv_dim, dens is not None)
        p = paths[pk]
        tj = None
        if p is not None:
            tj = scale * (ncv ** p[0] if p[0] else 1.0) * (dens ** p[1] if p[1] else 1.0) / 1000.0
        tjs.append(tj)
        ref_col.append(_ref(rid, rid2))
    got = pl.DataFrame({"year": co2["year"], "factor_region": co2["region"], "fuel": co2["activity"], "unit": co2["unit"],
                        "ef_t_co2_per_unit": co2["emissions_t"], "tj_per_unit": pl.Series(tjs, dtype=pl.Float64),
                        "co2_factor": pl.Series(ref_col, dtype=pl.String)})
    want = {"year": pl.Int32, "factor_region": pl.String, "fuel": pl.String, "unit": pl.String, "ef_t_co2_per_unit": pl.Float64}
    if any(got.schema[c] != t for c, t in want.items()):
        got = got.cast(want)
    lack = keys.join(got, on=["year", "factor_region", "fuel", "unit"], how="anti")
    if lack.height:
        raise ConfigError(f"reference approach ({where}): no CO2 factor in the run's sets for " + "; ".join(
            f"{r['fuel']} {r['year']} (region {r['factor_region']})" for r in lack.unique().sort("fuel", "year").iter_rows(named=True)))
    return got


def reference_approach(balance: pl.DataFrame, emissions: pl.DataFrame, sets, year_fallback: str = "none",
                       threshold_pct: float = 5.0, factor_region: str | None = None, where: str = "energy balance") -> pl.DataFrame:
    r"""The reference approach compared with the sectoral approach, per year, region and fuel.

    Per balance row (module docstring)

    .. math::

        CO_2^{ref} = (AC - NEU) \times EF_{CO_2}

    (Eq 6.1 with the fuel's own NCV and carbon content), with AC from :func:`apparent_consumption`
    (Eq 6.2) and EF_CO2 the CO2 factor the run's own factor sets resolve for one unit of the fuel
    in sector ``1.A``. The sectoral figure is the direct CO2 of fuel combustion (``1.A`` and below)
    of the same fuel, year and region; ``difference_pct = (reference − sectoral) / sectoral × 100``.

    Parameters
    ----------
    balance : polars.DataFrame
        The energy balance of :func:`read_energy_balance` [unit of each row].
    emissions : polars.DataFrame
        The run's emission rows (``emissions_t`` [t of the gas]).
    sets : list of FactorSet
        The run's factor sets, in precedence order.
    year_fallback : {"none", "nearest"}, default "none"
        Year fallback of the factor look-up.
    threshold_pct : float, default 5.0
        A fuel is flagged when ``|difference_pct|`` exceeds this [%] (the Ch 6 §6.8 check).
    factor_region : str, optional
        Region whose factors apply to whole-area (``ALL``) balance rows; default every inventory
        region, which must agree.
    where : str, default "energy balance"
        Name of the balance in error messages.

    Returns
    -------
    polars.DataFrame
        One row per year, region and fuel (and ``TOTAL``): the flows, apparent consumption [unit of
        the row and TJ], ``ef_t_co2_per_unit`` [t CO2 / unit], ``excluded_co2_t``,
        ``reference_co2_t``, ``sectoral_co2_t`` [t CO2], ``difference_pct`` [%], ``flag``, the CO2
        factor rule used and a note.

    Raises
    ------
    ConfigError
        No CO2 factor for a fuel in the run's sets, or factors that differ between the inventory
        regions for a whole-area balance without ``factor_region``.
    GhgInvError
        An error of the factor look-up (:func:`ghginv.methods.emissions.compute_emissions`), of the
        same type, naming the balance.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 2 Ch 6
       (reference approach), Eqs 6.1–6.2, §6.2.1–6.2.2 and the §6.8 comparison.
    """
    regions = sorted(emissions["region"].unique().to_list()) if emissions.height else []
    default = [factor_region] if factor_region else (regions or [ALL])
    b = balance.with_columns(
        apparent_consumption(pl.col("production"), pl.col("imports"), pl.col("exports"), pl.col("bunkers"), pl.col("stock_change"))
        .alias("apparent_consumption"),
    )
    keys = (b.select("year", "region", "fuel", "unit").unique()
            .with_columns(pl.when(pl.col("region") == ALL).then(pl.lit(default, pl.List(pl.String)))
                          .otherwise(pl.concat_list(pl.col("region"))).alias("factor_region"))
            .explode("factor_region"))
    ef = _co2_per_unit(keys.select("year", "factor_region", "fuel", "unit").unique().sort("year", "factor_region", "fuel", "unit"),
                       sets, year_fallback, where)
    ef = keys.join(ef, on=["year", "factor_region", "fuel", "unit"], how="left").sort("year", "region", "fuel", "unit", "factor_region")
    ef = ef.group_by("year", "region", "fuel", "unit", maintain_order=True).agg(
        pl.col("ef_t_co2_per_unit").first(), pl.col("tj_per_unit").first(), pl.col("co2_factor").first(),
        (pl.col("ef_t_co2_per_unit").max() - pl.col("ef_t_co2_per_unit").min()).alias("spread"), pl.col("factor_region").alias("regions"))
    differ = ef.filter(pl.col("spread") > 1e-12 * pl.col("ef_t_co2_per_unit").abs())
    if differ.height:
        r = differ.row(0, named=True)
        raise ConfigError(f"reference approach ({where}): the CO2 factor of {r['fuel']} ({r['year']}, region {r['region']}) differs "
                          f"between the inventory regions {', '.join(r['regions'][:5])}…; set [reference_approach] factor_region "
                          "to the region whose factors the whole-area balance should use, or give the balance per region")
    ef = ef.drop("spread", "regions")
    b = b.join(ef, on=["year", "region", "fuel", "unit"], how="left").with_columns(
        (pl.col("apparent_consumption") * pl.col("tj_per_unit")).alias("apparent_consumption_tj"),
        (pl.col("non_energy_use") * pl.col("ef_t_co2_per_unit")).alias("excluded_co2_t"),
        ((pl.col("apparent_consumption") - pl.col("non_energy_use")) * pl.col("ef_t_co2_per_unit")).alias("reference_co2_t"),
    )
    classes = activity_classes(sets)
    fossil = [a for a, c in classes.items() if c in FOSSIL_CLASSES]
    comb = emissions.filter(pl.col("gas") == "CO2", pl.col("scope") == "direct", pl.col("activity").is_in(fossil),
                            (pl.col("sector") == "1.A") | pl.col("sector").str.starts_with("1.A."))
    parts = []
    for reg in b["region"].unique().sort().to_list():
        sub = comb if reg == ALL else comb.filter((pl.col("region") == reg) | pl.col("region").str.starts_with(reg))
        parts.append(group_sum(sub.select("year", "activity", "emissions_t"), ["year", "activity"], ["emissions_t"])
                     .select(pl.col("year").cast(pl.Int32), pl.col("activity").alias("fuel"), pl.col("emissions_t").alias("sectoral_co2_t"),
                             pl.lit(reg).alias("region")))
    sect = pl.concat(parts).join(b.select("year", "region").unique(), on=["year", "region"], how="semi")  # the balance's years
    t = b.join(sect, on=["year", "region", "fuel"], how="full", coalesce=True)
    t = t.with_columns(
        pl.when(pl.col("row").is_null()).then(pl.lit("burnt in the sectoral approach, not in the energy balance"))
        .when(pl.col("sectoral_co2_t").is_null()).then(pl.lit("in the energy balance, no sectoral combustion CO2"))
        .otherwise(pl.lit(None, pl.String)).alias("note"),
        pl.col("sectoral_co2_t").fill_null(0.0),
    )
    sums = ["reference_co2_t", "sectoral_co2_t", "excluded_co2_t", "apparent_consumption_tj"]
    tot = group_sum(t.select("year", "region", *(pl.col(c).fill_null(0.0) for c in sums)), ["year", "region"], sums)
    t = pl.concat([t, tot.with_columns(pl.lit("TOTAL").alias("fuel"))], how="diagonal_relaxed")
    diff = (pl.col("reference_co2_t") - pl.col("sectoral_co2_t")) / pl.col("sectoral_co2_t") * 100.0
    t = t.with_columns(pl.when(pl.col("sectoral_co2_t") != 0).then(diff).otherwise(None).alias("difference_pct")).with_columns(
        ((pl.col("difference_pct").abs() > threshold_pct).fill_null(False) | pl.col("note").is_not_null()
         | (pl.col("difference_pct").is_null() & (pl.col("reference_co2_t").fill_null(0.0) != 0))).alias("flag"),
    )
    cols = ["year", "region", "fuel", "unit", *FLOWS, "apparent_consumption", "non_energy_use", "apparent_consumption_tj",
            "ef_t_co2_per_unit", "excluded_co2_t", "reference_co2_t", "sectoral_co2_t", "difference_pct", "flag", "co2_factor", "note"]
    return t.select(cols).with_columns(pl.col("flag").cast(pl.Boolean)).sort(
        "year", "region", pl.col("fuel") == "TOTAL", "fuel")


def settings(cfg) -> tuple[Path | str, float, str | None]:
    src = str(cfg.source) if cfg.source else "config"
    t = cfg.extra.get("reference_approach")
    if not isinstance(t, dict):
        raise ConfigError(f"{src}: [reference_approach] must be a table")
    problems = [Problem(f"unknown key '{k}' in [reference_approach]", file=src, hint=f"known keys: {', '.join(sorted(_KEYS))}")
                for k in sorted(set(t) - _KEYS)]
    if not t.get("energy_balance"):
        problems.append(Problem("[reference_approach] needs energy_balance = \"path\" (or --energy-balance PATH)", file=src))
    th = t.get("threshold_pct", 5.0)
    if isinstance(th, bool) or not isinstance(th, (int, float)) or not th > 0:
        problems.append(Problem("threshold_pct must be a positive number", file=src, value=th))
    fr = t.get("factor_region")
    if fr is not None and not isinstance(fr, str):
        problems.append(Problem("factor_region must be a region code (string)", file=src, value=fr))
    if problems:
        raise ConfigError(f"{src}: invalid [reference_approach]", problems)
    return cfg.locate(t["energy_balance"]), float(th), fr


def reference_stage(cfg, emissions: pl.DataFrame, sets) -> ReferenceResult:
    """Read the energy balance and compare it with the sectoral result (a named, timed stage of the run).

    Balance years outside the inventory's are ignored, with a note.

    Parameters
    ----------
    cfg : ghginv.core.config.RunConfig
        The run's config (``[reference_approach]``: ``energy_balance``, ``threshold_pct`` [%],
        ``factor_region``; ``years``, ``year_fallback``).
    emissions : polars.DataFrame
        The run's emission rows (``emissions_t`` [t of the gas]).
    sets : list of FactorSet
        The run's factor sets, in precedence order.

    Returns
    -------
    ReferenceResult
        The comparison table (:func:`reference_approach`), the threshold, the balance's path, sha256
        and size, and notes.

    Raises
    ------
    ConfigError
        An invalid ``[reference_approach]`` table, or a factor problem (:func:`reference_approach`).
    InputFileError, SchemaError, ValidationError
        An unreadable or invalid energy balance (:func:`read_energy_balance`).

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 2 Ch 6
       (reference approach), Eqs 6.1–6.2, §6.2.1–6.2.2 and the §6.8 comparison.
    """
    path, threshold, fr = settings(cfg)
    path = _fs.input_file(path)  # a local path or a URL
    elec_rows: list[dict] = []
    balance, notes = read_energy_balance(path, activity_classes(sets), elec_rows)
    rec = _fs.record(path)  # sha256 and size, as for every input file
    elec = electricity_balance(elec_rows, cfg.years)
    if cfg.years is not None:
        out = balance.filter((pl.col("year") < cfg.years[0]) | (pl.col("year") > cfg.years[1]))
        if out.height:
            notes.append(f"energy balance years outside the inventory ignored: {', '.join(map(str, sorted(set(out['year'].to_list()))))}")
            balance = balance.filter(pl.col("year").is_between(*cfg.years))
    if balance.height == 0:
        return ReferenceResult(_empty(), threshold, str(path), notes + ["no fossil-fuel rows in the energy balance for the inventory years"],
                               rec["sha256"], rec["bytes"], elec)
    table = reference_approach(balance, emissions, sets, cfg.year_fallback, threshold, fr, where=str(path))
    return ReferenceResult(table, threshold, str(path), notes, rec["sha256"], rec["bytes"], elec)


ELECTRICITY_BALANCE_SCHEMA = {"year": pl.Int32, "region": pl.String, "fuel": pl.String, "unit": pl.String, "imports": pl.Float64,
                              "exports": pl.Float64, "net_imports": pl.Float64, "net_imports_kwh": pl.Float64}


def electricity_balance(rows: list[dict], years: tuple[int, int] | None = None) -> pl.DataFrame:
    """The imported and exported electricity of an energy balance (电力调入调出), per year and region.

    ``net_imports = imports − exports`` in the row's unit and in kWh; imports and exports include
    the flows to and from other regions (调入/调出) of a sub-national balance. The workbook's
    provincial summary shows it under the indirect emissions of purchased electricity
    (:mod:`ghginv.report.provincial`).

    Parameters
    ----------
    rows : list of dict
        The balance's electricity rows, as :func:`read_energy_balance` collects them (year, region,
        fuel, unit, imports, exports [unit of the row] …).
    years : tuple of int, optional
        The inventory's first and last year; rows outside are left out.

    Returns
    -------
    polars.DataFrame
        year, region, fuel, unit, imports, exports, net_imports [unit of the row], ``net_imports_kwh``
        [kWh] (null when the unit is not an energy unit); one row per balance row.
    """
    out = []
    for r in rows:
        if years is not None and not years[0] <= r["year"] <= years[1]:
            continue
        u = parse_unit(r["unit"])
        net = r["imports"] - r["exports"]
        kwh = net * u.scale / 0.0036 if u.dimension == "energy" else None  # base unit GJ; 1 kWh = 0.0036 GJ
        out.append({"year": r["year"], "region": r["region"], "fuel": r["fuel"], "unit": r["unit"], "imports": r["imports"],
                    "exports": r["exports"], "net_imports": net, "net_imports_kwh": kwh})
    return pl.DataFrame(out, schema=ELECTRICITY_BALANCE_SCHEMA).sort("year", "region", "fuel")


def _empty() -> pl.DataFrame:
    schema = {"year": pl.Int32, "region": pl.String, "fuel": pl.String, "unit": pl.String, **{c: pl.Float64 for c in FLOWS},
              "apparent_consumption": pl.Float64, "non_energy_use": pl.Float64, "apparent_consumption_tj": pl.Float64,
              "ef_t_co2_per_unit": pl.Float64, "excluded_co2_t": pl.Float64, "reference_co2_t": pl.Float64,
              "sectoral_co2_t": pl.Float64, "difference_pct": pl.Float64, "flag": pl.Boolean, "co2_factor": pl.String, "note": pl.String}
    return pl.DataFrame(schema=schema)
