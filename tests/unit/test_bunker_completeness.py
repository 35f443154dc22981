"""International bunkers (1.A.3.a.i aviation, 1.A.3.d.i navigation) as memo items of the completeness table.

2006 IPCC GL Vol 1 Ch 8 Table 8.2 lists "Memo items: International bunkers — aviation, navigation" with CO2,
CH4 and N2O, outside the national total; §8.2.2: a cell without a number carries a notation key. Expected
counts by hand: the energy-only run below estimates 1.A.3 and 1.A.4 × CO2, CH4, N2O (6 of the 68 reporting
cells of ``ghginv.analysis.notation.REPORTING``), so 62 reporting cells are NE; the memo items add 2 × 3 = 6
cells in scope ``memo``, never counted with those 62.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import polars as pl
import pytest
from openpyxl import load_workbook

from ghginv import compile_inventory, inventory_summary
from ghginv.analysis.notation import completeness_manifest, completeness_table, notation_settings, summary_line
from ghginv.core.errors import ConfigError
from ghginv.core.i18n import translate_note
from ghginv.report._completeness import completeness_section
from ghginv.report.data import ReportData
from ghginv.report.provincial import summary_table

from conftest import ROOT, write_activity

ENERGY = ROOT / "ghginv" / "data" / "factor_sets" / "ipcc2006_energy"
R = "510105"
DOMESTIC = [dict(sector="1.A.3.a.ii", activity="jet_kerosene", amount=200.0, unit="t"),
            dict(sector="1.A.4.b", activity="diesel", amount=100.0, unit="t")]
BUNKERS = [dict(sector="1.A.3.a.i", activity="jet_kerosene", amount=1000.0, unit="t"),
           dict(sector="1.A.3.d.i", activity="fuel_oil", amount=500.0, unit="t")]
MEMO = ("1.A.3.a.i", "1.A.3.d.i")


def _run(tmp_path, rows, name="act", keys=None, out=False):
    act = write_activity(tmp_path / f"{name}.parquet", [dict(year=2024, region=R, **r) for r in rows])
    kw = {"extra": {"notation_keys": keys}} if keys else {}
    return compile_inventory(activity=[str(act)], factors=[str(ENERGY)], gwp="AR5GWP100", out=tmp_path / name if out else None, **kw)


def _memo_keys(inv) -> dict[tuple[str, str], str]:
    m = inv.filter(pl.col("scope") == "memo", pl.col("category").is_in(MEMO), pl.col("notation_key").is_not_null())
    return {(c, g): k for c, g, k in m.select("category", "gas", "notation_key").iter_rows()}


def _key_of(inv, category: str) -> set[str]:
    return set(inv.filter(pl.col("scope") == "direct", pl.col("category") == category, pl.col("notation_key").is_not_null())["notation_key"])


def _counts(line: str) -> str:
    """The counts of the reporting categories: the line before its memo part."""
    return line.split("; memo items:")[0]


def test_memo_rows_ne_without_bunker_data(tmp_path):
    res = _run(tmp_path, DOMESTIC)
    inv = res.inventory
    assert _memo_keys(inv) == {(c, g): "NE" for c in MEMO for g in ("CO2", "CH4", "N2O")}
    m = inv.filter(pl.col("scope") == "memo", pl.col("category").is_in(MEMO))
    assert m.height == 6 and m["co2e_t"].is_null().all() and m["emissions_t"].is_null().all() and set(m["level"]) == {5}
    line = summary_line(inv)
    assert line.endswith("; memo items: international bunkers NE")
    assert "6 estimated, 62 NE;" in line  # 1.A.3, 1.A.4 × 3 gases; 68 - 6 reporting cells NE, the 6 memo cells not counted
    assert translate_note(line, "zh").endswith("；信息项：国际燃料舱 NE")
    man = completeness_manifest(inv, [])
    assert man["cells_keyed"] == {"NE": 62} and man["memo_items"]["cells_keyed"] == {"NE": 6}
    tab = completeness_table(inv)
    assert tab["category"].to_list()[-2:] == list(MEMO)
    assert inventory_summary(res).completeness == line


def test_memo_rows_estimated_with_bunker_data_totals_and_counts_unchanged(tmp_path):
    base = _run(tmp_path, DOMESTIC, "base")
    full = _run(tmp_path, DOMESTIC + BUNKERS, "full")
    # jet kerosene gives CO2, CH4, N2O (Vol 2 Table 3.6.4/3.6.5); fuel oil of the set CO2 only: CH4, N2O of navigation stay NE
    assert _memo_keys(full.inventory) == {("1.A.3.d.i", "CH4"): "NE", ("1.A.3.d.i", "N2O"): "NE"}
    line = summary_line(full.inventory)
    assert line.endswith("; memo items: international aviation estimated, international navigation CO2 estimated, CH4 NE, N2O NE")
    assert translate_note(line, "zh").endswith("；信息项：国际航空 已估算，国际航海 CO2 已估算，CH4 NE，N2O NE")
    assert _counts(line) == _counts(summary_line(base.inventory))  # the reporting cells do not change with bunkers
    tab = {r["category"]: r for r in completeness_table(full.inventory).iter_rows(named=True)}
    assert tab["1.A.3.a.i"]["CO2_co2e_t"] == pytest.approx(1000 * 44.1e-3 * 71.5, rel=1e-12)  # 3,153.15 t (Eq 2.1)
    assert tab["1.A.3.d.i"]["CO2_co2e_t"] == pytest.approx(500 * 40.4e-3 * 77.4, rel=1e-12)  # 1,563.48 t
    assert tab["1.A.3.d.i"]["CH4_key"] == "NE" and tab["1.A.3.a.i"]["CH4_key"] is None

    def direct(res):
        return res.inventory.filter(pl.col("scope") == "direct").select("year", "region", "category", "gas", "emissions_t", "co2e_t", "notation_key")

    # every direct row — the national TOTAL and every keyed reporting cell — is the same, bit for bit
    assert direct(full).equals(direct(base))
    t = full.inventory.filter(pl.col("scope") == "direct", pl.col("category") == "TOTAL")["co2e_t"].to_list()
    assert t == base.inventory.filter(pl.col("scope") == "direct", pl.col("category") == "TOTAL")["co2e_t"].to_list()


def test_user_no_key_honoured_toml_and_csv(tmp_path):
    res = _run(tmp_path, DOMESTIC, keys={"1.A.3.a.i": "NO", "1.A.3.d.i": {"key": "NO", "gases": ["CO2"], "reason": "no port"}})
    got = _memo_keys(res.inventory)
    assert got == {("1.A.3.a.i", "CO2"): "NO", ("1.A.3.a.i", "CH4"): "NO", ("1.A.3.a.i", "N2O"): "NO",
                   ("1.A.3.d.i", "CO2"): "NO", ("1.A.3.d.i", "CH4"): "NE", ("1.A.3.d.i", "N2O"): "NE"}
    assert summary_line(res.inventory).endswith("; memo items: international aviation NO, international navigation CO2 NO, CH4 NE, N2O NE")
    # the same from the notation-keys CSV (Chinese headers), and a key on a parent does not reach the memo items
    csv = tmp_path / "keys.csv"
    csv.write_text("类别,气体,注释符号,原因\n1.A.3.a.i,,NO,无国际机场\n1.A.3.d.i,,NO,无港口\n5,,NO,\n", encoding="utf-8")
    res = _run(tmp_path, DOMESTIC, "csv", keys={"path": str(csv)})
    assert set(_memo_keys(res.inventory).values()) == {"NO"} and len(_memo_keys(res.inventory)) == 6
    assert summary_line(res.inventory).endswith("; memo items: international bunkers NO")
    res = _run(tmp_path, DOMESTIC[1:], "parent", keys={"1.A.3": "NO"})  # no transport at all: domestic transport NO
    assert _key_of(res.inventory, "1.A.3") == {"NO"} and set(_memo_keys(res.inventory).values()) == {"NE"}


def test_bad_memo_keys(tmp_path):
    with pytest.raises(ConfigError) as e:  # the run estimates international aviation: it cannot also be NO
        _run(tmp_path, DOMESTIC + BUNKERS, keys={"1.A.3.a.i": "NO"})
    assert "1.A.3.a.i has estimates for" in str(e.value) and "an estimated category cannot carry a notation key" in str(e.value)
    with pytest.raises(ConfigError) as e:  # bunkers are reported for CO2, CH4, N2O
        notation_settings(SimpleNamespace(extra={"notation_keys": {"1.A.3.d.i": {"key": "NO", "gas": "SF6"}}}, source=None))
    assert "1.A.3.d.i: gas 'SF6' is not a memo gas of international bunkers" in str(e.value)


def test_report_and_provincial_sheet_show_the_memo_items(tmp_path):
    res = _run(tmp_path, DOMESTIC, "rep", keys={"1.A.3.a.i": "NO"}, out=True)
    html = (tmp_path / "rep" / "report.html").read_text(encoding="utf-8")
    head = html.index("Memo items: international bunkers (not in the totals)")
    row = re.search(r'<tr class="memo"><td class="l">1\.A\.3\.a\.i [^<]*</td>(.*?)</tr>', html[head:])
    assert row and row.group(1).count('<span class="na">NO</span>') == 3
    row = re.search(r'<tr class="memo"><td class="l">1\.A\.3\.d\.i [^<]*</td>(.*?)</tr>', html[head:])
    assert row and row.group(1).count('<span class="na">NE</span>') == 3
    d = ReportData({}, res.emissions, res.inventory, pl.DataFrame())
    assert "信息项：国际燃料舱（不计入总量）" in completeness_section(d, "zh")
    # the provincial summary table: 国际航空 NO, 国际航海 NE in the note, no numbers, outside 总量
    t = {r["code"]: r for r in summary_table(res.emissions, None, None, res.inventory).iter_rows(named=True)}
    assert t["M1.1"]["item_zh"] == "国际航空" and "NO 未发生" in t["M1.1"]["note_zh"] and t["M1.1"]["co2e_10kt"] is None
    assert t["M1.2"]["item_zh"] == "国际航海" and "NE 未估算" in t["M1.2"]["note_zh"] and t["M1.2"]["co2e_10kt"] is None
    assert "NE" in t["M1"]["note_en"] and "NO" in t["M1"]["note_en"]
    direct = res.inventory.filter(pl.col("scope") == "direct", pl.col("category") == "TOTAL")["co2e_t"].sum()
    assert t["T1"]["co2e_10kt"] == pytest.approx(direct / 1e4, rel=1e-12)
    # and in the workbook: the provincial summary sheet has the two memo rows with their keys
    wb = load_workbook(tmp_path / "rep" / "inventory.xlsx", read_only=True)
    cells = [" ".join(str(c) for c in r if c is not None) for r in wb["Provincial summary"].iter_rows(values_only=True)]
    avi = [c for c in cells if "International aviation" in c]
    nav = [c for c in cells if "International navigation" in c]
    assert avi and "NO not occurring" in avi[0] and nav and "NE not estimated" in nav[0]
    # the Completeness sheet lists the memo items after the reporting categories
    comp = [r for r in wb["Completeness"].iter_rows(values_only=True) if r and r[1] in MEMO]
    assert [r[1] for r in comp] == list(MEMO) and comp[0][3:6] == ("NO", "NO", "NO")
