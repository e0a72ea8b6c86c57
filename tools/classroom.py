"""Build the classroom editions of the lessons from the one source in notebooks/.

    python -m tools.classroom --out build/classroom notebooks/*.ipynb      (what `make classroom` runs)

writes three releases under --out:

student/     each lesson without its ``solution`` and ``answer-key`` cells (its hints stay), outputs
             cleared; the build fails if any solution or answer-key text is still to be found anywhere in it.
instructor/  each exercise cell's source replaced by its solution's code, hints kept, answer keys unfolded,
             with the outputs of the lesson's executed instructor copy.
nbgrader/    an nbgrader course folder: nbgrader_config.py (tools/nbgrader_course.py; --course-id, --exchange,
             --course-root and the timeouts set its defaults), every_user/nbgrader_config.py (for /etc/jupyter/
             on a hub), source/<lesson>/<lesson>.ipynb (tools/nbgrader_release.py) and rubrics/<lesson>.md, the
             answer keys of the questions graded by hand.

The exercise format is described in tools/lesson_format.py. The outputs come from the lesson's
executed instructor copy in --executed-dir (build/executed/instructor/), reused while it is up to
date with the lesson, the package and the environment, and made by running the lesson otherwise
(tools/executed.py): `make test`, `make slides` and `make book` share the same copies.

Needs nbformat and nbclient (the ``classroom`` extra).
"""

from __future__ import annotations

import argparse
import copy
import re
import shutil
import sys
from pathlib import Path

from tools.executed import EXECUTED, executed_all
from tools.lesson_format import (ANSWER_KEY, RAISES, SOLUTION, Exercise, FormatError, HIDDEN, find_exercises,
                                 find_leaks, read_notebook, set_tags, tags, write_atomic, write_notebook)
from tools.nbgrader_course import Course, every_user_config, instructor_config
from tools.nbgrader_release import nbgrader_version, rubric

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mnist_scratch"

__all__ = ["FormatError", "student_version", "instructor_version", "graft_outputs", "build", "main"]


def _clear_outputs(nb) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None


def student_version(nb):
    """The lesson without solution and answer-key cells, outputs cleared; the hints stay."""
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if not HIDDEN & set(tags(c))]
    _clear_outputs(out)
    return out


def instructor_version(nb, exercises: list[Exercise]):
    """Exercise cells hold their solutions (and must now run without error), the solution cells go (their
    code is in place), hints stay, answer keys are unfolded; outputs cleared."""
    out = copy.deepcopy(nb)
    for ex in exercises:
        cell = out.cells[ex.cell]
        cell.source = ex.code
        set_tags(cell, [t for t in tags(cell) if t != RAISES])
    for cell in out.cells:
        if ANSWER_KEY in tags(cell) and cell.cell_type == "markdown":
            cell.source = re.sub(r"<details(?![^>]*\bopen\b)", "<details open", cell.source)
        elif ANSWER_KEY in tags(cell):         # the computed answers' outputs, collapsed for learners, shown
            cell.metadata.get("jupyter", {}).pop("outputs_hidden", None)
    out.cells = [c for c in out.cells if SOLUTION not in tags(c)]
    _clear_outputs(out)
    return out


# ----------------------------------------------------------------------------- outputs

def _normal(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip("\n").split("\n"))


def graft_outputs(fresh, executed, name: str) -> None:
    """Put the outputs of ``executed`` (a lesson's executed instructor copy) on ``fresh`` (its instructor
    edition): their code cells are the same, in the same order, each exercise holding its solution."""
    mine = [c for c in fresh.cells if c.cell_type == "code"]
    theirs = [c for c in executed.cells if c.cell_type == "code"]
    if [_normal(c.source) for c in mine] != [_normal(c.source) for c in theirs]:
        raise RuntimeError(f"{name}: the executed instructor copy does not hold the instructor edition's code "
                           "cells; delete build/executed/ and build again")
    for a, b in zip(mine, theirs):
        a.outputs, a.execution_count = copy.deepcopy(b.outputs), b.get("execution_count")
    for key in ("widgets", "language_info"):
        if key in executed.metadata:
            fresh.metadata[key] = copy.deepcopy(executed.metadata[key])


