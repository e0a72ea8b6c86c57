"""The learner's own network on the one model interface: their ``forward`` and ``backward``, trainable by ``ms.train``.

:class:`OwnNetwork` holds the parameters of a fully connected ReLU network with a
softmax output, and computes with the parts it is given
(:func:`mnist_scratch.lab.my_network.load`): the learner's ``forward(params, X) -> (Z, A)``
and ``backward(params, Z, A, y) -> grads``, or the package's where the learner has none.
It has every member of :mod:`mnist_scratch.interface`, so the one training loop
``ms.train(net, X, y, ...)``, the prediction browser and the drawing canvas take it
like any other network, and a model file saves it as the plain MLP it is
(``describe()`` says ``"mlp"``: the math is the package's ``Model``'s).

Later lessons' parts join in where the parts include them:

* lesson 4's ``he_init`` draws the initial weights (the package's He initialisation otherwise);
* lesson 5's ``forward_dropout`` and ``backward_dropout`` compute a training step with
  dropout (``ms.train(net, ..., dropout=p)``), and its ``l2_gradient`` adds the L2 penalty's
  gradient to every step's, for a network made with ``l2=lam``. The penalty is then the
  network's own, so ``ms.train``'s ``l2`` stays 0 (both would add it twice).
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

    def __init__(self, parts, sizes=None, *, params: dict | None = None, seed=0, dtype=np.float32,
                 l2: float = 0.0):
        super().__init__()
        names = list(getattr(parts, "names", ()))
        if isinstance(l2, bool) or not isinstance(l2, (int, float, np.floating)) or not l2 >= 0:
            raise ValueError(f"l2={l2!r} is not allowed: l2 must be a number >= 0 (the L2 penalty lambda)")
        if l2 and "l2_gradient" not in names:
            raise ValueError("l2 needs the L2 penalty's gradient, which lesson 5 adds to your network: load lesson 5's "
                             "parts, my_network.load(upto=5), or make the network with l2=0")
        if params is None:
            if sizes is None:
                raise ValueError("give the layer sizes, such as [784, 10, 10], or the parameters (params=...)")
            params = _initial(parts, check_sizes(sizes), seed, dtype, "he_init" in names)
        elif not isinstance(params, dict) or "W1" not in params:
            raise ValueError("params must be a dict of arrays {'W1': ..., 'b1': ..., ...}, "
                             f"not {type(params).__name__}")
        self.parts, self.params, self.names, self.l2 = parts, params, names, float(l2)
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
        """The forward pass of a training step: with ``dropout``, the learner's ``forward_dropout`` (lesson 5)."""
        if not dropout:
            return self.forward(X)
        if "forward_dropout" not in self.names:
            raise ValueError("dropout needs a forward pass that drops units; this network's parts have none yet "
                             "(lesson 5 adds forward_dropout: load its parts with my_network.load(upto=5)), so "
                             "train with dropout=0")
        Z, A, masks = self.parts.forward_dropout(self.params, X, dropout, np.random.default_rng(rng))
        return Cache(Z=list(Z), A=list(A), masks={l: m for l, m in enumerate(masks) if m is not None})

    def backward(self, cache: Cache, T) -> dict:
        """The learner's backward pass (with dropout's masks, if the forward pass drew any), plus the
        learner's L2 gradient for a network made with ``l2``; ``T`` holds integer labels."""
        if cache.masks:
            masks = [cache.masks.get(l) for l in range(len(cache.Z))]
            grads = self.parts.backward_dropout(self.params, cache.Z, cache.A, masks, T)
        else:
            grads = self.parts.backward(self.params, cache.Z, cache.A, T)
        if self.l2:
            penalty = self.parts.l2_gradient(self.params, self.l2)
            grads = {k: grads[k] + penalty[k] if k in penalty else grads[k] for k in grads}
        return grads

    def __repr__(self) -> str:
        l2 = f", l2={self.l2:g}" if self.l2 else ""
        return f"OwnNetwork({'-'.join(map(str, self.sizes))}, {self.num_params:,} parameters, {self.dtype}{l2})"


def _initial(parts, sizes: list, seed, dtype, own_init: bool) -> dict:
    """Initial parameters: He weights from the learner's ``he_init`` where they have it (lesson 4), zero biases."""
    if not own_init:
        return init_params(sizes, "he", seed, dtype)
    rng = np.random.default_rng(seed)
    params = {}
    for l, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{l}"] = np.asarray(parts.he_init(fan_in, fan_out, rng), dtype=dtype)
        params[f"b{l}"] = np.zeros(fan_out, dtype=dtype)
    return params
