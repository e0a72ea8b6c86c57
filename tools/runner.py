"""Run a lesson top to bottom in a fresh kernel, each exercise's solution right after its stub.

    from tools.runner import run_lesson
    run = run_lesson("notebooks/02_the_math.ipynb")
    run.problems     # what broke a rule below, each naming the lesson, the cell and the error
    run.shipped      # the lesson as shipped, with every output (each stub's error included)
    run.instructor   # the same run with each exercise cell holding its solution and the solution's outputs

The rules a run checks (the lesson tests report each as an item of its own: notebooks/conftest.py):

``runs``      every code cell runs without error, except that a cell tagged ``raises-exception`` may
              fail; the run stops at the first other error, as *Run All* does;
``stub``      every exercise cell fails as shipped, with its stub's ``NotImplementedError``;
``solution``  each exercise's solution (tools/lesson_format.py finds it: the first ``solution`` cell
              after the exercise, past its ``hint`` cells) runs right after its stub, in the same
              kernel, and passes its self-check;
``alt-text``  every cell that draws a figure carries alt text (``mystnb.image.alt`` in its metadata);
``format``    the exercises follow the format (a lesson that does not is not run).

The kernel is ``python3`` of this environment (or ``kernel_name``), working in the lesson's folder,
with this process's environment variables (or ``env``). The parts of the learner's network that pass
their checks are saved in a work folder of the run's own (``$MNIST_SCRATCH_WORK_DIR``, a temporary
folder deleted afterwards, unless ``env`` names one): never in the repository, and every lesson starts
from none, as a learner who skipped the earlier lessons would. Only public APIs: nbclient's ``NotebookClient`` (``setup_kernel``,
``execute_cell``, ``set_widgets_metadata``), nbformat, and psutil to find the kernel's process for
``watch`` (the benchmarks measure it).
"""

from __future__ import annotations

import copy
import os
import re
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from tools.lesson_format import (RAISES, FormatError, describe_cell, exercise_cells, solution_code,
                                 source, tags)

CELL_TIMEOUT = 600           # seconds a cell may take
RULES = ("format", "runs", "stub", "solution", "alt-text")
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
TRACEBACK_LINES = 12         # the end of a traceback is what says where it failed
WORK_DIR_VARIABLE = "MNIST_SCRATCH_WORK_DIR"   # mnist_scratch.lab.work_folder.ENV_VAR


@dataclass
class Problem:
    rule: str                # one of RULES
    cell: int | None         # the cell's index in the lesson (None: the whole lesson)
    message: str             # names the lesson, the cell (position, first line) and the error

    def __str__(self) -> str:
        return self.message


@dataclass
class LessonRun:
    lesson: Path
    name: str                                   # how messages name the lesson, e.g. notebooks/02_the_math.ipynb
    shipped: nbformat.NotebookNode
    instructor: nbformat.NotebookNode | None    # None when run without solutions
    exercises: list[int] = field(default_factory=list)     # the exercise cells' indices
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0                        # the cells' wall-clock time, the kernel's start-up aside
    stopped_at: int | None = None               # the cell whose error stopped the run
    stop_reason: str = ""                       # and what happened there

    @property
    def ran_as_intended(self) -> bool:
        """Every cell ran, every stub failed as it should and every solution passed (alt text aside)."""
        return not [p for p in self.problems if p.rule != "alt-text"]

    def problems_of(self, rule: str, cell: int | None = None) -> list[Problem]:
        return [p for p in self.problems if p.rule == rule and (cell is None or p.cell == cell)]


def _error(cell) -> dict | None:
    return next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)


def error_text(output: dict, lines: int = TRACEBACK_LINES) -> str:
    """'Name: message', then the traceback's last ``lines`` lines, without the terminal's colours."""
    message = str(output.get("evalue", "")).strip()
    head = f"{output.get('ename', 'Error')}: {message}" if message else str(output.get("ename", "Error"))
    trace = ANSI.sub("", "\n".join(output.get("traceback", []))).rstrip().split("\n")
    if len(trace) > lines:
        trace = ["..."] + trace[-lines:]
    return head + ("\n    " + "\n    ".join(trace) if any(t.strip() for t in trace) else "")


