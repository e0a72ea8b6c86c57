"""Loading MNIST: find the files, check they are genuine, hand out arrays.

Every loader here returns samples as **rows**: images have shape ``(n, 784)``
(28 x 28 pixels flattened row by row) and labels have shape ``(n,)``.

Where the files are looked for, in order:

1. the ``data_dir`` argument;
2. the environment variable ``MNIST_SCRATCH_DATA_DIR``;
3. the repository's ``data/`` folder (or, for a non-editable install, a cache
   folder in your home directory). Downloads land there too.

Fashion-MNIST uses the same file names, so unless you pass ``data_dir`` it is
kept in a ``fashion-mnist/`` sub-folder of (2) or (3).

A folder may hold the official ``.gz`` archives or their decompressed files,
under the official names (``train-images-idx3-ubyte``) or the common
``train-images.idx3-ubyte`` spelling. Every file is checked against the
official SHA-256 (or MD5) before it is used.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections import namedtuple
from pathlib import Path

import numpy as np

from ._files import atomic_path
from .idx import IdxFormatError, load_idx, parse_idx, read_maybe_gzip
from .sources import PARTS, DataSet, get_dataset

__all__ = [
    "MNIST", "DataFileError", "DataNotFoundError", "ENV_VAR", "load_mnist", "load_idx",
    "load_csv", "save_csv", "one_hot", "train_dev_split", "resolve_data_dir", "find_files",
    "scale_pixels", "IdxFormatError",
]

ENV_VAR = "MNIST_SCRATCH_DATA_DIR"
SCALES = ("unit", "raw", "myonn")

#: What :func:`load_mnist` returns; unpack it as ``X_train, y_train, X_test, y_test``.
MNIST = namedtuple("MNIST", "X_train y_train X_test y_test")


class DataFileError(ValueError):
    """A data file is malformed, inconsistent, or not a known version."""


class DataNotFoundError(FileNotFoundError):
    """The data files are not where they were looked for (and were not downloaded)."""


# --------------------------------------------------------------------------- where
def _default_root() -> Path:
    package = Path(__file__).resolve().parent
    repo = package.parent
    if (repo / "pyproject.toml").is_file():  # a clone, installed with `pip install -e .`
        return repo / "data"
    import pooch

    return Path(pooch.os_cache("mnist_scratch"))


def resolve_data_dir(data_dir=None, dataset: str = "mnist") -> Path:
    """The folder that holds (or will hold) ``dataset``'s four files.

    ``data_dir`` if given; else ``$MNIST_SCRATCH_DATA_DIR``; else the repo's
    ``data/``. For Fashion-MNIST the latter two get a ``fashion-mnist/``
    sub-folder, since its files have the same names as MNIST's.
    """
    get_dataset(dataset)
    if data_dir is not None:
        return Path(data_dir).expanduser()
    env = os.environ.get(ENV_VAR)
    root = Path(env).expanduser() if env else _default_root()
    return root if dataset == "mnist" else root / dataset


def find_files(folder, dataset: str = "mnist") -> dict:
    """Map each part (``"train_images"``…) to the file found for it in ``folder``, or None."""
    folder = Path(folder)
    ds = get_dataset(dataset)
    found = {}
    for part in PARTS:
        candidates = (folder / name for name in ds.files[part].spellings)
        found[part] = next((p for p in candidates if p.is_file()), None)
    return found


# --------------------------------------------------------------------------- checks
def _matches_official(file_bytes: bytes, content: bytes, info) -> bool:
    if file_bytes is not content:  # a gzip archive: is it the official one, byte for byte?
        algorithm, digest = info.archive_hash.split(":")
        if hashlib.new(algorithm, file_bytes).hexdigest() == digest:
            return True
    return hashlib.sha256(content).hexdigest() == info.content_sha256


def _check_part(array: np.ndarray, part: str, path: Path) -> None:
    if part.endswith("images"):
        if array.ndim != 3 or array.shape[1:] != (28, 28) or array.dtype != np.uint8:
            raise DataFileError(
                f"{path}: expected uint8 images of shape (n, 28, 28), found "
                f"{array.dtype} of shape {array.shape}"
            )
    else:
        if array.ndim != 1 or array.dtype != np.uint8:
            raise DataFileError(
                f"{path}: expected a 1-D array of uint8 labels, found {array.dtype} of shape {array.shape}"
            )
        if array.size and array.max() > 9:
            bad = int(np.argmax(array > 9))
            raise DataFileError(
                f"{path}: label {int(array[bad])} at position {bad} is outside 0-9"
            )


def _check_scale(scale) -> None:
    if scale not in SCALES:
        raise ValueError(f"scale={scale!r} is not one of {', '.join(map(repr, SCALES))}")


def scale_pixels(raw: np.ndarray, scale: str = "unit") -> np.ndarray:
    """Scale uint8 pixels (0-255).

    * ``"unit"``:  float32 in [0, 1], ``x / 255``; the default everywhere.
    * ``"myonn"``: float32 in [0.01, 1.0], ``x / 255 * 0.99 + 0.01``, the input
      scaling of "Make Your Own Neural Network" (no input is exactly zero).
    * ``"raw"``:   the uint8 pixels themselves.
    """
    _check_scale(scale)
    if scale == "raw":
        return raw
    X = raw.astype(np.float32)
    X /= np.float32(255)
    if scale == "myonn":
        X *= np.float32(0.99)
        X += np.float32(0.01)
        np.minimum(X, np.float32(1.0), out=X)
    return X


# --------------------------------------------------------------------------- load
def load_mnist(data_dir=None, *, dataset: str = "mnist", download: bool = True,
               scale: str = "unit", allow_unknown_hash: bool = False) -> MNIST:
    """Load MNIST (or Fashion-MNIST) as ``X_train, y_train, X_test, y_test``.

    Parameters
    ----------
    data_dir : folder with the four files; see the module docstring for the default.
    dataset : ``"mnist"`` or ``"fashion-mnist"``.
    download : fetch missing files from the mirrors (verified, atomic, with a
        progress bar). With ``False`` a missing file raises :class:`DataNotFoundError`.
    scale : ``"unit"`` (float32 in [0, 1]), ``"myonn"`` (float32 in [0.01, 1.0])
        or ``"raw"`` (uint8 0-255). See :func:`scale_pixels`.
    allow_unknown_hash : load a file whose content is a valid IDX file but whose
        hash matches no official version (with a warning) instead of refusing it.

    Returns
    -------
    MNIST namedtuple: ``X_train (60000, 784)``, ``y_train (60000,) int64``,
    ``X_test (10000, 784)``, ``y_test (10000,) int64``.
    """
    ds = get_dataset(dataset)
    _check_scale(scale)  # before any download
    folder = resolve_data_dir(data_dir, dataset)
    paths = find_files(folder, dataset)
    missing = [part for part in PARTS if paths[part] is None]
    if missing:
        if not download:
            raise DataNotFoundError(_missing_message(ds, folder, missing))
        from .download import download

        download(dataset, folder, parts=missing)
        paths = find_files(folder, dataset)

    arrays, unverified = {}, []
    for part in PARTS:
        path = paths[part]
        file_bytes, content = read_maybe_gzip(path)
        array = parse_idx(content, source=path)
        _check_part(array, part, path)
        arrays[part] = array
        if not _matches_official(file_bytes, content, ds.files[part]):
            unverified.append(path)
        del file_bytes, content
    for split in ("train", "test"):
        n_images, n_labels = len(arrays[f"{split}_images"]), len(arrays[f"{split}_labels"])
        if n_images != n_labels:
            raise DataFileError(
                f"{paths[split + '_images']} has {n_images:,} images but "
                f"{paths[split + '_labels']} has {n_labels:,} labels; they must match"
            )
    for path in unverified:
        message = (
            f"{path}: its hash matches no known version of {ds.title}'s "
            f"{path.name}; it may be damaged or altered. Delete it to download a fresh copy"
        )
        if not allow_unknown_hash:
            raise DataFileError(message + ", or pass allow_unknown_hash=True to use it anyway.")
        warnings.warn(message + "; loading it anyway because allow_unknown_hash=True.", stacklevel=2)

    return MNIST(
        scale_pixels(arrays["train_images"].reshape(-1, 784), scale),
        arrays["train_labels"].astype(np.int64),
        scale_pixels(arrays["test_images"].reshape(-1, 784), scale),
        arrays["test_labels"].astype(np.int64),
    )


def _missing_message(ds: DataSet, folder: Path, missing) -> str:
    names = ", ".join(ds.files[p].name for p in missing)
    return (
        f"{ds.title}: {names} not found in {folder}. Either download them "
        f"(load_mnist(download=True), or `mnist-scratch download`), or copy the four "
        f"files (.gz or decompressed) into that folder, or point {ENV_VAR} at a folder "
        f"that has them."
    )


# --------------------------------------------------------------------------- CSV
def _csv_header(path: Path) -> list[str] | None:
    with open(path, encoding="utf-8", errors="replace") as f:
        first = f.readline().strip().split(",")
    if not first or first == [""]:
        raise DataFileError(f"{path}: is empty")
    try:
        float(first[0])
        return None
    except ValueError:
        return first


def load_csv(path, *, scale: str = "unit"):
    """Read MNIST from CSV, returning ``(X, y)``.

    Two forms are recognised:

    * ``mnist_train.csv`` / ``mnist_test.csv``: no header, 785 columns, the label first;
    * Kaggle's ``train.csv``: a header ``label,pixel0,...,pixel783``. (Kaggle's
      ``test.csv`` has no label column; then ``y`` is ``None``.)

    ``scale`` is as in :func:`load_mnist`; labels are int64.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    header = _csv_header(path)
    has_label = header is None or header[0].strip().lower() == "label"
    expected = 785 if has_label else 784
    try:
        frame = pd.read_csv(path, header=None if header is None else 0, low_memory=False)
    except pd.errors.ParserError as err:
        raise DataFileError(
            f"{path}: rows have different numbers of columns (expected {expected}): {err}"
        ) from None
    except (pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise DataFileError(f"{path}: is not a readable CSV file ({err})") from None
    if frame.shape[1] != expected:
        raise DataFileError(
            f"{path}: has {frame.shape[1]} columns; an MNIST CSV has {expected} "
            f"({'a label and ' if has_label else ''}784 pixels)"
        )
    line0 = 1 if header is None else 2  # file line number of the first data row
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            numbers = pd.to_numeric(frame[column], errors="coerce")
            row = int(np.flatnonzero(numbers.isna().to_numpy())[0])
            raise DataFileError(
                f"{path}: line {row + line0}, column {frame.columns.get_loc(column) + 1}: "
                f"{frame[column].iloc[row]!r} is not a number"
            )
    values = frame.to_numpy()
    if np.isnan(values).any():
        row = int(np.argwhere(np.isnan(values))[0][0])
        raise DataFileError(f"{path}: line {row + line0} has fewer than {expected} columns or an empty cell")
    pixels = values[:, 1:] if has_label else values
    bad = (pixels < 0) | (pixels > 255) | (pixels != np.round(pixels))
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise DataFileError(
            f"{path}: line {row + line0}: pixel {col} is {_number(pixels[row, col])}; pixels must be whole numbers 0-255"
        )
    y = None
    if has_label:
        labels = values[:, 0]
        wrong = (labels < 0) | (labels > 9) | (labels != np.round(labels))
        if wrong.any():
            row = int(np.flatnonzero(wrong)[0])
            raise DataFileError(f"{path}: line {row + line0}: label {_number(labels[row])} is outside 0-9")
        y = labels.astype(np.int64)
    return scale_pixels(pixels.astype(np.uint8), scale), y


def _number(value) -> str:
    value = value.item()
    return str(int(value)) if float(value).is_integer() else repr(value)


def save_csv(path, X, y=None, *, kaggle: bool = False) -> Path:
    """Write images (uint8 0-255 or floats in [0, 1]) and labels as an MNIST CSV.

    ``kaggle=False`` gives the ``mnist_train.csv`` form (no header, label first);
    ``kaggle=True`` gives Kaggle's ``train.csv`` form with its header. Atomic.
    """
    import pandas as pd

    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 784:
        raise ValueError(f"X must have shape (n, 784), not {X.shape}")
    if X.dtype != np.uint8:
        if X.size and (X.min() < 0 or X.max() > 1):
            raise ValueError("X must be uint8 pixels or floats in [0, 1]")
        X = np.rint(X * 255).astype(np.uint8)
    columns = [f"pixel{i}" for i in range(784)]
    frame = pd.DataFrame(X, columns=columns)
    if y is not None:
        y = np.asarray(y)
        if y.shape != (len(X),):
            raise ValueError(f"y must have shape ({len(X)},), not {y.shape}")
        frame.insert(0, "label", y.astype(np.int64))
    path = Path(path)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, header=kaggle, index=False)
    return path


