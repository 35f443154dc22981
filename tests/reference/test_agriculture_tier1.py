"""Agriculture Tier 1 through ``compile`` with the shipped set ``ipcc2006_agriculture``.

2006 IPCC GL Vol 4 Ch 10 (enteric fermentation and manure management CH4 per head, Asia) and
Ch 11 (N2O from managed soils); facts file ../shared/afolu-facts.md §6.
"""

from __future__ import annotations

from functools import partial

import polars as pl
import pytest

from ghginv.core.errors import MissingFactorError

from conftest import ROOT
from tier1_helpers import compile_rows

AGRI = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_agriculture"


_run = partial(compile_rows, factor_set=AGRI)


def test_livestock_and_soils(tmp_path):
    res = _run(tmp_path, [
        dict(sector="3.A.1", activity="dairy_cattle", amount=100.0, unit="head"),
        dict(sector="3.A.2", activity="dairy_cattle", amount=100.0, unit="head"),
        dict(sector="3.A.1", activity="swine", amount=1000.0, unit="head"),
        dict(sector="3.A.2", activity="swine", amount=1000.0, unit="头"),
        dict(sector="3.C.4", activity="synthetic_fertiliser_n", amount=10.0, unit="t"),
        dict(sector="3.C.5", activity="synthetic_fertiliser_n", amount=10.0, unit="t"),
    ])
    e = res.emissions

    def val(sector, act, gas):
        return e.filter(pl.col("sector") == sector, pl.col("activity") == act, pl.col("gas") == gas)["emissions_t"][0]

    assert val("3.A.1", "dairy_cattle", "CH4") == pytest.approx(100 * 68 / 1000, rel=1e-12)  # Table 10.11 Asia
    assert val("3.A.2", "dairy_cattle", "CH4") == pytest.approx(100 * 14 / 1000, rel=1e-12)  # Table 10.14 Asia, 16 °C
    assert val("3.A.1", "swine", "CH4") == pytest.approx(1000 * 1.0 / 1000, rel=1e-12)
    assert val("3.A.2", "swine", "CH4") == pytest.approx(1000 * 3 / 1000, rel=1e-12)
    # direct: N × EF1 × 44/28; indirect: N × (Frac_GASF × EF4 + Frac_LEACH × EF5) × 44/28
    assert val("3.C.4", "synthetic_fertiliser_n", "N2O") == pytest.approx(10 * 0.01 * 44 / 28, rel=1e-6)
    assert val("3.C.5", "synthetic_fertiliser_n", "N2O") == pytest.approx(10 * (0.10 * 0.010 + 0.30 * 0.0075) * 44 / 28, rel=1e-6)
    inv = res.inventory.filter(pl.col("scope") == "direct")
    ch4 = {c: inv.filter(pl.col("category") == c, pl.col("gas") == "CH4")["emissions_t"][0] for c in ["3", "3.A", "3.A.1", "3.A.2"]}
    assert ch4["3.A"] == pytest.approx(ch4["3.A.1"] + ch4["3.A.2"], rel=1e-12)
    assert ch4["3"] == ch4["3.A"]
    n2o = {c: inv.filter(pl.col("category") == c, pl.col("gas") == "N2O")["emissions_t"][0] for c in ["3", "3.C", "3.C.4", "3.C.5"]}
    assert n2o["3"] == pytest.approx(n2o["3.C.4"] + n2o["3.C.5"], rel=1e-12) and n2o["3.C"] == n2o["3"]


def test_manure_factor_is_tied_to_its_temperature_column(tmp_path):
    """The 16 °C column of Table 10.14 is given for Chengdu (5101*) only: elsewhere a missing-factor error."""
    with pytest.raises(MissingFactorError, match="dairy_cattle"):
        _run(tmp_path, [dict(sector="3.A.2", activity="dairy_cattle", amount=1.0, unit="head")], region="110101")
