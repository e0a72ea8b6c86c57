"""Answers to lessons 1-6's exercises, right and wrong, written as a learner would write them.

Shared by tests/package/lab/test_check_hints_network.py (lessons 1-3's hint table), the tables of
lessons 4-6 (test_check_hints_minibatch.py, test_check_hints_regularization.py,
test_check_hints_evaluation.py) and the tests of the learner's own network. Functions that call each other do so through module globals, as a
learner's notebook functions do.
"""

from __future__ import annotations

import numpy as np

import mnist_scratch as ms


# --------------------------------------------------------------------------- right, lesson by lesson
def relu(Z):
    return np.maximum(Z, 0)


def relu_prime(Z):
    return (Z > 0).astype(Z.dtype)


def softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def logsumexp(Z):
    m = Z.max(axis=1, keepdims=True)
    return m[:, 0] + np.log(np.exp(Z - m).sum(axis=1))


def cross_entropy(Z, y):
    return np.mean(logsumexp(Z) - Z[np.arange(len(y)), y])


def one_hot(y):
    Y = np.zeros((len(y), 10), dtype=np.float32)
    Y[np.arange(len(y)), y] = 1
    return Y


def forward(params, X):
    L = len(params) // 2
    Z, A = [None], [X]
    for l in range(1, L + 1):
        Z.append(A[l - 1] @ params[f"W{l}"] + params[f"b{l}"])
        A.append(softmax(Z[l]) if l == L else relu(Z[l]))
    return Z, A


def backward(params, Z, A, y, *, n_div=True, sign=1.0, relu_ge=False, no_slope=False, dWT=False, db_axis=0,
             db_mean=False, no_T=False, stop_at=1, labels=False, two_layers=False, slope_of=None):
    """The L-layer backward pass, right by default, or with one planted mistake."""
    L, n = len(params) // 2, len(y)
    if two_layers:
        L = 2
    Y = y if labels else one_hot(y).astype(A[-1].dtype)
    dZ = sign * (A[-1] - Y) / (n if n_div else 1)
    grads = {}
    for l in range(L, stop_at - 1, -1):
        grads[f"W{l}"] = dZ.T @ A[l - 1] if dWT else A[l - 1].T @ dZ
        grads[f"b{l}"] = dZ.mean(axis=0) if db_mean else dZ.sum(axis=db_axis)
        if l > 1:
            dA = dZ @ params[f"W{l}"] if no_T else dZ @ params[f"W{l}"].T
            Zs = Z[l - 1] if slope_of is None else Z[slope_of(l)]
            dZ = dA if no_slope else dA * ((Zs >= 0) if relu_ge else (Zs > 0))
    return grads


def numerical_gradient(J, theta, eps=1e-5):
    grad = np.zeros_like(theta)
    for i in np.ndindex(theta.shape):
        old = theta[i]
        theta[i] = old + eps
        plus = J()
        theta[i] = old - eps
        minus = J()
        theta[i] = old
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def numerical_gradient_flat(J, theta, eps=1e-5):       # CS231n's way: through the flat view
    flat, grad = theta.reshape(-1), np.zeros(theta.size)
    for i in range(theta.size):
        flat[i] += eps
        plus = J()
        flat[i] -= 2 * eps
        minus = J()
        flat[i] += eps
        grad[i] = (plus - minus) / (2 * eps)
    return grad.reshape(theta.shape)


def gradient_descent(params, X, y, lr, iterations):
    costs = []
    for _ in range(iterations):
        Z, A = forward(params, X)
        costs.append(cross_entropy(Z[-1], y))
        grads = backward(params, Z, A, y)
        for name in params:
            params[name] -= lr * grads[name]
    return costs


def predict(params, X):
    return forward(params, X)[1][-1].argmax(axis=1)


def accuracy(y_true, y_pred):
    return np.mean(y_true == y_pred)


# --------------------------------------------------------------------------- right, lessons 4-6
def he_init(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2 / fan_in), size=(fan_in, fan_out))


def sgd_epoch(params, X, y, lr, batch_size, rng):
    order = rng.permutation(len(X))
    for first in range(0, len(X), batch_size):
        rows = order[first:first + batch_size]
        Z, A = forward(params, X[rows])
        grads = backward(params, Z, A, y[rows])
        for name in params:
            params[name] -= lr * grads[name]


def l2_penalty(params, lam):
    return lam / 2 * sum(np.sum(W ** 2) for name, W in params.items() if name.startswith("W"))


def l2_gradient(params, lam):
    return {name: lam * W if name.startswith("W") else np.zeros_like(W) for name, W in params.items()}


def dropout(A, p, rng):
    mask = (rng.random(A.shape) >= p).astype(A.dtype) / (1 - p)
    return A * mask, mask


def forward_dropout(params, X, p, rng):
    L = len(params) // 2
    Z, A, masks = [None], [X], [None]
    for l in range(1, L + 1):
        Z.append(A[l - 1] @ params[f"W{l}"] + params[f"b{l}"])
        if l < L:
            a, mask = dropout(relu(Z[l]), p, rng)
        else:
            a, mask = softmax(Z[l]), None
        A.append(a)
        masks.append(mask)
    return Z, A, masks


