"""mnist_scratch.evaluate against hand-counted answers."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_scratch.evaluate import accuracy, confusion_matrix, misclassified, per_class_accuracy


def test_accuracy_confusion_and_per_class():
    y_true = np.array([0, 0, 1, 1, 1, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 2])
    assert accuracy(y_true, y_pred) == pytest.approx(4 / 6)
    C = confusion_matrix(y_true, y_pred, 3)
    np.testing.assert_array_equal(C, [[1, 1, 0], [0, 2, 1], [0, 0, 1]])
    np.testing.assert_allclose(per_class_accuracy(y_true, y_pred, 3), [0.5, 2 / 3, 1.0])
    with pytest.raises(ValueError, match="same length"):
        accuracy(y_true, y_pred[:3])


def test_misclassified_most_confident_first():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.05, 0.95], [0.7, 0.3]])
    y = np.array([0, 0, 1, 0, 0])
    # wrong: 1 (0.8 on class 1), 2 (0.6 on class 0), 3 (0.95 on class 1)
    assert misclassified(probs, y).tolist() == [3, 1, 2]
