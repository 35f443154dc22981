"""``ghginv.core.csv_cells._any_prefixed`` (the formula guard of every CSV) from the first byte of
each string view and the validity bitmap read directly (no ``pyarrow.compute``): the same answer
as the regular expression over random String columns with nulls, long and empty strings, and
slices (an Arrow offset into the validity bitmap)."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from ghginv.core.csv_cells import _PREFIXED, _any_prefixed

CELLS = ["", "a", "=1+1", "+x", "-3", "@SUM(1)", "\tt", "\rr", "'q", "plain text longer than twelve bytes",
         "=a formula longer than twelve bytes", "东城区", None]


@pytest.mark.parametrize("seed", range(80))
def test_first_byte_guard_equals_the_expression(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 40))
    weights = rng.random(len(CELLS))
    weights[rng.random(len(CELLS)) < 0.6] = 0.0  # often no prefixed cell at all
    weights[1] += 0.1
    cells = [CELLS[i] for i in rng.choice(len(CELLS), n, p=weights / weights.sum())]
    s = pl.Series("t", cells, pl.String)
    lo = int(rng.integers(0, n))
    s = s.slice(lo, int(rng.integers(0, n - lo + 1)))  # an offset into the buffers
    want = bool(s.str.contains(_PREFIXED).any())
    assert _any_prefixed(s) is want


def test_prefixed_values_under_nulls_are_not_seen():
    s = pl.Series("t", ["=x", "a", None, "b"], pl.String).slice(1, 3)
    assert _any_prefixed(s) is False
    assert _any_prefixed(pl.Series("t", [None, None, "-1"], pl.String)) is True
