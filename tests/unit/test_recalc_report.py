"""The Recalculations section of report.html (issue 5 item 2): recompute with a changed factor.

Hand case: 100 t (2020) and 120 t (2021) of a fuel at 2.0 t CO2/t (old set) and 2.5 t CO2/t (new set):
old 200 / 240 t, new 250 / 300 t; the whole change is the factor effect (50 / 60 t).
"""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import polars as pl
import pytest

from ghginv import compile_inventory
from ghginv.report import rebuild_reports
from ghginv.report._recalc import recalc_fragment, totals_table
from ghginv.rerun.recompute import recompute

from conftest import make_factor_set, write_activity

ACT = ["fuel,Fuel,燃料,,solid"]
CAP = [{"name": "cap (test)", "kind": "emissions_cap", "base_year": 2020, "year": 2021, "cap_t_co2e": 1e6,
        "scope": "total_co2", "source": "test"}]


def _set(folder, value):
    return make_factor_set(folder, ef=[f"fuel,*,*,,,CO2,{value},t/t,test document,table 1,S"], activities=ACT, name="fuelset")


@pytest.fixture
def runs(tmp_path):
    act = write_activity(tmp_path / "a.parquet", [
        dict(year=2020, region="R1", sector="1.A.4.b", activity="fuel", amount=100.0, unit="t"),
        dict(year=2021, region="R1", sector="1.A.4.b", activity="fuel", amount=120.0, unit="t"),
    ])
    old_set, new_set = _set(tmp_path / "old" / "fuelset", 2.0), _set(tmp_path / "new" / "fuelset", 2.5)
    compile_inventory(activity=[str(act)], factors=[str(old_set)], gwp="AR5GWP100", base_year=2020,
                      extra={"targets": CAP}, out=tmp_path / "run1")
    recompute(tmp_path / "run1", factors=[str(new_set)]).write(tmp_path / "run2")
    return tmp_path / "run1", tmp_path / "run2"


def test_recompute_writes_recalculation_and_report_section(runs):
    old, new = runs
    rc = pl.read_parquet(new / "recalculation.parquet")
    tot = totals_table(rc).filter(pl.col("scope") == "direct")
    assert tot["old_co2e_t"].to_list() == pytest.approx([200.0, 240.0])
    assert tot["new_co2e_t"].to_list() == pytest.approx([250.0, 300.0])
    assert tot["factor_effect_t"].to_list() == pytest.approx([50.0, 60.0])
    assert tot["activity_effect_t"].abs().max() == 0.0 and tot["gwp_effect_t"].abs().max() == 0.0
    # delta = sum of the effects, on every row
    np.testing.assert_array_equal(rc["delta_co2e_t"], rc["activity_effect_t"] + rc["factor_effect_t"] + rc["gwp_effect_t"])
    html = (new / "report.html").read_text(encoding="utf-8")
    assert "<h2>Recalculations</h2>" in html
    assert "sequential substitution" in html and str(old) in html
    row = '<td class="l">2021</td><td class="l">direct</td><td class="">240.0</td><td class="">300.0</td><td class="">60.0</td><td class="">25.00</td>'
    assert row in html
    assert "2.5 t/t" in html and "2 t/t" in html  # the changed factor row, old and new
    m = __import__("json").loads((new / "manifest.json").read_text())
    assert m["recalculation"]["old_run"] == str(old) and m["recalculation"]["factor_rows_changed"] == 2
    assert {"recalculation.parquet", "recalculation_factors.parquet", "report.html"} <= set(m["outputs"])
    # the old run has no such section
    assert "Recalculations" not in (old / "report.html").read_text(encoding="utf-8")


def test_rebuilt_report_and_xlsx_keep_the_section(runs):
    _, new = runs
    (new / "report.html").write_text("stale", encoding="utf-8")
    rebuild_reports(new, "zh")
    assert "<h2>重新计算</h2>" in (new / "report.html").read_text(encoding="utf-8")
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(new / "inventory.xlsx", read_only=True)
    assert {"重新计算", "重新计算的因子"} <= set(wb.sheetnames)  # rebuilt in zh: the sheets in Chinese (issue 19 item 2)
    for name in ("重新计算", "重新计算的因子"):
        rows = list(wb[name].iter_rows(max_row=3, values_only=True))
        head = rows[2] if rows[0][0] and all(v is None for v in rows[1]) else rows[0]
        assert all(re.search(r"[\u4e00-\u9fff]", h) for h in head), head
    rebuild_reports(new, "en")
    wb = openpyxl.load_workbook(new / "inventory.xlsx", read_only=True)
    assert {"Recalculations", "Recalculated factors"} <= set(wb.sheetnames)


def test_gwp_change_is_all_gwp_effect_in_the_section(runs, tmp_path):
    old, _ = runs
    # CO2 only: a GWP change moves nothing; the section says so
    recompute(old, gwp="AR6GWP100").write(tmp_path / "ar6")
    html = (tmp_path / "ar6" / "report.html").read_text(encoding="utf-8")
    assert "No category changed." in html and "No factor or conversion row changed." in html


def test_cli_diff_into_new_dir_and_html_fragment(runs, tmp_path):
    old, new = runs
    (new / "recalculation.parquet").unlink()
    frag = tmp_path / "recalc.html"
    p = subprocess.run([sys.executable, "-m", "ghginv.cli", "diff", str(old), str(new), "--html", str(frag)], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert (new / "recalculation.parquet").is_file()
    assert "<h2>Recalculations</h2>" in frag.read_text(encoding="utf-8")
    rc = pl.read_parquet(new / "recalculation.parquet")
    assert recalc_fragment(rc, None).count("<h3>") == 3
    # recorded in NEW_DIR's manifest with the rebuilt reports (ghginv.runfolder.update_run): every hash is its file's
    import hashlib
    import json

    outputs = json.loads((new / "manifest.json").read_text(encoding="utf-8"))["outputs"]
    assert {"recalculation.parquet", "recalculation_factors.parquet", "report.html", "inventory.xlsx"} <= set(outputs)
    for name, digest in outputs.items():
        assert digest == "sha256:" + hashlib.sha256((new / name).read_bytes()).hexdigest(), name
    assert not [p.name for p in new.iterdir() if p.name.startswith(".")]
