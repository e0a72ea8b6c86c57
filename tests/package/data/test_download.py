"""mnist_scratch.data.download, end to end against loopback HTTP servers over the official
archives: mirrors that fail or lie, a whole class downloading at once, course mirrors, slow servers,
full disks, read-only folders, leftovers of killed runs and file modes; and a course mirror behind a
password, which no message, traceback, printout or log shows."""

from __future__ import annotations

import base64
import dataclasses
import errno
import functools
import hashlib
import http.server
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse

import numpy as np
import pytest
from _package_helpers import _files, _leftover

from mnist_scratch.data import download as download_module
from mnist_scratch.data import load_mnist, sources
from mnist_scratch.data.atomic import check_writable
from mnist_scratch.data.download import DownloadError, download
from mnist_scratch.data.errors import FileWriteError
from mnist_scratch.files.model_file import save_model
from mnist_scratch.model import Model


LABELS = ["test_labels"]
MISSING = ["train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


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


# --------------------------------------------------------------------------- servers: slow, trickling, huge, endless
class _Handler(http.server.BaseHTTPRequestHandler):
    """/slow/F serves the archive F after a pause; /trickle/F sends one byte every 2 s;
    /huge/F announces a gigabyte; /endless/F streams zeros with no length at all."""

    def __init__(self, *args, folder, log, **kwargs):
        self.folder, self.log = folder, log
        super().__init__(*args, **kwargs)

    def do_GET(self):
        self.log.append(self.path)
        kind, _, name = self.path.lstrip("/").partition("/")
        body = (self.folder / name).read_bytes() if (self.folder / name).is_file() else None
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        length = {"huge": 10 ** 9, "endless": None}.get(kind, len(body))
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        try:
            if kind == "slow":
                time.sleep(0.5)
                self.wfile.write(body)
            elif kind == "trickle":
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(2)
            elif kind in ("endless", "huge"):
                for _ in range(2000):
                    self.wfile.write(bytes(1 << 16))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    def log_message(self, *args):
        pass


@pytest.fixture
def server(gz_dir):
    log = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, folder=gz_dir, log=log))
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", log
    finally:
        httpd.shutdown()
        httpd.server_close()


# --------------------------------------------------------------------------- class 2: a class at once
_CHILD = """
import hashlib, sys
from mnist_scratch.data import load_mnist
data = load_mnist(sys.argv[1], scale="raw")
print(hashlib.sha256(b"".join(a.tobytes() for a in data)).hexdigest())
"""


def test_eight_processes_load_into_one_empty_folder(server, tmp_path, mnist_dir):
    base, log = server
    folder = tmp_path / "shared"
    folder.mkdir()
    shutil.copyfile(mnist_dir / "train-images-idx3-ubyte", folder / "train-images-idx3-ubyte")  # not on the mirror
    env = dict(os.environ, MNIST_SCRATCH_MIRRORS=f"{base}/slow/")
    children = [subprocess.Popen([sys.executable, "-c", _CHILD, str(folder)], env=env, text=True,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(8)]
    results = [child.communicate(timeout=300) + (child.returncode,) for child in children]
    assert all(code == 0 for _, _, code in results), [err[-2000:] for _, err, _ in results]
    assert len({out for out, _, _ in results}) == 1  # the same data everywhere
    assert sorted(log) == sorted(f"/slow/{name}.gz" for name in MISSING)  # each file downloaded once
    assert _files(folder) == sorted(MISSING + ["train-images-idx3-ubyte"])
    locks = [p for p in folder.iterdir() if p.name.endswith(".lock")]
    assert len(locks) == 3 and all(p.stat().st_size == 0 and p.name.startswith(".") for p in locks)


def test_a_course_mirror_is_used_before_the_public_ones(server, tmp_path, monkeypatch):
    base, log = server
    monkeypatch.setenv("MNIST_SCRATCH_MIRRORS", f"{base}/slow")
    download("mnist", tmp_path, parts=LABELS, progress=False)
    assert log == ["/slow/t10k-labels-idx1-ubyte.gz"]


# --------------------------------------------------------------------------- class 3: slow, huge, endless
def test_a_trickling_server_is_given_up_at_the_deadline(server, tmp_path):
    base, _ = server
    start = time.perf_counter()
    with pytest.raises(DownloadError, match=r"trickle/t10k-labels-idx1-ubyte.gz: gave up after 3 s: only \d+ of "):
        download("mnist", tmp_path, parts=LABELS, progress=False, mirrors=[f"{base}/trickle/"], deadline=3, timeout=10)
    assert time.perf_counter() - start < 3 + 2 + 2  # the deadline, one more byte's wait, and some slack
    assert _files(tmp_path) == []


@pytest.mark.parametrize("kind,message", [
    ("huge", "the server announces 1,000,000,000 bytes; the file cannot be more than"),
    ("endless", "sent more than 67,108,864 bytes"),
])
def test_too_much_data_is_refused(server, tmp_path, kind, message):
    base, _ = server
    with pytest.raises(DownloadError, match=message):
        download("mnist", tmp_path, parts=LABELS, progress=False, mirrors=[f"{base}/{kind}/"])
    assert _files(tmp_path) == []


# --------------------------------------------------------------------------- class 3: the file system
@pytest.fixture
def tmpfs(tmp_path):
    """Mount a small tmpfs (needs root, as in CI containers; skipped elsewhere)."""
    mounted = []

    def mount(name: str, options: str):
        folder = tmp_path / name
        folder.mkdir()
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True)
        if result.returncode:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_really_full_disk(server, tmpfs):
    base, _ = server
    disk = tmpfs("disk", "size=2m")  # the 1.6 MB archive fits, its 7.8 MB content does not
    with pytest.raises(FileWriteError, match=f"{disk}/t10k-images-idx3-ubyte: cannot be written: the disk is full"):
        download("mnist", disk, parts=["test_images"], progress=False, mirrors=[f"{base}/slow/"])
    assert _files(disk) == []
    tiny = tmpfs("tiny", "size=64k")  # not even the archive fits
    with pytest.raises(FileWriteError, match=f"{tiny}/t10k-images-idx3-ubyte.gz: cannot be written: the disk is full"):
        download("mnist", tiny, parts=["test_images"], progress=False, mirrors=[f"{base}/slow/"])
    assert _files(tiny) == []


