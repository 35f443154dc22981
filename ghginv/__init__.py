"""ghginv — a fast, traceable greenhouse gas inventory calculator.

The public API is small::

    import ghginv
    cfg = ghginv.load_config("inventories/qingyang_synthetic.toml")
    result = ghginv.Inventory(cfg).run()     # polars DataFrames: result.emissions, result.inventory
    result.write("out/demo")

    ghginv.compile_inventory(activity=["data/"], factors=["ipcc2006_energy"], gwp="AR5GWP100")

Heavy modules are imported on first use, so ``import ghginv`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module

from .core.version import __version__

__all__ = [
    "__version__",
    "Inventory",
    "InventoryResult",
    "RunConfig",
    "load_config",
    "compile_inventory",
    "FactorSet",
    "load_factor_set",
    "gwp_table",
    "parse_unit",
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

_LAZY = {
    "Inventory": "ghginv.pipeline.inventory",
    "InventoryResult": "ghginv.pipeline.inventory",
    "RunConfig": "ghginv.core.config",
    "load_config": "ghginv.core.config",
    "FactorSet": "ghginv.factors",
    "load_factor_set": "ghginv.factors",
    "gwp_table": "ghginv.core.gwp",
    "parse_unit": "ghginv.core.units",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    if name in __all__ and name.endswith("Error"):
        return getattr(import_module("ghginv.core.errors"), name)
    raise AttributeError(f"module 'ghginv' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


def compile_inventory(toml_path=None, *, out=None, **options):
    """Compile an inventory in one call; returns the :class:`InventoryResult`.

    ``options`` are those of :func:`load_config` (``activity``, ``factors``, ``gwp``, ``years``,
    ``keep_entity``, ``year_fallback`` …). With ``out``, the outputs are written there atomically.
    """
    from .core.config import load_config
    from .pipeline.inventory import Inventory

    result = Inventory(load_config(toml_path, **options)).run()
    if out is not None:
        result.write(out)
    return result
