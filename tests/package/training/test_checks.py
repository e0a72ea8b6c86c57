"""mnist_scratch.training.checks: broken data is reported as broken data, before any training."""

from __future__ import annotations

import numpy as np
import pytest
from _package_helpers import _myonn_model

from mnist_scratch.model import Model
from mnist_scratch.train import train


# --------------------------------------------------------------------------- the data
def test_nan_or_infinity_in_X_is_a_data_problem(small):
    X, y, _, _ = small
    X = X.copy()
    X[17, 300] = np.nan
    with pytest.raises(ValueError, match=r"X holds NaN or infinite values .* the first at row 17, column 300: "
                                         r"the data is broken, not the learning rate"):
        train(Model([784, 8, 10]), X, y, progress=False)
    X[17, 300] = 0
    X_dev = X[:10].copy()
    X_dev[3, 5] = -np.inf
    with pytest.raises(ValueError, match="X_dev holds NaN or infinite values .* row 3, column 5"):
        train(Model([784, 8, 10]), X, y, X_dev=X_dev, y_dev=y[:10], progress=False)
    with pytest.raises(ValueError, match=r"numbers too large for float32\), the first at row 0, column 0"):
        train(Model([784, 8, 10]), np.full((2, 784), 1e300), [0, 1], progress=False)


def test_no_rows_at_all(small):
    with pytest.raises(ValueError, match="X has no rows: training needs at least one example"):
        train(Model([784, 8, 10]), np.zeros((0, 784)), np.zeros(0, int), progress=False)
    X, y, _, _ = small
    with pytest.raises(ValueError, match="X_dev has no rows"):
        train(Model([784, 8, 10]), X, y, X_dev=np.zeros((0, 784)), y_dev=np.zeros(0, int), progress=False)


def test_x_dev_and_y_dev_go_together(small):
    X, y, _, _ = small
    with pytest.raises(ValueError, match="X_dev and y_dev go together"):
        train(Model([784, 8, 10]), X, y, X_dev=X[:5], progress=False)


# --------------------------------------------------------------------------- the targets
@pytest.mark.parametrize("targets,message", [
    ((1, 0), r"targets must satisfy 0 <= off < on <= 1"),
    ((0, 2), r"targets must satisfy 0 <= off < on <= 1"),
    ("ab", r"targets must be two numbers \(off, on\)"),
    ((0.1,), r"targets must be two numbers"),
])
def test_squared_error_targets_are_checked(small, targets, message):
    X, y, _, _ = small
    with pytest.raises(ValueError, match=message):
        train(_myonn_model(), X[:20], y[:20], targets=targets, progress=False)
