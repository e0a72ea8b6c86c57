"""Self-checks for lessons 4-7: initialisation, the mini-batch loop, L2, dropout, confusion, optimisers.

Each check compares the learner's answer with the right one and, when they
differ, with the usual wrong ones, so that its hint can name the mistake.
"""

from __future__ import annotations

import math

import numpy as np

from ..network import backward as _backward
from ..network import forward as _forward
from ..network import init_params
from ._checking import Wrong, clone, as_number, call, checker, same

__all__ = ["he_init", "sgd_epoch", "l2_penalty", "dropout", "confusion_matrix", "per_class_accuracy",
           "momentum_step", "cosine"]

_rng = np.random.default_rng


# --------------------------------------------------------------------------- lesson 4
@checker(refuses=("mnist_scratch.init.init_weights", "mnist_scratch.network.init_params"))
def he_init(fn):
    """``fn(fan_in, fan_out, rng)``: weights of shape (fan_in, fan_out) drawn with variance 2 / fan_in."""
    fan_in, fan_out = 800, 200
    got = call(fn, fan_in, fan_out, _rng(1))
    if got.shape == (fan_out, fan_in):
        raise Wrong("expected shape (800, 200), that is (fan_in, fan_out): W has one row per input in this "
                    "series. You returned (200, 800).")
    if got.shape != (fan_in, fan_out):
        raise Wrong(f"expected shape (800, 200), that is (fan_in, fan_out), got {got.shape}.")
    if not np.array_equal(got, call(fn, fan_in, fan_out, _rng(1))):
        raise Wrong("two calls with generators seeded alike gave different weights: draw from the rng you are "
                    "given (rng.normal(...)), not from np.random, so that the same seed gives the same network.")
    target, std, mean = math.sqrt(2 / fan_in), float(got.std()), float(got.mean())
    if abs(mean) > 0.1 * target:
        raise Wrong(f"the weights are not centred on 0 (their mean is {mean:.3g}): draw them from a "
                    "distribution with mean 0, such as rng.normal(0, std, size=(fan_in, fan_out)).")
    for spread, hint in [
        (target, None),
        (2 / fan_in, "you used 2 / fan_in as the standard deviation, but it is the VARIANCE: take its square "
                     "root, np.sqrt(2 / fan_in)."),
        (math.sqrt(1 / fan_in), "that is variance 1 / fan_in; He doubles it to 2 / fan_in to make up for ReLU "
                                "zeroing half of its inputs."),
        (math.sqrt(2 / fan_out), "that is variance 2 / fan_out; He divides by fan_in, the number of inputs each "
                                 "unit adds up."),
    ]:
        if abs(std / spread - 1) < 0.03:
            if hint:
                raise Wrong(hint)
            return "mean 0, variance 2 / fan_in, shape (fan_in, fan_out), reproducible. Well done!"
    raise Wrong(f"the weights' standard deviation is {std:.3g}; He's is sqrt(2 / fan_in) = {target:.3g} here.")


def _epoch(params, X, y, lr, batch_size, seed, *, shuffle=True, pair=True, drop_last=False, sign=-1.0,
           whole=False):
    """One epoch of mini-batch SGD, right (the defaults) or with one classic mistake."""
    params, n = clone(params), len(X)
    order = _rng(seed).permutation(n)
    if whole:
        batches = [(order, order)]
    else:
        last = n - batch_size + 1 if drop_last else n
        batches = [(order[i:i + batch_size] if shuffle else np.arange(i, min(i + batch_size, n)),
                    order[i:i + batch_size] if pair else np.arange(i, min(i + batch_size, n)))
                   for i in range(0, last, batch_size)]
    for rows, label_rows in batches:
        grads = _backward(params, _forward(params, X[rows]), y[label_rows])
        for k in params:
            params[k] = params[k] + sign * lr * grads[k]
    return params


