"""Lesson 9's self-checks: the right ways of writing batch norm's forward pass, its backward pass (staged along
the graph, and compact) and its layer with running averages pass, and each common wrong answer gets the hint
that names its mistake (the table is the specification of the hints in mnist_scratch/lab/_checks_batchnorm.py
and _checks_bn_backward.py).

The rows join the wrong-answer table of tests/package/lab/test_check_hints.py; RIGHT_ANSWERS join those of
tests/package/lab/test_check.py. Among the rows, the mistakes issue 19 names: the unbiased variance in train
mode, the wrong axis, running averages forgotten or updated in inference mode, a backward pass missing the
path through the mean or the one through the variance.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from mnist_scratch.batchnorm import batchnorm_backward as package_backward
from mnist_scratch.batchnorm import batchnorm_forward as package_forward
from mnist_scratch.lab import check


# --------------------------------------------------------------------------- forward: (Y, Z_hat, s)
def fwd(*, axis=0, ddof=0, eps_where="inside", g=True, b=True, swap=False, fixed_eps=None, out="Y, Z_hat, s",
        keepdims=False, no_centre=False, beta_inside=False):
    """Train-mode batch norm, right by default, or with one planted mistake."""
    def forward(Z, gamma, beta, eps):
        eps = eps if fixed_eps is None else fixed_eps
        mu = Z.mean(axis=axis, keepdims=True) if axis is not None else Z.mean()
        var = Z.var(axis=axis, ddof=ddof, keepdims=True) if axis is not None else Z.var()
        s = {"inside": np.sqrt(var + eps), "outside": np.sqrt(var) + eps, "none": np.sqrt(var),
             "variance": var + eps}[eps_where]
        Z_hat = (Z - (0 if no_centre else mu)) / s
        if swap:
            gamma, beta = beta, gamma
        Y = (gamma if g else 1) * (Z_hat + beta if beta_inside else Z_hat) + (0 if beta_inside or not b else beta)
        s = s if keepdims or axis != 0 else s.ravel()
        return {"Y, Z_hat, s": lambda: (Y, Z_hat, s), "Y": lambda: Y, "Z_hat, Y, s": lambda: (Z_hat, Y, s),
                "Y, Z_hat": lambda: (Y, Z_hat), "Y, Z_hat, s^2": lambda: (Y, Z_hat, s ** 2),
                "Y, Z_hat, std": lambda: (Y, Z_hat, np.sqrt(Z.var(axis=0))),
                "Y, Z - mu, s": lambda: (Y, Z - mu, s), "Y, Z_hat, 1/s": lambda: (Y, Z_hat, 1 / s),
                "float64": lambda: (Y.astype(np.float64), Z_hat, s)}[out]()
    return forward


def fwd_loop(Z, gamma, beta, eps):
    """Column by column, with Python's loops: right too."""
    Y, Z_hat, s = np.empty_like(Z), np.empty_like(Z), np.empty(Z.shape[1], Z.dtype)
    for j in range(Z.shape[1]):
        col = Z[:, j]
        mu = sum(col) / len(col)
        var = sum((c - mu) ** 2 for c in col) / len(col)
        s[j] = (var + eps) ** 0.5
        Z_hat[:, j] = (col - mu) / s[j]
        Y[:, j] = gamma[j] * Z_hat[:, j] + beta[j]
    return Y, Z_hat, s


def fwd_package(Z, gamma, beta, eps):
    d = Z.shape[1]
    Y, cache = package_forward(Z, gamma, beta, np.zeros(d), np.ones(d), train=True, eps=eps)
    return Y, cache["Z_hat"], 1 / cache["inv_std"]


