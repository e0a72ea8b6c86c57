"""The configuration files of the nbgrader course folder that ``make classroom`` writes.

``nbgrader/nbgrader_config.py``              the instructor's, read by every nbgrader command run in the
                                             course folder (and by the formgrader started there);
``nbgrader/every_user/nbgrader_config.py``   every user's, for ``/etc/jupyter/`` on a JupyterHub: the course
                                             id and the exchange that the students' Assignments tab and
                                             ``nbgrader fetch_assignment`` / ``submit`` use.

Nobody edits them. Each setting comes from an environment variable when it is set, and otherwise from
the default it was written with: an option of ``python -m tools.classroom`` (``--course-id``,
``--exchange``, ``--course-root``, ``--cell-timeout``, ``--lesson-cell-timeout``), so an instructor
changes a setting for one shell, or for good by building again. docs/teaching/grading.md walks the
exchange. Standard library only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Course", "instructor_config", "every_user_config", "VARIABLES", "SECRET"]

#: option of tools.classroom -> the environment variable that overrides it at grading time
VARIABLES = {"course_id": "MNIST_SCRATCH_COURSE_ID", "course_root": "MNIST_SCRATCH_COURSE_ROOT",
             "exchange": "MNIST_SCRATCH_EXCHANGE", "cell_timeout": "MNIST_SCRATCH_CELL_TIMEOUT",
             "lesson_cell_timeout": "MNIST_SCRATCH_LESSON_CELL_TIMEOUT"}
SECRET = "MNIST_SCRATCH_GRADING_SECRET"      # the course's secret in the hidden cases' seeds (optional)
COURSE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class Course:
    course_id: str = "mnist_scratch"
    exchange: str = "/srv/nbgrader/exchange"
    course_root: str | None = None      # None: the folder that holds nbgrader_config.py
    cell_timeout: int = 30              # an answer cell or a graded test: where an endless loop is found
    lesson_cell_timeout: int = 120      # a cell of the lesson's own (training); the lessons run in ~60 s in all

    def __post_init__(self):
        if not COURSE_ID.fullmatch(self.course_id):
            raise ValueError(f"--course-id must be letters, digits, '_', '.' or '-' (nbgrader's exchange uses it in "
                             f"folder names), not {self.course_id!r}")
        for name in ("cell_timeout", "lesson_cell_timeout"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"--{name.replace('_', '-')} must be a whole number of seconds, 1 or more, "
                                 f"not {value!r}")


_HEAD = '''\
# nbgrader configuration of the {course_id} course, written by `make classroom` (tools/nbgrader_course.py).
# Do not edit it. Each setting comes from the environment variable beside it when that is set, else
# from the default below, which `python -m tools.classroom {option_list}` chose.
# docs/teaching/grading.md walks the exchange: generate, release, fetch, submit, collect, autograde, feedback.
import os

c = get_config()  # noqa: F821  (nbgrader defines get_config when it reads this file)


def setting(variable, default):
    return os.environ.get(variable, "").strip() or default

'''

_INSTRUCTOR = '''\

def seconds(variable, default):
    value = setting(variable, str(default))
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"{{variable}} must be a whole number of seconds, 1 or more, not {{value!r}}")
    return int(value)


c.CourseDirectory.course_id = setting("{v[course_id]}", {course_id!r})
c.CourseDirectory.root = setting("{v[course_root]}", {root})
c.Exchange.root = setting("{v[exchange]}", {exchange!r})

# The seeds of each student's hidden cases mix in a secret of the course's own, so that nobody can compute
# them from the package's source: ${secret}, else the file .grading_secret in the course folder, which
# the first autograde makes (keep it: grading again with another secret draws other hidden cases).
c.GradingExecute.secret = setting("{secret}", "")
c.GradingExecute.secret_file = os.path.join(c.CourseDirectory.root, ".grading_secret")

# Grading (mnist_scratch/lab/nbgrader_plugins.py): each student's hidden cases, dead kernels and timeouts
# reported, alt text on the feedback's figures.
c.Autograde.autograde_preprocessors = [
    "mnist_scratch.lab.nbgrader_plugins.GradingExecute", "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor", "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades", "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata"]
# Seconds an answer cell or a graded test may run (an endless loop is stopped there, and grading goes on),
# and a cell of the lesson's own, which may train a network.
c.Execute.timeout = seconds("{v[cell_timeout]}", {cell_timeout})
c.GradingExecute.lesson_cell_timeout = seconds("{v[lesson_cell_timeout]}", {lesson_cell_timeout})
c.Execute.interrupt_on_timeout = True
c.Execute.error_on_timeout = {{
    "ename": "CellTimeoutError",
    "evalue": "this cell ran longer than the grading limit for a cell (the note at the top says how long): "
              "it was stopped here, and the rest of the notebook was graded",
    "traceback": ["CellTimeoutError: this cell ran longer than the grading limit for a cell (the note at the top "
                  "says how long): it was stopped here, and the rest of the notebook was graded"]}}
c.OverwriteCells.add_missing_cells = True      # a test cell a student deleted is put back, not skipped
c.ExportApp.plugin_class = "mnist_scratch.lab.nbgrader_plugins.GradesExport"    # grades.csv with a status column
# The build leaves the exercise's hint (or "# YOUR CODE HERE") above each solution region.
c.ClearSolutions.code_stub = {{"python": "raise NotImplementedError()"}}
'''

_EVERY_USER = '''\
# For /etc/jupyter/nbgrader_config.py on the hub (every user): the students' Assignments tab and
# `nbgrader fetch_assignment` / `nbgrader submit` find the course's exchange here.
c.CourseDirectory.course_id = setting("{v[course_id]}", {course_id!r})
c.Exchange.root = setting("{v[exchange]}", {exchange!r})
'''


def _options(course: Course) -> str:
    defaults = Course()
    chosen = [f"--{name.replace('_', '-')} {getattr(course, name)}" for name in VARIABLES
              if getattr(course, name) != getattr(defaults, name)]
    return " ".join(chosen) if chosen else "(no option: the defaults)"


def instructor_config(course: Course) -> str:
    """``nbgrader_config.py`` of the course folder (see the module docstring)."""
    root = repr(course.course_root) if course.course_root else "os.path.dirname(os.path.abspath(__file__))"
    values = dict(course_id=course.course_id, exchange=course.exchange, cell_timeout=course.cell_timeout,
                  lesson_cell_timeout=course.lesson_cell_timeout, root=root, v=VARIABLES, secret=SECRET)
    return _HEAD.format(course_id=course.course_id, option_list=_options(course)) + _INSTRUCTOR.format(**values)


def every_user_config(course: Course) -> str:
    """``nbgrader_config.py`` for ``/etc/jupyter/`` on the hub (see the module docstring)."""
    return (_HEAD.format(course_id=course.course_id, option_list=_options(course))
            + _EVERY_USER.format(course_id=course.course_id, exchange=course.exchange, v=VARIABLES))
