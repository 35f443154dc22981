"""Uncertainty of a finished run folder: ``ghginv uncertainty RUN_DIR``.

The run is recomputed from its cached cube and its snapshot of the factor sets
(:func:`ghginv.rerun.recompute.recompute`, on the kept positions when the run has them), and the
analysis of :mod:`ghginv.uncertainty` (Approach 1 and a seeded Monte Carlo, 2006 IPCC GL Vol 1
Ch 3) runs on that result. With kept positions, the per-cell detail the analysis reads comes from
them (:func:`ghginv.pipeline.positions.plan_detail`) instead of resolving the factors again — the
same rows and numbers.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..pipeline.positions import kept_detail
from ..uncertainty.propagate import uncertainty_settings
from ..uncertainty.run import UncertaintyResult, uncertainty_of_result

__all__ = ["uncertainty_of_run"]


def uncertainty_of_run(run_dir: str | os.PathLike, *, draws: int | None = None, seed: int | None = None,
                       activity_pct: float | None = None) -> UncertaintyResult:
    """Uncertainty of a finished run folder, from its cached cube and factor-set snapshot.

    Approach 1 (error propagation) and Approach 2 (a seeded Monte Carlo) of the 2006 IPCC
    Guidelines, per category, gas, scope and year, and of the trend against the base year.
    Settings are the run's own ``[uncertainty]`` table (if it had one), overridden by the
    arguments given. The run folder is not changed.

    Parameters
    ----------
    run_dir : str or os.PathLike
        A run folder written by ``ghginv compile`` (or :func:`ghginv.compile_inventory` with
        ``out``).
    draws : int, optional
        Monte Carlo iterations [-]; default the run's ``[uncertainty] draws``, else 10 000.
    seed : int, optional
        Random seed; default the run's, else 20240101. The same seed gives the same table.
    activity_pct : float, optional
        Default activity-data uncertainty [%], the half-width of the 95 % confidence interval
        relative to the amount, for activity sources the run gives none.

    Returns
    -------
    UncertaintyResult
        ``table`` (the frame of ``uncertainty.parquet``: ``co2e_t``, ``mean``, ``p2_5``,
        ``p97_5``, ``half_width_pct``, ``approach1_pct``, trend columns), ``table_3_2`` (the
        layout of IPCC Table 3.2), ``settings``, ``stats`` (what was treated as exact) and
        ``note()``.

    Raises
    ------
    InputFileError
        ``run_dir`` is not a run folder, or its cached cube changed after the run.
    ConfigError
        An ``[uncertainty]`` setting or an argument is out of range.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 1
       Ch 3 "Uncertainties": Eqs 3.1-3.2 (Approach 1), Table 3.2 (trend), Section 3.2.3.2
       (Approach 2, Monte Carlo).

    Examples
    --------
    >>> res = ghginv.uncertainty_of_run("out/demo", draws=2000, activity_pct=5)  # doctest: +SKIP
    >>> res.table.filter(pl.col("category") == "TOTAL")                          # doctest: +SKIP
    """
    from .folder import load_run
    from .recompute import recompute

    run = load_run(run_dir)  # read once: the recompute below reuses it
    table = dict(run.config.get("uncertainty") or {})
    if activity_pct is not None:
        ad = table.get("activity_pct")
        ad = dict(ad) if isinstance(ad, dict) else ({} if ad is None else {"default": ad})
        ad["default"] = activity_pct
        table["activity_pct"] = ad
    settings = uncertainty_settings(table, where=f"{Path(run_dir) / 'manifest.json'} [uncertainty]", draws=draws, seed=seed)
    result = recompute(run, recalculation=False)  # on the kept positions when the run has them
    return uncertainty_of_result(result, settings, emissions=run.frame("emissions.parquet"), detail_rules=kept_detail(result))
