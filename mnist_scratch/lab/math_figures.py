"""The lessons' pictures of the math itself: an activation beside its slope, and the
computational graph of the toy network (lesson 2). Re-exported by :mod:`mnist_scratch.lab.plots`."""

from __future__ import annotations

import numpy as np

from ..activations import get_activation
from .render import pyplot

__all__ = ["plot_activation", "computational_graph"]


def plot_activation(name: str, z=None):
    """An activation function and its derivative, side by side."""

    plt = pyplot()
    act = get_activation(name)
    g, g_prime = act.g, act.g_prime
    z = np.linspace(-5, 5, 401) if z is None else z
    fig, (a, b) = plt.subplots(1, 2, figsize=(8, 2.8), sharex=True)
    a.plot(z, g(z), color="tab:blue")
    a.set_title(f"{name}(z)")
    a.set_ylabel(f"{name}(z)")
    b.plot(z, g_prime(z), color="tab:orange", ls="--")
    b.set_title(f"its slope, {name}'(z)")
    b.set_ylabel(f"{name}'(z)")
    for ax in (a, b):
        ax.axhline(0, color="gray", lw=0.5)
        ax.axvline(0, color="gray", lw=0.5)
        ax.set_xlabel("z")
    fig.tight_layout()
    return fig


class GraphSheet:
    """A computational graph drawn on ``ax``: boxed nodes, solid forward and dashed backward arrows.

    ``node(name, x, y, label, **style)`` places a box (``GraphSheet.PARAMETER`` or
    ``GraphSheet.GRADIENT`` as its style for parameters and gradients);
    ``arrow(a, b, backward=False, label="")`` joins two placed nodes.
    """

    DARK = "#00204d"                                   # cividis's dark blue
    PARAMETER = dict(fc="#ffe9a8")
    GRADIENT = dict(ec=DARK, ls="--")

    def __init__(self, ax, *, fontsize: float, pad: float, lw: float):
        self.ax, self.fontsize, self.lw = ax, fontsize, lw
        self.box = dict(boxstyle=f"round,pad={pad}", fc="white", ec="black")
        self.nodes = {}

    def node(self, name, x, y, label, **style):
        self.nodes[name] = self.ax.text(x, y, label, ha="center", va="center", fontsize=self.fontsize,
                                        bbox={**self.box, **style})

    def arrow(self, a, b, backward=False, label=""):
        na, nb = self.nodes[a], self.nodes[b]
        self.ax.annotate("", xy=(0.5, 0.5), xytext=(0.5, 0.5), xycoords=nb, textcoords=na,
                         arrowprops=dict(arrowstyle="-|>", lw=self.lw, color=self.DARK if backward else "black",
                                         ls="--" if backward else "-", shrinkA=0, shrinkB=0,
                                         patchA=na.get_bbox_patch(), patchB=nb.get_bbox_patch()))
        if label:
            (x0, y0), (x1, y1) = na.get_position(), nb.get_position()
            self.ax.text((x0 + x1) / 2, (y0 + y1) / 2 + 0.22, label, ha="center", fontsize=8.5)


def computational_graph():
    """The toy network of lesson 2 as a computational graph.

    Top row, solid arrows: the forward pass from X to the cost J. Bottom rows,
    dashed arrows: the backward pass, each gradient node with its equation and
    its shape (every gradient has the shape of the thing it is the gradient of).
    """
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(11, 5))
    ax.set_xlim(-0.7, 10.8)
    ax.set_ylim(-3.4, 2.1)
    ax.axis("off")
    sheet = GraphSheet(ax, fontsize=9.5, pad=0.4, lw=1.3)
    node, arrow = sheet.node, sheet.arrow
    parameter, gradient = GraphSheet.PARAMETER, GraphSheet.GRADIENT
    node("X", 0, 0, "X\n(n, 3)")
    node("W1", 1.6, 1.5, "W¹ (3, 2)\nb¹ (2,)", **parameter)
    node("Z1", 2.6, 0, "Z¹ = X W¹ + b¹\n(n, 2)")
    node("A1", 4.6, 0, "A¹ = ReLU(Z¹)\n(n, 2)")
    node("W2", 5.6, 1.5, "W² (2, 2)\nb² (2,)", **parameter)
    node("Z2", 6.6, 0, "Z² = A¹ W² + b²\n(n, 2)")
    node("A2", 8.4, 0, "A² = softmax(Z²)\n(n, 2)")
    node("Y", 8.4, 1.5, "Y, one-hot\n(n, 2)")
    node("J", 10.1, 0, "J, the cost\n(one number)")
    for a, b in [("X", "Z1"), ("W1", "Z1"), ("Z1", "A1"), ("A1", "Z2"), ("W2", "Z2"), ("Z2", "A2"),
                 ("A2", "J"), ("Y", "J")]:
        arrow(a, b)
    node("dZ2", 6.6, -1.5, "δ² = dZ² = (A² − Y) / n\n(n, 2)", **gradient)
    node("dA1", 4.1, -1.5, "dA¹ = dZ² W²ᵀ\n(n, 2)", **gradient)
    node("dZ1", 1.6, -1.5, "δ¹ = dZ¹ = dA¹ ⊙ ReLU′(Z¹)\n(n, 2)", **gradient)
    node("dW2", 6.6, -2.9, "dW² = A¹ᵀ dZ²  (2, 2)\ndb² = Σ_rows dZ²  (2,)", **gradient)
    node("dW1", 1.6, -2.9, "dW¹ = Xᵀ dZ¹  (3, 2)\ndb¹ = Σ_rows dZ¹  (2,)", **gradient)
    for a, b in [("J", "dZ2"), ("dZ2", "dA1"), ("dA1", "dZ1"), ("dZ2", "dW2"), ("dZ1", "dW1")]:
        arrow(a, b, backward=True)
    ax.set_title("The toy network's computational graph: the forward pass (solid arrows) computes J; "
                 "the backward pass (dashed) carries ∂J/∂(each node) back", fontsize=10)
    fig.tight_layout()
    return fig
