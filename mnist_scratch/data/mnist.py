"""Loading MNIST: find the four files, check they are genuine, hand out arrays.

Every loader here returns samples as **rows**: images have shape ``(n, 784)``
(28 x 28 pixels flattened row by row) and labels have shape ``(n,)``.

Where the files are looked for is :mod:`mnist_scratch.data.locate`'s job;
every file's content is checked against the official SHA-256 before it is used.
"""

from __future__ import annotations

import warnings
from collections import namedtuple
from pathlib import Path

import numpy as np

from .download import download as download_files
from .errors import DataFileError, DataNotFoundError
from .idx import read_idx_file
from .locate import ENV_VAR, find_files, resolve_data_dir
from .pixels import check_scale, scale_pixels
from .sources import PARTS, DataSet, get_dataset

__all__ = ["MNIST", "load_mnist"]

#: What :func:`load_mnist` returns; unpack it as ``X_train, y_train, X_test, y_test``.
MNIST = namedtuple("MNIST", "X_train y_train X_test y_test")


# --------------------------------------------------------------------------- checks
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
    check_scale(scale)  # before any download
    folder = resolve_data_dir(data_dir, dataset)
    paths = find_files(folder, dataset)
    missing = [part for part in PARTS if paths[part] is None]
    if missing:
        if not download:
            raise DataNotFoundError(_missing_message(ds, folder, missing))
        download_files(dataset, folder, parts=missing)
        paths = find_files(folder, dataset)

    arrays, unverified = {}, []
    for part in PARTS:
        path = paths[part]
        array, content_sha256 = read_idx_file(path)  # raw or gzipped, read as a bounded stream
        _check_part(array, part, path)
        arrays[part] = array
        # The SHA-256 of the IDX content recognises the official archive, its decompressed
        # file and any repackaging of them alike.
        if content_sha256 != ds.files[part].content_sha256:
            unverified.append(path)
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
