r"""The one model interface: what every network offers, so that one training loop trains them all.

:class:`~mnist_scratch.model.Model` (with or without batch norm),
:class:`~mnist_scratch.cnn.CNN` and a learner's own network all have the same
few members. :func:`mnist_scratch.train.train`, the model files, the command
line, the prediction browser and the drawing canvas use these and nothing else.

==========================  ===================================================================
member                      what it is
==========================  ===================================================================
``params``                  the learnable arrays, a dict by name (``{"W1": …, "b1": …}``); the
                            gradients of :meth:`~Network.backward` have the same keys and shapes.
                            Training replaces every entry with a view into one flat vector
                            (:mod:`mnist_scratch.training.flat_params`), so a network reads its
                            parameters from the dict at every call and never keeps its own copy.
                            Keys starting with ``W`` are weights: L2 penalises them, not the rest.
``state``                   arrays that training changes without a gradient (batch norm's running
                            statistics), a dict by name; ``{}`` when there are none
``loss``                    the name of the network's loss, a key of
                            :data:`mnist_scratch.losses.LOSSES`: it fixes the output layer's
                            function, the cost and the targets training hands to ``backward``
``classes``                 how many outputs (classes) the network tells apart
``input_shape``             the shape of one sample: ``(784,)`` for rows, ``(1, 28, 28)`` for images
``min_batch``               the fewest rows a training step may have (batch norm needs 2)
``recipe``                  how the network was trained (a JSON-able dict; model files keep it)
``forward(X)``              the forward pass for prediction; returns a cache (below)
``forward_train(X, *,``     the forward pass of one training step (dropout on, batch norm in
``dropout=0.0, rng=None)``  train mode, which updates ``state``); returns a cache
``backward(cache, T)``      the gradient of the mean cost of that forward pass, a dict with the
                            keys of ``params``; ``T`` holds the targets: integer labels for
                            cross-entropy, one-hot rows for squared error
``describe()``              the architecture as a JSON-able dict, ``{"kind": "mlp", …}``: what a
                            model file records to build the network again
``layers``                  the architecture in one line's words, such as ``[784, 128, 64, 10]``
==========================  ===================================================================

A **cache** is what a forward pass remembers for the backward pass. Whatever
else it holds, it has ``Z_out``, the output layer's weighted input (the
scores, or logits), and ``A_out``, the output layer's activations: softmax
probabilities, or the sigmoid's outputs. The cost and the training accuracy
are read from these two.

:class:`Network` is a base class that supplies everything that follows from
the members above: :meth:`~Network.check_input`, :meth:`~Network.predict_proba`,
:meth:`~Network.predict`, ``num_params`` and ``dtype``. A network that does not
inherit from it still trains, as long as it has the members in the table;
:func:`check_network` says which one is missing.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Network", "check_network", "REQUIRED"]

#: The members a network must have (attributes and methods), in the table's order.
REQUIRED = ("params", "state", "loss", "classes", "input_shape", "forward", "forward_train", "backward",
            "describe", "layers")


class Network:
    """Base class of every network: the shared behaviour that follows from the interface.

    Subclasses set ``params``, ``state``, ``loss``, ``classes`` and
    ``input_shape`` and write ``forward``, ``forward_train``, ``backward``,
    ``describe`` and ``layers``.
    """

    params: dict
    state: dict
    loss: str = "cross_entropy"
    classes: int
    input_shape: tuple
    min_batch: int = 1
    #: How many samples :meth:`predict_proba` passes forward at a time (bounds the memory of prediction).
    predict_batch: int = 8192

    def __init__(self):
        self.state = {}
        self.recipe = {}

    # ---------------------------------------------------------------- what a network writes
    def forward(self, X):
        """The forward pass for prediction; returns a cache with ``Z_out`` and ``A_out``."""
        raise NotImplementedError

    def forward_train(self, X, *, dropout: float = 0.0, rng=None):
        """The forward pass of a training step; returns a cache with ``Z_out`` and ``A_out``."""
        raise NotImplementedError

    def backward(self, cache, T) -> dict:
        """The gradient of the mean cost of ``cache``'s forward pass, by parameter name."""
        raise NotImplementedError

    def describe(self) -> dict:
        """The architecture, JSON-able: ``{"kind": …, …}``."""
        raise NotImplementedError

    @property
    def layers(self) -> list:
        raise NotImplementedError

    # ---------------------------------------------------------------- what follows from it
    @property
    def dtype(self):
        return next(iter(self.params.values())).dtype

    @property
    def num_params(self) -> int:
        return sum(int(np.size(p)) for p in self.params.values())

    def check_input(self, X, name: str = "X") -> np.ndarray:
        """``X`` as a batch of samples of ``input_shape`` in the network's dtype, or a clear error.

        One sample alone becomes a batch of one (an image also as one row of its pixels,
        ``(784,)``); images given as rows of pixels (``(n, 784)`` for ``(1, 28, 28)``) and
        single-channel images without their channel axis (``(n, 28, 28)``) are reshaped.
        """
        X = np.asarray(X)
        shape = tuple(self.input_shape)
        size = int(np.prod(shape))
        if X.shape == shape or X.shape == (size,):
            X = X[None]
        if len(shape) > 1 and X.ndim == 2 and X.shape[1] == size:
            X = X.reshape(len(X), *shape)
        elif len(shape) == 3 and shape[0] == 1 and X.ndim == 3 and X.shape[1:] == shape[1:]:
            X = X[:, None]
        if X.ndim != len(shape) + 1 or X.shape[1:] != shape:
            if len(shape) == 1:
                expected = f"rows of {size} inputs: shape (n, {size})"
            else:
                expected = (f"(n, {size}) rows or (n, {', '.join(map(str, shape))}) images")
            raise ValueError(f"{name} has shape {X.shape}, but this model expects {expected}")
        if not np.issubdtype(X.dtype, np.number):
            raise ValueError(f"{name} must hold numbers, not {X.dtype}")
        return X.astype(self.dtype, copy=False)

    def predict_proba(self, X, batch_size: int | None = None) -> np.ndarray:
        """The output layer's activations ``(n, classes)``: softmax probabilities (or sigmoid outputs),
        ``batch_size`` samples at a time (default :attr:`predict_batch`)."""
        X = self.check_input(X)
        step = int(batch_size or self.predict_batch)
        parts = [self.forward(X[i:i + step]).A_out for i in range(0, len(X), step)]
        return np.concatenate(parts) if parts else np.empty((0, self.classes), self.dtype)

    def predict(self, X, batch_size: int | None = None) -> np.ndarray:
        """The predicted class of every sample (int64)."""
        return self.predict_proba(X, batch_size).argmax(axis=1)


