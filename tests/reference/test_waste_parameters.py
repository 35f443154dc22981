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
    shipped = load_factor_set(ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_waste")
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


def test_waste_only_set_declares_its_own_waste_type(tmp_path):
    """A set with only ``waste_parameters.csv`` for one's own waste type (docs/factor-set-format.md: "or your
    own snake_case code") declares that activity: its deposit rows compile (issue 16 item 8). Parameters are the
    2006 IPCC GL Vol 5 food-waste defaults (DOC 0.15 Table 2.4, DOCf 0.5, MCF 1.0 Table 3.1, F 0.5, OX 0
    Table 3.2, k 0.185 /yr Table 3.3 boreal/temperate wet, 6-month delay) under the code ``my_food``."""
    import numpy as np
    import polars as pl

    from ghginv import compile_inventory
    from ghginv.methods.waste import first_order_decay

    from conftest import write_activity

    src = "2006 IPCC GL Vol 5,Table 2.4/3.1/3.2/3.3"
    _set(tmp_path / "own_waste", [f"my_food,4.A.*,*,,,{p},{v},{u},{src},V" for p, v, u in (
        ("doc", 0.15, "fraction"), ("docf", 0.5, "fraction"), ("mcf", 1.0, "fraction"), ("f", 0.5, "fraction"),
        ("ox", 0, "fraction"), ("k_boreal_temperate_wet", 0.185, "1/yr"), ("delay_months", 6, "month"))])
    rows = [dict(year=y, region="510105", sector="4.A.1", activity="my_food", amount=20_000.0, unit="t") for y in range(2010, 2025)]
    act = write_activity(tmp_path / "activity.parquet", rows)
    res = compile_inventory(activity=[str(act)], factors=[str(tmp_path / "own_waste")], gwp="AR5GWP100", years=(2010, 2024),
                            extra={"waste": {"climate_zone": "boreal_temperate_wet"}})
    em = res.emissions.filter(pl.col("activity") == "my_food").sort("year")
    years = np.arange(2010, 2025)
    ref = first_order_decay(np.array([np.full(15, 20.0)]), years, [0.15], 0.5, 1.0, 0.5, [0.185], 0.0, 0.0, 6)
    np.testing.assert_allclose(em["emissions_t"].to_numpy(), ref.ch4_emitted[0] * 1000, rtol=1e-12)
    assert load_factor_set(tmp_path / "own_waste").activity_codes() == {"my_food"}