# --------------------------------------------------------------------------- helpers
def one_hot(y, num_classes: int = 10, *, dtype=np.float32, off: float = 0.0, on: float = 1.0):
    """One-hot rows: ``Y[i, k] = on`` if ``y[i] == k`` else ``off``. Shape ``(n, num_classes)``.

    "Make Your Own Neural Network" uses ``off=0.01, on=0.99`` with sigmoid outputs.
    """
    y = np.asarray(y)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be a 1-D array of integer labels, not {y.dtype} of shape {y.shape}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must lie in 0..{num_classes - 1}; found {y.min()}..{y.max()}")
    Y = np.full((len(y), num_classes), off, dtype=dtype)
    Y[np.arange(len(y)), y] = on
    return Y


def train_dev_split(X, y, dev_size: int = 1000, *, seed: int = 0, shuffle: bool = True):
    """Carve a dev (validation) set off the training data: ``X_train, y_train, X_dev, y_dev``.

    The classic lessons keep 1,000 images for dev. With ``shuffle`` the split is
    random but seeded, so the same seed gives the same split.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
    if not 0 < dev_size < len(X):
        raise ValueError(f"dev_size must be between 1 and {len(X) - 1}, not {dev_size}")
    order = np.random.default_rng(seed).permutation(len(X)) if shuffle else np.arange(len(X))
    dev, train = order[:dev_size], order[dev_size:]
    return X[train], y[train], X[dev], y[dev]
