"""Opening a data file for reading, as a shared folder has them: one plain sentence for
whatever stands in the way.

* Only regular files are read. A named pipe (FIFO), a device or a socket is refused by
  name *before* anything is read from it: a FIFO with no writer would otherwise make
  ``open`` wait forever, and ``/dev/zero`` would never end. The file is looked at
  (``stat``), opened without blocking (``O_NONBLOCK``) and looked at again (``fstat``),
  so nothing swapped in between can make it wait.
* A file or folder you may not read says who owns it and its mode, and which folder
  on the way is closed to you, instead of a bare ``PermissionError``.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import DataFileError, DataNotFoundError
from .owners import about, current_user

__all__ = ["open_for_reading", "unreadable", "unreadable_folder", "closed_folder"]

_NOT_REGULAR = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def closed_folder(path) -> Path | None:
    """The first folder on the way to ``path`` (``path`` itself included, if a folder) that
    this process may not enter, or None."""
    path = Path(os.path.abspath(path))
    folders = [*reversed(path.parents)] + ([path] if os.path.isdir(path) else [])
    return next((folder for folder in folders if not os.access(folder, os.X_OK)), None)


def unreadable(path) -> str:
    """The sentence for a permission error met while reading ``path``."""
    folder = closed_folder(path)
    if folder is not None:
        return (f"{path}: cannot be read: the folder {folder} is closed to {current_user()}{about(folder)}; "
                f"ask its owner to open it (chmod a+rx {folder}), or use a copy kept elsewhere")
    return (f"{path}: cannot be read: permission denied to {current_user()}{about(path)}; "
            f"ask its owner to make it readable (chmod a+r {path}), or use a copy kept elsewhere")


def unreadable_folder(folder, what: str = "the folder") -> str:
    """The sentence for a folder this process may not enter (``what``: "the data folder")."""
    folder = Path(folder)
    blocking = closed_folder(folder) or folder
    it = "it" if os.path.abspath(blocking) == os.path.abspath(folder) else f"the folder {blocking} on the way"
    return (f"{folder}: {what} cannot be read: {it} is closed to {current_user()}{about(blocking)}; "
            f"ask its owner to open it (chmod a+rx {blocking})")


def _refuse_unless_regular(mode: int, path: Path, kind: str, error) -> None:
    if stat.S_ISREG(mode):
        return
    what = next((name for test, name in _NOT_REGULAR if test(mode)), "not a regular file")
    if what == "a folder":
        raise error(f"{path}: is a folder, not {kind}")
    raise error(f"{path}: is {what}, not a regular file; only regular files are read as {kind}, "
                f"since reading a pipe or a device may never end")


def open_for_reading(path, kind: str, error=DataFileError):
    """Open ``path`` for reading in binary mode, only if it is a regular file.

    ``kind`` names what it should be (``"a CSV file"``); ``error`` is the class of the
    :class:`DataFileError` raised. A missing file raises :class:`DataNotFoundError`.
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        _refuse_unless_regular(os.stat(path).st_mode, path, kind, error)  # (a socket cannot even be opened)
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise DataNotFoundError(f"{path}: no such file") from None
    except IsADirectoryError:  # (Windows)
        raise error(f"{path}: is a folder, not {kind}") from None
    except PermissionError:
        raise error(unreadable(path)) from None
    except OSError as err:
        raise error(f"{path}: cannot be read ({err.strerror or err})") from None
    try:
        _refuse_unless_regular(os.fstat(fd).st_mode, path, kind, error)  # (in case it was swapped meanwhile)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
