"""Drawing a matplotlib figure into a widget: the one way every classroom tool redraws.

A widget shows a figure as PNG bytes inside one ``ipywidgets.Image``, redrawn
in place: no flicker, no pile of figures, and nothing beyond ipywidgets needed
in the browser.
"""

from __future__ import annotations

import io

__all__ = ["figure_png", "new_figure"]


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
