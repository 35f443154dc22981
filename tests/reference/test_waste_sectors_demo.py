"""The all-sectors demo (``ghginv/data/demo/qingyang_synthetic_sectors.toml``, SYNTHETIC data): energy,
IPPU, agriculture and waste in one run, with the landfill history before the reported years."""

from __future__ import annotations

import importlib.util

import numpy as np
import polars as pl
import pytest

import ghginv
from ghginv.methods.waste import first_order_decay

from conftest import ROOT

TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic_sectors.toml"
DATA = ROOT / "ghginv" / "data" / "demo" / "data" / "qingyang_synthetic" / "sectors_synthetic.parquet"


@pytest.fixture(scope="module")
def result():
    return ghginv.compile_inventory(TOML)


def test_generator_reproduces_the_shipped_file():
    spec = importlib.util.spec_from_file_location("gen_sectors", ROOT / "ghginv" / "data" / "demo" / "generate_qingyang_sectors_synthetic.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.generate().equals(pl.read_parquet(DATA))


def test_all_sectors_and_gases(result):
    assert result.config.is_synthetic
    inv = result.inventory.filter(pl.col("scope") == "direct", pl.col("notation_key").is_null())
    assert sorted(inv.filter(pl.col("level") == 1)["category"].unique().to_list()) == ["1", "2", "3", "4"]
    assert {"CO2", "CH4", "N2O", "HFC32", "HFC134a", "SF6"} <= set(inv["gas"].unique().to_list())
    # the five provincial sectors all carry numbers: forest, urban-tree and wetland removals under 3.B
    assert inv.filter(pl.col("category") == "3.B", pl.col("gas") == "CO2")["co2e_t"].max() < 0
    # the seven gases: what is not estimated carries its notation key (never a silent zero)
    keyed = result.inventory.filter(pl.col("notation_key").is_not_null(), pl.col("year") == 2024)
    assert {"PFCs", "NF3"} <= set(keyed["gas"].unique().to_list())
    # issue 22: the synthetic carbide plant makes 2.B an estimate and the gas utility 1.B (CH4, CO2 of distribution):
    # both "NO" keys are gone; 1.B's other gases are NE like every other category not estimated
    assert keyed.filter(pl.col("category") == "2.B", pl.col("gas") == "CO2", pl.col("region") == "510105").height == 0
    assert keyed.filter(pl.col("category") == "1.B", pl.col("gas") == "CH4", pl.col("region") == "510105").height == 0
    assert keyed.filter(pl.col("category") == "1.B")["notation_key"].unique().to_list() == ["NE"]
    assert keyed.filter(pl.col("category") == "2.E")["notation_key"].unique().to_list() == ["NE"]
    assert sorted(inv["year"].unique().to_list()) == [2020, 2021, 2022, 2023, 2024]
    for (_year, _gas), g in inv.group_by("year", "gas"):
        total = g.filter(pl.col("category") == "TOTAL")["co2e_t"].sum()
        assert total == pytest.approx(g.filter(pl.col("level") == 1)["co2e_t"].sum(), rel=1e-12)


def test_landfill_uses_the_whole_history(result):
    """4.A.1 CH4 in 2024 from deposits 1995–2024, recomputed with the function and the shipped parameters."""
    dep = pl.read_parquet(DATA).filter(pl.col("sector") == "4.A.1")
    params = {"msw_food": (0.15, 0.185), "msw_paper": (0.40, 0.06), "msw_textiles": (0.24, 0.06), "msw_wood": (0.43, 0.03), "msw_garden": (0.20, 0.10)}
    years = np.arange(1995, 2025)
    expected = 0.0
    for act, (doc, k) in params.items():
        w = dep.filter(pl.col("activity") == act).sort("year")["amount"].to_numpy() / 1000.0
        expected += first_order_decay(w, years, doc, 0.5, 1.0, 0.5, k, 0.0, 0.0, 6).ch4_emitted[0, -1] * 1000
    got = result.emissions.filter(pl.col("sector") == "4.A.1", pl.col("year") == 2024)["emissions_t"].sum()
    assert got == pytest.approx(expected, rel=1e-12)
    assert result.waste["first_deposit_year"] == 1995


def test_synthetic_smelter_and_carbide_plant(result):
    """Issue 22: the SYNTHETIC aluminium smelter (CWPB cells) and calcium-carbide plant of the demo, by hand:
    Al × 1.6 t CO2/t (Vol 3 Table 4.10), × 0.4 kg CF4/t and 0.04 kg C2F6/t (Table 4.15); CaC2 × 1.090 t CO2/t (Table 3.8)."""
    dep = pl.read_parquet(DATA).filter(pl.col("year") == 2024)
    al = dep.filter(pl.col("activity") == "aluminium_cwpb")["amount"].item()
    cc = dep.filter(pl.col("activity") == "calcium_carbide")["amount"].item()
    em = result.emissions.filter(pl.col("year") == 2024)
    def got(act, gas):
        return em.filter(pl.col("activity") == act, pl.col("gas") == gas)["emissions_t"].sum()
    assert got("aluminium_cwpb", "CO2") == pytest.approx(al * 1.6, rel=1e-12)
    assert got("aluminium_cwpb", "CF4") == pytest.approx(al * 0.4 / 1000, rel=1e-12)
    assert got("aluminium_cwpb", "C2F6") == pytest.approx(al * 0.04 / 1000, rel=1e-12)
    assert got("calcium_carbide", "CO2") == pytest.approx(cc * 1.090, rel=1e-12)
    inv = result.inventory.filter(pl.col("scope") == "direct", pl.col("year") == 2024, pl.col("notation_key").is_null())
    assert {"CF4", "C2F6"} <= set(inv.filter(pl.col("category") == "2.C.3")["gas"].to_list())
