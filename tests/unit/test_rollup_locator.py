"""The roll-up check's key lookup (:func:`ghginv.pipeline.conservation._locator`): the table indexed
by key gives, query for query, the rows the binary search gives — keys found, keys missing, keys
outside the span, negative keys, repeated keys (the table steps aside) and no keys at all."""

from __future__ import annotations

import numpy as np
import pytest

from ghginv.pipeline.conservation import _locator


def _both(sk, order, q):
    by_search = _locator(sk, order, q.size, table=False)(q.copy())
    by_table = _locator(sk, order, q.size, table=True)(q.copy())
    return by_search, by_table


@pytest.mark.parametrize("seed", range(6))
def test_the_table_finds_the_rows_the_binary_search_finds(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    sk = np.sort(rng.choice(np.arange(-50, 20 * n), n, replace=False)).astype(np.int64)
    order = rng.permutation(n).astype(np.int64)
    q = np.concatenate([sk[rng.integers(0, n, 500)], rng.integers(-200, 25 * n, 500), [-1, sk[0] - 1, sk[-1] + 1]]).astype(np.int64)
    by_search, by_table = _both(sk, order, q)
    np.testing.assert_array_equal(by_table, by_search)
    found = by_search >= 0
    np.testing.assert_array_equal(sk[np.searchsorted(sk, q[found])], q[found])  # a row found holds the key
    assert not np.isin(q[~found], sk).any()  # a key not found is not among the keys
    assert (_locator(sk, order, q.size)(q.copy()) == by_search).all()  # whichever the span chooses


def test_repeated_keys_give_the_first_row_either_way():
    sk = np.array([1, 3, 3, 7], np.int64)
    order = np.array([2, 0, 3, 1], np.int64)
    q = np.array([3, 7, 2, 8, 1], np.int64)
    by_search, by_table = _both(sk, order, q)
    np.testing.assert_array_equal(by_search, [0, 1, -1, -1, 2])
    np.testing.assert_array_equal(by_table, by_search)


def test_no_keys_find_nothing():
    for table in (False, True, None):
        got = _locator(np.zeros(0, np.int64), np.zeros(0, np.int64), 3, table=table)(np.array([0, 5, -1], np.int64))
        np.testing.assert_array_equal(got, [-1, -1, -1])


def test_the_queries_are_left_as_they_were():
    sk = np.array([10, 11, 12], np.int64)
    q = np.array([9, 11, 13], np.int64)
    _locator(sk, np.arange(3, dtype=np.int64), q.size, table=True)(q)
    np.testing.assert_array_equal(q, [9, 11, 13])
