"""Fuzzing with hypothesis: CSV ledgers through ``import`` and Parquet activity files through
``compile``. The only outcomes allowed are a correct result or a GhgInvError with a message that
names the input file — never another exception, a partial output or a non-finite number."""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ghginv
from ghginv.core.errors import GhgInvError
from ghginv.core.units import parse_unit
from ghginv.inputs.importer import import_ledger

from rel_helpers import LONG_MAPPING, csv_bytes, tiny_activity, tiny_set

FUZZ = settings(max_examples=int(os.environ.get("GHGINV_FUZZ_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow,
    HealthCheck.function_scoped_fixture])

cells = st.one_of(
    st.sampled_from(["", "-", "—", "…", "0", "0.00", "1,234.5", "１２３", "(5)", "1e300", "1e400", "nan", "inf", "abc",
                     "天然气", "柴油", "煤油", "吨", "万立方米", "万千瓦时", "桶", "合计", "能源合计", "小计", "其中：柴油",
                     "能源名称", "计量单位", "消费量", " 12 ", "12.5.3", "1,2,3", "'7"]),
    st.integers(-10, 10**9).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=6),
)
grid = st.lists(st.lists(cells, min_size=0, max_size=5), min_size=0, max_size=8)


def _check_import_result(out: Path) -> None:
    df = pl.read_parquet(out)
    assert df.height > 0
    assert set(df["activity"]) <= {"natural_gas", "diesel"}
    for u in df["unit"].unique():
        parse_unit(u)
    amounts = df["amount"].drop_nulls().to_list()
    assert all(math.isfinite(a) and a >= 0 for a in amounts)


@FUZZ
@given(rows=grid, with_header=st.booleans(), encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "gb18030"]))
def test_fuzzed_csv_ledgers_import_cleanly_or_fail_clearly(rows, with_header, encoding):
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        m = d / "m.toml"
        m.write_text(LONG_MAPPING, encoding="utf-8")
        body = ([["能源名称", "计量单位", "消费量"]] if with_header else []) + rows
        try:
            data = csv_bytes(body, encoding)
        except UnicodeEncodeError:
            data = csv_bytes(body, "utf-8")
        led = d / "ledger.csv"
        led.write_bytes(data)
        out = d / "a.parquet"
        try:
            import_ledger(led, m, out)
        except GhgInvError as e:
            assert str(e).strip() and str(led) in str(e)
            assert not out.exists()
            return
        _check_import_result(out)


@FUZZ
@given(data=st.binary(max_size=400))
def test_random_bytes_as_a_csv_ledger(data):
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        m = d / "m.toml"
        m.write_text(LONG_MAPPING, encoding="utf-8")
        led = d / "ledger.csv"
        led.write_bytes(data)
        try:
            import_ledger(led, m, d / "a.parquet")
        except GhgInvError as e:
            assert str(led) in str(e)
            return
        _check_import_result(d / "a.parquet")


amounts = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.none(), st.integers(-5, 10**6).map(float))
strings = st.one_of(st.none(), st.sampled_from(["natural_gas", "diesel", "natual_gas", "", " ", "1.A.4.b", "1.A.2.c", "9.Z",
                                                "t", "kg", "万吨", "10^4 m^3", "bbl", "NE", "NO", "XX", "510105"]), st.text(max_size=5))


@st.composite
def activity_tables(draw):
    n = draw(st.integers(0, 6))
    cols = {
        "year": pa.array([draw(st.one_of(st.none(), st.integers(1800, 2300), st.just(2022))) for _ in range(n)], pa.int64()),
        "region": pa.array([draw(strings) for _ in range(n)], pa.string()),
        "sector": pa.array([draw(st.one_of(st.just("1.A.4.b"), strings)) for _ in range(n)], pa.string()),
        "activity": pa.array([draw(st.one_of(st.just("natural_gas"), strings)) for _ in range(n)], pa.string()),
        "amount": pa.array([draw(amounts) for _ in range(n)], pa.float64()),
        "unit": pa.array([draw(st.one_of(st.just("t"), strings)) for _ in range(n)], pa.string()),
    }
    if draw(st.booleans()):
        cols["notation_key"] = pa.array([draw(strings) for _ in range(n)], pa.string())
    drop = draw(st.sets(st.sampled_from(sorted(cols)), max_size=1))
    return pa.table({k: v for k, v in cols.items() if k not in drop})


def _compile_or_clean_error(act: Path, sets: Path, out: Path) -> None:
    try:
        res = ghginv.compile_inventory(activity=[str(act)], factors=[str(sets)], gwp="AR5GWP100", out=out)
    except GhgInvError as e:
        assert str(e).strip()
        assert not out.exists()
        return
    em = res.emissions
    assert em["emissions_t"].is_finite().all() and em["co2e_t"].is_finite().all()
    assert (out / "manifest.json").is_file()
    assert res.checks["input_equals_cube"]["ok"] and res.checks["rollup"]["ok"]


@FUZZ
@given(table=activity_tables())
def test_fuzzed_parquet_compiles_or_fails_clearly(table):
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        act = d / "act.parquet"
        pq.write_table(table, act)
        _compile_or_clean_error(act, tiny_set(d / "t_set"), d / "out")


@FUZZ
@given(cuts=st.lists(st.tuples(st.integers(0, 10**6), st.binary(min_size=1, max_size=8)), min_size=1, max_size=4),
       truncate=st.one_of(st.none(), st.integers(0, 10**6)))
def test_damaged_parquet_bytes(cuts, truncate):
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        act = tiny_activity(d / "act.parquet")
        data = bytearray(act.read_bytes())
        for pos, junk in cuts:
            pos %= len(data)
            data[pos:pos + len(junk)] = junk
        if truncate is not None:
            data = data[: truncate % (len(data) + 1)]
        act.write_bytes(bytes(data))
        _compile_or_clean_error(act, tiny_set(d / "t_set"), d / "out")
