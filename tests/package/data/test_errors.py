"""mnist_scratch.data.errors: a write that is refused says whose the folder or the file is, and its mode,
as the student (user ``nobody``: the ``student`` fixture of conftest.py) meets it in a shared folder."""

from __future__ import annotations

from mnist_scratch.data import load_csv, save_csv


def test_writing_where_the_student_may_not_says_whose_it_is(hub, mnist, student):
    read_only = hub / "read-only"
    read_only.mkdir(mode=0o755)
    sticky = hub / "sticky"
    sticky.mkdir()
    sticky.chmod(0o1777)  # like /tmp: everyone may write, but only replace their own files
    theirs = save_csv(sticky / "digits.csv", mnist.X_test[:2], mnist.y_test[:2])
    theirs.chmod(0o644)
    results = student(f"""
        from mnist_scratch.data import save_csv
        X = [[0] * 784]
        step("folder", lambda: save_csv({str(read_only / "d.csv")!r}, X, [3]))
        step("file", lambda: save_csv({str(theirs)!r}, X, [3]))
        step("own", lambda: save_csv({str(sticky / "mine.csv")!r}, X, [3]))
    """)
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
