"""Lesson 6's self-checks (the confusion matrix, per-class accuracy, precision): every right way passes, every
planted wrong answer gets its exact hint.

The rows join the wrong-answer table of tests/package/lab/test_check_hints.py; RIGHT_ANSWERS join those of
tests/package/lab/test_check.py. The right shares are compared with scikit-learn's, an independent reference.

Besides the usual slips, the table holds the answers that the issue names: a confusion matrix transposed,
precision and recall swapped, a division by zero for a digit with no images or never predicted, and a
matrix kept between calls.
"""

from __future__ import annotations

import numpy as np
import pytest

import mnist_scratch as ms
from mnist_scratch.lab import check
from mnist_scratch.lab._checks_evaluation import _matrices

from _network_answers import confusion_matrix, per_class_accuracy, precision


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


def cm_unique_labels(t, p):               # one row per digit that occurs, in a 10 x 10 matrix: rows shift
    C = np.zeros((10, 10), int)
    for i, digit in enumerate(np.unique(t)):
        for j in range(10):
            C[i, j] = np.sum((t == digit) & (p == j))
    return C


def share(axis, *, nan=False):
    """The diagonal over the sums along ``axis``, plainly divided (0 / 0 silenced, or turned into inf)."""
    def fn(C):
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.diag(C) / C.sum(axis=axis)
        return out if nan else np.where(np.isnan(out), np.inf, out)
    return fn


def plain(axis):
    def fn(C):
        return np.diag(C) / C.sum(axis=axis)
    return fn


def cm_all_but_last(t, p):
    C = np.zeros((10, 10), dtype=int)
    for i in range(len(t) - 1):                                         # the last pair left out
        C[t[i], p[i]] += 1
    return C


def precision_in_place(C):
    C[:, :] = C / np.maximum(C.sum(axis=0), 1)                          # normalises the caller's matrix
    return np.diag(C).astype(float)


