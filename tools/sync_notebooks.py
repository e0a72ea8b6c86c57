"""Keep the project's public address and version in step with pyproject.toml, everywhere.

    python -m tools.sync_notebooks          # rewrite what is out of step, and say what changed
    python -m tools.sync_notebooks --check  # change nothing; exit 1 (naming each place) if anything is out of step

The address is written once, as ``[project.urls] Homepage`` in pyproject.toml (a GitHub repository),
and the version once, in mnist_scratch/_version.py. From them this derives:

* each lesson's **setup block**: the start of its first code cell, from the marker line
  ``# Setup: this cell works locally, on Binder and on Colab.`` through the ``import importlib`` and
  ``if ...`` lines and their indented bodies that follow it. It installs the pinned release
  ``mnist-scratch==X.Y.Z`` only where the package is missing (a fresh Colab runtime; if pip cannot, it
  names the repository at the tag and the wheel from ``make wheel`` instead), and on Colab
  switches on the widget manager that ipywidgets 8 needs (progress bars and the interactive tools),
  through ``check_environment``. The rest of the cell (imports, ``%matplotlib inline``) is the
  lesson author's and is left alone;
* in README.md and docs/**/*.md: Colab links (``colab.research.google.com/github/OWNER/REPO/blob/REF/``),
  Binder links (``mybinder.org/v2/gh/OWNER/REPO/REF``), nbgitpuller links (``repo=...&branch=REF``),
  pins ``mnist-scratch==X.Y.Z``, ``git+https://github.com/OWNER/REPO@vX.Y.Z`` installs, and
  ``github.com/OWNER/REPO`` addresses of this repository.

REF is the release tag ``vX.Y.Z``, so a badge opens exactly the lessons that match the release the
setup cell installs (docs/releasing.md). Running it twice changes nothing the second time.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from urllib.parse import quote

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
MARKER = "# Setup: this cell works locally, on Binder and on Colab."
BLOCK_LINE = re.compile(r"^(import importlib\b|if .*(find_spec|google\.colab)|[ \t]+\S)")

SETUP_BLOCK = """\
{marker}
import importlib, importlib.util, subprocess, sys
if importlib.util.find_spec("mnist_scratch") is None:  # a fresh Colab runtime: install the lessons' release
    if subprocess.call([sys.executable, "-m", "pip", "install", "--quiet", "{pin}"]) != 0:
        raise SystemExit("Could not install {pin} (is it on PyPI yet?). Until it is, install the package "
                         "from the repository at tag {tag}, https://github.com/{owner}/{repo}/tree/{tag} "
                         "(its README says how), or the wheel that make wheel builds. Then run this cell again.")
    importlib.invalidate_caches()
if "google.colab" in sys.modules:  # Colab shows ipywidgets 8 (progress bars, the tools) only after this
    from mnist_scratch.lab import check_environment
    check_environment(verbose=False)"""


class SyncError(ValueError):
    """Something this tool cannot fix by itself; the message names the file."""


def project(root: Path = ROOT) -> dict:
    """name, version, owner, repo and tag, read from pyproject.toml and mnist_scratch/_version.py."""
    meta = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    home = meta.get("urls", {}).get("Homepage", "")
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)/?", home)
    if not match:
        raise SyncError(f"pyproject.toml: [project.urls] Homepage must be https://github.com/OWNER/REPO, not {home!r}")
    text = (root / "mnist_scratch" / "_version.py").read_text(encoding="utf-8")
    version = re.search(r"^__version__\s*=\s*[\"']([^\"']+)[\"']", text, re.MULTILINE)
    if not version:
        raise SyncError("mnist_scratch/_version.py: no __version__ = \"X.Y.Z\" line")
    name = re.sub(r"[-_.]+", "-", meta["name"]).lower()
    v = version.group(1)
    return {"name": name, "version": v, "owner": match.group(1), "repo": match.group(2), "tag": f"v{v}",
            "pin": f"{name}=={v}"}


def setup_block(p: dict) -> str:
    return SETUP_BLOCK.format(marker=MARKER, pin=p["pin"], owner=p["owner"], repo=p["repo"], tag=p["tag"])


def sync_setup_source(source: str, p: dict, where: str) -> str:
    """The first code cell's source with its setup block rewritten (the rest kept as it is)."""
    lines = source.split("\n")
    if not lines or lines[0].rstrip() != MARKER:
        raise SyncError(f"{where}: the first code cell must start with the line {MARKER!r}")
    end = 1
    while end < len(lines) and BLOCK_LINE.match(lines[end]):
        end += 1
    return "\n".join([setup_block(p), *lines[end:]])


