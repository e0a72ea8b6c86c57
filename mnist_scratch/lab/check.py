"""Self-checks for the exercises: ``check.softmax(your_softmax)`` and friends.

Each check calls your function on a few carefully chosen inputs, compares it
with the package's own version, and prints either a pass message or a hint
about what is off. It returns True or False, so ``assert check.relu(my_relu)``
works in a notebook.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..activations import relu as _relu
from ..activations import relu_prime as _relu_prime
from ..activations import sigmoid as _sigmoid
from ..activations import softmax as _softmax
from ..losses import cross_entropy as _cross_entropy

__all__ = ["relu", "relu_prime", "sigmoid", "softmax", "cross_entropy", "one_hot", "accuracy"]


def _report(name: str, ok: bool, message: str) -> bool:
    print(("✅ " if ok else "❌ ") + f"{name}: {message}")
    return ok


def _call(name, fn, *args):
    """Call the learner's function; turn exceptions and warnings into a hint."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            return np.asarray(fn(*[a.copy() if isinstance(a, np.ndarray) else a for a in args])), None
        except RuntimeWarning as w:
            return None, f"NumPy warned '{w}'. Something overflowed or divided by zero."
        except Exception as err:
            return None, f"calling it raised {type(err).__name__}: {err}"


def _compare(name, got, expected, what="the reference"):
    if got.shape != expected.shape:
        return _report(name, False, f"expected shape {expected.shape}, got {got.shape}. "
                                    f"Remember: samples are rows.")
    if not np.allclose(got, expected, rtol=1e-5, atol=1e-6):
        worst = float(np.max(np.abs(got - expected)))
        return _report(name, False, f"values differ from {what} by up to {worst:.3g}.")
    return None


def relu(fn) -> bool:
    """Check an element-wise ReLU."""
    Z = np.array([[-2.0, -0.5, 0.0], [0.5, 3.0, -1e-9]])
    got, problem = _call("relu", fn, Z)
    if problem:
        return _report("relu", False, problem)
    if got.shape == Z.shape and np.allclose(got, np.abs(Z)):
        return _report("relu", False, "negative inputs should become 0, not their absolute value.")
    result = _compare("relu", got, _relu(Z))
    return result if result is not None else _report("relu", True, "max(0, z) on every element. Well done!")


def relu_prime(fn) -> bool:
    """Check the ReLU derivative (1 where z > 0, else 0)."""
    Z = np.array([[-2.0, 0.5, 3.0], [-0.1, 2.0, -5.0]])
    got, problem = _call("relu_prime", fn, Z)
    if problem:
        return _report("relu_prime", False, problem)
    if got.shape == Z.shape and np.allclose(got, _relu(Z)):
        return _report("relu_prime", False, "that is ReLU itself; its slope is 1 for z > 0 and 0 otherwise.")
    result = _compare("relu_prime", got.astype(float), _relu_prime(Z))
    return result if result is not None else _report("relu_prime", True, "slope 1 where z > 0, 0 elsewhere. Correct!")


def sigmoid(fn) -> bool:
    """Check a sigmoid, including very negative inputs."""
    Z = np.array([[-3.0, 0.0, 2.0], [1.0, -1.0, 0.5]])
    got, problem = _call("sigmoid", fn, Z)
    if problem:
        return _report("sigmoid", False, problem)
    result = _compare("sigmoid", got, _sigmoid(Z))
    if result is not None:
        if got.shape == Z.shape and np.allclose(got, 1 / (1 + np.exp(Z))):
            return _report("sigmoid", False, "it looks like sigmoid(-z): the formula is 1 / (1 + exp(-z)).")
        return result
    big, problem = _call("sigmoid", fn, np.array([[-1000.0, 1000.0]]))
    if problem:
        return _report("sigmoid", True, "correct values, but it warns for z = -1000 (exp(1000) overflows). "
                                        "Bonus: use exp(z) / (1 + exp(z)) for negative z.")
    return _report("sigmoid", True, "1 / (1 + exp(-z)), right even for huge inputs.")


