"""Benchmark fixtures: synthetic data per size (generated once into benchmarks/data/)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def pytest_configure(config):
    config.addinivalue_line("markers", "large: 100 M and 300 M rows, and the 1.19 M-cell recompute cube (minutes, GBs of disk); run with -m large")


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
