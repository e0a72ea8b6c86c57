"""Saving and loading models safely: ``.npz`` arrays plus JSON metadata, never pickle.

A model file is an ordinary NumPy ``.npz`` archive holding one array per
parameter (``W1``, ``b1``, …) and a ``metadata`` string of JSON: the format
tag, layer sizes, activation, loss, initialisation, the training recipe and
the package version. It is read with ``allow_pickle=False``, so opening a
model file can never run code. Saving is atomic.
"""

from __future__ import annotations

import json
import pickle
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ._version import __version__
from .activations import ACTIVATIONS
from .data.atomic import atomic_path
from .losses import LOSSES
from .network import Model, check_sizes, param_keys, param_shapes

__all__ = ["save_model", "load_model", "ModelFileError", "FORMAT"]

FORMAT = "mnist_scratch.model/1"


class ModelFileError(ValueError):
    """A file is not a valid mnist_scratch model."""


def save_model(model: Model, path) -> Path:
    """Write ``model`` to ``path`` (``.npz`` is added if missing). Returns the path."""
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    metadata = {
        "format": FORMAT,
        "sizes": model.sizes,
        "activation": model.activation,
        "loss": model.loss,
        "init": model.init,
        "seed": model.seed,
        "dtype": str(model.dtype),
        "shapes": {k: list(v.shape) for k, v in model.params.items()},
        "recipe": model.recipe,
        "package_version": __version__,
        "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    arrays = {k: np.ascontiguousarray(v) for k, v in model.params.items()}
    arrays["metadata"] = np.array(json.dumps(metadata, default=str))
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
    return path


def _fail(path, why):
    raise ModelFileError(f"{path}: {why}")


def load_model(path) -> Model:
    """Read a model written by :func:`save_model`, checking it thoroughly."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such model file")
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = set(archive.files)
            if "metadata" not in names:
                _fail(path, "is an .npz file but not an mnist_scratch model (it has no metadata)")
            meta = json.loads(str(archive["metadata"][()]))
            arrays = {k: archive[k] for k in names - {"metadata"}}
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError, TypeError,
            pickle.UnpicklingError) as err:
        _fail(path, f"is not a readable model file; it may be truncated or not an .npz at all ({err})")

    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        _fail(path, f"has format {meta.get('format') if isinstance(meta, dict) else None!r}, expected {FORMAT!r}")
    try:
        sizes = check_sizes(meta["sizes"])
    except (KeyError, ValueError) as err:
        _fail(path, f"has bad layer sizes in its metadata ({err})")
    if meta.get("activation") not in ACTIVATIONS or meta.get("loss") not in LOSSES:
        _fail(path, f"names an unknown activation or loss: {meta.get('activation')!r}, {meta.get('loss')!r}")
    expected = param_keys(len(sizes) - 1)
    if set(arrays) != set(expected):
        _fail(path, f"holds arrays {sorted(arrays)}, but layer sizes {sizes} need {expected}")
    shapes = param_shapes(sizes)
    for key in expected:
        a = arrays[key]
        if a.shape != shapes[key]:
            _fail(path, f"array {key} has shape {a.shape}, but the metadata's sizes {sizes} need {shapes[key]}")
        if not np.issubdtype(a.dtype, np.floating):
            _fail(path, f"array {key} has dtype {a.dtype}; parameters must be floating point")
        if not np.all(np.isfinite(a)):
            _fail(path, f"array {key} contains NaN or infinite values")
    dtype = np.result_type(*arrays.values())
    params = {k: arrays[k].astype(dtype) for k in expected}
    model = Model(sizes, meta["activation"], meta["loss"], meta.get("init", "he"),
                  meta.get("seed", 0), params=params, dtype=dtype)
    model.recipe = meta.get("recipe") or {}
    model.metadata = meta
    return model
