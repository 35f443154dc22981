"""The roll-up's positions as int32 where they fit (:func:`ghginv.pipeline.aggregate._rollup`, issue 20): the same
rolled rows, bit for bit, the same int64 CSR index and the same codes as the int64 roll-up it replaced (kept here as
the reference), on random emission rows, also from int32 codes (the recalculation's: :func:`ghginv.rerun.recalc.
_group_sum_coded`); ``keep_index=False`` the same rows without the index; and the branch for keys too wide to pack.
The recalculation's summed rows with int32 codes give the same table as with int64 codes."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.core import categories
from ghginv.core._frames import combine_codes, encode, rank_codes
from ghginv.pipeline import aggregate as ag

SECTORS = ("1.A.1.a", "1.A.2.c", "1.A.3.b", "1.A.4.a", "1.A.4.b", "2.A.1", "1.B.2.b", "1.A.3.d.i", "4.A", "3.A.1", "XX")
GASES = ("CO2", "CH4", "N2O", "HFC-134a")


def _reference_rollup(emissions: pl.DataFrame, values: tuple[str, ...], enc: dict | None = None,
                      strings: bool = True) -> tuple[pl.DataFrame, tuple, dict]:
    """The roll-up as it was with int64 positions throughout (ghginv 7dfd085), kept as the reference."""
    year = rank_codes(emissions["year"])
    enc = enc or {k: encode(emissions[k]) for k in ("region", "scope", "sector", "gas")}
    order1, change1 = ag._groups([year, enc["region"][1], enc["scope"][1], enc["sector"][1], enc["gas"][1]])
    starts1 = np.flatnonzero(change1)
    first1 = order1[starts1]
    # each sector adds into TOTAL and into each of its ancestors (itself included)
    sectors = enc["sector"][0]
    chains = [["TOTAL", *categories.ancestors(s)] for s in sectors]
    cats = sorted({c for ch in chains for c in ch})
    at = {c: i for i, c in enumerate(cats)}
    n_anc = np.array([len(ch) for ch in chains], np.int64)
    offset = np.zeros(len(chains) + 1, np.int64)
    np.cumsum(n_anc, out=offset[1:])
    flat = np.array([at[c] for ch in chains for c in ch], np.int64)
    sec = enc["sector"][1][first1]
    rep = n_anc[sec]
    src = np.repeat(np.arange(first1.size, dtype=np.int64), rep)
    # the k-th expanded row of a group takes the k-th category of its sector's chain: flat[offset[sector] + k],
    # k = the row's position minus the group's first expanded row (one repeat of a per-group shift)
    at_chain = np.repeat(offset[sec] - (np.cumsum(rep) - rep), rep)
    at_chain += np.arange(src.size, dtype=np.int64)
    cat = flat[at_chain]
    at_chain = None
    # the expanded rows' keys: (year, region, scope) as one int64 per group (its order is theirs), category, gas;
    # packed into one int64 per group without the category, then per expanded row plus its category (one gather and
    # one multiply-add per expanded row; the packing keeps the order and the equality of the key tuples)
    prefix = combine_codes([year, enc["region"][1], enc["scope"][1]])
    n_gas = len(enc["gas"][0]) + 1  # gas codes 0..len(values), the last for null
    if prefix is not None and prefix.size and (int(prefix.max()) + 1) * len(cats) * n_gas < 1 << 62:
        base = prefix[first1] * (len(cats) * n_gas) + enc["gas"][1][first1]
        key2 = base[src]
        key2 += cat * n_gas
        order2, change2 = ag._groups_of(key2)
        key2 = base = None
    else:
        if prefix is None:  # too wide for one int64: each column
            row = first1[src]  # an emission row with the expanded row's keys
            keys2 = [year[row], enc["region"][1][row], enc["scope"][1][row], cat, enc["gas"][1][row]]
        else:
            keys2 = [prefix[first1][src], cat, enc["gas"][1][first1][src]]
        order2, change2 = ag._groups(keys2)
        keys2 = None
    starts2 = np.flatnonzero(change2)
    src2 = src[order2]
    g_row, g_cat = first1[src2[starts2]], cat[order2[starts2]]
    level = np.array([0 if c == "TOTAL" else categories.level(c) for c in cats], np.int8)
    from ghginv.pipeline.sums import rolled_sums, rolled_sums2

    index = (order1, np.append(starts1, order1.size), src2, np.append(starts2, src2.size))  # CSR bounds
    if len(values) == 2:  # both in one pass over the positions (the kernel a recompute runs: the same bits)
        sums = list(rolled_sums2(emissions[values[0]].to_numpy(), emissions[values[1]].to_numpy(), *index))
    else:
        sums = [rolled_sums(emissions[v].to_numpy(), *index) for v in values]
    codes = {"region": (enc["region"][0], enc["region"][1][g_row]), "scope": (enc["scope"][0], enc["scope"][1][g_row]),
             "category": (cats, g_cat), "gas": (enc["gas"][0], enc["gas"][1][g_row])}
    rolled = pl.DataFrame([
        emissions["year"].gather(g_row),
        *(ag._from_codes(k, *codes[k]) for k in ("region", "scope", "category") if strings),
        pl.Series("level", level[g_cat], pl.Int8),
        *([ag._from_codes("gas", *codes["gas"])] if strings else []),
        *(pl.Series(v, x, pl.Float64) for v, x in zip(values, sums)),
    ])
    return rolled, index, codes


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
