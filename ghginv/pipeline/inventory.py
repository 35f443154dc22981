"""Orchestrate: ``Inventory(config).run()`` calls the stages in order, each named and timed.

Stages: ``factors`` (load and verify the factor sets) -> ``cube`` (load + validate + aggregate
the activity data in one streamed pass) -> ``emissions`` (resolve factors per cube cell, run
the kernels) -> ``sinks`` (only with sink data: carbon-sink methods, :mod:`ghginv.methods.sinks`;
removals join the emissions as negative CO2) -> ``trace`` (factor rows used) -> ``inventory``
(roll-ups). A run without activity data (sinks only) has an empty cube.
:meth:`InventoryResult.write` writes the outputs atomically (:mod:`ghginv.pipeline.write`).
"""

from __future__ import annotations

import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from ..core.version import __version__
from ..core import _fs
from .aggregate import build_inventory
from ..analysis.stage import analysis_wanted, run_analysis
from ..methods.emissions import activity_classes, compute_emissions
from ..core.config import RunConfig
from .conservation import InputTally, run_checks
from .cube import Cube, CubeBuilder
from ..core.errors import ValidationError
from ..factors import FactorSet, load_factor_set
from ..core.gwp import gwp_table
from ..inputs.load import discover, prefetched, stream_batches
from ..core.progress import total_rows
from .merge import merge_rows
from ..methods._sink_out import empty_cube, empty_emissions
from ..methods._sink_out import net_totals as _net_totals
from ..methods.sinks import compute_sinks, sink_settings
from ..methods.waste_fod import fod_emissions, split_deposits
from .positions import make_plan, meta_first, plan_supported, signature
from ..analysis.notation import completeness_manifest, notation_settings
from ..factors.trace import factors_used
from ..inputs.validate import BatchValidator

__all__ = ["Inventory", "InventoryResult"]

SYNTHETIC_NOTICE = "SYNTHETIC DEMO DATA — not official statistics"


