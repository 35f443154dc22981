"""Uncertainty of an inventory: Approach 1 (error propagation) and Approach 2 (Monte Carlo).

2006 IPCC GL Vol 1 Ch 3. The inputs are the factor rows a run used (optional columns
``uncertainty_pct`` or ``lower``/``upper`` and ``distribution``, docs/factor-set-format.md) and
the activity data, whose uncertainty comes from the inventory TOML::

    [uncertainty]
    activity_pct = { default = 5.0, electricity = 2.0 }   # 95 % half-width, % (by activity code)
    draws = 10000
    seed = 20240101
    depth = 4            # category depth of key categories Approach 2
    waste_pct = { doc = 20.0, mcf = 10.0 }   # optional: landfill (4.A) DOC, DOCf, MCF, F, % (normal)

Solid waste disposal (4.A, first-order decay) enters as one term per deposit year and emission
year, linear in the deposit and in DOC, DOCf, MCF and F (:mod:`ghginv.uncertainty.fod`).

Correlation. A factor row is one input: every cell and year that uses it moves together (fully
correlated, also between years). An activity-data source is one (year, sector, activity): its
cells in all regions and units move together, sources are independent of each other. A factor row
without uncertainty, an activity without ``activity_pct`` and rows not computed from factors
(carbon sinks) are *exact*; the result counts them and says how much of the CO2e they carry.

Zero values. A factor row (or waste parameter) of value 0 with a 95 % interval ``lower``–``upper``
is an *absolute* uncertainty (2006 IPCC GL Vol 1 Ch 3 Eq 3.2 combines U_i × x_i, an absolute
amount): its terms carry ``base_t``, the term's CO2e at the row's value s = (upper − lower) / 2,
and the Monte Carlo draws the row in its own unit over s (:mod:`ghginv.uncertainty.montecarlo`), so
a CH4 factor of 0 with bounds 0–50 kg/TJ spreads the CH4 over its interval. In Approach 1 that
term at s counts as the row's contribution (its half-width × 100 %): the absolute half-width over
the |total| of each group. Rows of value 0 with ``uncertainty_pct`` are refused on load (a
percentage of 0 is 0).

Emissions are first reduced to *terms*: the CO2e of all cube cells that share the same activity
source and factor rows, per category, scope and gas. The Monte Carlo
(:mod:`ghginv.kernels.montecarlo`) draws every input once per iteration and sums the terms per
(year, scope, sector, gas); the output rolls them up the IPCC tree with the same draws.

``uncertainty.parquet`` (all regions together: the reporting entity), one row per year, scope,
category (every level, ``TOTAL`` = level 0) and gas (``ALL`` = all gases in CO2e): ``co2e_t``
(the inventory value), ``mean``, ``p2_5``, ``p97_5`` (t CO2e over the draws), ``half_width_pct``
= (p97_5 − p2_5) / 2 / |mean| × 100, ``minus_pct``/``plus_pct`` (the interval's ends relative to
the mean, which shows skew), ``approach1_pct`` (Eqs 3.1–3.2), ``unquantified_pct`` (share of
|CO2e| whose factors all lack uncertainty), and for years after the base year the trend
τ = E_t / E_0 − 1: ``trend`` (inventory value), ``trend_mean``, ``trend_p2_5``, ``trend_p97_5``
(over the draws, the same draw in both years) and ``trend_approach1_pct`` (percentage points,
Table 3.2 Type A/B sensitivities, see :mod:`ghginv.uncertainty.montecarlo`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from ..core import categories
from ..core._frames import sum_by
from ..core.categories import SCOPE_ORDER
from ..core.errors import ConfigError, Problem
from .montecarlo import Inputs, monte_carlo

__all__ = ["UncertaintySettings", "uncertainty_settings", "Terms", "build_terms", "analyse", "SCHEMA", "term_base",
           "slot_contributions"]

K_SLOTS = 5  # activity source, factor, oxidation (composite CO2), ncv, density
SCHEMA = {
    "year": pl.Int32, "scope": pl.String, "category": pl.String, "level": pl.Int8, "category_name": pl.String,
    "gas": pl.String, "co2e_t": pl.Float64, "mean": pl.Float64, "p2_5": pl.Float64, "p97_5": pl.Float64,
    "half_width_pct": pl.Float64, "minus_pct": pl.Float64, "plus_pct": pl.Float64, "approach1_pct": pl.Float64,
    "unquantified_pct": pl.Float64, "base_year": pl.Int32, "trend": pl.Float64, "trend_mean": pl.Float64,
    "trend_p2_5": pl.Float64, "trend_p97_5": pl.Float64, "trend_approach1_pct": pl.Float64,
}


@dataclass
class UncertaintySettings:
    activity_pct: dict[str, float] = field(default_factory=dict)  # activity code or "default" -> %
    draws: int = 10000
    seed: int = 20240101
    depth: int = 4
    waste_pct: dict[str, float] = field(default_factory=dict)  # FOD parameter -> % (ghginv.uncertainty.fod)

    def activity_u(self, activity: str) -> float:
        return float(self.activity_pct.get(activity, self.activity_pct.get("default", 0.0)))


def uncertainty_settings(table, where: str = "[uncertainty]", draws: int | None = None, seed: int | None = None) -> UncertaintySettings:
    """Check the ``[uncertainty]`` table of the inventory TOML.

    Parameters
    ----------
    table : dict or None or bool
        ``activity_pct`` (95 % half-width by activity code or ``default`` [%]), ``draws``, ``seed``,
        ``depth``, ``waste_pct`` (DOC, DOCf, MCF, F [%]); None or True for the defaults.
    where : str, default "[uncertainty]"
        Name of the table in error messages.
    draws : int, optional
        Number of iterations; overrides the table (``--draws``), 100–10,000,000.
    seed : int, optional
        Seed; overrides the table.

    Returns
    -------
    UncertaintySettings
        The checked settings.

    Raises
    ------
    ConfigError
        Every problem at once: an unknown key, a half-width outside [0, 1000) %, a waste parameter
        other than doc, docf, mcf, f, or ``draws``, ``seed`` or ``depth`` out of range.
    """
    t = table if isinstance(table, dict) else {}
    problems = []
    unknown = sorted(set(t) - {"activity_pct", "draws", "seed", "depth", "waste_pct"})
    for k in unknown:
        problems.append(Problem(f"{where}: unknown key '{k}'", hint="keys: activity_pct, draws, seed, depth, waste_pct"))
    ad = t.get("activity_pct", {})
    if isinstance(ad, (int, float)) and not isinstance(ad, bool):
        ad = {"default": ad}
    if not isinstance(ad, dict):
        problems.append(Problem(f"{where}: activity_pct must be a table such as {{ default = 5.0, electricity = 2.0 }}", value=repr(ad)))
        ad = {}
    for k, v in ad.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v < 1000:
            problems.append(Problem(f"{where}: activity_pct.{k} must be a number in [0, 1000) (95 % half-width, %)", value=repr(v)))
    s = UncertaintySettings({k: float(v) for k, v in ad.items() if isinstance(v, (int, float))})
    wp = t.get("waste_pct", {})
    if not isinstance(wp, dict):
        problems.append(Problem(f"{where}: waste_pct must be a table such as {{ doc = 20.0, mcf = 10.0 }}", value=repr(wp)))
        wp = {}
    for k, v in wp.items():
        if k not in ("doc", "docf", "mcf", "f"):
            problems.append(Problem(f"{where}: waste_pct.{k}: only doc, docf, mcf and f (the parameters FOD is linear in)", value=repr(k)))
        elif isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v < 1000:
            problems.append(Problem(f"{where}: waste_pct.{k} must be a number in [0, 1000) (95 % half-width, %)", value=repr(v)))
        else:
            s.waste_pct[k] = float(v)
    for key, lo, hi in (("draws", 100, 10_000_000), ("seed", 0, 2**32 - 1), ("depth", 1, 6)):
        v = t.get(key, getattr(s, key))
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            problems.append(Problem(f"{where}: {key} must be an integer in [{lo}, {hi}]", value=repr(v)))
        else:
            setattr(s, key, v)
    if draws is not None:
        if not 100 <= draws <= 10_000_000:
            problems.append(Problem("draws must be an integer in [100, 10000000]", value=str(draws)))
        s.draws = draws
    if seed is not None:
        s.seed = seed
    if problems:
        raise ConfigError("invalid uncertainty settings", problems)
    return s


@dataclass
class Terms:
    """Emissions reduced to terms with their independent inputs (see module doc)."""

    frame: pl.DataFrame  # year, scope, sector, activity, gas, co2e_t, [base_t], i0..i4 (input ids or -1), w0..w4 (powers)
    inputs: Inputs
    meta: pl.DataFrame  # input_id, kind, label, distribution, u_pct
    stats: dict
    ad_ids: dict = field(default_factory=dict)  # (year, sector, activity) -> input id of an uncertain activity source


def term_base(frame: pl.DataFrame) -> np.ndarray:
    """The value of each term the Monte Carlo multiplies: ``base_t`` where present, else ``co2e_t``.

    Parameters
    ----------
    frame : polars.DataFrame
        A :class:`Terms` frame (``co2e_t`` [t CO2e], optional ``base_t`` [t CO2e]: the term at the
        scale of its absolute inputs, module docstring).

    Returns
    -------
    numpy.ndarray
        Base value per term [t CO2e].
    """
    return frame["base_t" if "base_t" in frame.columns else "co2e_t"].to_numpy()


def slot_contributions(frame: pl.DataFrame, inputs: Inputs) -> list[np.ndarray]:
    """Approach 1 contribution of each term to the input in each of its slots (first order).

    ``co2e_t`` for an ordinary input (Eqs 3.1–3.2: U_p × Σ E_t); for an absolute input (value 0
    with an interval) the term at the input's scale, ``base_t``, when it is the term's only
    absolute input, else 0 (a product with two inputs of value 0 has no first-order change).

    Parameters
    ----------
    frame : polars.DataFrame
        A :class:`Terms` frame.
    inputs : Inputs
        Its inputs (``absolute`` per input).

    Returns
    -------
    list of numpy.ndarray
        Per slot k (0 … K_SLOTS − 1), the contribution of each term [t CO2e] (ignored where the
        slot's input id is −1).
    """
    e = frame["co2e_t"].to_numpy()
    idx = np.column_stack([frame[f"i{k}"].to_numpy() for k in range(K_SLOTS)])
    ab = inputs.absolute
    if not ab.any():
        return [e] * K_SLOTS
    is_abs = (idx >= 0) & ab[np.maximum(idx, 0)]
    only = is_abs.sum(axis=1) == 1
    base = term_base(frame)
    return [np.where(is_abs[:, k], np.where(only, base, 0.0), e) for k in range(K_SLOTS)]


def _absolute_rules(rules) -> dict[int, float]:
    """rule id -> base-unit value at its scale s, for the rules of value 0 with an interval."""
    from ..core.units import parse_ratio
    from .montecarlo import absolute_scale

    out = {}
    for i, r in enumerate(rules):
        if r.value == 0 and r.distribution:
            sc = absolute_scale(r.value, r.distribution, r.unc_pct, r.unc_lower, r.unc_upper)
            if sc > 0:
                out[i] = sc * parse_ratio(r.unit).scale
    return out


def _base_emissions(detail: pl.DataFrame, rules) -> np.ndarray | None:
    """emissions_t [t gas] of each detail row with its absolute factor rows at their scale, or None
    when no row uses one. The detail needs ``amount``, ``unit_scale``, ``ncv`` and ``density``."""
    from ..factors.resolve import factor_values
    from ..kernels.emissions import activity_emissions

    ab = _absolute_rules(rules)
    if not ab or detail.height == 0:
        return None
    rid = detail["rule_id"].to_numpy().astype(np.int64)
    mask = np.isin(rid, np.fromiter(ab, np.int64))
    if not mask.any():
        return None
    norm = np.array([r.value_norm for r in rules], dtype=np.float64)
    for i, v in ab.items():
        norm[i] = v
    sub = detail.filter(pl.Series(mask))
    rid2 = sub["rule2_id"].fill_null(-1).to_numpy().astype(np.int64)
    factor = factor_values(norm, sub["rule_id"].to_numpy().astype(np.int64), rid2)
    q = activity_emissions(sub["amount"].to_numpy(), sub["unit_scale"].to_numpy(), sub["ncv"].fill_null(np.nan).to_numpy(),
                           sub["ncv_pow"].to_numpy(), sub["density"].fill_null(np.nan).to_numpy(), sub["dens_pow"].to_numpy(), factor)
    out = detail["emissions_t"].to_numpy().copy()
    out[mask] = q
    return out


def _input_table(rules, rule_ids: list[int], ad_keys: pl.DataFrame, settings: UncertaintySettings, wrules=()):
    from .fod import waste_input_spec

    specs, meta = [], []
    ids: dict = {}
    for j, r in enumerate(wrules):  # 4.A first-order decay parameters (DOC, DOCf, MCF, F)
        spec = waste_input_spec(r, settings.waste_pct)
        if spec is not None:
            ids[("wrule", j)] = len(specs)
            specs.append(spec)
            meta.append(("waste_parameter", f"{r.ref()} {r.activity} {r.parameter}", spec[1]))
    for rid in rule_ids:
        r = rules[rid]
        if r.distribution:
            ids[("rule", rid)] = len(specs)
            specs.append((r.value, r.distribution, r.unc_pct, r.unc_lower, r.unc_upper))
            meta.append(("factor", f"{r.set_name}/{r.file.rsplit('/', 1)[-1]}:{r.line} {r.activity} {r.key}", r.distribution))
    for y, sec, act in ad_keys.iter_rows():
        u = settings.activity_u(act)
        if u > 0:
            ids[("ad", y, sec, act)] = len(specs)
            specs.append((1.0, "normal", u, None, None))
            meta.append(("activity", f"{y} {sec} {act}", "normal"))
    inputs = Inputs.from_specs(specs)
    frame = pl.DataFrame(
        {"input_id": np.arange(len(meta), dtype=np.int64), "kind": [m[0] for m in meta], "label": [m[1] for m in meta],
         "distribution": [m[2] for m in meta], "u_pct": inputs.u_pct},
        schema={"input_id": pl.Int64, "kind": pl.String, "label": pl.String, "distribution": pl.String, "u_pct": pl.Float64},
    )
    return ids, inputs, frame


def build_terms(detail: pl.DataFrame, rules, emissions: pl.DataFrame, settings: UncertaintySettings, gwp_set, fod=None,
                classes=None) -> Terms:
    """Reduce a run's emissions to uncertainty terms with their independent inputs.

    A term is the CO2e of all cube cells that share the same activity source (year, sector,
    activity) and factor rows, per category, scope and gas; its inputs are the activity source, the
    factor (and oxidation) rows and the NCV and density rows with their powers. Rows of the run's
    ``emissions`` not in the detail (e.g. carbon sinks) become exact terms.

    Parameters
    ----------
    detail : polars.DataFrame
        Per-cell detail of :func:`ghginv.methods.emissions.compute_emissions` (``emissions_t`` [t of
        the gas], rule ids and NCV / density powers).
    rules : list of Rule
        The factor rows the detail's rule ids index.
    emissions : polars.DataFrame
        The run's emission rows (``co2e_t`` [t CO2e]).
    settings : UncertaintySettings
        Activity-data and waste-parameter half-widths [%].
    gwp_set : ghginv.core.gwp.GwpSet
        The run's GWP set; each (cube row, factor row) pair and each decay term is characterised
        with it (:meth:`~ghginv.core.gwp.GwpSet.co2e`) before the terms are summed.
    fod : tuple, optional
        ``(terms, rules)`` of :func:`ghginv.uncertainty.fod.fod_terms` (4.A first-order decay).
    classes : mapping of str to str, optional
        Fuel class per activity (:func:`ghginv.methods.emissions.activity_classes`), passed to
        :meth:`~ghginv.core.gwp.GwpSet.co2e_of` for a set that splits CH4 by origin.

    Returns
    -------
    Terms
        The terms (``co2e_t`` [t CO2e], input ids and powers per slot), the inputs, a table of the
        inputs, statistics (rows and CO2e share that are exact) and the ids of the activity sources.
    """
    d = detail.with_columns(gwp_set.co2e_of(detail, classes))
    base_em = _base_emissions(detail, rules)  # rows with a factor of value 0 and an interval: at its scale
    d = d.with_columns(gwp_set.co2e_of(detail.with_columns(pl.Series("emissions_t", base_em)), classes).alias("base_t")
                       if base_em is not None else pl.col("co2e_t").alias("base_t"))
    d = d.select(
        pl.col("year").cast(pl.Int32), "scope", "sector", "activity", "gas", "co2e_t", "base_t", "rule_id",
        pl.col("rule2_id").fill_null(-1),
        pl.when(pl.col("ncv_pow") != 0).then(pl.col("ncv_rule")).otherwise(-1).fill_null(-1).alias("ncv_rule"),
        pl.col("ncv_pow").cast(pl.Int8),
        pl.when(pl.col("dens_pow") != 0).then(pl.col("density_rule")).otherwise(-1).fill_null(-1).alias("density_rule"),
        pl.col("dens_pow").cast(pl.Int8),
    )
    keys = ["year", "scope", "sector", "activity", "gas", "rule_id", "rule2_id", "ncv_rule", "ncv_pow", "density_rule", "dens_pow"]
    d = sum_by(d, keys, ["co2e_t", "base_t"]).sort(keys)
    used = sorted({int(x) for c in ("rule_id", "rule2_id", "ncv_rule", "density_rule") for x in d[c].unique().to_list() if x is not None and x >= 0})
    ft, wrules = fod if fod is not None else (None, [])
    if ft is not None:  # t CH4 -> t CO2e
        ft = ft.with_columns(pl.lit("CH4").alias("gas"))
        base_ft = ft.with_columns(pl.col("base_t").alias("emissions_t")) if "base_t" in ft.columns else ft
        ft = ft.with_columns(gwp_set.co2e_of(ft, classes), gwp_set.co2e_of(base_ft, classes).alias("base_t"))
    ad_keys = d.select("year", "sector", "activity")
    if ft is not None and ft.height:
        ad_keys = pl.concat([ad_keys, ft.select(pl.col("dep_year").alias("year"), "sector", "activity")])
    ad_keys = ad_keys.unique().sort("year", "sector", "activity")
    ids, inputs, meta = _input_table(rules, used, ad_keys, settings, wrules)

    def col(kind_key):
        return np.array([ids.get(k, -1) for k in kind_key], dtype=np.int64)

    rows = d.select("year", "sector", "activity", "rule_id", "rule2_id", "ncv_rule", "density_rule").rows()
    i0 = col([("ad", y, s, a) for y, s, a, *_ in rows])
    i1 = col([("rule", r[3]) for r in rows])
    i2 = col([("rule", r[4]) for r in rows])
    i3 = col([("rule", r[5]) for r in rows])
    i4 = col([("rule", r[6]) for r in rows])
    w3 = d["ncv_pow"].to_numpy().astype(np.int8)
    w4 = d["dens_pow"].to_numpy().astype(np.int8)
    frame = d.select("year", "scope", "sector", "activity", "gas", "co2e_t", "base_t").with_columns(
        pl.Series("i0", i0), pl.Series("i1", i1), pl.Series("i2", i2), pl.Series("i3", i3), pl.Series("i4", i4),
        pl.lit(1, pl.Int8).alias("w0"), pl.lit(1, pl.Int8).alias("w1"), pl.lit(1, pl.Int8).alias("w2"),
        pl.Series("w3", np.where(w3 == 0, 1, w3).astype(np.int8)), pl.Series("w4", np.where(w4 == 0, 1, w4).astype(np.int8)),
    )
    if ft is not None and ft.height:  # first-order decay: one term per deposit year (ghginv.uncertainty.fod)
        wr = [[ids.get(("wrule", int(x)), -1) for x in ft[p].to_list()] for p in ("doc", "docf", "mcf", "f")]
        fod_frame = ft.select(
            "year", pl.lit("direct").alias("scope"), "sector", "activity", "gas", "co2e_t", "base_t",
            pl.Series("i0", col([("ad", y, s, a) for y, s, a in ft.select("dep_year", "sector", "activity").rows()])),
            *(pl.Series(f"i{k + 1}", np.array(wr[k], dtype=np.int64)) for k in range(4)),
        ).with_columns(*(pl.lit(1, pl.Int8).alias(f"w{k}") for k in range(K_SLOTS)))
        frame = pl.concat([frame, fod_frame.select(frame.columns).cast(frame.schema)])
    # rows of the run's emissions not computed from factor rows (carbon sinks): exact terms
    lk = ["year", "scope", "sector", "gas"]
    run_tot = sum_by(emissions, lk, ["co2e_t"], maintain_order=True).with_columns(pl.col("year").cast(pl.Int32))
    det_tot = sum_by(frame, lk, [pl.col("co2e_t").alias("det")], maintain_order=True)
    rest = run_tot.join(det_tot, on=lk, how="left").with_columns((pl.col("co2e_t") - pl.col("det").fill_null(0.0)).alias("co2e_t"))
    rest = rest.filter(pl.col("co2e_t").abs() > 1e-9 * (pl.col("det").fill_null(0.0).abs() + 1.0)).select(lk + ["co2e_t"])
    if rest.height:
        frame = pl.concat([frame, rest.with_columns(
            pl.lit(None, pl.String).alias("activity"), pl.col("co2e_t").alias("base_t"),
            *(pl.lit(-1, pl.Int64).alias(f"i{k}") for k in range(K_SLOTS)), *(pl.lit(1, pl.Int8).alias(f"w{k}") for k in range(K_SLOTS))
        ).select(frame.columns)])
    fac = [rules[i] for i in used]
    exact_co2e = frame.filter(pl.all_horizontal(*(pl.col(f"i{k}") < 0 for k in range(1, K_SLOTS))))["co2e_t"].abs().sum()
    total = frame["co2e_t"].abs().sum()
    stats = {
        "factor_rows_used": len(fac),
        "factor_rows_exact": sum(1 for r in fac if not r.distribution),
        "activity_sources": ad_keys.height,
        "activity_sources_exact": ad_keys.height - int((meta["kind"] == "activity").sum()),
        "exact_factor_co2e_share": float(exact_co2e / total) if total else 0.0,
        "non_factor_rows": rest.height,
        "terms": frame.height,
        "inputs": inputs.size,
        "fod_terms": 0 if ft is None else ft.height,
        "fod_parameter_rows": len(wrules),
        "fod_parameter_rows_exact": sum(1 for j in range(len(wrules)) if ("wrule", j) not in ids),
    }
    ad_ids = {k[1:]: v for k, v in ids.items() if k[0] == "ad"}
    return Terms(frame, inputs, meta, stats, ad_ids)


def _groups(leaves: pl.DataFrame) -> pl.DataFrame:
    """leaf_id -> every group (scope, category, level, gas or ALL) it counts towards."""
    rows = []
    for leaf_id, scope, sector, gas in leaves.select("leaf_id", "scope", "sector", "gas").iter_rows():
        cats = [("TOTAL", 0)] + [(c, categories.level(c)) for c in categories.ancestors(sector)]
        for cat, lvl in cats:
            for g in (gas, "ALL"):
                rows.append((leaf_id, scope, cat, lvl, g))
    return pl.DataFrame(rows, schema={"leaf_id": pl.Int64, "scope": pl.String, "category": pl.String, "level": pl.Int8, "gas": pl.String}, orient="row")


def analyse(terms: Terms, settings: UncertaintySettings, base_year: int | None, threads: int = 2) -> pl.DataFrame:
    """The ``uncertainty.parquet`` table: Approach 1 and the Monte Carlo (Approach 2), level and trend.

    One row per year, scope, category (every level, ``TOTAL``) and gas (``ALL`` = all gases in
    CO2e), all regions together (module docstring for the columns).

    Parameters
    ----------
    terms : Terms
        The terms of :func:`build_terms`.
    settings : UncertaintySettings
        Number of draws and seed.
    base_year : int or None
        Base year of the trend τ = E_t / E_0 − 1; None: no trend columns.
    threads : int, default 2
        Threads of the Monte Carlo (the result does not depend on it).

    Returns
    -------
    polars.DataFrame
        :data:`SCHEMA`: ``co2e_t``, ``mean``, ``p2_5``, ``p97_5`` [t CO2e], ``half_width_pct``,
        ``minus_pct``, ``plus_pct``, ``approach1_pct``, ``unquantified_pct`` [%], and the trend
        (``trend``, ``trend_mean``, ``trend_p2_5``, ``trend_p97_5`` [fraction],
        ``trend_approach1_pct`` [percentage points]).

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1 Ch 3,
       Eqs 3.1–3.2 and Table 3.2 (Approach 1), §3.2.3 (Approach 2, Monte Carlo simulation).
    """
    f = terms.frame
    if f.height == 0:
        return pl.DataFrame(schema=SCHEMA)
    lk = ["year", "scope", "sector", "gas"]
    leaves = f.select(lk).unique().sort(lk).with_row_index("leaf_id").with_columns(pl.col("leaf_id").cast(pl.Int64))
    f = f.join(leaves, on=lk, how="left", maintain_order="left")
    idx = np.column_stack([f[f"i{k}"].to_numpy() for k in range(K_SLOTS)])
    pw = np.column_stack([f[f"w{k}"].to_numpy() for k in range(K_SLOTS)]).astype(np.int8)
    draws = monte_carlo(term_base(f), idx, pw, f["leaf_id"].to_numpy(), leaves.height, terms.inputs, settings.draws, settings.seed, threads)
    draws = np.ascontiguousarray(draws.T)  # leaves × draws
    lg = _groups(leaves).join(leaves.select("leaf_id", "year"), on="leaf_id", maintain_order="left")
    gk = ["scope", "category", "level", "gas"]

    # Approach 1: contributions per group and input, level and trend
    cs = slot_contributions(f, terms.inputs)  # co2e_t, or the term at the scale of an absolute input
    long = pl.concat([
        f.select("leaf_id", pl.Series("co2e_t", cs[k]), pl.col(f"i{k}").alias("input_id")).filter(pl.col("input_id") >= 0)
        for k in range(K_SLOTS)
    ])
    # every float sum by core._frames.sum_by, on rows in a fixed order (joins keeping the left order, stable sorts by
    # leaf and input): each group's rows added in that order, the same bits on every call (polars' group-by sum adds
    # them in an order of its own)
    rows = long.join(lg, on="leaf_id", maintain_order="left").sort("leaf_id", "input_id", maintain_order=True)
    contrib = sum_by(rows, ["year", *gk, "input_id"], [pl.col("co2e_t").alias("c")]).sort(["year", *gk, "input_id"])
    exact = f.select("leaf_id", "co2e_t", pl.all_horizontal(*(pl.col(f"i{k}") < 0 for k in range(1, K_SLOTS))).alias("_x"))
    det = sum_by(exact.join(lg, on="leaf_id", maintain_order="left").sort("leaf_id", maintain_order=True), ["year", *gk], [
        "co2e_t", pl.when(pl.col("_x")).then(pl.col("co2e_t").abs()).alias("_xa"), pl.col("co2e_t").abs().alias("_a")], maintain_order=True)
    u = terms.inputs.u_pct
    lvl = sum_by(contrib.with_columns(pl.col("input_id").replace_strict(dict(enumerate(u.tolist())), return_dtype=pl.Float64).alias("u")),
                 ["year", *gk], [((pl.col("c") * pl.col("u")) ** 2).alias("_v")], maintain_order=True).with_columns(pl.col("_v").sqrt())
    table = det.join(lvl, on=["year", *gk], how="left").with_columns(
        (pl.col("_v").fill_null(0.0) / pl.col("co2e_t").abs()).alias("approach1_pct"),
        pl.when(pl.col("_a") > 0).then(pl.col("_xa") / pl.col("_a") * 100).otherwise(None).alias("unquantified_pct"),
    ).drop("_v", "_xa", "_a").sort(gk + ["year"])

    # Monte Carlo roll-up, per group key across years (same draws)
    members = lg.sort("leaf_id").group_by(["year", *gk], maintain_order=True).agg(pl.col("leaf_id"))
    mem = {tuple(r[:-1]): np.array(r[-1]) for r in members.select("year", *gk, "leaf_id").iter_rows()}
    keys = table.select(["year", *gk]).rows()
    vec = np.empty((len(keys), draws.shape[1]))
    for i, k in enumerate(keys):
        vec[i] = draws[mem[k]].sum(axis=0)
    mean = vec.mean(axis=1)
    pr = np.percentile(vec, [2.5, 97.5], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        am = np.abs(mean)
        table = table.with_columns(
            pl.Series("mean", mean), pl.Series("p2_5", pr[0]), pl.Series("p97_5", pr[1]),
            pl.Series("half_width_pct", np.where(am > 0, (pr[1] - pr[0]) / 2 / am * 100, np.nan)),
            pl.Series("minus_pct", np.where(am > 0, (pr[0] - mean) / am * 100, np.nan)),
            pl.Series("plus_pct", np.where(am > 0, (pr[1] - mean) / am * 100, np.nan)),
        )
    table = _trend(table, vec, contrib, u, base_year, gk)
    table = table.with_columns(
        pl.col("category").replace_strict({**categories.categories(), "TOTAL": "Total"}, default="", return_dtype=pl.String).alias("category_name"),
        pl.when(pl.col("approach1_pct").is_finite()).then(pl.col("approach1_pct")).otherwise(None).alias("approach1_pct"),
    )
    table = table.with_columns(pl.col("scope").replace_strict(SCOPE_ORDER, default=9, return_dtype=pl.Int8).alias("_s"))
    nan_cols = ["half_width_pct", "minus_pct", "plus_pct", "trend", "trend_mean", "trend_p2_5", "trend_p97_5", "trend_approach1_pct"]
    table = table.with_columns(pl.col(c).fill_nan(None) for c in nan_cols)  # undefined (no base year, zero mean): null
    return table.sort("year", "_s", "category", "gas").select(list(SCHEMA)).cast(SCHEMA)


def _trend(table: pl.DataFrame, vec: np.ndarray, contrib: pl.DataFrame, u: np.ndarray, base_year: int | None, gk: list[str]) -> pl.DataFrame:
    n = table.height
    cols = {c: np.full(n, np.nan) for c in ("trend", "trend_mean", "trend_p2_5", "trend_p97_5", "trend_approach1_pct")}
    years = table["year"].to_numpy()
    if base_year is None or base_year not in set(years.tolist()):
        return table.with_columns(pl.lit(None, pl.Int32).alias("base_year"), *(pl.Series(k, v) for k, v in cols.items()))
    keyrows = table.select(gk).rows()
    base_pos = {k: i for i, (k, y) in enumerate(zip(keyrows, years)) if y == base_year}
    co2e = table["co2e_t"].to_numpy()
    pairs = [(i, base_pos[k]) for i, (k, y) in enumerate(zip(keyrows, years)) if y > base_year and k in base_pos]
    if pairs:
        it = np.array([p[0] for p in pairs])
        ib = np.array([p[1] for p in pairs])
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = vec[it] / vec[ib] - 1.0
            cols["trend"][it] = co2e[it] / co2e[ib] - 1.0
        cols["trend_mean"][it] = ratio.mean(axis=1)
        q = np.percentile(ratio, [2.5, 97.5], axis=1)
        cols["trend_p2_5"][it], cols["trend_p97_5"][it] = q[0], q[1]
        # Approach 1 trend: contributions of every input in year t (D) and in the base year (C)
        later = sorted({int(y) for y in years[it]})
        ct = contrib.filter(pl.col("year") > base_year).rename({"c": "D"})
        cb = contrib.filter(pl.col("year") == base_year).drop("year").rename({"c": "C"}).join(
            pl.DataFrame({"year": later}, schema={"year": pl.Int32}), how="cross")
        s = table.select("year", *gk, "co2e_t")
        s0 = s.filter(pl.col("year") == base_year).drop("year").rename({"co2e_t": "S0"})
        both = ct.join(cb, on=["year", *gk, "input_id"], how="full", coalesce=True).with_columns(
            pl.col("D").fill_null(0.0), pl.col("C").fill_null(0.0))
        both = both.join(s.rename({"co2e_t": "St"}), on=["year", *gk]).join(s0, on=gk).with_columns(
            pl.col("input_id").replace_strict(dict(enumerate(u.tolist())), return_dtype=pl.Float64).alias("u"))
        # the Type A sensitivity of Table 3.2, as in ghginv.uncertainty.montecarlo.approach1_trend
        a = (((0.01 * pl.col("D") + pl.col("St") - (0.01 * pl.col("C") + pl.col("S0"))) / (0.01 * pl.col("C") + pl.col("S0"))
              - (pl.col("St") - pl.col("S0")) / pl.col("S0")) * 100)
        tr = sum_by(both.sort(["year", *gk, "input_id"]), ["year", *gk], [((a * pl.col("u")) ** 2).alias("_t")],
                    maintain_order=True).with_columns(pl.col("_t").sqrt())
        pos = {(int(r[0]), *r[1:-1]): r[-1] for r in tr.select("year", *gk, "_t").rows()}
        for i in it:
            v = pos.get((int(years[i]), *keyrows[i]))
            cols["trend_approach1_pct"][i] = 0.0 if v is None else v
    return table.with_columns(pl.lit(base_year, pl.Int32).alias("base_year"), *(pl.Series(k, v) for k, v in cols.items()))
