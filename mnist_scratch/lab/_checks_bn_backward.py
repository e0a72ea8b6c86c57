"""Self-checks for lesson 9's batch-norm backward passes: staged along the computational graph, and compact.

``batchnorm_backward_staged(dY, Z, gamma, eps)`` walks the graph node by node from
the raw batch; ``batchnorm_backward(dY, Z_hat, gamma, s)`` is the compact formula
the lesson derives from it. Both are tried on a batch of 8 rows and 5 columns and
then on one of 5 rows and 3 columns with a large ``eps`` (where the position of eps
shows) and negative entries in gamma, and the compact one on float32 too. A wrong
``dZ`` is compared with the paths a learner may drop or mistype (the path through
the mean, the one through the variance, the 1/2 of the square root's derivative,
the 2 of the square's, a sign, a sum for a mean...), so that the hint names it.
"""

from __future__ import annotations

import numpy as np

from ._checking import Wrong, call, checker, differs_by, keeps_float32, same

__all__ = ["batchnorm_backward_staged", "batchnorm_backward"]

_rng = np.random.default_rng


def _inputs(seed: int, n: int, d: int, eps: float):
    """``dY, Z, gamma, eps`` and what the forward pass made of Z: ``Z_hat, s``."""
    rng = _rng(seed)
    Z = rng.normal(0, 1, (n, d)) * rng.uniform(0.5, 3, d) + rng.normal(0, 2, d)
    gamma = rng.uniform(0.5, 2.0, d) * rng.choice([-1, 1], d)
    s = np.sqrt(Z.var(axis=0) + eps)
    return rng.normal(0, 1, (n, d)), Z, gamma, eps, (Z - Z.mean(axis=0)) / s, s


#: Two inputs: a batch of 8 x 5 with PyTorch's eps, and one of 5 x 3 with a large eps.
_CASES = [(91, 8, 5, 1e-5), (92, 5, 3, 0.1)]


def _staged(dY, Z, gamma, eps, mistake=None):
    """dZ by the six steps of the lesson's graph, right (``mistake=None``) or with one planted mistake."""
    n = len(Z)
    mu = Z.mean(axis=0)
    Zc = Z - mu
    var = Z.var(axis=0, ddof=1 if mistake == "unbiased" else 0)
    s = np.sqrt(var + eps)
    Z_hat = Zc / s
    dZ_hat = dY if mistake == "no gamma" else gamma * dY                            # 1.
    ds = (1 if mistake == "ds sign" else -1) * (dZ_hat * Z_hat).sum(axis=0) / s    # 2.
    dvar = ds / (s if mistake == "no half" else 2 * s)                             # 3.
    if mistake in ("no variance path", "no paths"):
        dZc = dZ_hat / s
    else:                                                                           # 4.
        dZc = dZ_hat / s + (1 if mistake == "1/n for 2/n" else 2) / n * Zc * dvar
    if mistake in ("no mean path", "no paths"):
        return dZc
    dmu = (1 if mistake == "dmu sign" else -1) * dZc.sum(axis=0)                   # 5.
    return dZc + (dmu if mistake == "no 1/n" else dmu / n)                         # 6.


_STAGED_MISTAKES = {
    "no paths": "dZ = gamma * dY / s is the INFERENCE-mode gradient: you followed only the direct path. In train "
                "mode the mean and the variance come from the batch, so dZ also collects the paths through them "
                "(steps 2 to 6).",
    "no mean path": "you stopped at d(Z - mu): the path through the mean is missing. mu feeds every row, so "
                    "dmu = -(sum of d(Z - mu) over the rows), and each z_i gets dmu / n on top (steps 5 and 6).",
    "no variance path": "the path through the variance is missing: sigma^2 = mean((Z - mu)^2) adds "
                        "(2 / n) (Z - mu) * dvar to d(Z - mu) (step 4).",
    "no gamma": "you forgot gamma: Y = gamma * Z_hat + beta, so the gradient reaching Z_hat is dZ_hat = gamma * dY "
                "(step 1).",
    "ds sign": "ds has the wrong sign: Z_hat = (Z - mu) / s, and the derivative of 1 / s is -1 / s^2, so "
               "ds = -(sum of dZ_hat * Z_hat) / s (step 2).",
    "no half": "the derivative of a square root is 1 / (2 sqrt(x)): dvar = ds / (2 s), not ds / s (step 3).",
    "1/n for 2/n": "the derivative of (z - mu)^2 is 2 (z - mu): the variance path adds (2 / n) (Z - mu) * dvar, "
                   "not (1 / n) (step 4).",
    "dmu sign": "dmu has the wrong sign: mu is SUBTRACTED from every row, so dmu = -(sum of d(Z - mu) over the "
                "rows) (step 5).",
    "no 1/n": "mu = (1 / n) sum of z_i, so each z_i gets dmu / n, not the whole dmu (step 6).",
    "unbiased": "you recomputed the variance with ddof=1 (dividing by n - 1); the forward pass divides by n, "
                "Z.var(axis=0), and its backward must follow the same graph.",
}


