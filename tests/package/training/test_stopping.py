"""mnist_scratch.training.stopping: the divergence guard (squared error that saturates is caught,
healthy or merely slow training is left alone), early stopping, and what both restore."""

from __future__ import annotations

import re

import numpy as np
import pytest
from _package_helpers import _myonn_model

from mnist_scratch.data import load_mnist
from mnist_scratch.evaluate import accuracy
from mnist_scratch.train import TrainingDiverged, train
from mnist_scratch.training.history import History
from mnist_scratch.training.stopping import DivergenceGuard, EarlyStopping, SaturationWatch


@pytest.fixture(scope="module")
def myonn(mnist_dir):
    """1,000 training images scaled as "Make Your Own Neural Network" scales them."""
    X, y, X_test, y_test = load_mnist(mnist_dir, scale="myonn")
    return X[:1000], y[:1000], X_test[:1000], y_test[:1000]


# --------------------------------------------------------------------------- squared error diverging
@pytest.mark.parametrize("lr", [10, 1e9])
def test_sigmoid_with_squared_error_diverging_is_caught(myonn, lr):
    X, y, _, _ = myonn
    model = _myonn_model()
    start = {k: v.copy() for k, v in model.params.items()}
    with pytest.raises(TrainingDiverged, match=rf"diverged in epoch 1: the cost is stuck at .* with lr={re.escape(f'{lr:g}')}\. "
                                               r"The sigmoid outputs have saturated") as info:
        train(model, X, y, epochs=3, batch_size=1, optimizer="sgd", lr=lr, targets=(0.01, 0.99), progress=False)
    assert info.value.history.stopped == "diverged"
    for k in start:  # it died in its first epoch: the starting parameters are the last good ones
        np.testing.assert_array_equal(model.params[k], start[k])


def test_full_batch_squared_error_diverging_is_caught_too(myonn):
    X, y, _, _ = myonn
    with pytest.raises(TrainingDiverged, match="the cost is stuck at 0.5 with lr=1e\\+09"):
        train(_myonn_model(), X[:300], y[:300], epochs=100, batch_size=None, optimizer="sgd", lr=1e9,
              targets=(0, 1), progress=False)


@pytest.mark.parametrize("lr,batch_size,epochs", [(0.1, 1, 2), (1e-6, None, 60), (1e-7, 64, 4)])
def test_healthy_or_merely_slow_squared_error_training_is_left_alone(myonn, lr, batch_size, epochs):
    X, y, X_test, y_test = myonn
    model = _myonn_model()
    history = train(model, X, y, epochs=epochs, batch_size=batch_size, optimizer="sgd", lr=lr,
                    targets=(0.01, 0.99), progress=False)
    assert history.stopped is None and len(history) == epochs
    if lr == 0.1:
        assert accuracy(y_test, model.predict(X_test)) > 0.65  # (1,000 images, 2 epochs)


def test_the_saturation_rule_on_made_up_cost_curves():
    """The rule alone: stuck at saturation after moving, versus falling, versus never moving."""
    def verdict(costs, targets=(0, 1)):
        watch = SaturationWatch(10, targets, costs[0])
        return next((i + 1 for i, J in enumerate(costs) if watch.stalled(J, i == 0)), None)

    assert (SaturationWatch(10, (0, 1), 1).guess, SaturationWatch(10, (0, 1), 1).dead) == pytest.approx((0.45, 0.5))
    assert verdict([1.25] + [0.5] * 400) == 250           # dropped to "0 everywhere" and stayed: 3 windows
                                                          # with no new low, after the one that dropped
    assert verdict(list(np.linspace(1.25, 0.2, 400))) is None  # learning
    assert verdict([1.25] * 400) is None                  # a tiny learning rate: never moved
    assert verdict([1.25] + [0.45] * 400) is None         # the plateau of a constant guess, where learning starts


# --------------------------------------------------------------------------- what the guard and early stopping restore
def test_divergence_guard_restores_the_running_statistics_with_theta():
    theta, state = np.zeros(3), {"running_mean1": np.zeros(2), "running_var1": np.ones(2)}
    guard = DivergenceGuard(theta, 10, History({}), 0.1, state)
    theta[:] = 1.0
    state["running_mean1"][:] = 5.0
    guard.check(1.0, epoch=2, first_batch_of_epoch=True)     # a good start of epoch 2: remembered
    theta[:] = 2.0
    state["running_mean1"][:] = 7.0
    state["running_var1"][:] = 9.0
    with pytest.raises(TrainingDiverged):
        guard.check(float("nan"), epoch=2, first_batch_of_epoch=False)
    np.testing.assert_array_equal(theta, 1.0)
    np.testing.assert_array_equal(state["running_mean1"], 5.0)
    np.testing.assert_array_equal(state["running_var1"], 1.0)


def test_early_stopping_unit():
    theta, state = np.zeros(2), {"running_var1": np.ones(2)}
    stopper = EarlyStopping(1, theta, History({}), state)
    stopper.should_stop({"dev_acc": 0.5, "epoch": 1})
    theta[:], state["running_var1"][:] = 3.0, 4.0
    assert stopper.should_stop({"dev_acc": 0.4, "epoch": 2})
    stopper.restore_best()
    np.testing.assert_array_equal(theta, 0.0)
    np.testing.assert_array_equal(state["running_var1"], 1.0)
