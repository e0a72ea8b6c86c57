"""Build the reading edition: the executed lessons as a static website in build/book/.

    python -m tools.book            # what `make book` runs
    python -m tools.book --help     # the options

1. Each lesson notebooks/NN_name.ipynb is read from its executed copy build/executed/NN_name.ipynb
   (tools/executed.py: reused while up to date with the lesson, the package and the environment,
   made by running the lesson once otherwise; `make test`, `make classroom` and `make slides` share it).
2. tools/book/stage.py stages the lessons, the README (the front page) and the instructor
   guide (docs/teaching/, if there is one) into build/book-src/. A figure without alt text stops
   the build, naming the lesson and the cell.
3. Sphinx (myst-nb, sphinx-book-theme; configuration docs/book/conf.py, which reads
   tools/book/sphinx_conf.py) builds build/book/, warnings counting as errors. Nothing is
   downloaded: MathJax comes from the `book` extra.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from tools.book.meta import REPO, BookError, links
from tools.book.stage import MissingAltText, stage
from tools.executed import EXECUTED, executed_all, lessons

__all__ = ["BookError", "MissingAltText", "build", "lessons", "lesson_copies"]
CONF_DIR = REPO / "docs" / "book"
OUT = REPO / "build" / "book"


def lesson_copies(executed_dir: Path = EXECUTED, jobs: int = 1, repo: Path = REPO) -> list[Path]:
    """The executed copy (as shipped) of every lesson, running the lessons whose copies are not up to date."""
    found = lessons(repo)
    if not found:
        raise BookError(f"no lessons matching NN_*.ipynb in {repo / 'notebooks'}")
    try:
        return [c.shipped for c in executed_all(found, folder=executed_dir, jobs=jobs)]
    except RuntimeError as error:
        raise BookError(str(error)) from None


def build(out: Path = OUT, copies: list[Path] | None = None, executed_dir: Path = EXECUTED,
          lesson_jobs: int = 1, jobs: str = "auto") -> dict:
    """Builds the site into ``out`` (sources staged in OUT-src, Sphinx's cache in OUT-doctrees,
    both rebuilt from scratch) from ``copies``, or else from every lesson's executed copy.
    Returns the report, also written to OUT/book-report.json."""
    from sphinx.cmd.build import build_main

    started = time.perf_counter()
    if copies is None:
        copies = lesson_copies(executed_dir, lesson_jobs)
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
    parser = argparse.ArgumentParser(prog="python -m tools.book", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="where the site goes (default build/book)")
    parser.add_argument("--executed-dir", type=Path, default=EXECUTED,
                        help="the lessons' executed copies, reused or made there (default build/executed)")
    parser.add_argument("--jobs", type=int, default=1, help="lessons run at once where they must run (default 1)")
    args = parser.parse_args(argv)
    try:
        report = build(args.out.resolve(), executed_dir=args.executed_dir.resolve(), lesson_jobs=args.jobs)
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
