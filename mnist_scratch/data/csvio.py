"""MNIST as CSV: the ``mnist_train.csv`` form and Kaggle's ``train.csv`` form.

:func:`load_csv` reads a file as a stream, :data:`BLOCK_ROWS` lines at a time: each block
is parsed, checked (pixels whole numbers 0-255, labels 0-9) and kept as uint8, so memory
holds the uint8 result, one block of parsed numbers and, at the end, the scaled result:
for the 60,000-row file about 250 MB for a 188 MB result, whatever a line or the header
claims (see :mod:`.csvlines` for the bounds on lines). Errors name the file and the
exact line, counting blank and comment lines as a text editor does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .atomic import atomic_path
from .csvcells import Layout, layout_of, parse_block
from .csvlines import CsvLines
from .errors import DataFileError
from .idx import MAX_IDX_BYTES
from .pixels import check_scale, scale_pixels

__all__ = ["load_csv", "save_csv", "BLOCK_ROWS", "BLOCK_CHARS", "MAX_ROWS"]

#: Lines parsed at once: 1,024 rows of 785 numbers are 6.4 MB as int64 ...
BLOCK_ROWS = 1024
#: ... and their text at most 4 Mi characters (MNIST's 1,024 lines hold about 1.9 Mi), however long each line.
BLOCK_CHARS = 4 << 20
#: The most rows read: 1 GiB of pixels, the bound IDX files have too (MNIST has 70,000).
MAX_ROWS = MAX_IDX_BYTES // 784


def _number(value) -> str:
    value = float(value)
    if abs(value) >= 1e15:  # (and inf) as the float it was read as
        return f"{value:.6g}"
    return str(int(value)) if value.is_integer() else repr(value)


class _Columns:
    """Running facts about the first and last columns of a file without a header, to tell a
    file whose label is last (pixels first) from a genuine one."""

    def __init__(self):
        self.first_min = self.last_min = np.inf
        self.first_max = self.last_max = -np.inf
        self.last_whole = True

    def add(self, values: np.ndarray) -> None:
        first, last = values[:, 0], values[:, -1]
        self.first_min, self.first_max = min(self.first_min, first.min()), max(self.first_max, first.max())
        self.last_min, self.last_max = min(self.last_min, last.min()), max(self.last_max, last.max())
        self.last_whole = self.last_whole and bool((last == np.round(last)).all())

    def label_seems_last(self, path: Path, first_are_labels: bool) -> DataFileError | None:
        last_are_labels = self.last_whole and self.last_min >= 0 and self.last_max <= 9 and self.last_max > self.last_min
        if not last_are_labels or (first_are_labels and self.first_min != self.first_max):
            return None
        what = f"is {_number(self.first_min)} in every row" if first_are_labels else "holds values beyond 0-9"
        return DataFileError(
            f"{path}: the first column, which holds the labels in an MNIST CSV, {what}, while the last "
            f"column holds labels 0-9: the label seems to be last. Move it first, or add a header "
            f"line naming the columns (label,pixel0,...,pixel783), which may then come in any order")


def _first_bad_row(bad: np.ndarray) -> int | None:
    rows = np.flatnonzero(bad.any(axis=1) if bad.ndim == 2 else bad)
    return int(rows[0]) if rows.size else None


def _check_block(layout: Layout, values: np.ndarray, numbers: list, columns: _Columns | None):
    """Split a parsed block into uint8 pixels and labels, or raise naming the first bad line."""
    pixels = values if layout.label_at is None else np.delete(values, layout.label_at, axis=1)
    bad_pixels = (pixels < 0) | (pixels > 255)
    if values.dtype == np.float64:
        bad_pixels |= pixels != np.round(pixels)
    pixel_row = _first_bad_row(bad_pixels)
    label_row = labels = None
    if layout.label_at is not None:
        labels = values[:, layout.label_at]
        label_row = _first_bad_row((labels < 0) | (labels > 9) | (labels != np.round(labels)))
    if label_row is not None and (pixel_row is None or label_row < pixel_row):
        if columns is not None:
            columns.add(values)
            error = columns.label_seems_last(layout.path, first_are_labels=False)
            if error is not None:
                raise error
        value = labels[label_row]
        why = "is outside 0-9" if value == np.round(value) else "is not a whole number 0-9"
        raise DataFileError(f"{layout.path}: line {numbers[label_row]}: label {_number(value)} {why}")
    if pixel_row is not None:
        col = int(np.flatnonzero(bad_pixels[pixel_row])[0])
        raise DataFileError(f"{layout.path}: line {numbers[pixel_row]}: pixel {col} is "
                            f"{_number(pixels[pixel_row, col])}; pixels must be whole numbers 0-255")
    if columns is not None:
        columns.add(values)
    return pixels.astype(np.uint8), None if labels is None else labels.astype(np.uint8)


def _read(lines: CsvLines, path: Path):
    """Every block of the file, checked: ``(list of uint8 pixel blocks, list of label blocks or None)``."""
    pixels, labels = [], []
    layout = columns = block = None
    rows = chars = 0
    for number, text in lines:
        if layout is None:
            layout = layout_of(path, number, text)
            columns = None if layout.header else _Columns()
            block = []
            if layout.header:
                continue
        block.append((number, text))
        chars += len(text)
        if len(block) == BLOCK_ROWS or chars > BLOCK_CHARS:
            rows += _take(layout, block, columns, pixels, labels)
            block, chars = [], 0
            if rows > MAX_ROWS:
                raise DataFileError(f"{path}: has more than {MAX_ROWS:,} rows (1 GiB of pixels), more than this "
                                    f"reader accepts (MNIST has 70,000); split it, or load it in parts")
    if layout is None:
        raise DataFileError(f"{path}: has no lines of data, only blank or comment lines")
    if block:
        _take(layout, block, columns, pixels, labels)
    if not pixels:
        raise DataFileError(f"{path}: has no rows of data")
    if columns is not None:
        error = columns.label_seems_last(path, first_are_labels=True)
        if error is not None:
            raise error
    return pixels, (labels if layout.label_at is not None else None)


def _take(layout, block, columns, pixels: list, labels: list) -> int:
    block_pixels, block_labels = _check_block(layout, parse_block(layout, block), [n for n, _ in block], columns)
    pixels.append(block_pixels)
    labels.append(block_labels)
    return len(block)


def load_csv(path, *, scale: str = "unit"):
    """Read MNIST from CSV, returning ``(X, y)``.

    Two forms are recognised:

    * ``mnist_train.csv`` / ``mnist_test.csv``: no header, 785 columns, the label first;
    * Kaggle's ``train.csv``: a header ``label,pixel0,...,pixel783`` (the ``label``
      column may be anywhere). Kaggle's ``test.csv`` has no label column; then ``y`` is ``None``.

    Either may be gzipped (``mnist_test.csv.gz``), start with a byte-order mark, quote its
    cells, end its lines the Windows way, hold blank or ``#`` comment lines, or use ``;`` or
    tabs instead of commas. ``scale`` is as in :func:`load_mnist`; labels are int64.
    Raises :class:`DataFileError` naming the file (and the line) for anything else, and
    :class:`DataNotFoundError` (a ``FileNotFoundError``) if there is no such file.
    """
    check_scale(scale)
    path = Path(path)
    with CsvLines(path) as lines:
        pixel_blocks, label_blocks = _read(lines, path)
    raw = np.concatenate(pixel_blocks)
    del pixel_blocks  # (the blocks go before the scaled copy is made)
    y = None if label_blocks is None else np.concatenate(label_blocks).astype(np.int64)
    return scale_pixels(raw, scale), y


_PIXEL_TEXT = [str(i) for i in range(256)]


def save_csv(path, X, y=None, *, kaggle: bool = False) -> Path:
    """Write images (uint8 0-255 or floats in [0, 1]) and labels as an MNIST CSV.

    ``kaggle=False`` gives the ``mnist_train.csv`` form (no header, label first);
    ``kaggle=True`` gives Kaggle's ``train.csv`` form with its header. Written
    :data:`BLOCK_ROWS` rows at a time, atomically.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 784:
        raise ValueError(f"X must have shape (n, 784), not {X.shape}")
    if X.dtype != np.uint8:
        if X.size and (X.min() < 0 or X.max() > 1):
            raise ValueError("X must be uint8 pixels or floats in [0, 1]")
        X = np.rint(X * 255).astype(np.uint8)
    if y is not None:
        y = np.asarray(y)
        if y.shape != (len(X),):
            raise ValueError(f"y must have shape ({len(X)},), not {y.shape}")
        y = y.astype(np.int64)
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "w", encoding="ascii", newline="\n") as out:
        if kaggle:
            out.write(("" if y is None else "label,") + ",".join(f"pixel{i}" for i in range(784)) + "\n")
        for start in range(0, len(X), BLOCK_ROWS):
            rows = [",".join([_PIXEL_TEXT[v] for v in row]) for row in X[start:start + BLOCK_ROWS].tolist()]
            if y is not None:
                rows = [f"{label},{row}" for label, row in zip(y[start:start + BLOCK_ROWS].tolist(), rows)]
            out.write("".join(row + "\n" for row in rows))
    return path
