"""The public API: exactly these names, each resolvable, and a cheap ``import ghginv``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import ghginv

from conftest import ROOT

PUBLIC = [
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
HEAVY = ("polars", "numba", "duckdb", "pyarrow")
# one entry point per capability (issue 15): public name -> (module, name there)
CAPABILITIES = {
    "compile_inventory": ("ghginv", "compile_inventory"),
    "inventory_summary": ("ghginv.pipeline.summary", "inventory_summary"),
    "validate_inputs": ("ghginv.pipeline.checks", "validate_inputs"),
    "import_ledger": ("ghginv.inputs.importer", "import_ledger"),
    "draft_mapping": ("ghginv.inputs.importer.draft", "draft_mapping"),
    "load_run": ("ghginv.rerun.recompute", "load_run"),
    "recompute": ("ghginv.rerun.recompute", "recompute"),
    "evaluate_scenarios": ("ghginv.rerun.scenarios", "evaluate_scenarios"),
    "uncertainty_of_run": ("ghginv.rerun.uncertainty", "uncertainty_of_run"),
    "rebuild_reports": ("ghginv.report", "rebuild_reports"),
    "report_charts": ("ghginv.report", "report_charts"),
    "drill_down": ("ghginv.rerun.drill", "drill_down"),
    "drill_path": ("ghginv.rerun.drill", "drill_path"),
    "changed_factors": ("ghginv.rerun.compare", "changed_factors"),
    "diff_runs": ("ghginv.rerun.recalc", "diff_runs"),
    "attach_recalculation": ("ghginv.rerun.recalc", "attach_recalculation"),
    "write_recalculation": ("ghginv.rerun.recalc", "write_recalculation"),
    "recalculation_html": ("ghginv.report._recalc", "recalc_fragment"),
    "factor_set_table": ("ghginv.factors.tools", "factor_set_table"),
    "diff_factor_sets": ("ghginv.factors.tools", "diff_factor_sets"),
}


def test_all_is_pinned():
    assert len(ghginv.__all__) == len(set(ghginv.__all__)), "duplicate names in __all__"
    assert sorted(ghginv.__all__) == sorted(PUBLIC)


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_resolves(name):
    obj = getattr(ghginv, name)
    assert obj is not None
    assert name in dir(ghginv)


def test_public_objects_are_the_module_objects():
    from ghginv import factors
    from ghginv.core import config, errors, gwp, units
    from ghginv.pipeline import inventory

    assert ghginv.Inventory is inventory.Inventory
    assert ghginv.InventoryResult is inventory.InventoryResult
    assert ghginv.RunConfig is config.RunConfig
    assert ghginv.load_config is config.load_config
    assert ghginv.FactorSet is factors.FactorSet
    assert ghginv.load_factor_set is factors.load_factor_set
    assert ghginv.gwp_table is gwp.gwp_table
    assert ghginv.parse_unit is units.parse_unit
    for name in PUBLIC:
        if name.endswith("Error"):
            cls = getattr(ghginv, name)
            assert cls is getattr(errors, name)
            assert issubclass(cls, ghginv.GhgInvError)
    assert callable(ghginv.compile_inventory)


@pytest.mark.parametrize("name", sorted(CAPABILITIES))
def test_every_capability_is_public_and_the_module_object(name):
    import importlib

    module, attr = CAPABILITIES[name]
    assert name in ghginv.__all__
    assert getattr(ghginv, name) is getattr(importlib.import_module(module), attr)


@pytest.mark.parametrize("name", sorted(CAPABILITIES))
def test_every_capability_has_a_numpydoc_docstring(name):
    """Summary, Parameters, Returns, Examples (pvlib's style); References where a method applies."""
    doc = getattr(ghginv, name).__doc__ or ""
    for section in ("Parameters\n    ----------", "Returns\n    -------", "Examples\n    --------"):
        assert section in doc, f"ghginv.{name}: no {section.splitlines()[0]!r} section"


def test_version_is_a_string():
    assert isinstance(ghginv.__version__, str)
    assert ghginv.__version__.count(".") >= 1


def test_unknown_attribute():
    with pytest.raises(AttributeError):
        ghginv.no_such_thing  # noqa: B018
    with pytest.raises(AttributeError):
        ghginv.NoSuchError  # noqa: B018


def _modules_after(code: str) -> list[str]:
    script = code + f"\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))\n"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_is_cheap():
    assert _modules_after("import ghginv") == []


def test_the_public_names_are_cheap_until_used():
    """Listing the API (``dir``, ``__all__``) imports nothing heavy; only calling a name does."""
    assert _modules_after("import ghginv\ndir(ghginv)\nghginv.__all__") == []


def test_errors_and_version_are_cheap():
    assert _modules_after("import ghginv\nghginv.__version__\nghginv.ValidationError\nghginv.MissingFactorError") == []


def test_version_command_matches():
    out = subprocess.run(
        [sys.executable, "-m", "ghginv.cli", "version"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert out.returncode == 0
    assert out.stdout.strip() == ghginv.__version__
