"""Self-checks for lesson 2's functions of one layer: ReLU and its slope, softmax, cross-entropy.

Each tries a small input chosen to tell the common mistakes apart (zeros for ReLU',
non-square shapes everywhere), then other inputs with non-round values in a row
(an answer that fits one input, or remembers the last call, shows), then rows
whose scores span a range of 2,000, where only a row-wise shift by the maximum
keeps softmax and cross-entropy finite.
"""

from __future__ import annotations

import numpy as np

from ..activations import relu as _relu
from ..activations import softmax as _softmax
from ..losses import cross_entropy as _cross_entropy
from ._checking import Wrong, as_number, call, checker, differs_by, keeps_float32, same

__all__ = ["relu", "relu_prime", "softmax", "cross_entropy"]

_rng = np.random.default_rng

#: Rows whose scores span 2,000: the row maximum must be subtracted, row by row.
WIDE = np.array([[1000.0, -1000.0, 0.0], [1.0, 2.0, 3.0], [-1000.0, -1001.0, -1010.0], [500.0, -1500.0, 0.5]])


def _naive(Z, shift):
    with np.errstate(all="ignore"):
        E = np.exp(Z - shift)
        return E / E.sum(axis=1, keepdims=True)


@checker(refuses=("mnist_scratch.activations.relu",))
def relu(fn):
    """``fn(Z)``: max(0, z) element-wise."""
    Z = np.array([[-2.0, -0.5, 0.0, 0.5], [3.0, -1e-9, 7.0, -4.0]])
    got = call(fn, Z)
    if got.shape == (4,) and same(got, Z.max(axis=0)):
        raise Wrong("np.max(Z, 0) takes the largest value down each column; the element-wise maximum "
                    "of two things is np.maximum.")
    if got.shape != Z.shape:
        raise Wrong(f"expected shape {Z.shape}, the same as Z, got {got.shape}.")
    if same(got, np.abs(Z)):
        raise Wrong("negative inputs should become 0, not their absolute value.")
    if same(got, np.clip(Z, 0, 1)):
        raise Wrong("values above 1 were cut to 1 (that is clipping to [0, 1]); ReLU has no upper limit: "
                    "positive inputs pass through unchanged.")
    if same(got, Z > 0):
        raise Wrong("that is ReLU's slope (0 or 1); ReLU itself passes positive values through unchanged.")
    if not same(got, _relu(Z)):
        raise Wrong(f"the values differ from max(0, z) {differs_by(got, _relu(Z))}.")
    for seed, shape in [(31, (5, 3)), (32, (3, 7))]:
        other = _rng(seed).normal(0, 3, size=shape)
        if not same(call(fn, other), _relu(other)):
            raise Wrong(f"right for the first input, but not for a second of shape {shape}: does your function "
                        "depend on the input's size, or remember something from an earlier call?")
    keeps_float32(fn, Z.astype(np.float32), what="relu of a float32 array should be float32.")
    return "max(0, z) on every element. Well done!"


@checker(refuses=("mnist_scratch.activations.relu_prime",))
def relu_prime(fn):
    """``fn(Z)``: 1 where z > 0, else 0 (including z = 0)."""
    Z = np.array([[-2.0, 0.0, 0.5], [0.0, 3.0, -1e-9]])
    got = call(fn, Z, shape=Z.shape)
    if same(got, Z >= 0):
        raise Wrong("at z = 0 the slope must be 0: ReLU has a corner there, and this series takes 0 "
                    "(as PyTorch does). The slope is 1 only where z is strictly positive.")
    if same(got, _relu(Z)):
        raise Wrong("that is ReLU itself; its slope is 1 for z > 0 and 0 otherwise.")
    if same(got, np.where(Z > 0, 1.0, np.where(Z == 0, 0.5, 0.0))):
        raise Wrong("at z = 0 the slope must be 0, not 0.5 (the average of the two sides): this series takes 0 "
                    "there, as PyTorch does. The slope is 1 only where z is strictly positive.")
    if same(got, np.sign(Z)):
        raise Wrong("negative inputs must give slope 0, not -1 (that is np.sign).")
    if not same(got, Z > 0):
        raise Wrong(f"the values differ from the slope (1 where z > 0, else 0) {differs_by(got, Z > 0)}.")
    other = _rng(33).normal(0, 2, size=(4, 5))
    if not same(call(fn, other), other > 0):
        raise Wrong("right for the first input, but not for a second of shape (4, 5): does your function depend "
                    "on the input's size, or remember something from an earlier call?")
    keeps_float32(fn, Z.astype(np.float32), what="the slope of a float32 array should be float32 (or bool).",
                  allowed=(np.float32, np.bool_))
    return "slope 1 where z > 0, 0 elsewhere, and 0 at the corner. Correct!"


