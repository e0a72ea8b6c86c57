"""mnist_scratch.data.locate: where the data is looked for, the spellings of its files, and a data
folder closed to the student (as user ``nobody``: the ``student`` fixture of conftest.py)."""

from __future__ import annotations

import os
import shutil

import numpy as np
from _package_helpers import NAMES, _copy_set

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


def test_a_data_folder_closed_to_the_student_is_said_in_one_sentence(hub, mnist_dir, student):
    closed = hub / "closed"
    closed.mkdir()
    shutil.copyfile(mnist_dir / NAMES[3], closed / NAMES[3])
    closed.chmod(0o700)
    results = student(f"""
        from mnist_scratch.data import find_files, load_mnist
        step("load", lambda: load_mnist({str(closed)!r}, download=False))
        step("find", lambda: find_files({str(closed)!r}))
    """)
    expected = (f"DataFileError: {closed}: the data folder cannot be read: it is closed to nobody (it belongs to "
                f"root and its mode is drwx------); ask its owner to open it (chmod a+rx {closed}), or point "
                f"MNIST_SCRATCH_DATA_DIR at a folder you can read")
    assert results["load"] == results["find"] == expected
    inside = closed / "deeper"
    inside.mkdir()
    results = student(f"""
        from mnist_scratch.data import find_files
        step("find", lambda: find_files({str(inside)!r}))
    """)
    assert results["find"].startswith(f"DataFileError: {inside}: the data folder cannot be read: the folder "
                                      f"{closed} on the way is closed to nobody")


def test_a_fifo_among_the_files_counts_as_found_so_that_loading_names_it(tmp_path):
    os.mkfifo(tmp_path / NAMES[3])
    (tmp_path / (NAMES[2] + ".gz")).mkdir()  # a folder of a file's name is passed over, as before
    found = find_files(tmp_path)
    assert found["test_labels"] == tmp_path / NAMES[3]
    assert found["test_images"] is None


def test_the_cache_folder_of_an_installed_package_follows_the_platform(monkeypatch, tmp_path):
    from mnist_scratch.data import locate

    monkeypatch.setattr(locate.sys, "platform", "linux")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert locate.user_cache_folder() == tmp_path / "cache" / "mnist_scratch"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert locate.user_cache_folder() == tmp_path / ".cache" / "mnist_scratch"
    monkeypatch.setattr(locate.sys, "platform", "darwin")
    assert locate.user_cache_folder() == tmp_path / "Library" / "Caches" / "mnist_scratch"
    monkeypatch.setattr(locate.sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert locate.user_cache_folder() == tmp_path / "local" / "mnist_scratch" / "Cache"
