"""A whole class downloading at once, course mirrors, slow servers, full disks, read-only
folders, leftovers of killed runs and file modes: against a loopback server over the
official archives."""

from __future__ import annotations

import errno
import functools
import hashlib
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time

import pytest

from mnist_scratch.data import download as download_module
from mnist_scratch.data import sources
from mnist_scratch.data.atomic import check_writable
from mnist_scratch.data.download import DownloadError, download
from mnist_scratch.data.errors import FileWriteError
from mnist_scratch.files.model_file import save_model
from mnist_scratch.model import Model

LABELS = ["test_labels"]
MISSING = ["train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]


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


def _files(folder):
    """The files in ``folder``, apart from the empty download locks, which stay."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))


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


def test_course_mirrors_come_first(monkeypatch):
    monkeypatch.setenv("MNIST_SCRATCH_MIRRORS", " https://course.example.org/mnist, http://10.0.0.5/data/\tfile:///srv/m ")
    mirrors = sources.mirrors_for("mnist")
    assert mirrors[:3] == ("https://course.example.org/mnist/", "http://10.0.0.5/data/", "file:///srv/m/")
    assert mirrors[3:] == sources.DATASETS["mnist"].mirrors
    assert sources.mirrors_for("fashion-mnist")[0] == "https://course.example.org/mnist/fashion-mnist/"
    monkeypatch.setenv("MNIST_SCRATCH_MIRRORS", "")
    assert sources.mirrors_for("mnist") == sources.DATASETS["mnist"].mirrors
    monkeypatch.setenv("MNIST_SCRATCH_MIRRORS", "course.example.org/mnist")
    with pytest.raises(ValueError, match="MNIST_SCRATCH_MIRRORS: 'course.example.org/mnist' is not a URL"):
        sources.mirrors_for("mnist")


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


def test_a_file_where_the_folder_should_be(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileWriteError, match="file/m.npz: cannot be written"):
        save_model(Model([784, 2, 10]), tmp_path / "file" / "m.npz")


# --------------------------------------------------------------------------- class 3: leftovers, modes
def _leftover(path, data: bytes, age: float = 0):
    """A file as a killed run leaves it, last written ``age`` seconds ago."""
    path.write_bytes(data)
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_leftovers_of_killed_runs_are_removed_on_the_next_run(server, tmp_path):
    base, _ = server
    _leftover(tmp_path / ".t10k-labels-idx1-ubyte.gz.0a1b2c3d.part", b"\x1f\x8b half")  # this file's: gone under its lock
    _leftover(tmp_path / ".m.npz.abcd_123.part", b"PK", age=7200)                      # a save killed 2 hours ago
    kept = [_leftover(tmp_path / ".other.npz.9f8e7d6c.part", b"PK").name,             # perhaps being written now
            _leftover(tmp_path / "tmpzz12cd_y", b"my notes", age=7200).name,          # a pooch-like name, not an archive
            _leftover(tmp_path / "tmpab12cd_z", b"\x1f\x8b\x08").name]                # pooch's, perhaps still running
    _leftover(tmp_path / "tmpab12cd_x", b"\x1f\x8b\x08 pooch", age=7200)                # pooch's, from a killed download
    download("mnist", tmp_path, parts=LABELS, progress=False, mirrors=[f"{base}/slow/"])
    assert _files(tmp_path) == sorted(kept + ["t10k-labels-idx1-ubyte"])


def test_saving_removes_stale_temporaries_of_killed_saves(tmp_path):
    _leftover(tmp_path / ".m.npz.0123abcd.part", bytes(1000), age=7200)
    save_model(Model([784, 2, 10]), tmp_path / "m")
    assert _files(tmp_path) == ["m.npz"]


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
