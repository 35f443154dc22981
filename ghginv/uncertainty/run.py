"""Uncertainty of a compiled result or of a finished run folder (``uncertainty.parquet``).

``compile`` computes it when the inventory TOML has an ``[uncertainty]`` table or ``--uncertainty``
is passed; ``ghginv uncertainty RUN_DIR`` computes it later from the run's cached cube and its
snapshot of the factor sets. See :mod:`ghginv.uncertainty.propagate` for the method and the columns.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .propagate import UncertaintySettings, analyse, build_terms, uncertainty_settings
from .tables import table_3_2

__all__ = ["UncertaintyResult", "uncertainty_of_result", "uncertainty_of_run", "uncertainty_stage"]


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


def _analyse(cfg, detail_rules, emissions: pl.DataFrame, settings: UncertaintySettings, threads: int = 2, fod=None) -> UncertaintyResult:
    """``detail_rules``: (per-cell detail, rule list) of :func:`ghginv.methods.emissions.compute_emissions`, or None (no cube).
    ``fod``: (4.A deposit cells, the other cells, factor sets) when the run has landfill deposits."""
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
    terms = build_terms(detail, rules, emissions, settings, cfg.gwp_set, ft)
    table = analyse(terms, settings, cfg.base_year, threads=threads)
    t32 = table_3_2(terms, cfg.base_year, settings.depth)
    return UncertaintyResult(table, settings, terms.stats, time.perf_counter() - t0, t32, terms)


def _compute(result, emissions: pl.DataFrame, settings: UncertaintySettings, threads: int = 2,
             kept_positions: bool = True) -> UncertaintyResult:
    """The analysis of ``result``: its per-cell detail from its kept positions when it has them
    (:func:`ghginv.pipeline.positions.plan_detail`, the same rows and numbers as resolving again), else from
    :func:`ghginv.methods.emissions.compute_emissions`."""
    from ..methods.emissions import compute_emissions
    from ..methods.waste_fod import split_deposits

    cfg = result.config
    dr = None
    cells, deposits = split_deposits(result.cube.cells, result.sets)  # 4.A deposits: first-order decay terms
    plan = result.plan if kept_positions else None
    if cells.height and plan is not None and not plan.per_entity:
        from ..pipeline.positions import plan_detail

        rules = [r for s in result.sets for r in s.rules]
        dr = (plan_detail(plan, cells, rules, result.emissions), rules)
    elif cells.height:
        _, detail, res, _ = compute_emissions(cells, result.sets, cfg.year_fallback, cfg.keep_entity)
        dr = (detail, res.rules)
    return _analyse(cfg, dr, emissions, settings, threads, (deposits, cells, result.sets))


def uncertainty_stage(cfg, detail_rules, emissions: pl.DataFrame, fod=None) -> UncertaintyResult:
    """The ``uncertainty`` stage of a compile (settings from the ``[uncertainty]`` table); ``fod``:
    (4.A deposit cells, the other cells, factor sets) when the run has landfill deposits."""
    return _analyse(cfg, detail_rules, emissions, uncertainty_settings(cfg.extra.get("uncertainty")), fod=fod)


def uncertainty_of_result(result, settings: UncertaintySettings | None = None, threads: int = 2) -> UncertaintyResult:
    """Uncertainty of an :class:`~ghginv.pipeline.inventory.InventoryResult` (settings from its config)."""
    if settings is None:
        settings = uncertainty_settings(result.config.extra.get("uncertainty"))
    return _compute(result, result.emissions, settings, threads)


def uncertainty_of_run(run_dir: str | os.PathLike, *, draws: int | None = None, seed: int | None = None,
                       activity_pct: float | None = None) -> UncertaintyResult:
    """Uncertainty of a finished run folder, from its cube and factor-set snapshot.

    Settings: the run's own ``[uncertainty]`` table (if it had one), overridden by ``draws``,
    ``seed`` and ``activity_pct`` (the default activity-data uncertainty, %)."""
    from ..rerun.recompute import load_run, recompute

    run = load_run(run_dir)  # read once: the recompute below reuses it
    table = dict(run.config.get("uncertainty") or {})
    if activity_pct is not None:
        ad = table.get("activity_pct")
        ad = dict(ad) if isinstance(ad, dict) else ({} if ad is None else {"default": ad})
        ad["default"] = activity_pct
        table["activity_pct"] = ad
    settings = uncertainty_settings(table, where=f"{Path(run_dir) / 'manifest.json'} [uncertainty]", draws=draws, seed=seed)
    result = recompute(run)  # on the kept positions when the run has them
    return _compute(result, run.frame("emissions.parquet"), settings)
