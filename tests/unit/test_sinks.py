"""Carbon sinks: bad input (clear error, exit 2, no partial output), parameter sets, kernels."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ghginv
from ghginv.core import errors as E
from ghginv.factors import load_factor_set
from ghginv.kernels.sinks import area_rate, gain_loss, stock_carbon

from sink_fixtures import FOREST, make_sink_set, p, write_sinks


def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "ghginv.cli", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300)


def assert_no_output(out: Path):
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.name}.tmp-*"))


def compile_sinks(tmp_path, rows, params=FOREST, **kw):
    s = make_sink_set(tmp_path / "s", params)
    data = write_sinks(tmp_path / "sinks.csv", rows)
    out = tmp_path / "out"
    with pytest.raises(E.GhgInvError) as ei:
        ghginv.compile_inventory(factors=[str(s)], extra={"sinks": {"path": str(data), **kw}}, out=out)
    assert_no_output(out)
    return ei.value, data


def test_unknown_variable_names_file_row_value(tmp_path):
    err, data = compile_sinks(tmp_path, [{"variable": "volume_increment", "value": 1.0, "unit": "m^3"},
                                         {"variable": "volume_incremnt", "value": 1.0, "unit": "m^3"}])
    assert isinstance(err, E.ValidationError) and isinstance(err, ValueError)
    msg = str(err)
    assert str(data) in msg and "column 'variable'" in msg and "'volume_incremnt'" in msg and "row 2" in msg
    assert "volume_increment" in msg  # the hint lists the known variables


def test_negative_area(tmp_path):
    err, data = compile_sinks(tmp_path, [{"variable": "area", "value": -3.5}, {"variable": "volume_increment", "value": 1.0, "unit": "m^3"}])
    assert isinstance(err, E.ValidationError)
    assert "negative area" in str(err) and "-3.5" in str(err) and "row 1" in str(err)


def test_every_problem_is_listed(tmp_path):
    rows = [{"variable": "area", "value": -1.0}, {"category": "1.A.1", "variable": "area", "value": 1.0},
            {"variable": "harvest", "value": 1.0, "unit": "t"}, {"year": 1500, "variable": "area", "value": 1.0}]
    err, _ = compile_sinks(tmp_path, rows)
    assert len(err.problems) == 4
    text = str(err)
    for piece in ("negative area", "'1.A.1'", "unit 't' does not fit harvest", "implausible year"):
        assert piece in text


def test_missing_parameter(tmp_path):
    err, _ = compile_sinks(tmp_path, [{"variable": "volume_increment", "value": 1.0, "unit": "m^3"}],
                           params=[p("*", "carbon_fraction", 0.47, "t C/t d.m.")])
    assert isinstance(err, E.MissingFactorError) and isinstance(err, KeyError)
    msg = str(err)
    assert "no bcef_i for stratum 'pine', region 510105, year 2020" in msg and "no root_shoot" in msg


def test_stock_difference_with_a_single_stock_year(tmp_path):
    err, _ = compile_sinks(tmp_path, [{"variable": "stock_volume", "value": 100.0, "unit": "m^3"}], method="stock_difference")
    assert isinstance(err, E.ValidationError)
    assert "single stock year (2020)" in str(err) and "'pine'" in str(err)


def test_gain_loss_without_increment_says_what_to_do(tmp_path):
    err, _ = compile_sinks(tmp_path, [{"variable": "stock_volume", "value": 100.0, "unit": "m^3"},
                                      {"year": 2021, "variable": "stock_volume", "value": 110.0, "unit": "m^3"}])
    assert "--sink-method stock_difference" in str(err)


def test_per_hectare_volume_needs_an_area_row(tmp_path):
    err, _ = compile_sinks(tmp_path, [{"variable": "volume_increment", "value": 5.0, "unit": "m^3/ha"}])
    assert isinstance(err, E.ValidationError) and "no area row" in str(err)


def test_bad_sinks_table(tmp_path):
    s = make_sink_set(tmp_path / "s", FOREST)
    with pytest.raises(E.ConfigError, match="sink method must be one of"):
        ghginv.compile_inventory(factors=[str(s)], extra={"sinks": {"path": "x.csv", "method": "gainloss"}})
    with pytest.raises(E.ConfigError, match="unknown key 'treshold'"):
        ghginv.compile_inventory(factors=[str(s)], extra={"sinks": {"path": "x.csv", "treshold": 0.1}})
    with pytest.raises(E.InputFileError, match="sink data path does not exist"):
        ghginv.compile_inventory(factors=[str(s)], extra={"sinks": {"path": str(tmp_path / "none.csv")}})


def test_cli_bad_sinks_exit_2_no_traceback(tmp_path):
    s = make_sink_set(tmp_path / "s", FOREST)
    data = write_sinks(tmp_path / "d.csv", [{"variable": "area", "value": -1.0}])
    out = tmp_path / "out"
    res = cli("compile", "--sinks", data, "--factors", s, "--gwp", "AR5GWP100", "--out", out, cwd=tmp_path)
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr and "negative area" in res.stderr
    assert_no_output(out)


def test_cli_sinks_without_activity(tmp_path):
    s = make_sink_set(tmp_path / "s", FOREST)
    rows = [{"year": 2020, "variable": "stock_volume", "value": 1000.0, "unit": "m^3"},
            {"year": 2021, "variable": "stock_volume", "value": 1100.0, "unit": "m^3"},
            {"year": 2021, "variable": "volume_increment", "value": 100.0, "unit": "m^3"}]
    data = write_sinks(tmp_path / "d.parquet", rows)
    out = tmp_path / "out"
    res = cli("compile", "--sinks", data, "--factors", s, "--gwp", "AR5GWP100", "--out", out, "--sink-method", "stock_difference", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "Removals" in res.stdout and "Net direct emissions" in res.stdout and "Gross direct emissions" in res.stdout
    import json

    import polars as pl

    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["sinks"]["method"] == "stock_difference" and m["sinks"]["check_rows"] == 1
    assert m["net"][0]["year"] == 2021 and m["net"][0]["removals_t_co2e"] < 0
    assert any(i.get("kind") == "sinks" for i in m["inputs"])
    chk = pl.read_parquet(out / "sinks_check.parquet")
    assert chk.columns == ["year", "region", "category", "stratum", "gain_loss_t_co2", "stock_difference_t_co2", "rel_diff", "flag"]


# -- parameter sets --------------------------------------------------------------------------------


def test_status_r_is_refused(tmp_path):
    s = make_sink_set(tmp_path / "s", [p("urban_trees", "crw", 2.9, "t C/ha/yr", status="R")])
    with pytest.raises(E.FactorSetError, match="status R"):
        load_factor_set(s)


def test_status_x_only_in_a_synthetic_set(tmp_path):
    row = [p("urban_trees", "crw", 2.5, "t C/ha/yr", status="X")]
    with pytest.raises(E.FactorSetError, match="synthetic = true"):
        load_factor_set(make_sink_set(tmp_path / "real", row))
    syn = load_factor_set(make_sink_set(tmp_path / "demo_synthetic", row, synthetic=True))
    assert syn.synthetic and syn.sink_rules[0].status == "X"


def test_synthetic_set_is_announced(tmp_path):
    s = make_sink_set(tmp_path / "demo_synthetic", [p("urban_trees", "crw", 2.5, "t C/ha/yr", status="X")], synthetic=True)
    data = write_sinks(tmp_path / "d.csv", [{"category": "3.B.5.a", "stratum": "urban_trees", "variable": "crown_cover", "value": 10.0}])
    out = tmp_path / "out"
    res = cli("compile", "--sinks", data, "--factors", s, "--out", out, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "SYNTHETIC PARAMETERS" in res.stdout and "demo_synthetic" in res.stdout
    import json

    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert m["synthetic"] is True and m["sinks"]["synthetic_parameter_sets"] == ["demo_synthetic"]
    assert "SYNTHETIC PARAMETERS" in m["sinks"]["notice"]


def test_bad_parameter_rows(tmp_path):
    rows = [p("*", "bcef_x", 1, "t d.m./m^3"), p("*", "crw", 2.9, "t C/ha"), p("*", "carbon_fraction", 1.5, "t C/t d.m."),
            p("*", "root_shoot", -0.2, "ratio"), p("Pine", "bef", 1.2, "ratio")]
    with pytest.raises(E.FactorSetError) as ei:
        load_factor_set(make_sink_set(tmp_path / "s", rows))
    assert len(ei.value.problems) == 5
    assert "line 2" in str(ei.value)


def test_overlapping_sink_rows_tie(tmp_path):
    rows = [p("*", "crw", 2.0, "t C/ha/yr", years="2000,2020"), p("*", "crw", 2.1, "t C/ha/yr", years="2020,")]
    with pytest.raises(E.DuplicateRuleError):
        load_factor_set(make_sink_set(tmp_path / "s", rows))


def test_precedence_stratum_region_years_and_sets(tmp_path):
    a = make_sink_set(tmp_path / "a", [p("*", "crw", 1.0, "t C/ha/yr"), p("urban_trees", "crw", 2.0, "t C/ha/yr", region="51*"),
                                       p("urban_trees", "crw", 3.0, "t C/ha/yr", region="510105", years="2021,")])
    b = make_sink_set(tmp_path / "b", [p("urban_trees", "crw", 9.0, "t C/ha/yr", region="510105")])
    rows = [{"year": y, "region": r, "category": "3.B.5.a", "stratum": "urban_trees", "variable": "crown_cover", "value": 1.0}
            for y, r in ((2020, "510105"), (2021, "510105"), (2021, "510106"), (2021, "110101"))]
    data = write_sinks(tmp_path / "d.csv", rows)
    res = ghginv.compile_inventory(factors=[str(a), str(b)], extra={"sinks": {"path": str(data)}})
    got = {(y, r): -v * 12 / 44 for y, r, v in res.emissions.select("year", "region", "emissions_t").iter_rows()}
    assert got[(2020, "510105")] == pytest.approx(2.0)  # 51* beats '*' (the later exact-region row starts in 2021)
    assert got[(2021, "510105")] == pytest.approx(3.0)  # exact region, year inside
    assert got[(2021, "510106")] == pytest.approx(2.0)
    assert got[(2021, "110101")] == pytest.approx(1.0)  # only '*' matches; set b (later in the run) never wins


# -- kernels (also without JIT) --------------------------------------------------------------------


@pytest.mark.nojit
def test_kernel_gain_loss_values():
    g = np.array([0, 1, 0], np.int64)
    gain, loss = gain_loss(g, np.array([10.0, 5.0, 2.0]), np.array([1.0, 0.0, 0.0]), np.array([0.0, 2.0, 0.0]),
                           np.array([0.0, 0.0, 3.0]), np.array([0.5, 0.6]), np.array([0.7, 0.8]), np.array([0.9, 1.0]),
                           np.array([0.2, 0.3]), np.array([0.5, 0.47]), 2)
    assert gain[0] == pytest.approx(12 * 0.5 * 1.2 * 0.5)
    assert loss[0] == pytest.approx((1 * 0.7 + 3 * 0.9) * 1.2 * 0.5)
    assert gain[1] == pytest.approx(5 * 0.6 * 1.3 * 0.47) and loss[1] == pytest.approx(2 * 0.8 * 1.3 * 0.47)


@pytest.mark.nojit
def test_kernel_stock_and_area_rate():
    g = np.array([1, 1, 0], np.int64)
    c = stock_carbon(g, np.array([100.0, 50.0, 10.0]), np.array([1.0, 0.8]), np.array([0.25, 0.2]), np.array([0.5, 0.5]), 2)
    assert c[0] == pytest.approx(10 * 1.25 * 0.5) and c[1] == pytest.approx(150 * 0.8 * 1.2 * 0.5)
    a = area_rate(g, np.array([1.0, 2.0, 4.0]), np.array([2.9, 3.0]), 2)
    assert a.tolist() == pytest.approx([11.6, 9.0])
    assert area_rate(np.zeros(0, np.int64), np.zeros(0), np.array([1.0]), 1).tolist() == [0.0]


def test_soil_needs_two_years(tmp_path):
    soil = [p("s1", x, v, u) for x, v, u in (("soc_ref", 88, "t C/ha"), ("f_lu", 0.69, "ratio"), ("f_mg", 1, "ratio"),
                                              ("f_i", 1, "ratio"), ("soc_transition", 20, "yr"))]
    err, _ = compile_sinks(tmp_path, [{"category": "3.B.2.a", "stratum": "s1", "variable": "soc_area", "value": 10.0}], params=soil)
    assert isinstance(err, E.ValidationError) and "two years" in str(err) and "3.B.2.a" in str(err)
