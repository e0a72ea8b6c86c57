"""Writing files safely: whole or not at all, with the folder's usual permissions,
clear errors, and no temporary files left to pile up.

* :func:`atomic_path` writes into a temporary file beside the target (``.NAME.1a2b3c4d.part``)
  and moves it into place only when the writing succeeded.
* Temporary files are created with mode 0666 minus the umask, like any file a
  program creates, so a folder shared by a class stays readable (and, with a
  group umask such as 002, writable) by everyone it is shared with.
* A full disk, a read-only folder or a folder where the file should go become a
  :class:`~mnist_scratch.data.errors.FileWriteError` that names the file.
* A run that is killed mid-write leaves its ``.part`` file behind; the next write
  into that folder removes such files once they are :data:`STALE_SECONDS` old (a live
  writer keeps its file's modification time fresh).
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import time
from pathlib import Path

from .errors import FileWriteError, write_error

__all__ = ["atomic_path", "create_new_file", "check_writable",
           "remove_stale_temporaries", "STALE_SECONDS"]

#: A temporary file untouched for this long belongs to a run that died: it may be removed.
STALE_SECONDS = 3600

# .NAME.<8 characters>.part: ours (hex) and those of earlier versions (tempfile.mkstemp's alphabet)
_PART = re.compile(r"^\.(?P<name>.+)\.[a-z0-9_]{8}\.part$")
# errors that say the *target* cannot be written, wherever they are raised
_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}


def create_new_file(folder: Path, name: str):
    """Create ``folder/.NAME.<random>.part`` exclusively, mode 0666 minus the umask; return ``(path, fd)``."""
    while True:
        tmp = folder / f".{name}.{secrets.token_hex(4)}.part"
        try:
            return tmp, os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:  # (a 1 in 4 billion collision) draw another name
            continue


def _make_folder(folder: Path, target: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise write_error(target, OSError(errno.ENOTDIR, "not a folder")) from None
    except OSError as err:
        raise write_error(target, err) from None


@contextlib.contextmanager
def atomic_path(path):
    """Yield a new, empty temporary path beside ``path``; move it into place only on success.

    If the body raises (or the process dies), ``path`` is left untouched and the
    temporary file is removed (or, after a kill, removed by a later write).
    """
    path = Path(path)
    if path.is_dir():
        raise write_error(path, OSError(errno.EISDIR, "is a folder"))
    _make_folder(path.parent, path)
    remove_stale_temporaries(path.parent)
    try:
        tmp, fd = create_new_file(path.parent, path.name)
        os.close(fd)
    except OSError as err:
        raise write_error(path, err) from None
    try:
        yield tmp
        os.replace(tmp, path)
    except FileWriteError:
        raise
    except OSError as err:
        if err.errno in _WRITE_ERRNOS or err.filename in (str(tmp), str(path)) or path.is_dir():
            raise write_error(path, err) from None
        raise
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def check_writable(path) -> Path:
    """Check, before any long work, that ``path`` could be written; return it.

    Creates its folder if needed and writes (then removes) a temporary file there,
    which is the only test that holds on read-only mounts and for the root user.
    """
    path = Path(path)
    if path.is_dir():
        raise write_error(path, OSError(errno.EISDIR, "is a folder"))
    _make_folder(path.parent, path)
    try:
        tmp, fd = create_new_file(path.parent, path.name)
        os.close(fd)
        os.unlink(tmp)
    except OSError as err:
        raise write_error(path, err) from None
    return path


def remove_stale_temporaries(folder, *, names=None, older_than: float = STALE_SECONDS) -> list[Path]:
    """Remove the temporary files that killed runs left in ``folder``; return those removed.

    Only ``.NAME.xxxxxxxx.part`` files are considered (restricted to ``names`` if
    given). A file goes only if untouched for ``older_than`` seconds (``0``: any age, for callers
    that hold the lock its writers take). Files that vanish meanwhile are fine.
    """
    folder = Path(folder)
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _PART.match(entry.name)
        if match is None or (names is not None and match["name"] not in names):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False) and now - entry.stat().st_mtime >= older_than:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed

