"""The learner's own network on the one model interface: their ``forward`` and ``backward``, trainable by ``ms.train``.

:class:`OwnNetwork` holds the parameters of a fully connected ReLU network with a
softmax output, and computes with the parts it is given
(:func:`mnist_scratch.lab.my_network.load`): the learner's ``forward(params, X) -> (Z, A)``
and ``backward(params, Z, A, y) -> grads``, or the package's where the learner has none.
It has every member of :mod:`mnist_scratch.interface`, so the one training loop
``ms.train(net, X, y, ...)``, the prediction browser and the drawing canvas take it
like any other network, and a model file saves it as the plain MLP it is
(``describe()`` says ``"mlp"``: the math is the package's ``Model``'s).
"""

from __future__ import annotations

import numpy as np

from ..interface import Network
from ..network import Cache, check_sizes, init_params

__all__ = ["OwnNetwork"]


class OwnNetwork(Network):
    """A ReLU network with a softmax output, computed by the learner's parts.

    >>> mine = my_network.load(upto=3)                       # doctest: +SKIP
    >>> net = OwnNetwork(mine, [784, 128, 64, 10])           # or mine.network([784, 128, 64, 10])
    >>> ms.train(net, X_train, y_train, epochs=5)            # the one training loop
    """

    loss = "cross_entropy"
    activation = "relu"

    def __init__(self, parts, sizes=None, *, params: dict | None = None, seed=0, dtype=np.float32):
        super().__init__()
        if params is None:
            if sizes is None:
                raise ValueError("give the layer sizes, such as [784, 10, 10], or the parameters (params=...)")
            params = init_params(check_sizes(sizes), "he", seed, dtype)
        elif not isinstance(params, dict) or "W1" not in params:
            raise ValueError("params must be a dict of arrays {'W1': ..., 'b1': ..., ...}, "
                             f"not {type(params).__name__}")
        self.parts, self.params = parts, params
        self.init, self.seed = "he", seed                   # how the parameters began (model files record it)
        layers = len(params) // 2
        self.sizes = [int(params["W1"].shape[0])] + [int(params[f"W{l}"].shape[1]) for l in range(1, layers + 1)]
        if sizes is not None and check_sizes(sizes) != self.sizes:
            raise ValueError(f"params are those of a {self.sizes} network, not {list(sizes)}")
        self.input_shape, self.classes = (self.sizes[0],), self.sizes[-1]

    @property
    def layers(self) -> list:
        return list(self.sizes)

    def describe(self) -> dict:
        return {"kind": "mlp", "sizes": list(self.sizes), "activation": "relu", "loss": "cross_entropy",
                "init": self.init, "seed": self.seed, "batch_norm": False}

    def forward(self, X) -> Cache:
        """The learner's forward pass (prediction), in the package's cache (``Z_out``, ``A_out``)."""
        Z, A = self.parts.forward(self.params, X)
        return Cache(Z=list(Z), A=list(A))

    def forward_train(self, X, *, dropout: float = 0.0, rng=None) -> Cache:
        """The forward pass of a training step; dropout needs a forward pass that takes it (lesson 5)."""
        if dropout:
            raise ValueError("dropout needs a forward pass that drops units; this network's forward has "
                             "none yet (lesson 5 adds it): train with dropout=0")
        return self.forward(X)

    def backward(self, cache: Cache, T) -> dict:
        """The learner's backward pass; ``T`` holds integer labels."""
        return self.parts.backward(self.params, cache.Z, cache.A, T)

    def __repr__(self) -> str:
        return f"OwnNetwork({'-'.join(map(str, self.sizes))}, {self.num_params:,} parameters, {self.dtype})"
