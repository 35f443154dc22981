"""The precedence query is asked once per process for equal inputs
(:func:`ghginv.factors.resolve._run_sql`): a second call with equal cells, rules and fallback gives
the same frame without DuckDB; a call that differs in any of the three asks DuckDB again."""

from __future__ import annotations

import importlib
from contextlib import contextmanager

import pyarrow as pa
import pytest

R = importlib.import_module("ghginv.factors.resolve")


def _tables(year: int = 2020):
    cells = pa.table(
        {
            "cell_id": pa.array([0, 1], pa.int64()),
            "year": pa.array([year, year], pa.int32()),
            "region": ["510105", "510106"],
            "sector": ["1.A.1.a", "1.A.2"],
            "activity": ["coal", "coal"],
        }
    )
    rules = pa.table(
        {
            "rule_id": pa.array([0, 1], pa.int64()),
            "set_rank": pa.array([0, 0], pa.int32()),
            "kind": ["ef", "ef"],
            "activity": ["coal", "coal"],
            "key": ["CO2", "CO2"],
            "sector_prefix": ["*", "1.A.1.a"],
            "sector_spec": pa.array([0, 1000], pa.int32()),
            "region_prefix": ["*", "*"],
            "region_spec": pa.array([0, 0], pa.int32()),
            "year_from": pa.array([2000, 2000], pa.int32()),
            "year_to": pa.array([2030, 2030], pa.int32()),
        }
    )
    return cells, rules


def test_equal_inputs_are_answered_without_duckdb(monkeypatch):
    monkeypatch.setattr(R, "_ANSWERS", [])
    cells, rules = _tables()
    first = R._run_sql(cells, rules, False)
    assert first.height == 2 and first["rule_id"].to_list() == [1, 0]  # the exact sector wins for cell 0

    asked = []
    real = importlib.import_module("ghginv.factors._duck").connection

    @contextmanager
    def counting():
        asked.append(1)
        with real() as con:
            yield con

    monkeypatch.setattr(importlib.import_module("ghginv.factors._duck"), "connection", counting)
    again = R._run_sql(*_tables(), False)  # equal tables, new objects
    assert again.equals(first) and again.schema == first.schema
    assert asked == []
    other_year = R._run_sql(*_tables(2021), False)
    assert other_year["factor_year"].to_list() == [2021, 2021] and asked == [1]  # asked again: the cells differ
    R._run_sql(cells, rules, True)
    assert asked == [1, 1]  # the fallback differs


@pytest.mark.parametrize("n", [R._ANSWERS_MAX_ROWS])
def test_large_queries_are_not_kept(monkeypatch, n):
    monkeypatch.setattr(R, "_ANSWERS", [])
    cells = pa.table(
        {"cell_id": pa.array(range(n), pa.int64()), "year": pa.array([2020] * n, pa.int32()), "region": ["r"] * n, "sector": ["1"] * n, "activity": ["x"] * n}
    )
    R._run_sql(cells, _tables()[1], False)
    assert R._ANSWERS == []
