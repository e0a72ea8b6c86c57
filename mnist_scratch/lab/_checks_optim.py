"""Self-checks for lessons 7 and 8: a momentum step, the cosine schedule, an RMSprop step, Xavier initialisation.

(Lesson 7's whole ``Adam`` class has a module of its own, :mod:`._checks_adam`.)

Each check runs more than one input in a row: the step functions from a zero state
and then from a state of the check's choosing, with other hyperparameters, feeding
the learner's own output back in, and the first run once more at the end (an answer
that ignores the state it is given, keeps its own in a global, or hard-codes
``mu = 0.9`` shows); the schedule with several ``T`` and fractional ``t``; the
initialisation with two shapes and three seeds. A wrong answer is compared with the
usual mistakes, so that the hint names the one it sees.
"""

from __future__ import annotations

import math

import numpy as np

from ._checking import Wrong, as_number, call, checker, same, rng as _rng

__all__ = ["momentum_step", "cosine", "rmsprop_step", "xavier_init"]


def _pair(out, first: str, second: str, size: int):
    """The learner's ``(first, second)`` arrays of ``size`` entries, or a hint."""
    if not (isinstance(out, (tuple, list)) and len(out) == 2):
        raise Wrong(f"return both the new parameters and the new {'velocity' if second == 'v' else 'average'}: "
                    f"return {first}, {second}.")
    return [call(lambda a: a, part, shape=(size,), warn=False) for part in out]


def _run_steps(fn, theta, state, gradients, *hyper):
    """Feed ``fn``'s own ``(theta, state)`` back in, step after step; the list of pairs."""
    second = "v" if len(hyper) == 2 else "s"
    path = []
    for g in gradients:
        out = call(fn, theta, state, g, *hyper, numeric=False, may_modify=True, warn=False)
        theta, state = _pair(out, "theta", second, len(g))
        path.append((theta, state))
    return path


_KEEPS = ("right the first time, but not when the check ran the first steps again: the function keeps something "
          "between calls. Compute the step from its arguments alone.")


def _repeats(fn, *args) -> bool:
    """Whether two calls with the same arguments give the same pair (a function that keeps state may not)."""
    first, second = (_pair(call(fn, *args, numeric=False, may_modify=True, warn=False), "theta", "state",
                           len(args[2])) for _ in range(2))
    return all(np.array_equal(np.asarray(a, float), np.asarray(b, float), equal_nan=True)
               for a, b in zip(first, second))


def _same_path(path, other, rtol=1e-6) -> bool:
    return all(same(a, b, rtol=rtol, atol=1e-9) and same(c, d, rtol=rtol, atol=1e-9)
               for (a, c), (b, d) in zip(path, other))


# --------------------------------------------------------------------------- lesson 7: momentum
def _momentum(theta, v, g, lr, mu, rule=None):
    """One momentum step, right (``rule=None``) or with one planted mistake; ``(theta, v)``."""
    if rule == "sgd":
        return theta - lr * g, v
    if rule == "forgets":
        return theta - lr * g, g
    if rule == "negated":                         # v = mu v - g, theta + lr v: v's sign flipped (right too)
        v = mu * v - g
        return theta + lr * v, v
    if rule == "old velocity":
        return theta - lr * v, mu * v + g
    if rule == "lr inside":                       # CS231n's form: v = mu v - lr g, theta + v (right too)
        v = mu * v - lr * g
        return theta + v, v
    if rule == "lr inside, +":                    # v = mu v + lr g, theta - v (right too)
        v = mu * v + lr * g
        return theta - v, v
    v = mu * v + ((1 - mu) * g if rule == "average" else g)
    if rule == "nesterov":
        return theta - lr * (g + mu * v), v
    return (theta + lr * v if rule == "uphill" else theta - lr * v), v


def _momentum_path(theta, v, gradients, lr, mu, rule=None):
    path = []
    for g in gradients:
        theta, v = _momentum(theta, v, g, lr, mu, rule)
        path.append((theta, v))
    return path


