r"""The learner's own CNN: their lesson-10 layers, checked against the package's fast ones, then trained.

Lesson 10's exercises write the layers for one image and one filter:
``conv2d(image, kernel)``, ``conv2d_backward(dZ, image, kernel)``, ``maxpool(A)`` and
``maxpool_backward(dP, A)``. A convolution layer with channels is their sum,

.. math::
    Z_{n,f} = b_f + \sum_c \mathrm{conv2d}(X_{n,c}, W_{f,c}), \qquad
    dX_{n,c} = \sum_f d_{\text{image}}(dZ_{n,f}, X_{n,c}, W_{f,c}), \qquad
    dW_{f,c} = \sum_n d_{\text{kernel}}(dZ_{n,f}, X_{n,c}, W_{f,c}),

and :func:`loss_and_grads` runs the whole network of :mod:`mnist_scratch.cnn` (conv, ReLU,
pool, conv, ReLU, pool, flatten, dense, dense) with those layers and the learner's
``relu``, ``relu_prime``, ``softmax``, ``cross_entropy`` and ``one_hot`` of lessons 1-2, in float64.

Python loops over every image, filter and position are far too slow to train on 55,000
images, so :class:`OwnCNN` first runs the learner's layers and the package's fast ones
(im2col, :mod:`mnist_scratch.conv_batch_last`) on the same images and parameters, and
trains on the fast ones **only if they give the same cost and gradients**; if they do not, it
raises an error that names the parameter whose gradient differs. It is an :class:`~mnist_scratch.cnn.CNN`
on the one model interface, so ``ms.train``, model files, the browser and the canvas take it.
"""

from __future__ import annotations

import numpy as np

from .. import cnn
from ..conv import pad, unpad
from ..validation import Number, check_arguments

__all__ = ["OwnCNN", "LAYERS", "ARGUMENTS", "loss_and_grads"]

#: The parts of the learner's network that are a CNN's own layers (lesson 10).
LAYERS = ("conv2d", "conv2d_backward", "maxpool", "maxpool_backward")

#: What ``OwnCNN`` (and ``Parts.cnn``) take besides the parts and images: the CNN's own architecture arguments
#: (MNIST's images and 10 classes fixed), checked against the CNN's own table.
ARGUMENTS = {**{name: cnn.CNN.__init__.constraints[name]
                for name in ("channels", "kernel", "hidden", "padding", "seed", "dtype")},
             "tolerance": Number(0, low_open=True)}


def _conv(p, X, W, b, padding="valid"):
    """The learner's 'valid' ``conv2d`` on ``X`` with the zeros of ``padding`` around it (:func:`~mnist_scratch.conv.pad`)."""
    X = pad(X, *W.shape[2:], padding)
    n, C = X.shape[:2]
    return np.array([[b[f] + sum(np.asarray(p.conv2d(X[i, c], W[f, c]), float) for c in range(C))
                      for f in range(len(W))] for i in range(n)], dtype=float)


def _conv_backward(p, dZ, X, W, padding="valid"):
    """dX (the padding's gradient dropped), dW, db, from the learner's one-image ``conv2d_backward``."""
    X = pad(X, *W.shape[2:], padding)
    dX, dW = np.zeros(X.shape), np.zeros(W.shape)
    for i in range(len(X)):
        for f in range(len(W)):
            for c in range(X.shape[1]):
                d_image, d_kernel = p.conv2d_backward(dZ[i, f], X[i, c], W[f, c])
                dX[i, c] += np.asarray(d_image, float)
                dW[f, c] += np.asarray(d_kernel, float)
    return unpad(dX, *W.shape[2:], padding), dW, dZ.sum(axis=(0, 2, 3))


def _pool(p, A):
    return np.array([[p.maxpool(m) for m in maps] for maps in A], dtype=float)


def _pool_backward(p, dP, A):
    return np.array([[p.maxpool_backward(d, m) for d, m in zip(ds, ms)] for ds, ms in zip(dP, A)], dtype=float)


