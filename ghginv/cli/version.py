"""``ghginv version``, ``ghginv --version``, ``ghginv -V``: print the installed version; the root
callback that takes the options given before the command (``--version``/``-V``, ``--lang``).

The version has one source, ``pyproject.toml`` via the package metadata (:mod:`ghginv.core.version`).
"""

from __future__ import annotations

from typing import Annotated

import typer

from ._common import LangOption, global_lang, reset_lang

__all__ = ["version_cmd", "root_options"]


def version_cmd():
    """Print the ghginv version."""
    from .. import __version__

    print(__version__)


def _print_version(value: bool) -> None:
    if value:
        version_cmd()
        raise typer.Exit()


def root_options(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", "-V", is_eager=True, callback=_print_version,
                                          help="print the ghginv version and exit (as ghginv version)")] = False,
    lang: LangOption = None,
):
    """ghginv — greenhouse gas inventory calculator"""
    reset_lang()  # nothing left from an earlier command of this process
    ctx.call_on_close(reset_lang)  # --lang holds for this command only
    global_lang(lang)
