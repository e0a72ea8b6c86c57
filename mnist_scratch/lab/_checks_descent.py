"""Self-checks for lesson 3: the full-batch gradient-descent loop, predictions, accuracy.

``gradient_descent`` runs on a network with two hidden layers and is then called
again, with another learning rate and number of iterations, on the parameters the
first call left: a loop that ignores its arguments, or keeps something between
calls, shows. ``predict`` and ``accuracy`` are tried on more than one input, with
fractions that are not round.
"""

from __future__ import annotations

import numpy as np

from ..losses import cross_entropy as _cross_entropy
from ..network import backward as _backward
from ..network import forward as _forward
from ._checking import Wrong, as_number, call, checker, clone, differs_by, same, rng as _rng
from ._checks_network import small_network

__all__ = ["gradient_descent", "predict", "accuracy"]


def _descent(params, X, y, lr, iterations, *, sign=-1.0, biases=True, after=False):
    """Full-batch gradient descent, right by default or with one classic mistake; (params, costs)."""
    params, costs = clone(params), []
    for _ in range(iterations):
        cache = _forward(params, X)
        if not after:
            costs.append(_cross_entropy(cache.Z[-1], y))
        grads = _backward(params, cache, y)
        for k in params:
            if biases or k[0] == "W":
                params[k] = params[k] + sign * lr * grads[k]
        if after:
            costs.append(_cross_entropy(_forward(params, X).Z[-1], y))
    return params, costs


def _same_params(a, b, rtol=1e-6, atol=1e-9) -> bool:
    return isinstance(a, dict) and all(k in a and same(np.asarray(a[k], float), b[k], rtol=rtol, atol=atol)
                                       for k in b)


def _costs(returned, expected_costs, expected_after, iterations):
    if returned is None:
        raise Wrong("it returned None: return the list of costs, one per iteration (the cost of the forward "
                    "pass the iteration starts with).")
    if isinstance(returned, (list, tuple)):
        try:
            costs = np.array([float(np.asarray(cost).reshape(())) for cost in returned])
        except (TypeError, ValueError):
            raise Wrong(f"return a list of numbers, one cost per iteration, not of "
                        f"{', '.join(sorted({type(c).__name__ for c in returned}))}.") from None
    else:
        costs = call(lambda v: v, returned)
    if costs.ndim != 1:
        raise Wrong(f"return a list with one cost per iteration ({iterations} here), not an array of shape "
                    f"{costs.shape}.")
    if len(costs) != iterations:
        raise Wrong(f"return one cost per iteration: {iterations} here, not {len(costs)}.")
    if same(costs, expected_after, rtol=1e-6) and not same(costs, expected_costs, rtol=1e-6):
        raise Wrong("those are the costs after each update; record the cost of the forward pass each iteration "
                    "starts with, before the update.")
    if not same(costs, expected_costs, rtol=1e-6):
        raise Wrong(f"the costs differ from the mean cross-entropy of each iteration's forward pass "
                    f"{differs_by(costs, expected_costs)}.")


