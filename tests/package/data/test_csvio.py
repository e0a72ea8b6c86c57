"""mnist_scratch.data.csvio, the CSV reader and writer: round trips in both layouts, files that are
wrong in every way we could think of, random bytes and mutations of genuine files."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from _parser_properties import PARSERS as EVERY_PARSER
from _parser_properties import PROPERTY, check_outcome, mutate, mutations
from hypothesis import given
from hypothesis import strategies as st

from mnist_scratch.data import DataFileError, load_csv, load_mnist, save_csv


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


def test_kaggle_test_csv_has_no_labels(raw_test, tmp_path):
    X, _ = raw_test
    path = save_csv(tmp_path / "test.csv", X[:50], kaggle=True)
    X2, y2 = load_csv(path, scale="raw")
    assert y2 is None
    np.testing.assert_array_equal(X2, X[:50])


def _write_rows(path, rows, header=None):
    lines = ([header] if header else []) + [",".join(map(str, r)) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_csv_wrong_number_of_columns(tmp_path):
    path = _write_rows(tmp_path / "short.csv", [[1] + [0] * 700] * 3)
    with pytest.raises(DataFileError, match="short.csv: has 701 columns; an MNIST CSV has 785"):
        load_csv(path)
    ragged = _write_rows(tmp_path / "ragged.csv", [[1] + [0] * 784, [1] + [0] * 785])
    with pytest.raises(DataFileError, match="ragged.csv: rows have different numbers of columns"):
        load_csv(ragged)
    missing = _write_rows(tmp_path / "missing.csv", [[1] + [0] * 784, [1] + [0] * 783])
    with pytest.raises(DataFileError, match="missing.csv: line 2 has fewer than 785 columns"):
        load_csv(missing)


def test_csv_non_numeric_cell(tmp_path):
    rows = [[3] + [0] * 784 for _ in range(4)]
    rows[2][100] = "x7"
    path = _write_rows(tmp_path / "text.csv", rows)
    with pytest.raises(DataFileError, match=r"text.csv: line 3, column 101: 'x7' is not a number"):
        load_csv(path)


def test_csv_pixels_and_labels_out_of_range(tmp_path):
    rows = [[3] + [0] * 784 for _ in range(4)]
    rows[1][5] = 256
    header = "label," + ",".join(f"pixel{i}" for i in range(784))
    path = _write_rows(tmp_path / "bright.csv", rows, header)
    with pytest.raises(DataFileError, match="bright.csv: line 3: pixel 4 is 256"):
        load_csv(path)
    rows[1][5] = 0
    rows[3][0] = 10
    path = _write_rows(tmp_path / "label.csv", rows)
    with pytest.raises(DataFileError, match="label.csv: line 4: label 10 is outside 0-9"):
        load_csv(path)


def test_csv_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_csv(tmp_path / "nope.csv")


def _digit_rows(n=6):
    """Rows like MNIST's: the corner pixels blank, the label first."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        pixels = np.zeros(784, int)
        pixels[300:320] = rng.integers(0, 256, 20)
        rows.append([i % 10] + pixels.tolist())
    return rows


def test_csv_with_the_label_last_is_refused_clearly(tmp_path):
    rows = [r[1:] + r[:1] for r in _digit_rows()]  # 785 columns, label last: column 1 is a blank pixel
    path = _write_rows(tmp_path / "last.csv", rows)
    with pytest.raises(DataFileError, match=r"last.csv: the first column, which holds the labels in an MNIST CSV, "
                                            r"is 0 in every row, while the last column holds labels 0-9: the label "
                                            r"seems to be last"):
        load_csv(path)
    for row in rows:  # and when the first pixel is not blank, it is not a label either
        row[0] = 200
    with pytest.raises(DataFileError, match="the first column, .*, holds values beyond 0-9, .* seems to be last"):
        load_csv(_write_rows(tmp_path / "last2.csv", rows))


def test_csv_with_a_header_may_put_the_label_anywhere(tmp_path):
    rows = _digit_rows()
    header = ",".join(f"pixel{i}" for i in range(784)) + ",label"
    X, y = load_csv(_write_rows(tmp_path / "named.csv", [r[1:] + r[:1] for r in rows], header), scale="raw")
    assert y.tolist() == [r[0] for r in rows]
    np.testing.assert_array_equal(X, [r[1:] for r in rows])


def test_csv_with_one_label_throughout_still_loads(tmp_path):
    rows = [[7] + r[1:] for r in _digit_rows()]  # a file of sevens: the first column is constant, rightly
    assert load_csv(_write_rows(tmp_path / "sevens.csv", rows))[1].tolist() == [7] * 6


@pytest.mark.parametrize("cell,message", [
    ("99999999999999999999999", r"pixel 0 is 1e\+23; pixels must be whole numbers 0-255"),
    ("18446744073709551616", r"pixel 0 is 1.84467e\+19"),
    ("1e400", "pixel 0 is inf"),
    ("-5", "pixel 0 is -5"),
    ("nan", r"line 2, column 2: 'nan' is not a number"),
    ("NA", r"line 2, column 2: 'NA' is not a number"),
    ("", "line 2 has fewer than 785 columns or an empty cell"),
])
def test_csv_oversized_or_odd_numbers(tmp_path, cell, message):
    rows = [list(map(str, r)) for r in _digit_rows(3)]
    rows[1][1] = cell
    with pytest.raises(DataFileError, match=message):
        load_csv(_write_rows(tmp_path / "odd.csv", rows))


def test_csv_unreadable_or_not_a_file(tmp_path, monkeypatch):
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(DataFileError, match="dir.csv: is a folder, not a CSV file"):
        load_csv(tmp_path / "dir.csv")
    path = _write_rows(tmp_path / "locked.csv", _digit_rows(2))
    real_open = open

    def refuse(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", refuse)  # the tests run as root: simulate the permission error
    with pytest.raises(DataFileError, match=r"locked.csv: cannot be read \(Permission denied\)"):
        load_csv(path)


def test_csv_header_only_and_binary_junk(tmp_path):
    header = "label," + ",".join(f"pixel{i}" for i in range(784))
    with pytest.raises(DataFileError, match="header.csv: has no rows of data"):
        load_csv(_write_rows(tmp_path / "header.csv", [], header))
    junk = tmp_path / "junk.csv"
    junk.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(DataFileError, match="junk.csv: "):
        load_csv(junk)


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
