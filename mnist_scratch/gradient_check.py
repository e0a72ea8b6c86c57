r"""Gradient checking: compare backpropagation with numerical derivatives.

For each parameter entry :math:`\theta_i` the central difference

.. math::  \frac{\partial J}{\partial \theta_i} \approx
           \frac{J(\theta + \varepsilon e_i) - J(\theta - \varepsilon e_i)}{2\varepsilon}

has error :math:`O(\varepsilon^2)`. Compared with the analytic gradient
:math:`g` from :func:`~mnist_scratch.network.backward` by the relative error

.. math::  \frac{\lVert g - g_{\text{num}}\rVert}{\lVert g\rVert + \lVert g_{\text{num}}\rVert},

a correct backward pass gives about 1e-7 or less in float64; a bug gives
something near 1. Everything here runs in float64.
"""

from __future__ import annotations

import numpy as np

from .bn_network import bn_backward, bn_forward, init_bn_state
from .activations import ACTIVATIONS
from .losses import LOSSES
from .network import backward, cost, forward
from .validation import IsBool, IsCallable, Number, OneOf, OrNone, Whole, validate

__all__ = ["gradient_check", "numerical_gradient", "relative_error"]


def relative_error(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)


@validate({"f": IsCallable("of no arguments, returning the cost"), "eps": Number(0, 1, low_open=True)},
          name="numerical_gradient")
def numerical_gradient(f, x: np.ndarray, indices, eps: float = 1e-6) -> np.ndarray:
    """Central-difference derivatives of the scalar function ``f()`` with respect to
    the entries ``indices`` of array ``x`` (which ``f`` reads, and which is restored)."""
    flat = x.reshape(-1)
    grad = np.empty(len(indices))
    for j, i in enumerate(indices):
        old = flat[i]
        flat[i] = old + eps
        plus = f()
        flat[i] = old - eps
        minus = f()
        flat[i] = old
        grad[j] = (plus - minus) / (2 * eps)
    return grad


@validate({"activation": OneOf(tuple(ACTIVATIONS)), "loss": OneOf(tuple(LOSSES)), "eps": Number(0, 1, low_open=True),
           "max_entries": OrNone(Whole(1), "every entry"), "seed": OrNone(Whole(0)), "batch_norm": IsBool()},
          name="gradient_check")
def gradient_check(params, X, Y, activation: str = "relu", loss: str = "cross_entropy",
                   *, eps: float = 1e-6, max_entries: int | None = 200, seed: int = 0,
                   grads: dict | None = None, batch_norm: bool = False) -> dict:
    """Relative error between analytic and numerical gradients, per parameter.

    ``params`` is copied to float64 (the originals are untouched). Up to
    ``max_entries`` randomly chosen entries of each parameter are checked
    (``None`` checks them all). Pass ``grads`` to check gradients from your
    own backward pass instead of the package's.

    ``batch_norm=True`` checks a batch-normalized network's parameters
    (:mod:`mnist_scratch.bn_network`, ``W``, ``gamma``, ``beta``…) in train
    mode, where every row's output depends on the whole batch; every evaluation
    of J starts from fresh running statistics (which train mode updates, and
    which J does not depend on).

    >>> errors = gradient_check(params, X[:20], y[:20])       # doctest: +SKIP
    >>> errors
    {'W1': 3.1e-09, 'b1': 2.2e-09, 'W2': 1.4e-09, 'b2': 7.9e-10}
    """
    theta = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    X = np.asarray(X, dtype=np.float64)
    if np.ndim(Y) == 2:
        Y = np.asarray(Y, dtype=np.float64)

    if batch_norm:
        sizes = [X.shape[1]] + [theta[f"W{l}"].shape[1] for l in range(1, (len(theta) + 1) // 3 + 1)]

        def fwd():
            return bn_forward(theta, init_bn_state(sizes, np.float64), X, activation, loss, train=True)

        def bwd(cache):
            return bn_backward(theta, cache, Y, activation, loss)
    else:
        def fwd():
            return forward(theta, X, activation, loss)

        def bwd(cache):
            return backward(theta, cache, Y, activation, loss)

    def J():
        return cost(fwd(), Y, loss)

    analytic = grads if grads is not None else bwd(fwd())
    rng = np.random.default_rng(seed)
    errors = {}
    for key, value in theta.items():
        size = value.size
        if max_entries is None or size <= max_entries:
            indices = np.arange(size)
        else:
            indices = np.sort(rng.choice(size, max_entries, replace=False))
        numeric = numerical_gradient(J, value, indices, eps)
        errors[key] = relative_error(np.asarray(analytic[key], np.float64).reshape(-1)[indices], numeric)
    return errors
