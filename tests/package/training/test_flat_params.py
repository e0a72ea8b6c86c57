"""mnist_scratch.training.flat_params: the parameters as views into one flat vector, and the
gradient filled into one in the same order."""

from __future__ import annotations

import numpy as np

from mnist_scratch.network import init_params
from mnist_scratch.training.flat_params import FlatGradient, pack


def test_pack_shares_memory_and_takes_in_replaced_arrays():
    params = init_params([4, 3, 2], seed=0)
    W1 = params["W1"].copy()
    theta = pack(params)
    assert theta.size == 4 * 3 + 3 + 3 * 2 + 2
    np.testing.assert_array_equal(params["W1"], W1)      # packing changes no value
    theta[:] = 0
    assert not params["W1"].any()                        # the dict's arrays are views of theta
    params["W2"] = np.ones((3, 2), np.float32)           # a learner replaces an array
    theta2 = pack(params)
    assert theta2 is not theta and np.shares_memory(theta2, params["W2"])
    assert params["W2"].sum() == 6 and theta2.sum() == 6


def test_flat_gradient_is_filled_in_parameter_order():
    params = init_params([4, 3, 2], seed=0)
    theta = pack(params)
    grads = {k: np.full(v.shape, i, np.float32) for i, (k, v) in enumerate(params.items())}
    flat = FlatGradient(params, theta).fill(grads)
    expected = np.concatenate([g.ravel() for g in grads.values()])
    np.testing.assert_array_equal(flat, expected)
