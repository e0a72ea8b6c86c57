"""Self-checks for lesson 7: momentum and the cosine schedule.

Each check compares the learner's answer with the right one and, when they
differ, with the usual wrong ones, so that its hint can name the mistake.
(Lessons 4-6's checks are in ``_checks_minibatch``, ``_checks_l2``, ``_checks_dropout``
and ``_checks_evaluation``.)
"""

from __future__ import annotations

import math

import numpy as np

from ._checking import Wrong, as_number, call, checker, same

__all__ = ["momentum_step", "cosine"]


# --------------------------------------------------------------------------- lesson 7
def _momentum_path(theta, gradients, lr, mu, *, rule):
    v, path = np.zeros_like(theta), []
    for g in gradients:
        if rule == "sgd":
            theta = theta - lr * g
        elif rule == "old velocity":
            theta, v = theta - lr * v, mu * v + g
        else:
            v = mu * v + ((1 - mu) * g if rule == "average" else g)
            theta = theta + lr * v if rule == "uphill" else theta - lr * v
        path.append(theta)
    return path


@checker(refuses=("mnist_scratch.optim.Momentum.step",))
def momentum_step(fn):
    """``fn(theta, v, g, lr, mu)`` returns ``(theta, v)`` after one step of momentum."""
    theta0 = np.array([1.0, -2.0, 0.5])
    gradients = [np.array([0.5, -1.0, 2.0]), np.array([0.4, 0.3, -1.0]), np.array([-0.2, 0.6, 0.1])]
    lr, mu = 0.1, 0.9
    theta, v, path = theta0, np.zeros(3), []
    for g in gradients:
        out = call(fn, theta, v, g, lr, mu, numeric=False, may_modify=True)
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise Wrong("return both the new parameters and the new velocity: return theta, v.")
        theta, v = (call(lambda a: a, part, shape=(3,)) for part in out)
        path.append(theta)
    if all(same(a, b) for a, b in zip(path, _momentum_path(theta0, gradients, lr, mu, rule="momentum"))):
        return "v <- mu v + g, theta <- theta - lr v: velocity carried from step to step. Correct!"
    for rule, hint in [
        ("sgd", "theta moved as plain gradient descent would: the velocity must carry over from step to step, "
                "v <- mu * v + g, and theta moves by -lr * v."),
        ("average", "you averaged, v <- mu * v + (1 - mu) * g, which makes every step (1 - mu) times smaller; "
                    "this series' momentum adds the whole gradient: v <- mu * v + g."),
        ("uphill", "theta moved uphill: step against the velocity, theta <- theta - lr * v."),
        ("old velocity", "update v first, then move theta by the NEW velocity."),
    ]:
        if all(same(a, b) for a, b in zip(path, _momentum_path(theta0, gradients, lr, mu, rule=rule))):
            raise Wrong(hint)
    raise Wrong("after three steps theta differs from momentum's: v <- mu * v + g, then theta <- theta - lr * v.")


@checker(refuses=("mnist_scratch.schedules.Cosine.__call__",))
def cosine(fn):
    """``fn(t, T)``: the cosine schedule's factor, from 1 at t = 0 down to 0 at t = T."""
    T = 12
    ts = [0, 3, 6, 9, 12]
    got = np.array([as_number(call(fn, t, T)) for t in ts])
    expected = np.array([0.5 * (1 + math.cos(math.pi * t / T)) for t in ts])
    if same(got, expected):
        other = [as_number(call(fn, t, 7)) for t in (0, 2, 5, 7)]
        if not same(other, [0.5 * (1 + math.cos(math.pi * t / 7)) for t in (0, 2, 5, 7)]):
            raise Wrong("right for T = 12, but not for T = 7: use the T you are given, not a number of your own.")
        return "1/2 (1 + cos(pi t / T)): from 1 down to 0 along half a cosine wave. Correct!"
    if got.min() < -1e-9:
        raise Wrong(f"the factor goes below 0 (it reaches {got.min():.3g}); a learning rate must stay positive. "
                    "Shift and halve the cosine: 1/2 (1 + cos(pi t / T)).")
    if got[0] < got[-1]:
        raise Wrong("the factor grows; it should fall from 1 at t = 0 to 0 at t = T: 1/2 (1 + cos(pi t / T)).")
    if np.isclose(got[-1], 1):
        raise Wrong("the factor comes back up to 1 at t = T: that is a full cosine wave; the schedule uses "
                    "half of one, pi t / T.")
    if same(got, [1 - t / T for t in ts]):
        raise Wrong("that falls in a straight line; the cosine schedule falls slowly at first and at the end: "
                    "1/2 (1 + cos(pi t / T)).")
    if not np.isclose(got[-1], 0, atol=1e-9):
        raise Wrong(f"at t = T the factor should be 0, not {got[-1]:.3g}: the cosine's argument runs from 0 to "
                    "pi, so use pi * t / T.")
    raise Wrong(f"at t = 3 of T = 12 expected {expected[1]:.4f}, got {got[1]:.4f}.")
