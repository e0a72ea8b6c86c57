"""Lesson 8's self-checks: every right way passes, and each common wrong answer gets its own hint.

The rows are the specification of the hints in mnist_scratch/lab/_checks_optim.py, as in
tests/package/lab/test_check_hints.py: change a hint there and its row here.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from mnist_scratch.lab import check
from mnist_scratch.optim import RMSprop


# --------------------------------------------------------------------------- RMSprop: right answers
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


# --------------------------------------------------------------------------- RMSprop: wrong answers
def rms(*, square=True, swap=False, no_one_minus=False, adagrad=False, forget=False, sign=-1, no_sqrt=False,
        no_divide=False, multiply=False, old_s=False, no_eps=False, order="theta, s", eps_after=False, no_lr=False,
        bias_correct=False, return_root=False, return_step=False):
    """One RMSprop step, right by default, or with one planted mistake."""
    def step(theta, s, g, lr, rho, eps):
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


def xav(kind="normal", var=lambda i, o: 2 / (i + o), std_is=None, shape="io", source="rng", mean=0.0):
    """Xavier weights, right by default (a normal), or with one planted mistake."""
    def init(fan_in, fan_out, rng):
        size = (fan_in, fan_out) if shape == "io" else (fan_out, fan_in)
        draw = np.random if source == "np.random" else rng
        spread = std_is(fan_in, fan_out) if std_is else np.sqrt(var(fan_in, fan_out))
        if kind == "uniform":
            return draw.uniform(mean - spread, mean + spread, size=size)
        return draw.normal(mean, spread, size=size)
    return init


RIGHT = [
    ("rmsprop_step", "eps outside the root", rms_right),
    ("rmsprop_step", "eps inside the root", rms_eps_inside),
    ("rmsprop_step", "in place, returning the arguments", rms_in_place),
    ("rmsprop_step", "returns a list", rms_list),
    ("xavier_init", "normal, std sqrt(2 / (in + out))", xav()),
    ("xavier_init", "uniform, limit sqrt(6 / (in + out))", xav("uniform", std_is=lambda i, o: np.sqrt(6 / (i + o)))),
]

#: The package's own answers, refused by the checks (tests/package/lab/test_refusal.py).
PACKAGE_ANSWERS = [
    ("rmsprop_step", "the package's RMSprop class", rms_package, "optim.RMSprop.step"),
    ("xavier_init", "the package's init_weights",
     lambda i, o, rng: __import__("mnist_scratch").init.init_weights(i, o, "xavier", rng), "init.init_weights"),
]

ADAGRAD = ("that is AdaGrad's running sum, s + g ** 2, which only grows; RMSprop keeps a moving average that "
           "forgets: s = rho * s + (1 - rho) * g ** 2.")

NAN = ("theta has NaN or inf where the gradient is 0: there s is 0 too, and 0 / sqrt(0) is 0 / 0. Add eps to the "
       "root, in brackets: g / (np.sqrt(s) + eps) (without them, g / np.sqrt(s) + eps divides first).")

WRONG_ANSWERS = [
    ("rmsprop_step", "forgets the square", rms(square=False),
     "s must average the SQUARED gradients: s = rho * s + (1 - rho) * g ** 2 (without the square, negative "
     "gradients make s negative and its square root NaN)."),
    ("rmsprop_step", "rho and 1 - rho swapped", rms(swap=True),
     "rho and 1 - rho are swapped: rho (0.9) keeps the old average and only 1 - rho (0.1) of the new g ** 2 "
     "comes in: s = rho * s + (1 - rho) * g ** 2."),
    ("rmsprop_step", "rho * s + g ** 2", rms(no_one_minus=True),
     "s should be a moving average, s = rho * s + (1 - rho) * g ** 2; yours took the whole g ** 2 (the factor "
     "1 - rho is missing)."),
    ("rmsprop_step", "AdaGrad's s + g ** 2", rms(adagrad=True), ADAGRAD),
    ("rmsprop_step", "s forgets its past", rms(forget=True),
     "s forgot its past: on the second step it is only (1 - rho) * g ** 2. Start from the s you are given: "
     "s = rho * s + (1 - rho) * g ** 2."),
    ("rmsprop_step", "no eps", rms(no_eps=True), NAN),
    ("rmsprop_step", "eps outside the brackets: g / np.sqrt(s) + eps", rms(eps_after=True), NAN),
    ("rmsprop_step", "no learning rate", rms(no_lr=True),
     "the step is missing the learning rate: theta - lr * g / (np.sqrt(s) + eps)."),
    ("rmsprop_step", "Adam's bias correction", rms(bias_correct=True),
     "you divided s by 1 - rho, Adam's bias correction; RMSprop has none: theta - lr * g / (np.sqrt(s) + eps), "
     "with s itself."),
    ("rmsprop_step", "returns the root of s", rms(return_root=True),
     "you returned np.sqrt(s), the root; return the average s itself and take the root only in the step: "
     "theta - lr * g / (np.sqrt(s) + eps)."),
    ("rmsprop_step", "returns the step", rms(return_step=True),
     "you returned the step, not the new parameters: return theta - lr * g / (np.sqrt(s) + eps)."),
    ("rmsprop_step", "uphill", rms(sign=+1),
     "theta moved uphill: subtract the step, theta - lr * g / (np.sqrt(s) + eps)."),
    ("rmsprop_step", "divides by s, no root", rms(no_sqrt=True),
     "you divided by s itself; divide by its square root, np.sqrt(s) + eps, so that the step has the size of "
     "lr whatever the gradient's scale."),
    ("rmsprop_step", "plain SGD step", rms(no_divide=True),
     "theta moved as plain gradient descent would: divide the gradient by the root of the average, theta - lr "
     "* g / (np.sqrt(s) + eps)."),
    ("rmsprop_step", "multiplies by the root", rms(multiply=True),
     "you multiplied by np.sqrt(s) + eps; divide by it: theta - lr * g / (np.sqrt(s) + eps)."),
    ("rmsprop_step", "divides by the old s", rms(old_s=True),
     "you divided by the OLD average; update s first, then divide by the new one, np.sqrt(s) + eps."),
    ("rmsprop_step", "returns (s, theta)", rms(order="s, theta"),
     "you returned (s, theta); return the parameters first: return theta, s."),
    ("rmsprop_step", "returns theta only", rms(order="theta"),
     "return both the new parameters and the new average: return theta, s."),
    ("xavier_init", "transposed shape", xav(shape="oi"),
     "expected shape (800, 200), that is (fan_in, fan_out): W has one row per input in this series. You "
     "returned (200, 800)."),
    ("xavier_init", "np.random instead of rng", xav(source="np.random"),
     "two calls with generators seeded alike gave different weights: draw from the rng you are given "
     "(rng.normal(...) or rng.uniform(...)), not from np.random."),
    ("xavier_init", "ignores rng: a generator of its own", lambda i, o, rng: xav()(i, o, np.random.default_rng(0)),
     "generators seeded differently gave the same weights, so the rng argument is ignored: draw from the rng you "
     "are given (rng.normal(...) or rng.uniform(...)), not from a generator of your own."),
    ("xavier_init", "2 / fan_in + fan_out, no brackets", xav(var=lambda i, o: 2 / i + o),
     "2 / fan_in + fan_out divides before it adds: put the sum in brackets, np.sqrt(2 / (fan_in + fan_out))."),
    ("xavier_init", "the fans multiplied", xav(var=lambda i, o: 2 / (i * o)),
     "that is 2 / (fan_in * fan_out), a product; Xavier's variance adds the fans: 2 / (fan_in + fan_out)."),
    ("xavier_init", "not centred", xav("uniform", mean=0.05),
     "the weights are not centred on 0 (their mean is 0.05): draw them from a distribution with mean 0, such "
     "as rng.normal(0, std, size=(fan_in, fan_out))."),
    ("xavier_init", "variance as std", xav(std_is=lambda i, o: 2 / (i + o)),
     "you used 2 / (fan_in + fan_out) as the standard deviation, but it is the VARIANCE: take its square root,"
     " np.sqrt(2 / (fan_in + fan_out))."),
    ("xavier_init", "fan_in only (1 / fan_in)", xav(var=lambda i, o: 1 / i),
     "that is variance 1 / fan_in (the simpler rule, which Saitoh's book also calls Xavier); this lesson's "
     "Xavier (Glorot's) averages the two fans: variance 2 / (fan_in + fan_out)."),
    ("xavier_init", "He's 2 / fan_in", xav(var=lambda i, o: 2 / i),
     "that is He's variance, 2 / fan_in, made for ReLU; Xavier's is 2 / (fan_in + fan_out)."),
    ("xavier_init", "1 / (fan_in + fan_out)", xav(var=lambda i, o: 1 / (i + o)),
     "that is variance 1 / (fan_in + fan_out); Xavier's has a 2 on top: 2 / (fan_in + fan_out), the inverse "
     "of the two fans' average."),
    ("xavier_init", "uniform with the std as limit", xav("uniform"),
     "a uniform distribution on [-a, a] has variance a ** 2 / 3, so the limit is not the standard deviation: "
     "use a = np.sqrt(6 / (fan_in + fan_out)), or draw from a normal with std np.sqrt(2 / (fan_in + fan_out))."),
    ("xavier_init", "normal with the uniform's limit as std", xav(std_is=lambda i, o: np.sqrt(6 / (i + o))),
     "np.sqrt(6 / (fan_in + fan_out)) is the LIMIT of the uniform version, not a standard deviation: use "
     "rng.uniform(-a, a, ...) with that a, or a normal with std np.sqrt(2 / (fan_in + fan_out))."),
    ("xavier_init", "std 0.01", xav(std_is=lambda i, o: 0.01),
     "the weights' standard deviation is 0.00999; Xavier's is sqrt(2 / (fan_in + fan_out)) = 0.0447 here."),
]


@pytest.mark.parametrize("name,answer,fn", RIGHT, ids=[f"{r[0]}: {r[1]}" for r in RIGHT])
def test_a_right_answer_passes(capsys, name, answer, fn):
    assert check.hint_of(check.CHECKS[name], fn) is None
    assert check.CHECKS[name](fn) is None
    assert capsys.readouterr().out.startswith(f"✅ {name}: ")


def test_each_check_knows_at_least_three_wrong_answers():
    counts = Counter(row[0] for row in WRONG_ANSWERS)
    assert set(counts) == {"rmsprop_step", "xavier_init"}
    assert min(counts.values()) >= 3, counts


@pytest.mark.parametrize("strange", [None, "abc", lambda *a: None, lambda *a: (None, None), lambda *a: 1 / 0,
                                     lambda *a: (np.zeros(3), np.zeros(3)), lambda *a: np.full((800, 200), np.nan)],
                         ids=["None", "a string", "returns None", "returns (None, None)", "raises", "wrong shape",
                              "NaN"])
@pytest.mark.parametrize("name", ["rmsprop_step", "xavier_init"])
def test_a_strange_answer_gets_a_hint_not_a_crash(name, strange):
    hint = check.hint_of(check.CHECKS[name], strange)
    assert isinstance(hint, str) and hint


def test_the_planted_rmsprop_mistakes_really_differ_from_the_package():
    """Sanity check of the table itself: the right answer above matches mnist_scratch.optim.RMSprop."""
    theta, s, g = np.array([1.0, -2.0]), np.array([0.3, 0.1]), np.array([0.5, -4.0])
    a, b = rms_right(theta, s, g, 0.01, 0.9, 1e-8), rms_package(theta, s, g, 0.01, 0.9, 1e-8)
    assert np.allclose(a[0], b[0]) and np.allclose(a[1], b[1])
