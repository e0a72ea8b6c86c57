"""MNIST as CSV: the ``mnist_train.csv`` form and Kaggle's ``train.csv`` form."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .atomic import atomic_path
from .errors import DataFileError
from .pixels import scale_pixels

__all__ = ["load_csv", "save_csv"]


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
