"""Benchmark fixtures: synthetic data per size (generated once into benchmarks/data/)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def pytest_configure(config):
    config._bench_started = time.time()  # results written after this are this session's (pytest_terminal_summary)
    config.addinivalue_line("markers", "large: 100 M and 300 M rows, and the 1.19 M-cell recompute cube (minutes, GBs of disk); run with -m large")
    # every measured process loads ghginv's modules from their bytecode, as an installed package does
    # (pip compiles a wheel's modules when it installs them): with PYTHONDONTWRITEBYTECODE set, as on
    # some CI machines, a source checkout would otherwise compile all of ghginv's ~150 modules again in
    # every fresh interpreter (about 0.25 s of each whole-process figure)
    import compileall

    compileall.compile_dir(HERE.parent / "ghginv", quiet=1)


@pytest.fixture(scope="session")
def bench_data():
    """size -> (activity folder, factor-set folders), generating the data on first use."""
    import generate

    cache = {}

    def get(size: str):
        if size not in cache:
            cache[size] = generate.ensure(size)
        return cache[size]

    return get


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """After a session that wrote figures (``make bench``, ``make bench-large``): the benchmark table of
    benchmarks/README.md rendered from every file in ``benchmarks/results/`` (:func:`table.session_table`), printed and
    written to ``benchmarks/results/table.md``; the figures of earlier sessions are marked so. A table that cannot be
    made is a warning, never a failed session."""
    from datetime import UTC, datetime

    import table

    started = getattr(config, "_bench_started", None)
    if started is None:
        return
    try:
        text = table.session_table(table.RESULTS, datetime.fromtimestamp(started, UTC))
    except Exception as e:  # noqa: BLE001 - the measurements are done and saved; only their summary failed
        terminalreporter.write_line(f"warning: the benchmark table could not be made ({type(e).__name__}: {e}); "
                                    f"`python benchmarks/table.py` renders it from {table.RESULTS}")
        return
    if text is None:
        return
    terminalreporter.write_sep("=", f"benchmark table (also in {table.RESULTS / 'table.md'})")
    for line in text.splitlines():
        terminalreporter.write_line(line)
