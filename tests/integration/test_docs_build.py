"""The documentation site builds without a warning (issue 23 item 5): ``sphinx-build -W --keep-going
-n`` over docs/, as ``make docs`` runs it, so a broken cross-reference, a link to a missing page or
heading, or a docstring numpydoc cannot read fails here. Then the generated parts hold what they
are generated from: the command reference has a section for every command of ``ghginv`` (read
from the CLI, not copied), the API page every name of ``ghginv.__all__``.

Runtime: about 10 s (one full build into a temporary folder), so it is part of the default suite.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from typer.main import get_command

import ghginv
from ghginv.cli import app

from conftest import ROOT


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    r = subprocess.run([sys.executable, "-m", "sphinx", "-E", "-W", "--keep-going", "-n", "-q", "-b", "html",
                        "-d", str(out / "doctrees"), str(ROOT / "docs"), str(out / "html")],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    return r, out / "html"


def test_site_builds_without_warnings(site):
    r, html = site
    assert r.returncode == 0, f"sphinx-build failed:\n{r.stdout[-3000:]}\n{r.stderr[-6000:]}"
    # -q leaves only Sphinx's warnings and errors on stderr (a library's own Python warning is not one)
    warned = [x for x in r.stderr.splitlines() if re.search(r"\b(WARNING|ERROR|CRITICAL)\b", x)]
    assert warned == [], "sphinx-build warned:\n" + "\n".join(warned[:50])
    pages = {p.relative_to(html).as_posix() for p in html.rglob("*.html")}
    expected = {"index.html", "getting-started.html", "zh/getting-started.html", "guides/workflow.html", "zh/workflow.html",
                "reference/cli.html", "reference/api.html", "reference/outputs.html", "bad-input-catalog.html",
                "factor-set-format.html", "architecture.html"}
    assert expected <= pages


def _text(path) -> str:
    return re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8"))


def test_every_command_is_in_the_command_reference(site):
    _, html = site
    text = _text(html / "reference" / "cli.html")
    root = get_command(app)
    names = []
    for name, cmd in root.commands.items():
        names += [f"ghginv {name} {sub}" for sub in getattr(cmd, "commands", {})] or [f"ghginv {name}"]
        for p in cmd.params:
            for opt in getattr(p, "opts", []):
                if opt.startswith("--"):
                    assert opt in text, f"option {opt} of ghginv {name} is not in the command reference"
    missing = [n for n in names if n not in text]
    assert not missing, f"commands missing from the command reference: {missing}"


def test_every_public_name_is_in_the_api_reference(site):
    _, html = site
    page = (html / "reference" / "api.html").read_text(encoding="utf-8")
    missing = [n for n in ghginv.__all__ if n != "__version__" and f'id="ghginv.{n}"' not in page]
    assert not missing, f"ghginv.__all__ names without an entry in the API reference: {missing}"
