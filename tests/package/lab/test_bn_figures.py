"""mnist_scratch.lab.bn_figures: lesson 9's figures draw, with labelled axes."""

from __future__ import annotations

import numpy as np


def test_lesson_figures_draw_with_labelled_axes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mnist_scratch.lab import bn_figures

    Z = np.random.default_rng(0).normal(size=(64, 4))
    figures = [bn_figures.column_histograms(Z, (Z - Z.mean(0)) / Z.std(0)),
               bn_figures.mode_bars({"a": np.full(10, 0.1), "b": np.eye(10)[3]}),
               bn_figures.lr_range({"x": {0.1: 0.9, 1: None}, "y": {0.1: 0.8, 1: 0.7}}, threshold=0.75)]
    for fig in figures:
        for ax in fig.axes:
            assert ax.get_xlabel() and ax.get_ylabel()
    graph = bn_figures.batchnorm_graph()
    texts = " ".join(t.get_text() for t in graph.axes[0].texts)
    assert "dZ = d(Z − μ) + dμ / n" in texts and "dẐ = γ dY" in texts
    plt.close("all")
