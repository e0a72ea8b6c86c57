"""Matplotlib for the classroom tools: pyplot when a figure is drawn, and a figure drawn into a widget.

Every figure helper reaches ``matplotlib.pyplot`` through :func:`pyplot`, which
imports it on first use: importing ``mnist_scratch`` or its classroom tools does
not import matplotlib.

A widget shows a figure as PNG bytes inside one ``ipywidgets.Image``, redrawn
in place: no flicker, no pile of figures, and nothing beyond ipywidgets needed
in the browser. That is the one way every classroom tool redraws.

An end-of-lesson answer key shows nothing until the learner asks: :func:`folded_answer`
gathers what its cell prints and draws into one folded ``<details>`` block (the
figures as PNGs with their alt text, closed so the inline backend does not show
them too). Run All runs it like any cell, and gives no answer away.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io

__all__ = ["pyplot", "figure_png", "new_figure", "folded_answer"]


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


@contextlib.contextmanager
def folded_answer(*alts: str, dpi: int = 80):
    """Show what the ``with`` block prints and draws only inside a folded ``<details>`` block.

    ``alts`` gives one alt text per figure the block draws, in order; a block that draws
    a different number of figures is refused. If the block raises, its figures are closed,
    its printed text goes to the real output, and the error goes on.
    """
    if any(not isinstance(alt, str) or not alt.strip() for alt in alts):
        raise ValueError(f"folded_answer: every alt text must be a non-empty string, got {alts!r}")
    plt = pyplot()
    before, printed = set(plt.get_fignums()), io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            yield
    except BaseException:
        print(printed.getvalue(), end="")
        raise
    finally:
        figures = [plt.figure(n) for n in plt.get_fignums() if n not in before]
        pngs = [figure_png(fig, dpi=dpi) for fig in figures]
        for fig in figures:
            plt.close(fig)
    if len(pngs) != len(alts):
        raise ValueError(f"folded_answer: the block drew {len(pngs)} figure(s) but was given "
                         f"{len(alts)} alt text(s); give one alt text per figure")
    _display_folded(printed.getvalue(), list(zip(pngs, alts)))


def _display_folded(text: str, images: list) -> None:
    from IPython.display import HTML, display

    parts = [f"<pre>{html.escape(text)}</pre>"] if text.strip() else []
    parts += [f'<p><img src="data:image/png;base64,{base64.b64encode(png).decode()}" alt="{html.escape(alt)}"></p>'
              for png, alt in images]
    summary = "Show the answer's figure" if images else "Show the answer's output"
    if not parts:
        return
    display(HTML(f"<details><summary>{summary}</summary>{''.join(parts)}</details>"))
