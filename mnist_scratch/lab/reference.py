"""The package's version of every part of the learner's network, with the signature the lesson asks for.

These stand in for the parts a learner has not written (yet): the lesson goes on,
and nothing later crashes. Each is a thin wrapper around the package's math
(:mod:`mnist_scratch.activations`, :mod:`~mnist_scratch.losses`,
:mod:`~mnist_scratch.network`, …), in the learner's calling convention.

A part that uses other parts calls them **by their part names**
(``forward``, ``backward``, ``cross_entropy`` below): :func:`mnist_scratch.lab.my_network.load`
runs these functions with those names bound to the learner's parts where the
learner has them, so that the package's training loop trains the learner's
``forward`` and ``backward``.
"""

from __future__ import annotations

import numpy as np

from .. import activations, conv, evaluate, losses, network
from ..gradient_check import numerical_gradient as _numerical_gradient

__all__ = ["one_hot", "relu", "relu_prime", "softmax", "cross_entropy", "forward", "backward",
           "numerical_gradient", "gradient_descent", "predict", "accuracy",
           "conv2d", "conv2d_backward", "maxpool", "maxpool_backward",
           "compare"]


# --------------------------------------------------------------------------- lesson 1
def one_hot(y):
    """n integer labels -> (n, 10) one-hot rows."""
    return losses.one_hot(np.asarray(y), 10)


# --------------------------------------------------------------------------- lesson 2
def relu(Z):
    return activations.relu(Z)


def relu_prime(Z):
    return activations.relu_prime(Z)


def softmax(Z):
    return activations.softmax(Z)


def cross_entropy(Z, y):
    return losses.cross_entropy(Z, y)


def forward(params, X):
    """``(Z, A)``: every layer's weighted input and output, ``Z[0]`` None and ``A[0]`` X."""
    cache = network.forward(params, X)
    return cache.Z, cache.A


def backward(params, Z, A, y):
    """The gradients of the mean cross-entropy, by parameter name."""
    return network.backward(params, network.Cache(Z=list(Z), A=list(A)), y)


def numerical_gradient(J, theta, eps=1e-5):
    """Central differences of ``J()`` with respect to every entry of ``theta``, in theta's shape."""
    return _numerical_gradient(J, theta, range(theta.size), eps).reshape(theta.shape)


# --------------------------------------------------------------------------- lesson 3
def gradient_descent(params, X, y, lr, iterations):
    """Full-batch gradient descent in place, with the network's ``forward`` and ``backward``; the cost
    before each update."""
    costs = []
    for _ in range(iterations):
        Z, A = forward(params, X)
        costs.append(float(cross_entropy(Z[-1], y)))
        grads = backward(params, Z, A, y)
        for name in params:
            params[name] -= lr * grads[name]
    return costs


def predict(params, X):
    return np.asarray(forward(params, X)[1][-1]).argmax(axis=1)


def accuracy(y_true, y_pred):
    return evaluate.accuracy(y_true, y_pred)


# --------------------------------------------------------------------------- lesson 10
def conv2d(image, kernel):
    """The 'valid' cross-correlation of one image (H, W) with one filter (kh, kw)."""
    image = np.asarray(image)
    return conv.conv_forward(image[None, None], np.asarray(kernel)[None, None], np.zeros(1, image.dtype))[0][0, 0]


def conv2d_backward(dZ, image, kernel):
    """``(d_image, d_kernel)``: the gradients of :func:`conv2d` from ``dZ``, the gradient of its output."""
    _, cache = conv.conv_forward(np.asarray(image)[None, None], np.asarray(kernel)[None, None], np.zeros(1))
    d_image, d_kernel, _ = conv.conv_backward(np.asarray(dZ)[None, None], cache)
    return d_image[0, 0], d_kernel[0, 0]


def maxpool(A):
    """2x2 max-pooling of one feature map (H, W), H and W even."""
    return conv.maxpool_forward(np.asarray(A)[None, None])[0][0, 0]


def maxpool_backward(dP, A):
    """The gradient of :func:`maxpool` with respect to ``A``: each block's to its (first) maximum."""
    _, cache = conv.maxpool_forward(np.asarray(A)[None, None])
    return conv.maxpool_backward(np.asarray(dP)[None, None], cache)[0, 0]


# --------------------------------------------------------------------------- lesson 11
def compare(mine, theirs):
    """``(largest absolute difference, matches)`` of an array and a PyTorch tensor: the same shape, and
    allclose (relative 1e-5, absolute 1e-8); different shapes differ by infinity and never match."""
    theirs = theirs.detach().cpu().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    mine = np.asarray(mine)
    if mine.shape != theirs.shape:
        return float("inf"), False
    difference = float(np.max(np.abs(mine.astype(float) - theirs.astype(float)), initial=0.0))
    return difference, bool(np.allclose(mine, theirs, rtol=1e-5, atol=1e-8))
