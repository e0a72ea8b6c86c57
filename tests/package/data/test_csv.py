"""load_csv and save_csv: the two MNIST CSV forms, as spreadsheets and scripts really save
them, every bad cell named by its exact line, and memory bounded whatever a file claims."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import zipfile
import zlib

import numpy as np
import pytest
from _bounds import MB, bounded
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mnist_scratch.data import DataFileError, DataNotFoundError, load_csv, load_mnist, save_csv
from mnist_scratch.data import csvio

HEADER = "label," + ",".join(f"pixel{i}" for i in range(784))


@pytest.fixture(scope="module")
def raw_test(mnist_dir):
    data = load_mnist(mnist_dir, scale="raw")
    return data.X_test, data.y_test


@pytest.fixture(scope="module")
def genuine(raw_test, tmp_path_factory):
    """The first 50 test digits as (bytes of mnist_test.csv, bytes of Kaggle's train.csv, X, y)."""
    X, y = raw_test[0][:50], raw_test[1][:50]
    folder = tmp_path_factory.mktemp("genuine")
    plain = save_csv(folder / "plain.csv", X, y).read_bytes()
    kaggle = save_csv(folder / "kaggle.csv", X, y, kaggle=True).read_bytes()
    return plain, kaggle, X, y


# --------------------------------------------------------------------------- the two forms
@pytest.mark.parametrize("kaggle", [False, True], ids=["mnist_test.csv", "kaggle train.csv"])
def test_csv_round_trip(raw_test, tmp_path, kaggle):
    X, y = raw_test
    path = save_csv(tmp_path / "digits.csv", X, y, kaggle=kaggle)
    first = path.read_text().splitlines()[0]
    assert first.startswith("label,pixel0,pixel1") == kaggle
    X2, y2 = load_csv(path, scale="raw")
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)
    X3, _ = load_csv(path)
    assert X3.dtype == np.float32 and X3.max() == 1.0
    np.testing.assert_array_equal(X3, load_mnist(scale="unit").X_test)


def test_kaggle_test_csv_has_no_labels(raw_test, tmp_path):
    X, _ = raw_test
    path = save_csv(tmp_path / "test.csv", X[:50], kaggle=True)
    X2, y2 = load_csv(path, scale="raw")
    assert y2 is None
    np.testing.assert_array_equal(X2, X[:50])


def test_a_bad_scale_is_refused_before_reading(tmp_path):
    with pytest.raises(ValueError, match="scale='percent' is not one of"):
        load_csv(tmp_path / "not even there.csv", scale="percent")


# --------------------------------------------------------------------------- as people have them
def _quoted(data: bytes) -> bytes:
    return b"\n".join(b",".join(b'"' + cell + b'"' for cell in line.split(b",")) if line else line
                      for line in data.split(b"\n"))


def _commented(data: bytes) -> bytes:
    lines = data.split(b"\n")
    return b"\n".join([b"# MNIST, first 50 test digits", b"  # written by hand"] + lines[:20]
                      + [b"# the rest"] + lines[20:])


SAVED = {  # how a file of digits may arrive: each loads exactly as the plain file does
    "excel csv utf-8 (BOM, CRLF)": lambda d: b"\xef\xbb\xbf" + d.replace(b"\n", b"\r\n"),
    "byte-order mark": lambda d: b"\xef\xbb\xbf" + d,
    "quoted cells": _quoted,
    "gzipped": gzip.compress,
    "comment lines": _commented,
    "blank lines": lambda d: b"\n\n" + d.replace(b"\n", b"\n\n") + b"   \n\t\n",
    "csv module on windows (CR CR LF)": lambda d: d.replace(b"\n", b"\r\r\n"),
    "old mac (CR)": lambda d: d.replace(b"\n", b"\r"),
    "no final line end": lambda d: d.rstrip(b"\n"),
    "spaces after commas": lambda d: d.replace(b",", b", "),
    "semicolons": lambda d: d.replace(b",", b";"),
    "excel unicode text (UTF-16, tabs)": lambda d: d.replace(b",", b"\t").decode().encode("utf-16"),
    "all at once, gzipped": lambda d: gzip.compress(b"\xef\xbb\xbf# digits\r\n" + _quoted(d).replace(b"\n", b"\r\n")),
}


@pytest.mark.parametrize("form", [0, 1], ids=["mnist_test.csv", "kaggle train.csv"])
@pytest.mark.parametrize("saved", list(SAVED))
def test_csv_as_spreadsheets_and_scripts_save_it(genuine, tmp_path, saved, form):
    X, y = genuine[2], genuine[3]
    path = tmp_path / "digits.csv"
    path.write_bytes(SAVED[saved](genuine[form]))
    X2, y2 = load_csv(path, scale="raw")
    np.testing.assert_array_equal(X2, X)
    np.testing.assert_array_equal(y2, y)