#: (theta, v, gradients, lr, mu): a start from rest, then one from a velocity of the check's choosing.
_MOMENTUM_RUNS = [
    (np.array([1.0, -2.0, 0.5]), np.zeros(3),
     [np.array([0.5, -1.0, 2.0]), np.array([0.4, 0.3, -1.0]), np.array([-0.2, 0.6, 0.1])], 0.1, 0.9),
    (np.array([0.3, 1.7, -0.4, 2.2]), np.array([0.5, -0.25, 1.5, 0.0]),
     [np.array([0.2, 0.1, -0.3, 0.7]), np.array([-0.6, 0.35, 0.05, 0.4])], 0.35, 0.6),
]
_MOMENTUM_MISTAKES = {
    "sgd": "theta moved as plain gradient descent would: the velocity must carry over from step to step, "
           "v <- mu * v + g, and theta moves by -lr * v.",
    "forgets": "v forgot its past: each step's v is only the new gradient. Start from the v you are given: "
               "v <- mu * v + g.",
    "average": "you averaged, v <- mu * v + (1 - mu) * g, which makes every step (1 - mu) times smaller; this "
               "series' momentum adds the whole gradient: v <- mu * v + g.",
    "uphill": "theta moved uphill: step against the velocity, theta <- theta - lr * v.",
    "old velocity": "update v first, then move theta by the NEW velocity.",
    "nesterov": "that is Nesterov's step, theta - lr * (g + mu * v) (lesson 8); plain momentum moves by the "
                "velocity alone: theta <- theta - lr * v.",
}
#: The velocity with the learning rate folded in (CS231n's form and its mirror), or with its sign flipped:
#: the same path, so right too.
_MOMENTUM_FORMS = (None, "lr inside", "lr inside, +", "negated")


@checker(refuses=("mnist_scratch.optim.Momentum.step", "mnist_scratch.optim.Momentum.velocity",
                  "mnist_scratch.lab.reference.momentum_step"))
def momentum_step(fn):
    """``fn(theta, v, g, lr, mu)`` returns ``(theta, v)`` after one step of momentum."""
    for number, (theta, v, gradients, lr, mu) in enumerate(_MOMENTUM_RUNS):
        path = _run_steps(fn, theta, v, gradients, lr, mu)
        if any(_same_path(path, _momentum_path(theta, v, gradients, lr, mu, form)) for form in _MOMENTUM_FORMS):
            continue
        if same(path[0][0], _momentum(theta, v, gradients[0], lr, mu)[1]):
            raise Wrong("you returned (v, theta); return the parameters first: return theta, v.")
        for rule, hint in _MOMENTUM_MISTAKES.items():
            if _same_path(path, _momentum_path(theta, v, gradients, lr, mu, rule)):
                raise Wrong(hint)
        if number == 1:
            if _same_path(path, _momentum_path(theta, np.zeros_like(v), gradients, lr, mu)):
                raise Wrong("right from rest, but from a velocity of v = [0.5, -0.25, 1.5, 0] your first step "
                            "ignored it: start from the v you are given, v <- mu * v + g (not from a velocity of "
                            "your own).")
            for fixed, what in ((dict(lr=lr, mu=0.9), "mu = 0.9"), (dict(lr=0.1, mu=mu), "lr = 0.1")):
                if _same_path(path, _momentum_path(theta, v, gradients, **fixed)):
                    raise Wrong(f"right for lr = 0.1 and mu = 0.9, but with lr = {lr} and mu = {mu} you still used "
                                f"{what}: use the lr and mu you are given.")
        if not _repeats(fn, theta, v, gradients[0], lr, mu):
            raise Wrong(_KEEPS)
        where = "from rest" if number == 0 else "from the velocity v = [0.5, -0.25, 1.5, 0]"
        raise Wrong(f"starting {where}, theta or v differs from momentum's after a few steps: v <- mu * v + g, "
                    f"then theta <- theta - lr * v, and return both.")
    theta, v, gradients, lr, mu = _MOMENTUM_RUNS[0]
    again = _run_steps(fn, theta, v, gradients, lr, mu)
    if not any(_same_path(again, _momentum_path(theta, v, gradients, lr, mu, form)) for form in _MOMENTUM_FORMS):
        raise Wrong(_KEEPS)
    return "v <- mu v + g, theta <- theta - lr v: velocity carried from step to step, from any start. Correct!"


