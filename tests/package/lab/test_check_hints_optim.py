"""Lessons 7 and 8's step functions and initialisation: every right way passes, each common wrong answer gets
its own hint (the table is the specification of the hints in mnist_scratch/lab/_checks_optim.py).

The rows join the wrong-answer table of tests/package/lab/test_check_hints.py; RIGHT_ANSWERS join those of
tests/package/lab/test_check.py. Lesson 7's Adam class has its own table, test_check_hints_adam.py.

Besides the usual slips, the table holds the answers that fooled the checks before: a momentum step
that ignores the velocity it is given and keeps its own (right from rest, so one start state passed
it), a hard-coded mu, lr, rho or T, state kept between calls, a schedule that rounds t, and an
initialisation with a hard-coded shape or spread.
"""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from mnist_scratch.lab import check
from mnist_scratch.optim import RMSprop


# --------------------------------------------------------------------------- momentum
def mom_right(theta, v, g, lr, mu):
    v = mu * v + g
    return theta - lr * v, v


def mom_in_place(theta, v, g, lr, mu):
    v *= mu
    v += g
    theta -= lr * v
    return theta, v


def mom_cs231n(theta, v, g, lr, mu):                  # v <- mu v - lr g, theta <- theta + v: the same path
    v = mu * v - lr * g
    return theta + v, v


def mom_negated(theta, v, g, lr, mu):                 # v with the opposite sign: the same path
    v = mu * v - g
    return theta + lr * v, v


def mom(rule):
    """A momentum step with one planted mistake."""
    def step(theta, v, g, lr, mu):
        if rule == "sgd":
            return theta - lr * g, v
        if rule == "forgets":
            return theta - lr * g, g
        if rule == "average":
            v = mu * v + (1 - mu) * g
            return theta - lr * v, v
        if rule == "uphill":
            v = mu * v + g
            return theta + lr * v, v
        if rule == "old velocity":
            return theta - lr * v, mu * v + g
        if rule == "theta only":
            v = mu * v + g
            return theta - lr * v
        if rule == "swapped":
            v = mu * v + g
            return v, theta - lr * v
        if rule == "nesterov":
            v = mu * v + g
            return theta - lr * (g + mu * v), v
        if rule == "mu 0.9":
            v = 0.9 * v + g
            return theta - lr * v, v
        if rule == "lr 0.1":
            v = mu * v + g
            return theta - 0.1 * v, v
        if rule == "v + mu g":
            v = v + mu * g
            return theta - lr * v, v
        raise ValueError(rule)
    return step


class KeepsItsOwnVelocity:
    """Ignores the v it is given and keeps its own between calls (one start state from rest passed it)."""

    def __init__(self):
        self.v = None

    def __call__(self, theta, v, g, lr, mu):
        if self.v is None or self.v.shape != g.shape:
            self.v = np.zeros_like(g)
        self.v = mu * self.v + g
        return theta - lr * self.v, self.v


_calls = []


def mom_remembers(theta, v, g, lr, mu):
    """Keeps a count of its calls in a global and, by a leftover of debugging, steps further on every other call:
    right the first time, but not when the same step runs again."""
    _calls.append(1)
    v = mu * v + g
    return theta - lr * v * (1 if len(_calls) % 2 else 1.5), v


