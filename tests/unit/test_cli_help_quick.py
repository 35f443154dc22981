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


def _help_texts() -> list[str]:
    import inspect
    import typing

    from ghginv.cli import app

    texts = []

    def walk(ta):
        for cmd in ta.registered_commands:
            texts.append(inspect.getdoc(cmd.callback) or "")
            texts.append(cmd.help or "")
            for hint in typing.get_type_hints(cmd.callback, include_extras=True).values():
                texts.extend(m.help for m in getattr(hint, "__metadata__", ()) if isinstance(getattr(m, "help", None), str))
        for group in ta.registered_groups:
            walk(group.typer_instance)

    walk(app)
    return texts


def test_escape_markup_is_riches_escape():
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from rich.markup import escape

    from ghginv.cli._common import escape_markup

    texts = _help_texts()
    assert len(texts) > 50 and any("[" in t for t in texts)
    for t in [*texts, "", "\\", "\\\\", "a\\", "[waste] climate_zone", "\\[b]", "x [draft]", "[/]", "[#ff0000]x", "[@click]", "[[checks]]"]:
        assert escape_markup(t) == escape(t)

    @settings(max_examples=400, deadline=None)
    @given(st.text(alphabet="[]\\/#@aZ 1中", max_size=14))
    def same(t):
        assert escape_markup(t) == escape(t)

    same()


def test_a_quiet_command_imports_no_rich():
    code = "import sys; import ghginv.cli; print(sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "[]"
