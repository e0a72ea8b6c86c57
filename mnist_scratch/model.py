"""The model: an architecture, its parameters and the passes that go with them.

:class:`Model` is what a learner trains, saves and predicts with. It holds the
layer sizes, the activation and the loss, the parameters (a plain dict of NumPy
arrays, as :mod:`mnist_scratch.network` defines them) and, with
``batch_norm=True``, the running statistics of :mod:`mnist_scratch.bn_network`.
It adds no math of its own: each method hands over to the plain ``forward`` and
``backward`` of :mod:`mnist_scratch.network`, or to their batch-normalized
versions. It has the members every network has (:mod:`mnist_scratch.interface`),
so the one training loop, :func:`mnist_scratch.train.train`, trains it.
"""

from __future__ import annotations

import numpy as np

from .activations import ACTIVATIONS
from .bn_network import bn_backward, bn_forward, init_bn_params, init_bn_state
from .init import INITS
from .interface import Network
from .losses import LOSSES
from .network import SIZES, Cache, backward, check_size_fits, forward, init_params
from .validation import FloatType, IsBool, OneOf, OrNone, Whole, validate

__all__ = ["Model"]


class Model(Network):
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

    @validate({"sizes": SIZES, "activation": OneOf(tuple(ACTIVATIONS)), "loss": OneOf(tuple(LOSSES)),
               "init": OneOf(tuple(INITS)), "seed": OrNone(Whole(0), "fresh random weights"),
               "batch_norm": IsBool(), "dtype": FloatType()})
    def __init__(self, sizes, activation: str = "relu", loss: str = "cross_entropy",
                 init: str = "he", seed=0, params: dict | None = None, dtype=np.float32,
                 batch_norm: bool = False, state: dict | None = None):
        super().__init__()
        self.sizes = sizes
        self.activation, self.loss, self.init, self.seed = activation, loss, init, seed
        self.batch_norm = batch_norm
        if params is None:  # (before anything is allocated: a clear error if it would not fit in memory)
            check_size_fits("Model()", sizes, dtype)
        if self.batch_norm:  # see mnist_scratch.bn_network: W, gamma, beta per hidden layer (no b)
            self.params = init_bn_params(self.sizes, init, seed, dtype) if params is None else params
            self.state = init_bn_state(self.sizes, self.dtype) if state is None else state
        else:
            self.params = init_params(self.sizes, init, seed, dtype) if params is None else params

    # ---------------------------------------------------------------- the interface
    @property
    def classes(self) -> int:
        return self.sizes[-1]

    @property
    def input_shape(self) -> tuple:
        return (self.sizes[0],)

    @property
    def min_batch(self) -> int:
        """Batch norm's train mode measures a variance over each batch, so it needs 2 rows or more."""
        return 2 if self.batch_norm else 1

    @property
    def layers(self) -> list:
        return list(self.sizes)

    def describe(self) -> dict:
        return {"kind": "mlp", "sizes": list(self.sizes), "activation": self.activation, "loss": self.loss,
                "init": self.init, "seed": self.seed, "batch_norm": self.batch_norm}

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

    def __repr__(self) -> str:
        arch = "-".join(map(str, self.sizes))
        bn = ", batch_norm=True" if self.batch_norm else ""
        return (f"Model({arch}, activation={self.activation!r}, loss={self.loss!r}{bn}, "
                f"{self.num_params:,} parameters, {self.dtype})")
