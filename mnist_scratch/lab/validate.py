"""The checks every widget makes when it is built, so that a wrong argument fails at once,
with a ``ValueError`` that says what is wrong, rather than later inside a button's callback.

The lab tools' simple arguments are declared beside each tool (:mod:`mnist_scratch.validation`);
the constraints they share are here: :data:`IMAGE` (a picture), :data:`CLASS_NAMES`. The
arguments a declaration cannot check alone (a model, images with their labels) are
checked by the functions below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data.mnist import MNIST
from ..interface import check_network
from ..validation import Array, Constraint, ListOf, OrNone

__all__ = ["check_model", "check_images_and_labels", "check_mnist", "IMAGE", "CLASS_NAMES", "IMAGES"]

#: A picture: grey ``(height, width)``, or RGB / RGBA ``(height, width, 3 or 4)``; 4096 x 4096 values at most.
IMAGE = Array("a 2-D grey image (height, width) or an RGB or RGBA one (height, width, 3 or 4)", ndims=(2, 3),
              max_size=1 << 24, channels=(3, 4))
#: Digits to show: ``(n, 784)`` rows of pixels or ``(n, 28, 28)`` images, at most all 70,000 of MNIST's.
IMAGES = Array("images: (n, 784) rows of pixels or (n, 28, 28) digits", ndims=(2, 3), max_size=70_000 * 784,
               items=((784,), (28, 28)))


@dataclass(frozen=True)
class _Name(Constraint):
    """A class's name: text or a whole number."""

    def accepts(self, value) -> bool:
        return isinstance(value, (str, int, np.integer)) and not isinstance(value, bool) and len(str(value)) <= 40

    description = "a name (text of 40 characters at most, or a whole number)"


#: Class names, one per output of the model: ``["0", "1", …]``, ``["T-shirt/top", …]``.
CLASS_NAMES = OrNone(ListOf(_Name(), 2, 1 << 16, "['0', '1', …, '9']"), "the MNIST digits")


def check_model(model, *, classes=None, inputs: int | None = 784):
    """``model`` if it is a network (a Model, a CNN, your own: see :mod:`mnist_scratch.interface`) with
    ``inputs`` inputs and one output per class name."""
    if model is None:
        raise ValueError("a model is needed: build and train one first, e.g. "
                         "model = Model([784, 64, 10]); train(model, X_train, y_train)")
    try:
        check_network(model)
    except ValueError as err:
        raise ValueError(f"model must be an mnist_scratch network (a Model, a CNN, load_model's result or your own "
                         f"network), not {type(model).__name__}: {err}") from None
    pixels = int(np.prod(model.input_shape))
    if inputs is not None and pixels != inputs:
        raise ValueError(f"the model takes {pixels} inputs, but a 28 x 28 image has {inputs} pixels")
    if classes is not None and model.classes != len(classes):
        raise ValueError(f"the model has {model.classes} outputs, but there are {len(classes)} class names "
                         f"({', '.join(map(str, classes[:12]))}); they must match")
    return model


def check_images_and_labels(X, y, *, inputs: int = 784, classes: int = 10, names=("X", "y")):
    """``(X, y)`` as arrays, if X holds n > 0 rows of ``inputs`` finite numbers and y n integer labels < ``classes``."""
    x_name, y_name = names
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != inputs:
        raise ValueError(f"{x_name} must have shape (n, {inputs}), one image per row; got shape {X.shape}")
    if not (np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating)):
        raise ValueError(f"{x_name} must hold pixel values (numbers), not {X.dtype}")
    if len(X) == 0:
        raise ValueError(f"{x_name} holds no images")
    if y.ndim != 1 or len(y) != len(X):
        raise ValueError(f"{x_name} has {len(X):,} images but {y_name} has shape {y.shape}: "
                         f"one label per image is needed")
    if not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{y_name} must hold whole-number labels, not {y.dtype} (try {y_name}.astype(int))")
    if y.min() < 0 or y.max() >= classes:
        raise ValueError(f"{y_name} holds labels {y.min()}..{y.max()}, but there are {classes} classes (0-{classes - 1})")
    if np.issubdtype(X.dtype, np.floating) and not np.isfinite(X).all():
        raise ValueError(f"{x_name} holds NaN or infinite values")
    return X, y


def check_mnist(data, *, min_train: int = 1, reason: str = ""):
    """``load_mnist()``'s four arrays, checked; at least ``min_train`` training images (``reason`` says why)."""
    try:
        X_train, y_train, X_test, y_test = data
    except (TypeError, ValueError):
        raise ValueError("data must be load_mnist()'s result: (X_train, y_train, X_test, y_test)") from None
    X_train, y_train = check_images_and_labels(X_train, y_train, names=("X_train", "y_train"))
    X_test, y_test = check_images_and_labels(X_test, y_test, names=("X_test", "y_test"))
    if len(X_train) < min_train:
        raise ValueError(f"X_train holds {len(X_train):,} images; at least {min_train:,} are needed{reason}")
    return MNIST(X_train, y_train, X_test, y_test)
