"""The stages of a run, declared once (:data:`STAGES`), and the runner that calls them in order.

A compile, a recompute on a run's kept positions, a recompute in full and a compile on the Dask
engine all run this one list; they differ only in what the :class:`Run` starts with:

========================  ==========================================================
compile                   the config (the ``cube`` stage reads the activity data, on
                          the local streaming builder or on Dask workers)
recompute, full           the config with new sets or GWPs, and the old run's cube
recompute, kept positions the same plus the old run (``old``) and its positions
                          (``kept``): ``emissions``, ``trace``, ``inventory`` and
                          ``checks`` run the arithmetic on the kept positions
                          (:mod:`ghginv.pipeline.positions`) instead of resolving
========================  ==========================================================

A stage runs when its ``when`` holds, named and timed (``manifest.json`` ``stage_seconds``, the
progress display). When the new factor sets change the structure the kept positions stand for,
a stage raises :class:`Fallback` and :func:`run_stages` starts again on the full path.

The order and what each stage adds to the :class:`Run`:

``factors``
    the GWP set, the notation keys and the factor sets (loaded, hashes verified)
``cube``
    the activity cube and the input tally (only when the run does not start with one)
``gap_filling``
    time-series gaps filled in the cube (``[[gap_filling]]``, :mod:`ghginv.pipeline.gapfill`)
``emissions``
    activity × factor per cube cell (:func:`ghginv.methods.emissions.compute_emissions`), or the
    same arithmetic on kept positions
``waste``, ``sinks``
    first-order decay of landfill deposits (4.A), carbon sinks (3.B)
``trace``
    the factor rows used, and all emission rows merged
``characterise``
    ``co2e_t`` = ``emissions_t`` × the GWP of the gas, for every method's rows, in one place
    (:mod:`ghginv.pipeline.characterise`)
``inventory``
    the roll-up over the IPCC tree (:mod:`ghginv.pipeline.aggregate`)
``checks``
    conservation: input = cube, roll-ups, finite values (:mod:`ghginv.pipeline.conservation`)
``positions``
    the positions a later recompute keeps (``recompute_index.bin``)
``reference_approach``, ``uncertainty``, ``energy``/``indicators``/``targets``, ``target_probabilities``
    the analyses the run asks for
``energy_activity``
    for a run without the analysis stages (no ``[economy]``, no ``[[targets]]``): the energy activity by
    sector and fuel in physical units and tce (:func:`ghginv.analysis.stage.energy_activity`; with
    them the ``energy`` stage gives it) and the check of ``[report]``
``tables``
    key categories (Approach 1, and 2 with an uncertainty analysis) and the report's other tables:
    ``energy_activity`` and ``electricity_balance`` (the energy balance's 电力调入调出) for the
    workbook's provincial tables (:mod:`ghginv.report.provincial`)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import polars as pl

from ..analysis.energy import coefficient_sources
from ..analysis.key_categories import key_categories
from ..analysis.notation import notation_settings
from ..analysis.stage import analysis_wanted, energy_activity, run_analysis
from ..core._threads import background
from ..core.config import RunConfig, report_settings, same_name_sets
from ..core.errors import ConfigError
from ..factors.trace import SCHEMA as TRACE_SCHEMA
from ..factors.trace import factors_used
from ..kernels import numpy_run
from ..methods.emissions import activity_classes, compute_emissions
from ..methods.sinks import compute_sinks, sink_settings
from ..methods.waste_fod import fod_emissions, split_deposits
from .activity import build_cube
from .aggregate import build_inventory, report_key_codes
from .characterise import characterise
from .conservation import run_checks
from .cube import Cube
from .merge import merge_rows
from .positions import (
    activity_values,
    kept_detail,
    kept_energy_activity,
    kept_factors_used,
    kept_merge,
    make_plan,
    meta_first,
    plan_supported,
    signature,
)

__all__ = ["Run", "Stage", "STAGES", "Fallback", "run_stages", "check_stages"]


class Fallback(Exception):
    """The kept positions do not hold for the new factor sets: run the full path."""


@dataclass
class Run:
    """What the stages of one run read and add, from the config to the finished tables."""

    config: RunConfig
    progress: Callable | None = None  # callable(stage_name), with .rows(done, total) for a bar
    timings: dict[str, float] = field(default_factory=dict)
    # given at the start (recompute) or added by ``factors`` / ``cube``
    sets: list | None = None
    cube: Cube | None = None
    inputs: list[dict] = field(default_factory=list)
    kept: object = None  # recompute: the old run's positions (RecomputePlan)
    old: object = None  # recompute: the old run folder (ghginv.rerun.folder.RunFolder)
    tally: object = None  # the input tally of the cube stage (conservation)
    keys: list = field(default_factory=list)  # the user's [notation_keys]
    # added by the stages
    input_cube: Cube | None = None
    gap: object = None
    ef_cells: pl.DataFrame | None = None
    deposits: pl.DataFrame | None = None
    index: dict | None = None  # positions recorded for a later recompute (full path)
    emissions: pl.DataFrame | None = None
    detail: pl.DataFrame | None = None
    resolution: object = None
    cells: object = None
    activity_t: object = None  # kept path: emissions_t [t gas] of the activity × factor rows (numpy array)
    rolled: tuple | None = None  # kept path: the roll-up's values (RollupIndex.values) of the emission rows
    waste: tuple | None = None
    sink: object = None
    used: pl.DataFrame | None = None
    n_used: int = 0
    perm: object = None
    inventory: pl.DataFrame | None = None
    rollup: object = None
    # the inventory's and emission rows' key columns as codes (build_inventory), for the checks; after them the inventory's
    # scope, category and gas, for the reports (InventoryResult.key_codes)
    key_codes: dict | None = None
    # the emission rows' region, scope, sector and gas as codes (compute_emissions(codes=)), for the inventory's roll-up;
    # None once other rows join them (waste, sinks) or on kept positions
    em_codes: dict | None = None
    checks: dict = field(default_factory=dict)
    plan: object = None
    reference: object = None
    uncertainty: object = None
    analysis: object = None
    energy_table: pl.DataFrame | None = None  # energy by sector and fuel of a run without analysis (energy_activity stage)
    energy_job: Callable | None = None  # that table computed in a thread from the emissions stage on (core._threads.background): its join
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str):
        """Time the block as stage ``name`` (and tell the progress display)."""
        if self.progress:
            self.progress(name)
        t0 = time.perf_counter()
        yield
        self.timings[name] = time.perf_counter() - t0

    @property
    def on_kept_positions(self) -> bool:
        return self.kept is not None


# --- the stages -----------------------------------------------------------------------------


def _factors(run: Run) -> None:
    cfg = run.config
    run.keys = notation_settings(cfg)  # bad [notation_keys] fail before any work (an unknown GWP set: at config time)
    if run.sets is None:
        from ..factors import load_factor_set

        run.sets = [load_factor_set(p) for p in cfg.factor_sets]
    if cfg.strict_factors:  # a factor-set column no reader takes: an error, not a warning (InventoryResult.warnings)
        from ..core.errors import SchemaError
        from ..factors import strict_problems

        for fs in run.sets:
            if problems := strict_problems(fs):
                raise SchemaError(f"factor set {fs.name!r} has unknown columns ([factors] strict / --strict)", problems)
    twice = same_name_sets([s.path for s in run.sets])  # sets given directly (API) are checked too
    if twice:
        raise ConfigError("factor sets of one run must have different names", twice)
    if cfg.extra.get("energy") is not None:  # a bad [energy] table (a set not in the run) fails before any work
        coefficient_sources(cfg.extra["energy"], run.sets, f"{cfg.source}: [energy]" if cfg.source else "[energy]")
    if run.on_kept_positions and signature(run.sets, cfg, run.keys) != run.kept.signature:
        raise Fallback  # the full path resolves again (and names any problem)


def _cube(run: Run) -> None:
    run.cube, run.inputs, run.tally = build_cube(run.config, run.sets, run.progress)


def _gap_filling(run: Run) -> None:
    from .gapfill import gapfill_stage

    run.cube, run.gap = gapfill_stage(run.config, run.cube)


def _emissions(run: Run) -> None:
    cfg = run.config
    run.ef_cells, run.deposits = split_deposits(run.cube.cells, run.sets)  # 4.A deposits go to the waste stage (first-order decay)
    if not run.ef_cells.height:
        return
    if run.on_kept_positions:
        rules = [r for s in run.sets for r in s.rules]
        run.activity_t = activity_values(run.kept, run.ef_cells, rules)
        _read_through(run, "em")
        return
    # positions kept for a recompute with new values (ghginv.pipeline.positions), when the run's stages allow it
    run.index = {"em": {}, "trace": {}, "links": {}} if plan_supported(cfg) else None
    run.em_codes = {}
    run.emissions, run.detail, run.resolution, run.cells = compute_emissions(
        run.ef_cells, run.sets, cfg.year_fallback, cfg.keep_entity,
        full_detail="uncertainty" in cfg.extra,  # else trace columns only
        index=run.index["em"] if run.index else None, codes=run.em_codes,
        cube_codes=run.cube.codes if run.ef_cells is run.cube.cells else None)  # the codes of these very rows
    if not analysis_wanted(cfg):  # the energy_activity stage will run: its table needs only the cube, the sets and this answer
        # the energy-activity table (mostly polars, which releases the GIL) on the second core while the trace, inventory
        # and checks stages run (mostly numpy); the same table: it reads only the cube's cells, the sets and the
        # emissions' answer, none of which a stage changes
        run.energy_job = background(energy_activity, cfg, run.cube.cells, run.sets, _answer(run), run.cube.codes,
                                    name="ghginv-energy")


def _empty_emissions(keep_entity: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Empty ``emissions`` (before characterisation: no ``co2e_t``) and ``factors_used`` frames of
    a run without activity × factor cells."""
    em = {"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String,
          **({"entity_id": pl.String} if keep_entity else {}), "gas": pl.String, "emissions_t": pl.Float64,
          "factor_set": pl.String, "scope": pl.String, "factor_year": pl.Int32}
    return pl.DataFrame(schema=em), pl.DataFrame(schema=TRACE_SCHEMA)


