"""Fixtures of the data tests: a copy of the genuine files, to break; a shared folder, and a student
(a child process as user ``nobody``) to meet it; a loopback mirror of the official archives, for the
download tests."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

import pytest
from _package_helpers import _copy_set


@pytest.fixture
def copy_of_mnist(mnist_dir, tmp_path):
    return _copy_set(mnist_dir, tmp_path / "copy")


# --------------------------------------------------------------------------- a shared hub, and a student in it
# (test_access.py, test_locate.py, test_lock.py, test_errors.py)
@pytest.fixture
def hub():
    """A folder everyone may enter, like a hub's /srv/course (pytest's own tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="hub-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# The child's prelude: run each named step, print {step: "ok" | "ErrorClass: message"} as JSON.
_PRELUDE = """
import json, sys
results = {}
def step(name, call):
    try:
        out = call()
        results[name] = "ok" if out is None or not isinstance(out, str) else out
    except Exception as err:
        results[name] = f"{type(err).__name__}: {err}"
"""

# How the child becomes the student: Python starts as root (its own files may lie in root's home, which
# nobody may enter), imports everything the steps use, then gives up root for good (setgid, setuid) before
# the first step. Every file the steps touch is then checked by the system against user nobody.
_BECOME_NOBODY = """
import codecs, csv, fcntl, gzip, http.client, json, os, pwd, socket, ssl, sys, urllib.error, urllib.parse
import urllib.request, zlib
import numpy, filelock, tqdm.auto
import mnist_scratch.data, mnist_scratch.data.download, mnist_scratch.data.lock
for name in ("utf-8-sig", "utf-16", "ascii", "idna"):
    codecs.lookup(name)
nobody = pwd.getpwnam("nobody")
os.setgroups([])
os.setgid(nobody.pw_gid)
os.setuid(nobody.pw_uid)
assert os.geteuid() == nobody.pw_uid and os.getegid() == nobody.pw_gid
"""


def _child(code: str, *, as_nobody: bool = True, timeout: float = 120) -> dict:
    """Run ``code`` (after the prelude) in a fresh Python, as user nobody if asked; return its results.

    A test that needs nobody is skipped, saying why, where this process is not root or there is no nobody."""
    if as_nobody:
        if os.name != "posix" or os.geteuid() != 0:
            pytest.skip("these cases need root, to make files another user may not read, and a user to drop to")
        import pwd

        try:
            pwd.getpwnam("nobody")
        except KeyError:
            pytest.skip("there is no user 'nobody' on this machine to play the student")
    script = (_BECOME_NOBODY if as_nobody else "") + _PRELUDE + textwrap.dedent(code) + "\nprint(json.dumps(results))\n"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "HOME": tempfile.gettempdir()}, cwd=tempfile.gettempdir())
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def student():
    """``student(code)``: run ``code`` in a fresh Python as user nobody; ``student(code, as_nobody=False)``
    as this user. ``code`` calls ``step(name, call)``; the result is ``{name: "ok" or "Error: message"}``.
    A timeout (120 s unless given) ends a child that waits forever, failing the test instead of hanging it."""
    return _child


REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def gz_dir(mnist_dir) -> Path:
    """The folder of official .gz archives beside the decompressed files, if there is one."""
    candidates = [mnist_dir / "gz", REPO.parent / "shared" / "mnist" / "gz"]
    for folder in candidates:
        if (folder / "t10k-labels-idx1-ubyte.gz").is_file():
            return folder
    pytest.skip("no folder of official MNIST .gz archives (../shared/mnist/gz) on this machine")


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves /good/<file> from a folder, /tampered/<file> with one byte flipped,
    /broken/<file> as HTTP 500; anything else is 404."""

    def __init__(self, *args, folder, log, **kwargs):
        self.folder, self.log = folder, log
        super().__init__(*args, directory=str(folder), **kwargs)

    def do_GET(self):
        self.log.append(self.path)
        kind, _, name = self.path.lstrip("/").partition("/")
        path = self.folder / name
        if kind == "broken":
            self.send_error(500, "broken on purpose")
            return
        if kind not in ("good", "tampered") or not path.is_file():
            self.send_error(404)
            return
        body = bytearray(path.read_bytes())
        if kind == "tampered":
            body[len(body) // 2] ^= 0xFF
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(bytes(body))

    def log_message(self, *args):
        pass


@pytest.fixture
def mirror_server(gz_dir):
    """A loopback HTTP server over the official archives; yields (base_url, request_log)."""
    log = []
    handler = functools.partial(_Handler, folder=gz_dir, log=log)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", log
    finally:
        server.shutdown()
        server.server_close()
