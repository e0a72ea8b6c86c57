"""The kinds of model a file can hold, and what each kind's part of a file must be.

A model file's metadata names its ``kind``; :data:`KINDS` says, for each, which
metadata fields describe the architecture (checked against the same
constraints as the class's own arguments, :mod:`mnist_scratch.validation`),
which arrays the architecture needs (parameters and state, with their shapes),
and how to build the network from them. Adding a kind of model to the files is
one entry here.

==========  ===============================================================  ===========================
kind        architecture in the metadata                                     arrays
==========  ===============================================================  ===========================
``mlp``     ``sizes``, ``activation``, ``loss``, ``init``, ``batch_norm``    ``W1 b1 …`` or, with batch
                                                                             norm, ``W1 gamma1 beta1 …
                                                                             bL`` and the running stats
``cnn``     ``cnn``: ``{"channels", "kernel", "hidden", "classes",``         ``W1 b1 W2 b2 W3 b3 W4 b4``
            ``"image_shape", "padding"}``
==========  ===============================================================  ===========================

Every problem is a ``ValueError`` saying what is wrong, which
:mod:`~mnist_scratch.files.model_file` reports with the file's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..activations import ACTIVATIONS
from ..bn_network import bn_param_shapes, bn_state_shapes
from ..cnn import ARCHITECTURE, CNN, cnn_param_shapes, feature_map_sizes
from ..init import INITS
from ..losses import LOSSES
from ..model import Model
from ..network import SIZES, param_shapes
from ..validation import ArgumentError, IsBool, OneOf, OrNone, Whole, check_value

__all__ = ["ModelKind", "KINDS", "check_arrays", "MAX_UNITS"]

#: The largest layer, channel count or size a model file may declare: keeps arithmetic on hostile numbers small.
MAX_UNITS = 1 << 30


@dataclass(frozen=True)
class ModelKind:
    """One kind of model: its architecture from checked metadata, its arrays' shapes, its builder."""

    name: str
    architecture: Callable        # (metadata) -> the architecture, checked (ValueError if not)
    param_shapes: Callable        # (architecture) -> {name: shape}
    state_shapes: Callable        # (architecture) -> {name: shape}
    build: Callable               # (architecture, params, state, metadata) -> the network
    what: Callable                # (architecture) -> words for messages: "the metadata's sizes [784, 10] need"


def _field(meta: dict, name: str, constraint, default=None):
    """``meta[name]`` checked against ``constraint`` (the default where the field is missing)."""
    value = meta.get(name, default)
    try:
        return check_value("", name, value, constraint)
    except ArgumentError as err:
        raise ValueError(f"its metadata is not valid: {err}") from None


# --------------------------------------------------------------------------- fully connected
_MLP_SIZES = type(SIZES)(Whole(1, MAX_UNITS), SIZES.min_length, example=SIZES.example)


def _mlp_architecture(meta: dict) -> dict:
    return {"sizes": _field(meta, "sizes", _MLP_SIZES),
            "activation": _field(meta, "activation", OneOf(tuple(ACTIVATIONS))),
            "loss": _field(meta, "loss", OneOf(tuple(LOSSES))),
            "init": _field(meta, "init", OneOf(tuple(INITS)), "he"),
            "batch_norm": _field(meta, "batch_norm", IsBool(), False)}


def _mlp_param_shapes(arch: dict) -> dict:
    return bn_param_shapes(arch["sizes"]) if arch["batch_norm"] else param_shapes(arch["sizes"])


def _mlp_state_shapes(arch: dict) -> dict:
    return bn_state_shapes(arch["sizes"]) if arch["batch_norm"] else {}


def _mlp_build(arch: dict, params: dict, state: dict, meta: dict) -> Model:
    return Model(arch["sizes"], arch["activation"], arch["loss"], arch["init"], meta.get("seed", 0), params=params,
                 dtype=next(iter(params.values())).dtype, batch_norm=arch["batch_norm"],
                 state=state if arch["batch_norm"] else None)


# --------------------------------------------------------------------------- convolutional
def _cnn_architecture(meta: dict) -> dict:
    arch = meta.get("cnn")
    if not isinstance(arch, dict):
        raise ValueError(f"is a CNN file without its architecture (metadata 'cnn' is {arch!r:.60})")
    if meta.get("batch_norm"):
        raise ValueError("holds a CNN marked as batch-normalized; batch norm is an option of fully connected "
                         "models only")
    clean = {}
    for name, constraint in ARCHITECTURE.items():
        try:
            clean[name] = check_value("", name, arch.get(name), constraint)
        except ArgumentError as err:
            raise ValueError(f"its CNN architecture is not valid: {err}") from None
    try:
        feature_map_sizes(clean["image_shape"], clean["kernel"], clean["padding"])
    except ValueError as err:
        raise ValueError(f"its CNN architecture does not fit together: {err}") from None
    return clean


def _cnn_build(arch: dict, params: dict, state: dict, meta: dict) -> CNN:
    return CNN(**arch, seed=meta.get("seed", 0), params=params)


KINDS = {
    "mlp": ModelKind("mlp", _mlp_architecture, _mlp_param_shapes, _mlp_state_shapes, _mlp_build,
                     lambda arch: f"the metadata's sizes {arch['sizes']} need"),
    "cnn": ModelKind("cnn", _cnn_architecture, lambda arch: cnn_param_shapes(**arch), lambda arch: {}, _cnn_build,
                     lambda arch: "the CNN architecture in its metadata needs"),
}

#: What a saved seed may be.
SEED = OrNone(Whole(0))


def check_arrays(arrays: dict, shapes: dict, what: str, kind: str) -> dict:
    """``arrays`` if they are exactly ``shapes``' names, with those shapes, floating point and finite.

    The one check every array of every kind of model file goes through (parameters
    and state alike). ``what`` names where the shapes come from, for the messages.
    """
    if set(arrays) != set(shapes):
        missing, extra = sorted(set(shapes) - set(arrays)), sorted(set(arrays) - set(shapes))
        raise ValueError(f"holds arrays {sorted(arrays)}, but {what} {list(shapes)}"
                         + (f" (missing: {', '.join(missing)})" if missing else "")
                         + (f" (not {'an' if kind[0] in 'aeiou' else 'a'} {kind.upper()}'s: {', '.join(extra)})"
                            if extra else ""))
    for key, shape in shapes.items():
        a = arrays[key]
        if a.shape != tuple(shape):
            raise ValueError(f"array {key} has shape {a.shape}, but {what} {tuple(shape)}")
        if a.dtype.kind != "f" or a.dtype.itemsize not in (4, 8):
            raise ValueError(f"array {key} has dtype {a.dtype}; a model's arrays must be float32 or float64 "
                             f"(convert them with .astype(np.float32))")
        if not np.all(np.isfinite(a)):
            raise ValueError(f"array {key} contains NaN or infinite values")
        if key.startswith("running_var") and np.any(a < 0):
            raise ValueError(f"array {key} holds negative variances")
    return arrays
