"""Tracebacks that show the learner's code and none of the checks' source.

When a stub still raises ``NotImplementedError``, or a check fails, the red error a
notebook shows must point at the learner's own lines (the check call in their cell,
the ``raise`` in their stub) and never print a line of ``mnist_scratch/lab/``: a
check's source holds the expected answer.

* **IPython** (JupyterLab, classic Notebook, VS Code, an nbclient run, IPython in a
  terminal) asks an exception for ``_render_traceback_()`` before formatting it
  (``InteractiveShell.showtraceback``), and sends what it returns as the error's
  traceback. :func:`hide_checks` puts such a method on the exception: IPython's own
  formatter, fed the traceback without the lab's frames and IPython's.
* **Elsewhere** (plain Python, pytest) the traceback itself is cut: the frames of
  the lab below the check are dropped from ``__traceback__``, and the check's own
  frame carries ``__tracebackhide__``, which pytest (and IPython) honour.
"""

from __future__ import annotations

import types
from pathlib import Path

__all__ = ["hide_checks", "without_lab_frames"]

LAB_DIR = Path(__file__).resolve().parent


def _hidden(filename: str) -> bool:
    """A frame of the lab (the checks), or of IPython's machinery that runs a cell."""
    path = Path(filename)
    try:
        path = path.resolve()
    except OSError:
        return False
    if path.is_relative_to(LAB_DIR):
        return True
    return any(part in ("IPython", "ipykernel") for part in path.parts[-4:-1])


def without_lab_frames(tb):
    """A new traceback chain with the frames of the lab (and of IPython) left out."""
    kept = []
    while tb is not None:
        if not _hidden(tb.tb_frame.f_code.co_filename):
            kept.append(tb)
        tb = tb.tb_next
    chain = None
    for entry in reversed(kept):
        chain = types.TracebackType(chain, entry.tb_frame, entry.tb_lasti, entry.tb_lineno)
    return chain


def _render(err) -> list[str]:
    from IPython import get_ipython

    shell = get_ipython()
    tb = without_lab_frames(err.__traceback__)
    if shell is None:                                          # pragma: no cover - IPython calls this only with a shell
        import traceback

        return traceback.format_exception(type(err), err, tb)
    return shell.InteractiveTB.structured_traceback(type(err), err, tb, tb_offset=0)


def hide_checks(err: BaseException) -> BaseException:
    """``err``, with its lab frames cut now and at display time (see the module's docstring)."""
    err.__traceback__ = without_lab_frames(err.__traceback__)
    err._render_traceback_ = lambda: _render(err)
    return err
