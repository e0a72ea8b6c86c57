"""Fetching one URL into an open file: bounded in size, and in time as a whole.

A timeout on each read is not enough: a server that sends one byte every two
seconds never trips a 30-second read timeout, yet would take weeks. So the
bytes are read as they arrive (``read1``: one network read at a time) and the
clock is checked between reads; the transfer is abandoned once ``deadline``
seconds have passed since the request began. A server that sends nothing at
all is abandoned after ``timeout`` seconds.
"""

from __future__ import annotations

import hashlib
import time

from .._version import __version__

__all__ = ["FetchError", "fetch"]

_CHUNK = 1 << 16


class FetchError(Exception):
    """One URL could not deliver its file (too slow, too big, cut short)."""


def _ssl_context():
    import ssl

    try:  # the same certificates as requests (and pooch) use, when available
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:
        return ssl.create_default_context()


def fetch(url: str, out, *, algorithm: str = "sha256", timeout: float = 30, deadline: float = 900,
          max_bytes: int, progress: bool = False, label: str = "") -> str:
    """Write the body of ``url`` to the binary file ``out``; return its ``algorithm`` hex digest.

    Raises :class:`FetchError` if more than ``max_bytes`` arrive, if fewer arrive
    than the server announced, or if the whole transfer takes longer than
    ``deadline`` seconds; ``urllib`` errors (HTTP status, connection refused, a
    read that waits ``timeout`` seconds for nothing) pass through.
    """
    import urllib.request

    from tqdm.auto import tqdm

    start = time.monotonic()
    digest = hashlib.new(algorithm)
    request = urllib.request.Request(url, headers={"User-Agent": f"mnist_scratch/{__version__}"})
    context = _ssl_context() if url.startswith("https:") else None
    with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
        announced = _content_length(response)
        if announced is not None and announced > max_bytes:
            raise FetchError(f"the server announces {announced:,} bytes; the file cannot be more than {max_bytes:,}")
        read = getattr(response, "read1", response.read)
        received = 0
        with tqdm(total=announced, unit="B", unit_scale=True, desc=label, disable=not progress, leave=False) as bar:
            while True:
                if time.monotonic() - start > deadline:
                    raise FetchError(f"gave up after {deadline:g} s: only {received:,} "
                                     f"{'' if announced is None else f'of {announced:,} '}bytes had arrived")
                chunk = read(_CHUNK)
                if not chunk:
                    break
                received += len(chunk)
                if received > max_bytes:
                    raise FetchError(f"sent more than {max_bytes:,} bytes, more than the file can hold")
                out.write(chunk)
                digest.update(chunk)
                bar.update(len(chunk))
    if announced is not None and received != announced:
        raise FetchError(f"the connection closed after {received:,} of {announced:,} bytes")
    return digest.hexdigest()


def _content_length(response):
    try:
        value = int(response.headers.get("Content-Length"))
    except (TypeError, ValueError):
        return None
    return value if value >= 0 else None
