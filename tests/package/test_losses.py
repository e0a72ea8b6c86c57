"""mnist_scratch.losses: the costs against closed forms, stable at huge scores, and one-hot targets."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from mnist_scratch.losses import cross_entropy, logsumexp, mse, one_hot


def test_cross_entropy_closed_forms():
    assert cross_entropy(np.zeros((1, 2)), np.array([0])) == pytest.approx(math.log(2))
    assert cross_entropy(np.zeros((3, 10)), np.array([0, 5, 9])) == pytest.approx(math.log(10))
    Z = np.array([[2.0, 1.0, 0.1]])
    expected = -math.log(math.exp(2) / (math.exp(2) + math.exp(1) + math.exp(0.1)))
    assert cross_entropy(Z, np.array([0])) == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_of_huge_logits_is_finite_without_warnings():
    Z = np.array([[1000.0, 0.0], [0.0, 1000.0]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        right = cross_entropy(Z, np.array([0, 1]))
        wrong = cross_entropy(Z, np.array([1, 0]))
    assert right == pytest.approx(0.0, abs=1e-6)
    assert wrong == pytest.approx(1000.0, rel=1e-6)
    assert logsumexp(np.array([[1000.0, 1000.0]]))[0] == pytest.approx(1000 + math.log(2))


def test_cross_entropy_labels_and_one_hot_agree(rng):
    Z = rng.normal(size=(6, 4))
    y = rng.integers(0, 4, 6)
    assert cross_entropy(Z, y) == pytest.approx(cross_entropy(Z, np.eye(4)[y]), rel=1e-12)


def test_mse_closed_form():
    A = np.array([[0.2, 0.8], [0.5, 0.5]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert mse(A, Y) == pytest.approx((0.04 + 0.04 + 0.25 + 0.25) / 2 / 2)


def test_one_hot():
    Y = one_hot(np.array([0, 2, 1]), 3)
    np.testing.assert_array_equal(Y, [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert Y.dtype == np.float32
    Y = one_hot(np.array([1]), 3, off=0.01, on=0.99)
    np.testing.assert_allclose(Y, [[0.01, 0.99, 0.01]])
    with pytest.raises(ValueError, match="labels must lie in 0..9"):
        one_hot(np.array([10]))
    with pytest.raises(ValueError, match="1-D array of integer labels"):
        one_hot(np.array([0.5]))
