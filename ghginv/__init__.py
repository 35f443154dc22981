"""ghginv — a fast, traceable greenhouse gas inventory calculator.

The public API: one entry point per capability, the ones the command line calls::

    import ghginv
    cfg = ghginv.load_config("ghginv/data/demo/qingyang_synthetic.toml")
    result = ghginv.Inventory(cfg).run()     # polars DataFrames: result.emissions, result.inventory
    result.write("out/demo")

    ghginv.compile_inventory(activity=["data/"], factors=["ipcc2006_energy"], gwp="AR5GWP100")

==========================  ===============================================================
capability                  names
==========================  ===============================================================
compile                     :func:`compile_inventory`, :class:`Inventory`, :func:`load_config`,
                            :func:`inventory_summary`
check inputs                :func:`validate_inputs`
import a ledger             :func:`import_ledger`, :func:`draft_mapping`
factor sets                 :func:`load_factor_set`, :func:`factor_set_table`,
                            :func:`diff_factor_sets`
a finished run              :func:`load_run`, :func:`recompute`, :func:`evaluate_scenarios`,
                            :func:`uncertainty_of_run`, :func:`rebuild_reports`,
                            :func:`report_charts`,
                            :func:`drill_down`, :func:`drill_path`
two runs                    :func:`diff_runs`, :func:`attach_recalculation`,
                            :func:`write_recalculation`, :func:`recalculation_html`,
                            :func:`changed_factors`
the demo                    :func:`write_demo`, :data:`DEMO_INVENTORY`
tables of a run             :func:`sum_by` (group sums with the same bits on every call)
==========================  ===============================================================

Heavy modules are imported on first use, so ``import ghginv`` stays cheap.
"""

from __future__ import annotations

import sys
from importlib import import_module

__all__ = [
    "__version__",
    "Inventory",
    "InventoryResult",
    "RunConfig",
    "load_config",
    "compile_inventory",
    "inventory_summary",
    "validate_inputs",
    "import_ledger",
    "draft_mapping",
    "load_run",
    "recompute",
    "evaluate_scenarios",
    "uncertainty_of_run",
    "rebuild_reports",
    "report_charts",
    "drill_down",
    "drill_path",
    "diff_runs",
    "attach_recalculation",
    "write_recalculation",
    "recalculation_html",
    "changed_factors",
    "factor_set_table",
    "diff_factor_sets",
    "FactorSet",
    "load_factor_set",
    "gwp_table",
    "parse_unit",
    "write_demo",
    "DEMO_INVENTORY",
    "sum_by",
    "GhgInvError",
    "ConfigError",
    "InputFileError",
    "SchemaError",
    "ValidationError",
    "UnitError",
    "FactorSetError",
    "ManifestError",
    "DuplicateRuleError",
    "AmbiguousFactorError",
    "MissingFactorError",
    "ConversionError",
    "UnknownGwpError",
]

# public name -> module (the object has the same name there), or (module, name there)
_LAZY = {
    "__version__": "ghginv.core.version",  # importlib.metadata: not for ``ghginv --help``
    "Inventory": "ghginv.pipeline.inventory",
    "InventoryResult": "ghginv.pipeline.inventory",
    "RunConfig": "ghginv.core.config",
    "load_config": "ghginv.core.config",
    "FactorSet": "ghginv.factors",
    "load_factor_set": "ghginv.factors",
    "gwp_table": "ghginv.core.gwp",
    "parse_unit": "ghginv.core.units",
    "inventory_summary": "ghginv.pipeline.summary",
    "validate_inputs": "ghginv.pipeline.checks",
    "import_ledger": "ghginv.inputs.importer",
    "draft_mapping": "ghginv.inputs.importer",
    "load_run": "ghginv.rerun.folder",
    "recompute": "ghginv.rerun.recompute",
    "evaluate_scenarios": "ghginv.rerun.scenarios",
    "uncertainty_of_run": "ghginv.rerun.uncertainty",
    "rebuild_reports": "ghginv.report",
    "report_charts": "ghginv.report",
    "drill_down": "ghginv.rerun.drill",
    "drill_path": "ghginv.rerun.drill",
    "changed_factors": "ghginv.rerun.compare",
    "diff_runs": "ghginv.rerun.recalc",
    "attach_recalculation": "ghginv.rerun.recalc",
    "write_recalculation": "ghginv.rerun.recalc",
    "recalculation_html": ("ghginv.report._recalc", "recalc_fragment"),
    "factor_set_table": "ghginv.factors.tools",
    "diff_factor_sets": "ghginv.factors.tools",
    "write_demo": "ghginv.demo",
    "DEMO_INVENTORY": "ghginv.demo",
    "sum_by": "ghginv.core._frames",
}


