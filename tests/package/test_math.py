"""The math, checked against closed forms, numerical derivatives and (when installed) PyTorch."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from mnist_scratch.activations import (ACTIVATIONS, relu, relu_prime, sigmoid, sigmoid_prime, softmax,
                                       tanh_prime)
from mnist_scratch.gradient_check import gradient_check, numerical_gradient, relative_error
from mnist_scratch.init import init_weights
from mnist_scratch.losses import cross_entropy, logsumexp, mse
from mnist_scratch.training.flat_params import FlatGradient, pack
from mnist_scratch.model import Model
from mnist_scratch.network import backward, cost, forward, init_params


# --------------------------------------------------------------------------- activations
def test_activation_closed_forms():
    z = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(relu(z), [0, 0, 0, 0.5, 2])
    np.testing.assert_array_equal(relu_prime(z), [0, 0, 0, 1, 1])
    np.testing.assert_allclose(sigmoid(z), [1 / (1 + math.exp(-v)) for v in z], rtol=1e-15)
    assert sigmoid(np.array([0.0]))[0] == 0.5
    np.testing.assert_allclose(tanh_prime(z), [1 - math.tanh(v) ** 2 for v in z])


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu"])
def test_derivatives_match_numerical_ones(name):
    act = ACTIVATIONS[name]
    assert act.name == name
    z = np.array([-3.0, -1.2, -0.3, 0.4, 1.1, 2.7])  # away from ReLU's kink
    numeric = [(act.g(np.array([v + 1e-6]))[0] - act.g(np.array([v - 1e-6]))[0]) / 2e-6 for v in z]
    np.testing.assert_allclose(act.g_prime(z), numeric, rtol=1e-6, atol=1e-9)


def test_sigmoid_is_stable_for_huge_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(np.array([-1000.0, 1000.0], dtype=np.float32))
    assert s.tolist() == [0.0, 1.0]


def test_softmax_rows_are_probabilities_and_stable():
    Z = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = softmax(Z)
    np.testing.assert_allclose(P.sum(axis=1), 1)
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(P[0], e / e.sum())
    np.testing.assert_allclose(P[1], [1, 0, 0])
    np.testing.assert_allclose(softmax(Z + 50), P)  # shifting a row changes nothing


# --------------------------------------------------------------------------- losses
def test_cross_entropy_closed_forms():
    assert cross_entropy(np.zeros((1, 2)), np.array([0])) == pytest.approx(math.log(2))
    assert cross_entropy(np.zeros((3, 10)), np.array([0, 5, 9])) == pytest.approx(math.log(10))
    Z = np.array([[2.0, 1.0, 0.1]])
    expected = -math.log(math.exp(2) / (math.exp(2) + math.exp(1) + math.exp(0.1)))
    assert cross_entropy(Z, np.array([0])) == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_of_huge_logits_is_finite_without_warnings():
    Z = np.array([[1000.0, 0.0], [0.0, 1000.0]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        right = cross_entropy(Z, np.array([0, 1]))
        wrong = cross_entropy(Z, np.array([1, 0]))
    assert right == pytest.approx(0.0, abs=1e-6)
    assert wrong == pytest.approx(1000.0, rel=1e-6)
    assert logsumexp(np.array([[1000.0, 1000.0]]))[0] == pytest.approx(1000 + math.log(2))


def test_cross_entropy_labels_and_one_hot_agree(rng):
    Z = rng.normal(size=(6, 4))
    y = rng.integers(0, 4, 6)
    assert cross_entropy(Z, y) == pytest.approx(cross_entropy(Z, np.eye(4)[y]), rel=1e-12)


def test_mse_closed_form():
    A = np.array([[0.2, 0.8], [0.5, 0.5]])
    Y = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert mse(A, Y) == pytest.approx((0.04 + 0.04 + 0.25 + 0.25) / 2 / 2)


# --------------------------------------------------------------------------- initialisation
def test_init_spreads_and_seeding():
    W = init_weights(784, 500, "he", 0)
    assert W.shape == (784, 500)
    assert W.std() == pytest.approx(math.sqrt(2 / 784), rel=0.02)
    assert init_weights(784, 500, "normal", 0).std() == pytest.approx(1 / 28, rel=0.02)
    limit = math.sqrt(6 / (784 + 500))
    X = init_weights(784, 500, "xavier", 0)
    assert X.max() <= limit and X.min() >= -limit and X.std() == pytest.approx(limit / math.sqrt(3), rel=0.02)
    U = init_weights(784, 10, "uniform", 0)
    assert U.max() <= 0.5 and U.min() >= -0.5
    np.testing.assert_array_equal(init_weights(10, 5, "he", 7), init_weights(10, 5, "he", 7))
    assert not np.array_equal(init_weights(10, 5, "he", 7), init_weights(10, 5, "he", 8))
    with pytest.raises(ValueError, match=r"^init_weights\(\): scheme='glorot' is not allowed: scheme must be one of "
                                         r"'he', 'xavier', 'normal', 'uniform', 'small'$"):
        init_weights(2, 2, "glorot")


def test_init_params_shapes_biases_and_dtype():
    params = init_params([784, 128, 64, 10], "he", seed=1)
    assert [(k, v.shape) for k, v in params.items()] == [
        ("W1", (784, 128)), ("b1", (128,)), ("W2", (128, 64)), ("b2", (64,)), ("W3", (64, 10)), ("b3", (10,))]
    assert all(v.dtype == np.float32 for v in params.values())
    assert not any(params[f"b{l}"].any() for l in (1, 2, 3))
    p64 = init_params([784, 128, 64, 10], "he", seed=1, dtype=np.float64)
    np.testing.assert_allclose(p64["W2"], params["W2"], rtol=1e-6)


def test_pack_shares_memory_and_takes_in_replaced_arrays():
    params = init_params([4, 3, 2], seed=0)
    W1 = params["W1"].copy()
    theta = pack(params)
    assert theta.size == 4 * 3 + 3 + 3 * 2 + 2
    np.testing.assert_array_equal(params["W1"], W1)      # packing changes no value
    theta[:] = 0
    assert not params["W1"].any()                        # the dict's arrays are views of theta
    params["W2"] = np.ones((3, 2), np.float32)           # a learner replaces an array
    theta2 = pack(params)
    assert theta2 is not theta and np.shares_memory(theta2, params["W2"])
    assert params["W2"].sum() == 6 and theta2.sum() == 6


def test_flat_gradient_is_filled_in_parameter_order():
    params = init_params([4, 3, 2], seed=0)
    theta = pack(params)
    grads = {k: np.full(v.shape, i, np.float32) for i, (k, v) in enumerate(params.items())}
    flat = FlatGradient(params, theta).fill(grads)
    expected = np.concatenate([g.ravel() for g in grads.values()])
    np.testing.assert_array_equal(flat, expected)


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


ARCHITECTURES = [
    ([784, 10, 10], "relu", "cross_entropy"),
    ([784, 128, 64, 10], "relu", "cross_entropy"),
    ([784, 100, 10], "sigmoid", "mse"),
    ([20, 16, 12, 8, 10], "tanh", "cross_entropy"),
    ([20, 16, 12, 8, 10], "sigmoid", "mse"),
    ([20, 15, 10], "relu", "mse"),
    ([20, 15, 10], "tanh", "mse"),
]


@pytest.mark.parametrize("sizes,activation,loss", ARCHITECTURES,
                         ids=["-".join(map(str, s)) + f"-{a}-{l}" for s, a, l in ARCHITECTURES])
def test_gradient_check(mnist, sizes, activation, loss):
    first = 0 if sizes[0] == 784 else 400  # the first pixels are always blank: use central ones
    X = mnist.X_train[:16, first:first + sizes[0]].astype(np.float64)
    y = mnist.y_train[:16]
    Y = y if loss == "cross_entropy" else np.where(np.eye(10)[y] > 0, 0.99, 0.01)
    params = init_params(sizes, "xavier" if activation != "relu" else "he", seed=3, dtype=np.float64)
    errors = gradient_check(params, X, Y, activation, loss, max_entries=60)
    assert set(errors) == set(params)
    assert max(errors.values()) < 1e-6, errors


def test_gradient_check_catches_a_broken_gradient(mnist):
    X, y = mnist.X_train[:8].astype(np.float64), mnist.y_train[:8]
    params = init_params([784, 10, 10], seed=0, dtype=np.float64)
    grads = backward(params, forward(params, X), y)
    grads["b1"] = grads["b1"] * 2  # the classic slip: a missing or extra factor
    errors = gradient_check(params, X, y, grads=grads)
    assert errors["b1"] > 0.1 and errors["W1"] < 1e-6


def test_numerical_gradient_of_a_closed_form():
    x = np.array([1.0, -2.0, 3.0])
    grad = numerical_gradient(lambda: float(np.sum(x ** 3)), x, [0, 1, 2])
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0])  # restored
    assert relative_error([1, 2], [1, 2]) == 0.0 and relative_error([1, 0], [0, 1]) == pytest.approx(1 / math.sqrt(2))


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


def test_model_checks_its_input():
    model = Model([784, 10, 10])
    with pytest.raises(ValueError, match=r"X has shape \(5, 783\), but this model expects rows of 784 inputs"):
        model.predict(np.zeros((5, 783)))
    with pytest.raises(ValueError, match=r"Model\(\): activation='swish' is not allowed: activation must be one of 'relu'"):
        Model([784, 10], activation="swish")
    with pytest.raises(ValueError, match=r"Model\(\): loss='hinge' is not allowed: loss must be one of 'cross_entropy', 'mse'"):
        Model([784, 10], loss="hinge")
    with pytest.raises(ValueError, match=r"Model\(\): sizes=\['a', 10\] is not allowed: sizes must be a list of 2 or more"):
        Model(["a", 10])
    with pytest.raises(ValueError, match=r"Model\(\): sizes=\[784, 10.9, 10\] is not allowed"):
        Model([784, 10.9, 10])                           # not silently [784, 10, 10]
    with pytest.raises(ValueError, match=r"Model\(\): seed=-1 is not allowed: seed must be a whole number >= 0"):
        Model([784, 10], seed=-1)
    assert model.predict(np.zeros(784)).shape == (1,)


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
