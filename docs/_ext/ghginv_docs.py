"""Sphinx extension of the ghginv site: the command reference generated from the command line
itself, and references to documented-elsewhere internals of ghginv kept as plain text.

* ``ghginv-commands``: the line ``{ghginv-commands}`` (alone on its line, in
  ``docs/reference/cli.md``) is replaced, when the page is read, by one section per command of
  ``ghginv`` and of ``ghginv factors``: the usage line and the description as ``--help`` prints
  them, then every argument and option with its type, default and help text, read from the
  command objects typer builds from ``ghginv.cli.app`` (:func:`typer.main.get_command`). A command
  or option added to the CLI appears on the site with no edit of the page.
* ``missing-reference``: a docstring of the public API may name a private helper
  (``ghginv.runfolder.update_run``) that the site does not document; when that name exists (it
  imports), it is shown as code instead of a link. A name that does not exist stays a warning, so
  the strict build fails on it.
"""

from __future__ import annotations

import importlib
import re

from typer.main import get_command
from typer.testing import CliRunner

MARKER = "{ghginv-commands}"
_ESCAPED = re.compile(r"\\(\[)")  # rich-markup escapes of ghginv.cli._common.escape_help
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _plain(text: str | None) -> str:
    return "" if not text else _ESCAPED.sub(r"\1", text)


def _md(text: str) -> str:
    """Text as Markdown that shows it literally."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _usage(path: list[str]) -> str:
    from ghginv.cli import app

    r = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb"})
    line = next((x.strip() for x in r.output.splitlines() if x.strip().startswith("Usage:")), "")
    usage = re.sub(r"\s+", " ", line.removeprefix("Usage:")).strip()
    return re.sub(r"^\S+", "ghginv", usage)  # the runner's program name -> the installed command


def _type_name(annotation) -> str:
    """A reader's name of an option's Python type: text, path, integer, number, or its choices."""
    import enum
    import pathlib
    import typing

    if typing.get_origin(annotation) in (list, tuple):
        args = typing.get_args(annotation)
        annotation = args[0] if args else str
    if typing.get_origin(annotation) is typing.Literal:
        return " | ".join(str(a) for a in typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return " | ".join(str(m.value) for m in annotation)
    names = {str: "text", int: "integer", float: "number", bool: "flag", pathlib.Path: "path"}
    return names.get(annotation, "") if isinstance(annotation, type) else ""


def _is_argument(p) -> bool:
    return "Argument" in type(p).__name__


def _param(p) -> str:
    if _is_argument(p):
        name = (p.metavar or p.name).upper().strip("{}")
        head = f"`{name}`"
    else:
        names = list(p.opts) + [f"{o}" for o in p.secondary_opts]
        head = " / ".join(f"`{n}`" for n in names)
    kind = _type_name(getattr(getattr(p, "type_descriptor", None), "annotation", None))
    bits = []
    if kind and not getattr(p, "is_flag", False):
        bits.append(kind)
    if getattr(p, "is_flag", False):
        bits.append("flag")
    if p.required:
        bits.append("required")
    if getattr(p, "multiple", False):
        bits.append("repeatable")
    default = p.default
    if default not in (None, False, (), []) and not callable(default) and getattr(p, "show_default", True) is not False:
        bits.append(f"default `{default}`")
    meta = f" ({', '.join(bits)})" if bits else ""
    help_text = _md(_plain(getattr(p, "help", None) or "").strip()) or "—"
    return f"{head}{meta}\n: {help_text}\n"


def _command_md(path: list[str], cmd, level: int) -> list[str]:
    out = [f"{'#' * level} `ghginv {' '.join(path)}`", ""]
    out += ["```text", _usage(path), "```", ""]
    text = _plain(cmd.help).strip()
    for para in re.split(r"\n\s*\n", text):
        if para.strip():
            out += [_md(" ".join(x.strip() for x in para.splitlines())), ""]
    params = [p for p in cmd.params if not getattr(p, "hidden", False) and p.name != "help"]
    args = [p for p in params if _is_argument(p)]
    opts = [p for p in params if not _is_argument(p)]
    if args:
        out += ["**Arguments**", ""] + [_param(p) for p in args]
    if opts:
        out += ["**Options**", ""] + [_param(p) for p in opts]
    return out


def commands_markdown() -> str:
    """One section per command of ``ghginv`` (groups: a section with one per sub-command)."""
    from ghginv.cli import app

    root = get_command(app)
    out: list[str] = []
    for name, cmd in root.commands.items():
        sub = getattr(cmd, "commands", None)
        if sub:
            out += [f"## `ghginv {name}`", "", _md(_plain(cmd.help).strip()), ""]
            for sname, scmd in sub.items():
                out += _command_md([name, sname], scmd, 3)
        else:
            out += _command_md([name], cmd, 2)
    return "\n".join(out) + "\n"


def _source_read(app, docname, source):
    if MARKER in source[0]:
        source[0] = source[0].replace(MARKER, commands_markdown())


def _missing_reference(app, env, node, contnode):
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    candidates = [target]
    module = node.get("py:module")
    if module:
        candidates.append(f"{module}.{target}")
        cls = node.get("py:class")
        if cls:
            candidates.append(f"{module}.{cls}.{target}")
    # a relative name in a docstring is relative to the module that defines the documented object
    m = re.search(r"docstring of ([\w.]+)", node.source or "")
    if m:
        parts = m.group(1).split(".")
        candidates += [".".join([*parts[:i], target]) for i in range(len(parts) - 1, 0, -1)]
    for dotted in candidates:
        if dotted.startswith("ghginv") and _exists(dotted):
            return contnode
    return None


def _exists(dotted: str) -> bool:
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return False
        return True
    return False


def setup(app):
    app.connect("source-read", _source_read)
    app.connect("missing-reference", _missing_reference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
