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


def _epoch(params, X, y, lr, B, rng, *, sign=-1, whole=False, drop_last=False, shuffle=True, pair=True,
           rebind=False, reshuffle=False):
    """One epoch of mini-batch SGD, right by default, or with one planted mistake."""
    n = len(X)
    order = rng.permutation(n)
    if whole:
        grads = ms.backward(params, ms.forward(params, X), y)
        for k in params:
            params[k] += sign * lr * grads[k]
        return
    for i in range(0, n - B + 1 if drop_last else n, B):
        if reshuffle:
            order = rng.permutation(n)
        rows = order[i:i + B] if shuffle else np.arange(i, min(i + B, n))
        label_rows = rows if pair else np.arange(i, min(i + B, n))
        grads = ms.backward(params, ms.forward(params, X[rows]), y[label_rows])
        for k in params:
            if rebind:
                W = params[k]
                W = W - lr * grads[k]  # noqa: F841 (the mistake: a new local array, params unchanged)
            else:
                params[k] += sign * lr * grads[k]


def cm_fancy(t, p):
    C = np.zeros((10, 10), int)
    C[t, p] += 1
    return C


def cm_T(t, p):
    C = np.zeros((10, 10), int)
    np.add.at(C, (p, t), 1)
    return C


def cm_small(t, p):
    k = max(t.max(), p.max()) + 1
    C = np.zeros((k, k), int)
    np.add.at(C, (t, p), 1)
    return C


