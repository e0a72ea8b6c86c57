"""The download path end to end, against a loopback HTTP server over the official archives."""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import http.server
import logging
import shutil
import threading
import traceback
import urllib.parse

import numpy as np
import pytest

from mnist_scratch.data import sources
from mnist_scratch.data import load_mnist
from mnist_scratch.data.download import DownloadError, download

LABELS = ["test_labels"]


def _leftovers(folder):
    """The files in ``folder``, apart from the download locks (empty, hidden, harmless: they stay)."""
    if not folder.exists():
        return []
    locks = [p for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".lock")]
    assert all(p.stat().st_size == 0 for p in locks)
    return sorted(p.name for p in folder.iterdir() if p not in locks)


def test_first_mirror_failing_then_good_file_accepted(mirror_server, tmp_path, mnist_dir):
    base, log = mirror_server
    found = download("mnist", tmp_path, parts=LABELS, progress=False,
                     mirrors=[f"{base}/broken/", f"{base}/good/"])
    assert log == ["/broken/t10k-labels-idx1-ubyte.gz", "/good/t10k-labels-idx1-ubyte.gz"]
    path = found["test_labels"]
    assert path == tmp_path / "t10k-labels-idx1-ubyte"
    # decompressed, verified against the official content hash, archive and temporaries gone
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sources.DATASETS["mnist"].files["test_labels"].content_sha256
    assert path.read_bytes() == (mnist_dir / "t10k-labels-idx1-ubyte").read_bytes()
    assert _leftovers(tmp_path) == ["t10k-labels-idx1-ubyte"]


def test_tampered_file_is_rejected_and_nothing_is_left(mirror_server, tmp_path):
    base, log = mirror_server
    with pytest.raises(DownloadError) as info:
        download("mnist", tmp_path, parts=LABELS, progress=False, mirrors=[f"{base}/tampered/"])
    assert "does not match the official hash" in str(info.value)
    assert _leftovers(tmp_path) == []


def test_tampered_first_mirror_falls_back_to_a_good_one(mirror_server, tmp_path):
    base, log = mirror_server
    download("mnist", tmp_path, parts=["train_labels"], progress=False,
             mirrors=[f"{base}/tampered/", f"{base}/good/"])
    assert len(log) == 2
    assert _leftovers(tmp_path) == ["train-labels-idx1-ubyte"]


def test_every_source_failing_gives_one_error_listing_them(mirror_server, tmp_path):
    base, _ = mirror_server
    mirrors = [f"{base}/broken/", f"{base}/missing/", "http://127.0.0.1:9/"]
    with pytest.raises(DownloadError) as info:
        download("mnist", tmp_path, parts=LABELS, progress=False, mirrors=mirrors, timeout=5)
    message = str(info.value)
    for mirror in mirrors:
        assert mirror + "t10k-labels-idx1-ubyte.gz" in message
    assert "HTTP 500" in message and "HTTP 404" in message
    assert f"put them, .gz or decompressed, in {tmp_path}" in message
    assert "MNIST_SCRATCH_DATA_DIR" in message
    assert _leftovers(tmp_path) == []


def test_load_mnist_downloads_what_is_missing(mirror_server, tmp_path, mnist_dir, mnist, monkeypatch):
    """load_mnist end to end: three files come from the mirror, one is already there."""
    base, log = mirror_server
    patched = dataclasses.replace(sources.DATASETS["mnist"], mirrors=(f"{base}/missing/", f"{base}/good/"))
    monkeypatch.setitem(sources.DATASETS, "mnist", patched)
    shutil.copyfile(mnist_dir / "train-images-idx3-ubyte", tmp_path / "train-images-idx3-ubyte")
    data = load_mnist(tmp_path)
    assert sum(p.startswith("/good/") for p in log) == 3
    for got, expected in zip(data, mnist):
        np.testing.assert_array_equal(got, expected)
    assert _leftovers(tmp_path) == sorted(f.name for f in patched.files.values())
    log.clear()
    load_mnist(tmp_path)  # everything is there now: no more requests
    assert log == []


def test_unwritable_folder_is_a_clear_error(tmp_path, monkeypatch):
    import mnist_scratch.data.download as dl

    monkeypatch.setattr(dl.os, "access", lambda path, mode: False)
    with pytest.raises(DownloadError, match=f"cannot download into {tmp_path}: the folder is not writable"):
        download("mnist", tmp_path, parts=LABELS, progress=False, mirrors=["http://127.0.0.1:9/"])


# --------------------------------------------------------------------------- mirrors that want a password
_USER, _PASSWORD = "student", "s3cr3t p@ss"  # (in a URL: s3cr3t%20p%40ss)


