"""The lessons' exercise format: reading it, and checking that a student copy gives nothing away.

The format (one source for every release; see tools/classroom.py):

* An **exercise** is a code cell tagged ``exercise`` (and ``raises-exception``, so that nbval and
  *Run All* carry on past it). It holds a stub, ending with its self-check line(s), e.g.
  ``check.relu(relu)``, which raise while the stub is unsolved.
* Then come its hints, markdown cells tagged ``hint`` (none or more, each a folded
  ``<details><summary>Hint 1: …</summary>`` block), which every edition keeps.
* The markdown cell right after those, tagged ``solution``, holds a folded
  ``<details><summary>Solution</summary>`` block with exactly one fenced ```python block: the
  complete replacement code for the exercise cell, ending with the same check line(s).
* Markdown or code cells tagged ``answer-key`` hold the answers to the end-of-lesson questions.
* An exercise is worth 1 point unless its metadata says ``"classroom": {"points": N}``.

Standard library and nbformat only.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

EXERCISE, SOLUTION, ANSWER_KEY, RAISES, HINT = "exercise", "solution", "answer-key", "raises-exception", "hint"
HIDDEN = frozenset({SOLUTION, ANSWER_KEY})          # never in a student copy
CHECK_LINE = re.compile(r"^\s*(assert\s+)?check\.\w+\s*\(")
FENCE = re.compile(r"^[ \t]*```[ \t]*python[^\n]*\n(.*?)^[ \t]*```", re.DOTALL | re.MULTILINE)
FOLDED_ANSWER = re.compile(r"<summary>\s*(solution|answer)", re.IGNORECASE)
MIN_SECRET_CHARS = 10       # shorter solution lines ("else:", "return Z") are too common to call a leak


class FormatError(ValueError):
    """A lesson does not follow the exercise format; the message names the notebook and the cell."""


@dataclass
class Exercise:
    cell: int            # index of the exercise cell in the source notebook
    grade_id: str        # e.g. "relu"; nbgrader's test cell is "<grade_id>-check"
    stub: str            # the exercise cell's code without its check lines
    solution: str        # the solution's code without its check lines
    checks: str          # the check line(s), identical in stub and solution
    points: float
    code: str = ""       # the solution's whole code block, as written (the instructor edition's cell)


# ----------------------------------------------------------------------------- cells and files

def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def set_tags(cell, new_tags: list[str]) -> None:
    if new_tags:
        cell.metadata["tags"] = list(new_tags)
    else:
        cell.metadata.pop("tags", None)


def has_exercises(nb) -> bool:
    """True if the lesson is written in the exercise format (it has a cell tagged ``exercise``)."""
    return any(EXERCISE in tags(cell) for cell in nb.cells)


def read_notebook(path):
    return nbformat.read(Path(path), as_version=4)


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)        # mkstemp makes 0600; a release is for sharing
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_notebook(nb, path: Path) -> None:
    nbformat.validate(nb)
    write_atomic(path, nbformat.writes(nb))


def new_cell(nb, kind: str, source: str, **metadata):
    """A new code or markdown cell that fits ``nb`` (cell ids exist only from nbformat 4.5 on)."""
    make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    cell = make(source, metadata=metadata)
    if (nb.nbformat, nb.nbformat_minor) < (4, 5):
        cell.pop("id", None)
    return cell


# ----------------------------------------------------------------------------- parsing

def solution_code(markdown: str, where: str) -> str:
    """The code of the single fenced python block in a ``solution`` cell."""
    blocks = FENCE.findall(markdown)
    if len(blocks) != 1:
        raise FormatError(f"{where}: a solution cell needs exactly one ```python block, found {len(blocks)}")
    return blocks[0].rstrip("\n")


def split_checks(code: str, where: str) -> tuple[str, str]:
    """Split ``code`` into (body, trailing check lines). Blank lines between check lines are allowed."""
    lines = code.rstrip().split("\n")
    cut = len(lines)
    while cut > 0 and (CHECK_LINE.match(lines[cut - 1]) or not lines[cut - 1].strip()):
        cut -= 1
    checks = [line for line in lines[cut:] if line.strip()]
    if not checks:
        raise FormatError(f"{where}: the code does not end with a check line such as `check.relu(relu)`")
    return "\n".join(lines[:cut]).rstrip(), "\n".join(line.strip() for line in checks)


def _grade_id(solution: str, number: int, taken: set[str]) -> str:
    match = re.search(r"^\s*def\s+(\w+)", solution, re.MULTILINE)
    base = re.sub(r"[^A-Za-z0-9_-]", "_", match.group(1)) if match else f"exercise{number}"
    grade_id, n = base, 2
    while grade_id in taken:
        grade_id, n = f"{base}_{n}", n + 1
    taken.add(grade_id)
    return grade_id


def after_hints(nb, i: int) -> int:
    """The index of the first cell after cell ``i`` that is not a hint (``len(nb.cells)`` if none)."""
    j = i + 1
    while j < len(nb.cells) and HINT in tags(nb.cells[j]):
        j += 1
    return j


def exercise_before(nb, i: int) -> int | None:
    """The index of the exercise cell whose solution is cell ``i`` (hints between them), or None."""
    j = i - 1
    while j >= 0 and HINT in tags(nb.cells[j]):
        j -= 1
    return j if j >= 0 and EXERCISE in tags(nb.cells[j]) else None


def find_exercises(nb, name: str) -> list[Exercise]:
    """Every exercise of a lesson, validated against the format; FormatError names the cell."""
    found, taken = [], set()
    for i, cell in enumerate(nb.cells):
        where = f"{name}, cell {i}"
        if SOLUTION in tags(cell) and exercise_before(nb, i) is None:
            raise FormatError(f"{where}: a `solution` cell must come right after an `exercise` cell (and its hints)")
        if EXERCISE not in tags(cell):
            continue
        if cell.cell_type != "code":
            raise FormatError(f"{where}: an `exercise` cell must be a code cell")
        j = after_hints(nb, i)
        following = nb.cells[j] if j < len(nb.cells) else None
        if following is None or following.cell_type != "markdown" or SOLUTION not in tags(following):
            raise FormatError(f"{where}: the cell after an `exercise` cell (and its `hint` cells) must be a markdown "
                              "cell tagged `solution`")
        stub, checks = split_checks(cell.source, where)
        code = solution_code(following.source, f"{name}, cell {j}")
        solution, solution_checks = split_checks(code, f"{name}, cell {j}")
        if checks != solution_checks:
            raise FormatError(f"{where}: the exercise ends with\n{checks}\nbut its solution ends with\n"
                              f"{solution_checks}\n(they must be the same check lines)")
        points = cell.metadata.get("classroom", {}).get("points", 1)
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
            raise FormatError(f"{where}: metadata classroom.points must be a positive number, not {points!r}")
        found.append(Exercise(i, _grade_id(solution, len(found) + 1, taken), stub, solution, checks, points, code))
    return found


# ----------------------------------------------------------------------------- leaks

def _strings(node):
    """Every string anywhere in a notebook (sources, outputs, metadata), so nothing can hide."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def _squash(text: str) -> str:
    return " ".join(text.split())


