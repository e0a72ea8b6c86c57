r"""Optimizers: how a gradient becomes a step.

Each optimizer updates the flat parameter vector :math:`\theta` in place from
its gradient :math:`g` (see :mod:`mnist_scratch.training.flat_params`), with
learning rate :math:`\eta`:

=============  ===================================================================
``sgd``        :math:`\theta \leftarrow \theta - \eta g`  (full-batch gradient
               descent, mini-batch or per-example SGD: only the batch differs)
``momentum``   :math:`v \leftarrow \mu v + g,\quad \theta \leftarrow \theta - \eta v`
``adam``       :math:`m \leftarrow \beta_1 m + (1-\beta_1) g,\quad
               v \leftarrow \beta_2 v + (1-\beta_2) g^2,`

               :math:`\theta \leftarrow \theta - \eta\,\hat m / (\sqrt{\hat v} + \epsilon)`
               with :math:`\hat m = m/(1-\beta_1^t)`, :math:`\hat v = v/(1-\beta_2^t)`
``nesterov``   :math:`v \leftarrow \mu v + g,\quad \theta \leftarrow \theta - \eta\,(g + \mu v)`
``adagrad``    :math:`G \leftarrow G + g^2,\quad \theta \leftarrow \theta - \eta\, g / (\sqrt{G} + \epsilon)`
``rmsprop``    :math:`s \leftarrow \rho s + (1-\rho)\, g^2,\quad
               \theta \leftarrow \theta - \eta\, g / (\sqrt{s} + \epsilon)`
=============  ===================================================================

All operations are element-wise; :math:`g^2` squares each entry. Defaults
follow PyTorch: :math:`\mu` = 0.9 (momentum, nesterov); Adam's
:math:`\beta_1, \beta_2, \epsilon` = 0.9, 0.999, 1e-8; AdaGrad's
:math:`\epsilon` = 1e-10 with :math:`G_0 = 0`; RMSprop's :math:`\rho` = 0.99
(PyTorch's ``alpha``; Keras uses 0.9) and :math:`\epsilon` = 1e-8.

**Nesterov** is written in PyTorch's form (``torch.optim.SGD(nesterov=True)``).
Sutskever et al. (2013) take the gradient at the *look-ahead* point, where
momentum is about to carry the parameters:
:math:`v \leftarrow \mu v + \nabla J(\theta - \eta\mu v),\ \theta \leftarrow \theta - \eta v`.
Tracking the look-ahead point :math:`\tilde\theta = \theta - \eta\mu v`
instead gives the rule in the table, with the gradient taken at the current
parameters like every other optimizer here; for a constant learning rate its
parameters are exactly Sutskever's look-ahead points. Compared with heavy-ball momentum it adds
:math:`\eta g` once more and so brakes sooner when the gradient turns.

**AdaGrad** (Duchi et al., 2011) divides each parameter's step by the root of
the sum of all its squared gradients so far: parameters with large or frequent
gradients slow down. :math:`G` only grows, so every step shrinks and training
can stall. **RMSprop** (Hinton's lecture notes, 2012) keeps an exponential
moving average of squared gradients instead, so the step adapts without dying
out. Adam is RMSprop plus momentum plus bias correction.

Speed trick: the optimizers work on the flat vector behind the parameters
(:mod:`mnist_scratch.training.flat_params`), and their updates are written with ``out=``
and in-place operators, so that a step allocates no new arrays. This is where
such tricks pay: an optimizer step touches every parameter, every batch.

Second speed trick, :func:`inplace_flush_tiny`: a moving average that keeps
shrinking (momentum's :math:`v`, Adam's :math:`m` and :math:`v`, RMSprop's
:math:`s` for a parameter whose gradient is zero for a while: a dead ReLU
unit, a pixel that is rarely lit) sinks below ~1e-38, where float32 numbers
are *subnormal* and the processor handles each one about ten to a hundred
times more slowly. A few thousand such entries made an epoch of the best
recipe some 40% slower by its fourth epoch. Every :data:`FLUSH_EVERY` steps,
entries below 1e-30 become exactly 0; their effect on a step was below
:math:`10^{-22}\,\eta` anyway.

Learning-rate schedules live in :mod:`mnist_scratch.schedules`.
"""

from __future__ import annotations

import math

import numpy as np

from .validation import ArgumentError, Number, OneOf, check_arguments, check_value, show

__all__ = ["SGD", "Momentum", "Nesterov", "Adam", "AdaGrad", "RMSprop", "make_optimizer", "OPTIMIZERS",
           "WITH_MOMENTUM"]


#: What the optimizers' options may be (each class's ``constraints`` holds its own).
_RATE = Number(0, 1, high_open=True)
_EPS = Number(0, low_open=True)


class SGD:
    """Plain gradient descent: θ ← θ − η g."""

    constraints: dict = {}

    def step(self, theta: np.ndarray, grad: np.ndarray, lr: float) -> None:
        grad *= -lr          # the gradient buffer is rewritten every step, so reuse it
        theta += grad


