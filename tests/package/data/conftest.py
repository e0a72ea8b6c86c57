"""Fixtures of the data tests: a copy of the genuine files, to break; a shared folder, and a student
(a child process as user ``nobody``) to meet it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
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
