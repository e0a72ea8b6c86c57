"""Checking :func:`~mnist_scratch.train.train`'s arguments before any training starts.

Data: X has rows of the model's input size, at least one, all finite (NaN in X is
a data problem, and is reported as one, not as a learning rate that is too large);
y holds one integer label per row, within the model's outputs. Settings: every
number is finite and in its range (a negative ``l2``, ``momentum`` of 1 or more,
``dropout`` of 1, ``epochs`` of 2.5 are refused by name). Each error is a
``ValueError`` that names the argument and says what it must be.
"""

from __future__ import annotations

import numpy as np

from ..losses import one_hot
from ..model import Model
from ..optim import WITH_MOMENTUM

__all__ = ["check_data", "check_config", "check_batch_norm_batches"]


def check_labels(y, n, name, classes):
    y = np.asarray(y)
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{name} must be {n} integer labels, shape ({n},); got {y.dtype} of shape {y.shape}")
    if n and (y.min() < 0 or y.max() >= classes):
        raise ValueError(f"{name} holds labels {y.min()}..{y.max()}, but the model has {classes} outputs")
    return y.astype(np.int64, copy=False)


def _check_rows(model: Model, X, name: str) -> np.ndarray:
    """``X`` in the model's dtype: at least one row, and nothing but finite numbers."""
    with np.errstate(over="ignore", invalid="ignore"):  # too large for the dtype: reported just below
        X = model.check_input(X, name)
    if len(X) == 0:
        raise ValueError(f"{name} has no rows: training needs at least one example")
    for first in range(0, len(X), 4096):  # in blocks, so the check costs little memory
        block = X[first:first + 4096]
        if not np.isfinite(block).all():  # (cheap; only a broken block is searched for its first bad value)
            row, col = np.argwhere(~np.isfinite(block))[0]
            raise ValueError(f"{name} holds NaN or infinite values (or numbers too large for {X.dtype}), the first "
                             f"at row {first + row}, column {col}: the data is broken, not the learning rate; "
                             f"check how {name} was made")
    return X


def check_data(model: Model, X, y, X_dev, y_dev, targets) -> dict:
    """The training (and dev) arrays, checked, with the targets the loss wants."""
    K = model.sizes[-1]
    if model.loss == "mse":
        off, on = _check_targets(targets)

    def targets_for(labels):
        if model.loss == "cross_entropy":
            return labels
        return one_hot(labels, K, dtype=model.dtype, off=off, on=on)

    X = _check_rows(model, X, "X")
    y = check_labels(y, len(X), "y", K)
    data = {"X": X, "y": y, "T": targets_for(y), "X_dev": None, "y_dev": None, "T_dev": None}
    if (X_dev is None) != (y_dev is None):
        raise ValueError("X_dev and y_dev go together: pass both or neither")
    if X_dev is not None:
        data["X_dev"] = _check_rows(model, X_dev, "X_dev")
        data["y_dev"] = check_labels(y_dev, len(data["X_dev"]), "y_dev", K)
        data["T_dev"] = targets_for(data["y_dev"])
    return data


def _check_targets(targets):
    try:
        off, on = (float(t) for t in targets)
    except (TypeError, ValueError):
        raise ValueError(f"targets must be two numbers (off, on), like (0.01, 0.99); not {targets!r}") from None
    if not 0 <= off < on <= 1:
        raise ValueError(f"targets must satisfy 0 <= off < on <= 1 (sigmoid outputs lie in 0..1); not {targets!r}")
    return off, on


def _check_number(name, value, ok, expected, whole=False):
    """``value`` if it is a finite (whole, if asked) number for which ``ok`` holds; else a clear error."""
    number = value.item() if isinstance(value, np.generic) else value
    try:
        good = (isinstance(number, (int, float)) and not isinstance(number, bool) and np.isfinite(float(number))
                and (not whole or number == int(number)) and ok(number))
    except OverflowError:  # an integer too large for a float
        good = False
    if not good:
        raise ValueError(f"{name} must be {expected}, not {value!r}")
    return int(number) if whole else number


def check_config(args: dict, has_dev: bool) -> dict:
    """Validate the training settings; return them as the history's ``config``."""
    whole = dict(whole=True)
    epochs = _check_number("epochs", args["epochs"], lambda v: v >= 1, "a whole number, at least 1", **whole)
    batch_size = args["batch_size"]
    if batch_size is not None:
        _check_number("batch_size", batch_size, lambda v: v >= 1, "a positive number of rows, or None (full batch)", **whole)
    _check_number("log_every", args["log_every"], lambda v: v >= 1, "a whole number, at least 1", **whole)
    if args["early_stopping"]:
        _check_number("early_stopping", args["early_stopping"], lambda v: v >= 1,
                      "a whole number of records (patience), at least 1, or None", **whole)
        if not has_dev:
            raise ValueError("early_stopping needs a dev set: pass X_dev and y_dev")
    lr = _check_number("lr", args["lr"], lambda v: v > 0, "a positive number")
    _check_number("momentum", args["momentum"], lambda v: 0 <= v < 1, "a number in [0, 1)")
    _check_number("l2", args["l2"], lambda v: v >= 0, "zero (no L2) or a positive number")
    dropout = _check_number("dropout", args["dropout"], lambda v: 0 <= v < 1, "a probability in [0, 1)")
    for name in ("callback", "should_stop"):
        if args[name] is not None and not callable(args[name]):
            raise ValueError(f"{name} must be a function or None, not {args[name]!r}")
    schedule = args["schedule"]
    config = dict(epochs=epochs, batch_size=batch_size, optimizer=args["optimizer"], lr=lr,
                  schedule=schedule if schedule is None or isinstance(schedule, (str, tuple, list)) else repr(schedule),
                  l2=args["l2"], dropout=dropout, early_stopping=args["early_stopping"], seed=args["seed"],
                  loss=args["model"].loss)
    if args["optimizer"] in WITH_MOMENTUM:
        config["momentum"] = args["momentum"]
    if args["model"].loss == "mse":
        config["targets"] = list(args["targets"])
    return config


def check_batch_norm_batches(model: Model, n: int, batch_size) -> None:
    """Batch norm's train mode measures a variance over each batch, so every batch needs 2 rows or more."""
    if not getattr(model, "batch_norm", False):
        return
    B = n if batch_size is None else min(int(batch_size), n)
    if B < 2 or n % B == 1:
        last = "every batch has" if B < 2 else f"with {n} rows and batch_size={B} the last batch has"
        raise ValueError(f"batch_size: a batch-normalized model needs batches of at least 2 rows to measure "
                         f"a variance, but {last} 1 row; choose another batch_size")
