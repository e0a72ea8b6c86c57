"""Self-checks for lessons 1-3: pixels, labels, activations, softmax, cross-entropy, backprop, accuracy.

Each check feeds inputs chosen to tell the common wrong answers apart (zeros
for ReLU', rows of very different scale for softmax, non-square shapes
everywhere) and names the mistake it recognises.
"""

from __future__ import annotations

import numpy as np

from ..activations import relu as _relu
from ..activations import softmax as _softmax
from ..losses import cross_entropy as _cross_entropy
from ..network import backward as _backward
from ..network import forward as _forward
from ._checking import Wrong, as_number, call, checker, differs_by, same

__all__ = ["scale_pixels", "mean_digit", "one_hot", "relu", "relu_prime", "softmax", "cross_entropy",
           "backward", "predict", "accuracy"]

_rng = np.random.default_rng


# --------------------------------------------------------------------------- lesson 1
@checker
def scale_pixels(fn):
    """``fn(raw)``: uint8 pixels 0-255 to float32 in [0, 1]."""
    raw = _rng(1).integers(0, 201, size=(3, 784)).astype(np.uint8)  # this batch's brightest pixel is 200
    got = call(fn, raw, shape=raw.shape)
    if not np.issubdtype(got.dtype, np.floating):
        raise Wrong(f"the result holds whole numbers ({got.dtype}): pixels in [0, 1] need a float type. "
                    "Divide with / (not //), e.g. raw.astype(np.float32) / 255.")
    expected = raw / 255
    if not same(got, expected) and same(got, raw / raw.max()):
        raise Wrong("you divided by this batch's brightest pixel; divide by 255, the largest value a pixel "
                    "can have, so that every batch is scaled the same way.")
    if same(got, raw / 256):
        raise Wrong("divide by 255, not 256: a white pixel (255) must become exactly 1.")
    if same(got, 1 - expected):
        raise Wrong("black and white are swapped: 0 (background) must stay 0 and 255 must become 1.")
    if not same(got, expected):
        raise Wrong(f"the values differ from raw / 255 {differs_by(got, expected)}.")
    if got.dtype == np.float64:
        raise Wrong("right values, but in float64, which takes twice the memory of float32 (376 MB instead "
                    "of 188 MB for the 60,000 training images). Convert first: raw.astype(np.float32) / 255.")
    if got.dtype != np.float32:
        raise Wrong(f"right values, but in {got.dtype}; this series keeps pixels in float32.")
    return "float32 in [0, 1], 255 becomes 1. Well done!"


@checker
def mean_digit(fn):
    """``fn(X, y, k)``: the average image of class k, shape (784,)."""
    X = _rng(2).random((9, 784)).astype(np.float32)
    y = np.array([0, 1, 2, 0, 1, 2, 0, 0, 1])
    got = call(fn, X, y, 1)
    expected = X[y == 1].mean(axis=0)
    if got.shape == ():
        raise Wrong("expected one mean per pixel, shape (784,), got a single number: average over the "
                    "images (axis=0), not over everything.")
    if got.shape == (3,):
        raise Wrong("you averaged each image's pixels (axis=1); average over the images instead, axis=0, "
                    "to get one value per pixel.")
    if got.shape != (784,):
        raise Wrong(f"expected shape (784,), one mean per pixel, got {got.shape}.")
    if same(got, X.mean(axis=0)):
        raise Wrong("that is the average of ALL images; keep only the rows whose label is k: X[y == k].")
    if same(got, X[1]):
        raise Wrong("that is image number k; select the images whose LABEL is k: X[y == k].")
    if same(got, X[y == 1].sum(axis=0)):
        raise Wrong("that is the sum over the images; divide by how many there are (or use .mean(axis=0)).")
    if not same(got, expected):
        raise Wrong(f"the values differ from the average of the images labelled k {differs_by(got, expected)}.")
    return "one mean per pixel, over the images of class k. Correct!"