@checker(refuses=("mnist_scratch.train.train", "mnist_scratch.train.run_epoch"))
def sgd_epoch(fn):
    """``fn(params, X, y, lr, batch_size, rng)``: one epoch of mini-batch SGD, updating ``params`` in place."""
    params = init_params([5, 4, 3], seed=6, dtype=np.float64)
    rng = _rng(7)
    X, y = rng.normal(size=(10, 5)), rng.integers(0, 3, size=10)
    lr, batch_size, seed = 0.5, 4, 8               # batches of 4, 4 and 2 rows
    mine = clone(params)
    returned = call(fn, mine, X, y, lr, batch_size, _rng(seed), numeric=False, copy=False)
    got = returned if isinstance(returned, dict) else mine
    if _same_params(got, params):
        raise Wrong("the parameters did not change: update each one in place, params[k] -= lr * grads[k] "
                    "(rebinding a local name such as W = W - ... leaves params as it was).")
    args = (params, X, y, lr, batch_size, seed)
    if _same_params(got, _epoch(*args)):
        return "shuffled batches, the last short one included, one step each. That is SGD!"
    for mistake, hint in [
        (dict(sign=1.0), "the parameters moved UP the gradient: subtract, params[k] -= lr * grads[k]."),
        (dict(whole=True), "that is one step for the whole epoch (full-batch gradient descent); take one step "
                           "per batch of batch_size rows."),
        (dict(drop_last=True), "the last, smaller batch is missing (10 rows in batches of 4 make 4 + 4 + 2): "
                               "use range(0, n, batch_size) and the slice order[i:i + batch_size]."),
        (dict(shuffle=False, pair=False), "you walked through X in its stored order: take the rows "
                                          "order[i:i + batch_size], a new order every epoch."),
        (dict(pair=False), "the labels were not shuffled with the images: use the same rows for X and y, "
                           "X[rows] and y[rows]."),
    ]:
        if _same_params(got, _epoch(*args, **mistake)):
            raise Wrong(hint)
    raise Wrong("after one epoch the parameters differ from mini-batch SGD's: shuffle once with the given "
                "order, then for i in range(0, n, batch_size) take rows = order[i:i + batch_size], run "
                "forward and backward on X[rows], y[rows], and step.")


def _same_params(a, b) -> bool:
    return all(k in a and same(np.asarray(a[k], float), b[k], rtol=1e-6, atol=1e-9) for k in b)


# --------------------------------------------------------------------------- lesson 5
@checker
def l2_penalty(fn):
    """``fn(params, lam)``: (lam / 2) times the sum of the squared weights (not the biases)."""
    rng = _rng(10)
    params = {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=2), "W2": rng.normal(size=(2, 4)),
              "b2": rng.normal(size=4)}
    lam = 0.1
    value = as_number(call(fn, params, lam))
    weights = [params["W1"], params["W2"]]
    squares = sum(float(np.sum(W ** 2)) for W in weights)
    for wrong_value, hint in [
        (lam / 2 * sum(float(np.sum(p ** 2)) for p in params.values()),
         "the biases are not penalised: sum over the weight matrices W1, W2, ... only."),
        (lam * squares, "twice too large: the penalty is (lambda / 2) * sum of w^2; the 1/2 makes its gradient "
                        "simply lambda * W."),
        (lam / 2 * sum(float(np.sum(np.abs(W))) for W in weights),
         "that sums |w| (L1); L2 sums the squares, w ** 2."),
        (lam / 2 * sum(float(np.linalg.norm(W)) for W in weights),
         "you summed the norms ||W||; L2 sums their squares, ||W||^2 = sum of w ** 2."),
        (squares / 2, "the penalty must grow with lambda: multiply by lam."),
    ]:
        if np.isclose(value, wrong_value, rtol=1e-6):
            raise Wrong(hint)
    if not np.isclose(value, lam / 2 * squares, rtol=1e-6):
        raise Wrong(f"expected {lam / 2 * squares:.6f} for these weights, got {value:.6f}.")
    return "(lambda / 2) * sum of squared weights, biases left alone. Correct!"


@checker(refuses=("mnist_scratch.network.dropout_mask",))
def dropout(fn):
    """``fn(A, p, rng)``: inverted dropout: zero each entry with probability p, scale the rest by 1/(1-p)."""
    A = _rng(11).random((1000, 40)) + 0.5
    p = 0.2
    got = call(fn, A, p, _rng(12), shape=A.shape, may_modify=True)
    if not np.array_equal(got, call(fn, A, p, _rng(12), may_modify=True)):
        raise Wrong("two calls with generators seeded alike dropped different units: draw from the rng you are "
                    "given, rng.random(A.shape), not from np.random.")
    kept = got != 0
    dropped = 1 - kept.mean()
    if 0 < dropped < 1 and (kept == kept[0]).all():
        raise Wrong("every row (sample) got the same mask: draw one random number per entry, a mask of "
                    "shape A.shape.")
    if 0 < dropped < 1 and (kept.all(axis=1) | (~kept).all(axis=1)).all():
        raise Wrong("each row (sample) was kept or dropped whole: dropout drops single units, so draw one random "
                    "number per entry, a mask of shape A.shape, not one per sample.")
    if abs(dropped - (1 - p)) < 0.03:
        raise Wrong(f"you dropped {dropped:.0%} of the units: p = {p} is the probability of DROPPING one, so "
                    "keep it where rng.random(A.shape) >= p.")
    if abs(dropped - p) > 0.03:
        raise Wrong(f"about {p:.0%} of the entries should be 0 (p = {p}); {dropped:.1%} are.")
    ratio = got[kept] / A[kept]
    if np.allclose(ratio, 1):
        raise Wrong("the kept units must be scaled up by 1 / (1 - p) (inverted dropout), so that each unit's "
                    "expected value is unchanged and nothing needs to change at test time.")
    if np.allclose(ratio, 1 - p):
        raise Wrong("divide the kept units by (1 - p), don't multiply: their expected value must stay the same.")
    if not np.allclose(ratio, 1 / (1 - p)):
        raise Wrong("each kept entry should be A / (1 - p), and each dropped one 0.")
    if not same(call(fn, A, 0.0, _rng(12), may_modify=True), A):
        raise Wrong("with p = 0 nothing should be dropped or scaled.")
    return f"about {p:.0%} dropped, the rest scaled by 1 / (1 - p). Correct!"


