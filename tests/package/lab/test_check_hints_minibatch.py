"""Lesson 4's self-checks (he_init, sgd_epoch): every right way passes, every planted wrong answer gets its exact hint.

The rows join the wrong-answer table of tests/package/lab/test_check_hints.py (which collects the
WRONG_ANSWERS of every tests/package/lab/test_check_hints_*.py); RIGHT_ANSWERS join those of
tests/package/lab/test_check.py the same way. The answers are written as a learner writes them:
notebook functions that call the learner's forward and backward by name (_network_answers.py).

Besides the usual slips, the table holds the answers that fooled the checks before: weights drawn
from np.random or from a seed of one's own (the rng ignored), a He spread with fan_out or with
1/fan_in, an epoch that never shuffles, draws a new order for every batch, drops the last short
batch or shuffles with np.random; and correct in-place shuffling of the data, which the check once
refused with a misleading hint and now accepts.
"""

from __future__ import annotations

import numpy as np
import pytest

import mnist_scratch as ms
from mnist_scratch.lab import check

from _network_answers import backward, forward, he_init, sgd_epoch


def normal(std):
    """He's normal weights with another standard deviation, ``std(fan_in, fan_out)``."""
    def he(fan_in, fan_out, rng):
        return rng.normal(0.0, std(fan_in, fan_out), size=(fan_in, fan_out))
    return he


def he_np_random(fan_in, fan_out, rng):
    return np.random.normal(0.0, np.sqrt(2 / fan_in), size=(fan_in, fan_out))


def he_own_seed(fan_in, fan_out, rng):
    return np.random.default_rng(0).normal(0.0, np.sqrt(2 / fan_in), size=(fan_in, fan_out))


def he_fixed_784(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2 / 784), size=(fan_in, fan_out))


def epoch(*, sign=-1.0, whole=False, drop_last=False, shuffle=True, pair=True, reshuffle=False, per_row=False,
          biases=True, rebind=False, new_dict=False, order_from=None, lr_fixed=None, batch_fixed=None):
    """A learner's sgd_epoch with one planted mistake."""
    def sgd(params, X, y, lr, batch_size, rng):
        lr, batch_size = lr_fixed or lr, batch_fixed or batch_size
        n = len(X)
        order = order_from(n) if order_from else rng.permutation(n)
        if whole:
            Z, A = forward(params, X[order])
            grads = backward(params, Z, A, y[order])
            for name in params:
                params[name] += sign * lr * grads[name]
            return None
        for first in range(0, n - batch_size + 1 if drop_last else n, batch_size):
            if reshuffle:
                order = rng.permutation(n)
            rows = order[first:first + batch_size] if shuffle else np.arange(first, min(first + batch_size, n))
            labels = rows if pair else np.arange(first, min(first + batch_size, n))
            Z, A = forward(params, X[rows])
            grads = backward(params, Z, A, y[labels])
            if new_dict:
                params = {name: params[name] - lr * grads[name] for name in params}
                continue
            for name in params:
                if rebind:
                    W = params[name]
                    W = W - lr * grads[name]  # noqa: F841 (the mistake: a new local array)
                elif biases or name.startswith("W"):
                    params[name] += sign * lr * grads[name] / (len(rows) if per_row else 1)
        return params if new_dict else None
    return sgd


def sgd_choice_per_batch(params, X, y, lr, batch_size, rng):
    for first in range(0, len(X), batch_size):
        rows = rng.choice(len(X), size=min(batch_size, len(X) - first), replace=False)   # new rows every batch
        Z, A = forward(params, X[rows])
        grads = backward(params, Z, A, y[rows])
        for name in params:
            params[name] -= lr * grads[name]


def sgd_integers_per_batch(params, X, y, lr, batch_size, rng):
    for first in range(0, len(X), batch_size):
        rows = rng.integers(0, len(X), size=min(batch_size, len(X) - first))           # with replacement
        Z, A = forward(params, X[rows])
        grads = backward(params, Z, A, y[rows])
        for name in params:
            params[name] -= lr * grads[name]


def sgd_whole_x_each_batch(params, X, y, lr, batch_size, rng):
    order = rng.permutation(len(X))
    for first in range(0, len(X), batch_size):
        rows = order[first:first + batch_size]                                          # drawn, then not used
        Z, A = forward(params, X)
        grads = backward(params, Z, A, y)
        for name in params:
            params[name] -= lr * grads[name]
    return rows