class Momentum:
    """Heavy-ball momentum (PyTorch's form): v ← μ v + g, θ ← θ − η v."""

    constraints = {"momentum": _RATE}

    def __init__(self, momentum: float = 0.9):
        self.momentum = momentum
        self.v = None
        self.t = 0

    def velocity(self, grad):
        """v ← μ v + g (in place), and v."""
        if self.v is None:
            self.v = np.zeros_like(grad)
        self.t += 1
        self.v *= self.momentum
        self.v += grad
        inplace_flush_tiny(self.t, self.v)
        return self.v

    def step(self, theta, grad, lr):
        np.multiply(self.velocity(grad), -lr, out=grad)
        theta += grad


class Adam:
    """Adam (Kingma & Ba, 2015) with bias correction."""

    constraints = {"beta1": _RATE, "beta2": _RATE, "eps": _EPS}

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
        inplace_flush_tiny(self.t, m, v)
        # theta -= lr_t * m / (sqrt(v) + eps_t): the bias corrections folded into lr and eps
        sqrt_c2 = math.sqrt(1 - b2 ** self.t)
        lr_t = lr * sqrt_c2 / (1 - b1 ** self.t)
        np.sqrt(v, out=s)
        s += self.eps * sqrt_c2
        np.divide(m, s, out=s)
        s *= -lr_t
        theta += s


class Nesterov(Momentum):
    """Nesterov momentum (PyTorch's form): v ← μ v + g, θ ← θ − η (g + μ v)."""

    def step(self, theta, grad, lr):
        v = self.velocity(grad)
        grad *= -lr                               # theta -= lr g ...
        theta += grad
        np.multiply(v, -lr * self.momentum, out=grad)
        theta += grad                             # ... and -= lr mu v


class AdaGrad:
    """AdaGrad: G ← G + g², θ ← θ − η g / (√G + ε)."""

    constraints = {"eps": _EPS}

    def __init__(self, eps: float = 1e-10):
        self.eps = eps
        self.G = self.scratch = None

    def step(self, theta, grad, lr):
        if self.G is None:
            self.G, self.scratch = np.zeros_like(theta), np.empty_like(theta)
        s = self.scratch
        np.multiply(grad, grad, out=s)            # G = G + g^2
        self.G += s
        _step_scaled_by_root(theta, grad, self.G, self.eps, lr, s)


class RMSprop:
    """RMSprop: s ← ρ s + (1 − ρ) g², θ ← θ − η g / (√s + ε)."""

    constraints = {"rho": _RATE, "eps": _EPS}

    def __init__(self, rho: float = 0.99, eps: float = 1e-8):
        self.rho, self.eps = rho, eps
        self.s = self.scratch = None
        self.t = 0

    def step(self, theta, grad, lr):
        if self.s is None:
            self.s, self.scratch = np.zeros_like(theta), np.empty_like(theta)
        self.t += 1
        t = self.scratch
        self.s *= self.rho                        # s = rho s + (1 - rho) g^2
        np.multiply(grad, grad, out=t)
        t *= 1 - self.rho
        self.s += t
        inplace_flush_tiny(self.t, self.s)
        _step_scaled_by_root(theta, grad, self.s, self.eps, lr, t)


#: :func:`inplace_flush_tiny` runs every this many steps (a value needs over 150 steps at a
#: decay of 0.9 to sink from 1e-30 to the subnormal range, so none gets there in between).
FLUSH_EVERY = 64
TINY = 1e-30


def inplace_flush_tiny(step: int, *states: np.ndarray) -> None:
    """Speed trick: every FLUSH_EVERY-th step, set entries of ``states`` smaller than 1e-30 to 0 (in place).

    Not part of the math: it keeps decaying averages out of the slow subnormal
    range of floating-point numbers (see the module's docstring).
    """
    if step % FLUSH_EVERY:
        return
    for state in states:
        state[np.abs(state) < TINY] = 0


def _step_scaled_by_root(theta, grad, squares, eps, lr, scratch) -> None:
    """θ ← θ − η g / (√squares + ε), through ``scratch`` (AdaGrad's and RMSprop's shared step)."""
    np.sqrt(squares, out=scratch)
    scratch += eps
    np.divide(grad, scratch, out=scratch)
    scratch *= -lr
    theta += scratch


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "nesterov": Nesterov, "adam": Adam,
              "adagrad": AdaGrad, "rmsprop": RMSprop}

#: The optimizers that take a ``momentum`` option (train()'s ``momentum=`` goes to them).
WITH_MOMENTUM = ("momentum", "nesterov")


def make_optimizer(name, **options):
    """The optimizer called ``name`` (a key of :data:`OPTIMIZERS`), made with ``options``
    (``momentum=0.9``, ``rho=0.99``, ``eps=…``, ``beta1=…``), each checked against the
    optimizer's ``constraints``. An object with a ``step(theta, grad, lr)`` method is
    returned as it is (it is already an optimizer)."""
    if not isinstance(name, str):
        if callable(getattr(name, "step", None)) and not options:
            return name
        raise ArgumentError(f"optimizer={show(name)} is not allowed: optimizer must be one of "
                            f"{', '.join(map(repr, OPTIMIZERS))}, or an object with a step(theta, grad, lr) method")
    check_value("", "optimizer", name, OneOf(tuple(OPTIMIZERS)))
    cls = OPTIMIZERS[name]
    return cls(**check_arguments(f"make_optimizer({name!r})", options, cls.constraints))
