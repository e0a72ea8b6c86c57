"""The nbgrader edition of a lesson: answer cells, graded test cells, questions graded by hand, a rubric.

From the lesson's one source (the exercise format, tools/lesson_format.py):

* the **setup cell** (the first code cell) is locked and ends with ``my_network.graded(N)``: in a graded
  copy, parts of earlier lessons are the package's and earn nothing (mnist_scratch/lab/my_network.py);
* each **exercise cell** becomes an autograded answer cell: the solution, with every part the learner
  writes between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader replaces it in the students'
  copy; the stub's hint comments stay above it);
* after it comes a locked, graded **test cell** that calls :func:`mnist_scratch.lab.grading.grade` on the
  exercise's checks: partial credit check by check and item by item, the package's own work refused,
  and, inside nbgrader's ``### BEGIN HIDDEN TESTS`` block, cases drawn for each student that the checks
  do not show. An exercise is worth its metadata's points, or else one point per item its checks grade
  (one per check; ``backward``: one per gradient). Hints stay after it, as in the student edition;
* the end-of-lesson **questions** (the numbered list under the ``## Exercises`` heading before the answer
  key) each get a markdown answer cell graded by hand, whose solution region holds that question's answer
  key; :func:`rubric` writes the keys out for the graders. The answer-key cells themselves are left out.

Standard library, nbformat and, to count a check's items, mnist_scratch.
"""

from __future__ import annotations

import ast
import copy
import difflib
import re
from dataclasses import dataclass

from tools.lesson_format import (ANSWER_KEY, HIDDEN, RAISES, Exercise, FormatError, describe_cell, new_cell,
                                 set_tags, source, tags)

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
HIDDEN_BEGIN, HIDDEN_END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
HINT_LINE = re.compile(r"^\s*(#|\.\.\.\s*(#|$))")   # comment, or `...  # YOUR CODE: ...`
QUESTIONS = re.compile(r"^#{1,6}\s*(Exercises|Questions)\b.*$", re.MULTILINE)
ITEM = re.compile(r"^\s{0,3}(\d+)[.)]\s+(.*)$")
SCHEMA = 3

__all__ = ["mark_solution", "nbgrader_version", "rubric", "questions", "check_calls", "exercise_points",
           "lesson_number", "Question"]


def _blank(lines: list[str]) -> bool:
    return all(not line.strip() for line in lines)


def mark_solution(stub: str, solution: str) -> str:
    """The solution with every part the learner writes between ### BEGIN/END SOLUTION.

    The parts are where the solution differs from the stub (a line diff). Hint comments of the stub in
    those parts (``# ...`` or ``...  # YOUR CODE: ...``) are kept just above the region (or, if there are
    none, ``# YOUR CODE HERE``), so the student version nbgrader generates shows them above the
    ``raise NotImplementedError()`` it puts in place of the region.
    """
    a, b = stub.split("\n"), solution.split("\n")
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    # A run of blank lines between two changes belongs to the change: one region, not two.
    merged: list[list] = []
    for op in ops:
        tag, i1, i2, j1, j2 = op
        if merged and merged[-1][0] != "equal" and (tag != "equal" or _blank(b[j1:j2])):
            merged[-1] = ["replace", merged[-1][1], i2, merged[-1][3], j2]
        else:
            merged.append(list(op))
    out: list[str] = []
    for tag, i1, i2, j1, j2 in merged:
        if tag == "equal":
            out += b[j1:j2]
            continue
        hints = [line for line in a[i1:i2] if HINT_LINE.match(line) and "NotImplementedError" not in line]
        body = b[j1:j2]
        while body and not body[-1].strip():     # keep trailing blank lines outside the region
            body.pop()
        if not body:
            out += hints
            continue
        indent = min((re.match(r"[ \t]*", line).group(0) for line in body if line.strip()), key=len)
        out += hints or [indent + "# YOUR CODE HERE"]
        out += [indent + BEGIN, *body, indent + END]
        out += b[j1 + len(body):j2]
    return "\n".join(out)


# ----------------------------------------------------------------------------- graded tests