WRONG_ANSWERS = [
    ('confusion_matrix', 'C[y_true, y_pred] += 1', cm_fancy,
     'a pair that occurs twice was counted once: C[y_true, y_pred] += 1 does not add up repeated index pairs. '
     'Use np.add.at(C, (y_true, y_pred), 1), or a loop.'),
    ('confusion_matrix', 'transposed', cm_T,
     'rows and columns are swapped: C[i, j] counts images of TRUE class i predicted as j, so the row is the '
     'true label.'),
    ('confusion_matrix', 'y_pred and y_true swapped', lambda t,p: confusion_matrix(p, t),
     'rows and columns are swapped: C[i, j] counts images of TRUE class i predicted as j, so the row is the '
     'true label.'),
    ('confusion_matrix', 'only the digits present', cm_small,
     'expected a 10 x 10 matrix, one row and one column per digit, even when some digits are absent from the '
     'labels; got (4, 4).'),
    ('confusion_matrix', 'rows normalised', cm_norm,
     'the rows sum to 1: return the counts themselves (normalise later, if you want to).'),
    ('confusion_matrix', 'rows by the digits that occur', cm_unique_labels,
     'the rows were numbered by the digits that occur, so after a missing digit every row moved up: row i is '
     'the digit i, whether or not it occurs, C[y_true, y_pred].'),
    ('confusion_matrix', 'the counts of right answers only', lambda t,p: np.diag(np.bincount(t[t == p], minlength=10)),
     'only the right predictions were counted: every image counts once, the mistakes off the diagonal, at '
     'C[true label, predicted label].'),
    ('confusion_matrix', 'ms.confusion_matrix inside', lambda t,p: ms.confusion_matrix(t, p),
     "your confusion_matrix calls the package's own evaluate.confusion_matrix while the check runs: that is the "
     "package's answer, not yours. Write it yourself with NumPy; the lesson compares it with the package's "
     'afterwards.'),
    ('per_class_accuracy', 'column sums (precision)', lambda C: np.diag(C)/C.sum(axis=0),
     'that is precision: you divided by how often each digit was PREDICTED (the column sums). Divide by how '
     'many images of each TRUE digit there are: the row sums.'),
    ('per_class_accuracy', 'precision, safe', precision,
     'that is precision: you divided by how often each digit was PREDICTED (the column sums). Divide by how '
     'many images of each TRUE digit there are: the row sums.'),
    ('per_class_accuracy', 'overall accuracy', lambda C: np.trace(C)/C.sum(),
     'that is one number (the overall accuracy); per-class accuracy gives one number per digit, shape (10,).'),
    ('per_class_accuracy', 'diagonal counts', lambda C: np.diag(C),
     "those are the counts of right predictions; divide each by its row's total."),
    ('per_class_accuracy', 'divided by the grand total', lambda C: np.diag(C)/C.sum(),
     "you divided by the number of all images; divide each digit's count by its own row's total."),
    ('per_class_accuracy', "each row's largest count", lambda C: C.max(axis=1)/C.sum(axis=1),
     "that is each row's LARGEST count over its total; the right predictions are the diagonal, C[k, k], even "
     'for a digit that is mostly mistaken for another.'),
    ('per_class_accuracy', '0 / 0 for a digit with no images', plain(1),
     'right for every digit but 4, which has no images (its row is all zeros): its share is 0 / 0, got nan. '
     'Give such a digit 0, as scikit-learn does: divide only where the total is above 0 (np.divide with out= '
     'and where=), or by np.maximum(totals, 1).'),
    ('per_class_accuracy', 'NaN for a digit with no images', share(1, nan=True),
     'right for every digit but 4, which has no images (its row is all zeros): its share is 0 / 0, got nan. '
     'Give such a digit 0, as scikit-learn does: divide only where the total is above 0 (np.divide with out= '
     'and where=), or by np.maximum(totals, 1).'),
    ('per_class_accuracy', 'inf for a digit with no images', share(1),
     'right for every digit but 4, which has no images (its row is all zeros): its share is 0 / 0, got inf. '
     'Give such a digit 0, as scikit-learn does: divide only where the total is above 0 (np.divide with out= '
     'and where=), or by np.maximum(totals, 1).'),
    ('per_class_accuracy', 'ms.per_class_accuracy inside', lambda C: ms.per_class_accuracy(*[np.repeat(np.repeat(np.arange(10), 10), C.reshape(-1)), np.repeat(np.tile(np.arange(10), 10), C.reshape(-1))]),
     "your per_class_accuracy calls the package's own evaluate.per_class_accuracy while the check runs: that is "
     "the package's answer, not yours. Write it yourself with NumPy; the lesson compares it with the package's "
     'afterwards.'),
    ('precision', 'row sums (recall)', lambda C: np.diag(C)/C.sum(axis=1),
     'that is recall, the per-class accuracy: you divided by how many images of each TRUE digit there are (the '
     'row sums). Precision divides by how often each digit was PREDICTED: the column sums.'),
    ('precision', 'recall, safe (precision and recall swapped)', per_class_accuracy,
     'that is recall, the per-class accuracy: you divided by how many images of each TRUE digit there are (the '
     'row sums). Precision divides by how often each digit was PREDICTED: the column sums.'),
    ('precision', 'diagonal counts', lambda C: np.diag(C),
     "those are the counts of right predictions; divide each by its column's total."),
    ('precision', 'divided by the grand total', lambda C: np.diag(C)/C.sum(),
     "you divided by the number of all images; divide each digit's count by its own column's total, how often "
     'it was predicted.'),
    ('precision', "each column's largest count", lambda C: C.max(axis=0)/C.sum(axis=0),
     "that is each column's LARGEST count over its total; the right predictions are the diagonal, C[k, k], even "
     'for a digit that is mostly mistaken for another.'),
    ('precision', '0 / 0 for a digit never predicted', plain(0),
     'right for every digit but 8, which is never predicted (its column is all zeros): its share is 0 / 0, got '
     'nan. Give such a digit 0, as scikit-learn does: divide only where the total is above 0 (np.divide with '
     'out= and where=), or by np.maximum(totals, 1).'),
    ('precision', 'NaN for a digit never predicted', share(0, nan=True),
     'right for every digit but 8, which is never predicted (its column is all zeros): its share is 0 / 0, got '
     'nan. Give such a digit 0, as scikit-learn does: divide only where the total is above 0 (np.divide with '
     'out= and where=), or by np.maximum(totals, 1).'),
    ('precision', 'overall accuracy', lambda C: np.trace(C)/C.sum(),
     'that is one number (the overall accuracy); precision gives one number per digit, shape (10,).'),
    ('confusion_matrix', 'range(len(y_true) - 1)', cm_all_but_last,
     'the last pair was not counted (7 of 8 images): every image counts once, for i in range(len(y_true)),'
     ' not len(y_true) - 1.'),
    ('confusion_matrix', 'np.histogram2d, bins=10', lambda t, p: np.histogram2d(t, p, bins=10)[0].astype(int),
     'that is np.histogram2d with bins=10, which spreads 10 equal bins between the smallest and the '
     'largest label present, so the bins are not the digits: give it 10 bins centred on the integers 0 to '
     '9, bins=np.arange(11) - 0.5, or add 1 at C[y_true[i], y_pred[i]].'),
    ('per_class_accuracy', 'floor division', lambda C: np.where(C.sum(axis=1) > 0, np.diag(C) // np.maximum(C.sum(axis=1), 1), 0),
     'you divided with //, floor division, which rounds every share down to 0 (or 1): divide the diagonal '
     'by the row sums with /.'),
    ('per_class_accuracy', 'row C[0] for every digit', lambda C: np.divide(C[0], C.sum(axis=1), out=np.zeros(10), where=C.sum(axis=1) > 0),
     'you divided the first row, C[0], by the row sums; the right predictions of each digit k are the '
     'diagonal, C[k, k] (np.diag(C)).'),
    ('per_class_accuracy', 'an epsilon in the denominator', lambda C: np.diag(C) / (C.sum(axis=1) + 1e-3),
     'every share is a little too small: a small number added to the row sums (an epsilon) changes every '
     'share; divide by the sums themselves, and only where they are above 0 (np.divide with out= and '
     'where=), so that an empty one gives 0.'),
    ('precision', 'the error rate, 1 - precision', lambda C: np.divide(C.sum(axis=0) - np.diag(C), C.sum(axis=0), out=np.zeros(10), where=C.sum(axis=0) > 0),
     'that is the share of WRONG predictions of each digit (1 - precision): precision is the share of '
     'right ones, the diagonal over the column sums.'),
    ('precision', 'percent', lambda C: 100 * np.divide(np.diag(C), C.sum(axis=0), out=np.zeros(10), where=C.sum(axis=0) > 0),
     'those are percentages: return shares between 0 and 1 (leave the x 100 for printing).'),
    ('precision', 'C changed in place', precision_in_place,
     "it changed the matrix C in place; leave it alone and return a new array: the caller's confusion "
     'matrix is theirs to keep, for the other shares and the plots.'),
]

RIGHT_ANSWERS = {
    "confusion_matrix": [confusion_matrix, lambda t, p: np.bincount(t * 10 + p, minlength=100).reshape(10, 10),
                         lambda t, p: np.histogram2d(t, p, bins=10, range=[[0, 10], [0, 10]])[0],
                         lambda t, p: np.array([[np.sum((t == i) & (p == j)) for j in range(10)] for i in range(10)])],
    "per_class_accuracy": [per_class_accuracy,
                           lambda C: np.divide(np.diag(C), C.sum(1), out=np.zeros(10), where=C.sum(1) > 0),
                           lambda C: np.array([C[k, k] / C[k].sum() if C[k].sum() else 0.0 for k in range(10)]),
                           lambda C: np.nan_to_num(np.diag(C) / np.where(C.sum(axis=1) == 0, np.nan, C.sum(axis=1)))],
    "precision": [precision, lambda C: np.divide(np.diag(C), C.sum(0), out=np.zeros(10), where=C.sum(0) > 0),
                  lambda C: np.array([C[k, k] / C[:, k].sum() if C[:, k].sum() else 0.0 for k in range(10)])],
}


@pytest.mark.parametrize("name,index", [(n, i) for n, fns in RIGHT_ANSWERS.items() for i in range(len(fns))])
def test_every_right_answer_passes(capsys, name, index):
    assert check.hint_of(check.CHECKS[name], RIGHT_ANSWERS[name][index]) is None
    assert check.CHECKS[name](RIGHT_ANSWERS[name][index]) is None
    assert capsys.readouterr().out.startswith(f"✅ {name}: ")


def test_the_right_shares_are_scikit_learn_s_recall_and_precision():
    """Independent of the checks: on the checks' own matrices (a digit with no images, one never predicted included),
    the learner-style answers give scikit-learn's recall and precision with zero_division=0."""
    from sklearn.metrics import precision_score, recall_score

    for C in _matrices():
        y_true = np.repeat(np.repeat(np.arange(10), 10), C.reshape(-1))
        y_pred = np.repeat(np.tile(np.arange(10), 10), C.reshape(-1))
        np.testing.assert_array_equal(confusion_matrix(y_true, y_pred), C)
        np.testing.assert_array_equal(ms.confusion_matrix(y_true, y_pred), C)
        np.testing.assert_allclose(per_class_accuracy(C), recall_score(y_true, y_pred, labels=range(10), average=None,
                                                                        zero_division=0))
        np.testing.assert_allclose(precision(C), precision_score(y_true, y_pred, labels=range(10), average=None,
                                                                  zero_division=0))


def _matrix_kept_outside():
    """A confusion matrix made once, outside the function: the counts pile up from call to call."""
    kept = np.zeros((10, 10), int)

    def counts(t, p):
        np.add.at(kept, (t, p), 1)
        return kept.copy()
    return counts


def _answer_kept_from_the_first_call():
    """Per-class accuracy that keeps its first answer (a memo keyed on nothing)."""
    kept = {}

    def cached(C):
        return kept.setdefault("a", per_class_accuracy(C))
    return cached


@pytest.mark.parametrize("name,make,hint", [
    ("confusion_matrix", _matrix_kept_outside, "right for the first labels, but the next call counted on top of the "
     "earlier ones: start from a fresh matrix of zeros inside the function, at every call."),
    ("per_class_accuracy", _answer_kept_from_the_first_call, "expected the diagonal divided by the row sums, for every "
     "matrix: right for the first, wrong for a second one (does the function keep something between calls?)."),
])
def test_state_kept_between_calls_is_caught(name, make, hint):
    """Each check calls the function more than once, so that state kept between calls shows (a fresh one each time)."""
    assert check.hint_of(check.CHECKS[name], make()) == hint