def check_network(model, what: str = "model") -> None:
    """A clear ``ValueError`` if ``model`` lacks a member of the interface (see the table above)."""
    if model is None:
        raise ValueError(f"{what} is None: build a network first, e.g. model = Model([784, 64, 10])")
    missing = [name for name in REQUIRED if not hasattr(model, name)]
    if missing:
        raise ValueError(f"{what} ({type(model).__name__}) is not a network that mnist_scratch can train or "
                         f"use: it has no {', '.join(missing)} (see mnist_scratch.interface for the members "
                         f"every network has)")
    for name in ("forward", "forward_train", "backward", "describe"):
        if not callable(getattr(model, name)):
            raise ValueError(f"{what}.{name} must be a method, not {type(getattr(model, name)).__name__}")
    if not isinstance(model.params, dict) or not model.params:
        raise ValueError(f"{what}.params must be a non-empty dict of arrays by name, not {model.params!r:.80}")
    shape = model.input_shape
    if not (isinstance(shape, tuple) and shape and all(isinstance(n, (int, np.integer)) and n >= 1 for n in shape)):
        raise ValueError(f"{what}.input_shape must be a tuple of sizes such as (784,) or (1, 28, 28), not {shape!r}")
    if not (isinstance(model.classes, (int, np.integer)) and model.classes >= 2):
        raise ValueError(f"{what}.classes must be a whole number of at least 2, not {model.classes!r}")
