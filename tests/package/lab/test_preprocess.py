"""mnist_scratch.lab.preprocess: a drawing made into an MNIST digit, centred as MNIST's were."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_scratch.lab.preprocess import center_of_mass, preprocess_drawing


def _upscaled(image28, scale=8, at=(0, 0), size=280):
    """A 28 x 28 digit drawn big on a 280 x 280 canvas, its corner at `at`."""
    big = np.kron(image28.reshape(28, 28), np.ones((scale, scale)))
    canvas = np.zeros((size, size))
    canvas[at[0]:at[0] + big.shape[0], at[1]:at[1] + big.shape[1]] = big[: size - at[0], : size - at[1]]
    return canvas


def test_preprocessing_centres_a_shifted_digit(mnist):
    digit = mnist.X_test[0]
    for at in [(0, 0), (50, 3), (56, 56)]:
        out = preprocess_drawing(_upscaled(digit, scale=8, at=at)).reshape(28, 28)
        r, c = center_of_mass(out)
        assert abs(r - 14) <= 0.5 and abs(c - 14) <= 0.5, (at, r, c)
        ink = np.argwhere(out > 0.1)
        assert (ink.max(axis=0) - ink.min(axis=0) + 1).max() <= 21     # fits the 20 x 20 box (+ anti-aliasing)
        assert out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1


def test_preprocessing_reproduces_mnist_closely_enough_to_classify(mnist, trained):
    X_test, y_test = mnist.X_test[:300], mnist.y_test[:300]
    redone = np.stack([preprocess_drawing(_upscaled(x, scale=5, at=(40, 90))) for x in X_test])
    original = (trained.predict(X_test) == y_test).mean()
    again = (trained.predict(redone) == y_test).mean()
    assert again > original - 0.05, (original, again)


def test_preprocessing_inputs():
    rgba = np.zeros((50, 40, 4), dtype=np.uint8)
    rgba[10:30, 18:22, 3] = 255                                         # a vertical bar of opaque ink
    out = preprocess_drawing(rgba).reshape(28, 28)
    assert out.sum() > 0 and abs(center_of_mass(out)[1] - 14) <= 0.5
    paper = np.full((50, 50), 255.0)
    paper[10:40, 24:27] = 0                                             # dark ink on white paper
    assert preprocess_drawing(paper, invert=True).sum() > 0
    with pytest.raises(ValueError, match="nothing is drawn"):
        preprocess_drawing(np.zeros((30, 30)))
    with pytest.raises(ValueError, match=r"^preprocess_drawing\(\): image=<float64 array of shape \(30,\)> is not "
                                         r"allowed: image must be a 2-D grey image \(height, width\) or an RGB"):
        preprocess_drawing(np.zeros(30))
