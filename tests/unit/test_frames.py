"""Integer-coded keys (ghginv.core._frames) and the output writer pool (ghginv.runfolder.write_files).

Hand-derived expectations: codes follow the sorted order of the distinct values (nulls last),
``dense_ids`` numbers key tuples in sorted order, and ``write_files`` returns each file's sha256
in the order given and raises a writer's error.
"""

from __future__ import annotations

import hashlib

import numpy as np
import polars as pl
import pytest

from ghginv.core._frames import dense_ids, encode, encode_shared, group_sum, narrow_codes
from ghginv.runfolder import write_files


def test_encode_codes_follow_sorted_values_and_nulls_come_last():
    values, codes = encode(pl.Series(["b", None, "a", "b", "Z"]))
    assert values == ["Z", "a", "b"]  # code-point order: upper case first
    assert codes.tolist() == [2, 3, 1, 2, 0]


def test_encode_shared_gives_equal_strings_equal_codes():
    a, b = encode_shared([pl.Series(["x", "y", "x"]), pl.Series(["y", "w", None])])
    assert a.tolist() == [1, 2, 1]  # vocabulary w, x, y
    assert b.tolist() == [2, 0, 3]  # null after the last value


def test_dense_ids_number_key_tuples_in_sorted_order():
    year = np.array([2021, 2020, 2021, 2020, 2021])
    region = np.array([1, 5, 0, 5, 1])
    ids, first = dense_ids([year, region])
    # tuples (2020,5) (2021,0) (2021,1) -> ids 0, 1, 2; first rows 1, 2, 0
    assert ids.tolist() == [2, 0, 1, 0, 2]
    assert first.tolist() == [1, 2, 0]


def test_dense_ids_with_keys_too_wide_for_one_integer():
    big = np.array([0, 1 << 40, 0, 1 << 40])
    ids, first = dense_ids([big, big, np.array([3, 2, 3, 1])])
    assert ids.tolist() == [0, 2, 0, 1]
    assert first.tolist() == [0, 3, 1]


def test_group_sum_adds_in_row_order_per_sorted_key():
    df = pl.DataFrame({"k": ["b", "a", "b", "a"], "v": [1.0, 2.0, 0.5, 0.25]})
    out = group_sum(df, ["k"], ["v"])
    assert out["k"].to_list() == ["a", "b"]
    assert out["v"].to_list() == [2.25, 1.5]


def test_write_files_returns_hashes_in_order(tmp_path):
    frames = {f"f{i}.csv": pl.DataFrame({"x": list(range(i + 1))}) for i in range(5)}
    hashes = write_files(tmp_path, {n: (lambda p, df=df: df.write_csv(p)) for n, df in frames.items()})
    assert list(hashes) == list(frames)
    for name, digest in hashes.items():
        assert digest == "sha256:" + hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()


def test_write_files_raises_a_writers_error(tmp_path):
    def fail(p):
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space"):
        write_files(tmp_path, {"a.csv": lambda p: p.write_text("a"), "b.csv": fail, "c.csv": lambda p: p.write_text("c")})


def _arrow_encode(col: pl.Series):
    """``encode`` as it was for long columns: pyarrow's dictionary encoding, its values ranked in Python."""
    import numpy as np
    import pyarrow.compute as pc

    arr = col.cast(pl.String).rechunk().to_arrow()
    if hasattr(arr, "combine_chunks"):
        arr = arr.combine_chunks()
    d = pc.dictionary_encode(arr)
    values = d.dictionary.to_pylist()
    perm = np.argsort(np.array(values, dtype=object), kind="stable") if values else np.zeros(0, np.int64)
    rank = np.empty(len(values) + 1, np.int64)
    rank[perm] = np.arange(len(values))
    rank[-1] = len(values)
    ind = d.indices
    return [values[i] for i in perm], rank[(pc.fill_null(ind, len(values)) if ind.null_count else ind).to_numpy(zero_copy_only=False)]


