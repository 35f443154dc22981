"""Recompute with new values on a run's resolved structure, without resolving again.

A compile works out, for its cube, *which* factor row every cube cell and gas uses (precedence
rules, DuckDB), which emission row every (cube row, factor row) adds into, and which inventory rows
every emission row rolls up into. None of that depends on the factor *values* or the GWPs. The run
folder keeps those positions (``recompute_index.npz``, hashed in ``manifest.json``) with a
signature of everything they do depend on: the cube, the factor sets' rules without their values
(kind, activity, gas or parameter, sector, region, years, unit dimension), the sets' activity
classes, the year fallback, entities and the notation keys.

:func:`apply_plan` recomputes a run with other factor sets or GWPs when the signature of the new
sets equals the run's: only the arithmetic runs — new value per rule, the emissions kernel
(:func:`ghginv.kernels.energy.activity_emissions`) on the same arrays as a compile, the same sums in
the same order (``numpy.bincount`` / ``numpy.add.reduceat`` over the kept positions) — so the
numbers are the same bits a fresh compile gives. Any structural change (a rule added, removed or
moved to other years, regions or sectors; another unit dimension; other sets) changes the
signature, and :func:`ghginv.recompute.recompute` takes the full path instead.

Runs with carbon sinks, first-order decay, gap filling, a reference approach or an uncertainty
analysis keep no plan (those stages have their own inputs and methods); they always recompute in
full.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import polars as pl

from .aggregate import RollupIndex
from .factors.resolve import C_TO_CO2

__all__ = ["PLAN_FILE", "RecomputePlan", "plan_supported", "signature", "make_plan", "save_plan", "load_plan", "apply_plan"]

PLAN_FILE = "recompute_index.npz"
FORMAT = 1
_NO_PLAN_TABLES = ("sinks", "gap_filling", "reference_approach", "uncertainty")

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


def plan_supported(cfg, n_deposits: int) -> bool:
    """Whether a run's result can be recomputed by :func:`apply_plan` (module doc)."""
    return n_deposits == 0 and not any(t in cfg.extra for t in _NO_PLAN_TABLES)


def signature(sets, cfg, keys) -> str:
    """sha256 of everything the positions depend on besides the cube (kept beside them in the run
    folder, both hashed in its manifest): each set's rules without values, its activity classes
    and its count of sink and waste rows, the year fallback, entities and the notation keys."""
    h = hashlib.sha256()
    h.update(json.dumps([FORMAT, cfg.year_fallback, bool(cfg.keep_entity), [repr(k) for k in keys]]).encode())
    for s in sets:
        h.update(json.dumps([s.name, sorted((a, m.get("fuel_class")) for a, m in s.activities.items()),
                             len(s.sink_rules), len(s.waste_rules)]).encode())
        for r in s.rules:
            h.update(f"\x1e{r.kind}\x1f{r.activity}\x1f{r.key}\x1f{r.sector}\x1f{r.region}\x1f{r.year_from}\x1f{r.year_to}"
                     f"\x1f{r.den_dim}".encode())
    return h.hexdigest()


def make_plan(sig: str, em: dict, rollup: RollupIndex, links: dict, trace: dict, first: np.ndarray, sets) -> RecomputePlan:
    """The plan of a compile from what its stages handed over (``compute_emissions(index=...)``,
    ``build_inventory(index=True)``, ``run_checks(links=...)``, ``factors_used(index=...)``).

    Without entities every factor row is one emission row: the (cube row, factor row) pairs are
    kept sorted by factor row (stable, so each row's terms keep their order) with ``f_starts``."""
    from .kernels.rollup import csr

    kept = {k: em[k] for k in _EM}
    if "em_order" in em:  # per entity: pairs in compute order, summed through em_order / em_starts
        kept.update(det_f=em["det_f"], em_order=em["em_order"], em_starts=em["em_starts"])
    else:
        f_starts, order = csr(em["det_f"], em["f_cell"].size)
        kept.update(f_starts=f_starts, det_row=em["det_row"][order], ncv_pow=em["ncv_pow"][order], dens_pow=em["dens_pow"][order])
    return RecomputePlan(sig, kept, list(em["gas_names"]), rollup, links, trace["meta"], trace["meta_keys"], first,
                         {s.name: s.version for s in sets})


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


def save_plan(plan: RecomputePlan, path: Path) -> None:
    arrays = {f"em.{k}": _small(v) for k, v in plan.em.items()}
    arrays.update({f"rollup.{k}": _small(v) for k, v in plan.rollup.arrays().items()})
    arrays.update({f"links.{k}": _small(v) for k, v in plan.links.items()})
    arrays.update(meta=_small(plan.meta), meta_keys=plan.meta_keys, meta_first=_small(plan.meta_first))
    head = {"format": FORMAT, "signature": plan.signature, "gas_names": plan.gas_names, "versions": plan.versions}
    with open(path, "wb") as f:
        np.savez(f, head=np.array(json.dumps(head)), **arrays)


