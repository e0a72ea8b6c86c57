"""Saving and loading models safely: ``.npz`` arrays plus JSON metadata, never pickle.

A model file is an ordinary NumPy ``.npz`` archive holding one array per
parameter (``W1``, ``b1``, …) and a ``metadata`` string of JSON: the format
tag, the model's ``kind``, its architecture, the training recipe and the
package version. Saving is atomic, and refuses parameters that are NaN or
infinite.

The metadata records what the model's ``describe()`` says (see
:mod:`mnist_scratch.interface`); the kinds of model a file can hold, ``"mlp"``
(a fully connected :class:`~mnist_scratch.model.Model`, with or without batch
norm) and ``"cnn"`` (a :class:`~mnist_scratch.cnn.CNN`), and what each needs,
are the registry :data:`mnist_scratch.files.kinds.KINDS`. Format 2 added the
``kind``; files of format 1, all fully connected, still load. A
batch-normalized model (``"batch_norm": true``) also holds ``gamma1``,
``beta1``, … among its parameters and its running statistics
``running_mean1``, ``running_var1``, ….

Saving refuses what loading would: a model is checked, metadata and arrays,
with the very checks :func:`load_model` makes (:func:`check_model_file`), before a
byte is written, so a file that was saved always loads.

Loading trusts nothing in the file. Before any array is read, the archive's
table of contents and each array's ``.npy`` header are checked against each
other and against :data:`MAX_MODEL_BYTES`, so a file that claims a trillion
floats, or a member that inflates to gigabytes, is refused at once. Arrays are
read with no pickle support at all, so opening a model file can never run
code. Whatever is wrong, the error is a :class:`ModelFileError` naming the file.
"""

from __future__ import annotations

import errno
import json
import os
import struct
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .._version import __version__
from ..data.atomic import atomic_path, check_writable
from ..data.errors import write_error
from ..data.pixels import SCALES
from ..interface import REQUIRED
from ..validation import MAX_ARRAY_BYTES, Constraint, IsPath, OneOf, format_bytes, validate
from .kinds import KINDS, SEED, check_arrays

__all__ = ["save_model", "load_model", "model_path", "check_model_file", "ModelFileError", "FORMAT",
           "READABLE_FORMATS", "KINDS", "MAX_MODEL_BYTES"]

FORMAT = "mnist_scratch.model/2"
#: Formats :func:`load_model` reads. Format 2 added the ``kind`` (format 1: every model was fully
#: connected) and, for a fully connected model, ``batch_norm`` with the running statistics.
READABLE_FORMATS = ("mnist_scratch.model/1", FORMAT)
#: The most a model file's arrays may take once inflated: 1 GiB (784-128-64-10 in float32: 0.4 MB), with
#: room for the metadata and the arrays' headers. A network's parameters may take MAX_ARRAY_BYTES (1 GiB) at
#: most when it is made (:mod:`mnist_scratch.validation`), so every network that can be made can be saved.
_MAX_METADATA_BYTES = 4 << 20
MAX_MODEL_BYTES = MAX_ARRAY_BYTES + 2 * _MAX_METADATA_BYTES
_MAX_MEMBERS = 256
_MAX_DIMENSIONS = 32


class ModelFileError(ValueError):
    """A file is not a valid mnist_scratch model."""


@dataclass(frozen=True)
class IsNetwork(Constraint):
    """A network: something with every member of :data:`mnist_scratch.interface.REQUIRED`."""

    note: str = ""

    def accepts(self, value) -> bool:
        if value is None or not all(hasattr(value, name) for name in REQUIRED):
            return False
        return all(callable(getattr(value, name)) for name in ("forward", "forward_train", "backward", "describe"))

    @property
    def description(self) -> str:
        return ("a network (a Model, a CNN, load_model's result, or your own with the members of "
                "mnist_scratch.interface)" + (f"; {self.note}" if self.note else ""))


def model_path(path, *, check: bool = False) -> Path:
    """The file :func:`save_model` writes for ``path`` (``.npz`` added if missing).

    With ``check=True``, first make sure it can be written (its folder exists or can
    be made, and takes a file), raising :class:`~mnist_scratch.data.errors.FileWriteError`
    if not: call this before a long training run, not after.
    """
    if str(path).endswith(("/", os.sep)) or Path(path).is_dir():
        raise write_error(path, OSError(errno.EISDIR, "is a folder"))
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    return check_writable(path) if check else path