# --------------------------------------------------------------------------- lesson 6
@checker(refuses=("mnist_scratch.evaluate.confusion_matrix",))
def confusion_matrix(fn):
    """``fn(y_true, y_pred)``: C[i, j] = how many images of true class i were predicted as j, 10 x 10."""
    y_true = np.array([0, 0, 1, 2, 2, 2, 3, 3])   # no 4-9; the pairs (2, 2) and (3, 3) occur twice
    y_pred = np.array([0, 1, 1, 2, 0, 2, 3, 3])
    expected = np.zeros((10, 10))
    np.add.at(expected, (y_true, y_pred), 1)
    got = call(fn, y_true, y_pred)
    if got.ndim == 2 and got.shape[0] == got.shape[1] and got.shape != (10, 10):
        raise Wrong(f"expected a 10 x 10 matrix, one row and one column per digit, even when some digits are "
                    f"absent from the labels; got {got.shape}.")
    if got.shape != (10, 10):
        raise Wrong(f"expected shape (10, 10), got {got.shape}.")
    if np.allclose(got.sum(axis=1)[:4], 1):
        raise Wrong("the rows sum to 1: return the counts themselves (normalise later, if you want to).")
    if same(got, expected.T):
        raise Wrong("rows and columns are swapped: C[i, j] counts images of TRUE class i predicted as j, so the "
                    "row is the true label.")
    if same(got, expected > 0):
        raise Wrong("a pair that occurs twice was counted once: C[y_true, y_pred] += 1 does not add up repeated "
                    "index pairs. Use np.add.at(C, (y_true, y_pred), 1), or a loop.")
    if not same(got, expected):
        raise Wrong("some counts are off: add 1 to C[y_true[i], y_pred[i]] for every i.")
    return "counts, true labels down the rows, predictions across. Correct!"


@checker(refuses=("mnist_scratch.evaluate.per_class_accuracy",))
def per_class_accuracy(fn):
    """``fn(C)``: for each true class, the share of its images predicted right, shape (10,)."""
    rng = _rng(13)
    C = rng.integers(0, 6, size=(10, 10)) + np.diag(rng.integers(20, 40, size=10))
    got = call(fn, C)
    if got.shape == ():
        raise Wrong("that is one number (the overall accuracy); per-class accuracy gives one number per "
                    "digit, shape (10,).")
    if got.shape != (10,):
        raise Wrong(f"expected one value per digit, shape (10,), got {got.shape}.")
    diagonal = np.diag(C)
    for wrong_value, hint in [
        (diagonal / C.sum(axis=0), "that is precision: you divided by how often each digit was PREDICTED (the "
                                   "column sums). Divide by how many images of each TRUE digit there are: the "
                                   "row sums, C.sum(axis=1)."),
        (diagonal, "those are the counts of right predictions; divide each by its row's total."),
        (diagonal / C.sum(), "you divided by the number of all images; divide each digit's count by its own "
                             "row total, C.sum(axis=1)."),
    ]:
        if same(got, wrong_value):
            raise Wrong(hint)
    if not same(got, diagonal / C.sum(axis=1)):
        raise Wrong("expected the diagonal divided by the row sums: np.diag(C) / C.sum(axis=1).")
    confused = C.copy()
    confused[3, 5], confused[7, 1] = 3 * confused[3, 3], 2 * confused[7, 7]   # two digits mostly mistaken
    got = call(fn, confused, shape=(10,))
    if same(got, confused.max(axis=1) / confused.sum(axis=1)):
        raise Wrong("that is each row's LARGEST count over its total; the right predictions are the diagonal, "
                    "C[k, k], even for a digit that is mostly mistaken for another.")
    if not same(got, np.diag(confused) / confused.sum(axis=1)):
        raise Wrong("right for the first matrix, but not for a second one where 3 and 7 are mostly mistaken for "
                    "other digits: divide each diagonal entry by its own row's total.")
    return "the diagonal over the row sums: how often each digit is recognised. Correct!"


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
