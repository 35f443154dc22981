"""Bad-input catalog cases not covered elsewhere (docs/bad-input-catalog.md lists every case and
its test): activity files, factor-set files, inventory TOML safety, economy tables.

Each case must end in a GhgInvError subclass whose message names the file (and row or column
where there is one), and must leave no output behind."""

from __future__ import annotations

import datetime
import hashlib
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import ghginv
from ghginv.core import errors as E

from conftest import make_factor_set
from rel_helpers import row, run_cli, siblings, tiny_activity, tiny_set


def compile_fails(tmp_path, act, exc, **kw):
    out = tmp_path / "out"
    with pytest.raises(exc) as ei:
        ghginv.compile_inventory(activity=[str(act)], factors=[str(tiny_set(tmp_path / "t_set"))], gwp="AR5GWP100", out=out, **kw)
    assert not out.exists() and siblings(out) == []
    return str(ei.value)


def parquet(path: Path, **cols) -> Path:
    pq.write_table(pa.table(cols), path)
    return path


BASE = dict(region=["510105"], sector=["1.A.4.b"], activity=["natural_gas"], unit=["t"])


# -- activity files ----------------------------------------------------------------------------------


def test_dates_in_the_year_column(tmp_path):
    p = parquet(tmp_path / "a.parquet", year=pa.array([datetime.date(2022, 1, 1)]), amount=[1.0], **BASE)
    msg = compile_fails(tmp_path, p, E.SchemaError)
    assert "column 'year' has type date32[day], expected integer" in msg and str(p) in msg


@pytest.mark.parametrize("amount, type_text", [(pa.array(["1,234"]), "string"), (pa.array(["１２３"]), "string"),
                                               (pa.array([True]), "bool")])
def test_amount_as_text_with_separators_or_full_width_digits(tmp_path, amount, type_text):
    """Text amounts (thousands separators, full-width digits) are a schema error in Parquet: ``ghginv import`` is
    the place that parses such text."""
    p = parquet(tmp_path / "a.parquet", year=pa.array([2022], pa.int32()), amount=amount, **BASE)
    msg = compile_fails(tmp_path, p, E.SchemaError)
    assert f"column 'amount' has type {type_text}" in msg


def test_mixed_types_across_files(tmp_path):
    d = tmp_path / "act"
    d.mkdir()
    tiny_activity(d / "a.parquet")
    parquet(d / "b.parquet", year=pa.array(["2022"]), amount=[1.0], **BASE)
    msg = compile_fails(tmp_path, d, E.SchemaError)
    assert "b.parquet" in msg and "column 'year' has type string, expected integer" in msg


def test_unknown_region(tmp_path):
    t = tmp_path / "inv.toml"
    act = tiny_activity(tmp_path / "a.parquet", [row(), row(region="510199")])
    s = tiny_set(tmp_path / "t_set")
    t.write_text(f'[inventory]\nregions = ["510105"]\n[activity]\npaths = ["{act.name}"]\n[factors]\nsets = ["{s.name}"]\n', encoding="utf-8")
    with pytest.raises(E.ValidationError) as ei:
        ghginv.compile_inventory(t, out=tmp_path / "out")
    assert "unknown region '510199': not in [inventory] regions" in str(ei.value) and "row 2" in str(ei.value)


def test_blank_strings_in_key_columns(tmp_path):
    msg = compile_fails(tmp_path, tiny_activity(tmp_path / "a.parquet", [row(), row(sector="  ")]), E.ValidationError)
    assert "sector is empty" in msg and "row 2" in msg


# -- factor sets -------------------------------------------------------------------------------------


@pytest.mark.parametrize("ef, needle", [
    ("natural_gas,*,*,,,CO2,abc,kg/TJ,src,T1,V2", "value must be a finite number ≥ 0 (value: 'abc')"),
    ("natural_gas,*,*,,,CO2,-5,kg/TJ,src,T1,V2", "value must be a finite number ≥ 0 (value: '-5')"),
    ("natural_gas,*,*,,,CO2,inf,kg/TJ,src,T1,V2", "value must be a finite number ≥ 0 (value: 'inf')"),
    ('natural_gas,*,*,,,CO2,"56,100",kg/TJ,src,T1,V2', "(value: '56,100')"),
    ("natural_gas,*,*,2020-01-01,,CO2,56100,kg/TJ,src,T1,V2", "years must be four-digit integers"),
    ("natural_gas,*,*,,,CO2,56100,kg/bbl,src,T1,V2", "unknown unit 'bbl'"),
    ("natural_gas,*,*,,,XYZ,56100,kg/TJ,src,T1,V2", "unknown gas"),
], ids=["text", "negative", "inf", "thousands", "date-year", "unit", "gas"])
def test_bad_factor_rows(tmp_path, ef, needle):
    from ghginv.factors import load_factor_set

    d = make_factor_set(tmp_path / "fs", ef=[ef], activities=["natural_gas,Natural Gas,天然气,Natural Gas,gaseous"])
    with pytest.raises(E.FactorSetError) as ei:
        load_factor_set(d)
    assert needle in str(ei.value) and "emission_factors.csv, line 2" in str(ei.value)


