"""Lesson 9's self-checks: the right ways of writing batch norm pass, and each common wrong answer
gets the hint that names its mistake (the table is the specification of the hints)."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_scratch.batchnorm import batchnorm_backward as package_backward
from mnist_scratch.lab import check
from mnist_scratch.lab._checking import hint_of


# --------------------------------------------------------------------------- forward
def fwd(Z, gamma, beta, eps, *, axis=0, ddof=0, eps_where="inside", g=True, b=True, swap=False, tuple_=False):
    mu = Z.mean(axis=axis, keepdims=True) if axis is not None else Z.mean()
    var = Z.var(axis=axis, ddof=ddof, keepdims=True) if axis is not None else Z.var()
    s = {"inside": np.sqrt(var + eps), "outside": np.sqrt(var) + eps, "none": np.sqrt(var)}[eps_where]
    Z_hat = (Z - mu) / s
    if swap:
        gamma, beta = beta, gamma
    out = (gamma if g else 1) * Z_hat + (beta if b else 0)
    return (out, {"Z_hat": Z_hat}) if tuple_ else out


def fwd_loop(Z, gamma, beta, eps):
    """Column by column, with Python's loops: right too."""
    out = np.empty_like(Z)
    for j in range(Z.shape[1]):
        col = Z[:, j]
        mu = sum(col) / len(col)
        var = sum((c - mu) ** 2 for c in col) / len(col)
        out[:, j] = gamma[j] * (col - mu) / (var + eps) ** 0.5 + beta[j]
    return out


def fwd_package(Z, gamma, beta, eps):
    from mnist_scratch.batchnorm import batchnorm_forward

    d = Z.shape[1]
    return batchnorm_forward(Z, gamma, beta, np.zeros(d), np.ones(d), train=True, eps=eps)[0]


@pytest.mark.parametrize("fn", [fwd, fwd_loop,
                                lambda Z, g, b, eps: g * (Z - Z.mean(0)) / np.sqrt(Z.var(0) + eps) + b,
                                lambda Z, g, b, eps: (g * (Z - Z.mean(0)) / np.sqrt(Z.var(0) + eps) + b).astype(np.float32)])
def test_right_forward_answers_pass(fn):
    assert hint_of(check.batchnorm_forward, fn) is None


FORWARD_WRONG = [
    (lambda Z, g, b, e: fwd(Z, g, b, e, axis=1), "you normalized each ROW"),
    (lambda Z, g, b, e: fwd(Z, g, b, e, axis=None), "one mean and one variance over the whole array"),
    (lambda Z, g, b, e: fwd(Z, g, b, e, ddof=1), "you used the unbiased variance (ddof=1"),
    (lambda Z, g, b, e: fwd(Z, g, b, e, eps_where="outside"), "eps belongs inside the square root"),
    (lambda Z, g, b, e: fwd(Z, g, b, e, eps_where="none"), "you forgot eps"),
    (lambda Z, g, b, e: g * (Z - Z.mean(0)) / (Z.var(0) + e) + b, "divide by the standard deviation"),
    (lambda Z, g, b, e: fwd(Z, g, b, e, g=False), "you forgot gamma"),
    (lambda Z, g, b, e: fwd(Z, g, b, e, b=False), "you forgot beta"),
    (lambda Z, g, b, e: fwd(Z, g, b, e, g=False, b=False), "you returned Z_hat itself"),
    (lambda Z, g, b, e: fwd(Z, g, b, e, swap=True), "gamma and beta are swapped"),
    (lambda Z, g, b, e: fwd(Z, g, b, e, tuple_=True), "return only the output array"),
    (lambda Z, g, b, e: fwd(Z, g, b, e)[:, :2], "the output must have Z's shape (6, 4)"),
    (lambda Z, g, b, e: fwd(Z, g, b, e) * 1.1, "the output differs from gamma * (Z - mean)"),
    (lambda Z, g, b, e: None, "it returned None"),
    (lambda Z, g, b, e: Z @ g, "the output must have Z's shape"),
    (lambda Z, g, b, e: 1 / 0, "ZeroDivisionError"),
    (lambda Z, g, b, e: Z.__isub__(Z.mean(0)), "changed its input array in place"),
    (lambda Z, g, b, e: g * Z / np.sqrt(Z.var(0) + e) + b, "you did not subtract the column means"),
    (lambda Z, g, b, e: g * ((Z - Z.mean(0)) / np.sqrt(Z.var(0) + e) + b), "not gamma * (Z_hat + beta)"),
    (lambda Z, g, b, e: fwd(Z, g, b, 1e-5), "you used a fixed eps (1e-05) instead of the argument eps"),
    (lambda Z, g, b, e: fwd(Z, g, b, 1e-8), "you used a fixed eps (1e-08)"),
    (lambda Z, g, b, e: Z * np.nan, "the output holds NaN or infinite values"),
    (lambda Z, g, b, e: (fwd(Z, g, b, e),), "it returned a tuple (1 items)"),
]


