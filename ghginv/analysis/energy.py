"""Energy consumption in tonnes of standard coal (tce) from the activity cube.

Per cube cell (year, region, sector, activity, unit)::

    tce = amount × scale(unit → base) × conv × standard_coal [GJ_ce per base unit] / 29.3076

with the ``standard_coal`` conversions of the run's factor sets (GB/T 2589-2020 Appendix A in
``cn_gbt2589_2020``), resolved per cell like every other conversion (``ghginv.factors.resolve``);
``conv`` bridges a unit of another dimension with the cell's ncv / density, as for emission
factors (:func:`ghginv.methods.emissions.conversion_path`). Activities reported in an energy unit and
without a coefficient are converted at the definition of standard coal (1 kgce = 29.3076 MJ).

Which set provides each quantity (``[energy]`` table of the inventory, :func:`coefficient_sources`)::

    [energy]
    standard_coal = "cn_gbt2589_2020"   # the set whose standard-coal coefficients the energy total uses
    ncv = "cn_gbt2589_2020"             # the NCV bridge (default: the standard_coal set)
    density = "cn_gbt2589_2020"         # the density bridge (default: the standard_coal set)

The named set answers first for its quantity wherever it has a row for the cell (with the run's
year fallback); the other sets, in the run's order, only fill activities it lacks. Default for
``standard_coal``: ``cn_gbt2589_2020`` (the statistical standard, GB/T 2589-2020) when it is one
of the run's sets, else the run's set order as for every other factor. A name that is not one of
the run's sets is a configuration error. Statistical coefficients thus never come from a set
placed first for its emission factors (e.g. a reference sheet) unless the inventory says so. The
rows used, with the set that gave each, are in ``manifest.json`` (``indicators.standard_coal_rows``)
and in the report's data-quality notes.

Electricity, two conventions (recorded in the output):

* ``equivalent`` (当量值, default): the set's standard_coal coefficient for electricity
  (GB/T 2589-2020: 0.1229 kgce/kWh);
* ``coal_equivalent`` (等价值 / 发电煤耗法): a per-year coefficient in gce/kWh given by the user
  (the year's average coal use per kWh of thermal generation).

Statistical scope (cn-statistics-formats.md §4.2): commercial energy only — activities of
fuel_class ``biomass`` are not counted. Rows in the feedstock sectors (原料用能, default IPCC
``2`` — fuels used as raw materials in industrial processes) are flagged ``feedstock``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from ..core import categories
from ..core._frames import argsort_stable, combine_codes, group_sum, per_distinct
from ..core.errors import ConfigError
from ..core.units import KGCE_KJ
from ..factors import FactorSet
from ..factors.resolve import ConversionAnswer, _expand, _run_sql, reduce_cells, rules_frame
from ..methods.emissions import CELL_KEYS, activity_classes, conversion_path, with_unit_columns

__all__ = ["EnergyResult", "energy_consumption", "coefficient_sources", "ENERGY_CLASSES", "TCE_GJ", "ELECTRICITY_METHODS",
           "DEFAULT_STANDARD_COAL_SET", "SOURCE_KEYS", "BY_SECTOR_SCHEMA"]

TCE_GJ = KGCE_KJ * 1e-3  # 29.3076 GJ per tce
ENERGY_CLASSES = ("solid", "liquid", "gaseous", "electricity", "heat")
ELECTRICITY_METHODS = ("equivalent", "coal_equivalent")
DEFAULT_STANDARD_COAL_SET = "cn_gbt2589_2020"  # GB/T 2589-2020 Appendix A, the statistical standard
SOURCE_KEYS = ("standard_coal", "ncv", "density")  # keys of the [energy] table: the set giving each quantity
# EnergyResult.activity_by_sector: the energy activity by sector and fuel (energy_activity.parquet, the workbook's energy-activity table);
# amount_base in the base unit of its dimension (mass t, volume m^3, energy GJ), energy_tce null outside the statistical total
BY_SECTOR_SCHEMA = {"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String, "name_en": pl.String,
                    "name_zh": pl.String, "fuel_class": pl.String, "dimension": pl.String, "amount_base": pl.Float64,
                    "energy_tce": pl.Float64}


@dataclass
class EnergyResult:
    """``by_activity``: year, region, activity, fuel_class, feedstock (bool), energy_tce; ``by_sector``:
    the same with ``sector`` (the IPCC category of the rows; sector-level intensity targets);
    ``activity_by_sector``: the same cells by sector and fuel with their physical amount
    (:data:`BY_SECTOR_SCHEMA`, biomass fuels included with ``energy_tce`` null: they are outside the
    statistical total; the provincial energy-activity tables)."""

    by_activity: pl.DataFrame
    electricity_method: str
    coal_equivalent_gce_per_kwh: dict[int, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    conversions_used: list[dict] = field(default_factory=list)  # standard_coal rows used, with sources
    sources: dict = field(default_factory=dict)  # quantity -> set answering first, and "chosen_by"
    by_sector: pl.DataFrame | None = None  # by_activity split by IPCC sector (sector-level intensity targets)
    activity_by_sector: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=BY_SECTOR_SCHEMA))

    def convention(self) -> dict:
        d = {"electricity_method": self.electricity_method}
        if self.sources:
            d["standard_coal_sources"] = dict(self.sources)
        if self.electricity_method == "coal_equivalent":
            d["coal_equivalent_gce_per_kwh"] = {str(k): v for k, v in sorted(self.coal_equivalent_gce_per_kwh.items())}
        else:
            d["electricity_kgce_per_kwh"] = "standard_coal conversion of the factor sets (GB/T 2589-2020: 0.1229)"
        return d


def coefficient_sources(table: dict | None, sets: list[FactorSet], where: str = "[energy]") -> dict:
    """The set that answers first for each conversion quantity of the energy total.

    Parameters
    ----------
    table : dict or None
        The inventory's ``[energy]`` table: ``standard_coal``, ``ncv``, ``density``, each the name
        of one of the run's factor sets (its ``manifest.toml`` name = folder name); None or ``{}``
        for the defaults.
    sets : list of FactorSet
        The run's factor sets, in precedence order.
    where : str, default "[energy]"
        Where the table comes from, for messages (e.g. ``"inventory.toml: [energy]"``).

    Returns
    -------
    dict
        ``standard_coal``, ``ncv``, ``density`` -> set name, or None for the run's set order;
        ``chosen_by`` -> how ``standard_coal`` was chosen (text). Defaults: ``standard_coal`` =
        :data:`DEFAULT_STANDARD_COAL_SET` when it is one of the run's sets, else None; ``ncv``
        and ``density`` = the ``standard_coal`` set (a coefficient is bridged with the NCV listed
        with it).

    Raises
    ------
    ConfigError
        ``[energy]`` not a table, an unknown key, a value that is not a string, or a name that is
        not one of the run's factor sets (the message lists them).
    """
    if table is None:
        table = {}
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table, e.g. [energy] standard_coal = {DEFAULT_STANDARD_COAL_SET!r}; got {table!r}")
    unknown = sorted(set(table) - set(SOURCE_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(SOURCE_KEYS)}")
    names = {fs.name: fs.name for fs in sets}
    run_sets = ", ".join(fs.name for fs in sets) or "none"
    out: dict = {}
    for key in SOURCE_KEYS:
        if key not in table:
            continue
        v = table[key]
        if not isinstance(v, str) or not v:
            raise ConfigError(f"{where}: {key} must be the name of one of the run's factor sets ({run_sets}), got {v!r}")
        if v not in names:
            raise ConfigError(
                f"{where}: {key} = {v!r} is not a factor set of this run; the run's sets: {run_sets} "
                f"(add {v!r} to [factors] sets, or name one of these)"
            )
        out[key] = names[v]
    if "standard_coal" in out:
        chosen = f"[energy] standard_coal = {out['standard_coal']!r}"
    elif DEFAULT_STANDARD_COAL_SET in names:
        out["standard_coal"] = names[DEFAULT_STANDARD_COAL_SET]
        chosen = f"default: {DEFAULT_STANDARD_COAL_SET} (GB/T 2589-2020) is in the run"
    else:
        out["standard_coal"] = None
        chosen = f"default: {DEFAULT_STANDARD_COAL_SET} is not in the run, so the run's set order"
    for key in ("ncv", "density"):
        out.setdefault(key, out["standard_coal"])
    out["chosen_by"] = chosen
    return out


def _conversions(cells: pl.DataFrame, sets: list[FactorSet], year_fallback: str, sources: dict | None = None,
                 answer: ConversionAnswer | None = None, frame_rows: np.ndarray | None = None):
    """Conversions per cell with the precedence rules of ``ghginv.factors.resolve`` (SQL), without
    requiring emission factors: cell_id, quantity, rule_id, value_norm, den_dim. A set named in
    ``sources`` for a quantity (:func:`coefficient_sources`) answers first for it. ``answer``: the
    query's answer of the emissions' resolution (:class:`~ghginv.factors.resolve.ConversionAnswer`),
    taken instead of asking DuckDB when it covers ``cells`` with the same sets and year fallback;
    ``frame_rows``: a row of the answer's cube rows (``answer.frame``) for each of ``cells``, when they
    come from them (:meth:`~ghginv.factors.resolve.ConversionAnswer.classes_of`)."""
    cells = cells.select("cell_id", *CELL_KEYS)
    rid = answer.classes_of(cells, sets, year_fallback, frame_rows) if answer is not None else None
    if rid is not None:  # the emissions' query answered for these cells: its rows per class of cells
        rules, res, per_class = [r for fs in sets for r in fs.rules], answer.rows, True
    else:
        rules, table = rules_frame(sets)
        # once per class of cells that every rule treats alike (ghginv.factors.resolve.reduce_cells),
        # copied to the cells afterwards: 621 k cells at 10 M rows over 2,000 regions are ~1 k classes
        cells, reduced, rid = reduce_cells(cells, rules, year_fallback)
        res, per_class = _run_sql((cells if reduced is None else reduced).to_arrow(), table, year_fallback == "nearest"), reduced is not None
    rank = {fs.name: i for i, fs in enumerate(sets)}
    first = {q: rank[n] for q, n in (sources or {}).items() if q in SOURCE_KEYS and n in rank}
    conv = (
        res.filter(pl.col("kind") == "conv")
        .with_columns((pl.col("set_rank") != pl.col("key").replace_strict(first, default=-1, return_dtype=pl.Int64)).alias("_other"))
        # the named set first, then across sets: nearest year, then set order (factors.resolve.pick_across_sets)
        .sort("cell_id", "key", "_other", "distance", "set_rank")
        .unique(["cell_id", "key"], keep="first", maintain_order=True)
        .select("cell_id", pl.col("key").alias("quantity"), "rule_id")
    )
    if per_class:  # sorted by class: each class's rows to each of its cells
        conv = _expand(conv, rid, cells["cell_id"].to_numpy(), None)
    ids = conv["rule_id"].to_list()
    conv = conv.with_columns(
        pl.Series("value_norm", [rules[i].value_norm for i in ids], pl.Float64),
        pl.Series("den_dim", [rules[i].den_dim for i in ids], pl.String),
    )
    return rules, conv


def _sorted_key_runs(cells: pl.DataFrame, codes: dict | None = None) -> np.ndarray | None:
    """For ``cells`` sorted by :data:`CELL_KEYS` (ascending, no nulls in them; the cube's order,
    :class:`ghginv.pipeline.cube.Cube`) the int64 number of each row's key tuple in sorted order
    (counting runs of equal keys); None for cells in any other order. One pass comparing each
    row's keys with the previous row's; ``codes``: the cells' region, sector and activity as
    :func:`ghginv.core._frames.encode` gives them (:attr:`ghginv.pipeline.cube.Cube.codes`), compared
    instead of the strings (the same order: each vocabulary is sorted)."""
    if cells.height == 0:
        return np.zeros(0, np.int64)
    if codes is not None and not cells["year"].null_count():
        parts = [cells["year"].to_numpy().astype(np.int64), *(codes[k][1] for k in ("region", "sector", "activity"))]
        if not any(bool((c == len(codes[k][0])).any()) for k, c in zip(("region", "sector", "activity"), parts[1:])):  # no null
            key = combine_codes(parts)
            if key is not None:
                if key.size > 1 and bool((key[1:] < key[:-1]).any()):
                    return None
                new = np.ones(key.size, bool)
                new[1:] = key[1:] != key[:-1]
                return np.cumsum(new) - 1
    if any(cells[k].null_count() for k in CELL_KEYS):
        return None
    after, equal = pl.lit(False), pl.lit(True)  # row > previous row, row == previous row (lexicographic)
    for k in CELL_KEYS:
        c, prev = pl.col(k), pl.col(k).shift(1)
        after, equal = after | (equal & (c > prev)), equal & (c == prev)
    cmp = cells.select(after.fill_null(True).alias("after"), equal.fill_null(False).alias("equal"))  # row 0: a new run
    new = cmp["after"].to_numpy()
    if not (new | cmp["equal"].to_numpy()).all():
        return None
    return np.cumsum(new) - 1


def _group_sum_by_key_runs(r: pl.DataFrame, keys: list[str], values: list[str]) -> pl.DataFrame:
    """:func:`ghginv.core._frames.group_sum` by :data:`CELL_KEYS` and ``dimension`` of rows whose
    ``_key_run`` numbers their CELL_KEYS in sorted order (:func:`_sorted_key_runs`): the same groups in the
    same order, summed in the same order (the rows' order within a group), found from that number
    and the dimension's code instead of encoding four string columns."""
    dims = r["dimension"].drop_nulls().unique().sort().to_list()  # a few: mass, volume, energy …; null sorts last
    code = r.select(pl.col("dimension").replace_strict(dims, range(len(dims)), default=len(dims), return_dtype=pl.Int64)).to_series()
    combined = r["_key_run"].to_numpy() * (len(dims) + 1) + code.to_numpy()
    if combined.size < 2 or bool((combined[1:] >= combined[:-1]).all()):  # one dimension per key tuple: already in order
        order = np.arange(combined.size)
    else:
        order = argsort_stable(combined)  # numpy's stable sort: the rows of a group keep their order
    c = combined[order]
    change = np.ones(c.size, bool)
    change[1:] = c[1:] != c[:-1]
    starts = np.nonzero(change)[0]
    out = r.select(keys)[order[starts]]
    return out.with_columns(
        [pl.Series(v, np.add.reduceat(r[v].to_numpy()[order], starts), dtype=pl.Float64) for v in values])


def _by_sector(rows: pl.DataFrame, sets: list[FactorSet]) -> pl.DataFrame:
    """Rows with ``unit_scale``, ``act_dim`` and ``energy_tce`` (NaN: not converted) summed by year,
    region, sector, activity and dimension (:data:`BY_SECTOR_SCHEMA`); with a column ``_key_run``
    (:func:`_sorted_key_runs` of the cube's sorted cells) the groups are found from it."""
    if rows.height == 0:
        return pl.DataFrame(schema=BY_SECTOR_SCHEMA)
    names: dict[str, tuple[str, str]] = {}
    for fs in sets:
        for code, meta in fs.activities.items():
            names.setdefault(code, (str(meta.get("name_en") or code), str(meta.get("name_zh") or meta.get("name_en") or code)))
    r = rows.with_columns((pl.col("amount") * pl.col("unit_scale")).alias("amount_base"), pl.col("act_dim").alias("dimension"))
    # grouped by year, region, sector, activity and dimension: the names and the fuel class are those
    # of the activity, so the groups, their order and their sums are those of all eight keys
    keys, values = ["year", "region", "sector", "activity", "dimension"], ["amount_base", "energy_tce"]
    # sorted, the same sums every run
    g = _group_sum_by_key_runs(r, keys, values) if "_key_run" in r.columns else group_sum(r, keys, values)
    classes = dict(zip(*rows.select("activity", "fuel_class").unique("activity").get_columns(), strict=True))
    acts = g["activity"].unique().to_list()
    g = g.with_columns(
        pl.col("activity").replace_strict({a: names.get(a, (a, a))[0] for a in acts}, return_dtype=pl.String).alias("name_en"),
        pl.col("activity").replace_strict({a: names.get(a, (a, a))[1] for a in acts}, return_dtype=pl.String).alias("name_zh"),
        pl.col("activity").replace_strict({a: classes[a] for a in acts}, return_dtype=pl.String).alias("fuel_class"),
        pl.when(pl.col("energy_tce").is_nan()).then(None).otherwise(pl.col("energy_tce")).alias("energy_tce"),  # NaN: not converted
    )
    return g.select([pl.col(c).cast(t) for c, t in BY_SECTOR_SCHEMA.items()])


def _empty() -> pl.DataFrame:
    return pl.DataFrame(
        schema={"year": pl.Int32, "region": pl.String, "activity": pl.String, "fuel_class": pl.String,
                "feedstock": pl.Boolean, "energy_tce": pl.Float64}
    )


def _cell_ids(rows: pl.DataFrame) -> tuple[pl.DataFrame, np.ndarray]:
    """The cells' keys (:data:`CELL_KEYS`) numbered by runs of equal keys: (``cell_id`` (Int64) and
    the keys, once per run; the cell_id of every row).

    Cube cells are sorted by their keys, so each key tuple is one run and the numbering is that of
    the distinct key tuples in sorted order; rows in any other order only give a key tuple that
    recurs apart from its run a second id, looked up alike. One pass comparing each row with the
    previous one instead of a unique, a sort and a join on four string columns; rows that carry
    ``_key_run`` (:func:`_sorted_key_runs`) compare that number instead."""
    if "_key_run" in rows.columns:  # rows of the cube's sorted cells (_sorted_key_runs): equal keys are equal runs
        runs = rows["_key_run"].to_numpy()
        new = np.ones(runs.size, bool)
        new[1:] = runs[1:] != runs[:-1]
    else:
        new = ~rows.select(pl.all_horizontal(pl.col(k).eq_missing(pl.col(k).shift(1)) for k in CELL_KEYS)).to_series().to_numpy()
        new[:1] = True
    keyed = rows.select(CELL_KEYS).filter(pl.Series(new)).with_row_index("cell_id").with_columns(pl.col("cell_id").cast(pl.Int64))
    return keyed, np.cumsum(new) - 1


def _per_cell(part: pl.DataFrame, cell_of_row: np.ndarray, n_cells: int) -> list[pl.Series]:
    """The columns of ``part`` (one row per ``cell_id`` at most) for each row, null where its cell
    has no row in ``part``: a left join on ``cell_id`` as a gather."""
    at = np.full(n_cells, part.height, np.int64)
    at[part["cell_id"].to_numpy()] = np.arange(part.height)
    values = part.drop("cell_id")
    return pl.concat([values, values.clear(1)])[at[cell_of_row]].get_columns()


def energy_consumption(
    cells: pl.DataFrame,
    sets: list[FactorSet],
    year_fallback: str = "none",
    electricity_method: str = "equivalent",
    coal_equivalent_gce_per_kwh: dict[int, float] | None = None,
    feedstock_sectors: tuple[str, ...] = ("2",),
    sources: dict | None = None,
    where: str = "[energy]",
    totals: bool = True,
    answer: ConversionAnswer | None = None,
    codes: dict | None = None,
) -> EnergyResult:
    r"""Energy consumption in tonnes of standard coal (tce) per year, region, activity and feedstock flag.

    Per cube cell (module docstring)

    .. math::

        \text{tce} = \text{amount} \times \text{scale} \times \text{conv} \times \text{standard\_coal} / 29.3076

    with the ``standard_coal`` coefficient [GJ_ce per base unit] the run's factor sets resolve for
    the cell (GB/T 2589-2020 Appendix A in ``cn_gbt2589_2020``) and ``conv`` the NCV / density
    bridge to its unit (:func:`ghginv.methods.emissions.conversion_path`); an activity in an energy
    unit without a coefficient is converted at 1 kgce = 29.3076 MJ. Commercial energy only: biomass
    is left out (noted), as are activities without a coefficient or bridge.

    The coefficients come from the statistical standard unless the inventory says otherwise: the
    set ``sources`` names for a quantity (``[energy] standard_coal``, ``ncv``, ``density``) answers
    first for it; by default ``cn_gbt2589_2020`` when it is one of ``sets``, else the run's set
    order (:func:`coefficient_sources`). A note names the set that gave each coefficient.

    Parameters
    ----------
    cells : polars.DataFrame
        Cube cells: year, region, sector, activity, unit, amount [unit of the row].
    sets : list of FactorSet
        The run's factor sets, in precedence order.
    year_fallback : {"none", "nearest"}, default "none"
        Year fallback of the coefficient look-up.
    electricity_method : {"equivalent", "coal_equivalent"}, default "equivalent"
        ``equivalent`` (当量值): the sets' standard_coal coefficient for electricity (GB/T 2589-2020:
        0.1229 kgce/kWh); ``coal_equivalent`` (等价值, 发电煤耗法): ``coal_equivalent_gce_per_kwh``.
    coal_equivalent_gce_per_kwh : dict of int to float, optional
        Year -> average coal use per kWh of thermal generation [gce/kWh]; needed for every year with
        electricity when ``electricity_method = "coal_equivalent"``.
    feedstock_sectors : tuple of str, default ("2",)
        IPCC codes whose rows are flagged ``feedstock`` (原料用能).
    sources : dict, optional
        The inventory's ``[energy]`` table: ``standard_coal``, ``ncv``, ``density`` -> the name of
        the run's set that provides it (:func:`coefficient_sources`); default: the defaults there.
    where : str, default "[energy]"
        Where ``sources`` comes from, for messages.
    totals : bool, default True
        False: only ``activity_by_sector`` (and the notes and rows used) is computed, ``by_activity``
        is empty and ``by_sector`` None (a run that needs the energy-activity table alone).
    answer : ConversionAnswer, optional
        The factor query's answer of the run's emissions (``Resolution.answer``,
        :func:`ghginv.factors.resolve.resolve`): the coefficients are chosen from it instead of a
        query of their own when it covers these cells with the same ``sets`` and ``year_fallback``
        (the same coefficients either way).
    codes : dict, optional
        ``cells``' ``region``, ``sector`` and ``activity`` exactly as :func:`ghginv.core._frames.encode`
        gives them (:attr:`ghginv.pipeline.cube.Cube.codes`): the runs of equal keys are found on
        them instead of on the strings (the same table).

    Returns
    -------
    EnergyResult
        ``by_activity`` (year, region, activity, fuel_class, feedstock, energy_tce [tce]) and
        ``by_sector`` (the same with the IPCC ``sector``), the
        electricity convention, notes, the standard_coal rows used with their sets and sources,
        and the sets chosen per quantity (``sources``).

    Raises
    ------
    ConfigError
        An unknown ``electricity_method``, a missing or non-positive coal-equivalent coefficient,
        or an invalid ``sources`` table (e.g. a set that is not in the run).

    References
    ----------
    .. [1] GB/T 2589—2020 综合能耗计算通则 (General principles for calculation of the
       comprehensive energy consumption), Appendix A (standard-coal coefficients).
    """
    if electricity_method not in ELECTRICITY_METHODS:
        raise ConfigError(f"electricity_method must be one of {ELECTRICITY_METHODS}, got {electricity_method!r}")
    ce = {int(k): float(v) for k, v in (coal_equivalent_gce_per_kwh or {}).items()}
    src = coefficient_sources(sources, sets, where)
    classes = activity_classes(sets)
    notes: list[str] = []
    rows = cells.with_columns(
        pl.col("activity").replace_strict(classes, default="other", return_dtype=pl.String).alias("fuel_class")
    )
    runs = _sorted_key_runs(cells, codes)
    if runs is not None:  # the cube's order: the energy-activity table groups by the runs of equal keys
        rows = rows.with_columns(pl.Series("_key_run", runs))
    biomass = rows.filter(pl.col("fuel_class") == "biomass")
    skipped = sorted(set(biomass["activity"].to_list()))
    if skipped:
        notes.append("biomass fuels are outside the statistical energy total: " + ", ".join(skipped))
    biomass = with_unit_columns(biomass).with_columns(pl.lit(np.nan).alias("energy_tce")) if biomass.height else None
    energy = rows.select(pl.col("fuel_class").is_in(ENERGY_CLASSES)).to_series()
    rows = rows.filter(energy)
    if rows.height == 0:
        return EnergyResult(_empty(), electricity_method, ce, notes, sources=src,
                            by_sector=_empty().with_columns(pl.lit(None, pl.String).alias("sector")),
                            activity_by_sector=_by_sector(biomass, sets) if biomass is not None else pl.DataFrame(schema=BY_SECTOR_SCHEMA))
    if electricity_method == "coal_equivalent":
        years = sorted(set(rows.filter(pl.col("fuel_class") == "electricity")["year"].to_list()))
        missing = [y for y in years if y not in ce]
        if missing:
            raise ConfigError(
                "electricity_method = 'coal_equivalent' needs coal_equivalent_gce_per_kwh for every year with "
                f"electricity; missing: {', '.join(map(str, missing))}"
            )
        bad = {y: v for y, v in ce.items() if not np.isfinite(v) or v <= 0}
        if bad:
            raise ConfigError(f"coal_equivalent_gce_per_kwh must be positive, got {bad}")

    keyed, cell_of_row = _cell_ids(rows)
    frame_rows = None
    if answer is not None and answer.frame is cells:  # the emissions' cube rows: each cell's first row, a row of cells
        first = np.flatnonzero(np.diff(cell_of_row, prepend=-1))
        frame_rows = np.flatnonzero(energy.to_numpy())[first]
    rules, conv = _conversions(keyed, sets, year_fallback, src, answer, frame_rows)
    sc = conv.filter(pl.col("quantity") == "standard_coal").select("cell_id", pl.col("value_norm").alias("sc"), pl.col("den_dim").alias("sc_dim"))
    used = []
    for rid in sorted(set(conv.filter(pl.col("quantity") == "standard_coal")["rule_id"].to_list())):
        r = rules[rid]
        if electricity_method == "coal_equivalent" and classes.get(r.activity) == "electricity":
            continue
        used.append({"factor_set": r.set_name, "activity": r.activity, "kind": "conversion", "item": "standard_coal",
                     "value": r.value, "unit": r.unit, "status": r.status, "source": r.source,
                     "source_locator": r.source_locator, "rule": f"{r.set_name}/{Path(r.file).name}:{r.line}"})
    if used:
        notes.append(_sources_note(used, src))
    ncv = conv.filter(pl.col("quantity") == "ncv").select("cell_id", pl.col("value_norm").alias("ncv"), pl.col("den_dim").alias("ncv_dim"))
    dens = conv.filter(pl.col("quantity") == "density").select("cell_id", pl.col("value_norm").alias("density"))
    rows = rows.with_columns(*(c for q in (sc, ncv, dens) for c in _per_cell(q, cell_of_row, keyed.height)))

    rows = with_unit_columns(rows)
    out, unconverted = _tce(rows, electricity_method, ce)
    if unconverted:
        notes.append(
            "no standard_coal coefficient (or no ncv/density to reach it) for: " + ", ".join(sorted(unconverted))
            + " — left out of energy consumption"
        )
    prefixes = tuple(feedstock_sectors)
    rows = rows.with_columns(pl.Series("energy_tce", out))
    keep = ["year", "region", "sector", "activity", "fuel_class", "amount", "unit_scale", "act_dim", "energy_tce",
            *(["_key_run"] if "_key_run" in rows.columns else [])]
    activity_by_sector = _by_sector(rows.select(keep) if biomass is None else pl.concat([rows.select(keep), biomass.select(keep)],
                                                                                         how="vertical_relaxed"), sets)
    if not totals:
        return EnergyResult(_empty(), electricity_method, ce, notes, used, src, None, activity_by_sector=activity_by_sector)
    rows = rows.with_columns(
        per_distinct(rows["sector"], lambda s: categories.under(s, *prefixes), pl.Boolean).alias("feedstock"),
    ).filter(pl.col("energy_tce").is_not_nan())
    by = group_sum(rows, ["year", "region", "activity", "fuel_class", "feedstock"], ["energy_tce"])
    by_sector = group_sum(rows, ["year", "region", "sector", "activity", "fuel_class", "feedstock"], ["energy_tce"])
    return EnergyResult(by.cast({"year": pl.Int32}), electricity_method, ce, notes, used, src, by_sector.cast({"year": pl.Int32}),
                        activity_by_sector=activity_by_sector)


def _power(v: np.ndarray, p: int) -> np.ndarray:
    """``v ** p`` for p in {-1, 0, 1} with Python's float power on each distinct value (the same bits
    as a per-value ``x ** p``; numpy's power takes shortcuts for some exponents)."""
    if not p:
        return np.ones(v.shape[0])
    uniq, inv = np.unique(v, return_inverse=True)
    return np.array([float(x) ** p for x in uniq.tolist()], np.float64)[inv]


def _tce(rows: pl.DataFrame, electricity_method: str, ce: dict[int, float]) -> tuple[np.ndarray, set[str]]:
    """tce of every cell row (NaN where there is no way to standard coal) and the activities left out.

    The rows are taken in groups of one (electricity by coal equivalent, activity dimension,
    standard-coal dimension, NCV dimension, density present): per group one conversion path
    (:func:`~ghginv.methods.emissions.conversion_path`) and whole-array arithmetic in the order of
    the per-cell formula (``amount × conv × sc / 29.3076`` [tce]), so every value has the bits
    of that formula evaluated cell by cell."""
    out = np.full(rows.height, np.nan)
    amount = (rows["amount"] * rows["unit_scale"]).to_numpy()
    sc_v = rows["sc"].fill_null(np.nan).to_numpy()
    ncv_v = rows["ncv"].fill_null(np.nan).to_numpy()
    den_v = rows["density"].fill_null(np.nan).to_numpy()
    keys = rows.select(
        ((pl.col("fuel_class") == "electricity") & pl.lit(electricity_method == "coal_equivalent")).alias("ce"),
        "act_dim", "sc_dim", "ncv_dim", pl.Series("has_den", ~np.isnan(den_v)), "activity", "year",
    ).with_row_index("i")
    unconverted: set[str] = set()
    for (is_ce, act_dim, sc_dim, ncv_dim, has_den), g in keys.partition_by(
            ["ce", "act_dim", "sc_dim", "ncv_dim", "has_den"], as_dict=True, maintain_order=True).items():
        i = g["i"].to_numpy()
        if is_ce:
            if act_dim != "energy":
                unconverted.update(g["activity"].unique().to_list())
                continue
            kwh = amount[i] / 3.6e-3
            out[i] = kwh * np.array([ce[y] for y in g["year"].to_list()], np.float64) * 1e-6  # g -> t
            continue
        if sc_dim is None:
            if act_dim == "energy":
                out[i] = amount[i] / TCE_GJ
            else:
                unconverted.update(g["activity"].unique().to_list())
            continue
        p = conversion_path(act_dim, sc_dim, ncv_dim, bool(has_den))
        if p is None:
            unconverted.update(g["activity"].unique().to_list())
            continue
        f = _power(ncv_v[i], p[0]) * _power(den_v[i], p[1])
        out[i] = amount[i] * f * sc_v[i] / TCE_GJ
    return out, unconverted


def _sources_note(used: list[dict], src: dict) -> str:
    """One data-quality note: the standard-coal coefficient of each activity and the set that gave it."""
    by_act: dict[str, list[str]] = {}
    for r in used:
        by_act.setdefault(r["activity"], []).append(f"{r['value']:g} {r['unit']} ({r['factor_set']}, {r['status']})")
    sc = src.get("standard_coal")
    head = (f"standard-coal coefficients of the energy total from {sc} first ({src.get('chosen_by', '')})" if sc
            else f"standard-coal coefficients of the energy total in the run's set order ({src.get('chosen_by', '')})")
    return head + ": " + "; ".join(f"{a} " + ", ".join(v) for a, v in sorted(by_act.items()))
