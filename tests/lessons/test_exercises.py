"""The lessons' exercises, answer keys and quoted code, checked.

The exercises are proved from both sides when the lessons run (``pytest notebooks/``,
notebooks/conftest.py, with tools/runner.py): as shipped, every exercise cell fails with its
stub's ``NotImplementedError`` and no other cell fails; with every solution in place, run right
after its stub in the same kernel, every self-check passes, each as a test item of its own.

The other tests here read the notebooks as files: the exercise format shared
with the classroom tooling (an ``exercise`` cell, its ``hint`` cells, its folded
``solution``), the answer keys, and lesson 2's table of the backward pass, which
must quote ``mnist_scratch.network.backward`` literally. The lessons rewritten for
the learner's own network (``OWN_NETWORK``; lesson engineers add theirs) are held to
the whole format: hints in steps, stubs that say what to write and never the code,
an assert message on every claim, and a "train your network" cell where they train.
tests/lessons/test_own_network.py runs them with the learner's parts.
"""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path

import pytest

from mnist_scratch import network

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
#: Lessons in the learner's-own-network format (docs/contributing.md, "The learner's own network").
OWN_NETWORK = ["01_data_exploration", "02_the_math", "03_train_784_10_10", "04_train_784_128_64_10",
               "05_cost_curves_and_hyperparameters", "06_misclassification_gallery",
               "07_beyond", "08_optimizers_and_initialization", "09_batch_normalization", "10_convolutional_network",
               "11_frameworks"]
#: Of those, the lessons that train, and so end with a "train your network" cell.
TRAINS = ["03_train_784_10_10", "04_train_784_128_64_10", "05_cost_curves_and_hyperparameters",
          "06_misclassification_gallery", "07_beyond", "08_optimizers_and_initialization", "09_batch_normalization",
          "10_convolutional_network"]
HINT = re.compile(r"<details><summary>Hint (\d+): [^<]+</summary>\n\n.+\n\n</details>$", re.S)


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


def _hints_and_solution(cells: list, i: int) -> tuple[list, dict]:
    """The ``hint`` cells after exercise cell ``i``, and the cell after them (its solution, if the format holds)."""
    j = i + 1
    while j < len(cells) and "hint" in _tags(cells[j]):
        j += 1
    return cells[i + 1:j], (cells[j] if j < len(cells) else {})


def exercises(path: Path) -> list[tuple[dict, dict]]:
    """(exercise cell, its solution cell: the cell after its hints) for every exercise of a lesson."""
    cells = _cells(path)
    return [(cell, _hints_and_solution(cells, i)[1]) for i, cell in enumerate(cells) if "exercise" in _tags(cell)]


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
        assert after.get("cell_type") == "markdown" and _tags(after) == ["solution"], \
            f"{name}: no solution cell after its hints"
        folded = _source(after)
        assert folded.startswith("<details><summary>Solution</summary>") and folded.rstrip().endswith("</details>")
        code = solution_code(folded)
        assert "NotImplementedError" not in code
        assert _check_calls(code) == _check_calls(stub), f"{name}: the solution must end with the same check"
        defined = re.findall(r"^(?:def|class) (\w+)[(:]", stub, flags=re.M)     # a function, or a class (lesson 7's Adam)
        assert defined and defined == re.findall(r"^(?:def|class) (\w+)[(:]", code, flags=re.M)


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_only_exercises_may_fail_and_solutions_stay_in_markdown(path):
    for cell in _cells(path):
        tags = _tags(cell)
        if "raises-exception" in tags:
            assert "exercise" in tags, _source(cell)[:80]
        if "solution" in tags or "hint" in tags:
            assert cell["cell_type"] == "markdown"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_hints_sit_between_an_exercise_and_its_solution(path):
    cells = _cells(path)
    for i, cell in enumerate(cells):
        if "hint" in _tags(cell):
            j = i
            while "hint" in _tags(cells[j]):
                j -= 1
            assert "exercise" in _tags(cells[j]), f"a hint must follow an exercise (or another hint): {_source(cell)[:80]}"


@pytest.mark.parametrize("name", OWN_NETWORK)
def test_every_exercise_has_a_ladder_of_folded_hints(name):
    cells = _cells(NOTEBOOKS / f"{name}.ipynb")
    for i, cell in enumerate(cells):
        if "exercise" not in _tags(cell):
            continue
        hints, _ = _hints_and_solution(cells, i)
        assert len(hints) >= 2, f"{_source(cell)[:60]}: an idea first, then the equation or the step"
        numbers = [int(HINT.match(_source(h)).group(1)) if HINT.match(_source(h)) else None for h in hints]
        assert numbers == list(range(1, len(hints) + 1)), \
            f"{_source(cell)[:60]}: each hint is <details><summary>Hint N: ...</summary>, numbered from 1"


def _code_lines_of(code: str) -> list[str]:
    """The lines of ``code`` outside its docstrings, without their comments."""
    lines, in_docstring = [], False
    for line in code.splitlines():
        quotes = line.count('"""')
        if in_docstring or quotes:
            in_docstring = in_docstring != (quotes % 2 == 1)
            continue
        lines.append(line.split("  #")[0].strip())
    return lines


