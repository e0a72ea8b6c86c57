#!/usr/bin/env python3
"""Build the classroom editions of the lessons from the one source in notebooks/.

    python tools/classroom.py --out build/classroom [--executed-dir build/executed] notebooks/*.ipynb

writes three releases under --out:

student/     each lesson without its ``solution`` and ``answer-key`` cells, outputs cleared; the build
             fails if any solution or answer-key text is still to be found anywhere in it.
instructor/  each exercise cell's source replaced by its solution's code, answer keys unfolded, then
             executed (kernel python3, in a temporary folder) and saved with outputs.
nbgrader/    an nbgrader course folder: nbgrader_config.py and source/<lesson>/<lesson>.ipynb
             (see tools/nbgrader_release.py).

The exercise format is described in tools/lesson_format.py.

Executed copies. With --executed-dir DIR (build/executed), an executed instructor copy
DIR/instructor/<lesson>.ipynb is reused (DIR/<lesson>.ipynb is the run of the lesson as shipped, and
is never touched) instead of running the lesson again when (1) its code cells, in order, hold the
sources of the instructor version's code cells (trailing blanks aside; extra cells tagged
``exercise``, such as unsolved stubs kept beside their solutions, are skipped), (2) none of those
has an error output, and (3) it is newer than the lesson and than every file of the mnist_scratch
package. Its outputs are then put on a freshly built instructor version. Otherwise the lesson is
executed and the result stored there. The copies the test run writes to build/executed/instructor/
(conftest.py: the shipped lesson with each exercise cell's source and outputs replaced by its
solution's) qualify.

A build script, not part of the package: it needs nbformat and nbclient (the ``classroom`` extra).
"""

from __future__ import annotations

import argparse
import copy
import re
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lesson_format import (ANSWER_KEY, EXERCISE, HIDDEN, RAISES, SOLUTION, Exercise,  # noqa: E402
                           FormatError, find_exercises, find_leaks, read_notebook, set_tags, tags,
                           write_atomic, write_notebook)
from nbgrader_release import NBGRADER_CONFIG, nbgrader_version  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mnist_scratch"

__all__ = ["FormatError", "student_version", "instructor_version", "build", "main"]


def _clear_outputs(nb) -> None:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None


def student_version(nb):
    """The lesson without solution and answer-key cells, outputs cleared."""
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if not HIDDEN & set(tags(c))]
    _clear_outputs(out)
    return out


def instructor_version(nb, exercises: list[Exercise]):
    """Exercise cells hold their solutions (and must now run without error); answer keys unfolded."""
    out = copy.deepcopy(nb)
    for ex in exercises:
        cell = out.cells[ex.cell]
        cell.source = ex.code
        set_tags(cell, [t for t in tags(cell) if t != RAISES])
    for cell in out.cells:
        if ANSWER_KEY in tags(cell) and cell.cell_type == "markdown":
            cell.source = re.sub(r"<details(?![^>]*\bopen\b)", "<details open", cell.source)
    out.cells = [c for c in out.cells if SOLUTION not in tags(c)]   # their code is in place now
    _clear_outputs(out)
    return out


# ----------------------------------------------------------------------------- running

def execute(nb, name: str, timeout: int):
    """Run every cell with nbclient, kernel python3, in a temporary working folder.

    The folder is deleted afterwards, so whatever a lesson writes (a saved model, say) is not left in
    the working tree.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    with tempfile.TemporaryDirectory(prefix="classroom-run-") as folder:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": folder}})
        try:
            client.execute()
        except CellExecutionError as err:
            raise RuntimeError(f"{name}: the instructor version failed to run (a solution that does not "
                               f"pass its check?):\n{err}") from None
    return nb


def _newest_source_mtime(lesson: Path) -> float:
    newest = lesson.stat().st_mtime
    for path in PACKAGE.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            newest = max(newest, path.stat().st_mtime)
    return newest


def _normal(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.strip("\n").split("\n"))


def graft_outputs(fresh, executed) -> bool:
    """Put ``executed``'s outputs on ``fresh`` if its code cells match (see the module docstring)."""
    mine = [c for c in fresh.cells if c.cell_type == "code"]
    theirs = [c for c in executed.cells if c.cell_type == "code"]
    pairs, j = [], 0
    for cell in mine:                  # in order; only exercise cells (unsolved stubs) may be left over
        while j < len(theirs) and _normal(theirs[j].source) != _normal(cell.source):
            if EXERCISE not in tags(theirs[j]):
                return False
            j += 1
        if j == len(theirs):
            return False
        pairs.append((cell, theirs[j]))
        j += 1
    if any(EXERCISE not in tags(c) for c in theirs[j:]):
        return False
    if any(o.get("output_type") == "error" for _, c in pairs for o in c.get("outputs", [])):
        return False
    for a, b in pairs:
        a.outputs, a.execution_count = copy.deepcopy(b.outputs), b.get("execution_count")
    for key in ("widgets", "language_info"):
        if key in executed.metadata:
            fresh.metadata[key] = copy.deepcopy(executed.metadata[key])
    return True