@checker
def one_hot(fn):
    """``fn(y)``: one-hot rows of shape (n, 10)."""
    y = np.array([3, 0, 7, 3, 1])  # no 8 or 9 here, and n = 5 is not 10
    got = call(fn, y)
    expected = np.eye(10)[y]
    if got.shape == (10, len(y)):
        raise Wrong("shape (10, 5) has one COLUMN per sample; in this series samples are rows: (n, 10).")
    if got.ndim == 2 and got.shape[0] == len(y) and got.shape[1] != 10:
        raise Wrong(f"expected 10 columns, one per digit, even when some digits are missing from y; "
                    f"got {got.shape[1]}.")
    if got.shape != expected.shape:
        raise Wrong(f"expected shape (5, 10), one row per label, got {got.shape}.")
    if np.any(got.sum(axis=1) != 1):
        raise Wrong("each row must hold exactly one 1, in column y[i]: Y[np.arange(n), y] = 1 "
                    "(Y[:, y] = 1 would fill whole columns).")
    if not same(got, expected):
        raise Wrong("the 1s are in the wrong columns: row i needs its 1 in column y[i].")
    return "one row per label, a single 1 in each. Correct!"


# --------------------------------------------------------------------------- lesson 2
@checker
def relu(fn):
    """``fn(Z)``: max(0, z) element-wise."""
    Z = np.array([[-2.0, -0.5, 0.0, 0.5], [3.0, -1e-9, 7.0, -4.0]])
    got = call(fn, Z)
    if got.shape == (4,) and same(got, Z.max(axis=0)):
        raise Wrong("np.max(Z, 0) takes the largest value down each column; the element-wise maximum "
                    "is np.maximum(Z, 0).")
    if got.shape != Z.shape:
        raise Wrong(f"expected shape {Z.shape}, the same as Z, got {got.shape}.")
    if same(got, np.abs(Z)):
        raise Wrong("negative inputs should become 0, not their absolute value.")
    if same(got, Z > 0):
        raise Wrong("that is ReLU's slope (0 or 1); ReLU itself passes positive values through unchanged.")
    if not same(got, _relu(Z)):
        raise Wrong(f"the values differ from max(0, z) {differs_by(got, _relu(Z))}.")
    return "max(0, z) on every element. Well done!"


@checker
def relu_prime(fn):
    """``fn(Z)``: 1 where z > 0, else 0 (including z = 0)."""
    Z = np.array([[-2.0, 0.0, 0.5], [0.0, 3.0, -1e-9]])
    got = call(fn, Z, shape=Z.shape)
    if same(got, Z >= 0):
        raise Wrong("at z = 0 the slope must be 0: ReLU has a corner there, and this series takes 0 "
                    "(as PyTorch does). Use Z > 0, not Z >= 0.")
    if same(got, _relu(Z)):
        raise Wrong("that is ReLU itself; its slope is 1 for z > 0 and 0 otherwise.")
    if same(got, np.sign(Z)):
        raise Wrong("negative inputs must give slope 0, not -1 (that is np.sign).")
    if not same(got, Z > 0):
        raise Wrong(f"the values differ from the slope (1 where z > 0, else 0) {differs_by(got, Z > 0)}.")
    return "slope 1 where z > 0, 0 elsewhere, and 0 at the corner. Correct!"


@checker
def softmax(fn):
    """``fn(Z)``: row-wise softmax, stable for scores of 1000 and rows of very different scale."""
    Z = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0], [-2.0, 5.0, 1.0, 0.5]])
    got = call(fn, Z, shape=Z.shape)
    E = np.exp(Z)
    if np.allclose(got.sum(axis=0), 1) and not np.allclose(got.sum(axis=1), 1):
        raise Wrong("each column sums to 1, but in this series each ROW is a sample: "
                    "sum with axis=1, keepdims=True.")
    if same(got, E / E.sum()):
        raise Wrong("you divided by the sum over the whole array; divide each row by its own sum "
                    "(axis=1, keepdims=True).")
    by_column = np.exp(Z - Z.max(axis=0))
    if same(got, by_column / by_column.sum(axis=1, keepdims=True)):
        raise Wrong("you subtracted each COLUMN's maximum (axis=0), which changes the answer; subtract "
                    "each ROW's maximum: Z.max(axis=1, keepdims=True).")
    if not same(got, _softmax(Z)):
        raise Wrong(f"the values differ from the softmax of each row {differs_by(got, _softmax(Z))}.")
    wide = np.array([[1000.0, 999.0, 990.0], [1.0, 2.0, 3.0], [-1000.0, -1001.0, -1010.0]])
    got = call(fn, wide, shape=wide.shape, warn=False)
    right_rows = [same(got[i], _softmax(wide[i])) for i in range(3)]
    if right_rows == [True, False, False]:
        raise Wrong("you subtracted the maximum of the whole array: with rows of very different scale, "
                    "e^(z - max) underflows to 0 for a whole row and gives 0/0 = NaN. Subtract each ROW's "
                    "own maximum (axis=1, keepdims=True).")
    if not all(right_rows):
        raise Wrong("right for small scores, but a score of 1000 overflows exp() (inf / inf = NaN). Subtract "
                    "each row's maximum before exponentiating: it changes nothing else.")
    return "rows sum to 1, and it is stable for a logit of 1000. Excellent!"


