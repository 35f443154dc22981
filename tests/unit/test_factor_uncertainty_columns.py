"""Optional uncertainty columns of factor rows: parsed into the Rule, bad values named by file and line."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from ghginv.core.errors import FactorSetError
from ghginv.factors import load_factor_set

HEAD = "activity,sector,region,year_from,year_to,gas,value,unit,source,source_locator,status,uncertainty_pct,lower,upper,distribution\n"


def _set(tmp_path: Path, rows: str) -> Path:
    folder = tmp_path / "unc_test"
    folder.mkdir()
    (folder / "emission_factors.csv").write_text(HEAD + rows, encoding="utf-8")
    digest = hashlib.sha256((folder / "emission_factors.csv").read_bytes()).hexdigest()
    (folder / "manifest.toml").write_text(
        'name = "unc_test"\nversion = "1"\ntitle = "test"\npublisher = "test"\npublished = "2024-01-01"\nurl = "-"\nlicense = "-"\n'
        f'[files]\n"emission_factors.csv" = "sha256:{digest}"\n', encoding="utf-8")
    return folder


def test_columns_parse(tmp_path):
    fs = load_factor_set(_set(tmp_path, (
        "natural_gas,*,*,,,CO2,56100,kg/TJ,2006 IPCC GL Vol 2 Ch 1,Table 1.4,V2,,54300,58300,\n"
        "natural_gas,*,*,,,CH4,1,kg/TJ,test,test,V2,200,,,lognormal\n"
        "natural_gas,*,*,,,N2O,0.1,kg/TJ,test,test,V2,,,,\n"
    )))
    co2, ch4, n2o = fs.rules
    assert (co2.unc_lower, co2.unc_upper, co2.distribution) == (54300.0, 58300.0, "normal")
    assert (ch4.unc_pct, ch4.distribution) == (200.0, "lognormal")
    assert n2o.distribution == "" and n2o.unc_pct is None  # exact


@pytest.mark.parametrize("cols, msg", [
    ("5,54300,58300,", "not both"),
    (",54300,,", "together"),
    (",57000,58300,", "must contain value"),
    ("-3,,,", "uncertainty_pct must be a number > 0"),
    ("5,,,poisson", "distribution must be one of"),
    (",,,normal", "distribution is given but no"),
])
def test_bad_columns_name_file_and_line(tmp_path, cols, msg):
    folder = _set(tmp_path, f"natural_gas,*,*,,,CO2,56100,kg/TJ,s,l,V2,{cols}\n")
    with pytest.raises(FactorSetError) as e:
        load_factor_set(folder)
    text = "\n".join(p.render() for p in e.value.problems)
    assert msg in text and "emission_factors.csv" in text and "line 2" in text


def test_zero_value_with_percentage_is_refused_with_file_and_line(tmp_path):
    """Issue 16 item 7: a percentage of 0 is 0, so uncertainty_pct on a value of 0 would be exact in silence."""
    folder = _set(tmp_path, "natural_gas,*,*,,,CH4,0,kg/TJ,s,l,V2,50,,,\n")
    with pytest.raises(FactorSetError) as e:
        load_factor_set(folder)
    text = "\n".join(p.render() for p in e.value.problems)
    assert "value is 0" in text and "lower and upper" in text and "emission_factors.csv" in text and "line 2" in text


def test_zero_value_with_bounds_loads_as_an_absolute_interval(tmp_path):
    (r,) = load_factor_set(_set(tmp_path, "natural_gas,*,*,,,CH4,0,kg/TJ,s,l,V2,,0,50,triangular\n")).rules
    assert (r.value, r.unc_lower, r.unc_upper, r.distribution) == (0.0, 0.0, 50.0, "triangular")