@pytest.mark.parametrize("dtype", [pl.String, pl.Categorical, pl.Int64])
def test_encode_small_path_equals_the_arrow_path(dtype):
    """The Python encoding of short columns gives the values and codes of the long columns' path (a cast
    to an Enum of the sorted values) and of pyarrow's dictionary encoding (that path before), for
    code-point order beyond ASCII, empty strings and nulls."""
    import random

    from ghginv.core import _frames

    rng = random.Random(20)
    alphabet = ["a", "B", "é", "中", "\x00", " ", "", "1", "\U0001f600", "\uffff"]
    cols = [pl.Series([], dtype=pl.String), pl.Series([None, None], dtype=pl.String)]
    for _ in range(60):
        n = rng.randint(1, 40)
        cols.append(pl.Series([None if rng.random() < 0.15 else "".join(rng.choices(alphabet, k=rng.randint(0, 3))) for _ in range(n)], dtype=pl.String))
    checked = 0
    for col in cols:
        if dtype == pl.Int64:
            col = col.str.len_chars().cast(pl.Int64) * 7 - 10
        else:
            col = col.cast(dtype)
        small_values, small_codes = _frames._encode_small(col)
        saved = _frames._SMALL_ENCODE
        _frames._SMALL_ENCODE = -1  # every column the long columns' way
        try:
            values, codes = encode(col)
        finally:
            _frames._SMALL_ENCODE = saved
        arrow_values, arrow_codes = _arrow_encode(col)
        assert small_values == values == arrow_values
        assert small_codes.dtype == codes.dtype == np.int64
        assert small_codes.tolist() == codes.tolist() == arrow_codes.tolist()
        checked += 1
    assert checked == len(cols)


def test_argsort_stable_radix_is_numpys_stable_order():
    # keys below 2**16 in one uint16 radix pass, below 2**32 in two: the permutation of np.argsort(kind="stable")
    import numpy as np

    from ghginv.core._frames import argsort_stable

    rng = np.random.default_rng(7)
    for top in (1, 2, 700, (1 << 16) - 1, 1 << 16, 27_000_000, (1 << 32) - 1, 1 << 40):
        keys = rng.integers(0, top, 50_000, dtype=np.int64) if top > 1 else np.zeros(50_000, np.int64)
        keys[:3] = top - 1 if top > 1 else 0  # the widest key present
        assert np.array_equal(argsort_stable(keys), np.argsort(keys, kind="stable"))
    assert argsort_stable(np.zeros(0, np.int64)).size == 0