# --------------------------------------------------------------------------- cosine
def cos_(rule):
    def factor(t, T):
        return {"cos": math.cos(math.pi * t / T), "no pi": 0.5 * (1 + math.cos(t / T)),
                "2 pi": 0.5 * (1 + math.cos(2 * math.pi * t / T)), "minus": 0.5 * (1 - math.cos(math.pi * t / T)),
                "T = 12": 0.5 * (1 + math.cos(math.pi * t / 12)), "linear": 1 - t / T,
                "no half": 1 + math.cos(math.pi * t / T), "t // T": 0.5 * (1 + math.cos(math.pi * (t // T))),
                "degrees": 0.5 * (1 + math.cos(180 * t / T)), "times lr": 0.002 * 0.5 * (1 + math.cos(math.pi * t / T)),
                "int(t)": 0.5 * (1 + math.cos(math.pi * int(t) / T)),
                "exponential": 0.9 ** t}[rule]
    return factor


# --------------------------------------------------------------------------- RMSprop
def rms_right(theta, s, g, lr, rho, eps):
    s = rho * s + (1 - rho) * g ** 2
    return theta - lr * g / (np.sqrt(s) + eps), s


def rms_eps_inside(theta, s, g, lr, rho, eps):            # TensorFlow 1's form: accepted
    s = rho * s + (1 - rho) * g ** 2
    return theta - lr * g / np.sqrt(s + eps), s


def rms_in_place(theta, s, g, lr, rho, eps):               # updates its arguments, and returns them
    s *= rho
    s += (1 - rho) * g * g
    theta -= lr * g / (np.sqrt(s) + eps)
    return theta, s


def rms_package(theta, s, g, lr, rho, eps):                # the package's class, primed with s
    opt = RMSprop(rho=rho, eps=eps)
    opt.s, opt.scratch = s.copy(), np.empty_like(s)
    theta = theta.copy()
    opt.step(theta, g.copy(), lr)
    return theta, opt.s


def rms_list(theta, s, g, lr, rho, eps):                   # a list instead of a tuple
    return list(rms_right(theta, s, g, lr, rho, eps))


def rms(*, square=True, swap=False, no_one_minus=False, adagrad=False, forget=False, sign=-1, no_sqrt=False,
        no_divide=False, multiply=False, old_s=False, no_eps=False, order="theta, s", eps_after=False, no_lr=False,
        bias_correct=False, return_root=False, return_step=False, rho_is=None, eps_is=None, lr_is=None,
        zero_s=False):
    """One RMSprop step, right by default, or with one planted mistake."""
    def step(theta, s, g, lr, rho, eps):
        rho = rho if rho_is is None else rho_is
        eps = eps if eps_is is None else eps_is
        lr = lr if lr_is is None else lr_is
        if zero_s:
            s = np.zeros_like(s)
        g2 = g ** 2 if square else g
        old = s
        if adagrad:
            s = s + g2
        elif forget:
            s = (1 - rho) * g2
        elif swap:
            s = (1 - rho) * s + rho * g2
        elif no_one_minus:
            s = rho * s + g2
        else:
            s = rho * s + (1 - rho) * g2
        root = old if old_s else s
        if bias_correct:                                  # Adam's correction, which RMSprop does not have
            root = root / (1 - rho)
        denominator = (root if no_sqrt else np.sqrt(root)) + (0 if no_eps or eps_after else eps)
        if no_lr:
            lr = 1.0
        if no_divide:
            update = g
        elif multiply:
            update = g * denominator
        else:
            update = g / denominator
        theta = (0 if return_step else theta) + sign * lr * update + (eps if eps_after else 0)
        if return_root:
            s = np.sqrt(s)
        return (theta, s) if order == "theta, s" else (s, theta) if order == "s, theta" else theta
    return step


class RmsKeepsItsOwnAverage:
    """Ignores the s it is given and keeps its own average between calls."""

    def __init__(self):
        self.s = None

    def __call__(self, theta, s, g, lr, rho, eps):
        if self.s is None or self.s.shape != g.shape:
            self.s = np.zeros_like(g)
        self.s = rho * self.s + (1 - rho) * g ** 2
        return theta - lr * g / (np.sqrt(self.s) + eps), self.s


# --------------------------------------------------------------------------- Xavier
def xav(kind="normal", var=lambda i, o: 2 / (i + o), std_is=None, shape="io", source="rng", mean=0.0):
    """Xavier weights, right by default (a normal), or with one planted mistake."""
    def init(fan_in, fan_out, rng):
        size = (fan_in, fan_out) if shape == "io" else (800, 200) if shape == "fixed" else (fan_out, fan_in)
        draw = np.random if source == "np.random" else rng
        spread = std_is(fan_in, fan_out) if std_is else np.sqrt(var(fan_in, fan_out))
        if kind == "uniform":
            return draw.uniform(mean - spread, mean + spread, size=size)
        return draw.normal(mean, spread, size=size)
    return init


RIGHT_ANSWERS = [
    ("momentum_step", "v = mu v + g, theta - lr v", mom_right),
    ("momentum_step", "in place, returning the arguments", mom_in_place),
    ("momentum_step", "CS231n's form, lr inside the velocity", mom_cs231n),
    ("momentum_step", "the velocity's sign flipped", mom_negated),
    ("momentum_step", "returns a list", lambda *a: list(mom_right(*a))),
    ("cosine", "math.cos", lambda t, T: 0.5 * (1 + math.cos(math.pi * t / T))),
    ("cosine", "np.cos, halved last", lambda t, T: (1 + np.cos(np.pi * t / T)) / 2),
    ("cosine", "cos squared of the half angle", lambda t, T: np.cos(np.pi * t / T / 2) ** 2),
    ("rmsprop_step", "eps outside the root", rms_right),
    ("rmsprop_step", "eps inside the root", rms_eps_inside),
    ("rmsprop_step", "in place, returning the arguments", rms_in_place),
    ("rmsprop_step", "returns a list", rms_list),
    ("xavier_init", "normal, std sqrt(2 / (in + out))", xav()),
    ("xavier_init", "uniform, limit sqrt(6 / (in + out))", xav("uniform", std_is=lambda i, o: np.sqrt(6 / (i + o)))),
    ("xavier_init", "standard normal, scaled", lambda i, o, rng: rng.standard_normal((i, o)) * np.sqrt(2 / (i + o))),
]

#: The package's own answers, refused by the checks (tests/package/lab/test_refusal.py).
PACKAGE_ANSWERS = [
    ("rmsprop_step", "the package's RMSprop class", rms_package, "optim.RMSprop.step"),
    ("xavier_init", "the package's init_weights",
     lambda i, o, rng: __import__("mnist_scratch").init.init_weights(i, o, "xavier", rng), "init.init_weights"),
    ("momentum_step", "the package's Momentum, primed with v",
     lambda theta, v, g, lr, mu: _package_momentum(theta, v, g, lr, mu), "optim.Momentum.step"),
    ("cosine", "the package's Cosine schedule", lambda t, T: __import__("mnist_scratch").schedules.Cosine()(t, T),
     "schedules.Cosine.__call__"),
]


def _package_momentum(theta, v, g, lr, mu):
    from mnist_scratch.optim import Momentum

    opt = Momentum(mu)
    opt.v, theta = v.copy(), theta.copy()
    opt.step(theta, g.copy(), lr)
    return theta, opt.v


ADAGRAD = ("that is AdaGrad's running sum, s + g ** 2, which only grows; RMSprop keeps a moving average that "
           "forgets: s = rho * s + (1 - rho) * g ** 2.")

NAN = ("theta has NaN or inf where the gradient is 0: there s is 0 too, and 0 / sqrt(0) is 0 / 0. Add eps to the "
       "root, in brackets: g / (np.sqrt(s) + eps) (without them, g / np.sqrt(s) + eps divides first).")

WRONG_ANSWERS = [
    ('momentum_step', 'plain SGD', mom("sgd"),
     'theta moved as plain gradient descent would: the velocity must carry over from step to step, v '
     '<- mu * v + g, and theta moves by -lr * v.'),
    ('momentum_step', 'v forgets: v = g', mom("forgets"),
     "v forgot its past: each step's v is only the new gradient. Start from the v you are given: v <- "
     'mu * v + g.'),
    ('momentum_step', 'average: (1 - mu) g', mom("average"),
     'you averaged, v <- mu * v + (1 - mu) * g, which makes every step (1 - mu) times smaller; this '
     "series' momentum adds the whole gradient: v <- mu * v + g."),
    ('momentum_step', 'theta + lr v', mom("uphill"),
     'theta moved uphill: step against the velocity, theta <- theta - lr * v.'),
    ('momentum_step', 'moves by the old v', mom("old velocity"),
     'update v first, then move theta by the NEW velocity.'),
    ('momentum_step', 'returns theta only', mom("theta only"),
     'return both the new parameters and the new velocity: return theta, v.'),
    ('momentum_step', 'returns (v, theta)', mom("swapped"),
     'you returned (v, theta); return the parameters first: return theta, v.'),
    ('momentum_step', "Nesterov's step", mom("nesterov"),
     "that is Nesterov's step, theta - lr * (g + mu * v) (lesson 8); plain momentum moves by the "
     'velocity alone: theta <- theta - lr * v.'),
    ('momentum_step', 'mu fixed at 0.9', mom("mu 0.9"),
     'right for lr = 0.1 and mu = 0.9, but with lr = 0.35 and mu = 0.6 you still used mu = 0.9: use '
     'the lr and mu you are given.'),
    ('momentum_step', 'lr fixed at 0.1', mom("lr 0.1"),
     'right for lr = 0.1 and mu = 0.9, but with lr = 0.35 and mu = 0.6 you still used lr = 0.1: use '
     'the lr and mu you are given.'),
    ('momentum_step', 'ignores v, keeps its own velocity', KeepsItsOwnVelocity(),
     'right from rest, but from a velocity of v = [0.5, -0.25, 1.5, 0] your first step ignored it: '
     'start from the v you are given, v <- mu * v + g (not from a velocity of your own).'),
    ('momentum_step', 'v = v + mu g', mom("v + mu g"),
     "starting from rest, theta or v differs from momentum's after a few steps: v <- mu * v + g, then "
     'theta <- theta - lr * v, and return both.'),
    ('momentum_step', 'remembers its first answers', mom_remembers,
     'right the first time, but not when the check ran the first steps again: the function keeps '
     'something between calls. Compute the step from its arguments alone.'),
    ('cosine', 'cos(pi t / T)', cos_("cos"),
     'the factor goes below 0 (it reaches -1); a learning rate must stay positive. Shift and halve '
     'the cosine: 1/2 (1 + cos(pi t / T)).'),
    ('cosine', '1/2 (1 + cos(t / T)), no pi', cos_("no pi"),
     "at t = T the factor should be 0, not 0.77: the cosine's argument runs from 0 to pi, so use pi * "
     't / T.'),
    ('cosine', '1/2 (1 + cos(2 pi t / T))', cos_("2 pi"),
     'the factor comes back up to 1 at t = T: that is a full cosine wave; the schedule uses half of '
     'one, pi t / T.'),
    ('cosine', '1/2 (1 - cos(pi t / T))', cos_("minus"),
     'the factor grows; it should fall from 1 at t = 0 to 0 at t = T: 1/2 (1 + cos(pi t / T)).'),
    ('cosine', 'a fixed T = 12', cos_("T = 12"),
     'right for T = 12, but not for T = 7: use the T you are given, not a number of your own.'),
    ('cosine', '1 - t / T (linear)', cos_("linear"),
     'that falls in a straight line; the cosine schedule falls slowly at first and at the end: 1/2 (1 '
     '+ cos(pi t / T)).'),
    ('cosine', '1 + cos(pi t / T), not halved', cos_("no half"),
     'at t = 0 the factor is 2: halve it, 1/2 (1 + cos(pi t / T)), so that it starts at 1.'),
    ('cosine', 'pi * (t // T)', cos_("t // T"),
     'the factor stays 1 until t = T: t // T is whole-number division, 0 until t reaches T. Divide '
     'with /: pi * t / T.'),
    ('cosine', 'degrees: cos(180 t / T)', cos_("degrees"),
     'np.cos and math.cos take radians: half a wave is pi, not 180 degrees, so use pi * t / T.'),
    ('cosine', 'the learning rate, not the factor', cos_("times lr"),
     'at t = 0 the factor should be 1, not 0.002: return the factor itself (ms.train multiplies the '
     'learning rate by it), 1/2 (1 + cos(pi t / T)).'),
    ('cosine', 't rounded down', cos_("int(t)"),
     'right for whole epochs, but ms.train passes fractions (t = 1.25 is a quarter into the second '
     'epoch): do not round t.'),
    ('cosine', 'exponential decay', cos_("exponential"),
     "at t = T the factor should be 0, not 0.282: the cosine's argument runs from 0 to pi, so use pi "
     '* t / T.'),
    ('rmsprop_step', 'forgets the square', rms(square=False),
     's must average the SQUARED gradients: s = rho * s + (1 - rho) * g ** 2 (without the square, '
     'negative gradients make s negative and its square root NaN).'),
    ('rmsprop_step', 'rho and 1 - rho swapped', rms(swap=True),
     'rho and 1 - rho are swapped: rho (0.9) keeps the old average and only 1 - rho (0.1) of the new '
     'g ** 2 comes in: s = rho * s + (1 - rho) * g ** 2.'),
    ('rmsprop_step', 'rho * s + g ** 2', rms(no_one_minus=True),
     's should be a moving average, s = rho * s + (1 - rho) * g ** 2; yours took the whole g ** 2 '
     '(the factor 1 - rho is missing).'),
    ('rmsprop_step', "AdaGrad's s + g ** 2", rms(adagrad=True),
     ADAGRAD),
    ('rmsprop_step', 's forgets its past', rms(forget=True),
     's forgot its past: on the second step it is only (1 - rho) * g ** 2. Start from the s you are '
     'given: s = rho * s + (1 - rho) * g ** 2.'),
    ('rmsprop_step', 'no eps', rms(no_eps=True),
     NAN),
    ('rmsprop_step', 'eps outside the brackets: g / np.sqrt(s) + eps', rms(eps_after=True),
     NAN),
    ('rmsprop_step', 'no learning rate', rms(no_lr=True),
     'the step is missing the learning rate: theta - lr * g / (np.sqrt(s) + eps).'),
    ('rmsprop_step', "Adam's bias correction", rms(bias_correct=True),
     "you divided s by 1 - rho, Adam's bias correction; RMSprop has none: theta - lr * g / "
     '(np.sqrt(s) + eps), with s itself.'),
    ('rmsprop_step', 'returns the root of s', rms(return_root=True),
     'you returned np.sqrt(s), the root; return the average s itself and take the root only in the '
     'step: theta - lr * g / (np.sqrt(s) + eps).'),
    ('rmsprop_step', 'returns the step', rms(return_step=True),
     'you returned the step, not the new parameters: return theta - lr * g / (np.sqrt(s) + eps).'),
    ('rmsprop_step', 'uphill', rms(sign=+1),
     'theta moved uphill: subtract the step, theta - lr * g / (np.sqrt(s) + eps).'),
    ('rmsprop_step', 'divides by s, no root', rms(no_sqrt=True),
     'you divided by s itself; divide by its square root, np.sqrt(s) + eps, so that the step has the '
     "size of lr whatever the gradient's scale."),
    ('rmsprop_step', 'plain SGD step', rms(no_divide=True),
     'theta moved as plain gradient descent would: divide the gradient by the root of the average, '
     'theta - lr * g / (np.sqrt(s) + eps).'),
    ('rmsprop_step', 'multiplies by the root', rms(multiply=True),
     'you multiplied by np.sqrt(s) + eps; divide by it: theta - lr * g / (np.sqrt(s) + eps).'),
    ('rmsprop_step', 'divides by the old s', rms(old_s=True),
     'you divided by the OLD average; update s first, then divide by the new one, np.sqrt(s) + eps.'),
    ('rmsprop_step', 'returns (s, theta)', rms(order="s, theta"),
     'you returned (s, theta); return the parameters first: return theta, s.'),
    ('rmsprop_step', 'returns theta only', rms(order="theta"),
     'return both the new parameters and the new average: return theta, s.'),
    ('rmsprop_step', 'rho fixed at 0.9', rms(rho_is=0.9),
     'right for lr = 0.01, rho = 0.9, eps = 1e-8, but with lr = 0.003, rho = 0.99, eps = 0.01 you '
     'still used rho = 0.9: use the values you are given.'),
    ('rmsprop_step', 'eps fixed at 1e-8', rms(eps_is=1e-8),
     'right for lr = 0.01, rho = 0.9, eps = 1e-8, but with lr = 0.003, rho = 0.99, eps = 0.01 you '
     'still used eps = 1e-8: use the values you are given.'),
    ('rmsprop_step', 'lr fixed at 0.01', rms(lr_is=0.01),
     'right for lr = 0.01, rho = 0.9, eps = 1e-8, but with lr = 0.003, rho = 0.99, eps = 0.01 you '
     'still used lr = 0.01: use the values you are given.'),
    ('rmsprop_step', 'starts from s = 0 every time', rms(zero_s=True),
     's forgot its past: on the second step it is only (1 - rho) * g ** 2. Start from the s you are '
     'given: s = rho * s + (1 - rho) * g ** 2.'),
    ('rmsprop_step', 'ignores s, keeps its own average', RmsKeepsItsOwnAverage(),
     'the same first step, from s = 0, gave another answer the second time: the function keeps '
     'something between calls (an average of its own?). Start from the s you are given, and compute '
     'the step from the arguments alone.'),
    ('xavier_init', 'transposed shape', xav(shape="oi"),
     'expected shape (800, 200), that is (fan_in, fan_out): W has one row per input in this series. '
     'You returned (200, 800).'),
    ('xavier_init', 'np.random instead of rng', xav(source="np.random"),
     'two calls with generators seeded alike gave different weights: draw from the rng you are given '
     '(rng.normal(...) or rng.uniform(...)), not from np.random.'),
    ('xavier_init', 'ignores rng: a generator of its own', lambda i, o, rng: xav()(i, o, np.random.default_rng(0)),
     'generators seeded differently gave the same weights, so the rng argument is ignored: draw from '
     'the rng you are given (rng.normal(...) or rng.uniform(...)), not from a generator of your own.'),
    ('xavier_init', '2 / fan_in + fan_out, no brackets', xav(var=lambda i, o: 2 / i + o),
     '2 / fan_in + fan_out divides before it adds: put the sum in brackets, np.sqrt(2 / (fan_in + '
     'fan_out)).'),
    ('xavier_init', 'the fans multiplied', xav(var=lambda i, o: 2 / (i * o)),
     "that is 2 / (fan_in * fan_out), a product; Xavier's variance adds the fans: 2 / (fan_in + "
     'fan_out).'),
    ('xavier_init', 'not centred', xav("uniform", mean=0.05),
     'the weights are not centred on 0 (their mean is 0.05): draw them from a distribution with mean '
     '0, such as rng.normal(0, std, size=(fan_in, fan_out)).'),
    ('xavier_init', 'variance as std', xav(std_is=lambda i, o: 2 / (i + o)),
     'you used 2 / (fan_in + fan_out) as the standard deviation, but it is the VARIANCE: take its '
     'square root, np.sqrt(2 / (fan_in + fan_out)).'),
    ('xavier_init', 'fan_in only (1 / fan_in)', xav(var=lambda i, o: 1 / i),
     "that is variance 1 / fan_in (the simpler rule, which Saitoh's book also calls Xavier); this "
     "lesson's Xavier (Glorot's) averages the two fans: variance 2 / (fan_in + fan_out)."),
    ('xavier_init', "He's 2 / fan_in", xav(var=lambda i, o: 2 / i),
     "that is He's variance, 2 / fan_in, made for ReLU; Xavier's is 2 / (fan_in + fan_out)."),
    ('xavier_init', '1 / (fan_in + fan_out)', xav(var=lambda i, o: 1 / (i + o)),
     "that is variance 1 / (fan_in + fan_out); Xavier's has a 2 on top: 2 / (fan_in + fan_out), the "
     "inverse of the two fans' average."),
    ('xavier_init', 'uniform with the std as limit', xav("uniform"),
     'a uniform distribution on [-a, a] has variance a ** 2 / 3, so the limit is not the standard '
     'deviation: use a = np.sqrt(6 / (fan_in + fan_out)), or draw from a normal with std np.sqrt(2 / '
     '(fan_in + fan_out)).'),
    ('xavier_init', "normal with the uniform's limit as std", xav(std_is=lambda i, o: np.sqrt(6 / (i + o))),
     'np.sqrt(6 / (fan_in + fan_out)) is the LIMIT of the uniform version, not a standard deviation: '
     'use rng.uniform(-a, a, ...) with that a, or a normal with std np.sqrt(2 / (fan_in + fan_out)).'),
    ('xavier_init', 'std 0.01', xav(std_is=lambda i, o: 0.01),
     "the weights' standard deviation is 0.00999; Xavier's is sqrt(2 / (fan_in + fan_out)) = 0.0447 "
     'here.'),
    ('xavier_init', 'a fixed shape (800, 200)', xav(shape="fixed"),
     'right for 800 x 200, but for fan_in = 60 and fan_out = 140 the shape is (800, 200), not (60, '
     '140): build the shape from the arguments.'),
    ('xavier_init', 'a fixed spread, sqrt(2 / 1000)', xav(std_is=lambda i, o: np.sqrt(2 / 1000)),
     'right for 800 x 200, but for fan_in = 60 and fan_out = 140 the standard deviation is 0.0448, '
     'not sqrt(2 / 200) = 0.1: compute it from the arguments, not from numbers of your own.'),
]


@pytest.mark.parametrize("name,answer,fn", RIGHT_ANSWERS, ids=[f"{r[0]}: {r[1]}" for r in RIGHT_ANSWERS])
def test_a_right_answer_passes(capsys, name, answer, fn):
    assert check.hint_of(check.CHECKS[name], fn) is None
    assert check.CHECKS[name](fn) is None
    assert capsys.readouterr().out.startswith(f"✅ {name}: ")


def test_each_check_knows_at_least_six_wrong_answers():
    counts = Counter(row[0] for row in WRONG_ANSWERS)
    assert set(counts) == {"momentum_step", "cosine", "rmsprop_step", "xavier_init"}
    assert min(counts.values()) >= 6, counts


def test_the_hints_name_the_mistake():
    """Issue 19's target: at least 80% of the wrong answers get a hint that names the mistake, not "values differ"."""
    generic = [row for row in WRONG_ANSWERS if "differs" in row[3] or "differ from" in row[3]]
    assert len(generic) <= 0.2 * len(WRONG_ANSWERS), [row[1] for row in generic]


@pytest.mark.parametrize("strange", [None, "abc", lambda *a: None, lambda *a: (None, None), lambda *a: 1 / 0,
                                     lambda *a: (np.zeros(3), np.zeros(3)), lambda *a: np.full((800, 200), np.nan),
                                     lambda *a: (np.ones(4) * 1j, np.ones(4))],
                         ids=["None", "a string", "returns None", "returns (None, None)", "raises", "wrong shape",
                              "NaN", "complex"])
@pytest.mark.parametrize("name", ["momentum_step", "cosine", "rmsprop_step", "xavier_init"])
def test_a_strange_answer_gets_a_hint_not_a_crash(name, strange):
    hint = check.hint_of(check.CHECKS[name], strange)
    assert isinstance(hint, str) and hint and "stumbled" not in hint


def test_a_velocity_kept_between_calls_is_caught_even_though_it_is_right_from_rest():
    """One start state from rest passed this answer before: the check now starts a second run from a velocity."""
    theta, v, g = np.zeros(3), np.zeros(3), np.array([1.0, -1.0, 0.5])
    assert np.allclose(KeepsItsOwnVelocity()(theta, v, g, 0.1, 0.9)[0], mom_right(theta, v, g, 0.1, 0.9)[0])
    assert check.hint_of(check.momentum_step, KeepsItsOwnVelocity()).startswith("right from rest, but from a velocity")


def test_the_planted_rmsprop_mistakes_really_differ_from_the_package():
    """Sanity check of the table itself: the right answer above matches mnist_scratch.optim.RMSprop."""
    theta, s, g = np.array([1.0, -2.0]), np.array([0.3, 0.1]), np.array([0.5, -4.0])
    a, b = rms_right(theta, s, g, 0.01, 0.9, 1e-8), rms_package(theta, s, g, 0.01, 0.9, 1e-8)
    assert np.allclose(a[0], b[0]) and np.allclose(a[1], b[1])
