"""The classroom build (tools/classroom.py) and nbgrader's real grading of what it makes.

Built from tests/fixtures/classroom_lesson.ipynb, a two-exercise lesson in the exercise format
(relu worth 1 point, with two hints before its solution; softmax worth 2, without hints) that
needs nothing but NumPy. The real lessons are built
without running them (leak check); one of them is graded with nbgrader if it is in the exercise
format (skipped, with the reason, while none is). Needs the ``classroom`` extra; runs offline.
"""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader", reason="the classroom tests need the extra: pip install -e '.[classroom]'")

from tools import classroom, lesson_format, nbgrader_release  # noqa: E402
from tools.book.stage import ends_with_semicolon  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

FIXTURE = ROOT / "tests" / "fixtures" / "classroom_lesson.ipynb"
LESSON = FIXTURE.stem          # also the nbgrader assignment id
POINTS = {"relu-check": 1, "softmax-check": 2}
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Build the three releases from a copy of the fixture lesson (so running it writes nothing here)."""
    tmp = tmp_path_factory.mktemp("classroom")
    lesson = tmp / "notebooks" / FIXTURE.name
    lesson.parent.mkdir()
    shutil.copy(FIXTURE, lesson)
    made = classroom.build([lesson], tmp / "out", executed_dir=tmp / "executed", timeout=120)
    assert made == {"student": [FIXTURE.name], "instructor": [FIXTURE.name], "nbgrader": [LESSON]}
    return tmp / "out", nbformat.read(FIXTURE, as_version=4)


def _tags(cell):
    return cell.metadata.get("tags", [])


# ----------------------------------------------------------------------------- student/

def test_student_release_keeps_the_stubs_and_drops_every_answer(built):
    out, source = built
    path = out / "student" / FIXTURE.name
    student = nbformat.read(path, as_version=4)
    assert not [c for c in student.cells if {"solution", "answer-key"} & set(_tags(c))]
    stubs = [c.source for c in source.cells if "exercise" in _tags(c)]
    assert [c.source for c in student.cells if "exercise" in _tags(c)] == stubs
    assert all("raises-exception" in _tags(c) for c in student.cells if "exercise" in _tags(c))
    assert lesson_format.find_leaks(student, source) == []
    text = path.read_text(encoding="utf-8")       # independently of find_leaks, on the raw file
    for answer in ("np.maximum(Z, 0.0)", "e / e.sum(axis=1, keepdims=True)", "subgradient", "Solution</summary>",
                   "relu_prime_at_0"):
        assert answer not in text
    assert "raise NotImplementedError" in text and "check.softmax(softmax)" in text


def _hints(nb):
    return [c.source for c in nb.cells if "hint" in _tags(c)]


def test_every_edition_keeps_the_hints_in_their_place(built):
    out, source = built
    hints = _hints(source)
    assert len(hints) == 2 and hints[0].startswith("<details><summary>Hint 1</summary>")
    for edition in ("student", "instructor", f"nbgrader/source/{LESSON}"):
        nb = nbformat.read(out / edition / FIXTURE.name, as_version=4)
        assert _hints(nb) == hints, edition
        relu = next(i for i, c in enumerate(nb.cells) if c.source.startswith("def relu"))
        after = [c for c in nb.cells[relu + 1:relu + 4] if "hint" in _tags(c)]
        assert len(after) == 2, f"{edition}: the hints are not right after the relu exercise"


def test_a_hint_may_show_what_the_solution_writes():
    source = nbformat.read(FIXTURE, as_version=4)
    hint = next(c for c in source.cells if "hint" in _tags(c))
    hint.source += "\n\n    return np.maximum(Z, 0.0)   # element-wise"       # given on purpose, so not a secret
    assert not any("np.maximum(Z, 0.0)" in s for s in lesson_format.secrets(source))
    assert lesson_format.find_leaks(classroom.student_version(source), source) == []


def test_leak_check_catches_what_it_should(built):
    out, source = built
    student = nbformat.read(out / "student" / FIXTURE.name, as_version=4)
    pasted = nbformat.v4.new_code_cell("x = 1\n    return np.maximum(Z, 0.0)   # element-wise")
    student.cells.append(pasted)
    assert any("np.maximum(Z, 0.0)" in leak for leak in lesson_format.find_leaks(student, source))
    student.cells[-1] = nbformat.v4.new_markdown_cell(
        "* The package  defines ReLU'(0) as zero,\nthe subgradient choice most libraries make.")
    assert lesson_format.find_leaks(student, source)               # an answer-key sentence, wrapped differently
    student.cells[-1] = nbformat.v4.new_markdown_cell("", metadata={"tags": ["answer-key"]})
    assert any("tagged" in leak for leak in lesson_format.find_leaks(student, source))
    student.cells[-1] = nbformat.v4.new_markdown_cell("<details><summary>Answers</summary>\n\nlater</details>")
    assert any("folded" in leak for leak in lesson_format.find_leaks(student, source))
    # hidden in an output, not in a source
    student.cells[-1] = nbformat.v4.new_code_cell("print(1)", outputs=[nbformat.v4.new_output(
        "stream", name="stdout", text="shifted = Z - Z.max(axis=1, keepdims=True)\n")])
    assert lesson_format.find_leaks(student, source)


def test_answer_keys_may_reuse_the_lessons_own_code():
    source = nbformat.read(FIXTURE, as_version=4)
    shared = 'print("the lesson goes on")'
    key = next(c for c in source.cells if c.cell_type == "code" and "answer-key" in _tags(c))
    key.source += "\n" + shared                        # the same line as a visible cell of the lesson
    assert shared in "\n".join(c.source for c in source.cells if not _tags(c))
    secrets = lesson_format.secrets(source)
    assert shared not in secrets and any("relu_prime_at_0" in s for s in secrets)
    assert lesson_format.find_leaks(classroom.student_version(source), source) == []


def test_format_errors_name_the_notebook_and_cell(built):
    _, source = built
    exercise = next(i for i, c in enumerate(source.cells) if "exercise" in _tags(c))
    solution = next(i for i, c in enumerate(source.cells) if "solution" in _tags(c))
    assert solution == exercise + 3                                    # two hints in between
    def where(nb):
        return rf"lesson\.ipynb, cell {exercise + 1} of {len(nb.cells)} \(starting 'def relu\(Z\):'\)"

    broken = copy.deepcopy(source)
    broken.cells[solution].source = broken.cells[solution].source.replace("check.relu(relu)", "check.relu(other)")
    with pytest.raises(lesson_format.FormatError, match=rf"(?s){where(broken)}: .*same check lines"):
        lesson_format.find_exercises(broken, "lesson.ipynb")

    broken = copy.deepcopy(source)                       # something else between the hints and the solution
    broken.cells.insert(solution, nbformat.v4.new_markdown_cell("A remark."))
    with pytest.raises(lesson_format.FormatError, match=rf"{where(broken)}: .*followed by its `hint` cells"):
        lesson_format.find_exercises(broken, "lesson.ipynb")

    broken = copy.deepcopy(source)
    del broken.cells[solution]
    with pytest.raises(lesson_format.FormatError, match="followed by its `hint` cells, if any, and then by its `solution`"):
        lesson_format.find_exercises(broken, "lesson.ipynb")

    broken = copy.deepcopy(source)                       # a hint that belongs to no exercise
    broken.cells.insert(1, copy.deepcopy(broken.cells[exercise + 1]))
    with pytest.raises(lesson_format.FormatError, match=r"lesson\.ipynb, cell 2 of .*must come after an `exercise`"):
        lesson_format.find_exercises(broken, "lesson.ipynb")

    broken = copy.deepcopy(source)                       # a hint in a code cell
    broken.cells[exercise + 1] = nbformat.v4.new_code_cell("print('hint')", metadata={"tags": ["hint"]})
    with pytest.raises(lesson_format.FormatError, match=rf"cell {exercise + 2} of .*must be markdown"):
        lesson_format.find_exercises(broken, "lesson.ipynb")


def test_a_lesson_that_breaks_the_format_stops_the_build_before_anything_is_written(tmp_path, capsys):
    nb = nbformat.read(FIXTURE, as_version=4)
    nb.cells[-2].metadata["tags"] = ["solution"]                  # a solution after no exercise
    lesson = tmp_path / "bad.ipynb"
    nbformat.write(nb, lesson)
    assert classroom.main(["--out", str(tmp_path / "out"), "--no-execute", str(lesson)]) == 1
    assert "bad.ipynb, cell" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# ----------------------------------------------------------------------------- instructor/

def test_instructor_release_holds_the_executed_solutions(built):
    out, _ = built
    nb = nbformat.read(out / "instructor" / FIXTURE.name, as_version=4)
    assert not [c for c in nb.cells if "solution" in _tags(c)]
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    printed = "".join(o.get("text", "") for o in outputs)
    assert "relu: correct" in printed and "softmax: correct" in printed and "ReLU'(0) in the package: 0.0" in printed
    keys = [c for c in nb.cells if "answer-key" in _tags(c) and c.cell_type == "markdown"]
    assert len(keys) == 1 and "<details open>" in keys[0].source


def test_the_instructor_edition_reuses_the_executed_copy_and_refuses_one_that_does_not_match(built, tmp_path,
                                                                                              capsys):
    out, _ = built
    executed = out.parent / "executed"          # where build(executed_dir=...) keeps the lesson's copies
    assert (executed / FIXTURE.name).is_file() and (executed / "instructor" / FIXTURE.name).is_file()
    lesson = out.parent / "notebooks" / FIXTURE.name
    capsys.readouterr()
    classroom.build([lesson], tmp_path / "again", executed_dir=executed, timeout=120)
    assert "reusing" in capsys.readouterr().out
    first = nbformat.read(out / "instructor" / FIXTURE.name, as_version=4)
    again = nbformat.read(tmp_path / "again" / "instructor" / FIXTURE.name, as_version=4)
    assert first == again

    source = nbformat.read(lesson, as_version=4)
    fresh = classroom.instructor_version(source, lesson_format.find_exercises(source, "x"))
    copied = nbformat.read(executed / "instructor" / FIXTURE.name, as_version=4)
    copied.cells[1].source += "\nprint('changed')"
    with pytest.raises(RuntimeError, match="does not hold the instructor edition's code cells"):
        classroom.graft_outputs(fresh, copied, FIXTURE.name)


# ----------------------------------------------------------------------------- nbgrader/

def test_nbgrader_source_has_valid_metadata(built):
    from nbgrader.nbgraderformat import MetadataValidator

    out, _ = built
    nb = nbformat.read(out / "nbgrader" / "source" / LESSON / FIXTURE.name, as_version=4)
    MetadataValidator().validate_nb(nb)
    graded = {c.metadata.nbgrader.grade_id: c.metadata.nbgrader.points
              for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert graded == dict(POINTS, **{"question-1": 1})         # the fixture's one end-of-lesson question, by hand
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert len(answers) == 3 and all("### BEGIN SOLUTION" in c.source for c in answers)   # 2 exercises, 1 question
    assert not [c for c in nb.cells if "answer-key" in _tags(c)]
    assert (out / "nbgrader" / "nbgrader_config.py").is_file()


def _config(folder: Path, monkeypatch, **variables):
    """The settings nbgrader reads from the ``nbgrader_config.py`` in ``folder``, with these variables set."""
    from traitlets.config.loader import PyFileConfigLoader

    from tools.nbgrader_course import VARIABLES

    for variable in VARIABLES.values():
        monkeypatch.delenv(variable, raising=False)
    for key, value in variables.items():
        monkeypatch.setenv(VARIABLES[key], value)
    return PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()


def test_the_nbgrader_configuration_takes_its_settings_from_the_command_and_the_environment(tmp_path, monkeypatch):
    lesson = tmp_path / "notebooks" / FIXTURE.name
    lesson.parent.mkdir()
    shutil.copy(FIXTURE, lesson)
    assert classroom.main(["--no-execute", "--out", str(tmp_path / "out"), "--course-id", "ml101",
                           "--exchange", "/srv/x", "--cell-timeout", "20", str(lesson)]) == 0
    course = tmp_path / "out" / "nbgrader"
    text = (course / "nbgrader_config.py").read_text(encoding="utf-8")
    assert "Do not edit it" in text and "--course-id ml101 --exchange /srv/x --cell-timeout 20" in text
    c = _config(course, monkeypatch)
    assert (c.CourseDirectory.course_id, c.Exchange.root, c.Execute.timeout) == ("ml101", "/srv/x", 20)
    assert c.CourseDirectory.root == str(course) and c.GradingExecute.lesson_cell_timeout == 120
    assert (c.GradingExecute.secret, c.GradingExecute.secret_file) == ("", str(course / ".grading_secret"))
    monkeypatch.setenv("MNIST_SCRATCH_GRADING_SECRET", "s3cret")
    assert _config(course, monkeypatch).GradingExecute.secret == "s3cret"
    monkeypatch.delenv("MNIST_SCRATCH_GRADING_SECRET")
    c = _config(course, monkeypatch, course_id="ml102", exchange="/srv/y", course_root="/srv/course",
                cell_timeout="45")
    assert (c.CourseDirectory.course_id, c.Exchange.root, c.CourseDirectory.root, c.Execute.timeout) == (
        "ml102", "/srv/y", "/srv/course", 45)
    with pytest.raises(SystemExit, match="MNIST_SCRATCH_CELL_TIMEOUT must be a whole number of seconds"):
        _config(course, monkeypatch, cell_timeout="soon")
    students = _config(course / "every_user", monkeypatch, exchange="/srv/z")
    assert (students.CourseDirectory.course_id, students.Exchange.root) == ("ml101", "/srv/z")
    assert "Autograde" not in students


def test_a_bad_course_setting_is_refused_on_the_command_line(capsys):
    with pytest.raises(SystemExit):
        classroom.main(["--course-id", "my course", str(FIXTURE)])
    assert "--course-id must be letters, digits" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        classroom.main(["--cell-timeout", "0", str(FIXTURE)])
    assert "--cell-timeout must be a whole number of seconds, 1 or more, not 0" in capsys.readouterr().err


def test_classroom_warns_in_one_line_when_an_instructor_copy_lacks_its_frameworks(tmp_path, capsys):
    nb = nbformat.read(FIXTURE, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("%%needs no_such_framework_here\nprint('ran')"))
    lesson = tmp_path / "notebooks" / "11_fixture.ipynb"
    lesson.parent.mkdir()
    nbformat.write(nb, lesson)
    classroom.build([lesson], tmp_path / "out", run=False)
    warnings = [line for line in capsys.readouterr().out.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "instructor/11_fixture.ipynb is built without no_such_framework_here" in warnings[0]
    executed = copy.deepcopy(nb)
    executed.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="skipped: this cell needs "
                                                         "no_such_framework_here, which is not installed here")]
    assert classroom.frameworks_missing(nb, executed) == ["no_such_framework_here"]
    executed.cells[-1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="ran")]
    assert classroom.frameworks_missing(nb, executed) == []


def test_the_questions_become_cells_graded_by_hand_with_their_answer_keys(tmp_path):
    lesson = ROOT / "notebooks" / "02_the_math.ipynb"
    source = nbformat.read(lesson, as_version=4)
    _, questions = nbgrader_release.questions(source, lesson.name)
    assert len(questions) >= 3 and all(q.answer for q in questions)
    classroom.build([lesson], tmp_path, run=False)
    graded = nbformat.read(tmp_path / "nbgrader" / "source" / lesson.stem / lesson.name, as_version=4)
    by_hand = [c for c in graded.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")]
    assert [c.metadata.nbgrader.grade_id for c in by_hand] == [f"question-{q.number}" for q in questions]
    for cell, q in zip(by_hand, questions):
        assert cell.metadata.nbgrader.solution and cell.metadata.nbgrader.points == 1
        assert q.answer in cell.source.split("### BEGIN SOLUTION")[1].split("### END SOLUTION")[0]
    rubric = (tmp_path / "nbgrader" / "rubrics" / f"{lesson.stem}.md").read_text(encoding="utf-8")
    assert all(q.answer in rubric for q in questions)
    tests = [c for c in graded.cells if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]
    assert tests and all("grading.grade(" in c.source and "### BEGIN HIDDEN TESTS" in c.source for c in tests)
    setup = next(c for c in graded.cells if c.cell_type == "code")
    assert setup.metadata.nbgrader.locked and "my_network.graded(2)" in setup.source


def test_solution_regions_cover_exactly_what_the_learner_writes():
    stub = ('def f(Z):\n    """Doc."""\n    ...  # YOUR CODE: twice Z\n    raise NotImplementedError("f")\n\n'
            'def g(Z):\n    raise NotImplementedError')
    solution = 'def f(Z):\n    """Doc."""\n    Y = 2 * Z\n\n    return Y\n\ndef g(Z):\n    return Z'
    assert nbgrader_release.mark_solution(stub, solution).split("\n") == [
        "def f(Z):", '    """Doc."""', "    ...  # YOUR CODE: twice Z",
        "    ### BEGIN SOLUTION", "    Y = 2 * Z", "", "    return Y", "    ### END SOLUTION", "",
        "def g(Z):", "    # YOUR CODE HERE", "    ### BEGIN SOLUTION", "    return Z", "    ### END SOLUTION"]


@pytest.fixture
def _venv_on_path(monkeypatch):
    """nbgrader's Gradebook runs the `alembic` command found on PATH: make it this environment's."""
    monkeypatch.setenv("PATH", os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))


def _nbgrader(course: Path, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _paste_solutions(released, source):
    """A copy of ``released`` in which the student wrote exactly the instructor's solution into each answer cell."""
    released = copy.deepcopy(released)
    answers = {c.metadata.nbgrader.grade_id: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in released.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = "\n".join(line for line in answers[grade_id].split("\n")
                                    if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
    return released


def grade_both_copies(nbgrader_dir: Path, name: str, lesson_source, course: Path) -> dict:
    """nbgrader generate_assignment, then autograde an untouched and a solved student copy."""
    shutil.copytree(nbgrader_dir, course)
    started = time.perf_counter()
    _nbgrader(course, "generate_assignment", name, "--force")
    released_path = course / "release" / name / f"{name}.ipynb"
    released = nbformat.read(released_path, as_version=4)
    assert "raise NotImplementedError()" in released_path.read_text(encoding="utf-8")
    assert lesson_format.find_leaks(released, lesson_source) == []       # nbgrader's own student version
    source = nbformat.read(course / "source" / name / f"{name}.ipynb", as_version=4)
    for student, nb in {"untouched": released, "solved": _paste_solutions(released, source)}.items():
        target = course / "submitted" / student / name / f"{name}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(nb, target)
    _nbgrader(course, "autograde", name)
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="mnist_scratch") as gb:
        result = {s: gb.find_submission(name, s).score for s in ("untouched", "solved")}
        result["max"] = gb.find_submission(name, "solved").max_score
        # the questions graded by hand: the solved copy's answers wait for a grader, the untouched copy's do not
        result["waiting"] = {s: sorted(g.name for nb in gb.find_submission(name, s).notebooks for g in nb.grades
                                       if g.needs_manual_grade) for s in ("untouched", "solved")}
    result["seconds"] = round(time.perf_counter() - started, 1)
    for student in ("untouched", "solved"):
        assert (course / "autograded" / student / name / f"{name}.ipynb").is_file()
    print(f"nbgrader on {name}: {result}")
    return result


@pytest.mark.slow
def test_nbgrader_autogrades_a_solved_and_an_untouched_copy(built, tmp_path, _venv_on_path):
    out, lesson_source = built
    result = grade_both_copies(out / "nbgrader", LESSON, lesson_source, tmp_path / "course")
    _, questions = nbgrader_release.questions(lesson_source, FIXTURE.name)
    assert len(questions) == 1
    assert result["max"] == sum(POINTS.values()) + len(questions)
    assert (result["untouched"], result["solved"]) == (0, sum(POINTS.values()))
    assert result["waiting"] == {"untouched": [], "solved": ["question-1"]}
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'course' / 'gradebook.db'}", course_id="mnist_scratch") as gb:
        assert {c: gb.find_grade(c, LESSON, LESSON, "solved").score for c in POINTS} == POINTS


