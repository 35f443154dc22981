"""The web app as a person uses it (issue 21 item 5): headless Chromium (Debian's ``chromium``) driven over the
DevTools protocol (``tests/integration/_cdp.py``, standard library only) against ``uvicorn`` on a free port.

A session in Chinese from the upload of enterprise workbooks to the downloaded workbook; the drill-down from a
total to a factor's source; a comparison of two runs (an uploaded factor set, recompute, waterfall); an XSS attempt
through a region and a name. No console error on any page (a CSP violation is one). A PNG of each main page is
written under the test's tmp folder (``docs/img/web-*.png`` are copies). Skipped, with the reason, when
``/usr/bin/chromium`` is absent (``.ci/run`` installs it).
"""

from __future__ import annotations

import shutil
import socket
import sys
import threading
import time
from pathlib import Path

import pytest
from web_helpers import ROOT, enterprise_workbooks, scaled_grid_set

sys.path.insert(0, str(ROOT / "tests" / "integration"))
from _cdp import CHROMIUM, Chromium  # noqa: E402

pytestmark = pytest.mark.browser

XSS_NAME = '<img src=x onerror="window.__xss=1">'
XSS_REGION = "<script>window.__xss=2</script>"


@pytest.fixture
def server(workspace):
    if not CHROMIUM.exists():
        pytest.skip(f"headless Chromium ({CHROMIUM}) is not installed: apt-get install chromium fonts-noto-cjk (.ci/run does)")
    uvicorn = pytest.importorskip("uvicorn")
    from ghginv.web import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(workspace), host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    t0 = time.monotonic()
    while not srv.started and time.monotonic() - t0 < 30:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", workspace
    srv.should_exit = True
    th.join(10)


def _drop_loads(c):
    c.events = [e for e in c.events if e["method"] != "Page.loadEventFired"]


def goto(c, url: str):
    _drop_loads(c)
    c.send("Page.navigate", session=True, url=url)
    c.wait_event("Page.loadEventFired")


def click(c, selector: str):
    """Click an element that leads to a new page, and wait for that page."""
    _drop_loads(c)
    c.evaluate(f"document.querySelector({selector!r}).click()")
    c.wait_event("Page.loadEventFired")