class _AuthHandler(http.server.BaseHTTPRequestHandler):
    """/good/F: the archive F, to whoever sends the right Basic credentials (401 otherwise);
    /moved/F: a redirect to ``elsewhere``'s /good/F. Logs (path, Authorization header).
    With ``locked=False``, /good/F is served to anyone."""

    def __init__(self, *args, folder, log, elsewhere, locked, **kwargs):
        self.folder, self.log, self.elsewhere, self.locked = folder, log, elsewhere, locked
        super().__init__(*args, **kwargs)

    def do_GET(self):
        auth = self.headers.get("Authorization")
        self.log.append((self.path, auth))
        kind, _, name = self.path.lstrip("/").partition("/")
        if kind == "moved":
            self.send_response(302)
            self.send_header("Location", f"{self.elsewhere[0]}/good/{name}")
            self.end_headers()
            return
        if self.locked and auth != "Basic " + base64.b64encode(f"{_USER}:{_PASSWORD}".encode()).decode():
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="course"')
            self.end_headers()
            return
        body = (self.folder / name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def course_server(gz_dir):
    """(base URL with the right credentials, its request log, the log of a second server it redirects to)."""
    servers, logs, elsewhere = [], [], []
    for locked in (True, False):
        log = []
        handler = functools.partial(_AuthHandler, folder=gz_dir, log=log, elsewhere=elsewhere, locked=locked)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        logs.append(log)
    elsewhere.append(f"http://127.0.0.1:{servers[1].server_address[1]}")
    secret = urllib.parse.quote(_PASSWORD)
    try:
        yield f"http://{_USER}:{secret}@127.0.0.1:{servers[0].server_address[1]}", logs[0], logs[1]
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def _everything_said(err: BaseException) -> str:
    """The error's message and its whole traceback, chained exceptions included."""
    return str(err) + "".join(traceback.format_exception(err))


def test_a_mirror_with_credentials_in_its_url_is_used(course_server, tmp_path, mnist_dir):
    base, log, _ = course_server
    found = download("mnist", tmp_path, parts=LABELS, progress=False, mirrors=[f"{base}/good/"])
    assert found["test_labels"].read_bytes() == (mnist_dir / "t10k-labels-idx1-ubyte").read_bytes()
    assert [path for path, _ in log] == ["/good/t10k-labels-idx1-ubyte.gz"]  # sent at once, not after a 401
    assert log[0][1] == "Basic " + base64.b64encode(f"{_USER}:{_PASSWORD}".encode()).decode()


def test_a_wrong_password_is_refused_and_never_shown(course_server, tmp_path, capsys, caplog):
    base, log, _ = course_server
    wrong = base.replace(urllib.parse.quote(_PASSWORD), "wr0ng-pa55word")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DownloadError) as info:
        download("mnist", tmp_path, parts=LABELS, progress=True, mirrors=[f"{wrong}/good/"])
    said = _everything_said(info.value) + "".join(capsys.readouterr()) + caplog.text
    port = base.rsplit(":", 1)[1]
    assert f"  - http://***@127.0.0.1:{port}/good/t10k-labels-idx1-ubyte.gz: HTTP 401 Unauthorized (the mirror " \
           f"wants a user name and password, or refused those in its URL)" in str(info.value)
    assert "wr0ng-pa55word" not in said and _USER not in said
    assert len(log) == 1 and log[0][1] is not None  # tried once, with the (wrong) credentials


def test_credentials_are_not_sent_where_the_mirror_redirects(course_server, tmp_path, mnist_dir):
    base, log, elsewhere = course_server
    download("mnist", tmp_path, parts=LABELS, progress=False, mirrors=[f"{base}/moved/"])
    assert log[0][0] == "/moved/t10k-labels-idx1-ubyte.gz" and log[0][1] is not None
    assert elsewhere == [("/good/t10k-labels-idx1-ubyte.gz", None)]  # no Authorization header went there


def test_a_course_mirror_setting_never_echoes_its_password(monkeypatch, course_server, tmp_path, capsys):
    from mnist_scratch import cli
    from mnist_scratch.data.sources import mirrors_for

    base, _, _ = course_server
    monkeypatch.setenv("MNIST_SCRATCH_MIRRORS", "student:hunter2-secret@course.example.org/mnist/")  # no scheme
    with pytest.raises(ValueError) as info:
        mirrors_for("mnist")
    assert "hunter2" not in _everything_said(info.value)
    assert "'***@course.example.org/mnist/' is not a URL" in str(info.value)
    patched = dataclasses.replace(sources.DATASETS["mnist"], mirrors=())
    monkeypatch.setitem(sources.DATASETS, "mnist", patched)
    monkeypatch.setenv("MNIST_SCRATCH_MIRRORS", base.replace(urllib.parse.quote(_PASSWORD), "hunter2-secret") + "/good/")
    assert cli.main(["download", "--data-dir", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert "HTTP 401 Unauthorized" in err and "***@127.0.0.1" in err
    assert "hunter2" not in out + err


@pytest.mark.parametrize("url,shown", [
    ("https://user:pw@host/mnist/", "https://***@host/mnist/"),
    ("https://user:p@ss@host:8443/m?x=1", "https://***@host:8443/m?x=1"),   # an @ in the password, unencoded
    ("https://token@host/", "https://***@host/"),                           # a token as the user name
    ("user:pw@host/mnist/", "***@host/mnist/"),                             # no scheme
    ("https://host/a@b/", "https://host/a@b/"),                             # an @ in the path is no password
    ("file:///srv/mnist/", "file:///srv/mnist/"),
])
def test_public_url_hides_user_and_password(url, shown):
    from mnist_scratch.data.fetch import public_url

    assert public_url(url) == shown
