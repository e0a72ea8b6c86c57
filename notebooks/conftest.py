"""How pytest runs the lessons: ``pytest notebooks/`` (the first half of ``make test``).

Each lesson, notebooks/NN_name.ipynb, is collected as a file of test items, and runs once, whole,
in a fresh kernel, whichever of its items pytest selects (tools/executed.py: ``executed_copies``
with ``rerun=True``, which runs it with tools/runner.py and keeps its executed copies in
build/executed/ under pytest's rootdir, for the classroom editions, the slides and the book). The items report the rules
of tools/runner.py one by one:

    notebooks/02_the_math.ipynb::runs                  every cell runs, or may fail (raises-exception)
    notebooks/02_the_math.ipynb::stub[cell 14]         the exercise fails as shipped with NotImplementedError
    notebooks/02_the_math.ipynb::solution[cell 14]     its solution, run right after it, passes
    notebooks/02_the_math.ipynb::alt-text              every figure has alt text

(a lesson whose exercises break the format has one item, ``format``, instead). A failure names the
lesson, the cell (position and first line) and the error. Under pytest-xdist, ``--dist loadfile``
(or ``loadscope``) keeps a lesson's items in one worker, so each lesson runs once.
"""

from __future__ import annotations

import pytest

from tools.executed import LessonFailed, executed_copies
from tools.lesson_format import FormatError, exercise_cells, read_notebook

LESSON_NAME = "[0-9][0-9]_*.ipynb"


def pytest_collect_file(file_path, parent):
    if file_path.match(LESSON_NAME):
        return Lesson.from_parent(parent, path=file_path)
    return None


class Lesson(pytest.File):
    """A lesson: its items, and its one run, made the first time an item asks for it."""

    _run = None

    def collect(self):
        name = self.path.relative_to(self.config.rootpath).as_posix()
        nb = read_notebook(self.path)
        try:
            exercises = [i for i, _, _ in exercise_cells(nb, name)]
        except FormatError:
            yield Rule.from_parent(self, name="format", rule="format")
            return
        yield Rule.from_parent(self, name="runs", rule="runs")
        for index in exercises:
            for rule in ("stub", "solution"):
                yield Rule.from_parent(self, name=f"{rule}[cell {index + 1}]", rule=rule, cell=index)
        yield Rule.from_parent(self, name="alt-text", rule="alt-text")

    def run(self):
        if self._run is None:
            try:
                folder = self.config.rootpath / "build" / "executed"
                self._run = executed_copies(self.path, folder=folder, rerun=True, log=lambda text: None).run
            except LessonFailed as failed:
                self._run = failed.run
        return self._run


class LessonProblem(Exception):
    """What an item found wrong; reported as its message alone, without pytest's traceback."""


class Rule(pytest.Item):
    def __init__(self, *, rule: str, cell: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.rule, self.cell = rule, cell

    def runtest(self):
        problems = self.parent.run().problems_of(self.rule, self.cell)
        if problems:
            raise LessonProblem("\n\n".join(map(str, problems)))

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, LessonProblem):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, self.name
