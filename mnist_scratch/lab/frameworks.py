"""Our parameters in the layouts of PyTorch and Keras (lesson 11). NumPy only: no framework is imported here.

A fully connected network with layer sizes ``[n0, n1, …, nL]`` is, in PyTorch,
``nn.Sequential(Linear(n0, n1), ReLU(), Linear(n1, n2), ReLU(), …, Linear(n_{L-1}, nL))``.
Its ``state_dict()`` names each parameter after the module's index in the Sequential,
ReLUs included, so layer l's Linear is module ``2 (l - 1)``; and ``nn.Linear`` keeps its
weight as (out, in) and computes ``x @ weight.T + bias``, where our ``W`` is (in, out) and
we compute ``X @ W + b``. Keras's ``Dense`` keeps its kernel as (in, out), as we do.

:func:`import_keras_on_torch` is the one function here that imports a framework, and
only when the lesson calls it.
"""

from __future__ import annotations

import os
import sys

import numpy as np

__all__ = ["to_torch_layout", "to_keras_weights", "from_torch_layout", "import_keras_on_torch"]


def import_keras_on_torch():
    """``import keras`` on the PyTorch backend, without its scikit-learn wrappers (a memory trick).

    Keras imports scikit-learn, and with it SciPy, whenever they are installed, for
    its scikit-learn wrappers alone: about 75 MB more in every kernel, which a class
    of 30 on 1 GiB each cannot spare (lesson 11 would peak near 750 MB instead of
    under 700). Lesson 11 does not use those wrappers, so scikit-learn is hidden
    while Keras is imported (``keras.wrappers`` then says it needs scikit-learn; a
    scikit-learn imported before, or after, works as usual). Raises ImportError
    without Keras, and RuntimeError if Keras was already imported on another backend.
    """
    os.environ["KERAS_BACKEND"] = "torch"          # must be set before keras is first imported
    hide = "sklearn" not in sys.modules
    if hide:
        sys.modules["sklearn"] = None              # `import sklearn` now raises ImportError
    try:
        import keras
    finally:
        if hide:
            del sys.modules["sklearn"]
    if keras.backend.backend() != "torch":
        raise RuntimeError(f"Keras was imported on {keras.backend.backend()} before: restart the kernel, so that "
                           "KERAS_BACKEND=torch applies")
    return keras


def _layers(params: dict) -> int:
    L = len(params) // 2
    if L < 1 or sorted(params) != sorted(f"{p}{l}" for l in range(1, L + 1) for p in "Wb"):
        raise ValueError(f"params must be {{'W1', 'b1', …, 'WL', 'bL'}}, as Model.params is; got keys {list(params)}")
    return L


def to_torch_layout(params: dict) -> dict:
    """``{"0.weight": W1.T, "0.bias": b1, "2.weight": W2.T, …}``: a PyTorch Sequential's state_dict, as NumPy arrays.

    Load it with ``net.load_state_dict({k: torch.from_numpy(v) for k, v in ….items()})``.
    The transposes are copies (``np.ascontiguousarray``), so that PyTorch gets ordinary arrays.
    """
    out = {}
    for l in range(1, _layers(params) + 1):
        out[f"{2 * (l - 1)}.weight"] = np.ascontiguousarray(params[f"W{l}"].T)
        out[f"{2 * (l - 1)}.bias"] = np.array(params[f"b{l}"])
    return out


def from_torch_layout(state: dict) -> dict:
    """The inverse of :func:`to_torch_layout`: ``{"W1": …, "b1": …}`` from a state_dict of NumPy arrays."""
    params = {}
    for key in sorted((k for k in state if k.endswith(".weight")), key=lambda k: int(k.split(".")[0])):
        index = int(key.split(".")[0])
        if index % 2:
            raise ValueError(f"{key!r}: in Sequential(Linear, ReLU, Linear, …) the Linear layers are at even indexes")
        l = index // 2 + 1
        params[f"W{l}"] = np.ascontiguousarray(np.asarray(state[key]).T)
        params[f"b{l}"] = np.array(state[f"{index}.bias"])
    return params


def to_keras_weights(params: dict) -> list:
    """``[W1, b1, W2, b2, …]``: what a Keras Sequential of Dense layers takes in ``set_weights`` (no transposes)."""
    return [np.array(params[f"{p}{l}"]) for l in range(1, _layers(params) + 1) for p in "Wb"]
