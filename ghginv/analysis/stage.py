"""Analysis stages of a run: energy (tce) -> indicators -> targets and peak analysis.

Runs only when the inventory configures ``[economy]`` (or ``--economy``) or ``[[targets]]``. Each
step is a named, timed stage of :class:`ghginv.pipeline.inventory.Inventory`. Every input problem (economy
table, targets, settings) fails here, before anything is written. This package computes only:
its tables (:meth:`Analysis.files`) and the report are written with the run (:mod:`ghginv.pipeline.write`).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field

import polars as pl

from ..core import _fs
from ..core.config import report_settings
from ..core.errors import ConfigError
from ..methods.emissions import activity_classes
from .energy import energy_consumption
from .indicators import compute_indicators, read_economy, sector_indicators, settings_from_config
from .targets import check_evaluable, evaluate_targets, parse_targets, peak_analysis, peak_params, sector_specs

__all__ = ["Analysis", "analysis_wanted", "run_analysis", "energy_activity"]


@dataclass
class Analysis:
    """What the analysis stages produced (frames are polars DataFrames)."""

    indicators: pl.DataFrame
    targets: pl.DataFrame
    peak: pl.DataFrame
    conventions: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    lang: str = "en"
    conversions_used: list[dict] = field(default_factory=list)
    energy_activity: pl.DataFrame | None = None  # EnergyResult.activity_by_sector: energy_activity.parquet, the workbook's energy-activity table

    def manifest_entry(self) -> dict:
        return {**self.conventions, "lang": self.lang, "notes": self.notes, "standard_coal_rows": self.conversions_used}

    def files(self) -> dict[str, pl.DataFrame]:
        return {"indicators.parquet": self.indicators, "targets.parquet": self.targets, "peak.parquet": self.peak}


def analysis_wanted(cfg) -> bool:
    """Whether the run has analysis stages: an ``[economy]`` table (or ``--economy``) or ``[[targets]]``.

    Parameters
    ----------
    cfg : ghginv.core.config.RunConfig
        The run's config.

    Returns
    -------
    bool
        True when energy, indicators and targets are to be computed.
    """
    return bool(cfg.extra.get("economy")) or bool(cfg.extra.get("targets"))


def run_analysis(cfg, emissions: pl.DataFrame, cube_cells: pl.DataFrame, sets, stage=None, answer=None,
                 codes=None) -> Analysis:
    """Energy, indicators, targets and peak analysis for a finished emissions stage.

    Every input problem (economy table, targets, settings) fails here, before anything is written.

    Parameters
    ----------
    cfg : ghginv.core.config.RunConfig
        The run's config (``[economy]``, ``[energy]``, ``[[targets]]``, ``[peak]``, ``[report]``,
        base year).
    emissions : polars.DataFrame
        The run's emission rows (``emissions_t`` [t of the gas], ``co2e_t`` [t CO2e]).
    cube_cells : polars.DataFrame
        The activity cube's cells (amount [unit of the row]), for energy in tce.
    sets : list of FactorSet
        The run's factor sets, in precedence order.
    stage : callable, optional
        ``stage(name)`` returning a context manager that times a named stage; default none.
    answer : ghginv.factors.resolve.ConversionAnswer, optional
        The emissions' factor query answer (``Resolution.answer``), handed to the energy
        coefficients (:func:`ghginv.analysis.energy.energy_consumption`).
    codes : dict, optional
        The cube cells' key columns as codes (:attr:`ghginv.pipeline.cube.Cube.codes`), handed to
        :func:`ghginv.analysis.energy.energy_consumption`.

    Returns
    -------
    Analysis
        ``indicators``, ``targets`` and ``peak`` tables, the conventions, notes, report language and
        the standard_coal rows used.

    Raises
    ------
    ConfigError
        Invalid ``[economy]``, ``[energy]``, ``[[targets]]``, ``[peak]`` or ``[report]`` tables,
        intensity targets without an economy table, or a target the run cannot evaluate that is not
        ``optional`` (:func:`ghginv.analysis.targets.check_evaluable`).
    InputFileError, SchemaError, ValidationError
        An unreadable or invalid economy table (:func:`ghginv.analysis.indicators.read_economy`).
    """
    stage = stage or (lambda name: nullcontext())
    src = str(cfg.source) if cfg.source else None
    lang = report_settings(cfg).lang
    settings = settings_from_config(cfg)
    targets = parse_targets(cfg.extra.get("targets"), cfg.base_year, src)
    pk = peak_params(cfg.extra.get("peak"), src)
    need_gdp = [t.name for t in targets if t.kind in ("co2_intensity", "energy_intensity", "sector_energy_intensity")]
    specs = sector_specs(targets, src)
    if need_gdp and settings.economy_path is None:
        raise ConfigError(f"{src or 'config'}: intensity targets ({', '.join(need_gdp)}) need an economy table: [economy] path = … or --economy PATH")
    with stage("energy"):
        energy = energy_consumption(cube_cells, sets, cfg.year_fallback, settings.electricity_method,
                                    settings.coal_equivalent_gce_per_kwh, settings.feedstock_sectors,
                                    settings.energy_sources, f"{src}: [energy]" if src else "[energy]", answer=answer,
                                    codes=codes)
    with stage("indicators"):
        notes = list(energy.notes)
        economy, table = None, {"economy_table": None}
        if settings.economy_path is not None:  # a local path or a URL (ghginv.core._fs)
            years = sorted(emissions["year"].unique().to_list())
            regions = sorted(emissions["region"].unique().to_list())
            loc = _fs.input_file(settings.economy_path)
            economy, enotes = read_economy(loc, years, regions, settings.base_year)
            notes += enotes
            rec = _fs.record(loc)  # sha256 and size, as for every input file
            table = {"economy_table": rec["path"], "economy_sha256": rec["sha256"], "economy_bytes": rec["bytes"]}
        ind, inotes = compute_indicators(emissions, energy, economy, activity_classes(sets), settings)
        notes += inotes
        if specs:  # sector-level intensity targets: the sector's energy, value added and intensity
            ind = pl.concat([ind, sector_indicators(energy, economy, specs, settings.base_year)])
    with stage("targets"):
        peak = peak_analysis(ind, pk)
        tg = evaluate_targets(targets, ind, peak)
        check_evaluable(tg, src)  # a target the run cannot evaluate stops it, unless optional
    conv = {**settings.conventions(), **energy.convention(), **table,
            "peak": {"min_years_since_peak": pk.min_years_since_peak, "plateau_pct": pk.plateau_pct, "plateau_years": pk.plateau_years}}
    return Analysis(ind, tg, peak, conv, notes, lang, energy.conversions_used, energy_activity=energy.activity_by_sector)


def energy_activity(cfg, cube_cells: pl.DataFrame, sets, answer=None, codes=None) -> pl.DataFrame:
    """The energy activity by sector and fuel, in physical units and tce, of a run without analysis stages.

    A run with an ``[economy]`` table or ``[[targets]]`` takes it from :func:`run_analysis`; this
    computes the same table with the same settings (``[economy]`` electricity method and feedstock
    sectors when given, else the defaults; ``[energy]``) for every other run, so each run's
    workbook has the energy-activity table.

    Parameters
    ----------
    cfg : ghginv.core.config.RunConfig
        The run's config (``[economy]``, ``[energy]``, year fallback).
    cube_cells : polars.DataFrame
        The activity cube's cells (amount [unit of the row]).
    sets : list of FactorSet
        The run's factor sets, in precedence order.
    answer : ghginv.factors.resolve.ConversionAnswer, optional
        The emissions' factor query answer (``Resolution.answer``), handed to the energy
        coefficients (:func:`ghginv.analysis.energy.energy_consumption`).
    codes : dict, optional
        The cube cells' key columns as codes (:attr:`ghginv.pipeline.cube.Cube.codes`), handed to
        :func:`ghginv.analysis.energy.energy_consumption`.

    Returns
    -------
    polars.DataFrame
        :data:`ghginv.analysis.energy.BY_SECTOR_SCHEMA`: year, region, sector, activity, names,
        fuel_class, dimension, ``amount_base`` [t, m^3 or GJ], ``energy_tce`` [tce].

    Raises
    ------
    ConfigError
        An invalid ``[economy]`` or ``[energy]`` table (:func:`ghginv.analysis.energy.energy_consumption`).
    """
    src = str(cfg.source) if cfg.source else None
    settings = settings_from_config(cfg)
    if settings is not None:
        method, ce, feed = settings.electricity_method, settings.coal_equivalent_gce_per_kwh, settings.feedstock_sectors
    else:
        method, ce, feed = "equivalent", None, ("2",)
    table = cfg.extra.get("energy")
    return energy_consumption(cube_cells, sets, cfg.year_fallback, method, ce, feed, table,
                              f"{src}: [energy]" if src else "[energy]", totals=False, answer=answer,
                              codes=codes).activity_by_sector