def test_encode_picks_its_path_by_length_alone(monkeypatch):
    """Short columns take the Python encoding and long ones the Enum cast, whatever has been imported
    before (``pyarrow.compute`` imported or not): the same codes either way, one path per length."""
    import pyarrow.compute  # noqa: F401 - imported: the choice must not depend on it

    from ghginv.core import _frames

    taken = []
    real = _frames._encode_small
    monkeypatch.setattr(_frames, "_encode_small", lambda col: taken.append(col.len()) or real(col))
    short = pl.Series(["b", None, "a"] * (_frames._SMALL_ENCODE // 3))
    long = pl.Series(["b", None, "a"] * (_frames._SMALL_ENCODE // 3 + 1))
    assert encode(short)[1].tolist() == [1, 2, 0] * (_frames._SMALL_ENCODE // 3)
    assert encode(long)[0] == ["a", "b"] and encode(long)[1][:3].tolist() == [1, 2, 0]
    assert taken == [short.len()]  # only the short column went the Python way


def test_encoding_a_long_column_does_not_import_pyarrow_compute():
    """A long column is encoded by polars (an Enum cast): ``pyarrow.compute`` (~0.04 s to import) stays unloaded."""
    import subprocess
    import sys

    code = ("import sys, polars as pl; from ghginv.core._frames import encode; "
            "v, c = encode(pl.Series(['b', None, 'a', 'é'] * 5000)); "
            "assert v == ['a', 'b', 'é'] and c[:4].tolist() == [1, 3, 0, 2], (v, c[:4]); "
            "print('pyarrow.compute' in sys.modules)")
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]  # this checkout's ghginv
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root)
    assert out.stdout.strip() == "False"


def test_sum_by_names_expressions_nulls_lazy_empty():
    from ghginv.core._frames import sum_by

    df = pl.DataFrame({"g": ["b", "a", "b", None, "a"], "x": [1.0, None, 2.0, 4.0, None], "y": [1, 2, 3, 4, 5]})
    out = sum_by(df, ["g"], ["x", (pl.col("y") * 2).alias("y2")])
    assert out.schema == pl.Schema({"g": pl.String, "x": pl.Float64, "y2": pl.Float64})
    assert out.rows() == [("a", 0.0, 14.0), ("b", 3.0, 8.0), (None, 4.0, 8.0)]  # sorted, nulls last; nulls add nothing
    assert sum_by(df, ["g"], ["x"], maintain_order=True)["g"].to_list() == ["b", "a", None]  # first appearance
    assert sum_by(df.lazy(), [pl.col("g").fill_null("z").alias("k")], ["x"]).rows() == [("a", 0.0), ("b", 3.0), ("z", 4.0)]
    empty = sum_by(df.clear().lazy(), ["g"], ["x", "y"])
    assert empty.height == 0 and empty.schema == pl.Schema({"g": pl.String, "x": pl.Float64, "y": pl.Float64})
    assert sum_by(df, "g", "x").equals(sum_by(df, ["g"], ["x"]))  # one name, as polars' group_by("g") takes it
    assert sum_by(df, pl.col("g"), pl.col("x")).equals(sum_by(df, ["g"], ["x"]))
    with pytest.raises(ValueError, match="at least one key"):
        sum_by(df, [], ["x"])


def test_sum_by_same_bits_where_polars_group_by_differs():
    """sum_by adds each group's rows in table order: equal calls give equal bits, on an eager and a lazy frame,
    and each sum is numpy's in-order sum of the group's rows."""
    from ghginv.core._frames import sum_by

    rng = np.random.default_rng(1)
    n = 3000
    df = pl.DataFrame({"g": rng.integers(0, 20, n).astype(str), "v": rng.lognormal(8, 3, n)})
    first = sum_by(df, ["g"], ["v"])
    for _ in range(9):
        assert sum_by(df, ["g"], ["v"]).equals(first)
        assert sum_by(df.lazy(), ["g"], ["v"]).equals(first)
    g, v = df["g"].to_numpy(), df["v"].to_numpy()
    for key, total in first.iter_rows():
        assert total == np.add.reduceat(v[g == key], [0])[0]
    ref = df.group_by("g").agg(pl.col("v").sum()).sort("g")
    assert np.allclose(first["v"].to_numpy(), ref["v"].to_numpy(), rtol=1e-12)


@pytest.mark.parametrize(("n_values", "dtype"), [(0, np.uint8), (1, np.uint8), (255, np.uint8), (256, np.uint16),
                                                 (65_535, np.uint16), (65_536, np.uint32)])
def test_narrow_codes_takes_the_smallest_unsigned_type_that_holds_the_null_code(n_values, dtype):
    # the null code is len(values): it must fit too (255 values: codes 0..255, one byte)
    values = [f"v{i:06d}" for i in range(n_values)]
    codes = np.array([0, n_values, n_values // 2], np.int64)
    out = narrow_codes(values, codes)
    assert out.dtype == dtype
    assert out.tolist() == codes.tolist()


def test_narrow_codes_keeps_encode_s_codes():
    rng = np.random.default_rng(7)
    col = pl.Series("r", [None if x == 0 else f"region {x:04d}" for x in rng.integers(0, 400, 5_000)])
    values, codes = encode(col)
    narrow = narrow_codes(values, codes)
    assert narrow.dtype == np.uint16  # 399 values and the null code
    assert np.array_equal(narrow, codes)
