"""Self-checks for lesson 9, batch normalization: the forward pass in train mode, and the backward pass.

Each check compares the learner's answer with the right one and, when they
differ, with the usual wrong ones (the wrong axis, eps in the wrong place,
the unbiased variance, a forgotten gamma, dropped mean terms…), so that its
hint can name the mistake.
"""

from __future__ import annotations

import numpy as np

from ._checking import Wrong, call, checker, differs_by, same

__all__ = ["batchnorm_forward", "batchnorm_backward"]

_rng = np.random.default_rng


def _forward_inputs():
    """Columns of very different means and spreads (one nearly constant), gamma and beta far from 1 and 0."""
    rng = _rng(90)
    Z = rng.normal(0, 1, (6, 4)) * np.array([1.0, 5.0, 0.05, 2.0]) + np.array([3.0, -2.0, 1.0, 0.0])
    return Z, np.array([1.5, 0.5, 2.0, -1.0]), np.array([0.3, -0.7, 1.1, 0.2])


def _normalize(Z, gamma, beta, eps, *, axis=0, ddof=0, how="inside"):
    keep = axis is not None
    mu, var = Z.mean(axis=axis, keepdims=keep), Z.var(axis=axis, ddof=ddof, keepdims=keep)
    s = {"inside": np.sqrt(var + eps), "outside": np.sqrt(var) + eps, "none": np.sqrt(var),
         "variance": var + eps}[how]
    return gamma * (Z - mu) / s + beta


@checker(refuses=("mnist_scratch.batchnorm.batchnorm_forward", "mnist_scratch.bn_network.bn_forward"))
def batchnorm_forward(fn):
    """``fn(Z, gamma, beta, eps)``: train-mode batch norm of every column of Z, scaled by gamma, shifted by beta."""
    Z, gamma, beta = _forward_inputs()
    eps = 0.01                                    # large enough that where eps goes shows
    got = call(fn, Z, gamma, beta, eps, numeric=False)
    if isinstance(got, tuple):
        raise Wrong(f"it returned a tuple ({len(got)} items); return only the output array, gamma * Z_hat + beta.")
    got = call(fn, Z, gamma, beta, eps)
    if got.shape != Z.shape:
        raise Wrong(f"the output must have Z's shape {Z.shape} (one normalized value per entry), got {got.shape}.")
    if not np.all(np.isfinite(got)):
        raise Wrong("the output holds NaN or infinite values: did you divide by zero or take the square root of a "
                    "negative number? Divide by np.sqrt(var + eps), with var = Z.var(axis=0).")
    right = _normalize(Z, gamma, beta, eps)
    if same(got, right, rtol=1e-6, atol=1e-9):
        return "every column normalized over the batch, then scaled by gamma and shifted by beta. Correct!"
    wrong = [
        (_normalize(Z, gamma, beta, eps, axis=1), "you normalized each ROW (one image's features) instead of each "
         "column: batch norm normalizes every feature over the batch, so take the mean and variance with axis=0."),
        (_normalize(Z, gamma, beta, eps, axis=None), "you took one mean and one variance over the whole array: "
         "batch norm normalizes every column (feature) separately, so use Z.mean(axis=0) and Z.var(axis=0)."),
        (_normalize(Z, gamma, beta, eps, ddof=1), "you used the unbiased variance (ddof=1, dividing by n - 1). "
         "Batch norm normalizes with the batch's own variance, dividing by n: np.var's default, ddof=0."),
        (_normalize(Z, gamma, beta, eps, how="outside"), "eps belongs inside the square root, as in the paper "
         "and the libraries: divide by np.sqrt(var + eps), not by np.sqrt(var) + eps."),
        (_normalize(Z, gamma, beta, eps, how="none"), "you forgot eps: divide by np.sqrt(var + eps), so that a "
         "column that is constant over the batch (variance 0) does not divide by zero."),
        (_normalize(Z, gamma, beta, eps, how="variance"), "divide by the standard deviation, np.sqrt(var + eps), "
         "not by the variance."),
        (_normalize(Z, beta, gamma, eps), "gamma and beta are swapped: gamma scales Z_hat and beta is added, "
         "gamma * Z_hat + beta."),
        (_normalize(Z, np.ones_like(gamma), beta, eps), "you forgot gamma: the output is gamma * Z_hat + beta."),
        (_normalize(Z, gamma, np.zeros_like(beta), eps), "you forgot beta: the output is gamma * Z_hat + beta."),
        (_normalize(Z, 1.0, 0.0, eps), "you returned Z_hat itself: the output is gamma * Z_hat + beta, which "
         "lets the network choose the scale and shift it wants."),
        (gamma * Z / np.sqrt(Z.var(axis=0) + eps) + beta, "you did not subtract the column means: "
         "Z_hat = (Z - Z.mean(axis=0)) / np.sqrt(var + eps), so that every column is centred on 0."),
        (gamma * (_normalize(Z, 1.0, 0.0, eps) + beta), "beta is added after the scaling: gamma * Z_hat + beta, "
         "not gamma * (Z_hat + beta)."),
        *((_normalize(Z, gamma, beta, fixed), f"you used a fixed eps ({fixed:g}) instead of the argument eps: "
           f"divide by np.sqrt(var + eps) with the eps the function is given.") for fixed in (1e-5, 1e-8, 1e-7)),
    ]
    for candidate, hint in wrong:
        if same(got, candidate, rtol=1e-6, atol=1e-9):
            raise Wrong(hint)
    raise Wrong(f"the output differs from gamma * (Z - mean) / sqrt(var + eps) + beta, column by column, "
                f"{differs_by(got, right)}.")


