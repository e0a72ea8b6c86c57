"""Batch normalization: gradient-checked in float64 in train and inference mode, and the
statistics it keeps checked against what the docstring says they are."""

from __future__ import annotations

import numpy as np
import pytest
from _package_helpers import numerical

from mnist_scratch.batchnorm import batchnorm_backward, batchnorm_forward, init_batchnorm
from mnist_scratch.gradient_check import relative_error


def test_batchnorm_gradient_check_train_mode():
    rng = np.random.default_rng(0)
    n, d = 8, 5
    Z = rng.normal(3.0, 2.0, (n, d))
    gamma, beta = rng.normal(1.0, 0.3, d), rng.normal(0.0, 0.3, d)
    R = rng.normal(size=(n, d))                 # J = sum(out * R), so dJ/d(out) = R

    def J():
        stats = np.zeros(d), np.ones(d)         # fresh running stats: train mode updates them
        return float((batchnorm_forward(Z, gamma, beta, *stats, train=True)[0] * R).sum())

    _, cache = batchnorm_forward(Z, gamma, beta, np.zeros(d), np.ones(d), train=True)
    dZ, dgamma, dbeta = batchnorm_backward(R, cache)
    errors = {"Z": relative_error(dZ, numerical(J, Z)), "gamma": relative_error(dgamma, numerical(J, gamma)),
              "beta": relative_error(dbeta, numerical(J, beta))}
    print("batch norm gradient check (train mode):", errors)
    assert max(errors.values()) < 1e-6, errors
    # the compact formula's two projections: per column dZ sums to 0 and, when eps = 0
    # (so that the mean of Z_hat^2 is exactly 1), is orthogonal to Z_hat
    _, cache0 = batchnorm_forward(Z, gamma, beta, np.zeros(d), np.ones(d), train=True, eps=0.0)
    dZ0 = batchnorm_backward(R, cache0)[0]
    np.testing.assert_allclose(dZ0.sum(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose((dZ0 * cache0["Z_hat"]).sum(axis=0), 0, atol=1e-12)


def test_batchnorm_gradient_check_inference_mode():
    rng = np.random.default_rng(1)
    Z, R = rng.normal(size=(6, 4)), rng.normal(size=(6, 4))
    gamma, beta = rng.normal(size=4), rng.normal(size=4)
    mean, var = rng.normal(size=4), rng.uniform(0.5, 2.0, 4)

    def J():
        return float((batchnorm_forward(Z, gamma, beta, mean, var, train=False)[0] * R).sum())

    dZ, dgamma, dbeta = batchnorm_backward(R, batchnorm_forward(Z, gamma, beta, mean, var, train=False)[1])
    for analytic, x in ((dZ, Z), (dgamma, gamma), (dbeta, beta)):
        assert relative_error(analytic, numerical(J, x)) < 1e-6


def test_train_mode_normalizes_and_updates_the_running_stats():
    rng = np.random.default_rng(2)
    Z = rng.normal(5.0, 3.0, (50, 3))
    bn = init_batchnorm(3, np.float64)
    out, _ = batchnorm_forward(Z, bn["gamma"], bn["beta"], bn["running_mean"], bn["running_var"],
                               train=True, momentum=0.9, eps=1e-5)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), Z.var(axis=0) / (Z.var(axis=0) + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(bn["running_mean"], 0.1 * Z.mean(axis=0), rtol=1e-12)   # 90% old (0), 10% new
    np.testing.assert_allclose(bn["running_var"], 0.9 + 0.1 * Z.var(axis=0), rtol=1e-12)


def test_inference_mode_uses_the_running_stats_and_leaves_them():
    rng = np.random.default_rng(3)
    gamma, beta = np.array([2.0, 0.5]), np.array([-1.0, 1.0])
    mean, var = np.array([1.0, -2.0]), np.array([4.0, 0.25])
    Z = rng.normal(size=(7, 2))
    out, _ = batchnorm_forward(Z, gamma, beta, mean, var, train=False, eps=0.0)
    np.testing.assert_allclose(out, gamma * (Z - mean) / np.sqrt(var) + beta, rtol=1e-12)
    assert mean.tolist() == [1.0, -2.0] and var.tolist() == [4.0, 0.25]
    alone, _ = batchnorm_forward(Z[:1], gamma, beta, mean, var, train=False, eps=0.0)
    np.testing.assert_allclose(alone, out[:1], rtol=1e-12)      # a row's output ignores its batch


def test_running_stats_converge_to_the_data_statistics():
    rng = np.random.default_rng(4)
    bn = init_batchnorm(2, np.float64)
    for _ in range(200):
        Z = rng.normal([3.0, -1.0], [2.0, 0.5], (256, 2))
        batchnorm_forward(Z, bn["gamma"], bn["beta"], bn["running_mean"], bn["running_var"], train=True)
    np.testing.assert_allclose(bn["running_mean"], [3.0, -1.0], atol=0.1)
    np.testing.assert_allclose(bn["running_var"], [4.0, 0.25], rtol=0.1)


def test_errors_are_clear():
    bn = init_batchnorm(3)
    with pytest.raises(ValueError, match="at least 2 rows"):
        batchnorm_forward(np.ones((1, 3)), *bn.values(), train=True)
    with pytest.raises(ValueError, match="gamma must have shape"):
        batchnorm_forward(np.ones((4, 3)), np.ones(2), bn["beta"], bn["running_mean"], bn["running_var"],
                          train=True)
