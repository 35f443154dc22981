"""The inventory stage's key codes reused by the reports (InventoryResult.key_codes, issue 20).

The workbook's "IPCC categories" sheet summed over regions groups the inventory's estimates on the
scope, category and gas codes the inventory stage made instead of encoding those strings again:
the same frame as the string path, on random inventories (hypothesis) and on the demo; the codes
are found only for the very frame the stage made (a frame read back from the run folder, or any
other frame, takes the string path), and the workbook rebuilt from the run folder is the same bytes.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

import ghginv
from ghginv.core._frames import encode
from ghginv.pipeline.aggregate import INVENTORY_SCHEMA
from ghginv.report import ReportData
from ghginv.report._detail import summed_frame
from ghginv.report.xlsx import _summed_codes

from conftest import ROOT

DEMO_TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
CATS = ["1", "1.A", "1.A.1", "1.A.4.b", "2.A.1", "3.B", "4.A", "5"]
NAMES = {c: f"name of {c}" for c in CATS}  # category_name follows category, as in the inventory


def _codes(df: pl.DataFrame) -> dict:
    return {k: encode(df[k])[1].astype(np.int16) for k in ("scope", "category", "gas")} | {"category_name": None}


row = st.tuples(st.sampled_from([2019, 2020, 2021]), st.sampled_from(["r1", "r2", "r3"]),
                st.sampled_from(["direct", "indirect", "memo", None]), st.sampled_from(CATS),
                st.sampled_from(["CO2", "CH4", "N2O", "ALL", None]),
                st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), st.sampled_from([None, None, "NE", "NO", "IE"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(row, min_size=1, max_size=60))
def test_summed_on_codes_is_the_summed_on_strings(rows):
    """Any inventory (nulls in the key columns too, values of any order): grouping on codes gives the same frame."""
    df = pl.DataFrame([{"year": y, "region": r, "scope": s, "category": c, "level": c.count(".") + 1, "category_name": NAMES[c],
                        "gas": g, "emissions_t": None if k else v, "co2e_t": None if k or v is None else v * 3.0,
                        "notation_key": k} for y, r, s, c, g, v, k in rows], schema=INVENTORY_SCHEMA)
    want = summed_frame("IPCC categories", df)
    assert summed_frame("IPCC categories", df, None, _codes(df)).equals(want, null_equal=True)
    keyed = ReportData(manifest={}, emissions=df.clear(), inventory=df, factors_used=df.clear()).keyed_rows()
    assert summed_frame("IPCC categories", df, keyed, _codes(df)).equals(want, null_equal=True)


def test_a_key_column_without_codes_takes_the_string_path():
    df = pl.DataFrame([{"year": 2020, "region": "a", "scope": "direct", "category": "1.A.1", "level": 3, "category_name": "x",
                        "gas": "CO2", "emissions_t": 1.0, "co2e_t": 1.0, "notation_key": None}], schema=INVENTORY_SCHEMA)
    codes = _codes(df)
    del codes["category_name"]  # a String column neither coded nor said to follow: encoded as before
    assert summed_frame("IPCC categories", df, None, codes).equals(summed_frame("IPCC categories", df))


def _members(p: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(p) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_the_demo_compiled_and_rebuilt_from_its_folder(tmp_path, monkeypatch):
    """The stage's codes are those of the inventory's strings; the write stage hands them to the reports with that frame;
    the summed sheet is the same through both paths, and the workbook rebuilt from the run folder (no codes) is the
    compile's, byte for byte."""
    result = ghginv.compile_inventory(DEMO_TOML, extra={"report": {"lang": "zh", "workbook_detail": "summed"}})
    inv = result.inventory
    codes = result.key_codes
    assert codes is not None and set(codes) == {"scope", "category", "gas"}
    for k, (values, c) in codes.items():
        assert c.dtype.itemsize <= 2 and values == sorted(set(values))
        assert [values[i] if i < len(values) else None for i in c.tolist()] == inv[k].to_list()
    from ghginv.report import xlsx as xlsx_mod

    seen = []
    real = xlsx_mod._summed_codes
    monkeypatch.setattr(xlsx_mod, "_summed_codes", lambda data: seen.append(real(data)) or seen[-1])
    _write(result, tmp_path)  # the write stage hands the codes over: the summed sheet grouped on them
    assert seen and seen[0] is not None and seen[0]["gas"] is codes["gas"][1]
    monkeypatch.undo()
    d = ReportData({}, result.emissions, inv, result.factors_used, inventory_key_codes=codes)
    assert _summed_codes(d) is not None
    assert summed_frame("IPCC categories", inv, d.keyed_rows(), _summed_codes(d)).equals(
        summed_frame("IPCC categories", inv), null_equal=True)
    # codes that are not one per row of the frame (another frame) are not used
    assert ReportData({}, result.emissions, inv.head(3), result.factors_used, inventory_key_codes=codes).inventory_codes() is None
    assert ReportData({}, result.emissions, inv, result.factors_used).inventory_codes() is None
    run = tmp_path / "run"
    rebuilt = ReportData.from_run_dir(run)
    assert rebuilt.inventory_codes() is None
    from ghginv.report import xlsx

    xlsx.write_xlsx(rebuilt, tmp_path / "rebuilt.xlsx", "zh")
    assert [s.sheet for s in rebuilt.workbook_summed] == ["IPCC categories"]
    assert _members(tmp_path / "rebuilt.xlsx") == _members(run / "inventory.xlsx")


