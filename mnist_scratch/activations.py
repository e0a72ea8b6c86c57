r"""Activation functions and their derivatives.

Each function works element-wise on an array ``Z`` of pre-activations. A
network looks them up by name: ``get_activation("relu")`` is an
:class:`Activation` with fields ``g`` and ``g_prime``.

=========  ===================================  =====================================
name       :math:`g(z)`                         :math:`g'(z)`
=========  ===================================  =====================================
relu       :math:`\max(0, z)`                   :math:`1` if :math:`z > 0` else :math:`0`
sigmoid    :math:`\sigma(z) = 1 / (1 + e^{-z})`  :math:`\sigma(z)\,(1 - \sigma(z))`
tanh       :math:`\tanh z`                      :math:`1 - \tanh^2 z`
=========  ===================================  =====================================

``softmax`` turns each row of scores into probabilities that sum to 1.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

import numpy as np

__all__ = ["relu", "relu_prime", "sigmoid", "sigmoid_prime", "tanh", "tanh_prime",
           "softmax", "Activation", "ACTIVATIONS", "get_activation"]


def relu(Z):
    """ReLU: max(0, z)."""
    return np.maximum(Z, 0)


def relu_prime(Z):
    """dReLU/dz: 1 where z > 0, else 0.

    At z = 0 ReLU has a corner and no derivative; any value in [0, 1] is a
    valid subgradient. We take 0, as PyTorch and scikit-learn do.
    """
    Z = np.asarray(Z)
    return (Z > 0).astype(np.result_type(Z, np.float32))


def sigmoid(Z):
    """The logistic function 1 / (1 + exp(-z)), computed without overflow warnings.

    With e = exp(-|z|), which lies in (0, 1] and never overflows,
    sigma(z) = 1 / (1 + e) for z >= 0 and e / (1 + e) for z < 0.
    """
    Z = np.asarray(Z)
    e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1, e) / (1 + e)


def sigmoid_prime(Z):
    """dσ/dz = σ(z) (1 − σ(z))."""
    s = sigmoid(Z)
    return s * (1 - s)


def tanh(Z):
    """Hyperbolic tangent."""
    return np.tanh(Z)


def tanh_prime(Z):
    """d tanh/dz = 1 − tanh²(z)."""
    t = np.tanh(Z)
    return 1 - t * t


def softmax(Z):
    r"""Row-wise softmax: :math:`\mathrm{softmax}(z)_k = e^{z_k} / \sum_j e^{z_j}`.

    Subtracting each row's maximum first changes nothing mathematically
    (the factor :math:`e^{-\max z}` cancels) but keeps :math:`e^{z}` from
    overflowing: a score of 1000 is fine.
    """
    Z = np.asarray(Z)
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


class Activation(NamedTuple):
    """An activation function and its derivative: ``act.g(Z)`` and ``act.g_prime(Z)``."""

    name: str
    g: Callable
    g_prime: Callable


#: Every hidden-layer activation the package knows, by name.
ACTIVATIONS = {
    "relu": Activation("relu", relu, relu_prime),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_prime),
    "tanh": Activation("tanh", tanh, tanh_prime),
}


def get_activation(name: str) -> Activation:
    """The :class:`Activation` called ``name``, or a clear ``ValueError``."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"activation={name!r} is not known; choose one of {', '.join(map(repr, ACTIVATIONS))}"
        ) from None
