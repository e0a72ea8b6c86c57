r"""A fully connected network: parameters, forward and backward propagation.

**The array convention** (used everywhere in mnist_scratch): samples are
**rows**. A batch ``X`` has shape ``(n, 784)``; layer :math:`l` maps
:math:`n_{l-1}` features to :math:`n_l` with ``W[l]`` of shape
``(n_{l-1}, n_l)`` and ``b[l]`` of shape ``(n_l,)``.

Forward, for :math:`l = 1 \dots L` with :math:`A^{[0]} = X`:

.. math::
    Z^{[l]} = A^{[l-1]} W^{[l]} + b^{[l]}, \qquad
    A^{[l]} = g(Z^{[l]}) \ (l < L), \qquad
    A^{[L]} = \mathrm{softmax}(Z^{[L]})\ \text{or}\ \sigma(Z^{[L]}).

Backward, with :math:`\delta^{[l]} = dZ^{[l]} = \partial J / \partial Z^{[l]}`,
starting from :math:`dZ^{[L]} = (A^{[L]} - Y)/n` for softmax with
cross-entropy (derived in :mod:`mnist_scratch.losses`):

.. math::
    dW^{[l]} = A^{[l-1]\top} dZ^{[l]}, \qquad
    db^{[l]} = \textstyle\sum_{\text{rows}} dZ^{[l]}, \qquad
    dA^{[l-1]} = dZ^{[l]} W^{[l]\top}, \qquad
    dZ^{[l-1]} = dA^{[l-1]} \odot g'(Z^{[l-1]}).

Parameters are a plain dict of NumPy arrays, ``{"W1", "b1", "W2", "b2", …}``,
that you can print and plot. The code below is written the way the equations
read; the one speed trick, packing the parameters into one flat vector for the
optimizer, lives in :mod:`mnist_scratch.training.flat_params` and is used only by
:func:`mnist_scratch.train.train`. :class:`~mnist_scratch.model.Model` (in
:mod:`mnist_scratch.model`) bundles an architecture with its parameters and
these passes, or those of :mod:`mnist_scratch.bn_network`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import get_activation
from .init import init_weights
from .losses import get_loss
from .init import INITS
from .validation import FloatType, ListOf, OneOf, OrNone, Whole, check_memory, check_value, validate

__all__ = ["init_params", "param_keys", "param_shapes", "forward", "backward",
           "output_delta", "cost", "Cache", "check_sizes", "check_size_fits", "dropout_mask", "SIZES"]


# --------------------------------------------------------------------------- parameters
#: What layer sizes may be: an input and an output layer at least, each a whole number of units.
SIZES = ListOf(Whole(1), min_length=2, example="[784, 128, 64, 10]")


def check_sizes(sizes, where: str = "") -> list[int]:
    """Layer sizes such as ``[784, 128, 64, 10]`` as a list of ints, or a clear error."""
    return check_value(where, "sizes", sizes, SIZES)


def check_size_fits(where: str, sizes, dtype=np.float32) -> None:
    """Refuse ``sizes`` by name, before anything is allocated, if the parameters would not fit in memory
    (see :func:`mnist_scratch.validation.check_memory`): their arrays in ``dtype``, and the largest
    weight matrix once more in float64, as it is drawn."""
    pairs = list(zip(sizes[:-1], sizes[1:]))
    count = sum(a * b + b for a, b in pairs)
    check_memory(where, {"sizes": sizes}, count * np.dtype(dtype).itemsize + max(a * b for a, b in pairs) * 8)


def param_keys(num_layers: int) -> list[str]:
    """``["W1", "b1", …, "WL", "bL"]``."""
    return [f"{p}{l}" for l in range(1, num_layers + 1) for p in ("W", "b")]


def param_shapes(sizes) -> dict:
    """``{"W1": (n0, n1), "b1": (n1,), …}`` for layer sizes ``[n0, n1, …]``."""
    shapes = {}
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        shapes[f"W{l}"], shapes[f"b{l}"] = (fan_in, fan_out), (fan_out,)
    return shapes


@validate({"sizes": SIZES, "init": OneOf(tuple(INITS)), "seed": OrNone(Whole(0), "fresh random weights"),
           "dtype": FloatType()}, name="init_params")
def init_params(sizes, init: str = "he", seed=0, dtype=np.float32) -> dict:
    """Initial parameters ``{"W1": (n0, n1), "b1": (n1,), …}``: weights by ``init``, biases 0.

    Weights are drawn in float64 from ``default_rng(seed)`` and then cast, so
    the same seed gives the same network in any dtype.
    """
    check_size_fits("init_params()", sizes, dtype)
    rng = np.random.default_rng(seed)
    params = {}
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{l}"] = init_weights(fan_in, fan_out, init, rng).astype(dtype)
        params[f"b{l}"] = np.zeros(fan_out, dtype=dtype)
    return params


# --------------------------------------------------------------------------- forward
@dataclass
class Cache:
    """What the forward pass remembers for the backward pass.

    ``Z[l]`` and ``A[l]`` are layer l's pre-activations and outputs (``A[0]``
    is the input X, ``Z[0]`` is None, ``A[L]`` the prediction). With dropout,
    ``masks[l]`` is hidden layer l's mask, already scaled by 1/(1-p).
    """

    Z: list
    A: list
    masks: dict = field(default_factory=dict)

    @property
    def Z_out(self) -> np.ndarray:
        """The output layer's scores (logits)."""
        return self.Z[-1]

    @property
    def A_out(self) -> np.ndarray:
        """The output layer's activations: the prediction."""
        return self.A[-1]