def cm_norm(t, p):
    C = np.zeros((10, 10))
    np.add.at(C, (t, p), 1)
    s = C.sum(axis=1, keepdims=True)
    return np.divide(C, s, out=np.zeros_like(C), where=s > 0)


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
    # lessons 1-3: tests/package/lab/test_check_hints_network.py
    ('he_init', 'transposed shape', lambda i,o,rng: rng.normal(0, np.sqrt(2/i), size=(o,i)),
     'expected shape (800, 200), that is (fan_in, fan_out): W has one row per input in this series. You '
     'returned (200, 800).'),
    ('he_init', '2 / fan_in as std', lambda i,o,rng: rng.normal(0, 2/i, size=(i,o)),
     'you used 2 / fan_in as the standard deviation, but it is the VARIANCE: take its square root, '
     'np.sqrt(2 / fan_in).'),
    ('he_init', 'variance 1 / fan_in', lambda i,o,rng: rng.normal(0, np.sqrt(1/i), size=(i,o)),
     'that is variance 1 / fan_in; He doubles it to 2 / fan_in to make up for ReLU zeroing half of its '
     'inputs.'),
    ('he_init', 'variance 2 / fan_out', lambda i,o,rng: rng.normal(0, np.sqrt(2/o), size=(i,o)),
     'that is variance 2 / fan_out; He divides by fan_in, the number of inputs each unit adds up.'),
    ('he_init', 'np.random instead of rng', lambda i,o,rng: np.random.normal(0, np.sqrt(2/i), size=(i,o)),
     'two calls with generators seeded alike gave different weights: draw from the rng you are given '
     '(rng.normal(...)), not from np.random, so that the same seed gives the same network.'),
    ('he_init', 'rng.random (uniform in [0, 1))', lambda i,o,rng: rng.random((i,o))*np.sqrt(2/i),
     'the weights are not centred on 0 (their mean is 0.025): draw them from a distribution with mean 0, '
     'such as rng.normal(0, std, size=(fan_in, fan_out)).'),
    ('sgd_epoch', 'params[k] += lr * grads[k]', lambda *a: _epoch(*a, sign=1),
     'the parameters moved UP the gradient: subtract, params[k] -= lr * grads[k].'),
    ('sgd_epoch', 'one full-batch step', lambda *a: _epoch(*a, whole=True),
     'that is one step for the whole epoch (full-batch gradient descent); take one step per batch of '
     'batch_size rows.'),
    ('sgd_epoch', 'drops the last short batch', lambda *a: _epoch(*a, drop_last=True),
     'the last, smaller batch is missing (10 rows in batches of 4 make 4 + 4 + 2): use range(0, n, '
     'batch_size) and the slice order[i:i + batch_size].'),
    ('sgd_epoch', 'never shuffles', lambda *a: _epoch(*a, shuffle=False, pair=False),
     'you walked through X in its stored order: take the rows order[i:i + batch_size], a new order every '
     'epoch.'),
    ('sgd_epoch', 'labels not shuffled with X', lambda *a: _epoch(*a, pair=False),
     'the labels were not shuffled with the images: use the same rows for X and y, X[rows] and y[rows].'),
    ('sgd_epoch', 'W = W - lr * dW (rebinds a local)', lambda *a: _epoch(*a, rebind=True),
     'the parameters did not change: update each one in place, params[k] -= lr * grads[k] (rebinding a '
     'local name such as W = W - ... leaves params as it was).'),
    ('sgd_epoch', 'reshuffles before every batch', lambda *a: _epoch(*a, reshuffle=True),
     "after one epoch the parameters differ from mini-batch SGD's: shuffle once with the given order, then"
     ' for i in range(0, n, batch_size) take rows = order[i:i + batch_size], run forward and backward on '
     'X[rows], y[rows], and step.'),
    ('l2_penalty', 'biases included', lambda p,l: l/2*sum(np.sum(v**2) for v in p.values()),
     'the biases are not penalised: sum over the weight matrices W1, W2, ... only.'),
    ('l2_penalty', 'no 1/2', lambda p,l: l*sum(np.sum(p[k]**2) for k in ("W1","W2")),
     'twice too large: the penalty is (lambda / 2) * sum of w^2; the 1/2 makes its gradient simply lambda '
     '* W.'),
    ('l2_penalty', 'sum of |w| (L1)', lambda p,l: l/2*sum(np.sum(np.abs(p[k])) for k in ("W1","W2")),
     'that sums |w| (L1); L2 sums the squares, w ** 2.'),
    ('l2_penalty', 'norms, not squared', lambda p,l: l/2*sum(np.linalg.norm(p[k]) for k in ("W1","W2")),
     'you summed the norms ||W||; L2 sums their squares, ||W||^2 = sum of w ** 2.'),
    ('l2_penalty', 'forgets lambda', lambda p,l: 0.5*sum(np.sum(p[k]**2) for k in ("W1","W2")),
     'the penalty must grow with lambda: multiply by lam.'),
    ('dropout', 'no 1/(1 - p) scaling', lambda A,p,rng: A*(rng.random(A.shape)>=p),
     "the kept units must be scaled up by 1 / (1 - p) (inverted dropout), so that each unit's expected "
     'value is unchanged and nothing needs to change at test time.'),
    ('dropout', 'keeps with probability p', lambda A,p,rng: A*(rng.random(A.shape)<p)/(1-p),
     'you dropped 80% of the units: p = 0.2 is the probability of DROPPING one, so keep it where '
     'rng.random(A.shape) >= p.'),
    ('dropout', 'multiplies by (1 - p)', lambda A,p,rng: A*(rng.random(A.shape)>=p)*(1-p),
     "divide the kept units by (1 - p), don't multiply: their expected value must stay the same."),
    ('dropout', 'one mask for all rows', lambda A,p,rng: A*(rng.random(A.shape[1])>=p)/(1-p),
     'every row (sample) got the same mask: draw one random number per entry, a mask of shape A.shape.'),
    ('dropout', 'np.random instead of rng', lambda A,p,rng: A*(np.random.random(A.shape)>=p)/(1-p),
     'two calls with generators seeded alike dropped different units: draw from the rng you are given, '
     'rng.random(A.shape), not from np.random.'),
    ('dropout', 'one mask per sample', lambda A,p,rng: A*(rng.random((A.shape[0], 1))>=p)/(1-p),
     'each row (sample) was kept or dropped whole: dropout drops single units, so draw one random number per '
     'entry, a mask of shape A.shape, not one per sample.'),
    ('confusion_matrix', 'C[y_true, y_pred] += 1', cm_fancy,
     'a pair that occurs twice was counted once: C[y_true, y_pred] += 1 does not add up repeated index '
     'pairs. Use np.add.at(C, (y_true, y_pred), 1), or a loop.'),
    ('confusion_matrix', 'transposed', cm_T,
     'rows and columns are swapped: C[i, j] counts images of TRUE class i predicted as j, so the row is '
     'the true label.'),
    ('confusion_matrix', 'only the digits present', cm_small,
     'expected a 10 x 10 matrix, one row and one column per digit, even when some digits are absent from '
     'the labels; got (4, 4).'),
    ('confusion_matrix', 'rows normalised', cm_norm,
     'the rows sum to 1: return the counts themselves (normalise later, if you want to).'),
    ('per_class_accuracy', 'column sums (precision)', lambda C: np.diag(C)/C.sum(axis=0),
     'that is precision: you divided by how often each digit was PREDICTED (the column sums). Divide by '
     'how many images of each TRUE digit there are: the row sums, C.sum(axis=1).'),
    ('per_class_accuracy', 'overall accuracy', lambda C: np.trace(C)/C.sum(),
     'that is one number (the overall accuracy); per-class accuracy gives one number per digit, shape (10,).'),
    ('per_class_accuracy', 'diagonal counts', lambda C: np.diag(C),
     "those are the counts of right predictions; divide each by its row's total."),
    ('per_class_accuracy', 'divided by the grand total', lambda C: np.diag(C)/C.sum(),
     "you divided by the number of all images; divide each digit's count by its own row total, C.sum(axis=1)."),
    ('per_class_accuracy', "each row's largest count", lambda C: C.max(axis=1)/C.sum(axis=1),
     "that is each row's LARGEST count over its total; the right predictions are the diagonal, C[k, k], even "
     "for a digit that is mostly mistaken for another."),
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


#: This table and the lessons' own (lessons 1-3, 8, 10 and 11 keep theirs in tests/package/lab/test_check_hints_<topic>.py).
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
