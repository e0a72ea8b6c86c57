"""The lessons' exercises, answer keys and quoted code, checked.

The exercises are proved from both sides when the lessons run (``pytest notebooks/``,
notebooks/conftest.py, with tools/runner.py):

* as shipped, every exercise cell fails with its stub's ``NotImplementedError``
  and no other cell fails;
* with every solution in place, every self-check passes: each exercise's solution
  runs right after its stub, in the same kernel, as a test item of its own.

The tests here read the notebooks as files: the exercise format (found as the
classroom tools find it, tools/lesson_format.py), the answer keys, and lesson 2's
table of the backward pass, which must quote ``mnist_scratch.network.backward`` literally.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

from mnist_scratch import losses, network
from tools.lesson_format import exercise_cells

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def _source(cell: dict) -> str:
    return "".join(cell["source"])


def _tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def solution_code(markdown: str) -> str:
    """The python block inside a folded solution cell."""
    match = re.search(r"```python\n(.*?)\n```", markdown, flags=re.S)
    assert match, "a solution cell needs a ```python block"
    return match.group(1)


def exercises(path: Path) -> list[tuple[dict, dict]]:
    """(exercise cell, its solution cell: the first after it, past its hints) for every exercise of a lesson."""
    cells = _cells(path)
    return [(cells[i], cells[j]) for i, _, j in exercise_cells({"cells": cells}, path.name)]


def _check_calls(code: str) -> list[str]:
    return [line.strip() for line in code.splitlines() if line.startswith("check.")]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_has_at_least_two_exercises(path):
    assert len(exercises(path)) >= 2


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_exercises_are_stubs_with_a_check_and_one_folded_solution(path):
    for cell, after in exercises(path):
        stub = _source(cell)
        name = stub.split("(")[0]
        assert cell["cell_type"] == "code" and "raises-exception" in _tags(cell), name
        assert re.search(r'raise NotImplementedError\("[^"]{20,}"\)', stub), f"{name}: the stub must say what to write"
        assert stub.rstrip().splitlines()[-1].startswith("check."), f"{name}: the cell must end with its check"
        assert after.get("cell_type") == "markdown" and _tags(after) == ["solution"], f"{name}: no solution cell"
        folded = _source(after)
        assert folded.startswith("<details><summary>Solution</summary>") and folded.rstrip().endswith("</details>")
        code = solution_code(folded)
        assert "NotImplementedError" not in code
        assert _check_calls(code) == _check_calls(stub), f"{name}: the solution must end with the same check"
        defined = re.findall(r"^def (\w+)\(", stub, flags=re.M)
        assert defined and defined == re.findall(r"^def (\w+)\(", code, flags=re.M)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_only_exercises_may_fail_and_solutions_stay_in_markdown(path):
    for cell in _cells(path):
        tags = _tags(cell)
        if "raises-exception" in tags:
            assert "exercise" in tags, _source(cell)[:80]
        if "solution" in tags:
            assert cell["cell_type"] == "markdown"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_every_lesson_has_folded_answers_to_its_questions(path):
    cells = _cells(path)
    keys = [c for c in cells if "answer-key" in _tags(c)]
    markdown = [c for c in keys if c["cell_type"] == "markdown"]
    assert markdown and all(_source(c).startswith("<details><summary>Answers</summary>") for c in markdown)
    questions = [c for c in cells if c["cell_type"] == "markdown" and "## Exercises" in _source(c)]
    assert questions and cells.index(questions[-1]) < cells.index(markdown[0])
    for cell in keys:
        if cell["cell_type"] == "code":   # the computed answers: folded in JupyterLab, asserted when run
            assert cell["metadata"].get("jupyter", {}).get("source_hidden") is True
            assert "\nassert " in "\n" + _source(cell)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lessons_that_use_widgets_check_the_environment(path):
    code = "\n".join(_source(c) for c in _cells(path) if c["cell_type"] == "code")
    if re.search(r"\b(playground|prediction_browser|draw_digit)\(", code):
        assert "check_environment()" in code


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_terminal_steps_run_from_the_notebook(path):
    """A shell command uses the kernel's own Python: `.venv/bin` is not on the PATH of every terminal."""
    for cell in _cells(path):
        for line in _source(cell).splitlines():
            if line.lstrip().startswith("!"):
                assert line.lstrip().startswith("!{sys.executable} -m mnist_scratch"), line
        if cell["cell_type"] == "code":
            assert "mnist-scratch " not in _source(cell)


def _code_lines(*functions) -> list[str]:
    lines = []
    for function in functions:
        for line in inspect.getsource(function).splitlines():
            line = line.split("  #")[0].strip()
            if line:
                lines.append(line)
    return lines


def test_the_backprop_table_quotes_backward_line_for_line():
    cells = _cells(NOTEBOOKS / "02_the_math.ipynb")
    table_cell = next(_source(c) for c in cells if "| equation | shape | code in `mnist_scratch.network.backward` |"
                      in _source(c))
    rows = [line for line in table_cell.splitlines() if line.startswith("|")][2:]
    quoted = [span for row in rows for span in re.findall(r"`([^`]+)`", row.split("|")[3])]
    source = _code_lines(network.backward, network.output_delta, losses.LOSSES["cross_entropy"].delta)
    assert len(quoted) >= 7
    for span in quoted:
        assert span in source, (f"the table quotes `{span}`, which is not a line of backward(), output_delta() or "
                                f"cross-entropy's delta")
    in_backward = _code_lines(network.backward)
    positions = [in_backward.index(span) for span in quoted if span in in_backward]
    assert positions == sorted(positions), "the table's lines must come in backward()'s order"
    # and the other way round: every line of backward's loop that computes a gradient is quoted in that cell
    computing = [line for line in in_backward if re.match(r"(grads\[|dZ =|dA =)", line)]
    quoted_anywhere = re.findall(r"`([^`]+)`", table_cell)
    assert computing and all(line in quoted_anywhere for line in computing), computing
