# ghginv — two commands on a fresh machine (Python 3.11+, pip, make):
#   make demo   compile the bundled synthetic demo inventory (ghginv/data/demo/, what `ghginv demo` writes), in Chinese
#   make test   run the test-suite (last step: the wheel, built and installed into a fresh venv)
#   make serve  the web app over the demo workspace (out/demo-workspace), in a browser
#   make docs   build the documentation site into docs/_build/html
# Both create .venv and install ghginv into it first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo serve docs test test-all test-nojit bench bench-large lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,web]'
	$(BIN)/python -m compileall -q ghginv    # the bytecode an installed wheel has (also with PYTHONDONTWRITEBYTECODE set)
	touch $(STAMP)

# the district's deliverables in Chinese: the summary, report.html and inventory.xlsx (--lang en for English)
demo: $(STAMP)
	$(BIN)/ghginv --lang zh compile ghginv/data/demo/qingyang_synthetic.toml --out out/qingyang_synthetic

# the web app over the demo workspace (ghginv demo writes it into out/demo-workspace and compiles it); opens a browser if there is one
serve: $(STAMP)
	test -f out/demo-workspace/out/qingyang_synthetic/manifest.json || $(BIN)/ghginv demo out/demo-workspace --quiet
	$(BIN)/ghginv serve out/demo-workspace

# warnings are errors (a broken reference fails), as in tests/integration/test_docs_build.py
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -n -q -b html docs docs/_build/html
	@echo "open docs/_build/html/index.html"

test: $(STAMP)
	@test -x /usr/bin/chromium || echo "note: /usr/bin/chromium is not installed: the browser tests (pytest -m browser) are skipped; apt-get install chromium fonts-noto-cjk poppler-utils (.ci/run does)"
	$(BIN)/python -m pytest -q
	NUMBA_DISABLE_JIT=1 $(BIN)/python -m pytest -q -m nojit
	$(BIN)/python -m pytest -q -m wheel    # build the wheel + sdist, install into a fresh venv, run there

test-all: $(STAMP)
	$(BIN)/python -m pytest -q -m ''

# benchmarks/README.md: synthetic data are generated into benchmarks/data/ on first use
bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks -q -s --benchmark-only -m 'not large'

bench-large: $(STAMP)
	$(BIN)/python -m pytest benchmarks -q -s --benchmark-only -m large

clean:
	rm -rf out .pytest_cache .hypothesis docs/_build
