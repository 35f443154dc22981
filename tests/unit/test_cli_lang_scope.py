"""``--lang`` holds for one command: running commands in one process (a script, a notebook, the test
suite through typer's runner) never carries one command's language into the next, nor into the
environment of a process started afterwards (``GHGINV_LANG`` is put back as it was)."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from ghginv.cli import app


@pytest.mark.parametrize("before", [None, "en"])
def test_lang_of_one_command_does_not_outlive_it(monkeypatch, tmp_path, before):
    if before is None:
        monkeypatch.delenv("GHGINV_LANG", raising=False)
    else:
        monkeypatch.setenv("GHGINV_LANG", before)
    missing = tmp_path / "no_run"
    zh = CliRunner().invoke(app, ["--lang", "zh", "targets", str(missing)])
    assert zh.exit_code == 2 and "错误" in zh.output
    assert os.environ.get("GHGINV_LANG") == before
    en = CliRunner().invoke(app, ["targets", str(missing)])
    assert en.exit_code == 2 and "error:" in en.output and "错误" not in en.output


def test_a_command_level_lang_is_also_undone(monkeypatch, tmp_path):
    monkeypatch.delenv("GHGINV_LANG", raising=False)
    CliRunner().invoke(app, ["report", str(tmp_path / "no_run"), "--lang", "zh"])
    assert "GHGINV_LANG" not in os.environ