# ----------------------------------------------------------------------------- build

def _version() -> str:
    text = (PACKAGE / "_version.py").read_text(encoding="utf-8")
    return re.search(r"__version__\s*=\s*[\"']([^\"']+)", text).group(1)


README = {
    "student": "The mnist_scratch lessons, student edition {v}: exercises with their self-checks, no "
               "solutions.\nOpen the notebooks in Jupyter (pip install mnist-scratch=={v} first, if the "
               "first cell does not do it for you).\nUntil mnist-scratch {v} is on PyPI, pip cannot find it: "
               "install the wheel your instructor gives you (the repository's `python -m build` makes "
               "dist/mnist_scratch-{v}-py3-none-any.whl), or the repository at its tag:\n"
               "    pip install \"mnist-scratch @ git+{home}@v{v}\"\n",
    "instructor": "The mnist_scratch lessons, instructor edition {v}: every exercise solved, answer keys "
                  "open, executed with outputs.\nThe instructor guide is docs/teaching/ in the repository.\n",
}


def _home() -> str:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^Homepage\s*=\s*"([^"]+)"', text, re.MULTILINE)
    return match.group(1) if match else "https://github.com/mnist-scratch/mnist_scratch"


NEEDS = re.compile(r"^%%needs\s+(\S+)")


def frameworks_missing(nb, executed=None) -> list[str]:
    """The frameworks that a lesson's ``%%needs X`` cells want and did not have: in its executed instructor
    copy (cells that printed "skipped"), or, without one, in this environment."""
    import importlib.util

    wanted = {m.group(1) for c in nb.cells if c.cell_type == "code" for m in [NEEDS.match(c.source)] if m}
    if executed is None:
        return sorted(name for name in wanted if importlib.util.find_spec(name) is None)
    skipped = set()
    for cell in executed.cells:
        match = NEEDS.match(cell.source) if cell.cell_type == "code" else None
        text = "".join(o.get("text", "") for o in cell.get("outputs", []))
        if match and text.lstrip().startswith("skipped"):
            skipped.add(match.group(1))
    return sorted(skipped)


