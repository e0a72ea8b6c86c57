"""Keeping a part of the learner's network when its self-check passes.

``check.softmax(softmax)`` ends, when it passes, with :func:`passed`. If
``softmax`` is one of :data:`.parts.PARTS`, its source (with the helpers and
constants it needs: :mod:`._capture`) is kept

* in this session's memory, for the rest of the notebook (even where no work
  folder can be written, and in graded mode), and
* in the learner's work folder (:mod:`.work_folder`) as ``softmax.py``, for the
  lessons that come later, after a restart;

and one line under the check's ✅ says where it went. Nothing here raises:
a part that cannot be saved is kept in memory and the line says why.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from ._capture import CannotSave, capture
from .parts import PARTS
from .work_folder import graded_lesson, locate, write

__all__ = ["Kept", "passed", "kept", "keep", "forget"]


@dataclass(frozen=True)
class Kept:
    """A part that passed its check in this session: its source, or the function when that cannot be saved."""

    source: str | None
    function: object
    links: tuple = ()


_session: dict = {}


def kept(name: str) -> Kept | None:
    """The part ``name`` as this session kept it, or None."""
    return _session.get(name)


def forget() -> None:
    """Forget every part kept in this session (the files stay)."""
    _session.clear()


def header(name: str, links) -> str:
    part = PARTS[name]
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [f"# Your {name} ({part.where}), saved when check.{name} passed on {when}.",
             "# Later lessons load this file and check it again. Edit it if you like; delete it to use",
             f"# the package's {name} instead."]
    if links:
        lines.append(f"# It uses these parts of your network: {', '.join(links)}.")
    return "\n".join(lines) + "\n\n"


def keep(name: str, fn) -> Kept:
    """Keep ``fn`` as part ``name`` for this session, without checking it or writing a file.

    For tests that plant a bug past the checks, to show that a lesson's own gradient
    check or accuracy catches it; a learner's parts come through :func:`passed`.
    """
    try:
        source, links = capture(name, fn, PARTS)
    except CannotSave:
        source, links = None, ()
    _session[name] = Kept(source, fn, tuple(links))
    return _session[name]


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def passed(name: str, fn) -> None:
    """``fn`` passed ``check.<name>``: keep it as the learner's part (if it is one) and say where."""
    if name not in PARTS:
        return
    try:
        source, links = capture(name, fn, PARTS)
    except CannotSave as why:
        _session[name] = Kept(None, fn)
        print(f"   Kept for this notebook only, not saved for later lessons: {why}.")
        return
    _session[name] = Kept(source, fn, tuple(links))
    if graded_lesson() is not None:
        return
    place = locate()
    if place.folder is None:
        print(f"   Kept for this session only: {place.why}")
        return
    try:
        path = write(place.folder, name, header(name, links) + source)
    except OSError as err:
        print(f"   Kept for this session only: {place.folder} cannot be written ({err.strerror or err}).")
        return
    print(f"   Saved as {_shown(path)}: the next lessons use your {name}.")
