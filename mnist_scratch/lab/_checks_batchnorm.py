"""Self-checks for lesson 9's batch-norm forward pass: train mode, and both modes with the running averages.

``batchnorm_forward`` is tried on batches whose columns have very different centres
and spreads (one nearly constant), with a large ``eps`` (so that where it goes
shows) and then a small one, in float64 and in float32. ``batchnorm_layer`` is
called in train mode twice in a row (the running averages must build up, in place,
with the ``momentum`` given), then in inference mode (the running averages normalize
and stay as they are). A wrong answer is compared with the usual mistakes (the wrong
axis, eps in the wrong place, the unbiased variance, a forgotten gamma, running
averages forgotten, rebound instead of updated, or updated in inference mode...), so
that the hint names the one it sees. The backward passes' checks are in
:mod:`._checks_bn_backward`.
"""

from __future__ import annotations

import numpy as np

from ._checking import Wrong, call, checker, clone, differs_by, keeps_float32, same

__all__ = ["batchnorm_forward", "batchnorm_layer"]

_rng = np.random.default_rng


def _inputs(seed: int, n: int, d: int):
    """Columns of very different means and spreads (the third nearly constant), gamma and beta far from 1 and 0."""
    rng = _rng(seed)
    spreads = rng.uniform(0.5, 5.0, d)
    spreads[2] = 0.05
    Z = rng.normal(0, 1, (n, d)) * spreads + rng.normal(0, 3, d)
    return Z, rng.uniform(0.5, 2.0, d) * rng.choice([-1, 1], d), rng.normal(0, 1, d)


def _normalize(Z, gamma, beta, eps, *, axis=0, ddof=0, how="inside"):
    keep = axis is not None
    mu, var = Z.mean(axis=axis, keepdims=keep), Z.var(axis=axis, ddof=ddof, keepdims=keep)
    s = {"inside": np.sqrt(var + eps), "outside": np.sqrt(var) + eps, "none": np.sqrt(var),
         "variance": var + eps}[how]
    return gamma * (Z - mu) / s + beta


def _forward_hint(Y, Z, gamma, beta, eps) -> str:
    """What is wrong with an output ``Y`` that is not train-mode batch norm of ``Z``."""
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
        (_normalize(Z, 1.0, 0.0, eps), "you returned Z_hat itself as Y: the output is gamma * Z_hat + beta, which "
         "lets the network choose the scale and shift it wants."),
        (gamma * Z / np.sqrt(Z.var(axis=0) + eps) + beta, "you did not subtract the column means: "
         "Z_hat = (Z - Z.mean(axis=0)) / np.sqrt(var + eps), so that every column is centred on 0."),
        (gamma * (_normalize(Z, 1.0, 0.0, eps) + beta), "beta is added after the scaling: gamma * Z_hat + beta, "
         "not gamma * (Z_hat + beta)."),
        *((_normalize(Z, gamma, beta, fixed), f"you used a fixed eps ({fixed:g}) instead of the argument eps: "
           f"divide by np.sqrt(var + eps) with the eps the function is given.") for fixed in (1e-5, 1e-8, 1e-7)),
    ]
    for candidate, hint in wrong:
        if same(Y, candidate, rtol=1e-6, atol=1e-9):
            return hint
    return (f"Y differs from gamma * (Z - mean) / sqrt(var + eps) + beta, column by column, "
            f"{differs_by(Y, _normalize(Z, gamma, beta, eps))}.")


def _triple(out, d: int, what: str):
    """The learner's ``(Y, Z_hat, s)`` as arrays, or a hint."""
    if isinstance(out, np.ndarray) or not isinstance(out, (tuple, list)):
        raise Wrong(f"{what} must return three things, Y, Z_hat and s (the backward pass needs Z_hat and s), "
                    f"not one array.")
    if len(out) != 3:
        raise Wrong(f"{what} must return three things, Y, Z_hat and s, not {len(out)}.")
    Y, Z_hat, s = (call(lambda a: a, part, warn=False) for part in out)
    return Y, Z_hat, (s.reshape(d) if s.shape == (1, d) else s)


