"""mnist_scratch.lab.plots: every plotting helper draws, with labelled axes and words in its legends."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from mnist_scratch.lab import plots  # noqa: E402
from mnist_scratch.model import Model  # noqa: E402
from mnist_scratch.train import train  # noqa: E402


def _unlabelled(fig):
    """Plot axes (not images, not colour bars, not switched off) that lack an axis label."""
    missing = []
    for ax in fig.axes:
        if not ax.axison or ax.images or ax.get_label() == "<colorbar>":
            continue
        if not ax.get_xlabel() or not ax.get_ylabel():
            missing.append(ax.get_title() or repr(ax))
    return missing


def test_every_plot_draws_with_labelled_axes_and_words_in_its_legends(mnist):
    X, y, X_test, y_test = mnist
    model = Model([784, 16, 10])
    history = train(model, X[:500], y[:500], X_dev=X_test[:200], y_dev=y_test[:200], epochs=2, progress=False)
    probs = model.predict_proba(X_test[:100])
    figures = {
        "show_digit": plots.show_digit(X[0], label=y[0]).figure,
        "sample_grid": plots.sample_grid(X, y),
        "class_distribution": plots.class_distribution(y, y_test),
        "mean_digits": plots.mean_digits(X[:2000], y[:2000]),
        "pixel_histogram": plots.pixel_histogram(X[:100]),
        "plot_activation": plots.plot_activation("relu"),
        "plot_history": plots.plot_history(history),
        "compare_histories": plots.compare_histories({"a": history, "b": history}, "dev_acc"),
        "show_prediction": plots.show_prediction(model, X_test, y_test, 3),
        "probability_bars": plots.probability_bars(probs[0], true=1).figure,
        "confusion_heatmap": plots.confusion_heatmap(np.eye(10, dtype=int) * 5 + 1),
        "mistake_gallery": plots.mistake_gallery(X_test, y_test, probs, [1, 2, 3]),
        "weight_images": plots.weight_images(model.params["W1"], count=10),
        "computational_graph": plots.computational_graph(),
    }
    assert set(figures) == set(plots.__all__) - {"METRIC_NAMES", "COLORMAP"}
    for name, fig in figures.items():
        assert isinstance(fig, matplotlib.figure.Figure), name
        assert _unlabelled(fig) == [], f"{name} has axes without labels"
        for ax in fig.axes:
            legend = ax.get_legend()
            words = [t.get_text() for t in legend.get_texts()] if legend else []
            assert not any("_" in w for w in words), f"{name}'s legend shows raw keys: {words}"
            assert ax.get_ylabel() not in plots.METRIC_NAMES, f"{name} labels an axis with a raw key"
            for image in ax.images:   # digits in grey, everything else in the colour-blind-safe map
                assert image.get_cmap().name in ("gray_r", plots.COLORMAP), (name, image.get_cmap().name)
    # redrawing a history figure reuses it rather than making a new one
    fig = figures["plot_history"]
    assert plots.plot_history(history, fig=fig) is fig
    plt.close("all")
    with pytest.raises(ValueError, match="784 pixels"):
        plots.show_digit(np.zeros(10))
