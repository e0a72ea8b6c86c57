"""The lesson runner (tools/runner.py) and how pytest reports a lesson (notebooks/conftest.py).

Each test builds a small lesson from tests/fixtures/classroom_lesson.ipynb (two exercises, the first
with two hints; NumPy only), breaks one rule or none, and runs it in a real kernel: a few seconds each.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")

from tools.lesson_format import solution_code  # noqa: E402
from tools.runner import run_lesson  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "classroom_lesson.ipynb"
RELU, RELU_SOLUTION, SOFTMAX = 4, 7, 10       # the fixture's cells: relu's stub, its solution (after two hints)
FIGURE = ("%matplotlib inline\nimport matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(2, 1), dpi=30)\n"
          "ax.plot([0, 1])\nplt.show()")


def fixture():
    nb = nbformat.read(FIXTURE, as_version=4)
    assert "exercise" in nb.cells[RELU].metadata["tags"] and "solution" in nb.cells[RELU_SOLUTION].metadata["tags"]
    return nb


def write(nb, folder: Path, name: str = "01_lesson.ipynb") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)
    return folder / name


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs)


def test_a_lesson_that_keeps_the_rules_runs_clean_and_gives_both_copies(tmp_path):
    lesson = fixture()
    run = run_lesson(write(lesson, tmp_path))
    assert run.problems == [] and run.ran_as_intended and run.stopped_at is None
    assert run.exercises == [RELU, SOFTMAX]
    shipped, instructor = run.shipped, run.instructor
    for index in run.exercises:                                  # each stub failed as shipped ...
        assert [o.ename for o in shipped.cells[index].outputs if o.output_type == "error"] == ["NotImplementedError"]
        assert shipped.cells[index].source == lesson.cells[index].source
    solved = instructor.cells[RELU]                             # ... and its solution, found past the hints, passed
    assert solved.source == solution_code(lesson.cells[RELU_SOLUTION].source, "x")
    assert _text(solved) == "relu: correct\n" and "softmax: correct" in _text(instructor.cells[SOFTMAX])
    assert [c.source for c in instructor.cells if c.cell_type == "markdown"] == \
           [c.source for c in lesson.cells if c.cell_type == "markdown"]          # hints and solutions untouched
    for nb in (shipped, instructor):                             # numbered as Run All would number them
        counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
        assert counts == list(range(1, len(counts) + 1))
    assert "the lesson goes on" in _text(shipped.cells[13]) and "the lesson goes on" in _text(instructor.cells[13])


def test_each_broken_rule_is_reported_with_the_lesson_the_cell_and_the_error(tmp_path):
    lesson = fixture()
    lesson.cells[RELU].source = lesson.cells[RELU].source.replace('raise NotImplementedError("write relu")',
                                                                  "return np.maximum(Z, 0)")   # a stub that works
    lesson.cells[RELU_SOLUTION].source = lesson.cells[RELU_SOLUTION].source.replace("np.maximum(Z, 0.0)", "Z")
    lesson.cells.insert(12, nbformat.v4.new_code_cell(FIGURE))                                   # no alt text
    lesson.cells.insert(13, nbformat.v4.new_code_cell("1 / 0", metadata={"tags": ["raises-exception"]}))  # allowed
    lesson.cells.insert(14, nbformat.v4.new_code_cell("dev_accuracy = 0.5\n"
                                                      "assert dev_accuracy > 0.9, f'dev accuracy {dev_accuracy}'"))
    lesson.cells.insert(15, nbformat.v4.new_code_cell("print('never reached')"))
    run = run_lesson(write(lesson, tmp_path), name="notebooks/01_lesson.ipynb")
    found = {(p.rule, p.cell): str(p) for p in run.problems}
    assert sorted(found) == [("alt-text", 12), ("runs", 14), ("solution", RELU), ("stub", RELU)]
    assert run.stopped_at == 14 and not run.ran_as_intended
    assert found["stub", RELU] == ("notebooks/01_lesson.ipynb, cell 5 of 21 [2] (starting 'def relu(Z):') ran "
                                   "without error: as shipped, an exercise must be a stub that raises "
                                   "NotImplementedError")
    solution = found["solution", RELU]
    assert solution.startswith("notebooks/01_lesson.ipynb, cell 5 of 21 [2] (starting 'def relu(Z):'): its solution")
    assert "AssertionError: relu is not max(0, z) element-wise" in solution and "----> 5 check.relu(relu)" in solution
    runs = found["runs", 14]
    assert runs.startswith("notebooks/01_lesson.ipynb, cell 15 of 21 [6] (starting 'dev_accuracy = 0.5') failed "
                           "with AssertionError: dev accuracy 0.5")
    assert "\x1b[" not in runs and '"output_type"' not in runs and len(runs.splitlines()) < 20   # no colours, no JSON
    assert "cell 13 of 21 [4] (starting '%matplotlib inline') draws a figure without alt text" in found["alt-text", 12]
    assert run.shipped.cells[15].outputs == [] and run.shipped.cells[15].execution_count is None   # not reached


def test_a_stub_that_fails_with_another_error_and_exercises_never_reached_are_named(tmp_path):
    lesson = fixture()
    lesson.cells[RELU].source = "def relu(Z):\n    return np.maximum(Z, 0)\n\ncheck.relu(undefined_name)"
    lesson.cells.insert(9, nbformat.v4.new_code_cell("raise RuntimeError('broken before softmax')"))
    run = run_lesson(write(lesson, tmp_path), solutions=False)
    found = {(p.rule, p.cell): str(p) for p in run.problems}
    assert sorted(found) == [("runs", 9), ("stub", RELU), ("stub", SOFTMAX + 1)] and run.instructor is None
    assert "failed with NameError: name 'undefined_name' is not defined, not with its stub's NotImplementedError" \
        in found["stub", RELU]
    assert found["stub", SOFTMAX + 1].endswith("the stub did not run to its end: the lesson stopped earlier, at "
                                               "01_lesson.ipynb, cell 10 of 18 [3] (starting \"raise "
                                               "RuntimeError('broken before softmax')\")")


def test_a_lesson_out_of_format_is_not_run(tmp_path):
    lesson = fixture()
    lesson.cells.insert(RELU + 1, nbformat.v4.new_markdown_cell("A remark between the stub and its hints."))
    run = run_lesson(write(lesson, tmp_path))
    assert [p.rule for p in run.problems] == ["format"] and run.seconds == 0.0
    assert "01_lesson.ipynb, cell 5 of 18 (starting 'def relu(Z):'): an `exercise` cell must be followed" \
        in str(run.problems[0])
    assert all(not c.get("outputs") for c in run.shipped.cells)


def test_pytest_reports_each_rule_of_each_lesson_as_an_item_in_a_few_lines(tmp_path):
    """notebooks/conftest.py on a project of its own: one good lesson and one broken one."""
    project = tmp_path / "project"
    (project / "notebooks").mkdir(parents=True)
    shutil.copy(REPO / "notebooks" / "conftest.py", project / "notebooks" / "conftest.py")
    (project / "pytest.ini").write_text("[pytest]\n")
    write(fixture(), project / "notebooks", "01_good.ipynb")
    broken = fixture()
    broken.cells.insert(13, nbformat.v4.new_code_cell("assert 1 + 1 == 3, 'arithmetic is broken'"))
    write(broken, project / "notebooks", "02_broken.ipynb")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:nbval", "-v",
                           "notebooks"], cwd=project, env=env, capture_output=True, text=True, timeout=600)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    for item in ("runs", "stub[cell 5]", "solution[cell 5]", "stub[cell 11]", "solution[cell 11]", "alt-text"):
        assert f"notebooks/01_good.ipynb::{item} PASSED" in out, out
    assert "notebooks/02_broken.ipynb::runs FAILED" in out and "notebooks/02_broken.ipynb::alt-text PASSED" in out
    assert ("notebooks/02_broken.ipynb, cell 14 of 18 [4] (starting \"assert 1 + 1 == 3, 'arithmetic is broken'\") "
            "failed with AssertionError: arithmetic is broken") in out
    assert '"cell_type"' not in out and '"outputs"' not in out              # no wall of JSON
    assert "1 failed, 11 passed" in out
    executed = project / "build" / "executed"                    # the good lesson's copies are kept, the broken one's not
    assert sorted(p.name for p in executed.rglob("*.ipynb")) == ["01_good.ipynb", "01_good.ipynb"]
