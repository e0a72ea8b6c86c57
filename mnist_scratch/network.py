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
optimizer, lives in :mod:`mnist_scratch.flat_params` and is used only by
:func:`mnist_scratch.train.train`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import get_activation, sigmoid, sigmoid_prime, softmax
from .init import init_weights
from .losses import LOSSES, cross_entropy, mse, one_hot

__all__ = ["init_params", "param_keys", "param_shapes", "count_params", "forward", "backward",
           "output_delta", "cost", "Cache", "Model", "check_sizes"]


# --------------------------------------------------------------------------- parameters
def check_sizes(sizes) -> list[int]:
    """Validate a list of layer sizes such as ``[784, 128, 64, 10]``."""
    try:
        sizes = [int(s) for s in sizes]
    except (TypeError, ValueError):
        raise ValueError(f"layer sizes must be whole numbers, like [784, 128, 64, 10]; got {sizes!r}") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"need at least an input and an output layer, each of size >= 1; got {sizes}")
    return sizes


def param_keys(num_layers: int) -> list[str]:
    """``["W1", "b1", …, "WL", "bL"]``."""
    return [f"{p}{l}" for l in range(1, num_layers + 1) for p in ("W", "b")]


def param_shapes(sizes) -> dict:
    """``{"W1": (n0, n1), "b1": (n1,), …}`` for layer sizes ``[n0, n1, …]``."""
    shapes = {}
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        shapes[f"W{l}"], shapes[f"b{l}"] = (fan_in, fan_out), (fan_out,)
    return shapes


def count_params(sizes) -> int:
    return sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:]))


def init_params(sizes, init: str = "he", seed=0, dtype=np.float32) -> dict:
    """Initial parameters ``{"W1": (n0, n1), "b1": (n1,), …}``: weights by ``init``, biases 0.

    Weights are drawn in float64 from ``default_rng(seed)`` and then cast, so
    the same seed gives the same network in any dtype.
    """
    sizes = check_sizes(sizes)
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


def _output(loss):
    if loss not in LOSSES:
        raise ValueError(f"loss={loss!r} is not known; choose one of {', '.join(map(repr, LOSSES))}")
    return softmax if loss == "cross_entropy" else sigmoid


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
    output = _output(loss)
    if dropout:
        rng = np.random.default_rng(rng)  # a Generator, a seed, or None for a fresh one
    L = len(params) // 2
    cache = Cache(Z=[None], A=[X])
    for l in range(1, L + 1):
        Z = cache.A[l - 1] @ params[f"W{l}"] + params[f"b{l}"]      # Z[l] = A[l-1] W[l] + b[l]
        A = output(Z) if l == L else g(Z)                            # A[l] = g(Z[l])
        if dropout and l < L:
            keep = rng.random(A.shape, dtype=np.float32) >= dropout
            cache.masks[l] = keep / np.float32(1 - dropout)
            A = A * cache.masks[l]
        cache.Z.append(Z)
        cache.A.append(A)
    return cache


def cost(cache: Cache, Y, loss: str = "cross_entropy") -> float:
    """The loss J of a forward pass against targets Y (labels or one-hot rows)."""
    if loss == "cross_entropy":
        return cross_entropy(cache.Z_out, Y)
    return mse(cache.A[-1], Y)


# --------------------------------------------------------------------------- backward
def output_delta(cache: Cache, Y, loss: str = "cross_entropy") -> np.ndarray:
    """dZ[L] = dJ/dZ[L] for a batch of n rows (Y: integer labels or one-hot rows).

    Softmax with cross-entropy: (A - Y) / n. Sigmoid with squared error:
    (A - Y) / n * sigma'(Z).
    """
    A_out, n = cache.A[-1], len(cache.A[-1])
    if np.ndim(Y) == 1:
        Y = one_hot(Y, A_out.shape[1], dtype=A_out.dtype)
    if loss == "cross_entropy":
        return (A_out - Y) / n
    return (A_out - Y) / n * sigmoid_prime(cache.Z_out)


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


