"""Self-checks for lesson 4: He initialisation and one epoch of mini-batch SGD.

``he_init`` is tried on two shapes, each with generators of two seeds, twice with the
same seed: an answer that ignores the ``rng`` it is given (np.random, or a seed of its
own) shows, and so do the usual spreads (1 / fan_in, 2 / fan_out, Xavier's, the variance
passed as a standard deviation).

``sgd_epoch`` runs on two networks (one and two hidden layers, batch sizes that leave a
short last batch), with three seeds, twice with the same seed, on copies of the data that
it may shuffle in place. It is accepted when the parameters it leaves are those of one
epoch of mini-batch SGD for *some* order of the rows drawn from ``rng``: the usual ways
of drawing one (``rng.permutation``, ``rng.shuffle``, ``rng.choice``) are tried first,
then every order of the few rows there are. The usual slips (no shuffle, a new order or new
random rows for every batch, the whole X in every step, the last short batch dropped, labels
shuffled apart from their images, one step per epoch, a step up the gradient, the batch size
divided out twice) are named.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from ..network import backward as _backward
from ..network import forward as _forward
from ._checking import Wrong, call, checker, clone, same
from ._checks_network import small_network

__all__ = ["he_init", "sgd_epoch"]

_rng = np.random.default_rng


# --------------------------------------------------------------------------- he_init
def _spreads(fan_in: int, fan_out: int) -> list:
    """(standard deviation, hint or None for He's) for He and the usual wrong spreads."""
    return [
        (math.sqrt(2 / fan_in), None),
        (2 / fan_in, "you used 2 / fan_in as the standard deviation, but it is the VARIANCE: take its square "
                     "root, np.sqrt(2 / fan_in)."),
        (math.sqrt(2) / fan_in, "that is sqrt(2) / fan_in; the VARIANCE is 2 / fan_in, so the standard deviation is "
                                "the square root of the whole fraction, np.sqrt(2 / fan_in)."),
        (math.sqrt(1 / fan_in), "that is variance 1 / fan_in; He doubles it to 2 / fan_in to make up for ReLU "
                                "zeroing half of its inputs."),
        (math.sqrt(2 / fan_out), "that is variance 2 / fan_out; He divides by fan_in, the number of inputs each "
                                 "unit adds up."),
        (math.sqrt(2 / (fan_in + fan_out)), "that is Xavier's variance, 2 / (fan_in + fan_out); He's is 2 / fan_in, "
                                            "the number of inputs each unit adds up."),
        (math.sqrt(1 / fan_out), "that is variance 1 / fan_out; He's is 2 / fan_in, the number of inputs each unit "
                                 "adds up."),
        (0.01, "that is the naive N(0, 0.01^2) of the lesson's first experiment, whose signal dies out; He's standard "
               "deviation depends on the layer: sqrt(2 / fan_in)."),
    ]


def _weights(fn, fan_in: int, fan_out: int, seed: int) -> np.ndarray:
    got = call(fn, fan_in, fan_out, _rng(seed))
    if got.shape == (fan_out, fan_in):
        raise Wrong(f"expected shape ({fan_in}, {fan_out}), that is (fan_in, fan_out): W has one row per input in "
                    f"this series. You returned ({fan_out}, {fan_in}).")
    if got.shape != (fan_in, fan_out):
        raise Wrong(f"expected shape ({fan_in}, {fan_out}), that is (fan_in, fan_out), got {got.shape}.")
    return got


@checker(refuses=("mnist_scratch.init.init_weights", "mnist_scratch.network.init_params"))
def he_init(fn):
    """``fn(fan_in, fan_out, rng)``: weights of shape (fan_in, fan_out) drawn with variance 2 / fan_in."""
    for index, (fan_in, fan_out) in enumerate([(800, 200), (50, 300)]):
        got = _weights(fn, fan_in, fan_out, 1)
        if not np.array_equal(got, _weights(fn, fan_in, fan_out, 1)):
            raise Wrong("two calls with generators seeded alike gave different weights: draw from the rng you are "
                        "given (rng.normal(...)), not from np.random, so that the same seed gives the same network.")
        if np.array_equal(got, _weights(fn, fan_in, fan_out, 2)):
            raise Wrong("generators with different seeds gave the same weights: the function ignores the rng it is "
                        "given (a seed or a generator of its own?). Draw from rng itself, so that the caller's seed "
                        "decides the network.")
        target, std, mean = math.sqrt(2 / fan_in), float(got.std()), float(got.mean())
        if abs(mean) > 0.1 * target:
            raise Wrong(f"the weights are not centred on 0 (their mean is {mean:.3g}): draw them from a "
                        "distribution with mean 0, such as a normal distribution centred on 0.")
        for spread, hint in _spreads(fan_in, fan_out):
            if abs(std / spread - 1) < 0.03:
                if hint is None:
                    break
                raise Wrong(hint if index == 0 else f"right for fan_in = 800, fan_out = 200, but for fan_in = "
                                                    f"{fan_in}, fan_out = {fan_out}: {hint}")
        else:
            where = "" if index == 0 else f" (right for fan_in = 800, but not for fan_in = {fan_in}: is a number fixed?)"
            raise Wrong(f"the weights' standard deviation is {std:.3g}; He's is sqrt(2 / fan_in) = {target:.3g} "
                        f"here{where}.")
    return "mean 0, variance 2 / fan_in, shape (fan_in, fan_out), drawn from the rng you are given. Well done!"


# --------------------------------------------------------------------------- sgd_epoch
#: (layer sizes, data seed, rows, batch size, learning rate): batches of 3, 3 and 1; then of 4 and 2.
CASES = [([5, 4, 10], 61, 7, 3, 0.5), ([4, 5, 3, 10], 62, 6, 4, 0.2)]


def _step(params, X, y, rows, lr, labels=None):
    grads = _backward(params, _forward(params, X[rows]), y[rows if labels is None else labels])
    return {k: params[k] - lr * grads[k] for k in params}


def _epoch(params, X, y, lr, batch_size, order, *, sign=1.0, whole=False, drop_last=False, pair=True,
           reshuffle=None, per_row=False, biases=True, draw=None, all_rows=False):
    """One epoch of mini-batch SGD along ``order``, right by default or with one classic mistake."""
    n = len(X)
    if whole:
        return _step(params, X, y, order, sign * lr)
    for i in range(0, n - batch_size + 1 if drop_last else n, batch_size):
        source = order if reshuffle is None else reshuffle()
        rows = source[i:i + batch_size] if draw is None else draw(min(batch_size, n - i))
        rows = np.arange(n) if all_rows else rows
        stepped = _step(params, X, y, rows, sign * lr / (len(rows) if per_row else 1),
                        labels=None if pair else np.arange(i, min(i + batch_size, n)))
        params = {k: stepped[k] if biases or k[0] == "W" else params[k] for k in params}
    return params


STORED_ORDER = ("you walked through the rows in their stored order: shuffle them first, with the rng you are given, "
                "a new order every epoch.")


RESHUFFLED = ("you drew a new order before every batch, so in one epoch some rows are seen twice and others never: "
              "draw one order per epoch, before the loop, and cut it into {batches} batches.")


DRAWN = ("you drew new random rows for every batch (rng.choice, rng.integers or a fresh permutation inside the loop), "
         "so in one epoch some rows are seen twice and others never: draw one order of all the rows per epoch, "
         "before the loop, and cut it into {batches} batches.")


def _orders(seed: int, n: int) -> list:
    """The orders of n rows that the usual right ways of shuffling draw from ``default_rng(seed)``."""
    return [_rng(seed).permutation(n),                     # also rng.shuffle(np.arange(n)), rng.permuted(...)
            _rng(seed).choice(n, n, replace=False),
            np.argsort(_rng(seed).random(n), kind="stable")]


def _same_params(a, b) -> bool:
    return isinstance(a, dict) and all(k in a and same(np.asarray(a[k], float), b[k], rtol=1e-6, atol=1e-9)
                                       for k in b)


def _any_order(got, params, X, y, lr, batch_size) -> bool:
    """Whether ``got`` is one epoch of mini-batch SGD for some order of the rows (every order is tried)."""
    def search(current, left):
        if not left:
            return _same_params(got, current)
        size = min(batch_size, len(left))
        return any(search(_step(current, X, y, np.array(rows), lr), [r for r in left if r not in rows])
                   for rows in itertools.combinations(left, size))
    return search(params, list(range(len(X))))


def _run(fn, params, X, y, lr, batch_size, seed):
    """The learner's epoch on copies of everything: (parameters it left, what it returned, the data it left)."""
    mine, X_given, y_given = clone(params), X.copy(), y.copy()
    returned = call(fn, mine, X_given, y_given, lr, batch_size, _rng(seed), numeric=False, copy=False)
    return mine, returned, X_given, y_given


def _paired(X, y, X_after, y_after) -> bool:
    """Whether every row the function left in X_after still has its own label in y_after."""
    for row, label in zip(X_after, y_after):
        where = np.flatnonzero((X == row).all(axis=1))
        if len(where) != 1 or y[where[0]] != label:
            return False
    return True


def _diagnose(got, returned, params, X, y, lr, batch_size, seed, X_after, y_after) -> None:
    """Raise :class:`Wrong` naming the mistake in ``got``, one epoch that is not mini-batch SGD's."""
    n = len(X)
    if _same_params(got, params):
        if isinstance(returned, dict) and not _same_params(returned, params):
            raise Wrong("it returned new parameters but left params as they were: update params in place, "
                        "params[name] -= lr * grads[name], so that the caller's network learns.")
        raise Wrong("the parameters did not change: update each one in place, params[name] -= lr * grads[name] "
                    "(W = W - ... gives a new local array and leaves params as it was).")
    if not np.array_equal(X_after, X) and not _paired(X, y, X_after, y_after):
        raise Wrong("X and y were shuffled with different orders, so the labels no longer belong to their images: "
                    "draw one order and take the same rows of both.")
    order = _rng(seed).permutation(n)
    reshuffled, after_one = _rng(seed), _rng(seed)
    after_one.permutation(n)                       # the order drawn before the loop, then a new one per batch
    stored = np.arange(n)
    batches = -(-n // batch_size)
    for mistake, hint in [
        (dict(sign=-1.0), "the parameters moved UP the gradient: subtract, params[name] -= lr * grads[name]."),
        (dict(whole=True), "that is one step for the whole epoch (full-batch gradient descent); take one step "
                           "per batch of batch_size rows."),
        (dict(drop_last=True), f"the last, shorter batch is missing ({n} rows in batches of {batch_size} make "
                               f"{' + '.join([str(batch_size)] * (n // batch_size) + [str(n % batch_size)])}): "
                               "every row belongs to one batch each epoch, the last batch holds what is left."),
        (dict(order=stored), STORED_ORDER),
        (dict(pair=False), "the labels were not shuffled with the images: take the same rows of X and y."),
        (dict(reshuffle=lambda: reshuffled.permutation(n)), RESHUFFLED.format(batches=batches)),
        (dict(reshuffle=lambda: after_one.permutation(n)), RESHUFFLED.format(batches=batches)),
        (dict(draw=lambda k, g=_rng(seed): g.choice(n, k, replace=False)), DRAWN.format(batches=batches)),
        (dict(draw=lambda k, g=_rng(seed): g.choice(n, k)), DRAWN.format(batches=batches)),
        (dict(draw=lambda k, g=_rng(seed): g.integers(0, n, k)), DRAWN.format(batches=batches)),
        (dict(draw=lambda k, g=_rng(seed): g.permutation(n)[:k]), DRAWN.format(batches=batches)),
        (dict(all_rows=True), "every step used the whole of X and y (forward(params, X)), not the batch: each step's "
                              "forward and backward passes take only that batch's rows, X[rows] and y[rows]."),
        (dict(per_row=True), "every step is batch_size times too small: the gradients of your backward pass are "
                             "already means over the batch (its 1/n), so don't divide by the batch size again."),
        (dict(biases=False), "the biases did not move: update every parameter, for name in params."),
        (dict(lr=CASES[0][4]), f"the steps used lr = {CASES[0][4]}, not the lr you are given ({lr} here): take the "
                               "learning rate from the arguments."),
        (dict(batch_size=CASES[0][3]), f"the batches held {CASES[0][3]} rows, not batch_size = {batch_size}: take "
                                       "the batch size from the arguments."),
    ]:
        settings = {"lr": lr, "batch_size": batch_size, "order": order, **mistake}
        if mistake.get("lr", lr) == lr and mistake.get("batch_size", batch_size) == batch_size and \
                ("lr" in mistake or "batch_size" in mistake):
            continue
        if _same_params(got, _epoch(params, X, y, **settings)):
            raise Wrong(hint)
    raise Wrong(f"after one epoch the parameters differ from mini-batch SGD's for any order of the {n} rows: shuffle "
                f"the row numbers once with rng, cut them into batches of batch_size (the last one shorter), and "
                f"for each batch run your forward and backward passes on those rows of X and y, then step.")


def _epoch_is_right(fn, params, X, y, lr, batch_size, seed):
    """The parameters the learner's epoch left, after checking that they are one epoch of SGD."""
    got, returned, X_after, y_after = _run(fn, params, X, y, lr, batch_size, seed)
    if any(_same_params(got, _epoch(params, X, y, lr, batch_size, order)) for order in _orders(seed, len(X))):
        return got
    if _same_params(got, _epoch(params, X, y, lr, batch_size, np.arange(len(X)))):
        raise Wrong(STORED_ORDER)
    if _any_order(got, params, X, y, lr, batch_size):
        return got
    _diagnose(got, returned, params, X, y, lr, batch_size, seed, X_after, y_after)


@checker(refuses=("mnist_scratch.train.train", "mnist_scratch.train.run_epoch", "mnist_scratch.train.batches"))
def sgd_epoch(fn):
    """``fn(params, X, y, lr, batch_size, rng)``: one epoch of mini-batch SGD, updating ``params`` in place."""
    for index, (sizes, data_seed, n, batch_size, lr) in enumerate(CASES):
        params, X, y = small_network(sizes, data_seed, n)
        try:
            first = _epoch_is_right(fn, params, X, y, lr, batch_size, 8)
        except Wrong as wrong:
            if index == 0:
                raise
            raise Wrong(f"right for the first network, but for a second one ({n} rows in batches of {batch_size}, "
                        f"lr = {lr}, two hidden layers): {wrong}") from None
        again = _run(fn, params, X, y, lr, batch_size, 8)[0]
        if not _same_params(again, first):
            raise Wrong("two calls with generators seeded alike gave different parameters: shuffle with the rng "
                        "you are given, not with np.random, so that the same seed gives the same epoch.")
        others = [_epoch_is_right(fn, params, X, y, lr, batch_size, seed) for seed in (9, 10)]
        if all(_same_params(other, first) for other in others):
            raise Wrong("generators with different seeds gave the same epoch: the order does not come from the rng "
                        "it is given (a seed or a generator of its own, or an order kept from an earlier call?). "
                        "Shuffle with rng itself, a new order every epoch.")
    return "one shuffle per epoch from your rng, every row once, one step per batch. That is SGD!"
