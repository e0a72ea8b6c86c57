"""Lesson 9's pictures: batch norm's computational graph, what it does to a layer's columns, train
mode against inference mode, and the range of learning rates that train with and without it.

Same conventions as :mod:`mnist_scratch.lab.plots`: every function returns its Figure, axes are
labelled in words, colours are cividis-safe and never the only signal (markers and line styles differ).
"""

from __future__ import annotations

import numpy as np

from .math_figures import GraphSheet
from .render import pyplot

__all__ = ["batchnorm_graph", "column_histograms", "mode_bars", "lr_range"]

_DARK = "#00204d"      # cividis's dark blue
_LIGHT = "#c8b866"     # cividis's yellow-olive


def batchnorm_graph():
    """Batch norm for one batch as a computational graph: forward (solid) to J, backward (dashed) to dZ.

    Every node is (n, d) or, after a sum over the rows, (d,); the backward
    nodes are the lesson's derivation, one chain-rule step each.
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(11, 4.6))
    ax.set_xlim(-0.8, 11.0)
    ax.set_ylim(-3.3, 2.0)
    ax.axis("off")
    sheet = GraphSheet(ax, fontsize=9, pad=0.35, lw=1.2)
    node, arrow = sheet.node, sheet.arrow
    parameter, gradient = GraphSheet.PARAMETER, GraphSheet.GRADIENT
    node("Z", 0, 0, "Z\n(n, d)")
    node("mu", 1.4, 1.4, "μ = mean(Z)\n(d,)")
    node("Zc", 2.6, 0, "Z − μ\n(n, d)")
    node("var", 3.9, 1.4, "σ² = mean((Z − μ)²)\n(d,)")
    node("s", 5.6, 1.4, "s = √(σ² + ε)\n(d,)")
    node("Zh", 5.6, 0, "Ẑ = (Z − μ) / s\n(n, d)")
    node("gb", 7.3, 1.4, "γ, β\n(d,)", **parameter)
    node("Y", 7.9, 0, "Y = γ Ẑ + β\n(n, d)")
    node("J", 10.0, 0, "J\n(one number)")
    for a, b in [("Z", "mu"), ("Z", "Zc"), ("mu", "Zc"), ("Zc", "var"), ("var", "s"), ("Zc", "Zh"), ("s", "Zh"),
                 ("Zh", "Y"), ("gb", "Y"), ("Y", "J")]:
        arrow(a, b)
    node("dY", 10.0, -1.4, "dY = ∂J/∂Y\n(from the layer above)", **gradient)
    node("dgb", 10.0, -2.8, "dβ = Σ dY,  dγ = Σ dY ⊙ Ẑ\n(d,)", **gradient)
    node("dZh", 7.6, -1.4, "dẐ = γ dY\n(n, d)", **gradient)
    node("ds", 7.6, -2.8, "ds = −Σ dẐ ⊙ Ẑ / s\n(d,)", **gradient)
    node("dvar", 5.2, -2.8, "dσ² = ds / (2s)\n(d,)", **gradient)
    node("dZc", 4.2, -1.4, "d(Z − μ) = dẐ / s + (2/n)(Z − μ) dσ²\n(n, d)", **gradient)
    node("dmu", 1.9, -2.8, "dμ = −Σ d(Z − μ)\n(d,)", **gradient)
    node("dZ", 0, -1.4, "dZ = d(Z − μ) + dμ / n\n(n, d)", **gradient)
    for a, b in [("J", "dY"), ("dY", "dgb"), ("dY", "dZh"), ("dZh", "ds"), ("ds", "dvar"), ("dZh", "dZc"),
                 ("dvar", "dZc"), ("dZc", "dmu"), ("dZc", "dZ"), ("dmu", "dZ")]:
        arrow(a, b, backward=True)
    ax.set_title("Batch norm's computational graph (Σ and mean run over the n rows of the batch): "
                 "forward (solid) and backward (dashed)", fontsize=10)
    fig.tight_layout()
    return fig


def column_histograms(Z, out, columns=(0, 1, 2)):
    """Histograms of a few columns of a layer's weighted input ``Z``, before and after batch norm."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(11, 3))
    styles = [dict(color=_DARK, histtype="stepfilled", alpha=0.45), dict(color="black", histtype="step", lw=1.5,
              ls="--"), dict(color=_LIGHT, histtype="step", lw=2.0)]
    for ax, data, title in ((axes[0], Z, "before: Z, as the layer computes it"),
                            (axes[1], out, "after batch norm (γ = 1, β = 0)")):
        for c, style in zip(columns, styles):
            ax.hist(np.asarray(data)[:, c], bins=30, label=f"unit {c}", **style)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("value over the batch")
        ax.set_ylabel("rows of the batch")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def mode_bars(probabilities: dict, title: str = ""):
    """Side-by-side bars: one image's class probabilities under several conditions (``{label: (10,)}``)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 3))
    k, width = len(probabilities), 0.8 / len(probabilities)
    hatches = ["", "//", "..", "xx"]
    colors = [_DARK, _LIGHT, "lightgray", "white"]
    for i, (label, p) in enumerate(probabilities.items()):
        ax.bar(np.arange(10) + (i - (k - 1) / 2) * width, p, width, label=label, color=colors[i % 4],
               hatch=hatches[i % 4], edgecolor="black", lw=0.6)
    ax.set_xticks(range(10))
    ax.set_xlabel("class")
    ax.set_ylabel("predicted probability")
    ax.set_ylim(0, 1)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def lr_range(results: dict, threshold: float | None = None, title: str = ""):
    """Dev accuracy against the learning rate (log scale) for several settings.

    ``results`` is ``{name: {lr: dev accuracy, or None when training diverged}}``;
    a diverged run is drawn as an ✕ on the bottom line. ``threshold`` draws a
    dotted line: the accuracy that counts as "trains".
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(7, 3.4))
    styles = [dict(color=_DARK, marker="o", ls="-"), dict(color="#7c7b78", marker="s", ls="--"),
              dict(color=_LIGHT, marker="^", ls="-.")]
    for (name, by_lr), style in zip(results.items(), styles):
        lrs = sorted(by_lr)
        acc = [np.nan if by_lr[lr] is None else by_lr[lr] for lr in lrs]
        ax.plot(lrs, acc, label=name, **style)
        failed = [lr for lr in lrs if by_lr[lr] is None]
        if failed:
            ax.plot(failed, [0.02] * len(failed), ls="none", marker="x", ms=9, mew=2, color=style["color"],
                    label=f"{name}: diverged")
    if threshold is not None:
        ax.axhline(threshold, color="gray", ls=":", lw=1.2, label=f"{threshold:.0%}: counts as training")
    ax.set_xscale("log")
    ax.set_ylim(0, 1)
    ax.set_xlabel("learning rate (plain SGD, log scale)")
    ax.set_ylabel("dev accuracy")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    return fig