def _waste(run: Run) -> None:
    run.waste = fod_emissions(run.deposits, run.ef_cells, run.sets, run.config, run.config.keep_entity)


def _sinks(run: Run) -> None:
    run.sink = compute_sinks(run.config, run.sets)
    run.inputs = [i for i in run.inputs if i.get("kind") != "sinks"] + run.sink.inputs  # the sink files as read now


def _read_through(run: Run, part: str) -> None:
    """Kept positions: the resident pages of the plan's ``part`` given back once its stage has read them, when the old
    run's folder was opened for this recompute alone (``RunFolder._scratch``; ~140 MiB at 1.2 M cube cells not held
    through the stages' end: :meth:`ghginv.rerun.folder.RunFolder.release_plan_pages`)."""
    if getattr(run.old, "_scratch", False):
        run.old.release_plan_pages(part)


def _trace(run: Run) -> None:
    if run.on_kept_positions:
        old_used = run.old.frame("factors_used.parquet")
        rules = [r for s in run.sets for r in s.rules]
        used = kept_factors_used(run.kept, old_used.head(run.kept.n_used), rules, run.sets)
        merged = kept_merge(run.kept, run.old.frame("emissions.parquet").drop("co2e_t"), [pl.Series("emissions_t", run.activity_t)],
                            old_used, used, run.waste, run.sink)
        if merged is None:
            raise Fallback  # other sink or waste rows: the kept positions do not hold
        run.emissions, run.used = merged
        return
    if run.ef_cells.height:
        run.used = factors_used(run.detail, run.resolution, run.cells, index=run.index["trace"] if run.index else None)
    else:
        run.emissions, run.used = _empty_emissions(run.config.keep_entity)
    run.n_used = run.used.height
    run.emissions, run.used, run.perm = merge_rows(run.emissions, run.used, run.waste, run.sink)
    if run.perm is not None or not run.ef_cells.height:  # other rows joined (or none were made): the codes no longer hold
        run.em_codes = None


