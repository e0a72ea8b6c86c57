"""mnist_scratch.cnn: the convolutional network gradient-checked in float64 on a tiny input, its
shapes, and the one training loop training it on a toy problem. (Its layers: test_conv.py.)"""

from __future__ import annotations

import numpy as np
import pytest
from _package_helpers import _toy_cnn, _toy_problem, numerical

from mnist_scratch.cnn import CNN, forward, loss_and_grads
from mnist_scratch.gradient_check import relative_error
from mnist_scratch.losses import cross_entropy
from mnist_scratch.optim import SGD
from mnist_scratch.train import train
from mnist_scratch.training.history import StopTraining, TrainingDiverged


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_cnn_gradient_check_on_a_tiny_input(padding):
    size = 8 if padding == "same" else 14                # 14 -conv3-> 12 -pool-> 6 -conv3-> 4 -pool-> 2
    model = CNN(channels=(2, 3), kernel=3, hidden=5, classes=4, image_shape=(1, size, size),
                padding=padding, seed=3, dtype=np.float64)
    rng = np.random.default_rng(9)
    X, y = rng.normal(size=(3, 1, size, size)), np.array([0, 3, 1])
    params = model.params
    for key in params:                                   # nonzero biases, so that they matter
        if key.startswith("b"):
            params[key][...] = rng.normal(0, 0.1, params[key].shape)

    def J():
        return cross_entropy(forward(params, X, padding)[0], y)

    J0, grads = loss_and_grads(params, X, y, padding)
    assert J0 == pytest.approx(J())
    assert list(grads) == list(params)
    errors = {k: relative_error(grads[k], numerical(J, params[k])) for k in params}
    print(f"CNN ({padding}) gradient check:", errors)
    assert max(errors.values()) < 1e-6, errors


def test_cnn_accepts_rows_and_predicts_in_batches():
    model = CNN(channels=(2, 3), kernel=3, hidden=6, padding="same")
    X = np.random.default_rng(10).random((10, 784), dtype=np.float32)
    P = model.predict_proba(X, batch_size=3)
    assert P.shape == (10, 10) and P.dtype == np.float32
    np.testing.assert_allclose(P, model.predict_proba(X.reshape(10, 1, 28, 28), batch_size=100), rtol=1e-5)
    np.testing.assert_allclose(P.sum(axis=1), 1, rtol=1e-5)
    assert model.predict(X).tolist() == P.argmax(axis=1).tolist()
    with pytest.raises(ValueError, match="expects"):
        model.predict(np.zeros((2, 100)))


def test_cnn_default_shapes_and_a_clear_error_when_pooling_does_not_fit():
    model = CNN()                                        # (16, 32) 5x5 'valid', 128 hidden
    assert model.params["W3"].shape == (32 * 4 * 4, 128)
    assert model.num_params == 16 * 25 + 16 + 32 * 16 * 25 + 32 + 512 * 128 + 128 + 128 * 10 + 10 == 80_202
    assert model.layers == ["1x28x28", "conv5x5x16", "pool2", "conv5x5x32", "pool2", 128, 10]
    assert CNN(padding="same").params["W3"].shape == (32 * 7 * 7, 128)
    with pytest.raises(ValueError, match="pool2 gets a 11x11 map"):
        CNN(kernel=3)                                    # 28 -> 26 -> 13 -> 11: odd at pool2
    with pytest.raises(ValueError, match="pool1 gets a 25x25 map"):
        CNN(kernel=4)                                    # 28 -> 25: odd at pool1


def test_cnn_feature_maps_have_the_documented_shapes():
    maps = CNN().feature_maps(np.random.default_rng(12).random((2, 784), dtype=np.float32))
    assert {k: v.shape for k, v in maps.items()} == {
        "conv1": (2, 16, 24, 24), "pool1": (2, 16, 12, 12), "conv2": (2, 32, 8, 8),
        "pool2": (2, 32, 4, 4), "hidden": (2, 128)}
    assert all(v.min() >= 0 for v in maps.values())                    # all after relu


# --------------------------------------------------------------------------- training
def test_the_one_loop_trains_a_cnn_and_updates_its_params_in_place():
    X, y = _toy_problem()
    model = _toy_cnn()
    W1_before = model.params["W1"].copy()
    history = train(model, X, y, optimizer="sgd", epochs=30, batch_size=16, lr=0.1, progress=False)
    assert len(history) == 30 and history["cost"][-1] < 0.5 * history["cost"][0]
    assert history.last["iteration"] == 30 * 4 and history.train_seconds > 0
    assert not np.allclose(model.params["W1"], W1_before)
    assert float((model.predict(X) == y).mean()) > 0.9
    assert model.params["W1"].dtype == np.float32


def test_a_cnn_with_fractional_epochs_any_optimizer_object_and_a_callback_that_stops():
    X, y = _toy_problem()
    history = train(_toy_cnn(), X, y, optimizer=SGD(), epochs=1.5, batch_size=16, lr=0.1, progress=False)
    assert history["epoch"] == [1, 1.5] and history["iteration"] == [4, 6]
    assert history.config["optimizer"] == "SGD"

    def stop_after_two(h):
        if len(h) == 2:
            raise StopTraining

    history = train(_toy_cnn(), X, y, optimizer="nesterov", epochs=5, batch_size=16, lr=0.05,
                    schedule="cosine", callback=stop_after_two, progress=False)
    assert len(history) == 2 and history.stopped == "callback"


def test_a_cnn_that_diverges_stops_and_bad_labels_are_named():
    X, y = _toy_problem()
    with pytest.raises(TrainingDiverged, match="smaller learning rate"):
        train(_toy_cnn(), X, y, optimizer="sgd", epochs=5, batch_size=16, lr=1e6, progress=False)
    with pytest.raises(ValueError, match="labels 0..2, but the model has 2 outputs"):
        train(_toy_cnn(), X[:3], np.array([0, 2, 1]), progress=False)


def test_a_cnn_takes_a_dev_set_early_stopping_dropout_l2_and_a_time_limit():
    X, y = _toy_problem(96)
    model = _toy_cnn()
    history = train(model, X[:64], y[:64], X_dev=X[64:], y_dev=y[64:], optimizer="adam", lr=0.01, epochs=40,
                    batch_size=16, early_stopping=3, dropout=0.2, l2=1e-4, progress=False)
    assert history.stopped == "early_stopping" and len(history) < 40
    assert {"dev_acc", "dev_cost", "l2_cost"} <= set(history.last)
    best = max(history["dev_acc"])           # the best epoch's parameters are restored
    assert float((model.predict(X[64:]) == y[64:]).mean()) == best
    timed = train(_toy_cnn(), X, y, epochs=1000, batch_size=16, max_seconds=0.2, progress=False)
    assert timed.stopped == "time_limit" and timed.last["iteration"] < 1000 * 6
