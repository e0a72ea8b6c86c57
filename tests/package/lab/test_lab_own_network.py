"""mnist_scratch/lab/own_network.py: the learner's network on the one model interface, trained by ms.train,
taken by the prediction browser and the canvas, saved as a model file.

(Named with its subpackage first: tests/lessons/test_own_network.py runs the lessons.)"""

from __future__ import annotations

import numpy as np
import pytest

import mnist_scratch as ms
from mnist_scratch.interface import check_network
from mnist_scratch.lab import my_network
from mnist_scratch.lab.validate import check_model

from _network_answers import LESSON_2, restart, solve


def test_the_learner_s_network_is_on_the_model_interface_and_trains_with_ms_train(mnist):
    solve(*LESSON_2)
    restart()
    mine = my_network.load(upto=2, quiet=True)
    net = mine.network([784, 16, 10], seed=0)
    check_network(net)
    assert check_model(net) is net                              # the prediction browser and the canvas take it
    X, y = mnist[0][:2000], mnist[1][:2000]
    calls = []
    original = mine._chosen["backward"]
    mine._chosen["backward"] = lambda *a: calls.append(1) or original(*a)     # prove the learner's backward runs
    history = ms.train(net, X, y, epochs=3, batch_size=200, optimizer="sgd", lr=0.5, progress=False)
    assert len(calls) == 30 and history.records[-1]["cost"] < history.records[0]["cost"]
    probabilities = net.predict_proba(X[:5])
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    with pytest.raises(ValueError, match="dropout needs a forward pass"):
        net.forward_train(X[:5], dropout=0.5)


def test_a_trained_own_network_saves_as_a_model_file(tmp_path, mnist):
    net = my_network.load(upto=3, quiet=True).network([784, 8, 10], seed=3)
    path = ms.save_model(net, tmp_path / "mine.npz")
    model = ms.load_model(path)
    np.testing.assert_allclose(model.predict_proba(mnist[2][:20]), net.predict_proba(mnist[2][:20]), rtol=1e-5)
