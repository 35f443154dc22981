"""The emission rows' atoms (``ghginv.report._atoms``): the report's level-3 groups, the five-sector table and the
provincial tables' atoms computed from them equal what the row-by-row paths give (the same frames, the same bits),
on random emission frames with nulls, negative values, memo scopes, bunkers and Montreal gases."""

from __future__ import annotations

import math
from contextlib import contextmanager

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import ghginv.report._atoms as atoms_mod
from ghginv.report._atoms import emission_atoms, frame_atoms
from ghginv.report.data import ReportData
from ghginv.report.provincial import _EnergyGroups, _Rows, class_map
from ghginv.report.xlsx import provincial_table

SECTORS = ["1.A.1.a", "1.A.2.e", "1.A.3.a.i", "1.A.3.d.i", "1.A.4.b", "2.C.1", "2.F.1", "3.A.1", "3.B.1.a", "4.A", None]
GASES = ["CO2", "CH4", "N2O", "HFC-134a", "CFC-11", "SF6"]  # a null gas is no emission row (gas_family)
SCOPES = ["direct", "indirect", "memo", None]
ACTIVITIES = ["coal", "diesel", "electricity", "wood", None]
CLASSES = {"coal": "fossil", "diesel": "fossil", "electricity": "electricity", "wood": "biomass"}

_KEYS = (st.sampled_from([2019, 2020, 2022]), st.sampled_from(SECTORS), st.sampled_from(GASES), st.sampled_from(SCOPES),
         st.sampled_from(ACTIVITIES))
row = st.tuples(*_KEYS, st.floats(-1e6, 1e9, allow_nan=False, allow_infinity=False), st.one_of(st.none(), st.floats(-1e6, 1e9)))
row_nan = st.tuples(*_KEYS, st.one_of(st.floats(-1e6, 1e9, allow_nan=False, allow_infinity=False), st.just(math.nan)),
                    st.one_of(st.none(), st.floats(-1e6, 1e9), st.just(math.nan)))  # NaN: as polars compares it (above all)


def _frame(rows, with_activity: bool = True) -> pl.DataFrame:
    cols = list(zip(*rows, strict=True)) if rows else [[]] * 7
    df = pl.DataFrame({"year": pl.Series(cols[0], dtype=pl.Int32), "region": ["r"] * len(rows),
                       "sector": pl.Series(cols[1], dtype=pl.String), "activity": pl.Series(cols[4], dtype=pl.String),
                       "gas": pl.Series(cols[2], dtype=pl.String), "emissions_t": pl.Series(cols[5], dtype=pl.Float64),
                       "co2e_t": pl.Series(cols[6], dtype=pl.Float64), "scope": pl.Series(cols[3], dtype=pl.String)})
    return df if with_activity else df.drop("activity")


@contextmanager
def atoms(on: bool):
    """The atoms on (every frame) or off (no frame) inside the block."""
    was = atoms_mod.MIN_ROWS
    atoms_mod.MIN_ROWS = 0 if on else 1 << 62
    try:
        yield
    finally:
        atoms_mod.MIN_ROWS = was


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(row_nan, min_size=1, max_size=120), with_activity=st.booleans())
def test_atoms_give_the_same_tables(rows, with_activity):
    e = _frame(rows, with_activity)
    with atoms(False):
        assert emission_atoms(e) is None
        old_group = ReportData(manifest={}, emissions=e, inventory=e.clear(), factors_used=e.clear()).by_group()
        old_five = provincial_table(e)
        old_rows = _Rows(e, CLASSES)
    with atoms(True):
        a = emission_atoms(e)
        assert a is not None
        new_group = ReportData(manifest={}, emissions=e, inventory=e.clear(), factors_used=e.clear()).by_group()
        new_five = provincial_table(e, a)
        new_rows = _Rows(e, CLASSES)  # finds the atoms itself
        assert _Rows(e, CLASSES, a).fuel_class == new_rows.fuel_class
    # every row's atom holds the row's values
    for c in a.table.columns:
        assert a.table[c].gather(a.ids).equals(e[c])
    assert_frame_equal(new_group, old_group)
    assert_frame_equal(new_five, old_five)
    for k in ("year", "sector", "gas", "scope", "fuel_class", "gas_group", "montreal"):
        assert getattr(new_rows, k) == getattr(old_rows, k), k
    n = len(old_rows.year)
    for which in ("em", "ce"):
        for i in range(n):
            try:
                want = old_rows.fsum(which, [i])
            except (TypeError, ValueError) as err:  # a null or inf - inf: the same error
                with pytest.raises(type(err)):
                    new_rows.fsum(which, [i])
                continue
            got = new_rows.fsum(which, [i])
            assert got == want or (math.isnan(got) and math.isnan(want))
        got, want = getattr(new_rows, which).rows(0), getattr(old_rows, which).rows(0)
        assert len(got) == len(want) and all(x == y or (x != x and y != y) for x, y in zip(got, want))  # NaN: NaN


