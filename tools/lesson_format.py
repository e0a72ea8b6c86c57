"""The lessons' exercise format: reading it, and checking that a student copy gives nothing away.

The format (one source for every release and for the lesson tests):

* An **exercise** is a code cell tagged ``exercise`` and ``raises-exception`` (so that *Run All*
  carries on past it). It holds a stub, ending with its self-check line(s), e.g.
  ``check.relu(relu)``, which raise while the stub is unsolved.
* It may be followed by **hint** cells: markdown cells tagged ``hint``, each a folded
  ``<details><summary>Hint 1</summary>`` block, in the order a learner should open them.
* Then comes its **solution**: the first markdown cell tagged ``solution`` after the exercise,
  with only ``hint`` cells in between. It holds a folded ``<details><summary>Solution</summary>``
  block with exactly one fenced ```python block: the complete replacement code for the exercise
  cell, ending with the same check line(s).
* Markdown or code cells tagged ``answer-key`` hold the answers to the end-of-lesson questions.
* An exercise's points in the nbgrader edition are its metadata's ``"classroom": {"points": N}``, or
  else one per item its checks grade: one per check, and one per gradient for a check graded in
  parts, such as ``backward`` (tools/nbgrader_release.py).

Students see the stubs and the hints; solutions and answer keys are for the instructor edition.
Standard library and nbformat only; every function here takes nbformat's notebooks and plain
JSON dictionaries alike.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

EXERCISE, HINT, SOLUTION, ANSWER_KEY = "exercise", "hint", "solution", "answer-key"
RAISES = "raises-exception"
HIDDEN = frozenset({SOLUTION, ANSWER_KEY})          # never in a student copy (hints are for students)
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
    hints: tuple[int, ...] = ()     # indices of its hint cells
    solution_cell: int = -1         # index of its solution cell
    points_given: bool = False      # whether ``points`` is the metadata's (else 1, until the release counts items)


# ----------------------------------------------------------------------------- cells and files

def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def set_tags(cell, new_tags: list[str]) -> None:
    if new_tags:
        cell.metadata["tags"] = list(new_tags)
    else:
        cell.metadata.pop("tags", None)


def source(cell) -> str:
    """A cell's source as one string (a JSON notebook may store it as a list of lines)."""
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def describe_cell(name: str, nb, index: int) -> str:
    """'NAME, cell 13 of 26 [7] (starting '...')': a cell as a person finds it in JupyterLab."""
    cell = nb["cells"][index]
    first = next((line for line in source(cell).splitlines() if line.strip()), "")[:60]
    count = f" [{cell['execution_count']}]" if cell.get("execution_count") else ""
    return f"{name}, cell {index + 1} of {len(nb['cells'])}{count} (starting {first!r})"


def has_exercises(nb) -> bool:
    """True if the lesson is written in the exercise format (it has a cell tagged ``exercise``)."""
    return any(EXERCISE in tags(cell) for cell in nb["cells"])


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


def exercise_cells(nb, name: str) -> list[tuple[int, tuple[int, ...], int]]:
    """(exercise, its hints, its solution) cell indices for every exercise, in order.

    The solution is the first ``solution`` cell after the exercise, with only ``hint`` cells in
    between. FormatError, naming the cell, for a cell out of place.
    """
    cells, found, claimed = nb["cells"], [], set()
    for i, cell in enumerate(cells):
        if EXERCISE not in tags(cell):
            continue
        where = describe_cell(name, nb, i)
        if cell["cell_type"] != "code":
            raise FormatError(f"{where}: an `exercise` cell must be a code cell")
        j, hints = i + 1, []
        while j < len(cells) and HINT in tags(cells[j]) and SOLUTION not in tags(cells[j]):
            hints.append(j)
            j += 1
        if j == len(cells) or SOLUTION not in tags(cells[j]):
            raise FormatError(f"{where}: an `exercise` cell must be followed by its `hint` cells, if any, and "
                              "then by its `solution` cell (markdown)")
        for k in (*hints, j):
            if cells[k]["cell_type"] != "markdown":
                raise FormatError(f"{describe_cell(name, nb, k)}: a `hint` or `solution` cell must be markdown")
        found.append((i, tuple(hints), j))
        claimed.update((*hints, j))
    for i, cell in enumerate(cells):
        if {HINT, SOLUTION} & set(tags(cell)) and i not in claimed:
            raise FormatError(f"{describe_cell(name, nb, i)}: a `hint` or `solution` cell must come after an "
                              "`exercise` cell (a solution after the exercise's hints, if it has any)")
    return found


def find_exercises(nb, name: str) -> list[Exercise]:
    """Every exercise of a lesson, validated against the format; FormatError names the cell."""
    found, taken = [], set()
    for i, hints, j in exercise_cells(nb, name):
        cell, where = nb["cells"][i], describe_cell(name, nb, i)
        stub, checks = split_checks(source(cell), where)
        code = solution_code(source(nb["cells"][j]), describe_cell(name, nb, j))
        solution, solution_checks = split_checks(code, describe_cell(name, nb, j))
        if checks != solution_checks:
            raise FormatError(f"{where}: the exercise ends with\n{checks}\nbut its solution ends with\n"
                              f"{solution_checks}\n(they must be the same check lines)")
        given = "points" in cell.get("metadata", {}).get("classroom", {})
        points = cell.get("metadata", {}).get("classroom", {}).get("points", 1)
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
            raise FormatError(f"{where}: metadata classroom.points must be a positive number, not {points!r}")
        found.append(Exercise(i, _grade_id(solution, len(found) + 1, taken), stub, solution, checks, points, code,
                              hints, j, given))
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
    """The text that must not reach students: solution lines that neither their stub nor its hints
    already show (both are given on purpose), and answer-key lines; in both cases, less the lines
    that a code cell students see holds too (an answer key may reuse the lesson's own code)."""
    cells = nb["cells"]
    given = {_code_of(line) for cell in cells if cell["cell_type"] == "code" and not HIDDEN & set(tags(cell))
             for line in source(cell).split("\n")}
    found = []
    for i, hints, j in exercise_cells(nb, name):
        shown = _squash("\n".join(source(cells[k]) for k in (i, *hints)))
        code = solution_code(source(cells[j]), describe_cell(name, nb, j))
        found += [s for s in map(_code_of, code.split("\n")) if len(s) >= MIN_SECRET_CHARS and s not in shown]
    for cell in cells:
        if ANSWER_KEY in tags(cell):
            text = re.sub(r"</?(details|summary)[^>]*>", "\n", source(cell))
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
                for i, c in enumerate(student_nb["cells"]) if HIDDEN & set(tags(c))]
    haystack = _squash("\n".join(_strings(student_nb)))
    if FOLDED_ANSWER.search(haystack):
        problems.append(f"{name}: a folded <summary>Solution/Answers</summary> block is still there")
    problems += [f"{name}: solution or answer-key text is still there: {s!r}"
                 for s in secrets(source_nb, name) if s in haystack]
    return problems