def test_a_really_read_only_folder(tmpfs):
    folder = tmpfs("ro", "ro,size=64k")
    with pytest.raises(DownloadError, match=f"cannot download into {folder}: the folder is not writable"):
        download("mnist", folder, parts=LABELS, progress=False, mirrors=["http://127.0.0.1:9/"])
    with pytest.raises(FileWriteError, match=f"{folder}/m.npz: cannot be written: the file system is read-only"):
        save_model(Model([784, 2, 10]), folder / "m")
    with pytest.raises(FileWriteError, match="read-only"):
        check_writable(folder / "sub" / "m.npz")


def test_disk_full_while_decompressing(server, tmp_path, monkeypatch):
    base, _ = server

    class FullDisk:
        def __init__(self, *args, **kwargs):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(download_module, "open", FullDisk, raising=False)  # shadows the builtin there
    with pytest.raises(FileWriteError, match=f"{tmp_path}/t10k-labels-idx1-ubyte: cannot be written: the disk is full"):
        download("mnist", tmp_path, parts=LABELS, progress=False, mirrors=[f"{base}/slow/"])
    assert _files(tmp_path) == []


def test_a_folder_where_the_file_should_go(server, tmp_path):
    base, log = server
    (tmp_path / "t10k-labels-idx1-ubyte").mkdir()
    with pytest.raises(FileWriteError, match="t10k-labels-idx1-ubyte: cannot be written: there is a folder of that name"):
        download("mnist", tmp_path, parts=LABELS, progress=False, mirrors=[f"{base}/slow/"])
    assert log == []  # found out before downloading anything
    with pytest.raises(FileWriteError, match="m.npz: cannot be written: there is a folder of that name"):
        (tmp_path / "m.npz").mkdir()
        save_model(Model([784, 2, 10]), tmp_path / "m.npz")


# --------------------------------------------------------------------------- class 3: leftovers, modes
def test_leftovers_of_killed_runs_are_removed_on_the_next_run(server, tmp_path):
    base, _ = server
    _leftover(tmp_path / ".t10k-labels-idx1-ubyte.gz.0a1b2c3d.part", b"\x1f\x8b half")  # this file's: gone under its lock
    _leftover(tmp_path / ".m.npz.abcd_123.part", b"PK", age=7200)                      # a save killed 2 hours ago
    kept = [_leftover(tmp_path / ".other.npz.9f8e7d6c.part", b"PK").name,             # perhaps being written now
            _leftover(tmp_path / "tmpzz12cd_y", b"\x1f\x8b\x08", age=7200).name]      # not ours: never touched
    download("mnist", tmp_path, parts=LABELS, progress=False, mirrors=[f"{base}/slow/"])
    assert _files(tmp_path) == sorted(kept + ["t10k-labels-idx1-ubyte"])


@pytest.mark.parametrize("umask,mode", [(0o002, 0o664), (0o022, 0o644), (0o077, 0o600)])
def test_files_are_created_with_the_umask_mode(server, tmp_path, umask, mode):
    from mnist_scratch.data import save_csv

    base, _ = server
    old = os.umask(umask)
    try:
        found = download("mnist", tmp_path, parts=LABELS, progress=False, mirrors=[f"{base}/slow/"])
        model = save_model(Model([784, 2, 10]), tmp_path / "m")
        csv = save_csv(tmp_path / "d.csv", [[0] * 784], [3])
    finally:
        os.umask(old)
    for path in (found["test_labels"], model, csv, tmp_path / ".t10k-labels-idx1-ubyte.lock"):
        assert oct(path.stat().st_mode & 0o777) == oct(mode), path


def test_download_result_is_the_official_content(server, tmp_path, mnist_dir):
    base, _ = server
    path = download("mnist", tmp_path, parts=LABELS, progress=False, mirrors=[f"{base}/slow/"])["test_labels"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == sources.DATASETS["mnist"].files["test_labels"].content_sha256


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


def test_the_command_line_never_echoes_a_mirrors_password(monkeypatch, course_server, tmp_path, capsys):
    from mnist_scratch import cli

    base, _, _ = course_server
    patched = dataclasses.replace(sources.DATASETS["mnist"], mirrors=())
    monkeypatch.setitem(sources.DATASETS, "mnist", patched)
    monkeypatch.setenv("MNIST_SCRATCH_MIRRORS", base.replace(urllib.parse.quote(_PASSWORD), "hunter2-secret") + "/good/")
    assert cli.main(["download", "--data-dir", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert "HTTP 401 Unauthorized" in err and "***@127.0.0.1" in err
    assert "hunter2" not in out + err