@checker(refuses=("mnist_scratch.activations.softmax",))
def softmax(fn):
    """``fn(Z)``: row-wise softmax, stable for rows whose scores span 2,000."""
    Z = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0], [-2.0, 5.0, 1.0, 0.5]])
    try:
        got = call(fn, Z, shape=Z.shape)
    except Wrong as wrong:
        if "broadcast" in str(wrong) and "(3,4) (3,)" in str(wrong):
            raise Wrong(f"{str(wrong).split('. ')[0]}: a row maximum or sum taken without keepdims has shape (n,), "
                        "which lines up with the COLUMNS of the (n, K) scores, not the rows. Keep the axis "
                        "(keepdims=True), so that it has shape (n, 1).") from None
        raise
    E = np.exp(Z)
    if np.allclose(got.sum(axis=0), 1) and not np.allclose(got.sum(axis=1), 1):
        raise Wrong("each column sums to 1, but in this series each ROW is a sample: "
                    "sum with axis=1, keepdims=True.")
    if same(got, E / E.sum()):
        raise Wrong("you divided by the sum over the whole array; divide each row by its own sum "
                    "(axis=1, keepdims=True).")
    if same(got, _naive(Z, Z.max(axis=0))):
        raise Wrong("you subtracted each COLUMN's maximum (axis=0), which changes the answer; subtract "
                    "each ROW's maximum: Z.max(axis=1, keepdims=True).")
    if not same(got, _softmax(Z)):
        raise Wrong(f"the values differ from the softmax of each row {differs_by(got, _softmax(Z))}.")
    other = _rng(34).normal(0, 2, size=(5, 7))
    if not same(call(fn, other), _softmax(other)):
        raise Wrong("right for the first input, but not for a second of shape (5, 7): does your function depend "
                    "on the input's size, or remember something from an earlier call?")
    got = call(fn, WIDE, shape=WIDE.shape, warn=False)
    if same(got, _softmax(WIDE)):
        keeps_float32(fn, other.astype(np.float32), what="the softmax of float32 scores should be float32.")
        return "rows sum to 1, and it is stable for scores that span 2,000. Excellent!"
    for shift, hint in [
        (WIDE.max(), "you subtracted the maximum of the whole array: a row whose scores all lie far below it "
                     "underflows to 0 / 0 = NaN. Subtract each ROW's own maximum (axis=1, keepdims=True)."),
        (WIDE.mean(axis=1, keepdims=True), "you subtracted each row's MEAN: for the row [1000, -1000, 0] the mean "
                                           "is 0, and e^1000 still overflows. Subtract each row's MAXIMUM: then "
                                           "every exponent is at most 0."),
        (WIDE.min(axis=1, keepdims=True), "you subtracted each row's MINIMUM, which makes the exponents larger, "
                                          "not smaller: subtract each row's maximum."),
        (0.0, "right for small scores, but a score of 1000 overflows exp() (inf / inf = NaN). Subtract "
              "each row's maximum before exponentiating: it changes nothing else."),
    ]:
        if np.array_equal(got, _naive(WIDE, shift), equal_nan=True):
            raise Wrong(hint)
    raise Wrong("right for ordinary scores, but not for rows whose scores span 2,000, such as [1000, -1000, 0]: "
                "subtract each row's own maximum, so that every exponent is at most 0.")


def _lse(Z, shift):
    with np.errstate(all="ignore"):
        return shift[:, 0] + np.log(np.exp(Z - shift).sum(axis=1))


@checker(refuses=("mnist_scratch.losses.cross_entropy", "mnist_scratch.losses._cross_entropy_cost",
                  "mnist_scratch.network.cost"))
def cross_entropy(fn):
    """``fn(Z, y)``: mean cross-entropy of softmax(Z) against integer labels y, stable."""
    Z = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 0.0], [1.0, -1.0, 3.0]])
    y = np.array([0, 1, 2, 0])
    try:
        got = call(fn, Z, y)
    except Wrong as wrong:
        if "broadcast" in str(wrong) and "(4,10)" in str(wrong):
            raise Wrong(f"{str(wrong).split('. ')[0]}: an array of 10 columns met the 4 × 3 scores. Is it a one-hot "
                        "of the labels, for a squared error? Cross-entropy needs no one-hot here: it is the mean of "
                        "-log softmax(z)_y, the log-probability of each row's true class.") from None
        raise
    if got.shape == (4,):
        raise Wrong("expected one number, the MEAN over the 4 samples, got one loss per sample, shape (4,).")
    value = as_number(got, "one number (the mean over the samples)")
    expected = _cross_entropy(Z, y)
    shift = Z.max(axis=1, keepdims=True)
    for wrong_value, hint in [
        (np.mean(_lse(Z, shift) - shift[:, 0] - Z[range(4), y]),
         "the row maximum m is missing: log Σ e^z = m + log Σ e^(z - m). Subtracting m inside the exponentials "
         "keeps them finite; add it back outside the log."),
        (np.mean(_lse(Z, shift)[None, :] - Z[:, y]),
         "Z[:, y] takes whole columns (an n × n array), not one score per row: row i needs only its own true "
         "class's score, the entry in row i, column y[i]."),
    ]:
        if np.isclose(value, wrong_value, rtol=1e-6):
            raise Wrong(hint)
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
    other, labels = _rng(35).normal(0, 2, size=(6, 10)), np.array([9, 0, 3, 3, 7, 1])
    value = as_number(call(fn, other, labels), "one number (the mean over the samples)")
    if not np.isclose(value, _cross_entropy(other, labels), rtol=1e-6):
        raise Wrong("right for the first input, but not for a second of 6 samples and 10 classes: does your "
                    "function depend on the input's size, or remember something from an earlier call?")
    labels = np.array([1, 2, 0, 1])
    big = call(fn, WIDE, labels, warn=False)
    expected = _cross_entropy(WIDE, labels)
    if big.size == 1 and np.isclose(float(big.reshape(-1)[0]), expected, rtol=1e-9):
        return "the mean of -log softmax(z)_y, stable for scores that span 2,000. Great!"
    global_shift = np.mean(_lse(WIDE, np.full((4, 1), WIDE.max())) - WIDE[range(4), labels])
    if big.size == 1 and np.array_equal(big.reshape(()), global_shift, equal_nan=True):
        raise Wrong("you subtracted the maximum of the whole array inside the log-sum-exp: a row whose scores all "
                    "lie far below it gives log(0). Subtract each ROW's own maximum.")
    raise Wrong("right for ordinary scores, but for rows whose scores span 2,000 it gives inf or NaN: a probability "
                "that underflows to 0 has log(0) = -inf. Compute log softmax directly, as z_y - logsumexp(z), "
                "with each row's maximum subtracted inside the log-sum-exp.")