def test_atoms_fall_back_without_their_columns():
    e = _frame([(2020, "1.A.1.a", "CO2", "direct", "coal", 1.0, 1.0)])
    assert emission_atoms(e.drop("scope"), min_rows=0) is None
    assert emission_atoms(e.with_columns(pl.col("year").cast(pl.Float64)), min_rows=0) is None
    assert emission_atoms(e, min_rows=2) is None  # short frames group their rows as before
    assert emission_atoms(e.clear(), min_rows=0) is None
    a = emission_atoms(e, min_rows=0)
    assert a.table.height == 1 and np.array_equal(a.ids, [0])
    d = ReportData(manifest={}, emissions=e, inventory=e.clear(), factors_used=e.clear())
    with atoms(True):
        assert d.emission_atoms() is d.emission_atoms()  # once per emission frame
        assert d.emission_atoms().table.equals(a.table)


energy_row = st.tuples(st.sampled_from([2019, 2020]), st.sampled_from(["1.A.1.a", "1.A.2.e", "1.A.4.b", None]),
                       st.sampled_from(["coal", "diesel", "electricity", "wood"]), st.sampled_from(["mass", "energy", None]),
                       st.floats(0, 1e9), st.one_of(st.none(), st.floats(0, 1e9)))


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(energy_row, min_size=1, max_size=100))
def test_energy_groups_from_atoms_equal_the_grouped_rows(rows):
    cols = list(zip(*rows, strict=True))
    ea = pl.DataFrame({"year": pl.Series(cols[0], dtype=pl.Int32), "sector": pl.Series(cols[1], dtype=pl.String),
                       "activity": list(cols[2]), "name_en": [a.title() for a in cols[2]],
                       "fuel_class": [CLASSES[a] for a in cols[2]], "dimension": pl.Series(cols[3], dtype=pl.String),
                       "amount_base": pl.Series(cols[4], dtype=pl.Float64), "energy_tce": pl.Series(cols[5], dtype=pl.Float64)})
    with atoms(False):
        old = _EnergyGroups(ea, "name_en")
    with atoms(True):
        new = _EnergyGroups(ea, "name_en")
    assert new.keys == old.keys
    assert list(new.tce_rows) == list(old.tce_rows)
    assert new.class_map() == old.class_map() == class_map(ea)  # the fuel class of each activity, as read from the table
    n = len(old.keys)
    divs = [1.0 + i / 3 for i in range(n)]
    for a, b in ((old.tce, new.tce), (old.physical(divs), new.physical(divs))):
        assert a._total == b._total and a._scale == b._scale and a._special == b._special
        assert [a.fsum([i]) for i in range(n)] == [b.fsum([i]) for i in range(n)]



