"""``ghginv --help`` without rich's markdown and traceback modules (:mod:`ghginv.cli._richhelp`): the
help texts are the ones typer renders with the real modules, those modules are not imported for a
help, and the stand-ins typer holds behave as the real classes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_PLAIN = ("import sys; import typer.rich_utils; from ghginv.cli import main; "  # typer's own import: the real classes
          "sys.exit(main(sys.argv[1:]))")
_QUICK = ("import sys; from ghginv.cli import main; r = main(sys.argv[1:]); "
          "sys.stderr.write('LOADED ' + ' '.join(m for m in ('rich.markdown', 'rich.traceback') if m in sys.modules)); "
          "sys.exit(r)")


def _run(code: str, args: list[str], columns: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS=columns, GHGINV_LANG="en")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize("args", [["--help"], ["compile", "--help"], ["factors", "show", "--help"], ["factors"], []])
def test_help_text_is_typers_own_and_skips_markdown_and_traceback(args):
    for columns in ("80", "120"):
        plain = _run(_PLAIN, args, columns)
        quick = _run(_QUICK, args, columns)
        assert quick.stdout == plain.stdout and "Usage: ghginv" in quick.stdout
        assert quick.returncode == plain.returncode
        assert quick.stderr.rsplit("LOADED", 1)[1].strip() == ""  # neither module imported


def test_stand_ins_hand_over_to_the_real_classes():
    from rich.markdown import Markdown
    from rich.traceback import Traceback

    from ghginv.cli._richhelp import _stand_in

    md = _stand_in("rich.markdown", "Markdown")
    assert type(md("*x*")) is Markdown
    assert isinstance(Markdown("y"), md)
    tb = _stand_in("rich.traceback", "Traceback")
    try:
        raise ValueError("boom")
    except ValueError as e:
        assert type(tb.from_exception(type(e), e, e.__traceback__)) is Traceback
    assert (md | int).__args__ == (md, int)  # usable in annotations (typer's "-> Markdown | Text")
