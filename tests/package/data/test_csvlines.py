"""mnist_scratch.data.csvlines, a CSV file as numbered lines: every form spreadsheets and scripts
save (gzip, byte-order marks, UTF-16, quotes, any line ends, comments), line numbers as a text editor
counts them, what is not a CSV file refused by name, and hostile files within bounds of time and memory."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile
import zlib

import numpy as np
import pytest
from _bounds import bounded
from _package_helpers import CSV_HEADER, csv_rows, csv_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mnist_scratch.data import DataFileError, load_csv, load_mnist, save_csv


@pytest.fixture(scope="module")
def genuine(mnist_dir, tmp_path_factory):
    """The first 50 test digits as (bytes of mnist_test.csv, bytes of Kaggle's train.csv, X, y)."""
    data = load_mnist(mnist_dir, scale="raw")
    X, y = data.X_test[:50], data.y_test[:50]
    folder = tmp_path_factory.mktemp("genuine")
    plain = save_csv(folder / "plain.csv", X, y).read_bytes()
    kaggle = save_csv(folder / "kaggle.csv", X, y, kaggle=True).read_bytes()
    return plain, kaggle, X, y


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


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.lists(st.sampled_from(["", "   ", "# a comment", "\t", "  # indented comment"]), max_size=12),
       where=st.lists(st.integers(0, 6), max_size=12), end=st.sampled_from(["\n", "\r\n", "\r"]),
       bad_row=st.integers(0, 5), header=st.booleans(), bom=st.booleans(), gzipped=st.booleans())
def test_the_line_number_is_the_editors_whatever_lies_between(tmp_path, extra, where, end, bad_row, header, bom,
                                                               gzipped):
    """Blank and comment lines anywhere, any line ends, a BOM, gzip: the bad cell's line is the one
    a text editor shows (counted here independently, from the lines as written)."""
    lines = [",".join(row) for row in csv_rows()]
    lines[bad_row] = lines[bad_row].replace(",0,", ",x,", 1)
    marked = [(text, i == bad_row) for i, text in enumerate(lines)]
    for text, at in zip(extra, where):
        marked.insert(min(at, len(marked)), (text, False))
    if header:
        marked.insert(0, (CSV_HEADER, False))
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
    (lambda d: CSV_HEADER.encode() + b"\n\n", "has no rows of data"),
])
def test_what_is_not_a_csv_is_refused_by_name(genuine, tmp_path, make, message):
    path = tmp_path / "digits.csv"
    path.write_bytes(make(genuine[0]))
    with pytest.raises(DataFileError) as info:
        load_csv(path)
    assert str(info.value).startswith(f"{path}: {message}")


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
    ("a header of 3,000,001 columns", lambda: (CSV_HEADER + "," + ",".join(f"x{i}" for i in range(3_000_000 - 784))
                                               + "\n").encode() + b"0," * 784 + b"0\n",
     "line 1 is longer than 65,536 characters"),
    ("good lines, then a long one", lambda: csv_text(csv_rows(2)).encode() + b"0," * 100_000,
     "line 3 is longer than 65,536 characters"),
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
