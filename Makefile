# ghginv — two commands on a fresh machine (Python 3.11+, pip, make):
#   make demo   compile the bundled synthetic demo inventory (ghginv/data/demo/, what `ghginv demo` writes)
#   make test   run the test-suite (last step: the wheel, built and installed into a fresh venv)
# Both create .venv and install ghginv into it first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-all test-nojit bench bench-large lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/ghginv compile ghginv/data/demo/qingyang_synthetic.toml --out out/qingyang_synthetic

test: $(STAMP)
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
	rm -rf out .pytest_cache .hypothesis
