"""From lines of text to numbers: a CSV file's layout (a header or not, which separator)
and the parsing of a block of lines, with the first bad cell named exactly.

A block of lines is parsed by :func:`numpy.loadtxt` (NumPy's C parser; quoted cells such
as ``"5"`` are read too), as whole numbers first and, only if that fails, as floats. Before
that, every line's cells are counted, so that no line ever hands the parser more than the
785 cells a row may have. When the parser refuses a block, the block is looked at again
line by line and cell by cell, to say which line and column is wrong, and how.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataFileError

__all__ = ["Layout", "layout_of", "parse_block"]

_QUOTE = '"'
# what np.loadtxt reads as a float, less NaN (which no pixel or label may be)
_NUMBER = re.compile(r"[+-]?(([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?|inf|infinity)", re.IGNORECASE)


@dataclass(frozen=True)
class Layout:
    """Where the label is, how many cells a row has, and what separates them."""

    path: Path
    delimiter: str
    columns: int           #: cells in every row: 785 (a label and 784 pixels) or 784 (pixels only)
    label_at: int | None   #: the label's column (0-based), None for a file of pixels only
    header: bool           #: whether the first line names the columns

    @property
    def wanted(self) -> str:
        return f"{self.columns} ({'a label and ' if self.label_at is not None else ''}784 pixels)"


def _cells(text: str, delimiter: str, path: Path, number: int) -> list[str]:
    try:
        return next(csv.reader([text], delimiter=delimiter, quotechar=_QUOTE))
    except (csv.Error, StopIteration) as err:
        raise DataFileError(f"{path}: line {number} cannot be split into cells ({err})") from None


def _delimiter(text: str) -> str:
    """``,`` as in every MNIST CSV; ``;`` or a tab if a spreadsheet saved one of those instead."""
    if "," in text:
        return ","
    return next((d for d in (";", "\t") if d in text), ",")


def layout_of(path: Path, number: int, text: str) -> Layout:
    """The layout, from the first line of the file that is not blank or a comment."""
    delimiter = _delimiter(text)
    cells = [cell.strip() for cell in _cells(text, delimiter, path, number)]
    if _NUMBER.fullmatch(cells[0]):  # a number first: no header, the label first (mnist_train.csv)
        layout = Layout(path, delimiter, 785, 0, header=False)
        if len(cells) != 785:
            raise DataFileError(
                f"{path}: line {number} has {len(cells):,} columns; an MNIST CSV without a header line has "
                f"785 (a label and 784 pixels){_trailing(cells)}. A file of pixels alone (784 columns) needs "
                f"a header line naming them (pixel0,...,pixel783), as Kaggle's test.csv has")
        return layout
    names = [cell.lower() for cell in cells]
    label_at = names.index("label") if "label" in names else None
    columns = 785 if label_at is not None else 784
    if len(names) != columns:
        also = " and none of them is called 'label'" if len(names) == 785 else ""
        raise DataFileError(
            f"{path}: the header (line {number}) names {len(names):,} columns{also}; an MNIST CSV's header "
            f"names 785 (label and 784 pixels, as in Kaggle's train.csv) or 784 (pixels alone, as in its "
            f"test.csv){_trailing(cells)}")
    return Layout(path, delimiter, columns, label_at, header=True)


def _trailing(cells) -> str:
    """A hint for the two usual ways to get one column too many."""
    if cells and cells[-1].strip() == "":
        return " (the last one is empty: a separator at the end of the line?)"
    if len(cells) in (785 + 1, 784 + 1) and cells[0].strip().lower() in ("", "unnamed: 0", "index", "id"):
        return " (the first looks like a row number: pandas' to_csv writes one unless given index=False)"
    return ""


def _count_error(layout: Layout, number: int, cells) -> str | None:
    if len(cells) == layout.columns:
        return None
    return f"line {number} has {len(cells):,} columns, not {layout.wanted}{_trailing(cells)}"


def _line_error(layout: Layout, number: int, text: str) -> str | None:
    """What is wrong with one line, or None if nothing the parser should refuse."""
    cells = _cells(text, layout.delimiter, layout.path, number)
    message = _count_error(layout, number, cells)
    if message is not None:
        return message
    for j, cell in enumerate(cells):
        cell = cell.strip()
        if not cell:
            return f"line {number}, column {j + 1} is empty; every cell must hold a number"
        if not _NUMBER.fullmatch(cell):
            return f"line {number}, column {j + 1}: {cell[:40]!r} is not a number"
    return None


def _first_error(layout: Layout, block, detail: str) -> DataFileError:
    for number, text in block:
        message = _line_error(layout, number, text)
        if message is not None:
            return DataFileError(f"{layout.path}: {message}")
    for number, text in block:  # (every cell looks like a number, yet the parser refused one line)
        try:
            _loadtxt([text], layout, np.float64)
        except (ValueError, OverflowError) as err:
            return DataFileError(f"{layout.path}: line {number} cannot be read as numbers ({str(err)[:160]})")
    return DataFileError(f"{layout.path}: lines {block[0][0]}-{block[-1][0]} cannot be read as numbers ({detail})")


def _loadtxt(texts, layout: Layout, dtype) -> np.ndarray:
    return np.loadtxt(texts, dtype=dtype, delimiter=layout.delimiter, quotechar=_QUOTE, comments=None, ndmin=2)


def parse_block(layout: Layout, block) -> np.ndarray:
    """The numbers of ``block`` (a list of ``(line_number, text)``) as an int64 or float64
    array of shape ``(len(block), layout.columns)``; a NaN or a bad line is a :class:`DataFileError`."""
    separators, short = layout.columns - 1, 4 * layout.columns  # (a short line cannot hold twice the cells)
    for number, text in block:
        # (a quoted cell may hold a separator, so a count that differs is looked at closer)
        if len(text) > short and text.count(layout.delimiter) != separators:
            message = _count_error(layout, number, _cells(text, layout.delimiter, layout.path, number))
            if message is not None:
                raise DataFileError(f"{layout.path}: {message}")
    texts = [text for _, text in block]
    try:
        values = _loadtxt(texts, layout, np.int64)
    except (ValueError, OverflowError):
        try:
            values = _loadtxt(texts, layout, np.float64)
        except (ValueError, OverflowError) as err:
            raise _first_error(layout, block, str(err)[:160]) from None
    if values.shape != (len(block), layout.columns):
        raise _first_error(layout, block, f"read as shape {values.shape}")
    if values.dtype == np.float64 and np.isnan(values).any():
        raise _first_error(layout, block, "NaN")
    return values
