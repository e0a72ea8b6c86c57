"""Self-checks for lesson 8: an RMSprop step and Xavier initialisation.

Each check compares the learner's answer with the right one and, when they
differ, with the usual wrong ones, so that its hint can name the mistake.
"""

from __future__ import annotations

import math

import numpy as np

from ._checking import Wrong, call, checker, same, rng as _rng

__all__ = ["rmsprop_step", "xavier_init"]


# --------------------------------------------------------------------------- RMSprop
_THETA0 = np.array([1.0, -2.0, 0.5, 3.0])
_GRADIENTS = [np.array([0.5, -4.0, 2.0, 0.0]),     # a zero gradient: s stays 0 there, so eps matters
              np.array([0.4, 0.3, -1.0, 0.2]),
              np.array([-0.2, 0.6, 0.1, -0.5])]
_LR, _RHO, _EPS = 0.01, 0.9, 1e-8


def _rmsprop(theta, s, g, lr, rho, eps, *, eps_inside=False):
    s = rho * s + (1 - rho) * g ** 2
    step = g / np.sqrt(s + eps) if eps_inside else g / (np.sqrt(s) + eps)
    return theta - lr * step, s


_ADAGRAD = ("that is AdaGrad's running sum, s + g ** 2, which only grows; RMSprop keeps a moving average that "
            "forgets: s = rho * s + (1 - rho) * g ** 2.")


