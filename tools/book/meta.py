"""What the reading edition knows about the project, each fact read from its one source.

- the repository's address: ``[project.urls] Homepage`` in pyproject.toml (a GitHub repository);
- the version: ``__version__`` in mnist_scratch/_version.py;
- the ref (tag or branch) that the notebook, Colab and Binder links open: the release tag
  ``vX.Y.Z``, as the README's badges use it, or ``$MNIST_SCRATCH_BOOK_REF``;
- where MathJax 3 lives on this machine, so that the site can serve its own copy.

Used by tools/book/build.py and by the Sphinx configuration, tools/book/sphinx_conf.py.
"""

from __future__ import annotations

import importlib.util
import os
import re
from pathlib import Path
from urllib.parse import quote

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: Sphinx itself depends on tomli there
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
REF_ENV = "MNIST_SCRATCH_BOOK_REF"
MATHJAX_ENV = "MNIST_SCRATCH_MATHJAX_DIR"


class BookError(RuntimeError):
    """Something a lesson, the README or the machine must fix; the message says what and where."""


def version(repo: Path = REPO) -> str:
    path = repo / "mnist_scratch" / "_version.py"
    match = re.search(r"^__version__\s*=\s*[\"']([^\"']+)[\"']", path.read_text(encoding="utf-8"), re.M)
    if not match:
        raise BookError(f"{path}: no __version__ = \"X.Y.Z\" line")
    return match.group(1)


def repo_url(repo: Path = REPO) -> str:
    """https://github.com/OWNER/NAME, from pyproject.toml's [project.urls] Homepage."""
    path = repo / "pyproject.toml"
    home = tomllib.loads(path.read_text(encoding="utf-8"))["project"].get("urls", {}).get("Homepage", "")
    if not re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+/?", home):
        raise BookError(f"{path}: [project.urls] Homepage must be https://github.com/OWNER/NAME, not {home!r}")
    return home.rstrip("/")


def ref(repo: Path = REPO) -> str:
    return os.environ.get(REF_ENV) or f"v{version(repo)}"


class Links:
    """The addresses a lesson page links to, for one repository and ref."""

    def __init__(self, url: str, git_ref: str):
        self.url, self.ref = url, git_ref
        self.slug = url.split("github.com/", 1)[1]          # OWNER/NAME

    def source(self, path: str, kind: str = "blob") -> str:
        return f"{self.url}/{kind}/{self.ref}/{path}"

    def colab(self, path: str) -> str:
        return f"https://colab.research.google.com/github/{self.slug}/blob/{self.ref}/{path}"

    def binder(self, path: str) -> str:
        return f"https://mybinder.org/v2/gh/{self.slug}/{self.ref}?urlpath={quote('lab/tree/' + path)}"


def links(repo: Path = REPO) -> Links:
    return Links(repo_url(repo), ref(repo))


def find_mathjax() -> Path:
    """The folder holding MathJax 3's tex-chtml.js: $MNIST_SCRATCH_MATHJAX_DIR if set, else the
    copy in the django-static-mathjax package (the `book` extra; plain files, no Django needed),
    else an npm install under build/node_modules."""
    candidates = []
    if os.environ.get(MATHJAX_ENV):
        candidates.append(Path(os.environ[MATHJAX_ENV]))
    spec = importlib.util.find_spec("mathjax")
    if spec is not None and spec.origin:
        candidates.append(Path(spec.origin).parent / "static" / "mathjax" / "es5")
    candidates.append(REPO / "build" / "node_modules" / "mathjax" / "es5")
    for folder in candidates:
        if (folder / "tex-chtml.js").is_file():
            return folder
    raise BookError("MathJax 3 not found (looked in " + ", ".join(map(str, candidates)) + "). "
                    "Install the book extra: pip install -e '.[book]'")
