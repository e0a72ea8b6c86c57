"""Lesson 7's whole optimizer, check.Adam: every right way of writing the class passes, each common wrong one gets
the hint that names its mistake (the table is the specification of the hints in mnist_scratch/lab/_checks_adam.py).

The rows join the wrong-answer table of tests/package/lab/test_check_hints.py; RIGHT_ANSWERS join those of
tests/package/lab/test_check.py. The classes are written as a learner writes them, each with one mistake:
among them the ones issue 19 names (state kept as a global or a class attribute, a step counter that
never advances or starts at 0, the bias correction missing or on the wrong moment, eps inside the square
root, the betas swapped) and an optimizer that works on fresh arrays but not on ms.train's one gradient
buffer. The last test trains a network with a learner's Adam through ms.train.
"""

from __future__ import annotations

import numpy as np
import pytest

import mnist_scratch as ms
from mnist_scratch.lab import check
from mnist_scratch.optim import Adam as PackageAdam


def adam(**mistake):
    """A learner's Adam class, right by default or with one planted mistake."""
    m_ = mistake

    class Adam:
        def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
            self.beta1, self.beta2, self.eps = beta1, beta2, eps
            if m_.get("defaults only"):
                self.beta1, self.beta2, self.eps = 0.9, 0.999, 1e-8
            if m_.get("eps fixed"):
                self.eps = 1e-8
            if m_.get("beta1 fixed"):
                self.beta1 = 0.9
            if m_.get("betas swapped"):
                self.beta1, self.beta2 = beta2, beta1
            self.m = self.v = None
            self.t = m_.get("t starts at", 0)

        def step(self, theta, grad, lr):
            if self.m is None:
                self.m, self.v = np.zeros_like(theta), np.zeros_like(theta)
            if not m_.get("t after") and not (m_.get("t frozen") and self.t == 1):
                self.t += 1
            b1, b2 = (self.beta2, self.beta1) if m_.get("averages swapped") else (self.beta1, self.beta2)
            if m_.get("no 1 - beta"):
                self.m, self.v = b1 * self.m + grad, b2 * self.v + grad ** 2
            else:
                self.m = b1 * self.m + (1 - b1) * grad
                self.v = b2 * self.v + (1 - b2) * (grad if m_.get("no square") else grad ** 2)
            c1, c2 = 1 - self.beta1 ** self.t, 1 - self.beta2 ** self.t
            if m_.get("corrections swapped"):
                c1, c2 = c2, c1
            m_hat = self.m if m_.get("no correction") or m_.get("only v") else self.m / c1
            v_hat = self.v if m_.get("no correction") or m_.get("only m") else self.v / c2
            if m_.get("eps inside"):
                update = m_hat / np.sqrt(v_hat + self.eps)
            elif m_.get("no eps"):
                update = m_hat / np.sqrt(v_hat)
            elif m_.get("no root"):
                update = m_hat / (v_hat + self.eps)
            elif m_.get("no division"):
                update = m_hat
            elif m_.get("g for m_hat"):
                update = grad / (np.sqrt(v_hat) + self.eps)
            else:
                update = m_hat / (np.sqrt(v_hat) + self.eps)
            if m_.get("lr fixed"):
                lr = 1e-3
            if m_.get("rebinds theta"):
                theta = theta - lr * update
                return theta
            if m_.get("returns only"):
                return theta - lr * update
            if m_.get("uphill"):
                theta += lr * update
            else:
                theta -= lr * update
            if m_.get("t after"):
                self.t += 1

    return Adam


class AdamRight:
    """In place throughout, as the package's optimizers are written."""

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = self.v = None
        self.t = 0

    def step(self, theta, grad, lr):
        if self.m is None:
            self.m, self.v = np.zeros_like(theta), np.zeros_like(theta)
        self.t += 1
        self.m *= self.beta1
        self.m += (1 - self.beta1) * grad
        self.v *= self.beta2
        self.v += (1 - self.beta2) * grad * grad
        corrected_lr = lr * np.sqrt(1 - self.beta2 ** self.t) / (1 - self.beta1 ** self.t)
        theta -= corrected_lr * self.m / (np.sqrt(self.v) + self.eps * np.sqrt(1 - self.beta2 ** self.t))


