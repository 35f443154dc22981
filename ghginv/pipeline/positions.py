"""Recompute with new values on a run's resolved structure, without resolving again.

A compile works out, for its cube, *which* factor row every cube cell and gas uses (precedence
rules, DuckDB), which emission row every (cube row, factor row) adds into, and which inventory rows
every emission row rolls up into. None of that depends on the factor *values* or the GWPs. The run
folder keeps those positions (``recompute_index.bin``, hashed in ``manifest.json``) with a
signature of everything they do depend on: the cube, the factor sets' rules without their values
(kind, activity, gas or parameter, sector, region, years, unit dimension), the sets' activity
classes, the precedence rules in force, the year fallback, entities and the notation keys.

A recompute with other factor sets or GWPs runs the same stages as a compile
(:mod:`ghginv.pipeline.stages`) on these positions when the signature of the new sets equals the
run's: only the arithmetic runs — new value per rule, the emissions formula of
:func:`ghginv.kernels.emissions.activity_emissions` on the same operands as a compile, the same sums in
the same order (:mod:`ghginv.pipeline.sums` over the kept positions) — so the numbers are the
same bits a fresh compile gives. Any structural change (a rule added, removed or
moved to other years, regions or sectors; another unit dimension; other sets) changes the
signature, and the stages start again on the full path.

The rows of the stages that are not activity × factor — first-order decay of landfill deposits
(4.A) and carbon sinks — are computed again by those stages (their data are small); the kept
positions hold as long as those rows have the same keys as in the run (``perm`` places them among
the activity rows as the compile's merge did), else the full path runs. The reference approach and
the indicators and targets run on the new emissions as in a compile. Runs with gap filling (which
changes the cube) or an uncertainty analysis in the compile (which needs the full per-cell detail) keep no plan;
``ghginv uncertainty RUN_DIR`` on a run that keeps one takes that detail from it (:func:`plan_detail`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from ..core._frames import inverse
from ..core.errors import InputFileError
from ..core.gwp import MONTREAL_GASES
from ..factors.resolve import C_TO_CO2, PRECEDENCE, factor_values
from .aggregate import RollupIndex

__all__ = ["PLAN_FILE", "RecomputePlan", "plan_supported", "signature", "make_plan", "save_plan", "load_plan", "activity_values",
           "kept_factors_used", "kept_merge", "kept_detail", "activity_quantities", "plan_detail",
           "kept_energy_activity", "ENERGY_FILE"]

PLAN_FILE = "recompute_index.bin"
ENERGY_FILE = "energy_activity.parquet"
FORMAT = 3  # 2: roll-up starts as CSR bounds; 3: international bunkers (1.A.3.a.i, 1.A.3.d.i) are memo rows
_MAGIC = b"GHGINV-POSITIONS\n"  # then: header length (8 bytes, little-endian), JSON header, arrays at 64-byte offsets
_NO_PLAN_TABLES = ("gap_filling", "uncertainty")

_EM = ("det_row", "ncv_pow", "dens_pow", "unit_scale", "f_cell", "f_rule", "f_rule2", "f_gas", "cell_ncv_rule", "cell_dens_rule")


@dataclass
class RecomputePlan:
    """The positions of a run (see module doc) and the signature they are valid for."""

    signature: str
    em: dict[str, np.ndarray]  # cube rows x factor rows -> emission rows (compute_emissions(index=...))
    gas_names: list[str]
    rollup: RollupIndex  # emission rows -> inventory rows (build_inventory(index=True))
    links: dict[str, np.ndarray]  # the roll-up check's positions (conservation.rollup_links)
    meta: np.ndarray  # description index of each factors_used row (trace.factors_used(index=...))
    meta_keys: np.ndarray  # (rule id, second rule id or -1, conversion flag) per description
    meta_first: np.ndarray  # first factors_used row of each description
    versions: dict[str, str]  # factor set -> version of the run
    perm: np.ndarray | None = None  # merged emission row -> row of (activity rows, waste rows, sink rows); None: activity rows only
    n_used: int = 0  # factors_used rows of the activity rows (the first ones); waste and sink rows follow

    @property
    def per_entity(self) -> bool:
        """Emission rows per entity: the pairs are summed through ``em_order`` / ``em_starts``."""
        return "em_order" in self.em

    @property
    def n_activity(self) -> int:
        """Activity × factor emission rows (per factor row, or per factor row and entity)."""
        return self.em["em_starts"].size if self.per_entity else self.em["f_cell"].size

    def activity_rows(self, emissions: pl.DataFrame) -> pl.DataFrame:
        """The activity × factor rows of ``emissions`` (a run's merged emission rows), in the order
        of the kept positions (without its sink and landfill-decay rows)."""
        return emissions if self.perm is None else emissions[inverse(self.perm)[: self.n_activity]]


def plan_supported(cfg) -> bool:
    """Whether a run's result can be recomputed on kept positions (module doc).

    Parameters
    ----------
    cfg : RunConfig
        The run's configuration.

    Returns
    -------
    bool
        False when the run has gap filling or an uncertainty analysis (no plan is kept).
    """
    return not any(t in cfg.extra for t in _NO_PLAN_TABLES)


def signature(sets, cfg, keys) -> str:
    """sha256 of everything the positions depend on besides the cube.

    It is kept beside them in the run folder, both hashed in its manifest: each set's rules without
    values, its activity classes and its count of sink and waste rows, the precedence rules in
    force (:data:`ghginv.factors.resolve.PRECEDENCE`: positions chosen under other rules do not
    hold), the year fallback, entities and the notation keys.

    Parameters
    ----------
    sets : list of FactorSet
        The factor sets, in precedence order.
    cfg : RunConfig
        The run's configuration (year_fallback, keep_entity).
    keys : list
        The user's notation keys.

    Returns
    -------
    str
        The hex digest.
    """
    h = hashlib.sha256()
    # the memo gases decide each row's scope: a plan made under another list is not reused
    h.update(json.dumps([FORMAT, PRECEDENCE, cfg.year_fallback, bool(cfg.keep_entity), [repr(k) for k in keys],
                         sorted(MONTREAL_GASES)]).encode())
    for s in sets:
        h.update(json.dumps([s.name, sorted((a, m.get("fuel_class")) for a, m in s.activities.items()),
                             len(s.sink_rules), len(s.waste_rules)]).encode())
        for r in s.rules:
            h.update(f"\x1e{r.kind}\x1f{r.activity}\x1f{r.key}\x1f{r.sector}\x1f{r.region}\x1f{r.year_from}\x1f{r.year_to}"
                     f"\x1f{r.den_dim}".encode())
    return h.hexdigest()


def make_plan(sig: str, em: dict, rollup: RollupIndex, links: dict, trace: dict, first: np.ndarray, sets, perm: np.ndarray | None = None,
              n_used: int = 0) -> RecomputePlan:
    """The plan of a compile from what its stages handed over.

    That is ``compute_emissions(index=...)``, ``build_inventory(index=True)``,
    ``run_checks(links=...)`` and ``factors_used(index=...)``. Without entities every factor row is
    one emission row: the (cube row, factor row) pairs are kept sorted by factor row (stable, so each
    row's terms keep their order) with ``f_starts``.

    Parameters
    ----------
    sig : str
        The :func:`signature` of the run.
    em : dict of str to numpy.ndarray
        The positions of :func:`ghginv.methods.emissions.compute_emissions` (``index=``).
    rollup : RollupIndex
        Emission rows -> inventory rows (:func:`ghginv.pipeline.aggregate.build_inventory`).
    links : dict of str to numpy.ndarray
        The roll-up check's positions (:func:`ghginv.pipeline.conservation.rollup_links`).
    trace : dict of str to numpy.ndarray
        ``meta`` and ``meta_keys`` of :func:`ghginv.factors.trace.factors_used` (``index=``).
    first : numpy.ndarray
        First factors_used row of each description (:func:`meta_first`).
    sets : list of FactorSet
        The run's factor sets (their versions are kept).
    perm : numpy.ndarray, optional
        Merged emission row -> row of (activity rows, waste rows, sink rows); None: activity rows only.
    n_used : int, default 0
        factors_used rows of the activity rows.

    Returns
    -------
    RecomputePlan
        The positions and the signature they are valid for.
    """
    from ..kernels.rollup import csr

    kept = {k: em[k] for k in _EM}
    if "em_order" in em:  # per entity: pairs in compute order, summed through em_order / em_starts
        kept.update(det_f=em["det_f"], em_order=em["em_order"], em_starts=em["em_starts"])
    else:
        f_starts, order = csr(em["det_f"], em["f_cell"].size)
        kept.update(f_starts=f_starts, det_row=em["det_row"][order], ncv_pow=em["ncv_pow"][order], dens_pow=em["dens_pow"][order])
    return RecomputePlan(sig, kept, list(em["gas_names"]), rollup, links, trace["meta"], trace["meta_keys"], first,
                         {s.name: s.version for s in sets}, perm, n_used)


def meta_first(meta: np.ndarray, n_keys: int) -> np.ndarray:
    """First row of each description index."""
    first = np.full(n_keys, -1, np.int64)
    rows = np.arange(meta.size, dtype=np.int64)[::-1]
    first[meta[::-1]] = rows  # the last write per key is its first row
    return first


def _small(a: np.ndarray) -> np.ndarray:
    """Positions stored as int32 when they fit (half the file)."""
    if a.dtype.kind == "i" and a.dtype.itemsize > 4 and (a.size == 0 or (a.max() < 2**31 and a.min() >= -(2**31))):
        return a.astype(np.int32)
    return a


def _write_arrays(path: Path, head: dict, arrays: dict[str, np.ndarray]) -> None:
    """One file: magic, header length, a JSON header (``head`` plus name -> dtype, shape, offset of
    each array), then the arrays' bytes, each at a 64-byte boundary (read back without copying)."""
    table, offset = {}, 0
    for k, a in arrays.items():
        a = np.ascontiguousarray(a)
        table[k] = {"dtype": a.dtype.str, "shape": list(a.shape), "offset": offset}
        offset += -(-a.nbytes // 64) * 64
    header = json.dumps({**head, "arrays": table}).encode()
    start = -(-(len(_MAGIC) + 8 + len(header)) // 64) * 64
    with open(path, "wb") as f:
        f.write(_MAGIC + len(header).to_bytes(8, "little") + header)
        for k, a in arrays.items():
            f.seek(start + table[k]["offset"])
            f.write(np.ascontiguousarray(a).tobytes())
        f.truncate(start + offset)


def _read_arrays(path: Path) -> tuple[dict, dict[str, np.ndarray]]:
    """``(head, arrays)`` of :func:`_write_arrays`; the arrays view a read-only memory map of the file."""
    mm = np.memmap(path, dtype=np.uint8, mode="r")
    if bytes(mm[: len(_MAGIC)]) != _MAGIC:
        raise ValueError("not a ghginv positions file")
    n = int.from_bytes(bytes(mm[len(_MAGIC): len(_MAGIC) + 8]), "little")
    head = json.loads(bytes(mm[len(_MAGIC) + 8: len(_MAGIC) + 8 + n]))
    start = -(-(len(_MAGIC) + 8 + n) // 64) * 64
    arrays = {}
    for k, t in head.pop("arrays").items():
        dt = np.dtype(t["dtype"])
        count = int(np.prod(t["shape"])) if t["shape"] else 1
        o = start + t["offset"]
        arrays[k] = mm[o: o + count * dt.itemsize].view(dt).reshape(t["shape"])
    return head, arrays


def save_plan(plan: RecomputePlan, path: Path) -> None:
    """Write ``plan`` to ``path`` (``recompute_index.bin``): a JSON header and its arrays, positions
    as int32 where they fit.

    Parameters
    ----------
    plan : RecomputePlan
        The plan to keep.
    path : pathlib.Path
        The file to write.
    """
    arrays = {f"em.{k}": _small(v) for k, v in plan.em.items()}
    arrays.update({f"rollup.{k}": _small(v) for k, v in plan.rollup.arrays().items()})
    arrays.update({f"links.{k}": _small(v) for k, v in plan.links.items()})
    arrays.update(meta=_small(plan.meta), meta_keys=plan.meta_keys, meta_first=_small(plan.meta_first))
    if plan.perm is not None:
        arrays["perm"] = _small(plan.perm)
    _write_arrays(path, {"format": FORMAT, "signature": plan.signature, "gas_names": plan.gas_names, "versions": plan.versions,
                         "n_used": plan.n_used}, arrays)


def load_plan(path: Path) -> RecomputePlan | None:
    """The plan in ``path``, or None when it was written by another format version.

    Parameters
    ----------
    path : pathlib.Path
        A ``recompute_index.bin`` written by :func:`save_plan`; its arrays view a read-only memory
        map of the file.

    Returns
    -------
    RecomputePlan or None
        The plan, or None for another format version.

    Raises
    ------
    InputFileError
        When the file is not a ghginv positions file.
    """
    try:
        head, a = _read_arrays(path)
    except (ValueError, KeyError, UnicodeDecodeError) as e:
        raise InputFileError(f"{path}: not a ghginv positions file ({e}); compile again") from None
    if head.get("format") != FORMAT:
        return None
    part = {p: {k.split(".", 1)[1]: v for k, v in a.items() if k.startswith(p + ".")} for p in ("em", "rollup", "links")}
    return RecomputePlan(head["signature"], part["em"], head["gas_names"], RollupIndex.from_arrays(part["rollup"]), part["links"],
                         a["meta"], a["meta_keys"], a["meta_first"], head["versions"], a.get("perm"), int(head.get("n_used", 0)))


def _values(rules) -> np.ndarray:
    """Value per rule in its base unit."""
    return np.array([r.value_norm for r in rules], dtype=np.float64)


def _pair_values(plan: RecomputePlan, amount: np.ndarray, norm: np.ndarray, row: np.ndarray, fidx: np.ndarray,
                 ncv_pow: np.ndarray, dens_pow: np.ndarray) -> np.ndarray:
    """emissions_t of (cube row ``row``, factor row ``fidx``) pairs with the rules' values
    ``norm``: the formula of :func:`ghginv.methods.emissions.compute_emissions` on the same operands."""
    from ..kernels.emissions import activity_emissions

    e = plan.em
    f_value = factor_values(norm, e["f_rule"], e["f_rule2"])
    ncv, dens = (np.where(rule >= 0, norm[np.maximum(rule, 0)], np.nan) for rule in (e["cell_ncv_rule"], e["cell_dens_rule"]))
    dcell = e["f_cell"][fidx]
    return activity_emissions(amount[row], e["unit_scale"][row], ncv[dcell], ncv_pow, dens[dcell], dens_pow, f_value[fidx])


def activity_values(plan: RecomputePlan, cells: pl.DataFrame, rules) -> np.ndarray:
    """emissions_t [t of the gas] per activity × factor emission row: the arithmetic of
    :func:`ghginv.methods.emissions.compute_emissions` on the kept positions, with the rules' values
    (CO2e: :func:`ghginv.pipeline.characterise.characterise` on the merged rows).

    Parameters
    ----------
    plan : RecomputePlan
        The kept positions.
    cells : polars.DataFrame
        The cube cells of the activity × factor stage (amount [unit of the row]), as in the run.
    rules : list of Rule
        Every rule of the new sets, in rule-id order (values in base units).

    Returns
    -------
    numpy.ndarray
        float64, emissions per emission row [t gas], in the order of the kept positions.

    References
    ----------
    .. [1] 2006 IPCC Guidelines, Vol 2, Ch 2, Eq 2.1 (emissions = activity data × emission factor).
    """
    from .sums import indexed_emissions

    e = plan.em
    norm = _values(rules)
    amount = cells["amount"].to_numpy()
    if not plan.per_entity:  # one emission row per factor row: added in the kernel, in order
        return indexed_emissions(e["f_starts"], e["det_row"], e["f_cell"], e["f_rule"], e["f_rule2"], e["cell_ncv_rule"],
                                 e["cell_dens_rule"], amount, e["unit_scale"], e["ncv_pow"], e["dens_pow"], norm, C_TO_CO2)
    emis = _pair_values(plan, amount, norm, e["det_row"], e["det_f"], e["ncv_pow"], e["dens_pow"])
    order, starts = e["em_order"], e["em_starts"]  # per entity: as compute_emissions adds them
    return np.add.reduceat(emis[order], starts)


def plan_detail(plan: RecomputePlan, cells: pl.DataFrame, rules, emissions: pl.DataFrame) -> pl.DataFrame:
    """The per-(cube row, factor row) detail that the uncertainty analysis reads, from the kept positions.

    The columns are those :func:`ghginv.uncertainty.propagate.build_terms` reads (year, scope,
    sector, activity, gas, amount, unit_scale, ncv, density, emissions_t, rule_id, rule2_id,
    ncv_rule, ncv_pow, density_rule, dens_pow), in the order and with the numbers of
    :func:`ghginv.methods.emissions.compute_emissions` (cube rows in order, each with its cell's
    factor rows), without resolving the factors again. Not for per-entity plans.

    Parameters
    ----------
    plan : RecomputePlan
        The kept positions (not per entity).
    cells : polars.DataFrame
        The cube cells of the activity × factor stage (amount [unit of the row]).
    rules : list of Rule
        Every rule of the run's sets, in rule-id order.
    emissions : polars.DataFrame
        The run's merged emission rows (the keys of each factor row).

    Returns
    -------
    polars.DataFrame
        One row per (cube row, factor row), emissions_t [t gas].
    """
    e = plan.em
    f_starts = np.asarray(e["f_starts"])
    f_of = np.repeat(np.arange(f_starts.size - 1, dtype=np.int64), np.diff(f_starts))
    row = np.asarray(e["det_row"], dtype=np.int64)
    order = np.lexsort((f_of, row))  # the pairs were kept grouped by factor row: back to cube-row order
    f_of, row = f_of[order], row[order]
    ncv_pow, dens_pow = np.asarray(e["ncv_pow"])[order], np.asarray(e["dens_pow"])[order]
    norm = _values(rules)
    amount = cells["amount"].to_numpy()
    emis = _pair_values(plan, amount, norm, row, f_of, ncv_pow, dens_pow)
    cell = np.asarray(e["f_cell"], dtype=np.int64)[f_of]
    ncv, dens = (np.where(rule >= 0, norm[np.maximum(rule, 0)], np.nan)[cell] for rule in (e["cell_ncv_rule"], e["cell_dens_rule"]))
    keys = plan.activity_rows(emissions).select(pl.col("year").cast(pl.Int32), "scope", "sector", "activity", "gas")
    return keys[f_of].with_columns(
        pl.Series("amount", amount[row]), pl.Series("unit_scale", np.asarray(e["unit_scale"])[row]),
        pl.Series("ncv", ncv), pl.Series("density", dens),
        pl.Series("emissions_t", emis), pl.Series("rule_id", np.asarray(e["f_rule"], dtype=np.int64)[f_of]),
        pl.Series("rule2_id", np.asarray(e["f_rule2"], dtype=np.int64)[f_of]),
        pl.Series("ncv_rule", np.asarray(e["cell_ncv_rule"], dtype=np.int64)[cell]), pl.Series("ncv_pow", ncv_pow, pl.Int8),
        pl.Series("density_rule", np.asarray(e["cell_dens_rule"], dtype=np.int64)[cell]), pl.Series("dens_pow", dens_pow, pl.Int8),
    )


def activity_quantities(plan: RecomputePlan, cells: pl.DataFrame, rules) -> np.ndarray:
    """Per activity × factor emission row (not per entity), its activity in the base unit of its
    factor's denominator: the emissions kernel with a factor of 1 and the run's conversions.

    Parameters
    ----------
    plan : RecomputePlan
        The kept positions (not per entity).
    cells : polars.DataFrame
        The cube cells of the activity × factor stage (amount [unit of the row]).
    rules : list of Rule
        Every rule of the run's sets, in rule-id order (NCV and density values in base units).

    Returns
    -------
    numpy.ndarray
        float64, activity per emission row [base unit of the factor's denominator: t, m^3, GJ, …].
    """
    from .sums import indexed_emissions

    e = plan.em
    norm = np.append(np.array([r.value_norm for r in rules], dtype=np.float64), 1.0)  # the last: a factor of 1
    nf = e["f_cell"].size
    return indexed_emissions(e["f_starts"], e["det_row"], e["f_cell"], np.full(nf, norm.size - 1, np.int64),
                             np.full(nf, -1, np.int64), e["cell_ncv_rule"], e["cell_dens_rule"], cells["amount"].to_numpy(),
                             e["unit_scale"], e["ncv_pow"], e["dens_pow"], norm, C_TO_CO2)


def kept_factors_used(plan: RecomputePlan, old: pl.DataFrame, rules, sets) -> pl.DataFrame:
    """The old run's factors_used with the descriptions (value, unit, source …) of the new rules;
    only the columns in which some description changed are gathered again.

    Parameters
    ----------
    plan : RecomputePlan
        The kept positions (``meta``, ``meta_keys``, ``meta_first``, set versions).
    old : polars.DataFrame
        The run's factors_used rows of the activity × factor stage.
    rules : list of Rule
        Every rule of the new sets, in rule-id order.
    sets : list of FactorSet
        The new sets (their versions).

    Returns
    -------
    polars.DataFrame
        ``old`` with the changed description columns (and ``set_version``) replaced.
    """
    from ..factors.trace import META, SCHEMA, describe

    new = describe(plan.meta_keys, rules)
    was = old.select(META)[plan.meta_first]
    cols = []
    for j, c in enumerate(META):
        values = pl.Series(c, [t[j] for t in new], SCHEMA[c])
        if not values.equals(was[c]):  # null-aware, exact
            cols.append(values.gather(plan.meta))
    versions = {s.name: s.version for s in sets}
    if versions != plan.versions:
        cols.append(old["factor_set"].replace_strict(versions, return_dtype=pl.String).alias("set_version"))
    return old.with_columns(cols) if cols else old


def kept_merge(plan: RecomputePlan, old_em: pl.DataFrame, new: list[pl.Series], old_used: pl.DataFrame, used: pl.DataFrame, waste, sink):
    """(emissions, factors_used) with the new activity-based values and the waste and sink stages'
    new rows placed as in the run; None when those rows' keys differ from the run's.

    Parameters
    ----------
    plan : RecomputePlan
        The kept positions (``perm``: where the run's merge placed every row).
    old_em : polars.DataFrame
        The run's merged emission rows (without co2e_t).
    new : list of polars.Series
        The new columns of the activity × factor rows (e.g. emissions_t [t gas]), in kept order.
    old_used : polars.DataFrame
        The run's factors_used rows (the schema of the stages' rows).
    used : polars.DataFrame
        The new factors_used rows of the activity × factor stage.
    waste : tuple of (polars.DataFrame, polars.DataFrame) or None
        (emission rows, factors_used rows) of the first-order decay stage, or None.
    sink : SinkResult or None
        The carbon-sink stage's result, or None.

    Returns
    -------
    tuple of (polars.DataFrame, polars.DataFrame) or None
        (emissions, factors_used), or None when the kept positions do not hold.
    """
    from .merge import KEYS, stage_rows

    other, other_used = stage_rows(old_em, old_used, waste, sink)
    if plan.perm is None:
        return None if other is not None else (old_em.with_columns(new), used)
    n_ef = plan.n_activity
    if other is None or plan.perm.size != n_ef + other.height:
        return None
    keys = [k for k in KEYS if k in old_em.columns]
    if not old_em.select(keys)[inverse(plan.perm)[n_ef:]].equals(other.select(keys)):
        return None  # other sink or waste rows: the kept positions do not hold
    activity = plan.activity_rows(old_em).with_columns(new)
    return pl.concat([activity, other])[plan.perm], pl.concat([used, *other_used])


def kept_detail(result):
    """(per-cell detail, rule list) of ``result`` from its kept positions, or None.

    The detail is the input :func:`ghginv.uncertainty.propagate.build_terms` reads, in the order and
    with the numbers of :func:`ghginv.methods.emissions.compute_emissions` (:func:`plan_detail`).

    Parameters
    ----------
    result : InventoryResult or Run
        A run's result or its stages' state (cube, sets, plan, emissions).

    Returns
    -------
    tuple of (polars.DataFrame, list of Rule) or None
        None when it has no plan, keeps it per entity, or has no activity × factor cells.
    """
    from ..methods.waste_fod import split_deposits

    cells, _ = split_deposits(result.cube.cells, result.sets)  # 4.A deposits: first-order decay terms
    plan = result.plan
    if cells.height and plan is not None and not plan.per_entity:
        rules = [r for s in result.sets for r in s.rules]
        return (plan_detail(plan, cells, rules, result.emissions), rules)
    return None


def _conversion_values(sets) -> list[tuple[float, str]]:
    """(value_norm, den_dim) of every conversion rule (ncv, density, standard_coal) of ``sets``, in rule order."""
    return [(r.value_norm, r.den_dim) for s in sets for r in s.rules if r.kind == "conv"]


def kept_energy_activity(old, sets) -> pl.DataFrame | None:
    """The run's energy activity by sector and fuel (``energy_activity.parquet``), when a recompute on
    its kept positions gives the same table; else None (the stage computes it).

    The table (:func:`ghginv.analysis.stage.energy_activity`) depends on the cube, the config, the
    sets' names, activity classes and positions (all in the kept positions' signature), the sets'
    activity tables (names) and the values of their conversion rules (NCV, density, standard
    coal). When the new sets' activity tables and conversion values equal the run's, the run's
    table is the one a compile would give (a factor-value or GWP change leaves it as it was).

    Parameters
    ----------
    old : RunFolder
        The run recomputed (:class:`ghginv.rerun.folder.RunFolder`: its factor sets and verified
        outputs).
    sets : list of FactorSet
        The new factor sets (their signature equals the run's).

    Returns
    -------
    polars.DataFrame or None
        The run's table (verified against its manifest), or None.
    """
    old_sets = old.factor_sets()
    if [s.name for s in old_sets] != [s.name for s in sets] or [s.activities for s in old_sets] != [s.activities for s in sets]:
        return None
    before, after = _conversion_values(old_sets), _conversion_values(sets)
    if len(before) != len(after) or any(a[1] != b[1] or np.float64(a[0]).tobytes() != np.float64(b[0]).tobytes()
                                        for a, b in zip(before, after, strict=True)):
        return None  # a conversion value changed: energy in tce changes
    return old.verified_frame(ENERGY_FILE)
