"""The nbgrader edition of a lesson: answer cells with solution regions, and graded test cells.

Each exercise cell becomes an nbgrader *autograded answer* cell: the solution, with every part the
learner writes between ``### BEGIN SOLUTION`` and ``### END SOLUTION``. After it comes a locked,
graded *test* cell that holds the exercise's check line(s) and is worth the exercise's points. The
checks raise when an answer is wrong, which is what nbgrader needs to take the points away (a check
that only returned False would score). Hints stay, after the test cell, as in the student edition.
Answer keys are left out: nbgrader would hand them out.

Standard library and nbformat only (nbgrader itself is needed only to use the result).
"""

from __future__ import annotations

import copy
import difflib
import re

from tools.lesson_format import ANSWER_KEY, HIDDEN, RAISES, Exercise, new_cell, set_tags, tags

COURSE_ID = "mnist_scratch"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
HINT_LINE = re.compile(r"^\s*(#|\.\.\.\s*(#|$))")   # comment, or `...  # YOUR CODE: ...`

NBGRADER_CONFIG = f'''\
# nbgrader configuration for the {COURSE_ID} lessons, written by tools/classroom.py: do not edit it,
# edit the lessons in notebooks/ and run `make classroom` again.
# Use: copy this folder to the course root, then, from the course's activated environment,
#   nbgrader generate_assignment 02_the_math      (release/02_the_math/: the student version)
#   nbgrader autograde 02_the_math                (grades submitted/<student>/02_the_math/)
# nbgrader calls the `alembic` command on PATH, and autograding runs the lessons, which need
# mnist_scratch and the MNIST files (set MNIST_SCRATCH_DATA_DIR to a shared folder).
c = get_config()  # noqa: F821  (nbgrader defines get_config when it reads this file)
c.CourseDirectory.course_id = "{COURSE_ID}"
# Lessons train small networks: give each cell more than nbgrader's default 30 s.
c.Execute.timeout = 300
# The build already left the exercise's hint (or "# YOUR CODE HERE") above each solution region.
c.ClearSolutions.code_stub = {{"python": "raise NotImplementedError()"}}
'''


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


def nbgrader_version(nb, exercises: list[Exercise]):
    """An nbgrader source notebook: autograded-answer cells plus graded test cells; no answer keys."""
    out = copy.deepcopy(nb)
    by_cell = {ex.cell: ex for ex in exercises}
    cells = []
    for i, cell in enumerate(out.cells):
        if HIDDEN & set(tags(cell)):
            continue
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        ex = by_cell.get(i)
        if ex is None:
            cells.append(cell)
            continue
        cell.source = mark_solution(ex.stub, ex.solution)
        set_tags(cell, [t for t in tags(cell) if t != RAISES])
        cell.metadata["nbgrader"] = {"grade": False, "grade_id": ex.grade_id, "locked": False,
                                     "schema_version": 3, "solution": True}
        test = new_cell(out, "code", ex.checks, tags=[RAISES])     # as released, the stub fails it
        test.metadata["nbgrader"] = {"grade": True, "grade_id": f"{ex.grade_id}-check", "locked": True,
                                     "points": ex.points, "schema_version": 3, "solution": False}
        cells += [cell, test]
    out.cells = cells
    assert not any(ANSWER_KEY in tags(c) for c in out.cells)
    return out
