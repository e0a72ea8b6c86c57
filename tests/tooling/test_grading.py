"""nbgrader's whole exchange on lesson 2, as a course runs it, for five students.

The course folder is `make classroom`'s nbgrader edition (its course id chosen by the command-line option,
its exchange by the environment variable, its root by default: nothing edited). The instructor runs
generate_assignment and release_assignment; each student, in a home folder of their own with the
every-user configuration a hub puts in /etc/jupyter, runs fetch_assignment, answers, and submits
(``--student`` names them: nbgrader takes the login name, and the tests run as one user); the
instructor runs collect and autograde, grades the questions by hand (as the formgrader does, through
nbgrader's Gradebook), generate_feedback, release_feedback and export, and each student fetch_feedback.

The five students:

=========  ==================================================================================================
honest     writes every solution and answers the four questions: full marks
half       relu right, relu_prime with >= (1 of 2); cross_entropy summed, not averaged (0); backward with
           each db averaged again (4 of its 8 gradients); a one-sided numerical gradient (0); one question
           half right: partial credit
copier     ``softmax = ms.softmax``, ``from mnist_scratch.losses import cross_entropy``, a backward that
           calls ``ms.backward`` inside: 0 for those three, with feedback saying why; the rest their own
dead       their forward's cell kills the kernel (as the out-of-memory killer does): the exercises before
           it count, the rest earn nothing, and the grades and the feedback say the kernel died
loop       an endless loop in cross_entropy: that test stops at the timeout, the rest is graded
=========  ==================================================================================================

Needs the ``classroom`` extra and the MNIST files (the lesson loads them); slow (a few minutes).
"""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import mnist_scratch

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader", reason="the grading tests need the extra: pip install -e '.[classroom]'")

ROOT = Path(__file__).resolve().parents[2]
LESSON = ROOT / "notebooks" / "02_the_math.ipynb"
NAME = LESSON.stem
COURSE_ID = "ml101"
STUDENTS = ["honest", "half", "copier", "dead", "loop"]
EXERCISES = {"relu": 2, "softmax": 1, "cross_entropy": 1, "forward": 1, "backward": 8, "numerical_gradient": 1}
QUESTIONS = 4


def _env(**extra) -> dict:
    env = dict(os.environ, **extra)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])   # nbgrader's alembic
    env.pop("JUPYTER_CONFIG_DIR", None)
    return env


TIMES: dict[str, float] = {}        # seconds per nbgrader command, summed over its runs


def _nbgrader(cwd: Path, env: dict, *args: str) -> str:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=900)
    TIMES[args[0]] = TIMES.get(args[0], 0.0) + time.perf_counter() - started
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def _unmark(source: str) -> str:
    return "\n".join(line for line in source.split("\n") if "### BEGIN SOLUTION" not in line
                     and "### END SOLUTION" not in line)


HALF = {
    "relu": "def relu(Z):\n    return np.maximum(Z, 0)\n\ndef relu_prime(Z):\n    return (Z >= 0).astype(Z.dtype)",
    "cross_entropy": ("def cross_entropy(Z, y):\n    m = Z.max(axis=1, keepdims=True)\n"
                      "    return np.sum(m[:, 0] + np.log(np.exp(Z - m).sum(axis=1)) - Z[np.arange(len(y)), y])"),
    "numerical_gradient": ("def numerical_gradient(J, theta, eps=1e-5):\n    grad = np.zeros_like(theta)\n"
                           "    base = J()\n    for i in np.ndindex(theta.shape):\n        old = theta[i]\n"
                           "        theta[i] = old + eps\n        grad[i] = (J() - base) / eps\n"
                           "        theta[i] = old\n    return grad"),
    "question-1": "Differentiate $(1 + e^{-z})^{-1}$ with the chain rule: $e^{-z}/(1 + e^{-z})^2$.",
}
COPIER = {
    "softmax": "softmax = ms.softmax",
    "cross_entropy": "from mnist_scratch.losses import cross_entropy",
    "backward": ("def backward(params, Z, A, y):\n    from mnist_scratch.network import Cache\n"
                 "    return ms.backward(params, Cache(Z=list(Z), A=list(A)), y)"),
}
DEAD = {"forward": "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)   # as the out-of-memory killer does"}
LOOP = {"cross_entropy": "def cross_entropy(Z, y):\n    while True:\n        pass"}
ANSWERS = {f"question-{k}": f"My answer to question {k}." for k in range(1, QUESTIONS + 1)}