def _write(result, tmp_path: Path) -> Path:
    run = tmp_path / "run"
    if not run.exists():
        result.write(run)
    return run / "inventory.parquet"


COMPLETE_CATS = ["1", "1.A", "1.A.1", "1.A.4.b", "1.A.3.a.i", "1.A.3.d.i", "2.A.1", "2.F.1", "3.B", "4.A", "5", "9.Z"]
crow = st.tuples(st.sampled_from([2019, 2020, 2021]), st.sampled_from(["r1", "r2"]),
                 st.sampled_from(["direct", "indirect", "memo", None]), st.sampled_from(COMPLETE_CATS),
                 st.sampled_from(["CO2", "CH4", "N2O", "HFC-134a", "CF4", "SF6", "ALL", "CFC-11"]),
                 st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), st.sampled_from([None, None, "NE", "NO", "IE"]))


@settings(max_examples=150, deadline=None)
@given(st.lists(crow, min_size=1, max_size=80), st.sampled_from([None, 2019, 2021, 2030]))
def test_completeness_on_codes_is_the_completeness_on_strings(rows, year):
    """Any inventory (nulls in the scope, memo rows of the bunkers, gases of every group and of none, values of
    any order): the completeness tables summed on the inventory stage's codes are those of the string path, every
    year with direct rows and a year asked without any; the keyed rows found on the codes are the same rows."""
    df = pl.DataFrame([{"year": y, "region": r, "scope": s, "category": c, "level": c.count(".") + 1, "category_name": f"n {c}",
                        "gas": g, "emissions_t": None if k else v, "co2e_t": None if k or v is None else v * 3.0,
                        "notation_key": k} for y, r, s, c, g, v, k in rows], schema=INVENTORY_SCHEMA)
    codes = {k: encode(df[k]) for k in ("scope", "category", "gas")}
    plain = ReportData(manifest={}, emissions=df.clear(), inventory=df, factors_used=df.clear())
    coded = ReportData(manifest={}, emissions=df.clear(), inventory=df, factors_used=df.clear(), inventory_key_codes=codes)
    assert coded._completeness_sums() is not None and plain._completeness_sums() is None
    cols = [c for c in df.columns if c != "region"]  # the keyed rows (in no fixed order): the same distinct rows
    assert coded.keyed_rows().sort(cols, nulls_last=True).equals(plain.keyed_rows().sort(cols, nulls_last=True), null_equal=True)
    assert coded.completeness_years() == plain.completeness_years()
    for y in [*plain.completeness_years(), year]:
        assert coded.completeness(y).equals(plain.completeness(y), null_equal=True)