# --------------------------------------------------------------------------- lesson 7: the cosine schedule
def _cos(t, T):
    return 0.5 * (1 + math.cos(math.pi * t / T))


#: (T, the t's tried): whole epochs, then another T, then the fractional epochs ms.train passes.
_COSINE_RUNS = [(12, [0, 3, 6, 9, 12]), (7, [0, 2, 5, 7]), (2.5, [0.0, 0.3125, 1.25, 2.0, 2.5])]


@checker(refuses=("mnist_scratch.schedules.Cosine.__call__", "mnist_scratch.lab.reference.cosine"))
def cosine(fn):
    """``fn(t, T)``: the cosine schedule's factor, from 1 at t = 0 down to 0 at t = T."""
    T, ts = _COSINE_RUNS[0]
    got = np.array([as_number(call(fn, t, T)) for t in ts])
    expected = np.array([_cos(t, T) for t in ts])
    if not same(got, expected):
        if np.isclose(got[0], 2):
            raise Wrong("at t = 0 the factor is 2: halve it, 1/2 (1 + cos(pi t / T)), so that it starts at 1.")
        if got.min() < -1e-9:
            raise Wrong(f"the factor goes below 0 (it reaches {got.min():.3g}); a learning rate must stay positive. "
                        "Shift and halve the cosine: 1/2 (1 + cos(pi t / T)).")
        if got[0] < got[-1]:
            raise Wrong("the factor grows; it should fall from 1 at t = 0 to 0 at t = T: 1/2 (1 + cos(pi t / T)).")
        if same(got, [1.0, 1.0, 1.0, 1.0, 0.0]):
            raise Wrong("the factor stays 1 until t = T: t // T is whole-number division, 0 until t reaches T. "
                        "Divide with /: pi * t / T.")
        if not np.isclose(got[0], 1):
            raise Wrong(f"at t = 0 the factor should be 1, not {got[0]:.3g}: return the factor itself (ms.train "
                        "multiplies the learning rate by it), 1/2 (1 + cos(pi t / T)).")
        if np.isclose(got[-1], 1):
            raise Wrong("the factor comes back up to 1 at t = T: that is a full cosine wave; the schedule uses "
                        "half of one, pi t / T.")
        if same(got, [1 - t / T for t in ts]):
            raise Wrong("that falls in a straight line; the cosine schedule falls slowly at first and at the end: "
                        "1/2 (1 + cos(pi t / T)).")
        if same(got, [0.5 * (1 + math.cos(180 * t / T)) for t in ts]):
            raise Wrong("np.cos and math.cos take radians: half a wave is pi, not 180 degrees, so use pi * t / T.")
        if not np.isclose(got[-1], 0, atol=1e-9):
            raise Wrong(f"at t = T the factor should be 0, not {got[-1]:.3g}: the cosine's argument runs from 0 "
                        "to pi, so use pi * t / T.")
        raise Wrong(f"at t = 3 of T = 12 expected {expected[1]:.4f}, got {got[1]:.4f}.")
    for T, ts in _COSINE_RUNS[1:]:
        got = np.array([as_number(call(fn, t, T)) for t in ts])
        if not same(got, [_cos(t, T) for t in ts]):
            if same(got, [_cos(t, 12) for t in ts]):
                raise Wrong(f"right for T = 12, but not for T = {T:g}: use the T you are given, not a number of "
                            f"your own.")
            if isinstance(T, float) and same(got, [_cos(int(t), T) for t in ts]):
                raise Wrong("right for whole epochs, but ms.train passes fractions (t = 1.25 is a quarter into "
                            "the second epoch): do not round t.")
            raise Wrong(f"right for T = 12, but not for T = {T:g} (at t = {ts[1]:g} expected "
                        f"{_cos(ts[1], T):.4f}, got {got[1]:.4f}): use t and T as given, pi * t / T.")
    return "1/2 (1 + cos(pi t / T)): from 1 down to 0 along half a cosine wave, for any T and any t. Correct!"