def test_factor_file_in_gbk(tmp_path):
    from ghginv.factors import load_factor_set

    d = make_factor_set(tmp_path / "fs", ef=["natural_gas,*,*,,,CO2,56100,kg/TJ,src,T1,V2"],
                        activities=["natural_gas,Natural Gas,天然气,Natural Gas,gaseous"])
    f = d / "activities.csv"
    f.write_bytes(f.read_text(encoding="utf-8").encode("gbk"))
    m = d / "manifest.toml"
    m.write_text(re.sub(r'"activities.csv" = "sha256:[0-9a-f]+"', f'"activities.csv" = "sha256:{hashlib.sha256(f.read_bytes()).hexdigest()}"',
                        m.read_text()), encoding="utf-8")
    with pytest.raises(E.FactorSetError, match="activities.csv: not UTF-8 text"):
        load_factor_set(d)


# -- inventory TOML: safety ---------------------------------------------------------------------------


def _toml(tmp_path, body: str) -> Path:
    act = tiny_activity(tmp_path / "data" / "a.parquet")
    s = tiny_set(tmp_path / "t_set")
    t = tmp_path / "conf" / "inv.toml"
    t.parent.mkdir()
    t.write_text(body.format(act=Path("..") / act.relative_to(tmp_path), set=Path("..") / s.name), encoding="utf-8")
    return t


def test_toml_paths_are_relative_to_the_toml_not_the_working_directory(tmp_path, monkeypatch):
    t = _toml(tmp_path, '[activity]\npaths = ["{act}"]\n[factors]\nsets = ["{set}"]\n')
    (tmp_path / "elsewhere" / "deep").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "elsewhere" / "deep")  # "../data/a.parquet" does not exist from here
    res = ghginv.compile_inventory(t)
    assert res.config.activity_paths[0] == tmp_path / "conf" / ".." / "data" / "a.parquet"


@pytest.mark.parametrize("table", ['[output]\ndir = "/tmp/elsewhere"\n', '[inventory]\nout = "/tmp/elsewhere"\n',
                                   '[activity]\nout = "../../elsewhere"\n'])
def test_output_paths_cannot_be_set_in_the_toml(tmp_path, table):
    t = _toml(tmp_path, table + '[factors]\nsets = ["{set}"]\n')
    text = t.read_text(encoding="utf-8")
    if "[activity]" not in text:
        text += '[activity]\npaths = ["{act}"]\n'.format(act=Path("..") / "data" / "a.parquet")
    else:
        text = text.replace("[activity]\n", '[activity]\npaths = ["../data/a.parquet"]\n')
    t.write_text(text, encoding="utf-8")
    with pytest.raises(E.ConfigError, match="unknown (table or )?key '(output|out)'"):
        ghginv.compile_inventory(t)
    assert not Path("/tmp/elsewhere").exists()


def test_toml_values_are_never_evaluated(tmp_path):
    marker = tmp_path / "PWNED"
    code = f"__import__('os').system('touch {marker}')"
    t = _toml(tmp_path, f'[inventory]\nname = "{code}"\ndescription = "{{{{ {code} }}}}"\n'
                        '[activity]\npaths = ["{act}"]\n[factors]\nsets = ["{set}"]\n')
    res = ghginv.compile_inventory(t, out=tmp_path / "out")
    assert res.config.name == code  # kept as text
    assert not marker.exists()


def test_toml_not_utf8(tmp_path):
    t = tmp_path / "inv.toml"
    t.write_bytes('[inventory]\nname = "青羊区"\n'.encode("gbk"))
    res = run_cli("compile", t, "--out", tmp_path / "out", cwd=tmp_path)
    assert res.returncode == 2 and "not valid TOML" in res.stderr and str(t) in res.stderr


def test_toml_duplicate_key(tmp_path):
    t = tmp_path / "inv.toml"
    t.write_text('[inventory]\nname = "a"\nname = "b"\n', encoding="utf-8")
    with pytest.raises(E.ConfigError, match="not valid TOML"):
        ghginv.compile_inventory(t)


# -- economy tables (read by ghginv.analysis.indicators; messages are owned there) -----------------------------


@pytest.mark.parametrize("name, data, needle", [
    # GBK (GB18030), as Excel saves a CSV on a Chinese system, is read (issue 18 item 4): the region is decoded
    ("gbk", "year,region,gdp_const_10k_yuan,population\n2020,全区,10,5\n".encode("gbk"), "region '全区' is not in the inventory"),
    ("thousands", b'year,region,gdp_const_10k_yuan,population\n2020,ALL,"1,000",5\n', "numbers"),
    ("date-year", b"year,region,gdp_const_10k_yuan,population\n2020-01-01,ALL,10,5\n", "year must be integers"),
    ("empty", b"", "cannot read the economy table"),
    ("overflow", b"year,region,gdp_const_10k_yuan,population\n2020,ALL,1e400,5\n2021,ALL,11,5\n", "GDP must be a positive number"),
])
def test_bad_economy_files(tmp_path, name, data, needle):
    from ghginv.analysis.indicators import read_economy

    p = tmp_path / f"economy_{name}.csv"
    p.write_bytes(data)
    with pytest.raises(E.GhgInvError) as ei:
        read_economy(p, [2020, 2021], ["ALL"], 2020)
    assert needle in str(ei.value) and str(p) in str(ei.value)
