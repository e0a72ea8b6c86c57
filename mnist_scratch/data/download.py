"""Downloading MNIST from its mirrors, verified and atomic.

Each file is fetched with pooch, which streams it to a temporary file, checks
the official hash and only then moves it into place, so an interrupted or
tampered download leaves nothing behind. Pooch knows one URL per file, so the
mirrors are tried here, in order, each with the same file name and hash. The
archive is then decompressed (again atomically, and checked again) so that
loading is fast.
"""

from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

from .atomic import atomic_path
from .locate import ENV_VAR, find_files, resolve_data_dir
from .sources import PARTS, get_dataset

__all__ = ["DownloadError", "download"]


class DownloadError(ConnectionError):
    """No mirror could provide a genuine copy of a file."""


def _reason(err: Exception) -> str:
    response = getattr(err, "response", None)
    if response is not None and getattr(response, "status_code", None):
        return f"HTTP {response.status_code} {response.reason or ''}".strip()
    text = str(err)
    if "hash" in text.lower() and "match" in text.lower():
        return "the file does not match the official hash (rejected, nothing kept)"
    return f"{type(err).__name__}: {text.splitlines()[0] if text else ''}"[:300]


def _fetch_archive(info, folder: Path, mirrors, progress: bool, timeout: float) -> Path:
    import pooch

    tried = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + info.archive_name
        downloader = pooch.HTTPDownloader(progressbar=progress, timeout=timeout)
        try:
            return Path(pooch.retrieve(url, known_hash=info.archive_hash, fname=info.archive_name,
                                       path=folder, downloader=downloader))
        except Exception as err:  # one mirror failing is expected; try the next
            tried.append(f"  - {url}: {_reason(err)}")
    raise DownloadError(
        f"Could not download {info.archive_name} from any mirror. Tried:\n" + "\n".join(tried) +
        f"\nTo work offline, fetch the four MNIST files by hand (from any mirror above) and put "
        f"them, .gz or decompressed, in {folder}, or set {ENV_VAR} to a folder that has them."
    )


def _decompress(archive: Path, info) -> Path:
    target = archive.with_name(info.name)
    content = gzip.decompress(archive.read_bytes())
    if hashlib.sha256(content).hexdigest() != info.content_sha256:
        raise DownloadError(f"{archive}: decompresses to unexpected content; delete it and retry")
    with atomic_path(target) as tmp:
        tmp.write_bytes(content)
    archive.unlink()
    return target


def download(dataset: str = "mnist", data_dir=None, *, parts=PARTS, mirrors=None,
             progress: bool = True, timeout: float = 30) -> dict:
    """Download the files of ``dataset`` that ``data_dir`` lacks; return ``{part: path}``.

    ``mirrors`` overrides the data set's list of base URLs (tried in order).
    Files already present are left alone. Raises :class:`DownloadError`,
    listing every URL tried and why it failed, when no mirror works.
    """
    ds = get_dataset(dataset)
    folder = resolve_data_dir(data_dir, dataset)
    mirrors = ds.mirrors if mirrors is None else tuple(mirrors)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise DownloadError(f"cannot create the data folder {folder}: {err.strerror or err}") from None
    if not os.access(folder, os.W_OK):
        raise DownloadError(f"cannot download into {folder}: the folder is not writable")
    found = find_files(folder, dataset)
    for part in parts:
        if found[part] is None:
            info = ds.files[part]
            found[part] = _decompress(_fetch_archive(info, folder, mirrors, progress, timeout), info)
    return found
