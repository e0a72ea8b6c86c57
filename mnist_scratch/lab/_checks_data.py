"""Self-checks for lesson 1: pixels, average digits, one-hot labels.

Every check tries more than one input (batches of different sizes and brightness,
several classes k, label sets with and without the digits 8 and 9), in a row, so
that an answer that keeps state between calls, or fits one input only, shows.
"""

from __future__ import annotations

import numpy as np

from ._checking import Wrong, call, checker, differs_by, same

__all__ = ["scale_pixels", "mean_digit", "one_hot"]

_rng = np.random.default_rng


def _array(result, what: str) -> np.ndarray:
    """``result`` checked as an array of numbers; a Python list is refused (it has no shape, no dtype)."""
    if isinstance(result, list):
        raise Wrong(f"it returned a Python list; return {what} as a NumPy array (a list has no .shape or .dtype, "
                    "and arithmetic on it does not work element by element).")
    return call(lambda: result)


@checker(refuses=("mnist_scratch.data.pixels.scale_pixels",))
def scale_pixels(fn):
    """``fn(raw)``: uint8 pixels 0-255 to float32 in [0, 1]."""
    dim = _rng(1).integers(0, 201, size=(3, 784)).astype(np.uint8)       # this batch's brightest pixel is 200
    bright = _rng(21).integers(0, 256, size=(5, 784)).astype(np.uint8)
    bright[0, :2] = (0, 255)
    for raw in (dim, bright):
        got = call(fn, raw, shape=raw.shape)
        if not np.issubdtype(got.dtype, np.floating):
            raise Wrong(f"the result holds whole numbers ({got.dtype}): pixels in [0, 1] need a float type. "
                        "Divide with / (true division), not // (which rounds down), after converting to float32.")
        expected = raw / 255
        if not same(got, expected) and same(got, raw // 255):
            raise Wrong("integer division: raw // 255 rounds every pixel down, to 0 (only 255 becomes 1). Divide "
                        "with /, which keeps the fraction.")
        if same(got, 0.01 + 0.99 * expected):
            raise Wrong("that maps 0 to 0.01 and 255 to 1.0 (the 0.01 offset of 'Make Your Own Neural Network'); "
                        "here a black pixel stays exactly 0: divide by 255 and add nothing.")
        if not same(got, expected) and same(got, raw / raw.max()):
            raise Wrong("you divided by this batch's brightest pixel; divide by 255, the largest value a pixel "
                        "can have, so that every batch is scaled the same way.")
        if same(got, raw / 256):
            raise Wrong("divide by 255, not 256: a white pixel (255) must become exactly 1.")
        if same(got, 1 - expected):
            raise Wrong("black and white are swapped: 0 (background) must stay 0 and 255 must become 1.")
        if not same(got, expected):
            first = raw is dim
            raise Wrong(f"the values differ from raw / 255 {differs_by(got, expected)}"
                        + ("." if first else f" on a second batch of {len(raw)} images (the first was right): "
                                              "does your function remember something from the first call?"))
        if got.dtype == np.float64:
            raise Wrong("right values, but in float64, which takes twice the memory of float32 (376 MB instead "
                        "of 188 MB for the 60,000 training images). Convert the pixels to float32 first, then divide.")
        if got.dtype != np.float32:
            raise Wrong(f"right values, but in {got.dtype}; this series keeps pixels in float32.")
    return "float32 in [0, 1], 255 becomes 1. Well done!"


@checker
def mean_digit(fn):
    """``fn(X, y, k)``: the average image of class k, shape (784,)."""
    X = _rng(2).random((12, 784)).astype(np.float32)
    y = np.array([0, 1, 2, 3, 1, 2, 0, 3, 1, 3, 3, 0])
    for k in (1, 3, 0):
        got = _array(call(fn, X, y, k, numeric=False), "one mean per pixel")
        expected = X[y == k].mean(axis=0)
        if got.shape == ():
            raise Wrong("expected one mean per pixel, shape (784,), got a single number: average over the "
                        "images (axis=0), not over everything.")
        if got.shape == ((y == k).sum(),):
            raise Wrong("you averaged each image's pixels (axis=1); average over the images instead, axis=0, "
                        "to get one value per pixel.")
        if got.shape != (784,):
            raise Wrong(f"expected shape (784,), one mean per pixel, got {got.shape}.")
        if same(got, X.mean(axis=0)):
            raise Wrong("that is the average of ALL images; keep only the rows whose label is k (a boolean mask on y "
                        "selects them).")
        if same(got, X[k]):
            raise Wrong("that is image number k; select the images whose LABEL is k (a boolean mask on y selects them).")
        if same(got, X[y == k].sum(axis=0) / len(X)):
            raise Wrong(f"you divided by all {len(X)} images, not by the {(y == k).sum()} of class k: the mean of "
                        "class k is the sum of its images over HOW MANY there are, n_k.")
        if got.dtype == np.float16 and same(got, expected, rtol=1e-2, atol=1e-3):
            raise Wrong("right to about 3 digits, but float16 keeps no more than that (and sums of many images "
                        "lose more): keep the float32 of the images.")
        if same(got, X[y == k].sum(axis=0)):
            raise Wrong("that is the sum over the images; divide by how many there are (or use .mean(axis=0)).")
        if not same(got, expected):
            if k != 1:
                raise Wrong(f"right for k = 1, but not for k = {k}: use the k you are given, for any class, "
                            "and nothing remembered from an earlier call.")
            raise Wrong(f"the values differ from the average of the images labelled k {differs_by(got, expected)}.")
    return "one mean per pixel, over the images of class k, for every k. Correct!"


@checker(refuses=("mnist_scratch.losses.one_hot",))
def one_hot(fn):
    """``fn(y)``: one-hot rows of shape (n, 10), float32 (or bool)."""
    for y in (np.array([3, 0, 7, 3, 1]), np.array([9, 2, 0, 9, 5, 8, 1])):   # no 8 or 9 at first; n is not 10
        n = len(y)
        got = _array(call(fn, y, numeric=False), "the one-hot rows")
        expected = np.eye(10)[y]
        if got.shape == (10, n):
            raise Wrong(f"shape (10, {n}) has one COLUMN per sample; in this series samples are rows: (n, 10).")
        if got.ndim == 2 and got.shape[0] == n and got.shape[1] != 10:
            raise Wrong(f"expected 10 columns, one per digit, even when some digits are missing from y; "
                        f"got {got.shape[1]}.")
        if got.shape != expected.shape:
            raise Wrong(f"expected shape ({n}, 10), one row per label, got {got.shape}.")
        if same(got, 0.01 + 0.98 * expected):
            raise Wrong("targets of 0.01 and 0.99 (as in 'Make Your Own Neural Network') suit a sigmoid output; "
                        "with softmax and cross-entropy the target of the true class is exactly 1, the others 0.")
        if np.isin(got, (0, 1)).all() and np.any(got.sum(axis=1) != 1):
            raise Wrong("each row must hold exactly one 1: row i gets its 1 in column y[i] only, one entry per "
                        "row (setting column y for every row at once, Y[:, y], fills whole columns).")
        if not np.isin(got, (0, 1)).all():
            raise Wrong("a one-hot row holds only 0s and one 1 (in column y[i]); some entries here are neither.")
        if not same(got, expected):
            raise Wrong("the 1s are in the wrong columns: row i needs its 1 in column y[i].")
        if got.dtype not in (np.float32, np.bool_):
            raise Wrong(f"right values, but in {got.dtype}: the targets meet the network's float32 probabilities in "
                        f"the backward pass, and {got.dtype} would turn that pass into {got.dtype}, twice the memory "
                        "and the time. Make the array float32 (dtype=np.float32).")
    return "one row per label, a single 1 in each, in float32. Correct!"