def _atoms_by_hashing(df: pl.DataFrame, cols: list[str]):
    """frame_atoms as it was before its keys were looked up in numpy (the reference): each text column's categorical
    codes made dense, one int64 key per row, the keys' first rows by a polars group-by in order, each row's atom by a
    search among the sorted keys."""
    codes = df.select([pl.col(c).cast(pl.Categorical).to_physical() if df.schema[c] == pl.String else pl.col(c) for c in cols])
    key = np.zeros(codes.height, np.int64)
    for c in cols:
        col = codes[c]
        x = col.fill_null(0).to_numpy().astype(np.int64)
        x -= int(x.min())
        top = int(x.max())
        if col.null_count():
            top += 1
            x[col.is_null().to_numpy()] = top
        seen = np.zeros(top + 1, np.int64)
        seen[x] = 1
        dense = np.cumsum(seen) - 1
        key = key * (int(dense[-1]) + 1) + dense[x]
    firsts = pl.DataFrame({"k": key}).with_row_index("i").group_by("k", maintain_order=True).agg(pl.col("i").first())
    uniq = firsts["k"].to_numpy()
    by_key = np.argsort(uniq, kind="stable")
    return df.select(cols)[firsts["i"].to_numpy()], by_key[np.searchsorted(uniq[by_key], key)]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([2019, 2020, None]), st.sampled_from(SECTORS), st.sampled_from(["CO2", "CH4", None]),
                          st.sampled_from(SCOPES), st.sampled_from(ACTIVITIES + ["", "é"])), min_size=1, max_size=120))
def test_frame_atoms_looked_up_in_numpy_are_the_hashed_atoms(rows):
    """The keys' first rows and each row's atom found with numpy lookups are those of the group-by and search: the same
    table (its rows in the order of their first row) and the same atom per row, nulls a value of their own."""
    cols = ["year", "sector", "gas", "scope", "activity"]
    df = pl.DataFrame(rows, schema={"year": pl.Int32, "sector": pl.String, "gas": pl.String, "scope": pl.String,
                                    "activity": pl.String}, orient="row")
    a = frame_atoms(df, cols)
    table, ids = _atoms_by_hashing(df, cols)
    assert a.table.equals(table, null_equal=True)
    assert np.array_equal(a.ids, ids) and a.ids.dtype == np.int64


@pytest.mark.filterwarnings("ignore:Comparisons with None")  # the filter's year None, as the summary could ask
@settings(max_examples=60, deadline=None)
@given(rows=st.lists(row, min_size=1, max_size=120), year=st.sampled_from([2019, 2020, 2022, 2030, None]))
def test_bunker_rows_per_atom_are_the_rows_filtered(rows, year):
    # the summary's memo line of international bunkers: the rows chosen per atom are the rows of the filter over every
    # row (memo scope, the year, a bunker sector), in table order, so the same values and sum
    e = _frame(rows)
    with atoms(False):
        old = ReportData(manifest={}, emissions=e, inventory=e.clear(), factors_used=e.clear()).bunker_co2e(year)
    with atoms(True):
        d = ReportData(manifest={}, emissions=e, inventory=e.clear(), factors_used=e.clear())
        assert d.emission_atoms() is not None
        new = d.bunker_co2e(year)
    assert new.to_list() == old.to_list()
    assert new.len() == old.len() and new.sum() == old.sum()
    if year is not None:  # the bunker rows are there to be found: 1.A.3.a.i and 1.A.3.d.i among the sectors
        want = e.filter(pl.col("scope") == "memo", pl.col("year") == year, pl.col("sector").is_in(["1.A.3.a.i", "1.A.3.d.i"]))
        assert new.to_list() == want["co2e_t"].to_list()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["", "a", "b", "é", "1.A.1", "1.A.10", "CO2", "二氧化碳"]), st.text(max_size=3)),
                max_size=80))
def test_hash_codes_are_the_encoded_codes(values):
    """Codes found through the texts' hashes are encode's: the sorted distinct non-null values, each row its value's
    position, nulls after them; too many distinct values to tell apart in the hash's bits: None (the caller encodes)."""
    from ghginv.core._frames import encode, hash_codes

    col = pl.Series("c", values, dtype=pl.String)
    got = hash_codes(col)
    assert got is not None  # a few distinct values: their hashes differ in some 16 bits
    want = encode(col)
    assert got[0] == want[0] and np.array_equal(got[1], want[1]) and got[1].dtype == np.int64
    many = pl.Series("c", [f"v{i}" for i in range(5000)] * 2)
    assert hash_codes(many) is None and hash_codes(col.cast(pl.Categorical)) is None
