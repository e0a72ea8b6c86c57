"""mnist_scratch.network, the L-layer forward and backward passes: by hand on tiny networks, with
dropout, and against two independent references, PyTorch's autograd (when installed) and
scikit-learn's MLPClassifier.

scikit-learn's MLP is written by other hands, with samples as rows like ours, so the two agree
to rounding error in float64: our weights are copied into an ``MLPClassifier``; then its
``predict_proba`` must equal our ``forward``, and one full-batch SGD step of its own (no momentum,
no penalty) must move the weights exactly as our ``backward`` says: ``W - lr * dW``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from mnist_scratch.gradient_check import numerical_gradient, relative_error
from mnist_scratch.losses import cross_entropy
from mnist_scratch.network import backward, cost, forward, init_params


def test_init_params_shapes_biases_and_dtype():
    params = init_params([784, 128, 64, 10], "he", seed=1)
    assert [(k, v.shape) for k, v in params.items()] == [
        ("W1", (784, 128)), ("b1", (128,)), ("W2", (128, 64)), ("b2", (64,)), ("W3", (64, 10)), ("b3", (10,))]
    assert all(v.dtype == np.float32 for v in params.values())
    assert not any(params[f"b{l}"].any() for l in (1, 2, 3))
    p64 = init_params([784, 128, 64, 10], "he", seed=1, dtype=np.float64)
    np.testing.assert_allclose(p64["W2"], params["W2"], rtol=1e-6)


# --------------------------------------------------------------------------- forward / backward
def test_forward_by_hand_on_a_tiny_network():
    params = {"W1": np.array([[1.0, -1.0], [0.5, 2.0], [0.0, 1.0]]), "b1": np.array([0.0, -1.0]),
              "W2": np.array([[1.0, 0.0], [0.0, 1.0]]), "b2": np.array([0.0, 0.5])}
    x = np.array([[1.0, 2.0, 3.0]])
    # hidden: z = [1 + 1 + 0, -1 + 4 + 3 - 1] = [2, 5]; relu keeps both; output z = [2, 5.5]
    cache = forward(params, x)
    np.testing.assert_allclose(cache.A[1], [[2.0, 5.0]])
    np.testing.assert_allclose(cache.Z_out, [[2.0, 5.5]])
    p = 1 / (1 + math.exp(3.5))
    np.testing.assert_allclose(cache.A[2], [[p, 1 - p]])
    assert cost(cache, np.array([1])) == pytest.approx(-math.log(1 - p))


def test_backward_of_a_tiny_network_by_hand():
    """One sample, one hidden unit: every gradient written out with the chain rule."""
    params = {"W1": np.array([[0.5]]), "b1": np.array([0.1]), "W2": np.array([[2.0, -1.0]]), "b2": np.array([0.0, 0.0])}
    x, y = np.array([[2.0]]), np.array([0])
    h = 0.5 * 2 + 0.1                        # 1.1 > 0, so relu passes it through
    z = np.array([2 * h, -h])
    a = np.exp(z) / np.exp(z).sum()
    dz = a - [1, 0]
    grads = backward(params, forward(params, x), y)
    np.testing.assert_allclose(grads["W2"], [dz * h])
    np.testing.assert_allclose(grads["b2"], dz)
    dh = dz @ np.array([2.0, -1.0])
    np.testing.assert_allclose(grads["W1"], [[dh * 2.0]])
    np.testing.assert_allclose(grads["b1"], [dh])


def test_dropout_forward_and_gradient(rng):
    params = init_params([20, 30, 10], seed=0, dtype=np.float64)
    X, y = rng.random((50, 20)), rng.integers(0, 10, 50)
    cache = forward(params, X, dropout=0.5, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(forward(params, X, dropout=0.5, rng=0).masks[1], cache.masks[1])   # a seed works too
    assert forward(params, X, dropout=0.5).masks[1].shape == (50, 30)                           # and no rng at all
    dropped = np.mean(cache.masks[1] == 0)
    assert 0.4 < dropped < 0.6 and set(np.unique(cache.masks[1])) == {0.0, 2.0}
    # with the mask held fixed, backward is the exact gradient of the masked network
    grads = backward(params, cache, y)
    mask = cache.masks[1]

    def J():
        H = np.maximum(X @ params["W1"] + params["b1"], 0) * mask
        Z = H @ params["W2"] + params["b2"]
        return cross_entropy(Z, y)

    for key in params:
        idx = np.arange(min(params[key].size, 30))
        numeric = numerical_gradient(J, params[key], idx)
        assert relative_error(grads[key].reshape(-1)[idx], numeric) < 1e-6


def test_backward_matches_torch_autograd(mnist):
    torch = pytest.importorskip("torch")
    X = mnist.X_train[:32].astype(np.float64)
    y = mnist.y_train[:32]
    for activation, loss in [("relu", "cross_entropy"), ("sigmoid", "mse"), ("tanh", "cross_entropy")]:
        params = init_params([784, 64, 32, 10], "xavier", seed=5, dtype=np.float64)
        grads = backward(params, forward(params, X, activation, loss), y if loss == "cross_entropy" else np.eye(10)[y], activation, loss)
        t = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
        act = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh}[activation]
        h = torch.tensor(X)
        for l in (1, 2):
            h = act(h @ t[f"W{l}"] + t[f"b{l}"])
        z = h @ t["W3"] + t["b3"]
        if loss == "cross_entropy":
            J = torch.nn.functional.cross_entropy(z, torch.tensor(y))
        else:
            J = 0.5 * ((torch.sigmoid(z) - torch.tensor(np.eye(10)[y])) ** 2).sum() / len(y)
        J.backward()
        for k in params:
            np.testing.assert_allclose(grads[k], t[k].grad.numpy(), rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- against scikit-learn's MLPClassifier
SKLEARN_NAME = {"relu": "relu", "tanh": "tanh", "sigmoid": "logistic"}
SIZES = [784, 32, 16, 10]


def _classifier(activation: str, params: dict, X, y, lr: float):
    """An MLPClassifier whose parameters are ours, ready for one full-batch SGD step."""
    sklearn_mlp = pytest.importorskip("sklearn.neural_network", reason="scikit-learn is in the test extra")
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