@dataclass
class InventoryResult:
    """What a run produced. Frames are polars DataFrames."""

    config: RunConfig
    emissions: pl.DataFrame
    inventory: pl.DataFrame
    factors_used: pl.DataFrame
    cube: Cube
    sets: list[FactorSet]
    timings: dict[str, float]
    input_files: list[dict] = field(default_factory=list)
    recomputed_from: str | None = None  # the run folder whose cached cube this result reused
    source: object = None  # recompute: that folder as read (ghginv.rerun.recompute.RunFolder), reused by the recalculation
    recompute_path: str | None = None  # recompute: "kept_positions" (ghginv.pipeline.positions) or "full"
    checks: dict = field(default_factory=dict)  # conservation checks (ghginv.pipeline.conservation)
    sinks: object = None  # ghginv.methods.sinks.SinkResult when the run has sink data
    analysis: object = None  # ghginv.analysis.stage.Analysis when [economy] or [[targets]] are configured
    uncertainty: object = None  # ghginv.uncertainty.run.UncertaintyResult ([uncertainty] or --uncertainty)
    waste: dict | None = None  # first-order decay summary (ghginv.methods.waste_fod) when the run has 4.A deposits
    notation_keys: list = field(default_factory=list)  # the user's [notation_keys] (ghginv.analysis.notation.UserKey)
    reference: object = None  # ghginv.methods.reference_approach.ReferenceResult ([reference_approach] / --energy-balance)
    gap_filling: object = None  # ghginv.pipeline.gapfill.GapFillResult ([[gap_filling]])
    plan: object = None  # ghginv.pipeline.positions.RecomputePlan: positions for a recompute with new values (recompute_index.bin)
    recalculation: dict | None = None  # manifest entry of the recalculation against recomputed_from (ghginv.rerun.recalc)

    def report_frames(self) -> dict[str, pl.DataFrame]:
        """Optional frames for the report sections (reference approach, gap filling)."""
        from .gapfill import with_emissions

        out = {}
        if self.reference is not None:
            out["reference_approach"] = self.reference.table
        if self.gap_filling is not None:
            out["gap_filling"] = with_emissions(self.gap_filling, self.emissions)
        return out

    def totals(self) -> pl.DataFrame:
        """CO2e (t) per year and scope at level 0 and 1 of the tree, for a quick summary."""
        return (
            self.inventory.filter(pl.col("level") <= 1, pl.col("notation_key").is_null())
            .group_by("year", "scope", "category", "category_name")
            .agg(pl.col("co2e_t").sum())
            .sort("year", "scope", "category")
        )

    def key_categories(self, depth: int = 4) -> pl.DataFrame:
        """Key category analysis, Approach 1 (level per year; trend against the base year)."""
        from ..analysis.key_categories import key_categories

        unc = self.uncertainty.table if self.uncertainty is not None else None  # adds Approach 2
        return key_categories(self.inventory, depth=depth, base_year=self.config.base_year, uncertainty=unc)

    def fallback_years(self) -> pl.DataFrame:
        """Cells whose factor came from another year (year_fallback = 'nearest')."""
        return (
            self.factors_used.filter(pl.col("factor_year") != pl.col("year"))
            .select("factor_set", "activity", "item", "year", "factor_year")
            .unique()
            .sort("factor_set", "activity", "item", "year")
        )

    def manifest(self, outputs: dict[str, str] | None = None) -> dict:
        import duckdb
        import numba
        import numpy
        import pyarrow

        cfg = self.config
        gases = sorted(self.emissions["gas"].unique().to_list())
        table = gwp_table(cfg.gwp)
        return {
            "ghginv_version": __version__,
            "created_utc": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "name": cfg.name,
            "synthetic": cfg.is_synthetic or bool(self.sinks and self.sinks.synthetic_sets),
            "notice": SYNTHETIC_NOTICE if cfg.is_synthetic or (self.sinks and self.sinks.synthetic_sets) else "",
            "net": _net_totals(self.emissions).to_dicts(),
            "sinks": self.sinks.manifest() if self.sinks else None,
            "config": cfg.to_dict(),
            "gwp": {"set": cfg.gwp, "source": "globalwarmingpotentials package", "values": {g: table[g] for g in gases}},
            "inputs": self.input_files,
            "recomputed_from": self.recomputed_from,
            **({"recompute_path": self.recompute_path} if self.recompute_path else {}),
            **({"recalculation": self.recalculation} if self.recalculation else {}),
            "factor_sets": [
                {
                    "rank": i,
                    "name": s.name,
                    "version": s.version,
                    "title": s.manifest.get("title", ""),
                    "published": str(s.manifest.get("published", "")),
                    "path": str(s.path),
                    "files": {k: "sha256:" + v for k, v in s.file_hashes.items()},
                }
                for i, s in enumerate(self.sets)
            ],
            "year_fallback": cfg.year_fallback,
            "fallback_years": self.fallback_years().to_dicts(),
            "checks": self.checks,
            "completeness": completeness_manifest(self.inventory, self.notation_keys),
            **({"waste": self.waste} if self.waste else {}),
            "rows": {
                **self.cube.stats,
                "emissions": self.emissions.height,
                "inventory": self.inventory.height,
                "factors_used": self.factors_used.height,
            },
            "stage_seconds": {k: round(v, 4) for k, v in self.timings.items()},
            "outputs": outputs or {},
            **({"indicators": self.analysis.manifest_entry()} if self.analysis is not None else {}),
            **({"uncertainty": self.uncertainty.manifest_entry()} if self.uncertainty is not None else {}),
            **({"reference_approach": self.reference.manifest_entry()} if self.reference is not None else {}),
            **({"gap_filling": self.gap_filling.manifest_entry()} if self.gap_filling is not None else {}),
            "environment": {
                "python": sys.version.split()[0],
                "platform": platform.platform(),
                "polars": pl.__version__,
                "pyarrow": pyarrow.__version__,
                "duckdb": duckdb.__version__,
                "numba": numba.__version__,
                "numpy": numpy.__version__,
            },
        }

    def write(self, out: str | Path) -> Path:
        """Write the run's files, reports and manifest into the folder ``out``, atomically
        (:func:`ghginv.pipeline.write.write_run`; an existing folder is replaced only when it
        holds a previous ghginv run). Returns the folder's absolute path."""
        from .write import write_run

        return write_run(self, out)


def other_stages(cfg, sets, ef_cells: pl.DataFrame, deposits: pl.DataFrame, stage, inputs: list[dict]):
    """``(waste, sink, inputs)``: the stages beside activity × factor, as named, timed stages —
    first-order decay of the landfill ``deposits`` and carbon sinks (whose input files replace
    the run's sink inputs in ``inputs``); None for a stage the run does not have."""
    waste = sink = None
    if deposits.height:
        with stage("waste"):
            waste = fod_emissions(deposits, ef_cells, sets, cfg, cfg.keep_entity)
    if sink_settings(cfg) is not None:
        with stage("sinks"):
            sink = compute_sinks(cfg, sets)
            inputs = [i for i in inputs if i.get("kind") != "sinks"] + sink.inputs
    return waste, sink, inputs


