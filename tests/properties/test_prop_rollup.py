"""Inventory roll-ups (design §5, ghginv.pipeline.aggregate): per year, region, scope and gas,

* every category equals the emissions of the sectors at or below it;
* every category equals the sum of its child categories plus what is reported at its own code;
* TOTAL (level 0) equals the sum of the level-1 categories;
* co2e_t likewise, and direct / indirect / memo are never mixed.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from properties.gen import random_scenario, write_rows, write_sets

from ghginv import compile_inventory


def parent(code: str) -> str:
    return "TOTAL" if "." not in code else code.rsplit(".", 1)[0]


def level(code: str) -> int:
    return 0 if code == "TOTAL" else code.count(".") + 1


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1), st.sampled_from(["AR5GWP100", "SARGWP100", "AR6GWP100"]))
def test_rollups_add_up(seed, gwp):
    sc = random_scenario(seed, n_rows=60)
    with tempfile.TemporaryDirectory() as d:
        sets = write_sets(sc, Path(d) / "sets")
        files = write_rows(sc.rows, Path(d) / "act")
        res = compile_inventory(activity=[str(f) for f in files], factors=[str(s) for s in sets], gwp=gwp)
    inv = res.inventory.filter(pl.col("notation_key").is_null())
    em = res.emissions
    assert set(inv["scope"]) <= {"direct", "indirect", "memo"}
    assert set(inv.filter(pl.col("category") == "TOTAL")["level"]) == {0}

    for value in ("emissions_t", "co2e_t"):
        cat = {(r["year"], r["region"], r["scope"], r["gas"], r["category"]): r[value] for r in inv.iter_rows(named=True)}
        assert len(cat) == inv.height  # one row per (year, region, scope, gas, category)
        # 1. bottom-up from the emissions rows
        own = defaultdict(float)
        expect = defaultdict(float)
        for r in em.iter_rows(named=True):
            k = (r["year"], r["region"], r["scope"], r["gas"])
            own[k + (r["sector"],)] += r[value]
            code = r["sector"]
            while True:
                expect[k + (code,)] += r[value]
                if code == "TOTAL":
                    break
                code = parent(code)
        assert set(expect) == set(cat)
        for k, v in expect.items():
            assert cat[k] == pytest.approx(v, rel=1e-12, abs=1e-300), k
        # 2. parent = sum of children + own
        children = defaultdict(float)
        for k, v in cat.items():
            if k[-1] != "TOTAL":
                children[k[:-1] + (parent(k[-1]),)] += v
        for k, v in cat.items():
            assert v == pytest.approx(children.get(k, 0.0) + own.get(k, 0.0), rel=1e-12, abs=1e-300), k
        # 3. TOTAL = sum of level-1 categories
        for k, v in cat.items():
            if k[-1] == "TOTAL":
                lvl1 = sum(x for kk, x in cat.items() if kk[:-1] == k[:-1] and level(kk[-1]) == 1)
                assert v == pytest.approx(lvl1, rel=1e-12, abs=1e-300), k
    # the level column agrees with the code depth, and category names are filled in
    for r in inv.select("category", "level", "category_name").unique().iter_rows(named=True):
        assert r["level"] == level(r["category"])
        assert r["category_name"]
