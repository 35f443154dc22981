"""Issue 19 items 1 and 3 end to end: every run writes report.html and inventory.xlsx (a run without an
economy table too, with one line instead of the intensity section; recompute and ``ghginv report`` the
same, listed in the manifest), and the provincial tables of inventory.xlsx — read back with openpyxl —
equal inventory.parquet (sums by sector and gas, in 万吨 = t / 1e4), in Chinese with ``--lang zh`` and
in English otherwise, numbers as numbers, no Python objects in any cell."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from conftest import ROOT

SECTORS_TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic_sectors.toml"  # all five sectors, no economy table, no targets
DEMO_TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"  # economy table, targets, energy balance


def run_cli(*args, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "GHGINV_FACTORS_PATH"}
    env["COLUMNS"] = "200"
    return subprocess.run([sys.executable, "-m", "ghginv.cli", *map(str, args)], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=timeout)


@pytest.fixture(scope="module")
def sectors_run(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("prov")
    out = tmp / "sectors"
    res = run_cli("compile", SECTORS_TOML, "--out", out, "--quiet", cwd=tmp)
    assert res.returncode == 0, res.stderr
    return out


@pytest.fixture(scope="module")
def demo_zh(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("prov_demo")
    out = tmp / "demo"
    res = run_cli("compile", DEMO_TOML, "--out", out, "--quiet", "--lang", "zh", cwd=tmp)
    assert res.returncode == 0, res.stderr
    return out


def _sheet(wb, name: str) -> list[dict]:
    rows = list(wb[name].iter_rows(values_only=True))
    head_at = 2 if rows[0][0] and rows[1][0] is None else 0  # a note in A1, a blank row, then the header
    head = rows[head_at]
    return [dict(zip(head, r)) for r in rows[head_at + 1:]]


def _manifest(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text(encoding="utf-8"))


def _level1(inv: pl.DataFrame, year: int, cats: tuple[str, ...], gas: str | None, col: str) -> float | None:
    """Whole-area sum of inventory.parquet rows of the categories (each at its own level) and gas."""
    sub = inv.filter(pl.col("year") == year, pl.col("scope") == "direct", pl.col("category").is_in(list(cats)),
                     pl.col(col).is_not_null())
    if gas == "HFCs":  # the rows carry each HFC (HFC-32, HFC-134a …); "HFCs" is the group's notation-key row
        sub = sub.filter(pl.col("gas").str.starts_with("HFC"))
    elif gas is not None:
        sub = sub.filter(pl.col("gas") == gas)
    else:
        sub = sub.filter(pl.col("gas") != "ALL")
    return float(sub[col].sum()) if sub.height else None


def test_a_run_without_economy_writes_both_reports(sectors_run):
    m = _manifest(sectors_run)
    for name in ("report.html", "inventory.xlsx", "energy_activity.parquet"):
        assert (sectors_run / name).is_file(), name
        assert name in m["outputs"], name
    assert "indicators" not in m and m["report"] == {"lang": "en", "workbook_detail": {"setting": "auto", "limit_rows": 100_000, "summed": []}}
    html = (sectors_run / "report.html").read_text(encoding="utf-8")
    assert html.count('id="no-economy"') == 1 and "No economy table" in html
    assert "Emissions by sector" in html  # the sections its data allow
    assert "needs an economy table" not in html  # one line, not one per intensity chart


def test_provincial_summary_equals_inventory_parquet(sectors_run):
    inv = pl.read_parquet(sectors_run / "inventory.parquet")
    wb = load_workbook(sectors_run / "inventory.xlsx", read_only=True)
    assert {"Provincial summary", "Energy activity (physical)", "Energy activity (tce)", "Energy (by sector)", "Industrial processes",
            "Agriculture", "LULUCF", "Waste"} <= set(wb.sheetnames)
    summ = {(r["Year"], r["Code"]): r for r in _sheet(wb, "Provincial summary")}
    sectors = {"1": ("1",), "2": ("2",), "3": ("3.A", "3.C", "3.D.2"), "4": ("3.B", "3.D.1"), "5": ("4",)}
    years = sorted(inv["year"].unique().to_list())
    checked = 0
    for y in years:
        for code, cats in sectors.items():
            row = summ[(y, code)]
            for head, gas, col in (("CO2 (10^4 t)", "CO2", "emissions_t"), ("CH4 (10^4 t)", "CH4", "emissions_t"),
                                   ("N2O (10^4 t)", "N2O", "emissions_t"), ("HFCs (10^4 t CO2e)", "HFCs", "co2e_t"),
                                   ("SF6 (10^4 t CO2e)", "SF6", "co2e_t"), ("Total GHG (10^4 t CO2e)", None, "co2e_t")):
                want = _level1(inv, y, cats, gas, col)
                got = row[head]
                if want is None:
                    assert got is None, (y, code, head)
                else:
                    assert isinstance(got, float | int), (y, code, head, got)
                    assert got == pytest.approx(want / 1e4, rel=1e-12, abs=1e-12), (y, code, head)
                    checked += 1
        tot = inv.filter(pl.col("year") == y, pl.col("scope") == "direct", pl.col("category") == "TOTAL", pl.col("gas") != "ALL")
        assert summ[(y, "T1")]["Total GHG (10^4 t CO2e)"] == pytest.approx(tot["co2e_t"].sum() / 1e4, rel=1e-12)
        lulucf = _level1(inv, y, sectors["4"], None, "co2e_t")
        assert summ[(y, "T2")]["Total GHG (10^4 t CO2e)"] == pytest.approx((tot["co2e_t"].sum() - lulucf) / 1e4, rel=1e-12)
        ind = inv.filter(pl.col("year") == y, pl.col("scope") == "indirect", pl.col("category") == "TOTAL", pl.col("gas") != "ALL")
        assert summ[(y, "M3")]["Total GHG (10^4 t CO2e)"] == pytest.approx(ind["co2e_t"].sum() / 1e4, rel=1e-12)
    assert checked > 5 * len(years) * 2  # the all-sector demo has numbers in every sector
    # the per-sector sheets: each sector row equals the summary's
    for sheet, code in (("Industrial processes", "2"), ("Agriculture", "3"), ("LULUCF", "4"), ("Waste", "5")):
        for r in _sheet(wb, sheet):
            if r["Code"] == code:
                assert r["CO2e (10^4 t)"] == pytest.approx(summ[(r["Year"], code)]["Total GHG (10^4 t CO2e)"], rel=1e-12)


def test_no_python_objects_and_numbers_stay_numbers(sectors_run):
    wb = load_workbook(sectors_run / "inventory.xlsx", read_only=True)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                if isinstance(v, str):
                    assert not v.startswith(("{", "[{", "(", "<")) and "': " not in v, (ws.title, v)
    summary = [r for r in wb["Summary"].iter_rows(values_only=True) if r[0]]
    assert not any("{" in str(v) for r in summary for v in r)
    for r in _sheet(wb, "Energy activity (tce)"):
        assert all(v is None or isinstance(v, float | int) for k, v in r.items() if k not in ("Code", "Item")), r


def test_report_in_chinese_and_recompute_write_the_same_files(sectors_run, tmp_path):
    run = tmp_path / "copy"
    shutil.copytree(sectors_run, run)
    res = run_cli("report", run, "--lang", "zh", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    wb = load_workbook(run / "inventory.xlsx", read_only=True)
    assert {"清单汇总表", "能源活动水平（实物量）", "能源活动水平（标准量）", "能源活动排放", "工业生产过程", "农业", "土地利用变化和林业",
            "废弃物处理"} <= set(wb.sheetnames)
    zh = _sheet(wb, "清单汇总表")
    assert list(zh[0])[:4] == ["年份", "编号", "项目", "二氧化碳（万吨）"]
    assert [r["项目"] for r in zh[:3]] == ["总量（含LULUCF）", "总量（不含LULUCF）", "能源活动"]
    en = {(r["Year"], r["Code"]): r["Total GHG (10^4 t CO2e)"] for r in _sheet(load_workbook(sectors_run / "inventory.xlsx"), "Provincial summary")}
    assert {(r["年份"], r["编号"]): r["温室气体合计（万吨二氧化碳当量）"] for r in zh} == en  # the same numbers in both languages
    m = _manifest(run)
    assert m["outputs"]["inventory.xlsx"].removeprefix("sha256:") != _manifest(sectors_run)["outputs"]["inventory.xlsx"].removeprefix("sha256:")
    new = tmp_path / "recomputed"
    res = run_cli("recompute", sectors_run, "--out", new, "--quiet", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    mn = _manifest(new)
    for name in ("report.html", "inventory.xlsx", "energy_activity.parquet"):
        assert (new / name).is_file() and name in mn["outputs"], name
    assert pl.read_parquet(new / "energy_activity.parquet").equals(pl.read_parquet(sectors_run / "energy_activity.parquet"))


def test_demo_energy_table_and_net_imported_electricity(demo_zh):
    """The demo in Chinese: the energy-activity total in tce equals the indicators' energy total, and the energy
    balance's electricity gives the 电力调入调出 memo row."""
    wb = load_workbook(demo_zh / "inventory.xlsx", read_only=True)
    ind = pl.read_parquet(demo_zh / "indicators.parquet").filter(pl.col("indicator") == "energy_gross_tce", pl.col("region") == "ALL")
    tce = {r["年份"]: r["合计（吨标准煤）"] for r in _sheet(wb, "能源活动水平（标准量）") if r["编号"] == "T"}
    assert tce and {y: pytest.approx(v, rel=1e-12) for y, v in zip(ind["year"].to_list(), ind["value"].to_list())} == tce
    assert tce[2020] == pytest.approx(1_214_537.28, abs=0.01)  # CHANGELOG (issue 16): energy_gross_tce 2020
    phys = _sheet(wb, "能源活动水平（实物量）")
    assert {"电力（万千瓦时）", "天然气（万立方米）", "柴油（吨）"} <= set(phys[0])
    summ = {(r["年份"], r["编号"]): r for r in _sheet(wb, "清单汇总表")}
    bal = pl.read_parquet(demo_zh / "electricity_balance.parquet")
    for y in (2020, 2024):
        r = summ[(y, "M3.4")]
        b = bal.filter(pl.col("year") == y).row(0, named=True)
        assert b["net_imports_kwh"] == pytest.approx((b["imports"] - b["exports"]) * 1e8)  # the demo's balance is in 10^8 kWh
        assert r["二氧化碳（万吨）"] > 0 and "净调入电力" in r["说明"]
        ind_el = summ[(y, "M3.1")]["二氧化碳（万吨）"]
        assert r["二氧化碳（万吨）"] == pytest.approx(ind_el * b["net_imports_kwh"] / _kwh(demo_zh, y), rel=1e-9)
    # a row without estimates names its notation key: the demo estimates no industrial process (NE), no fugitive emissions (NO)
    assert summ[(2020, "2")]["说明"] == "注释键 NE 未估算（见“完整性”工作表）"  # the Completeness sheet is 完整性 in zh
    assert summ[(2020, "2")]["温室气体合计（万吨二氧化碳当量）"] is None and "NO 未发生" in summ[(2020, "1.3")]["说明"]
    assert summ[(2020, "1")]["说明"] is None
    html = (demo_zh / "report.html").read_text(encoding="utf-8")
    assert 'id="no-economy"' not in html  # the demo has its economy table: the intensity charts are there


