"""Pictures for the convolutional-network lesson: one function per picture, each returning its Figure.

The same rules as :mod:`mnist_scratch.lab.plots`: digits in grey, every other
colour map cividis with 0 in its middle grey, and colour never the only
signal (the window, the maxima and the routed gradients are also outlined or
written as numbers).
"""

from __future__ import annotations

import numpy as np

from .plots import COLORMAP
from .render import pyplot

__all__ = ["sliding_window", "im2col_picture", "pooling_picture", "filters", "feature_maps"]


def _bare(ax, title=None):
    ax.set_xticks([])
    ax.set_yticks([])
    if title:
        ax.set_title(title, fontsize=10)


def _box(ax, y, x, h, w, **style):
    from matplotlib.patches import Rectangle

    ax.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, **{"edgecolor": "black", "linewidth": 2.5,
                                                                   "linestyle": "--", **style}))


def _numbers(ax, M, fmt="{:g}", bold=None):
    """Write every entry of the small matrix ``M`` in its cell (bold where ``bold`` is True)."""
    for (r, c), v in np.ndenumerate(M):
        ax.text(c, r, fmt.format(v), ha="center", va="center", fontsize=8,
                fontweight="bold" if bold is not None and bold[r, c] else "normal",
                bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.8))


def sliding_window(image, kernel, output, at=(8, 8)):
    """A convolution as a sliding dot product: the image with one window outlined, the
    filter (with its numbers), and the output map with the one number that window gives."""
    plt = pyplot()
    image, kernel, output = (np.asarray(a, dtype=float) for a in (image, kernel, output))
    kh, kw = kernel.shape
    y, x = at
    fig, (a, b, c) = plt.subplots(1, 3, figsize=(9, 3.2), gridspec_kw={"width_ratios": [1, 0.6, 1]})
    a.imshow(image, cmap="gray_r")
    _box(a, y, x, kh, kw)
    _bare(a, f"image {image.shape[0]}x{image.shape[1]}, window at ({y}, {x})")
    limit = np.abs(kernel).max()
    b.imshow(kernel, cmap=COLORMAP, vmin=-limit, vmax=limit)
    _numbers(b, kernel, "{:.1f}")
    _bare(b, f"filter {kh}x{kw}")
    limit = np.abs(output).max()
    c.imshow(output, cmap=COLORMAP, vmin=-limit, vmax=limit)
    _box(c, y, x, 1, 1, linestyle="-")
    _bare(c, f"output {output.shape[0]}x{output.shape[1]}: ({y}, {x}) = {output[y, x]:.2f}")
    fig.tight_layout()
    return fig


def im2col_picture(X, kh: int, kw: int, cols):
    """A small image with numbered pixels and its im2col matrix: one window per column."""
    plt = pyplot()
    X, cols = np.asarray(X), np.asarray(cols)
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 3.6), gridspec_kw={"width_ratios": [1, 1.3]})
    a.imshow(X, cmap=COLORMAP, vmin=X.min(), vmax=X.max() * 1.6)
    _numbers(a, X)
    _box(a, 0, 0, kh, kw)
    _box(a, 0, 1, kh, kw, linestyle=":", edgecolor="dimgray")
    _bare(a, f"image {X.shape[0]}x{X.shape[1]}: windows at (0, 0) and (0, 1)")
    b.imshow(cols, cmap=COLORMAP, vmin=X.min(), vmax=X.max() * 1.6, aspect="auto")
    _numbers(b, cols)
    _box(b, 0, 0, cols.shape[0], 1)
    _box(b, 0, 1, cols.shape[0], 1, linestyle=":", edgecolor="dimgray")
    _bare(b, f"cols {cols.shape[0]}x{cols.shape[1]}: window k is column k")
    fig.tight_layout()
    return fig


def pooling_picture(A, out, dA, dout, size: int = 2):
    """2x2 max-pooling forward (each block's maximum in bold, the pooled map) and backward
    (the upstream gradient, and where it lands: on each block's maximum, 0 elsewhere)."""
    plt = pyplot()
    A, out, dA, dout = (np.asarray(m, dtype=float) for m in (A, out, dA, dout))
    is_max = np.kron(out, np.ones((size, size))) == A
    panels = [(A, "feature map A (maxima in bold)", is_max), (out, "max-pooled", None),
              (dout, "gradient from above", None), (dA, "gradient to A: to the maxima only", dA != 0)]
    fig, axes = plt.subplots(1, 4, figsize=(11, 3), gridspec_kw={"width_ratios": [2, 1, 1, 2]})
    for ax, (M, title, bold) in zip(axes, panels):
        limit = max(np.abs(M).max(), 1e-12)
        ax.imshow(M, cmap=COLORMAP, vmin=-limit, vmax=limit)
        _numbers(ax, M, bold=bold)
        if M.shape == A.shape:
            for y in range(0, M.shape[0], size):
                for x in range(0, M.shape[1], size):
                    _box(ax, y, x, size, size, linestyle="-", linewidth=1.5)
        _bare(ax, title)
    fig.tight_layout()
    return fig


def filters(W, cols: int = 8):
    """First-layer filters ``(F, 1, k, k)``, one picture each, on a symmetric colour range (0 is grey)."""
    plt = pyplot()
    W = np.asarray(W)
    if W.ndim != 4 or W.shape[1] != 1:
        raise ValueError(f"first-layer filters have shape (filters, 1, k, k); got {W.shape}")
    F = len(W)
    cols = min(cols, F)
    rows = -(-F // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.3 * cols + 0.8, 1.35 * rows + 0.3), squeeze=False)
    limit = np.abs(W).max()
    for ax in axes.ravel():
        ax.axis("off")
    for f, ax in zip(range(F), axes.ravel()):
        im = ax.imshow(W[f, 0], cmap=COLORMAP, vmin=-limit, vmax=limit)
        ax.set_title(f"filter {f}", fontsize=8)
    bar = fig.colorbar(im, ax=axes, shrink=0.7, ticks=[-limit, 0, limit])
    bar.ax.set_yticklabels(["negative", "0", "positive"])
    bar.set_label("weight")
    return fig


def feature_maps(image, maps: dict, layers=("conv1", "pool1", "conv2", "pool2"), max_maps: int = 16):
    """One digit and what each layer makes of it: a row per layer, one picture per channel, each
    on its own scale from 0 (``maps`` as :meth:`mnist_scratch.cnn.CNN.feature_maps` returns them,
    after ReLU, for this one image)."""
    plt = pyplot()
    counts = [len(np.asarray(maps[name])[0]) for name in layers]
    shown = [np.asarray(maps[name])[0][:max_maps] for name in layers]
    cols = max(len(m) for m in shown)
    fig, axes = plt.subplots(len(layers) + 1, cols, figsize=(0.75 * cols, 1.05 * (len(layers) + 1) + 0.2),
                             squeeze=False)
    for ax in axes.ravel():
        ax.axis("off")
    axes[0, 0].imshow(np.asarray(image).reshape(28, 28), cmap="gray_r")
    axes[0, 0].set_title("the digit", fontsize=8, loc="left")
    for row, name, m, count in zip(axes[1:], layers, shown, counts):
        for c, ax in enumerate(row[:len(m)]):              # each map on its own scale: 0 to its largest value
            ax.imshow(m[c], cmap=COLORMAP, vmin=0, vmax=max(m[c].max(), 1e-12))
        which = f"{len(m)} maps" if len(m) == count else f"the first {len(m)} of {count} maps"
        row[0].set_title(f"{name}: {which} of {m.shape[1]}x{m.shape[2]}", fontsize=8, loc="left")
    fig.tight_layout()
    return fig
