"""Pictures for the lessons: one function per picture, each returning its matplotlib Figure.

Images are rows of 784 pixels (see the package docstring); every function
reshapes them to 28 x 28 itself.

Every picture is meant to be read by everyone: axes are labelled, legends use
words ("dev accuracy", not ``dev_acc``), and colour is never the only signal.
Digits are drawn in grey; every other colour map is **cividis**, which was
designed to look the same to readers with the common colour-vision
deficiencies (dark blue for low or negative values, grey in the middle, yellow
for high or positive values). Lines and bars that must be told apart also
differ in marker, line style or hatching.
"""

from __future__ import annotations

import numpy as np

from .math_figures import computational_graph, plot_activation
from .render import folded_answer, pyplot  # noqa: F401  (folded_answer: for the answer-key cells)

__all__ = ["show_digit", "sample_grid", "class_distribution", "mean_digits", "pixel_histogram",
           "plot_activation", "plot_history", "compare_histories", "probability_bars", "show_prediction",
           "confusion_heatmap", "mistake_gallery", "weight_images", "computational_graph", "METRIC_NAMES",
           "COLORMAP"]

DIGITS = [str(d) for d in range(10)]

#: The colour map of every picture that is not a digit: safe for colour-blind readers.
COLORMAP = "cividis"

#: Human words for the columns of a training history.
METRIC_NAMES = {"cost": "training cost", "dev_cost": "dev cost", "train_acc": "training accuracy",
                "dev_acc": "dev accuracy", "lr": "learning rate", "seconds": "seconds of training",
                "l2_cost": "L2 penalty"}

_MARKERS = ["o-", "s--", "^-.", "D:", "v-", "P--"]


def _image(x):
    x = np.asarray(x)
    if x.size != 784:
        raise ValueError(f"an MNIST image has 784 pixels, this one has {x.size}")
    return x.reshape(28, 28)


def show_digit(x, label=None, ax=None, title=None, cmap="gray_r"):
    """Draw one image (784 pixels) with an optional label; returns the Axes."""
    if ax is None:
        _, ax = pyplot().subplots(figsize=(2.5, 2.5))
    ax.imshow(_image(x), cmap=cmap, vmin=0, vmax=None)
    ax.set_xticks([])
    ax.set_yticks([])
    if title is not None or label is not None:
        ax.set_title(title if title is not None else f"label {label}", fontsize=10)
    return ax