def _first_line(output: dict) -> str:
    return f"{output.get('ename', 'Error')}: {(str(output.get('evalue', '')).splitlines() or [''])[0]}"


def _draws_without_alt(cell) -> bool:
    draws = any(mime.startswith("image/") for o in cell.get("outputs", []) for mime in o.get("data", {}))
    image = cell.get("metadata", {}).get("mystnb", {}).get("image", {})
    alt = str(image.get("alt", "")).strip() if isinstance(image, dict) else ""
    return draws and not alt


def _kernel_pid(client) -> int:
    """The kernel's process: the child of this one started with the kernel's connection file."""
    import psutil

    connection_file = client.km.connection_file
    for child in psutil.Process().children(recursive=True):
        try:
            if connection_file in child.cmdline():
                return child.pid
        except psutil.Error:
            continue
    raise RuntimeError(f"no process of this one runs the kernel of {connection_file}")


def run_lesson(path, *, solutions: bool = True, timeout: int = CELL_TIMEOUT, env: dict | None = None,
               watch=None, name: str | None = None, kernel_name: str = "python3") -> LessonRun:
    """Run the lesson at ``path`` in a fresh kernel and check the rules (see the module docstring).

    ``solutions=False`` runs the lesson exactly as shipped (no instructor copy, no ``solution`` rule).
    ``env`` replaces the kernel's environment variables; ``kernel_name`` picks another kernel spec.
    ``watch(pid)``, if given, is a context manager entered once the kernel (process ``pid``) has
    started and left after the last cell: the benchmarks sample its memory and CPU time there.
    Cell errors never raise: they are ``problems``.
    """
    path = Path(path)
    name = name or _display_name(path)
    shipped = nbformat.read(path, as_version=4)
    run = LessonRun(path, name, shipped, copy.deepcopy(shipped) if solutions else None)
    try:
        found = exercise_cells(shipped, name)
        code = {i: solution_code(source(shipped.cells[j]), describe_cell(name, shipped, j)) for i, _, j in found}
    except FormatError as err:
        run.problems.append(Problem("format", None, str(err)))
        return run
    run.exercises = [i for i, _, _ in found]

    from nbclient import NotebookClient

    # The client works on a copy of its own (it puts each executed cell back into its notebook);
    # each cell's outputs are then copied into the shipped and the instructor copies.
    client = NotebookClient(copy.deepcopy(shipped), timeout=timeout, kernel_name=kernel_name, allow_errors=True,
                            record_timing=False, resources={"metadata": {"path": str(path.parent.resolve())}})
    with tempfile.TemporaryDirectory(prefix="mnist_scratch_work_") as work:
        kernel_env = dict(os.environ if env is None else env)
        if env is None or WORK_DIR_VARIABLE not in env:
            kernel_env[WORK_DIR_VARIABLE] = os.path.join(work, path.stem)
        _run_all(client, run, code, kernel_env, watch)
    for nb in filter(None, (run.shipped, run.instructor)):
        if "widgets" in client.nb.metadata:
            nb.metadata["widgets"] = copy.deepcopy(client.nb.metadata["widgets"])
        _number(nb, run.stopped_at)
    _check(run)
    return run


def _run_all(client, run: LessonRun, code: dict, env: dict, watch) -> None:
    with client.setup_kernel(env=env):
        with watch(_kernel_pid(client)) if watch else nullcontext():
            started = time.perf_counter()
            for index, cell in enumerate(run.shipped.cells):
                if cell.cell_type == "code" and not _run_cell(client, run, index, code.get(index)):
                    break
            run.seconds = time.perf_counter() - started
        client.set_widgets_metadata()


