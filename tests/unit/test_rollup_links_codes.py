"""The roll-up check's positions (:func:`ghginv.pipeline.conservation.rollup_links`) from the key
codes the inventory stage hands over (``build_inventory(codes=...)``) are the positions worked out
by encoding the string columns again, array for array; and a wrong roll-up is still caught."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ghginv.pipeline.aggregate import build_inventory
from ghginv.pipeline.conservation import ConservationError, check_rollup, rollup_links

SECTORS = ("1.A.1.a", "1.A.2.c", "1.A.3.b", "1.A.4.a", "1.A.4.b", "2.A.1", "1.B.2.b", "1.A.3.d.i")
GASES = ("CO2", "CH4", "N2O")


def _emissions(seed: int, n: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    regions = [f"51{i:04d}" for i in range(int(rng.integers(1, 40)))]
    emissions_t = rng.random(n) * 10.0 ** rng.integers(-3, 6, n)
    return pl.DataFrame({
        "year": pl.Series(rng.integers(2019, 2024, n), dtype=pl.Int32),
        "region": rng.choice(regions, n),
        "sector": rng.choice(SECTORS, n),
        "activity": rng.choice(["coal", "natural_gas", "electricity", "diesel"], n),
        "gas": rng.choice(GASES, n),
        "scope": rng.choice(["direct", "indirect", "memo"], n, p=[0.7, 0.2, 0.1]),
        "emissions_t": emissions_t,
        "co2e_t": emissions_t * rng.choice([1.0, 28.0, 265.0], n),
    })


@pytest.mark.parametrize("seed, n", [(0, 1), (1, 17), (2, 400), (3, 5000)])
def test_links_from_the_inventory_codes_equal_the_links_from_the_strings(seed, n):
    em = _emissions(seed, n)
    codes: dict = {}
    inv, _ = build_inventory(em, index=True, codes=codes)
    assert set(codes) == {"emissions", "inventory"}
    for k in ("region", "scope", "category", "gas"):  # the codes the inventory's strings were made from
        vocab, c = codes["inventory"][k]
        assert pl.Series([*vocab, None], dtype=pl.String).gather(c).equals(inv[k], null_equal=True)
    from_strings = rollup_links(em, inv)
    from_codes = rollup_links(em, inv, codes)
    assert from_strings.keys() == from_codes.keys()
    for name, a in from_strings.items():
        assert a.dtype == from_codes[name].dtype and np.array_equal(a, from_codes[name]), name
    assert int(from_codes["missing"][0]) == -1
    assert check_rollup(from_codes, em, inv)["ok"]


def test_a_wrong_value_is_caught_with_the_codes():
    em = _emissions(4, 300)
    codes: dict = {}
    inv, _ = build_inventory(em, index=True, codes=codes)
    links = rollup_links(em, inv, codes)
    bad = inv.with_columns(pl.when(pl.col("category") == "1.A").then(pl.col("co2e_t") * 1.001).otherwise(pl.col("co2e_t")).alias("co2e_t"))
    with pytest.raises(ConservationError, match="roll-up of category"):
        check_rollup(links, em, bad)


def test_codes_of_another_frame_are_not_used():
    """Codes whose lengths do not match the frames (an inventory changed after it was built) are
    ignored: the strings are encoded instead."""
    em = _emissions(5, 200)
    codes: dict = {}
    inv, _ = build_inventory(em, index=True, codes=codes)
    fewer = inv.head(inv.height - 3)
    want = rollup_links(em, fewer)
    got = rollup_links(em, fewer, codes)
    for name, a in want.items():
        assert np.array_equal(a, got[name]), name


@pytest.mark.parametrize("seed", [6, 7])
def test_numbered_keys_and_another_row_order_give_the_same_links(seed, monkeypatch):
    """Keys too wide to pack (numbered instead) and an inventory not in its own sort order (found
    by a sort) give the links of the packed keys, row for row."""
    from ghginv.pipeline import conservation

    em = _emissions(seed, 2000)
    codes: dict = {}
    inv, _ = build_inventory(em, index=True, codes=codes)
    packed = rollup_links(em, inv, codes)
    monkeypatch.setattr(conservation, "_KEY_BITS", 8)
    numbered = rollup_links(em, inv, codes)
    for name, a in packed.items():
        assert np.array_equal(a, numbered[name]), name
    monkeypatch.undo()
    perm = np.random.default_rng(seed).permutation(inv.height)
    shuffled = rollup_links(em, inv[perm])
    back = np.argsort(perm)  # inventory row -> its position in the shuffled frame
    rows = packed["rows"]
    assert np.array_equal(np.sort(back[rows]), shuffled["rows"])
    assert int(shuffled["missing"][0]) == -1
    assert check_rollup(shuffled, em, inv[perm])["ok"]