@pytest.mark.parametrize("fn, hint", FORWARD_WRONG)
def test_wrong_forward_answers_get_their_hint(fn, hint):
    got = hint_of(check.batchnorm_forward, fn)
    assert got is not None and hint in got, got


# --------------------------------------------------------------------------- backward
def bwd(dY, Z_hat, gamma, s, *, keep=False, mean_terms=True, hat=True, g=True, sums=False, times_s=False,
        swap=False, dbeta_mean=False, dgamma_plain=False, dbeta_axis=0):
    avg = (lambda a: a.sum(0)) if sums else (lambda a: a.mean(0))
    inner = dY - (avg(dY) if mean_terms else 0) - (Z_hat * avg(dY * Z_hat) if hat and mean_terms else 0)
    dZ = (gamma if g else 1) * (inner * s if times_s else inner / s)
    dbeta = dY.mean(0) if dbeta_mean else dY.sum(axis=dbeta_axis, keepdims=keep)
    dgamma = dY.sum(0) if dgamma_plain else (dY * Z_hat).sum(0, keepdims=keep)
    return (dZ, dbeta, dgamma) if swap else (dZ, dgamma, dbeta)


def bwd_staged(dY, Z_hat, gamma, s):
    """The step-by-step chain rule through the graph (mu, then var), as the lesson derives it: right too."""
    n = len(dY)
    dZ_hat = dY * gamma
    Zc = Z_hat * s                                         # Z - mu
    dvar = (dZ_hat * Zc).sum(0) * -0.5 * s ** -3
    dmu = -(dZ_hat / s).sum(0) + dvar * (-2 * Zc).mean(0)
    dZ = dZ_hat / s + dvar * 2 * Zc / n + dmu / n
    return dZ, (dY * Z_hat).sum(0), dY.sum(0)


def bwd_package(dY, Z_hat, gamma, s):
    return package_backward(dY, {"Z_hat": Z_hat, "gamma": gamma, "inv_std": 1 / s, "train": True})


def bwd_jacobian(dY, Z_hat, gamma, s):
    """Each column's full n x n Jacobian (1/s)(I - 1/n - z_hat z_hat^T / n), applied to gamma * dY: right too."""
    n, d = dY.shape
    dZ = np.empty_like(dY)
    for j in range(d):
        jac = (np.eye(n) - 1 / n - np.outer(Z_hat[:, j], Z_hat[:, j]) / n) / s[j]
        dZ[:, j] = jac.T @ (gamma[j] * dY[:, j])
    return dZ, np.einsum("ij,ij->j", dY, Z_hat), np.sum(dY, axis=0)


@pytest.mark.parametrize("fn", [bwd, bwd_staged, bwd_jacobian,
                                lambda dY, Zh, g, s: list(bwd(dY, Zh, g, s))])
def test_right_backward_answers_pass(fn):
    assert hint_of(check.batchnorm_backward, fn) is None