# --------------------------------------------------------------------------- lesson 8: RMSprop
def _rmsprop(theta, s, g, lr, rho, eps, *, eps_inside=False):
    s = rho * s + (1 - rho) * g ** 2
    step = g / np.sqrt(s + eps) if eps_inside else g / (np.sqrt(s) + eps)
    return theta - lr * step, s


def _rmsprop_path(theta, s, gradients, lr, rho, eps, eps_inside=False):
    path = []
    for g in gradients:
        theta, s = _rmsprop(theta, s, g, lr, rho, eps, eps_inside=eps_inside)
        path.append((theta, s))
    return path


_THETA0 = np.array([1.0, -2.0, 0.5, 3.0])
_GRADIENTS = [np.array([0.5, -4.0, 2.0, 0.0]),     # a zero gradient: s stays 0 there, so eps matters
              np.array([0.4, 0.3, -1.0, 0.2]),
              np.array([-0.2, 0.6, 0.1, -0.5])]
_LR, _RHO, _EPS = 0.01, 0.9, 1e-8
#: The second run: an average of the check's choosing, and other hyperparameters.
_RUN2 = (np.array([0.2, -0.7, 1.5]), np.array([0.04, 0.5, 0.002]),
         [np.array([0.3, -0.1, 0.05]), np.array([-0.2, 0.4, 0.02])], 0.003, 0.99, 0.01)   # eps large: it shows
_ADAGRAD = ("that is AdaGrad's running sum, s + g ** 2, which only grows; RMSprop keeps a moving average that "
            "forgets: s = rho * s + (1 - rho) * g ** 2.")


def _same(a, b) -> bool:
    return same(a, b, rtol=1e-6, atol=1e-9)