def _judge_triple(Y, Z_hat, s, Z, gamma, beta, eps, rtol=1e-6) -> None:
    """Raise the hint when ``(Y, Z_hat, s)`` is not train-mode batch norm of ``Z``."""
    if Y.shape != Z.shape or Z_hat.shape != Z.shape:
        raise Wrong(f"Y and Z_hat must have Z's shape {Z.shape} (one value per entry), got {Y.shape} and "
                    f"{Z_hat.shape}.")
    if not (np.all(np.isfinite(Y)) and np.all(np.isfinite(Z_hat))):
        raise Wrong("the output holds NaN or infinite values: did you divide by zero or take the square root of a "
                    "negative number? Divide by np.sqrt(var + eps), with var = Z.var(axis=0).")
    right_s = np.sqrt(Z.var(axis=0) + eps)
    right_hat = (Z - Z.mean(axis=0)) / right_s
    if same(Y, right_hat, rtol=rtol) and not same(Z_hat, right_hat, rtol=rtol) and same(Z_hat, gamma * right_hat
                                                                                          + beta, rtol=rtol):
        raise Wrong("Y and Z_hat are swapped: return Y = gamma * Z_hat + beta first, then Z_hat, then s.")
    if not same(Y, gamma * right_hat + beta, rtol=rtol):
        raise Wrong(_forward_hint(Y, Z, gamma, beta, eps))
    if not same(Z_hat, right_hat, rtol=rtol):
        if same(Z_hat, Z - Z.mean(axis=0), rtol=rtol):
            raise Wrong("Y is right, but Z_hat is only centred: divide it by s too, Z_hat = (Z - mean) / s.")
        raise Wrong("Y is right, but Z_hat is not (Z - mean) / sqrt(var + eps): return the normalized batch "
                    "before gamma and beta.")
    if s.shape != right_s.shape:
        raise Wrong(f"Y and Z_hat are right, but s must hold one number per column, shape {right_s.shape}, "
                    f"got {s.shape}.")
    if not same(s, right_s, rtol=rtol):
        for wrong, hint in [(right_s ** 2, "s is the variance plus eps; return its square root, "
                                           "s = np.sqrt(var + eps)."),
                            (np.sqrt(Z.var(axis=0)), "s must include eps: s = np.sqrt(var + eps), the number Z_hat "
                                                     "was divided by."),
                            (1 / right_s, "that is 1 / s; return s = np.sqrt(var + eps) itself.")]:
            if same(s, wrong, rtol=rtol):
                raise Wrong(hint)
        raise Wrong("Y and Z_hat are right, but s is not np.sqrt(var + eps), the number each column was divided by.")


@checker(refuses=("mnist_scratch.batchnorm.batchnorm_forward", "mnist_scratch.bn_network.bn_forward",
                  "mnist_scratch.lab.reference.batchnorm_forward"))
def batchnorm_forward(fn):
    """``fn(Z, gamma, beta, eps)``: train-mode batch norm of every column of Z; returns ``(Y, Z_hat, s)``."""
    for seed, (n, d), eps in [(90, (6, 4), 0.01), (93, (9, 3), 1e-5)]:
        Z, gamma, beta = _inputs(seed, n, d)
        out = call(fn, Z, gamma, beta, eps, numeric=False)
        Y, Z_hat, s = _triple(out, d, "batchnorm_forward")
        if seed == 93 and not same(Y, _normalize(Z, gamma, beta, eps), rtol=1e-6):
            raise Wrong(f"right for the first batch, but not for a second one of {n} rows and {d} columns with "
                        f"eps = {eps:g}: {_forward_hint(Y, Z, gamma, beta, eps)}")
        _judge_triple(Y, Z_hat, s, Z, gamma, beta, eps)
    Z, gamma, beta = (a.astype(np.float32) for a in _inputs(94, 8, 5))
    for k, what in enumerate(("Y", "Z_hat", "s")):
        keeps_float32(lambda *a, k=k: fn(*a)[k], Z, gamma, beta, 1e-5,
                      what=f"{what} comes out as float64 (a float64 eps or mean?).", warn=False)
    return ("every column normalized over the batch (divided by n, eps inside the root), scaled by gamma and "
            "shifted by beta, with Z_hat and s for the backward pass. Correct!")