def _code_of(line: str) -> str:
    """A code line without its trailing comment (roughly: a `#` after white space), squashed."""
    return _squash(re.sub(r"(^|\s)#.*$", "", line))


def secrets(nb, name: str = "notebook") -> list[str]:
    """The text that must not reach students: solution lines that their stub does not already show
    (in its code, comments or error message), and answer-key lines; in both cases, less the lines
    that a code cell students see holds too (an answer key may reuse the lesson's own code)."""
    given = {_code_of(line) for cell in nb.cells if cell.cell_type == "code" and not HIDDEN & set(tags(cell))
             for line in cell.source.split("\n")}
    found = []
    for i, cell in enumerate(nb.cells):
        cell_tags = set(tags(cell))
        if SOLUTION in cell_tags:
            before = exercise_before(nb, i)
            stub = _squash(nb.cells[before].source) if before is not None else ""  # what the stub gives away
            code = solution_code(cell.source, f"{name}, cell {i}")
            found += [s for s in map(_code_of, code.split("\n")) if len(s) >= MIN_SECRET_CHARS and s not in stub]
        if ANSWER_KEY in cell_tags:
            text = re.sub(r"</?(details|summary)[^>]*>", "\n", cell.source)
            lines = (re.sub(r"^\s*([-*+]|\d+[.)])\s+", "", line) for line in text.split("\n"))  # list marks
            found += [s for s in map(_squash, lines) if len(s) >= 2 * MIN_SECRET_CHARS]
    return [s for s in dict.fromkeys(found) if s not in given]


def find_leaks(student_nb, source_nb, name: str = "notebook") -> list[str]:
    """Why ``student_nb`` gives away an answer of ``source_nb``; an empty list means it does not.

    Looks everywhere (sources, outputs, metadata) for: a cell still tagged ``solution`` or
    ``answer-key``; a folded ``<summary>Solution`` or ``<summary>Answers`` block; any solution line
    that is not part of its stub, or any answer-key line.
    """
    problems = [f"{name}: cell {i} is tagged {sorted(HIDDEN & set(tags(c)))}"
                for i, c in enumerate(student_nb.cells) if HIDDEN & set(tags(c))]
    haystack = _squash("\n".join(_strings(student_nb)))
    if FOLDED_ANSWER.search(haystack):
        problems.append(f"{name}: a folded <summary>Solution/Answers</summary> block is still there")
    problems += [f"{name}: solution or answer-key text is still there: {s!r}"
                 for s in secrets(source_nb, name) if s in haystack]
    return problems
