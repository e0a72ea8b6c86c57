"""The model: an architecture, its parameters and the passes that go with them.

:class:`Model` is what a learner trains, saves and predicts with. It holds the
layer sizes, the activation and the loss, the parameters (a plain dict of NumPy
arrays, as :mod:`mnist_scratch.network` defines them) and, with
``batch_norm=True``, the running statistics of :mod:`mnist_scratch.bn_network`.
It adds no math of its own: each method hands over to the plain ``forward`` and
``backward`` of :mod:`mnist_scratch.network`, or to their batch-normalized
versions.
"""

from __future__ import annotations

import numpy as np

from .activations import get_activation
from .bn_network import bn_backward, bn_forward, init_bn_params, init_bn_state
from .network import Cache, _output, backward, check_sizes, forward, init_params

__all__ = ["Model"]


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
            return bn_forward(self.params, self.state, X, self.activation, self.loss, train=False, **kwargs)
        return forward(self.params, X, self.activation, self.loss, **kwargs)

    def forward_train(self, X, *, dropout: float = 0.0, rng=None) -> Cache:
        """The forward pass of a training step (with batch norm: train mode, which updates ``state``)."""
        if self.batch_norm:
            return bn_forward(self.params, self.state, X, self.activation, self.loss, train=True,
                              dropout=dropout, rng=rng)
        return forward(self.params, X, self.activation, self.loss, dropout=dropout, rng=rng)

    def backward(self, cache: Cache, Y) -> dict:
        """The gradients of a training step's forward pass (``cache`` from :meth:`forward_train`)."""
        if self.batch_norm:
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