def wait_for(c, js: str, timeout: float = 300.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if c.evaluate(js):
            return
        time.sleep(0.3)
    raise AssertionError(f"not true after {timeout} s: {js}")


def set_files(c, selector: str, files: list[Path]):
    root = c.send("DOM.getDocument", session=True)["root"]["nodeId"]
    node = c.send("DOM.querySelector", session=True, nodeId=root, selector=selector)["nodeId"]
    c.send("DOM.setFileInputFiles", session=True, nodeId=node, files=[str(p) for p in files])


def fill(c, values: dict[str, str]):
    for name, v in values.items():
        c.evaluate(f"document.querySelector('[name={name}]').value = {v!r}")


def text(c, selector: str = "main") -> str:
    return c.evaluate(f"document.querySelector({selector!r}).innerText")


def chinese(c, ua_lang: str = "zh-CN,zh;q=0.9"):
    ua = c.send("Browser.getVersion")["userAgent"]
    c.send("Network.enable", session=True)
    c.send("Network.setUserAgentOverride", session=True, userAgent=ua, acceptLanguage=ua_lang)


def test_chinese_session_from_upload_to_the_workbook(server, tmp_path):
    base, ws = server
    books = enterprise_workbooks(tmp_path / "books", 3)
    with Chromium(width=1280) as c:
        chinese(c)
        goto(c, base + "/")
        assert "清单" in text(c) and "核算结果" in text(c)
        c.screenshot(tmp_path / "web-home.png")
        goto(c, base + "/new")
        fill(c, {"name": "合成示例区", "first_year": "2022", "last_year": "2023", "base_year": "2022", "region": "510105, 510106, 510107, 510108"})
        set_files(c, "input[name=workbooks]", books)
        click(c, "#new-form button")
        assert "报表项目对照表" in text(c) and "未识别" in text(c)
        c.screenshot(tmp_path / "web-mapping.png", height=1400)
        click(c, "#import")
        wait_for(c, "document.querySelector('#job').dataset.state !== 'running'")
        assert "各表块合计校验" in text(c) and "不一致" not in text(c, "#checks")
        c.screenshot(tmp_path / "web-import.png", height=1200)
        click(c, "#to-inventory")
        c.evaluate("document.querySelector('#compile').click()")  # htmx: the job's status is polled into the page
        wait_for(c, "document.querySelector('#job') && document.querySelector('#job').dataset.state !== 'running'")
        assert c.evaluate("document.querySelector('#job').dataset.state") == "done", text(c, "#job")
        assert "已完成" in text(c, "#job")
        click(c, "#open-run")
        assert "分年份、分领域排放合计" in text(c)
        c.screenshot(tmp_path / "web-run-new.png", height=1200)
        head = c.evaluate("fetch(document.querySelector('a[href$=\"/inventory.xlsx\"]').href).then(r => r.arrayBuffer())"
                          ".then(b => Array.from(new Uint8Array(b.slice(0, 4))))")
        assert head == [0x50, 0x4B, 0x03, 0x04]  # the downloaded inventory.xlsx is a workbook
        goto(c, base + "/runs/qingyang_synthetic")
        assert "1,471.9" in text(c, "#totals")  # README.md: 1 Energy, 2020, kt CO2e
        # the run is compiled in English; its charts are shown in Chinese, every one of them drawn
        assert c.evaluate("Array.from(document.querySelectorAll('.charts img')).every(i => i.complete && i.naturalWidth > 0)")
        assert c.evaluate("document.querySelectorAll('.charts img').length") >= 4
        assert "分领域排放" in c.evaluate("fetch(document.querySelector('.charts img').src).then(r => r.text())")
        c.screenshot(tmp_path / "web-run.png", height=1600)
        assert c.console_errors() == []
    _keep(tmp_path)


def test_drill_down_to_a_factor_source(server, tmp_path):
    base, _ = server
    with Chromium(width=1280) as c:
        chinese(c)
        goto(c, base + "/runs/qingyang_synthetic")
        click(c, "#totals tbody a")  # the first sector's total
        for _ in range(6):
            if c.evaluate("!!document.querySelector('table.factors')"):
                break
            click(c, "#drill tbody a")
        assert c.evaluate("!!document.querySelector('table.factors')"), text(c)
        rows = text(c, "#drill")
        assert "出处位置" in rows and any(s in rows for s in ("GB/T", "IPCC", "生态环境部"))
        c.screenshot(tmp_path / "web-drill.png", height=1300)
        n = c.evaluate("document.querySelectorAll('#crumbs a').length")
        assert n >= 3
        click(c, "#crumbs a:nth-of-type(2)")  # back up to the sector
        assert not c.evaluate("!!document.querySelector('table.factors')")
        assert c.console_errors() == []
    _keep(tmp_path)


def test_compare_two_runs(server, tmp_path):
    base, ws = server
    grid = scaled_grid_set(tmp_path / "set" / "mee_nbs_grid")
    with Chromium(width=1280) as c:
        goto(c, base + "/factors")
        set_files(c, "input[name=files]", sorted(grid.iterdir()))
        click(c, "#upload-set button")
        assert "synthetic-x1.1" in text(c, "#upload-result")
        c.screenshot(tmp_path / "web-factors.png", height=1000)
        goto(c, base + "/runs/qingyang_synthetic")
        c.evaluate("document.querySelector('select[name=factor_set]').value = 'mee_nbs_grid'")
        click(c, "form[action$='/recompute'] button")
        wait_for(c, "document.querySelector('#job') && document.querySelector('#job').dataset.state !== 'running'")
        assert c.evaluate("document.querySelector('#job').dataset.state") == "done", text(c, "#job")
        click(c, "#open-compare")
        assert c.evaluate("document.querySelectorAll('#waterfall rect').length") == 5
        assert "synthetic-x1.1" in text(c, "#changed")
        c.screenshot(tmp_path / "web-compare.png", height=1300)
        assert c.console_errors() == []
    _keep(tmp_path)


def test_xss_through_a_region_name(server, tmp_path):
    base, ws = server
    books = enterprise_workbooks(tmp_path / "books", 1)
    with Chromium(width=1280) as c:
        c.send("Page.enable", session=True)
        goto(c, base + "/new")
        fill(c, {"name": XSS_NAME, "first_year": "2022", "last_year": "2023", "base_year": "2022", "region": XSS_REGION})
        set_files(c, "input[name=workbooks]", books)
        click(c, "#new-form button")
        click(c, "#import")
        wait_for(c, "document.querySelector('#job').dataset.state !== 'running'")
        click(c, "#to-inventory")
        assert XSS_NAME in text(c, "h1") and XSS_REGION in text(c, "#regions")  # shown as text
        goto(c, base + "/")
        assert XSS_NAME in text(c, "#inventories")
        assert c.evaluate("window.__xss === undefined")
        assert not [e for e in c.events if e["method"] == "Page.javascriptDialogOpening"]
        assert c.evaluate("document.querySelectorAll('main script, main img').length") == 0
        assert c.console_errors() == []


def _keep(tmp_path: Path):
    """Copy the screenshots into docs/img/ when asked (GHGINV_UPDATE_SCREENSHOTS=1)."""
    import os

    if os.environ.get("GHGINV_UPDATE_SCREENSHOTS") == "1":
        for p in tmp_path.glob("web-*.png"):
            shutil.copy(p, ROOT / "docs" / "img" / p.name)
