r"""Activation functions and their derivatives.

Each function works element-wise on an array ``Z`` of pre-activations and
accepts an optional ``out`` array, so the training loop can reuse memory.

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

import numpy as np

__all__ = ["relu", "relu_prime", "sigmoid", "sigmoid_prime", "tanh", "tanh_prime",
           "softmax", "ACTIVATIONS", "get_activation"]


def relu(Z, out=None):
    """ReLU: max(0, z)."""
    return np.maximum(Z, 0, out=out)


def relu_prime(Z):
    """dReLU/dz: 1 where z > 0, else 0 (we take 0 at z = 0)."""
    return (Z > 0).astype(Z.dtype)


def sigmoid(Z, out=None):
    """The logistic function 1 / (1 + exp(-z)), computed without overflow warnings.

    For z < 0 the form exp(z) / (1 + exp(z)) is used, so exp never sees a
    large positive argument.
    """
    Z = np.asarray(Z)
    out = np.empty_like(Z, dtype=np.result_type(Z, np.float32)) if out is None else out
    e = np.exp(-np.abs(Z))                    # in (0, 1], never overflows
    positive = Z >= 0
    np.divide(1, 1 + e, out=out, where=positive)
    np.divide(e, 1 + e, out=out, where=~positive)
    return out


def sigmoid_prime(Z):
    """dσ/dz = σ(z) (1 − σ(z))."""
    s = sigmoid(Z)
    return s * (1 - s)


def tanh(Z, out=None):
    """Hyperbolic tangent."""
    return np.tanh(Z, out=out)


def tanh_prime(Z):
    """d tanh/dz = 1 − tanh²(z)."""
    t = np.tanh(Z)
    return 1 - t * t


def softmax(Z, out=None):
    r"""Row-wise softmax: :math:`\mathrm{softmax}(z)_k = e^{z_k} / \sum_j e^{z_j}`.

    Subtracting each row's maximum first changes nothing mathematically
    (the factor :math:`e^{-\max z}` cancels) but keeps :math:`e^{z}` from
    overflowing: a score of 1000 is fine.
    """
    Z = np.asarray(Z)
    out = np.subtract(Z, Z.max(axis=-1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=-1, keepdims=True)
    return out


# Backpropagation needs g'(Z) of every hidden layer. For these three functions
# g'(z) can be written with the output a = g(z) alone, so the forward pass need
# not keep Z:   relu: [a > 0]     sigmoid: a (1 - a)     tanh: 1 - a^2
def _relu_prime_from_output(A):
    return A > 0


def _sigmoid_prime_from_output(A):
    return A * (1 - A)


def _tanh_prime_from_output(A):
    return 1 - A * A


#: name -> (g, g', g' written in terms of a = g(z))
ACTIVATIONS = {
    "relu": (relu, relu_prime, _relu_prime_from_output),
    "sigmoid": (sigmoid, sigmoid_prime, _sigmoid_prime_from_output),
    "tanh": (tanh, tanh_prime, _tanh_prime_from_output),
}


def get_activation(name: str):
    """``(g, g_prime, g_prime_from_output)`` for an activation name, or a clear ``ValueError``."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"activation={name!r} is not known; choose one of {', '.join(map(repr, ACTIVATIONS))}"
        ) from None