@checker(refuses=("mnist_scratch.train.train", "mnist_scratch.train.run_epoch"))
def gradient_descent(fn):
    """``fn(params, X, y, lr, iterations)``: full-batch gradient descent on ``params`` in place; the costs."""
    params, X, y = small_network([5, 4, 3, 10], 61, 12)
    lr, iterations = 0.5, 3
    mine, X_given, y_given = clone(params), X.copy(), y.copy()
    returned = call(fn, mine, X_given, y_given, lr, iterations, numeric=False, copy=False)
    if not (np.array_equal(X_given, X) and np.array_equal(y_given, y)):
        raise Wrong("it changed X or y; training reads the data and changes only the parameters.")
    right, right_costs = _descent(params, X, y, lr, iterations)
    if not _same_params(mine, right):
        if isinstance(returned, dict) and _same_params(returned, right):
            raise Wrong("it returned new parameters but left params as they were: change the arrays inside params "
                        "itself (an in-place update, θ ← θ - lr ∇θ), so that the caller's network learns.")
        if _same_params(mine, params):
            raise Wrong("the parameters did not change: update each one in place, θ ← θ - lr ∇θ on the array "
                        "params holds (W = W - ... gives a new local array and leaves params as it was).")
        for mistake, hint in [
            (dict(sign=1.0), "the parameters moved UP the gradient: subtract lr times the gradient."),
            (dict(biases=False), "the biases did not move: update every parameter, for name in params."),
        ]:
            if _same_params(mine, _descent(params, X, y, lr, iterations, **mistake)[0]):
                raise Wrong(hint)
        for fixed in (0.35, 0.1, 0.01, 0.05, 0.001, 1.0):
            if _same_params(mine, _descent(params, X, y, fixed, iterations)[0]):
                raise Wrong(f"the parameters moved as if lr were {fixed:g}, not the {lr:g} it was given: use the "
                            "argument lr, not a number of your own.")
        for count in (iterations - 1, iterations + 1, 1):
            if _same_params(mine, _descent(params, X, y, lr, count)[0]):
                raise Wrong(f"the parameters took {count} step{'s' * (count != 1)}, not {iterations}: one update "
                            "per iteration, exactly `iterations` of them.")
        raise Wrong(f"after {iterations} iterations the parameters differ from gradient descent's: in each "
                    "iteration, one forward and one backward pass on all of X, then every parameter moves by "
                    "-lr times its gradient.")
    _costs(returned, right_costs, _descent(params, X, y, lr, iterations, after=True)[1], iterations)
    again, again_costs = _descent(right, X, y, 0.1, 2)
    returned = call(fn, mine, X.copy(), y.copy(), 0.1, 2, numeric=False, copy=False)
    if not _same_params(mine, again) or returned is None or len(np.asarray(returned)) != 2:
        raise Wrong("right for the first call, but not for a second one with lr = 0.1 and 2 iterations, on the "
                    "parameters the first left: use the lr and the number of iterations you are given, and "
                    "nothing remembered from an earlier call.")
    _larger_float32(fn)
    return "one full-batch step per iteration, the cost before each. That is gradient descent!"


def _larger_float32(fn) -> None:
    """A float32 network on 203 rows: all of X every iteration (no fixed slice), and float32 kept."""
    params, X, y = small_network([5, 4, 3, 10], 62, 203)
    params, X = {k: v.astype(np.float32) for k, v in params.items()}, X.astype(np.float32)
    mine = clone(params)
    call(fn, mine, X.copy(), y.copy(), 0.5, 3, numeric=False, copy=False)
    kinds = sorted({str(np.asarray(v).dtype) for v in mine.values()} - {"float32"}) if isinstance(mine, dict) else []
    if kinds:
        raise Wrong(f"right values, but a float32 network came out {', '.join(kinds)}: the update mixed in a "
                    f"{kinds[0]} number or array, and the network silently changed type (twice the memory and the "
                    "time). Keep every parameter's dtype: update it in place, with gradients of its own dtype.")
    right = _descent(params, X, y, 0.5, 3)[0]
    if not _same_params(mine, right, rtol=1e-4, atol=1e-6):
        raise Wrong(f"right on 12 rows, but not on a set of {len(X)}: every iteration uses ALL of X "
                    "(full-batch), not a fixed slice or a number of rows written in the code.")


