"""Self-checks for lesson 6: the confusion matrix, per-class accuracy (recall) and precision.

``confusion_matrix`` is tried on labels where some digits never occur and some (true,
predicted) pairs occur twice, then on 300 labels without a 5 whose rows peak off the diagonal, then
on the first labels again (a matrix kept between calls shows). ``per_class_accuracy`` and
``precision`` are tried on a matrix with a dominant diagonal, one whose rows and columns
peak off it, and one with a digit that has no images (a row of zeros) and another that is
never predicted (a column of zeros): there the share is 0 / 0, and these lessons, like
scikit-learn, give it 0. Rows and columns are confused on purpose: precision for recall,
and the other way round, is named; so are the last pair left out, np.histogram2d's default
bins, floor division, the first row for the diagonal, an epsilon in the sums, the error rate
and percentages.
"""

from __future__ import annotations

import numpy as np

from ._checking import Wrong, call, checker, same

__all__ = ["confusion_matrix", "per_class_accuracy", "precision"]

_rng = np.random.default_rng


def _counts(y_true, y_pred) -> np.ndarray:
    C = np.zeros((10, 10))
    np.add.at(C, (y_true, y_pred), 1)
    return C


def _label_sets() -> list:
    first = (np.array([0, 0, 1, 2, 2, 2, 3, 3]), np.array([0, 1, 1, 2, 0, 2, 3, 3]))   # no 4-9; (2, 2) and (3, 3) twice
    rng = _rng(14)
    y_true = rng.choice([0, 1, 2, 3, 4, 6, 7, 8, 9], size=300)          # no 5 among the true labels
    u = rng.random(300)                                                 # rows peak off the diagonal, at y + 1
    y_pred = np.where(u < 0.3, y_true, np.where(u < 0.8, (y_true + 1) % 10, (y_true + 2) % 10))
    return [first, (y_true, y_pred), first]


@checker(refuses=("mnist_scratch.evaluate.confusion_matrix",))
def confusion_matrix(fn):
    """``fn(y_true, y_pred)``: C[i, j] = how many images of true class i were predicted as j, 10 x 10."""
    earlier = np.zeros((10, 10))
    for index, (y_true, y_pred) in enumerate(_label_sets()):
        expected = _counts(y_true, y_pred)
        got = call(fn, y_true, y_pred)
        if got.ndim == 2 and got.shape[0] == got.shape[1] and got.shape != (10, 10):
            raise Wrong(f"expected a 10 x 10 matrix, one row and one column per digit, even when some digits are "
                        f"absent from the labels; got {got.shape}.")
        if got.shape != (10, 10):
            raise Wrong(f"expected shape (10, 10), got {got.shape}.")
        if same(got, expected):
            earlier += expected
            continue
        if index > 0 and same(got, expected + earlier):
            raise Wrong("right for the first labels, but the next call counted on top of the earlier ones: start "
                        "from a fresh matrix of zeros inside the function, at every call.")
        compact = np.zeros((10, 10))
        compact[:len(np.unique(y_true))] = expected[np.unique(y_true)]
        if same(got, compact):
            raise Wrong("the rows were numbered by the digits that occur, so after a missing digit every row moved up: "
                        "row i is the digit i, whether or not it occurs, C[y_true, y_pred].")
        if same(got, np.diag(np.diag(expected))):
            raise Wrong("only the right predictions were counted: every image counts once, the mistakes off the "
                        "diagonal, at C[true label, predicted label].")
        if index == 2:
            raise Wrong("right for the first labels, but not when they come again after others: does the function "
                        "keep something between calls? Start from a fresh matrix of zeros at every call.")
        rows = expected.sum(axis=1, keepdims=True)
        if same(got, np.divide(expected, rows, out=np.zeros_like(expected), where=rows > 0)):
            raise Wrong("the rows sum to 1: return the counts themselves (normalise later, if you want to).")
        if same(got, expected.T):
            raise Wrong("rows and columns are swapped: C[i, j] counts images of TRUE class i predicted as j, so the "
                        "row is the true label.")
        if same(got, expected > 0):
            raise Wrong("a pair that occurs twice was counted once: C[y_true, y_pred] += 1 does not add up repeated "
                        "index pairs. Use np.add.at(C, (y_true, y_pred), 1), or a loop.")
        if same(got, _counts(y_true[:-1], y_pred[:-1])):
            raise Wrong(f"the last pair was not counted ({len(y_true) - 1} of {len(y_true)} images): every image counts "
                        "once, for i in range(len(y_true)), not len(y_true) - 1.")
        if same(got, np.histogram2d(y_true, y_pred, bins=10)[0]):
            raise Wrong("that is np.histogram2d with bins=10, which spreads 10 equal bins between the smallest and "
                        "the largest label present, so the bins are not the digits: give it 10 bins centred on the "
                        "integers 0 to 9, bins=np.arange(11) - 0.5, or add 1 at C[y_true[i], y_pred[i]].")
        raise Wrong(f"some counts are off{'' if index == 0 else ' (right for the first, short labels)'}: add 1 to "
                    "C[y_true[i], y_pred[i]] for every i.")
    return "counts, true labels down the rows, predictions across, 10 x 10 always. Correct!"


def _matrices() -> list:
    rng = _rng(13)
    dominant = rng.integers(0, 6, size=(10, 10)) + np.diag(rng.integers(20, 40, size=10))
    confused = dominant.copy()
    confused[3, 5], confused[7, 1] = 3 * confused[3, 3], 2 * confused[7, 7]     # two digits mostly mistaken
    confused[2, 6] = 4 * confused[6, 6]                                            # 6 mostly predicted for a 2
    empty = dominant.copy()
    empty[4, :] = 0                                                                # no image of a 4
    empty[:, 8] = 0                                                                # no image predicted as an 8
    return [dominant, confused, empty]


