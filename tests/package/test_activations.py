"""mnist_scratch.activations: closed forms, numerical derivatives, and stability at huge inputs."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from mnist_scratch.activations import ACTIVATIONS, relu, relu_prime, sigmoid, softmax, tanh_prime


def test_activation_closed_forms():
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(relu(z), [0, 0, 0, 0.5, 2])
    np.testing.assert_array_equal(relu_prime(z), [0, 0, 0, 1, 1])
    np.testing.assert_allclose(sigmoid(z), [1 / (1 + math.exp(-v)) for v in z], rtol=1e-15)
    assert sigmoid(np.array([0.0]))[0] == 0.5
    np.testing.assert_allclose(tanh_prime(z), [1 - math.tanh(v) ** 2 for v in z])


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_derivatives_match_numerical_ones(name):
    act = ACTIVATIONS[name]
    assert act.name == name
    z = np.array([-3.0, -1.2, -0.3, 0.4, 1.1, 2.7])  # away from ReLU's kink
    numeric = [(act.g(np.array([v + 1e-6]))[0] - act.g(np.array([v - 1e-6]))[0]) / 2e-6 for v in z]
    np.testing.assert_allclose(act.g_prime(z), numeric, rtol=1e-6, atol=1e-9)


def test_sigmoid_is_stable_for_huge_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(np.array([-1000.0, 1000.0], dtype=np.float32))
    assert s.tolist() == [0.0, 1.0]


def test_softmax_rows_are_probabilities_and_stable():
    Z = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = softmax(Z)
    np.testing.assert_allclose(P.sum(axis=1), 1)
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(P[0], e / e.sum())
    np.testing.assert_allclose(P[1], [1, 0, 0])
    np.testing.assert_allclose(softmax(Z + 50), P)  # shifting a row changes nothing
