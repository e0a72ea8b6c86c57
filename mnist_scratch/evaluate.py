"""Evaluating a trained model's predictions: accuracy, confusion, mistakes (predict with ``model.predict``)."""

from __future__ import annotations

import numpy as np

from .validation import Whole, validate

__all__ = ["accuracy", "confusion_matrix", "per_class_accuracy",
           "misclassified"]


#: How many classes a confusion matrix may have (its K x K counts stay small).
_CLASSES = Whole(1, 4096)


def _labels(y_true, y_pred, num_classes: int | None = None):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D and the same length; got {y_true.shape} and {y_pred.shape}")
    if num_classes is not None:
        for name, y in (("y_true", y_true), ("y_pred", y_pred)):
            if not np.issubdtype(y.dtype, np.integer):
                raise ValueError(f"{name} must hold whole-number labels, not {y.dtype}")
            if y.size and (y.min() < 0 or y.max() >= num_classes):
                raise ValueError(f"{name} holds labels {y.min()}..{y.max()}, but num_classes={num_classes} "
                                 f"allows 0..{num_classes - 1}")
    return y_true, y_pred


def accuracy(y_true, y_pred) -> float:
    """Fraction of predictions that equal the true labels."""
    y_true, y_pred = _labels(y_true, y_pred)
    return float(np.mean(y_true == y_pred)) if len(y_true) else float("nan")


@validate({"num_classes": _CLASSES}, name="confusion_matrix")
def confusion_matrix(y_true, y_pred, num_classes: int = 10) -> np.ndarray:
    """``C[i, j]`` = how many samples of true class i were predicted as j."""
    y_true, y_pred = _labels(y_true, y_pred, num_classes)
    return np.bincount(y_true * num_classes + y_pred, minlength=num_classes ** 2).reshape(num_classes, num_classes)


@validate({"num_classes": _CLASSES}, name="per_class_accuracy")
def per_class_accuracy(y_true, y_pred, num_classes: int = 10) -> np.ndarray:
    """Accuracy on the samples of each true class (the confusion matrix's diagonal over its row sums)."""
    C = confusion_matrix(y_true, y_pred, num_classes)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.diag(C) / C.sum(axis=1)


def misclassified(probs, y_true) -> np.ndarray:
    """Indices of wrong predictions, most confident mistake first.

    ``probs`` are predicted probabilities ``(n, classes)``; a mistake's
    confidence is the probability given to the (wrong) predicted class.
    """
    probs = np.asarray(probs)
    y_true = np.asarray(y_true)
    if probs.ndim != 2 or len(probs) != len(y_true):
        raise ValueError(f"probs must be (n, classes) with n = len(y_true); got {probs.shape} for {len(y_true)} labels")
    predicted = probs.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y_true)
    confidence = probs[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")]
