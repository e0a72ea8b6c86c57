"""The learner's work folder: where the parts of their own network are kept between lessons.

One file per part, ``<part>.py``, written when the part's self-check passes
(:mod:`.saving`) and read by the next lesson (:mod:`.my_network`). The folder is,
in this order:

1. ``$MNIST_SCRATCH_WORK_DIR``, if set (a course server, a test's temporary folder);
2. on **Colab**, ``MyDrive/mnist_scratch/my_network`` in the learner's Google Drive
   when it is mounted at ``/content/drive`` (each Colab notebook runs on a machine of
   its own, so nothing else survives from one lesson to the next); without Drive,
   none: the parts live as long as the session, and the lessons say so;
3. otherwise ``my_network/`` **beside the lessons** (Jupyter starts a notebook's
   kernel in the notebook's folder), which ``.gitignore`` leaves out of the repository.

**Graded mode** (:func:`set_graded`, which an nbgrader edition's setup cell calls)
has no folder at all: nothing is read from it or written to it, so a grade counts
only the functions written in the graded notebook.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ENV_VAR", "FOLDER_NAME", "Place", "locate", "read", "write", "set_graded", "graded_lesson"]

ENV_VAR = "MNIST_SCRATCH_WORK_DIR"
FOLDER_NAME = "my_network"
DRIVE = Path("/content/drive/MyDrive")
NO_DRIVE = ("on Colab, your parts are kept only in your Google Drive, and it is not mounted: run "
            "`from google.colab import drive; drive.mount('/content/drive')`, then run your exercises' checks "
            "again. Until then, later lessons use the package's parts.")

README = """\
# Your own network

Each file here is a function you wrote in the mnist_scratch lessons, saved when its
self-check passed: `softmax.py` holds your `softmax`, `forward.py` your `forward`.
Later lessons build your network from these files, so a part you wrote in lesson 2
is still yours in lesson 4, after a restart.

You may read and edit them. A lesson that loads a file checks it again: a file that
no longer works (a syntax error, a wrong answer) is named in one sentence, and the
package's version of that part is used instead. Delete a file to go back to the
package's version; solve the exercise again to save a new one.
"""

_graded: list = [None]          # the lesson being graded, or None


@dataclass(frozen=True)
class Place:
    """Where the parts are kept: ``folder`` (None when nowhere) and why, in words."""

    folder: Path | None
    why: str


def set_graded(lesson: int | None) -> None:
    """Graded mode for ``lesson`` (None switches it off): no work folder is read or written."""
    if lesson is not None and (isinstance(lesson, bool) or not isinstance(lesson, int) or lesson < 1):
        raise ValueError(f"lesson must be a lesson's number (1, 2, ...), not {lesson!r}")
    _graded[0] = lesson


def graded_lesson() -> int | None:
    """The lesson being graded, or None."""
    return _graded[0]


def locate() -> Place:
    """Where the learner's parts are kept now (see the module's docstring)."""
    if _graded[0] is not None:
        return Place(None, f"graded mode (lesson {_graded[0]}): nothing is read from or written to your work folder")
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Place(Path(env).expanduser(), f"${ENV_VAR}")
    if "google.colab" in sys.modules:
        if DRIVE.is_dir():
            return Place(DRIVE / "mnist_scratch" / FOLDER_NAME, "your Google Drive")
        return Place(None, NO_DRIVE)
    return Place(Path.cwd() / FOLDER_NAME, "beside the lessons")


def path_of(folder: Path, name: str) -> Path:
    return Path(folder) / f"{name}.py"


def read(folder: Path | None, name: str) -> str | None:
    """The saved text of part ``name``, or None if there is none (or it cannot be read)."""
    if folder is None:
        return None
    try:
        return path_of(folder, name).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def write(folder: Path, name: str, text: str) -> Path:
    """Write part ``name`` atomically (a reader never sees half a file); the folder and its README
    are created when missing. Raises ``OSError`` when the folder cannot be written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "README.md").exists():
        _write_atomic(folder / "README.md", README)
    path = path_of(folder, name)
    _write_atomic(path, text)
    return path


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
