"""The errors the data layer raises, each naming the file and what is wrong with it."""

from __future__ import annotations

import errno as _errno
import os
from pathlib import Path

from .owners import about, current_user

__all__ = ["DataFileError", "DataNotFoundError", "DownloadError", "FileWriteError", "write_error"]


class DataFileError(ValueError):
    """A data file is malformed, inconsistent, unreadable, or not a known version."""


class DataNotFoundError(FileNotFoundError):
    """The data files are not where they were looked for (and were not downloaded)."""


class DownloadError(ConnectionError):
    """No mirror could provide a genuine copy of a file."""


class FileWriteError(OSError):
    """A file could not be written: a full disk, a read-only or unwritable folder, a folder
    where the file should go. The message names the file; ``errno`` is the system's code."""


_ADVICE = {
    _errno.ENOSPC: "the disk is full; free some space or choose a folder on another disk",
    _errno.EDQUOT: "you are over your disk quota; free some space or choose another folder",
    _errno.EFBIG: "the file is too large for this file system",
    _errno.EROFS: "the file system is read-only; choose another folder",
    _errno.EISDIR: "there is a folder of that name; remove it or choose another file name",
    _errno.ENOTDIR: "part of the path is a file, not a folder",
}


def _denied(path) -> str:
    """Whose the folder or the file is, when permission to write was denied."""
    path = Path(path)
    folder = path.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return (f"permission denied: {current_user()} cannot write in the folder {folder}{about(folder)}; "
                f"choose another folder")
    if os.path.lexists(path) and not os.access(path, os.W_OK):
        return (f"permission denied: the folder is writable, but the file itself is not writable by "
                f"{current_user()}{about(path)}; ask its owner to remove it, or choose another name")
    return "permission denied: you cannot write in this folder; choose another one"


def write_error(path, err: OSError) -> FileWriteError:
    """A :class:`FileWriteError` naming ``path`` and saying, in plain words, what went wrong."""
    if err.errno in (_errno.EACCES, _errno.EPERM):
        reason = _denied(path)
    else:
        reason = _ADVICE.get(err.errno) or err.strerror or str(err) or type(err).__name__
    error = FileWriteError(f"{path}: cannot be written: {reason}")
    error.errno = err.errno  # (no .filename: it would change how the message prints)
    return error
