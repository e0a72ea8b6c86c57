"""A loopback mirror of the official MNIST archives, for the download tests in this folder."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

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