def _share(counts, totals) -> np.ndarray:
    counts, totals = np.asarray(counts, float), np.asarray(totals, float)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def _per_class(fn, name: str, axis: int, mistakes) -> None:
    """Check ``fn(C)`` = diagonal / sums along ``axis`` on every matrix; name the mistakes."""
    for index, C in enumerate(_matrices()):
        given = C.copy()
        got = call(fn, given, warn=index < 2, copy=False)
        if not np.array_equal(given, C):
            raise Wrong("it changed the matrix C in place; leave it alone and return a new array: the caller's "
                        "confusion matrix is theirs to keep, for the other shares and the plots.")
        if got.shape == ():
            raise Wrong(f"that is one number (the overall accuracy); {name} gives one number per digit, shape (10,).")
        if got.shape != (10,):
            raise Wrong(f"expected one value per digit, shape (10,), got {got.shape}.")
        diagonal = np.diag(C)
        right = _share(diagonal, C.sum(axis=axis))
        if same(got, right):
            continue
        if index == 2:
            empty = np.flatnonzero(C.sum(axis=axis) == 0)
            if same(np.delete(got, empty), np.delete(right, empty)):
                whose = "has no images (its row" if axis == 1 else "is never predicted (its column"
                raise Wrong(f"right for every digit but {empty[0]}, which {whose} is all zeros): its share is 0 / 0, "
                            f"got {got[empty[0]]:g}. Give such a digit 0, as scikit-learn does: divide only where "
                            "the total is above 0 (np.divide with out= and where=), or by np.maximum(totals, 1).")
        for wrong_value, hint in mistakes(C):
            if same(got, wrong_value):
                raise Wrong(hint)
        if index == 1 and same(got, _share(C.max(axis=axis), C.sum(axis=axis))):
            raise Wrong(f"that is each {'row' if axis == 1 else 'column'}'s LARGEST count over its total; the right "
                        "predictions are the diagonal, C[k, k], even for a digit that is mostly mistaken for another.")
        line = "row" if axis == 1 else "column"
        totals = C.sum(axis=axis)
        if same(got, np.floor(right)):
            raise Wrong(f"you divided with //, floor division, which rounds every share down to 0 (or 1): divide the "
                        f"diagonal by the {line} sums with /.")
        if same(got, _share(C[0], totals)) or same(got, _share(C[:, 0], totals)):
            raise Wrong(f"you divided the first {line}, C[{'0' if axis == 1 else ':, 0'}], by the {line} sums; the right "
                        f"predictions of each digit k are the diagonal, C[k, k] (np.diag(C)).")
        if same(got, right, rtol=1e-2) and np.all(got <= right + 1e-12):
            raise Wrong(f"every share is a little too small: a small number added to the {line} sums (an epsilon) "
                        f"changes every share; divide by the sums themselves, and only where they are above 0 "
                        "(np.divide with out= and where=), so that an empty one gives 0.")
        raise Wrong(f"expected the diagonal divided by the {'row' if axis == 1 else 'column'} sums"
                    f"{'' if index == 0 else ', for every matrix: right for the first, wrong for a second one (does the function keep something between calls?)'}.")


@checker(refuses=("mnist_scratch.evaluate.per_class_accuracy",))
def per_class_accuracy(fn):
    """``fn(C)``: for each true class, the share of its images predicted right (its recall), shape (10,)."""
    _per_class(fn, "per-class accuracy", 1, lambda C: [
        (_share(np.diag(C), C.sum(axis=0)), "that is precision: you divided by how often each digit was PREDICTED "
                                            "(the column sums). Divide by how many images of each TRUE digit there "
                                            "are: the row sums."),
        (np.diag(C), "those are the counts of right predictions; divide each by its row's total."),
        (np.diag(C) / C.sum(), "you divided by the number of all images; divide each digit's count by its own row's "
                               "total."),
        (100 * _share(np.diag(C), C.sum(axis=1)), "those are percentages: return shares between 0 and 1 (leave the "
                                                  "x 100 for printing)."),
    ])
    return "the diagonal over the row sums: how often each digit is recognised (its recall). Correct!"


@checker
def precision(fn):
    """``fn(C)``: for each class, the share of the images predicted as it that really are it, shape (10,)."""
    _per_class(fn, "precision", 0, lambda C: [
        (_share(np.diag(C), C.sum(axis=1)), "that is recall, the per-class accuracy: you divided by how many images "
                                            "of each TRUE digit there are (the row sums). Precision divides by how "
                                            "often each digit was PREDICTED: the column sums."),
        (np.diag(C), "those are the counts of right predictions; divide each by its column's total."),
        (np.diag(C) / C.sum(), "you divided by the number of all images; divide each digit's count by its own "
                               "column's total, how often it was predicted."),
        (1 - _share(np.diag(C), C.sum(axis=0)), "that is the share of WRONG predictions of each digit (1 - precision): "
                                                "precision is the share of right ones, the diagonal over the column "
                                                "sums."),
        (np.where(C.sum(axis=0) > 0, 1 - _share(np.diag(C), C.sum(axis=0)), 0),
         "that is the share of WRONG predictions of each digit (1 - precision): precision is the share of right "
         "ones, the diagonal over the column sums."),
        (100 * _share(np.diag(C), C.sum(axis=0)), "those are percentages: return shares between 0 and 1 (leave the "
                                                  "x 100 for printing)."),
    ])
    return "the diagonal over the column sums: how often a prediction of each digit is right. Correct!"
