"""Uncertainty of a compiled result or of a finished run folder (``uncertainty.parquet``).

``compile`` computes it when the inventory TOML has an ``[uncertainty]`` table or ``--uncertainty``
is passed; ``ghginv uncertainty RUN_DIR`` computes it later from the run's cached cube and its
snapshot of the factor sets (:func:`ghginv.rerun.uncertainty.uncertainty_of_run`). See
:mod:`ghginv.uncertainty.propagate` for the method and the columns.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import polars as pl

from .propagate import UncertaintySettings, analyse, build_terms, uncertainty_settings
from .tables import table_3_2

__all__ = ["UncertaintyResult", "uncertainty_of_result", "uncertainty_stage"]


@dataclass
class UncertaintyResult:
    table: pl.DataFrame  # uncertainty.parquet
    settings: UncertaintySettings
    stats: dict
    seconds: float
    table_3_2: pl.DataFrame | None = None  # uncertainty_table_3_2.parquet (ghginv.uncertainty.tables)
    terms: object = None  # ghginv.uncertainty.propagate.Terms (for target probabilities)

    def frames(self) -> dict[str, pl.DataFrame]:
        """Output files of the run folder: name -> frame."""
        out = {"uncertainty.parquet": self.table}
        if self.table_3_2 is not None:
            out["uncertainty_table_3_2.parquet"] = self.table_3_2
        return out

    def manifest_entry(self) -> dict:
        s = self.settings
        return {
            "files": list(self.frames()),
            "method": "2006 IPCC GL Vol 1 Ch 3: Approach 1 (Eqs 3.1-3.2, Table 3.2 trend) and Approach 2 (Monte Carlo)",
            "draws": s.draws, "seed": s.seed, "activity_pct": s.activity_pct,
            **self.stats,
            "note": self.note(),
            "seconds": round(self.seconds, 3),
        }

    def note(self) -> str:
        st = self.stats
        parts = [
            f"{st['factor_rows_exact']} of {st['factor_rows_used']} factor rows used carry no uncertainty and are treated as exact "
            f"({st['exact_factor_co2e_share'] * 100:.1f} % of |CO2e| has no factor uncertainty)",
            f"{st['activity_sources_exact']} of {st['activity_sources']} activity sources (year, sector, activity) have no activity_pct and are exact",
        ]
        if st.get("fod_terms"):
            parts.append(
                f"solid waste disposal (4.A, first-order decay) enters as {st['fod_terms']} terms (deposit year × emission year): "
                f"deposits carry the activity_pct of their waste type; {st['fod_parameter_rows_exact']} of {st['fod_parameter_rows']} "
                "DOC/DOCf/MCF/F rows have no uncertainty (no column in the set, no [uncertainty] waste_pct) and are exact; "
                "k, OX, recovery and the delay are always treated as exact")
        if st.get("non_factor_rows"):
            parts.append(f"{st['non_factor_rows']} groups not computed from factor rows (e.g. carbon sinks) are exact")
        return "; ".join(parts)


def _analyse(cfg, detail_rules, emissions: pl.DataFrame, settings: UncertaintySettings, threads: int = 2, fod=None,
             classes=None) -> UncertaintyResult:
    """``detail_rules``: (per-cell detail, rule list) of :func:`ghginv.methods.emissions.compute_emissions`, or None (no cube).
    ``fod``: (4.A deposit cells, the other cells, factor sets) when the run has landfill deposits.
    ``classes``: fuel class per activity (a GWP set split by origin needs them)."""
    t0 = time.perf_counter()
    if detail_rules is None:
        detail = pl.DataFrame(schema={"year": pl.Int32, "scope": pl.String, "sector": pl.String, "activity": pl.String, "gas": pl.String,
                                      "emissions_t": pl.Float64, "rule_id": pl.Int64, "rule2_id": pl.Int64, "ncv_rule": pl.Int64,
                                      "ncv_pow": pl.Int8, "density_rule": pl.Int64, "dens_pow": pl.Int8})
        rules = []
    else:
        detail, rules = detail_rules
    ft = None
    if fod is not None and fod[0].height:
        from .fod import fod_terms

        ft = fod_terms(fod[0], fod[1], fod[2], cfg)
    terms = build_terms(detail, rules, emissions, settings, cfg.gwp_set, ft, classes=classes)
    table = analyse(terms, settings, cfg.base_year, threads=threads)
    t32 = table_3_2(terms, cfg.base_year, settings.depth)
    return UncertaintyResult(table, settings, terms.stats, time.perf_counter() - t0, t32, terms)


def _compute(result, emissions: pl.DataFrame, settings: UncertaintySettings, threads: int = 2,
             detail_rules=None) -> UncertaintyResult:
    """The analysis of ``result``. ``detail_rules``: its per-cell detail and rule list when the
    caller has them (:func:`ghginv.pipeline.positions.kept_detail`: from the run's kept positions,
    the same rows and numbers as resolving again), else resolved here by
    :func:`ghginv.methods.emissions.compute_emissions`."""
    from ..methods.emissions import activity_classes, compute_emissions
    from ..methods.waste_fod import split_deposits

    cfg = result.config
    dr = detail_rules
    cells, deposits = split_deposits(result.cube.cells, result.sets)  # 4.A deposits: first-order decay terms
    if dr is None and cells.height:
        _, detail, res, _ = compute_emissions(cells, result.sets, cfg.year_fallback, cfg.keep_entity)
        dr = (detail, res.rules)
    return _analyse(cfg, dr, emissions, settings, threads, (deposits, cells, result.sets), activity_classes(result.sets))


def uncertainty_stage(cfg, detail_rules, emissions: pl.DataFrame, fod=None, classes=None) -> UncertaintyResult:
    """The ``uncertainty`` stage of a compile, with the settings of the ``[uncertainty]`` table.

    Parameters
    ----------
    cfg : ghginv.core.config.RunConfig
        The run's config (``[uncertainty]``, ``base_year``, ``gwp_set``).
    detail_rules : tuple or None
        ``(per-cell detail, rule list)`` of :func:`ghginv.methods.emissions.compute_emissions`, or
        None (no cube).
    emissions : polars.DataFrame
        The run's emission rows (``co2e_t`` [t CO2e]).
    fod : tuple, optional
        ``(4.A deposit cells, the other cells, factor sets)`` when the run has landfill deposits.
    classes : mapping of str to str, optional
        Fuel class per activity of the run's factor sets
        (:func:`ghginv.methods.emissions.activity_classes`); needed by a GWP set that splits CH4
        by origin (``AR6GWP100_CH4FNF``), so the terms' CO2e is the run's.

    Returns
    -------
    UncertaintyResult
        ``uncertainty.parquet`` (:func:`ghginv.uncertainty.propagate.analyse`), Table 3.2
        (:func:`ghginv.uncertainty.tables.table_3_2`), settings, statistics, time [s] and the terms.

    Raises
    ------
    ConfigError
        An invalid ``[uncertainty]`` table.
    """
    return _analyse(cfg, detail_rules, emissions, uncertainty_settings(cfg.extra.get("uncertainty")), fod=fod, classes=classes)


def uncertainty_of_result(result, settings: UncertaintySettings | None = None, threads: int = 2, *,
                          emissions: pl.DataFrame | None = None, detail_rules=None) -> UncertaintyResult:
    """Uncertainty of an :class:`~ghginv.pipeline.inventory.InventoryResult`.

    Parameters
    ----------
    result : ghginv.pipeline.inventory.InventoryResult
        A compiled result (config, cube, factor sets, emissions).
    settings : UncertaintySettings, optional
        Default from the ``[uncertainty]`` table of its config.
    threads : int, default 2
        Threads of the Monte Carlo.
    emissions : polars.DataFrame, optional
        The emission rows to analyse (``co2e_t`` [t CO2e]); default ``result.emissions`` (a run
        folder's own ``emissions.parquet`` for :func:`ghginv.rerun.uncertainty.uncertainty_of_run`).
    detail_rules : tuple, optional
        The per-cell detail and rule list when the caller has them
        (:func:`ghginv.pipeline.positions.kept_detail`); else resolved again by
        :func:`ghginv.methods.emissions.compute_emissions`.

    Returns
    -------
    UncertaintyResult
        ``uncertainty.parquet``, Table 3.2, settings, statistics, time [s] and the terms.

    Raises
    ------
    ConfigError
        An invalid ``[uncertainty]`` table.
    """
    if settings is None:
        settings = uncertainty_settings(result.config.extra.get("uncertainty"))
    return _compute(result, result.emissions if emissions is None else emissions, settings, threads, detail_rules)