def _answers(source_nb) -> dict[str, dict[str, str]]:
    """What each student writes into each answer cell, by grade id."""
    honest = {c.metadata.nbgrader.grade_id: _unmark(c.source) for c in source_nb.cells
              if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "code"}
    half = dict(honest, **HALF)
    half["backward"] = honest["backward"].replace("dZ.sum(axis=0)", "dZ.mean(axis=0)")
    assert half["backward"] != honest["backward"]
    return {"honest": dict(honest, **ANSWERS), "half": half, "copier": dict(honest, **COPIER),
            "dead": dict(honest, **DEAD), "loop": dict(honest, **LOOP)}


def _work(notebook: Path, answers: dict[str, str]) -> None:
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers and cell.metadata.nbgrader.get("solution"):
            cell.source = answers[grade_id]
    nbformat.write(nb, notebook)


def _text(path: Path) -> str:
    """An HTML page's text, tags dropped and entities decoded, spaces squashed."""
    text = re.sub(r"<style.*?</style>|<script.*?</script>", " ", path.read_text(encoding="utf-8"), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def _until_autograded(tmp: Path) -> dict:
    """Build, generate, release; each student fetches, answers and submits; collect; autograde."""
    from tools import classroom

    out, course, exchange_root = tmp / "out", tmp / "course", tmp / "exchange"
    exchange_root.mkdir()
    exchange_root.chmod(0o777)
    assert classroom.main(["--no-execute", "--out", str(out), "--course-id", COURSE_ID, str(LESSON)]) == 0
    shutil.copytree(out / "nbgrader", course)
    env = _env(MNIST_SCRATCH_EXCHANGE=str(exchange_root))     # the exchange: from the environment
    _nbgrader(course, env, "generate_assignment", NAME, "--force")
    _nbgrader(course, env, "release_assignment", NAME)
    answers = _answers(nbformat.read(course / "source" / NAME / f"{NAME}.ipynb", as_version=4))
    homes = {}
    for student in STUDENTS:
        home = homes[student] = tmp / "home" / student
        home.mkdir(parents=True)
        shutil.copy(out / "nbgrader" / "every_user" / "nbgrader_config.py", home / "nbgrader_config.py")
        mine = dict(env, HOME=str(home))          # a home of their own: nbgrader keeps a student's submissions there
        _nbgrader(home, mine, "fetch_assignment", NAME)
        _work(home / NAME / f"{NAME}.ipynb", answers[student])
        _nbgrader(home, mine, "submit", NAME, f"--student={student}")
    _nbgrader(course, env, "collect", NAME)
    log = _nbgrader(course, env, "autograde", NAME)
    return dict(course=course, homes=homes, env=env, logs=log)


def _grades(course: Path) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        return {s: {g.name: (g.score, g.needs_manual_grade) for nb in gb.find_submission(NAME, s).notebooks
                    for g in nb.grades} for s in STUDENTS}


def _after_autograde(run: dict) -> dict:
    """Grade the questions by hand (as the formgrader does); feedback, returned and fetched; export."""
    from nbgrader.api import Gradebook

    course, env = run["course"], run["env"]
    run["pending"] = {s: sorted(k for k, (_, manual) in grades.items() if manual)
                      for s, grades in _grades(course).items()}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        for student, scores in {"honest": dict.fromkeys(ANSWERS, 1.0), "half": {"question-1": 0.5}}.items():
            for grade_id, score in scores.items():
                grade = gb.find_grade(grade_id, NAME, NAME, student)
                grade.manual_score, grade.needs_manual_grade = score, False
        gb.db.commit()
    run["by_cell"] = {s: {k: score for k, (score, _) in grades.items()} for s, grades in _grades(course).items()}
    run["logs"] += _nbgrader(course, env, "generate_feedback", NAME)
    _nbgrader(course, env, "release_feedback", NAME)
    run["feedback"] = {}
    for student in STUDENTS:
        home = run["homes"][student]
        _nbgrader(home, dict(env, HOME=str(home)), "fetch_feedback", NAME, f"--student={student}")
        pages = sorted((home / NAME / "feedback").glob(f"*/{NAME}.html"))
        assert len(pages) == 1, f"{student}: fetch_feedback brought {pages}"
        run["feedback"][student] = _text(pages[0])
    _nbgrader(course, env, "export")
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        run["grades"] = {row["student_id"]: row for row in csv.DictReader(handle)}
    run["autograded"] = {s: nbformat.read(course / "autograded" / s / NAME / f"{NAME}.ipynb", as_version=4)
                         for s in STUDENTS}
    return run


# ----------------------------------------------------------------------------- grade(), in this process

def _own_relu(Z):
    return np.maximum(Z, 0)


def _own_softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def test_a_graded_cell_shows_nothing_when_every_point_is_earned(capsys):
    from mnist_scratch.lab import check, grading

    assert grading.grade([(check.relu, _own_relu), (check.relu_prime, lambda Z: (Z > 0).astype(Z.dtype))],
                         points=2) is None
    out = capsys.readouterr()
    assert "Score: 2 of 2 points." in out.out and out.err == ""


def test_partial_credit_check_by_check(capsys):
    from mnist_scratch.lab import check, grading

    earned = grading.grade([(check.relu, _own_relu), (check.relu_prime, lambda Z: (Z >= 0).astype(Z.dtype))],
                           points=2)
    assert earned == 1.0 and isinstance(earned, float)
    assert "at z = 0 the slope must be 0" in capsys.readouterr().out


@pytest.mark.parametrize("answer", [
    pytest.param(lambda: __import__("mnist_scratch").softmax, id="the package's function"),
    pytest.param(lambda: (lambda Z: __import__("mnist_scratch").activations.softmax(Z) + 0.0), id="calls it"),
])
def test_the_package_own_softmax_earns_nothing(answer):
    from mnist_scratch.lab import check, grading

    with pytest.raises(grading.GradeFailed, match="package's own activations.softmax"):
        grading.grade([(check.softmax, answer())], points=1)


def _fitted_softmax():
    """A softmax that is right on exactly the inputs the visible check shows, and uniform elsewhere."""
    from mnist_scratch.lab import check

    seen = {}

    def recording(Z):
        seen[(Z.dtype.str, Z.shape, Z.tobytes())] = _own_softmax(Z)
        return seen[(Z.dtype.str, Z.shape, Z.tobytes())]

    check.softmax.diagnose(recording)
    return lambda Z: seen.get((Z.dtype.str, Z.shape, Z.tobytes()), np.full_like(Z, 1 / Z.shape[1]))


def test_hidden_cases_fail_an_answer_fitted_to_the_visible_ones(capsys, monkeypatch):
    from mnist_scratch.lab import check, grading

    fitted = _fitted_softmax()
    assert check.softmax(fitted) is None                          # the self-check is fooled ...
    grading.hidden_cases()
    monkeypatch.setenv(grading.SEED_VARIABLE, "02_the_math/someone")
    with pytest.raises(grading.GradeFailed, match="on inputs the check does not show"):
        grading.grade([(check.softmax, fitted)], points=1)      # ... the graded test is not
    grading.hidden_cases()
    assert grading.grade([(check.softmax, _own_softmax)], points=1) is None
    assert "right on 2 more cases, drawn for you" in capsys.readouterr().out


def test_hidden_cases_are_drawn_per_student_and_the_same_on_every_run(monkeypatch):
    from mnist_scratch.lab import check, grading

    def inputs_of(student: str) -> list[bytes]:
        shown = []

        def softmax(Z):
            shown.append(Z.tobytes())
            return _own_softmax(Z)

        monkeypatch.setenv(grading.SEED_VARIABLE, f"02_the_math/{student}")
        grading.hidden_cases()
        assert grading.grade([(check.softmax, softmax)], points=1) is None
        return shown

    ann, bob = inputs_of("ann"), inputs_of("bob")
    assert inputs_of("ann") == ann                              # reproducible: the same grade on a second run
    assert set(ann) != set(bob)                                 # other random inputs for another student
    visible = []
    check.softmax(lambda Z: visible.append(Z.tobytes()) or _own_softmax(Z))
    assert set(visible) < set(ann)                              # the visible cases, and more


def _own_backward(params, Z, A, y, *, db_mean=False):
    L, n = len(params) // 2, len(y)
    grads, dZ = {}, A[L].copy()
    dZ[np.arange(n), y] -= 1
    dZ /= n
    for l in range(L, 0, -1):
        grads[f"W{l}"] = A[l - 1].T @ dZ
        grads[f"b{l}"] = dZ.mean(axis=0) if db_mean else dZ.sum(axis=0)
        if l > 1:
            dZ = (dZ @ params[f"W{l}"].T) * (Z[l - 1] > 0)
    return grads


def test_partial_credit_gradient_by_gradient(capsys):
    from mnist_scratch.lab import check, grading

    assert grading.items_of(check.backward) == 8
    assert grading.grade([(check.backward, _own_backward)], points=8) is None
    half = grading.grade([(check.backward, lambda *a: _own_backward(*a, db_mean=True))], points=8)
    assert half == 4.0
    assert "partial credit: 4 of 8 right (W1, W2, W3, W4); not right: b1, b2, b3, b4" in capsys.readouterr().out

    def copied(params, Z, A, y):                                # right, by the package's own backward
        from mnist_scratch.network import Cache
        return mnist_scratch.backward(params, Cache(Z=list(Z), A=list(A)), y)

    with pytest.raises(grading.GradeFailed, match="your backward calls the package's own network.backward"):
        grading.grade([(check.backward, copied)], points=8)


def test_every_check_draws_its_random_inputs_where_hidden_cases_can_change_them():
    # A check that calls np.random itself would show the same inputs in every hidden case. Its module's alias
    # `_rng = np.random.default_rng` is fine: other_cases swaps it for _checking.rng.
    lab = ROOT / "mnist_scratch" / "lab"
    direct = [f"{p.name}:{i}" for p in sorted(lab.glob("_checks_*.py"))
              for i, line in enumerate(p.read_text(encoding="utf-8").split("\n"), 1)
              if re.search(r"np\.random\.\w+\(", line.split("#")[0])]
    assert not direct, f"draw random inputs with _rng(seed) (the module's alias or _checking.rng): {direct}"
    from mnist_scratch.lab import _checking, _checks_math

    assert _checks_math._rng is np.random.default_rng
    with _checking.other_cases(7):
        assert _checks_math._rng is _checking.rng
        hidden = _checks_math._rng(33).normal(size=3)
    assert _checks_math._rng is np.random.default_rng
    assert not np.array_equal(hidden, np.random.default_rng(33).normal(size=3))


@pytest.fixture(scope="module")
def exchange(tmp_path_factory):
    """The whole exchange, run once: the grades table, the feedback pages, the logs."""
    started = time.perf_counter()
    run = _after_autograde(_until_autograded(tmp_path_factory.mktemp("grading")))
    print("\nstudent   score / max   status")
    for student in STUDENTS:
        row = run["grades"][student]
        print(f"{student:8}  {float(row['score']):5g} / {float(row['max_score']):g}   {row['status']}")
    print("points by cell:", run["by_cell"])
    print("seconds:", {"whole exchange": round(time.perf_counter() - started, 1),
                       **{k: round(v, 1) for k, v in TIMES.items()}})
    return run


MAX = sum(EXERCISES.values()) + QUESTIONS


def _score(exchange, student) -> float:
    return float(exchange["grades"][student]["score"])


@pytest.mark.slow
def test_the_grade_table(exchange):
    grades = exchange["grades"]
    assert sorted(grades) == sorted(STUDENTS)
    assert {s: float(grades[s]["max_score"]) for s in STUDENTS} == dict.fromkeys(STUDENTS, float(MAX))
    assert {s: _score(exchange, s) for s in STUDENTS} == {
        "honest": MAX,                                  # 14 autograded + 4 questions graded by hand
        "half": 1 + 1 + 0 + 1 + 4 + 0 + 0.5,            # relu 1/2, softmax, cross_entropy 0, forward, backward 4/8
        "copier": 2 + 0 + 0 + 1 + 0 + 1,                # the package's softmax, cross_entropy and backward: 0
        "dead": 2 + 1 + 1,                              # relu, softmax, cross_entropy; then the kernel died
        "loop": MAX - QUESTIONS - 1}                    # everything but the looping cross_entropy
    status = {s: grades[s]["status"] for s in STUDENTS}
    assert status["honest"] == status["half"] == status["copier"] == "graded"
    assert re.fullmatch(rf"kernel died in cell \d+ of {NAME}", status["dead"]), status["dead"]
    assert re.fullmatch(rf"timed out in cell \d+ of {NAME} \(> 30 s\)", status["loop"]), status["loop"]
    secret = exchange["course"] / ".grading_secret"            # the course's own, in every student's seed
    assert secret.stat().st_mode & 0o777 == 0o600 and len(secret.read_text().strip()) == 32


@pytest.mark.slow
def test_partial_credit_cell_by_cell(exchange):
    cells = exchange["by_cell"]
    assert {k: cells["honest"][f"{k}-check"] for k in EXERCISES} == EXERCISES
    assert {k: cells["half"][f"{k}-check"] for k in EXERCISES} == {
        "relu": 1, "softmax": 1, "cross_entropy": 0, "forward": 1, "backward": 4, "numerical_gradient": 0}
    assert {k: cells["copier"][f"{k}-check"] for k in EXERCISES} == {
        "relu": 2, "softmax": 0, "cross_entropy": 0, "forward": 1, "backward": 0, "numerical_gradient": 1}
    # answered questions wait for a grader; unanswered ones ("No response") are 0 at once
    assert exchange["pending"]["honest"] == [f"question-{k}" for k in range(1, QUESTIONS + 1)]
    assert exchange["pending"]["half"] == ["question-1"]
    assert exchange["pending"]["copier"] == exchange["pending"]["dead"] == exchange["pending"]["loop"] == []


@pytest.mark.slow
def test_the_feedback_says_why(exchange):
    feedback = exchange["feedback"]
    assert f"Score: {MAX:g}" in feedback["honest"].replace(".0 ", " ")
    assert "right on 2 more cases, drawn for you, that the check does not show" in feedback["honest"]
    assert "partial credit: 4 of 8 right (W1, W2, W3, W4); not right: b1, b2, b3, b4" in feedback["half"]
    assert "at z = 0 the slope must be 0" in feedback["half"]
    assert "that is the sum over samples; take the mean" in feedback["half"]
    copier = feedback["copier"]
    assert "that is the package's own activations.softmax, not a function you wrote" in copier
    assert "that is the package's own losses.cross_entropy, not a function you wrote" in copier
    assert "your backward calls the package's own network.backward while the check runs" in copier
    assert "The kernel died in cell" in feedback["dead"]
    assert "DeadKernelError: the kernel died while running this cell" in feedback["dead"]
    assert "not run: the kernel died in cell" in feedback["dead"]
    assert "ran for more than 30 s, the limit for that cell while grading" in feedback["loop"]
    assert "CellTimeoutError" in feedback["loop"]
    for student in ("honest", "half", "copier"):
        assert "kernel died" not in feedback[student] and "CellTimeoutError" not in feedback[student]


@pytest.mark.slow
def test_graded_cells_show_no_value_and_the_run_says_nothing_is_missing(exchange):
    logs = exchange["logs"]
    assert "Alternative text is missing" not in logs
    assert "cannot be converted to a float" not in logs
    honest = exchange["autograded"]["honest"]
    tests = [c for c in honest.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    assert len(tests) == len(EXERCISES)
    assert not [o for c in tests for o in c.outputs if o.output_type in ("execute_result", "error")]
    assert not [o for c in tests for o in c.outputs if o.get("name") == "stderr"]
    half = {c.metadata.nbgrader.grade_id: c for c in exchange["autograded"]["half"].cells
            if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"}
    shown = [o for o in half["backward-check"].outputs if o.output_type == "execute_result"]
    assert [o.data["text/plain"] for o in shown] == ["4.0"]          # nbgrader's partial credit
    figures = [o for c in honest.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert figures and all(o.metadata["image/png"]["alt"].strip() for o in figures)