def executed_instructor(nb, lesson: Path, executed_dir: Path | None, timeout: int):
    """``nb`` with outputs: reused from ``executed_dir`` if a matching, fresh copy is there, else run."""
    if executed_dir is not None and executed_dir.name != "instructor":
        executed_dir = executed_dir / "instructor"        # build/executed/NN.ipynb is the shipped lesson's run
    cached = executed_dir / lesson.name if executed_dir else None
    if cached and cached.is_file():
        if cached.stat().st_mtime < _newest_source_mtime(lesson):
            print(f"  instructor: {cached} is older than the lesson or the package; running again")
        elif graft_outputs(nb, read_notebook(cached)):
            print(f"  instructor: reusing {cached}")
            return nb
        else:
            print(f"  instructor: {cached} does not match this lesson; running again")
    print(f"  instructor: executing {lesson.name} ...", flush=True)
    execute(nb, lesson.name, timeout)
    if cached:
        write_notebook(nb, cached)
    return nb


# ----------------------------------------------------------------------------- build

def _version() -> str:
    text = (PACKAGE / "_version.py").read_text(encoding="utf-8")
    return re.search(r"__version__\s*=\s*[\"']([^\"']+)", text).group(1)


README = {
    "student": "The mnist_scratch lessons, student edition {v}: exercises with their self-checks, no "
               "solutions.\nOpen the notebooks in Jupyter (pip install mnist-scratch=={v} first, if the "
               "first cell does not do it for you).\n",
    "instructor": "The mnist_scratch lessons, instructor edition {v}: every exercise solved, answer keys "
                  "open, executed with outputs.\nThe instructor guide is docs/teaching/ in the repository.\n",
}


def build(lessons: list[Path], out: Path, executed_dir: Path | None = None, run: bool = True,
          timeout: int = 900) -> dict[str, list[str]]:
    """Build student/, instructor/ and nbgrader/ under ``out``; returns what went where."""
    lessons = [Path(p) for p in lessons]
    for lesson in lessons:
        if not lesson.is_file():
            raise FileNotFoundError(f"lesson notebook not found: {lesson}")
    parsed = []
    for lesson in lessons:      # read and validate everything before writing anything
        nb = read_notebook(lesson)
        parsed.append((lesson, nb, find_exercises(nb, str(lesson))))
    for sub in ("student", "instructor", "nbgrader"):
        shutil.rmtree(out / sub, ignore_errors=True)
    made: dict[str, list[str]] = {"student": [], "instructor": [], "nbgrader": []}
    for lesson, nb, exercises in parsed:
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
        if run:
            instructor = executed_instructor(instructor, lesson, executed_dir, timeout)
        write_notebook(instructor, out / "instructor" / lesson.name)
        made["instructor"].append(lesson.name)

        if exercises:           # a lesson without exercises has nothing to grade
            write_notebook(nbgrader_version(nb, exercises), out / "nbgrader" / "source" / lesson.stem / lesson.name)
            made["nbgrader"].append(lesson.stem)
    write_atomic(out / "nbgrader" / "nbgrader_config.py", NBGRADER_CONFIG)
    for sub, text in README.items():
        write_atomic(out / sub / "README.txt", text.format(v=_version()))
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="+", type=Path, help="lesson notebooks (notebooks/*.ipynb)")
    parser.add_argument("--out", type=Path, default=Path("build/classroom"), help="output folder")
    parser.add_argument("--executed-dir", type=Path, default=None,
                        help="reuse executed instructor copies from DIR/instructor/ (and store new runs there)")
    parser.add_argument("--no-execute", action="store_true", help="write instructor/ without running it")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell (default 900)")
    args = parser.parse_args(argv)
    try:
        made = build(args.lessons, args.out, args.executed_dir, not args.no_execute, args.timeout)
    except (FormatError, FileNotFoundError, RuntimeError) as err:
        print(f"classroom: {err}", file=sys.stderr)
        return 1
    print(f"classroom: wrote {args.out}/student ({len(made['student'])} lessons), "
          f"instructor ({len(made['instructor'])}), nbgrader/source ({len(made['nbgrader'])} assignments)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
