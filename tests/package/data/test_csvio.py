"""mnist_scratch.data.csvio, the CSV reader and writer: round trips in both layouts, pixels and labels
checked with the first bad line named, the label-last check, memory within twice the result, random
bytes and mutations of genuine files. (The forms a file may take: test_csvlines.py; its cells:
test_csvcells.py.)"""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from _bounds import MB, bounded
from _package_helpers import CSV_HEADER, csv_rows, csv_text
from _parser_properties import PARSERS as EVERY_PARSER
from _parser_properties import PROPERTY, check_outcome, mutate, mutations
from hypothesis import given
from hypothesis import strategies as st

from mnist_scratch.data import DataFileError, DataNotFoundError, load_csv, load_mnist, save_csv
from mnist_scratch.data import csvio


@pytest.fixture(scope="module")
def raw_test(mnist_dir):
    data = load_mnist(mnist_dir, scale="raw")
    return data.X_test, data.y_test


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


def test_csv_pixels_and_labels_out_of_range(tmp_path):
    rows = csv_rows(4)
    rows[1][5] = "256"
    path = tmp_path / "bright.csv"
    path.write_text(csv_text(rows, header=CSV_HEADER))
    with pytest.raises(DataFileError, match="bright.csv: line 3: pixel 4 is 256; pixels must be whole numbers 0-255"):
        load_csv(path)
    rows[1][5] = "0"
    rows[3][0] = "10"
    path = tmp_path / "label.csv"
    path.write_text(csv_text(rows))
    with pytest.raises(DataFileError, match="label.csv: line 4: label 10 is outside 0-9"):
        load_csv(path)
    rows[3][0] = "3.5"
    path.write_text(csv_text(rows))
    with pytest.raises(DataFileError, match="label.csv: line 4: label 3.5 is not a whole number 0-9"):
        load_csv(path)


def test_the_first_bad_line_is_reported_whichever_check_finds_it(tmp_path):
    rows = csv_rows(6)
    rows[4][0] = "12"    # a label, on line 5
    rows[2][9] = "300"   # a pixel, earlier, on line 3
    path = tmp_path / "two.csv"
    path.write_text(csv_text(rows))
    with pytest.raises(DataFileError, match="two.csv: line 3: pixel 8 is 300"):
        load_csv(path)


def test_csv_missing_file(tmp_path):
    with pytest.raises(DataNotFoundError, match="nope.csv: no such file"):
        load_csv(tmp_path / "nope.csv")
    with pytest.raises(FileNotFoundError):  # (a DataNotFoundError is one)
        load_csv(tmp_path / "nope.csv")


def test_csv_with_the_label_last_is_refused_clearly(tmp_path):
    rows = [r[1:] + r[:1] for r in csv_rows()]  # 785 columns, label last: column 1 is a blank pixel
    path = tmp_path / "last.csv"
    path.write_text(csv_text(rows))
    with pytest.raises(DataFileError, match=r"last.csv: the first column, which holds the labels in an MNIST CSV, "
                                            r"is 0 in every row, while the last column holds labels 0-9: the label "
                                            r"seems to be last"):
        load_csv(path)
    for row in rows:  # and when the first pixel is not blank, it is not a label either
        row[0] = "200"
    path.write_text(csv_text(rows))
    with pytest.raises(DataFileError, match="the first column, .*, holds values beyond 0-9, .* seems to be last"):
        load_csv(path)


def test_csv_with_a_header_may_put_the_label_anywhere(tmp_path):
    rows = csv_rows()
    header = ",".join(f"pixel{i}" for i in range(784)) + ",label"
    path = tmp_path / "named.csv"
    path.write_text(csv_text([r[1:] + r[:1] for r in rows], header=header))
    X, y = load_csv(path, scale="raw")
    assert y.tolist() == [int(r[0]) for r in rows]
    np.testing.assert_array_equal(X, [[int(c) for c in r[1:]] for r in rows])


def test_csv_with_one_label_throughout_still_loads(tmp_path):
    rows = [["7"] + r[1:] for r in csv_rows()]  # a file of sevens: the first column is constant, rightly
    path = tmp_path / "sevens.csv"
    path.write_text(csv_text(rows))
    assert load_csv(path)[1].tolist() == [7] * 6


def test_csv_header_only_and_binary_junk(tmp_path):
    header = tmp_path / "header.csv"
    header.write_text(CSV_HEADER + "\n")
    with pytest.raises(DataFileError, match="header.csv: has no rows of data"):
        load_csv(header)
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(DataFileError, match="junk.csv: "):
        load_csv(junk)
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(DataFileError, match="dir.csv: is a folder, not a CSV file"):
        load_csv(tmp_path / "dir.csv")


def test_more_rows_than_the_bound_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(csvio, "MAX_ROWS", 2000)  # (the real bound, 1,369,568 rows, is 1 GiB of pixels)
    path = tmp_path / "many.csv"
    path.write_text(csv_text(csv_rows(4) * 1000))
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



# --------------------------------------------------------------------------- random bytes, mutated genuine files
#: This module's parser (_parser_properties.PARSERS holds all three).
PARSERS = {"csv": EVERY_PARSER["csv"]}


@pytest.mark.parametrize("parser", list(PARSERS))
@PROPERTY
@given(data=st.binary(max_size=3000), gzipped=st.booleans())
def test_random_bytes(parser, data, gzipped, scratch):
    check_outcome(parser, scratch / f"random{PARSERS[parser][3]}", gzip.compress(data) if gzipped else data)


@pytest.fixture(scope="module")
def genuine_csv(scratch, mnist) -> tuple[bytes, bytes]:
    X, y = mnist.X_test[:4], mnist.y_test[:4]
    plain = save_csv(scratch / "plain.csv", X, y).read_bytes()
    kaggle = save_csv(scratch / "kaggle.csv", X, y, kaggle=True).read_bytes()
    return plain, kaggle


_csv_chars = st.binary(min_size=1, max_size=8).map(lambda b: bytes(c % 16 for c in b).translate(
    bytes.maketrans(bytes(range(16)), b"0123456789,,\n.-e")))


@PROPERTY
@given(which=st.sampled_from([0, 1]), mutation=mutations, text_edits=st.lists(
    st.tuples(st.floats(0, 1, exclude_max=True), _csv_chars), max_size=4))
def test_csv_mutated_genuine_files(genuine_csv, which, mutation, text_edits, scratch):
    data = mutate(genuine_csv[which], mutation)
    for where, chars in text_edits:  # edits that stay CSV-like: digits, commas, signs, newlines
        at = int(where * len(data))
        data = data[:at] + chars + data[at:]
    check_outcome("csv", scratch / "mutated.csv", data)
