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

Backward, starting from :math:`dZ^{[L]} = \partial J / \partial Z^{[L]}`
(:math:`(A^{[L]} - Y)/n` for softmax with cross-entropy; see ``losses``):

.. math::
    dW^{[l]} = A^{[l-1]\top} dZ^{[l]}, \qquad
    db^{[l]} = \textstyle\sum_{\text{rows}} dZ^{[l]}, \qquad
    dZ^{[l-1]} = \big(dZ^{[l]} W^{[l]\top}\big) \odot g'(Z^{[l-1]}).

Parameters are a plain dict of NumPy arrays, ``{"W1", "b1", "W2", "b2", …}``,
that you can print and plot. Behind the scenes they are views into one flat
vector, so an optimiser can update every parameter in a handful of vectorised
operations (see :func:`flatten`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import get_activation, sigmoid, softmax
from .init import init_weights
from .losses import LOSSES, cross_entropy, mse

__all__ = ["init_params", "param_keys", "count_params", "flatten", "forward", "backward",
           "cost", "Cache", "Model", "check_sizes"]


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


def count_params(sizes) -> int:
    return sum(i * o + o for i, o in zip(sizes[:-1], sizes[1:]))


def _shapes(sizes):
    for i, o in zip(sizes[:-1], sizes[1:]):
        yield (i, o)
        yield (o,)


def _views(flat: np.ndarray, sizes) -> dict:
    params, start = {}, 0
    for key, shape in zip(param_keys(len(sizes) - 1), _shapes(sizes)):
        size = int(np.prod(shape))
        params[key] = flat[start:start + size].reshape(shape)
        start += size
    return params


def init_params(sizes, init: str = "he", seed=0, dtype=np.float32) -> dict:
    """Initial parameters ``{"W1": (n0, n1), "b1": (n1,), …}``: weights by ``init``, biases 0.

    Weights are drawn in float64 from ``default_rng(seed)`` and then cast, so
    the same seed gives the same network in any dtype.
    """
    sizes = check_sizes(sizes)
    rng = np.random.default_rng(seed)
    params = _views(np.zeros(count_params(sizes), dtype=dtype), sizes)
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{l}"][...] = init_weights(fan_in, fan_out, init, rng)
    return params


def sizes_of(params) -> list[int]:
    L = len(params) // 2
    return [params["W1"].shape[0]] + [params[f"W{l}"].shape[1] for l in range(1, L + 1)]


def flatten(params: dict) -> np.ndarray:
    """The flat vector behind ``params``.

    If the arrays are not (or no longer) views of one contiguous vector, for
    example because you assigned ``params["W1"] = …``, they are copied into a
    new vector and the dict is updated to hold views of it. Either way, after
    this call ``params[k]`` and the returned vector share memory.
    """
    keys = param_keys(len(params) // 2)
    arrays = [params[k] for k in keys]
    base = arrays[0].base
    if (isinstance(base, np.ndarray) and base.ndim == 1 and base.flags.c_contiguous
            and all(a.base is base and a.dtype == base.dtype and a.flags.c_contiguous for a in arrays)
            and base.size == sum(a.size for a in arrays)):
        offsets = [a.__array_interface__["data"][0] for a in arrays]
        expected = base.__array_interface__["data"][0]
        ok = True
        for a, offset in zip(arrays, offsets):
            ok &= offset == expected
            expected += a.nbytes
        if ok:
            return base
    dtype = np.result_type(*arrays)
    flat = np.concatenate([np.asarray(a, dtype=dtype).ravel() for a in arrays])
    params.update(_views(flat, sizes_of(params)))
    return flat


# --------------------------------------------------------------------------- forward
@dataclass
class Cache:
    """What the forward pass remembers for the backward pass.

    ``A[l]`` is layer l's output (``A[0]`` is the input X, ``A[L]`` the
    prediction); ``Z_out`` the output layer's scores (logits). With dropout,
    ``H[l]`` is layer l's output before dropout and ``M[l]`` its mask.
    """

    A: list
    Z_out: np.ndarray
    H: dict = field(default_factory=dict)
    M: dict = field(default_factory=dict)


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
    g = get_activation(activation)[0]
    output = _output(loss)
    if dropout:
        rng = np.random.default_rng(rng)  # a Generator, a seed, or None for a fresh one
    L = len(params) // 2
    A = [X]
    cache = Cache(A, None)
    for l in range(1, L + 1):
        Z = A[l - 1] @ params[f"W{l}"]
        Z += params[f"b{l}"]
        if l == L:
            cache.Z_out = Z
            A.append(output(Z))
        elif dropout:
            H = g(Z, out=Z)
            keep = rng.random(H.shape, dtype=np.float32) >= dropout
            cache.H[l], cache.M[l] = H, keep / np.float32(1 - dropout)
            A.append(H * cache.M[l])
        else:
            A.append(g(Z, out=Z))  # Z is not needed again: g' is computed from A
    return cache


def cost(cache: Cache, Y, loss: str = "cross_entropy") -> float:
    """The loss J of a forward pass against targets Y (labels or one-hot rows)."""
    if loss == "cross_entropy":
        return cross_entropy(cache.Z_out, Y)
    return mse(cache.A[-1], Y)


# --------------------------------------------------------------------------- backward
def _output_delta(cache: Cache, Y, loss: str) -> np.ndarray:
    """dZ[L] = dJ/dZ[L] for a batch of n rows."""
    A_out = cache.A[-1]
    n = len(A_out)
    if loss == "cross_entropy":       # (A - Y) / n, derived in mnist_scratch.losses
        dZ = A_out.copy()
        if np.ndim(Y) == 1:
            dZ[np.arange(n), Y] -= 1
        else:
            dZ -= Y
    else:                             # (A - Y) / n  *  sigma'(Z) = (A - Y)/n * A (1 - A)
        dZ = (A_out - Y) * A_out * (1 - A_out)
    dZ /= n
    return dZ


def backward(params, cache: Cache, Y, activation: str = "relu", loss: str = "cross_entropy",
             grads: dict | None = None) -> dict:
    """Backward propagation: the gradient of J with respect to every parameter.

    Returns ``{"W1": dJ/dW1, "b1": dJ/db1, …}`` (same keys and shapes as
    ``params``). If ``grads`` is given its arrays are filled in place.
    """
    g_prime_of_output = get_activation(activation)[2]
    L = len(params) // 2
    if grads is None:
        grads = {k: np.empty_like(v) for k, v in params.items()}
    dZ = _output_delta(cache, Y, loss)
    for l in range(L, 0, -1):
        np.matmul(cache.A[l - 1].T, dZ, out=grads[f"W{l}"])     # dW = A_prev^T dZ
        np.sum(dZ, axis=0, out=grads[f"b{l}"])                   # db = sum over rows
        if l > 1:                                                 # (no gradient needed for X)
            dA = dZ @ params[f"W{l}"].T                           # dA_prev = dZ W^T
            if l - 1 in cache.M:
                dA *= cache.M[l - 1]
                dA *= g_prime_of_output(cache.H[l - 1])
            else:
                dA *= g_prime_of_output(cache.A[l - 1])           # dZ_prev = dA_prev * g'(Z_prev)
            dZ = dA
    return grads


# --------------------------------------------------------------------------- model
class Model:
    """A network's architecture and parameters, ready to train, predict, save.

    >>> model = Model([784, 128, 64, 10])            # He init, ReLU, softmax
    >>> model.params["W1"].shape
    (784, 128)
    """

    def __init__(self, sizes, activation: str = "relu", loss: str = "cross_entropy",
                 init: str = "he", seed=0, params: dict | None = None, dtype=np.float32):
        self.sizes = check_sizes(sizes)
        get_activation(activation)
        _output(loss)
        self.activation, self.loss, self.init, self.seed = activation, loss, init, seed
        self.params = init_params(self.sizes, init, seed, dtype) if params is None else params
        self.recipe: dict = {}

    @property
    def dtype(self):
        return self.params["W1"].dtype

    @property
    def num_params(self) -> int:
        return count_params(self.sizes)

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
        return forward(self.params, self.check_input(X), self.activation, self.loss, **kwargs)

    def predict_proba(self, X, batch_size: int = 8192) -> np.ndarray:
        """Output-layer activations, ``(n, classes)``: softmax probabilities (or sigmoid outputs)."""
        X = self.check_input(X)
        parts = [forward(self.params, X[i:i + batch_size], self.activation, self.loss).A[-1]
                 for i in range(0, len(X), batch_size)]
        return np.concatenate(parts) if parts else np.empty((0, self.sizes[-1]), self.dtype)

    def predict(self, X) -> np.ndarray:
        """Predicted class of every row of X (int64)."""
        return self.predict_proba(X).argmax(axis=1)

    def __repr__(self) -> str:
        arch = "-".join(map(str, self.sizes))
        return (f"Model({arch}, activation={self.activation!r}, loss={self.loss!r}, "
                f"{self.num_params:,} parameters, {self.dtype})")
