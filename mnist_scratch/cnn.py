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

With ``dropout=p`` the dense hidden layer's outputs :math:`A_3` are dropped
with probability p during training, as in the fully connected network.

:class:`CNN` has the members every network has (:mod:`mnist_scratch.interface`),
so the one training loop, :func:`mnist_scratch.train.train`, trains it: forward,
cost, backward, optimizer step, on shuffled mini-batches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .activations import relu, relu_prime, softmax
from .conv import PADDINGS, conv_output_size
from .conv_batch_last import (conv_backward_batch_last, conv_forward_batch_last, relu_maxpool_backward_batch_last,
                              relu_maxpool_forward_batch_last, to_batch_last)
from .init import init_weights
from .interface import Network
from .losses import cross_entropy, get_loss
from .network import dropout_mask
from .validation import FloatType, ListOf, OneOf, OrNone, Whole, check_memory, validate

__all__ = ["CNN", "CNNCache", "init_cnn_params", "cnn_param_shapes", "forward", "backward", "loss_and_grads",
           "feature_map_sizes", "layer_names", "ARCHITECTURE"]


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
    shapes = cnn_param_shapes(channels, kernel, hidden, classes, image_shape, padding)
    rng = np.random.default_rng(seed)
    params = {}
    for key, shape in shapes.items():
        if key.startswith("W"):                                  # a filter (F, C, k, k) sees C*k*k inputs;
            conv = len(shape) == 4                               # a dense layer (inputs, outputs) its rows
            fan_in, fan_out = (int(np.prod(shape[1:])), shape[0]) if conv else shape
            params[key] = init_weights(fan_in, fan_out, "he", rng, shape=shape).astype(dtype)
        else:
            params[key] = np.zeros(shape, dtype)
    return params


def forward(params, X, padding: str = "valid", *, dropout: float = 0.0, rng=None):
    """Scores (logits) ``(n, classes)`` for images ``X`` ``(n, C, H, W)``, and the cache for backward.

    ``dropout=p`` drops each of the dense hidden layer's outputs with probability p
    (inverted dropout, as in :func:`mnist_scratch.network.forward`); ``rng`` draws the mask.

    SPEED TRICK: the layers run on batch-last maps ``(C, H, W, n)`` (see
    :mod:`mnist_scratch.conv_batch_last`), ReLU after each pooling. The cache's ``Z1``, ``A1``,
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
    mask3 = None
    if dropout:
        mask3 = dropout_mask(A3.shape, dropout, np.random.default_rng(rng))
        A3 = A3 * mask3                                          # inverted dropout
    Z4 = A3 @ params["W4"] + params["b4"]
    images = {name: np.moveaxis(M, -1, 0) for name, M in (("Z1", Z1), ("A1", A1), ("Z2", Z2), ("A2", A2))}
    cache = {"conv1": conv1, "pool1": pool1, "conv2": conv2, "pool2": pool2, **images,
             "F": F, "Z3": Z3, "A3": A3, "mask3": mask3, "Z4": Z4}
    return Z4, cache


def backward(params, cache, y, probs=None) -> dict:
    """Gradients of the mean cross-entropy (integer labels ``y``) for every parameter.

    ``probs``: the softmax of the scores, if the forward pass already computed it.
    """
    c = cache
    n = len(y)
    dZ4 = softmax(c["Z4"]) if probs is None else probs.copy()
    dZ4[np.arange(n), y] -= 1
    dZ4 /= n                                                     # (Y_hat - Y) / n
    g = {"W4": c["A3"].T @ dZ4, "b4": dZ4.sum(axis=0)}
    dA3 = dZ4 @ params["W4"].T
    if c.get("mask3") is not None:
        dA3 = dA3 * c["mask3"]                                   # dropped units pass no gradient
    dZ3 = dA3 * relu_prime(c["Z3"])
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


@dataclass
class CNNCache:
    """What the CNN's forward pass remembers: the output's scores ``Z_out`` and
    probabilities ``A_out``, and each layer's cache (``layers``, empty for prediction)."""

    Z_out: np.ndarray
    A_out: np.ndarray
    layers: dict = field(default_factory=dict)


#: What the architecture's arguments may be (the model files check theirs against the same table).
ARCHITECTURE = {"channels": ListOf(Whole(1, 4096), 2, 2, "[16, 32]"), "kernel": Whole(1, 64),
                "hidden": Whole(1, 1 << 20), "classes": Whole(2, 1 << 16),
                "image_shape": ListOf(Whole(1, 4096), 3, 3, "[1, 28, 28]"), "padding": OneOf(PADDINGS)}