def _stub_messages(stub: str) -> list[str]:
    return re.findall(r'raise NotImplementedError\("([^"]+)"\)', stub)


@pytest.mark.parametrize("name", OWN_NETWORK)
def test_a_stub_says_what_to_write_never_the_code(name):
    path = NOTEBOOKS / f"{name}.ipynb"
    for cell, solution in exercises(path):
        stub, code = _source(cell), solution_code(_source(solution))
        for message in _stub_messages(stub):
            assert message.startswith("write ") and "(" in message.split(":")[0], \
                f"{message}: start with 'write name(arguments):', then what it returns"
            assert "np." not in message and "axis=" not in message and " = " not in message, message
            for line in _code_lines_of(code):
                if len(line) >= 10 and not line.startswith(("def ", "class ", "check.")):
                    assert line not in message and line not in stub, f"the stub gives away {line!r}"
        for line in stub.splitlines():
            if line.strip().startswith("#"):
                assert line.strip() == "# YOUR CODE HERE", f"a stub's comment says where, not how: {line.strip()}"


def _asserts(source: str) -> list:
    import ast

    shell = re.compile(r"^(\s*\w+\s*=\s*)[!%].*$")           # output = !command: IPython, not Python
    code = "\n".join("pass" if line.lstrip().startswith(("%", "!")) else shell.sub(r"\1None", line)
                     for line in source.splitlines())
    return [node for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Assert)]


@pytest.mark.parametrize("name", OWN_NETWORK)
def test_every_assert_carries_a_message(name):
    """A claim whose setting a learner changes must say which setting it was made for, not fail blank."""
    for cell in _cells(NOTEBOOKS / f"{name}.ipynb"):
        if cell["cell_type"] == "code":
            for node in _asserts(_source(cell)):
                assert node.msg is not None, f"an assert without a message, line {node.lineno} of:\n{_source(cell)[:300]}"


@pytest.mark.parametrize("name", TRAINS)
def test_a_lesson_that_trains_ends_with_a_train_your_network_cell(name):
    cells = _cells(NOTEBOOKS / f"{name}.ipynb")
    heading = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
                   and "## Train your network" in _source(c))
    train = next(c for c in cells[heading:] if c["cell_type"] == "code")
    assert "my_network.load(" in _source(train), "the train cell builds the learner's network from their parts"


def test_lesson_2_shows_the_package_s_passes_only_after_the_learner_wrote_theirs():
    cells = _cells(NOTEBOOKS / "02_the_math.ipynb")
    backward_exercise = next(i for i, c in enumerate(cells) if "exercise" in _tags(c) and "def backward(" in _source(c))
    for i, cell in enumerate(cells):
        source = _source(cell)
        if re.search(r"ms\.(forward|backward)\b|inspect\.getsource", source) and "answer-key" not in _tags(cell):
            assert i > backward_exercise, f"cell {i} shows the package's forward or backward before the learner's: {source[:80]}"


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
            # and their outputs marked collapsed (JupyterLab still shows them after Run All)
            assert cell["metadata"].get("jupyter", {}).get("outputs_hidden") is True
            source = _source(cell)
            assert re.search(r"^\s*assert ", source, re.M)
            if re.search(r"\bprint\(|\bplots\.(?!folded_answer\b)|\bplt\.|_figures\.(?!trajectory\b)", source):
                # what it prints or draws reaches the page only folded (tests/tooling/test_browser.py
                # runs lesson 1 in JupyterLab): the whole cell is one `with plots.folded_answer(...)` block
                code = [line for line in source.splitlines() if line.strip() and not line.startswith("#")]
                assert code[0].startswith("with plots.folded_answer("), f"{path.name}: {code[0]!r}"
                body = next(i for i, line in enumerate(code) if line.rstrip().endswith("):")) + 1
                assert body < len(code) and all(line.startswith("    ") for line in code[body:]), \
                    f"{path.name}: an answer key that prints or draws does it all inside plots.folded_answer"


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



def test_the_backward_exercise_s_table_is_the_package_s_backward_step_by_step():
    """Lesson 2's table of the backward pass (before the exercise: equations, no code) has the steps that
    mnist_scratch.network.backward computes, in its order: each of backward's lines names its equation
    in a comment, and the lesson prints backward's source after the exercise, to compare."""
    cells = _cells(NOTEBOOKS / "02_the_math.ipynb")
    table = next(_source(c) for c in cells if "| step | equation | shape |" in _source(c))
    rows = [line for line in table.splitlines() if line.startswith("|")][2:]
    in_table = [f"{m.group(1)}[{m.group(2)}]" for row in rows
                for m in [re.search(r"(d[ZWAb])\^\{\[([^\]]+)\]\} =", row.split("|")[2])] if m]
    in_backward = re.findall(r"#\s*(d[ZWAb]\[[^\]]+\]) =", inspect.getsource(network.backward))
    assert in_table == in_backward == ["dZ[L]", "dW[l]", "db[l]", "dA[l-1]", "dZ[l-1]"]
    shown_after = [i for i, c in enumerate(cells) if "inspect.getsource(ms.backward)" in _source(c)]
    exercise = next(i for i, c in enumerate(cells) if "exercise" in _tags(c) and "def backward(" in _source(c))
    assert shown_after and shown_after[0] > exercise
