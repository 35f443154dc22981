"""The package's import graph: no cycles, and imports point one way only (docs/architecture.md).

Every ``import`` and ``from … import`` in ``ghginv/`` is counted, also those inside functions and
under ``if TYPE_CHECKING``. A module may import its own package's modules and any package of a
lower layer; an import of a higher layer, or a cycle between modules, fails with both names.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "ghginv"

# lowest first; a module may import its own layer's package and every package below it
LAYERS = [
    ("core",),
    ("runfolder", "demo"),
    ("kernels",),
    ("factors", "inputs"),
    ("methods",),
    ("analysis",),
    ("uncertainty",),
    ("report",),
    ("pipeline",),
    ("rerun",),
    ("api",),
    ("cli", "web"),  # the two faces: the command line and the web app (cli/serve.py starts web)
]
RANK = {pkg: i for i, names in enumerate(LAYERS) for pkg in names}
# the package's own __init__ (the public API) and python -m ghginv are the top, beside cli
TOP = {"ghginv": "api", "ghginv.__main__": "cli"}


def _modules() -> dict[str, Path]:
    mods = {}
    for p in PKG.rglob("*.py"):
        if p.relative_to(PKG).parts[0] == "data":
            continue  # ghginv/data/: shipped files (the demo's generator scripts), never imported
        parts = list(p.relative_to(PKG.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        mods[".".join(parts)] = p
    return mods


MODULES = _modules()


def _layer(mod: str) -> str:
    if mod in TOP:
        return TOP[mod]
    return mod.split(".")[1]


def _target(mod: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = mod.split(".")
    if not is_pkg:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _known(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def import_edges() -> set[tuple[str, str]]:
    """(importer, imported) for every import of a ghginv module by a ghginv module."""
    edges = set()
    for mod, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                tgt = _target(mod, path.name == "__init__.py", node)
                subs = [f"{tgt}.{a.name}" for a in node.names if f"{tgt}.{a.name}" in MODULES]
                names = subs if len(subs) == len(node.names) else subs + [tgt]
            for n in names:
                if n.startswith("ghginv"):
                    t = _known(n)
                    if t and t != mod:
                        edges.add((mod, t))
    return edges


def test_every_package_has_a_layer():
    missing = sorted({_layer(m) for m in MODULES} - set(RANK))
    assert not missing, f"packages without a layer in LAYERS: {missing}"


def test_imports_point_down_only():
    wrong = []
    for a, b in sorted(import_edges()):
        la, lb = _layer(a), _layer(b)
        if la != lb and RANK[lb] > RANK[la]:
            wrong.append(f"{a} ({la}) imports {b} ({lb})")
    assert not wrong, "imports against the layer order:\n" + "\n".join(wrong)


def test_no_import_cycles():
    graph: dict[str, set[str]] = {}
    for a, b in import_edges():
        graph.setdefault(a, set()).add(b)
    cycles, state, stack = [], {}, []

    def visit(v):
        state[v] = 1
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if state.get(w) == 1:
                cycles.append(" -> ".join(stack[stack.index(w):] + [w]))
            elif w not in state:
                visit(w)
        stack.pop()
        state[v] = 2

    for v in sorted(graph):
        if v not in state:
            visit(v)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_kernels_import_only_numpy_and_numba():
    allowed = {"numpy", "numba", "math", "os", "threading", "__future__"}  # threading: numba loaded once (ghginv.kernels)
    bad = []
    for mod, path in MODULES.items():
        if _layer(mod) != "kernels":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                tops = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                tops = [] if node.level else [(node.module or "").split(".")[0]]
            else:
                continue
            bad += [f"{mod} imports {t}" for t in tops if t not in allowed]
    assert not bad, "\n".join(bad)


def test_cli_uses_only_the_public_api():
    """The command line calls the public API (``ghginv``: ``from .. import recompute``), the core
    vocabulary (``ghginv.core``: errors, config, progress, version — public modules only) and
    ``ghginv.runfolder`` (the run folder's file I/O: output-folder checks, atomic Parquet writes,
    file hashes), besides its own modules and the web app it starts (``ghginv serve``) — never another
    package's module, private or not."""
    allowed_layers = {"core", "runfolder", "cli", "web"}
    bad = []
    for mod, path in sorted(MODULES.items()):
        if _layer(mod) != "cli":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [_target(mod, path.name == "__init__.py", node)]
            else:
                continue
            for n in names:
                if not n.startswith("ghginv") or n == "ghginv":
                    continue
                parts = n.split(".")
                if _layer(n) not in allowed_layers or (parts[1] != "cli" and any(p.startswith("_") for p in parts[2:])):
                    bad.append(f"{mod} imports {n}")
    assert not bad, "the CLI goes past the public API:\n" + "\n".join(bad)


def test_nothing_in_the_cli_imports_the_cli_package():
    """``ghginv/cli/__init__`` assembles the app from the command modules; none imports it back."""
    bad = sorted(f"{a} imports {b}" for a, b in import_edges()
                 if b == "ghginv.cli" and a.startswith("ghginv.cli.") and a != "ghginv.cli.__main__")
    assert not bad, "\n".join(bad)


def test_web_uses_only_the_public_api():
    """The web app (``ghginv/web``) calls the public API (``import ghginv``) and takes its texts from the one
    catalogue, ``ghginv.core.i18n``; besides its own modules it imports nothing else of ghginv."""
    bad = []
    for mod, path in sorted(MODULES.items()):
        if _layer(mod) != "web":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _target(mod, path.name == "__init__.py", node)
                names = [base] if base != "ghginv.core" else [f"ghginv.core.{a.name}" for a in node.names]
            else:
                continue
            bad += [f"{mod} imports {n}" for n in names
                    if n.startswith("ghginv") and n not in ("ghginv", "ghginv.core.i18n") and not n.startswith("ghginv.web")]
    assert [m for m in MODULES if _layer(m) == "web"], "no ghginv/web modules found"
    assert not bad, "the web app goes past the public API:\n" + "\n".join(bad)
