"""mnist_scratch.interface: what the base class of every network supplies, and check_network, which
refuses what is not a network, naming the member it lacks."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from _package_helpers import SoftmaxRegression

import mnist_scratch as ms
from mnist_scratch.cnn import CNN
from mnist_scratch.interface import REQUIRED, check_network
from mnist_scratch.model import Model


def test_predict_proba_rows_sum_to_one(mnist):
    model = Model([784, 16, 10])
    P = model.predict_proba(mnist.X_test[:100])
    assert P.shape == (100, 10)
    np.testing.assert_allclose(P.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(model.predict(mnist.X_test[:100]), P.argmax(axis=1))


# --------------------------------------------------------------------------- check_network
def _every_member():
    """A network by duck typing (no base class): every member of the interface, and nothing else."""
    return SimpleNamespace(params={"W": np.zeros((784, 10), np.float32)}, state={}, loss="cross_entropy",
                           classes=10, input_shape=(784,), forward=lambda X: None,
                           forward_train=lambda X, *, dropout=0.0, rng=None: None, backward=lambda cache, T: {},
                           describe=lambda: {"kind": "duck"}, layers=[784, 10])


def test_check_network_passes_a_network_with_every_member():
    assert set(vars(_every_member())) == set(REQUIRED)
    assert check_network(_every_member()) is None
    for network in (Model([784, 10]), CNN(channels=(2, 3), hidden=8), SoftmaxRegression()):
        assert check_network(network) is None


@pytest.mark.parametrize("member", REQUIRED)
def test_check_network_refuses_a_network_without_a_member_and_names_it(member):
    network = _every_member()
    delattr(network, member)
    message = rf"\(SimpleNamespace\) is not a network that mnist_scratch can train or use: it has no {member} \(see "
    with pytest.raises(ValueError, match=r"^model " + message):
        check_network(network)
    with pytest.raises(ValueError, match=message):             # the one training loop asks first
        ms.train(network, np.zeros((2, 784), np.float32), np.array([0, 1]), progress=False)


def test_check_network_names_every_missing_member():
    with pytest.raises(ValueError, match=r"\(object\) is not a network .*: it has no " + ", ".join(REQUIRED) + r" \(see"):
        check_network(object(), "net")
    with pytest.raises(ValueError, match="model is None: build a network first"):
        check_network(None)


def test_one_sample_alone_is_a_batch_of_one_for_every_network(mnist):
    """As the drawing canvas hands it over: one row of 784 pixels, whatever the network's input shape."""
    x = mnist.X_test[7]
    for network in (Model([784, 16, 10]), CNN(channels=(2, 3), hidden=8), SoftmaxRegression()):
        np.testing.assert_array_equal(network.predict_proba(x), network.predict_proba(mnist.X_test[7:8]))
        assert network.predict(x).tolist() == network.predict(mnist.X_test[7:8]).tolist()
