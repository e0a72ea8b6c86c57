r"""The learner's batch-normalized network (lesson 9): their batch-norm layer in every hidden layer, for ``ms.train``.

:class:`OwnBNNetwork` is :class:`~mnist_scratch.model.Model`'s ``batch_norm=True``
network (:mod:`mnist_scratch.bn_network`: the same parameters ``W1, gamma1, beta1, …,
WL, bL`` and running statistics in ``state``) computed with the learner's parts, as
:func:`mnist_scratch.lab.my_network.load` chose them:

* forward, layer by layer: :math:`Z^{[l]} = A^{[l-1]} W^{[l]}`, then the learner's
  ``batchnorm_layer`` (train mode in a training step, updating the running averages;
  inference mode in a prediction), their ``relu``, and their ``softmax`` at the output;
* backward: the output error :math:`(A^{[L]} - Y)/n` with their ``one_hot``, then per layer
  :math:`dW^{[l]} = A^{[l-1]\top} dZ^{[l]}`, :math:`dA^{[l-1]} = dZ^{[l]} W^{[l]\top}`, their
  ``relu_prime``, and their ``batchnorm_backward`` for :math:`d\gamma, d\beta` and :math:`dZ`.

The layer loop is the package's (the learner wrote lesson 2's loops for the plain
network); every layer's math is the learner's. ``describe()`` says ``"mlp"`` with
``batch_norm``: a model file saves it as the ``Model`` it computes the same as.
"""

from __future__ import annotations

import numpy as np

from ..bn_network import BNCache, init_bn_params, init_bn_state
from ..interface import Network
from ..network import check_sizes

__all__ = ["OwnBNNetwork"]

EPS, MOMENTUM = 1e-5, 0.9            # as the package's Model (mnist_scratch.batchnorm)


class OwnBNNetwork(Network):
    """A ReLU network with batch norm in every hidden layer and a softmax output, computed by the learner's parts.

    >>> net = my_network.load(upto=9).network([784, 128, 64, 10], batch_norm=True)    # doctest: +SKIP
    >>> ms.train(net, X_train, y_train, epochs=3)                                     # doctest: +SKIP
    """

    loss = "cross_entropy"
    activation = "relu"
    min_batch = 2                    # train mode needs a variance: two rows at least

    def __init__(self, parts, sizes=None, *, params: dict | None = None, state: dict | None = None, seed=0,
                 dtype=np.float32):
        super().__init__()
        if params is None:
            if sizes is None:
                raise ValueError("give the layer sizes, such as [784, 100, 10], or the parameters (params=...)")
            params = init_bn_params(check_sizes(sizes), "he", seed, dtype)
        elif not isinstance(params, dict) or "gamma1" not in params:
            raise ValueError("params must be a batch-normalized network's dict {'W1': ..., 'gamma1': ..., "
                             "'beta1': ..., ..., 'bL': ...}")
        layers = (len(params) + 1) // 3
        self.sizes = [int(params["W1"].shape[0])] + [int(params[f"W{l}"].shape[1]) for l in range(1, layers + 1)]
        if sizes is not None and check_sizes(sizes) != self.sizes:
            raise ValueError(f"params are those of a {self.sizes} network, not {list(sizes)}")
        self.parts, self.params = parts, params
        self.state = init_bn_state(self.sizes, params["W1"].dtype) if state is None else state
        self.init, self.seed = "he", seed
        self.input_shape, self.classes = (self.sizes[0],), self.sizes[-1]

    @property
    def layers(self) -> list:
        return list(self.sizes)

    def describe(self) -> dict:
        return {"kind": "mlp", "sizes": list(self.sizes), "activation": "relu", "loss": "cross_entropy",
                "init": self.init, "seed": self.seed, "batch_norm": True}

    def _forward(self, X, train: bool) -> BNCache:
        parts, params, L = self.parts, self.params, len(self.sizes) - 1
        cache = BNCache(Z=[None], A=[X])
        for l in range(1, L + 1):
            Z = cache.A[l - 1] @ params[f"W{l}"]
            if l == L:
                Z = Z + params[f"b{l}"]
                A = parts.softmax(Z)
            else:
                Z, Z_hat, s = parts.batchnorm_layer(Z, params[f"gamma{l}"], params[f"beta{l}"],
                                                    self.state[f"running_mean{l}"], self.state[f"running_var{l}"],
                                                    train, EPS, MOMENTUM)
                cache.bn[l] = (Z_hat, s)
                A = parts.relu(Z)
            cache.Z.append(Z)
            cache.A.append(A)
        return cache

    def forward(self, X) -> BNCache:
        """Inference mode: every hidden layer normalized with its running averages."""
        return self._forward(X, train=False)

    def forward_train(self, X, *, dropout: float = 0.0, rng=None) -> BNCache:
        """Train mode: batch statistics, and the running averages updated."""
        if dropout:
            raise ValueError("this network's forward pass drops no units: train it with dropout=0")
        return self._forward(X, train=True)

    def backward(self, cache: BNCache, T) -> dict:
        """The gradients of the mean cross-entropy of a train-mode forward pass; ``T`` holds integer labels."""
        parts, params, L = self.parts, self.params, len(self.sizes) - 1
        A, Z = cache.A, cache.Z
        dZ = (A[L] - np.asarray(parts.one_hot(T), dtype=A[L].dtype)) / len(T)
        grads = {f"b{L}": dZ.sum(axis=0)}
        for l in range(L, 0, -1):
            if l < L:
                Z_hat, s = cache.bn[l]
                dZ, grads[f"gamma{l}"], grads[f"beta{l}"] = parts.batchnorm_backward(dZ, Z_hat, params[f"gamma{l}"], s)
            grads[f"W{l}"] = A[l - 1].T @ dZ
            if l > 1:
                dZ = (dZ @ params[f"W{l}"].T) * parts.relu_prime(Z[l - 1])
        return {key: grads[key] for key in params}

    def __repr__(self) -> str:
        return (f"OwnBNNetwork({'-'.join(map(str, self.sizes))}, batch norm, {self.num_params:,} parameters, "
                f"{self.dtype})")