# --------------------------------------------------------------------------- the layer: both modes
def layer(*, modes_swapped=False, momentum_is=None, unbiased=False, rebinds=False, forgets=False,
          updates_in_inference=False, batch_in_inference=False, no_eps_in_inference=False, returns_y=False):
    """batchnorm_layer, right by default (train mode through the learner's forward), or with one planted mistake."""
    def batchnorm_layer(Z, gamma, beta, running_mean, running_var, train, eps=1e-5, momentum=0.9):
        m = momentum if momentum_is is None else momentum_is
        if train != modes_swapped:
            Y, Z_hat, s = fwd()(Z, gamma, beta, eps)
            mu, var = Z.mean(axis=0), Z.var(axis=0, ddof=1 if unbiased else 0)
            if rebinds:
                running_mean = m * running_mean + (1 - m) * mu      # noqa: F841 (the mistake: a new array)
                running_var = m * running_var + (1 - m) * var        # noqa: F841
            elif not forgets:
                running_mean *= m
                running_mean += (1 - m) * mu
                running_var *= m
                running_var += (1 - m) * var
            return Y if returns_y else (Y, Z_hat, s)
        if updates_in_inference:
            running_mean *= m
            running_mean += (1 - m) * Z.mean(axis=0)
        mu, var = (Z.mean(axis=0), Z.var(axis=0)) if batch_in_inference else (running_mean, running_var)
        s = np.sqrt(var + (0 if no_eps_in_inference else eps))
        Z_hat = (Z - mu) / s
        return gamma * Z_hat + beta, Z_hat, s
    return batchnorm_layer


def layer_package(Z, gamma, beta, running_mean, running_var, train, eps=1e-5, momentum=0.9):
    Y, cache = package_forward(Z, gamma, beta, running_mean, running_var, train=train, eps=eps, momentum=momentum)
    return Y, cache["Z_hat"], 1 / cache["inv_std"]


# --------------------------------------------------------------------------- backward, staged along the graph
def staged(*, mistake=None):
    """The six steps of the lesson's graph, node by node, right by default, or with one planted mistake."""
    def backward(dY, Z, gamma, eps):
        n = len(Z)
        mu = Z.mean(axis=0)
        Zc = Z - mu
        var = (Zc ** 2).sum(axis=0) / (n - 1 if mistake == "unbiased" else n)
        s = np.sqrt(var + eps)
        Z_hat = Zc / s
        dbeta, dgamma = dY.sum(axis=0), (dY * Z_hat).sum(axis=0)
        dZ_hat = dY if mistake == "no gamma" else gamma * dY                              # 1.
        ds = (1 if mistake == "ds sign" else -1) * (dZ_hat * Z_hat).sum(axis=0) / s      # 2.
        dvar = ds / (s if mistake == "no half" else 2 * s)                               # 3.
        dZc = dZ_hat / s                                                                  # 4.
        if mistake not in ("no variance path", "only the direct path"):
            dZc = dZc + (1 if mistake == "1/n" else 2) / n * (Z if mistake == "Z" else Zc) * dvar   # Z: right too
        if mistake in ("no mean path", "only the direct path"):
            return dZc, dgamma, dbeta
        dmu = (1 if mistake == "dmu sign" else -1) * dZc.sum(axis=0)                     # 5.
        dZ = dZc + (dmu if mistake == "no 1/n" else dmu / n)                              # 6.
        if mistake == "dgamma mean":
            dgamma = dgamma / n
        return dZ, dgamma, dbeta
    return backward


def staged_cs231n(dY, Z, gamma, eps):
    """CS231n's staged backward, with its intermediate names: right too."""
    N = Z.shape[0]
    mu = Z.mean(axis=0)
    xmu = Z - mu
    var = (xmu ** 2).mean(axis=0)
    sqrtvar = np.sqrt(var + eps)
    ivar = 1 / sqrtvar
    xhat = xmu * ivar
    dbeta, dgamma = dY.sum(axis=0), (dY * xhat).sum(axis=0)
    dxhat = dY * gamma
    divar = (dxhat * xmu).sum(axis=0)
    dxmu1 = dxhat * ivar
    dsqrtvar = -1 / sqrtvar ** 2 * divar
    dvar = 0.5 / np.sqrt(var + eps) * dsqrtvar
    dxmu2 = 2 * xmu * np.ones_like(dY) / N * dvar
    dx1 = dxmu1 + dxmu2
    dmu = -dx1.sum(axis=0)
    return dx1 + np.ones_like(dY) / N * dmu, dgamma, dbeta


