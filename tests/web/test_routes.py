"""Every route of the web app (``ghginv serve``) through Starlette's TestClient, in Chinese and English.

Figures quoted: the demo's totals by year are those of README.md (``1 Energy 1,471.9`` kt CO2e in 2020; direct
emissions 1,462.6; indirect 547.2), the compile of ``ghginv/data/demo/qingyang_synthetic.toml``.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import polars as pl
import pytest
from web_helpers import client_for, csrf_of, enterprise_workbooks, scaled_grid_set

from ghginv.core import i18n
from ghginv.web.app import CSP

RUN = "qingyang_synthetic"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XSS = "<script>alert(1)</script>"


def _wait(client, job_path: str):
    job_id = job_path.rsplit("/", 1)[1]
    return client.app.state.jobs.wait(job_id, timeout=300)


# ---- pages, languages, headers ---------------------------------------------------------------------------
def test_home_lists_inventories_and_runs_in_both_languages(workspace):
    en = client_for(workspace).get("/")
    assert en.status_code == 200
    assert "Inventories" in en.text and "Runs" in en.text
    assert "qingyang_synthetic.toml" in en.text and f'href="/runs/{RUN}"' in en.text
    zh = client_for(workspace, "zh").get("/")
    assert "清单" in zh.text and "核算结果" in zh.text and 'lang="zh-CN"' in zh.text
    assert "Inventories" not in zh.text


def test_language_switch_sets_a_cookie_and_returns_to_the_page(client):
    r = client.get("/lang/zh", params={"next": f"/runs/{RUN}"})
    assert r.status_code == 303 and r.headers["location"] == f"/runs/{RUN}"
    assert "分年份、分领域排放合计" in client.get(f"/runs/{RUN}").text
    # an address outside the app is not followed
    assert client.get("/lang/en", params={"next": "//evil.example/"}).headers["location"] == "/"


def test_security_headers_and_no_inline_script(client):
    for page in ("/", f"/runs/{RUN}", "/factors", "/new", "/compare", f"/inventories/{RUN}"):
        r = client.get(page)
        assert r.status_code == 200, page
        assert r.headers["content-security-policy"] == CSP
        assert "script-src 'self'" in CSP and "unsafe-inline" not in CSP.split("style-src")[0]
        assert r.headers["x-content-type-options"] == "nosniff"
        scripts = re.findall(r"<script[^>]*>", r.text)
        assert scripts == ['<script src="/static/htmx.min.js" defer>'], page  # only the vendored htmx, from 'self'
        assert "http://" not in r.text.split("<footer>")[0].replace("http://www.w3.org/2000/svg", "")  # nothing from the internet


def test_htmx_is_vendored_with_its_licence(client):
    js = client.get("/static/htmx.min.js")
    assert js.status_code == 200 and "htmx" in js.text[:2000]
    assert "Zero-Clause BSD" in client.get("/static/htmx-LICENSE.txt").text


def test_every_web_text_is_in_the_catalogue_in_both_languages():
    used = set()
    for p in (Path(i18n.__file__).parents[1] / "web").rglob("*"):
        if p.suffix in (".html", ".py"):
            used |= set(re.findall(r"['\"](WEB_[a-z_]+)['\"]", p.read_text(encoding="utf-8")))
    used |= {f"WEB_level_{lv}" for lv in ("sector", "region", "entity", "activity", "factor")}  # built as 'WEB_level_' ~ level
    used |= {f"WEB_kind_{k}" for k in ("compile", "recompute", "import")}  # 'WEB_kind_' ~ job.kind
    used |= {"WEB_first_year", "WEB_last_year", "WEB_base_year"}  # built as f"WEB_{field}"
    missing = sorted(k for k in used - {"WEB_level_", "WEB_kind_"} if k not in i18n.WEB)
    assert not missing, missing
    assert all(en and zh for en, zh in i18n.WEB.values())


# ---- a run ------------------------------------------------------------------------------------------------
def test_run_page_totals_targets_charts_downloads(client, client_zh):
    r = client.get(f"/runs/{RUN}")
    assert r.status_code == 200
    totals = r.text.split('id="totals"')[1].split("</table>")[0]
    # README.md: 1 Energy 1,471.9 (2020); direct 1,462.6; indirect 547.2 kt CO2e
    assert "1,471.9" in totals and "1,462.6" in totals and "547.2" in totals
    assert "SYNTHETIC" in r.text and "AR5GWP100" in r.text
    assert 'href="/runs/qingyang_synthetic/files/inventory.xlsx"' in r.text and "report.html" in r.text and "manifest.json" in r.text
    assert "emissions.parquet" in r.text and "factors_used.parquet" in r.text
    n_charts = len(re.findall(r'<img src="/runs/qingyang_synthetic/chart/\d+\.svg"', r.text))
    assert n_charts >= 4
    targets = pl.read_parquet(client.app.state.ws.run_dir(RUN) / "targets.parquet")
    zh = client_zh.get(f"/runs/{RUN}").text
    for status in targets["status"].unique().to_list():
        assert i18n.label("status", status, "zh") in zh
    assert "能源" in zh and "千吨二氧化碳当量" in zh


def test_chart_svg_and_its_range(client):
    r = client.get(f"/runs/{RUN}/chart/0.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml") and r.text.startswith("<svg")
    assert client.get(f"/runs/{RUN}/chart/99.svg").status_code == 404



def _report_svgs(run: Path) -> list[str]:
    """The charts report.html holds (its ``<svg class="chart">`` elements, in page order)."""
    return re.findall(r'<svg class="chart".*?</svg>', (run / "report.html").read_text(encoding="utf-8"), re.S)


def test_charts_follow_the_page_language_not_the_run_s(client, client_zh):
    """The demo run is compiled in English (``[report] lang = "en"``): its page shows English charts in English and
    Chinese charts in Chinese (titles from the catalogue ghginv/core/i18n.py), as many as report.html holds."""
    from html import escape

    from ghginv.report.i18n import text

    run = client.app.state.ws.run_dir(RUN)
    assert '<html lang="en"' in (run / "report.html").read_text(encoding="utf-8")
    page = _report_svgs(run)
    for c, lang in ((client, "en"), (client_zh, "zh")):
        n = len(re.findall(rf'<img src="/runs/{RUN}/chart/\d+\.svg"', c.get(f"/runs/{RUN}").text))
        assert n == len(page) >= 4
        svgs = [c.get(f"/runs/{RUN}/chart/{i}.svg") for i in range(n)]
        assert all(r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml") for r in svgs)
        assert all(r.headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'" for r in svgs)
        assert not any("<script" in r.text or "href" in r.text for r in svgs)
        first = svgs[0].text
        assert f"<title>{escape(text('sectors_chart', lang))}</title>" in first
        assert f"<title>{escape(text('sectors_chart', 'zh' if lang == 'en' else 'en'))}</title>" not in first
    # English: the very strings of report.html, which is English
    assert [client.get(f"/runs/{RUN}/chart/{i}.svg").text for i in range(len(page))] == page
    assert "分领域排放" in client_zh.get(f"/runs/{RUN}/chart/0.svg").text
    assert "碳汇与净排放" in client_zh.get(f"/runs/{RUN}/chart/{len(page) - 1}.svg").text  # the last chart: sinks
    assert client_zh.get(f"/runs/{RUN}/chart/{len(page)}.svg").status_code == 404
    # built once per (run, language, manifest) and kept in the app's memory (each client is an app of its own)
    assert [k[1] for k in client.app.state.chart_cache] == ["en"] and [k[1] for k in client_zh.app.state.chart_cache] == ["zh"]
    # the run's report rebuilt in place (a new manifest): built again, from the run's files as they are now
    import ghginv

    ghginv.rebuild_reports(run, lang="zh")
    assert client.get(f"/runs/{RUN}/chart/0.svg").text == page[0]  # still English on the English page
    assert len(client.app.state.chart_cache) == 2


def test_report_charts_equal_the_report_s_own_svgs(workspace):
    """``ghginv.report_charts`` returns report.html's charts, string for string, in the report's language and in the
    other one after ``rebuild_reports`` rewrote the page in it; it writes nothing."""
    import ghginv

    run = workspace / "out" / RUN
    before = {p.name: p.stat().st_mtime_ns for p in run.iterdir()}
    en = ghginv.report_charts(run)  # default: the run's language, English
    assert en == ghginv.report_charts(run, "en") == _report_svgs(run)
    zh = ghginv.report_charts(run, "zh")
    assert {p.name: p.stat().st_mtime_ns for p in run.iterdir()} == before  # nothing written
    assert len(zh) == len(en) and zh != en
    ghginv.rebuild_reports(run, lang="zh")
    assert _report_svgs(run) == zh
    with pytest.raises(ghginv.InputFileError):
        ghginv.report_charts(workspace / "no_such_run")


def test_downloads(client):
    x = client.get(f"/runs/{RUN}/files/inventory.xlsx")
    assert x.status_code == 200 and x.content[:4] == b"PK\x03\x04" and x.headers["content-type"] == XLSX
    rep = client.get(f"/runs/{RUN}/files/report.html")
    assert rep.status_code == 200 and rep.headers["content-security-policy"].startswith("sandbox")
    assert client.get(f"/runs/{RUN}/files/manifest.json").json()["synthetic"] is True
    pq = client.get(f"/runs/{RUN}/files/inventory.parquet")
    assert pq.status_code == 200 and pq.content[:4] == b"PAR1"


@pytest.mark.parametrize("path", [
    f"/runs/{RUN}/files/..%2Fqingyang_synthetic.toml", f"/runs/{RUN}/files/..%2F..%2F..%2Fetc%2Fpasswd",
    "/runs/..%2F..%2Fetc/files/passwd", f"/runs/{RUN}/files/factor_sets", f"/runs/{RUN}/files/.hidden.json",
    "/factors/..%2F..%2Fetc", "/factors/%2Fetc%2Fpasswd", "/inventories/..%2Fqingyang_synthetic", "/new/..%2F..%2Fout/mapping",
    "/jobs/..%2F..", "/runs/nothing_here", "/compare?old=..%2Fout&new=qingyang_synthetic",
])
def test_path_traversal_attempts_are_not_found(client, path):
    r = client.get(path)
    assert r.status_code == 404, path
    assert "root:" not in r.text


# ---- drill-down and compare ------------------------------------------------------------------------------
def test_drill_down_to_a_factor_source_and_back(client, client_zh):
    r = client.get(f"/runs/{RUN}/drill", params={"year": 2023})
    assert r.status_code == 200
    page = r.text
    path = f"/runs/{RUN}/drill?year=2023"
    for _ in range(6):  # follow the first link of each level down to the factor rows
        m = re.search(r'<table id="drill"[^>]*>.*?<a href="([^"]+)"', page, re.S)
        if not m or 'class="factors"' in page:
            break
        path = m.group(1).replace("&amp;", "&")
        page = client.get(path).text
    assert 'class="factors"' in page, "never reached the factor rows"
    rows = page.split('id="drill"')[1]
    assert re.search(r"GB/T|IPCC|生态环境部", rows), "no source document in the factor rows"
    assert "Locator" in page and "Factor set" in page
    crumbs = page.split('id="crumbs"')[1].split("</nav>")[0]
    assert crumbs.count("<a ") >= 3  # All › sector › region … back up
    zh = client_zh.get(path).text
    assert "出处位置" in zh and "来源" in zh


def test_drill_down_bad_year_is_a_clear_400(client):
    r = client.get(f"/runs/{RUN}/drill", params={"year": "20x4"})
    assert r.status_code == 400 and "20x4" in r.text and "2024" in r.text


def _upload_set(client, folder: Path):
    token = csrf_of(client, "/factors")
    files = [("files", (p.name, p.read_bytes(), "text/plain")) for p in sorted(folder.iterdir())]
    return client.post("/factors/upload", data={"csrf": token}, files=files)


def test_recompute_with_an_uploaded_set_then_compare(client, client_zh, workspace, tmp_path):
    up = _upload_set(client, scaled_grid_set(tmp_path / "mee_nbs_grid"))
    assert up.status_code == 200 and "synthetic-x1.1" in up.text
    assert (workspace / "factors" / "mee_nbs_grid" / "manifest.toml").is_file()
    token = csrf_of(client, f"/runs/{RUN}")
    r = client.post(f"/runs/{RUN}/recompute", data={"csrf": token, "factor_set": "mee_nbs_grid"})
    assert r.status_code == 303
    job = _wait(client, r.headers["location"])
    assert job.error is None, job.error
    new = job.result.name
    assert new.startswith(f"{RUN}-mee_nbs_grid") and not list((workspace / "out").glob(".tmp-*"))
    status = client.get(r.headers["location"]).text
    assert f"/compare?old={RUN}&amp;new={new}" in status
    cmp_ = client.get("/compare", params={"old": RUN, "new": new})
    assert cmp_.status_code == 200 and 'id="waterfall"' in cmp_.text
    old_t = pl.read_parquet(workspace / "out" / RUN / "inventory.parquet").filter(pl.col("level") == 0)["co2e_t"].sum()
    new_t = pl.read_parquet(workspace / "out" / new / "inventory.parquet").filter(pl.col("level") == 0)["co2e_t"].sum()
    assert new_t > old_t  # electricity factors × 1.1: the indirect emissions grow
    assert f"{new_t / 1e3:,.1f}" in cmp_.text and f"{old_t / 1e3:,.1f}" in cmp_.text
    assert f"{(new_t - old_t) / 1e3:,.1f}" in cmp_.text  # all of the change is the factor effect
    assert "synthetic-x1.1" in cmp_.text.split('id="changed"')[1]
    assert "排放因子" in client_zh.get("/compare", params={"old": RUN, "new": new}).text
    # the other way round the recalculation is not stored in a run: ghginv.diff_runs explains it, the same amounts negated
    back = client.get("/compare", params={"old": new, "new": RUN})
    assert back.status_code == 200 and f"{(old_t - new_t) / 1e3:,.1f}" in back.text


# ---- jobs ---------------------------------------------------------------------------------------------------
def test_compile_job_with_progress_page(client, workspace):
    token = csrf_of(client)
    r = client.post(f"/inventories/{RUN}/compile", data={"csrf": token})
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    running = client.get(r.headers["location"] + "/status").text
    assert 'id="job"' in running
    job = _wait(client, r.headers["location"])
    assert job.error is None, job.error
    done = client.get(r.headers["location"]).text
    assert 'data-state="done"' in done and f'href="/runs/{job.result.name}"' in done
    assert (job.result / "report.html").is_file() and not list((workspace / "out").glob(".tmp-*"))
    # htmx asks for the status fragment only
    frag = client.post(f"/inventories/{RUN}/compile", data={"csrf": token}, headers={"HX-Request": "true"})
    assert frag.status_code == 200 and frag.text.startswith('<div id="job"') and 'hx-get="/jobs/' in frag.text
    _wait(client, "/jobs/" + re.search(r'/jobs/([0-9a-f]+)/status', frag.text).group(1))


def test_one_run_per_inventory_at_a_time(client):
    release = threading.Event()
    ws = client.app.state.ws
    client.app.state.jobs.start(f"inventory:{RUN}", "compile", lambda job, tmp: release.wait(30) and None, ws.temp_dir(), lambda p: p)
    try:
        token = csrf_of(client)
        r = client.post(f"/inventories/{RUN}/compile", data={"csrf": token})
        assert r.status_code == 409 and "already being compiled" in r.text
        zh = client.post(f"/inventories/{RUN}/compile", data={"csrf": token}, headers={"accept-language": "zh-CN"})
        assert zh.status_code == 409 and "正在编制中" in zh.text
    finally:
        release.set()


def test_a_failed_compile_leaves_the_workspace_as_it_was_and_shows_the_error(client, workspace):
    bad = workspace / "broken_synthetic.toml"
    bad.write_text('[inventory]\nname = "broken"\nyears = [2020, 2021]\n[activity]\npaths = ["no_such_folder"]\n[factors]\nsets = ["ipcc2006_energy"]\n',
                   encoding="utf-8")
    before = sorted(p.name for p in (workspace / "out").iterdir())
    r = client.post("/inventories/broken_synthetic/compile", data={"csrf": csrf_of(client)})
    job = _wait(client, r.headers["location"])
    assert job.error and "no_such_folder" in job.error and "Traceback" not in job.error
    page = client.get(r.headers["location"]).text
    assert "nothing was written" in page and "no_such_folder" in page
    assert sorted(p.name for p in (workspace / "out").iterdir()) == before


# ---- CSRF, uploads -----------------------------------------------------------------------------------------
POSTS = [f"/inventories/{RUN}/compile", f"/inventories/{RUN}/settings", f"/runs/{RUN}/recompute", "/factors/upload", "/new",
         "/new/x/mapping", "/new/x/import"]


@pytest.mark.parametrize("path", POSTS)
def test_every_post_needs_the_csrf_token(client, client_zh, path, workspace):
    before = sorted(str(p) for p in workspace.rglob("*"))
    assert client.post(path, data={"factor_set": "ipcc2006_energy"}).status_code == 403
    bad = client.post(path, data={"csrf": "0" * 64, "factor_set": "ipcc2006_energy"})
    assert bad.status_code == 403 and "reload the page" in bad.text
    assert "表单已过期" in client_zh.post(path, data={}).text
    # a token of another session is refused too
    other = client_for(workspace)
    assert client.post(path, data={"csrf": csrf_of(other)}).status_code == 403
    assert sorted(str(p) for p in workspace.rglob("*")) == before


def test_upload_size_limit(workspace):
    c = client_for(workspace, max_upload_mb=1)
    token = csrf_of(c, "/new")
    big = b"PK\x03\x04" + b"0" * (2 * 1024 * 1024)
    r = c.post("/new", data={"csrf": token, "name": "x", "first_year": "2022", "last_year": "2023", "base_year": "2022"},
               files=[("workbooks", ("big.xlsx", big, XLSX))])
    assert r.status_code == 413 and "1 MB" in r.text
    assert not (workspace / "ledgers" / "x").exists()


@pytest.mark.parametrize("name, content, why", [
    ("tool.exe", b"MZ\x90\x00", "extension"),
    ("table.xlsx", b"region,amount\n", "an .xlsx that is not a workbook"),
    ("form.csv", b"PK\x03\x04zip", "a zip named .csv"),
])
def test_upload_type_is_checked(client, workspace, name, content, why):
    token = csrf_of(client, "/new")
    r = client.post("/new", data={"csrf": token, "name": "t", "first_year": "2022", "last_year": "2023", "base_year": "2022"},
                    files=[("workbooks", (name, content, "application/octet-stream"))])
    assert r.status_code == 400, why
    assert name in r.text and "xlsx, csv" in r.text
    assert not list((workspace / "ledgers").glob("t*"))


def test_a_form_that_is_not_205_1_shows_the_importers_message(client, workspace):
    token = csrf_of(client, "/new")
    r = client.post("/new", data={"csrf": token, "name": "t", "first_year": "2022", "last_year": "2023", "base_year": "2022"},
                    files=[("workbooks", ("list.csv", "名称,数量\n甲,1\n".encode(), "text/csv"))])
    assert r.status_code == 400 and "能源名称" in r.text  # docs/bad-input-catalog: no header row with 能源名称 …
    assert not list((workspace / "ledgers").glob("t*"))


@pytest.mark.parametrize("field, value", [("first_year", "20"), ("base_year", "2030"), ("name", "")])
def test_new_inventory_bad_fields(client, field, value):
    data = {"csrf": csrf_of(client, "/new"), "name": "t", "first_year": "2022", "last_year": "2023", "base_year": "2022"} | {field: value}
    r = client.post("/new", data=data, files=[("workbooks", ("a.csv", b"x", "text/csv"))])
    assert r.status_code == 400 and ("give" in r.text or "must not" in r.text)


def test_bad_factor_set_upload_shows_each_row(client, workspace, tmp_path):
    d = scaled_grid_set(tmp_path / "mee_nbs_grid")
    text = (d / "emission_factors.csv").read_text(encoding="utf-8").splitlines()
    text[2] = text[2].replace(",V2,", ",R,")  # status R (recalled) is never shipped: refused
    (d / "emission_factors.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    import hashlib
    m = (d / "manifest.toml").read_text(encoding="utf-8")
    m = re.sub(r'("emission_factors.csv" = "sha256:)[0-9a-f]+', lambda g: g.group(1) + hashlib.sha256((d / "emission_factors.csv").read_bytes()).hexdigest(), m)
    (d / "manifest.toml").write_text(m, encoding="utf-8")
    r = _upload_set(client, d)
    assert r.status_code == 400
    result = r.text.split('id="upload-result"')[1].split("</div>")[0]
    assert "not stored" in result and "emission_factors.csv" in result and "line 3" in result
    assert not (workspace / "factors" / "mee_nbs_grid").exists() and not list((workspace / "factors").glob(".upload-*"))


def test_factor_set_upload_names_stay_inside_the_workspace(client, workspace, tmp_path):
    d = scaled_grid_set(tmp_path / "mee_nbs_grid")
    token = csrf_of(client, "/factors")
    files = [("files", ("../../../manifest.toml", (d / "manifest.toml").read_bytes(), "text/plain"))]
    files += [("files", (f"..\\..\\{p.name}", p.read_bytes(), "text/plain")) for p in d.glob("*.csv")]
    r = client.post("/factors/upload", data={"csrf": token}, files=files)
    assert r.status_code in (200, 400)
    assert not (workspace.parent / "manifest.toml").exists() and not (workspace / "manifest.toml").exists()
    assert not list(workspace.parent.glob("*.csv"))


def test_factor_sets_list_and_one_set(client, client_zh):
    r = client.get("/factors")
    assert r.status_code == 200 and "mee_nbs_grid" in r.text and "2023.1" in r.text and "shipped" in r.text
    assert "生态环境部" in r.text  # the publisher of mee_nbs_grid
    s = client.get("/factors/mee_nbs_grid").text
    assert "source_locator" in s and "V2" in s and "公告2024年第12号" in s and "0.5568" in s
    assert "随软件提供" in client_zh.get("/factors").text


def test_access_token_on_another_interface(workspace):
    c = client_for(workspace, token="s3cret")
    assert c.get("/").status_code == 403 and "token" in c.get("/").text
    r = c.get("/", params={"token": "s3cret"})
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert c.get("/").status_code == 200
    assert client_for(workspace, token="s3cret").get("/", params={"token": "wrong"}).status_code == 403


# ---- a new inventory: upload → mapping → import → settings → compile -----------------------------------------
def _new_inventory(client, workspace, tmp_path, name, region, n=3):
    books = enterprise_workbooks(tmp_path / "books", n)
    token = csrf_of(client, "/new")
    files = [("workbooks", (p.name, p.read_bytes(), XLSX)) for p in books]
    r = client.post("/new", data={"csrf": token, "name": name, "first_year": "2022", "last_year": "2023", "base_year": "2022", "region": region},
                    files=files)
    assert r.status_code == 303, r.text[:2000]
    return r.headers["location"]


def test_new_inventory_from_workbooks_to_the_run(client, client_zh, workspace, tmp_path):
    where = _new_inventory(client, workspace, tmp_path, "Synthetic district", "510105, 510106，510107 510108")
    ident = where.split("/")[2]
    stored = sorted(p.name for p in (workspace / "ledgers" / ident / "workbooks").iterdir())
    assert stored == ["ledger-001.xlsx", "ledger-002.xlsx", "ledger-003.xlsx"]  # names chosen by the server
    page = client.get(where)
    assert page.status_code == 200 and "recognised" in page.text and "not recognised" in page.text
    assert 'value="diesel"' in page.text
    zh = client_zh.get(where).text
    assert "已识别" in zh and "未识别" in zh
    # map one unrecognised item (leave it out), save: the mapping file changes, stays valid TOML
    n = re.search(r'<tr class="unrec"><td>石蜡</td><td><input name="(code_\d+)"', page.text).group(1)
    r = client.post(where, data={"csrf": csrf_of(client, where), n: "-"})
    assert r.status_code == 303
    mapping = (workspace / "ledgers" / ident / "mapping.toml").read_text(encoding="utf-8")
    assert '"石蜡" = "-"' in mapping
    bad = client.post(where, data={"csrf": csrf_of(client, where), n: 'x" = 1'})
    assert bad.status_code == 400 and "石蜡" in bad.text
    imp = client_zh.post(f"/new/{ident}/import", data={"csrf": csrf_of(client_zh, where)})
    assert imp.status_code == 303
    job = _wait(client_zh, imp.headers["location"])
    assert job.error is None, job.error
    imp = client_zh.get(imp.headers["location"])
    assert "各表块合计校验" in imp.text and "通过" in imp.text and "不一致" not in imp.text.split('id="checks"')[1]
    assert "ledger-001.xlsx (synthetic_enterprise_0001.xlsx)" in imp.text  # the stored name and the uploaded one
    assert (workspace / "data" / ident / "activity.parquet").is_file() and (workspace / f"{ident}.toml").is_file()
    # economy table and the district preset
    inv = client.get(f"/inventories/{ident}").text
    assert "qingyang_2025_2030" in inv and "the district&#39;s" in inv
    econ = (workspace / "data" / "qingyang_synthetic" / "economy_synthetic.csv").read_bytes()
    s = client.post(f"/inventories/{ident}/settings", data={"csrf": csrf_of(client, f"/inventories/{ident}"), "preset": ["qingyang_2025_2030", "../../etc"]},
                    files=[("economy", ("economy.csv", econ, "text/csv"))])
    assert s.status_code == 303
    toml = (workspace / f"{ident}.toml").read_text(encoding="utf-8")
    assert 'preset = "qingyang_2025_2030"' in toml and "etc" not in toml and f'path = "data/{ident}/economy-001.csv"' in toml
    # the district preset's base year 2020 is not among the workbooks' years: the compile fails, says so, writes nothing
    r = client.post(f"/inventories/{ident}/compile", data={"csrf": csrf_of(client)})
    job = _wait(client, r.headers["location"])
    assert "the base year 2020 is not in the run" in job.error
    assert "nothing was written" in client.get(r.headers["location"]).text and not list((workspace / "out").glob(f"{ident}*"))
    # the factor sets chosen and ordered: a number each (empty: not used); none chosen is refused
    settings = client.get(f"/inventories/{ident}").text
    assert 'name="rank:mee_nbs_grid" value="4"' in settings  # the default order (workspace.DEFAULT_SETS)
    order = {"rank:ipcc2006_energy": "6", "rank:cn_gbt2589_2020": "5", "rank:mee_nbs_grid": "4", "rank:cn_gbt32150_2025": "3",
             "rank:cn_refsheet_2020": "2", "rank:cn_gbt32151_22_2024": "1", "rank:factors/qingyang_sinks_synthetic": "",
             "rank:../../etc": "0"}
    none = client.post(f"/inventories/{ident}/settings", data={"csrf": csrf_of(client, f"/inventories/{ident}"), "rank:ipcc2006_energy": ""})
    assert none.status_code == 400 and "at least one factor set" in none.text
    not_a_number = {"csrf": csrf_of(client, f"/inventories/{ident}"), "rank:ipcc2006_energy": "x"}
    assert client.post(f"/inventories/{ident}/settings", data=not_a_number).status_code == 400
    # without the preset (the economy table kept) it compiles
    s = client.post(f"/inventories/{ident}/settings", data={"csrf": csrf_of(client, f"/inventories/{ident}"), **order})
    assert s.status_code == 303
    toml = (workspace / f"{ident}.toml").read_text(encoding="utf-8")
    assert "[[targets]]" not in toml and "etc" not in toml
    assert 'sets = ["cn_gbt32151_22_2024", "cn_refsheet_2020", "cn_gbt32150_2025", "mee_nbs_grid", "cn_gbt2589_2020", "ipcc2006_energy"]' in toml
    r = client.post(f"/inventories/{ident}/compile", data={"csrf": csrf_of(client)})
    job = _wait(client, r.headers["location"])
    assert job.error is None, job.error
    run = client_zh.get(f"/runs/{job.result.name}")
    assert run.status_code == 200 and "分年份、分领域排放合计" in run.text
    x = client.get(f"/runs/{job.result.name}/files/inventory.xlsx")
    assert x.status_code == 200 and x.content[:4] == b"PK\x03\x04"


def test_xss_through_a_region_and_a_name_is_escaped(client, workspace, tmp_path):
    where = _new_inventory(client, workspace, tmp_path, XSS, XSS, n=1)
    ident = where.split("/")[2]
    assert XSS not in client.get(where).text and "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(where).text
    imp = client.post(f"/new/{ident}/import", data={"csrf": csrf_of(client, where)})
    assert _wait(client, imp.headers["location"]).error is None
    for page in ("/", f"/inventories/{ident}"):
        html = client.get(page).text
        assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html, page
    assert 'id="regions">&lt;script&gt;' in client.get(f"/inventories/{ident}").text


def test_a_failed_import_writes_nothing_and_shows_the_importers_message(client, workspace, tmp_path):
    where = _new_inventory(client, workspace, tmp_path, "Unmapped", "", n=3)
    ident = where.split("/")[2]
    page = client.get(where).text
    # every recognised item un-mapped: rows with values now stop the import (catalogue: unmapped ledger rows)
    codes = {n: "" for n in re.findall(r'<tr class="rec"><td>[^<]*</td><td><input name="(code_\d+)"', page)}
    assert client.post(where, data={"csrf": csrf_of(client, where), **codes}).status_code == 303
    r = client.post(f"/new/{ident}/import", data={"csrf": csrf_of(client, where)})
    job = _wait(client, r.headers["location"])
    assert job.error and "mapping" in job.error.lower()
    shown = client.get(r.headers["location"]).text
    assert "nothing was written" in shown and f'href="/new/{ident}/mapping"' in shown
    assert not (workspace / "data" / ident / "activity.parquet").exists() and not (workspace / f"{ident}.toml").exists()


@pytest.mark.parametrize("broken, expected", [
    ("password", ["password-protected", "remove the password"]),
    ("empty_sheet", ["the sheet is empty"]),
    ("merged_item", ["merged cells", "unmerge"]),
    ("text_cell", ["'五万一千' is not a number"]),
    ("total", ["check failed: 能源合计", "but the parts sum to"]),
])
def test_broken_workbooks_through_the_import_form(client, workspace, tmp_path, broken, expected):
    """The ledger rows of the bad-input catalogue (tests/reliability/test_rel_ledger_import.py) through the upload form:
    the import job fails with the importer's message, naming the uploaded file; nothing is written."""
    books = enterprise_workbooks(tmp_path / "books", 1)
    bad = tmp_path / "books_broken" / f"synthetic_broken_{broken}.xlsx"
    assert bad.is_file()
    token = csrf_of(client, "/new")
    files = [("workbooks", (p.name, p.read_bytes(), XLSX)) for p in (books[0], bad)]
    r = client.post("/new", data={"csrf": token, "name": "broken", "first_year": "2022", "last_year": "2024", "base_year": "2022"}, files=files)
    ident = r.headers["location"].split("/")[2]
    r = client.post(f"/new/{ident}/import", data={"csrf": token})
    job = _wait(client, r.headers["location"])
    assert job.error
    shown = client.get(r.headers["location"]).text
    for phrase in expected:
        assert phrase in job.error and phrase.replace("'", "&#39;") in shown, phrase
    assert f"ledger-002.xlsx (synthetic_broken_{broken}.xlsx)" in shown
    assert not (workspace / "data" / ident / "activity.parquet").exists() and not (workspace / f"{ident}.toml").exists()