def _rmsprop_first_step(theta, s, g) -> None:
    """The hint for a first step (from s = 0) that is not RMSprop's."""
    right_theta, right_s = _rmsprop(_THETA0, np.zeros(4), g, _LR, _RHO, _EPS)
    if _same(theta, right_s) and _same(s, right_theta):
        raise Wrong("you returned (s, theta); return the parameters first: return theta, s.")
    for wrong_s, hint in [
        ((1 - _RHO) * g, "s must average the SQUARED gradients: s = rho * s + (1 - rho) * g ** 2 (without "
                         "the square, negative gradients make s negative and its square root NaN)."),
        (_RHO * g ** 2, "rho and 1 - rho are swapped: rho (0.9) keeps the old average and only 1 - rho (0.1) "
                        "of the new g ** 2 comes in: s = rho * s + (1 - rho) * g ** 2."),
        (np.sqrt(right_s), "you returned np.sqrt(s), the root; return the average s itself and take the root only "
                           "in the step: theta - lr * g / (np.sqrt(s) + eps)."),
    ]:
        if _same(s, wrong_s):
            raise Wrong(hint)
    if _same(s, g ** 2):             # s + g^2 (AdaGrad) or rho * s + g^2: the second run tells them apart
        return
    if not _same(s, right_s):
        raise Wrong("after one step from s = 0, s should be (1 - rho) * g ** 2: s = rho * s + (1 - rho) * g ** 2.")
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
            (_THETA0 - _LR * g / (np.sqrt(np.zeros(4)) + _EPS),
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
    if not any(_same(theta, a) for a in (right_theta, _rmsprop(_THETA0, np.zeros(4), g, _LR, _RHO, _EPS,
                                                                eps_inside=True)[0])):
        raise Wrong("after one step theta differs from RMSprop's: theta - lr * g / (np.sqrt(s) + eps), with the "
                    "new s.")


_KEEPS_S = ("the same first step, from s = 0, gave another answer the second time: the function keeps something "
            "between calls (an average of its own?). Start from the s you are given, and compute the step from the "
            "arguments alone.")


def _rmsprop_accepted(path, theta, s, gradients, lr, rho, eps) -> bool:
    return any(_same_path(path, _rmsprop_path(theta, s, gradients, lr, rho, eps, inside)) for inside in (False, True))


@checker(refuses=("mnist_scratch.optim.RMSprop.step",))
def rmsprop_step(fn):
    """``fn(theta, s, g, lr, rho, eps)`` returns ``(theta, s)`` after one step of RMSprop."""
    out = call(fn, _THETA0, np.zeros(4), _GRADIENTS[0], _LR, _RHO, _EPS, numeric=False, may_modify=True, warn=False)
    first = _pair(out, "theta", "s", 4)
    try:
        _rmsprop_first_step(*first, _GRADIENTS[0])
    except Wrong:                             # state left by an earlier call shows as a first step that changes
        if not _repeats(fn, _THETA0, np.zeros(4), _GRADIENTS[0], _LR, _RHO, _EPS):
            raise Wrong(_KEEPS_S) from None
        raise
    path = _run_steps(fn, _THETA0, np.zeros(4), _GRADIENTS, _LR, _RHO, _EPS)
    if not _same_path(path[:1], [first]):
        raise Wrong(_KEEPS_S)
    if not _rmsprop_accepted(path, _THETA0, np.zeros(4), _GRADIENTS, _LR, _RHO, _EPS):
        (_, s1), (_, s2) = path[0], path[1]
        if _same(s2, (1 - _RHO) * _GRADIENTS[1] ** 2):
            raise Wrong("s forgot its past: on the second step it is only (1 - rho) * g ** 2. Start from the s you "
                        "are given: s = rho * s + (1 - rho) * g ** 2.")
        if _same(s2, s1 + _GRADIENTS[1] ** 2):
            raise Wrong(_ADAGRAD)
        if _same(s2, _RHO * s1 + _GRADIENTS[1] ** 2):
            raise Wrong("s should be a moving average, s = rho * s + (1 - rho) * g ** 2; yours took the whole "
                        "g ** 2 (the factor 1 - rho is missing).")
        raise Wrong("the first step is right, but a later one is not: use the theta and s you are given, "
                    "s = rho * s + (1 - rho) * g ** 2, then theta - lr * g / (np.sqrt(s) + eps).")
    theta, s, gradients, lr, rho, eps = _RUN2
    path = _run_steps(fn, theta, s, gradients, lr, rho, eps)
    if not _rmsprop_accepted(path, theta, s, gradients, lr, rho, eps):
        if _rmsprop_accepted(path, theta, np.zeros(3), gradients, lr, rho, eps):
            raise Wrong("right from s = 0, but from an average s of the check's choosing your first step ignored "
                        "it: start from the s you are given (not from an average of your own).")
        for fixed, what in ((dict(lr=lr, rho=0.9, eps=eps), "rho = 0.9"), (dict(lr=lr, rho=0.99, eps=1e-8),
                                                                         "eps = 1e-8"),
                            (dict(lr=0.01, rho=rho, eps=eps), "lr = 0.01")):
            if _rmsprop_accepted(path, theta, s, gradients, **fixed):
                raise Wrong(f"right for lr = 0.01, rho = 0.9, eps = 1e-8, but with lr = {lr}, rho = {rho}, eps = "
                            f"{eps:g} you still used {what}: use the values you are given.")
        raise Wrong(f"right from s = 0, but not from s = {list(s)} with rho = {rho}: s = rho * s + (1 - rho) * g ** 2 "
                    f"from the s you are given, then theta - lr * g / (np.sqrt(s) + eps).")
    if not _rmsprop_accepted(_run_steps(fn, _THETA0, np.zeros(4), _GRADIENTS, _LR, _RHO, _EPS), _THETA0,
                             np.zeros(4), _GRADIENTS, _LR, _RHO, _EPS):
        raise Wrong("right the first time, but not when the check ran the first steps again: the function keeps "
                    "something between calls. Compute the step from its arguments alone.")
    return ("s = rho s + (1 - rho) g^2, theta - lr g / (sqrt(s) + eps): each coordinate scaled by its own history, "
            "from any start. Correct!")


# --------------------------------------------------------------------------- lesson 8: Xavier
_SPREADS = [
    (lambda i, o: math.sqrt(2 / (i + o)), None),
    (lambda i, o: 2 / (i + o), "you used 2 / (fan_in + fan_out) as the standard deviation, but it is the VARIANCE: "
                               "take its square root, np.sqrt(2 / (fan_in + fan_out))."),
    (lambda i, o: math.sqrt(1 / i), "that is variance 1 / fan_in (the simpler rule, which Saitoh's book also calls "
                                    "Xavier); this lesson's Xavier (Glorot's) averages the two fans: variance "
                                    "2 / (fan_in + fan_out)."),
    (lambda i, o: math.sqrt(2 / i), "that is He's variance, 2 / fan_in, made for ReLU; Xavier's is "
                                    "2 / (fan_in + fan_out)."),
    (lambda i, o: math.sqrt(1 / (i + o)), "that is variance 1 / (fan_in + fan_out); Xavier's has a 2 on top: "
                                          "2 / (fan_in + fan_out), the inverse of the two fans' average."),
    (lambda i, o: math.sqrt(2 / (i + o) / 3), "a uniform distribution on [-a, a] has variance a ** 2 / 3, so the "
                                              "limit is not the standard deviation: use a = np.sqrt(6 / (fan_in + "
                                              "fan_out)), or draw from a normal with std np.sqrt(2 / (fan_in + "
                                              "fan_out))."),
    (lambda i, o: math.sqrt(2 / i + o), "2 / fan_in + fan_out divides before it adds: put the sum in brackets, "
                                        "np.sqrt(2 / (fan_in + fan_out))."),
    (lambda i, o: math.sqrt(2 / (i * o)), "that is 2 / (fan_in * fan_out), a product; Xavier's variance adds the "
                                          "fans: 2 / (fan_in + fan_out)."),
    (lambda i, o: math.sqrt(6 / (i + o)), "np.sqrt(6 / (fan_in + fan_out)) is the LIMIT of the uniform version, "
                                          "not a standard deviation: use rng.uniform(-a, a, ...) with that a, or a "
                                          "normal with std np.sqrt(2 / (fan_in + fan_out))."),
]


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
    for spread, hint in _SPREADS:
        if abs(std / spread(fan_in, fan_out) - 1) < 0.03:
            if hint:
                raise Wrong(hint)
            break
    else:
        raise Wrong(f"the weights' standard deviation is {std:.3g}; Xavier's is sqrt(2 / (fan_in + fan_out)) = "
                    f"{target:.3g} here.")
    fan_in, fan_out = 60, 140                    # a second layer, wider than it is deep
    other = call(fn, fan_in, fan_out, _rng(3))
    if other.shape != (fan_in, fan_out):
        raise Wrong(f"right for 800 x 200, but for fan_in = 60 and fan_out = 140 the shape is {other.shape}, not "
                    f"(60, 140): build the shape from the arguments.")
    target = math.sqrt(2 / (fan_in + fan_out))
    if abs(other.std() / target - 1) > 0.04:
        raise Wrong(f"right for 800 x 200, but for fan_in = 60 and fan_out = 140 the standard deviation is "
                    f"{other.std():.3g}, not sqrt(2 / 200) = {target:.3g}: compute it from the arguments, not "
                    f"from numbers of your own.")
    return "mean 0, variance 2 / (fan_in + fan_out), shape (fan_in, fan_out), reproducible, for any layer. Well done!"
