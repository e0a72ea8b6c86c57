"""The data layer, checked against the real MNIST files and deliberately broken copies."""

from __future__ import annotations

import gzip
import shutil
import warnings

import numpy as np
import pytest

from mnist_scratch.data import (DataFileError, DataNotFoundError, find_files, load_idx, load_mnist,
                                resolve_data_dir, train_dev_split)
from mnist_scratch.losses import one_hot
from mnist_scratch.data.idx import IdxFormatError
from mnist_scratch.data.sources import DATASETS, get_dataset

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
NAMES = [f.name for f in DATASETS["mnist"].files.values()]


# --------------------------------------------------------------------------- the real thing
def test_shapes_and_dtypes(mnist):
    X_train, y_train, X_test, y_test = mnist
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    assert X_train.min() == 0.0 and X_train.max() == 1.0


def test_label_counts_are_the_published_ones(mnist):
    assert np.bincount(mnist.y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(mnist.y_test).tolist() == TEST_COUNTS


def test_pixel_statistics(mnist):
    assert mnist.X_train.mean(dtype=np.float64) == pytest.approx(0.1307, abs=5e-5)
    assert mnist.X_train.std(dtype=np.float64) == pytest.approx(0.3081, abs=5e-5)


def test_raw_and_myonn_scaling(mnist):
    raw = load_mnist(scale="raw")
    assert raw.X_train.dtype == np.uint8 and raw.X_train.max() == 255
    np.testing.assert_array_equal(raw.y_train, mnist.y_train)
    np.testing.assert_allclose(raw.X_test / 255, mnist.X_test, rtol=1e-6)
    myonn = load_mnist(scale="myonn")
    assert myonn.X_train.dtype == np.float32
    assert myonn.X_train.min() == pytest.approx(0.01) and myonn.X_train.max() == pytest.approx(1.0)
    np.testing.assert_allclose(myonn.X_test, raw.X_test / 255 * 0.99 + 0.01, atol=1e-6)
    with pytest.raises(ValueError, match="scale='percent' is not one of"):
        load_mnist(scale="percent")


def test_unknown_dataset_is_a_clear_error():
    with pytest.raises(ValueError, match="dataset='kmnist' is not known"):
        load_mnist(dataset="kmnist")


def test_load_idx_reads_raw_and_gzip_alike(mnist_dir, tmp_path):
    raw_path = mnist_dir / "t10k-labels-idx1-ubyte"
    gz_path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    gz_path.write_bytes(gzip.compress(raw_path.read_bytes()))
    labels = load_idx(raw_path)
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    np.testing.assert_array_equal(load_idx(gz_path), labels)
    images = load_idx(mnist_dir / "t10k-images-idx3-ubyte")
    assert images.shape == (10000, 28, 28)


def test_load_idx_of_other_types(tmp_path):
    values = np.arange(6, dtype=">i4").reshape(2, 3)
    path = tmp_path / "ints.idx"
    path.write_bytes(bytes([0, 0, 0x0C, 2]) + (2).to_bytes(4, "big") + (3).to_bytes(4, "big") + values.tobytes())
    np.testing.assert_array_equal(load_idx(path), values)


# --------------------------------------------------------------------------- folders and spellings
def _copy_set(src, dst, names=None, rename=lambda n: n):
    dst.mkdir(parents=True, exist_ok=True)
    for name in names or NAMES:
        shutil.copyfile(src / name, dst / rename(name))
    return dst


def test_lookup_order_argument_then_env_then_repo(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_SCRATCH_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir(tmp_path / "arg") == tmp_path / "arg"
    assert resolve_data_dir() == tmp_path / "env"
    assert resolve_data_dir(dataset="fashion-mnist") == tmp_path / "env" / "fashion-mnist"
    monkeypatch.delenv("MNIST_SCRATCH_DATA_DIR")
    assert resolve_data_dir().name == "data"


def test_dotted_spelling_and_official_archives(mnist_dir, gz_dir, tmp_path, mnist):
    folder = _copy_set(mnist_dir, tmp_path / "dotted", names=["train-images-idx3-ubyte"],
                       rename=lambda n: n.replace("-idx", ".idx"))
    for archive in gz_dir.glob("*.gz"):
        shutil.copyfile(archive, folder / archive.name)
    found = find_files(folder)
    assert found["train_images"].name == "train-images.idx3-ubyte"
    assert found["test_images"].name == "t10k-images-idx3-ubyte.gz"
    data = load_mnist(folder, download=False)
    for got, expected in zip(data, mnist):
        np.testing.assert_array_equal(got, expected)


def test_repackaged_archive_is_accepted_by_content_hash(mnist_dir, tmp_path, mnist):
    folder = _copy_set(mnist_dir, tmp_path / "repacked", names=NAMES[:3])
    (folder / "t10k-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress((mnist_dir / "t10k-labels-idx1-ubyte").read_bytes(), compresslevel=1))
    np.testing.assert_array_equal(load_mnist(folder, download=False).y_test, mnist.y_test)


def test_missing_files_without_download(tmp_path):
    with pytest.raises(DataNotFoundError) as info:
        load_mnist(tmp_path, download=False)
    message = str(info.value)
    assert str(tmp_path) in message and "train-images-idx3-ubyte" in message
    assert "MNIST_SCRATCH_DATA_DIR" in message


# --------------------------------------------------------------------------- bad files
@pytest.fixture
def copy_of_mnist(mnist_dir, tmp_path):
    return _copy_set(mnist_dir, tmp_path / "copy")


def test_wrong_magic_number(copy_of_mnist):
    path = copy_of_mnist / "t10k-labels-idx1-ubyte"
    data = bytearray(path.read_bytes())
    data[0:4] = b"\x50\x4b\x03\x04"  # a zip file's magic
    path.write_bytes(bytes(data))
    with pytest.raises(IdxFormatError, match="t10k-labels-idx1-ubyte: wrong magic number 0x504B0304"):
        load_mnist(copy_of_mnist, download=False)
    with pytest.raises(ValueError, match="wrong magic number"):
        load_idx(path)


def test_truncated_file(copy_of_mnist):
    path = copy_of_mnist / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte: is truncated: the header promises shape \(10000, 28, 28\)"):
        load_mnist(copy_of_mnist, download=False)


def test_truncated_header_and_tiny_file(tmp_path):
    (tmp_path / "a").write_bytes(b"\x00\x00\x08")
    (tmp_path / "b").write_bytes(b"\x00\x00\x08\x03\x00\x00")
    with pytest.raises(IdxFormatError, match="too short for an IDX header"):
        load_idx(tmp_path / "a")
    with pytest.raises(IdxFormatError, match="truncated inside its header"):
        load_idx(tmp_path / "b")


def test_trailing_bytes(copy_of_mnist):
    path = copy_of_mnist / "t10k-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes() + b"junk")
    with pytest.raises(IdxFormatError, match="4 unexpected bytes"):
        load_mnist(copy_of_mnist, download=False)


def test_damaged_gzip(copy_of_mnist):
    path = copy_of_mnist / "t10k-labels-idx1-ubyte"
    archive = gzip.compress(path.read_bytes())
    path.unlink()
    (copy_of_mnist / "t10k-labels-idx1-ubyte.gz").write_bytes(archive[: len(archive) // 2])
    with pytest.raises(IdxFormatError, match="t10k-labels-idx1-ubyte.gz: is a damaged or truncated gzip file"):
        load_mnist(copy_of_mnist, download=False)


def test_image_and_label_counts_differ(copy_of_mnist):
    path = copy_of_mnist / "t10k-labels-idx1-ubyte"
    labels = load_idx(path)[:9999]
    path.write_bytes(bytes([0, 0, 8, 1]) + (9999).to_bytes(4, "big") + labels.tobytes())
    with pytest.raises(DataFileError, match="has 10,000 images but .*t10k-labels-idx1-ubyte has 9,999 labels"):
        load_mnist(copy_of_mnist, download=False)


def test_label_out_of_range(copy_of_mnist):
    path = copy_of_mnist / "t10k-labels-idx1-ubyte"
    data = bytearray(path.read_bytes())
    data[8 + 42] = 12
    path.write_bytes(bytes(data))
    with pytest.raises(DataFileError, match="label 12 at position 42 is outside 0-9"):
        load_mnist(copy_of_mnist, download=False)


def test_images_of_the_wrong_shape(copy_of_mnist):
    path = copy_of_mnist / "t10k-images-idx3-ubyte"
    body = path.read_bytes()[16:]
    path.write_bytes(bytes([0, 0, 8, 3]) + (10000).to_bytes(4, "big") + (56).to_bytes(4, "big")
                     + (14).to_bytes(4, "big") + body)
    with pytest.raises(DataFileError, match=r"expected uint8 images of shape \(n, 28, 28\)"):
        load_mnist(copy_of_mnist, download=False)


def test_unknown_hash_is_refused_unless_allowed(copy_of_mnist, mnist):
    path = copy_of_mnist / "t10k-images-idx3-ubyte"
    data = bytearray(path.read_bytes())
    data[16 + 300] ^= 0x01  # one pixel changed: still a valid file, no longer genuine
    path.write_bytes(bytes(data))
    with pytest.raises(DataFileError, match="t10k-images-idx3-ubyte: its hash matches no known version"):
        load_mnist(copy_of_mnist, download=False)
    with pytest.warns(UserWarning, match="loading it anyway"):
        X_test = load_mnist(copy_of_mnist, download=False, allow_unknown_hash=True).X_test
    assert np.count_nonzero(X_test != mnist.X_test) == 1


def test_valid_files_load_without_warnings(copy_of_mnist):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_mnist(copy_of_mnist, download=False)


# --------------------------------------------------------------------------- helpers
def test_one_hot():
    Y = one_hot(np.array([0, 2, 1]), 3)
    np.testing.assert_array_equal(Y, [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert Y.dtype == np.float32
    Y = one_hot(np.array([1]), 3, off=0.01, on=0.99)
    np.testing.assert_allclose(Y, [[0.01, 0.99, 0.01]])
    with pytest.raises(ValueError, match="labels must lie in 0..9"):
        one_hot(np.array([10]))
    with pytest.raises(ValueError, match="1-D array of integer labels"):
        one_hot(np.array([0.5]))


def test_train_dev_split(mnist):
    X, y = mnist.X_train, mnist.y_train
    Xa, ya, Xd, yd = train_dev_split(X, y, 1000, seed=3)
    assert len(Xd) == 1000 and len(Xa) == 59000
    # a partition: every original row appears once
    assert np.bincount(ya, minlength=10).tolist() == (np.bincount(y) - np.bincount(yd, minlength=10)).tolist()
    Xb, yb, Xe, ye = train_dev_split(X, y, 1000, seed=3)
    np.testing.assert_array_equal(ye, yd)
    _, _, _, y_other = train_dev_split(X, y, 1000, seed=4)
    assert not np.array_equal(y_other, yd)
    with pytest.raises(ValueError, match="dev_size must be between 1 and"):
        train_dev_split(X[:10], y[:10], 10)


def test_fashion_mnist_goes_through_the_same_checks(mnist_dir, tmp_path):
    """Fashion-MNIST files are not on this machine: MNIST files in its folder must be
    recognised as *not* Fashion-MNIST, through the very same hash mechanism."""
    folder = _copy_set(mnist_dir, tmp_path / "fashion")
    with pytest.raises(DataFileError, match="matches no known version of Fashion-MNIST"):
        load_mnist(folder, dataset="fashion-mnist", download=False)
    assert get_dataset("fashion-mnist").files["train_images"].archive_hash.startswith("md5:")
