"""mnist_scratch.data.mnist, load_mnist: the real files give the published figures, and copies that
are wrong, or not genuine, are refused naming the file."""

from __future__ import annotations

import gzip
import warnings

import numpy as np
import pytest
from _package_helpers import NAMES, _copy_set

from mnist_scratch.data import DataFileError, DataNotFoundError, load_mnist
from mnist_scratch.data.idx import load_idx
from mnist_scratch.data.sources import get_dataset


TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


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


def test_fashion_mnist_goes_through_the_same_checks(mnist_dir, tmp_path):
    """Fashion-MNIST files are not on this machine: MNIST files in its folder must be
    recognised as *not* Fashion-MNIST, through the very same hash mechanism."""
    folder = _copy_set(mnist_dir, tmp_path / "fashion")
    with pytest.raises(DataFileError, match="matches no known version of Fashion-MNIST"):
        load_mnist(folder, dataset="fashion-mnist", download=False)
    assert get_dataset("fashion-mnist").files["train_images"].archive_hash.startswith("md5:")
