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
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .._version import __version__
from ..data.atomic import atomic_path, check_writable
from ..data.errors import write_error
from ..interface import check_network
from .kinds import KINDS, SEED, check_arrays

__all__ = ["save_model", "load_model", "model_path", "ModelFileError", "FORMAT", "READABLE_FORMATS", "KINDS",
           "MAX_MODEL_BYTES"]

FORMAT = "mnist_scratch.model/2"
#: Formats :func:`load_model` reads. Format 2 added the ``kind`` (format 1: every model was fully
#: connected) and, for a fully connected model, ``batch_norm`` with the running statistics.
READABLE_FORMATS = ("mnist_scratch.model/1", FORMAT)
#: The most a model file's arrays may take once inflated: 1 GiB (784-128-64-10 in float32: 0.4 MB).
MAX_MODEL_BYTES = 1 << 30
_MAX_METADATA_BYTES = 4 << 20
_MAX_MEMBERS = 256
_MAX_DIMENSIONS = 32


class ModelFileError(ValueError):
    """A file is not a valid mnist_scratch model."""


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


def save_model(model, path) -> Path:
    """Write ``model`` (a :class:`~mnist_scratch.model.Model`, a :class:`~mnist_scratch.cnn.CNN`, any
    network whose ``describe()`` names a kind in :data:`~mnist_scratch.files.kinds.KINDS`) to ``path``
    (``.npz`` is added if missing). Returns the path."""
    check_network(model)
    path = model_path(path)
    description = model.describe()
    kind = KINDS.get(description.get("kind"))
    if kind is None:
        raise ValueError(f"cannot save {path}: the model describes itself as kind {description.get('kind')!r:.60}, "
                         f"and model files hold {', '.join(map(repr, KINDS))}")
    for key, value in {**model.params, **model.state}.items():
        bad = np.size(value) - np.count_nonzero(np.isfinite(value))
        if bad:
            raise ValueError(f"cannot save {path}: parameter {key} holds {bad:,} NaN or infinite values, so "
                             f"the model cannot predict; train it again (with a smaller learning rate) first")
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
    arrays["metadata"] = np.array(json.dumps(metadata, default=str))
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
    return path


def _fail(path, why):
    raise ModelFileError(f"{path}: {why}")


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
    if not isinstance(meta, dict) or meta.get("format") not in READABLE_FORMATS:
        _fail(path, f"has format {meta.get('format') if isinstance(meta, dict) else None!r:.60}, expected {FORMAT!r}")
    kind = meta.setdefault("kind", "mlp")
    if not isinstance(kind, str) or kind not in KINDS:
        _fail(path, f"holds a model of kind {kind!r:.60}, which this version of mnist_scratch cannot read "
                    f"(it reads {', '.join(map(repr, KINDS))})")
    if "seed" in meta and not SEED.accepts(meta["seed"]):
        _fail(path, f"has a bad 'seed' in its metadata: {meta['seed']!r:.100}")
    if "recipe" in meta and not isinstance(meta["recipe"], (dict, type(None))):
        _fail(path, f"has a bad 'recipe' in its metadata: {meta['recipe']!r:.100}")
    return meta


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
    kind = KINDS[meta["kind"]]
    try:
        arch = kind.architecture(meta)
        shapes = {**kind.param_shapes(arch), **kind.state_shapes(arch)}
        check_arrays(arrays, shapes, kind.what(arch), kind.name)
    except ValueError as err:
        _fail(path, str(err))
    dtype = np.result_type(*arrays.values())
    params = {k: arrays[k].astype(dtype) for k in kind.param_shapes(arch)}
    state = {k: arrays[k].astype(dtype) for k in kind.state_shapes(arch)}
    model = kind.build(arch, params, state, meta)
    model.recipe = meta.get("recipe") or {}
    model.metadata = meta
    return model
