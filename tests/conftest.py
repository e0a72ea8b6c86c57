"""The data every test may use: the real MNIST files, loaded once, a slice of them, and a seeded
random generator. The files are found the same way the notebooks find them:
$MNIST_SCRATCH_DATA_DIR (CI points it at ../shared/mnist) or data/."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mnist_scratch.data import load_mnist, resolve_data_dir


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
