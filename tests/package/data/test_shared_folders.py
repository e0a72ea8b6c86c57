"""Files and folders as a shared hub has them: FIFOs and devices where data files should be,
folders and files closed to the student, and lock files left by the instructor's root.

The tests run as root, for whom no permission is ever denied; so the student is played by a
child process that drops to the user ``nobody`` before it starts (or the test is skipped,
saying why, where that cannot be done). A FIFO is read in a child process with a timeout,
so that a reader that waits forever fails the test instead of hanging the suite.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from mnist_scratch.data import DataFileError, load_csv, load_idx, save_csv
from mnist_scratch.data.idx import IdxFormatError

NAMES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

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


def _child(code: str, *, as_nobody: bool, timeout: float = 120) -> dict:
    """Run ``code`` (after the prelude) in a fresh Python, as user nobody if asked; return its results."""
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
def hub():
    """A folder everyone may enter, like a hub's /srv/course (pytest's own tmp_path is root's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="hub-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- FIFOs, devices, sockets
def test_a_fifo_is_refused_by_name_and_never_waited_on(hub, mnist_dir):
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    os.mkfifo(hub / "digits.csv")
    os.mkfifo(hub / "labels")
    folder = hub / "data"
    folder.mkdir()
    for name in NAMES[:3]:
        (folder / name).symlink_to(mnist_dir / name)  # (a link to a regular file is a regular file)
    os.mkfifo(folder / NAMES[3])
    results = _child(f"""
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


# --------------------------------------------------------------------------- closed folders and files
def test_what_the_student_may_not_read_is_said_in_one_sentence(hub, mnist_dir, mnist):
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
    results = _child(f"""
        from mnist_scratch.data import load_csv, load_idx, load_mnist
        step("folder", lambda: load_mnist({str(closed)!r}, download=False))
        step("inside", lambda: load_idx({str(closed / NAMES[3])!r}))
        step("idx", lambda: load_idx({str(hub / "secret-labels")!r}))
        step("csv", lambda: load_csv({str(secret)!r}))
        step("readable", lambda: str(load_idx({str(hub / "open-labels")!r})[:3].tolist()))
        step("readable csv", lambda: str(load_csv({str(readable)!r})[1].tolist()))
    """, as_nobody=True)
    assert results["folder"] == (
        f"DataFileError: {closed}: the data folder cannot be read: it is closed to nobody (it belongs to root and "
        f"its mode is drwx------); ask its owner to open it (chmod a+rx {closed}), or point MNIST_SCRATCH_DATA_DIR "
        f"at a folder you can read")
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


def test_writing_where_the_student_may_not_says_whose_it_is(hub, mnist):
    read_only = hub / "read-only"
    read_only.mkdir(mode=0o755)
    sticky = hub / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)  # like /tmp: everyone may write, but only replace their own files
    theirs = save_csv(sticky / "digits.csv", mnist.X_test[:2], mnist.y_test[:2])
    theirs.chmod(0o644)
    results = _child(f"""
        from mnist_scratch.data import save_csv
        X = [[0] * 784]
        step("folder", lambda: save_csv({str(read_only / "d.csv")!r}, X, [3]))
        step("file", lambda: save_csv({str(theirs)!r}, X, [3]))
        step("own", lambda: save_csv({str(sticky / "mine.csv")!r}, X, [3]))
    """, as_nobody=True)
    assert results["folder"] == (
        f"FileWriteError: {read_only}/d.csv: cannot be written: permission denied: nobody cannot write in the folder "
        f"{read_only} (it belongs to root and its mode is drwxr-xr-x); choose another folder")
    assert results["file"] == (
        f"FileWriteError: {theirs}: cannot be written: permission denied: the folder is writable, but the file "
        f"itself is not writable by nobody (it belongs to root and its mode is -rw-r--r--); ask its owner to "
        f"remove it, or choose another name")
    assert results["own"] == "ok" and (sticky / "mine.csv").stat().st_uid != 0
    assert load_csv(theirs, scale="raw")[1].tolist() == mnist.y_test[:2].tolist()  # untouched
    assert sorted(p.name for p in sticky.iterdir()) == ["digits.csv", "mine.csv"]  # no temporary left


# --------------------------------------------------------------------------- lock files left by root
def _root_lock(folder: Path, name: str, mode: int) -> Path:
    lock = folder / f".{name}.lock"
    lock.touch()
    lock.chmod(mode)
    return lock


def test_a_root_owned_lock_file_in_a_writable_folder_still_locks(hub, mirror_server, mnist_dir):
    """The instructor downloaded once as root; the student's download still takes the same lock (read-only
    flock), waits while root holds it, and then downloads."""
    from filelock import FileLock

    base, _ = mirror_server
    folder = hub / "course"
    folder.mkdir()
    folder.chmod(0o777)
    lock = _root_lock(folder, NAMES[3], 0o644)
    held = FileLock(lock)
    held.acquire()
    try:
        results = _child(f"""
            from mnist_scratch.data.lock import download_lock
            def try_lock():
                with download_lock({str(lock)!r}, {str(folder / NAMES[3])!r}, wait=1):
                    pass
            step("while root holds it", try_lock)
        """, as_nobody=True)
    finally:
        held.release()
    assert results["while root holds it"] == (
        f"DownloadError: {folder}/{NAMES[3]}: another process has been downloading it for more than 1 s; if none "
        f"is running any more, delete {lock} and try again")
    results = _child(f"""
        from mnist_scratch.data.download import download
        step("download", lambda: str(download("mnist", {str(folder)!r}, parts=["test_labels"], progress=False,
                                              mirrors=[{base + "/good/"!r}])["test_labels"]))
    """, as_nobody=True)
    assert results["download"] == str(folder / NAMES[3])
    assert (folder / NAMES[3]).read_bytes() == (mnist_dir / NAMES[3]).read_bytes()
    assert lock.stat().st_uid == 0 and lock.stat().st_size == 0  # root's lock file, left as it was


def test_a_lock_file_the_student_can_neither_write_nor_read(hub):
    folder = hub / "course"
    folder.mkdir()
    folder.chmod(0o777)
    lock = _root_lock(folder, NAMES[3], 0o600)
    results = _child(f"""
        from mnist_scratch.data.download import download
        step("download", lambda: download("mnist", {str(folder)!r}, parts=["test_labels"], progress=False,
                                          mirrors=["http://127.0.0.1:9/"]))
    """, as_nobody=True)
    assert results["download"] == (
        f"FileWriteError: {lock}: cannot be used: this lock file, which guards the download of {NAMES[3]}, is not "
        f"writable or readable by nobody (it belongs to root and its mode is -rw-------); ask its owner to remove "
        f"it, or to download the files once for everyone (mnist-scratch download)")


def test_the_lock_still_excludes_between_processes(tmp_path):
    """Root's own case, unchanged: filelock, and a second holder waits."""
    from mnist_scratch.data.lock import download_lock

    lock, target = tmp_path / ".x.lock", tmp_path / "x"
    with download_lock(lock, target, wait=5):
        results = _child(f"""
            from mnist_scratch.data.lock import download_lock
            def again():
                with download_lock({str(lock)!r}, {str(target)!r}, wait=0.5):
                    pass
            step("second", again)
        """, as_nobody=False)
    assert results["second"].startswith(f"DownloadError: {target}: another process has been downloading it")
    with download_lock(lock, target, wait=1):  # released: free again
        pass