def reference_if_wanted(cfg, emissions: pl.DataFrame, sets, stage):
    """The reference approach (energy balance vs sectoral CO2, :mod:`ghginv.methods.reference_approach`)
    as a named, timed stage when the run asks for it, else None."""
    if "reference_approach" not in cfg.extra:
        return None
    from ..methods.reference_approach import reference_stage

    with stage("reference_approach"):
        return reference_stage(cfg, emissions, sets)


YEAR_MIN = 1900  # the validator's lowest plausible year


def _drop_early_non_deposits(cube: Cube, first_year: int, tally) -> Cube:
    """Drop cube cells before ``first_year`` except landfill deposits (4.A), which first-order decay
    needs from every earlier year; the input tally loses the same amounts so conservation holds."""
    cells = cube.cells
    deposit = (pl.col("sector") == "4.A") | pl.col("sector").str.starts_with("4.A.")  # waste_fod.is_deposit_sector
    early = cells.filter(pl.col("year") < first_year)
    if early.height == 0:
        return cube
    drop = early.filter(~deposit)
    if drop.height:
        for unit, amount in drop.group_by("unit").agg(pl.col("amount").sum()).iter_rows():
            tally.sums[unit] = tally.sums.get(unit, 0.0) - amount
        tally.rows -= int(drop["n_rows"].sum())
    kept = cells.filter((pl.col("year") >= first_year) | deposit)
    stats = {**cube.stats, "cube_cells": kept.height,
             "rows_outside_years": cube.stats.get("rows_outside_years", 0) + int(drop["n_rows"].sum() if drop.height else 0)}
    return Cube(cells=kept, notation=cube.notation.filter(pl.col("year") >= first_year), stats=stats)