def _rows(n=6, seed=0):
    """Rows like MNIST's, as text cells: the corner pixels blank, the label first."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        pixels = np.zeros(784, int)
        pixels[300:320] = rng.integers(0, 256, 20)
        rows.append([str(i % 10)] + [str(p) for p in pixels])
    return rows


def _joined(rows, ends="\n", header=None) -> str:
    lines = ([header] if header else []) + [",".join(map(str, row)) for row in rows]
    return "".join(line + ends for line in lines)


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.lists(st.sampled_from(["", "   ", "# a comment", "\t", "  # indented comment"]), max_size=12),
       where=st.lists(st.integers(0, 6), max_size=12), end=st.sampled_from(["\n", "\r\n", "\r"]),
       bad_row=st.integers(0, 5), header=st.booleans(), bom=st.booleans(), gzipped=st.booleans())
def test_the_line_number_is_the_editors_whatever_lies_between(tmp_path, extra, where, end, bad_row, header, bom,
                                                               gzipped):
    """Blank and comment lines anywhere, any line ends, a BOM, gzip: the bad cell's line is the one
    a text editor shows (counted here independently, from the lines as written)."""
    lines = [",".join(row) for row in _rows()]
    lines[bad_row] = lines[bad_row].replace(",0,", ",x,", 1)
    marked = [(text, i == bad_row) for i, text in enumerate(lines)]
    for text, at in zip(extra, where):
        marked.insert(min(at, len(marked)), (text, False))
    if header:
        marked.insert(0, (HEADER, False))
    expected = 1 + [is_bad for _, is_bad in marked].index(True)
    data = ("\ufeff" if bom else "") + "".join(text + end for text, _ in marked)
    path = tmp_path / "lines.csv"
    path.write_bytes(gzip.compress(data.encode()) if gzipped else data.encode())
    with pytest.raises(DataFileError) as info:
        load_csv(path)
    assert str(info.value) == f"{path}: line {expected}, column {lines[bad_row].split(',').index('x') + 1}: " \
                              f"'x' is not a number"


# --------------------------------------------------------------------------- refused, by name
def _zip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("train.csv", data)
    return buffer.getvalue()


@pytest.mark.parametrize("make,message", [
    (_zip, "is a zip archive (or an Excel .xlsx workbook), not a CSV file; unzip it, or save the sheet as CSV"),
    (bz2.compress, "is a bzip2 archive; decompress it first (bunzip2), or gzip it: .csv.gz files are read directly"),
    (lzma.compress, "is an xz archive; decompress it first (unxz)"),
    (lambda d: b"7z\xbc\xaf\x27\x1c" + d, "is a 7-Zip archive; extract the CSV file from it first"),
    (lambda d: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + d, "is an old Excel workbook (.xls), not a CSV file"),
    (lambda d: d.decode().encode("utf-16-le"), "line 1 holds NUL bytes: this is a binary file (or UTF-16 text "
                                               "without its byte-order mark), not a CSV file"),
    (lambda d: gzip.compress(d)[:3000], "is a damaged or truncated gzip file"),
    (lambda d: b"", "is empty"),
    (lambda d: gzip.compress(b""), "is empty once decompressed"),
    (lambda d: b"\n# nothing here\n\n", "has no lines of data, only blank or comment lines"),
    (lambda d: HEADER.encode() + b"\n\n", "has no rows of data"),
])
def test_what_is_not_a_csv_is_refused_by_name(genuine, tmp_path, make, message):
    path = tmp_path / "digits.csv"
    path.write_bytes(make(genuine[0]))
    with pytest.raises(DataFileError) as info:
        load_csv(path)
    assert str(info.value).startswith(f"{path}: {message}")


def test_csv_wrong_number_of_columns(tmp_path):
    short = tmp_path / "short.csv"
    short.write_text(_joined([r[:701] for r in _rows(3)]))
    with pytest.raises(DataFileError, match=r"short.csv: line 1 has 701 columns; an MNIST CSV without a header line "
                                            r"has 785 \(a label and 784 pixels\)"):
        load_csv(short)
    pixels_only = tmp_path / "pixels.csv"
    pixels_only.write_text(_joined([r[1:] for r in _rows(3)]))
    with pytest.raises(DataFileError, match=r"line 1 has 784 columns; .*A file of pixels alone \(784 columns\) needs "
                                            r"a header line naming them"):
        load_csv(pixels_only)
    rows = _rows(3)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(_joined([rows[0], rows[1] + ["0"], rows[2]]))
    with pytest.raises(DataFileError, match=r"ragged.csv: line 2 has 786 columns, not 785 \(a label and 784 pixels\)$"):
        load_csv(ragged)
    missing = tmp_path / "missing.csv"
    missing.write_text(_joined([rows[0], rows[1][:-1]], header=HEADER))
    with pytest.raises(DataFileError, match=r"missing.csv: line 3 has 784 columns, not 785"):
        load_csv(missing)


def test_the_usual_ways_to_get_one_column_too_many_are_named(tmp_path):
    trailing = tmp_path / "trailing.csv"
    trailing.write_text(_joined([row + [""] for row in _rows(3)]))
    with pytest.raises(DataFileError, match=r"line 1 has 786 columns; .*\(the last one is empty: a separator at the "
                                            r"end of the line\?\)"):
        load_csv(trailing)
    indexed = tmp_path / "indexed.csv"
    indexed.write_text(_joined([[str(i)] + row for i, row in enumerate(_rows(3))], header="," + HEADER))
    with pytest.raises(DataFileError, match=r"the header \(line 1\) names 786 columns; .*\(the first looks like a row "
                                            r"number: pandas' to_csv writes one unless given index=False\)"):
        load_csv(indexed)
    unnamed = tmp_path / "unnamed.csv"
    unnamed.write_text(_joined(_rows(3), header=HEADER.replace("label", "digit")))
    with pytest.raises(DataFileError, match=r"the header \(line 1\) names 785 columns and none of them is called "
                                            r"'label'"):
        load_csv(unnamed)


def test_csv_non_numeric_cell(tmp_path):
    rows = _rows(4)
    rows[2][100] = "x7"
    path = tmp_path / "text.csv"
    path.write_text(_joined(rows))
    with pytest.raises(DataFileError, match=r"text.csv: line 3, column 101: 'x7' is not a number$"):
        load_csv(path)


def test_csv_pixels_and_labels_out_of_range(tmp_path):
    rows = _rows(4)
    rows[1][5] = "256"
    path = tmp_path / "bright.csv"
    path.write_text(_joined(rows, header=HEADER))
    with pytest.raises(DataFileError, match="bright.csv: line 3: pixel 4 is 256; pixels must be whole numbers 0-255"):
        load_csv(path)
    rows[1][5] = "0"
    rows[3][0] = "10"
    path = tmp_path / "label.csv"
    path.write_text(_joined(rows))
    with pytest.raises(DataFileError, match="label.csv: line 4: label 10 is outside 0-9"):
        load_csv(path)
    rows[3][0] = "3.5"
    path.write_text(_joined(rows))
    with pytest.raises(DataFileError, match="label.csv: line 4: label 3.5 is not a whole number 0-9"):
        load_csv(path)


def test_the_first_bad_line_is_reported_whichever_check_finds_it(tmp_path):
    rows = _rows(6)
    rows[4][0] = "12"    # a label, on line 5
    rows[2][9] = "300"   # a pixel, earlier, on line 3
    path = tmp_path / "two.csv"
    path.write_text(_joined(rows))
    with pytest.raises(DataFileError, match="two.csv: line 3: pixel 8 is 300"):
        load_csv(path)


def test_csv_missing_file(tmp_path):
    with pytest.raises(DataNotFoundError, match="nope.csv: no such file"):
        load_csv(tmp_path / "nope.csv")
    with pytest.raises(FileNotFoundError):  # (a DataNotFoundError is one)
        load_csv(tmp_path / "nope.csv")


def test_csv_with_the_label_last_is_refused_clearly(tmp_path):
    rows = [r[1:] + r[:1] for r in _rows()]  # 785 columns, label last: column 1 is a blank pixel
    path = tmp_path / "last.csv"
    path.write_text(_joined(rows))
    with pytest.raises(DataFileError, match=r"last.csv: the first column, which holds the labels in an MNIST CSV, "
                                            r"is 0 in every row, while the last column holds labels 0-9: the label "
                                            r"seems to be last"):
        load_csv(path)
    for row in rows:  # and when the first pixel is not blank, it is not a label either
        row[0] = "200"
    path.write_text(_joined(rows))
    with pytest.raises(DataFileError, match="the first column, .*, holds values beyond 0-9, .* seems to be last"):
        load_csv(path)


def test_csv_with_a_header_may_put_the_label_anywhere(tmp_path):
    rows = _rows()
    header = ",".join(f"pixel{i}" for i in range(784)) + ",label"
    path = tmp_path / "named.csv"
    path.write_text(_joined([r[1:] + r[:1] for r in rows], header=header))
    X, y = load_csv(path, scale="raw")
    assert y.tolist() == [int(r[0]) for r in rows]
    np.testing.assert_array_equal(X, [[int(c) for c in r[1:]] for r in rows])


def test_csv_with_one_label_throughout_still_loads(tmp_path):
    rows = [["7"] + r[1:] for r in _rows()]  # a file of sevens: the first column is constant, rightly
    path = tmp_path / "sevens.csv"
    path.write_text(_joined(rows))
    assert load_csv(path)[1].tolist() == [7] * 6


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
    rows = _rows(3)
    rows[1][1] = cell
    path = tmp_path / "odd.csv"
    path.write_text(_joined(rows))
    with pytest.raises(DataFileError, match=message):
        load_csv(path)


def test_csv_header_only_and_binary_junk(tmp_path):
    header = tmp_path / "header.csv"
    header.write_text(HEADER + "\n")
    with pytest.raises(DataFileError, match="header.csv: has no rows of data"):
        load_csv(header)
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(DataFileError, match="junk.csv: "):
        load_csv(junk)
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(DataFileError, match="dir.csv: is a folder, not a CSV file"):
        load_csv(tmp_path / "dir.csv")


# --------------------------------------------------------------------------- bounded, whatever a file claims
def _gzip_of(unit: bytes, total: int) -> bytes:
    """A gzip member of ``total`` bytes repeating ``unit``, some thousand times smaller (as in test_hostile_files)."""
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    mib = unit * ((1 << 20) // len(unit))
    first = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)  # (with the gzip header)
    block = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    return first + block * ((total >> 20) - 1) + c.flush()


@pytest.mark.parametrize("name,make,message", [
    ("a 16 MB line of 8,000,000 cells", lambda: b"0," * 7_999_999 + b"0\n",
     "line 1 is longer than 65,536 characters"),
    ("a header of 3,000,001 columns", lambda: (HEADER + "," + ",".join(f"x{i}" for i in range(3_000_000 - 784))
                                               + "\n").encode() + b"0," * 784 + b"0\n",
     "line 1 is longer than 65,536 characters"),
    ("good lines, then a long one", lambda: _joined(_rows(2)).encode() + b"0," * 100_000,
     "line 3 is longer than 65,536 characters"),
    ("lines of 30,000 short cells", lambda: _joined(_rows(1)).encode() + (b"0," * 29_999 + b"0\n") * 1024,
     "line 2 has 30,000 columns, not 785"),
    ("1 GiB of zeros, gzipped to 1 MB", lambda: _gzip_of(b"\x00", 1 << 30), "line 1 holds NUL bytes"),
    ("1 GiB of blank lines, gzipped", lambda: _gzip_of(b"\n", 1 << 30), "has 1,001 blank or comment lines by line"),
    ("1 GiB of digits and no line end, gzipped", lambda: _gzip_of(b"5,", 1 << 30),
     "line 1 is longer than 65,536 characters"),
])
def test_hostile_csv_files_cost_little_time_and_memory(tmp_path, name, make, message):
    path = tmp_path / "hostile.csv"
    path.write_bytes(make())
    err, seconds, peak = bounded(lambda: load_csv(path), max_seconds=3, max_mb=16)
    assert isinstance(err, DataFileError), err
    assert str(err).startswith(f"{path}: {message}")


def test_more_rows_than_the_bound_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(csvio, "MAX_ROWS", 2000)  # (the real bound, 1,369,568 rows, is 1 GiB of pixels)
    path = tmp_path / "many.csv"
    path.write_text(_joined(_rows(4) * 1000))
    with pytest.raises(DataFileError, match=f"{path}: has more than 2,000 rows"):
        load_csv(path)


def test_memory_stays_within_twice_the_result_on_the_test_set(raw_test, tmp_path):
    X, y = raw_test
    path = save_csv(tmp_path / "mnist_test.csv", X, y)
    result_mb = X.size * 4 / MB
    (X2, y2), seconds, peak = bounded(lambda: load_csv(path), max_seconds=60, max_mb=2 * result_mb)
    np.testing.assert_array_equal(y2, y)
    assert X2.shape == (10000, 784)


@pytest.mark.slow
def test_memory_stays_within_twice_the_result_on_the_60000_row_file(mnist, tmp_path):
    """The issue's case: pandas peaked at 1.65 GB for this 188 MB result (benchmarks/bench_load.py measures RSS)."""
    path = save_csv(tmp_path / "mnist_train.csv", mnist.X_train, mnist.y_train)
    result_mb = mnist.X_train.nbytes / MB
    (X, y), seconds, peak = bounded(lambda: load_csv(path), max_seconds=120, max_mb=2 * result_mb)
    np.testing.assert_array_equal(X, mnist.X_train)
    np.testing.assert_array_equal(y, mnist.y_train)
    print(f"load_csv of 60,000 rows: tracemalloc peak {peak:.0f} MB for a {result_mb:.0f} MB result, {seconds:.1f} s")
