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

from .. import activations, batchnorm, conv, evaluate, init, losses, network, optim, schedules
from ..gradient_check import numerical_gradient as _numerical_gradient

__all__ = ["one_hot", "relu", "relu_prime", "softmax", "cross_entropy", "forward", "backward",
           "numerical_gradient", "gradient_descent", "predict", "accuracy", "he_init", "sgd_epoch",
           "l2_penalty", "l2_gradient", "dropout", "forward_dropout", "backward_dropout", "confusion_matrix",
           "per_class_accuracy", "precision",
           "momentum_step", "Adam", "cosine",
           "batchnorm_forward", "batchnorm_backward_staged", "batchnorm_backward", "batchnorm_layer",
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


# --------------------------------------------------------------------------- lesson 4
def he_init(fan_in, fan_out, rng):
    """Weights ``(fan_in, fan_out)`` drawn from N(0, 2 / fan_in) with ``rng`` (float64)."""
    return init.init_weights(fan_in, fan_out, "he", rng)


def sgd_epoch(params, X, y, lr, batch_size, rng):
    """One epoch of mini-batch SGD in place: one shuffle from ``rng``, then one step per batch of
    ``batch_size`` rows (the last may be shorter), with the network's ``forward`` and ``backward``."""
    order = rng.permutation(len(X))
    for first in range(0, len(X), batch_size):
        rows = order[first:first + batch_size]
        Z, A = forward(params, X[rows])
        grads = backward(params, Z, A, y[rows])
        for name in params:
            params[name] -= lr * grads[name]


# --------------------------------------------------------------------------- lesson 5
def l2_penalty(params, lam):
    """(lam / 2) times the sum of the squares of every weight (the biases are not penalised)."""
    return 0.5 * lam * sum(float(np.sum(W ** 2)) for name, W in params.items() if name.startswith("W"))


def l2_gradient(params, lam):
    """The gradient of :func:`l2_penalty`: lam W for every weight, 0 for every bias."""
    return {name: lam * W if name.startswith("W") else np.zeros_like(W) for name, W in params.items()}


def dropout(A, p, rng):
    """Inverted dropout: ``(A * mask, mask)``, the mask 0 with probability p and 1 / (1 - p) elsewhere."""
    mask = network.dropout_mask(np.shape(A), p, rng).astype(np.asarray(A).dtype, copy=False)
    return A * mask, mask


def forward_dropout(params, X, p, rng):
    """The forward pass of a training step, with the network's ``dropout`` on every hidden layer's output.

    ``(Z, A, masks)``: three lists of L + 1 entries; ``masks[l]`` is hidden layer l's mask,
    None for the input (0) and the output (L) layers.
    """
    L = len(params) // 2
    Z, A, masks = [None], [X], [None]
    for l in range(1, L + 1):
        Z.append(A[l - 1] @ params[f"W{l}"] + params[f"b{l}"])
        if l == L:
            A.append(softmax(Z[l]))
            masks.append(None)
        else:
            dropped, mask = dropout(relu(Z[l]), p, rng)
            A.append(dropped)
            masks.append(mask)
    return Z, A, masks


def backward_dropout(params, Z, A, masks, y):
    """The gradients of a forward pass with dropout: dropped units pass no gradient back."""
    kept = {l: mask for l, mask in enumerate(masks) if mask is not None}
    return network.backward(params, network.Cache(Z=list(Z), A=list(A), masks=kept), y)


# --------------------------------------------------------------------------- lesson 6
def confusion_matrix(y_true, y_pred):
    """``C[i, j]``: how many images of true class i were predicted as j, 10 x 10."""
    return evaluate.confusion_matrix(np.asarray(y_true), np.asarray(y_pred), 10)


def _share(counts, totals):
    counts, totals = np.asarray(counts, float), np.asarray(totals, float)
    return np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)


def per_class_accuracy(C):
    """For each true class, the share of its images predicted right (its recall); 0 for a class with none."""
    C = np.asarray(C)
    return _share(np.diag(C), C.sum(axis=1))


def precision(C):
    """For each class, the share of the images predicted as it that are it; 0 for a class never predicted."""
    C = np.asarray(C)
    return _share(np.diag(C), C.sum(axis=0))


# --------------------------------------------------------------------------- lesson 7
def momentum_step(theta, v, g, lr, mu):
    """One step of heavy-ball momentum: ``v = mu v + g``, ``theta = theta - lr v``; returns both."""
    v = mu * v + g
    return theta - lr * v, v


class Adam(optim.Adam):
    """The package's Adam (:class:`mnist_scratch.optim.Adam`): ``Adam(beta1, beta2, eps).step(theta, grad, lr)``."""


def cosine(t, T):
    """The cosine schedule's factor after ``t`` of ``T`` epochs: from 1 down to 0."""
    return schedules.Cosine()(t, T)


# --------------------------------------------------------------------------- lesson 9
def _no_running(d, dtype):
    return np.zeros(d, dtype), np.ones(d, dtype)


def batchnorm_forward(Z, gamma, beta, eps):
    """Train-mode batch norm: ``(Y, Z_hat, s)`` with every column normalized over the batch."""
    Y, cache = batchnorm.batchnorm_forward(Z, gamma, beta, *_no_running(Z.shape[1], Z.dtype), train=True, eps=eps)
    return Y, cache["Z_hat"], 1 / cache["inv_std"]


def batchnorm_backward_staged(dY, Z, gamma, eps):
    """Train-mode batch norm's gradients ``(dZ, dgamma, dbeta)``, from the raw batch ``Z``."""
    _, cache = batchnorm.batchnorm_forward(Z, gamma, np.zeros_like(gamma), *_no_running(Z.shape[1], Z.dtype),
                                           train=True, eps=eps)
    return batchnorm.batchnorm_backward(dY, cache)


def batchnorm_backward(dY, Z_hat, gamma, s):
    """Train-mode batch norm's gradients ``(dZ, dgamma, dbeta)`` by the compact formula."""
    return batchnorm.batchnorm_backward(dY, {"Z_hat": Z_hat, "gamma": gamma, "inv_std": 1 / s, "train": True})


def batchnorm_layer(Z, gamma, beta, running_mean, running_var, train, eps=1e-5, momentum=0.9):
    """Batch norm in either mode: ``(Y, Z_hat, s)``. Train mode uses the network's ``batchnorm_forward`` and
    updates the running averages in place; inference mode normalizes with them and leaves them alone."""
    if not train:
        s = np.sqrt(running_var + eps)
        Z_hat = (Z - running_mean) / s
        return gamma * Z_hat + beta, Z_hat, s
    Y, Z_hat, s = batchnorm_forward(Z, gamma, beta, eps)
    running_mean *= momentum
    running_mean += (1 - momentum) * Z.mean(axis=0)
    running_var *= momentum
    running_var += (1 - momentum) * Z.var(axis=0)
    return Y, Z_hat, s


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