class Inventory:
    """Compile an inventory from a :class:`~ghginv.core.config.RunConfig`.

    >>> result = Inventory(config).run()          # doctest: +SKIP
    >>> result.inventory.filter(level=1)          # doctest: +SKIP
    >>> result.write("out/2024")                  # doctest: +SKIP
    """

    STAGES = ("factors", "cube", "emissions", "sinks", "trace", "inventory")  # "sinks" only with sink data

    def __init__(self, config: RunConfig, progress=None):
        self.config = config
        self.timings: dict[str, float] = {}
        self._progress = progress  # callable(stage_name) or None

    @contextmanager
    def _stage(self, name: str):
        if self._progress:
            self._progress(name)
        t0 = time.perf_counter()
        yield
        self.timings[name] = time.perf_counter() - t0

    def load_factor_sets(self) -> list[FactorSet]:
        return [load_factor_set(p) for p in self.config.factor_sets]

    def build_cube(self, sets: list[FactorSet]) -> tuple[Cube, list[dict]]:
        cfg = self.config
        files = discover(cfg.activity_paths)
        known = set().union(*(s.activity_codes() for s in sets))
        # first-order decay needs the landfill deposits of every earlier year: with a waste set in
        # the run, the cube keeps rows before the first inventory year, and the non-deposit ones
        # are dropped from the (small) cube afterwards
        keep_history = cfg.years is not None and any(s.waste_rules for s in sets)
        cube_years = (YEAR_MIN, cfg.years[1]) if keep_history else cfg.years
        if cfg.engine == "dask":  # same cube and input tally, built on the workers (ghginv.pipeline.engine)
            from .engine import build_cube_dask

            cube, inputs, self._tally = build_cube_dask(files, known, cfg, cfg.scheduler, cube_years)
            if keep_history:
                cube = _drop_early_non_deposits(cube, cfg.years[0], self._tally)
            if cube.cells.height == 0:
                raise ValidationError(f"no activity rows with amounts in {', '.join(str(p) for p in cfg.activity_paths)}")
            return cube, inputs
        validator = BatchValidator(known, cube_years, cfg.regions, cfg.keep_entity)
        self._tally = InputTally(cube_years)
        builder = CubeBuilder(validator, tally=self._tally)  # counts the tally in the cube kernel (conservation.py)
        with ThreadPoolExecutor(max_workers=1) as pool:  # hash inputs while they stream
            hashes = pool.map(lambda f: _fs.sha256(f.path), files)  # local or shared storage (ghginv.core._fs)
            on_rows = getattr(self._progress, "rows", None)  # progress bar (ghginv.core.progress)
            total, done = (total_rows(files), 0) if on_rows else (None, 0)
            for batch in prefetched(stream_batches(files, cfg.batch_size, cfg.keep_entity)):  # read ahead in a thread
                self._tally.add(batch)
                builder.append(batch)
                if on_rows:
                    done += batch.data.num_rows
                    on_rows(done, total)
            cube = builder.finalize()
            inputs = [{"path": str(f.path), "sha256": "sha256:" + h, "bytes": _fs.size(f.path)} for f, h in zip(files, hashes)]
        if keep_history:
            cube = _drop_early_non_deposits(cube, cfg.years[0], self._tally)
        if cube.cells.height == 0:
            where = f" in years {cfg.years[0]}–{cfg.years[1]}" if cfg.years else ""
            raise ValidationError(f"no activity rows with amounts{where} in {', '.join(str(p) for p in cfg.activity_paths)}")
        return cube, inputs

    def run(self) -> InventoryResult:
        cfg = self.config
        with self._stage("factors"):
            gwp_table(cfg.gwp)  # unknown GWP set fails before any work
            notation_settings(cfg)  # and bad [notation_keys]
            sets = self.load_factor_sets()
        with self._stage("cube"):
            cube, inputs = self.build_cube(sets) if cfg.activity_paths else (empty_cube(), [])
        return self.run_from_cube(cube, inputs, sets)

    def run_from_cube(self, cube: Cube, inputs: list[dict], sets: list[FactorSet] | None = None) -> InventoryResult:
        """Every stage after the cube: used by :meth:`run` and by recompute (cached cube)."""
        cfg = self.config
        keys = notation_settings(cfg)  # [notation_keys]: completeness rows of the inventory (ghginv.analysis.notation)
        if sets is None:
            with self._stage("factors"):
                gwp_table(cfg.gwp)
                sets = self.load_factor_sets()
        input_cube, gap = cube, None
        if "gap_filling" in cfg.extra:  # time-series gaps filled in the activity cube, before factors (ghginv.pipeline.gapfill)
            from .gapfill import gapfill_stage

            with self._stage("gap_filling"):
                cube, gap = gapfill_stage(cfg, cube)
        ef_cells, deposits = split_deposits(cube.cells, sets)  # 4.A deposits go to the waste stage (first-order decay)
        # positions kept for a recompute with new values (ghginv.pipeline.positions), when the run's stages allow it
        keep = {"em": {}, "trace": {}, "links": {}} if ef_cells.height and plan_supported(cfg) else None
        with self._stage("emissions"):
            if ef_cells.height:
                emissions, detail, res, cells = compute_emissions(ef_cells, sets, cfg.gwp, cfg.year_fallback, cfg.keep_entity,
                                                                  full_detail="uncertainty" in cfg.extra,  # else trace columns only
                                                                  index=keep["em"] if keep else None)
            else:
                emissions, used = empty_emissions(cfg.keep_entity)
        waste, sink, inputs = other_stages(cfg, sets, ef_cells, deposits, self._stage, inputs)
        with self._stage("trace"):
            if ef_cells.height:
                used = factors_used(detail, res, cells, index=keep["trace"] if keep else None)
            n_used = used.height
            emissions, used, perm = merge_rows(emissions, used, waste, sink)
        with self._stage("inventory"):
            inv, rollup = build_inventory(emissions, cube.notation, activity_classes(sets), keys, index=True)
        with self._stage("checks"):  # conservation: input = cube, roll-ups, finite values
            checks = run_checks(input_cube, emissions, inv, self.__dict__.pop("_tally", None),  # this run's tally, used once
                                links=keep["links"] if keep else None)
        plan = None
        if keep:
            t = keep["trace"]
            plan = make_plan(signature(sets, cfg, keys), keep["em"], rollup, keep["links"], t, meta_first(t["meta"], len(t["meta_keys"])), sets,
                             perm=perm, n_used=n_used)
        ref = reference_if_wanted(cfg, emissions, sets, self._stage)
        unc = None
        if "uncertainty" in cfg.extra:  # Approach 1 + Monte Carlo on the same per-cell detail (ghginv.uncertainty.propagate)
            from ..uncertainty.run import uncertainty_stage

            with self._stage("uncertainty"):
                unc = uncertainty_stage(cfg, (detail, res.rules) if ef_cells.height else None, emissions,
                                        fod=(deposits, ef_cells, sets) if deposits.height else None)  # 4.A: ghginv.uncertainty.fod
        analysis = None
        if analysis_wanted(cfg):  # energy, indicators, targets: named, timed stages
            analysis = run_analysis(cfg, emissions, cube.cells, sets, self._stage)
            if unc is not None and analysis.targets.height:  # P(on track), P(met): the same Monte Carlo
                from ..uncertainty.targets import add_target_probabilities

                with self._stage("target_probabilities"):
                    add_target_probabilities(unc, analysis, cfg, activity_classes(sets), cells=cube.cells, sets=sets)
        return InventoryResult(cfg, emissions, inv, used, cube, sets, self.timings, inputs, checks=checks, sinks=sink, analysis=analysis,
                               uncertainty=unc, waste=waste[2] if waste else None, notation_keys=keys,
                               reference=ref, gap_filling=gap, plan=plan)
