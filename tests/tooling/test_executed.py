"""The executed copies (tools/executed.py): made by one run, reused while up to date, never half-written.

Built from tests/fixtures/classroom_lesson.ipynb (NumPy only), in a temporary folder, so that
nothing here touches build/executed/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")

from tools import executed  # noqa: E402
from tools.executed import LessonFailed, executed_all, executed_copies, stale_because  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "classroom_lesson.ipynb"


@pytest.fixture
def lesson(tmp_path) -> Path:
    path = tmp_path / "notebooks" / "01_fixture.ipynb"
    path.parent.mkdir()
    shutil.copy(FIXTURE, path)
    return path


def test_one_run_makes_both_copies_and_later_calls_reuse_them(lesson, tmp_path):
    folder, said = tmp_path / "executed", []
    made = executed_copies(lesson, folder=folder, log=said.append)
    assert not made.reused and made.run is not None and made.run.ran_as_intended
    assert (made.shipped, made.instructor) == (folder / lesson.name, folder / "instructor" / lesson.name)
    shipped = nbformat.read(made.shipped, as_version=4)
    instructor = nbformat.read(made.instructor, as_version=4)
    assert "NotImplementedError" in json.dumps(shipped.cells[4].outputs)            # the stub, as shipped
    assert "relu: correct" in json.dumps(instructor.cells[4].outputs)               # its solution, in its place
    record = json.loads((folder / "01_fixture.run.json").read_text())
    assert set(record["fingerprint"]) == {"lesson", "package", "environment"} and record["seconds"] >= 0
    assert stale_because(lesson, folder) is None

    again = executed_copies(lesson, folder=folder, log=said.append)
    assert again.reused and again.run is None and again.shipped == made.shipped
    assert said[-1] == f"01_fixture.ipynb: reusing {made.shipped} and {made.instructor}"
    assert nbformat.read(made.shipped, as_version=4) == shipped                      # untouched

    rerun = executed_copies(lesson, folder=folder, rerun=True, log=said.append)      # what the lesson tests ask
    assert not rerun.reused and rerun.run is not None and "a fresh run was asked for" in said[-2]


def test_copies_go_stale_when_the_lesson_the_package_the_environment_or_a_copy_changes(lesson, tmp_path,
                                                                                       monkeypatch):
    folder = tmp_path / "executed"
    made = executed_copies(lesson, folder=folder, log=lambda text: None)
    later = time.time() + 60
    os.utime(lesson, (later, later))                     # a checkout touches files: that alone changes nothing
    assert stale_because(lesson, folder) is None

    original = lesson.read_bytes()
    nb = nbformat.read(lesson, as_version=4)
    nb.cells[1].metadata["mystnb"] = {"image": {"alt": "a new alt text"}}           # metadata counts too
    nbformat.write(nb, lesson)
    assert stale_because(lesson, folder) == "the lesson changed since it ran"
    lesson.write_bytes(original)
    assert stale_because(lesson, folder) is None

    monkeypatch.setattr(executed, "_package_digest", lambda root=None: "another package")
    assert stale_because(lesson, folder) == "the mnist_scratch package changed since it ran"
    monkeypatch.setattr(executed, "_environment_digest", lambda: "another environment")
    assert stale_because(lesson, folder) == ("the mnist_scratch package and the Python environment changed "
                                             "since it ran")
    monkeypatch.undo()
    assert stale_because(lesson, folder) is None

    made.instructor.write_text(made.instructor.read_text().replace("relu: correct", "relu: edited"))
    assert stale_because(lesson, folder) == "a copy was changed after the run that made it"
    made.instructor.unlink()
    assert stale_because(lesson, folder) == "it has no executed copy yet"


def test_the_package_digest_covers_every_file_but_the_byte_code(tmp_path):
    package = tmp_path / "mnist_scratch"
    shutil.copytree(executed.package_folder(), package, ignore=shutil.ignore_patterns("__pycache__"))
    before = executed._package_digest(package)
    assert before == executed._package_digest(package)
    (package / "__pycache__").mkdir(exist_ok=True)
    (package / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"compiled")
    assert executed._package_digest(package) == before
    data = next(p for p in sorted(package.rglob("*.py")) if p.name != "__init__.py")
    data.write_text(data.read_text() + "\n# a comment\n")
    assert executed._package_digest(package) != before


def test_the_environment_digest_reads_the_environment_not_the_search_path(tmp_path):
    """What a process happens to have on its path (setuptools adds its vendored packages when imported)
    is not the environment: the same environment gives the same digest."""
    extra = tmp_path / "extra" / "not_installed-1.0.dist-info"
    extra.mkdir(parents=True)
    (extra / "METADATA").write_text("Metadata-Version: 2.1\nName: not-installed\nVersion: 1.0\n")
    code = "from tools.executed import _environment_digest; print(_environment_digest())"
    digests = []
    for path in (str(REPO), os.pathsep.join([str(REPO), str(extra.parent)])):
        done = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=path), cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        digests.append(done.stdout.strip())
    assert digests[0] == digests[1] == executed._environment_digest()


def test_a_lesson_that_fails_leaves_no_copy_and_says_which_cell(lesson, tmp_path):
    nb = nbformat.read(lesson, as_version=4)
    nb.cells.insert(13, nbformat.v4.new_code_cell("raise ValueError('the data moved')"))
    nbformat.write(nb, lesson)
    folder = tmp_path / "executed"
    with pytest.raises(LessonFailed) as failed:
        executed_copies(lesson, folder=folder, log=lambda text: None)
    message = str(failed.value)
    assert message.startswith(f"{failed.value.run.name} did not run as intended, so it has no executed copy:")
    assert "cell 14 of 18 [4] (starting \"raise ValueError('the data moved')\") failed with ValueError: the data moved" \
        in message
    assert not list(folder.rglob("*.ipynb")) and not list(folder.glob("*.json"))


def test_lessons_run_side_by_side_in_worker_processes(tmp_path):
    lessons = []
    for name in ("01_a.ipynb", "02_b.ipynb"):
        lessons.append(tmp_path / "notebooks" / name)
        lessons[-1].parent.mkdir(exist_ok=True)
        shutil.copy(FIXTURE, lessons[-1])
    folder = tmp_path / "executed"
    made = executed_all(lessons, folder=folder, jobs=2)
    assert [m.shipped.name for m in made] == ["01_a.ipynb", "02_b.ipynb"] and not any(m.reused for m in made)
    assert all(stale_because(p, folder) is None for p in lessons)
    assert all(m.reused for m in executed_all(lessons, folder=folder, jobs=2))