class AdamWithDict:
    """The state in a dict, the step counter from 1, theta changed with np.subtract(..., out=theta)."""

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        self.hyper = dict(b1=beta1, b2=beta2, eps=eps)
        self.state = {}

    def step(self, theta, grad, lr):
        s, h = self.state, self.hyper
        s["t"] = s.get("t", 0) + 1
        s["m"] = h["b1"] * s.get("m", 0.0) + (1 - h["b1"]) * grad
        s["v"] = h["b2"] * s.get("v", 0.0) + (1 - h["b2"]) * np.square(grad)
        step = lr * (s["m"] / (1 - h["b1"] ** s["t"])) / (np.sqrt(s["v"] / (1 - h["b2"] ** s["t"])) + h["eps"])
        np.subtract(theta, step, out=theta)


class AdamSubclassingThePackage(PackageAdam):
    """Inherits the package's step: refused (it is the package's work)."""


class AdamClassAttributes:
    """The moments and the step count as class attributes: every Adam() shares them."""

    m = v = None
    t = 0

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    def step(self, theta, grad, lr):
        cls = AdamClassAttributes
        if cls.m is None or cls.m.shape != theta.shape:
            cls.m, cls.v = np.zeros_like(theta), np.zeros_like(theta)
        cls.t += 1
        cls.m = self.beta1 * cls.m + (1 - self.beta1) * grad
        cls.v = self.beta2 * cls.v + (1 - self.beta2) * grad ** 2
        m_hat, v_hat = cls.m / (1 - self.beta1 ** cls.t), cls.v / (1 - self.beta2 ** cls.t)
        theta -= lr * m_hat / (np.sqrt(v_hat) + self.eps)


_state = {"m": None, "v": None, "t": 0}


class AdamGlobals:
    """The moments and the step count kept in a module global, as a notebook's globals would be."""

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        self.beta1, self.beta2, self.eps = beta1, beta2, eps

    def step(self, theta, grad, lr):
        if _state["m"] is None or _state["m"].shape != theta.shape:
            _state["m"], _state["v"] = np.zeros_like(theta), np.zeros_like(theta)
        _state["t"] += 1
        _state["m"] = self.beta1 * _state["m"] + (1 - self.beta1) * grad
        _state["v"] = self.beta2 * _state["v"] + (1 - self.beta2) * grad ** 2
        m_hat = _state["m"] / (1 - self.beta1 ** _state["t"])
        v_hat = _state["v"] / (1 - self.beta2 ** _state["t"])
        theta -= lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamKeepsTheGradientArray:
    """Right on a new gradient array every step, wrong on ms.train's one buffer: m starts as the first gradient's
    own array, scaled in place (reusing grad's memory, as the package's SGD does)."""

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = self.v = None
        self.t = 0

    def step(self, theta, grad, lr):
        self.t += 1
        if self.m is None:
            self.v = (1 - self.beta2) * grad ** 2
            self.m = grad
            self.m *= 1 - self.beta1
        else:
            self.v = self.beta2 * self.v + (1 - self.beta2) * grad ** 2
            self.m *= self.beta1
            self.m += (1 - self.beta1) * grad
        m_hat, v_hat = self.m / (1 - self.beta1 ** self.t), self.v / (1 - self.beta2 ** self.t)
        theta -= lr * m_hat / (np.sqrt(v_hat) + self.eps)


class AdamWithoutStep:
    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        self.beta1 = beta1


class AdamOtherNames:
    """Right, but its arguments are called b1, b2 and epsilon: Adam(beta1=...) cannot make it."""

    def __init__(self, b1=0.9, b2=0.999, epsilon=1e-8):
        self.inner = adam()(b1, b2, epsilon)

    def step(self, theta, grad, lr):
        self.inner.step(theta, grad, lr)


class AdamStepWithoutLr:
    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8, lr=1e-3):
        self.inner, self.lr = adam()(beta1, beta2, eps), lr

    def step(self, theta, grad):
        self.inner.step(theta, grad, self.lr)


RIGHT_ANSWERS = [
    ("Adam", "m, v and t on self, made at the first step", adam()),
    ("Adam", "in place, corrections folded into lr and eps", AdamRight),
    ("Adam", "state in a dict, np.subtract(..., out=theta)", AdamWithDict),
]

#: The package's own answer, refused by the check (tests/package/lab/test_refusal.py).
PACKAGE_ANSWERS = [("Adam", "a subclass of the package's Adam", AdamSubclassingThePackage, "optim.Adam.step")]