def _kwh(run: Path, year: int) -> float:
    ea = pl.read_parquet(run / "energy_activity.parquet")
    return float(ea.filter(pl.col("year") == year, pl.col("fuel_class") == "electricity")["amount_base"].sum()) / 0.0036


def _tiny_toml(tmp_path: Path, extra: str) -> Path:
    from conftest import write_activity

    act = write_activity(tmp_path / "act.parquet", [
        dict(year=2020, region="510105", sector="1.A.4.a", activity="natural_gas", amount=10.0, unit="10^4 m^3"),
        dict(year=2020, region="510105", sector="1.A.3.a.i", activity="diesel", amount=2.0, unit="t"),
        dict(year=2020, region="510105", sector="1.A.4.b", activity="diesel", amount=10.0, unit="t"),
    ])
    t = tmp_path / "inv.toml"
    t.write_text(f"""[inventory]
years = [2020, 2020]
base_year = 2020
[activity]
paths = ["{act}"]
[factors]
sets = ["cn_gbt32151_22_2024", "cn_gbt2589_2020"]
{extra}
""", encoding="utf-8")
    return t


def test_tiny_run_without_economy_in_chinese(tmp_path):
    """10 × 10^4 m^3 natural gas (GB/T 2589-2020: 1.2143 kgce/m^3 → 121.43 tce) and 12 t diesel (1.4571 kgce/kg →
    17.4852 tce), 2 t of it in international aviation: a memo row, outside 能源活动."""
    import ghginv

    res = ghginv.compile_inventory(_tiny_toml(tmp_path, '[report]\nlang = "zh"'), out=tmp_path / "out")
    out = Path(tmp_path / "out")
    assert res.analysis is None and (out / "report.html").is_file()
    wb = load_workbook(out / "inventory.xlsx", read_only=True)
    tce = {r["编号"]: r for r in _sheet(wb, "能源活动水平（标准量）")}
    assert tce["T"]["合计（吨标准煤）"] == pytest.approx(121.43 + 17.4852, rel=1e-9)
    assert tce["M.1"]["柴油（吨标准煤）"] == pytest.approx(2 * 1.4571, rel=1e-9)
    phys = {r["编号"]: r for r in _sheet(wb, "能源活动水平（实物量）")}
    assert phys["1.4"]["天然气（万立方米）"] == pytest.approx(10.0) and phys["T"]["柴油（吨）"] == pytest.approx(12.0)
    summ = {r["编号"]: r for r in _sheet(wb, "清单汇总表")}
    em = pl.read_parquet(out / "emissions.parquet")
    bunker = em.filter(pl.col("sector") == "1.A.3.a.i", pl.col("gas") == "CO2")["emissions_t"].sum()
    energy = em.filter(pl.col("sector") != "1.A.3.a.i", pl.col("gas") == "CO2", pl.col("scope") == "direct")["emissions_t"].sum()
    assert summ["1"]["二氧化碳（万吨）"] == pytest.approx(energy / 1e4, rel=1e-12)
    assert summ["M1.1"]["二氧化碳（万吨）"] == pytest.approx(bunker / 1e4, rel=1e-12) and bunker > 0
    assert summ["T1"]["温室气体合计（万吨二氧化碳当量）"] == summ["1"]["温室气体合计（万吨二氧化碳当量）"]
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "未提供经济数据表" in html


def test_bad_report_language_without_economy_is_exit_2(tmp_path):
    """Before, the [report] table of a run without economy table or targets was never read; now that every run
    writes its report it is checked: one message, exit 2, nothing written."""
    toml = _tiny_toml(tmp_path, '[report]\nlang = "fr"')
    res = run_cli("compile", toml, "--out", tmp_path / "out", cwd=tmp_path)
    assert res.returncode == 2 and res.stderr.startswith("error:") and "Traceback" not in res.stderr + res.stdout
    assert "[report] takes lang = 'zh' or 'en'" in res.stderr
    assert not (tmp_path / "out").exists()
