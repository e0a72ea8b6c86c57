"""Training's checks: broken data is reported as broken data, and every nonsense setting is
refused up front with its name. (Squared error stuck at saturation: training/test_stall.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from mnist_scratch.data import load_mnist
from mnist_scratch.model import Model
from mnist_scratch.train import train


@pytest.fixture(scope="module")
def myonn(mnist_dir):
    """1,000 training images scaled as "Make Your Own Neural Network" scales them."""
    X, y, X_test, y_test = load_mnist(mnist_dir, scale="myonn")
    return X[:1000], y[:1000], X_test[:1000], y_test[:1000]


def _myonn_model():
    return Model([784, 100, 10], activation="sigmoid", loss="mse", init="normal", seed=0)


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


# --------------------------------------------------------------------------- the settings
@pytest.mark.parametrize("setting,message", [
    ({"l2": -0.01}, r"l2=-0.01 is not allowed: l2 must be a number >= 0$"),
    ({"l2": np.nan}, r"l2=nan is not allowed: l2 must be a number >= 0"),
    ({"lr": 0}, r"lr=0 is not allowed: lr must be a number > 0$"),
    ({"lr": -1e-3}, r"lr=-0.001 is not allowed: lr must be a number > 0"),
    ({"lr": np.inf}, r"lr=inf is not allowed: lr must be a number > 0"),
    ({"lr": "0.1"}, r"lr='0.1' is not allowed: lr must be a number > 0"),
    ({"momentum": 1.0}, r"momentum=1.0 is not allowed: momentum must be a number in \[0, 1\)"),
    ({"momentum": -0.5}, r"momentum=-0.5 is not allowed: momentum must be a number in \[0, 1\)"),
    ({"dropout": 1}, r"dropout=1 is not allowed: dropout must be a number in \[0, 1\)"),
    ({"dropout": np.nan}, r"dropout=nan is not allowed: dropout must be a number in"),
    ({"epochs": 0}, r"epochs=0 is not allowed: epochs must be a number > 0 \(1.5 is one and a half passes"),
    ({"epochs": -2.5}, r"epochs=-2.5 is not allowed: epochs must be a number > 0"),
    ({"epochs": np.inf}, r"epochs=inf is not allowed"),
    ({"epochs": "3"}, r"epochs='3' is not allowed"),
    ({"epochs": True}, r"epochs=True is not allowed: epochs must be a number > 0"),
    ({"epochs": 10 ** 400}, r"epochs=1000000.* is not allowed: epochs must be a number > 0"),
    ({"batch_size": 2.5}, r"batch_size=2.5 is not allowed: batch_size must be a whole number >= 1, or None \(full batch\)"),
    ({"batch_size": 0}, r"batch_size=0 is not allowed"),
    ({"log_every": 0}, r"log_every=0 is not allowed: log_every must be a whole number >= 1$"),
    ({"early_stopping": -2}, r"early_stopping=-2 is not allowed: early_stopping must be a whole number >= 1, or None"),
    ({"callback": "print"}, r"callback='print' is not allowed: callback must be a function, or None"),
    ({"should_stop": 3}, r"should_stop=3 is not allowed: should_stop must be a function, or None"),
    ({"max_seconds": 0}, r"max_seconds=0 is not allowed: max_seconds must be a number > 0, or None"),
    ({"threads": 1.5}, r"threads=1.5 is not allowed: threads must be a whole number from 1 to 1,024"),
    ({"seed": -1}, r"seed=-1 is not allowed: seed must be a whole number >= 0, or None"),
    ({"progress": "yes"}, r"progress='yes' is not allowed: progress must be True or False"),
    ({"mu": 0.9}, r"got an unexpected keyword argument 'mu'"),
])
def test_nonsense_settings_are_refused_by_name(small, setting, message):
    X, y, _, _ = small
    model = Model([784, 8, 10])
    before = {k: v.copy() for k, v in model.params.items()}
    with pytest.raises(ValueError, match=r"^train\(\): " + message):
        train(model, X[:50], y[:50], X_dev=X[50:60], y_dev=y[50:60], **{"progress": False, **setting})
    assert all(np.array_equal(before[k], model.params[k]) for k in before)  # nothing was trained


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


def test_numpy_numbers_are_fine(small):
    X, y, _, _ = small
    history = train(Model([784, 8, 10]), X[:50], y[:50], epochs=np.int64(2), lr=np.float32(0.01),
                    batch_size=np.int32(25), l2=np.float64(0.0), progress=False)
    assert len(history) == 2 and history.config["epochs"] == 2