# --------------------------------------------------------------------------- both modes and the running averages
def _layer(Z, gamma, beta, mean, var, train, eps, momentum, *, mistake=None):
    """``batchnorm_layer``'s ``(Y, running mean, running var)``, right or with one planted mistake."""
    mean, var = mean.copy(), var.copy()
    if train != (mistake == "modes swapped"):
        mu, sigma2 = Z.mean(axis=0), Z.var(axis=0, ddof=1 if mistake == "unbiased" else 0)
        if mistake != "not updated":
            keep = {"momentum swapped": 1 - momentum, "fixed momentum": 0.9}.get(mistake, momentum)
            mean, var = keep * mean + (1 - keep) * mu, keep * var + (1 - keep) * sigma2
        s = np.sqrt(Z.var(axis=0) + eps)
        return gamma * (Z - mu) / s + beta, mean, var
    s = np.sqrt(var + (0.0 if mistake == "no eps in inference" else eps))
    return gamma * (Z - mean) / s + beta, mean, var


_LAYER_MISTAKES = {
    "not updated": "the running averages you were given did not change in train mode: move them towards the "
                   "batch's mean and variance IN PLACE (running_mean *= momentum, then running_mean += (1 - "
                   "momentum) * mean, the same for the variance); running_mean = ... makes a new array that the "
                   "network never sees.",
    "momentum swapped": "momentum and 1 - momentum are swapped: momentum (0.9) is the share of the OLD running "
                        "average that is kept, and only 1 - momentum of the batch's statistics comes in.",
    "fixed momentum": "right for momentum = 0.9, but the check passed momentum = 0.8: use the momentum argument.",
    "unbiased": "the running variance averages the unbiased variance (ddof=1); this lesson records the same "
                "divide-by-n variance the batch was normalized with, Z.var(axis=0).",
    "modes swapped": "the modes are swapped: train mode (train=True) normalizes with the batch's own statistics "
                     "and updates the running averages; inference mode normalizes with the running averages.",
    "updated in inference": "inference mode (train=False) changed the running averages: only training steps "
                            "update them; inference reads them, (Z - running_mean) / np.sqrt(running_var + eps), "
                            "and leaves them as they are.",
    "no eps in inference": "inference mode divides by np.sqrt(running_var + eps): you left out eps there.",
}


def _call_layer(fn, Z, gamma, beta, mean, var, train, eps, momentum):
    """The learner's ``(Y, Z_hat, s)`` and the running arrays, as they are after the call."""
    Zc, gc, bc = clone(Z), clone(gamma), clone(beta)
    out = call(fn, Zc, gc, bc, mean, var, train, eps, momentum, numeric=False, copy=False, warn=False)
    if not (same(Zc, Z, rtol=0, atol=0) and same(gc, gamma, rtol=0, atol=0) and same(bc, beta, rtol=0, atol=0)):
        raise Wrong("it changed Z, gamma or beta in place; leave them alone (only the running averages change, "
                    "and only in train mode).")
    Y, Z_hat, s = _triple(out, Z.shape[1], "batchnorm_layer")
    if np.shape(Y) != Z.shape or np.shape(Z_hat) != Z.shape:
        raise Wrong(f"in {'train' if train else 'inference'} mode Y and Z_hat must have Z's shape {Z.shape} (one "
                    f"value per entry), got {np.shape(Y)} and {np.shape(Z_hat)}.")
    return Y, Z_hat, s


