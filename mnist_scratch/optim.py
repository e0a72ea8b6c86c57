r"""Optimizers: how a gradient becomes a step.

Each optimizer updates the flat parameter vector :math:`\theta` in place from
its gradient :math:`g` (see :mod:`mnist_scratch.flat_params`), with
learning rate :math:`\eta`:

=============  ===================================================================
``sgd``        :math:`\theta \leftarrow \theta - \eta g`  (full-batch gradient
               descent, mini-batch or per-example SGD: only the batch differs)
``momentum``   :math:`v \leftarrow \mu v + g,\quad \theta \leftarrow \theta - \eta v`
``adam``       :math:`m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
               v \leftarrow \beta_2 v + (1-\beta_2) g^2,`

               :math:`\theta \leftarrow \theta - \eta\,\hat m / (\sqrt{\hat v} + \epsilon)`
               with :math:`\hat m = m/(1-\beta_1^t)`, :math:`\hat v = v/(1-\beta_2^t)`
=============  ===================================================================

Speed trick: the optimizers work on the flat vector behind the parameters
(:mod:`mnist_scratch.flat_params`), and their updates are written with ``out=``
and in-place operators, so that a step allocates no new arrays. This is where
such tricks pay: an optimizer step touches every parameter, every batch.

Learning-rate schedules live in :mod:`mnist_scratch.schedules`.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["SGD", "Momentum", "Adam", "make_optimizer", "OPTIMIZERS"]


class SGD:
    """Plain gradient descent: θ ← θ − η g."""

    def step(self, theta: np.ndarray, grad: np.ndarray, lr: float) -> None:
        grad *= -lr          # the gradient buffer is rewritten every step, so reuse it
        theta += grad


class Momentum:
    """Heavy-ball momentum (PyTorch's form): v ← μ v + g, θ ← θ − η v."""

    def __init__(self, momentum: float = 0.9):
        self.momentum = momentum
        self.v = None

    def step(self, theta, grad, lr):
        if self.v is None:
            self.v = np.zeros_like(theta)
        self.v *= self.momentum
        self.v += grad
        np.multiply(self.v, -lr, out=grad)
        theta += grad


class Adam:
    """Adam (Kingma & Ba, 2015) with bias correction."""

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = self.v = self.scratch = None
        self.t = 0

    def step(self, theta, grad, lr):
        if self.m is None:
            self.m, self.v, self.scratch = (np.zeros_like(theta) for _ in range(3))
        self.t += 1
        m, v, s = self.m, self.v, self.scratch
        b1, b2 = self.beta1, self.beta2
        m *= b1                                   # m = b1 m + (1 - b1) g
        np.multiply(grad, 1 - b1, out=s)
        m += s
        v *= b2                                   # v = b2 v + (1 - b2) g^2
        np.multiply(grad, grad, out=s)
        s *= 1 - b2
        v += s
        # theta -= lr_t * m / (sqrt(v) + eps_t): the bias corrections folded into lr and eps
        sqrt_c2 = math.sqrt(1 - b2 ** self.t)
        lr_t = lr * sqrt_c2 / (1 - b1 ** self.t)
        np.sqrt(v, out=s)
        s += self.eps * sqrt_c2
        np.divide(m, s, out=s)
        s *= -lr_t
        theta += s


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "adam": Adam}


def make_optimizer(name: str, **options):
    if name not in OPTIMIZERS:
        raise ValueError(f"optimizer={name!r} is not known; choose one of {', '.join(map(repr, OPTIMIZERS))}")
    return OPTIMIZERS[name](**options)
