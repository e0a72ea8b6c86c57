r"""Loss (cost) functions, averaged over the ``n`` rows of a batch.

Cross-entropy with softmax
--------------------------
For scores (logits) :math:`z` of one sample and its true class :math:`y`,

.. math::  L = -\log \mathrm{softmax}(z)_y = \log\sum_j e^{z_j} - z_y .

The log-sum-exp is computed as :math:`m + \log\sum_j e^{z_j - m}` with
:math:`m = \max_j z_j`, so a logit of 1000 gives a finite loss and no
overflow warning.

**Why the gradient is simply** :math:`A - Y`. With :math:`a = \mathrm{softmax}(z)`
and one-hot :math:`y`,

.. math::
   \frac{\partial L}{\partial z_k}
   = \frac{\partial}{\partial z_k}\Big(\log\sum_j e^{z_j}\Big) - \frac{\partial z_y}{\partial z_k}
   = \frac{e^{z_k}}{\sum_j e^{z_j}} - [k = y]
   = a_k - y_k .

Averaged over a batch of ``n`` rows: :math:`\partial J/\partial Z = (A - Y)/n`.
Fusing softmax and cross-entropy this way is both simpler and more stable
than multiplying the softmax Jacobian by :math:`\partial L/\partial a`.

Mean squared error
------------------
"Make Your Own Neural Network" uses sigmoid outputs and squared error:

.. math::  J = \frac{1}{2n}\sum_{i=1}^{n}\sum_{k} (a_{ik} - y_{ik})^2,
   \qquad \frac{\partial J}{\partial A} = \frac{A - Y}{n}.

(The factor 1/2 cancels the 2 from the square.) Its targets ``Y`` are one-hot
rows, made by :func:`one_hot`. Through a sigmoid output :math:`A = \sigma(Z)`,
:math:`\partial J/\partial Z = \frac{A - Y}{n} \odot \sigma'(Z)`.

The registry
------------
A network names its loss, and :data:`LOSSES` says what goes with the name, as
Nielsen's ``network2`` cost classes do with ``fn`` and ``delta``: a
:class:`Loss` holds the output layer's function, the cost :math:`J` and
:math:`\delta^{[L]} = \partial J/\partial Z^{[L]}`, each reading the output
layer's scores ``Z`` and activations ``A``.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

from .activations import sigmoid, sigmoid_prime, softmax
from .validation import FloatType, Number, Whole, check_memory, validate

__all__ = ["logsumexp", "cross_entropy", "mse", "one_hot", "Loss", "LOSSES", "get_loss"]


def logsumexp(Z):
    """Row-wise log(sum(exp(z))), without overflow."""
    m = Z.max(axis=-1, keepdims=True)
    return (m + np.log(np.exp(Z - m).sum(axis=-1, keepdims=True)))[..., 0]


def true_class_scores(Z, Y):
    """Each row's score of its true class: ``Z[i, y[i]]`` for labels, ``sum(Z * Y)`` for one-hot rows."""
    Y = np.asarray(Y)
    if Y.ndim == 1:  # integer labels
        return Z[np.arange(len(Z)), Y]
    return (Z * Y).sum(axis=-1)  # one-hot (or soft) targets


def cross_entropy(Z, Y):
    r"""Mean cross-entropy of softmax(Z) against targets Y.

    ``Z``: logits, shape ``(n, K)``. ``Y``: integer labels ``(n,)`` or one-hot
    rows ``(n, K)``. Returns :math:`\frac1n\sum_i \big(\mathrm{lse}(z_i) - z_{i,y_i}\big)`.
    """
    Z = np.asarray(Z)
    return float(np.mean(logsumexp(Z) - true_class_scores(Z, Y)))


def mse(A, Y):
    r"""Half mean squared error per sample: :math:`\frac{1}{2n}\sum_i\lVert a_i - y_i\rVert^2`."""
    A, Y = np.asarray(A), np.asarray(Y)
    return float(0.5 * np.sum((A - Y) ** 2) / len(A))


@validate({"num_classes": Whole(1, 1 << 16), "dtype": FloatType(), "off": Number(), "on": Number()}, name="one_hot")
def one_hot(y, num_classes: int = 10, *, dtype=np.float32, off: float = 0.0, on: float = 1.0):
    """One-hot rows: ``Y[i, k] = on`` if ``y[i] == k`` else ``off``. Shape ``(n, num_classes)``.

    "Make Your Own Neural Network" uses ``off=0.01, on=0.99`` with sigmoid outputs.
    """
    return _one_hot_rows(y, num_classes, dtype, off, on)


def _one_hot_rows(y, num_classes: int, dtype, off: float = 0.0, on: float = 1.0):
    """:func:`one_hot` without its argument table: the costs call it once per mini-batch."""
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be a 1-D array of integer labels, not {y.dtype} of shape {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must lie in 0..{num_classes - 1}; found {y.min()}..{y.max()}")
    check_memory("one_hot()", {"num_classes": num_classes}, len(y) * num_classes * np.dtype(dtype).itemsize,
                 f"the one-hot rows of {len(y):,} labels")
    Y = np.full((len(y), num_classes), off, dtype=dtype)
    Y[np.arange(len(y)), y] = on
    return Y


class Loss(NamedTuple):
    r"""A loss and what goes with it: ``output(Z)``, ``cost(Z, A, T)`` and ``delta(Z, A, T)``.

    ``Z`` and ``A`` are the output layer's scores and activations, ``T`` the
    targets (integer labels or one-hot rows; ``targets`` says which the loss
    expects from training). ``delta`` is :math:`dZ^{[L]} = \partial J/\partial Z^{[L]}`.
    """

    name: str
    output: Callable
    cost: Callable
    delta: Callable
    targets: str


def _targets_like(A, Y):
    """One-hot rows in ``A``'s dtype if ``Y`` holds integer labels, else ``Y`` itself."""
    return _one_hot_rows(Y, A.shape[1], A.dtype) if np.ndim(Y) == 1 else Y


def _cross_entropy_cost(Z, A, Y):
    return cross_entropy(Z, Y)


def _cross_entropy_delta(Z, A, Y):
    """Softmax with cross-entropy: (A - Y) / n."""
    Y = _targets_like(A, Y)                   # integer labels become one-hot rows
    n = len(A)
    return (A - Y) / n


def _mse_cost(Z, A, Y):
    return mse(A, Y)


def _mse_delta(Z, A, Y):
    """Sigmoid with squared error: (A - Y) / n * sigma'(Z)."""
    Y = _targets_like(A, Y)
    n = len(A)
    return (A - Y) / n * sigmoid_prime(Z)


#: Every loss by name: the output function, the cost, the output layer's delta, the targets.
LOSSES = {
    "cross_entropy": Loss("cross_entropy", softmax, _cross_entropy_cost, _cross_entropy_delta, "labels"),
    "mse": Loss("mse", sigmoid, _mse_cost, _mse_delta, "one-hot"),
}


def get_loss(name: str) -> Loss:
    """The :class:`Loss` called ``name``, or a clear ``ValueError``."""
    try:
        return LOSSES[name]
    except (KeyError, TypeError):
        raise ValueError(f"loss={name!r} is not known; choose one of {', '.join(map(repr, LOSSES))}") from None
