"""Issue 20: the per-region tables of ``inventory.xlsx`` in full or summed over regions
(``[report] workbook_detail`` / ``--workbook-detail auto|full|summed``, :mod:`ghginv.report._detail`).

``full`` writes today's workbook; ``summed`` one row per the other columns with the region ``ALL``
(全域), the numbers the group sums of the Parquet file, the notation keys combined as the completeness
table combines them; ``auto`` sums a table only above :data:`WORKBOOK_DETAIL_ROWS` (a parameter
here, so the demo's 5,430 inventory rows can cross it). What was summed is said on the sheet, on the
Summary sheet, in report.html and in manifest.json, in English and Chinese."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook
from test_report_zh import english_words, run_cli

import ghginv
from ghginv.core._frames import group_sum
from ghginv.core.config import WORKBOOK_DETAILS, workbook_detail
from ghginv.core.errors import ConfigError
from ghginv.report import ReportData, rebuild_reports
from ghginv.report._detail import WORKBOOK_DETAIL_ROWS, summed_frame, table_detail

from conftest import ROOT

DEMO_TOML = ROOT / "ghginv" / "data" / "demo" / "qingyang_synthetic.toml"
KEYS = ["year", "scope", "category", "level", "category_name", "gas"]


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wbd") / "demo"
    ghginv.compile_inventory(DEMO_TOML, out=out)
    return out


def _write(run: Path, out: Path, lang: str, detail: str | None, limit_rows: int = WORKBOOK_DETAIL_ROWS) -> ReportData:
    """The run's reports written into ``out`` with ``detail`` and ``limit_rows`` (the xlsx writer's parameters)."""
    from ghginv.report import xlsx

    d = ReportData.from_run_dir(run)
    out.mkdir(parents=True, exist_ok=True)
    xlsx.write_xlsx(d, out / "inventory.xlsx", lang, detail, limit_rows)
    return d


def test_the_setting_and_the_limit():
    assert WORKBOOK_DETAIL_ROWS == 100_000 and WORKBOOK_DETAILS == ("auto", "full", "summed")
    assert table_detail("auto", 100_000) == "full" and table_detail("auto", 100_001) == "summed"
    assert table_detail("auto", 10, limit_rows=10) == "full" and table_detail("auto", 11, limit_rows=10) == "summed"
    assert table_detail("full", 10**7) == "full" and table_detail("summed", 1) == "summed"
    assert workbook_detail(None) == "auto" and workbook_detail("summed") == "summed"
    with pytest.raises(ConfigError, match=r"--workbook-detail takes 'auto', 'full' or 'summed' \(got 'Full'\)"):
        workbook_detail("Full", "--workbook-detail")
    with pytest.raises(ValueError):
        table_detail("some", 1)


def test_full_and_auto_on_the_demo_are_todays_bytes(demo_run, tmp_path):
    """The demo (5,430 inventory rows, under the limit): the compile's workbook (auto), ``full`` and ``auto`` written
    again are the same bytes; ``full`` ignores the limit. (Checked against the parent commit's workbook when this was
    written: /tmp/measure-wbscale.md.)"""
    compiled = _sha(demo_run / "inventory.xlsx")
    for detail, limit in (("full", WORKBOOK_DETAIL_ROWS), ("auto", WORKBOOK_DETAIL_ROWS), ("full", 1), (None, WORKBOOK_DETAIL_ROWS)):
        d = _write(demo_run, tmp_path / f"{detail}_{limit}", "en", detail, limit)
        assert _sha(tmp_path / f"{detail}_{limit}" / "inventory.xlsx") == compiled, (detail, limit)
        assert d.workbook_summed == []
    m = json.loads((demo_run / "manifest.json").read_text(encoding="utf-8"))
    assert m["report"]["workbook_detail"] == {"setting": "auto", "limit_rows": WORKBOOK_DETAIL_ROWS, "summed": []}


def test_auto_switches_at_the_limit(demo_run, tmp_path):
    n = pl.read_parquet(demo_run / "inventory.parquet").height
    at = _write(demo_run, tmp_path / "at", "en", "auto", n)
    over = _write(demo_run, tmp_path / "over", "en", "auto", n - 1)
    assert at.workbook_summed == []
    assert [s.sheet for s in over.workbook_summed] == ["IPCC categories"] and over.workbook_summed[0].rows == n
    _write(demo_run, tmp_path / "summed", "en", "summed")
    assert _sha(tmp_path / "over" / "inventory.xlsx") == _sha(tmp_path / "summed" / "inventory.xlsx")


def _sheet(path: Path, name: str) -> tuple[str, list, list[tuple]]:
    rows = list(load_workbook(path, read_only=True)[name].iter_rows(values_only=True))
    return rows[0][0], list(rows[2]), rows[3:]  # note, blank, header, data


def test_summed_values_are_the_group_sums_of_inventory_parquet(demo_run, tmp_path):
    inv = pl.read_parquet(demo_run / "inventory.parquet")
    d = _write(demo_run, tmp_path / "s", "en", "summed")
    note, head, rows = _sheet(tmp_path / "s" / "inventory.xlsx", "IPCC categories")
    assert head == inv.columns
    got = pl.DataFrame(rows, schema=inv.columns, orient="row")
    assert set(got["region"]) == {"ALL"} and got.height == d.workbook_summed[0].summed_rows
    assert got.height == inv.select(KEYS).unique().height  # one row per the other keys
    est = inv.filter(pl.col("notation_key").is_null())
    want = group_sum(est, KEYS, ["emissions_t", "co2e_t"])
    joined = want.join(got.filter(pl.col("notation_key").is_null()).cast({"year": pl.Int32, "level": pl.Int8}), on=KEYS, how="full")
    assert joined.height == want.height and joined["co2e_t_right"].null_count() == 0
    # the sheet's numbers are the sums to the 16 significant digits the workbook keeps
    for c in ("emissions_t", "co2e_t"):
        a, b = joined[c].to_numpy(), joined[f"{c}_right"].to_numpy()
        assert ((a - b) == 0).all() or (abs(a - b) <= 1e-15 * abs(a)).all(), c
    # and the frame is exactly group_sum (the inventory's helper: groups in sorted order, rows in table order), every time
    s1 = summed_frame("IPCC categories", inv)
    assert s1.equals(summed_frame("IPCC categories", inv.clone()))
    assert s1.filter(pl.col("notation_key").is_null()).select(KEYS + ["co2e_t"]).equals(want.select(KEYS + ["co2e_t"]))
    # the 5 years' totals are unchanged by summing over regions
    def tot(f):
        return f.filter(pl.col("category").is_in(["1", "2", "3", "4", "5"]), pl.col("scope") == "direct")["co2e_t"].sum()
    assert tot(s1) == pytest.approx(tot(inv), rel=1e-12)
    assert "summed over regions (region ALL)" in note and f"{inv.height:,} rows by region are in inventory.parquet / inventory.csv" in note


def _inv(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame([{"year": 2020, "region": r, "scope": "direct", "category": c, "level": 3, "category_name": c, "gas": "CO2",
                          "emissions_t": v, "co2e_t": v, "notation_key": k} for r, c, v, k in rows],
                        schema={"year": pl.Int32, "region": pl.String, "scope": pl.String, "category": pl.String, "level": pl.Int8,
                                "category_name": pl.String, "gas": pl.String, "emissions_t": pl.Float64, "co2e_t": pl.Float64,
                                "notation_key": pl.String})


def test_the_notation_key_rule():
    """Estimated anywhere -> the sum, no key; the same key everywhere -> that key; mixed keys -> the first of NE, IE,
    C, NO, NA present (the completeness table's rule, ghginv.analysis.notation.combine_keys)."""
    inv = _inv([("a", "1.A.1", 1.5, None), ("b", "1.A.1", None, "NE"), ("c", "1.A.1", 2.25, None),  # estimated + NE
                ("a", "1.A.2", None, "NO"), ("b", "1.A.2", None, "NO"),  # agreeing
                ("a", "1.A.3", None, "NO"), ("b", "1.A.3", None, "NE"), ("c", "1.A.3", None, "NA"),  # mixed: NE first
                ("a", "1.A.4", None, "NA"), ("b", "1.A.4", None, "IE"), ("c", "1.A.4", None, "NO"),  # IE before NO and NA
                ("a", "1.A.5", None, "NA"), ("b", "1.A.5", None, "NO")])  # NO before NA
    s = summed_frame("IPCC categories", inv)
    assert s.columns == inv.columns and s.schema == inv.schema
    got = {c: (v, k) for c, v, k in s.select("category", "co2e_t", "notation_key").iter_rows()}
    assert got == {"1.A.1": (3.75, None), "1.A.2": (None, "NO"), "1.A.3": (None, "NE"), "1.A.4": (None, "IE"), "1.A.5": (None, "NO")}
    assert s["region"].to_list() == ["ALL"] * 5 and s["category"].to_list() == ["1.A.1", "1.A.2", "1.A.3", "1.A.4", "1.A.5"]
    # the keyed rows deduplicated over regions beforehand (ReportData.keyed_rows) give the same frame
    from ghginv.report.data import ReportData

    keyed = ReportData(manifest={}, emissions=inv.clear(), inventory=inv, factors_used=inv.clear()).keyed_rows()
    assert "region" not in keyed.columns and keyed.height == keyed.unique().height < inv["notation_key"].is_not_null().sum()
    assert summed_frame("IPCC categories", inv, keyed).equals(s)


def test_summary_report_and_manifest_say_it_in_english_and_chinese(demo_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(demo_run, run)
    n = pl.read_parquet(run / "inventory.parquet").height
    rebuild_reports(run, "zh", workbook_detail="summed")
    m = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    rec = m["report"]["workbook_detail"]
    assert rec["setting"] == "summed" and rec["summed"][0]["sheet"] == "IPCC categories" and rec["summed"][0]["rows"] == n
    assert rec["summed"][0]["files"] == "inventory.parquet / inventory.csv" and m["report"]["lang"] == "en"  # the run's language stays
    wb = load_workbook(run / "inventory.xlsx", read_only=True)
    ipcc = [s for s in wb.sheetnames if s not in ("汇总",)][1]  # the IPCC sheet follows the Summary
    rows = list(wb[ipcc].iter_rows(values_only=True))
    assert f"按地区的 {n} 行见 inventory.parquet / inventory.csv" in rows[0][0] and "全域" in rows[0][0]
    assert {r[1] for r in rows[3:]} == {"全域"}  # the region column in Chinese, as the indicators' whole area
    summary = [r for r in wb[wb.sheetnames[0]].iter_rows(values_only=True) if r[0] == "按地区汇总"]
    assert len(summary) == 1 and f"按地区的 {n} 行见 inventory.parquet / inventory.csv" in summary[0][1]
    assert "--workbook-detail full" in summary[0][1]
    assert not english_words([rows[0][0], summary[0][1]]), english_words([rows[0][0], summary[0][1]])
    html = (run / "report.html").read_text(encoding="utf-8")
    assert f"按地区的 {n} 行见 inventory.parquet / inventory.csv" in html
    # again, in English and back in full: the run's setting recorded, the bytes of the compile's workbook
    rebuild_reports(run, "en")  # the run's setting (summed, from its manifest)
    assert json.loads((run / "manifest.json").read_text(encoding="utf-8"))["report"]["workbook_detail"]["setting"] == "summed"
    summary = [r for r in load_workbook(run / "inventory.xlsx", read_only=True)["Summary"].iter_rows(values_only=True) if r[0] == "summed over regions"]
    assert summary[0][1] == (f"inventory.xlsx, sheet “IPCC categories”: {n:,} rows by region are in inventory.parquet / inventory.csv; "
                             f"the sheet sums them over regions ({rec['summed'][0]['summed_rows']:,} rows); --workbook-detail full writes them all")
    rebuild_reports(run, "en", workbook_detail="full")
    assert _sha(run / "inventory.xlsx") == _sha(demo_run / "inventory.xlsx")


def test_the_cli_options(demo_run, tmp_path):
    """``compile``, ``recompute`` and ``report`` take ``--workbook-detail``; a recompute sums the Recalculations too."""
    res = run_cli("recompute", demo_run, "--out", tmp_path / "rc", "--gwp", "AR6GWP100", "--workbook-detail", "summed", "--quiet", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    rec = json.loads((tmp_path / "rc" / "manifest.json").read_text(encoding="utf-8"))["report"]["workbook_detail"]
    assert rec["setting"] == "summed" and [s["sheet"] for s in rec["summed"]] == ["IPCC categories", "Recalculations"]
    recalc = pl.read_parquet(tmp_path / "rc" / "recalculation.parquet")
    _, head, rows = _sheet(tmp_path / "rc" / "inventory.xlsx", "Recalculations")
    got = pl.DataFrame(rows, schema=head, orient="row")
    keys = ["year", "scope", "category", "gas"]
    want = recalc.group_by(keys).agg(pl.col("delta_co2e_t").sum()).sort(keys)
    j = want.join(got.cast({"year": pl.Int32}), on=keys)
    assert j.height == want.height == got.height and set(got["region"]) == {"ALL"}
    assert ((j["delta_co2e_t"] - j["delta_co2e_t_right"]).abs() <= 1e-9 * (1 + j["delta_co2e_t"].abs())).all()
    res = run_cli("report", tmp_path / "rc", "--workbook-detail", "full", cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert json.loads((tmp_path / "rc" / "manifest.json").read_text(encoding="utf-8"))["report"]["workbook_detail"]["summed"] == []


@pytest.mark.parametrize("how", ["option", "toml"])
def test_bad_workbook_detail_is_exit_2(tmp_path, how):
    if how == "option":
        res = run_cli("compile", DEMO_TOML, "--out", tmp_path / "out", "--workbook-detail", "some", cwd=tmp_path)
        where = "--workbook-detail"
    else:
        toml = tmp_path / "inv.toml"
        text = DEMO_TOML.read_text(encoding="utf-8")
        assert text.count("[report]\n") == 1
        toml.write_text(text.replace("[report]\n", '[report]\nworkbook_detail = "some"\n'), encoding="utf-8")
        for p in DEMO_TOML.parent.iterdir():  # the TOML's relative paths
            if p.name != DEMO_TOML.name and not (tmp_path / p.name).exists():
                (tmp_path / p.name).symlink_to(p)
        res = run_cli("compile", toml, "--out", tmp_path / "out", cwd=tmp_path)
        where = "inv.toml: [report] workbook_detail"
    assert res.returncode == 2 and res.stderr.startswith("error:") and "Traceback" not in res.stderr + res.stdout, res.stderr
    assert f"{where} takes 'auto', 'full' or 'summed' (got 'some')" in res.stderr
    assert not (tmp_path / "out").exists()
    zh = run_cli("compile", DEMO_TOML, "--out", tmp_path / "out", "--workbook-detail", "some", cwd=tmp_path, env_extra={"GHGINV_LANG": "zh"})
    assert zh.returncode == 2 and "--workbook-detail 只能取 'auto'、'full' 或 'summed'（现在是 'some'）" in zh.stderr, zh.stderr
