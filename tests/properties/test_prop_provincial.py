"""The provincial summary table of inventory.xlsx (ghginv.report.provincial) equals the run's inventory for
random compiled inventories (properties.gen): per year and gas, each of the guideline's sectors is the
whole-area sum of its IPCC categories in inventory.parquet in 万吨 (t / 1e4) — 能源活动 + 国际燃料舱 = 1,
工业生产过程 = 2, 农业 = 3.A + 3.C + 3.D.2, 土地利用变化和林业 = 3.B + 3.D.1, 废弃物处理 = 4 — the totals
with and without LULUCF are TOTAL and TOTAL minus LULUCF, and the indirect memo is the indirect TOTAL."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from properties.gen import random_scenario, write_rows, write_sets

from ghginv import compile_inventory
from ghginv.report.provincial import summary_table

SECTORS = {"1": ("1",), "2": ("2",), "3": ("3.A", "3.C", "3.D.2"), "4": ("3.B", "3.D.1"), "5": ("4",), "6": ("5",)}
GAS_COLS = {"CO2": "CO2_10kt", "CH4": "CH4_10kt", "N2O": "N2O_10kt"}


def _inv_sum(inv: pl.DataFrame, year: int, scope: str, cats: tuple[str, ...], col: str, gas: str | None = None) -> float | None:
    sub = inv.filter(pl.col("year") == year, pl.col("scope") == scope, pl.col("category").is_in(list(cats)), pl.col(col).is_not_null())
    if gas is not None:
        sub = sub.filter(pl.col("gas") == gas)
    return float(sub[col].sum()) if sub.height else None


def _bunkers(em: pl.DataFrame, year: int, col: str, gas: str | None = None) -> float | None:
    """International bunkers (1.A.3.a.i, 1.A.3.d.i): memo rows of the inventory (outside IPCC 1 and TOTAL) and of the provincial table."""
    b = em.filter(pl.col("year") == year, pl.col("scope") == "memo",
                  pl.col("sector").str.starts_with("1.A.3.a.i") | pl.col("sector").str.starts_with("1.A.3.d.i"))
    if gas is not None:
        b = b.filter(pl.col("gas") == gas)
    return float(b[col].sum()) if b.height else None


def _same(got, want, scale: float) -> bool:
    if want is None:
        return got is None
    return got is not None and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9 * max(1.0, scale))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1))
def test_summary_equals_the_inventory(seed):
    sc = random_scenario(seed, n_rows=60)
    with tempfile.TemporaryDirectory() as d:
        sets = write_sets(sc, Path(d) / "sets")
        files = write_rows(sc.rows, Path(d) / "act")
        res = compile_inventory(activity=[str(f) for f in files], factors=[str(s) for s in sets], gwp="AR5GWP100")
    inv, em = res.inventory, res.emissions
    t = summary_table(em, res.tables.get("energy_activity"), None, inv)
    got = {(r["year"], r["code"]): r for r in t.iter_rows(named=True)}
    scale = float(em["co2e_t"].abs().sum()) / 1e4
    for y in sorted(em["year"].unique().to_list()):
        for code, cats in SECTORS.items():
            if code == "6" and _inv_sum(inv, y, "direct", cats, "co2e_t") is None:
                assert (y, "6") not in got
                continue
            for gas, col, src in ((None, "co2e_10kt", "co2e_t"), *((g, c, "emissions_t") for g, c in GAS_COLS.items())):
                want = _inv_sum(inv, y, "direct", cats, src, gas)  # bunkers are memo rows: not in the direct sums
                assert _same(got[(y, code)][col], None if want is None else want / 1e4, scale), (y, code, gas)
        total = _inv_sum(inv, y, "direct", ("TOTAL",), "co2e_t")
        if total is not None:
            lulucf = _inv_sum(inv, y, "direct", SECTORS["4"], "co2e_t") or 0.0
            assert math.isclose(got[(y, "T1")]["co2e_10kt"], total / 1e4, rel_tol=1e-9, abs_tol=1e-9 * max(1.0, scale))
            assert math.isclose(got[(y, "T2")]["co2e_10kt"], (total - lulucf) / 1e4, rel_tol=1e-9, abs_tol=1e-9 * max(1.0, scale))
        bunk = _bunkers(em, y, "co2e_t")  # the memo row M1 holds the bunkers, outside T1 and T2
        assert _same(got[(y, "M1")]["co2e_10kt"] if (y, "M1") in got else None, None if bunk is None else bunk / 1e4, scale)
        ind = _inv_sum(inv, y, "indirect", ("TOTAL",), "co2e_t")
        assert _same(got[(y, "M3")]["co2e_10kt"], None if ind is None else ind / 1e4, scale)
