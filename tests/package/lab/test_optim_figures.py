"""mnist_scratch.lab.optim_figures: the trajectory helper against closed forms, and the figures' layout."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_scratch.lab import optim_figures
from mnist_scratch.optim import make_optimizer

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def bowl(x, y):
    return x ** 2 / 20 + y ** 2


def bowl_gradient(theta):
    return np.array([theta[0] / 10, 2 * theta[1]])


def test_sgd_on_the_bowl_follows_its_closed_form():
    P = optim_figures.trajectory(make_optimizer("sgd"), bowl_gradient, (-7.0, 2.0), 0.95, steps=30)
    t = np.arange(31)
    assert P.shape == (31, 2)
    assert np.allclose(P[:, 0], -7 * (1 - 0.095) ** t) and np.allclose(P[:, 1], 2 * (1 - 1.9) ** t)


def test_momentum_on_a_line_matches_the_recurrence_written_out():
    P = optim_figures.trajectory(make_optimizer("momentum"), lambda th: 2 * th, (1.0,), 0.05, steps=5)
    theta, v, expected = 1.0, 0.0, [1.0]
    for _ in range(5):
        v = 0.9 * v + 2 * theta
        theta -= 0.05 * v
        expected.append(theta)
    assert np.allclose(P[:, 0], expected)


def test_the_start_is_not_changed_and_the_gradient_function_may_return_a_list():
    start = np.array([1.0, 2.0])
    P = optim_figures.trajectory(make_optimizer("adam"), lambda th: [1.0, -1.0], start, 0.1, steps=1)
    assert np.array_equal(start, [1.0, 2.0]) and np.allclose(P[1], [0.9, 2.1])


def test_the_figures_have_one_panel_per_thing_they_show():
    import matplotlib.pyplot as plt

    paths = {n: optim_figures.trajectory(make_optimizer(n), bowl_gradient, (-7.0, 2.0), 0.1, steps=5)
             for n in ("sgd", "adam", "rmsprop", "adagrad")}
    fig = optim_figures.path_grid(bowl, paths, (-8, 8), (-3, 3), cols=3)
    assert sum(ax.axison for ax in fig.axes) == 4 and len(fig.axes) == 6
    fig = optim_figures.saddle_escape(lambda x, y: x ** 2 - y ** 2, paths, (-1.5, 1.5), (-1.5, 1.5))
    assert len(fig.axes) == 2 and fig.axes[1].get_yscale() == "log"
    fig = optim_figures.lr_sweep({"a": {0.1: 1.0, 0.3: 0.5, 1.0: np.nan}, "b": {0.01: 2.0, 0.03: 1.0}})
    assert fig.axes[0].get_xscale() == "log"
    acts = {"he": [np.random.default_rng(0).normal(size=(10, 4)) for _ in range(3)],
            "small": [np.zeros((10, 4)) for _ in range(3)]}
    fig = optim_figures.activation_histograms(acts, "test")
    assert len(fig.axes) == 6
    fig = optim_figures.spread_per_layer({"relu": {"he": [1, 1, 1], "small": [1, 0.1, 0.01]}, "tanh": {"he": [1, 2, 3]}})
    assert len(fig.axes) == 2
    plt.close("all")
