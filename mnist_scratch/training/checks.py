"""Checking the data :func:`~mnist_scratch.train.train` is given, before any training starts.

The settings (``epochs``, ``lr``, ``dropout``…) are checked against the
declaration beside ``train`` (:mod:`mnist_scratch.validation`); this module
checks what a declaration cannot: the arrays. X holds samples of the model's
input shape, at least one, all finite (NaN in X is a data problem, and is
reported as one, not as a learning rate that is too large); y holds one integer
label per sample, within the model's classes; the batches fit the model (batch
norm needs two rows in every batch). Each error is a ``ValueError`` that names
the argument and says what it must be.
"""

from __future__ import annotations

import numpy as np

from ..losses import get_loss, one_hot

__all__ = ["check_data", "check_labels", "check_batches", "check_targets", "steps_per_epoch"]


def check_labels(y, n, name, classes):
    """``y`` as int64 labels, if it holds ``n`` whole numbers in ``0..classes-1``."""
    y = np.asarray(y)
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{name} must be {n} integer labels, shape ({n},); got {y.dtype} of shape {y.shape}")
    if n and (y.min() < 0 or y.max() >= classes):
        raise ValueError(f"{name} holds labels {y.min()}..{y.max()}, but the model has {classes} outputs")
    return y.astype(np.int64, copy=False)


def _check_samples(model, X, name: str) -> np.ndarray:
    """``X`` as the model wants it (shape and dtype): at least one sample, nothing but finite numbers."""
    with np.errstate(over="ignore", invalid="ignore"):  # too large for the dtype: reported just below
        X = model.check_input(X, name)
    if len(X) == 0:
        raise ValueError(f"{name} has no rows: training needs at least one example")
    for first in range(0, len(X), 4096):  # in blocks, so the check costs little memory
        block = X[first:first + 4096]
        if not np.isfinite(block).all():  # (cheap; only a broken block is searched for its first bad value)
            row, *at = np.argwhere(~np.isfinite(block))[0]
            place = f"column {at[0]}" if len(at) == 1 else f"position {tuple(int(i) for i in at)}"
            raise ValueError(f"{name} holds NaN or infinite values (or numbers too large for {X.dtype}), the first "
                             f"at row {first + row}, {place}: the data is broken, not the learning rate; "
                             f"check how {name} was made")
    return X


def check_targets(targets):
    """``(off, on)`` of the one-hot targets for squared error, as floats, or a clear error."""
    try:
        off, on = (float(t) for t in targets)
    except (TypeError, ValueError):
        raise ValueError(f"targets must be two numbers (off, on), like (0.01, 0.99); not {targets!r}") from None
    if not 0 <= off < on <= 1:
        raise ValueError(f"targets must satisfy 0 <= off < on <= 1 (sigmoid outputs lie in 0..1); not {targets!r}")
    return off, on


def check_data(model, X, y, X_dev, y_dev, targets) -> dict:
    """The training (and dev) arrays, checked, with the targets the model's loss wants."""
    K = model.classes
    one_hot_targets = get_loss(model.loss).targets == "one-hot"
    if one_hot_targets:
        off, on = check_targets(targets)

    def targets_for(labels):
        return one_hot(labels, K, dtype=model.dtype, off=off, on=on) if one_hot_targets else labels

    X = _check_samples(model, X, "X")
    y = check_labels(y, len(X), "y", K)
    data = {"X": X, "y": y, "T": targets_for(y), "X_dev": None, "y_dev": None, "T_dev": None}
    if (X_dev is None) != (y_dev is None):
        raise ValueError("X_dev and y_dev go together: pass both or neither")
    if X_dev is not None:
        data["X_dev"] = _check_samples(model, X_dev, "X_dev")
        data["y_dev"] = check_labels(y_dev, len(data["X_dev"]), "y_dev", K)
        data["T_dev"] = targets_for(data["y_dev"])
    return data


def steps_per_epoch(n: int, batch_size) -> tuple[int | None, int]:
    """``(B, steps)``: the rows per step (None: the full batch) and the steps in one pass over ``n`` rows."""
    B = n if batch_size is None else min(int(batch_size), n)
    return (None if B == n else B), -(-n // B)


def check_batches(model, n: int, batch_size) -> None:
    """Every batch must have at least ``model.min_batch`` rows (batch norm measures a variance: 2)."""
    smallest = getattr(model, "min_batch", 1)
    B = n if batch_size is None else min(int(batch_size), n)
    if B < smallest or 0 < n % B < smallest:
        last = "every batch has" if B < smallest else f"with {n} rows and batch_size={B} the last batch has"
        raise ValueError(f"batch_size: this model needs batches of at least {smallest} rows (batch norm measures a "
                         f"variance over each batch), but {last} {min(B, n % B or B)} row"
                         f"{'' if min(B, n % B or B) == 1 else 's'}; choose another batch_size")