WRONG_ANSWERS = [
    ('Adam', 'defaults only', adam(**{'defaults only': True}),
     'right with the defaults, but Adam(beta1=0.8, beta2=0.95, eps=0.001) still used the default '
     'values: keep the values __init__ is given on self and use them in step.'),
    ('Adam', 'eps fixed', adam(**{'eps fixed': True}),
     'right with the defaults, but Adam(eps=0.001) still used eps=1e-08: keep the values __init__ is '
     'given (self.eps = eps) and use them in step.'),
    ('Adam', 'beta1 fixed', adam(**{'beta1 fixed': True}),
     'right with the defaults, but Adam(beta1=0.8) still used beta1=0.9: keep the values __init__ is '
     'given (self.beta1 = beta1) and use them in step.'),
    ('Adam', 'betas swapped', adam(**{'betas swapped': True}),
     'beta1 and beta2 are swapped: beta1 (0.9) averages the gradients, m, and beta2 (0.999) their '
     'squares, v.'),
    ('Adam', 'averages swapped', adam(**{'averages swapped': True}),
     "the averages use each other's beta: m = beta1 m + (1 - beta1) g, v = beta2 v + (1 - beta2) g ** "
     '2.'),
    ('Adam', 'no 1 - beta', adam(**{'no 1 - beta': True}),
     'the new gradient must come in with the weight 1 - beta: m = beta1 m + (1 - beta1) g and v = '
     'beta2 v + (1 - beta2) g ** 2 are averages, not sums.'),
    ('Adam', 'no square', adam(**{'no square': True}),
     'v must average the SQUARED gradients, v = beta2 v + (1 - beta2) g ** 2: without the square, '
     'negative gradients make v negative and its square root NaN.'),
    ('Adam', 'corrections swapped', adam(**{'corrections swapped': True}),
     'the bias corrections are swapped: m goes with beta1, m_hat = m / (1 - beta1 ** t), and v with '
     'beta2, v_hat = v / (1 - beta2 ** t).'),
    ('Adam', 'no correction', adam(**{'no correction': True}),
     'there is no bias correction: m and v start at 0, so in the first steps they are far too small. '
     'Divide them by 1 - beta1 ** t and 1 - beta2 ** t before the step.'),
    ('Adam', 'only v', adam(**{'only v': True}),
     'only v is bias-corrected; m starts at 0 too: use m_hat = m / (1 - beta1 ** t) on top.'),
    ('Adam', 'only m', adam(**{'only m': True}),
     'only m is bias-corrected; v starts at 0 too: use v_hat = v / (1 - beta2 ** t) under the root.'),
    ('Adam', 'eps inside', adam(**{'eps inside': True}),
     'eps is inside the square root, sqrt(v_hat + eps); Adam adds it outside, sqrt(v_hat) + eps (for '
     'a coordinate with tiny gradients the two differ a lot).'),
    ('Adam', 'no eps', adam(**{'no eps': True}),
     'theta is NaN where the gradient is always 0: there m and v are 0 too, and 0 / 0 is NaN. Add eps '
     'to the root: lr * m_hat / (sqrt(v_hat) + eps).'),
    ('Adam', 'no root', adam(**{'no root': True}),
     'you divided by v_hat itself; divide by its square root, sqrt(v_hat) + eps, so that the step has '
     "the size of lr whatever the gradient's scale."),
    ('Adam', 'no division', adam(**{'no division': True}),
     'theta moved by lr * m_hat alone, as momentum would; Adam divides by the root of the second '
     'moment: lr * m_hat / (sqrt(v_hat) + eps).'),
    ('Adam', 'g for m_hat', adam(**{'g for m_hat': True}),
     "the step divides the gradient g itself (that is RMSprop); Adam's step uses the first moment, lr "
     '* m_hat / (sqrt(v_hat) + eps).'),
    ('Adam', 'lr fixed', adam(**{'lr fixed': True}),
     'the step ignores the lr it is given: ms.train passes a new lr to every step (a schedule changes '
     'it), so use the argument, not a number of your own.'),
    ('Adam', 'rebinds theta', adam(**{'rebinds theta': True}),
     "step returned the new parameters but left theta as it was. ms.train keeps the network's "
     'parameters in that very array and ignores what step returns: change it in place, theta -= ... '
     '(theta = theta - ... makes a new array).'),
    ('Adam', 'returns only', adam(**{'returns only': True}),
     "step returned the new parameters but left theta as it was. ms.train keeps the network's "
     'parameters in that very array and ignores what step returns: change it in place, theta -= ... '
     '(theta = theta - ... makes a new array).'),
    ('Adam', 'uphill', adam(**{'uphill': True}),
     'theta moved uphill: subtract the step, theta -= lr * m_hat / (sqrt(v_hat) + eps).'),
    ('Adam', 't after', adam(**{'t after': True}),
     'the first step made every parameter NaN or infinite: at the first step t must be 1 (1 - beta1 '
     '** 0 is 0, and m / 0 is infinite). Add 1 to t before the correction.'),
    ('Adam', 't frozen', adam(**{'t frozen': True}),
     'the first step is right, but the step counter never moves: t stays 1, so every later step is '
     'corrected as if it were the first. Increase t by 1 in every step, and keep it on self.'),
    ('Adam', 't starts at 1', adam(**{"t starts at": 1}),
     'the first step already uses t = 2: the first step must use t = 1, where the correction 1 - '
     'beta1 ** 1 = 1 - beta1 exactly makes up for m starting at 0. Start t at 0 and add 1 before '
     'correcting.'),
    ('Adam', 'class attributes shared by every Adam()', AdamClassAttributes,
     'right the first time, but a new Adam() did not start from scratch: it went on with the moments '
     'or the step count of the optimizers before it. Keep m, v and t on self (made in __init__, or at '
     'the first step), never in globals or class attributes.'),
    ('Adam', 'state in a module global', AdamGlobals,
     'right the first time, but a new Adam() did not start from scratch: it went on with the moments '
     'or the step count of the optimizers before it. Keep m, v and t on self (made in __init__, or at '
     'the first step), never in globals or class attributes.'),
    ('Adam', "keeps ms.train's gradient array as m", AdamKeepsTheGradientArray,
     'right with a new gradient array every step, but ms.train refills ONE array before every step, '
     'and your moments changed with it: you kept a reference to grad (such as self.m = grad). Make m '
     'and v arrays of their own (np.zeros_like(theta)) and update them from grad.'),
    ('Adam', 'an instance, not the class', adam()(),
     'that is an Adam object; hand in the class itself, check.Adam(Adam), so that the check can make '
     'fresh ones.'),
    ('Adam', 'a function, not a class', lambda theta, grad, lr: None,
     'check.Adam takes your class (class Adam: ... with a step method), not a function.'),
    ('Adam', 'no step method', AdamWithoutStep,
     'an Adam object has no step method: define step(self, theta, grad, lr) inside the class.'),
    ('Adam', 'other argument names', AdamOtherNames,
     'Adam(beta1=0.8, beta2=0.95, eps=0.001) raised TypeError: AdamOtherNames.__init__() got an '
     "unexpected keyword argument 'beta1'. Keep the stub's arguments, __init__(self, beta1=0.9, "
     'beta2=0.999, eps=1e-8).'),
    ('Adam', 'step without lr', AdamStepWithoutLr,
     'calling it raised TypeError: AdamStepWithoutLr.step() takes 3 positional arguments but 4 were '
     'given. Keep the arguments of the stub, in its order.'),
]