def sample_grid(X, y, rows: int = 5, cols: int = 5, indices=None, predicted=None, seed=0):
    """A rows x cols grid of images with their labels (and predictions, if given)."""
    plt = pyplot()
    if indices is None:
        indices = np.random.default_rng(seed).choice(len(X), rows * cols, replace=False)
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.5 * rows))   # 5 x 5 fits a slide's height
    for ax, i in zip(np.ravel(axes), indices):
        title = f"{y[i]}" if predicted is None else f"true {y[i]} / pred {predicted[i]}"
        show_digit(X[i], ax=ax, title=title)
    for ax in np.ravel(axes)[len(indices):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def class_distribution(y_train, y_test, classes=DIGITS):
    """Share of each class in the training and test sets, side by side."""
    plt = pyplot()
    k = np.arange(len(classes))
    train = np.bincount(y_train, minlength=len(classes)) / len(y_train)
    test = np.bincount(y_test, minlength=len(classes)) / len(y_test)
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.bar(k - 0.2, train, 0.4, label=f"training set ({len(y_train):,} images)")
    ax.bar(k + 0.2, test, 0.4, label=f"test set ({len(y_test):,} images)", hatch="//", edgecolor="white")
    ax.axhline(1 / len(classes), color="black", ls=":", lw=1, label="perfectly balanced")
    ax.set_xticks(k, classes)
    ax.set_xlabel("digit")
    ax.set_ylabel("share of images")
    ax.set_title("How many images of each class?")
    ax.legend(loc="lower right")
    fig.tight_layout()
    return fig


def mean_digits(X, y, classes=DIGITS, cmap=COLORMAP):
    """The average image of every class, as heatmaps (cividis: dark blue = no ink, yellow = ink)."""
    plt = pyplot()
    fig, axes = plt.subplots(2, 5, figsize=(10, 4.4))
    for k, ax in enumerate(axes.ravel()):
        im = ax.imshow(_image(X[y == k].mean(axis=0, dtype=np.float64)), cmap=cmap, vmin=0,
                       vmax=1 if X.max() <= 1 else 255)
        ax.set_title(f"average {classes[k]}")
        ax.axis("off")
    fig.colorbar(im, ax=axes, shrink=0.8, label="mean pixel value (0: never ink)")
    return fig


def pixel_histogram(X, bins: int = 50, title="Pixel intensities", log: bool = True):
    """Histogram of all pixel values (log scale: most pixels are 0).

    The counts come from ``np.histogram``, which works through the pixels in
    blocks, so even all 47 million training pixels need no extra copy of the data.
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3))
    counts, edges = np.histogram(X, bins=bins)
    ax.stairs(counts, edges, fill=True, color="tab:blue")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("pixel value")
    ax.set_ylabel("count" + (" (log scale)" if log else ""))
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _epoch_axis(ax):
    from matplotlib.ticker import MaxNLocator

    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)


def plot_history(history, title=None, fig=None):
    """Cost and accuracy per epoch, train against dev, from a :class:`~mnist_scratch.train.History`.

    Pass ``fig`` to redraw an existing figure in place (for live updates).
    """
    plt = pyplot()
    if fig is None:
        fig, _ = plt.subplots(1, 2, figsize=(10, 3.4))
    cost_ax, acc_ax = fig.axes[:2]
    cost_ax.clear()
    acc_ax.clear()
    epochs = history["epoch"]
    cost_ax.plot(epochs, history["cost"], "o-", ms=3, label="training")
    acc_ax.plot(epochs, history["train_acc"], "o-", ms=3, label="training")
    if history.records and "dev_cost" in history.records[0]:
        cost_ax.plot(epochs, history["dev_cost"], "s--", ms=3, label="dev")
        acc_ax.plot(epochs, history["dev_acc"], "s--", ms=3, label="dev")
    cost_ax.set_title("cost")
    cost_ax.set_ylabel("cost (mean loss per image)")
    acc_ax.set_title("accuracy")
    acc_ax.set_ylabel("accuracy")
    for ax in (cost_ax, acc_ax):
        _epoch_axis(ax)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def compare_histories(histories: dict, metric: str = "cost", title=None, log: bool = False, ax=None):
    """One curve per run: ``{"label": history, …}``, plotted against epoch.

    Each run gets its own marker and line style as well as its own colour.
    """
    plt = pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 3.4))
    for style, (label, history) in zip(_MARKERS * len(histories), histories.items()):
        ax.plot(history["epoch"], history[metric], style, ms=3, label=label)
    _epoch_axis(ax)
    name = METRIC_NAMES.get(metric, metric)
    ax.set_ylabel(name + (" (log scale)" if log else ""))
    if log:
        ax.set_yscale("log")
    ax.legend()
    ax.set_title(title or name)
    ax.figure.tight_layout()
    return ax.figure


def probability_bars(probs, true=None, ax=None, classes=DIGITS):
    """Bar chart of the ten class probabilities: the prediction dark blue, the true class hatched and labelled."""
    from matplotlib.patches import Patch

    if ax is None:
        _, ax = pyplot().subplots(figsize=(4, 2.6))
    probs = np.asarray(probs).ravel()
    predicted = int(np.argmax(probs))
    colors = ["#00204d" if k == predicted else "#a0a0a0" for k in range(len(probs))]  # cividis's dark blue
    bars = ax.bar(range(len(probs)), probs, color=colors, edgecolor="black", linewidth=0.5)
    legend = [Patch(facecolor="#00204d", label="prediction")]
    labels = list(classes[: len(probs)])
    if true is not None:
        bars[int(true)].set_hatch("///")
        bars[int(true)].set_edgecolor("#ffd43b")
        bars[int(true)].set_linewidth(1.5)
        labels[int(true)] = f"{labels[int(true)]}\n(true)"
        legend.append(Patch(facecolor="white", edgecolor="black", hatch="///", label="true class"))
    ax.set_xticks(range(len(probs)), labels)
    if true is not None:
        ax.get_xticklabels()[int(true)].set_fontweight("bold")
    ax.set_ylim(0, 1)
    ax.set_xlabel("class")
    ax.set_ylabel("probability")
    ax.legend(handles=legend, fontsize=7, loc="upper right", framealpha=0.8)
    return ax


def show_prediction(model, X, y, index: int, classes=DIGITS):
    """The image, its true and predicted label, and the probabilities: one test prediction."""
    plt = pyplot()
    probs = model.predict_proba(X[index])[0]
    predicted = int(probs.argmax())
    fig, (a, b) = plt.subplots(1, 2, figsize=(7, 2.8), gridspec_kw={"width_ratios": [1, 1.6]})
    show_digit(X[index], ax=a, title=f"#{index}: true {classes[y[index]]}, predicted {classes[predicted]}")
    probability_bars(probs, y[index], ax=b, classes=classes)
    b.set_title(f"{probs[predicted]:.1%} sure")
    fig.tight_layout()
    return fig


def confusion_heatmap(C, classes=DIGITS, normalise: bool = False):
    """The confusion matrix as a heatmap: rows are true classes, columns predictions."""
    plt = pyplot()
    C = np.asarray(C)
    shown = C / C.sum(axis=1, keepdims=True) if normalise else C
    fig, ax = plt.subplots(figsize=(6.2, 5.4))
    # a log-like colour scale, so that the few mistakes are visible next to the large diagonal
    levels = np.log1p(shown * (1000 if normalise else 1))
    im = ax.imshow(levels, cmap=COLORMAP)
    middle = (levels.min() + levels.max()) / 2
    for i in range(len(C)):
        for j in range(len(C)):
            text = f"{shown[i, j]:.2f}" if normalise else str(C[i, j])
            ax.text(j, i, text, ha="center", va="center", fontsize=8,
                    color="black" if levels[i, j] > middle else "white")  # dark text on the yellow end
    ax.set_xticks(range(len(C)), classes, rotation=45 if len(classes[0]) > 2 else 0)
    ax.set_yticks(range(len(C)), classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("confusion matrix")
    fig.colorbar(im, ax=ax, shrink=0.7, label="log(1 + count)")
    fig.tight_layout()
    return fig


def mistake_gallery(X, y, probs, indices, cols: int = 8, classes=DIGITS):
    """Images at ``indices`` titled with true label, predicted label and its probability."""
    plt = pyplot()
    indices = list(indices)
    rows = max(1, -(-len(indices) // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.95 * rows), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for ax, i in zip(axes.ravel(), indices):
        p = int(np.argmax(probs[i]))
        show_digit(X[i], ax=ax, title=f"true {classes[y[i]]}\npred {classes[p]} {probs[i][p]:.0%}")
    fig.tight_layout()
    return fig


def weight_images(W, count: int = 32, cols: int = 8, cmap=COLORMAP, units=None):
    """The first layer's weights, one 28 x 28 picture per hidden unit: the first ``count``, or ``units``.

    Each picture has its own symmetric colour range, so 0 is always the middle
    grey of cividis: yellow pixels push the unit up, dark blue ones push it down.
    """
    plt = pyplot()
    W = np.asarray(W)
    if W.shape[0] != 784:
        raise ValueError(f"first-layer weights have shape (784, units); got {W.shape}")
    units = list(range(min(count, W.shape[1]))) if units is None else [int(u) for u in units]
    cols = min(cols, len(units))
    rows = -(-len(units) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(max(1.3 * cols, 2.6), 1.3 * rows + 0.4), squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    for unit, ax in zip(units, axes.ravel()):
        w = W[:, unit]
        limit = np.abs(w).max()
        im = ax.imshow(_image(w), cmap=cmap, vmin=-limit, vmax=limit)
        ax.set_title(f"unit {unit}", fontsize=8)
    fig.tight_layout()
    bar = fig.colorbar(im, ax=axes, shrink=0.6, ticks=[-limit, 0, limit])
    bar.ax.set_yticklabels(["negative", "0", "positive"])
    bar.set_label("weight")
    return fig
