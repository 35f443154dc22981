"""What every command of the command line shares: the typer apps, the console, the one way to
fail (a message on stderr, exit status 2), ``--years`` parsing and the common argument types.

The console (rich): in a pipe or a log file (a scheduled job, CI) rich lays tables out for 80
columns and cuts what does not fit with "…" — a number like 1,450,417.3 came out as "1,450,41…".
Not on a terminal, and with no ``COLUMNS`` in the environment, the console is :data:`WIDE` columns
wide instead, so the numbers of the summary, diff, uncertainty and targets tables are printed whole.

Imports nothing of ghginv but :mod:`ghginv.core` and :mod:`ghginv.runfolder` (and only inside
functions, so ``ghginv --help`` stays quick).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from ._coerce import install as _install_quick_coercion

__all__ = ["app", "factors_app", "console", "WIDE", "PlainConsole", "fail", "parse_years", "write_atomic",
           "RunDir", "Years", "esc", "escape_help", "set_lang", "render_error", "cli_lang", "global_lang", "LangOption",
           "argv_lang", "render_usage_error", "escape_markup"]

_install_quick_coercion()  # typer's option values without pydantic (ghginv.cli._coerce)
app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help="ghginv — greenhouse gas inventory calculator")
factors_app = typer.Typer(no_args_is_help=True, help="Inspect and maintain factor sets.")
app.add_typer(factors_app, name="factors")


_GLOBAL_LANG: list[str] = []  # ghginv --lang, given before the command
_ENV_BEFORE: list[str | None] = []  # GHGINV_LANG as it was before this invocation's --lang set it


def cli_lang(lang: str | None) -> str | None:
    """The language a command was asked for: its own ``--lang``, else the global ``ghginv --lang`` (both
    override ``[report] lang``; ``GHGINV_LANG`` does not), else None."""
    return lang or (_GLOBAL_LANG[-1] if _GLOBAL_LANG else None)


def set_lang(lang: str | None) -> None:
    """Use ``lang`` (zh or en) for the rest of this command's output: the summary, the framing of errors,
    and the report when neither ``--lang`` of the command nor ``[report] lang`` says otherwise
    (``GHGINV_LANG``, :func:`ghginv.core.i18n.resolve_lang`). ``None`` leaves the choice as it is."""
    from ..core.errors import ConfigError

    if lang is None:
        return
    if lang not in ("zh", "en"):
        raise ConfigError(f"--lang must be zh or en, got {lang!r}")
    if not _ENV_BEFORE:
        _ENV_BEFORE.append(os.environ.get("GHGINV_LANG"))
    os.environ["GHGINV_LANG"] = lang


def reset_lang() -> None:
    """Undo what ``--lang`` set for one invocation: the global choice and ``GHGINV_LANG`` as it was
    before. Called when the root command's context closes, so a program (or a test) that runs several
    commands in one process never carries one command's ``--lang`` into the next (nor into the
    environment of a process it starts afterwards)."""
    _GLOBAL_LANG.clear()
    if _ENV_BEFORE:
        before = _ENV_BEFORE.pop()
        _ENV_BEFORE.clear()
        if before is None:
            os.environ.pop("GHGINV_LANG", None)
        else:
            os.environ["GHGINV_LANG"] = before


LangOption = Annotated[str | None, typer.Option("--lang", help="language of the output, errors and reports: zh or en (default $GHGINV_LANG, else en)")]


def global_lang(lang: str | None) -> None:
    """Apply ``ghginv --lang`` (given before the command) to every command that follows; a bad value
    is one message and exit 2. Called by the root callback (:func:`ghginv.cli.version.root_options`)."""
    try:
        set_lang(lang)
        if lang:
            _GLOBAL_LANG.append(lang)
    except Exception as e:  # noqa: BLE001 - a ConfigError: one message, exit 2
        fail(e)

# argument and option types more than one command takes
RunDir = Annotated[Path, typer.Argument(help="a finished run folder (written by ghginv compile)")]
Years = Annotated[str | None, typer.Option(help="year range, e.g. 2020-2024")]

WIDE = 200


def console(stderr: bool = False, soft_wrap: bool = True):
    """A rich Console on stdout (or stderr) without highlighting; wide when not on a terminal."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    wide = not (hasattr(stream, "isatty") and stream.isatty()) and "COLUMNS" not in os.environ
    return Console(stderr=stderr, highlight=False, soft_wrap=soft_wrap, width=WIDE if wide else None)


class PlainConsole:
    """The summary lines of ``--quiet`` as plain text: without rich (about 0.1 s of imports that a
    quiet run, e.g. a scheduled job or a benchmark, would pay for three lines). Strips the few
    style tags the summary uses and leaves any other bracketed text (a run named "x [draft]")
    as written, where rich would take it for markup."""

    _TAG = re.compile(r"\[/?(?:bold|yellow|bold yellow)?\]")

    def print(self, text: str) -> None:
        sys.stdout.write(self._TAG.sub("", text) + "\n")


def esc(text) -> str:
    """``text`` for a rich console or table cell, printed as written: brackets such as
    ``[[checks]]``, ``[waste]`` or a name "x [draft]" are not read as markup."""
    from rich.markup import escape

    return escape(str(text))


_MARKUP_TAG = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")  # rich.markup.escape's pattern (rich 13–15)