# --------------------------------------------------------------------------- model
class Model:
    """A network's architecture and parameters, ready to train, predict, save.

    >>> model = Model([784, 128, 64, 10])            # He init, ReLU, softmax
    >>> model.params["W1"].shape
    (784, 128)

    ``batch_norm=True`` puts batch normalization after each hidden layer's
    weighted input, before its activation (see :mod:`mnist_scratch.bn_network`):
    the hidden layers then have ``W``, ``gamma`` and ``beta`` and no bias ``b``
    (β does its job), and ``model.state`` holds the running means and variances
    that inference uses. :meth:`forward_train` and :meth:`backward` are a
    training step's passes; :meth:`forward` and :meth:`predict` are inference.
    """

    def __init__(self, sizes, activation: str = "relu", loss: str = "cross_entropy",
                 init: str = "he", seed=0, params: dict | None = None, dtype=np.float32,
                 batch_norm: bool = False, state: dict | None = None):
        self.sizes = check_sizes(sizes)
        get_activation(activation)
        _output(loss)
        self.activation, self.loss, self.init, self.seed = activation, loss, init, seed
        self.batch_norm = bool(batch_norm)
        if self.batch_norm:  # see mnist_scratch.bn_network: W, gamma, beta per hidden layer (no b)
            from .bn_network import init_bn_params, init_bn_state

            self.params = init_bn_params(self.sizes, init, seed, dtype) if params is None else params
            self.state = init_bn_state(self.sizes, self.dtype) if state is None else state
        else:
            self.params = init_params(self.sizes, init, seed, dtype) if params is None else params
            self.state = {}  # arrays that training updates without gradients (batch norm's running stats)
        self.recipe: dict = {}

    @property
    def dtype(self):
        return self.params["W1"].dtype

    @property
    def num_params(self) -> int:
        return sum(int(np.size(p)) for p in self.params.values())

    def check_input(self, X, name: str = "X") -> np.ndarray:
        """``X`` as an array of the model's dtype, or a clear error about its shape."""
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[None, :]
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(
                f"{name} has shape {X.shape}, but this model expects rows of {self.sizes[0]} "
                f"inputs: shape (n, {self.sizes[0]})"
            )
        if not np.issubdtype(X.dtype, np.number):
            raise ValueError(f"{name} must hold numbers, not {X.dtype}")
        return X.astype(self.dtype, copy=False)

    def forward(self, X, **kwargs) -> Cache:
        """The forward pass for prediction (with batch norm: inference mode, the running statistics)."""
        X = self.check_input(X)
        if self.batch_norm:
            from .bn_network import bn_forward

            return bn_forward(self.params, self.state, X, self.activation, self.loss, train=False, **kwargs)
        return forward(self.params, X, self.activation, self.loss, **kwargs)

    def forward_train(self, X, *, dropout: float = 0.0, rng=None) -> Cache:
        """The forward pass of a training step (with batch norm: train mode, which updates ``state``)."""
        if self.batch_norm:
            from .bn_network import bn_forward

            return bn_forward(self.params, self.state, X, self.activation, self.loss, train=True,
                              dropout=dropout, rng=rng)
        return forward(self.params, X, self.activation, self.loss, dropout=dropout, rng=rng)

    def backward(self, cache: Cache, Y) -> dict:
        """The gradients of a training step's forward pass (``cache`` from :meth:`forward_train`)."""
        if self.batch_norm:
            from .bn_network import bn_backward

            return bn_backward(self.params, cache, Y, self.activation, self.loss)
        return backward(self.params, cache, Y, self.activation, self.loss)

    def predict_proba(self, X, batch_size: int = 8192) -> np.ndarray:
        """Output-layer activations, ``(n, classes)``: softmax probabilities (or sigmoid outputs)."""
        X = self.check_input(X)
        parts = [self.forward(X[i:i + batch_size]).A[-1] for i in range(0, len(X), batch_size)]
        return np.concatenate(parts) if parts else np.empty((0, self.sizes[-1]), self.dtype)

    def predict(self, X) -> np.ndarray:
        """Predicted class of every row of X (int64)."""
        return self.predict_proba(X).argmax(axis=1)

    def __repr__(self) -> str:
        arch = "-".join(map(str, self.sizes))
        bn = ", batch_norm=True" if self.batch_norm else ""
        return (f"Model({arch}, activation={self.activation!r}, loss={self.loss!r}{bn}, "
                f"{self.num_params:,} parameters, {self.dtype})")