def loss_and_grads(p, params, X, y, padding="valid"):
    """``(J, grads)`` of the CNN computed with the parts ``p`` (:func:`.my_network.load`), loops and all."""
    n = len(X)
    Z1 = _conv(p, X, params["W1"], params["b1"], padding)
    A1 = p.relu(Z1)
    P1 = _pool(p, A1)
    Z2 = _conv(p, P1, params["W2"], params["b2"], padding)
    A2 = p.relu(Z2)
    P2 = _pool(p, A2)
    F = P2.reshape(n, -1)
    Z3 = F @ params["W3"] + params["b3"]
    A3 = p.relu(Z3)
    Z4 = A3 @ params["W4"] + params["b4"]
    dZ4 = (p.softmax(Z4) - p.one_hot(y)) / n
    g = {"W4": A3.T @ dZ4, "b4": dZ4.sum(axis=0)}
    dZ3 = (dZ4 @ params["W4"].T) * p.relu_prime(Z3)
    g["W3"], g["b3"] = F.T @ dZ3, dZ3.sum(axis=0)
    dZ2 = _pool_backward(p, (dZ3 @ params["W3"].T).reshape(P2.shape), A2) * p.relu_prime(Z2)
    dP1, g["W2"], g["b2"] = _conv_backward(p, dZ2, P1, params["W2"], padding)
    dZ1 = _pool_backward(p, dP1, A1) * p.relu_prime(Z1)
    _, g["W1"], g["b1"] = _conv_backward(p, dZ1, X, params["W1"], padding)
    return float(p.cross_entropy(Z4, y)), {key: g[key] for key in params}


def _relative(a, b) -> float:
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return float(np.linalg.norm(a - b) / scale) if scale else 0.0


class OwnCNN(cnn.CNN):
    """The package's CNN architecture, trained only after the learner's layers matched its fast ones.

    ``parts``: :func:`.my_network.load` of lesson 10 or later; ``X``, ``y``: a few images (2 take about
    a second) on which the two are compared, in float64, with this network's starting parameters.
    ``channels``, ``kernel``, ``hidden``, ``padding`` are the CNN's (:data:`ARGUMENTS`); with
    ``padding="same"`` the learner's 'valid' ``conv2d`` runs on the padded maps.
    """

    def __init__(self, parts, X, y, **arguments):
        arguments = {"channels": (16, 32), "kernel": 5, "hidden": 128, "padding": "valid", "seed": 0,
                     "tolerance": 1e-9, "dtype": np.float32,
                     **check_arguments(f"{type(self).__name__}()", arguments, ARGUMENTS)}
        tolerance = arguments.pop("tolerance")
        missing = [name for name in ("relu", "relu_prime", "softmax", "cross_entropy", "one_hot", *LAYERS)
                   if name not in parts.names]
        if missing:
            raise ValueError(f"the parts of lessons 1-{parts.upto} have no {', '.join(missing)}: "
                             "load the parts of lesson 10 or later (my_network.load(upto=10))")
        super().__init__(**arguments)
        self.parts, self.tolerance = parts, tolerance
        images = self.check_input(X).astype(np.float64)
        params = {key: value.astype(np.float64) for key, value in self.params.items()}
        J_mine, mine = loss_and_grads(parts, params, images, np.asarray(y), self.padding)
        J_fast, fast = cnn.loss_and_grads(params, images, np.asarray(y), self.padding)
        self.differences = {"cost": abs(J_mine - J_fast) / abs(J_fast),
                            **{key: _relative(mine[key], fast[key]) for key in params}}
        worst = max(self.differences, key=self.differences.get)
        if not self.differences[worst] <= tolerance:
            raise ValueError(
                f"on these {len(images)} images your layers and the package's fast ones disagree: the {worst} "
                f"{'differs' if worst == 'cost' else 'gradient differs'} by {self.differences[worst]:.1e} (relative; "
                f"at most {tolerance:g} allowed), so training would not train what you wrote. Your "
                f"{', '.join(n for n in LAYERS if n in parts.yours) or 'layers'} passed their checks one image "
                f"and one filter at a time: look for a difference in the dtype or shape they return.")

    @property
    def yours(self) -> list:
        return [name for name in LAYERS if name in self.parts.yours]

    def report(self) -> str:
        """Which layers are the learner's, and how closely the fast ones matched them."""
        mine, theirs = self.yours, [name for name in LAYERS if name not in self.parts.yours]
        head = (f"Your CNN's layers: all {len(LAYERS)} are yours ({', '.join(mine)})." if not theirs else
                f"Your CNN's layers: {len(mine)} of {len(LAYERS)} are yours; {', '.join(theirs)} "
                f"{'is' if len(theirs) == 1 else 'are'} the package's.")
        worst = max(self.differences.values())
        return (f"{head}\nComputed with them, loops and all, and with the package's fast layers (im2col), the cost "
                f"and all 8 gradients agree to {worst:.1e} (relative), so training runs on the fast ones.")

    def __repr__(self):
        return "Own" + super().__repr__()
