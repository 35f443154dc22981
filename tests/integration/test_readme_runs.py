"""The README and the documentation site run (issue 16 item 11, issue 23 item 5): every shell and
Python block of README.md and of the site's pages (:data:`DOCUMENTS`: getting started, the guides,
the reference pages, the Chinese pages) is run, document by document in the order of
:data:`DOCUMENTS` and in each in page order, in one temporary folder that is the demo workspace a
user gets from ``ghginv demo`` (:func:`ghginv.write_demo`: the inventory TOMLs, ``data/``,
``ledgers/``, ``targets/`` …), so the documentation cannot drift from the tool again. Every page
of docs/ is either in :data:`DOCUMENTS` or in :data:`PAGES_NOT_RUN` with the reason (a test holds
this).

How each block is taken (:func:`kind`):

* **shell** (a fenced ``sh`` block, or an indented block starting with ``ghginv``, ``make`` …):
  each command runs and must exit 0 (or the code the README documents, :data:`EXIT_CODES`); a
  ``ghginv`` command runs in this process (typer's runner on ``ghginv.cli.app``, in the
  workspace folder: no interpreter start-up per command), anything else with bash. Optional parts ``[--opt value]`` are run with the
  command. A line with placeholders (``INVENTORY.toml``, ``SET``, ``…``) is a synopsis: every
  option it names must be in that command's ``--help``.
* **session** (``$ command`` followed by its output): the commands run.
* **python**: runs in this process (``exec``, in the workspace folder) and must not raise.
* **toml**: must parse; **csv**: the scenario file is evaluated with ``ghginv recompute --scenarios``.
* Blocks that cannot run in a test are listed in :data:`NOT_RUN` with the reason; a block that is
  neither runnable nor listed fails the test, and so does an entry of :data:`NOT_RUN` that no
  longer matches a block.

Files the README takes as the user's own are made first (:func:`workspace`): ``my_factors/grid_2025``
(a copy of ``mee_nbs_grid`` under that name, hashed with ``ghginv factors hash --write`` as README
"Adding your own factors" says), ``my_forest_params`` (a copy of the demo's synthetic sink
parameters), ``my_economy.csv`` and ``sinks.csv`` (the demo's synthetic economy table, and its sink
data without the rewetted wetland, whose parameters are in ``ipcc2013_wetlands``, a set the README's
``--sinks`` example does not list).

Runtime: about 25 s of CPU for the README and the site together (seven compiles, two Monte Carlo
runs; about a minute on a busy 2-core machine), so it is part of the default suite (not marked slow).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tomllib
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

import ghginv
from ghginv.cli import app

from conftest import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
# the documents whose blocks run, in this order (later pages use the run folders earlier ones write)
DOCUMENTS = [README, *(DOCS / p for p in (
    "getting-started.md", "reference/api.md", "guides/workflow.md", "guides/import.md", "guides/factor-sets.md",
    "guides/recalculations.md", "drill-down.md", "guides/uncertainty.md", "guides/targets.md", "guides/reports.md", "guides/sectors.md",
    "guides/large-data.md", "reference/cli.md", "reference/inventory-file.md", "reference/activity-data.md",
    "reference/input-tables.md",
    "reference/outputs.md", "zh/getting-started.md", "zh/workflow.md"))]
# pages of docs/ whose blocks are not run here -> why
PAGES_NOT_RUN = {
    "index.md": "the site's table of contents: no code",
    "architecture.md": "a package map and data-flow drawings, not commands",
    "bad-input-catalog.md": "a table of cases; each row names the test that runs it (tests/reliability/test_rel_catalog_doc.py)",
    "factor-set-format.md": "file-format excerpts (CSV rows, manifest fields) read by tests/unit/test_units_documented.py, not a session",
    "reference-approach-and-gap-filling.md": "TOML excerpts of one feature; the demo's [reference_approach] runs in every demo compile",
    "web.md": ("ghginv serve runs a server until it is stopped and pip install reaches the network: tests/web/ drive the app "
               "(TestClient for every route, ghginv serve on a free port, headless Chromium)"),
    "zh/web.md": "the Chinese page of docs/web.md: the same commands, not run for the same reason",
}

# first line of a block (its start) -> why it is not run here
NOT_RUN = {
    "make demo": ("the repository's two commands: both create .venv and pip-install ghginv (the demo they compile is compiled "
                  "by this test from the same files; make test runs this suite: recursion)"),
    "pip install ghginv": "installs from the package index (network); tests/packaging/test_wheel.py installs the built wheel and runs `ghginv demo`",
    "make docs": ("the development targets: make docs creates .venv and pip-installs the doc tools (tests/integration/test_docs_build.py "
                  "builds the site), make test runs this suite (recursion), bench-large generates ~3 GB of Parquet"),
    "python3 -m venv ghginv-env": ("creates a virtual environment and pip-installs ghginv from the package index (network); "
                                   "tests/packaging/test_wheel.py installs the built wheel"),
    "python ledgers/make_synthetic_enterprises.py": ("the ledger walkthrough (README.md and the marked block of docs/guides/import.md): "
                                                      "tests/reliability/test_rel_ledger_import.py runs it with 4 workbooks; "
                                                      "test_readme_walkthrough_is_the_guides checks the two are the same"),
    "dask scheduler": "needs a Dask cluster on several nodes and an S3 bucket with credentials",
    "emissions_t = amount": "a formula, not code",
}
# a command (its start) -> the exit codes the README documents for it
EXIT_CODES = {"ghginv targets": {0, 1}}  # "exit 0 if every target with data is met or on track, else 1"

SHELL_START = re.compile(r"^(ghginv|make|dask|export|pip|python)\b")
# an upper-case word (INVENTORY.toml, SET, RUN_DIR, LEDGER.xlsx|.csv) or an ellipsis; GWP names carry digits
PLACEHOLDER = re.compile(r"(?<![\w/.-])[A-Z][A-Z_]{2,}(?![\w])|…")


@dataclass
class Block:
    doc: str  # the document's path, relative to the repository
    line: int
    lang: str  # fenced language, or "" for an indented block
    lines: list[str]

    @property
    def first(self) -> str:
        return next((x.strip() for x in self.lines if x.strip()), "")


def readme_blocks(text: str, doc: str = "README.md") -> list[Block]:
    """Fenced blocks and indented (4-space) blocks that follow a blank line, in document order. A
    MyST directive (```` ```{toctree} ````) is a block of language ``{toctree}``."""
    lines, blocks, i = text.splitlines(), [], 0
    while i < len(lines):
        m = re.match(r"^```(\{[\w-]+\}|[\w+-]*)", lines[i])
        if m:
            j = i + 1
            while not lines[j].startswith("```"):
                j += 1
            blocks.append(Block(doc, i + 1, m.group(1), lines[i + 1:j]))
            i = j + 1
            continue
        if lines[i].startswith("    ") and lines[i].strip() and (i == 0 or not lines[i - 1].strip()):
            j, body = i, []
            while j < len(lines) and (lines[j].startswith("    ") or not lines[j].strip()):
                body.append(lines[j][4:])
                j += 1
            while body and not body[-1].strip():
                body.pop()
            blocks.append(Block(doc, i + 1, "", body))
            i = j
            continue
        i += 1
    return blocks


def kind(b: Block) -> str:
    first = b.first
    if any(first.startswith(k) for k in NOT_RUN):
        return "not_run"
    if first.startswith("$ "):
        return "session"
    if b.lang in ("python", "py"):
        return "python"
    if b.lang in ("sh", "bash", "shell", "console"):
        return "shell"
    if b.lang == "toml":
        return "toml"
    if b.lang:  # text, csv tables shown as text, MyST directives
        return "csv" if b.lang == "csv" else "text"
    if SHELL_START.match(first):
        return "shell"
    if first.startswith(("from ", "import ")):
        return "python"
    if first.startswith("[") or re.match(r'^["\w.-]+\s*=', first):
        return "toml"
    if "," in first and " " not in first:
        return "csv"
    return "text"


BLOCKS = [b for d in DOCUMENTS for b in readme_blocks(d.read_text(encoding="utf-8"), d.relative_to(ROOT).as_posix())]


def commands(b: Block) -> list[str]:
    """The block's commands: continuation lines (``\\`` or more indentation) joined, comments kept
    for the shell to drop; in a session only the ``$`` lines."""
    out: list[str] = []
    for raw in b.lines:
        if not raw.strip():
            continue
        if kind(b) == "session":
            if raw.startswith("$ "):
                out.append(raw[2:])
            continue
        if out and (out[-1].rstrip().endswith("\\") or raw.startswith((" ", "\t"))):
            out[-1] = out[-1].rstrip().removesuffix("\\") + " " + raw.strip()
        else:
            out.append(raw)
    return [re.sub(r"^\.venv/bin/", "", c) for c in out]


def _code(cmd: str) -> str:
    """The command without its comment (a '#' after whitespace, outside brackets)."""
    return re.split(r"\s+#\s", cmd, maxsplit=1)[0].strip()


# commands that run until they are stopped (a server): always a synopsis here, their options checked against --help;
# tests/web/test_serve.py starts them on a free port
SERVERS = ("ghginv serve",)


def runnable(cmd: str) -> str | None:
    """The command with its optional parts ``[…]`` included, or None when it has placeholders (or is a server's)."""
    code = _code(cmd)
    if code.startswith(SERVERS):
        return None
    code = re.sub(r"\[([^\[\]]*)\]", lambda m: "" if PLACEHOLDER.search(m.group(1)) else m.group(1), code)
    if PLACEHOLDER.search(code) or "|" in code:
        return None
    return re.sub(r"\s+", " ", code).strip()


ENV = {"COLUMNS": "250", "GHGINV_FACTORS_PATH": None, "GHGINV_LOCK_TIMEOUT": "60"}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    ws = tmp_path_factory.mktemp("readme")
    # the pages run in the demo workspace a user gets from `ghginv demo ghginv-demo` (then `cd ghginv-demo`):
    # qingyang_synthetic.toml, data/…, ledgers/…, targets/… at the top, as ghginv.write_demo writes them
    ghginv.write_demo(ws)
    demo = ws / "data" / "qingyang_synthetic"
    shutil.copy(demo / "economy_synthetic.csv", ws / "my_economy.csv")
    sinks = (demo / "sinks_synthetic.csv").read_text(encoding="utf-8").splitlines()
    (ws / "sinks.csv").write_text("\n".join(x for x in sinks if ",rewetted_organic" not in x) + "\n", encoding="utf-8")
    for src, dst in ((ROOT / "ghginv" / "data" / "factor_sets" / "mee_nbs_grid", ws / "my_factors" / "grid_2025"),
                     (ws / "factors" / "qingyang_sinks_synthetic", ws / "my_forest_params")):
        shutil.copytree(src, dst)
        m = dst / "manifest.toml"
        m.write_text(re.sub(r'(?m)^name = ".*"$', f'name = "{dst.name}"', m.read_text(encoding="utf-8")), encoding="utf-8")
        code, out = _run(f"ghginv factors hash {dst.relative_to(ws)} --write", ws)
        assert code == 0, out
    return ws


def _run(cmd: str, cwd: Path) -> tuple[int, str]:
    """Exit status and output of one command line, run in ``cwd``."""
    if not cmd.startswith("ghginv "):
        r = subprocess.run(["bash", "-c", cmd], cwd=cwd, capture_output=True, text=True, timeout=600,
                           env={k: v for k, v in os.environ.items() if k != "GHGINV_FACTORS_PATH"})
        return r.returncode, r.stdout + r.stderr
    old = Path.cwd()
    os.chdir(cwd)
    try:
        r = CliRunner().invoke(app, shlex.split(cmd)[1:], env=ENV)
    finally:
        os.chdir(old)
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        return 99, r.output + "".join(traceback.format_exception(r.exception))
    return r.exit_code, r.output


def _help(cmd: str, cwd: Path) -> str:
    words = _code(cmd).split()
    if len(words) > 2 and words[1] == "--lang":  # an option of ghginv itself, before the command
        words = [words[0], *words[3:]]
    path = words[1:3] if len(words) > 2 and words[1] == "factors" else words[1:2]
    code, out = _run("ghginv " + " ".join(path) + " --help", cwd)
    assert code == 0, out
    return out


def _options_in_help(cmd: str, ws: Path, where: str) -> None:
    code = re.sub(r"^ghginv --lang \S+ ", "ghginv ", _code(cmd))  # ghginv's own option (in ghginv --help)
    if not code.startswith("ghginv "):
        return
    text = _help(code, ws)
    missing = [o for o in re.findall(r"(?<![\w-])--[a-z][a-z-]*", code) if o not in text]
    assert not missing, f"{where}: {cmd!r} names option(s) {missing} that `--help` does not list"


def _check_static(block: Block, ws: Path) -> None:
    """Every block: TOML parses, the CSV is well formed, Python compiles, every ``ghginv`` line
    (synopses too) names a command and options its ``--help`` lists."""
    k, where = kind(block), f"{block.doc} line {block.line}"
    if k == "toml":
        tomllib.loads("\n".join(block.lines))
    elif k == "csv":
        rows = [x.split(",") for x in block.lines if x.strip()]
        assert len({len(r) for r in rows}) == 1, f"{where}: rows of different lengths"
        assert not [f for r in rows for f in r if "#" in f], f"{where}: a '# comment' in a CSV is a value when the file is pasted"
    elif k == "python":
        compile("\n".join(block.lines), where, "exec")
    elif k in ("shell", "session"):
        for cmd in commands(block):
            _options_in_help(cmd, ws, where)


def _check_run(block: Block, ws: Path) -> None:
    k, where = kind(block), f"{block.doc} line {block.line}"
    if k == "csv" and block.first.startswith("scenario,"):
        (ws / "scenarios.csv").write_text("\n".join(block.lines) + "\n", encoding="utf-8")
        code, out = _run("ghginv recompute out/demo --scenarios scenarios.csv --out scenarios.parquet", ws)
        assert code == 0, f"{where}: the scenario file: {out[-3000:]}"
    elif k == "python":
        old = Path.cwd()
        os.chdir(ws)
        try:
            exec(compile("\n".join(block.lines), where, "exec"), {"__name__": "__readme__"})
        finally:
            os.chdir(old)
    elif k in ("shell", "session"):
        for cmd in commands(block):
            code = runnable(cmd)
            if code is None:
                continue  # a synopsis: checked by _check_static
            status, out = _run(code, ws)
            bare = re.sub(r"^ghginv --lang \S+ ", "ghginv ", code)
            codes = next((v for s, v in EXIT_CODES.items() if bare.startswith(s)), {0})
            assert status in codes, f"{where}: `{code}` exited {status}:\n{out[-3000:]}"


CODE = [b for b in BLOCKS if kind(b) not in ("not_run", "text")]


@pytest.mark.parametrize("block", CODE, ids=[f"{b.doc}:L{b.line}-{kind(b)}" for b in CODE])
def test_readme_block_is_well_formed(block: Block, workspace):
    _check_static(block, workspace)


@pytest.mark.parametrize("command", [["compile"], ["recompute"], ["validate"]])
def test_readme_names_every_option(command, workspace):
    """Every option of these commands is named in the prose of the README or the site's guides
    (``--base-year`` was missing); the generated command reference does not count."""
    text = "\n".join(d.read_text(encoding="utf-8") for d in DOCUMENTS)
    options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", _help("ghginv " + " ".join(command), workspace))) - {"--help"}
    missing = sorted(o for o in options if not re.search(re.escape(o) + r"(?![\w-])", text))
    assert not missing, f"ghginv {' '.join(command)}: option(s) {missing} are not in README.md or the site's pages"


def test_every_not_run_entry_matches_a_block():
    """An entry of NOT_RUN that no longer matches any block is stale (the block moved or changed)."""
    firsts = [b.first for b in BLOCKS]
    stale = [k for k in NOT_RUN if not any(f.startswith(k) for f in firsts)]
    assert stale == [], f"NOT_RUN entries that match no block of README.md or the site: {stale}"


def test_readme_walkthrough_is_the_guides():
    """The README's four-command ledger walkthrough is the block of docs/guides/import.md marked
    ``<!-- ledger-walkthrough -->`` (the one the reliability test runs), command for command."""
    marked = re.search(r"<!-- ledger-walkthrough -->\s*```sh\n(.*?)```", (DOCS / "guides" / "import.md").read_text(encoding="utf-8"), re.S)
    assert marked, "docs/guides/import.md lost its marked walkthrough block"
    readme = next(b for b in BLOCKS if b.doc == "README.md" and b.first.startswith("python ledgers/make_synthetic_enterprises.py"))
    assert [x.strip() for x in readme.lines if x.strip()] == [x.strip() for x in marked.group(1).splitlines() if x.strip()]


def test_every_page_is_run_or_listed():
    """A page added to docs/ has its blocks run, or says here why not."""
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if "_build" not in p.parts}
    run = {d.relative_to(DOCS).as_posix() for d in DOCUMENTS if d != README}
    assert sorted(pages - run - set(PAGES_NOT_RUN)) == [], "pages of docs/ neither run nor listed in PAGES_NOT_RUN"
    assert sorted((run | set(PAGES_NOT_RUN)) - pages) == [], "DOCUMENTS or PAGES_NOT_RUN name a page that does not exist"


def test_readme_runs_in_order(workspace):
    """Every block, in document order (later blocks use the run folders earlier ones write)."""
    for block in CODE:
        _check_run(block, workspace)
    written = ["out/demo/manifest.json", "out/demo_ar6/manifest.json", "out/demo_new/manifest.json", "out/demo/uncertainty.parquet",
               "out/demo_ar6/recalculation.parquet", "recalc.html", "changes.csv", "scenarios.parquet",
               "out/qingyang_synthetic/report.html", "out/sinks/manifest.json",
               # the yearly workflow (docs/guides/workflow.md) and its Chinese page
               "activity/enterprise_205_1_2023.parquet", "activity/balance_2023.parquet", "out/balance_2023/manifest.json",
               "out/qingyang_2024/inventory.xlsx", "activity/enterprise_205_1_2023.provenance.parquet",
               # the import, reports and targets guides
               "activity_205_1.provenance.parquet", "out/qingyang_zh/inventory.xlsx", "out/qingyang_zh_economy/targets.parquet"]
    assert [f for f in written if not (workspace / f).is_file()] == []
