"""Staging: the executed lessons, the README and the instructor guide, made ready for Sphinx.

Everything is copied into one folder (build/book-src/) laid out as in the repository, so that
the README's links and the lessons' links to each other work unchanged. On the way:

- a figure without alt text is an error naming the lesson and the cell (see docs/authoring.md),
  and so is an error in a cell not tagged raises-exception (the copy of a failed run);
- an interactive widget, which needs a live kernel, becomes a short note, and a progress bar goes;
- the value of a cell ending in ';' is not shown, as IPython would not show it (a copy made by
  a tool that runs cells without history, as nbval did, may hold it);
- an exercise's error (as shipped, every exercise stops with one) becomes a one-line note;
- a Markdown link to a file that is not on the site points at the repository on GitHub, and
  a picture it shows is copied (pictures on the web are replaced by local copies or refused).
"""

from __future__ import annotations

import html
import io
import json
import posixpath
import re
import shutil
import tokenize
from pathlib import Path

from tools.book.meta import REPO, BookError, Links
from tools.lesson_format import FormatError, describe_cell, exercise_cells, source as _source

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml", "image/gif")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg", ".gif")
# pictures on the web that the README shows, and the site's own copies of them
LOCAL_BADGES = {
    "https://colab.research.google.com/assets/colab-badge.svg": "docs/book/_static/badges/open-in-colab.svg",
    "https://mybinder.org/badge_logo.svg": "docs/book/_static/badges/launch-binder.svg",
}
EXERCISE_NOTE = "This exercise stops with an error until you write your answer; the solution is folded below."
EXERCISE_NOTE_HINTS = ("This exercise stops with an error until you write your answer; its hints and the solution "
                       "are folded below.")
WIDGET_NOTE = ('<p class="widget-note"><strong>Interactive widget.</strong> It needs a running notebook: '
               'open this lesson in Colab or on Binder with the buttons at the top of the page, '
               'or run <code>make lab</code>.</p>')
PROGRESS_BAR = re.compile(r"\d+%\|")     # tqdm's "training:   0%|          | 0/12"
GUIDE_DIR = "docs/teaching"          # the instructor guide: index.md and one page per lesson
# the guide's course layer (pages not named after a lesson), in the order the book's contents list them
COURSE_ORDER = ("course_calendar", "homework", "capstone", "ta_guide", "troubleshooting")


class MissingAltText(BookError):
    """Figures without alt text; ``problems`` names each lesson and cell."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(f"{len(problems)} cell(s) draw figures without alt text:\n" + "\n".join(problems))


def _error_line(output: dict) -> str:
    """'NotImplementedError: write relu': an error output's name and its message's first line."""
    message = (str(output.get("evalue", "")).splitlines() or [""])[0]
    return f"{output.get('ename', 'error')}: {message}"[:200]


def ends_with_semicolon(source: str) -> bool:
    """True if a cell's last statement ends with ';', which tells IPython not to display its value."""
    try:
        tokens = [t.string for t in tokenize.generate_tokens(io.StringIO(source).readline)
                  if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                    tokenize.DEDENT, tokenize.ENDMARKER)]
    except (tokenize.TokenError, SyntaxError):             # IPython syntax (%magic, !shell): by lines
        tokens = [line.split("#", 1)[0].strip() for line in source.splitlines()]
        tokens = [t[-1] for t in tokens if t]
    return bool(tokens) and tokens[-1] == ";"


def cell_alt(cell: dict) -> str:
    image = cell.get("metadata", {}).get("mystnb", {}).get("image", {})
    return str(image.get("alt", "")).strip() if isinstance(image, dict) else ""


def _where(name: str, nb: dict, index: int) -> str:
    """'notebooks/NN.ipynb, cell 13 of 26 [7] (starting '...')', as a person finds it in JupyterLab."""
    return describe_cell(f"notebooks/{name}", nb, index)