@checker(refuses=("mnist_scratch.batchnorm.batchnorm_forward", "mnist_scratch.bn_network.bn_forward",
                  "mnist_scratch.lab.reference.batchnorm_layer"))
def batchnorm_layer(fn):
    """``fn(Z, gamma, beta, running_mean, running_var, train, eps, momentum)``: ``(Y, Z_hat, s)``; train mode
    normalizes with the batch and updates the running averages in place; inference mode uses them."""
    eps, momentum = 0.01, 0.8
    mean, var = np.array([0.5, -1.0, 1.0, 2.0]), np.array([2.0, 0.5, 0.01, 4.0])
    for step, seed in enumerate((95, 96)):                     # two training steps in a row
        Z, gamma, beta = _inputs(seed, 7, 4)
        before = (mean.copy(), var.copy())
        Y, Z_hat, s = _call_layer(fn, Z, gamma, beta, mean, var, True, eps, momentum)
        right = _layer(Z, gamma, beta, *before, True, eps, momentum)
        if not same(Y, right[0], rtol=1e-6):
            if same(Y, _layer(Z, gamma, beta, *before, False, eps, momentum)[0], rtol=1e-6):
                raise Wrong(_LAYER_MISTAKES["modes swapped"])
            raise Wrong("in train mode, " + _forward_hint(Y, Z, gamma, beta, eps))
        _judge_triple(Y, Z_hat, s, Z, gamma, beta, eps)
        if not (same(mean, right[1]) and same(var, right[2])):
            if same(mean, before[0], rtol=0, atol=0) and same(var, before[1], rtol=0, atol=0):
                raise Wrong(_LAYER_MISTAKES["not updated"])
            for mistake in ("momentum swapped", "fixed momentum", "unbiased"):
                expected = _layer(Z, gamma, beta, *before, True, eps, momentum, mistake=mistake)
                if same(mean, expected[1]) and same(var, expected[2]):
                    raise Wrong(_LAYER_MISTAKES[mistake])
            raise Wrong("in train mode the running averages should become momentum * old + (1 - momentum) * the "
                        "batch's (mean and divide-by-n variance), in place.")
    Z, gamma, beta = _inputs(97, 5, 4)
    before = (mean.copy(), var.copy())
    Y, Z_hat, s = _call_layer(fn, Z, gamma, beta, mean, var, False, eps, momentum)
    if not (same(mean, before[0], rtol=0, atol=0) and same(var, before[1], rtol=0, atol=0)):
        raise Wrong(_LAYER_MISTAKES["updated in inference"])
    right = _layer(Z, gamma, beta, *before, False, eps, momentum)
    if not same(Y, right[0], rtol=1e-6):
        if same(Y, _layer(Z, gamma, beta, *before, False, eps, momentum, mistake="no eps in inference")[0],
                rtol=1e-6):
            raise Wrong(_LAYER_MISTAKES["no eps in inference"])
        if same(Y, _normalize(Z, gamma, beta, eps), rtol=1e-6):
            raise Wrong("in inference mode (train=False) you normalized with the batch's statistics: use the "
                        "running averages, (Z - running_mean) / np.sqrt(running_var + eps), so that a prediction "
                        "does not depend on the rest of its batch.")
        raise Wrong(f"in inference mode Y should be gamma * (Z - running_mean) / np.sqrt(running_var + eps) + beta; "
                    f"yours differs {differs_by(Y, right[0])}.")
    if not (same(Z_hat, (Z - before[0]) / np.sqrt(before[1] + eps)) and same(s, np.sqrt(before[1] + eps))):
        raise Wrong("in inference mode Y is right, but Z_hat and s should be those of the running averages: "
                    "s = np.sqrt(running_var + eps), Z_hat = (Z - running_mean) / s.")
    return ("train mode normalizes with the batch and moves the running averages in place; inference mode "
            "normalizes with them and leaves them alone. Correct!")

