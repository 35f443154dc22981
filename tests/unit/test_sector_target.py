"""Sector-level intensity target (issue 19 item 4): above-scale industry energy per industrial value added.

Hand calculation with the official intensity rule (cn-statistics-formats.md §4.1: intensities in tce
per 10^4 yuan kept to 4 decimals, half up, before the ratio):

* 2020: energy of 1.A.2 without 1.A.2.k = 1,000 (diesel, 1.A.2.e) + 234.5 (electricity, 1.A.2.h)
  = 1,234.5 tce (construction 1.A.2.k 500 tce and services 1.A.4.a 700 tce are left out);
  value added 10,000 × 10^4 yuan → 0.12345 → 0.1235 (half up; half-even would give 0.1234).
* 2025: 1,000 + 111.5 = 1,111.5 tce; 10,000 → 0.11115 → 0.1112.
  Achieved reduction = (1 − 0.1112 / 0.1235) × 100 = 9.9595… % < 10 %: **not met** (on the
  unrounded ratio it would also be 9.96 %); with 2025 electricity 111.0 tce, 0.1111 → 10.0405 %: met.
* excl_feedstock_nonfossil with a non-fossil share of purchased electricity of 0.5: 2020 energy
  1,234.5 − 0.5 × 234.5 = 1,117.25 tce → 0.111725 → 0.1117.
"""

from __future__ import annotations

import polars as pl
import pytest

from ghginv.analysis.energy import EnergyResult
from ghginv.analysis.indicators import SectorSpec, sector_indicators
from ghginv.analysis.targets import evaluate_targets, parse_targets, sector_specs
from ghginv.core.errors import ConfigError

SPEC = SectorSpec("industry_above_scale", ("1.A.2",), ("1.A.2.k",))
VA = "value_added_const_10k_yuan:industry_above_scale"


def _energy(elec_2025: float) -> EnergyResult:
    rows = [(2020, "R1", "1.A.2.e", "diesel", "liquid", False, 1000.0), (2020, "R1", "1.A.2.h", "electricity", "electricity", False, 234.5),
            (2020, "R1", "1.A.2.k", "diesel", "liquid", False, 500.0), (2020, "R1", "1.A.4.a", "natural_gas", "gaseous", False, 700.0),
            (2025, "R1", "1.A.2.e", "diesel", "liquid", False, 1000.0), (2025, "R1", "1.A.2.h", "electricity", "electricity", False, elec_2025),
            (2025, "R1", "1.A.2.k", "diesel", "liquid", False, 900.0)]
    by_sector = pl.DataFrame(rows, orient="row", schema={"year": pl.Int32, "region": pl.String, "sector": pl.String, "activity": pl.String,
                                                          "fuel_class": pl.String, "feedstock": pl.Boolean, "energy_tce": pl.Float64})
    return EnergyResult(by_sector.drop("sector"), "equivalent", by_sector=by_sector)


def _economy() -> pl.DataFrame:
    return pl.DataFrame({"year": [2020, 2025], "region": ["ALL", "ALL"], "gdp_const_10k_yuan": [1e6, 1.2e6], "population": [1.0, 1.0],
                         "energy_tce": [None, None], "electricity_non_fossil_share": [0.5, 0.5], VA: [10_000.0, 10_000.0]},
                        schema_overrides={"year": pl.Int32, "energy_tce": pl.Float64})


def _target(variant: str = "excl_feedstock"):
    return parse_targets([{"name": "规上工业单位增加值能耗下降10%", "kind": "sector_energy_intensity", "base_year": 2020, "year": 2025,
                           "reduction_pct": 10, "energy_variant": variant, "value_added": "industry_above_scale",
                           "sectors": ["1.A.2"], "except_sectors": ["1.A.2.k"], "source": "成青府发〔2024〕28号"}], 2020)


def _value(ind, name, year, region="ALL"):
    return ind.filter(pl.col("indicator") == name, pl.col("year") == year, pl.col("region") == region)["value"].item()


def test_sector_intensity_by_hand():
    ind = sector_indicators(_energy(111.5), _economy(), [SPEC], 2020)
    assert _value(ind, "energy_gross_tce:industry_above_scale", 2020) == pytest.approx(1234.5)
    assert _value(ind, "energy_intensity_excl_feedstock:industry_above_scale", 2020) == 0.1235  # half up, not 0.1234
    assert _value(ind, "energy_intensity_excl_feedstock:industry_above_scale", 2025) == 0.1112
    assert _value(ind, "energy_excl_feedstock_nonfossil_tce:industry_above_scale", 2020) == pytest.approx(1117.25)
    assert _value(ind, "energy_intensity_excl_feedstock_nonfossil:industry_above_scale", 2020) == 0.1117
    assert _value(ind, VA, 2025) == 10_000.0
    assert set(ind.filter(pl.col("indicator") == VA)["origin"]) == {"economy"}
    # the region has energy but no value added of its own: no intensity there
    assert not ind.filter(pl.col("region") == "R1", pl.col("indicator").str.starts_with("energy_intensity")).height


@pytest.mark.parametrize("elec_2025, achieved, met", [(111.5, (1 - 0.1112 / 0.1235) * 100, False), (111.0, (1 - 0.1111 / 0.1235) * 100, True)])
def test_sector_target_verdict_by_hand(elec_2025, achieved, met):
    targets = _target()
    ind = sector_indicators(_energy(elec_2025), _economy(), sector_specs(targets), 2020)
    row = evaluate_targets(targets, ind, pl.DataFrame()).row(0, named=True)
    assert row["kind"] == "sector_energy_intensity" and row["scope"] == "energy:excl_feedstock:industry_above_scale"
    assert row["base_value"] == 0.1235 and row["achieved_pct"] == pytest.approx(achieved, rel=1e-12)
    assert row["met"] is met and row["status"] == ("met" if met else "not met")


def test_sector_target_without_value_added_is_no_data():
    targets = _target()
    eco = _economy().drop(VA)
    tg = evaluate_targets(targets, sector_indicators(_energy(111.5), eco, sector_specs(targets), 2020), pl.DataFrame())
    assert tg["status"].to_list() == ["no data"]
    assert "no value of the sector's energy intensity for region ALL in the base year 2020" in tg["reason"][0]
    assert "value_added_const_10k_yuan:industry_above_scale in the economy table" in tg["reason"][0]


def test_sector_target_keys_are_checked():
    with pytest.raises(ConfigError) as e:
        parse_targets([{"kind": "sector_energy_intensity", "base_year": 2020, "year": 2025, "reduction_pct": 10,
                        "energy_variant": "gross", "sectors": ["9.Z"], "source": "x"}], 2020)
    msg = str(e.value)
    assert "needs value_added" in msg and "not IPCC categories: 9.Z" in msg
    two = [{"kind": "sector_energy_intensity", "base_year": 2020, "year": 2025, "reduction_pct": r, "energy_variant": "gross",
            "value_added": "ind", "sectors": s, "source": "x"} for r, s in ((10, ["1.A.2"]), (5, ["1.A.2.e"]))]
    with pytest.raises(ConfigError, match="value_added = 'ind' with different sectors"):
        sector_specs(parse_targets(two, 2020))
