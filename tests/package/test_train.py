"""The one training loop (mnist_scratch.train): what one step does, every option, reproducibility,
divergence, the settings it refuses by name, and the deprecated train_cnn."""

from __future__ import annotations

import numpy as np
import pytest
from _package_helpers import SoftmaxRegression, _toy_cnn, _toy_problem

import mnist_scratch as ms
from mnist_scratch.evaluate import accuracy
from mnist_scratch.model import Model
from mnist_scratch.network import backward, forward
from mnist_scratch.train import StopTraining, TrainingDiverged, train


# --------------------------------------------------------------------------- the loop
def test_full_batch_epoch_is_one_gradient_descent_step(small):
    X, y, _, _ = small
    model = Model([784, 10, 10], seed=0)
    before = {k: v.copy() for k, v in model.params.items()}
    grads = backward(before, forward(before, X), y)
    history = train(model, X, y, epochs=1, batch_size=None, optimizer="sgd", lr=0.1, progress=False)
    assert history.last["iteration"] == 1
    for k in before:
        np.testing.assert_allclose(model.params[k], before[k] - 0.1 * grads[k], rtol=1e-5, atol=1e-7)


def test_l2_adds_lambda_w_to_weight_gradients_only(small):
    X, y, _, _ = small
    model = Model([784, 10, 10], seed=0)
    before = {k: v.copy() for k, v in model.params.items()}
    grads = backward(before, forward(before, X), y)
    train(model, X, y, epochs=1, batch_size=None, optimizer="sgd", lr=0.1, l2=0.01, progress=False)
    for k in before:
        expected = grads[k] + (0.01 * before[k] if k.startswith("W") else 0)
        np.testing.assert_allclose(model.params[k], before[k] - 0.1 * expected, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("optimizer,lr,batch", [("sgd", 0.5, None), ("sgd", 0.1, 64), ("sgd", 0.01, 1),
                                                ("momentum", 0.05, 64), ("adam", 2e-3, 64),
                                                ("nesterov", 0.05, 64), ("adagrad", 0.02, 64),
                                                ("rmsprop", 1e-3, 64)])
def test_every_optimiser_learns(small, optimizer, lr, batch):
    X, y, X_test, y_test = small
    epochs = 40 if batch is None else 3
    model = Model([784, 32, 10], seed=0)
    start = accuracy(y_test, model.predict(X_test))
    history = train(model, X, y, epochs=epochs, batch_size=batch, optimizer=optimizer, lr=lr, progress=False)
    assert history["cost"][-1] < history["cost"][0]
    assert accuracy(y_test, model.predict(X_test)) > max(0.75, start + 0.5)


def test_same_seed_same_numbers(small):
    X, y, X_dev, y_dev = small
    runs = []
    for seed in (0, 0, 1):
        model = Model([784, 16, 10], seed=seed)
        h = train(model, X, y, X_dev=X_dev, y_dev=y_dev, epochs=2, batch_size=32, dropout=0.2,
                  seed=seed, progress=False)
        runs.append((model.params["W1"].copy(), h["cost"], h["dev_acc"]))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1:] == runs[1][1:]
    assert not np.array_equal(runs[0][0], runs[2][0])


def test_history_and_dataframe(small):
    X, y, X_dev, y_dev = small
    model = Model([784, 16, 10])
    h = train(model, X, y, X_dev=X_dev, y_dev=y_dev, epochs=6, log_every=2, schedule="cosine",
              l2=1e-4, progress=False)
    frame = h.to_frame()
    assert list(frame.index) == [2, 4, 6]
    assert {"iteration", "lr", "cost", "train_acc", "dev_cost", "dev_acc", "seconds", "l2_cost"} <= set(frame.columns)
    assert frame["lr"].iloc[-1] < frame["lr"].iloc[0]
    assert h.train_seconds > 0 and frame["seconds"].is_monotonic_increasing
    assert h.config["epochs"] == 6 and model.recipe["train"]["schedule"] == "cosine"
    # dev figures agree with an independent evaluation
    assert frame["dev_acc"].iloc[-1] == accuracy(y_dev, model.predict(X_dev))


def test_callback_sees_every_record_and_can_stop(small):
    X, y, _, _ = small
    seen = []

    def callback(history):
        seen.append(len(history))
        if len(history) == 3:
            raise StopTraining

    h = train(Model([784, 8, 10]), X, y, epochs=10, callback=callback, progress=False)
    assert seen == [1, 2, 3] and h.stopped == "callback" and len(h) == 3


def test_should_stop_interrupts_within_an_epoch(small):
    X, y, _, _ = small
    calls = []
    h = train(Model([784, 8, 10]), X, y, epochs=5, batch_size=10,
              should_stop=lambda: calls.append(1) or len(calls) > 7, progress=False)
    assert h.stopped == "requested" and len(h) == 0 and len(calls) == 8


def test_early_stopping_restores_the_best_parameters(small):
    X, y, X_dev, y_dev = small
    model = Model([784, 64, 10], seed=0)
    snapshots = {}
    h = train(model, X[:300], y[:300], X_dev=X_dev, y_dev=y_dev, epochs=60, batch_size=30, lr=5e-3,
              early_stopping=3, callback=lambda hist: snapshots.__setitem__(len(hist), model.params["W1"].copy()),
              progress=False)
    assert h.stopped == "early_stopping" and len(h) < 60
    best = int(np.argmax(h["dev_acc"]))
    assert h.best_epoch == h.records[best]["epoch"]
    np.testing.assert_array_equal(model.params["W1"], snapshots[best + 1])
    with pytest.raises(ValueError, match="early_stopping needs a dev set"):
        train(model, X, y, early_stopping=2, progress=False)


