"""The executed copies of the lessons: made once, shared by the lesson tests, the classroom editions,
the slides and the reading edition.

    from tools.executed import executed_copies
    copies = executed_copies(Path("notebooks/02_the_math.ipynb"))
    copies.shipped      # build/executed/02_the_math.ipynb: the lesson as shipped, every stub's error shown
    copies.instructor   # build/executed/instructor/02_the_math.ipynb: each exercise cell holds its solution

Both copies come from one run of the lesson (tools/runner.py: the solution of each exercise runs
right after its stub, in the same kernel). They are reused while they are **up to date**: beside
them, ``build/executed/02_the_math.run.json``, written last, records the SHA-256 of

* the lesson file,
* every file of the mnist_scratch package that the kernel imports (its folder, ``__pycache__`` aside),
* the Python environment: Python's version and every distribution installed in its site-packages,
* each of the two copies, as written (a copy changed or replaced since is not trusted),

and the copies are up to date while all four still match. Timestamps are not compared: a git
checkout changes them without changing anything. Otherwise the lesson runs, and its copies are
written only if it ran as intended (every cell ran, every stub failed with NotImplementedError,
every solution passed); if not, ``LessonFailed`` says which cell failed and how. A lock file per
lesson keeps two processes from running the same lesson at once.

``make test`` (notebooks/conftest.py) always runs the lessons (``rerun=True``) and so leaves fresh
copies; ``make classroom``, ``make slides`` and ``make book`` then reuse them.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import sysconfig
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat

from tools.lesson_format import write_atomic
from tools.runner import CELL_TIMEOUT, LessonRun, run_lesson

REPO = Path(__file__).resolve().parents[1]
EXECUTED = REPO / "build" / "executed"
LESSON_PATTERN = "[0-9][0-9]_*.ipynb"


class LessonFailed(RuntimeError):
    """A lesson did not run as intended; the message names the lesson, each cell and its error."""

    def __init__(self, run: LessonRun):
        self.run = run
        problems = [str(p) for p in run.problems if p.rule != "alt-text"]
        super().__init__(f"{run.name} did not run as intended, so it has no executed copy:\n" + "\n".join(problems))


@dataclass(frozen=True)
class ExecutedCopies:
    lesson: Path
    shipped: Path
    instructor: Path
    reused: bool
    run: LessonRun | None = None     # the run, when this call ran the lesson


def lessons(repo: Path = REPO) -> list[Path]:
    """Every lesson, notebooks/NN_name.ipynb, in order."""
    return sorted((repo / "notebooks").glob(LESSON_PATTERN))


def paths(lesson: Path, folder: Path = EXECUTED) -> tuple[Path, Path, Path]:
    """Where a lesson's copies and their record go: (shipped, instructor, record)."""
    lesson = Path(lesson)
    return folder / lesson.name, folder / "instructor" / lesson.name, folder / f"{lesson.stem}.run.json"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def package_folder() -> Path:
    """The folder of the mnist_scratch package that this environment (and so the kernel) imports."""
    spec = importlib.util.find_spec("mnist_scratch")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("mnist_scratch is not installed in this environment: pip install -e .")
    return Path(list(spec.submodule_search_locations)[0])


def _package_digest(root: Path | None = None) -> str:
    root = root or package_folder()
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _environment_digest() -> str:
    """Python's version and the distributions installed in this environment's site-packages (their
    NAME-VERSION.dist-info folders), the folders the kernel imports from: not every folder on sys.path
    (importing setuptools, say, adds its own)."""
    folders = sorted({Path(sysconfig.get_paths()[key]) for key in ("purelib", "platlib")})
    installed = sorted(entry.name for folder in folders if folder.is_dir() for entry in folder.iterdir()
                       if entry.suffix in (".dist-info", ".egg-info"))
    return _sha256("\n".join([sys.version, *installed]).encode())


def fingerprint(lesson: Path) -> dict:
    """What a lesson's outputs depend on, as SHA-256 sums (see the module docstring)."""
    return {"lesson": _sha256(Path(lesson).read_bytes()), "package": _package_digest(),
            "environment": _environment_digest()}


