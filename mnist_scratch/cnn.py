r"""A small convolutional network for MNIST, built from :mod:`mnist_scratch.conv`.

Architecture (LeNet-like; ``channels, kernel, hidden, padding`` are arguments,
and the sizes below are for the defaults ``(16, 32), 5, 128, "valid"``)::

    image                                           (1, 28, 28)
    conv 5x5, 16 filters -> relu -> max-pool 2x2    (16, 24, 24) -> (16, 12, 12)
    conv 5x5, 32 filters -> relu -> max-pool 2x2    (32, 8, 8)   -> (32, 4, 4)
    flatten                                         512
    dense -> 128, relu                              128
    dense -> 10, softmax                            10

80,202 parameters. With ``padding="same"`` the maps keep their size before
each pooling (28 -> 14 -> 7, so flatten gives ``32*7*7``): about 2.7 times the
arithmetic for the same filters.

Parameters are a plain dict: ``W1 (c1, 1, k, k)``, ``b1 (c1,)``,
``W2 (c2, c1, k, k)``, ``b2 (c2,)``, ``W3 (flat, hidden)``, ``b3``,
``W4 (hidden, 10)``, ``b4``. Weights start He-normal
(:math:`\mathcal N(0, 2/\text{fan\_in})`, with fan_in = ``C*k*k`` for a
filter), biases at 0.

Forward, with :math:`*` the convolution and :math:`\mathrm{pool}` 2x2 max-pooling:

.. math::
    A_1 = \mathrm{pool}(\mathrm{relu}(X * W_1 + b_1)),\quad
    A_2 = \mathrm{pool}(\mathrm{relu}(A_1 * W_2 + b_2)),\quad
    A_3 = \mathrm{relu}(\mathrm{flat}(A_2)\, W_3 + b_3),\quad
    \hat Y = \mathrm{softmax}(A_3 W_4 + b_4).

Backward starts from :math:`dZ_4 = (\hat Y - Y)/n` (softmax with
cross-entropy, see :mod:`mnist_scratch.losses`) and runs each layer's
backward function in reverse order; ``relu``'s gradient is :math:`[z > 0]`.

Training (:func:`train_cnn`, in :mod:`mnist_scratch.cnn_train`) is the same
mini-batch loop as :func:`mnist_scratch.train.train`: forward, cost,
backward, optimizer step.
"""

from __future__ import annotations

import numpy as np

from .activations import relu, relu_prime, softmax
from .conv import (conv_backward_batch_last, conv_forward_batch_last, conv_output_size,
                   relu_maxpool_backward_batch_last, relu_maxpool_forward_batch_last, to_batch_last)
from .losses import cross_entropy

__all__ = ["CNN", "init_cnn_params", "cnn_param_shapes", "forward", "backward", "loss_and_grads",
           "feature_map_sizes", "layer_names"]


def feature_map_sizes(image_shape, kernel: int, padding: str) -> list[tuple[int, int]]:
    """Height and width after conv1, pool1, conv2, pool2 (a clear error if a pooling does not fit)."""
    H, W = image_shape[1:]
    sizes = []
    for layer in ("conv1", "pool1", "conv2", "pool2"):
        if layer.startswith("conv"):
            H, W = conv_output_size(H, kernel, padding), conv_output_size(W, kernel, padding)
        elif H % 2 or W % 2 or H < 2 or W < 2:
            raise ValueError(f"image_shape={tuple(image_shape)}, kernel={kernel}, padding={padding!r}: "
                             f"{layer} gets a {H}x{W} map, which 2x2 pooling cannot halve")
        else:
            H, W = H // 2, W // 2
        sizes.append((H, W))
    return sizes


def layer_names(channels=(16, 32), kernel: int = 5, hidden: int = 128, classes: int = 10,
                image_shape=(1, 28, 28), padding: str = "valid") -> list:
    """The layers in one line's words: ``['1x28x28', 'conv5x5x16', 'pool2', 'conv5x5x32', 'pool2', 128, 10]``."""
    conv = f"conv{kernel}x{kernel}x{{}}" + ("" if padding == "valid" else f"/{padding}")
    return ["x".join(map(str, image_shape)), conv.format(channels[0]), "pool2",
            conv.format(channels[1]), "pool2", hidden, classes]