def _fixed_n(dY, Z, gamma, eps):
    """The staged backward with n fixed at 8, the first batch's."""
    mu = Z.mean(axis=0)
    s = np.sqrt(Z.var(axis=0) + eps)
    Z_hat = (Z - mu) / s
    dZ_hat = gamma * dY
    dvar = -(dZ_hat * Z_hat).sum(axis=0) / s / (2 * s)
    dZc = dZ_hat / s + 2 / 8 * (Z - mu) * dvar
    return dZc - dZc.sum(axis=0) / 8, (dY * Z_hat).sum(axis=0), dY.sum(axis=0)


def staged_package(dY, Z, gamma, eps):
    d = Z.shape[1]
    _, cache = package_forward(Z, gamma, np.zeros(d), np.zeros(d), np.ones(d), train=True, eps=eps)
    return package_backward(dY, cache)


# --------------------------------------------------------------------------- backward, compact
def bwd(*, keep=False, mean_terms=True, hat=True, g=True, sums=False, times_s=False, swap=False, dbeta_mean=False,
        dgamma_plain=False, dbeta_axis=0, mean_only=False):
    def backward(dY, Z_hat, gamma, s):
        avg = (lambda a: a.sum(0)) if sums else (lambda a: a.mean(0))
        inner = dY - (avg(dY) if mean_terms else 0) - (Z_hat * avg(dY * Z_hat) if hat and mean_terms and
                                                       not mean_only else 0)
        dZ = (gamma if g else 1) * (inner * s if times_s else inner / s)
        dbeta = dY.mean(0) if dbeta_mean else dY.sum(axis=dbeta_axis, keepdims=keep)
        dgamma = dY.sum(0) if dgamma_plain else (dY * Z_hat).sum(0, keepdims=keep)
        return (dZ, dbeta, dgamma) if swap else (dZ, dgamma, dbeta)
    return backward


def bwd_jacobian(dY, Z_hat, gamma, s):
    """Each column's full n x n Jacobian (1/s)(I - 1/n - z_hat z_hat^T / n), applied to gamma * dY: right too."""
    n, d = dY.shape
    dZ = np.empty_like(dY)
    for j in range(d):
        jac = (np.eye(n) - 1 / n - np.outer(Z_hat[:, j], Z_hat[:, j]) / n) / s[j]
        dZ[:, j] = jac.T @ (gamma[j] * dY[:, j])
    return dZ, np.einsum("ij,ij->j", dY, Z_hat), np.sum(dY, axis=0)


def bwd_package(dY, Z_hat, gamma, s):
    return package_backward(dY, {"Z_hat": Z_hat, "gamma": gamma, "inv_std": 1 / s, "train": True})


RIGHT_ANSWERS = [
    ("batchnorm_forward", "vectorised, s without keepdims", fwd()),
    ("batchnorm_forward", "keepdims: s of shape (1, d)", fwd(keepdims=True)),
    ("batchnorm_forward", "Python loops over the columns", fwd_loop),
    ("batchnorm_layer", "train mode through batchnorm_forward, in place", layer()),
    ("batchnorm_backward_staged", "the lesson's six steps", staged()),
    ("batchnorm_backward_staged", "CS231n's staged backward", staged_cs231n),
    ("batchnorm_backward_staged", "Z for Z - mu in the variance path (the mean path removes the difference)",
     staged(mistake="Z")),
    ("batchnorm_backward", "the compact formula with means", bwd()),
    ("batchnorm_backward", "the full Jacobian per column", bwd_jacobian),
    ("batchnorm_backward", "a list, sums divided by n",
     lambda dY, Zh, g, s: [g / (len(dY) * s) * (len(dY) * dY - dY.sum(0) - Zh * (dY * Zh).sum(0)),
                           np.einsum("ij,ij->j", dY, Zh), dY.sum(axis=0)]),
]

