"""Public functions carry numpydoc sections (pvlib style): a summary, ``Parameters`` (with units
where a parameter has one) and ``Returns``. Public means: named in the module's ``__all__``, in a
module whose name does not start with ``_``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "ghginv"


def _public_functions():
    out = []
    for path in sorted(PKG.rglob("*.py")):
        rel = path.relative_to(PKG)
        if any(part.startswith("_") and part != "__init__.py" for part in rel.parts) or rel.parts[0] == "cli":
            continue  # private modules; the CLI's commands document themselves in --help
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = None
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
                names = set(ast.literal_eval(node.value))
        if names is None:
            continue
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name in names:
                out.append((str(rel), node))
    return out


FUNCTIONS = _public_functions()


def _needs_parameters(fn: ast.FunctionDef) -> bool:
    a = fn.args
    return bool(a.posonlyargs or a.args or a.kwonlyargs or a.vararg or a.kwarg)


def _returns_something(fn: ast.FunctionDef) -> bool:
    if isinstance(fn.returns, ast.Constant) and fn.returns.value is None:
        return False
    return any(isinstance(n, ast.Return) and n.value is not None for n in ast.walk(fn))


@pytest.mark.parametrize("where,fn", FUNCTIONS, ids=[f"{w}::{f.name}" for w, f in FUNCTIONS])
def test_public_function_has_numpydoc_sections(where, fn):
    doc = ast.get_docstring(fn) or ""
    assert doc, f"{where}::{fn.name} has no docstring"
    if _needs_parameters(fn):
        assert "Parameters\n----------" in doc, f"{where}::{fn.name}: no Parameters section"
    if _returns_something(fn):
        assert "Returns\n-------" in doc or "Yields\n------" in doc, f"{where}::{fn.name}: no Returns section"