def _pair(out, what="theta, s"):
    """The learner's ``(theta, s)``, or a hint."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise Wrong(f"return both the new parameters and the new average: return {what}.")
    return [call(lambda a: a, part, shape=(4,), warn=False) for part in out]


def _same(a, b) -> bool:
    return same(a, b, rtol=1e-6, atol=1e-9)


@checker(refuses=("mnist_scratch.optim.RMSprop.step",))
def rmsprop_step(fn):
    """``fn(theta, s, g, lr, rho, eps)`` returns ``(theta, s)`` after one step of RMSprop."""
    g = _GRADIENTS[0]
    s0 = np.zeros(4)
    theta, s = _pair(call(fn, _THETA0, s0, g, _LR, _RHO, _EPS, numeric=False, may_modify=True, warn=False))
    right_theta, right_s = _rmsprop(_THETA0, s0, g, _LR, _RHO, _EPS)
    if _same(theta, right_s) and _same(s, right_theta):
        raise Wrong("you returned (s, theta); return the parameters first: return theta, s.")
    for wrong_s, hint in [
        ((1 - _RHO) * g, "s must average the SQUARED gradients: s = rho * s + (1 - rho) * g ** 2 (without "
                         "the square, negative gradients make s negative and its square root NaN)."),
        (_RHO * g ** 2, "rho and 1 - rho are swapped: rho (0.9) keeps the old average and only 1 - rho (0.1) "
                        "of the new g ** 2 comes in: s = rho * s + (1 - rho) * g ** 2."),
    ]:
        if _same(s, wrong_s):
            raise Wrong(hint)
    if _same(s, g ** 2):             # s + g^2 (AdaGrad) or rho * s + g^2: start from s = 1 to tell them apart
        _, probe = _pair(call(fn, _THETA0, np.ones(4), g, _LR, _RHO, _EPS, numeric=False, may_modify=True,
                              warn=False))
        if _same(probe, 1 + g ** 2):
            raise Wrong(_ADAGRAD)
        raise Wrong("s should be a moving average, s = rho * s + (1 - rho) * g ** 2; yours took the whole "
                    "g ** 2 (the factor 1 - rho is missing).")
    if _same(s, np.sqrt(right_s)):
        raise Wrong("you returned np.sqrt(s), the root; return the average s itself and take the root only in "
                    "the step: theta - lr * g / (np.sqrt(s) + eps).")
    if not _same(s, right_s):
        raise Wrong("after one step from s = 0, s should be (1 - rho) * g ** 2: "
                    "s = rho * s + (1 - rho) * g ** 2.")
    if np.isnan(theta).any() or np.isinf(theta).any():
        raise Wrong("theta has NaN or inf where the gradient is 0: there s is 0 too, and 0 / sqrt(0) is 0 / 0. "
                    "Add eps to the root, in brackets: g / (np.sqrt(s) + eps) (without them, g / np.sqrt(s) + eps "
                    "divides first).")
    with np.errstate(divide="ignore", invalid="ignore"):
        for wrong_theta, hint in [
            (_THETA0 + _LR * g / (np.sqrt(right_s) + _EPS),
             "theta moved uphill: subtract the step, theta - lr * g / (np.sqrt(s) + eps)."),
            (_THETA0 - _LR * g / (right_s + _EPS),
             "you divided by s itself; divide by its square root, np.sqrt(s) + eps, so that the step has the "
             "size of lr whatever the gradient's scale."),
            (_THETA0 - _LR * g, "theta moved as plain gradient descent would: divide the gradient by the root "
                                "of the average, theta - lr * g / (np.sqrt(s) + eps)."),
            (_THETA0 - _LR * g * (np.sqrt(right_s) + _EPS),
             "you multiplied by np.sqrt(s) + eps; divide by it: theta - lr * g / (np.sqrt(s) + eps)."),
            (_THETA0 - _LR * g / (np.sqrt(s0) + _EPS),
             "you divided by the OLD average; update s first, then divide by the new one, np.sqrt(s) + eps."),
            (_THETA0 - g / (np.sqrt(right_s) + _EPS),
             "the step is missing the learning rate: theta - lr * g / (np.sqrt(s) + eps)."),
            (_THETA0 - _LR * g / (np.sqrt(right_s / (1 - _RHO)) + _EPS),
             "you divided s by 1 - rho, Adam's bias correction; RMSprop has none: theta - lr * g / (np.sqrt(s) + "
             "eps), with s itself."),
        ]:
            if _same(theta, wrong_theta):
                raise Wrong(hint)
        for step in (_LR * g / (np.sqrt(right_s) + _EPS), -_LR * g / (np.sqrt(right_s) + _EPS)):
            if _same(theta, step):
                raise Wrong("you returned the step, not the new parameters: return theta - lr * g / (np.sqrt(s) + "
                            "eps).")
    accepted = [right_theta, _rmsprop(_THETA0, s0, g, _LR, _RHO, _EPS, eps_inside=True)[0]]
    if not any(_same(theta, a) for a in accepted):
        raise Wrong("after one step theta differs from RMSprop's: theta - lr * g / (np.sqrt(s) + eps), with the "
                    "new s.")
    # two more steps, feeding the learner's own theta and s back in
    for g in _GRADIENTS[1:]:
        before_theta, before_s = theta, s
        theta, s = _pair(call(fn, theta, s, g, _LR, _RHO, _EPS, numeric=False, may_modify=True, warn=False))
        if _same(s, (1 - _RHO) * g ** 2):
            raise Wrong("s forgot its past: on the second step it is only (1 - rho) * g ** 2. Start from the s you "
                        "are given: s = rho * s + (1 - rho) * g ** 2.")
        if _same(s, before_s + g ** 2):
            raise Wrong(_ADAGRAD)
        if not any(_same((theta, s), _rmsprop(before_theta, before_s, g, _LR, _RHO, _EPS, eps_inside=inside))
                   for inside in (False, True)):
            raise Wrong("the first step is right, but a later one is not: use the theta and s you are given, "
                        "s = rho * s + (1 - rho) * g ** 2, then theta - lr * g / (np.sqrt(s) + eps).")
    return ("s = rho s + (1 - rho) g^2, theta - lr g / (sqrt(s) + eps): three steps, each coordinate scaled by "
            "its own history. Correct!")


# --------------------------------------------------------------------------- Xavier
@checker(refuses=("mnist_scratch.init.init_weights", "mnist_scratch.network.init_params"))
def xavier_init(fn):
    """``fn(fan_in, fan_out, rng)``: weights of shape (fan_in, fan_out) with mean 0 and variance
    2 / (fan_in + fan_out), drawn from a normal or a uniform distribution."""
    fan_in, fan_out = 800, 200
    got = call(fn, fan_in, fan_out, _rng(1))
    if got.shape == (fan_out, fan_in):
        raise Wrong("expected shape (800, 200), that is (fan_in, fan_out): W has one row per input in this "
                    "series. You returned (200, 800).")
    if got.shape != (fan_in, fan_out):
        raise Wrong(f"expected shape (800, 200), that is (fan_in, fan_out), got {got.shape}.")
    if not np.array_equal(got, call(fn, fan_in, fan_out, _rng(1))):
        raise Wrong("two calls with generators seeded alike gave different weights: draw from the rng you are "
                    "given (rng.normal(...) or rng.uniform(...)), not from np.random.")
    if np.array_equal(got, call(fn, fan_in, fan_out, _rng(2))):
        raise Wrong("generators seeded differently gave the same weights, so the rng argument is ignored: draw "
                    "from the rng you are given (rng.normal(...) or rng.uniform(...)), not from a generator of "
                    "your own.")
    target, std, mean = math.sqrt(2 / (fan_in + fan_out)), float(got.std()), float(got.mean())
    if abs(mean) > 0.1 * max(target, std):       # judged against the spread: a huge spread is not "off-centre"
        raise Wrong(f"the weights are not centred on 0 (their mean is {mean:.3g}): draw them from a "
                    "distribution with mean 0, such as rng.normal(0, std, size=(fan_in, fan_out)).")
    total = fan_in + fan_out
    for spread, hint in [
        (target, None),
        (2 / total, "you used 2 / (fan_in + fan_out) as the standard deviation, but it is the VARIANCE: take its "
                    "square root, np.sqrt(2 / (fan_in + fan_out))."),
        (math.sqrt(1 / fan_in), "that is variance 1 / fan_in (the simpler rule, which Saitoh's book also calls "
                                "Xavier); this lesson's Xavier (Glorot's) averages the two fans: variance "
                                "2 / (fan_in + fan_out)."),
        (math.sqrt(2 / fan_in), "that is He's variance, 2 / fan_in, made for ReLU; Xavier's is "
                                "2 / (fan_in + fan_out)."),
        (math.sqrt(1 / total), "that is variance 1 / (fan_in + fan_out); Xavier's has a 2 on top: "
                               "2 / (fan_in + fan_out), the inverse of the two fans' average."),
        (math.sqrt(2 / total / 3), "a uniform distribution on [-a, a] has variance a ** 2 / 3, so the limit is "
                                   "not the standard deviation: use a = np.sqrt(6 / (fan_in + fan_out)), or draw "
                                   "from a normal with std np.sqrt(2 / (fan_in + fan_out))."),
        (math.sqrt(2 / fan_in + fan_out), "2 / fan_in + fan_out divides before it adds: put the sum in brackets, "
                                          "np.sqrt(2 / (fan_in + fan_out))."),
        (math.sqrt(2 / (fan_in * fan_out)), "that is 2 / (fan_in * fan_out), a product; Xavier's variance adds the "
                                            "fans: 2 / (fan_in + fan_out)."),
        (math.sqrt(6 / total), "np.sqrt(6 / (fan_in + fan_out)) is the LIMIT of the uniform version, not a standard "
                               "deviation: use rng.uniform(-a, a, ...) with that a, or a normal with std "
                               "np.sqrt(2 / (fan_in + fan_out))."),
    ]:
        if abs(std / spread - 1) < 0.03:
            if hint:
                raise Wrong(hint)
            return "mean 0, variance 2 / (fan_in + fan_out), shape (fan_in, fan_out), reproducible. Well done!"
    raise Wrong(f"the weights' standard deviation is {std:.3g}; Xavier's is sqrt(2 / (fan_in + fan_out)) = "
                f"{target:.3g} here.")
