"""A convolutional network's part of a model file (used by :mod:`mnist_scratch.files.model_file`).

A CNN file is an ordinary model file (``.npz`` arrays plus JSON metadata) whose
metadata says ``"kind": "cnn"`` and records the architecture under ``"cnn"``:
the arguments that rebuild the network, ``CNN(**metadata["cnn"])``::

    {"channels": [16, 32], "kernel": 5, "hidden": 128, "classes": 10,
     "image_shape": [1, 28, 28], "padding": "valid"}

Its arrays are the eight parameters ``W1 b1 W2 b2 W3 b3 W4 b4`` in the shapes
of :func:`mnist_scratch.cnn.cnn_param_shapes`. Nothing here trusts the file:
every field is checked before a network is built, and every problem is a
``ValueError`` saying what is wrong, which ``model_io`` reports with the file's name.
"""

from __future__ import annotations

import numpy as np

from ..cnn import CNN, cnn_param_shapes, feature_map_sizes

__all__ = ["cnn_metadata", "cnn_from_file", "PADDINGS"]

PADDINGS = ("valid", "same")
_LARGEST = 1 << 20          # no sensible field is larger; keeps arithmetic on hostile numbers small


def cnn_metadata(model: CNN) -> dict:
    """The metadata that describes ``model``'s architecture."""
    return {"kind": "cnn", "cnn": model.architecture, "seed": model.seed}


def _whole(value, name: str, smallest: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not smallest <= value <= _LARGEST:
        raise ValueError(f"its CNN architecture has a bad {name}: {value!r:.60}; it must be a whole number "
                         f">= {smallest}")
    return value


def _architecture(meta: dict) -> dict:
    arch = meta.get("cnn")
    if not isinstance(arch, dict):
        raise ValueError(f"is a CNN file without its architecture (metadata 'cnn' is {arch!r:.60})")
    channels, image_shape = arch.get("channels"), arch.get("image_shape")
    if not isinstance(channels, list) or len(channels) != 2:
        raise ValueError(f"its CNN architecture has bad channels: {channels!r:.60}; they must be two whole "
                         f"numbers, like [16, 32]")
    if not isinstance(image_shape, list) or len(image_shape) != 3:
        raise ValueError(f"its CNN architecture has a bad image_shape: {image_shape!r:.60}; it must be "
                         f"[channels, height, width], like [1, 28, 28]")
    padding = arch.get("padding")
    if padding not in PADDINGS:
        raise ValueError(f"its CNN architecture has an unknown padding {padding!r:.60}; it must be "
                         f"'valid' or 'same'")
    clean = {"channels": [_whole(c, "channels") for c in channels],
             "kernel": _whole(arch.get("kernel"), "kernel"),
             "hidden": _whole(arch.get("hidden"), "hidden"),
             "classes": _whole(arch.get("classes"), "classes", 2),
             "image_shape": [_whole(n, "image_shape") for n in image_shape],
             "padding": padding}
    try:
        feature_map_sizes(clean["image_shape"], clean["kernel"], padding)
    except ValueError as err:
        raise ValueError(f"its CNN architecture does not fit together: {err}") from None
    return clean


def cnn_from_file(meta: dict, arrays: dict) -> CNN:
    """The CNN that ``meta`` (checked JSON metadata) and ``arrays`` (name -> array) describe."""
    arch = _architecture(meta)
    shapes = cnn_param_shapes(**arch)
    if set(arrays) != set(shapes):
        missing, extra = sorted(set(shapes) - set(arrays)), sorted(set(arrays) - set(shapes))
        raise ValueError(f"holds arrays {sorted(arrays)}, but a CNN needs {list(shapes)}"
                         + (f" (missing: {', '.join(missing)})" if missing else "")
                         + (f" (not a CNN's: {', '.join(extra)})" if extra else ""))
    for key, shape in shapes.items():
        a = arrays[key]
        if a.shape != shape:
            raise ValueError(f"array {key} has shape {a.shape}, but the CNN architecture in its metadata "
                             f"needs {shape}")
        if not np.issubdtype(a.dtype, np.floating):
            raise ValueError(f"array {key} has dtype {a.dtype}; parameters must be floating point")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"array {key} contains NaN or infinite values")
    dtype = np.result_type(*arrays.values())
    params = {key: arrays[key].astype(dtype) for key in shapes}
    return CNN(**arch, seed=meta.get("seed", 0), params=params)
