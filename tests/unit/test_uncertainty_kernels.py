"""The Monte Carlo and scenario kernels, also under NUMBA_DISABLE_JIT=1 (small inputs)."""

from __future__ import annotations

import numpy as np
import pytest

from ghginv.kernels.montecarlo import mc_block, scenario_totals
from ghginv.uncertainty.montecarlo import Inputs

pytestmark = pytest.mark.nojit


def test_mc_block_exact_inputs_return_the_central_values():
    inputs = Inputs.from_specs([(1.0, "", None, None, None)])
    out = np.empty((5, 2))
    idx = np.array([[0, -1], [-1, -1], [0, 0]], dtype=np.int64)
    pw = np.array([[1, 1], [1, 1], [1, -1]], dtype=np.int8)
    mc_block(np.array([1.0, 2.0, 4.0]), idx, pw, np.array([0, 1, 1], dtype=np.int64), 2,
             inputs.dist, inputs.p1, inputs.p2, inputs.p3, 5, 5, out)
    assert np.allclose(out, [[1.0, 6.0]] * 5)


def test_mc_block_power_minus_one_divides():
    inputs = Inputs.from_specs([(1.0, "uniform", None, 0.5, 1.5)])
    out = np.empty((200, 1))
    mc_block(np.array([1.0]), np.array([[0, 0]], dtype=np.int64), np.array([[1, -1]], dtype=np.int8), np.array([0], dtype=np.int64), 1,
             inputs.dist, inputs.p1, inputs.p2, inputs.p3, 9, 200, out)
    assert np.allclose(out, 1.0)  # m × 1/m: the same draw


def test_mc_block_same_seed_same_draws():
    inputs = Inputs.from_specs([(1.0, "normal", 10.0, None, None), (2.0, "triangular", None, 1.5, 2.2)])
    args = (np.array([1.0, 1.0]), np.array([[0], [1]], dtype=np.int64), np.ones((2, 1), np.int8), np.array([0, 1], dtype=np.int64), 2,
            inputs.dist, inputs.p1, inputs.p2, inputs.p3, 42, 50)
    a, b = np.empty((50, 2)), np.empty((50, 2))
    mc_block(*args, a)
    mc_block(*args, b)
    assert np.array_equal(a, b) and a[:, 0].std() > 0


def test_scenario_totals():
    base = np.array([[10.0, 1.0], [5.0, 0.0]])  # 2 cells × gases (CO2, CH4), t gas
    gwp = np.array([[1.0, 28.0], [1.0, 25.0]])  # 2 scenarios
    out = np.empty((2, 2))
    # row 0: cell 0, CO2, q = 100, emissions 10; scenario 1 sets factor 0.05 -> 5 t
    scenario_totals(base, gwp, np.array([0]), np.array([0]), np.array([100.0]), np.array([10.0]),
                    np.array([1]), np.array([0]), np.array([0.05]), out)
    assert out.tolist() == [[38.0, 5.0], [10.0 - 5.0 + 25.0, 5.0]]