#: A generator made once, outside the function, as np.random is (seeded, so that the test is repeatable).
GLOBAL = np.random.default_rng(2024)


def sgd_shuffles_x_and_y_apart(params, X, y, lr, batch_size, rng):
    rng.shuffle(X)                    # two draws: the labels leave their images
    rng.shuffle(y)
    for first in range(0, len(X), batch_size):
        Z, A = forward(params, X[first:first + batch_size])
        grads = backward(params, Z, A, y[first:first + batch_size])
        for name in params:
            params[name] -= lr * grads[name]


_orders = [None]


def sgd_one_order_for_ever(params, X, y, lr, batch_size, rng):      # the first order, kept in a global
    if _orders[0] is None or len(_orders[0]) != len(X):
        _orders[0] = rng.permutation(len(X))
    for first in range(0, len(X), batch_size):
        rows = _orders[0][first:first + batch_size]
        Z, A = forward(params, X[rows])
        grads = backward(params, Z, A, y[rows])
        for name in params:
            params[name] -= lr * grads[name]


def package_train(params, X, y, lr, batch_size, rng):
    sizes = [params["W1"].shape[0]] + [params[f"W{l}"].shape[1] for l in range(1, len(params) // 2 + 1)]
    model = ms.Model(sizes, params=params, dtype=params["W1"].dtype)
    ms.train(model, X, y, epochs=1, batch_size=batch_size, optimizer="sgd", lr=lr, progress=False,
             seed=int(rng.integers(1000)))


WRONG_ANSWERS = [
    ('he_init', 'transposed shape', lambda i,o,rng: rng.normal(0, np.sqrt(2/i), size=(o,i)),
     'expected shape (800, 200), that is (fan_in, fan_out): W has one row per input in this series. You '
     'returned (200, 800).'),
    ('he_init', '2 / fan_in as std', normal(lambda i,o: 2/i),
     'you used 2 / fan_in as the standard deviation, but it is the VARIANCE: take its square root, np.sqrt(2 / '
     'fan_in).'),
    ('he_init', 'sqrt(2) / fan_in as std', normal(lambda i,o: np.sqrt(2)/i),
     'that is sqrt(2) / fan_in; the VARIANCE is 2 / fan_in, so the standard deviation is the square root of the '
     'whole fraction, np.sqrt(2 / fan_in).'),
    ('he_init', 'variance 1 / fan_in', normal(lambda i,o: np.sqrt(1/i)),
     'that is variance 1 / fan_in; He doubles it to 2 / fan_in to make up for ReLU zeroing half of its inputs.'),
    ('he_init', 'variance 2 / fan_out', normal(lambda i,o: np.sqrt(2/o)),
     'that is variance 2 / fan_out; He divides by fan_in, the number of inputs each unit adds up.'),
    ('he_init', "Xavier's 2 / (fan_in + fan_out)", normal(lambda i,o: np.sqrt(2/(i+o))),
     "that is Xavier's variance, 2 / (fan_in + fan_out); He's is 2 / fan_in, the number of inputs each unit "
     'adds up.'),
    ('he_init', 'variance 1 / fan_out', normal(lambda i,o: np.sqrt(1/o)),
     "that is variance 1 / fan_out; He's is 2 / fan_in, the number of inputs each unit adds up."),
    ('he_init', 'np.random instead of rng', he_np_random,
     'two calls with generators seeded alike gave different weights: draw from the rng you are given '
     '(rng.normal(...)), not from np.random, so that the same seed gives the same network.'),
    ('he_init', 'a generator of its own, seed 0', he_own_seed,
     'generators with different seeds gave the same weights: the function ignores the rng it is given (a seed '
     "or a generator of its own?). Draw from rng itself, so that the caller's seed decides the network."),
    ('he_init', 'rng.random (uniform in [0, 1))', lambda i,o,rng: rng.random((i,o))*np.sqrt(2/i),
     'the weights are not centred on 0 (their mean is 0.025): draw them from a distribution with mean 0, such '
     'as a normal distribution centred on 0.'),
    ('he_init', 'fan_in fixed at 784', he_fixed_784,
     "the weights' standard deviation is 0.0503; He's is sqrt(2 / fan_in) = 0.2 here (right for fan_in = 800, "
     'but not for fan_in = 50: is a number fixed?).'),
    ('he_init', 'std 0.01 (the naive weights)', normal(lambda i,o: 0.01),
     "that is the naive N(0, 0.01^2) of the lesson's first experiment, whose signal dies out; He's standard "
     'deviation depends on the layer: sqrt(2 / fan_in).'),
    ('sgd_epoch', 'params[name] += lr * grads[name]', epoch(sign=1.0),
     'the parameters moved UP the gradient: subtract, params[name] -= lr * grads[name].'),
    ('sgd_epoch', 'one full-batch step', epoch(whole=True),
     'that is one step for the whole epoch (full-batch gradient descent); take one step per batch of batch_size '
     'rows.'),
    ('sgd_epoch', 'drops the last short batch', epoch(drop_last=True),
     'the last, shorter batch is missing (7 rows in batches of 3 make 3 + 3 + 1): every row belongs to one '
     'batch each epoch, the last batch holds what is left.'),
    ('sgd_epoch', 'never shuffles', epoch(shuffle=False),
     'you walked through the rows in their stored order: shuffle them first, with the rng you are given, a new '
     'order every epoch.'),
    ('sgd_epoch', 'labels not shuffled with X', epoch(pair=False),
     'the labels were not shuffled with the images: take the same rows of X and y.'),
    ('sgd_epoch', 'a new order before every batch', epoch(reshuffle=True),
     'you drew a new order before every batch, so in one epoch some rows are seen twice and others never: draw '
     'one order per epoch, before the loop, and cut it into 3 batches.'),
    ('sgd_epoch', 'divides by the batch size again', epoch(per_row=True),
     'every step is batch_size times too small: the gradients of your backward pass are already means over the '
     "batch (its 1/n), so don't divide by the batch size again."),
    ('sgd_epoch', 'the biases never move', epoch(biases=False),
     'the biases did not move: update every parameter, for name in params.'),
    ('sgd_epoch', 'W = W - lr * dW (rebinds a local)', epoch(rebind=True),
     'the parameters did not change: update each one in place, params[name] -= lr * grads[name] (W = W - ... '
     'gives a new local array and leaves params as it was).'),
    ('sgd_epoch', 'returns new parameters', epoch(new_dict=True),
     'it returned new parameters but left params as they were: update params in place, params[name] -= lr * '
     "grads[name], so that the caller's network learns."),
    ('sgd_epoch', 'a global generator (np.random)', epoch(order_from=GLOBAL.permutation),
     'two calls with generators seeded alike gave different parameters: shuffle with the rng you are given, not '
     'with np.random, so that the same seed gives the same epoch.'),
    ('sgd_epoch', 'a generator of its own, seed 0', epoch(order_from=lambda n: np.random.default_rng(0).permutation(n)),
     'generators with different seeds gave the same epoch: the order does not come from the rng it is given (a '
     'seed or a generator of its own, or an order kept from an earlier call?). Shuffle with rng itself, a new '
     'order every epoch.'),
    ('sgd_epoch', 'X and y shuffled apart, in place', sgd_shuffles_x_and_y_apart,
     'X and y were shuffled with different orders, so the labels no longer belong to their images: draw one '
     'order and take the same rows of both.'),
    ('sgd_epoch', 'the first order kept in a global', sgd_one_order_for_ever,
     'generators with different seeds gave the same epoch: the order does not come from the rng it is given (a '
     'seed or a generator of its own, or an order kept from an earlier call?). Shuffle with rng itself, a new '
     'order every epoch.'),
    ('sgd_epoch', 'lr fixed at 0.5', epoch(lr_fixed=0.5),
     'right for the first network, but for a second one (6 rows in batches of 4, lr = 0.2, two hidden layers): '
     'the steps used lr = 0.5, not the lr you are given (0.2 here): take the learning rate from the arguments.'),
    ('sgd_epoch', 'batches of 3 always', epoch(batch_fixed=3),
     'right for the first network, but for a second one (6 rows in batches of 4, lr = 0.2, two hidden layers): '
     'the batches held 3 rows, not batch_size = 4: take the batch size from the arguments.'),
    ('sgd_epoch', 'new random rows each batch (rng.choice)', sgd_choice_per_batch,
     'you drew new random rows for every batch (rng.choice, rng.integers or a fresh permutation inside the'
     ' loop), so in one epoch some rows are seen twice and others never: draw one order of all the rows '
     'per epoch, before the loop, and cut it into 3 batches.'),
    ('sgd_epoch', 'rows with replacement each batch', sgd_integers_per_batch,
     'you drew new random rows for every batch (rng.choice, rng.integers or a fresh permutation inside the'
     ' loop), so in one epoch some rows are seen twice and others never: draw one order of all the rows '
     'per epoch, before the loop, and cut it into 3 batches.'),
    ('sgd_epoch', 'the whole X in every step', sgd_whole_x_each_batch,
     "every step used the whole of X and y (forward(params, X)), not the batch: each step's forward and "
     "backward passes take only that batch's rows, X[rows] and y[rows]."),
    ('sgd_epoch', 'calls ms.train', package_train,
     "your sgd_epoch calls the package's own train.train while the check runs: that is the package's answer, "
     "not yours. Write it yourself with NumPy; the lesson compares it with the package's afterwards."),
]


def sgd_in_place(params, X, y, lr, batch_size, rng):
    """Shuffles the data itself, in place, the same way for X and y (the issue's refused right answer)."""
    order = rng.permutation(len(X))
    X[:], y[:] = X[order], y[order]
    for first in range(0, len(X), batch_size):
        Z, A = forward(params, X[first:first + batch_size])
        grads = backward(params, Z, A, y[first:first + batch_size])
        for name in params:
            params[name] -= lr * grads[name]


def sgd_shuffle_index(params, X, y, lr, batch_size, rng):
    index = np.arange(len(X))
    rng.shuffle(index)
    for rows in np.array_split(index, range(batch_size, len(X), batch_size)):
        Z, A = forward(params, X[rows])
        grads = backward(params, Z, A, y[rows])
        for name in params:
            params[name] = params[name] - lr * grads[name]


def sgd_choice(params, X, y, lr, batch_size, rng):
    order = rng.choice(len(X), size=len(X), replace=False)
    X, y = X[order], y[order]
    for first in range(0, len(X), batch_size):
        Xb, yb = X[first:first + batch_size], y[first:first + batch_size]
        Z, A = forward(params, Xb)
        grads = backward(params, Z, A, yb)
        for name, g in grads.items():
            params[name] -= lr * g


def sgd_argsort_twice(params, X, y, lr, batch_size, rng):
    """A shuffle none of the usual calls draws: the check tries every order of the few rows."""
    rng.random()
    order = np.argsort(rng.random(len(X)))[::-1]
    for first in range(0, len(X), batch_size):
        rows = order[first:first + batch_size]
        Z, A = forward(params, X[rows])
        grads = backward(params, Z, A, y[rows])
        for name in params:
            params[name] -= lr * grads[name]


def sgd_joint_shuffle(params, X, y, lr, batch_size, rng):
    data = np.column_stack([X, y])
    rng.shuffle(data)                          # rows shuffled in place, images and labels together
    for first in range(0, len(data), batch_size):
        batch = data[first:first + batch_size]
        Z, A = forward(params, batch[:, :-1])
        grads = backward(params, Z, A, batch[:, -1].astype(int))
        for name in params:
            params[name] -= lr * grads[name]


RIGHT_ANSWERS = {
    "he_init": [he_init, lambda i, o, rng: rng.standard_normal((i, o)) * np.sqrt(2 / i),
                lambda i, o, rng: rng.uniform(-np.sqrt(6 / i), np.sqrt(6 / i), (i, o)),
                lambda i, o, rng: (rng.normal(size=(i, o)) * np.sqrt(2 / i)).astype(np.float32),
                lambda i, o, rng: np.random.default_rng(rng.integers(2 ** 32)).normal(0, (2 / i) ** 0.5, (i, o))],
    "sgd_epoch": [sgd_epoch, sgd_in_place, sgd_shuffle_index, sgd_choice, sgd_argsort_twice, sgd_joint_shuffle],
}


@pytest.mark.parametrize("name,index", [(n, i) for n, fns in RIGHT_ANSWERS.items() for i in range(len(fns))])
def test_every_right_answer_passes(capsys, name, index):
    assert check.hint_of(check.CHECKS[name], RIGHT_ANSWERS[name][index]) is None
    assert check.CHECKS[name](RIGHT_ANSWERS[name][index]) is None
    assert capsys.readouterr().out.startswith(f"✅ {name}: ")