def cnn_param_shapes(channels=(16, 32), kernel: int = 5, hidden: int = 128, classes: int = 10,
                     image_shape=(1, 28, 28), padding: str = "valid") -> dict:
    """The shape of every parameter, by name: what :func:`init_cnn_params` makes and a model file must hold."""
    C = image_shape[0]
    c1, c2 = channels
    H, W = feature_map_sizes(image_shape, kernel, padding)[-1]
    flat = c2 * H * W
    return {"W1": (c1, C, kernel, kernel), "b1": (c1,), "W2": (c2, c1, kernel, kernel), "b2": (c2,),
            "W3": (flat, hidden), "b3": (hidden,), "W4": (hidden, classes), "b4": (classes,)}


def init_cnn_params(channels=(16, 32), kernel: int = 5, hidden: int = 128, classes: int = 10,
                    image_shape=(1, 28, 28), padding: str = "valid", seed=0, dtype=np.float32) -> dict:
    """He-initialized parameters (drawn in float64 from ``default_rng(seed)``, then cast)."""
    C = image_shape[0]
    c1, c2 = channels
    H, W = feature_map_sizes(image_shape, kernel, padding)[-1]
    rng = np.random.default_rng(seed)

    def he(shape, fan_in):
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape).astype(dtype)

    flat = c2 * H * W
    return {
        "W1": he((c1, C, kernel, kernel), C * kernel * kernel), "b1": np.zeros(c1, dtype),
        "W2": he((c2, c1, kernel, kernel), c1 * kernel * kernel), "b2": np.zeros(c2, dtype),
        "W3": he((flat, hidden), flat), "b3": np.zeros(hidden, dtype),
        "W4": he((hidden, classes), hidden), "b4": np.zeros(classes, dtype),
    }


def forward(params, X, padding: str = "valid"):
    """Scores (logits) ``(n, classes)`` for images ``X`` ``(n, C, H, W)``, and the cache for backward.

    SPEED TRICK: the layers run on batch-last maps ``(C, H, W, n)`` (see
    :mod:`mnist_scratch.conv`), ReLU after each pooling. The cache's ``Z1``, ``A1``,
    ``Z2``, ``A2`` (before ReLU, and pooled after it) are views of them shaped as images.
    """
    n = len(X)
    Z1, conv1 = conv_forward_batch_last(to_batch_last(X), params["W1"], params["b1"], padding)
    A1, pool1 = relu_maxpool_forward_batch_last(Z1)
    Z2, conv2 = conv_forward_batch_last(A1, params["W2"], params["b2"], padding)
    A2, pool2 = relu_maxpool_forward_batch_last(Z2)
    F = A2.reshape(-1, n).T                                      # flatten: a row of C*H*W numbers per image
    if F.shape[1] != params["W3"].shape[0]:
        raise ValueError(f"the feature maps flatten to {F.shape[1]} numbers but W3 expects "
                         f"{params['W3'].shape[0]}: were these parameters made with another padding "
                         f"than {padding!r}, or another image size than {X.shape[1:]}?")
    Z3 = F @ params["W3"] + params["b3"]
    A3 = relu(Z3)
    Z4 = A3 @ params["W4"] + params["b4"]
    images = {name: np.moveaxis(M, -1, 0) for name, M in (("Z1", Z1), ("A1", A1), ("Z2", Z2), ("A2", A2))}
    cache = {"conv1": conv1, "pool1": pool1, "conv2": conv2, "pool2": pool2, **images,
             "F": F, "Z3": Z3, "A3": A3, "Z4": Z4}
    return Z4, cache


def backward(params, cache, y) -> dict:
    """Gradients of the mean cross-entropy (integer labels ``y``) for every parameter."""
    c = cache
    n = len(y)
    dZ4 = softmax(c["Z4"])
    dZ4[np.arange(n), y] -= 1
    dZ4 /= n                                                     # (Y_hat - Y) / n
    g = {"W4": c["A3"].T @ dZ4, "b4": dZ4.sum(axis=0)}
    dZ3 = (dZ4 @ params["W4"].T) * relu_prime(c["Z3"])
    g["W3"], g["b3"] = c["F"].T @ dZ3, dZ3.sum(axis=0)
    dA2 = (params["W3"] @ dZ3.T).reshape(c["pool2"]["out"].shape)   # flatten's gradient (dZ3 W3^T)^T, batch last
    dZ2 = relu_maxpool_backward_batch_last(dA2, c["pool2"])
    dA1, g["W2"], g["b2"] = conv_backward_batch_last(dZ2, c["conv2"])
    dZ1 = relu_maxpool_backward_batch_last(dA1, c["pool1"])
    _, g["W1"], g["b1"] = conv_backward_batch_last(dZ1, c["conv1"], need_dX=False)   # (no gradient for the image)
    return {key: g[key] for key in params}


