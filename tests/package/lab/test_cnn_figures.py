"""Lesson 10's pictures (mnist_scratch.lab.cnn_figures): each draws, uses the series' colour maps, and
shows what its title says."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.figure  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mnist_scratch.cnn import CNN  # noqa: E402
from mnist_scratch.conv import conv_forward, im2col, maxpool_backward, maxpool_forward  # noqa: E402
from mnist_scratch.lab import cnn_figures, plots  # noqa: E402


def _images(fig):
    return [image for ax in fig.axes for image in ax.images]


def test_every_picture_draws_in_the_series_colour_maps():
    rng = np.random.default_rng(0)
    digit = rng.random((28, 28))
    edge = np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    Z = conv_forward(digit[None, None], edge[None, None], np.zeros(1))[0][0, 0]
    small = np.arange(1.0, 17.0).reshape(4, 4)
    A = rng.normal(size=(4, 4))
    pooled, cache = maxpool_forward(A[None, None])
    dA = maxpool_backward(np.ones((1, 1, 2, 2)), cache)[0, 0]
    model = CNN(channels=(4, 20), hidden=8)
    maps = model.feature_maps(digit.reshape(1, 784))
    figures = {
        "sliding_window": cnn_figures.sliding_window(digit, edge, Z, at=(5, 7)),
        "im2col_picture": cnn_figures.im2col_picture(small, 3, 3, im2col(small[None, None], 3, 3)),
        "pooling_picture": cnn_figures.pooling_picture(A, pooled[0, 0], dA, np.ones((2, 2))),
        "filters": cnn_figures.filters(model.params["W1"]),
        "feature_maps": cnn_figures.feature_maps(digit.reshape(1, 784), maps),
    }
    assert set(figures) == set(cnn_figures.__all__)
    for name, fig in figures.items():
        assert isinstance(fig, matplotlib.figure.Figure), name
        for image in _images(fig):
            assert image.get_cmap().name in ("gray_r", plots.COLORMAP), (name, image.get_cmap().name)
    assert figures["sliding_window"].axes[2].get_title() == f"output 26x26: (5, 7) = {Z[5, 7]:.2f}"
    assert len(_images(figures["filters"])) == 4
    # the digit, then 4 + 4 + 16 (of 20, at most 16 shown) + 16 maps
    assert len(_images(figures["feature_maps"])) == 1 + 4 + 4 + 16 + 16
    titles = [ax.get_title(loc="left") for ax in figures["feature_maps"].axes if ax.get_title(loc="left")]
    assert titles[1:] == ["conv1: 4 maps of 24x24", "pool1: 4 maps of 12x12",
                          "conv2: the first 16 of 20 maps of 8x8", "pool2: the first 16 of 20 maps of 4x4"]
    assert [t.get_text() for t in figures["pooling_picture"].axes[3].texts].count("0") == 12
    plt.close("all")


def test_filters_refuses_a_later_layer():
    with pytest.raises(ValueError, match=r"first-layer filters have shape \(filters, 1, k, k\); got \(8, 4, 5, 5\)"):
        cnn_figures.filters(np.zeros((8, 4, 5, 5)))
