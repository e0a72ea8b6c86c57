"""MNIST as CSV: the ``mnist_train.csv`` form and Kaggle's ``train.csv`` form."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .atomic import atomic_path
from .errors import DataFileError
from .pixels import scale_pixels

__all__ = ["load_csv", "save_csv"]


def _csv_header(path: Path) -> list[str] | None:
    """The header's column names, or None if the first line is data (its first cell a number)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            first = f.readline(1 << 20).strip().split(",")
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataFileError(f"{path}: is a folder, not a CSV file") from None
    except OSError as err:
        raise DataFileError(f"{path}: cannot be read ({err.strerror or err})") from None
    if not first or first == [""]:
        raise DataFileError(f"{path}: is empty")
    try:
        float(first[0])
        return None
    except ValueError:
        return first


def _read_frame(path: Path, header, expected: int):
    import pandas as pd

    try:  # only empty cells count as missing: "nan" or "NA" in a pixel column is text, not a number
        return pd.read_csv(path, header=None if header is None else 0, low_memory=False,
                           keep_default_na=False, na_values=[""])
    except pd.errors.ParserError as err:
        raise DataFileError(
            f"{path}: rows have different numbers of columns (expected {expected}): {str(err)[:200]}"
        ) from None
    except OSError as err:
        raise DataFileError(f"{path}: cannot be read ({err.strerror or err})") from None
    except (pd.errors.EmptyDataError, ValueError, OverflowError) as err:  # UnicodeDecodeError is a ValueError
        raise DataFileError(f"{path}: is not a readable CSV file ({type(err).__name__}: {str(err)[:200]})") from None


def _numbers(frame, path: Path, line0: int) -> np.ndarray:
    """The frame as float64, or a clear error naming the first cell that is not a number."""
    import pandas as pd

    for j, column in enumerate(frame.columns):
        if not pd.api.types.is_numeric_dtype(frame[column]):
            numbers = pd.to_numeric(frame[column], errors="coerce")
            text = numbers.isna().to_numpy() & frame[column].notna().to_numpy()
            if text.any():
                row = int(np.flatnonzero(text)[0])
                raise DataFileError(f"{path}: line {row + line0}, column {j + 1}: "
                                    f"{str(frame[column].iloc[row])[:40]!r} is not a number")
            frame[column] = numbers.astype(np.float64)  # (numbers too large for int64 arrive as text)
    values = frame.to_numpy(dtype=np.float64)
    if np.isnan(values).any():
        row = int(np.argwhere(np.isnan(values))[0][0])
        raise DataFileError(f"{path}: line {row + line0} has fewer than {frame.shape[1]} columns or an empty cell")
    return values


def _is_label_column(column: np.ndarray) -> bool:
    return bool(((column >= 0) & (column <= 9) & (column == np.round(column))).all())


def _check_label_first(values: np.ndarray, path: Path) -> None:
    """A headerless 785-column file has its label first; say so clearly if it seems to be last."""
    first, last = values[:, 0], values[:, -1]
    if _is_label_column(last) and np.ptp(last) > 0 and (not _is_label_column(first) or np.ptp(first) == 0):
        what = "holds values beyond 0-9" if not _is_label_column(first) else f"is {_number(first[0])} in every row"
        raise DataFileError(
            f"{path}: the first column, which holds the labels in an MNIST CSV, {what}, while the last "
            f"column holds labels 0-9: the label seems to be last. Move it first, or add a header "
            f"line naming the columns (label,pixel0,...,pixel783), which may then come in any order"
        )


def load_csv(path, *, scale: str = "unit"):
    """Read MNIST from CSV, returning ``(X, y)``.

    Two forms are recognised:

    * ``mnist_train.csv`` / ``mnist_test.csv``: no header, 785 columns, the label first;
    * Kaggle's ``train.csv``: a header ``label,pixel0,...,pixel783`` (the ``label``
      column may be anywhere). Kaggle's ``test.csv`` has no label column; then ``y`` is ``None``.

    ``scale`` is as in :func:`load_mnist`; labels are int64. Raises
    :class:`DataFileError` naming the file (and the line) for anything else.
    """
    path = Path(path)
    header = _csv_header(path)
    names = None if header is None else [name.strip().strip('"').lower() for name in header]
    label_at = 0 if header is None else (names.index("label") if "label" in names else None)
    expected = 784 if label_at is None else 785
    frame = _read_frame(path, header, expected)
    if frame.shape[1] != expected:
        raise DataFileError(
            f"{path}: has {frame.shape[1]} columns; an MNIST CSV has {expected} "
            f"({'a label and ' if label_at is not None else ''}784 pixels)"
        )
    if len(frame) == 0:
        raise DataFileError(f"{path}: has no rows of data")
    line0 = 1 if header is None else 2  # file line number of the first data row
    values = _numbers(frame, path, line0)
    if header is None:
        _check_label_first(values, path)
    pixels = values if label_at is None else np.delete(values, label_at, axis=1)
    bad = (pixels < 0) | (pixels > 255) | (pixels != np.round(pixels))
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise DataFileError(
            f"{path}: line {row + line0}: pixel {col} is {_number(pixels[row, col])}; pixels must be whole numbers 0-255"
        )
    y = None
    if label_at is not None:
        labels = values[:, label_at]
        wrong = (labels < 0) | (labels > 9) | (labels != np.round(labels))
        if wrong.any():
            row = int(np.flatnonzero(wrong)[0])
            raise DataFileError(f"{path}: line {row + line0}: label {_number(labels[row])} is outside 0-9")
        y = labels.astype(np.int64)
    return scale_pixels(pixels.astype(np.uint8), scale), y


def _number(value) -> str:
    value = float(value)
    if abs(value) >= 1e15:  # (and inf) as the float it was read as
        return f"{value:.6g}"
    return str(int(value)) if value.is_integer() else repr(value)


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