def dropout_mask(shape, p: float, rng) -> np.ndarray:
    """Inverted dropout's mask: 0 with probability ``p``, else 1/(1 - p), so that the kept
    activations are scaled up and nothing changes at test time."""
    keep = rng.random(shape, dtype=np.float32) >= p
    return keep / np.float32(1 - p)


def forward(params, X, activation: str = "relu", loss: str = "cross_entropy", *,
            dropout: float = 0.0, rng=None) -> Cache:
    """Forward propagation. Returns a :class:`Cache`; ``cache.A[-1]`` is the prediction.

    Hidden layers use ``activation``; the output layer uses softmax for
    ``loss="cross_entropy"`` and sigmoid for ``loss="mse"``. With ``dropout=p``
    each hidden unit is zeroed with probability p and the rest scaled by
    1/(1-p) ("inverted dropout"), so nothing changes at test time. ``rng`` (a
    NumPy Generator or a seed) draws the dropout masks.
    """
    g = get_activation(activation).g
    output = get_loss(loss).output                 # softmax (cross-entropy) or sigmoid (squared error)
    if dropout:
        rng = np.random.default_rng(rng)  # a Generator, a seed, or None for a fresh one
    L = len(params) // 2
    cache = Cache(Z=[None], A=[X])
    for l in range(1, L + 1):
        Z = cache.A[l - 1] @ params[f"W{l}"] + params[f"b{l}"]      # Z[l] = A[l-1] W[l] + b[l]
        A = output(Z) if l == L else g(Z)                            # A[l] = g(Z[l])
        if dropout and l < L:
            cache.masks[l] = dropout_mask(A.shape, dropout, rng)
            A = A * cache.masks[l]                                   # inverted dropout
        cache.Z.append(Z)
        cache.A.append(A)
    return cache


def cost(cache: Cache, Y, loss: str = "cross_entropy") -> float:
    """The loss J of a forward pass against targets Y (labels or one-hot rows)."""
    return get_loss(loss).cost(cache.Z_out, cache.A_out, Y)


# --------------------------------------------------------------------------- backward
def output_delta(cache: Cache, Y, loss: str = "cross_entropy") -> np.ndarray:
    """dZ[L] = dJ/dZ[L] for a batch of n rows (Y: integer labels or one-hot rows).

    Softmax with cross-entropy: (A - Y) / n. Sigmoid with squared error:
    (A - Y) / n * sigma'(Z). (Each is its loss's ``delta`` in :data:`mnist_scratch.losses.LOSSES`.)
    """
    return get_loss(loss).delta(cache.Z_out, cache.A_out, Y)


def backward(params, cache: Cache, Y, activation: str = "relu", loss: str = "cross_entropy") -> dict:
    """Backward propagation: the gradient of J with respect to every parameter.

    Returns ``{"W1": dJ/dW1, "b1": dJ/db1, …}``, the same keys and shapes as ``params``.
    """
    g_prime = get_activation(activation).g_prime
    L = len(params) // 2
    A, Z = cache.A, cache.Z
    grads = {}
    dZ = output_delta(cache, Y, loss)                   # dZ[L] = (A[L] - Y) / n
    for l in range(L, 0, -1):
        grads[f"W{l}"] = A[l - 1].T @ dZ                # dW[l] = A[l-1]^T dZ[l]
        grads[f"b{l}"] = dZ.sum(axis=0)                 # db[l] = sum of dZ[l] over rows
        if l > 1:                                       # (no gradient is needed for X)
            dA = dZ @ params[f"W{l}"].T                 # dA[l-1] = dZ[l] W[l]^T
            if l - 1 in cache.masks:
                dA = dA * cache.masks[l - 1]            # dropout: dropped units pass no gradient
            dZ = dA * g_prime(Z[l - 1])                 # dZ[l-1] = dA[l-1] * g'(Z[l-1])
    return {key: grads[key] for key in params}