@checker(refuses=("mnist_scratch.interface.Network.predict", "mnist_scratch.interface.Network.predict_proba"))
def predict(fn):
    """``fn(params, X)``: the predicted class of every row."""
    for sizes, seed, n in [([6, 5, 4], 71, 7), ([5, 4, 3, 10], 72, 9)]:
        params, X, _ = small_network(sizes, seed, n)
        K = sizes[-1]
        cache = _forward(params, X)
        scores = cache.A[-1]
        got = call(fn, params, X, numeric=False)
        if isinstance(got, list):
            raise Wrong("it returned a Python list; return the labels as a NumPy array, one per row (argmax gives "
                        "one already).")
        got = call(lambda: got)
        if got.shape == (n,) and same(got, scores.max(axis=1)) and not same(got, scores.argmax(axis=1)):
            raise Wrong("those are the largest probabilities, the confidence of each prediction; the prediction is "
                        "the CLASS where that maximum sits: argmax, not max.")
        if got.shape == ():
            raise Wrong("argmax without an axis gives one index into the flattened array; one label per row needs "
                        "the argmax across the classes, axis=1.")
        if got.shape == (K,) and same(got, scores.argmax(axis=0)):
            raise Wrong(f"one label per ROW: take the argmax along axis=1 (across the classes), which gives shape "
                        f"({n},).")
        if got.shape == scores.shape:
            raise Wrong(f"that is the probabilities, one row of {K} per sample; the prediction is the index of the "
                        "largest one in each row.")
        if got.shape != (n,):
            raise Wrong(f"expected one label per row, shape ({n},), got {got.shape}.")
        if same(got, scores.argmin(axis=1)):
            raise Wrong("argmin picks the LEAST likely class; the prediction is the most likely: argmax.")
        if same(got, cache.A[1].argmax(axis=1)):
            raise Wrong("that is the first hidden layer's output; predict from the last layer's, A[-1].")
        if not same(got, scores.argmax(axis=1)):
            raise Wrong("some predictions differ from the most probable class of each row.")
    return "the most probable class of every row. Correct!"


@checker(refuses=("mnist_scratch.evaluate.accuracy",))
def accuracy(fn):
    """``fn(y_true, y_pred)``: the fraction of correct predictions."""
    y_true, y_pred = np.array([1, 2, 3, 4, 5, 6, 7]), np.array([1, 0, 3, 0, 0, 6, 0])   # 3 of 7 right
    got = call(fn, y_true, y_pred)
    if got.shape == (7,):
        raise Wrong("expected one number, got an array of shape (7,): turn the matches into one fraction.")
    value = as_number(got)
    for wrong_value, hint in [(4 / 7, "that is the error rate (the fraction WRONG); accuracy is the fraction right."),
                              (3, "that is the number of correct predictions; divide by how many there are."),
                              (300 / 7, "that is a percentage; return a fraction between 0 and 1.")]:
        if np.isclose(value, wrong_value):
            raise Wrong(hint)
    if value == 0:
        raise Wrong("it gave 0 for 3 right out of 7: integer division (// or int()) rounds the fraction down. "
                    "Divide with /.")
    if not np.isclose(value, 3 / 7) and value > 0 and np.isclose(3 / value, round(3 / value)):
        raise Wrong(f"that is 3 right divided by {round(3 / value)}, a fixed number; divide by how many "
                    "predictions there are, len(y_true).")
    if not np.isclose(value, 3 / 7) and any(np.isclose(value, round(3 / 7, d)) for d in (1, 2, 3)):
        raise Wrong(f"expected 3/7 = {3 / 7:.6f}, got {value:g}: don't round the fraction.")
    if not np.isclose(value, 3 / 7):
        raise Wrong(f"expected 3/7 = {3 / 7:.6f} for 3 right out of 7, got {value:g}.")
    for t, p, right in [(np.zeros(3, int), np.zeros(3, int), 1.0), (np.array([0, 0, 1, 1]), np.array([1, 1, 0, 0]), 0.0),
                        (np.arange(9), np.array([0, 1, 2, 3, 4, 5, 6, 0, 0]), 7 / 9)]:
        value = as_number(call(fn, t, p))
        if not np.isclose(value, right) and np.isclose(value, len(set(t) & set(p)) / len(t)):
            raise Wrong("that counts the labels that occur in both, as sets; accuracy compares position by "
                        "position: prediction i against true label i.")
        if not np.isclose(value, right):
            raise Wrong(f"right for the first input, but {len(t)} predictions with {round(right * len(t))} right "
                        f"should give {right:g}, not {value:g}.")
    t = _rng(73).integers(0, 10, size=60)
    p = np.where(_rng(74).random(60) < 0.7, t, (t + 1) % 10)
    right, value = float(np.mean(t == p)), as_number(call(fn, t, p))
    if not np.isclose(value, right):
        raise Wrong(f"right for the inputs above, but 60 predictions with {int(np.sum(t == p))} right should give "
                    f"{right:g}, not {value:g}.")
    return "the fraction of predictions that match. Correct!"
