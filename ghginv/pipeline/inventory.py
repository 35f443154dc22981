"""``Inventory(config).run()``: a run of the stage list (:mod:`ghginv.pipeline.stages`), and what
it produced (:class:`InventoryResult`). :meth:`InventoryResult.write` writes the outputs
atomically; it computes nothing.
"""

from __future__ import annotations

import platform
import sys
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from ..analysis.notation import completeness_manifest
from ..core._frames import sum_by
from ..core.config import RunConfig, report_settings
from ..core.version import __version__, library_version
from ..factors import FactorSet
from ..methods._sink_out import net_totals as _net_totals
from .cube import Cube
from .stages import STAGES, Run, run_stages

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
    source: object = None  # recompute: that folder as read (ghginv.rerun.folder.RunFolder), reused by the recalculation
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
    # recompute: outputs whose bytes are those of the run it was recomputed from (file name ->
    # ghginv.runfolder.SameFile), copied instead of encoded again (ghginv.rerun.recompute)
    same_files: dict = field(default_factory=dict)
    recalculation: dict | None = None  # manifest entry of the recalculation against recomputed_from (ghginv.rerun.recalc)
    # tables the stages computed for the files and the report: key_categories, reference_approach,
    # gap_filling; a recompute adds recalculation and recalculation_factors (ghginv.rerun.recalc)
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    # the inventory's scope, category and gas as the inventory stage made them: column -> (sorted distinct values, integer
    # code per inventory row, len(values) for null) (ghginv.pipeline.aggregate.build_inventory); None on the kept-positions
    # path. The write stage hands them to the reports (ReportData.inventory_key_codes), which group on them instead of
    # encoding the strings again
    key_codes: dict | None = None
    # the write stage's part of the whole factors_used, taken before the table was cut to the rows the summary and
    # warnings read (ghginv.pipeline.write.factors_used_ahead: the command-line recompute); None: factors_used is whole
    _factors_used_ahead: object = field(default=None, repr=False)

    def report_frames(self) -> dict[str, pl.DataFrame]:
        """Optional frames for the report sections (reference approach, gap filling)."""
        return {k: v for k, v in self.tables.items() if k in ("reference_approach", "gap_filling")}

    def totals(self) -> pl.DataFrame:
        """CO2e (t) per year and scope at level 0 and 1 of the tree, for a quick summary."""
        rows = self.inventory.filter(pl.col("level") <= 1, pl.col("notation_key").is_null())
        # each group's rows added in table order (core._frames.sum_by): the same bits on every call
        return sum_by(rows, ["year", "scope", "category", "category_name"], ["co2e_t"]).sort("year", "scope", "category")

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

    def base_years(self) -> list[int]:
        """The run's base years: ``[inventory] base_year`` and every target's base year."""
        from ..analysis.targets import parse_targets

        cfg = self.config
        src = str(cfg.source) if cfg.source else None
        years = {t.base_year for t in parse_targets(cfg.extra.get("targets"), cfg.base_year, src)}
        if cfg.base_year is not None:
            years.add(cfg.base_year)
        return sorted(years)

    def warnings(self) -> list[dict]:
        """Warnings of the run, for the CLI summary, ``manifest.json`` (``warnings``) and the report.

        ``base_year_fallback``: a factor, conversion or sink parameter of a base year
        (:meth:`base_years`) taken from another year (``year_fallback = "nearest"``): the base-year
        value of every change and target against that year rests on it. One entry per base
        year, activity, kind, item, factor set and factor year, with the number of cells.

        ``unknown_column``: a column of a factor set's CSV that no reader takes (a misspelt
        ``uncertainty_pc``), ignored: the file, the column and the nearest known one
        (``FactorSet.warnings``; an error with ``[factors] strict = true`` or ``--strict``).
        """
        cols = [w for s in self.sets for w in getattr(s, "warnings", [])]
        base = self.base_years()
        fu = self.factors_used
        if not base or fu.height == 0:
            return cols
        fb = (
            fu.filter(pl.col("year").is_in(base), pl.col("factor_year") != pl.col("year"))
            .group_by("year", "activity", "kind", "item", "factor_set", "factor_year")
            .agg(pl.len().alias("cells"))
            .sort("year", "activity", "kind", "item", "factor_set", "factor_year")
        )
        return cols + [
            {
                "kind": "base_year_fallback",
                "base_year": r["year"],
                "activity": r["activity"],
                "factor_kind": r["kind"],
                "item": r["item"],
                "factor_set": r["factor_set"],
                "factor_year": r["factor_year"],
                "cells": r["cells"],
                "message": (
                    f"base year {r['year']}: {r['activity']} {r['item']} ({r['kind'].replace('_', ' ')}) taken from "
                    f"{r['factor_year']}, set {r['factor_set']} (year_fallback = nearest; no set of the run has a value "
                    f"for {r['year']}): every change and target against {r['year']} rests on it"
                ),
            }
            for r in fb.iter_rows(named=True)
        ]

    def manifest(self, outputs: dict[str, str] | None = None, *, recalculation: bool = True) -> dict:
        """The run's ``manifest.json``: config, inputs and factor sets with hashes, checks, rows,
        stage seconds, the analyses' entries, ``outputs`` (file -> sha256) and the environment;
        ``recalculation=False`` leaves out the recalculation entry."""
        import numpy
        import pyarrow

        cfg = self.config
        gases = sorted(self.emissions["gas"].unique().to_list())
        return {
            "ghginv_version": __version__,
            "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "name": cfg.name,
            "synthetic": cfg.is_synthetic or bool(self.sinks and self.sinks.synthetic_sets),
            "notice": SYNTHETIC_NOTICE if cfg.is_synthetic or (self.sinks and self.sinks.synthetic_sets) else "",
            "net": _net_totals(self.emissions).to_dicts(),
            "sinks": self.sinks.manifest() if self.sinks else None,
            "config": cfg.to_dict(),
            "gwp": cfg.gwp_set.manifest_entry(gases),
            "inputs": self.input_files,
            "recomputed_from": self.recomputed_from,
            **({"recompute_path": self.recompute_path} if self.recompute_path else {}),
            **({"recalculation": self.recalculation} if self.recalculation and recalculation else {}),
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
            "warnings": self.warnings(),
            "checks": self.checks,
            "completeness": completeness_manifest(self.inventory, self.notation_keys),
            **({"waste": self.waste} if self.waste else {}),
            "rows": {
                **self.cube.stats,
                "emissions": self.emissions.height,
                "inventory": self.inventory.height,
                "factors_used": self.factors_used.height if self._factors_used_ahead is None else self._factors_used_ahead.rows,
            },
            "stage_seconds": {k: round(v, 4) for k, v in self.timings.items()},
            "outputs": outputs or {},
            # report.html and inventory.xlsx: language ([report] lang, --lang); the workbook's per-region tables in full
            # or summed over regions ([report] workbook_detail, --workbook-detail; what was summed: ghginv.pipeline.write)
            "report": asdict(report_settings(cfg)),  # {"lang": …, "workbook_detail": …}
            **({"indicators": self.analysis.manifest_entry()} if self.analysis is not None else {}),
            **({"uncertainty": self.uncertainty.manifest_entry()} if self.uncertainty is not None else {}),
            **({"reference_approach": self.reference.manifest_entry()} if self.reference is not None else {}),
            **({"gap_filling": self.gap_filling.manifest_entry()} if self.gap_filling is not None else {}),
            "environment": {
                "python": sys.version.split()[0],
                "platform": platform.platform(),
                "polars": pl.__version__,
                "pyarrow": pyarrow.__version__,
                "duckdb": library_version("duckdb"),
                "numba": library_version("numba"),
                "numpy": numpy.__version__,
            },
        }

    def write(self, out: str | Path) -> Path:
        """Write the run's files, reports and manifest into the folder ``out``, atomically
        (:func:`ghginv.pipeline.write.write_run`; an existing folder is replaced only when it
        holds a previous ghginv run); computes nothing. Returns the folder's absolute path.

        The recalculation tables of a recompute are left out when ``out`` is the folder it was
        recomputed from (the old run no longer exists to compare with)."""
        from .write import write_run

        return write_run(self, out)


