r"""The fully connected network with batch normalization in every hidden layer.

The same equations as :mod:`mnist_scratch.network`, with one step more in each
hidden layer: the weighted input is normalized (:mod:`mnist_scratch.batchnorm`)
before the activation sees it. For :math:`l < L`:

.. math::
    Z^{[l]} = A^{[l-1]} W^{[l]}, \qquad
    \tilde Z^{[l]} = \mathrm{BN}_{\gamma^{[l]},\beta^{[l]}}(Z^{[l]}), \qquad
    A^{[l]} = g(\tilde Z^{[l]}),

and the output layer is unchanged: :math:`Z^{[L]} = A^{[L-1]} W^{[L]} + b^{[L]}`,
:math:`A^{[L]} = \mathrm{softmax}(Z^{[L]})` (or the sigmoid).

**No bias in a batch-normalized layer.** Batch norm subtracts each column's
batch mean, so a bias added before it is subtracted again: it cannot change
the output and its gradient is exactly zero. :math:`\beta` does its job, so
hidden layers here have ``W`` but no ``b``; only the output layer keeps ``bL``.
The parameters are ``{"W1", "gamma1", "beta1", …, "WL", "bL"}``: :math:`\gamma`
and :math:`\beta` are ordinary parameters, packed into the flat vector and
updated by every optimizer like the weights (L2 penalises only the ``W``).

**The running statistics are not parameters.** No gradient reaches them;
training mode updates them as it goes (keeping 90% of the old value per
step, which PyTorch calls ``momentum=0.1``; the variance recorded is the
batch's biased, divide-by-n variance, where PyTorch records the unbiased one).
They live in a separate dict, ``state = {"running_mean1", "running_var1", …}``.

Backward, with :math:`\delta = dZ` as in :mod:`mnist_scratch.network`: for a
hidden layer, :math:`dA^{[l]}` becomes :math:`d\tilde Z^{[l]} = dA^{[l]}\odot g'(\tilde Z^{[l]})`,
batch norm's backward turns it into :math:`d\gamma^{[l]}, d\beta^{[l]}` and
:math:`dZ^{[l]}`, and then :math:`dW^{[l]} = A^{[l-1]\top} dZ^{[l]}` as before.

Train mode (``train=True``) normalizes with the batch's statistics and
updates ``state`` in place; inference mode (``train=False``) normalizes with
``state`` and leaves it alone, so a row's prediction does not depend on the
other rows of its batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import get_activation
from .batchnorm import batchnorm_backward, batchnorm_forward
from .losses import get_loss
from .network import Cache, dropout_mask, init_params, output_delta

__all__ = ["bn_param_shapes", "bn_state_shapes", "init_bn_params", "init_bn_state", "bn_forward",
           "bn_backward", "BNCache"]


def bn_param_shapes(sizes) -> dict:
    """``{"W1": (n0, n1), "gamma1": (n1,), "beta1": (n1,), …, "WL": …, "bL": (nL,)}``."""
    L, shapes = len(sizes) - 1, {}
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        shapes[f"W{l}"] = (fan_in, fan_out)
        if l < L:
            shapes[f"gamma{l}"], shapes[f"beta{l}"] = (fan_out,), (fan_out,)
        else:
            shapes[f"b{l}"] = (fan_out,)
    return shapes


def bn_state_shapes(sizes) -> dict:
    """``{"running_mean1": (n1,), "running_var1": (n1,), …}`` for the hidden layers."""
    return {f"running_{s}{l}": (n,) for l, n in enumerate(sizes[1:-1], start=1) for s in ("mean", "var")}


def init_bn_params(sizes, init: str = "he", seed=0, dtype=np.float32) -> dict:
    """The same weights as :func:`~mnist_scratch.network.init_params` (same seed, same ``W``),
    no hidden biases, :math:`\\gamma = 1` and :math:`\\beta = 0`."""
    plain = init_params(sizes, init, seed, dtype)
    L = len(sizes) - 1
    params = {}
    for key, shape in bn_param_shapes(sizes).items():
        if key in plain:                          # W1, …, WL and bL
            params[key] = plain[key]
        else:
            params[key] = (np.ones if key.startswith("gamma") else np.zeros)(shape, dtype)
    assert len(params) == 3 * L - 1
    return params


def init_bn_state(sizes, dtype=np.float32) -> dict:
    """Running means 0 and running variances 1: before training, batch norm is the identity map."""
    return {k: (np.zeros if "mean" in k else np.ones)(shape, dtype) for k, shape in bn_state_shapes(sizes).items()}


@dataclass
class BNCache(Cache):
    """:class:`~mnist_scratch.network.Cache` plus each hidden layer's batch-norm cache.

    Here ``Z[l]`` of a hidden layer is what the activation sees, the normalized
    :math:`\\tilde Z^{[l]}`; ``bn[l]`` holds what batch norm's backward needs.
    """

    bn: dict = field(default_factory=dict)


def bn_forward(params, state, X, activation: str = "relu", loss: str = "cross_entropy", *,
               train: bool, dropout: float = 0.0, rng=None, momentum: float = 0.9,
               eps: float = 1e-5) -> BNCache:
    """Forward propagation with batch norm. ``train=True`` updates ``state`` in place."""
    g = get_activation(activation).g
    output = get_loss(loss).output
    if dropout:
        rng = np.random.default_rng(rng)
    L = (len(params) + 1) // 3
    cache = BNCache(Z=[None], A=[X])
    for l in range(1, L + 1):
        Z = cache.A[l - 1] @ params[f"W{l}"]                              # Z[l] = A[l-1] W[l]
        if l == L:
            Z = Z + params[f"b{l}"]                                       # (+ b[L]: the output layer)
            A = output(Z)
        else:
            Z, cache.bn[l] = batchnorm_forward(                           # Z~[l] = BN(Z[l])
                Z, params[f"gamma{l}"], params[f"beta{l}"], state[f"running_mean{l}"],
                state[f"running_var{l}"], train=train, momentum=momentum, eps=eps)
            A = g(Z)                                                      # A[l] = g(Z~[l])
            if dropout:
                cache.masks[l] = dropout_mask(A.shape, dropout, rng)
                A = A * cache.masks[l]                                    # inverted dropout
        cache.Z.append(Z)
        cache.A.append(A)
    return cache


def bn_backward(params, cache: BNCache, Y, activation: str = "relu", loss: str = "cross_entropy") -> dict:
    """Backward propagation with batch norm: ``{"W1": dJ/dW1, "gamma1": …, "bL": …}``."""
    g_prime = get_activation(activation).g_prime
    L = (len(params) + 1) // 3
    A, Z = cache.A, cache.Z
    grads = {}
    dZ = output_delta(cache, Y, loss)                   # dZ[L] = (A[L] - Y) / n
    grads[f"b{L}"] = dZ.sum(axis=0)
    for l in range(L, 0, -1):
        if l < L:                                       # dZ~[l] -> dgamma[l], dbeta[l], dZ[l]
            dZ, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward(dZ, cache.bn[l])
        grads[f"W{l}"] = A[l - 1].T @ dZ                # dW[l] = A[l-1]^T dZ[l]
        if l > 1:
            dA = dZ @ params[f"W{l}"].T                 # dA[l-1] = dZ[l] W[l]^T
            if l - 1 in cache.masks:
                dA = dA * cache.masks[l - 1]
            dZ = dA * g_prime(Z[l - 1])                 # dZ~[l-1] = dA[l-1] * g'(Z~[l-1])
    return {key: grads[key] for key in params}