def _compact(dY, Z_hat, gamma, s, *, means=True, mean_term=True, hat_term=True, use_gamma=True, divide=True):
    avg = (lambda a: a.mean(axis=0)) if means else (lambda a: a.sum(axis=0))
    inner = dY - (avg(dY) if mean_term else 0) - (Z_hat * avg(dY * Z_hat) if hat_term else 0)
    return (gamma if use_gamma else 1) * (inner / s if divide else inner * s)


def _triple(got, dY, Z_hat, Z=None):
    """The learner's ``(dZ, dgamma, dbeta)`` with dgamma and dbeta checked, or a hint (``Z``: the raw batch, when
    the learner recomputes Z_hat from it)."""
    n, d = dY.shape
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
    if Z is not None and same(dgamma, (dY * (Z - Z.mean(axis=0)) / Z.std(axis=0, ddof=1)).sum(axis=0), rtol=1e-3):
        raise Wrong(_STAGED_MISTAKES["unbiased"])
    if same(dgamma, (dY * Z_hat).mean(axis=0)):
        raise Wrong("dgamma is the MEAN of dY * Z_hat over the rows; it is the sum.")
    if not same(dgamma, right_dgamma):
        raise Wrong(f"dgamma should be the sum of dY * Z_hat over the rows; yours differs "
                    f"{differs_by(dgamma, right_dgamma)}.")
    if dZ.shape != dY.shape:
        raise Wrong(f"dZ must have dY's shape {dY.shape}, got {dZ.shape}.")
    if not np.all(np.isfinite(dZ)):
        raise Wrong("dZ holds NaN or infinite values: no step of the backward pass divides by anything but s.")
    return dZ


@checker(refuses=("mnist_scratch.batchnorm.batchnorm_backward", "mnist_scratch.bn_network.bn_backward",
                  "mnist_scratch.lab.reference.batchnorm_backward_staged",
                  "mnist_scratch.lab.reference.batchnorm_backward"))
def batchnorm_backward_staged(fn):
    """``fn(dY, Z, gamma, eps)``: train-mode batch norm's ``(dZ, dgamma, dbeta)``, walking the graph from Z."""
    for number, (seed, n, d, eps) in enumerate(_CASES):
        dY, Z, gamma, eps, Z_hat, s = _inputs(seed, n, d, eps)
        dZ = _triple(call(fn, dY, Z, gamma, eps, numeric=False, warn=False), dY, Z_hat, Z)
        if same(dZ, _staged(dY, Z, gamma, eps)):
            continue
        for mistake, hint in _STAGED_MISTAKES.items():
            if same(dZ, _staged(dY, Z, gamma, eps, mistake)):
                raise Wrong(hint)
        if number == 1:
            raise Wrong(f"right for the first batch, but not for a second one of {n} rows with eps = {eps:g}: "
                        f"use the eps you are given, and the batch's own n.")
        raise Wrong(f"dZ differs from the chain rule's, node by node, {differs_by(dZ, _staged(dY, Z, gamma, eps))}: "
                    f"check each step's shape and sum over the rows where a node feeds every row (s, mu).")
    return ("the gradient walked back through the graph, through gamma, s, the variance and the mean, with "
            "dgamma and dbeta on the way. Correct!")


