"""Convolution, max-pooling, flatten and the CNN: gradient-checked in float64, the
convolution against its sum written out as six loops (and SciPy, when installed),
training on a toy problem, and the ``cnn`` recipe's plumbing."""

from __future__ import annotations

import numpy as np

import mnist_scratch as ms
import pytest

from mnist_scratch.cnn import CNN, forward, loss_and_grads
from mnist_scratch.train import train
from mnist_scratch.conv import (conv_backward, conv_forward, flatten_backward, flatten_forward,
                                maxpool_backward, maxpool_forward)
from mnist_scratch.gradient_check import numerical_gradient, relative_error
from mnist_scratch.training.history import StopTraining, TrainingDiverged
from mnist_scratch.losses import cross_entropy
from mnist_scratch.optim import SGD
from mnist_scratch.recipes import get_recipe, run_recipe


def numerical(f, x):
    """Central differences of the scalar ``f()`` with respect to every entry of ``x``."""
    return numerical_gradient(f, x, range(x.size)).reshape(x.shape)


def conv_six_loops(X, W, b, padding):
    """The convolution sum written as six loops (plus the bias), with its own zero padding."""
    n, C, H, Wd = X.shape
    F, _, kh, kw = W.shape
    if padding == "same":
        top, left = (kh - 1) // 2, (kw - 1) // 2
        Xp = np.zeros((n, C, H + kh - 1, Wd + kw - 1))
        Xp[:, :, top:top + H, left:left + Wd] = X
    else:
        Xp = X
    Ho, Wo = Xp.shape[2] - kh + 1, Xp.shape[3] - kw + 1
    Z = np.zeros((n, F, Ho, Wo))
    for s in range(n):
        for f in range(F):
            for y in range(Ho):
                for x in range(Wo):
                    total = b[f]
                    for c in range(C):
                        for i in range(kh):
                            for j in range(kw):
                                total += Xp[s, c, y + i, x + j] * W[f, c, i, j]
                    Z[s, f, y, x] = total
    return Z


# --------------------------------------------------------------------------- convolution
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("k", [3, 4])
def test_conv_forward_matches_six_loops(padding, k):
    rng = np.random.default_rng(5)
    X, W, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, k, k)), rng.normal(size=4)
    Z, _ = conv_forward(X, W, b, padding)
    expected = conv_six_loops(X, W, b, padding)
    assert Z.shape == expected.shape == ((2, 4, 7, 6) if padding == "same" else (2, 4, 8 - k, 7 - k))
    np.testing.assert_allclose(Z, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_forward_matches_scipy(padding):
    signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(6)
    X, W, b = rng.normal(size=(3, 2, 9, 8)), rng.normal(size=(5, 2, 5, 5)), rng.normal(size=5)
    Z, _ = conv_forward(X, W, b, padding)
    Xp = np.pad(X, ((0, 0), (0, 0), (2, 2), (2, 2))) if padding == "same" else X
    for s in range(3):
        for f in range(5):
            # correlating the (C, H, W) volume with the (C, k, k) filter, 'valid' along C too
            reference = signal.correlate(Xp[s], W[f], mode="valid")[0] + b[f]
            np.testing.assert_allclose(Z[s, f], reference, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_gradient_check(padding):
    rng = np.random.default_rng(7)
    X, W, b = rng.normal(size=(2, 2, 6, 5)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    R = rng.normal(size=conv_forward(X, W, b, padding)[0].shape)     # J = sum(Z * R)

    def J():
        return float((conv_forward(X, W, b, padding)[0] * R).sum())

    dX, dW, db = conv_backward(R, conv_forward(X, W, b, padding)[1])
    errors = {"X": relative_error(dX, numerical(J, X)), "W": relative_error(dW, numerical(J, W)),
              "b": relative_error(db, numerical(J, b))}
    print(f"conv {padding} gradient check:", errors)
    assert max(errors.values()) < 1e-8, errors
    assert conv_backward(R, conv_forward(X, W, b, padding)[1], need_dX=False)[0] is None


def test_conv_keeps_float32_and_names_its_errors():
    X = np.ones((1, 2, 5, 5), np.float32)
    Z, _ = conv_forward(X, np.ones((3, 2, 3, 3), np.float32), np.zeros(3, np.float32), "same")
    assert Z.dtype == np.float32 and Z.shape == (1, 3, 5, 5)
    with pytest.raises(ValueError, match="same C"):
        conv_forward(X, np.ones((3, 1, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="padding='full' is not known"):
        conv_forward(X, np.ones((3, 2, 3, 3)), np.zeros(3), "full")


# --------------------------------------------------------------------------- max-pooling, flatten
def test_maxpool_forward_by_hand():
    out, _ = maxpool_forward(np.arange(16.0).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(out[0, 0], [[5, 7], [13, 15]])


def test_maxpool_gradient_check():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(2, 3, 6, 4))           # distinct values: no ties, so max is differentiable
    R = rng.normal(size=(2, 3, 3, 2))

    def J():
        return float((maxpool_forward(X)[0] * R).sum())

    error = relative_error(maxpool_backward(R, maxpool_forward(X)[1]), numerical(J, X))
    print("max-pool gradient check:", error)
    assert error < 1e-8


def test_maxpool_gradient_goes_to_one_pixel_per_block_even_with_ties():
    X = np.zeros((1, 1, 2, 4))
    X[0, 0, :, 2:] = 1.0                       # the right block is a tie of four ones
    dX = maxpool_backward(np.array([[[[1.0, 2.0]]]]), maxpool_forward(X)[1])
    assert dX.sum() == 3.0 and np.count_nonzero(dX) == 2


def test_maxpool_rejects_odd_sizes():
    with pytest.raises(ValueError, match="multiples of size=2"):
        maxpool_forward(np.zeros((1, 1, 5, 4)))


def test_flatten_round_trip():
    X = np.arange(24.0).reshape(2, 3, 2, 2)
    out, shape = flatten_forward(X)
    assert out.shape == (2, 12) and out[1, 0] == 12
    np.testing.assert_array_equal(flatten_backward(out, shape), X)


# --------------------------------------------------------------------------- the CNN
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
def _toy_problem(n=64):
    """Two classes of 8x8 images: class 1 has a brighter top half."""
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, n)
    X = (0.5 * rng.random((n, 1, 8, 8))).astype(np.float32)
    X[y == 1, :, :4] += 0.5
    return X, y


def _toy_cnn():
    return CNN(channels=(4, 4), kernel=3, hidden=8, classes=2, image_shape=(1, 8, 8), padding="same")


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


# --------------------------------------------------------------------------- the recipe
def test_cnn_recipe_runs_end_to_end_on_a_few_images(mnist):
    X, y, X_test, y_test = mnist
    model, history, result = run_recipe("cnn", data=(X[:256], y[:256], X_test[:200], y_test[:200]),
                                        epochs=1, progress=False)
    assert isinstance(model, CNN) and history.last["iteration"] == 256 // 64
    assert result["layers"] == model.layers and 0 <= result["test_accuracy"] <= 1
    assert model.recipe["name"] == "cnn" and history.config["optimizer"] == "adam"
    recipe = get_recipe(7)
    assert recipe.name == "cnn" and recipe.reference == 0.99 and recipe.train["batch_size"] == 64
    assert recipe.describe().startswith("1x28x28-conv5x5x16-pool2-conv5x5x32-pool2-128-10")
    with pytest.raises(ValueError, match="only to the fully connected recipes"):
        run_recipe("cnn", data=(X[:256], y[:256], X_test[:200], y_test[:200]), sizes=[784, 10])
