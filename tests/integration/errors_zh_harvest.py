"""Collect the exact error messages of every row of docs/bad-input-catalog.md into
``tests/integration/data/errors_zh_corpus.json``, the cases of :mod:`test_errors_zh`.

Each catalogue row names its own tests; this script runs them (not the whole suite) with every
:class:`ghginv.GhgInvError` ghginv raises written down — in the test process and in the command-line
processes the tests start (a ``sitecustomize`` module on ``PYTHONPATH`` wraps the error's constructor) —
and keeps, per row, each distinct message: its summary and the message and hint of each problem.
Paths of temporary folders become ``/d``, the repository ``/repo``; messages that differ only in
their quoted values or numbers are kept once. Run it again when a catalogued message changes::

    python tests/integration/errors_zh_harvest.py            # every row (several minutes)
    python tests/integration/errors_zh_harvest.py 44a 44b    # some rows, merged into the corpus
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "docs" / "bad-input-catalog.md"
CORPUS = Path(__file__).resolve().parent / "data" / "errors_zh_corpus.json"
PER_ROW = 100  # distinct messages kept per row (the fuzz rows raise hundreds of one kind)

SITECUSTOMIZE = '''
import json, os
from ghginv.core import errors as _e
_init = _e.GhgInvError.__init__
def _logged(self, message, problems=None):
    _init(self, message, problems)
    with open(os.environ["GHGINV_ERRLOG"], "a", encoding="utf-8") as f:
        f.write(json.dumps({"test": os.environ.get("PYTEST_CURRENT_TEST", ""), "summary": self.summary,
                            "problems": [[p.message, p.hint] for p in self.problems]}, ensure_ascii=False) + "\\n")
_e.GhgInvError.__init__ = _logged
'''


def catalogue_rows(text: str | None = None) -> list[dict]:
    """The rows of the catalogue: ``key`` (the row's ``#``, with its section when the ``#`` repeats),
    ``exit`` and ``tests`` (pytest node ids of the tests the row names)."""
    text = CATALOGUE.read_text(encoding="utf-8") if text is None else text
    rows, section, prev = [], "", None
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:].split("—")[0].split("(")[0].strip()
        if not line.startswith("| ") or line.startswith(("| # ", "|---")):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        if len(cells) < 5:
            continue
        nodes = []
        for ref in re.findall(r"`([^`]+)`", cells[-1]):
            ref = re.sub(r"\[.*\]$", "", ref)
            if ref.startswith("unit/"):
                path, fn = "tests/unit/test_bad_input.py", ref[5:]
            elif ref.startswith("cli/"):
                path, fn = "tests/integration/test_cli.py", ref[4:]
            elif ref.startswith("rel/"):
                mod, fn = ref[4:].split("::")
                path = f"tests/reliability/test_rel_{mod}.py"
            elif ref.startswith("::") and prev:
                path, fn = prev, ref[2:]
            elif "::" in ref:
                path, fn = ref.split("::")
                path = path if path.startswith("tests/") else f"tests/{path}"
            else:
                continue
            prev = path
            nodes.append(f"{path}::{fn}")
        if not nodes and cells[-1].startswith("same test") and rows:
            nodes = list(rows[-1]["tests"])
        rows.append({"id": cells[0], "section": section, "exit": cells[3], "tests": nodes})
    seen: dict[str, int] = {}
    for r in rows:
        seen[r["id"]] = seen.get(r["id"], 0) + 1
    for r in rows:
        r["key"] = r["id"] if seen[r["id"]] == 1 else f"{r['id']} ({r['section']})"
    return rows


def normalise(text: str) -> str:
    """``text`` with the temporary folders of a test run as ``/d`` and the repository as ``/repo``."""
    text = text.replace(str(ROOT), "/repo")
    text = re.sub(r"/tmp/pytest-of-[^/]+/pytest-\d+/[^/\s'\"]+", "/d", text)
    return re.sub(r"/tmp/tmp[A-Za-z0-9_]{8}", "/d", text)


def signature(err: dict) -> str:
    """What two errors of one kind share: their text without quoted values and numbers."""
    flat = "\n".join([err["summary"]] + [f"{m}\t{h}" for m, h in err["problems"]])
    return re.sub(r"'[^']*'|\d+(?:\.\d+)?|\S+://\S+", "V", flat)


def harvest(rows: list[dict]) -> dict[str, list[dict]]:
    """Run the rows' tests with the errors written down; per row key, its distinct errors."""
    nodes = sorted({n for r in rows for n in r["tests"] if "test_errors_zh" not in n})
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
        log = Path(tmp) / "errors.jsonl"
        env = {**os.environ, "GHGINV_ERRLOG": str(log),
               "PYTHONPATH": os.pathsep.join([tmp, str(ROOT), os.environ.get("PYTHONPATH", "")])}
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-m", "not browser", *nodes],
                       cwd=ROOT, env=env, check=False)
        records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    by_test: dict[str, list[dict]] = {}
    for rec in records:
        node = re.sub(r"\[.*", "", rec["test"].rsplit(" (", 1)[0], flags=re.S)  # without the parameters (which may hold brackets)
        err = {"summary": normalise(rec["summary"]), "problems": [[normalise(m), h and normalise(h)] for m, h in rec["problems"]]}
        by_test.setdefault(node, []).append(err)
    out: dict[str, list[dict]] = {}
    for r in rows:
        kept, sigs = [], set()
        for node in r["tests"]:
            for err in by_test.get(node, []):
                sig = signature(err)
                if sig not in sigs and len(kept) < PER_ROW:
                    sigs.add(sig)
                    kept.append(err)
        if kept:
            out[r["key"]] = kept
    return out


def main(argv: list[str]) -> None:
    rows = catalogue_rows()
    if argv:
        rows = [r for r in rows if r["key"] in argv or r["id"] in argv]
    corpus = json.loads(CORPUS.read_text(encoding="utf-8")) if CORPUS.exists() and argv else {}
    corpus.update(harvest(rows))
    CORPUS.parent.mkdir(parents=True, exist_ok=True)
    CORPUS.write_text(json.dumps(dict(sorted(corpus.items())), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{CORPUS}: {sum(map(len, corpus.values()))} errors of {len(corpus)} rows")


if __name__ == "__main__":
    main(sys.argv[1:])