def loss_and_grads(params, X, y, padding: str = "valid"):
    """``(J, grads)``: the batch's mean cross-entropy and its gradient dict."""
    Z_out, cache = forward(params, X, padding)
    return cross_entropy(Z_out, y), backward(params, cache, y)


class CNN:
    """The network above with its parameters; accepts MNIST rows ``(n, 784)`` or images.

    >>> model = CNN()
    >>> model
    CNN(1x28x28-conv5x5x16-pool2-conv5x5x32-pool2-128-10, 80,202 parameters, float32)
    """

    def __init__(self, channels=(16, 32), kernel: int = 5, hidden: int = 128, classes: int = 10,
                 image_shape=(1, 28, 28), padding: str = "valid", seed=0, dtype=np.float32,
                 params: dict | None = None):
        self.channels, self.kernel, self.hidden, self.classes = tuple(channels), kernel, hidden, classes
        self.image_shape, self.padding, self.seed = tuple(image_shape), padding, seed
        self.params = params if params is not None else init_cnn_params(
            channels, kernel, hidden, classes, image_shape, padding, seed, dtype)
        self.recipe: dict = {}

    @property
    def dtype(self):
        return self.params["W1"].dtype

    @property
    def num_params(self) -> int:
        return sum(p.size for p in self.params.values())

    @property
    def architecture(self) -> dict:
        """The arguments that rebuild this network's shape: ``CNN(**model.architecture)``."""
        return {"channels": list(self.channels), "kernel": self.kernel, "hidden": self.hidden,
                "classes": self.classes, "image_shape": list(self.image_shape), "padding": self.padding}

    @property
    def layers(self) -> list:
        return layer_names(self.channels, self.kernel, self.hidden, self.classes, self.image_shape, self.padding)

    def as_images(self, X, name: str = "X") -> np.ndarray:
        """``X`` as ``(n, C, H, W)`` in the model's dtype (rows of ``C*H*W`` pixels are reshaped)."""
        X = np.asarray(X)
        C, H, W = self.image_shape
        if X.ndim == 2 and X.shape[1] == C * H * W:
            X = X.reshape(len(X), C, H, W)
        elif X.ndim == 3 and C == 1 and X.shape[1:] == (H, W):
            X = X[:, None]
        if X.shape[1:] != (C, H, W):
            raise ValueError(f"{name} has shape {X.shape}; this CNN expects (n, {C * H * W}) rows "
                             f"or (n, {C}, {H}, {W}) images")
        if not np.issubdtype(X.dtype, np.number):
            raise ValueError(f"{name} must hold numbers, not {X.dtype}")
        return X.astype(self.dtype, copy=False)

    def forward(self, X):
        return forward(self.params, self.as_images(X), self.padding)

    def loss_and_grads(self, X, y):
        return loss_and_grads(self.params, self.as_images(X), y, self.padding)

    def feature_maps(self, X) -> dict:
        """What each layer makes of a few images: ``conv1``, ``pool1``, ``conv2``, ``pool2``
        (after relu; shape ``(n, channels, h, w)``) and ``hidden`` ``(n, hidden)``."""
        _, c = self.forward(X)
        return {"conv1": relu(c["Z1"]), "pool1": c["A1"], "conv2": relu(c["Z2"]), "pool2": c["A2"],
                "hidden": c["A3"]}

    def predict_proba(self, X, batch_size: int = 256) -> np.ndarray:
        """Softmax probabilities ``(n, classes)``, ``batch_size`` images at a time: the im2col
        copies (see :mod:`mnist_scratch.conv`) of all 10,000 test images at once take 1.6 GB."""
        X = self.as_images(X)
        parts = [softmax(forward(self.params, X[i:i + batch_size], self.padding)[0])
                 for i in range(0, len(X), batch_size)]
        return np.concatenate(parts) if parts else np.empty((0, self.classes), self.dtype)

    def predict(self, X, batch_size: int = 256) -> np.ndarray:
        """Predicted class of every image (int64)."""
        return self.predict_proba(X, batch_size).argmax(axis=1)

    def __repr__(self):
        return f"CNN({'-'.join(map(str, self.layers))}, {self.num_params:,} parameters, {self.dtype})"