def backward_dropout(params, Z, A, masks, y):
    L, n = len(params) // 2, len(y)
    dZ = (A[L] - one_hot(y).astype(A[L].dtype)) / n
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = A[l - 1].T @ dZ
        grads[f"b{l}"] = dZ.sum(axis=0)
        if l > 1:
            dA = dZ @ params[f"W{l}"].T * masks[l - 1]
            dZ = dA * relu_prime(Z[l - 1])
    return grads


def confusion_matrix(y_true, y_pred):
    C = np.zeros((10, 10), dtype=int)
    for t, p in zip(y_true, y_pred):
        C[t, p] += 1
    return C


def per_class_accuracy(C):
    return np.diag(C) / np.maximum(C.sum(axis=1), 1)


def precision(C):
    return np.diag(C) / np.maximum(C.sum(axis=0), 1)


# --------------------------------------------------------------------------- wrong ones that need a body
def forward_two_layers(params, X):              # the toy network's forward pass, fixed at two layers
    Z1 = X @ params["W1"] + params["b1"]
    A1 = relu(Z1)
    Z2 = A1 @ params["W2"] + params["b2"]
    return [None, Z1, Z2], [X, A1, softmax(Z2)]


def forward_variant(params, X, *, output=None, hidden=None, bias=True, feed_Z=False, len_L=False, start_X=True,
                    Z_none=True, last_only=False):
    L = len(params) if len_L else len(params) // 2
    Z, A = [None] if Z_none else [], [X] if start_X else []
    prev, prev_Z = X, X
    for l in range(1, L + 1):
        z = (prev_Z if feed_Z and l > 1 else prev) @ params[f"W{l}"] + (params[f"b{l}"] if bias else 0)
        a = (output or softmax)(z) if l == L else (hidden or relu)(z)
        Z.append(z)
        A.append(a)
        prev, prev_Z = a, z
    return A[-1] if last_only else (Z, A)


def gd_variant(params, X, y, lr, iterations, *, sign=-1.0, biases=True, after=False, extra=0, new_dict=False,
               rebind=False, fixed=None):
    costs = []
    if fixed:
        lr, iterations = fixed
    for _ in range(iterations + extra):
        Z, A = forward(params, X)
        if not after:
            costs.append(cross_entropy(Z[-1], y))
        grads = backward(params, Z, A, y)
        if new_dict:
            params = {k: params[k] + sign * lr * grads[k] for k in params}
            continue
        for name in params:
            if rebind:
                W = params[name]
                W = W + sign * lr * grads[name]  # noqa: F841 (the mistake: a new local array)
            elif biases or name[0] == "W":
                params[name] += sign * lr * grads[name]
        if after:
            costs.append(cross_entropy(forward(params, X)[0][-1], y))
    return params if new_dict else costs[:iterations]


_memory = {}


def relu_remembers(Z):                          # keeps its first answer: state between calls
    if "first" not in _memory:
        _memory["first"] = np.maximum(Z, 0)
    return _memory["first"]


_calls = [0]


def accuracy_counts_calls(t, p):                # a global that grows from call to call
    _calls[0] += 1
    return np.mean(t == p) * (1 if _calls[0] == 1 else 0.5)


def package_relu(Z):
    return ms.relu(Z)


def package_cross_entropy(Z, y):
    return ms.cross_entropy(Z, y)


def package_backward(params, Z, A, y):
    return ms.backward(params, ms.network.Cache(Z=list(Z), A=list(A)), y)


def package_loop(params, X, y, lr, iterations):
    model = ms.Model([params["W1"].shape[0]] + [params[f"W{l}"].shape[1] for l in range(1, len(params) // 2 + 1)],
                     params=params)
    history = ms.train(model, X, y, epochs=iterations, batch_size=None, optimizer="sgd", lr=lr, progress=False)
    return [r["cost"] for r in history.records]


def numerical_with_package(J, theta, eps=1e-5):
    return ms.numerical_gradient(J, theta, range(theta.size), eps).reshape(theta.shape)


# --------------------------------------------------------------------------- a learner's session, for the lab's tests
LESSON_2 = ["one_hot", "relu", "relu_prime", "softmax", "cross_entropy", "forward", "backward", "numerical_gradient"]
LESSONS_3_TO_6 = ["gradient_descent", "predict", "accuracy", "he_init", "sgd_epoch", "l2_penalty", "l2_gradient",
                  "dropout", "forward_dropout", "backward_dropout", "confusion_matrix", "per_class_accuracy",
                  "precision"]


def solve(*names):
    """Pass the checks of these parts with the answers above, as a learner's exercise cells do."""
    from mnist_scratch.lab import check

    for name in names:
        check.CHECKS[name](globals()[name])


def restart():
    """What a kernel restart does to the learner's parts: only the files remain."""
    from mnist_scratch.lab import saving

    saving.forget()
