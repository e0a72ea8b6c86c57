r"""Optimisers and learning-rate schedules.

Each optimiser updates the flat parameter vector :math:`\theta` in place from
its gradient :math:`g` (see :func:`mnist_scratch.network.flatten`), with
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

The updates are written with ``out=`` and in-place operators so that a step
allocates no new arrays: the same few buffers are reused every step.

A schedule multiplies the learning rate by a factor that depends on how far
training has got, :math:`t` (in epochs, fractional within an epoch), out of
:math:`T` epochs: ``step`` :math:`\gamma^{\lfloor t/s \rfloor}`, ``exponential``
:math:`\gamma^{t}`, ``cosine`` :math:`\tfrac12(1 + \cos \pi t/T)`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["SGD", "Momentum", "Adam", "make_optimizer", "OPTIMIZERS",
           "Constant", "Step", "Exponential", "Cosine", "make_schedule", "SCHEDULES"]


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


# --------------------------------------------------------------------------- schedules
@dataclass(frozen=True)
class Constant:
    def __call__(self, t: float, total: float) -> float:
        return 1.0


@dataclass(frozen=True)
class Step:
    """Multiply the rate by ``gamma`` every ``step_size`` epochs."""

    step_size: float = 5
    gamma: float = 0.1

    def __call__(self, t, total):
        return self.gamma ** math.floor(t / self.step_size)


@dataclass(frozen=True)
class Exponential:
    """Multiply the rate by ``gamma`` per epoch, smoothly."""

    gamma: float = 0.9

    def __call__(self, t, total):
        return self.gamma ** t


@dataclass(frozen=True)
class Cosine:
    """Half a cosine wave from the full rate down to ``floor`` times it."""

    floor: float = 0.0

    def __call__(self, t, total):
        return self.floor + (1 - self.floor) * 0.5 * (1 + math.cos(math.pi * min(t / total, 1.0)))


SCHEDULES = {"constant": Constant, "step": Step, "exponential": Exponential, "cosine": Cosine}


def make_schedule(schedule) -> object:
    """A schedule from ``None``, a name (``"cosine"``), a ``(name, {options})`` pair, or a callable."""
    if schedule is None:
        return Constant()
    if isinstance(schedule, str):
        schedule = (schedule, {})
    if isinstance(schedule, (tuple, list)) and len(schedule) == 2 and isinstance(schedule[0], str):
        name, options = schedule
        if name not in SCHEDULES:
            raise ValueError(f"schedule={name!r} is not known; choose one of {', '.join(map(repr, SCHEDULES))}")
        return SCHEDULES[name](**dict(options))
    if callable(schedule):
        return schedule
    raise ValueError(f"schedule must be None, a name, a (name, options) pair or a callable, not {schedule!r}")