def load_plan(path: Path) -> RecomputePlan | None:
    """The plan in ``path``, or None when it was written by another format version."""
    with np.load(path, allow_pickle=False) as z:
        head = json.loads(str(z["head"]))
        if head.get("format") != FORMAT:
            return None
        a = {k: z[k] for k in z.files}
    part = {p: {k.split(".", 1)[1]: v for k, v in a.items() if k.startswith(p + ".")} for p in ("em", "rollup", "links")}
    return RecomputePlan(head["signature"], part["em"], head["gas_names"], RollupIndex.from_arrays(part["rollup"]), part["links"],
                         a["meta"], a["meta_keys"], a["meta_first"], head["versions"])


def _emissions(plan: RecomputePlan, cells: pl.DataFrame, rules, gwps: dict) -> tuple[np.ndarray, np.ndarray]:
    """(emissions_t, co2e_t) per emission row: the arithmetic of :func:`ghginv.compute.compute_emissions`
    on the kept positions, with the rules' new values."""
    from .kernels.energy import activity_emissions
    from .kernels.rollup import indexed_emissions

    e = plan.em
    norm = np.array([r.value_norm for r in rules], dtype=np.float64)
    gas_gwp = np.array([gwps[g] for g in plan.gas_names], dtype=np.float64)
    amount = cells["amount"].to_numpy()
    if "em_order" not in e:  # one emission row per factor row: added in the kernel, in order
        return indexed_emissions(e["f_starts"], e["det_row"], e["f_cell"], e["f_gas"], e["f_rule"], e["f_rule2"], e["cell_ncv_rule"],
                                 e["cell_dens_rule"], amount, e["unit_scale"], e["ncv_pow"], e["dens_pow"], norm, C_TO_CO2, gas_gwp)
    r1, r2 = e["f_rule"], e["f_rule2"]
    f_value = norm[r1] * np.where(r2 >= 0, norm[np.maximum(r2, 0)] * C_TO_CO2, 1.0)  # as resolve does
    per_cell = [np.where(rule >= 0, norm[np.maximum(rule, 0)], np.nan) for rule in (e["cell_ncv_rule"], e["cell_dens_rule"])]
    row, fidx = e["det_row"], e["det_f"]
    dcell = e["f_cell"][fidx]
    emis = activity_emissions(amount[row], e["unit_scale"][row], per_cell[0][dcell], e["ncv_pow"], per_cell[1][dcell], e["dens_pow"],
                              f_value[fidx])
    co2e = emis * gas_gwp[e["f_gas"][fidx]]
    order, starts = e["em_order"], e["em_starts"]  # per entity: as compute_emissions adds them
    return np.add.reduceat(emis[order], starts), np.add.reduceat(co2e[order], starts)


def _factors_used(plan: RecomputePlan, old: pl.DataFrame, rules, sets) -> pl.DataFrame:
    """The old run's factors_used with the descriptions (value, unit, source …) of the new rules;
    only the columns in which some description changed are gathered again."""
    from .trace import META, SCHEMA, describe

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


def apply_plan(plan: RecomputePlan, old, config, inventory) -> object | None:
    """Recompute the run ``old`` (:class:`ghginv.recompute.RunFolder`) with ``config``'s factor sets
    and GWPs on ``plan``; None when the new sets change the structure (then recompute in full).
    ``inventory``: the :class:`ghginv.inventory.Inventory` whose named stages time the work."""
    from .analysis import analysis_wanted, run_analysis
    from .conservation import run_checks
    from .gwp import gwp_table
    from .inventory import InventoryResult
    from .notation import notation_settings

    cfg, stage = config, inventory._stage
    with stage("factors"):
        gwps = gwp_table(cfg.gwp)
        keys = notation_settings(cfg)
        sets = inventory.load_factor_sets()
        if signature(sets, cfg, keys) != plan.signature:
            return None
        missing = sorted(set(plan.gas_names) - set(gwps))
        if missing:
            return None  # the full path names the problem
        rules = [r for s in sets for r in s.rules]
    cube = old.cube
    with stage("emissions"):
        e_t, c_t = _emissions(plan, cube.cells, rules, gwps)
        emissions = old.frame("emissions.parquet").with_columns(pl.Series("emissions_t", e_t), pl.Series("co2e_t", c_t))
    with stage("trace"):
        used = _factors_used(plan, old.frame("factors_used.parquet"), rules, sets)
    with stage("inventory"):
        values = plan.rollup.values(e_t, c_t)
        inv = old.frame("inventory.parquet").with_columns(plan.rollup.columns(values))
    with stage("checks"):
        checks = run_checks(cube, emissions, inv, None, links=plan.links, values=(values[1], c_t))
    analysis = run_analysis(cfg, emissions, cube.cells, sets, stage) if analysis_wanted(cfg) else None
    return InventoryResult(cfg, emissions, inv, used, cube, sets, inventory.timings, old.manifest.get("inputs", []), checks=checks,
                           analysis=analysis, notation_keys=keys, plan=replace(plan, versions={s.name: s.version for s in sets}))