def _backward_inputs():
    rng = _rng(91)
    n, d = 8, 5
    Z = rng.normal(0, 1, (n, d)) * rng.uniform(0.5, 3, d) + rng.normal(0, 2, d)
    s = np.sqrt(Z.var(axis=0) + 1e-5)
    Z_hat = (Z - Z.mean(axis=0)) / s
    return rng.normal(0, 1, (n, d)), Z_hat, rng.uniform(0.5, 2.0, d), s


def _compact(dY, Z_hat, gamma, s, *, means=True, mean_term=True, hat_term=True, use_gamma=True, divide=True):
    avg = (lambda a: a.mean(axis=0)) if means else (lambda a: a.sum(axis=0))
    inner = dY - (avg(dY) if mean_term else 0) - (Z_hat * avg(dY * Z_hat) if hat_term else 0)
    return (gamma if use_gamma else 1) * (inner / s if divide else inner * s)


def _gradients_right(fn) -> dict:
    """For grading: ``{"dZ": True, "dgamma": ..., "dbeta": ...}``, whether each gradient is right."""
    dY, Z_hat, gamma, s = _backward_inputs()
    right = (_compact(dY, Z_hat, gamma, s), (dY * Z_hat).sum(axis=0), dY.sum(axis=0))
    try:
        got = call(fn, dY, Z_hat, gamma, s, numeric=False)
    except Wrong:
        got = None
    ok = {}
    for i, name in enumerate(("dZ", "dgamma", "dbeta")):
        try:
            ok[name] = isinstance(got, (tuple, list)) and len(got) == 3 and same(np.asarray(got[i], float), right[i])
        except (TypeError, ValueError):
            ok[name] = False
    return ok


@checker(refuses=("mnist_scratch.batchnorm.batchnorm_backward", "mnist_scratch.bn_network.bn_backward"),
         items=("dZ", "dgamma", "dbeta"), score_items=_gradients_right)