_COMPACT_MISTAKES = [
    (dict(mean_term=False, hat_term=False), "dZ = gamma * dY / s is the INFERENCE-mode gradient. In train mode the "
     "mean and the variance are computed from the batch, so every row's output depends on every row: the paths "
     "through mu and sigma^2 are missing."),
    (dict(mean_term=False), "the term from the path through the mean mu is missing: the gradient that reaches Z "
     "loses its column mean, mean(dY)."),
    (dict(hat_term=False), "the term from the path through the variance is missing: the gradient that reaches Z "
     "also loses its component along Z_hat, Z_hat * mean(dY * Z_hat)."),
    (dict(use_gamma=False), "you forgot gamma: the output is gamma * Z_hat + beta, so the gradient reaching Z_hat "
     "is gamma * dY; dZ = gamma / s * (...)."),
    (dict(divide=False), "multiply by gamma / s, don't multiply by s: Z_hat = (Z - mu) / s, so dZ_hat/dZ carries "
     "1 / s."),
    (dict(means=False), "the two correction terms use the MEANS over the rows (sum divided by n), not the sums: "
     "mean(dY) and mean(dY * Z_hat), with axis=0."),
]


def _gradients_right(fn) -> dict:
    """For grading: ``{"dZ": True, "dgamma": ..., "dbeta": ...}``, whether each gradient is right."""
    dY, _, gamma, _, Z_hat, s = _inputs(*_CASES[0])
    right = (_compact(dY, Z_hat, gamma, s), (dY * Z_hat).sum(axis=0), dY.sum(axis=0))
    try:
        got = call(fn, dY, Z_hat, gamma, s, numeric=False, warn=False)
    except Wrong:
        got = None
    ok = {}
    for i, name in enumerate(("dZ", "dgamma", "dbeta")):
        try:
            ok[name] = isinstance(got, (tuple, list)) and len(got) == 3 and same(np.asarray(got[i], float), right[i])
        except (TypeError, ValueError):
            ok[name] = False
    return ok


@checker(refuses=("mnist_scratch.batchnorm.batchnorm_backward", "mnist_scratch.bn_network.bn_backward",
                  "mnist_scratch.lab.reference.batchnorm_backward"),
         items=("dZ", "dgamma", "dbeta"), score_items=_gradients_right)
def batchnorm_backward(fn):
    """``fn(dY, Z_hat, gamma, s)``: train-mode batch norm's gradients ``(dZ, dgamma, dbeta)``, compactly."""
    for number, (seed, n, d, eps) in enumerate(_CASES):
        dY, _, gamma, _, Z_hat, s = _inputs(seed, n, d, eps)
        dZ = _triple(call(fn, dY, Z_hat, gamma, s, numeric=False, warn=False), dY, Z_hat)
        right = _compact(dY, Z_hat, gamma, s)
        if same(dZ, right):
            continue
        for changes, hint in _COMPACT_MISTAKES:
            if same(dZ, _compact(dY, Z_hat, gamma, s, **changes)):
                raise Wrong(hint)
        inner = dY - dY.mean(axis=0) - Z_hat * (dY * Z_hat).mean(axis=0)
        for candidate, hint in [
            (right / n, f"yours is n = {n} times too small: the two means already carry the 1/n, so don't divide "
                        f"by n again."),
            (right * n, f"yours is n = {n} times too large: n * dY - sum(dY) - Z_hat * sum(dY * Z_hat) must still be "
                        f"divided by n, or written with means."),
            (gamma / s * (dY - dY.mean(axis=0) + Z_hat * (dY * Z_hat).mean(axis=0)), "the Z_hat * mean(dY * Z_hat) "
             "term is subtracted, not added: the variance path pulls the gradient away from Z_hat."),
            (gamma / s ** 2 * inner, "divide by s once, not by s squared: dZ = gamma / s * (...); the 1/s^2 of the "
             "variance path is already inside the Z_hat * mean(dY * Z_hat) term."),
        ]:
            if same(dZ, candidate):
                raise Wrong(hint)
        if number == 1:
            raise Wrong(f"right for the first batch, but not for a second one of {n} rows: use the batch's own n "
                        f"(or means over the rows), not a number of your own.")
        raise Wrong(f"dZ differs from the compact formula derived in the lesson {differs_by(dZ, right)}. Take every "
                    f"mean over the rows, axis=0.")
    dY, _, gamma, _, Z_hat, s = (a.astype(np.float32) if isinstance(a, np.ndarray) else a
                                 for a in _inputs(93, 6, 4, 1e-5))
    keeps_float32(lambda *a: fn(*a)[0], dY, Z_hat, gamma, s, what="dZ comes out as float64.", warn=False)
    return "dZ, dgamma and dbeta match the staged backward, for any batch, in one line of NumPy. Correct!"