@validate({"model": IsNetwork("save_model(model, path) takes the model first, then the path"),
           "path": IsPath()}, name="save_model")
def save_model(model, path) -> Path:
    """Write ``model`` (a :class:`~mnist_scratch.model.Model`, a :class:`~mnist_scratch.cnn.CNN`, any
    network whose ``describe()`` names a kind in :data:`~mnist_scratch.files.kinds.KINDS`) to ``path``
    (``.npz`` is added if missing). Returns the path.

    Nothing is written unless :func:`load_model` would load it back: the metadata and
    every array go through the checks of loading first (a :class:`ModelFileError` says
    what would not load: weights that are not float32 or float64, NaN, a bad recipe…).
    """
    path = model_path(path)
    description = model.describe()
    if not isinstance(description, dict) or description.get("kind") not in KINDS:
        kind = description.get("kind") if isinstance(description, dict) else description
        _fail(f"cannot save {path}", f"the model describes itself as kind {kind!r:.60}, and model files "
                                     f"hold {', '.join(map(repr, KINDS))}")
    for key, value in {**model.params, **model.state}.items():
        value = np.asarray(value)
        bad = np.size(value) - np.count_nonzero(np.isfinite(value)) if value.dtype.kind in "fc" else 0
        if bad:
            _fail(f"cannot save {path}", f"parameter {key} holds {bad:,} NaN or infinite values, so the model "
                                         f"cannot predict; train it again (with a smaller learning rate) first")
    metadata = {
        "format": FORMAT,
        **description,
        "dtype": str(model.dtype),
        "shapes": {k: list(np.shape(v)) for k, v in model.params.items()},
        "batch_norm": bool(description.get("batch_norm", False)),
        "recipe": model.recipe,
        "package_version": __version__,
        "saved_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    arrays = {k: np.ascontiguousarray(v) for k, v in {**model.params, **model.state}.items()}
    text = json.dumps(metadata, default=str)
    # exactly what load_model will read back, checked as it will check it (128: a .npy header, at most)
    check_model_file(json.loads(text), dict(arrays), f"cannot save {path}",
                     sum(a.nbytes + 128 for a in arrays.values()) + 4 * len(text) + 128)
    arrays["metadata"] = np.array(text)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
    return path


def _fail(path, why):
    raise ModelFileError(f"{path}: {why}")


def check_model_file(meta: dict, arrays: dict, where, size: int | None = None):
    """The checks a model file's metadata and arrays pass, at loading and before saving alike.

    Returns ``(kind, architecture)``; raises :class:`ModelFileError` (``where: why``) if the
    metadata or an array is not what a model file may hold. ``size`` is the bytes of the
    file's members once inflated, when known.
    """
    if size is not None and size > MAX_MODEL_BYTES:
        _fail(where, f"would take {format_bytes(size)} once inflated, more than the {format_bytes(MAX_MODEL_BYTES)} "
                     f"a model file may hold")
    if len(arrays) + 1 > _MAX_MEMBERS:
        _fail(where, f"holds {len(arrays) + 1:,} members; a model file holds a few arrays ({_MAX_MEMBERS} at most)")
    if not isinstance(meta, dict) or meta.get("format") not in READABLE_FORMATS:
        _fail(where, f"has format {meta.get('format') if isinstance(meta, dict) else None!r:.60}, expected {FORMAT!r}")
    kind = meta.setdefault("kind", "mlp")
    if not isinstance(kind, str) or kind not in KINDS:
        _fail(where, f"holds a model of kind {kind!r:.60}, which this version of mnist_scratch cannot read "
                     f"(it reads {', '.join(map(repr, KINDS))})")
    if "seed" in meta and not SEED.accepts(meta["seed"]):
        _fail(where, f"has a bad 'seed' in its metadata: {meta['seed']!r:.100}")
    recipe = meta.get("recipe")
    if not isinstance(recipe, (dict, type(None))):
        _fail(where, f"has a bad 'recipe' in its metadata: {recipe!r:.100}")
    if recipe and "scale" in recipe and not _SCALE.accepts(recipe["scale"]):
        _fail(where, f"has a bad 'recipe' in its metadata: its scale is {recipe['scale']!r:.60}, and the pixels "
                     f"of a model's input are scaled {', '.join(map(repr, SCALES))}")
    model_kind = KINDS[kind]
    try:
        arch = model_kind.architecture(meta)
        shapes = {**model_kind.param_shapes(arch), **model_kind.state_shapes(arch)}
        check_arrays(arrays, shapes, model_kind.what(arch), model_kind.name)
    except ValueError as err:
        _fail(where, str(err))
    return model_kind, arch


_SCALE = OneOf(SCALES)


# --------------------------------------------------------------------------- reading, bounded
def _read_npy(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path) -> np.ndarray:
    """One ``.npy`` member: header checked against the member's declared size, then read exactly."""
    fmt = np.lib.format
    name = info.filename
    with zf.open(info) as f:
        version = fmt.read_magic(f)
        if version not in ((1, 0), (2, 0)):
            _fail(path, f"member {name} uses .npy format version {version}, which is not read here")
        read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, fortran_order, dtype = read_header(f)
        if dtype.hasobject or dtype.fields is not None or dtype.subdtype is not None:
            _fail(path, f"member {name} holds Python objects or structured records, not plain numbers")
        if len(shape) > _MAX_DIMENSIONS or any(not isinstance(n, int) or n < 0 for n in shape):
            _fail(path, f"member {name} has an impossible shape {shape!r}")
        count = 1
        for n in shape:
            count *= n
        size, available = count * dtype.itemsize, info.file_size - f.tell()
        if size != available:
            _fail(path, f"member {name}: its header promises {shape} of {dtype} ({size:,} bytes), "
                        f"but the member holds {available:,} bytes")
        f.seek(0)                       # checked and bounded: now NumPy's own reader, never pickle
        try:
            return fmt.read_array(f, allow_pickle=False)
        except (ValueError, EOFError, OSError) as err:
            _fail(path, f"member {name} could not be read ({err})")


def _read_arrays(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if len(infos) > _MAX_MEMBERS:
            _fail(path, f"holds {len(infos):,} members; a model file holds a few arrays")
        total = sum(info.file_size for info in infos)
        if total > MAX_MODEL_BYTES:
            _fail(path, f"would inflate to {total:,} bytes, more than the {MAX_MODEL_BYTES:,} a model file may hold")
        arrays = {}
        for info in infos:
            key = info.filename[:-4]
            if not info.filename.endswith(".npy") or key in arrays:
                _fail(path, f"member {info.filename!r} is not one NumPy array (.npy) among others")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                _fail(path, f"member {info.filename} uses a compression method model files never use")
            if info.flag_bits & 0x1:
                _fail(path, f"member {info.filename} is encrypted; model files are never encrypted")
            if key == "metadata" and info.file_size > _MAX_METADATA_BYTES:
                _fail(path, f"its metadata takes {info.file_size:,} bytes; a model's takes a few thousand")
            arrays[key] = _read_npy(zf, info, path)
    return arrays


def _metadata(arrays: dict, path) -> dict:
    if "metadata" not in arrays:
        _fail(path, "is an .npz file but not an mnist_scratch model (it has no metadata)")
    text = arrays.pop("metadata")
    if text.shape != () or text.dtype.kind != "U":
        _fail(path, f"its metadata is {text.dtype} of shape {text.shape}, not one string of JSON")
    try:
        meta = json.loads(str(text[()]))
    except (ValueError, RecursionError) as err:
        _fail(path, f"its metadata is not valid JSON ({type(err).__name__})")
    return meta


@validate({"path": IsPath()}, name="load_model")
def load_model(path):
    """Read a model written by :func:`save_model`, checking it thoroughly, in bounded time and memory."""
    path = Path(path)
    if path.is_dir():
        _fail(path, "is a folder, not a model file")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such model file")
    try:
        arrays = _read_arrays(path)
    except ModelFileError:
        raise
    except OSError as err:  # (zipfile reports a damaged archive with BadZipFile, not OSError)
        _fail(path, f"cannot be read ({err.strerror or err})")
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, KeyError, TypeError, OverflowError,
            RecursionError, SyntaxError, NotImplementedError, struct.error) as err:
        _fail(path, f"is not a readable model file; it may be truncated or not an .npz at all "
                    f"({type(err).__name__}: {str(err)[:200]})")
    meta = _metadata(arrays, path)
    kind, arch = check_model_file(meta, arrays, path)
    dtype = np.result_type(*arrays.values())
    params = {k: arrays[k].astype(dtype) for k in kind.param_shapes(arch)}
    state = {k: arrays[k].astype(dtype) for k in kind.state_shapes(arch)}
    model = kind.build(arch, params, state, meta)
    model.recipe = meta.get("recipe") or {}
    model.metadata = meta
    return model
