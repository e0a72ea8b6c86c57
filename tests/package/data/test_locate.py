"""mnist_scratch.data.locate: where the data is looked for, and the spellings of its files."""

from __future__ import annotations

import shutil

import numpy as np
from _package_helpers import _copy_set

from mnist_scratch.data import find_files, load_mnist, resolve_data_dir


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
