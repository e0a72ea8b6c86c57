"""Where the test and build machinery lives, checked: a newcomer finds it by these rules.

* tools/ is a package: its commands run as ``python -m tools.<name>`` from the repository's root,
  and pytest finds it through ``pythonpath`` in pyproject.toml. Nothing edits Python's module
  search path at run time: not tools/, docs/, tests/, benchmarks/, nor any conftest.
* Each conftest holds one concern, and its docstring says which.
* One lesson runner: only tools/runner.py starts a kernel for a notebook (nbclient).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

REPO = Path(__file__).resolve().parents[2]
FOLDERS = ("tools", "docs", "tests", "benchmarks")
SKIP = {".venv", "build", "node_modules", ".git", "__pycache__"}


def _python_files() -> list[Path]:
    files = [p for folder in FOLDERS for p in (REPO / folder).rglob("*.py")]
    files += REPO.glob("**/conftest.py")
    return sorted({p for p in files if not SKIP & set(p.relative_to(REPO).parts)})


def _search_path_edits(path: Path, root: Path = REPO) -> list[str]:
    """Every use of sys.path or site.addsitedir in the code in ``path``, also in code held in a string
    (``python -c "..."``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in {("sys", "path"), ("site", "addsitedir")}:
                found.append(f"{path.relative_to(root)}:{node.lineno}: {node.value.id}.{node.attr}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "import" in node.value:
            if any(edit in node.value for edit in ("sys.path.", "sys.path[", "sys.path =", "addsitedir(")):
                found.append(f"{path.relative_to(root)}:{node.lineno}: code in a string edits the search path")
    return found


def test_nothing_edits_the_module_search_path():
    files = _python_files()
    assert REPO / "tools" / "classroom.py" in files and REPO / "notebooks" / "conftest.py" in files
    edits = [edit for path in files for edit in _search_path_edits(path)]
    for page in [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]:       # nor a command a guide shows
        edits += [f"{page.relative_to(REPO)}: {line.strip()}" for line in page.read_text(encoding="utf-8").splitlines()
                  if any(edit in line for edit in ("sys.path.insert", "sys.path.append", "addsitedir("))]
    assert not edits, "import through the package instead (python -m tools.X; pytest's pythonpath):\n" + "\n".join(edits)


def test_the_check_above_would_see_an_edit(tmp_path):
    edits = ["import sys\nsys." + "path.insert(0, 'x')\n", "import site\nsite." + "addsitedir('x')\n",
             "CODE = 'import sys; sys." + "path.insert(0, \"x\")'\n", "from sys import path\nimport sys\nsys." + "path = []\n"]
    for number, code in enumerate(edits):
        path = tmp_path / f"example{number}.py"
        path.write_text(code)
        assert _search_path_edits(path, tmp_path), code
    path.write_text("import os\nos.environ['PYTHONPATH'] = 'x'   # a child process's environment: allowed\n")
    assert _search_path_edits(path, tmp_path) == []


def test_pytest_finds_tools_through_pythonpath_and_each_folder_is_a_package():
    settings = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert settings["pythonpath"] == ["."]
    for folder in ("tools", "tools/book", "benchmarks"):
        assert (REPO / folder / "__init__.py").is_file(), folder
    assert not (REPO / "conftest.py").exists(), "the root has no conftest: each concern has its own folder's"


@pytest.mark.parametrize("command", ["tools.classroom", "tools.slides", "tools.book", "tools.sync_notebooks",
                                     "tools.hide_nbgrader", "benchmarks.bench_notebooks"])
def test_each_command_runs_as_a_module_from_the_root(command):
    done = subprocess.run([sys.executable, "-m", command, "--help"], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and "usage:" in done.stdout, done.stderr


def test_a_benchmark_started_as_a_script_says_how_to_start_it():
    done = subprocess.run([sys.executable, "benchmarks/bench_notebooks.py"], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1 and "python -m benchmarks.bench_notebooks" in done.stderr
    assert "Traceback" not in done.stderr


def test_every_conftest_says_what_it_is_for():
    conftests = sorted(p for p in REPO.glob("**/conftest.py") if not SKIP & set(p.relative_to(REPO).parts))
    assert {p.relative_to(REPO).as_posix() for p in conftests} >= {"notebooks/conftest.py", "tests/conftest.py"}
    for path in conftests:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc and len(doc.split()) >= 8, f"{path.relative_to(REPO)} needs a docstring naming its one concern"


# Not yet on tools/runner.py (which stops at the first unexpected error): a lesson test that runs notebooks it
# rewrites (solutions pasted in, bugs planted) with every error allowed, and two tests of what a learner sees
# in a kernel (tracebacks, captured output), which run small notebooks of their own.
NOT_YET_ON_THE_RUNNER = ["tests/lessons/test_own_network.py", "tests/package/lab/test_capture.py",
                         "tests/package/lab/test_tracebacks.py"]


def test_only_the_lesson_runner_starts_a_notebook_kernel():
    starting = [p.relative_to(REPO).as_posix() for p in _python_files()
                if "NotebookClient(" in p.read_text(encoding="utf-8") and p.name != "test_layout.py"]
    assert starting == sorted(["tools/runner.py", *NOT_YET_ON_THE_RUNNER]), starting
