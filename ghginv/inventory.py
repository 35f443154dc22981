"""Orchestrate: ``Inventory(config).run()`` calls the stages in order, each named and timed.

Stages: ``factors`` (load and verify the factor sets) -> ``cube`` (load + validate + aggregate
the activity data in one streamed pass) -> ``emissions`` (resolve factors per cube cell, run
the kernels) -> ``inventory`` (roll-ups) -> ``trace`` (factor rows used). :meth:`InventoryResult.write`
writes the outputs atomically.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from . import __version__
from .aggregate import build_inventory
from .compute import activity_classes, compute_emissions
from .config import RunConfig
from .cube import Cube, CubeBuilder
from .errors import ValidationError
from .factors import FactorSet, load_factor_set
from .gwp import gwp_table
from .load import discover, stream_batches
from .outputs import atomic_output_dir, file_sha256, write_csv, write_parquet
from .trace import factors_used
from .validate import BatchValidator

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

    def totals(self) -> pl.DataFrame:
        """CO2e (t) per year and scope at level 0 and 1 of the tree, for a quick summary."""
        return (
            self.inventory.filter(pl.col("level") <= 1, pl.col("notation_key").is_null())
            .group_by("year", "scope", "category", "category_name")
            .agg(pl.col("co2e_t").sum())
            .sort("year", "scope", "category")
        )

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
            "synthetic": cfg.is_synthetic,
            "notice": SYNTHETIC_NOTICE if cfg.is_synthetic else "",
            "config": cfg.to_dict(),
            "gwp": {"set": cfg.gwp, "source": "globalwarmingpotentials package", "values": {g: table[g] for g in gases}},
            "inputs": self.input_files,
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
            "rows": {
                **self.cube.stats,
                "emissions": self.emissions.height,
                "inventory": self.inventory.height,
                "factors_used": self.factors_used.height,
            },
            "stage_seconds": {k: round(v, 4) for k, v in self.timings.items()},
            "outputs": outputs or {},
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
        """Write outputs to ``out`` atomically (see :mod:`ghginv.outputs`)."""
        t0 = time.perf_counter()

        def _write(tmp: Path):
            files = {
                "emissions.parquet": lambda p: write_parquet(self.emissions, p),
                "inventory.parquet": lambda p: write_parquet(self.inventory, p),
                "factors_used.parquet": lambda p: write_parquet(self.factors_used, p),
                "inventory.csv": lambda p: write_csv(self.inventory, p),
            }
            if self.cube.notation.height:
                files["notation_keys.csv"] = lambda p: write_csv(self.cube.notation, p)
            hashes = {}
            for name, fn in files.items():
                fn(tmp / name)
                hashes[name] = "sha256:" + file_sha256(tmp / name)
            self.timings["write"] = time.perf_counter() - t0
            (tmp / "manifest.json").write_text(
                json.dumps(self.manifest(hashes), indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8"
            )

        return atomic_output_dir(out, _write)


class Inventory:
    """Compile an inventory from a :class:`~ghginv.config.RunConfig`.

    >>> result = Inventory(config).run()          # doctest: +SKIP
    >>> result.inventory.filter(level=1)          # doctest: +SKIP
    >>> result.write("out/2024")                  # doctest: +SKIP
    """

    STAGES = ("factors", "cube", "emissions", "inventory", "trace")

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
        validator = BatchValidator(known, cfg.years, cfg.regions, cfg.keep_entity)
        builder = CubeBuilder(validator)
        with ThreadPoolExecutor(max_workers=1) as pool:  # hash inputs while they stream
            hashes = pool.map(lambda f: file_sha256(f.path), files)
            for batch in stream_batches(files, cfg.batch_size, cfg.keep_entity):
                builder.append(batch)
            cube = builder.finalize()
            inputs = [{"path": str(f.path), "sha256": "sha256:" + h, "bytes": f.path.stat().st_size} for f, h in zip(files, hashes)]
        if cube.cells.height == 0:
            where = f" in years {cfg.years[0]}–{cfg.years[1]}" if cfg.years else ""
            raise ValidationError(f"no activity rows with amounts{where} in {', '.join(str(p) for p in cfg.activity_paths)}")
        return cube, inputs

    def run(self) -> InventoryResult:
        cfg = self.config
        with self._stage("factors"):
            gwp_table(cfg.gwp)  # unknown GWP set fails before any work
            sets = self.load_factor_sets()
        with self._stage("cube"):
            cube, inputs = self.build_cube(sets)
        with self._stage("emissions"):
            emissions, detail, res, cells = compute_emissions(cube.cells, sets, cfg.gwp, cfg.year_fallback, cfg.keep_entity)
        with self._stage("inventory"):
            inv = build_inventory(emissions, cube.notation, activity_classes(sets))
        with self._stage("trace"):
            used = factors_used(detail, res, cells)
        return InventoryResult(cfg, emissions, inv, used, cube, sets, self.timings, inputs)
