"""``ghginv validate`` exits 0 exactly when ``ghginv compile`` succeeds (issue 16 item 9).

Random inventories (tests/properties/gen.py: factor sets and activity rows) with random defects
that only show once the run is put together — a factor year missing for some cells, years
without data, a notation key on an estimated category, an economy table that lacks a year or
has a negative GDP, an intensity target without an economy table, a target without a source,
sink data that do not exist or carry an unknown variable, an unknown activity code — or none.
Both commands run in this process on the same TOML; validate must exit 0 exactly when compile
exits 0 (and 2 otherwise), and must write nothing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from properties.gen import random_scenario, write_rows, write_sets
from typer.testing import CliRunner

from ghginv.cli import app

DEFECTS = ("none", "catch_all_ends_2019", "years_without_data", "notation_key_on_estimate", "economy_lacks_year",
           "economy_negative_gdp", "intensity_target_without_economy", "target_without_source", "sinks_missing",
           "sinks_unknown_variable", "unknown_activity", "grid_years_fallback")


def _toml(folder: Path, sets: list[Path], act: Path, defect: str, years: tuple[int, int], with_targets: bool) -> Path:
    lines = ['[inventory]', 'name = "prop"', f"years = [{years[0]}, {years[1]}]", f"base_year = {years[0]}", 'gwp = "AR5GWP100"',
             "[activity]", f'paths = ["{act}"]', "[factors]", "sets = [" + ", ".join(f'"{s}"' for s in sets) + "]"]
    if defect == "grid_years_fallback":
        lines.append('year_fallback = "nearest"')
    if defect == "notation_key_on_estimate":
        lines += ["[notation_keys]", '"1.A" = "NO"']
    else:
        lines += ["[notation_keys]", '"1.B" = { key = "NO", reason = "no fuel production" }']
    econ_years = list(range(years[0], years[1] + 1))
    if defect == "economy_lacks_year":
        econ_years = econ_years[:-1] or [years[0] - 1]
    if defect != "intensity_target_without_economy" and with_targets or defect in ("economy_lacks_year", "economy_negative_gdp"):
        gdp = -1.0 if defect == "economy_negative_gdp" else 1.0e6
        csv = "year,region,gdp_const_10k_yuan,population\n" + "".join(f"{y},ALL,{gdp + 1000 * i},100000\n" for i, y in enumerate(econ_years))
        (folder / "economy.csv").write_text(csv, encoding="utf-8")
        lines += ["[economy]", 'path = "economy.csv"']
    if with_targets or defect in ("intensity_target_without_economy", "target_without_source"):
        lines += ["[[targets]]", 'name = "CO2 intensity -10 %"', 'kind = "co2_intensity"', f"base_year = {years[0]}",
                  f"year = {years[1] + 3}", "reduction_pct = 10", 'scope = "energy_co2"']
        if defect != "target_without_source":
            lines.append('source = "property test"')
    if defect in ("sinks_missing", "sinks_unknown_variable"):
        if defect == "sinks_unknown_variable":
            (folder / "sinks.csv").write_text("year,region,category,stratum,variable,value,unit\n"
                                              f"{years[0]},510105,3.B.5.a,urban_trees,leaf_colour,3.0,ha\n", encoding="utf-8")
        lines += ["[sinks]", 'path = "sinks.csv"']
    path = folder / "inv.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@settings(max_examples=24, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), defect=st.sampled_from(DEFECTS), first=st.sampled_from([2018, 2019, 2020]),
       span=st.integers(0, 2), with_targets=st.booleans())
def test_validate_exits_0_exactly_when_compile_succeeds(seed, defect, first, span, with_targets):
    sc = random_scenario(seed, n_rows=40)
    if defect == "catch_all_ends_2019":  # the last set's catch-all CO2 row covers years up to 2019 only
        last = sc.sets[-1]
        last["ef"] = [{**e, "year_to": "2019"} if (e["sector"], e["region"], e["gas"]) == ("*", "*", "CO2") else e for e in last["ef"]]
    if defect == "grid_years_fallback":  # every factor row of the last set ends 2019; the nearest year applies
        sc.sets[-1]["ef"] = [{**e, "year_from": "", "year_to": "2019"} for e in sc.sets[-1]["ef"]]
    rows = sc.rows
    if defect == "unknown_activity":
        rows = [*rows, {**rows[0], "activity": "unobtainium"}]
    years = (first, first + span)
    if defect == "years_without_data":
        years = (2030, 2031)
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        sets = write_sets(sc, folder / "sets")
        act = write_rows(rows, folder / "act")[0]
        toml = _toml(folder, sets, act, defect, years, with_targets)
        v = runner.invoke(app, ["validate", str(toml), "--format", "json"])
        assert not (folder / "out").exists()
        c = runner.invoke(app, ["compile", str(toml), "--out", str(folder / "out"), "--quiet"])
        assert c.exit_code in (0, 2), (c.exit_code, c.output, c.exception)
        assert v.exit_code in (0, 2), (v.exit_code, v.output, v.exception)
        assert (v.exit_code == 0) == (c.exit_code == 0), (defect, v.output[-3000:], c.output[-3000:])
        if defect in ("economy_negative_gdp", "intensity_target_without_economy", "target_without_source",
                      "sinks_missing", "sinks_unknown_variable", "unknown_activity", "years_without_data"):
            assert v.exit_code == 2, (defect, v.output[-3000:])  # these defects always stop a compile