class CNN(Network):
    """The network above with its parameters; accepts MNIST rows ``(n, 784)`` or images.

    >>> model = CNN()
    >>> model
    CNN(1x28x28-conv5x5x16-pool2-conv5x5x32-pool2-128-10, 80,202 parameters, float32)
    """

    loss = "cross_entropy"
    #: Images passed forward at a time in prediction: the im2col copies (see :mod:`mnist_scratch.conv`)
    #: of all 10,000 test images at once would take 1.6 GB.
    predict_batch = 256

    @validate({**ARCHITECTURE, "seed": OrNone(Whole(0), "fresh random weights"), "dtype": FloatType()})
    def __init__(self, channels=(16, 32), kernel: int = 5, hidden: int = 128, classes: int = 10,
                 image_shape=(1, 28, 28), padding: str = "valid", seed=0, dtype=np.float32,
                 params: dict | None = None):
        super().__init__()
        self.channels, self.kernel, self.hidden, self.classes = tuple(channels), kernel, hidden, classes
        self.image_shape, self.padding, self.seed = tuple(image_shape), padding, seed
        feature_map_sizes(self.image_shape, kernel, padding)          # a clear error if the pooling cannot fit
        if params is None:  # before anything is allocated: a clear error if it would not fit in memory
            shapes = cnn_param_shapes(channels, kernel, hidden, classes, image_shape, padding).values()
            count = sum(int(np.prod(shape, dtype=object)) for shape in shapes)
            check_memory("CNN()", {"channels": channels, "kernel": kernel, "hidden": hidden,
                                   "image_shape": image_shape}, count * (np.dtype(dtype).itemsize + 8))
        self.params = params if params is not None else init_cnn_params(
            channels, kernel, hidden, classes, image_shape, padding, seed, dtype)

    # ---------------------------------------------------------------- the interface
    @property
    def input_shape(self) -> tuple:
        return self.image_shape

    @property
    def architecture(self) -> dict:
        """The arguments that rebuild this network's shape: ``CNN(**model.architecture)``."""
        return {"channels": list(self.channels), "kernel": self.kernel, "hidden": self.hidden,
                "classes": self.classes, "image_shape": list(self.image_shape), "padding": self.padding}

    @property
    def layers(self) -> list:
        return layer_names(self.channels, self.kernel, self.hidden, self.classes, self.image_shape, self.padding)

    def describe(self) -> dict:
        return {"kind": "cnn", "cnn": self.architecture, "seed": self.seed}

    def forward(self, X) -> CNNCache:
        """The forward pass for prediction, :attr:`predict_batch` images at a time (bounded memory)."""
        X = self.check_input(X)
        scores = [forward(self.params, X[i:i + self.predict_batch], self.padding)[0]
                  for i in range(0, len(X), self.predict_batch)]
        Z = np.concatenate(scores) if scores else np.empty((0, self.classes), self.dtype)
        return CNNCache(Z, softmax(Z))

    def forward_train(self, X, *, dropout: float = 0.0, rng=None) -> CNNCache:
        """The forward pass of a training step; ``X`` are images ``(n, C, H, W)`` in the model's dtype."""
        Z, layers = forward(self.params, X, self.padding, dropout=dropout, rng=rng)
        return CNNCache(Z, softmax(Z), layers)

    def backward(self, cache: CNNCache, y) -> dict:
        """The gradients of a training step's forward pass (integer labels ``y``)."""
        return backward(self.params, cache.layers, y, probs=cache.A_out)

    # ---------------------------------------------------------------- for the lesson
    def loss_and_grads(self, X, y):
        """``(J, grads)``: the batch's mean cross-entropy and its gradient dict."""
        return loss_and_grads(self.params, self.check_input(X), y, self.padding)

    def feature_maps(self, X) -> dict:
        """What each layer makes of a few images: ``conv1``, ``pool1``, ``conv2``, ``pool2``
        (after relu; shape ``(n, channels, h, w)``) and ``hidden`` ``(n, hidden)``."""
        _, c = forward(self.params, self.check_input(X), self.padding)
        return {"conv1": relu(c["Z1"]), "pool1": c["A1"], "conv2": relu(c["Z2"]), "pool2": c["A2"],
                "hidden": c["A3"]}

    def __repr__(self):
        return f"CNN({'-'.join(map(str, self.layers))}, {self.num_params:,} parameters, {self.dtype})"