def _execute(client, index: int, code: str) -> tuple[list, str | None]:
    """Run ``code`` as cell ``index``: its outputs, and None or why the run cannot go on."""
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    cell = nbformat.v4.new_code_cell(code, metadata=copy.deepcopy(client.nb.cells[index].metadata))
    try:
        cell = client.execute_cell(cell, index)
    except CellTimeoutError:
        return copy.deepcopy(cell.outputs), f"did not finish within {client.timeout} s"
    except DeadKernelError:
        return copy.deepcopy(cell.outputs), "killed the kernel (out of memory?)"
    return copy.deepcopy(cell.outputs), None


def _run_cell(client, run: LessonRun, index: int, solution: str | None) -> bool:
    """Run cell ``index``, then its solution if it is an exercise; False if the run must stop there."""
    cell = run.shipped.cells[index]
    cell.outputs, why = _execute(client, index, cell.source)
    part = ""
    if run.instructor is not None:
        solved = run.instructor.cells[index]
        if why is None and solution is not None:
            part = ": its solution"
            solved.source = solution
            solved.outputs, why = _execute(client, index, solution)
        else:
            solved.outputs = copy.deepcopy(cell.outputs)
    error = _error(cell)
    if why is None and (error is None or RAISES in tags(cell)):
        return True
    run.stopped_at, run.stop_reason = index, f"{part} {why}" if why else f"{part} failed with {error_text(error)}"
    return False


def _display_name(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.name


def _number(nb, stopped_at: int | None) -> None:
    """Execution counts 1, 2, 3 ... in cell order, as *Run All* would show them (a solution run
    beside its stub took a number of its own in the kernel)."""
    count = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if stopped_at is not None and index > stopped_at:
            cell.execution_count, cell.outputs = None, []
            continue
        count += 1
        cell.execution_count = count
        for output in cell.outputs:
            if output.get("output_type") == "execute_result":
                output["execution_count"] = count


def _check(run: LessonRun) -> None:
    name, shipped = run.name, run.shipped
    if run.stopped_at is not None:
        run.problems.append(Problem("runs", run.stopped_at, describe_cell(name, shipped, run.stopped_at) + run.stop_reason))
    for index in run.exercises:
        where = describe_cell(name, shipped, index)
        if run.stopped_at is not None and index >= run.stopped_at:
            stop = "here" if index == run.stopped_at else f"earlier, at {describe_cell(name, shipped, run.stopped_at)}"
            for rule in ("stub", "solution") if run.instructor is not None else ("stub",):
                run.problems.append(Problem(rule, index, f"{where}: the {rule} did not run to its end: the lesson "
                                                         f"stopped {stop}"))
            continue
        error = _error(shipped.cells[index])
        if error is None:
            run.problems.append(Problem("stub", index, f"{where} ran without error: as shipped, an exercise must "
                                                       "be a stub that raises NotImplementedError"))
        elif error.get("ename") != "NotImplementedError":
            run.problems.append(Problem("stub", index, f"{where} failed with {_first_line(error)}, not with its "
                                                       f"stub's NotImplementedError:\n{error_text(error)}"))
        solved = _error(run.instructor.cells[index]) if run.instructor is not None else None
        if solved is not None:
            run.problems.append(Problem("solution", index, f"{where}: its solution, run right after the stub in "
                                                           f"the same kernel, failed with {error_text(solved)}"))
    for nb in filter(None, (run.shipped, run.instructor)):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and _draws_without_alt(cell) and not run.problems_of("alt-text", index):
                run.problems.append(Problem("alt-text", index, (
                    f"{describe_cell(name, shipped, index)} draws a figure without alt text: add "
                    '{"mystnb": {"image": {"alt": "<one sentence on what the figure shows>"}}} to its metadata '
                    "(docs/authoring.md)")))


__all__ = ["CELL_TIMEOUT", "RULES", "LessonRun", "Problem", "error_text", "run_lesson"]