def prepare_notebook(nb: dict, name: str) -> dict:
    """Edits an executed notebook in place for reading; returns what it found: counts of
    "figures" and "figures_with_alt", and lists of cells: "missing_alt", "shared_alt", "failed"."""
    found = {"figures": 0, "figures_with_alt": 0, "missing_alt": [], "shared_alt": [], "failed": []}
    nb.get("metadata", {}).pop("widgets", None)        # widget state is useless without a kernel
    # highlight cells as IPython, which knows `!{sys.executable} -m ...` shell escapes and `%magics`
    nb.setdefault("metadata", {}).setdefault("language_info", {}).update(name="python", pygments_lexer="ipython3")
    try:
        hinted = {i for i, hints, _ in exercise_cells(nb, name) if hints}
    except FormatError:                  # the lesson tests report it; the page shows the cells as they are
        hinted = set()
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        is_exercise = "exercise" in tags
        images, kept, quiet = 0, [], ends_with_semicolon(_source(cell))
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if quiet and output.get("output_type") == "execute_result":
                continue                          # IPython would not have shown it
            if is_exercise and output.get("output_type") == "error":
                why = _error_line(output)
                note = EXERCISE_NOTE_HINTS if index in hinted else EXERCISE_NOTE
                output = {"output_type": "display_data", "metadata": {},
                          "data": {"text/html": f'<p class="exercise-note">{note} '
                                                f'<code>{html.escape(why)}</code></p>',
                                   "text/plain": f"{note}\n({why})"}}
            elif output.get("output_type") == "error" and "raises-exception" not in tags:
                found["failed"].append(f"{_where(name, nb, index)} stopped with {_error_line(output)}")
            elif WIDGET_MIME in data and PROGRESS_BAR.search(str(data.get("text/plain", ""))):
                continue                          # a tqdm bar, whose text is its first state: 0%
            elif WIDGET_MIME in data:
                output["data"] = {"text/html": WIDGET_NOTE, "text/plain": "(interactive widget)"}
            elif any(mime in data for mime in IMAGE_MIMES):
                images += 1
            kept.append(output)
        cell["outputs"] = kept
        found["figures"] += images
        if images and cell_alt(cell):
            found["figures_with_alt"] += images
            if images > 1:
                found["shared_alt"].append(f"{_where(name, nb, index)} shows {images} figures "
                                           "with one alt text between them: one figure per cell reads better")
        elif images:
            found["missing_alt"].append(f"{_where(name, nb, index)} draws {images} figure(s) "
                                        'without alt text: add {"mystnb": {"image": {"alt": "..."}}} '
                                        "to that cell's metadata (docs/authoring.md)")
    return found


class LinkRewriter:
    """Rewrites the links and pictures of Markdown pages copied onto the site."""

    LINK = re.compile(r"(\]\()([^)\s]+)(\))")
    CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.S)       # left alone
    HTML = re.compile(r'(<(?:img [^>]*src|a [^>]*href)=")([^"]+)(")')

    def __init__(self, staged: set[str], links: Links, repo: Path = REPO):
        self.staged, self.links, self.repo = staged, links, repo
        self.extra_files: set[str] = set()
        self.problems: list[str] = []

    def rewrite(self, text: str, page: str) -> str:
        """``page`` is the page's path in the repository, e.g. docs/teaching/index.md."""
        def one(match: re.Match) -> str:
            return match.group(1) + self._target(match.group(2), page) + match.group(3)

        parts = self.CODE.split(text)                     # odd items are code
        return "".join(part if i % 2 else self.HTML.sub(one, self.LINK.sub(one, part))
                       for i, part in enumerate(parts))

    def _target(self, url: str, page: str) -> str:
        if url in LOCAL_BADGES:
            self.extra_files.add(LOCAL_BADGES[url])
            return posixpath.relpath(LOCAL_BADGES[url], posixpath.dirname(page) or ".")
        if re.match(r"[a-z][a-z0-9+.-]*:", url, re.I) or url.startswith("#"):
            if url.lower().endswith(IMAGE_SUFFIXES):
                self.problems.append(f"{page} shows the picture {url} from the web, and the site must not "
                                     "fetch anything: add a local copy to LOCAL_BADGES in tools/book/stage.py")
            return url
        path, hash_, fragment = url.partition("#")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(page), path))
        if target.startswith("../"):
            self.problems.append(f"{page} links to {url}, outside the repository")
            return url
        if target in self.staged:
            return url
        if (self.repo / target).is_file() and target.lower().endswith(IMAGE_SUFFIXES):
            self.extra_files.add(target)
            return url
        if (self.repo / target).exists():
            kind = "tree" if (self.repo / target).is_dir() else "blob"
            return self.links.source(target, kind) + hash_ + fragment
        self.problems.append(f"{page} links to {url}, which does not exist")
        return url


