"""Explained recalculations: why did a number change between two runs?

``diff_runs(OLD, NEW)`` returns, per year, region, scope, category (every level of the IPCC tree)
and gas, ``old_co2e_t``, ``new_co2e_t``, ``delta_co2e_t`` and an additive decomposition

    delta = activity_effect + factor_effect + gwp_effect

by **sequential substitution in a fixed order** (activity data, then factors, then GWPs), with
the intermediate states actually recomputed from the cached cubes:

    E0 = old cube × old factors × old GWP          (the old run)
    E1 = new cube × old factors × old GWP          activity_effect = E1 − E0
    E2 = new cube × new factors × old GWP          factor_effect   = E2 − E1
    E3 = new cube × new factors × new GWP          gwp_effect      = E3 − E2  (the new run)

Why this method: the effects telescope, so they sum to the delta with no residual term (LMDI also
has none, but needs logarithms of every quantity and fails on zeros, i.e. on categories that
appear or vanish — common in recalculations); each intermediate state is a real inventory a
reviewer can reproduce; and the order follows how a bureau explains a recalculation (new data
first, then new factors, then a new metric). A pure GWP change therefore lands entirely in
``gwp_effect``, and a pure data revision entirely in ``activity_effect``. The order matters for
interaction terms (a category whose activity *and* factor both changed); the documented order
is fixed so results are reproducible.

Old factors come from the old run's own snapshot (``factor_sets/``), so edits to the shared sets
after the old run do not blur the attribution. E1 values the new cube with the old sets *alone*
and the old run's year fallback — exactly as the old run resolved them — so a cell whose activity
did not change has an activity effect of exactly 0, whatever the new sets hold: a new set's factor
for the cell's own year where the old run used a nearest-year fallback, or a gas the old sets did
not give, is factor effect. Only what the old sets cannot value at all (an activity, unit, region
or year they do not cover) is valued with the new sets placed after the old ones; that is new
activity, so its whole contribution counts as activity effect. The same holds for first-order
decay (4.A) and the carbon-sink rows. With identical cubes E1 = E0, with identical factor sets
E2 = E1, bit for bit.

``changed_factors`` lists, per (year, region, sector, activity) and gas or conversion, the factor
rows whose value, unit, set or row differ between the runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import polars as pl

from ..core._frames import encode, group_sum, group_sum_codes, narrow_codes, rank_codes
from ..core.config import RunConfig
from ..core.gwp import GwpSet
from ..factors import load_factor_set
from ..methods.emissions import activity_classes, compute_emissions
from ..pipeline.aggregate import _rollup, category_names
from ..pipeline.characterise import characterise
from ..runfolder import check_output_file, replace_file, update_run, write_parquet
from .folder import load_run

__all__ = ["diff_runs", "diff_result", "RECALC_COLUMNS", "write_recalculation", "attach_recalculation", "recalculation_tables", "METHOD"]

METHOD = "sequential substitution in a fixed order: activity data, then factor sets, then GWPs (ghginv.rerun.recalc)"

KEYS = ["year", "region", "scope", "sector", "activity", "gas"]
EFFECTS = ["activity_effect_t", "factor_effect_t", "gwp_effect_t"]
RECALC_COLUMNS = ["year", "region", "scope", "category", "level", "category_name", "gas",
                  "old_co2e_t", "new_co2e_t", "delta_co2e_t", *EFFECTS]


def _emissions(cells: pl.DataFrame, sets, gwp: GwpSet, fallback: str, name: str, cfg: RunConfig,
               activity_rows=None, summed: bool = True) -> pl.DataFrame | None:
    """CO2e per KEYS of ``cells`` with ``sets`` and ``gwp``: activity × factor plus first-order decay
    (its settings from ``cfg``, the new run's config), each emission row characterised as in a
    compile. ``activity_rows(gwp, classes)``: the activity × factor rows (KEYS, co2e_t) when already
    known. The fuel classes (for a GWP set that splits CH4 by origin) are those of ``sets``.
    ``summed=False``: the emission rows (KEYS, co2e_t) before they are summed per KEYS (None
    without any)."""
    from ..methods.waste_fod import fod_for_recalc  # 4.A deposits: first-order decay, not activity × factor

    classes = activity_classes(sets)
    cells, fod = fod_for_recalc(cells, sets, cfg)
    if activity_rows is not None:
        parts = [activity_rows(gwp, classes)]
    elif cells.height:
        parts = [_factor_rows(cells, sets, fallback, gwp, classes)]
    else:
        parts = []
    if fod is not None:
        parts.append(characterise(fod, gwp, classes).select(*KEYS, "co2e_t"))
    if not summed:
        return pl.concat(parts) if parts else None
    return _summed(parts, name)


def _summed_alike(states: list[pl.DataFrame | None]) -> tuple[pl.DataFrame, dict | None] | None:
    """The states' emission rows (KEYS, co2e_t each) summed per KEYS in one pass, as columns
    ``year``, ``e0``, ``e1`` … — when every state has the same keys in the same rows (a recompute on kept
    positions without sink rows: the same emission rows with other values); else None. With the
    summed rows, their string keys as codes (:func:`_group_sum_coded`), which stand for those
    columns in the roll-up.

    One :func:`ghginv.core._frames.group_sum` over the value columns side by side adds each column
    in the same order as a sum of each state on its own (the same groups, the same bits), with the
    keys ordered once instead of once per state."""
    first = states[0]
    if any(s is None or s.height != first.height for s in states):
        return None
    if not all(s[k].equals(first[k]) for s in states[1:] for k in KEYS):
        return None
    side = first.select(*KEYS, *(s["co2e_t"].alias(f"e{i}") for i, s in enumerate(states)))
    return _group_sum_coded(side, [f"e{i}" for i in range(len(states))], keep=["year"])


def _group_sum_coded(df: pl.DataFrame, values: list[str], keep: list[str] | None = None) -> tuple[pl.DataFrame, dict | None]:
    """:func:`ghginv.core._frames.group_sum` of ``values`` per KEYS (the same groups, order and bits),
    and the summed rows' region, scope, sector and gas as codes (column -> (sorted distinct values, int32
    code per row): :func:`ghginv.core._frames.encode`'s codes, in half the bytes) for the roll-up, which
    then does not encode them again; None without rows. ``keep``: the key columns the summed rows keep as
    columns (default every KEYS column; the roll-up needs only ``year`` besides the codes), the others
    being given by their codes alone. Each column's codes of every row are dropped once its summed rows'
    codes are taken (~13 MiB a column at 1.6 M rows less at the recalculation's peak)."""
    if df.height == 0:
        return group_sum(df, KEYS, values), None
    enc = {}
    for k in KEYS:  # each column's codes narrowed once encoded: 1-2 bytes a row instead of 8 while every key
        if df[k].dtype == pl.String:  # column's codes are held together (~55 MiB less at 1.6 M rows)
            v, c = encode(df[k])
            enc[k] = (v, narrow_codes(v, c))
    out, first = group_sum_codes(df, KEYS if keep is None else keep, values,
                                 [enc[k][1] if k in enc else rank_codes(df[k]) for k in KEYS])
    coded = {}
    for k in ("region", "scope", "sector", "gas"):  # what the roll-up reads; a code is below 2**31 (one per distinct value)
        if k in enc:
            vals, codes = enc.pop(k)
            coded[k] = (vals, codes.astype(np.int32)[first])
    return out, coded


def _factor_rows(cells: pl.DataFrame, sets, fallback: str, gwp: GwpSet, classes=None) -> pl.DataFrame:
    """The activity × factor rows (KEYS, co2e_t) of ``cells`` with ``sets``: per entity when the
    cube keeps entities, as the run summed them (so an unchanged cell sums to the run's bits)."""
    keep = "entity_id" in cells.columns
    return characterise(compute_emissions(cells, sets, fallback, keep_entity=keep)[0], gwp, classes).select(*KEYS, "co2e_t")


def _summed(parts: list[pl.DataFrame], name: str) -> pl.DataFrame:
    if not parts:
        return pl.DataFrame(schema={**_KEY_TYPES, name: pl.Float64})
    return group_sum(pl.concat(parts), KEYS, ["co2e_t"]).rename({"co2e_t": name})


_KEY_TYPES = {"year": pl.Int32, "region": pl.String, "scope": pl.String, "sector": pl.String, "activity": pl.String, "gas": pl.String}


def _old_factor_emissions(cells: pl.DataFrame, old_cells: pl.DataFrame, old_sets, new_sets, gwp: GwpSet, fallback: str,
                          cfg: RunConfig) -> pl.DataFrame:
    """E1: the new cube at the old factors (CO2e per KEYS as ``"e1"``).

    The old run's sets alone, with its year fallback, value every cell they can — as the old run
    resolved it, so an unchanged cell gives the old run's number bit for bit. The new sets (after
    the old ones) value only what the old sets cannot: all at once when the old sets value the whole
    cube (the common case), else per group of cells — the 4.A cells of an activity (one
    first-order-decay series), its cells that the old cube has, its cells that are new — so a cell
    the old sets cover never takes a factor from the new sets. (Resolving the old sets and the new
    ones together, as this did before, let a new set's factor for the cell's own year beat the old
    sets' nearest-year fallback and let the new sets add a gas, booking a factor change as activity
    effect.) With entities in the cube, rows are valued per entity, as the runs summed them.
    """
    from ..core.errors import GhgInvError
    from ..methods.waste_fod import fod_emissions, split_deposits

    def state(part: pl.DataFrame, sets) -> list[pl.DataFrame]:
        other, dep = split_deposits(part, sets)
        classes = activity_classes(sets)  # for a GWP set that splits CH4 by origin
        out = [_factor_rows(other, sets, fallback, gwp, classes)] if other.height else []
        if dep.height:  # the reported years follow the whole cube, not the part
            fod = fod_emissions(dep, split_deposits(cells, sets)[0], sets, cfg)[0]
            out.append(characterise(fod, gwp, classes).select(*KEYS, "co2e_t"))
        return out

    try:
        return _summed(state(cells, old_sets), "e1")
    except GhgInvError:
        pass
    cell = ["year", "region", "sector", "activity"]
    seen = old_cells.select(cell).unique().with_columns(pl.lit(True).alias("_old"))
    groups = cells.join(seen, on=cell, how="left", nulls_equal=True, maintain_order="left").with_columns(
        pl.when(pl.col("sector").eq("4.A") | pl.col("sector").str.starts_with("4.A.")).then(pl.lit(2))
        .when(pl.col("_old").fill_null(False)).then(pl.lit(1)).otherwise(pl.lit(0)).alias("_group")
    ).drop("_old")
    parts: list[pl.DataFrame] = []
    for _, part in groups.group_by("activity", "_group", maintain_order=True):
        part = part.drop("_group")
        try:
            parts.extend(state(part, old_sets))
        except GhgInvError:  # what the old sets cannot value at all: new activity, valued with the new sets after them
            parts.extend(state(part, old_sets + new_sets))
    return _summed(parts, "e1")


def _sink_rows(ncfg: RunConfig, old_sets, new_sets, fallback: str):
    """The new sink data with the old sets alone, or with the new sets after them when the old sets
    lack a parameter (t of gas, or None without sink data)."""
    from ..core.errors import GhgInvError
    from ..methods.sinks import sink_emissions

    try:
        return sink_emissions(ncfg, old_sets, fallback)
    except GhgInvError:
        return sink_emissions(ncfg, old_sets + new_sets, fallback)


def diff_runs(old_dir: str | os.PathLike, new_dir: str | os.PathLike) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Explain the change between two runs: activity, factor and GWP effects per category.

    Sequential substitution in a fixed order (activity data, then factor sets, then GWPs), each
    intermediate state recomputed from the runs' cached cubes, so the three effects sum to the
    change with no residual (see the module doc). Nothing is written.

    Parameters
    ----------
    old_dir, new_dir : str or os.PathLike
        Run folders written by ``ghginv compile`` or ``ghginv recompute``; the old run's own
        snapshot of its factor sets is used for the old factors.

    Returns
    -------
    recalculation : polars.DataFrame
        Per year, region, scope, IPCC category (every level) and gas: ``old_co2e_t``,
        ``new_co2e_t``, ``delta_co2e_t``, ``activity_effect_t``, ``factor_effect_t`` and
        ``gwp_effect_t`` [t CO2e] (the columns of ``recalculation.parquet``).
    changed_factors : polars.DataFrame
        The factor rows whose value, unit, set or row differ between the runs
        (``recalculation_factors.parquet``).

    Raises
    ------
    InputFileError
        A folder is not a run folder, or its cached cube changed after the run.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1
       Ch 5 "Time series consistency", Section 5.2 (recalculations, explaining their reasons).

    Examples
    --------
    >>> recalc, changed = ghginv.diff_runs("out/2024", "out/2024_ar6")                     # doctest: +SKIP
    >>> recalc.filter(pl.col("level") == 0).select("year", "scope", "gwp_effect_t")         # doctest: +SKIP
    """
    new = load_run(new_dir)
    return _diff(load_run(old_dir), new.cube.cells, [load_factor_set(p) for p in new.set_paths], new.run_config(),
                 new.frame("emissions.parquet"), new.frame("factors_used.parquet"))


def diff_result(old_dir: str | os.PathLike, result, release: bool = False, changed=None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:func:`diff_runs` against a result not yet written (:class:`~ghginv.pipeline.inventory.InventoryResult`).

    A result recomputed on kept positions gives its activity rows at the old GWPs from them (the same
    numbers as resolving its sets again).

    Parameters
    ----------
    old_dir : str or os.PathLike
        The old run folder (its own snapshot of its factor sets gives the old factors).
    result : InventoryResult
        The new result (cube, sets, configuration, emissions, factors_used).
    release : bool, default False
        Drop the old run folder's tables (:meth:`ghginv.rerun.folder.RunFolder.release_frames`) as soon as
        the four states are summed, before their roll-up: for a folder opened for this recompute only.
    changed : callable, optional
        ``changed()`` gives the changed factor rows (:func:`changed_factors` of the old run's and the result's
        ``factors_used``), called once the state after the activity effect is computed, before the other states
        (the command-line recompute, which then cuts ``result.factors_used`` after the kernel has read the kept
        positions for that state: :func:`ghginv.rerun.recompute.recompute`); ``result.factors_used`` is then not read.

    Returns
    -------
    recalculation : polars.DataFrame
        As :func:`diff_runs`: old, new and delta CO2e and the activity, factor and GWP effects
        [t CO2e] per year, region, scope, category and gas.
    changed_factors : polars.DataFrame
        The factor rows whose value, unit, set or row differ between the runs.

    Raises
    ------
    InputFileError
        When ``old_dir`` is not a run folder, or its cached cube changed after the run.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1
       Ch 5 "Time series consistency", Section 5.2 (recalculations, explaining their reasons).
    """
    from functools import partial

    src = result.source  # the folder the recompute read (its tables read once): no second read
    old = src if src is not None and Path(src.path).resolve() == Path(old_dir).resolve() else load_run(old_dir)
    old_sets = old.factor_sets()  # loaded once per run folder (the energy-activity stage may have loaded them)
    release = release or old is not src
    new_rows = old_rows = None
    if result.recompute_path == "kept_positions" and not result.config.keep_entity:
        # the rows' keys and new emissions_t, gathered once for both states (only those columns)
        keys = result.plan.activity_rows(result.emissions.select(*KEYS, "emissions_t"))
        new_rows = partial(_plan_rows, result, keys)
        if _positions_fit(result, old_sets, old.run_config()):  # the old values through the same positions (their
            # pages given back as soon as the kernel has read them, with release)
            old_rows = partial(_plan_rows, result, keys, sets=old_sets, read=partial(old.release_plan_pages, "em") if release else None)
    return _diff(old, result.cube.cells, result.sets, result.config, result.emissions, result.factors_used if changed is None else None,
                 activity_rows=new_rows, old_activity_rows=old_rows, old_sets=old_sets, release=release, changed=changed)


def _positions_fit(result, old_sets, old_config: RunConfig) -> bool:
    """Whether the old run's factor sets resolve the result's cells to the same positions as its
    own sets: their rules differ only in values (the kept positions' signature) and the year
    fallback is the same. Then the old sets alone (the state after the activity effect) resolve
    every (cell, gas) to the rule at the same position of the old sets."""
    from ..pipeline.positions import signature

    cfg = result.config
    return old_config.year_fallback == cfg.year_fallback and signature(old_sets, cfg, result.notation_keys) == result.plan.signature


def _plan_rows(result, keys: pl.DataFrame, gwp: GwpSet, classes, sets=None, read=None) -> pl.DataFrame:
    """The result's activity × factor rows (KEYS, co2e_t) with the values of ``sets`` (default: its
    own) and ``gwp`` (``classes``: fuel class per activity), on its kept positions; ``keys``: the
    rows' KEYS and ``emissions_t`` (``result.plan.activity_rows`` of the emissions' columns). With its own
    sets, the rows' ``emissions_t`` are those values already (the stages computed them on the same positions
    with the same sets: :func:`ghginv.pipeline.positions.activity_values`, the same bits): not computed again.
    ``read()``: called once the positions are read (with ``sets``)."""
    from ..methods.waste_fod import split_deposits
    from ..pipeline.positions import activity_values

    if sets is not None:
        ef_cells = split_deposits(result.cube.cells, result.sets)[0]
        e_t = activity_values(result.plan, ef_cells, [r for s in sets for r in s.rules])
        if read is not None:
            read()
        keys = keys.with_columns(pl.Series("emissions_t", e_t))
    return characterise(keys, gwp, classes).select(*KEYS, "co2e_t")


def _diff(old, new_cells: pl.DataFrame, new_sets, ncfg: RunConfig, new_emissions: pl.DataFrame, new_used: pl.DataFrame | None,
          activity_rows=None, old_activity_rows=None, old_sets=None, release: bool = False, changed=None):
    """``activity_rows(gwp, classes)`` / ``old_activity_rows(gwp, classes)``: the activity × factor rows of the new
    state (new sets) and of the state after the activity effect (old sets alone), when the kept
    positions give them (:func:`diff_result`); else they are resolved on the cube. ``old_sets``:
    the old run's factor sets when the caller has loaded them already. ``ncfg``: the new run's
    config; the old run's comes from its manifest. ``release``: drop ``old``'s tables once the states are
    summed (:func:`diff_result`). ``changed()``: the changed factor rows, computed elsewhere (``new_used`` None), called
    once the state after the activity effect is computed (:func:`_recalc_rows` ``between``)."""
    from concurrent.futures import ThreadPoolExecutor

    if old_sets is None:
        old_sets = old.factor_sets()
    if changed is not None:
        box = []
        recalc = _recalc_rows(old, new_cells, new_sets, ncfg, new_emissions, activity_rows, old_activity_rows, old_sets, release,
                              between=lambda: box.append(changed()))
        return recalc, box[0]
    if not old.has_frame("factors_used.parquet"):  # not read yet (the full path): read once the states are rolled up
        recalc = _recalc_rows(old, new_cells, new_sets, ncfg, new_emissions, activity_rows, old_activity_rows, old_sets, release)
        return recalc, changed_factors(old.frame("factors_used.parquet"), new_used)
    with ThreadPoolExecutor(1, thread_name_prefix="ghginv-recalc") as pool:
        # the changed factor rows (polars, ~0.15 s CPU at 1.6 M rows) on the other core while the states are summed
        # and rolled up (numpy and pyarrow: both release the GIL); the same rows, whichever finishes first
        changed = pool.submit(changed_factors, old.frame("factors_used.parquet"), new_used)
        recalc = _recalc_rows(old, new_cells, new_sets, ncfg, new_emissions, activity_rows, old_activity_rows, old_sets, release)
        return recalc, changed.result()


def _recalc_rows(old, new_cells: pl.DataFrame, new_sets, ncfg: RunConfig, new_emissions: pl.DataFrame, activity_rows, old_activity_rows,
                 old_sets, release: bool = False, between=None) -> pl.DataFrame:
    """The ``recalculation`` table of :func:`_diff` (its arguments). With ``release``, the old run's tables
    (and its kept positions' pages) are dropped once the states are summed: the roll-up, whose index arrays
    are the largest of the recalculation (~500 MiB at 1.2 M cube cells), does not run beside them. ``between()``:
    called once the state after the activity effect is computed on the kept positions (their pages given back), before
    the other states (else first)."""
    ocfg = old.run_config()
    old_gwp = ocfg.gwp_set
    s1 = _sink_rows(ncfg, old_sets, new_sets, ocfg.year_fallback)  # sink rows (not in the cube): new sink data, old sets
    rows = raw1 = raw2 = enc = None
    if old_activity_rows is not None and s1 is None:  # kept positions: the same rows in every state, summed in one pass
        # (with release, the positions' "em" pages are given back by old_activity_rows once its kernel has read them:
        # diff_result's _plan_rows ``read``)
        raw1 = _emissions(new_cells, old_sets, old_gwp, ocfg.year_fallback, "e1", ncfg, old_activity_rows, summed=False)
        if between is not None:
            between, call = None, between
            call()
        raw2 = _emissions(new_cells, new_sets, old_gwp, ncfg.year_fallback, "e2", ncfg, activity_rows, summed=False)
        if release:  # the states' values are read through the positions: their pages not held while the states are summed
            old.release_plan_pages()
        rows, enc = _summed_alike([old.frame("emissions.parquet"), raw1, raw2, new_emissions]) or (None, None)
        if rows is not None:
            raw1 = raw2 = None  # summed: not kept through the roll-up
    if between is not None:  # not called above (no state on the kept positions)
        between()
    if rows is None:
        rows = _states(old, new_cells, old_sets, new_sets, ocfg, ncfg, new_emissions, activity_rows, old_activity_rows, s1, raw1, raw2)
    if release:  # every state is summed: the old tables are not read again (the changed factor rows hold their own)
        old.release_frames()
    rows = rows.with_columns(pl.col(c).fill_null(0.0) for c in ("e0", "e1", "e2", "e3")).with_columns(
        (pl.col("e1") - pl.col("e0")).alias("activity_effect_t"),
        (pl.col("e2") - pl.col("e1")).alias("factor_effect_t"),
        (pl.col("e3") - pl.col("e2")).alias("gwp_effect_t"),
        pl.col("e0").alias("old_co2e_t"),
        pl.col("e3").alias("new_co2e_t"),
    )
    values = ["old_co2e_t", "new_co2e_t", *EFFECTS]
    rolled, _, codes = _rollup(rows, tuple(values), {k: enc[k] for k in ("region", "scope", "sector", "gas")} if enc else None,
                               keep_index=False)
    rows = enc = None  # rolled up: the rows and their codes are not kept through what follows
    names = category_names(*codes.pop("category"))
    codes = None
    rolled = rolled.with_columns(
        # the delta is the sum of the effects, so the decomposition adds up exactly
        (pl.col("activity_effect_t") + pl.col("factor_effect_t") + pl.col("gwp_effect_t")).alias("delta_co2e_t"),
        names,
    )
    recalc = rolled.select(RECALC_COLUMNS)
    keys = ["year", "region", "scope", "category", "gas"]
    if any(recalc[k].null_count() for k in keys):  # the roll-up's order puts nulls last, polars' sort first
        recalc = recalc.sort(keys)
    return recalc


def _states(old, new_cells, old_sets, new_sets, ocfg: RunConfig, ncfg: RunConfig, new_emissions, activity_rows, old_activity_rows, s1,
            raw1=None, raw2=None) -> pl.DataFrame:
    """E0 … E3 (module doc) summed per KEYS each, side by side (``e0`` … ``e3``; null where a state
    has no row). ``s1``: the new sink rows with the old sets (or None); ``raw1``/``raw2``: the
    unsummed rows of E1/E2 when already computed."""
    from ..methods.sinks import sink_emissions

    e0 = group_sum(old.frame("emissions.parquet"), KEYS, ["co2e_t"]).rename({"co2e_t": "e0"})
    old_gwp = ocfg.gwp_set
    if raw1 is not None:
        e1 = _summed([raw1], "e1")
    elif old_activity_rows is not None:  # kept positions: the old sets' values through them
        e1 = _emissions(new_cells, old_sets, old_gwp, ocfg.year_fallback, "e1", ncfg, old_activity_rows)
    else:
        e1 = _old_factor_emissions(new_cells, old.cube.cells, old_sets, new_sets, old_gwp, ocfg.year_fallback, ncfg)
    e2 = _summed([raw2], "e2") if raw2 is not None else _emissions(new_cells, new_sets, old_gwp, ncfg.year_fallback, "e2", ncfg, activity_rows)
    if s1 is not None:
        s2 = sink_emissions(ncfg, new_sets, ncfg.year_fallback)
        c1, c2 = activity_classes(old_sets + new_sets), activity_classes(new_sets)
        e1 = group_sum(pl.concat([e1, characterise(s1, old_gwp, c1).select(*KEYS, pl.col("co2e_t").alias("e1"))]), KEYS, ["e1"])
        e2 = group_sum(pl.concat([e2, characterise(s2, old_gwp, c2).select(*KEYS, pl.col("co2e_t").alias("e2"))]), KEYS, ["e2"])
    e3 = group_sum(new_emissions, KEYS, ["co2e_t"]).rename({"co2e_t": "e3"})

    later = (e1, e2, e3)
    if all(e.height == e0.height and all(e[k].equals(e0[k]) for k in KEYS) for e in later):
        rows = pl.concat([e0, *(e.drop(KEYS) for e in later)], how="horizontal")  # the same rows, sorted alike: no join
    else:
        rows = e0
        for e in later:
            rows = rows.join(e, on=KEYS, how="full", coalesce=True, nulls_equal=True)
    return rows


def changed_factors(old: pl.DataFrame, new: pl.DataFrame) -> pl.DataFrame:
    """Factor and conversion rows that differ between two runs' ``factors_used``."""
    keys = ["year", "region", "sector", "activity", "kind", "item"]
    cols = ["factor_set", "set_version", "factor_year", "value", "unit", "status", "source", "rule"]
    o = old.select(keys + cols).rename({c: f"old_{c}" for c in cols})
    n = new.select(keys + cols).rename({c: f"new_{c}" for c in cols})
    if o.height == n.height and all(o[k].equals(n[k]) for k in keys) and _unique_rows(o.select(keys)):
        j = pl.concat([o, n.drop(keys)], how="horizontal")  # the same rows in the same order (a recompute): no join
    else:
        j = o.join(n, on=keys, how="full", coalesce=True)
    differs = pl.lit(False)
    for c in ("factor_set", "set_version", "factor_year", "value", "unit", "rule"):
        differs = differs | pl.col(f"old_{c}").ne_missing(pl.col(f"new_{c}"))
    change = (
        pl.when(pl.col("old_rule").is_null()).then(pl.lit("added"))
        .when(pl.col("new_rule").is_null()).then(pl.lit("removed"))
        .otherwise(pl.lit("changed"))
    )
    return j.filter(differs).with_columns(change.alias("change")).sort(keys)


def _unique_rows(df: pl.DataFrame) -> bool:
    """Whether no two rows of ``df`` are equal. Distinct row hashes prove it at once (counted by
    polars' hash set of the hashes: no sort of the rows or of the hashes); equal hashes (a repeated row,
    or a collision) are decided exactly."""
    h = df.hash_rows()
    if h.len() < 2 or h.n_unique() == h.len():
        return True
    return bool(df.is_unique().all())


def write_recalculation(recalc: pl.DataFrame, changed: pl.DataFrame, out_file: str | os.PathLike) -> Path:
    """Write ``recalculation.parquet`` and, beside it, ``recalculation_factors.parquet``, outside a
    run folder (``ghginv diff --out FILE``); each file appears complete or not at all
    (:func:`ghginv.runfolder.replace_file`).

    Parameters
    ----------
    recalc, changed : polars.DataFrame
        The two tables of :func:`diff_runs`.
    out_file : str or os.PathLike
        The recalculation file; the factor rows go to ``<stem>_factors.parquet`` beside it.

    Returns
    -------
    pathlib.Path
        ``out_file``.

    Raises
    ------
    ConfigError
        ``out_file`` (or its ``_factors`` file) lies inside a ghginv run folder
        (:func:`ghginv.runfolder.check_output_file`); use :func:`attach_recalculation` to add the
        recalculation to a run. Nothing is written.

    Examples
    --------
    >>> ghginv.write_recalculation(*ghginv.diff_runs("out/a", "out/b"), "rc.parquet")  # doctest: +SKIP
    PosixPath('rc.parquet')
    """
    out = Path(out_file)
    for path in (out, _factors_file(out)):  # a run folder's files change only through update_run
        check_output_file(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    for df, path in ((recalc, out), (changed, _factors_file(out))):
        replace_file(path, lambda p, df=df: write_parquet(df, p))
    return out


def _factors_file(path: Path) -> Path:
    return path.with_name(path.stem + "_factors.parquet")


def attach_recalculation(old_dir: str | os.PathLike, new_dir: str | os.PathLike) -> Path:
    """Explain a run folder against an earlier one, inside the new folder.

    Writes ``recalculation.parquet`` and ``recalculation_factors.parquet`` into ``new_dir`` and
    records them (sha256) and a ``recalculation`` entry (old run, method) in its ``manifest.json``
    (:func:`ghginv.runfolder.update_run`: all or nothing), then rebuilds ``report.html`` /
    ``inventory.xlsx`` when the run has them, so the report gains its "Recalculations" section
    (:mod:`ghginv.report._recalc`). ``ghginv diff OLD NEW`` without ``--out`` calls it.

    Parameters
    ----------
    old_dir, new_dir : str or os.PathLike
        The earlier and the later run folder.

    Returns
    -------
    pathlib.Path
        ``new_dir / "recalculation.parquet"``.

    Raises
    ------
    InputFileError
        A folder is not a run folder, or its cached cube changed after the run.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1
       Ch 5, Section 5.2 (recalculations: report the reason and the effect).

    Examples
    --------
    >>> path = ghginv.attach_recalculation("out/2024", "out/2024_ar6")   # doctest: +SKIP
    >>> pl.read_parquet(path).columns[:4]                               # doctest: +SKIP
    ['year', 'region', 'scope', 'category']
    """
    new = Path(new_dir)
    recalc, changed = diff_runs(old_dir, new)
    path = new / "recalculation.parquet"
    update_run(new, {path.name: lambda p: write_parquet(recalc, p), _factors_file(path).name: lambda p: write_parquet(changed, p)},
               {"recalculation": manifest_entry(old_dir, changed)})
    if (new / "report.html").is_file():
        from ..report import rebuild_reports

        rebuild_reports(new)
    return path


def manifest_entry(old_dir: str | os.PathLike, changed: pl.DataFrame) -> dict:
    """The ``recalculation`` entry of a run's manifest: the old run, the method, the files."""
    return {"old_run": str(Path(old_dir).absolute()), "method": METHOD,
            "files": ["recalculation.parquet", "recalculation_factors.parquet"], "factor_rows_changed": changed.height}


def recalculation_tables(result, release: bool = False, changed=None) -> dict[str, pl.DataFrame]:
    """For a recomputed result: ``recalculation`` and ``recalculation_factors`` against the run it
    was recomputed from, and the manifest entry on ``result.recalculation``.

    They are written with the run and shown in its report; not written when the new run replaces the
    old folder (:meth:`ghginv.pipeline.inventory.InventoryResult.write`).

    Parameters
    ----------
    result : InventoryResult
        A result; ``result.recomputed_from`` names the run it was recomputed from (else nothing).
    release : bool, default False
        Drop the tables of the run folder the recompute read (``result.source``) as soon as the
        recalculation no longer needs them (:func:`diff_result`).
    changed : callable, optional
        Gives the changed factor rows, computed elsewhere (:func:`diff_result`).

    Returns
    -------
    dict of str to polars.DataFrame
        ``recalculation`` [t CO2e] and ``recalculation_factors``; empty when the result was not
        recomputed.
    """
    if not result.recomputed_from:
        return {}
    recalc, changed = diff_result(result.recomputed_from, result, release=release, changed=changed)
    result.recalculation = manifest_entry(result.recomputed_from, changed)
    return {"recalculation": recalc, "recalculation_factors": changed}
