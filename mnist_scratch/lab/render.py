"""Matplotlib for the classroom tools: pyplot when a figure is drawn, and a figure drawn into a widget.

Every figure helper reaches ``matplotlib.pyplot`` through :func:`pyplot`, which
imports it on first use: importing ``mnist_scratch`` or its classroom tools does
not import matplotlib.

A widget shows a figure as PNG bytes inside one ``ipywidgets.Image``, redrawn
in place: no flicker, no pile of figures, and nothing beyond ipywidgets needed
in the browser. That is the one way every classroom tool redraws.
"""

from __future__ import annotations

import io

__all__ = ["pyplot", "figure_png", "new_figure"]


def pyplot():
    """``matplotlib.pyplot``, imported on first use."""
    import matplotlib.pyplot as plt

    return plt


def figure_png(fig, dpi: int = 80) -> bytes:
    """Render a matplotlib Figure to PNG bytes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def new_figure(width=9.5, height=3.2, ncols=2):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    fig.subplots(1, ncols)
    return fig
