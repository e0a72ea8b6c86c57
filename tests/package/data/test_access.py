"""mnist_scratch.data.access, opening a data file as a shared folder has them: FIFOs, devices and
sockets refused by name without being read, and files or folders closed to the student said in one
sentence. The student is a child process as user ``nobody`` (the ``student`` fixture of conftest.py);
a FIFO is read in a child process with a timeout, so that a reader that waits forever fails the test
instead of hanging the suite."""

from __future__ import annotations

import os
import shutil
import socket

import pytest
from _package_helpers import NAMES

from mnist_scratch.data import DataFileError, load_csv, load_idx, save_csv
from mnist_scratch.data.idx import IdxFormatError


def test_a_fifo_is_refused_by_name_and_never_waited_on(hub, mnist_dir, student):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    os.mkfifo(hub / "digits.csv")
    os.mkfifo(hub / "labels")
    folder = hub / "data"
    folder.mkdir()
    for name in NAMES[:3]:
        (folder / name).symlink_to(mnist_dir / name)  # (a link to a regular file is a regular file)
    os.mkfifo(folder / NAMES[3])
    results = student(f"""
        from mnist_scratch.data import load_csv, load_idx, load_mnist
        step("csv", lambda: load_csv({str(hub / "digits.csv")!r}))
        step("idx", lambda: load_idx({str(hub / "labels")!r}))
        step("mnist", lambda: load_mnist({str(folder)!r}, download=False))
    """, as_nobody=False, timeout=60)
    fifo = "is a named pipe (FIFO), not a regular file; only regular files are read as"
    assert results["csv"] == f"DataFileError: {hub}/digits.csv: {fifo} a CSV file, since reading a pipe or a " \
                             f"device may never end"
    assert results["idx"].startswith(f"IdxFormatError: {hub}/labels: {fifo} an IDX file")
    assert results["mnist"].startswith(f"IdxFormatError: {folder}/{NAMES[3]}: {fifo} an IDX file")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null", "/dev/urandom"])
def test_a_device_is_refused_by_name(device):
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    with pytest.raises(DataFileError, match=f"^{device}: is a character device, not a regular file"):
        load_csv(device)
    with pytest.raises(IdxFormatError, match=f"^{device}: is a character device, not a regular file"):
        load_idx(device)


def test_a_socket_is_refused_by_name(hub):
    if not hasattr(socket, "AF_UNIX"):
        pytest.skip("no Unix sockets here")
    path = hub / "labels"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(IdxFormatError, match=f"^{path}: is a socket, not a regular file"):
            load_idx(path)
        with pytest.raises(DataFileError, match=f"^{path}: is a socket, not a regular file; only regular files are "
                                                f"read as a CSV file"):
            load_csv(path)


def test_what_the_student_may_not_read_is_said_in_one_sentence(hub, mnist_dir, mnist, student):
    closed = hub / "closed"
    closed.mkdir()
    shutil.copyfile(mnist_dir / NAMES[3], closed / NAMES[3])
    closed.chmod(0o700)
    shutil.copyfile(mnist_dir / NAMES[3], hub / "secret-labels")
    (hub / "secret-labels").chmod(0o600)
    secret = save_csv(hub / "secret.csv", mnist.X_test[:3], mnist.y_test[:3])
    secret.chmod(0o600)
    readable = save_csv(hub / "open.csv", mnist.X_test[:3], mnist.y_test[:3])
    readable.chmod(0o644)
    shutil.copyfile(mnist_dir / NAMES[3], hub / "open-labels")
    (hub / "open-labels").chmod(0o644)
    results = student(f"""
        from mnist_scratch.data import load_csv, load_idx
        step("inside", lambda: load_idx({str(closed / NAMES[3])!r}))
        step("idx", lambda: load_idx({str(hub / "secret-labels")!r}))
        step("csv", lambda: load_csv({str(secret)!r}))
        step("readable", lambda: str(load_idx({str(hub / "open-labels")!r})[:3].tolist()))
        step("readable csv", lambda: str(load_csv({str(readable)!r})[1].tolist()))
    """)
    assert results["inside"] == (
        f"IdxFormatError: {closed}/{NAMES[3]}: cannot be read: the folder {closed} is closed to nobody (it belongs "
        f"to root and its mode is drwx------); ask its owner to open it (chmod a+rx {closed}), or use a copy kept "
        f"elsewhere")
    assert results["idx"] == (
        f"IdxFormatError: {hub}/secret-labels: cannot be read: permission denied to nobody (it belongs to root and "
        f"its mode is -rw-------); ask its owner to make it readable (chmod a+r {hub}/secret-labels), or use a copy "
        f"kept elsewhere")
    assert results["csv"] == (
        f"DataFileError: {secret}: cannot be read: permission denied to nobody (it belongs to root and its mode is "
        f"-rw-------); ask its owner to make it readable (chmod a+r {secret}), or use a copy kept elsewhere")
    assert results["readable"] == results["readable csv"] == str(mnist.y_test[:3].tolist())
