"""mnist_scratch.data.lock, the download lock: it excludes a second process, and a lock file left by
root in a folder everyone may write still locks for the student (user ``nobody``: the ``student``
fixture of conftest.py), through a read-only descriptor; one the student cannot even read is an error
that says whose it is."""

from __future__ import annotations

from pathlib import Path

from _package_helpers import NAMES


def _root_lock(folder: Path, name: str, mode: int) -> Path:
    lock = folder / f".{name}.lock"
    lock.touch()
    lock.chmod(mode)
    return lock


def test_a_root_owned_lock_file_in_a_writable_folder_still_locks(hub, mirror_server, mnist_dir, student):
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
        results = student(f"""
            from mnist_scratch.data.lock import download_lock
            def try_lock():
                with download_lock({str(lock)!r}, {str(folder / NAMES[3])!r}, wait=1):
                    pass
            step("while root holds it", try_lock)
        """)
    finally:
        held.release()
    assert results["while root holds it"] == (
        f"DownloadError: {folder}/{NAMES[3]}: another process has been downloading it for more than 1 s; if none "
        f"is running any more, delete {lock} and try again")
    results = student(f"""
        from mnist_scratch.data.download import download
        step("download", lambda: str(download("mnist", {str(folder)!r}, parts=["test_labels"], progress=False,
                                              mirrors=[{base + "/good/"!r}])["test_labels"]))
    """)
    assert results["download"] == str(folder / NAMES[3])
    assert (folder / NAMES[3]).read_bytes() == (mnist_dir / NAMES[3]).read_bytes()
    assert lock.stat().st_uid == 0 and lock.stat().st_size == 0  # root's lock file, left as it was


def test_a_lock_file_the_student_can_neither_write_nor_read(hub, student):
    folder = hub / "course"
    folder.mkdir()
    folder.chmod(0o777)
    lock = _root_lock(folder, NAMES[3], 0o600)
    results = student(f"""
        from mnist_scratch.data.download import download
        step("download", lambda: download("mnist", {str(folder)!r}, parts=["test_labels"], progress=False,
                                          mirrors=["http://127.0.0.1:9/"]))
    """)
    assert results["download"] == (
        f"FileWriteError: {lock}: cannot be used: this lock file, which guards the download of {NAMES[3]}, is not "
        f"writable or readable by nobody (it belongs to root and its mode is -rw-------); ask its owner to remove "
        f"it, or to download the files once for everyone (mnist-scratch download)")


def test_the_lock_still_excludes_between_processes(tmp_path, student):
    """Root's own case, unchanged: filelock, and a second holder waits."""
    from mnist_scratch.data.lock import download_lock

    lock, target = tmp_path / ".x.lock", tmp_path / "x"
    with download_lock(lock, target, wait=5):
        results = student(f"""
            from mnist_scratch.data.lock import download_lock
            def again():
                with download_lock({str(lock)!r}, {str(target)!r}, wait=0.5):
                    pass
            step("second", again)
        """, as_nobody=False)
    assert results["second"].startswith(f"DownloadError: {target}: another process has been downloading it")
    with download_lock(lock, target, wait=1):  # released: free again
        pass