BACKWARD_WRONG = [
    (lambda *a: bwd(*a, mean_terms=False), "is the INFERENCE-mode gradient"),
    (lambda dY, Zh, g, s: (g / s * (dY - Zh * (dY * Zh).mean(0)), (dY * Zh).sum(0), dY.sum(0)),
     "you dropped the mean(dY) term"),
    (lambda *a: bwd(*a, hat=False), "you dropped the Z_hat * mean(dY * Z_hat) term"),
    (lambda *a: bwd(*a, g=False), "you forgot gamma"),
    (lambda *a: bwd(*a, sums=True), "use the MEANS over the rows"),
    (lambda *a: bwd(*a, times_s=True), "don't multiply by s"),
    (lambda *a: bwd(*a, keep=True), "dgamma has shape (1, 5)"),
    (lambda *a: bwd(*a, dbeta_axis=1), "dbeta has shape (8,), one number per row"),
    (lambda *a: bwd(*a, swap=True), "dgamma and dbeta are swapped"),
    (lambda *a: bwd(*a, dbeta_mean=True), "dbeta is the MEAN of dY"),
    (lambda *a: bwd(*a, dgamma_plain=True), "dgamma must weight dY by Z_hat"),
    (lambda *a: bwd(*a)[0], "return three things, in this order: dZ, dgamma, dbeta"),
    (lambda *a: (bwd(*a)[0], None, bwd(*a)[2]), "one of dZ, dgamma, dbeta is None"),
    (lambda *a: (bwd(*a)[0].T, *bwd(*a)[1:]), "dZ must have dY's shape (8, 5)"),
    (lambda *a: (bwd(*a)[0] + 0.01, *bwd(*a)[1:]), "dZ differs from gamma / s * (dY - mean(dY)"),
    (lambda *a: None, "return three things"),
    (lambda dY, Zh, g, s: dY.undefined, "AttributeError"),
    (lambda *a: (bwd(*a)[0] / len(a[0]), *bwd(*a)[1:]), "yours is n = 8 times too small"),
    (lambda dY, Zh, g, s: (g / s * (len(dY) * dY - dY.sum(0) - Zh * (dY * Zh).sum(0)), (dY * Zh).sum(0), dY.sum(0)),
     "yours is n = 8 times too large"),
    (lambda dY, Zh, g, s: (g / s * (dY - dY.mean(0) + Zh * (dY * Zh).mean(0)), (dY * Zh).sum(0), dY.sum(0)),
     "term is subtracted, not added"),
    (lambda dY, Zh, g, s: (g / s ** 2 * (dY - dY.mean(0) - Zh * (dY * Zh).mean(0)), (dY * Zh).sum(0), dY.sum(0)),
     "divide by s once, not by s squared"),
    (lambda dY, Zh, g, s: (bwd(dY, Zh, g, s)[0], dY.T @ Zh, dY.sum(0)), "dY.T @ Z_hat is a matrix product"),
    (lambda *a: (bwd(*a)[0] * np.nan, *bwd(*a)[1:]), "dZ holds NaN or infinite values"),
    (lambda *a: ("dZ", "dgamma", "dbeta"), "must all be arrays of numbers"),
    (lambda *a: (bwd(*a)[0], [[1, 2], [3]], bwd(*a)[2]), "must all be arrays of numbers"),
    (lambda *a: (bwd(*a)[0], {}, bwd(*a)[2]), "must all be arrays of numbers"),
]


@pytest.mark.parametrize("fn, hint", BACKWARD_WRONG)
def test_wrong_backward_answers_get_their_hint(fn, hint):
    got = hint_of(check.batchnorm_backward, fn)
    assert got is not None and hint in got, got


def test_the_checks_are_registered_and_raise_on_a_wrong_answer(capsys):
    assert check.CHECKS["batchnorm_forward"] is check.batchnorm_forward
    assert check.CHECKS["batchnorm_backward"] is check.batchnorm_backward
    with pytest.raises(check.CheckFailed, match="you forgot gamma"):
        check.batchnorm_backward(lambda *a: bwd(*a, g=False))
    assert check.batchnorm_forward(fwd, raises=False) is True
    assert "✅ batchnorm_forward" in capsys.readouterr().out
    with pytest.raises(NotImplementedError):
        check.batchnorm_forward(lambda *a: (_ for _ in ()).throw(NotImplementedError("write it")))