def escape_markup(text: str) -> str:
    """``rich.markup.escape(text)`` without importing rich (its markup module imports rich's text,
    style, segment and emoji modules, 20–40 ms that every command would pay at start-up for its help
    texts): a tag-like ``[name]`` gets a backslash, backslashes before it are doubled, and a single
    trailing backslash is doubled. Held equal to rich's by ``tests/unit/test_cli_help_quick.py``."""
    text = _MARKUP_TAG.sub(lambda m: f"{m.group(1)}{m.group(1)}\\{m.group(2)}", text)
    if text.endswith("\\") and not text.endswith("\\\\"):
        return text + "\\"
    return text


def escape_help(typer_app) -> None:
    """Escape the help texts of every command of ``typer_app`` (and its groups) for rich, which
    typer renders as markup: without this "[uncertainty] settings" showed as " settings". A
    command's docstring becomes its ``help``; its annotations are resolved once and their options'
    help escaped (typer reads the resolved annotations; the commands behave the same)."""
    import inspect
    import typing

    escape = escape_markup
    if getattr(typer_app, "_ghginv_help_escaped", False):
        return
    typer_app._ghginv_help_escaped = True

    def walk(ta):
        for cmd in ta.registered_commands:
            cb = cmd.callback
            if cb is None:
                continue
            if cmd.help is None and cb.__doc__:
                cmd.help = escape(inspect.getdoc(cb))
            hints = typing.get_type_hints(cb, include_extras=True)
            for hint in hints.values():
                for meta in getattr(hint, "__metadata__", ()):
                    if isinstance(getattr(meta, "help", None), str):
                        meta.help = escape(meta.help)
            cb.__annotations__ = hints
        for group in ta.registered_groups:
            walk(group.typer_instance)

    walk(typer_app)


def render_error(err: Exception, lang: str) -> str:
    """The message of an error with its framing words in ``lang``: for Chinese 错误, 文件, 第 N 行, 列, 值 and
    处理办法 around the messages; the catalogued messages in Chinese (:func:`ghginv.core.i18n.translate_message`),
    the others as written, and always the values and names they quote as written."""
    from ..core.errors import MAX_LISTED, GhgInvError
    from ..core.i18n import cli_text, translate_message

    if lang != "zh":
        return f"{cli_text('error', lang)}: {err}"
    if not isinstance(err, GhgInvError) or not err.problems:
        return f"错误：{translate_message(str(err), lang)}"
    lines = [f"错误：{translate_message(err.summary, lang)}（{cli_text('problems', lang, n=len(err.problems))}）"]
    for p in err.problems[:MAX_LISTED]:
        where = [f"文件 {p.file}"] if p.file else []
        where += [f"行号 {p.line}"] if p.line is not None else []
        where += [f"第 {p.row} 行"] if p.row is not None else []
        where += [f"列 '{p.column}'"] if p.column else []
        msg = translate_message(p.message, lang)
        text = f"{'，'.join(where)}：{msg}" if where else msg
        if p.value is not None and "{value}" not in p.message:
            text += f"（值：{p.value!r}）"
        if p.hint:
            text += f" —— 处理办法：{translate_message(p.hint, lang)}"
        lines.append(f"  - {text}")
    if len(err.problems) > MAX_LISTED:
        lines.append("  " + cli_text("more", lang, n=len(err.problems) - MAX_LISTED))
    return "\n".join(lines)


def argv_lang(argv: list[str]) -> str:
    """The language of a command line before it is parsed: its ``--lang zh|en`` (before or after the
    command), else :func:`ghginv.core.i18n.resolve_lang` (``$GHGINV_LANG``, else English)."""
    from ..core.lang import resolve_lang

    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
    return resolve_lang()


def render_usage_error(err, lang: str) -> str:
    """A usage error of the command line (click's ``No such option``, ``Missing argument`` …) in ``lang``:
    for Chinese ``错误：…`` and a 处理办法 naming the command's ``--help``; click's own text otherwise."""
    from ..core.i18n import translate_message

    path = err.ctx.command_path if getattr(err, "ctx", None) is not None else "ghginv"
    return f"错误：{translate_message(err.format_message().rstrip('.'), lang)} —— 处理办法：运行 {path} --help 查看可用的选项和参数"


def fail(err: Exception) -> NoReturn:
    """Print ``error: <message>`` (``错误：…`` with ``--lang zh`` or ``GHGINV_LANG=zh``, :func:`render_error`)
    on stderr and exit: with the error's ``exit_code`` (2, bad input) for a :class:`ghginv.GhgInvError`,
    1 for anything else."""
    from ..core.errors import GhgInvError
    from ..core.i18n import resolve_lang

    sys.stderr.write(render_error(err, resolve_lang()) + "\n")
    raise typer.Exit(code=getattr(err, "exit_code", 2) if isinstance(err, GhgInvError) else 1)


def parse_years(text: str | None) -> tuple[int, int] | None:
    """``--years``: ``2020-2024`` (or ``2020:2024``) -> (2020, 2024); ``2022`` -> (2022, 2022)."""
    from ..core.errors import ConfigError

    if text is None:
        return None
    try:
        if "-" in text or ":" in text:
            a, b = text.replace(":", "-").split("-", 1)
            return (int(a), int(b))
        return (int(text), int(text))
    except ValueError:
        raise ConfigError(f"--years must look like 2020-2024 or 2022, got {text!r}") from None


def write_atomic(df, path: Path) -> Path:
    """Write one Parquet file via a temporary name in the same folder (no partial output)."""
    from ..runfolder import write_parquet

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write_parquet(df, tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
