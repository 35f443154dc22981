"""The roll-up's positions as int32 where they fit (:func:`ghginv.pipeline.aggregate._rollup`, issue 20): the same
rolled rows, bit for bit, the same int64 CSR index and the same codes as with int64 positions throughout (the
roll-up's int32 threshold set to 0), on random emission rows, also from int32 codes (the recalculation's: :func:`ghginv.rerun.recalc.
_group_sum_coded`); ``keep_index=False`` the same rows without the index; and the branch for keys too wide to pack.
The recalculation's summed rows with int32 codes give the same table as with int64 codes."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.core._frames import combine_codes, encode
from ghginv.pipeline import aggregate as ag

SECTORS = ("1.A.1.a", "1.A.2.c", "1.A.3.b", "1.A.4.a", "1.A.4.b", "2.A.1", "1.B.2.b", "1.A.3.d.i", "4.A", "3.A.1", "XX")
GASES = ("CO2", "CH4", "N2O", "HFC-134a")


def _reference_rollup(emissions: pl.DataFrame, values: tuple[str, ...], enc: dict | None = None,
                      strings: bool = True) -> tuple[pl.DataFrame, tuple, dict]:
    """The roll-up with int64 positions throughout (as before the int32 positions): the same function with its
    int32 threshold at 0 rows."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ag, "_INT32_ROWS", 0)
        return ag._rollup(emissions, values, enc, strings=strings)


def _emissions(seed: int, n: int, nulls: bool) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    regions = [f"51{i:04d}" for i in range(int(rng.integers(1, 40)))]
    emissions_t = rng.random(n) * 10.0 ** rng.integers(-3, 6, n)
    gas = rng.choice(GASES, n).tolist()
    if nulls and n:
        gas[int(rng.integers(0, n))] = None
    return pl.DataFrame({
        "year": pl.Series(rng.integers(2015, 2024, n), dtype=pl.Int32),
        "region": rng.choice(regions, n),
        "scope": rng.choice(["direct", "indirect", "memo"], n, p=[0.7, 0.2, 0.1]),
        "sector": rng.choice(SECTORS, n),
        "gas": pl.Series(gas, dtype=pl.String),
        "emissions_t": emissions_t,
        "co2e_t": emissions_t * rng.choice([1.0, 28.0, 265.0], n),
        "e2": -emissions_t,
    })


def _same(got, want) -> None:
    (rolled, index, codes), (rolled0, index0, codes0) = got, want
    assert rolled.equals(rolled0, null_equal=True) and rolled.schema == rolled0.schema
    if index is not None:
        for a, b in zip(index, index0, strict=True):
            assert a.dtype == b.dtype == np.int64 and np.array_equal(a, b)
    assert codes.keys() == codes0.keys()
    for k in codes0:
        assert list(codes[k][0]) == list(codes0[k][0])
        assert codes[k][1].dtype == codes0[k][1].dtype and np.array_equal(codes[k][1], codes0[k][1]), k


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 3000), nulls=st.booleans(),
       values=st.sampled_from([("emissions_t", "co2e_t"), ("co2e_t",), ("emissions_t", "co2e_t", "e2")]),
       strings=st.booleans(), given_enc=st.sampled_from([None, np.int64, np.int32]))
def test_the_int32_positions_give_the_int64_rollup(seed, n, nulls, values, strings, given_enc):
    """Also with the caller's codes, as int64 (the inventory stage's) or int32 (the recalculation's): the
    same rows, index and category codes (the other codes in the caller's type)."""
    em = _emissions(seed, n, nulls)
    enc = {k: encode(em[k]) for k in ("region", "scope", "sector", "gas")} if given_enc else None
    want = _reference_rollup(em, values, enc, strings=strings)
    if given_enc is np.int32:
        enc = {k: (v, c.astype(np.int32)) for k, (v, c) in enc.items()}
        want = (want[0], want[1], {k: (v, c if k == "category" else c.astype(np.int32)) for k, (v, c) in want[2].items()})
    _same(ag._rollup(em, values, enc, strings=strings), want)
    rolled, index, codes = ag._rollup(em, values, enc, strings=strings, keep_index=False)
    assert index is None
    _same((rolled, None, codes), want)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 2000))
def test_keys_too_wide_to_pack_give_the_same_rollup(seed, n):
    """(year, region, scope) too wide for one int64 (``combine_codes`` gives None): the expanded rows are
    sorted by each key column; the same rows, index and codes."""
    em = _emissions(seed, n, nulls=False)
    want = _reference_rollup(em, ("emissions_t", "co2e_t"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ag, "combine_codes", lambda codes: None if len(codes) == 3 else combine_codes(codes))
        got = ag._rollup(em, ("emissions_t", "co2e_t"))
    _same(got, want)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 2000))
def test_the_recalculation_codes_are_int32_of_encode(seed, n):
    """:func:`ghginv.rerun.recalc._group_sum_coded`: the summed rows' codes are ``encode``'s of the summed rows'
    strings (int32), for the four columns the roll-up reads."""
    from ghginv.rerun.recalc import KEYS, _group_sum_coded

    em = _emissions(seed, n, nulls=True).with_columns(activity=pl.lit("coal"))
    out, coded = _group_sum_coded(em, ["co2e_t"], keep=None)
    assert set(coded) == {"region", "scope", "sector", "gas"}
    for k, (values, c) in coded.items():
        assert c.dtype == np.int32 and c.shape == (out.height,)
        assert pl.Series([*values, None], dtype=pl.String).gather(c).equals(out[k], null_equal=True)
    assert out.columns == [*KEYS, "co2e_t"]
