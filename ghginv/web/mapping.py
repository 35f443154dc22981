"""The ``[activities]`` table of a drafted mapping (:func:`ghginv.draft_mapping`) as rows to edit in a form.

The draft maps each recognised item of the form (``"柴油" = "diesel"  # code 21 …``) and leaves the others as
``# TODO "石蜡" = ""  # row 35 …`` comments. :func:`rows` reads them in order; :func:`apply` writes the user's
choices back into the same lines (an empty choice stays a TODO comment, ``-`` leaves the item out), and the rest
of the file is kept as drafted. The result is checked to be valid TOML before it is saved.
"""

from __future__ import annotations

import json
import re
import tomllib

__all__ = ["rows", "apply"]

_ROW = re.compile(r'^(?P<todo>#\s*TODO\s+)?"(?P<item>(?:[^"\\]|\\.)*)"\s*=\s*"(?P<code>(?:[^"\\]|\\.)*)"\s*(?:#\s*(?P<note>.*))?$')
_CODE = re.compile(r"^(-|[A-Za-z0-9_.:]{1,80})$")


def _section(lines: list[str]):
    inside = False
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("["):
            inside = s.split("#")[0].strip() == "[activities]"
            continue
        if inside:
            m = _ROW.match(s)
            if m:
                yield i, m


def rows(text: str) -> list[dict]:
    """Every item of the ``[activities]`` table of a drafted mapping, in order.

    Parameters
    ----------
    text : str
        The mapping TOML as :func:`ghginv.draft_mapping` wrote it (or as saved by :func:`apply`).

    Returns
    -------
    list of dict
        ``n`` (position), ``item`` (the form's item name), ``code`` (activity code, ``"-"`` left out, ``""`` not
        mapped), ``note`` (the draft's comment), ``recognised`` (False for a ``# TODO`` line).
    """
    return [{"n": n, "item": json.loads(f'"{m["item"]}"'), "code": json.loads(f'"{m["code"]}"'), "note": (m["note"] or "").strip(),
             "recognised": not m["todo"]} for n, (_, m) in enumerate(_section(text.splitlines()))]


def apply(text: str, codes: dict[int, str]) -> str:
    """``text`` with row ``n`` of ``[activities]`` mapped to ``codes[n]``; every other line kept as it was.

    Parameters
    ----------
    text : str
        The mapping TOML.
    codes : dict of int to str
        Row position (``n`` of :func:`rows`) -> activity code, ``"-"`` (leave the item out) or ``""`` (a TODO line).

    Returns
    -------
    str
        The new mapping TOML (checked to parse).

    Raises
    ------
    ValueError
        Naming the item, when a code is not an activity code (letters, digits, ``_ . :``) or ``-``; a
        ``tomllib.TOMLDecodeError`` when the result is not valid TOML.
    """
    lines = text.splitlines()
    for n, (i, m) in enumerate(list(_section(lines))):
        if n not in codes:
            continue
        code = codes[n].strip()
        item = m["item"]
        note = f"  # {m['note'].strip()}" if m["note"] else ""
        if not code:
            lines[i] = f'# TODO "{item}" = ""{note}'
            continue
        if not _CODE.match(code):
            raise ValueError(f"{json.loads(chr(34) + item + chr(34))}: {code!r} is not an activity code (letters, digits, _ . :) or -")
        lines[i] = f'"{item}" = {json.dumps(code)}{note}'
    out = "\n".join(lines) + "\n"
    tomllib.loads(out)
    return out
