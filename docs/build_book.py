"""Build the reading edition: the executed lessons as a static website in build/book/.

    python docs/build_book.py            # what `make book` runs
    python docs/build_book.py --help     # the options

1. Each lesson notebooks/NN_name.ipynb is read from its executed copy build/executed/NN_name.ipynb,
   which the notebook tests write (`make test`). A copy that is missing, or whose cells no longer
   match the lesson's, is made here by running the lesson once (nbclient).
2. docs/book/book_stage.py stages the lessons, the README (the front page) and the instructor
   guide (docs/teaching/, if there is one) into build/book-src/. A figure without alt text stops
   the build, naming the lesson and the cell.
3. Sphinx (myst-nb, sphinx-book-theme; configuration in docs/book/conf.py) builds build/book/,
   warnings counting as errors. Nothing is downloaded: MathJax comes from the `book` extra.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CONF_DIR = REPO / "docs" / "book"
sys.path.insert(0, str(CONF_DIR))

from book_meta import BookError, links  # noqa: E402
from book_stage import MissingAltText, stage  # noqa: E402

__all__ = ["BookError", "MissingAltText", "build", "lessons", "executed_copies", "is_current"]
LESSON_PATTERN = "[0-9][0-9]_*.ipynb"
EXECUTED = REPO / "build" / "executed"
OUT = REPO / "build" / "book"


def lessons(repo: Path = REPO) -> list[Path]:
    found = sorted((repo / "notebooks").glob(LESSON_PATTERN))
    if not found:
        raise BookError(f"no lessons matching {LESSON_PATTERN} in {repo / 'notebooks'}")
    return found


def _cells(path: Path) -> list[tuple[str, str]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [(c["cell_type"], c["source"] if isinstance(c["source"], str) else "".join(c["source"]))
            for c in nb["cells"]]


def is_current(copy: Path, lesson: Path) -> bool:
    """True if ``copy`` exists and holds the lesson's cells as they are now (outputs aside)."""
    try:
        return _cells(copy) == _cells(lesson)
    except (OSError, ValueError, KeyError):
        return False


def execute(lesson: Path, target: Path, timeout: int = 900) -> None:
    """Runs a lesson top to bottom into ``target``. Cells tagged raises-exception (the exercises,
    as shipped) may fail; any other failure stops the build."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(lesson, as_version=4)
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(lesson.parent)}}).execute()
    except CellExecutionError as error:
        details = re.sub(r"\x1b\[[0-9;]*m", "", str(error))          # without the terminal colours
        raise BookError(f"{lesson} failed while running, so it has no executed copy "
                        f"({error.ename}: {error.evalue or 'no message'}):\n{details[-2500:]}") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=target.parent, suffix=".tmp", delete=False, encoding="utf-8") as tmp:
        nbformat.write(nb, tmp)
    os.chmod(tmp.name, 0o644)
    os.replace(tmp.name, target)


def executed_copies(executed_dir: Path = EXECUTED, run_missing: bool = True, repo: Path = REPO) -> list[Path]:
    """The executed copy of every lesson, running the lessons whose copy is missing or out of date."""
    copies = []
    for lesson in lessons(repo):
        copy = executed_dir / lesson.name
        if not is_current(copy, lesson):
            if not run_missing:
                raise BookError(f"{copy} is missing or does not match {lesson}: run the notebook tests "
                                "(make test) or build without --no-execute")
            print(f"running {lesson.relative_to(repo)} (no up-to-date executed copy) ...", flush=True)
            started = time.perf_counter()
            execute(lesson, copy)
            print(f"  {time.perf_counter() - started:.0f} s -> {copy}", flush=True)
        copies.append(copy)
    return copies


def build(out: Path = OUT, copies: list[Path] | None = None, executed_dir: Path = EXECUTED,
          run_missing: bool = True, jobs: str = "auto") -> dict:
    """Builds the site into ``out`` (sources staged in OUT-src, Sphinx's cache in OUT-doctrees,
    both rebuilt from scratch) from ``copies``, or else from every lesson's executed copy.
    Returns the report, also written to OUT/book-report.json."""
    from sphinx.cmd.build import build_main

    started = time.perf_counter()
    if copies is None:
        copies = executed_copies(executed_dir, run_missing)
    src, doctrees = out.with_name(out.name + "-src"), out.with_name(out.name + "-doctrees")
    report = stage(copies, src, links())
    staged_at = time.perf_counter()
    for folder in (out, doctrees):
        shutil.rmtree(folder, ignore_errors=True)       # a cached page would hide its warnings
    status = build_main(["-b", "html", "-c", str(CONF_DIR), "-d", str(doctrees), "-W", "--keep-going", "-q",
                         "-j", jobs, str(src), str(out)])
    if status:
        raise BookError(f"sphinx-build failed (exit {status}); its messages are above")
    report["seconds_execute_and_stage"] = round(staged_at - started, 1)
    report["seconds_sphinx"] = round(time.perf_counter() - staged_at, 1)
    report["html_pages"] = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html")
                                  if not {"_static", "_sources", "_images"} & set(p.relative_to(out).parts))
    (out / "book-report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where the site goes (default build/book)")
    parser.add_argument("--executed", type=Path, default=EXECUTED,
                        help="folder of executed lessons (default build/executed)")
    parser.add_argument("--no-execute", action="store_true",
                        help="fail, instead of running a lesson, when its executed copy is missing or out of date")
    args = parser.parse_args(argv)
    try:
        report = build(args.out.resolve(), executed_dir=args.executed.resolve(), run_missing=not args.no_execute)
    except BookError as error:
        print(f"make book: {error}", file=sys.stderr)
        return 1
    for note in report["shared_alt"]:
        print(f"note: {note}")
    print(f"built {args.out}/index.html: {len(report['html_pages'])} pages, {report['figures_with_alt']} of "
          f"{report['figures']} figures with alt text; running and staging {report['seconds_execute_and_stage']} s, "
          f"Sphinx {report['seconds_sphinx']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
