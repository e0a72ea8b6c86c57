"""The download path end to end, against a loopback HTTP server over the official archives."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil

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
