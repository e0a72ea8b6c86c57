"""mnist_scratch.data.csvcells, from lines to numbers: the layout (a header or not, the separator),
every column count that is wrong, with the usual causes named, and every cell that is not a number,
named by its line and column."""

from __future__ import annotations

import re

import pytest
from _bounds import bounded
from _package_helpers import CSV_HEADER, csv_rows, csv_text

from mnist_scratch.data import DataFileError, load_csv


def test_csv_wrong_number_of_columns(tmp_path):
    short = tmp_path / "short.csv"
    short.write_text(csv_text([r[:701] for r in csv_rows(3)]))
    with pytest.raises(DataFileError, match=r"short.csv: line 1 has 701 columns; an MNIST CSV without a header line "
                                            r"has 785 \(a label and 784 pixels\)"):
        load_csv(short)
    pixels_only = tmp_path / "pixels.csv"
    pixels_only.write_text(csv_text([r[1:] for r in csv_rows(3)]))
    with pytest.raises(DataFileError, match=r"line 1 has 784 columns; .*A file of pixels alone \(784 columns\) needs "
                                            r"a header line naming them"):
        load_csv(pixels_only)
    rows = csv_rows(3)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(csv_text([rows[0], rows[1] + ["0"], rows[2]]))
    with pytest.raises(DataFileError, match=r"ragged.csv: line 2 has 786 columns, not 785 \(a label and 784 pixels\)$"):
        load_csv(ragged)
    missing = tmp_path / "missing.csv"
    missing.write_text(csv_text([rows[0], rows[1][:-1]], header=CSV_HEADER))
    with pytest.raises(DataFileError, match=r"missing.csv: line 3 has 784 columns, not 785"):
        load_csv(missing)


def test_the_usual_ways_to_get_one_column_too_many_are_named(tmp_path):
    trailing = tmp_path / "trailing.csv"
    trailing.write_text(csv_text([row + [""] for row in csv_rows(3)]))
    with pytest.raises(DataFileError, match=r"line 1 has 786 columns; .*\(the last one is empty: a separator at the "
                                            r"end of the line\?\)"):
        load_csv(trailing)
    indexed = tmp_path / "indexed.csv"
    indexed.write_text(csv_text([[str(i)] + row for i, row in enumerate(csv_rows(3))], header="," + CSV_HEADER))
    with pytest.raises(DataFileError, match=r"the header \(line 1\) names 786 columns; .*\(the first looks like a row "
                                            r"number: pandas' to_csv writes one unless given index=False\)"):
        load_csv(indexed)
    unnamed = tmp_path / "unnamed.csv"
    unnamed.write_text(csv_text(csv_rows(3), header=CSV_HEADER.replace("label", "digit")))
    with pytest.raises(DataFileError, match=r"the header \(line 1\) names 785 columns and none of them is called "
                                            r"'label'"):
        load_csv(unnamed)


def test_csv_non_numeric_cell(tmp_path):
    rows = csv_rows(4)
    rows[2][100] = "x7"
    path = tmp_path / "text.csv"
    path.write_text(csv_text(rows))
    with pytest.raises(DataFileError, match=r"text.csv: line 3, column 101: 'x7' is not a number$"):
        load_csv(path)


@pytest.mark.parametrize("cell,message", [
    ("99999999999999999999999", r"line 2: pixel 0 is 1e\+23; pixels must be whole numbers 0-255"),
    ("18446744073709551616", r"line 2: pixel 0 is 1.84467e\+19"),
    ("1e400", "line 2: pixel 0 is inf"),
    ("-5", "line 2: pixel 0 is -5"),
    ("2.5", r"line 2: pixel 0 is 2.5; pixels must be whole numbers"),
    ("nan", r"line 2, column 2: 'nan' is not a number$"),
    ("NA", r"line 2, column 2: 'NA' is not a number$"),
    ("1_000", r"line 2, column 2: '1_000' is not a number$"),
    ("٣", r"line 2, column 2: '٣' is not a number$"),
    ("", "line 2, column 2 is empty; every cell must hold a number"),
    ('""', "line 2, column 2 is empty; every cell must hold a number"),
    ("\ufeff5", re.escape("line 2, column 2: '\\ufeff5' is not a number")),  # (a BOM inside: two files joined)
])
def test_csv_oversized_or_odd_numbers(tmp_path, cell, message):
    rows = csv_rows(3)
    rows[1][1] = cell
    path = tmp_path / "odd.csv"
    path.write_text(csv_text(rows))
    with pytest.raises(DataFileError, match=message):
        load_csv(path)



def test_lines_of_many_short_cells_are_counted_before_they_are_parsed(tmp_path):
    """1,024 lines of 30,000 cells would be 245 MB as numbers: each line's cells are counted first."""
    path = tmp_path / "wide.csv"
    path.write_bytes(csv_text(csv_rows(1)).encode() + (b"0," * 29_999 + b"0\n") * 1024)
    err, seconds, peak = bounded(lambda: load_csv(path), max_seconds=3, max_mb=16)
    assert isinstance(err, DataFileError), err
    assert str(err) == f"{path}: line 2 has 30,000 columns, not 785 (a label and 784 pixels)"
