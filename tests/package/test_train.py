"""Training: optimisers against written-out references, options, reproducibility, divergence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mnist_scratch.evaluate import accuracy
from mnist_scratch.model import Model
from mnist_scratch.network import backward, forward
from mnist_scratch.optim import Adam, Momentum, SGD
from mnist_scratch.schedules import Cosine, Exponential, Step, make_schedule
from mnist_scratch.recipes import BEST, RECIPES, get_recipe, run_recipe
from mnist_scratch.train import StopTraining, TrainingDiverged, train


# --------------------------------------------------------------------------- optimisers
def _reference_adam(theta, grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    """Adam exactly as Algorithm 1 of Kingma & Ba writes it, in float64."""
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        v_hat = v / (1 - b2 ** t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta


def test_optimisers_match_their_update_rules(rng):
    theta0 = rng.normal(size=50)
    grads = [rng.normal(size=50) for _ in range(5)]
    for opt, reference in [
        (SGD(), lambda: theta0 - 0.1 * sum(grads)),
        (Momentum(0.9), lambda: _momentum_reference(theta0, grads)),
        (Adam(), lambda: _reference_adam(theta0, grads, 0.1)),
    ]:
        theta = theta0.copy()
        for g in grads:
            opt.step(theta, g.copy(), 0.1)
        np.testing.assert_allclose(theta, reference(), rtol=1e-10, atol=1e-12)


def _momentum_reference(theta, grads, lr=0.1, mu=0.9):
    v = np.zeros_like(theta)
    for g in grads:
        v = mu * v + g
        theta = theta - lr * v
    return theta


def test_schedules():
    assert make_schedule(None)(3, 10) == 1.0
    assert Step(step_size=2, gamma=0.5)(5.5, 10) == 0.25 and Step(2, 0.5)(1.9, 10) == 1.0
    assert Exponential(0.9)(2, 10) == pytest.approx(0.81)
    assert Cosine()(0, 10) == 1.0 and Cosine()(5, 10) == pytest.approx(0.5) and Cosine()(10, 10) == pytest.approx(0)
    assert make_schedule(("step", {"step_size": 1, "gamma": 0.1}))(2, 5) == pytest.approx(0.01)
    with pytest.raises(ValueError, match="schedule='linear' is not allowed: schedule must be one of 'constant', 'step'"):
        make_schedule("linear")


@pytest.mark.parametrize("schedule,message", [
    (("step", {"every": 3}), r"schedule 'step': no argument called 'every'; the arguments are step_size, gamma"),
    (("step", 5), r"schedule=\('step', 5\) is not allowed: the options must be a dict, like \('step', \{'step_size': …"),
    (("step", {"step_size": 0}), r"schedule 'step': step_size=0 is not allowed: step_size must be a number > 0"),
    (("exponential", {"gamma": -1}), r"gamma=-1 is not allowed: gamma must be a number > 0"),
    (("cosine", {"floor": 2}), r"floor=2 is not allowed: floor must be a number in \[0, 1\]"),
    (42, r"schedule=42 is not allowed: schedule must be None, one of 'constant'"),
])
def test_schedule_options_are_checked_by_name(schedule, message):
    with pytest.raises(ValueError, match=message):
        make_schedule(schedule)


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


# --------------------------------------------------------------------------- recipes, on the full data
def test_recipe_lookup():
    assert get_recipe(6) is BEST and get_recipe("6") is BEST and get_recipe("best") is BEST
    assert [r.number for r in RECIPES.values()] == [1, 2, 3, 4, 5, 6, 7]
    with pytest.raises(ValueError, match=r"get_recipe\(\): name='fastest' is not allowed: name must be a recipe's "
                                         r"name or number: 1 \(kaggle-784-10-10\)"):
        get_recipe("fastest")


@pytest.mark.slow
def test_best_recipe_reaches_98_percent(mnist):
    _, _, result = run_recipe("best", data=mnist, progress=False)
    assert result["test_accuracy"] >= 0.98, result


@pytest.mark.slow
def test_default_784_10_10_reaches_92_5_percent(mnist):
    _, _, result = run_recipe("best", data=mnist, sizes=[784, 10, 10], progress=False)
    assert result["test_accuracy"] >= 0.925, result
