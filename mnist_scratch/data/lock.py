"""The lock that lets one process of a whole class download a file while the others wait.

The lock is ``.NAME.lock`` beside the file, taken with :mod:`filelock` (an ``flock`` on
POSIX, which the system releases if the process dies). The lock file is created with the
usual mode (0666 minus the umask), so that a group sharing the folder can take it.

In a shared folder the lock file may be somebody else's: the instructor downloaded once as
root, leaving a root-owned ``.NAME.lock`` of mode 0644 in a folder everyone may write.
filelock opens the file for writing and is refused; but ``flock`` needs only a file open
for *reading*, and excludes the other processes just the same (filelock's too, as they
lock the same file). So on POSIX such a lock is taken through a read-only descriptor.
Only a lock file that this process can neither write nor read is an error, which says
whose it is and what to do.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from pathlib import Path

from .errors import DownloadError, FileWriteError, write_error
from .owners import about, current_user

__all__ = ["download_lock"]

_POLL = 0.2  # seconds between two tries of a read-only lock


def _timeout(lock_path: Path, target: Path, wait: float) -> DownloadError:
    return DownloadError(f"{target}: another process has been downloading it for more than {wait:g} s; "
                         f"if none is running any more, delete {lock_path} and try again")


def _create(lock_path: Path) -> None:
    try:
        os.close(os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except FileExistsError:
        pass
    except OSError as err:
        raise write_error(lock_path, err) from None


def _read_only_lock(lock_path: Path, target: Path, wait: float) -> int:
    """A descriptor holding an exclusive ``flock`` on ``lock_path``, opened for reading only."""
    try:
        import fcntl
    except ImportError:  # (Windows: no flock)
        fcntl = None
    try:
        fd = os.open(lock_path, os.O_RDONLY) if fcntl is not None else None
    except OSError:
        fd = None
    if fd is None:
        error = FileWriteError(
            f"{lock_path}: cannot be used: this lock file, which guards the download of {target.name}, is "
            f"not writable{' or readable' if fcntl is not None else ''} by {current_user()}{about(lock_path)}; "
            f"ask its owner to remove it, or to download the files once for everyone (mnist-scratch download)")
        error.errno = errno.EACCES
        raise error
    give_up = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            if time.monotonic() > give_up:
                os.close(fd)
                raise _timeout(lock_path, target, wait) from None
            time.sleep(_POLL)
        except OSError as err:
            os.close(fd)
            raise write_error(lock_path, err) from None


@contextlib.contextmanager
def download_lock(lock_path, target, wait: float):
    """Hold the lock that guards downloading ``target`` for the body of a ``with`` block.

    Waits up to ``wait`` seconds for another process to finish, then raises :class:`DownloadError`.
    """
    from filelock import FileLock, Timeout

    lock_path, target = Path(lock_path), Path(target)
    _create(lock_path)
    try:
        lock = FileLock(lock_path, timeout=wait, mode=os.stat(lock_path).st_mode & 0o777)
        lock.acquire()
    except Timeout:
        raise _timeout(lock_path, target, wait) from None
    except PermissionError:  # somebody else's lock file, not writable by us
        lock = None
    except OSError as err:
        raise write_error(lock_path, err) from None
    if lock is not None:
        try:
            yield
        finally:
            lock.release()
        return
    fd = _read_only_lock(lock_path, target, wait)
    try:
        yield
    finally:
        os.close(fd)  # (which releases the flock)