#: The package's own answers, refused by the checks (tests/package/lab/test_refusal.py).
PACKAGE_ANSWERS = [
    ("batchnorm_forward", "the package's batchnorm_forward", fwd_package, "batchnorm.batchnorm_forward"),
    ("batchnorm_layer", "the package's batchnorm_forward in both modes", layer_package, "batchnorm.batchnorm_forward"),
    ("batchnorm_backward_staged", "the package's batchnorm_backward", staged_package, "batchnorm.batchnorm_backward"),
    ("batchnorm_backward", "the package's batchnorm_backward", bwd_package, "batchnorm.batchnorm_backward"),
]

WRONG_ANSWERS = [
    ('batchnorm_forward', 'normalized over axis=1', fwd(axis=1),
     "you normalized each ROW (one image's features) instead of each column: batch norm normalizes "
     'every feature over the batch, so take the mean and variance with axis=0.'),
    ('batchnorm_forward', 'one mean and variance for the whole array', fwd(axis=None),
     'you took one mean and one variance over the whole array: batch norm normalizes every column '
     '(feature) separately, so use Z.mean(axis=0) and Z.var(axis=0).'),
    ('batchnorm_forward', 'unbiased variance in train mode', fwd(ddof=1),
     'you used the unbiased variance (ddof=1, dividing by n - 1). Batch norm normalizes with the '
     "batch's own variance, dividing by n: np.var's default, ddof=0."),
    ('batchnorm_forward', 'eps outside the square root', fwd(eps_where="outside"),
     'eps belongs inside the square root, as in the paper and the libraries: divide by np.sqrt(var + '
     'eps), not by np.sqrt(var) + eps.'),
    ('batchnorm_forward', 'no eps', fwd(eps_where="none"),
     'you forgot eps: divide by np.sqrt(var + eps), so that a column that is constant over the batch '
     '(variance 0) does not divide by zero.'),
    ('batchnorm_forward', 'divides by the variance', fwd(eps_where="variance"),
     'divide by the standard deviation, np.sqrt(var + eps), not by the variance.'),
    ('batchnorm_forward', 'gamma and beta swapped', fwd(swap=True),
     'gamma and beta are swapped: gamma scales Z_hat and beta is added, gamma * Z_hat + beta.'),
    ('batchnorm_forward', 'no gamma', fwd(g=False),
     'you forgot gamma: the output is gamma * Z_hat + beta.'),
    ('batchnorm_forward', 'no beta', fwd(b=False),
     'you forgot beta: the output is gamma * Z_hat + beta.'),
    ('batchnorm_forward', 'Y is Z_hat', fwd(g=False, b=False),
     'you returned Z_hat itself as Y: the output is gamma * Z_hat + beta, which lets the network '
     'choose the scale and shift it wants.'),
    ('batchnorm_forward', 'the means not subtracted', fwd(no_centre=True),
     'you did not subtract the column means: Z_hat = (Z - Z.mean(axis=0)) / np.sqrt(var + eps), so '
     'that every column is centred on 0.'),
    ('batchnorm_forward', 'gamma * (Z_hat + beta)', fwd(beta_inside=True),
     'beta is added after the scaling: gamma * Z_hat + beta, not gamma * (Z_hat + beta).'),
    ('batchnorm_forward', 'a fixed eps of 1e-5', fwd(fixed_eps=1e-5),
     'you used a fixed eps (1e-05) instead of the argument eps: divide by np.sqrt(var + eps) with the '
     'eps the function is given.'),
    ('batchnorm_forward', 'returns only Y', fwd(out="Y"),
     'batchnorm_forward must return three things, Y, Z_hat and s (the backward pass needs Z_hat and '
     's), not one array.'),
    ('batchnorm_forward', 'returns (Z_hat, Y, s)', fwd(out="Z_hat, Y, s"),
     'Y and Z_hat are swapped: return Y = gamma * Z_hat + beta first, then Z_hat, then s.'),
    ('batchnorm_forward', 'returns two things', fwd(out="Y, Z_hat"),
     'batchnorm_forward must return three things, Y, Z_hat and s, not 2.'),
    ('batchnorm_forward', 's is the variance plus eps', fwd(out="Y, Z_hat, s^2"),
     's is the variance plus eps; return its square root, s = np.sqrt(var + eps).'),
    ('batchnorm_forward', 's without eps', fwd(out="Y, Z_hat, std"),
     's must include eps: s = np.sqrt(var + eps), the number Z_hat was divided by.'),
    ('batchnorm_forward', 's as 1 / s', fwd(out="Y, Z_hat, 1/s"),
     'that is 1 / s; return s = np.sqrt(var + eps) itself.'),
    ('batchnorm_forward', 'Z_hat only centred', fwd(out="Y, Z - mu, s"),
     'Y is right, but Z_hat is only centred: divide it by s too, Z_hat = (Z - mean) / s.'),
    ('batchnorm_forward', 'float64 out of float32', fwd(out="float64"),
     'right values, but float32 inputs give float64 out: Y comes out as float64 (a float64 eps or '
     'mean?). The networks here are float32, and a float64 array turns every product it meets into '
     "float64, twice the memory and the time on 59,000 images. Keep the input's dtype (for example "
     '.astype(Z.dtype)).'),
    ('batchnorm_forward', 'changes Z in place', lambda Z, g, b, e: fwd()(Z.__isub__(Z.mean(0)), g, b, e),
     'it changed its input array in place; leave the input alone and return a new array (the network '
     'still needs the input for the backward pass).'),
    ('batchnorm_layer', 'modes swapped', layer(modes_swapped=True),
     "the modes are swapped: train mode (train=True) normalizes with the batch's own statistics and "
     'updates the running averages; inference mode normalizes with the running averages.'),
    ('batchnorm_layer', 'momentum and 1 - momentum swapped', layer(momentum_is=0.2),
     'momentum and 1 - momentum are swapped: momentum (0.9) is the share of the OLD running average '
     "that is kept, and only 1 - momentum of the batch's statistics comes in."),
    ('batchnorm_layer', 'momentum fixed at 0.9', layer(momentum_is=0.9),
     'right for momentum = 0.9, but the check passed momentum = 0.8: use the momentum argument.'),
    ('batchnorm_layer', 'unbiased variance in the running average', layer(unbiased=True),
     'the running variance averages the unbiased variance (ddof=1); this lesson records the same '
     'divide-by-n variance the batch was normalized with, Z.var(axis=0).'),
    ('batchnorm_layer', 'rebinds the running averages', layer(rebinds=True),
     "the running averages you were given did not change in train mode: move them towards the batch's "
     'mean and variance IN PLACE (running_mean *= momentum, then running_mean += (1 - momentum) * '
     'mean, the same for the variance); running_mean = ... makes a new array that the network never '
     'sees.'),
    ('batchnorm_layer', 'forgets the running averages', layer(forgets=True),
     "the running averages you were given did not change in train mode: move them towards the batch's "
     'mean and variance IN PLACE (running_mean *= momentum, then running_mean += (1 - momentum) * '
     'mean, the same for the variance); running_mean = ... makes a new array that the network never '
     'sees.'),
    ('batchnorm_layer', 'updates the running averages in inference mode', layer(updates_in_inference=True),
     'inference mode (train=False) changed the running averages: only training steps update them; '
     'inference reads them, (Z - running_mean) / np.sqrt(running_var + eps), and leaves them as they '
     'are.'),
    ('batchnorm_layer', 'batch statistics in inference mode', layer(batch_in_inference=True),
     "in inference mode (train=False) you normalized with the batch's statistics: use the running "
     'averages, (Z - running_mean) / np.sqrt(running_var + eps), so that a prediction does not depend '
     'on the rest of its batch.'),
    ('batchnorm_layer', 'no eps in inference mode', layer(no_eps_in_inference=True),
     'inference mode divides by np.sqrt(running_var + eps): you left out eps there.'),
    ('batchnorm_layer', 'returns only Y', layer(returns_y=True),
     'batchnorm_layer must return three things, Y, Z_hat and s (the backward pass needs Z_hat and s), '
     'not one array.'),
    ('batchnorm_layer', 'train mode with the unbiased variance', lambda Z, g, b, m, v, train, eps=1e-5, momentum=0.9: (fwd(ddof=1)(Z, g, b, eps) if train else layer()(Z, g, b, m, v, train, eps, momentum)),
     'in train mode, you used the unbiased variance (ddof=1, dividing by n - 1). Batch norm '
     "normalizes with the batch's own variance, dividing by n: np.var's default, ddof=0."),
    ('batchnorm_backward_staged', 'only the direct path', staged(mistake="only the direct path"),
     'dZ = gamma * dY / s is the INFERENCE-mode gradient: you followed only the direct path. In train '
     'mode the mean and the variance come from the batch, so dZ also collects the paths through them '
     '(steps 2 to 6).'),
    ('batchnorm_backward_staged', 'no path through the mean', staged(mistake="no mean path"),
     'you stopped at d(Z - mu): the path through the mean is missing. mu feeds every row, so dmu = '
     '-(sum of d(Z - mu) over the rows), and each z_i gets dmu / n on top (steps 5 and 6).'),
    ('batchnorm_backward_staged', 'no path through the variance', staged(mistake="no variance path"),
     'the path through the variance is missing: sigma^2 = mean((Z - mu)^2) adds (2 / n) (Z - mu) * '
     'dvar to d(Z - mu) (step 4).'),
    ('batchnorm_backward_staged', 'no gamma', staged(mistake="no gamma"),
     'you forgot gamma: Y = gamma * Z_hat + beta, so the gradient reaching Z_hat is dZ_hat = gamma * '
     'dY (step 1).'),
    ('batchnorm_backward_staged', 'ds with a plus', staged(mistake="ds sign"),
     'ds has the wrong sign: Z_hat = (Z - mu) / s, and the derivative of 1 / s is -1 / s^2, so ds = '
     '-(sum of dZ_hat * Z_hat) / s (step 2).'),
    ('batchnorm_backward_staged', 'dvar = ds / s, no 1/2', staged(mistake="no half"),
     'the derivative of a square root is 1 / (2 sqrt(x)): dvar = ds / (2 s), not ds / s (step 3).'),
    ('batchnorm_backward_staged', '(1 / n) for (2 / n)', staged(mistake="1/n"),
     'the derivative of (z - mu)^2 is 2 (z - mu): the variance path adds (2 / n) (Z - mu) * dvar, not '
     '(1 / n) (step 4).'),
    ('batchnorm_backward_staged', 'dmu with a plus', staged(mistake="dmu sign"),
     'dmu has the wrong sign: mu is SUBTRACTED from every row, so dmu = -(sum of d(Z - mu) over the '
     'rows) (step 5).'),
    ('batchnorm_backward_staged', 'dmu not divided by n', staged(mistake="no 1/n"),
     'mu = (1 / n) sum of z_i, so each z_i gets dmu / n, not the whole dmu (step 6).'),
    ('batchnorm_backward_staged', 'the unbiased variance', staged(mistake="unbiased"),
     'you recomputed the variance with ddof=1 (dividing by n - 1); the forward pass divides by n, '
     'Z.var(axis=0), and its backward must follow the same graph.'),
    ('batchnorm_backward_staged', 'dgamma as a mean', staged(mistake="dgamma mean"),
     'dgamma is the MEAN of dY * Z_hat over the rows; it is the sum.'),
    ('batchnorm_backward_staged', 'a fixed n = 8', lambda dY, Z, g, e: _fixed_n(dY, Z, g, e),
     'right for the first batch, but not for a second one of 5 rows with eps = 0.1: use the eps you '
     "are given, and the batch's own n."),
    ('batchnorm_backward', 'no mean terms', bwd(mean_terms=False),
     'dZ = gamma * dY / s is the INFERENCE-mode gradient. In train mode the mean and the variance are '
     "computed from the batch, so every row's output depends on every row: the paths through mu and "
     'sigma^2 are missing.'),
    ('batchnorm_backward', 'no mean(dY) term', lambda dY, Zh, g, s: (g / s * (dY - Zh * (dY * Zh).mean(0)), (dY * Zh).sum(0), dY.sum(0)),
     'the term from the path through the mean mu is missing: the gradient that reaches Z loses its '
     'column mean, mean(dY).'),
    ('batchnorm_backward', 'no Z_hat term', bwd(hat=False),
     'the term from the path through the variance is missing: the gradient that reaches Z also loses '
     'its component along Z_hat, Z_hat * mean(dY * Z_hat).'),
    ('batchnorm_backward', 'no gamma', bwd(g=False),
     'you forgot gamma: the output is gamma * Z_hat + beta, so the gradient reaching Z_hat is gamma * '
     'dY; dZ = gamma / s * (...).'),
    ('batchnorm_backward', 'sums for means', bwd(sums=True),
     'the two correction terms use the MEANS over the rows (sum divided by n), not the sums: mean(dY) '
     'and mean(dY * Z_hat), with axis=0.'),
    ('batchnorm_backward', 'times s', bwd(times_s=True),
     "multiply by gamma / s, don't multiply by s: Z_hat = (Z - mu) / s, so dZ_hat/dZ carries 1 / s."),
    ('batchnorm_backward', 'dgamma with keepdims', bwd(keep=True),
     "dgamma has shape (1, 5); it must have gamma's shape (5,): sum over the rows without keepdims."),
    ('batchnorm_backward', 'dbeta over axis=1', bwd(dbeta_axis=1),
     'dbeta has shape (8,), one number per row: sum over the rows (axis=0), not across the features, '
     'so that you get one number per feature, shape (5,).'),
    ('batchnorm_backward', 'dgamma and dbeta swapped', bwd(swap=True),
     'dgamma and dbeta are swapped: dbeta = sum of dY over the rows, dgamma = sum of dY * Z_hat.'),
    ('batchnorm_backward', 'dbeta as a mean', bwd(dbeta_mean=True),
     'dbeta is the MEAN of dY over the rows; it is the sum (dY already carries the 1/n of the mean '
     'cost).'),
    ('batchnorm_backward', 'dgamma without Z_hat', bwd(dgamma_plain=True),
     'dgamma must weight dY by Z_hat (gamma multiplies Z_hat): sum of dY * Z_hat over the rows.'),
    ('batchnorm_backward', 'returns dZ only', lambda *a: bwd()(*a)[0],
     'return three things, in this order: dZ, dgamma, dbeta.'),
    ('batchnorm_backward', 'a None among the three', lambda *a: (bwd()(*a)[0], None, bwd()(*a)[2]),
     'one of dZ, dgamma, dbeta is None: did you forget to compute it?'),
    ('batchnorm_backward', 'dZ transposed', lambda *a: (bwd()(*a)[0].T, *bwd()(*a)[1:]),
     "dZ must have dY's shape (8, 5), got (5, 8)."),
    ('batchnorm_backward', 'divided by n again', lambda *a: (bwd()(*a)[0] / len(a[0]), *bwd()(*a)[1:]),
     "yours is n = 8 times too small: the two means already carry the 1/n, so don't divide by n "
     'again.'),
    ('batchnorm_backward', 'sums not divided by n', lambda dY, Zh, g, s: (g / s * (len(dY) * dY - dY.sum(0) - Zh * (dY * Zh).sum(0)), (dY * Zh).sum(0), dY.sum(0)),
     'yours is n = 8 times too large: n * dY - sum(dY) - Z_hat * sum(dY * Z_hat) must still be '
     'divided by n, or written with means.'),
    ('batchnorm_backward', 'the Z_hat term added', lambda dY, Zh, g, s: (g / s * (dY - dY.mean(0) + Zh * (dY * Zh).mean(0)), (dY * Zh).sum(0), dY.sum(0)),
     'the Z_hat * mean(dY * Z_hat) term is subtracted, not added: the variance path pulls the '
     'gradient away from Z_hat.'),
    ('batchnorm_backward', 'divided by s squared', lambda dY, Zh, g, s: (g / s ** 2 * (dY - dY.mean(0) - Zh * (dY * Zh).mean(0)), (dY * Zh).sum(0), dY.sum(0)),
     'divide by s once, not by s squared: dZ = gamma / s * (...); the 1/s^2 of the variance path is '
     'already inside the Z_hat * mean(dY * Z_hat) term.'),
    ('batchnorm_backward', 'dgamma by a matrix product', lambda dY, Zh, g, s: (bwd()(dY, Zh, g, s)[0], dY.T @ Zh, dY.sum(0)),
     'dgamma has shape (5, 5): dY.T @ Z_hat is a matrix product, which mixes the columns. Multiply '
     'element by element and sum over the rows: (dY * Z_hat).sum(axis=0) (that is the diagonal of '
     'your matrix).'),
    ('batchnorm_backward', 'a fixed n = 8', lambda dY, Zh, g, s: (g / (8 * s) * (8 * dY - dY.sum(0) - Zh * (dY * Zh).sum(0)), (dY * Zh).sum(0), dY.sum(0)),
     "right for the first batch, but not for a second one of 5 rows: use the batch's own n (or means "
     'over the rows), not a number of your own.'),
    ('batchnorm_backward', 'float64 out of float32', lambda *a: (bwd()(*a)[0].astype(np.float64), *bwd()(*a)[1:]),
     'right values, but float32 inputs give float64 out: dZ comes out as float64. The networks here '
     'are float32, and a float64 array turns every product it meets into float64, twice the memory '
     "and the time on 59,000 images. Keep the input's dtype (for example .astype(Z.dtype))."),
]


