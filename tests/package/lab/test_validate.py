"""Widgets refuse inconsistent arguments when they are built, with a ValueError that says
what is wrong (not a TraitError, an IndexError or a broadcast error later, or nothing)."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_scratch.data.sources import DATASETS
from mnist_scratch.lab import draw_digit, playground, prediction_browser
from mnist_scratch.model import Model


@pytest.fixture(scope="module")
def model():
    return Model([784, 8, 10], seed=0)


@pytest.fixture(scope="module")
def data(mnist):
    X, y, X_test, y_test = mnist
    return X[:1500], y[:1500], X_test[:100], y_test[:100]


@pytest.mark.parametrize("change,message", [
    (lambda X, y, Xt, yt: (X, y[:-1], Xt, yt),
     r"X_train has 1,500 images but y_train has shape \(1499,\): one label per image is needed"),
    (lambda X, y, Xt, yt: (X, y, Xt, yt[:50]), r"X_test has 100 images but y_test has shape \(50,\)"),
    (lambda X, y, Xt, yt: (X[:0], y[:0], Xt, yt), "X_train holds no images"),
    (lambda X, y, Xt, yt: (X, y.astype(float), Xt, yt),
     r"y_train must hold whole-number labels, not float64 \(try y_train.astype\(int\)\)"),
    (lambda X, y, Xt, yt: (X, y + 5, Xt, yt), r"y_train holds labels 5..14, but there are 10 classes \(0-9\)"),
    (lambda X, y, Xt, yt: (X[:, :100], y, Xt, yt), r"X_train must have shape \(n, 784\), one image per row; got shape"),
    (lambda X, y, Xt, yt: (X.astype(str), y, Xt, yt), "X_train must hold pixel values"),
    (lambda X, y, Xt, yt: (np.where(np.arange(784) == 5, np.nan, X), y, Xt, yt), "X_train holds NaN or infinite values"),
    (lambda X, y, Xt, yt: (X[:900], y[:900], Xt, yt),
     r"X_train holds 900 images; at least 1,001 are needed \(the playground keeps 1,000"),
])
def test_playground_refuses_inconsistent_data(data, change, message):
    with pytest.raises(ValueError, match=message):
        playground(data=change(*data))


def test_playground_refuses_what_is_not_a_data_set_and_bad_layer_counts(data):
    with pytest.raises(ValueError, match=r"data must be load_mnist\(\)'s result"):
        playground(data=data[:2])
    with pytest.raises(ValueError, match=r"^playground\(\): max_layers=5 is not allowed: max_layers must be one of 1, "
                                         r"2, 3$"):
        playground(data=data, max_layers=5)


@pytest.mark.parametrize("X_y,message", [
    (lambda X, y: (X, y[:-1]), r"X has 100 images but y has shape \(99,\)"),
    (lambda X, y: (X[:0], y[:0]), "X holds no images"),
    (lambda X, y: (X, y.astype(np.float32)), "y must hold whole-number labels, not float32"),
    (lambda X, y: (X, np.where(y == 3, 12, y)), r"y holds labels 0..12, but there are 10 classes"),
    (lambda X, y: (X.reshape(-1, 28, 28), y), r"X must have shape \(n, 784\)"),
])
def test_prediction_browser_refuses_inconsistent_data(model, data, X_y, message):
    X, y = X_y(data[2], data[3])
    with pytest.raises(ValueError, match=message):
        prediction_browser(model, X, y)


def test_prediction_browser_refuses_a_model_that_does_not_fit(data):
    X, y = data[2], data[3]
    with pytest.raises(ValueError, match=r"the model has 5 outputs, but there are 10 class names \(0, 1, 2"):
        prediction_browser(Model([784, 8, 5]), X, y)
    with pytest.raises(ValueError, match=r"y holds labels 0..9, but there are 5 classes"):
        prediction_browser(Model([784, 8, 5]), X, y, classes=list("abcde"))
    with pytest.raises(ValueError, match=r"X must have shape \(n, 100\)"):
        prediction_browser(Model([100, 8, 10]), X, y)
    with pytest.raises(ValueError, match="a model is needed"):
        prediction_browser(None, X, y)
    with pytest.raises(ValueError, match="model must be an mnist_scratch network .*, not str: model .str. is not a network"):
        prediction_browser("model.npz", X, y)
    with pytest.raises(ValueError, match="pass both X and y"):
        prediction_browser(Model([784, 8, 10]), X)


def test_prediction_browser_accepts_labels_of_any_integer_type(model, data):
    browser = prediction_browser(model, data[2], data[3].astype(np.uint8))
    assert len(browser.selection()) == 100


def test_draw_digit_refuses_a_missing_or_unfitting_model():
    with pytest.raises(ValueError, match=r"a model is needed: build and train one first"):
        draw_digit(None)
    with pytest.raises(ValueError, match="the model takes 100 inputs, but a 28 x 28 image has 784 pixels"):
        draw_digit(Model([100, 8, 10]))
    with pytest.raises(ValueError, match="the model has 3 outputs, but there are 10 class names"):
        draw_digit(Model([784, 8, 3]))
    assert draw_digit(Model([784, 8, 10]), classes=DATASETS["fashion-mnist"].classes).classes[0] == "T-shirt/top"
