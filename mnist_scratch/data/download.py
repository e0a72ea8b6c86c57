"""Downloading MNIST: course mirrors first, then the public ones; verified, atomic,
and safe when a whole class downloads into one shared folder at once.

For each missing file:

1. take the file's lock, ``.NAME.lock`` in the data folder (:mod:`.lock`: a
   :mod:`filelock` lock, which the system releases if the process dies, and which
   works even where the lock file is somebody else's). The other processes
   wait for it, then find the file there and download nothing;
2. fetch the official ``.gz`` archive from the first mirror that delivers it
   whole, within the deadline, matching the official hash (:mod:`.fetch`);
3. decompress it as a stream, check the official SHA-256 of the content, and
   move it into place atomically; the archive is never kept.

Leftovers of killed runs (``.part`` files) are removed
on the next download. The empty lock files stay: removing a lock file while
another process waits on it would let two processes in at once.
"""

from __future__ import annotations

import errno
import gzip
import hashlib
import os
import zlib
from pathlib import Path

from .atomic import atomic_path, create_new_file, remove_stale_temporaries
from .errors import DownloadError, FileWriteError, write_error
from .fetch import FetchError, fetch, hide_secrets, public_url
from .locate import ENV_VAR, find_files, resolve_data_dir
from .lock import download_lock
from .sources import MIRRORS_ENV_VAR, PARTS, get_dataset, mirrors_for

__all__ = ["DownloadError", "download", "DEADLINE", "MAX_ARCHIVE_BYTES", "MAX_CONTENT_BYTES"]

#: Seconds one file may take to arrive from one mirror before that mirror is given up on.
DEADLINE = 900
#: The largest archive accepted (the official ones are at most 26 MB).
MAX_ARCHIVE_BYTES = 64 << 20
#: The largest decompressed file accepted (the official ones are at most 47 MB).
MAX_CONTENT_BYTES = 256 << 20
_CHUNK = 1 << 20


def download(dataset: str = "mnist", data_dir=None, *, parts=PARTS, mirrors=None, progress: bool = True,
             timeout: float = 30, deadline: float = DEADLINE) -> dict:
    """Download the files of ``dataset`` that ``data_dir`` lacks; return ``{part: path}``.

    ``mirrors`` overrides the list of base URLs (by default ``$MNIST_SCRATCH_MIRRORS``,
    then the data set's public mirrors), tried in order. ``timeout`` bounds each
    network read, ``deadline`` each file's whole transfer from one mirror.
    Files already present are left alone. Raises :class:`DownloadError`, listing
    every URL tried and why it failed, when no mirror works, and
    :class:`~mnist_scratch.data.errors.FileWriteError` when the folder cannot take the file.
    """
    ds = get_dataset(dataset)
    folder = resolve_data_dir(data_dir, dataset)
    mirrors = mirrors_for(dataset) if mirrors is None else tuple(mirrors)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DownloadError(f"cannot create the data folder {folder}: {err.strerror or err}") from None
    if not os.access(folder, os.W_OK):
        raise DownloadError(f"cannot download into {folder}: the folder is not writable")
    remove_stale_temporaries(folder)
    found = find_files(folder, dataset)
    wait = len(mirrors) * (deadline + timeout) + 60  # longer than another process may hold the lock
    for part in parts:
        if found[part] is None:
            info = ds.files[part]
            with download_lock(folder / f".{info.name}.lock", folder / info.name, wait):
                found[part] = find_files(folder, dataset)[part]  # another process may have fetched it
                if found[part] is None:
                    found[part] = _download_file(info, folder, mirrors, progress=progress,
                                                 timeout=timeout, deadline=deadline)
    return found


def _download_file(info, folder: Path, mirrors, **options) -> Path:
    target = folder / info.name
    # Under the lock, any temporary file of this one is a leftover of a killed run.
    remove_stale_temporaries(folder, names={info.name, info.archive_name}, older_than=0)
    if target.is_dir():
        raise write_error(target, OSError(errno.EISDIR, "is a folder"))
    archive = _fetch_archive(info, folder, mirrors, **options)
    try:
        return _decompress(archive, target, info)
    finally:
        archive.unlink(missing_ok=True)


class _Sink:
    """A file whose write errors name the file being downloaded."""

    def __init__(self, fd: int, path: Path):
        self.file, self.path = os.fdopen(fd, "wb"), path

    def write(self, data: bytes) -> None:
        try:
            self.file.write(data)
        except OSError as err:
            raise write_error(self.path, err) from None


def _fetch_archive(info, folder: Path, mirrors, *, progress, timeout, deadline) -> Path:
    algorithm, expected = info.archive_hash.split(":")
    tried = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + info.archive_name
        tmp, fd = create_new_file(folder, info.archive_name)
        sink = _Sink(fd, folder / info.archive_name)
        try:
            with sink.file:
                digest = fetch(url, sink, algorithm=algorithm, timeout=timeout, deadline=deadline,
                               max_bytes=MAX_ARCHIVE_BYTES, progress=progress, label=info.archive_name)
            if digest == expected:
                return tmp
            tried.append(f"  - {public_url(url)}: the file does not match the official hash (rejected, nothing kept)")
        except FileWriteError:
            tmp.unlink(missing_ok=True)
            raise
        except Exception as err:  # one mirror failing is expected; try the next
            tried.append(f"  - {public_url(url)}: {hide_secrets(_reason(err, timeout), url)}")
        tmp.unlink(missing_ok=True)
    raise DownloadError(
        f"Could not download {info.archive_name} from any mirror. Tried:\n" + "\n".join(tried) +
        f"\nTo work offline, fetch the four MNIST files by hand (from any mirror above) and put "
        f"them, .gz or decompressed, in {folder}, or set {ENV_VAR} to a folder that has them "
        f"(or {MIRRORS_ENV_VAR} to a course mirror)."
    )


def _reason(err: Exception, timeout: float) -> str:
    import urllib.error

    if isinstance(err, urllib.error.HTTPError):
        said = f"HTTP {err.code} {err.reason or ''}".strip()
        if err.code == 401:
            said += " (the mirror wants a user name and password, or refused those in its URL)"
        return said
    if isinstance(err, TimeoutError) or "timed out" in str(err):
        return f"no answer for {timeout:g} s"
    if isinstance(err, urllib.error.URLError):
        return f"cannot connect ({err.reason})"
    if isinstance(err, FetchError):
        return str(err)
    text = str(err)
    return f"{type(err).__name__}: {text.splitlines()[0] if text else ''}"[:300]


def _decompress(archive: Path, target: Path, info) -> Path:
    """Inflate ``archive`` into ``target`` as a stream, bounded, checking the official content hash."""
    digest, size = hashlib.sha256(), 0
    with atomic_path(target) as tmp:
        try:
            with gzip.open(archive, "rb") as src, open(tmp, "wb") as dst:
                while chunk := src.read(_CHUNK):
                    size += len(chunk)
                    if size > MAX_CONTENT_BYTES:
                        raise DownloadError(f"{info.archive_name}: inflates to more than {MAX_CONTENT_BYTES:,} bytes")
                    dst.write(chunk)
                    digest.update(chunk)
        except (EOFError, zlib.error, gzip.BadGzipFile) as err:
            raise DownloadError(f"{info.archive_name}: the downloaded archive is damaged ({err})") from None
        if digest.hexdigest() != info.content_sha256:
            raise DownloadError(f"{info.archive_name}: decompresses to unexpected content; nothing was kept")
    return target
