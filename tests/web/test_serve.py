"""``ghginv serve``: the command starts uvicorn over a workspace on 127.0.0.1; another interface needs the printed token."""

from __future__ import annotations

import http.client
import os
import re
import select
import socket
import subprocess
import sys
import time

import pytest
from web_helpers import ROOT

from ghginv.cli import main


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(args: list[str]) -> tuple[subprocess.Popen, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    p = subprocess.Popen([sys.executable, "-m", "ghginv", "serve", *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    out, t0 = b"", time.monotonic()
    while b"open http" not in out and time.monotonic() - t0 < 60 and p.poll() is None:
        if select.select([p.stdout], [], [], 1)[0]:
            out += os.read(p.stdout.fileno(), 4096)
    return p, out.decode()


def _get(port: int, path: str, headers=None) -> http.client.HTTPResponse:
    for _ in range(100):  # the address is printed just before uvicorn listens
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("GET", path, headers=headers or {})
            return c.getresponse()
        except ConnectionRefusedError:
            time.sleep(0.1)
    raise AssertionError("ghginv serve never listened")


def _stop(p: subprocess.Popen) -> None:
    p.terminate()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def test_serve_on_localhost_without_a_token(demo_workspace):
    port = _port()
    p, printed = _start([str(demo_workspace), "--port", str(port), "--no-browser"])
    try:
        assert f"open http://127.0.0.1:{port}/" in printed and "token" not in printed
        r = _get(port, "/", {"Accept-Language": "zh-CN"})
        body = r.read().decode()
        assert r.status == 200 and "清单" in body and "qingyang_synthetic" in body
        assert "script-src 'self'" in r.getheader("content-security-policy")
    finally:
        _stop(p)


def test_serve_on_another_interface_requires_the_printed_token(demo_workspace):
    port = _port()
    p, printed = _start([str(demo_workspace), "--port", str(port), "--host", "0.0.0.0", "--no-browser"])
    try:
        token = re.search(r"\?token=([A-Za-z0-9_-]+)", printed).group(1)
        assert _get(port, "/").status == 403
        assert _get(port, "/?token=wrong").status == 403
        r = _get(port, f"/?token={token}")
        assert r.status == 303 and f"ghginv_token={token}" in r.getheader("set-cookie")
        assert _get(port, "/", {"Cookie": f"ghginv_token={token}"}).status == 200
    finally:
        _stop(p)


def test_serve_a_missing_workspace_is_bad_input(tmp_path, capsys):
    assert main(["serve", str(tmp_path / "nowhere"), "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert "nowhere" in err and "no such folder" in err and "Traceback" not in err


@pytest.mark.parametrize("args", [["--help"]])
def test_serve_help(args, capsys):
    assert main(["serve", *args]) == 0
    out = capsys.readouterr().out
    assert "--port" in out and "--host" in out and "--no-browser" in out