# True when the command line is the whole process (set by :func:`ghginv.cli.main`): see _import_module; the write stage
# then also gives back the memory of factors_used once it is written (ghginv.pipeline.write.write_run, release)
_CLI_PROCESS = False


def _import_module(module: str):
    """``importlib.import_module(module)``; in the command-line process (:data:`_CLI_PROCESS`) the
    first import of a heavy module (polars, numpy, pyarrow and the pipeline: some 600 modules) runs
    with the garbage collector off, and what it created is then frozen (:func:`gc.freeze`): modules,
    classes and functions that live as long as the process, which the collector would otherwise
    walk again and again (about 0.05 s of a demo compile's CPU time, for nothing found)."""
    if not _CLI_PROCESS or module in sys.modules:
        return import_module(module)
    import gc

    if not gc.isenabled():
        return import_module(module)
    gc.disable()
    try:
        return import_module(module)
    finally:
        gc.freeze()
        gc.enable()


def __getattr__(name: str):
    if name in _LAZY:
        where = _LAZY[name]
        module, attr = where if isinstance(where, tuple) else (where, name)
        return getattr(_import_module(module), attr)
    if name in __all__ and name.endswith("Error"):
        return getattr(import_module("ghginv.core.errors"), name)
    raise AttributeError(f"module 'ghginv' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


def compile_inventory(toml_path=None, *, out=None, **options):
    """Compile an inventory in one call: read the configuration, run every stage, optionally write.

    Parameters
    ----------
    toml_path : str or os.PathLike, optional
        An inventory TOML (``ghginv/data/demo/qingyang_synthetic.toml``). Optional when ``options``
        give ``activity`` and ``factors``.
    out : str or os.PathLike, optional
        Run folder to write (atomically: ``emissions.parquet``, ``inventory.parquet``, the
        reports, ``manifest.json`` …). Without it nothing is written.
    **options
        Those of :func:`load_config`, overriding the TOML: ``activity`` (paths or URLs),
        ``factors`` (set names or folders, in precedence order), ``gwp`` (``"AR5GWP100"`` …),
        ``years`` ((first, last)), ``base_year``, ``keep_entity``, ``year_fallback``,
        ``engine``, ``extra`` (TOML tables, e.g. ``{"uncertainty": {...}}``).

    Returns
    -------
    InventoryResult
        ``emissions`` (t of each gas and ``co2e_t`` [t CO2e] per year, region, sector, activity,
        gas), ``inventory`` (IPCC categories, all levels), ``cube``, ``sets``, ``timings``.

    Raises
    ------
    ConfigError
        The TOML or an option is invalid (also: ``out`` exists and is not a ghginv run).
    InputFileError, SchemaError, ValidationError
        The activity data cannot be read or break the data contract.
    FactorSetError, MissingFactorError, AmbiguousFactorError
        A factor set is invalid, or an activity has no (or more than one) factor.

    References
    ----------
    .. [1] IPCC (2006), 2006 IPCC Guidelines for National Greenhouse Gas Inventories, Vol 2
       Ch 2, Eq 2.1 (emissions = activity data × emission factor), per gas, then CO2e with the
       chosen GWP set.

    Examples
    --------
    >>> result = ghginv.compile_inventory("ghginv/data/demo/qingyang_synthetic.toml", out="out/demo")  # doctest: +SKIP
    >>> result.inventory.filter(pl.col("level") == 0)                                          # doctest: +SKIP
    """
    from .core.config import load_config
    from .pipeline.inventory import Inventory

    result = Inventory(load_config(toml_path, **options)).run()
    if out is not None:
        result.write(out)
    return result
