"""What every test starts from: a fresh work folder for the learner's parts (autouse), and the data it
may use: the real MNIST files, loaded once, a slice of them, and a seeded random generator. The files
are found the same way the notebooks find them: $MNIST_SCRATCH_DATA_DIR (CI: ../shared/mnist) or data/.
(The download tests' loopback mirror is in tests/package/data/conftest.py.)"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from mnist_scratch.data import load_mnist, resolve_data_dir

@pytest.fixture(autouse=True)
def work_folder(tmp_path_factory, monkeypatch):
    """Every test keeps the learner's parts in a fresh temporary work folder, never in the repository
    (a self-check that passes saves its part: mnist_scratch/lab/work_folder.py), and starts with no part
    kept in memory and graded mode off. (Nothing is imported for it: importing the lab limits BLAS threads.)"""
    folder = tmp_path_factory.mktemp("work") / "my_network"
    monkeypatch.setenv("MNIST_SCRATCH_WORK_DIR", str(folder))
    _forget_the_learners_parts()
    yield folder
    _forget_the_learners_parts()


def _forget_the_learners_parts() -> None:
    saving, work = sys.modules.get("mnist_scratch.lab.saving"), sys.modules.get("mnist_scratch.lab.work_folder")
    if saving is not None:
        saving.forget()
    if work is not None:
        work.set_graded(None)


@pytest.fixture(scope="session")
def mnist():
    """The real data set, loaded once: X_train, y_train, X_test, y_test."""
    return load_mnist()


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    load_mnist()  # make sure the files are there (downloads them on a learner's machine)
    return resolve_data_dir()


@pytest.fixture
def small(mnist):
    """A small, fixed slice of the real training set for quick training tests."""
    X, y, X_test, y_test = mnist
    return X[:2000], y[:2000], X_test[:1000], y_test[:1000]


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
