"""mnist_scratch/lab/own_cnn.py: the learner's CNN computes with their lesson-10 layers, trains on the fast ones
only when the two agree, and refuses to when a planted bug makes them differ."""

from __future__ import annotations

import numpy as np
import pytest

import mnist_scratch as ms
from mnist_scratch import cnn
from mnist_scratch.lab import check, my_network, saving
from mnist_scratch.lab.own_cnn import LAYERS, OwnCNN, loss_and_grads
from mnist_scratch.validation import ArgumentError

from test_check_hints_cnn import cb_loops, cb_no_flip, conv_loops, mpb_loops, pool_loops

RIGHT = {"conv2d": conv_loops, "conv2d_backward": cb_loops, "maxpool": pool_loops, "maxpool_backward": mpb_loops}


def _images(n=2, seed=0):
    rng = np.random.default_rng(seed)
    return rng.random((n, 784)).astype(np.float32) * (rng.random((n, 784)) < 0.3), rng.integers(0, 10, n)


def test_the_learner_s_loops_give_the_package_s_cost_and_gradients_on_a_small_cnn():
    """An independent computation: per image, filter, channel and position, against im2col on batch-last maps."""
    for name, fn in RIGHT.items():
        check.CHECKS[name](fn)
    mine = my_network.load(upto=10, quiet=True)
    assert [n for n in LAYERS if n in mine.yours] == list(LAYERS)
    params = cnn.init_cnn_params(channels=(3, 4), kernel=3, hidden=7, image_shape=(1, 10, 10), seed=1,
                                 dtype=np.float64)
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(3, 1, 10, 10)), np.array([1, 7, 1])
    J, grads = loss_and_grads(mine, params, X, y)
    J_fast, fast = cnn.loss_and_grads(params, X, y)
    assert np.isclose(J, J_fast, rtol=1e-12)
    for key in params:
        np.testing.assert_allclose(grads[key], fast[key], rtol=1e-9, atol=1e-12, err_msg=key)


def test_with_every_layer_the_learner_s_the_cnn_says_so_and_trains(capsys):
    for name, fn in RIGHT.items():
        check.CHECKS[name](fn)
    model = my_network.load(upto=10, quiet=True).cnn(*_images())
    assert isinstance(model, ms.CNN) and model.describe()["kind"] == "cnn"
    assert max(model.differences.values()) < 1e-9, model.differences
    report = model.report()
    assert report.startswith("Your CNN's layers: all 4 are yours (conv2d, conv2d_backward, maxpool, "
                             "maxpool_backward).\n"), report
    np.testing.assert_array_equal(model.params["W1"], ms.CNN(seed=0).params["W1"])
    X, y = _images(128, seed=1)
    history = ms.train(model, X, y, epochs=1, batch_size=64, progress=False)
    assert len(history.records) == 1 and np.isfinite(history.records[0]["cost"])


def test_skipped_exercises_fall_back_to_the_package_s_layers():
    saving.keep("conv2d", conv_loops)
    model = my_network.load(upto=10, quiet=True).cnn(*_images(1))
    assert model.yours == ["conv2d"]
    assert model.report().startswith("Your CNN's layers: 1 of 4 are yours; conv2d_backward, maxpool, "
                                     "maxpool_backward are the package's.")


@pytest.mark.parametrize("part,planted", [("conv2d_backward", cb_no_flip),
                                          ("maxpool_backward", lambda dP, A: np.kron(dP, np.ones((2, 2))))])
def test_a_bug_planted_past_the_checks_stops_the_swap(part, planted):
    """saving.keep skips the check, as a learner's later edit of a saved file would (the loader rechecks files)."""
    saving.keep(part, planted)
    mine = my_network.load(upto=10, quiet=True)
    assert part in mine.yours
    with pytest.raises(ValueError, match=r"your layers and the package's fast ones disagree: the (W|b)\d gradient "
                                         r"differs by .* so training would not train what you wrote"):
        mine.cnn(*_images(2))


def test_parts_of_an_earlier_lesson_cannot_make_a_cnn():
    with pytest.raises(ValueError, match=r"have no conv2d, conv2d_backward, maxpool, maxpool_backward"):
        OwnCNN(my_network.load(upto=3, quiet=True), *_images(1))


def test_the_learner_s_loops_match_the_package_with_same_padding_too():
    """padding='same': the learner's 'valid' conv2d on padded maps, against im2col's own padding (even kernel too)."""
    for name, fn in RIGHT.items():
        check.CHECKS[name](fn)
    mine = my_network.load(upto=10, quiet=True)
    for kernel in (3, 2):
        params = cnn.init_cnn_params(channels=(2, 3), kernel=kernel, hidden=5, image_shape=(1, 8, 8),
                                     padding="same", seed=1, dtype=np.float64)
        X, y = np.random.default_rng(4).normal(size=(2, 1, 8, 8)), np.array([3, 0])
        J, grads = loss_and_grads(mine, params, X, y, "same")
        J_fast, fast = cnn.loss_and_grads(params, X, y, "same")
        assert np.isclose(J, J_fast, rtol=1e-12)
        for key in params:
            np.testing.assert_allclose(grads[key], fast[key], rtol=1e-9, atol=1e-12, err_msg=f"{key}, k={kernel}")


def test_the_cnn_takes_the_cnn_s_architecture_arguments_and_refuses_others_by_name():
    for name, fn in RIGHT.items():
        check.CHECKS[name](fn)
    mine = my_network.load(upto=10, quiet=True)
    model = mine.cnn(*_images(1), channels=(2, 3), kernel=3, hidden=8, padding="same", seed=2)
    assert model.architecture["padding"] == "same" and model.channels == (2, 3) and model.hidden == 8
    assert max(model.differences.values()) < 1e-9, model.differences
    assert model.predict(_images(3)[0]).shape == (3,)
    with pytest.raises(ArgumentError, match=r"^cnn\(\): no argument called 'stride'; the arguments are channels, "
                                               r"kernel, hidden, padding, seed, dtype, tolerance$"):
        mine.cnn(*_images(1), stride=2)
    with pytest.raises(ArgumentError, match=r"^cnn\(\): padding='full' is not allowed: padding must be"):
        mine.cnn(*_images(1), padding="full")