def lesson_number(name: str) -> int | None:
    """2 for ``02_the_math`` (or ``02_the_math.ipynb``); None for a notebook not named NN_..."""
    match = re.match(r"(\d+)_", name.rsplit("/", 1)[-1])
    return int(match.group(1)) if match else None


def check_calls(ex: Exercise, where: str) -> list[tuple[str, str]]:
    """``[("relu", "relu"), ("relu_prime", "relu_prime")]``: each check line's check and the answer it checks."""
    calls = []
    for line in ex.checks.split("\n"):
        try:
            node = ast.parse(line.strip().removeprefix("assert ").strip(), mode="eval").body
        except SyntaxError:
            node = None
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "check"
                and len(node.args) == 1 and not node.keywords):
            raise FormatError(f"{where}: the nbgrader edition grades check lines of the form check.NAME(answer), "
                              f"not {line.strip()!r}")
        calls.append((node.func.attr, ast.unparse(node.args[0])))
    return calls


def _items(name: str) -> int:
    from mnist_scratch.lab.check import CHECKS
    from mnist_scratch.lab.grading import items_of

    return items_of(CHECKS[name]) if name in CHECKS else 1


def exercise_points(ex: Exercise, calls: list[tuple[str, str]]) -> float:
    """The metadata's points, or else one per item the checks grade."""
    return ex.points if ex.points_given else float(sum(_items(name) for name, _ in calls))


def _number(value: float) -> str:
    return f"{value:g}"


def test_source(calls: list[tuple[str, str]], points: float, lesson: int | None) -> str:
    pairs = ", ".join(f"(check.{name}, {answer})" for name, answer in calls)
    parts = [f"check.{name}: one point per {'gradient' if 'backward' in name else 'item'} that is right"
             for name, _ in calls if _items(name) > 1]
    partial = ([f"# Partial credit: check by check{'; ' if parts else '.'}" + "; ".join(parts) + ("." if parts else "")]
               if len(calls) > 1 else [f"# Partial credit: {'; '.join(parts)}."] if parts else [])
    return "\n".join([
        f"# Graded test ({_number(points)} point{'s' * (points != 1)}): the checks of the exercise above, and, when "
        "graded, cases they do not show.",
        *partial,
        "# The package's own functions, or answers that call them, earn nothing.",
        "from mnist_scratch.lab import grading",
        HIDDEN_BEGIN,
        "grading.hidden_cases()",
        HIDDEN_END,
        f"grading.grade([{pairs}], points={_number(points)}, lesson={lesson})"])


# ----------------------------------------------------------------------------- questions graded by hand

@dataclass
class Question:
    number: int
    text: str
    answer: str | None          # the answer key's item of the same number


def _items_of(text: str) -> dict[int, str]:
    """The numbered list items of a markdown text, by number, each with its continuation lines."""
    found: dict[int, list[str]] = {}
    current = None
    previous_blank = True
    for line in text.split("\n"):
        match = ITEM.match(line)
        if match:
            current = int(match.group(1))
            found[current] = [match.group(2).strip()]
        elif current is not None and line.strip() and (line[:1] in " \t" or not previous_blank) \
                and not line.lstrip().startswith(("#", "**Next")):
            found[current].append(line.strip())
        elif line.strip():
            current = None
        previous_blank = not line.strip()
    return {k: " ".join(v) for k, v in found.items()}


def questions(nb, name: str = "notebook") -> tuple[int | None, list[Question]]:
    """The cell holding the end-of-lesson questions and the questions, each with its answer key."""
    cells = nb["cells"]
    keys = [i for i, c in enumerate(cells) if ANSWER_KEY in tags(c) and c["cell_type"] == "markdown"]
    if not keys:
        return None, []
    before = [i for i in range(keys[0]) if cells[i]["cell_type"] == "markdown" and QUESTIONS.search(source(cells[i]))]
    if not before:
        return None, []
    at = before[-1]
    text = source(cells[at])
    asked = _items_of(text[QUESTIONS.search(text).end():])
    answers = _items_of(re.sub(r"</?(details|summary)[^>]*>", "\n", "\n".join(source(cells[k]) for k in keys)))
    return at, [Question(n, q, answers.get(n)) for n, q in sorted(asked.items())]


