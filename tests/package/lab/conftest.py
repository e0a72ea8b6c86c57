"""Fixtures of the classroom-tool tests: networks trained on MNIST, to browse and draw for."""

from __future__ import annotations

import pytest
from _package_helpers import SoftmaxRegression

from mnist_scratch.cnn import CNN
from mnist_scratch.model import Model
from mnist_scratch.train import train


@pytest.fixture(scope="module")
def trained(mnist):
    X, y, X_test, y_test = mnist
    model = Model([784, 64, 10], seed=0)
    train(model, X[:20000], y[:20000], epochs=3, progress=False)
    return model


@pytest.fixture(scope="session")
def trained_cnn(mnist):
    """A small CNN, one epoch on 4,000 images (about 90% right); the tests only read it."""
    model = CNN(channels=(4, 8), hidden=32, seed=0)
    train(model, mnist.X_train[:4000], mnist.y_train[:4000], epochs=1, batch_size=32, lr=0.005, progress=False)
    return model


@pytest.fixture(scope="session")
def trained_from_scratch(mnist):
    """A network written on the interface alone (_package_helpers.SoftmaxRegression); the tests only read it."""
    model = SoftmaxRegression()
    train(model, mnist.X_train[:5000], mnist.y_train[:5000], epochs=3, batch_size=64, optimizer="sgd", lr=0.5,
          progress=False)
    return model
