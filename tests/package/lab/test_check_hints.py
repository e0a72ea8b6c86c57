"""The wrong-answer table: every self-check must recognise the common mistakes and say what is off.

Each row is a check, a wrong answer a learner might write, and the exact hint
the check must print for it. The table is the specification of the hints:
change a hint in mnist_scratch/lab/_checks_*.py and this table with it.
"""

from __future__ import annotations

import importlib
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import mnist_scratch as ms
from mnist_scratch.lab import check


def mom_sgd(th, v, g, lr, mu):
    return th - lr * g, v


def mom_avg(th, v, g, lr, mu):
    v = mu * v + (1 - mu) * g
    return th - lr * v, v


def mom_up(th, v, g, lr, mu):
    v = mu * v + g
    return th + lr * v, v


def mom_old(th, v, g, lr, mu):
    return th - lr * v, mu * v + g


def mom_one(th, v, g, lr, mu):
    v = mu * v + g
    return th - lr * v


WRONG_ANSWERS = [
    # lessons 1-6: tests/package/lab/test_check_hints_network.py, _minibatch.py, _regularization.py, _evaluation.py
    ('momentum_step', 'plain SGD', mom_sgd,
     'theta moved as plain gradient descent would: the velocity must carry over from step to step, v <- mu'
     ' * v + g, and theta moves by -lr * v.'),
    ('momentum_step', 'average: (1 - mu) g', mom_avg,
     'you averaged, v <- mu * v + (1 - mu) * g, which makes every step (1 - mu) times smaller; this '
     "series' momentum adds the whole gradient: v <- mu * v + g."),
    ('momentum_step', 'theta + lr v', mom_up,
     'theta moved uphill: step against the velocity, theta <- theta - lr * v.'),
    ('momentum_step', 'moves by the old v', mom_old,
     'update v first, then move theta by the NEW velocity.'),
    ('momentum_step', 'returns theta only', mom_one,
     'return both the new parameters and the new velocity: return theta, v.'),
    ('cosine', 'cos(pi t / T)', lambda t,T: math.cos(math.pi*t/T),
     'the factor goes below 0 (it reaches -1); a learning rate must stay positive. Shift and halve the '
     'cosine: 1/2 (1 + cos(pi t / T)).'),
    ('cosine', '1/2 (1 + cos(t / T)), no pi', lambda t,T: 0.5*(1+math.cos(t/T)),
     "at t = T the factor should be 0, not 0.77: the cosine's argument runs from 0 to pi, so use pi * t / T."),
    ('cosine', '1/2 (1 + cos(2 pi t / T))', lambda t,T: 0.5*(1+math.cos(2*math.pi*t/T)),
     'the factor comes back up to 1 at t = T: that is a full cosine wave; the schedule uses half of one, '
     'pi t / T.'),
    ('cosine', '1/2 (1 - cos(pi t / T))', lambda t,T: 0.5*(1-math.cos(math.pi*t/T)),
     'the factor grows; it should fall from 1 at t = 0 to 0 at t = T: 1/2 (1 + cos(pi t / T)).'),
    ('cosine', 'a fixed T = 12', lambda t,T: 0.5*(1+math.cos(math.pi*t/12)),
     'right for T = 12, but not for T = 7: use the T you are given, not a number of your own.'),
    ('cosine', '1 - t / T (linear)', lambda t,T: 1-t/T,
     'that falls in a straight line; the cosine schedule falls slowly at first and at the end: 1/2 (1 + '
     'cos(pi t / T)).'),
    # lesson 9 (the full table: tests/package/lab/test_check_hints_batchnorm.py)
    ('batchnorm_forward', 'normalized over axis=1', lambda Z,g,b,e: g*(Z-Z.mean(1,keepdims=True))/np.sqrt(Z.var(1,keepdims=True)+e)+b,
     "you normalized each ROW (one image's features) instead of each column: batch norm normalizes every feature "
     "over the batch, so take the mean and variance with axis=0."),
    ('batchnorm_forward', 'eps outside the sqrt', lambda Z,g,b,e: g*(Z-Z.mean(0))/(Z.std(0)+e)+b,
     'eps belongs inside the square root, as in the paper and the libraries: divide by np.sqrt(var + eps), not by '
     'np.sqrt(var) + eps.'),
    ('batchnorm_forward', 'unbiased variance', lambda Z,g,b,e: g*(Z-Z.mean(0))/np.sqrt(Z.var(0,ddof=1)+e)+b,
     "you used the unbiased variance (ddof=1, dividing by n - 1). Batch norm normalizes with the batch's own "
     "variance, dividing by n: np.var's default, ddof=0."),
    ('batchnorm_backward', 'no gamma', lambda dY,Zh,g,s: (1/s*(dY-dY.mean(0)-Zh*(dY*Zh).mean(0)), (dY*Zh).sum(0), dY.sum(0)),
     'you forgot gamma: the output is gamma * Z_hat + beta, so the gradient reaching Z_hat is gamma * dY; '
     'dZ = gamma / s * (...).'),
    ('batchnorm_backward', 'no mean terms', lambda dY,Zh,g,s: (g/s*dY, (dY*Zh).sum(0), dY.sum(0)),
     'dZ = gamma * dY / s is the INFERENCE-mode gradient. In train mode the mean and the variance are computed '
     "from the batch, so every row's output depends on every row: subtract mean(dY) and Z_hat * mean(dY * Z_hat), "
     'column by column.'),
    ('batchnorm_backward', 'dbeta with keepdims', lambda dY,Zh,g,s: (g/s*(dY-dY.mean(0)-Zh*(dY*Zh).mean(0)), (dY*Zh).sum(0), dY.sum(0, keepdims=True)),
     'dbeta has shape (1, 5); it must have gamma\'s shape (5,): sum over the rows without keepdims.'),
]


def companion_tables(name: str, default=()) -> list:
    """``name`` (WRONG_ANSWERS, RIGHT_ANSWERS, …) from every tests/package/lab/test_check_hints_<topic>.py that has it
    (lesson 9 keeps its rows in this file's tables)."""
    return [getattr(importlib.import_module(path.stem), name, default)
            for path in sorted(Path(__file__).parent.glob("test_check_hints_*.py"))]


#: This table and the lessons' own (lessons 1-6, 8, 10 and 11 keep theirs in tests/package/lab/test_check_hints_<topic>.py).
EVERY_WRONG_ANSWER = WRONG_ANSWERS + [row for table in companion_tables("WRONG_ANSWERS") for row in table]


@pytest.mark.parametrize("name,answer,fn,hint", EVERY_WRONG_ANSWER, ids=[f"{r[0]}: {r[1]}" for r in EVERY_WRONG_ANSWER])
def test_a_wrong_answer_gets_its_hint(capsys, name, answer, fn, hint):
    checker = check.CHECKS[name]
    assert check.hint_of(checker, fn) == hint
    with pytest.raises(check.CheckFailed) as failure:
        checker(fn)
    assert str(failure.value) == f"{name}: {hint}"
    assert isinstance(failure.value, AssertionError)          # so `assert`-style tooling sees a failure
    assert capsys.readouterr().out == f"❌ {name}: {hint}\n"
    assert checker(fn, raises=False) is False


def test_every_check_has_at_least_three_wrong_answers():
    counts = Counter(row[0] for row in EVERY_WRONG_ANSWER)
    assert set(counts) == set(check.CHECKS)
    assert min(counts.values()) >= 3, counts
