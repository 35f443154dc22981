"""``waste_parameters.csv``: loading, checking, precedence (docs/factor-set-format.md)."""

from __future__ import annotations

import hashlib

import pytest

from ghginv.core.errors import DuplicateRuleError, FactorSetError
from ghginv.core.units import parse_ratio, parse_unit
from ghginv.factors import load_factor_set
from ghginv.factors.waste_params import resolve_waste_parameter

from conftest import ROOT

HEADER = "activity,sector,region,year_from,year_to,parameter,value,unit,source,source_locator,status"


def _set(folder, rows, name=None):
    folder.mkdir(parents=True, exist_ok=True)
    text = HEADER + "\n" + "\n".join(rows) + "\n"
    (folder / "waste_parameters.csv").write_text(text, encoding="utf-8")
    digest = hashlib.sha256(text.encode()).hexdigest()
    (folder / "manifest.toml").write_text(
        f'name = "{name or folder.name}"\nversion = "t.1"\ntitle = "t"\npublisher = "t"\npublished = "2024-01-01"\n'
        f'url = "https://example.invalid"\nlicense = "CC0"\n[files]\n"waste_parameters.csv" = "sha256:{digest}"\n', encoding="utf-8")
    return load_factor_set(folder)


def test_precedence_inside_and_across_sets(tmp_path):
    local = _set(tmp_path / "local", [
        "*,4.A.2,*,,,mcf,0.4,fraction,site survey,report p. 3,S",
        "msw_food,*,5101*,2020,,doc,15,%,local study,table 1,S",
    ])
    shipped = load_factor_set(ROOT / "factors" / "ipcc2006_waste")
    sets = [local, shipped]
    assert resolve_waste_parameter(sets, "mcf", "510105", "4.A.2", "msw_food", 2024).value_norm == 0.4
    assert resolve_waste_parameter(sets, "mcf", "510105", "4.A.1", "msw_food", 2024).value_norm == 1.0  # shipped, 4.A.1
    assert resolve_waste_parameter(sets, "doc", "510105", "4.A.1", "msw_food", 2024).set_name == "local"
    assert resolve_waste_parameter(sets, "doc", "510105", "4.A.1", "msw_food", 2019).set_name == "ipcc2006_waste"
    assert resolve_waste_parameter(sets, "doc", "110101", "4.A.1", "msw_food", 2024).set_name == "ipcc2006_waste"
    assert resolve_waste_parameter(sets, "doc", "510105", "4.A.1", "msw_plastics", 2024) is None


@pytest.mark.parametrize(
    "row, match",
    [
        ("msw_food,4.A.*,*,,,doc,0.15,fraction,src,loc,R", "status R"),
        ("msw_food,4.A.*,*,,,dock,0.15,fraction,src,loc,V", "unknown parameter"),
        ("msw_food,4.A.*,*,,,doc,0.15,t/t,src,loc,V", "unit of doc"),
        ("msw_food,4.A.*,*,,,doc,1.5,fraction,src,loc,V", "must lie in"),
        ("msw_food,1.A.1,*,,,doc,0.15,fraction,src,loc,V", "4.A"),
        ("msw_food,4.A.*,*,,,k_boreal_temperate_wet,0,1/yr,src,loc,V", "k must be > 0"),
        ("msw_food,4.A.*,*,,,doc,0.15,fraction,,loc,V", "source is empty"),
        ("Food,4.A.*,*,,,doc,0.15,fraction,src,loc,V", "snake_case"),
    ],
)
def test_bad_rows(tmp_path, row, match):
    with pytest.raises(FactorSetError, match=match):
        _set(tmp_path / "bad", [row])


def test_overlapping_rows_tie(tmp_path):
    with pytest.raises(DuplicateRuleError, match="duplicate waste parameter"):
        _set(tmp_path / "dup", ["*,4.A.*,*,2000,2010,f,0.5,fraction,a,b,V", "*,4.A.*,*,2010,,f,0.5,fraction,a,b,V"])


def test_count_units():
    assert parse_unit("head").dimension == "count" and parse_unit("头").dimension == "count"
    assert parse_unit("10^4 head").scale == 1e4
    r = parse_ratio("kg/head")
    assert (r.numerator.dimension, r.denominator.dimension, r.scale) == ("mass", "count", 1e-3)
    assert parse_ratio("g/person").scale == 1e-6