def test_a_text_file_named_xlsx_is_refused_at_upload(client, workspace, tmp_path):
    enterprise_workbooks(tmp_path / "books", 1)
    bad = tmp_path / "books_broken" / "synthetic_broken_not_a_workbook.xlsx"
    r = client.post("/new", data={"csrf": csrf_of(client, "/new"), "name": "t", "first_year": "2022", "last_year": "2023", "base_year": "2022"},
                    files=[("workbooks", (bad.name, bad.read_bytes(), XLSX))])
    assert r.status_code == 400 and "synthetic_broken_not_a_workbook.xlsx: only xlsx, csv files" in r.text


def test_chinese_pages_show_no_english_text_of_the_catalogue(client_zh):
    """With a Chinese browser no English text of the WEB catalogue is left on the main pages (the run's own names,
    codes and the report's charts are as written)."""
    english = {en for en, zh in i18n.WEB.values() if en != zh and len(en) > 3 and "{" not in en}
    for page in ("/", "/new", "/factors", f"/runs/{RUN}", f"/inventories/{RUN}", "/compare", f"/runs/{RUN}/drill"):
        html = client_zh.get(page).text
        visible = re.sub(r"<[^>]+>", "\n", html)
        left = sorted(e for e in english if re.search(rf"(?<![\w]){re.escape(e)}(?![\w])", visible))
        assert not left, (page, left)
