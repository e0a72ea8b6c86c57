"""An independent reference that always runs: scikit-learn's MLPClassifier.

Our weights are copied into an ``MLPClassifier``; then

* its ``predict_proba`` must equal our ``forward``, and
* one full-batch SGD step of its own (no momentum, no penalty) must move the
  weights exactly as our ``backward`` says: ``W - lr * dW``.

scikit-learn's MLP is written by other hands, with samples as rows like ours,
so the two agree to rounding error in float64.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from mnist_scratch.network import backward, forward, init_params

sklearn_mlp = pytest.importorskip("sklearn.neural_network", reason="scikit-learn is in the test extra")

SKLEARN_NAME = {"relu": "relu", "tanh": "tanh", "sigmoid": "logistic"}
SIZES = [784, 32, 16, 10]


def _classifier(activation: str, params: dict, X, y, lr: float):
    """An MLPClassifier whose parameters are ours, ready for one full-batch SGD step."""
    clf = sklearn_mlp.MLPClassifier(hidden_layer_sizes=tuple(SIZES[1:-1]), activation=SKLEARN_NAME[activation],
                                    solver="sgd", alpha=0.0, batch_size=len(X), learning_rate="constant",
                                    learning_rate_init=lr, momentum=0.0, nesterovs_momentum=False,
                                    shuffle=False, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.partial_fit(X, y, classes=np.arange(10))     # builds the layers (with its own random weights)
    L = len(SIZES) - 1
    clf.coefs_ = [params[f"W{l}"].copy() for l in range(1, L + 1)]
    clf.intercepts_ = [params[f"b{l}"].copy() for l in range(1, L + 1)]
    return clf


@pytest.fixture(scope="module")
def batch(mnist):
    X = mnist.X_train[:200].astype(np.float64)
    y = mnist.y_train[:200]
    assert len(np.unique(y)) == 10
    return X, y


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_predict_proba_equals_forward(batch, activation):
    X, y = batch
    params = init_params(SIZES, "xavier", seed=7, dtype=np.float64)
    clf = _classifier(activation, params, X, y, lr=0.1)
    ours = forward(params, X, activation).A[-1]
    theirs = clf.predict_proba(X)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-14)


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
def test_one_sgd_step_moves_the_weights_as_backward_says(batch, activation):
    X, y = batch
    lr = 0.5
    params = init_params(SIZES, "xavier", seed=11, dtype=np.float64)
    clf = _classifier(activation, params, X, y, lr=lr)
    grads = backward(params, forward(params, X, activation), y, activation)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.partial_fit(X, y)                           # exactly one step: one batch of all rows
    worst = 0.0
    for l in range(1, len(SIZES)):
        for ours, theirs in ((params[f"W{l}"] - lr * grads[f"W{l}"], clf.coefs_[l - 1]),
                             (params[f"b{l}"] - lr * grads[f"b{l}"], clf.intercepts_[l - 1])):
            np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-13)
            worst = max(worst, float(np.max(np.abs(ours - theirs))))
    # the step is not trivially zero: the weights really moved
    assert np.max(np.abs(clf.coefs_[0] - params["W1"])) > 1e-4
    print(f"{activation}: largest difference after one step {worst:.1e}")


def test_a_planted_bug_is_caught(batch):
    """The comparison can fail: a backward pass that forgets the 1/n disagrees with scikit-learn."""
    X, y = batch
    lr = 0.5
    params = init_params(SIZES, "xavier", seed=11, dtype=np.float64)
    clf = _classifier("relu", params, X, y, lr=lr)
    grads = backward(params, forward(params, X), y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        clf.partial_fit(X, y)
    wrong = params["W1"] - lr * grads["W1"] * len(X)
    assert np.max(np.abs(wrong - clf.coefs_[0])) > 1e-3