class Inventory:
    """Compile an inventory from a :class:`~ghginv.core.config.RunConfig`.

    >>> result = Inventory(config).run()          # doctest: +SKIP
    >>> result.inventory.filter(level=1)          # doctest: +SKIP
    >>> result.write("out/2024")                  # doctest: +SKIP
    """

    STAGES = tuple(s.name for s in STAGES)  # the stage list (ghginv.pipeline.stages), in order

    def __init__(self, config: RunConfig, progress=None):
        self.config = config
        self.timings: dict[str, float] = {}
        self._progress = progress  # callable(stage_name) or None

    def run(self) -> InventoryResult:
        """Every stage, from reading the activity data to the tables."""
        return self._result(run_stages(Run(self.config, self._progress, self.timings)))

    def run_from_cube(self, cube: Cube, inputs: list[dict], sets: list[FactorSet] | None = None, *,
                      kept=None, old=None) -> InventoryResult:
        """Every stage after the cube, on ``cube`` (recompute: the old run's cube, its ``inputs``,
        and with ``kept`` the old run's positions and ``old`` its folder; the stages fall back to
        the full path when the positions do not hold)."""
        run = Run(self.config, self._progress, self.timings, sets=sets, cube=cube, inputs=list(inputs), kept=kept, old=old)
        return self._result(run_stages(run))

    def _result(self, run: Run) -> InventoryResult:
        self.timings = run.timings
        return InventoryResult(
            run.config, run.emissions, run.inventory, run.used, run.cube, run.sets, run.timings, run.inputs,
            recompute_path="kept_positions" if run.kept is not None else None, checks=run.checks, sinks=run.sink, analysis=run.analysis,
                uncertainty=run.uncertainty,
            waste=run.waste[2] if run.waste else None, notation_keys=run.keys, reference=run.reference, gap_filling=run.gap,
            plan=run.plan, tables=run.tables, key_codes=run.key_codes)
