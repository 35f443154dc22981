"""The command line's option values without pydantic (:mod:`ghginv.cli._coerce`): for every option
and argument of every command, the quick path gives the value typer's own pydantic adapter gives
(same object type and value), or the same error message; and a ``compile`` that is only asked for
its help imports no pydantic."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer

from ghginv.cli import app
from ghginv.cli._coerce import _QuickParam


def _params():
    """(command path, click parameter) of every typer parameter of the command line."""
    root = typer.main.get_command(app)
    out = []

    def walk(cmd, path):
        for p in cmd.params:
            if hasattr(p, "type_descriptor"):
                out.append((path, p))
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(root, "ghginv")
    return out


def _outcome(fn):
    try:
        v = fn()
    except Exception as e:  # typer's BadParameter: the message is what a user sees
        return ("error", type(e).__name__, e.format_message() if hasattr(e, "format_message") else str(e))
    return ("value", type(v).__name__, v if not isinstance(v, list) else [(type(x).__name__, x) for x in v])


SAMPLES = [None, "zh", "2020", "007", "-3", " 12", "1_000", "1e3", "", ".", "/nonexistent/x.toml", "a b", "中文"]


def test_every_parameter_coerces_as_typer_does(tmp_path):
    from typer._coercion import build_runtime_param

    ctx = typer.main.get_command(app).make_context("ghginv", ["version"], resilient_parsing=True)
    existing = tmp_path / "inv.toml"
    existing.write_text("")
    params = _params()
    assert len(params) > 50  # every command's options, not a few
    compared = 0
    for path, p in params:
        multi = p.multiple or p.nargs == -1
        samples = [None, *([(s,) for s in SAMPLES[1:]] + [tuple(SAMPLES[1:4]), ()] if multi else SAMPLES[1:] + [str(existing), str(tmp_path)])]
        if p.type_descriptor.annotation is bool:
            samples = [None, True, False, "true", "no"]
        for value in samples:
            quick = _outcome(lambda: _QuickParam(p).coerce(value, param=p, ctx=ctx))
            full = _outcome(lambda: build_runtime_param(p.type_descriptor).coerce(value, param=p, ctx=ctx))
            assert quick == full, (path, p.name, value)
            compared += 1
    assert compared > 500


def test_compile_help_and_a_bad_path_import_no_pydantic(tmp_path):
    code = (
        "import sys\n"
        "from ghginv.cli import main\n"
        f"rc = main(['--lang', 'en', 'compile', {str(tmp_path / 'missing.toml')!r}, '--out', {str(tmp_path / 'out')!r}, '--quiet'])\n"
        "assert rc == 2, rc\n"
        "main(['compile', '--help'])\n"
        "print('pydantic' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize("value", ["abc", "2020x", "1.5"])
def test_a_bad_integer_still_gets_typers_message(value):
    from typer.testing import CliRunner

    res = CliRunner().invoke(app, ["compile", "x.toml", "--base-year", value])
    assert res.exit_code == 2
    assert "--base-year" in res.output