@checker
def cross_entropy(fn):
    """``fn(Z, y)``: mean cross-entropy of softmax(Z) against integer labels y, stable."""
    Z = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 0.0], [1.0, -1.0, 3.0]])
    y = np.array([0, 1, 2, 0])
    got = call(fn, Z, y)
    if got.shape == (4,):
        raise Wrong("expected one number, the MEAN over the 4 samples, got one loss per sample, shape (4,).")
    value = as_number(got, "one number (the mean over the samples)")
    expected = _cross_entropy(Z, y)
    for factor, hint in [(len(y), "that is the sum over samples; take the mean (divide by n)."),
                         (-1, "the sign is flipped: the loss is MINUS the log-probability of the true class."),
                         (1 / Z.shape[1], "you averaged over every entry of the (n, K) array, which divides by "
                                          "the number of classes too: sum over the classes, then average over "
                                          "the n samples."),
                         (1 / np.log(10), "you used log10; cross-entropy uses the natural log, np.log.")]:
        if np.isclose(value, expected * factor, rtol=1e-6):
            raise Wrong(hint)
    if not np.isclose(value, expected, rtol=1e-6):
        raise Wrong(f"expected {expected:.6f} for these scores, got {value:.6f}.")
    big = call(fn, np.array([[1000.0, 0.0]]), np.array([1]), warn=False)
    if big.size != 1 or not np.isclose(float(big.reshape(-1)[0]), 1000.0):
        raise Wrong("right for ordinary scores, but a logit of 1000 gives inf or NaN instead of 1000: "
                    "softmax(z)_y underflows to 0 and log(0) = -inf. Compute log softmax directly, "
                    "as logsumexp(z) - z_y with each row's maximum subtracted inside the log-sum-exp.")
    return "the mean of -log softmax(z)_y, stable for huge logits. Great!"


def _toy_network():
    """Non-square shapes everywhere, and a zero row that makes some Z1 exactly 0."""
    rng = _rng(3)
    params = {"W1": rng.normal(size=(3, 4)), "b1": np.array([0.1, 0.0, -0.2, 0.0]),
              "W2": rng.normal(size=(4, 2)), "b2": np.array([0.05, -0.05])}
    X = rng.normal(size=(5, 3))
    X[2] = 0.0
    Y = np.eye(2)[[0, 1, 1, 0, 1]]
    return params, X, Y


