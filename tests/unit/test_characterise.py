"""CO2e in one place: ``--gwp`` resolved once into a GwpSet, one multiplication by a GWP
(:meth:`ghginv.core.gwp.GwpSet.co2e`), one ``characterise`` step that adds ``co2e_t``."""

from __future__ import annotations

import ast
from pathlib import Path

import polars as pl
import pytest

from ghginv.core.config import RunConfig, load_config
from ghginv.core.errors import UnknownGwpError
from ghginv.core.gwp import gwp_set
from ghginv.pipeline.characterise import characterise

from conftest import ROOT

PKG = ROOT / "ghginv"
# the one multiplication, and the fused scenario kernel that takes each scenario's GwpSet.vector
MAY_MULTIPLY = {"core/gwp.py", "kernels/montecarlo.py"}


def _mentions_gwp(node: ast.AST) -> bool:
    """A name, attribute or string inside ``node`` that says GWP (``gas_gwp``, ``gwps``, ``cfg.gwp``,
    ``replace_strict(gwps)`` …), or a GwpSet's ``.vector(…)``."""
    for n in ast.walk(node):
        text = n.id if isinstance(n, ast.Name) else n.attr if isinstance(n, ast.Attribute) else n.value if (
            isinstance(n, ast.Constant) and isinstance(n.value, str)) else ""
        if "gwp" in text.lower() or (isinstance(n, ast.Attribute) and n.attr == "vector"):
            return True
    return False


def test_only_core_gwp_multiplies_by_a_gwp():
    """No module but core/gwp.py (GwpSet.co2e) and the scenario kernel multiplies by anything
    named after a GWP: every other CO2e goes through GwpSet.co2e (characterise, uncertainty terms)."""
    found = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
                operands = (node.left, node.right)
            elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Mult):
                operands = (node.target, node.value)
            else:
                continue
            if any(_mentions_gwp(o) for o in operands):
                found.append(f"{rel}:{node.lineno}")
    assert {f.split(":")[0] for f in found} <= MAY_MULTIPLY, "\n".join(f for f in found if f.split(":")[0] not in MAY_MULTIPLY)
    assert any(f.startswith("core/gwp.py:") for f in found)  # the test sees the one it allows


def test_characterise_adds_co2e_after_emissions_t():
    rows = pl.DataFrame({"year": [2024, 2024, 2024], "gas": ["N2O", "CO2", "CH4"], "emissions_t": [2.0, 10.0, 3.0],
                         "scope": ["direct"] * 3})
    out = characterise(rows, gwp_set("AR5GWP100"))
    assert out.columns == ["year", "gas", "emissions_t", "co2e_t", "scope"]
    assert out["co2e_t"].to_list() == [2.0 * 265.0, 10.0, 3.0 * 28.0]
    again = characterise(out, gwp_set("AR6GWP100"))  # an existing co2e_t is replaced in place
    assert again.columns == out.columns and again["co2e_t"].to_list() == [2.0 * 273.0, 10.0, 3.0 * 27.9]
    empty = characterise(rows.head(0), gwp_set("AR5GWP100"))
    assert empty.height == 0 and empty.schema["co2e_t"] == pl.Float64


def test_characterise_names_a_gas_the_set_lacks():
    rows = pl.DataFrame({"gas": ["CO2", "C7F16"], "emissions_t": [1.0, 1.0]})
    with pytest.raises(UnknownGwpError, match="GWP set 'SARGWP100' has no value for C7F16"):
        characterise(rows, gwp_set("SARGWP100"))


def test_gwp_is_resolved_when_the_config_is_built(tmp_path: Path):
    cfg = load_config(activity=[str(tmp_path)], factors=[str(ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_energy")], gwp="AR6GWP100")
    assert cfg.gwp == "AR6GWP100" and cfg.gwp_set is gwp_set("AR6GWP100")
    assert cfg.to_dict()["gwp"] == "AR6GWP100" and "gwp_set" not in cfg.to_dict()
    assert cfg.with_overrides(gwp="SARGWP100").gwp_set is gwp_set("SARGWP100")
    with pytest.raises(UnknownGwpError, match="'AR9GWP100'"):
        load_config(activity=[str(tmp_path)], factors=[str(ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_energy")], gwp="AR9GWP100")
    with pytest.raises(UnknownGwpError):
        RunConfig(activity_paths=(str(tmp_path),), factor_sets=(ROOT,), gwp="ar5")


def test_characterise_with_ch4_split_by_origin(tmp_path: Path):
    """AR6GWP100_CH4FNF (TOML ``gwp`` or ``--gwp``): characterise gives CH4 of fuel combustion 29.8
    and of waste, agriculture and biomass fuels 27.0 (AR6 WG1 Table 7.15), by the row's sector and
    its activity's fuel class; without the fuel classes it refuses rather than guess."""
    toml = tmp_path / "inv.toml"
    toml.write_text('[inventory]\ngwp = "AR6GWP100_CH4FNF"\n[activity]\npaths = ["."]\n[factors]\nsets = ["ipcc2006_energy"]\n',
                    encoding="utf-8")
    cfg = load_config(toml)
    assert cfg.gwp_set is gwp_set("AR6GWP100_CH4FNF") and cfg.to_dict()["gwp"] == "AR6GWP100_CH4FNF"
    rows = pl.DataFrame({"sector": ["1.A.1.a", "1.A.1.a", "4.A.1", "3.A.1", "1.A.1.a"],
                         "activity": ["natural_gas", "wood", "msw_food", "dairy_cattle", "natural_gas"],
                         "gas": ["CH4", "CH4", "CH4", "CH4", "N2O"], "emissions_t": [2.0, 3.0, 5.0, 7.0, 1.0]})
    out = characterise(rows, cfg.gwp_set, {"natural_gas": "gaseous", "wood": "biomass"})
    assert out.columns == ["sector", "activity", "gas", "emissions_t", "co2e_t"]
    assert out["co2e_t"].to_list() == [2.0 * 29.8, 3.0 * 27.0, 5.0 * 27.0, 7.0 * 27.0, 273.0]
    assert cfg.gwp_set.keys_of(rows, {"wood": "biomass"}).to_list() == [
        "CH4:fossil", "CH4:non_fossil", "CH4:non_fossil", "CH4:non_fossil", "N2O"]
    with pytest.raises(ValueError, match="fuel classes"):
        characterise(rows, cfg.gwp_set)
    # rows without CH4 need no classes
    assert characterise(rows.filter(pl.col("gas") == "N2O"), cfg.gwp_set)["co2e_t"].to_list() == [273.0]
