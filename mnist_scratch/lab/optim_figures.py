"""Lesson 8's pictures: optimizers' paths on a function of two variables, the learning-rate
sweep, and activations layer by layer.

Each function draws one figure from numbers the lesson computed; none of them trains or steps
an optimizer itself.
"""

from __future__ import annotations

import numpy as np

from .render import pyplot

__all__ = ["trajectory", "path_grid", "saddle_escape", "lr_sweep", "activation_histograms", "spread_per_layer"]

_STYLES = ["o-", "s--", "^-.", "v:", "D-", "x--"]


def trajectory(optimizer, grad, start, lr: float, steps: int) -> np.ndarray:
    """The points an optimizer visits: ``steps`` calls of ``optimizer.step(theta, grad(theta), lr)``
    from ``start``, as an array of shape ``(steps + 1, len(start))`` (the start included)."""
    theta = np.array(start, dtype=float)
    points = [theta.copy()]
    for _ in range(steps):
        optimizer.step(theta, np.array(grad(theta), dtype=float), lr)
        points.append(theta.copy())
    return np.array(points)


def _contours(ax, f, xlim, ylim, levels):
    x, y = np.meshgrid(np.linspace(*xlim, 200), np.linspace(*ylim, 200))
    ax.contour(x, y, f(x, y), levels=levels, colors="gray", linewidths=0.6)
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("x")
    ax.set_ylabel("y")


def path_grid(f, paths: dict, xlim, ylim, levels=20, minimum=(0, 0), cols: int = 3):
    """One panel per optimizer: the contours of ``f(x, y)`` and the path ``{"label": points}``, the
    minimum marked with a cross."""
    plt = pyplot()
    rows = -(-len(paths) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.8 * rows), squeeze=False)
    for ax, (label, points) in zip(axes.flat, paths.items()):
        _contours(ax, f, xlim, ylim, levels)
        ax.plot(points[:, 0], points[:, 1], "o-", color="#00204d", ms=3, lw=1)
        ax.plot(*minimum, "+", color="tab:red", ms=12, mew=2)
        ax.set_title(label, fontsize=10)
    for ax in axes.flat[len(paths):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def saddle_escape(f, paths: dict, xlim, ylim, levels=15, escaped: float = 1.0):
    """Left: the paths on the contours of ``f``. Right: how far each path is from the ridge y = 0,
    ``|y|`` on a log scale, step by step, with a dashed line where it counts as escaped."""
    plt = pyplot()
    fig, (a, b) = plt.subplots(1, 2, figsize=(12, 4))
    _contours(a, f, xlim, ylim, levels)
    for style, (label, points) in zip(_STYLES, paths.items()):
        inside = np.all(np.abs(points) <= np.abs([xlim[1], ylim[1]]) * 1.2, axis=1)
        a.plot(points[inside, 0], points[inside, 1], style, ms=3, lw=1, label=label)
        b.semilogy(np.abs(points[:, 1]), style, ms=3, lw=1, label=label)
    a.set_title("paths on the saddle")
    b.axhline(escaped, color="black", ls="--", lw=1)
    b.set_xlabel("step")
    b.set_ylabel("|y|, distance from the ridge (log scale)")
    b.set_title("leaving the saddle")
    b.legend(fontsize=8)
    fig.tight_layout()
    return fig


def lr_sweep(results: dict, metric_name: str = "dev cost", log: bool = True):
    """``{optimizer: {lr: value}}`` as one line per optimizer against the learning rate (log scale),
    each optimizer's best (lowest) value circled."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for style, (name, by_lr) in zip(_STYLES, results.items()):
        lrs, values = zip(*sorted(by_lr.items()))
        line, = ax.plot(lrs, values, style, ms=4, label=name)
        best = int(np.nanargmin(values))
        ax.plot(lrs[best], values[best], "o", ms=12, mfc="none", color=line.get_color())
    ax.set_xscale("log")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel(metric_name + (" (log scale)" if log else ""))
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    return fig


def activation_histograms(activations: dict, title: str, bins: int = 30, value_range=None):
    """One row per initialisation, one column per layer: ``{"init": [A1, A2, …]}``.

    Every panel of a row shares the row's range (``value_range`` if given, else the range of the
    row's values), so that a shrinking spread shows as a narrowing histogram."""
    plt = pyplot()
    rows, cols = len(activations), max(len(a) for a in activations.values())
    fig, axes = plt.subplots(rows, cols, figsize=(2.2 * cols, 1.9 * rows), squeeze=False)
    for r, (init, layers) in enumerate(activations.items()):
        lo, hi = value_range or (min(float(a.min()) for a in layers), max(float(a.max()) for a in layers))
        for c, A in enumerate(layers):
            ax = axes[r, c]
            ax.hist(np.ravel(A), bins=bins, range=(lo, hi) if hi > lo else None, color="#00204d")
            ax.set_yticks([])
            ax.tick_params(labelsize=7)
            if r == 0:
                ax.set_title(f"layer {c + 1}", fontsize=9)
            if c == 0:
                ax.set_ylabel(init, fontsize=9)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def spread_per_layer(stds: dict):
    """``{activation: {init: [std of layer 1, 2, …]}}``: one panel per activation, the standard
    deviation of each layer's activations on a log scale, one line per initialisation."""
    plt = pyplot()
    fig, axes = plt.subplots(1, len(stds), figsize=(4 * len(stds), 3.2), sharey=True, squeeze=False)
    for ax, (activation, by_init) in zip(axes[0], stds.items()):
        for style, (init, values) in zip(_STYLES, by_init.items()):
            ax.semilogy(range(1, len(values) + 1), values, style, ms=4, label=init)
        ax.set_title(activation)
        ax.set_xlabel("layer")
        ax.set_xticks(range(1, len(values) + 1))
    axes[0, 0].set_ylabel("std of the activations (log scale)")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    return fig