def _characterise(run: Run) -> None:
    # co2e_t of every method's rows, in one place (fuel classes: for a GWP set that splits CH4 by origin)
    run.emissions = characterise(run.emissions, run.config.gwp_set, activity_classes(run.sets))


def _inventory(run: Run) -> None:
    if run.on_kept_positions:
        run.rolled = run.kept.rollup.values(run.emissions["emissions_t"].to_numpy(), run.emissions["co2e_t"].to_numpy())
        # the old inventory's other columns with the new numbers (its old numbers are not read)
        run.inventory = run.old.frame_with("inventory.parquet", run.kept.rollup.columns(run.rolled))
        _read_through(run, "rollup")
        return
    run.key_codes = {}
    enc, run.em_codes = run.em_codes, None  # used once
    run.inventory, run.rollup = build_inventory(run.emissions, run.cube.notation, activity_classes(run.sets), run.keys, index=True,
                                                codes=run.key_codes, enc=enc)


def _checks(run: Run) -> None:
    if run.on_kept_positions:
        run.checks = run_checks(run.cube, run.emissions, run.inventory, None, links=run.kept.links,
                                values=(run.rolled[1], run.emissions["co2e_t"].to_numpy()))
        _read_through(run, "links")
        return
    tally, run.tally = run.tally, None  # this run's tally, used once
    codes, run.key_codes = run.key_codes, None  # the inventory stage's key codes
    run.checks = run_checks(run.input_cube, run.emissions, run.inventory, tally, links=run.index["links"] if run.index else None,
                            codes=codes)
    run.key_codes = report_key_codes(codes["inventory"]) if codes else None  # kept for the reports