def _toctree(entries: list[str], caption: str | None = None) -> str:
    head = "```{toctree}\n:hidden:\n" + (f":caption: {caption}\n" if caption else "")
    return head + "\n" + "\n".join(entries) + "\n```\n"


def _is_lesson_page(page: str) -> bool:
    return re.match(r"\d\d_", Path(page).name) is not None


def course_toctree(guide: list[str]) -> str:
    """The book's "Course" contents: the guide's pages that are neither its index nor a lesson's page,
    in COURSE_ORDER, any others after them by name ('' if there are none)."""
    pages = [p[:-3] for p in guide if not _is_lesson_page(p) and Path(p).name != "index.md"]
    order = {name: i for i, name in enumerate(COURSE_ORDER)}
    pages.sort(key=lambda p: (order.get(Path(p).name, len(order)), p))
    return _toctree(pages, "Course") if pages else ""


def stage(copies: list[Path], src: Path, links: Links, repo: Path = REPO) -> dict:
    """Writes the site's sources into ``src``; returns the report (pages, figures, alt text).
    Raises MissingAltText if a figure lacks alt text, BookError if a page links to nothing."""
    if src.exists():
        shutil.rmtree(src)
    (src / "notebooks").mkdir(parents=True)
    report = {"lessons": [], "guide": [], "figures": 0, "figures_with_alt": 0, "missing_alt": [], "shared_alt": [],
              "failed": []}
    guide = sorted(p.relative_to(repo).as_posix() for p in (repo / GUIDE_DIR).glob("*.md"))
    staged = {f"notebooks/{copy.name}" for copy in copies} | set(guide)
    rewriter = LinkRewriter(staged, links, repo)

    for copy in copies:
        nb = json.loads(copy.read_text(encoding="utf-8"))
        for key, value in prepare_notebook(nb, copy.name).items():
            report[key] += value
        for cell in nb["cells"]:
            if cell["cell_type"] == "markdown":
                cell["source"] = rewriter.rewrite(_source(cell), f"notebooks/{copy.name}")
        (src / "notebooks" / copy.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False), encoding="utf-8")
        report["lessons"].append(f"notebooks/{copy.stem}")

    for page in guide:
        text = rewriter.rewrite((repo / page).read_text(encoding="utf-8"), page)
        if page == f"{GUIDE_DIR}/index.md":       # the lessons' pages hang under the guide's index
            text += "\n" + _toctree([Path(p).stem for p in guide if _is_lesson_page(p)])
        (src / page).parent.mkdir(parents=True, exist_ok=True)
        (src / page).write_text(text, encoding="utf-8")
        report["guide"].append(page[:-3])
    readme = rewriter.rewrite((repo / "README.md").read_text(encoding="utf-8"), "README.md")
    (src / "README.md").write_text(readme, encoding="utf-8")
    if rewriter.problems:
        raise BookError("\n".join(rewriter.problems))
    for rel in sorted(rewriter.extra_files):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / rel, src / rel)

    index = ["```{include} README.md\n```\n", _toctree(report["lessons"], "Lessons")]
    if guide:
        top = [f"{GUIDE_DIR}/index"] if f"{GUIDE_DIR}/index.md" in guide else report["guide"]
        index.append(_toctree(top, "Teaching"))
        if top != report["guide"] and course_toctree(guide):   # the course layer, beside the guide
            index.append(course_toctree(guide))
    (src / "index.md").write_text("\n".join(index), encoding="utf-8")
    if report["failed"]:
        raise BookError("an executed copy records a failed run, so the site would show a broken lesson "
                        "(fix the lesson, then make test or delete the copy):\n" + "\n".join(report["failed"]))
    if report["missing_alt"]:
        raise MissingAltText(report["missing_alt"])
    return report