@pytest.mark.parametrize("name,answer,fn", RIGHT_ANSWERS, ids=[f"{r[0]}: {r[1]}" for r in RIGHT_ANSWERS])
def test_a_right_answer_passes(capsys, name, answer, fn):
    assert check.hint_of(check.Adam, fn) is None
    assert check.Adam(fn) is None
    assert capsys.readouterr().out.startswith("✅ Adam: ")


def test_the_check_names_the_mistake_for_at_least_80_percent_of_the_wrong_classes():
    generic = [row for row in WRONG_ANSWERS if "differs" in row[3]]
    assert len(WRONG_ANSWERS) >= 20 and len(generic) <= 0.2 * len(WRONG_ANSWERS), [row[1] for row in generic]


@pytest.mark.parametrize("strange", [None, "Adam", 3, lambda: None, lambda *a: 1 / 0, type("Empty", (), {}),
                                     adam()(), PackageAdam(), type("Raises", (), {"__init__": lambda self: 1 / 0})],
                         ids=["None", "a string", "a number", "a function", "a raising function", "an empty class",
                              "an instance", "the package's instance", "a class whose __init__ raises"])
def test_a_strange_answer_gets_a_hint_not_a_crash(strange):
    hint = check.hint_of(check.Adam, strange)
    assert isinstance(hint, str) and hint and "stumbled" not in hint, hint


def test_a_learners_adam_trains_a_network_through_ms_train_as_the_package_s_does(mnist):
    """The check's promise in practice: an Adam it passes gives ms.train the same parameters as the package's."""
    X, y = mnist[0][:600], mnist[1][:600]
    models = [ms.Model([784, 16, 10], seed=0) for _ in range(2)]
    for model, optimizer in zip(models, (adam()(), "adam")):
        ms.train(model, X, y, epochs=2, batch_size=100, optimizer=optimizer, lr=3e-3, schedule="cosine",
                 progress=False)
    assert all(np.allclose(models[0].params[k], models[1].params[k], atol=1e-5) for k in models[0].params)