def batchnorm_backward(fn):
    """``fn(dY, Z_hat, gamma, s)``: train-mode batch norm's gradients ``(dZ, dgamma, dbeta)``."""
    dY, Z_hat, gamma, s = _backward_inputs()
    n, d = dY.shape
    got = call(fn, dY, Z_hat, gamma, s, numeric=False)
    if not isinstance(got, (tuple, list)) or len(got) != 3:
        raise Wrong("return three things, in this order: dZ, dgamma, dbeta.")
    if any(g is None for g in got):
        raise Wrong("one of dZ, dgamma, dbeta is None: did you forget to compute it?")
    try:
        dZ, dgamma, dbeta = (np.asarray(g, dtype=float) for g in got)
    except (TypeError, ValueError):
        raise Wrong("dZ, dgamma and dbeta must all be arrays of numbers: dZ of dY's shape, dgamma and dbeta "
                    "one number per column.") from None
    right_dbeta, right_dgamma = dY.sum(axis=0), (dY * Z_hat).sum(axis=0)
    for name, g in (("dgamma", dgamma), ("dbeta", dbeta)):
        if g.shape == (1, d):
            raise Wrong(f"{name} has shape (1, {d}); it must have gamma's shape ({d},): sum over the rows "
                        f"without keepdims.")
        if name == "dgamma" and g.shape == (d, d) and same(g, dY.T @ Z_hat):
            raise Wrong(f"dgamma has shape ({d}, {d}): dY.T @ Z_hat is a matrix product, which mixes the columns. "
                        f"Multiply element by element and sum over the rows: (dY * Z_hat).sum(axis=0) (that "
                        f"is the diagonal of your matrix).")
        if g.shape == (n,):
            raise Wrong(f"{name} has shape ({n},), one number per row: sum over the rows (axis=0), not across "
                        f"the features, so that you get one number per feature, shape ({d},).")
        if g.shape != (d,):
            raise Wrong(f"{name} must have gamma's shape ({d},), got {g.shape}.")
    if same(dgamma, right_dbeta) and same(dbeta, right_dgamma):
        raise Wrong("dgamma and dbeta are swapped: dbeta = sum of dY over the rows, dgamma = sum of dY * Z_hat.")
    if same(dbeta, dY.mean(axis=0)):
        raise Wrong("dbeta is the MEAN of dY over the rows; it is the sum (dY already carries the 1/n of the "
                    "mean cost).")
    if not same(dbeta, right_dbeta):
        raise Wrong(f"dbeta should be dY summed over the rows; yours differs {differs_by(dbeta, right_dbeta)}.")
    if same(dgamma, right_dbeta):
        raise Wrong("dgamma must weight dY by Z_hat (gamma multiplies Z_hat): sum of dY * Z_hat over the rows.")
    if same(dgamma, (dY * Z_hat).mean(axis=0)):
        raise Wrong("dgamma is the MEAN of dY * Z_hat over the rows; it is the sum.")
    if not same(dgamma, right_dgamma):
        raise Wrong(f"dgamma should be the sum of dY * Z_hat over the rows; yours differs "
                    f"{differs_by(dgamma, right_dgamma)}.")
    if dZ.shape != dY.shape:
        raise Wrong(f"dZ must have dY's shape {dY.shape}, got {dZ.shape}.")
    if not np.all(np.isfinite(dZ)):
        raise Wrong("dZ holds NaN or infinite values: dZ = gamma / s * (dY - mean(dY) - Z_hat * mean(dY * Z_hat)) "
                    "needs no division but the one by s.")
    right = _compact(dY, Z_hat, gamma, s)
    if same(dZ, right):
        return "dZ, dgamma and dbeta all match the compact formula. Correct!"
    wrong = [
        (dict(mean_term=False, hat_term=False), "dZ = gamma * dY / s is the INFERENCE-mode gradient. In train "
         "mode the mean and the variance are computed from the batch, so every row's output depends on every "
         "row: subtract mean(dY) and Z_hat * mean(dY * Z_hat), column by column."),
        (dict(mean_term=False), "you dropped the mean(dY) term, the path through the batch mean mu: "
         "dZ = gamma / s * (dY - mean(dY) - Z_hat * mean(dY * Z_hat))."),
        (dict(hat_term=False), "you dropped the Z_hat * mean(dY * Z_hat) term, the path through the batch "
         "variance: dZ = gamma / s * (dY - mean(dY) - Z_hat * mean(dY * Z_hat))."),
        (dict(use_gamma=False), "you forgot gamma: the output is gamma * Z_hat + beta, so the gradient reaching "
         "Z_hat is gamma * dY; dZ = gamma / s * (...)."),
        (dict(divide=False), "multiply by gamma / s, don't multiply by s: Z_hat = (Z - mu) / s, so dZ_hat/dZ "
         "carries 1 / s."),
        (dict(means=False), "the two correction terms use the MEANS over the rows (sum divided by n), not the "
         "sums: mean(dY) and mean(dY * Z_hat), with axis=0."),
    ]
    for changes, hint in wrong:
        if same(dZ, _compact(dY, Z_hat, gamma, s, **changes)):
            raise Wrong(hint)
    inner = dY - dY.mean(axis=0) - Z_hat * (dY * Z_hat).mean(axis=0)
    wrong_arrays = [
        (right / n, f"yours is n = {n} times too small: the two means already carry the 1/n, so don't divide by n "
         f"again: dZ = gamma / s * (dY - mean(dY) - Z_hat * mean(dY * Z_hat))."),
        (right * n, f"yours is n = {n} times too large: n * dY - sum(dY) - Z_hat * sum(dY * Z_hat) must still be "
         f"divided by n, or write it with means: dZ = gamma / s * (dY - mean(dY) - Z_hat * mean(dY * Z_hat))."),
        (gamma / s * (dY - dY.mean(axis=0) + Z_hat * (dY * Z_hat).mean(axis=0)), "the Z_hat * mean(dY * Z_hat) "
         "term is subtracted, not added: dZ = gamma / s * (dY - mean(dY) - Z_hat * mean(dY * Z_hat))."),
        (gamma / s ** 2 * inner, "divide by s once, not by s squared: dZ = gamma / s * (...); the 1/s^2 of the "
         "variance path is already inside the Z_hat * mean(dY * Z_hat) term."),
    ]
    for candidate, hint in wrong_arrays:
        if same(dZ, candidate):
            raise Wrong(hint)
    raise Wrong(f"dZ differs from gamma / s * (dY - mean(dY) - Z_hat * mean(dY * Z_hat)) {differs_by(dZ, right)}. "
                f"Take every mean over the rows, axis=0.")
