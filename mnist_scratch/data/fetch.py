"""Fetching one URL into an open file: bounded in size, and in time as a whole.

A timeout on each read is not enough: a server that sends one byte every two
seconds never trips a 30-second read timeout, yet would take weeks. So the
bytes are read as they arrive (``read1``: one network read at a time) and the
clock is checked between reads; the transfer is abandoned once ``deadline``
seconds have passed since the request began. A server that sends nothing at
all is abandoned after ``timeout`` seconds.

A course mirror may need a password, given in its URL as
``https://user:password@host/mnist/``. The credentials are taken out of the URL and
sent as HTTP Basic authentication (urllib's ``HTTPBasicAuthHandler``) to that address
only, never to a server it redirects to; and the URL is only ever shown as
:func:`public_url` shows it, ``https://***@host/mnist/``, so no message, log or error
holds the password.
"""

from __future__ import annotations

import hashlib
import re
import time

from .._version import __version__

__all__ = ["FetchError", "fetch", "public_url", "hide_secrets"]

_CHUNK = 1 << 16


class FetchError(Exception):
    """One URL could not deliver its file (too slow, too big, cut short)."""


def _ssl_context():
    import ssl

    try:  # the same certificates as requests uses, when available
        import certifi

        return ssl.create_default_context(cafile=certifi.where())
    except ImportError:
        return ssl.create_default_context()


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _userinfo(url: str):
    """``(start, end, userinfo)``: where the host part of ``url`` is, and what precedes an ``@`` in it."""
    scheme = _SCHEME.match(url)
    start = scheme.end() if scheme else 0
    ends = [i for i in (url.find(c, start) for c in "/?#") if i >= 0]
    end = min(ends, default=len(url))
    userinfo, at, _ = url[start:end].rpartition("@")
    return start, end, (userinfo if at else None)


def public_url(url: str) -> str:
    """``url`` as it may be shown: any user name and password in it replaced by ``***``."""
    start, end, userinfo = _userinfo(url)
    if userinfo is None:
        return url
    return url[:start] + "***@" + url[start:end].rpartition("@")[2] + url[end:]


def _credentials(url: str):
    """``(url without credentials, user, password)``; the last two None if it has none."""
    import urllib.parse

    start, end, userinfo = _userinfo(url)
    if userinfo is None:
        return url, None, None
    user, _, password = userinfo.partition(":")
    bare = url[:start] + url[start:end].rpartition("@")[2] + url[end:]
    return bare, urllib.parse.unquote(user), urllib.parse.unquote(password)


def hide_secrets(text: str, url: str) -> str:
    """``text`` with the password (and user name) of ``url``, as written or decoded, replaced by ``***``."""
    _, _, userinfo = _userinfo(url)
    if not userinfo:
        return text
    import urllib.parse

    for secret in sorted({userinfo, *userinfo.split(":", 1)}, key=len, reverse=True):
        for form in {secret, urllib.parse.unquote(secret)}:
            if len(form) >= 3:  # (a one- or two-letter name would blot out ordinary words)
                text = text.replace(form, "***")
    return text


def _opener(url: str, user, password):
    import urllib.request

    handlers = [urllib.request.HTTPSHandler(context=_ssl_context())] if url.startswith("https:") else []
    if user is not None:
        passwords = urllib.request.HTTPPasswordMgrWithPriorAuth()
        passwords.add_password(None, url, user, password, is_authenticated=True)  # sent with the first request
        handlers.append(urllib.request.HTTPBasicAuthHandler(passwords))
    return urllib.request.build_opener(*handlers)


def fetch(url: str, out, *, algorithm: str = "sha256", timeout: float = 30, deadline: float = 900,
          max_bytes: int, progress: bool = False, label: str = "") -> str:
    """Write the body of ``url`` to the binary file ``out``; return its ``algorithm`` hex digest.

    ``url`` may hold a user name and password (``https://user:password@host/…``),
    sent as HTTP Basic authentication. Raises :class:`FetchError` if more than
    ``max_bytes`` arrive, if fewer arrive than the server announced, or if the
    whole transfer takes longer than ``deadline`` seconds; ``urllib`` errors (HTTP
    status, connection refused, a read that waits ``timeout`` seconds for nothing)
    pass through.
    """
    import urllib.request

    from tqdm.auto import tqdm

    start = time.monotonic()
    digest = hashlib.new(algorithm)
    url, user, password = _credentials(url)
    request = urllib.request.Request(url, headers={"User-Agent": f"mnist_scratch/{__version__}"})
    with _opener(url, user, password).open(request, timeout=timeout) as response:
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
