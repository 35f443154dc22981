"""Every ``ghginv.…`` name the README and docs/ mention exists: a module, or an object in one.

When a module moves (issue 15's redesign moved many), a dotted path left in the prose would send
a reader to nothing; this fails with the file and the name instead.
"""

from __future__ import annotations

import importlib
import re

import pytest

from conftest import ROOT

DOCS = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").rglob("*.md") if "_build" not in p.parts)]
NAME = re.compile(r"\bghginv(?:\.[A-Za-z_]\w*)+")


def _names() -> list[tuple[str, str]]:
    return sorted({(p.relative_to(ROOT).as_posix(), m) for p in DOCS for m in NAME.findall(p.read_text(encoding="utf-8"))})


def _resolve(dotted: str):
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):  # the longest importable module, then attributes
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ModuleNotFoundError(dotted)


@pytest.mark.parametrize(("doc", "dotted"), _names(), ids=[f"{d}:{n}" for d, n in _names()])
def test_documented_name_exists(doc, dotted):
    try:
        _resolve(dotted)
    except (ImportError, AttributeError) as e:
        pytest.fail(f"{doc} names {dotted}, which does not exist ({e})")