def _positions(run: Run) -> None:
    if run.on_kept_positions:
        run.plan = replace(run.kept, versions={s.name: s.version for s in run.sets})
        return
    t = run.index["trace"]
    run.plan = make_plan(signature(run.sets, run.config, run.keys), run.index["em"], run.rollup, run.index["links"], t,
                         meta_first(t["meta"], len(t["meta_keys"])), run.sets, perm=run.perm, n_used=run.n_used)


def _reference_approach(run: Run) -> None:
    from ..methods.reference_approach import reference_stage

    run.reference = reference_stage(run.config, run.emissions, run.sets)


def _uncertainty(run: Run) -> None:
    from ..uncertainty.run import uncertainty_of_result, uncertainty_stage

    if run.on_kept_positions:  # the per-cell detail from the kept positions (plan_detail)
        run.uncertainty = uncertainty_of_result(run, detail_rules=kept_detail(run))
        return
    cfg = run.config
    run.uncertainty = uncertainty_stage(cfg, (run.detail, run.resolution.rules) if run.ef_cells.height else None, run.emissions,
                                        fod=(run.deposits, run.ef_cells, run.sets) if run.deposits.height else None,
                                        classes=activity_classes(run.sets))


def _uncertainty_settings(run: Run) -> None:  # what `ghginv validate` checks of the uncertainty stage
    from ..uncertainty.propagate import uncertainty_settings

    uncertainty_settings(run.config.extra.get("uncertainty"))


def _analysis(run: Run) -> None:  # its own named stages: energy, indicators, targets
    run.analysis = run_analysis(run.config, run.emissions, run.cube.cells, run.sets, run.stage, _answer(run),
                                run.cube.codes)


def _energy_activity(run: Run) -> None:  # the workbook's energy-activity table when the analysis did not compute it
    report_settings(run.config)  # the [report] table, checked here when no analysis stage checked it
    if run.on_kept_positions:  # the run's own table when the new sets leave it as it was
        run.energy_table = kept_energy_activity(run.old, run.sets)
        if run.energy_table is not None:
            return
    job, run.energy_job = run.energy_job, None
    run.energy_table = job() if job is not None else energy_activity(run.config, run.cube.cells, run.sets, _answer(run), run.cube.codes)


def _answer(run: Run):
    """The emissions' factor query answer for the energy coefficients (None when the emissions were
    not resolved in this run: no activity × factor cells, or a recompute on kept positions)."""
    return run.resolution.answer if run.resolution is not None else None


def _target_probabilities(run: Run) -> None:
    from ..uncertainty.targets import add_target_probabilities

    add_target_probabilities(run.uncertainty, run.analysis, run.config, activity_classes(run.sets), cells=run.cube.cells, sets=run.sets)


def _tables(run: Run) -> None:
    unc = run.uncertainty.table if run.uncertainty is not None else None  # adds Approach 2
    run.tables["key_categories"] = key_categories(run.inventory, depth=4, base_year=run.config.base_year, uncertainty=unc,
                                                  codes=run.key_codes)
    if run.reference is not None:
        run.tables["reference_approach"] = run.reference.table
        if run.reference.electricity is not None and run.reference.electricity.height:
            run.tables["electricity_balance"] = run.reference.electricity  # 电力调入调出 of the energy balance
    energy = run.analysis.energy_activity if run.analysis is not None else run.energy_table
    if energy is not None:
        run.tables["energy_activity"] = energy
    if run.gap is not None:
        from .gapfill import with_emissions

        run.tables["gap_filling"] = with_emissions(run.gap, run.emissions)


