"""mnist_scratch.gradient_check: the backward pass of every architecture agrees with numerical
derivatives, and the check catches a broken gradient."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mnist_scratch.gradient_check import gradient_check, numerical_gradient, relative_error
from mnist_scratch.network import backward, forward, init_params


ARCHITECTURES = [
    ([784, 10, 10], "relu", "cross_entropy"),
    ([784, 128, 64, 10], "relu", "cross_entropy"),
    ([784, 100, 10], "sigmoid", "mse"),
    ([20, 16, 12, 8, 10], "tanh", "cross_entropy"),
    ([20, 16, 12, 8, 10], "sigmoid", "mse"),
    ([20, 15, 10], "relu", "mse"),
    ([20, 15, 10], "tanh", "mse"),
]


@pytest.mark.parametrize("sizes,activation,loss", ARCHITECTURES,
                         ids=["-".join(map(str, s)) + f"-{a}-{l}" for s, a, l in ARCHITECTURES])
def test_gradient_check(mnist, sizes, activation, loss):
    first = 0 if sizes[0] == 784 else 400  # the first pixels are always blank: use central ones
    X = mnist.X_train[:16, first:first + sizes[0]].astype(np.float64)
    y = mnist.y_train[:16]
    Y = y if loss == "cross_entropy" else np.where(np.eye(10)[y] > 0, 0.99, 0.01)
    params = init_params(sizes, "xavier" if activation != "relu" else "he", seed=3, dtype=np.float64)
    errors = gradient_check(params, X, Y, activation, loss, max_entries=60)
    assert set(errors) == set(params)
    assert max(errors.values()) < 1e-6, errors


def test_gradient_check_catches_a_broken_gradient(mnist):
    X, y = mnist.X_train[:8].astype(np.float64), mnist.y_train[:8]
    params = init_params([784, 10, 10], seed=0, dtype=np.float64)
    grads = backward(params, forward(params, X), y)
    grads["b1"] = grads["b1"] * 2  # the classic slip: a missing or extra factor
    errors = gradient_check(params, X, y, grads=grads)
    assert errors["b1"] > 0.1 and errors["W1"] < 1e-6


def test_numerical_gradient_of_a_closed_form():
    x = np.array([1.0, -2.0, 3.0])
    grad = numerical_gradient(lambda: float(np.sum(x ** 3)), x, [0, 1, 2])
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0])  # restored
    assert relative_error([1, 2], [1, 2]) == 0.0 and relative_error([1, 0], [0, 1]) == pytest.approx(1 / math.sqrt(2))