def sync_notebook_text(text: str, p: dict, where: str) -> str:
    nb = json.loads(text)
    cell = next((c for c in nb.get("cells", []) if c.get("cell_type") == "code"), None)
    if cell is None:
        raise SyncError(f"{where}: no code cell, so no setup cell")
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    new = sync_setup_source(source, p, where)
    if new == source:
        return text
    cell["source"] = new.splitlines(keepends=True)
    return json.dumps(nb, indent=1, ensure_ascii=False) + ("\n" if text.endswith("\n") else "")


def sync_markdown_text(text: str, p: dict) -> str:
    """Colab, Binder and nbgitpuller links, pins and repository addresses, brought up to date."""
    owner, repo, tag = p["owner"], p["repo"], p["tag"]
    text = re.sub(r"colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/[\w.-]+/",
                  f"colab.research.google.com/github/{owner}/{repo}/blob/{tag}/", text)
    text = re.sub(r"mybinder\.org/v2/gh/[\w.-]+/[\w.-]+/[\w.-]+", f"mybinder.org/v2/gh/{owner}/{repo}/{tag}", text)
    encoded = quote(f"https://github.com/{owner}/{repo}", safe="")
    text = re.sub(r"(git-pull\?repo=)https%3A%2F%2Fgithub\.com%2F[\w.-]+%2F[\w.-]+", rf"\g<1>{encoded}", text)
    text = re.sub(r"(git-pull\?[^)\s\"'`]*?&branch=)[\w.-]+", rf"\g<1>{tag}", text)
    text = re.sub(r"\bmnist[-_]scratch==[\w.+-]*\w", p["pin"], text)
    text = re.sub(rf"(github\.com/[\w.-]+/{re.escape(repo)})@v[\w.+-]*\w", rf"\g<1>@{tag}", text)   # pip's git+ URLs
    return re.sub(rf"github\.com/[\w.-]+/{re.escape(repo)}(?![\w-])", f"github.com/{owner}/{repo}", text)


def targets(root: Path = ROOT) -> list[Path]:
    """The lessons, the README and docs/**/*.md, except docs/releasing.md, whose versions are examples."""
    docs = sorted((root / "docs").rglob("*.md")) if (root / "docs").is_dir() else []
    docs = [p for p in docs if p != root / "docs" / "releasing.md"]
    return sorted((root / "notebooks").glob("*.ipynb")) + [root / "README.md", *docs]


def sync(root: Path = ROOT, check: bool = False) -> list[str]:
    """Bring every target in step (or, with ``check``, only report); returns the files out of step."""
    p = project(root)
    stale = []
    for path in targets(root):
        text = path.read_text(encoding="utf-8")
        where = str(path.relative_to(root))
        new = sync_notebook_text(text, p, where) if path.suffix == ".ipynb" else sync_markdown_text(text, p)
        if new != text:
            stale.append(where)
            if not check:
                tmp = path.with_name(f".{path.name}.sync.tmp")
                tmp.write_text(new, encoding="utf-8")
                tmp.replace(path)
    readme = (root / "README.md").read_text(encoding="utf-8")
    for badge in ("colab.research.google.com/github/", "mybinder.org/v2/gh/"):
        if badge not in readme:
            raise SyncError(f"README.md has no {badge} link to keep in step")
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.sync_notebooks", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if anything is out of step")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        p = project(args.root)
        stale = sync(args.root, check=args.check)
    except (SyncError, OSError, json.JSONDecodeError) as err:
        print(f"sync_notebooks: {err}", file=sys.stderr)
        return 1
    release = f"{p['pin']}, tag {p['tag']}, https://github.com/{p['owner']}/{p['repo']}"
    if not stale:
        print(f"sync_notebooks: everything is in step with {release}")
        return 0
    if args.check:
        print(f"sync_notebooks: out of step with {release}:\n  " + "\n  ".join(stale)
              + "\nrun: python -m tools.sync_notebooks", file=sys.stderr)
        return 1
    print(f"sync_notebooks: brought in step with {release}:\n  " + "\n  ".join(stale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
