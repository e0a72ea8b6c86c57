"""Shared fixtures. The real MNIST files are found the same way the notebooks
find them: $MNIST_SCRATCH_DATA_DIR (CI points it at ../shared/mnist) or data/."""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from mnist_scratch.data import load_mnist, resolve_data_dir

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def work_folder(tmp_path_factory, monkeypatch):
    """Every test keeps the learner's parts in a fresh temporary work folder, never in the repository
    (a self-check that passes saves its part: mnist_scratch/lab/work_folder.py), and starts with no part
    kept in memory and graded mode off. (Nothing is imported for it: importing the lab limits BLAS threads.)"""
    folder = tmp_path_factory.mktemp("work") / "my_network"
    monkeypatch.setenv("MNIST_SCRATCH_WORK_DIR", str(folder))
    _forget_the_learners_parts()
    yield folder
    _forget_the_learners_parts()


def _forget_the_learners_parts() -> None:
    saving, work = sys.modules.get("mnist_scratch.lab.saving"), sys.modules.get("mnist_scratch.lab.work_folder")
    if saving is not None:
        saving.forget()
    if work is not None:
        work.set_graded(None)


@pytest.fixture(scope="session")
def mnist():
    """The real data set, loaded once: X_train, y_train, X_test, y_test."""
    return load_mnist()


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    load_mnist()  # make sure the files are there (downloads them on a learner's machine)
    return resolve_data_dir()


@pytest.fixture(scope="session")
def gz_dir(mnist_dir) -> Path:
    """The folder of official .gz archives beside the decompressed files, if there is one."""
    candidates = [mnist_dir / "gz", REPO.parent / "shared" / "mnist" / "gz"]
    for folder in candidates:
        if (folder / "t10k-labels-idx1-ubyte.gz").is_file():
            return folder
    pytest.skip("no folder of official MNIST .gz archives (../shared/mnist/gz) on this machine")


@pytest.fixture
def small(mnist):
    """A small, fixed slice of the real training set for quick training tests."""
    X, y, X_test, y_test = mnist
    return X[:2000], y[:2000], X_test[:1000], y_test[:1000]


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


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