def build(lessons: list[Path], out: Path, executed_dir: Path = EXECUTED, run: bool = True,
          timeout: int = 600, jobs: int = 1, course: Course = Course()) -> dict[str, list[str]]:
    """Build student/, instructor/ and nbgrader/ under ``out``; returns what went where. With ``run``,
    the instructor edition gets the outputs of each lesson's executed copy in ``executed_dir``
    (made first where it is not up to date, ``jobs`` lessons at a time). ``course`` holds the defaults
    of the nbgrader configuration (tools/nbgrader_course.py)."""
    lessons = [Path(p) for p in lessons]
    for lesson in lessons:
        if not lesson.is_file():
            raise FileNotFoundError(f"lesson notebook not found: {lesson}")
    parsed = []
    for lesson in lessons:      # read and validate everything before writing or running anything
        nb = read_notebook(lesson)
        parsed.append((lesson, nb, find_exercises(nb, str(lesson))))
    copies = executed_all(lessons, folder=Path(executed_dir), jobs=jobs, timeout=timeout) if run else None
    for sub in ("student", "instructor", "nbgrader"):
        shutil.rmtree(out / sub, ignore_errors=True)
    made: dict[str, list[str]] = {"student": [], "instructor": [], "nbgrader": []}
    for number, (lesson, nb, exercises) in enumerate(parsed):
        print(f"{lesson.name}: {len(exercises)} exercise(s)", flush=True)
        student = student_version(nb)
        leaks = find_leaks(student, nb, lesson.name)
        if leaks:
            hint = "" if exercises else (f"\n({lesson.name} is not in the exercise format yet: no cell is tagged "
                                         "`exercise`; tag its exercises, solutions and answer keys)")
            raise RuntimeError("the student version would give answers away:\n" + "\n".join(leaks) + hint)
        write_notebook(student, out / "student" / lesson.name)
        made["student"].append(lesson.name)

        instructor = instructor_version(nb, exercises)
        executed = read_notebook(copies[number].instructor) if copies else None
        if executed is not None:
            graft_outputs(instructor, executed, lesson.name)
        write_notebook(instructor, out / "instructor" / lesson.name)
        made["instructor"].append(lesson.name)
        missing = frameworks_missing(nb, executed)
        if missing:
            print(f"classroom: warning: instructor/{lesson.name} is built without {' and '.join(missing)} (not "
                  f"installed here), so its %%needs cells say 'skipped': pip install -e \".[frameworks]\" and build "
                  f"again", flush=True)

        if exercises:           # a lesson without exercises has nothing to grade
            write_notebook(nbgrader_version(nb, exercises, lesson.name),
                           out / "nbgrader" / "source" / lesson.stem / lesson.name)
            made["nbgrader"].append(lesson.stem)
            key = rubric(nb, lesson.stem)
            if key:
                write_atomic(out / "nbgrader" / "rubrics" / f"{lesson.stem}.md", key)
    write_atomic(out / "nbgrader" / "nbgrader_config.py", instructor_config(course))
    write_atomic(out / "nbgrader" / "every_user" / "nbgrader_config.py", every_user_config(course))
    for sub, text in README.items():
        write_atomic(out / sub / "README.txt", text.format(v=_version(), home=_home()))
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.classroom", description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="+", type=Path, help="lesson notebooks (notebooks/*.ipynb)")
    parser.add_argument("--out", type=Path, default=Path("build/classroom"), help="output folder")
    parser.add_argument("--executed-dir", type=Path, default=EXECUTED,
                        help="the lessons' executed copies, reused or made there (default build/executed)")
    parser.add_argument("--no-execute", action="store_true", help="write instructor/ without outputs, running nothing")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default 600)")
    parser.add_argument("--jobs", type=int, default=1, help="lessons run at once where they must run (default 1)")
    grading = parser.add_argument_group("the nbgrader configuration's defaults (environment variables override them "
                                        "when nbgrader runs: tools/nbgrader_course.py)")
    default = Course()
    grading.add_argument("--course-id", default=default.course_id, help=f"nbgrader's course id (default "
                         f"{default.course_id}; $MNIST_SCRATCH_COURSE_ID)")
    grading.add_argument("--exchange", default=default.exchange, help=f"the exchange folder, writable by every user "
                         f"(default {default.exchange}; $MNIST_SCRATCH_EXCHANGE)")
    grading.add_argument("--course-root", default=None, help="the instructor's course folder (default: the folder "
                         "that holds nbgrader_config.py; $MNIST_SCRATCH_COURSE_ROOT)")
    grading.add_argument("--cell-timeout", type=int, default=default.cell_timeout, help=f"seconds an answer cell or "
                         f"a graded test may run (default {default.cell_timeout}; $MNIST_SCRATCH_CELL_TIMEOUT)")
    grading.add_argument("--lesson-cell-timeout", type=int, default=default.lesson_cell_timeout, help=f"seconds a "
                         f"lesson's own cell may run while grading (default {default.lesson_cell_timeout}; "
                         f"$MNIST_SCRATCH_LESSON_CELL_TIMEOUT)")
    args = parser.parse_args(argv)
    try:
        root = str(Path(args.course_root).expanduser().resolve()) if args.course_root else None
        course = Course(args.course_id, args.exchange, root, args.cell_timeout, args.lesson_cell_timeout)
    except ValueError as err:
        parser.error(str(err))
    try:
        made = build(args.lessons, args.out, args.executed_dir, not args.no_execute, args.timeout, args.jobs, course)
    except (FormatError, FileNotFoundError, RuntimeError) as err:
        print(f"classroom: {err}", file=sys.stderr)
        return 1
    print(f"classroom: wrote {args.out}/student ({len(made['student'])} lessons), "
          f"instructor ({len(made['instructor'])}), nbgrader/source ({len(made['nbgrader'])} assignments)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
