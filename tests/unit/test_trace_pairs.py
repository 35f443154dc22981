"""The trace numbers the (rule, second rule) pairs of the resolved rows from a count per possible pair
(:func:`ghginv.factors.trace._rule_pair_ids`) instead of a sort: the ids of ``dense_ids``, and a row of each
pair (its keys those of the pair), for random rule ids with and without a second rule, many or few rules."""

from __future__ import annotations

import importlib

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from ghginv.core._frames import dense_ids

T = importlib.import_module("ghginv.factors.trace")


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 400), st.integers(0, 3000), st.floats(0, 1))
def test_rule_pair_ids_are_dense_ids(seed, n_rules, n, p_second):
    rng = np.random.default_rng(seed)
    r1 = rng.integers(0, n_rules, n).astype(np.int64)
    r2 = np.where(rng.random(n) < p_second, rng.integers(0, n_rules, n), -1).astype(np.int64)
    ids, first = T._rule_pair_ids(r1, r2, n_rules)
    want_ids, want_first = dense_ids([r1, r2])
    assert np.array_equal(ids, want_ids)
    assert first.shape == want_first.shape
    assert np.array_equal(r1[first], r1[want_first]) and np.array_equal(r2[first], r2[want_first])
    assert np.array_equal(ids[first], np.arange(first.size))
