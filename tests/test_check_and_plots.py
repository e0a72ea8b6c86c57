"""The exercise self-checks must pass right answers and catch the classic mistakes;
every plotting helper must draw without error."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from mnist_scratch.lab import check, plots
from mnist_scratch.activations import relu, relu_prime, sigmoid, softmax
from mnist_scratch.losses import cross_entropy
from mnist_scratch.network import Model
from mnist_scratch.train import train


def test_right_answers_pass(capsys):
    assert check.relu(lambda Z: np.maximum(Z, 0))
    assert check.relu_prime(lambda Z: (Z > 0).astype(float))
    assert check.sigmoid(sigmoid)
    assert check.softmax(softmax)
    assert check.cross_entropy(cross_entropy)
    assert check.one_hot(lambda y: np.eye(10)[y])
    assert check.accuracy(lambda t, p: np.mean(t == p))
    assert capsys.readouterr().out.count("✅") == 7


@pytest.mark.parametrize("checker,wrong,hint", [
    (check.relu, np.abs, "not their absolute value"),
    (check.relu_prime, relu, "that is ReLU itself"),
    (check.sigmoid, lambda Z: 1 / (1 + np.exp(Z)), "sigmoid(-z)"),
    (check.softmax, lambda Z: np.exp(Z) / np.exp(Z).sum(axis=0, keepdims=True), "each ROW is a sample"),
    (check.softmax, lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True), "a score of 1000 overflows"),
    (check.softmax, lambda Z: np.exp(Z) / np.exp(Z).sum(), "divide each row by its own sum"),
    (check.cross_entropy, lambda Z, y: cross_entropy(Z, y) * len(y), "that is the sum over samples"),
    (check.cross_entropy, lambda Z, y: -cross_entropy(Z, y), "the sign is flipped"),
    (check.one_hot, lambda y: np.eye(10)[y].T, "one COLUMN per sample"),
    (check.accuracy, lambda t, p: np.sum(t == p), "divide by how many"),
    (check.relu, lambda Z: Z.undefined_attribute, "raised AttributeError"),
])
def test_classic_mistakes_get_a_hint(capsys, checker, wrong, hint):
    assert checker(wrong) is False
    out = capsys.readouterr().out
    assert out.startswith("❌") and hint in out


def test_every_plot_draws(mnist):
    X, y, X_test, y_test = mnist
    model = Model([784, 16, 10])
    history = train(model, X[:500], y[:500], X_dev=X_test[:200], y_dev=y_test[:200], epochs=2, progress=False)
    probs = model.predict_proba(X_test[:100])
    figures = [
        plots.show_digit(X[0], label=y[0]).figure,
        plots.sample_grid(X, y),
        plots.class_distribution(y, y_test),
        plots.mean_digits(X[:2000], y[:2000]),
        plots.pixel_histogram(X[:100]),
        plots.plot_activation("relu"),
        plots.plot_history(history),
        plots.compare_histories({"a": history, "b": history}),
        plots.show_prediction(model, X_test, y_test, 3),
        plots.confusion_heatmap(np.eye(10, dtype=int) * 5 + 1),
        plots.mistake_gallery(X_test, y_test, probs, [1, 2, 3]),
        plots.weight_images(model.params["W1"], count=10),
    ]
    assert all(isinstance(f, matplotlib.figure.Figure) for f in figures)
    # redrawing a history figure reuses it rather than making a new one
    fig = figures[6]
    assert plots.plot_history(history, fig=fig) is fig
    plt.close("all")
    with pytest.raises(ValueError, match="784 pixels"):
        plots.show_digit(np.zeros(10))
