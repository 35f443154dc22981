"""docs/bad-input-catalog.md: at least 30 cases, and every test it names exists."""

from __future__ import annotations

import re

from conftest import ROOT

DOC = ROOT / "docs" / "bad-input-catalog.md"
PREFIX = {
    "unit/": "tests/unit/test_bad_input.py",
    "cli/": "tests/integration/test_cli.py",
}


def _file(ref: str) -> tuple[str, str]:
    if "::" in ref:
        path, name = ref.split("::", 1)
        if path.startswith("rel/"):
            path = f"tests/reliability/test_rel_{path[4:]}.py"
        return path, name
    for p, f in PREFIX.items():
        if ref.startswith(p):
            return f, ref[len(p):]
    raise AssertionError(f"cannot resolve test reference {ref!r}")


def test_catalog_has_30_cases_each_with_an_existing_test():
    text = DOC.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if re.match(r"^\| \d+ \|", line)]
    assert len(rows) >= 30
    for line in rows:
        tests_cell = line.rstrip("|").split("|")[-1]
        refs = re.findall(r"`([^`]+)`", tests_cell)
        assert refs, f"no test named in: {line}"
        for ref in refs:
            path, name = _file(ref)
            name = name.split("[", 1)[0]
            src = (ROOT / path).read_text(encoding="utf-8")
            assert re.search(rf"^def {re.escape(name)}\(", src, re.M), f"{ref}: no test {name} in {path}"