def stale_because(lesson: Path, folder: Path = EXECUTED) -> str | None:
    """None if the lesson's copies in ``folder`` are up to date, else why not, in a few words."""
    shipped, instructor, record = paths(lesson, folder)
    try:
        kept = json.loads(record.read_text(encoding="utf-8"))
        copies = {"shipped": _sha256(shipped.read_bytes()), "instructor": _sha256(instructor.read_bytes())}
    except FileNotFoundError:
        return "it has no executed copy yet"
    except (OSError, ValueError) as err:
        return f"its record {record.name} cannot be read ({err})"
    if kept.get("copies") != copies:
        return "a copy was changed after the run that made it"
    now, then = fingerprint(lesson), kept.get("fingerprint", {})
    changed = [what for what in ("lesson", "package", "environment") if now[what] != then.get(what)]
    words = {"lesson": "the lesson", "package": "the mnist_scratch package", "environment": "the Python environment"}
    return " and ".join(words[w] for w in changed) + " changed since it ran" if changed else None


def keep(run: LessonRun, folder: Path = EXECUTED) -> tuple[Path, Path]:
    """Write a run's two copies, then the record that makes them count as up to date."""
    shipped, instructor, record = paths(run.lesson, folder)
    record.unlink(missing_ok=True)                   # the copies count only once the record is back
    texts = {"shipped": nbformat.writes(run.shipped), "instructor": nbformat.writes(run.instructor)}
    write_atomic(shipped, texts["shipped"])
    write_atomic(instructor, texts["instructor"])
    write_atomic(record, json.dumps({
        "lesson": run.name, "fingerprint": fingerprint(run.lesson), "seconds": round(run.seconds, 1),
        "ran_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "copies": {k: _sha256(v.encode("utf-8")) for k, v in texts.items()}}, indent=1) + "\n")
    return shipped, instructor


def executed_copies(lesson: Path, *, folder: Path = EXECUTED, rerun: bool = False, timeout: int = CELL_TIMEOUT,
                    log=print) -> ExecutedCopies:
    """A lesson's two executed copies: reused while up to date (unless ``rerun``), else made by
    running the lesson once. Raises LessonFailed, naming the cells, if that run goes wrong."""
    from filelock import FileLock

    lesson = Path(lesson)
    if not lesson.is_file():
        raise FileNotFoundError(f"lesson notebook not found: {lesson}")
    shipped, instructor, record = paths(lesson, folder)
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(folder / f".{lesson.stem}.lock"):
        why = "a fresh run was asked for" if rerun else stale_because(lesson, folder)
        if why is None:
            log(f"{lesson.name}: reusing {shipped} and {instructor}")
            return ExecutedCopies(lesson, shipped, instructor, reused=True)
        log(f"{lesson.name}: running it ({why}) ...")
        run = run_lesson(lesson, timeout=timeout)
        if not run.ran_as_intended:
            raise LessonFailed(run)
        keep(run, folder)
        log(f"{lesson.name}: ran in {run.seconds:.0f} s -> {shipped} and {instructor}")
        return ExecutedCopies(lesson, shipped, instructor, reused=False, run=run)


def _copies_quietly(lesson: Path, folder: Path, timeout: int) -> ExecutedCopies:
    """executed_copies without the run, which need not travel back from a worker process."""
    try:
        result = executed_copies(lesson, folder=folder, timeout=timeout, log=lambda text: print(text, flush=True))
    except LessonFailed as err:
        raise RuntimeError(str(err)) from None      # the run itself does not travel either
    return ExecutedCopies(result.lesson, result.shipped, result.instructor, result.reused)


def executed_all(lessons: list[Path], *, folder: Path = EXECUTED, jobs: int = 1,
                 timeout: int = CELL_TIMEOUT) -> list[ExecutedCopies]:
    """``executed_copies`` of every lesson, in order, running up to ``jobs`` lessons at once (each in a
    process of its own). Raises RuntimeError, naming the cells, for the first lesson that fails."""
    lessons = [Path(p) for p in lessons]
    if jobs <= 1 or sum(stale_because(p, folder) is not None for p in lessons) <= 1:
        return [_copies_quietly(p, folder, timeout) for p in lessons]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_copies_quietly, p, folder, timeout) for p in lessons]
        return [f.result() for f in futures]