@checker
def backward(fn):
    """``fn(params, X, Y)``: the gradients of the toy 2-layer ReLU/softmax network."""
    params, X, Y = _toy_network()
    result = call(fn, params, X, Y, numeric=False)
    if not isinstance(result, dict):
        raise Wrong(f"return a dict {{'W1': dW1, 'b1': db1, 'W2': dW2, 'b2': db2}}, not {type(result).__name__}.")
    missing = [k for k in params if k not in result]
    if missing:
        raise Wrong(f"the result needs the keys 'W1', 'b1', 'W2', 'b2'; missing: {', '.join(missing)}.")
    got = {k: call(lambda v: v, result[k]) for k in params}
    for k in ["W2", "b2", "W1", "b1"]:
        if got[k].shape != params[k].shape:
            fix = (f"d{k} = {'X' if k == 'W1' else 'A1'}.T @ dZ{k[1]}" if k[0] == "W" else
                   f"sum dZ{k[1]} over the rows, axis=0: one value per unit")
            raise Wrong(f"grads['{k}'] has shape {got[k].shape} but {k} has shape {params[k].shape}: every "
                        f"gradient has the shape of its parameter ({fix}).")
    expected = _backward(params, _forward(params, X), Y)
    wrong = [k for k in params if not same(got[k], expected[k])]
    if not wrong:
        return "dZ2, dW2, db2, dA1, dZ1, dW1, db1: every gradient matches backward(). Backprop, by hand!"
    n = len(X)
    if all(same(got[k], n * expected[k]) for k in params):
        raise Wrong(f"every gradient is n = {n} times too large: the cost is the MEAN over the batch, "
                    "so dZ2 = (A2 - Y) / n.")
    if all(same(got[k], -expected[k]) for k in params):
        raise Wrong("every gradient has the wrong sign: dZ2 = (A2 - Y) / n, prediction minus target.")
    if set(wrong) == {"b1", "b2"} and all(same(got[k], expected[k] / n) for k in wrong):
        raise Wrong(f"db1 and db2 are n = {n} times too small: dZ already holds the 1/n, so SUM it over "
                    "the rows; don't average again.")
    if set(wrong) == {"b1"}:
        raise Wrong("only db1 is off, and only through the sample whose Z1 is exactly 0: ReLU'(0) is 0 "
                    "in this series, so use Z1 > 0, not Z1 >= 0.")
    if "W2" not in wrong and "b2" not in wrong:
        raise Wrong("dW2 and db2 are right, but dW1 and db1 are not: between them come dA1 = dZ2 @ W2.T "
                    "and the ReLU's slope, dZ1 = dA1 * (Z1 > 0).")
    raise Wrong(f"{', '.join(f'grads[{k!r}]' for k in wrong)} differ from backward(): start from "
                "dZ2 = (A2 - Y) / n and follow the table line by line.")


# --------------------------------------------------------------------------- lesson 3
@checker
def predict(fn):
    """``fn(params, X)``: the predicted class of every row."""
    from ..network import init_params

    params = init_params([6, 5, 4], seed=4, dtype=np.float64)
    X = _rng(5).normal(size=(7, 6))
    cache = _forward(params, X)
    scores = cache.A[-1]
    got = call(fn, params, X)
    if got.shape == ():
        raise Wrong("argmax without an axis gives one index into the flattened array; use axis=1, one "
                    "label per row.")
    if got.shape == (4,) and same(got, scores.argmax(axis=0)):
        raise Wrong("one label per ROW: take argmax along axis=1 (across the classes), which gives shape (7,).")
    if got.shape == scores.shape:
        raise Wrong("that is the probabilities, one row of 4 per sample; the prediction is the index of the "
                    "largest: .argmax(axis=1).")
    if got.shape != (7,):
        raise Wrong(f"expected one label per row, shape (7,), got {got.shape}.")
    if same(got, scores.argmin(axis=1)):
        raise Wrong("argmin picks the LEAST likely class; the prediction is the most likely: argmax.")
    if same(got, cache.A[1].argmax(axis=1)):
        raise Wrong("that is the hidden layer's output; predict from the last layer, cache.A[-1].")
    if not same(got, scores.argmax(axis=1)):
        raise Wrong("some predictions differ from the most probable class of each row.")
    return "the most probable class of every row. Correct!"


@checker
def accuracy(fn):
    """``fn(y_true, y_pred)``: the fraction of correct predictions."""
    y_true, y_pred = np.array([1, 2, 3, 4, 5]), np.array([1, 0, 3, 0, 0])
    got = call(fn, y_true, y_pred)
    if got.shape == (5,):
        raise Wrong("expected one number, got an array of shape (5,): np.mean(y_true == y_pred) turns the "
                    "matches into one fraction.")
    value = as_number(got)
    for wrong_value, hint in [(0.6, "that is the error rate (the fraction WRONG); accuracy is the fraction right."),
                              (2, "that is the number of correct predictions; divide by how many there are."),
                              (40, "that is a percentage; return a fraction between 0 and 1.")]:
        if np.isclose(value, wrong_value):
            raise Wrong(hint)
    if not np.isclose(value, 0.4):
        raise Wrong(f"expected 0.4 for 2 right out of 5, got {value:g}.")
    if not np.isclose(as_number(call(fn, np.zeros(3, int), np.zeros(3, int))), 1.0):
        raise Wrong("three right out of three should give 1.0.")
    return "the fraction of predictions that match. Correct!"
