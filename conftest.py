"""Each lesson runs once per test run, and that one run serves everything.

``pytest --nbval-lax notebooks/`` (part of ``make test``) executes every lesson
as shipped, cell by cell, in a fresh kernel. Two things are added here:

* **Solutions run too.** Right after each exercise cell (which must fail as
  shipped: ``notebooks/conftest.py`` checks that), its solution, taken from the
  folded ``solution`` cell that follows it, runs as an extra test item in the
  same kernel. So the run proves both sides: every stub fails, and every
  solution passes its self-check.
* **Each lesson has a work folder of its own.** A lesson saves the parts of the
  learner's network that pass their checks (``mnist_scratch.lab.my_network``):
  here into a temporary folder per lesson (``$MNIST_SCRATCH_WORK_DIR``), never
  into the repository, and every lesson starts from none, as a learner who
  skipped the earlier lessons would (tests/lessons/test_own_network.py runs a
  lesson after another's parts were saved).
* **The executed copies are kept.** As soon as a lesson has run whole (not
  with ``-k`` or ``-x`` cutting it short), two copies with all their outputs
  are written:

  - ``build/executed/NN_name.ipynb``: the lesson as shipped, each exercise
    showing its stub's failure (the reading edition shows this);
  - ``build/executed/instructor/NN_name.ipynb``: each exercise cell replaced
    by its solution and the solution's outputs (the instructor release).

  ``make classroom`` and ``make book`` reuse them instead of running the
  lessons again.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import tempfile
from collections import defaultdict
from pathlib import Path

import pytest

SOLUTION_BLOCK = re.compile(r"```python\n(.*?)\n```", re.S)
_runs: dict = defaultdict(dict)        # notebook path -> {cell id: outputs}
WORK_DIR_VARIABLE = "MNIST_SCRATCH_WORK_DIR"   # mnist_scratch.lab.work_folder.ENV_VAR
_work_root: list = []


def _is_lesson_cell(item) -> bool:
    return hasattr(item, "cell") and hasattr(item, "test_outputs") and hasattr(item.parent, "nb")


def _tags(cell) -> list:
    return cell.get("metadata", {}).get("tags", [])


def _solution_after(nb, cell):
    """The code of the folded solution that follows ``cell`` (after its hint cells), or None."""
    cells = nb.cells
    position = next(i for i, c in enumerate(cells) if c is cell) + 1
    while position < len(cells) and "hint" in _tags(cells[position]):
        position += 1
    following = cells[position] if position < len(cells) else None
    if following is None or "solution" not in _tags(following):
        return None
    match = SOLUTION_BLOCK.search(following.source)
    return match.group(1) if match else None


def pytest_collection_modifyitems(session, config, items):
    """After every exercise cell's item, an item that runs its solution in the same kernel."""
    import nbformat

    with_solutions = []
    for item in items:
        with_solutions.append(item)
        if _is_lesson_cell(item) and "exercise" in _tags(item.cell):
            code = _solution_after(item.parent.nb, item.cell)
            if code is None:
                continue
            cell = nbformat.v4.new_code_cell(code, metadata={"tags": ["solution-run"]})
            cell.solution_of = item.cell
            with_solutions.append(type(item).from_parent(
                item.parent, name=f"{item.name} solution", cell_num=item.cell_num, cell=cell,
                options=defaultdict(bool, check=False)))
    items[:] = with_solutions


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before a lesson's kernel starts (with its first cell's setup), point it at a work folder of its own."""
    if _is_lesson_cell(item):
        if not _work_root:
            _work_root.append(tempfile.mkdtemp(prefix="mnist_scratch_work_"))
        os.environ[WORK_DIR_VARIABLE] = os.path.join(_work_root[0], Path(str(item.parent.path)).stem)


def pytest_unconfigure(config):
    for folder in _work_root:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        return (yield)
    finally:
        if _is_lesson_cell(item):
            run = _runs[str(item.parent.path)]
            run["nb"] = item.parent.nb
            run[id(item.cell)] = list(item.test_outputs or [])
            if hasattr(item.cell, "solution_of"):
                run[("solution", id(item.cell.solution_of))] = (item.cell.source, list(item.test_outputs or []))
            if not run.get("written") and _ran_whole(item.parent.nb, run):
                run["written"] = True
                _write_executed_copies(Path(item.parent.path), run,
                                       Path(item.config.rootpath) / "build" / "executed")


def _ran_whole(nb, run: dict) -> bool:
    """Every code cell ran, and the solution of every exercise that has one."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if id(cell) not in run:
            return False
        if "exercise" in _tags(cell) and _solution_after(nb, cell) is not None and ("solution", id(cell)) not in run:
            return False
    return True


def _write_executed_copies(path: Path, run: dict, folder: Path) -> None:
    import nbformat

    nb = run["nb"]
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    shipped, instructor = copy.deepcopy(nb), copy.deepcopy(nb)
    pairs = zip(code_cells, (c for c in shipped.cells if c.cell_type == "code"),
                (c for c in instructor.cells if c.cell_type == "code"))
    for count, (original, as_shipped, solved) in enumerate(pairs, start=1):
        as_shipped.outputs = solved.outputs = run[id(original)]
        as_shipped.execution_count = solved.execution_count = count
        if ("solution", id(original)) in run:
            solved.source, solved.outputs = run[("solution", id(original))]
    for cell in (c for book in (shipped, instructor) for c in book.cells if c.cell_type == "code"):
        if _ends_with_semicolon(cell.source):   # nbval runs cells without history, so IPython missed the ';'
            cell.outputs = [o for o in cell.outputs if o.get("output_type") != "execute_result"]
        for output in cell.outputs:
            if output.get("output_type") == "execute_result":
                output.setdefault("metadata", {})
                output["execution_count"] = cell.execution_count
    (folder / "instructor").mkdir(parents=True, exist_ok=True)
    nbformat.write(shipped, folder / path.name)
    nbformat.write(instructor, folder / "instructor" / path.name)


def _ends_with_semicolon(source: str) -> bool:
    """The reading edition's rule (docs/book/book_stage.py): a last statement ending in ';' shows no value."""
    import sys

    book = str(Path(__file__).resolve().parent / "docs" / "book")
    if book not in sys.path:
        sys.path.append(book)
    from book_stage import ends_with_semicolon

    return ends_with_semicolon(source)
