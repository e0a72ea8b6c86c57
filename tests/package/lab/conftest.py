"""Fixtures of the classroom-tool tests: a network trained on MNIST, to browse and draw for."""

from __future__ import annotations

import pytest

from mnist_scratch.model import Model
from mnist_scratch.train import train


@pytest.fixture(scope="module")
def trained(mnist):
    X, y, X_test, y_test = mnist
    model = Model([784, 64, 10], seed=0)
    train(model, X[:20000], y[:20000], epochs=3, progress=False)
    return model