def softmax(fn) -> bool:
    """Check a row-wise softmax, including logits of 1000."""
    Z = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, 0.0, 0.0, 0.0], [-2.0, 5.0, 1.0, 0.5]])
    got, problem = _call("softmax", fn, Z)
    if problem:
        return _report("softmax", False, problem)
    if got.shape == Z.shape and np.allclose(got.sum(axis=0), 1) and not np.allclose(got.sum(axis=1), 1):
        return _report("softmax", False, "each column sums to 1, but in mnist_scratch each ROW is a sample: "
                                         "sum with axis=1, keepdims=True.")
    if got.shape == Z.shape and np.allclose(got, np.exp(Z) / np.exp(Z).sum()):
        return _report("softmax", False, "you divided by the sum over the whole array; divide each row by its "
                                         "own sum (axis=1, keepdims=True).")
    result = _compare("softmax", got, _softmax(Z))
    if result is not None:
        return result
    big, problem = _call("softmax", fn, np.array([[1000.0, 0.0, -1000.0]]))
    if problem or big is None or not np.all(np.isfinite(big)):
        return _report("softmax", False, "right for small scores, but a score of 1000 overflows exp(). "
                                         "Subtract each row's maximum before exponentiating: it changes nothing else.")
    return _report("softmax", True, "rows sum to 1, and it is stable for a logit of 1000. Excellent!")


def cross_entropy(fn) -> bool:
    """Check a mean cross-entropy ``fn(Z, y)`` from logits Z and integer labels y."""
    Z = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 0.0], [1.0, -1.0, 3.0]])
    y = np.array([0, 1, 2, 0])
    got, problem = _call("cross_entropy", fn, Z, y)
    if problem:
        return _report("cross_entropy", False, problem)
    expected = _cross_entropy(Z, y)
    if got.size != 1:
        return _report("cross_entropy", False, f"expected one number (the mean over samples), got shape {got.shape}.")
    value = float(got)
    if np.isclose(value, expected * len(y)):
        return _report("cross_entropy", False, "that is the sum over samples; take the mean (divide by n).")
    if np.isclose(value, -expected):
        return _report("cross_entropy", False, "the sign is flipped: the loss is MINUS the log-probability.")
    if not np.isclose(value, expected, rtol=1e-6):
        return _report("cross_entropy", False, f"expected {expected:.6f}, got {value:.6f}.")
    big, problem = _call("cross_entropy", fn, np.array([[1000.0, 0.0]]), np.array([1]))
    if problem or big is None or not np.isfinite(float(big)):
        return _report("cross_entropy", True, "correct for ordinary scores, but a logit of 1000 gives inf or NaN. "
                                              "Bonus: compute it as logsumexp(z) - z_y.")
    return _report("cross_entropy", True, "mean of -log softmax(z)_y, stable for huge logits. Great!")


def one_hot(fn) -> bool:
    """Check ``fn(y)`` returning one-hot rows of shape (n, 10)."""
    y = np.array([3, 0, 9, 3])
    got, problem = _call("one_hot", fn, y)
    if problem:
        return _report("one_hot", False, problem)
    expected = np.eye(10)[y]
    if got.shape == (10, len(y)):
        return _report("one_hot", False, "shape (10, n): that is one COLUMN per sample; here samples are rows, (n, 10).")
    result = _compare("one_hot", got.astype(float), expected)
    return result if result is not None else _report("one_hot", True, "one row per label, a single 1 in each. Correct!")


def accuracy(fn) -> bool:
    """Check ``fn(y_true, y_pred)`` returning the fraction of correct predictions."""
    y_true, y_pred = np.array([1, 2, 3, 4]), np.array([1, 0, 3, 0])
    got, problem = _call("accuracy", fn, y_true, y_pred)
    if problem:
        return _report("accuracy", False, problem)
    if np.isclose(float(got), 2):
        return _report("accuracy", False, "that is the number of correct predictions; divide by how many there are.")
    if not np.isclose(float(got), 0.5):
        return _report("accuracy", False, f"expected 0.5 for 2 right out of 4, got {float(got)}.")
    return _report("accuracy", True, "the fraction of predictions that match. Correct!")