# ----------------------------------------------------------------------------- the real lessons

def _lessons_in_the_format():
    assert LESSONS, "no lessons found in notebooks/"
    ready = [p for p in LESSONS if lesson_format.has_exercises(nbformat.read(p, as_version=4))]
    if not ready:
        pytest.skip("no lesson in notebooks/ is in the exercise format yet (no cell tagged `exercise`)")
    return ready


def test_real_lessons_build_without_leaks(tmp_path):
    lessons = _lessons_in_the_format()
    made = classroom.build(lessons, tmp_path, run=False)
    assert made["student"] == [p.name for p in lessons] and made["nbgrader"] == [p.stem for p in lessons]
    for lesson in lessons:
        source = nbformat.read(lesson, as_version=4)
        student = nbformat.read(tmp_path / "student" / lesson.name, as_version=4)
        assert lesson_format.find_leaks(student, source, lesson.name) == []


@pytest.mark.slow
def test_nbgrader_grades_a_real_lesson(tmp_path, _venv_on_path):
    lesson = _lessons_in_the_format()[0]
    source = nbformat.read(lesson, as_version=4)
    classroom.build([lesson], tmp_path / "out", run=False)
    result = grade_both_copies(tmp_path / "out" / "nbgrader", lesson.stem, source, tmp_path / "course")
    exercises = lesson_format.find_exercises(source, lesson.name)
    _, questions = nbgrader_release.questions(source, lesson.name)
    assert result["max"] == sum(nbgrader_release.exercise_points(ex, nbgrader_release.check_calls(ex, lesson.name))
                                for ex in exercises) + len(questions)
    assert (result["untouched"], result["solved"]) == (0, result["max"] - len(questions))
    assert result["waiting"] == {"untouched": [], "solved": [f"question-{q.number}" for q in questions]}


def test_executed_copies_show_no_value_for_a_cell_ending_in_a_semicolon():
    # The runner runs cells with history, as Jupyter does, so that IPython sees the ';' and shows no value:
    # otherwise every `plots.x(...);` cell would show its figure twice in the instructor edition.
    copies = sorted((ROOT / "build" / "executed").glob("**/[0-9][0-9]_*.ipynb"))
    if not copies:
        pytest.skip("no executed lessons in build/executed/ (make test runs the lessons first)")
    quiet = 0
    for path in copies:
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "code" and ends_with_semicolon(cell.source):
                quiet += 1
                shown = [o for o in cell.outputs if o.output_type == "execute_result"]
                assert not shown, f"{path}: cell {index} ends with ';' but shows {shown[0].data.get('text/plain')}"
    assert quiet, "no cell ending in ';' in the executed lessons: this test checks nothing"