@dataclass(frozen=True)
class Stage:
    """A named stage: ``run(state)`` when ``when(state)``; ``timed=False`` for a stage that times
    its own parts (the analysis: energy, indicators, targets).

    ``check`` says what ``ghginv validate`` (:func:`check_stages`) does with the stage: ``True``
    runs it (it reads or checks an input: activity data, factors, sink data, economy table,
    targets, notation keys …), ``False`` skips it (it only computes from what earlier stages
    checked), or a callable runs only the checks of the stage's settings (the Monte Carlo of
    ``uncertainty`` is not run, its ``[uncertainty]`` table is checked)."""

    name: str
    run: Callable[[Run], None]
    when: Callable[[Run], bool] = lambda run: True
    timed: bool = True
    check: bool | Callable[[Run], None] = True


STAGES: tuple[Stage, ...] = (
    Stage("factors", _factors),
    Stage("cube", _cube, when=lambda r: r.cube is None),
    Stage("gap_filling", _gap_filling, when=lambda r: "gap_filling" in r.config.extra),
    Stage("emissions", _emissions),
    Stage("waste", _waste, when=lambda r: r.deposits.height > 0),
    Stage("sinks", _sinks, when=lambda r: sink_settings(r.config) is not None),
    Stage("trace", _trace),
    Stage("characterise", _characterise),
    Stage("inventory", _inventory),
    Stage("checks", _checks),
    Stage("positions", _positions, when=lambda r: r.on_kept_positions or r.index is not None, check=False),
    Stage("reference_approach", _reference_approach, when=lambda r: "reference_approach" in r.config.extra),
    Stage("uncertainty", _uncertainty, when=lambda r: "uncertainty" in r.config.extra, check=_uncertainty_settings),
    Stage("analysis", _analysis, when=lambda r: analysis_wanted(r.config), timed=False),
    Stage("energy_activity", _energy_activity, when=lambda r: r.analysis is None),
    Stage("target_probabilities", _target_probabilities,
          when=lambda r: r.uncertainty is not None and r.analysis is not None and r.analysis.targets.height > 0, check=False),
    Stage("tables", _tables, check=False),
)


def run_stages(run: Run) -> Run:
    """Run :data:`STAGES` in order on ``run``; on kept positions that do not hold
    (:class:`Fallback`), start again on the full path from the same cube and sets.

    Parameters
    ----------
    run : Run
        The run's state: configuration, factor sets, cube (and kept positions for a recompute).

    Returns
    -------
    Run
        The same run (or, after a fallback, a fresh one from the same start) with every stage's
        results and timings.
    """
    start = replace(run, timings={}, tables={})
    try:
        try:
            return _run(run)
        except Fallback:
            if not run.on_kept_positions:
                raise
            if getattr(run.old, "_scratch", False):  # a folder opened for this recompute alone: the inventory read
                run.old.release_frames("inventory.parquet")  # ahead for the kept positions is not held through the full path
            full = replace(start, kept=None, old=None)
            return _run(full)
    finally:  # the cube stage's choice of numpy over numba holds for this run only (a server runs many)
        numpy_run(None)


def check_stages(run: Run) -> Run:
    """Run every check a compile runs, on the same code, without the parts that only compute:
    the stages of :data:`STAGES` whose ``check`` is True, and the settings checks of those whose
    ``check`` is a callable (``ghginv validate``, :func:`ghginv.validate_inputs`). Nothing is
    written (no stage writes).

    Parameters
    ----------
    run : Run
        The run's state: configuration (and the factor sets when already loaded).

    Returns
    -------
    Run
        The same run, with the results of the stages that ran; ``run.progress`` (when given) was
        told the name of each stage before it ran, so a caller can name the stage that failed.

    Raises
    ------
    GhgInvError
        The first stage's error, exactly as a compile would raise it.
    """
    try:
        return _run(run, checking=True)
    finally:
        numpy_run(None)


def _run(run: Run, checking: bool = False) -> Run:
    run.input_cube = run.cube
    try:
        for stage in STAGES:
            if stage.when(run):
                if checking and stage.check is not True:
                    if callable(stage.check):
                        with run.stage(stage.name):
                            stage.check(run)
                    continue
                if stage.timed:
                    with run.stage(stage.name):
                        stage.run(run)
                    if stage.name == "cube":
                        run.input_cube = run.cube
                else:
                    stage.run(run)
    except BaseException:
        if run.energy_job is not None:  # a stage before the energy-activity table's failed: its thread ends first
            job, run.energy_job = run.energy_job, None
            job(wait_only=True)
        raise
    return run