def test_divergence_stops_with_a_clear_message_and_good_parameters(small):
    X, y, _, _ = small
    model = Model([784, 32, 10], seed=0)
    train(model, X, y, epochs=3, batch_size=None, optimizer="sgd", lr=0.1, progress=False)
    good = {k: v.copy() for k, v in model.params.items()}
    with pytest.raises(TrainingDiverged, match=r"diverged in epoch 2: the cost exploded to .* with lr=1e\+06. "
                                               r"Try a smaller learning rate \(for example lr=100000\)") as info:
        train(model, X, y, epochs=20, batch_size=None, optimizer="sgd", lr=1e6, progress=False)
    assert info.value.history.stopped == "diverged"
    for k in good:  # the last parameters that gave a good cost
        np.testing.assert_array_equal(model.params[k], good[k])


def test_nan_cost_is_divergence_too(small):
    X, y, _, _ = small
    model = Model([784, 8, 10], seed=0)
    model.params["W1"][:, 0] = 3e38  # finite, but the first layer's sums overflow float32
    with pytest.raises(TrainingDiverged, match="the cost became NaN or infinite"):
        train(model, X, y, epochs=1, batch_size=None, progress=False)
    assert all(np.all(np.isfinite(v)) for v in model.params.values())


def test_bad_arguments_are_named(small):
    X, y, _, _ = small
    model = Model([784, 8, 10])
    with pytest.raises(ValueError, match=r"y must be 2000 integer labels"):
        train(model, X, y[:10], progress=False)
    with pytest.raises(ValueError, match="labels 0..11, but the model has 10 outputs"):
        train(model, X[:3], np.array([0, 11, 2]), progress=False)
    with pytest.raises(ValueError, match="optimizer='lbfgs' is not allowed: optimizer must be one of 'sgd', 'momentum'"):
        train(model, X, y, optimizer="lbfgs", progress=False)
    with pytest.raises(ValueError, match=r"batch_size=0 is not allowed: batch_size must be a whole number >= 1"):
        train(model, X, y, batch_size=0, progress=False)
    with pytest.raises(ValueError, match=r"X_dev has shape \(3, 5\)"):
        train(model, X, y, X_dev=np.zeros((3, 5)), y_dev=np.zeros(3, int), progress=False)


def test_mse_with_myonn_targets_learns(small):
    X, y, X_test, y_test = small
    model = Model([784, 30, 10], activation="sigmoid", loss="mse", init="normal")
    train(model, X, y, epochs=2, batch_size=1, optimizer="sgd", lr=0.1, targets=(0.01, 0.99), progress=False)
    assert accuracy(y_test, model.predict(X_test)) > 0.8


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


def test_numpy_numbers_are_fine(small):
    X, y, _, _ = small
    history = train(Model([784, 8, 10]), X[:50], y[:50], epochs=np.int64(2), lr=np.float32(0.01),
                    batch_size=np.int32(25), l2=np.float64(0.0), progress=False)
    assert len(history) == 2 and history.config["epochs"] == 2


# --------------------------------------------------------------------------- train_cnn, deprecated
def test_train_cnn_is_a_deprecated_alias_of_train_with_its_old_defaults(recwarn):
    from mnist_scratch import train as train_module

    X, y = _toy_problem()
    train_module._warned = False
    old = ms.train_cnn(_toy_cnn(), X, y, epochs=2, lr=0.01)
    ms.train_cnn(_toy_cnn(), X, y, epochs=1)
    warnings = [w for w in recwarn if issubclass(w.category, FutureWarning)]
    assert len(warnings) == 1 and "use ms.train" in str(warnings[0].message)            # once per session
    new = train(_toy_cnn(), X, y, epochs=2, lr=0.01, batch_size=64, progress=False)
    assert old["cost"] == new["cost"] and old.config == new.config


# --------------------------------------------------------------------------- a network written from scratch
def test_the_one_loop_trains_a_network_written_from_scratch(small):
    """Nothing but the interface's members: one full-batch SGD step is W - lr * dJ/dW (the gradient
    written out here in float64), and a few epochs of mini-batches teach it to read digits."""
    X, y, X_dev, y_dev = small
    model = SoftmaxRegression()
    W, b = model.params["W"].astype(np.float64), model.params["b"].astype(np.float64)
    Z = X.astype(np.float64) @ W + b
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    dZ = (P - np.eye(10)[y]) / len(X)
    history = train(model, X, y, epochs=1, batch_size=None, optimizer="sgd", lr=0.5, progress=False)
    assert history.last["iteration"] == 1
    np.testing.assert_allclose(model.params["W"], W - 0.5 * X.T.astype(np.float64) @ dZ, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(model.params["b"], b - 0.5 * dZ.sum(axis=0), rtol=1e-4, atol=1e-6)
    assert history["cost"][0] == pytest.approx(-np.log(P[np.arange(len(y)), y]).mean(), rel=1e-5)

    history = train(model, X, y, X_dev=X_dev, y_dev=y_dev, epochs=5, batch_size=32, optimizer="sgd", lr=0.1,
                    progress=False)
    assert history["cost"][-1] < history["cost"][0] and history.last["dev_acc"] > 0.8
    assert model.params["W"].dtype == np.float32 and model.recipe["train"]["epochs"] == 5
    assert history.last["dev_acc"] == accuracy(y_dev, model.predict(X_dev))