@pytest.mark.parametrize("name,answer,fn", RIGHT_ANSWERS, ids=[f"{r[0]}: {r[1]}" for r in RIGHT_ANSWERS])
def test_a_right_answer_passes(capsys, name, answer, fn):
    assert check.hint_of(check.CHECKS[name], fn) is None
    assert check.CHECKS[name](fn) is None
    assert capsys.readouterr().out.startswith(f"✅ {name}: ")


def test_every_check_knows_at_least_six_wrong_answers_and_names_most_mistakes():
    counts = Counter(row[0] for row in WRONG_ANSWERS)
    assert set(counts) == {"batchnorm_forward", "batchnorm_layer", "batchnorm_backward_staged", "batchnorm_backward"}
    assert min(counts.values()) >= 6, counts
    generic = [row for row in WRONG_ANSWERS if "differs" in row[3]]
    assert len(generic) <= 0.2 * len(WRONG_ANSWERS), [row[1] for row in generic]


@pytest.mark.parametrize("strange", [None, "abc", lambda *a: None, lambda *a: (None, None, None), lambda *a: 1 / 0,
                                     lambda *a: (np.zeros(3), np.zeros(3), np.zeros(3)), lambda *a: np.ones((3, 3)) * 1j,
                                     lambda *a: ("dZ", "dgamma", "dbeta"), lambda *a: (np.nan, np.nan, np.nan)],
                         ids=["None", "a string", "returns None", "three Nones", "raises", "wrong shapes", "complex",
                              "text", "NaN"])
@pytest.mark.parametrize("name", ["batchnorm_forward", "batchnorm_layer", "batchnorm_backward_staged",
                                  "batchnorm_backward"])
def test_a_strange_answer_gets_a_hint_not_a_crash(name, strange):
    hint = check.hint_of(check.CHECKS[name], strange)
    assert isinstance(hint, str) and hint and "stumbled" not in hint, hint


def test_the_staged_and_the_compact_backward_agree_with_the_package():
    """Sanity check of the table itself: the right answers above are the package's gradients."""
    rng = np.random.default_rng(0)
    Z, dY, gamma = rng.normal(size=(7, 3)), rng.normal(size=(7, 3)), rng.uniform(0.5, 2, 3)
    Y, Z_hat, s = fwd()(Z, gamma, np.zeros(3), 1e-5)
    for answer in (staged()(dY, Z, gamma, 1e-5), staged_cs231n(dY, Z, gamma, 1e-5), bwd()(dY, Z_hat, gamma, s)):
        assert all(np.allclose(a, b) for a, b in zip(answer, staged_package(dY, Z, gamma, 1e-5)))