def _question_cell(nb, q: Question, where: str):
    key = q.answer or f"(the answer key of {where} has no answer numbered {q.number}: see the instructor edition)"
    cell = new_cell(nb, "markdown", "\n".join([
        f"**Question {q.number}** (1 point, graded by hand). {q.text}", "", BEGIN,
        f"*Answer key, the grader's rubric (students see an empty answer here):* {key}", END]))
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": f"question-{q.number}", "locked": False, "points": 1,
                                 "schema_version": SCHEMA, "solution": True, "task": False}
    return cell


# ----------------------------------------------------------------------------- the edition

def _lock(cell, grade_id: str) -> None:
    cell.metadata["nbgrader"] = {"grade": False, "grade_id": grade_id, "locked": True, "schema_version": SCHEMA,
                                 "solution": False, "task": False}


def nbgrader_version(nb, exercises: list[Exercise], name: str = "notebook"):
    """An nbgrader source notebook (module docstring); ``name`` is the lesson's file name (NN_name.ipynb)."""
    out = copy.deepcopy(nb)
    lesson = lesson_number(name)
    by_cell = {ex.cell: ex for ex in exercises}
    asked_at, asked = questions(nb, name)
    setup = next((i for i, c in enumerate(out.cells) if c.cell_type == "code" and not HIDDEN & set(tags(c))), None)
    cells = []
    for i, cell in enumerate(out.cells):
        if HIDDEN & set(tags(cell)):
            continue
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        ex = by_cell.get(i)
        if i == setup and lesson is not None:
            lines = [cell.source.rstrip("\n")]
            if not re.search(r"^from mnist_scratch\.lab import .*\bmy_network\b", cell.source, re.MULTILINE):
                lines.append("from mnist_scratch.lab import my_network")
            lines.append(f"my_network.graded({lesson})   # graded copy: only lesson {lesson}'s functions count; the "
                         "parts of earlier lessons are the package's")
            cell.source = "\n".join(lines)
            _lock(cell, "setup")
        if ex is None:
            cells.append(cell)
            if i == asked_at:
                cells += [_question_cell(out, q, name) for q in asked]
            continue
        where = describe_cell(name, nb, i)
        calls = check_calls(ex, where)
        points = exercise_points(ex, calls)
        cell.source = mark_solution(ex.stub, ex.solution)
        set_tags(cell, [t for t in tags(cell) if t != RAISES])
        cell.metadata["nbgrader"] = {"grade": False, "grade_id": ex.grade_id, "locked": False,
                                     "schema_version": SCHEMA, "solution": True, "task": False}
        test = new_cell(out, "code", test_source(calls, points, lesson), tags=[RAISES])  # the stub fails it
        test.metadata["nbgrader"] = {"grade": True, "grade_id": f"{ex.grade_id}-check", "locked": True,
                                     "points": points, "schema_version": SCHEMA, "solution": False, "task": False}
        cells += [cell, test]
    out.cells = cells
    assert not any(ANSWER_KEY in tags(c) for c in out.cells)
    return out


def rubric(nb, name: str) -> str | None:
    """The end-of-lesson questions with their answer keys and points, for whoever grades them; None if none."""
    _, asked = questions(nb, name)
    if not asked:
        return None
    lines = [f"# {name}: the questions graded by hand", "",
             "One point each (change `points` in the source notebook's cell metadata to weigh them otherwise). "
             "In the formgrader, each question's answer cell shows the student's answer; the key below says what "
             "a full answer contains. `nbgrader generate_solution` writes the same keys into a solution notebook.",
             ""]
    for q in asked:
        lines += [f"## Question {q.number} (1 point)", "", q.text, "",
                  f"**Answer key.** {q.answer or 'none numbered so in the lesson: see the instructor edition.'}", ""]
    code = [source(c) for c in nb["cells"] if ANSWER_KEY in tags(c) and c["cell_type"] == "code"]
    if code:
        lines += ["## The computations behind the keys", "",
                  "The instructor edition runs these cells, which check the keys' numbers:", "", "```python",
                  *code, "```", ""]
    return "\n".join(lines)
