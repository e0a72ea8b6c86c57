"""The published package and the ways in: wheel and sdist, a fresh Colab, Binder, and one place for
the project's address and version (tools/sync_notebooks.py). Runs offline.

The Colab simulation: a new virtual environment without mnist_scratch, whose pip may install only
from a local wheel folder (``--no-index --find-links``, no config files). The folder holds just the
wheel built here; the dependencies (NumPy, Jupyter, ...) come from a read-only base, a folder of
links to this environment's packages without mnist_scratch, on the new environment's path. Building
wheels of all 150-odd dependencies offline would take minutes and needs their sources; the base
keeps the test to seconds and still proves what matters: the lesson's setup cell finds the package
missing, installs exactly mnist-scratch==X.Y.Z from the wheel, and the lesson then runs on it.
Colab itself is imitated by a ``google.colab`` module imported at kernel start, whose
``output.enable_custom_widget_manager()`` leaves a mark when the setup cell calls it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from tools import sync_notebooks

ROOT = Path(__file__).resolve().parents[2]

PROJECT = sync_notebooks.project(ROOT)
VERSION = PROJECT["version"]
LESSONS = sorted((ROOT / "notebooks").glob("*.ipynb"))
COLAB_LESSON = ROOT / "notebooks" / "01_data_exploration.ipynb"


def _run(*args, **kwargs):
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=900, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}"
    return done


# ----------------------------------------------------------------------------- wheel and sdist

@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    pytest.importorskip("build", reason="needs the release extra: pip install -e '.[release]'")
    out = tmp_path_factory.mktemp("dist")
    source = tmp_path_factory.mktemp("source")       # build from a copy: nothing lands in the working tree
    for name in ("pyproject.toml", "README.md", "LICENSE", "mnist_scratch"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                            if (ROOT / name).is_dir() else {}))
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", out, source)
    [wheel] = out.glob("*.whl")
    [sdist] = out.glob("*.tar.gz")
    return wheel, sdist


def test_build_makes_a_wheel_and_an_sdist_that_twine_accepts(dist):
    wheel, sdist = dist
    assert wheel.name == f"mnist_scratch-{VERSION}-py3-none-any.whl"
    assert sdist.name == f"mnist_scratch-{VERSION}.tar.gz"
    done = _run(sys.executable, "-m", "twine", "check", "--strict", wheel, sdist)
    assert done.stdout.count("PASSED") == 2


def _modules_the_lessons_import() -> set[str]:
    found = {"mnist_scratch"}
    for lesson in LESSONS:
        for cell in json.loads(lesson.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                found |= set(re.findall(r"(?:from|import)\s+(mnist_scratch(?:\.\w+)*)", "".join(cell["source"])))
    return found


def test_the_wheel_holds_the_whole_package_and_nothing_else(dist):
    wheel, sdist = dist
    names = set(zipfile.ZipFile(wheel).namelist())
    package = {p.relative_to(ROOT).as_posix() for p in (ROOT / "mnist_scratch").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert package <= names, f"missing from the wheel: {sorted(package - names)}"
    for module in _modules_the_lessons_import():
        path = module.replace(".", "/")
        assert f"{path}.py" in names or f"{path}/__init__.py" in names, f"the lessons import {module}"
    assert not [n for n in names if not n.startswith(("mnist_scratch/", f"mnist_scratch-{VERSION}.dist-info/"))]
    metadata = zipfile.ZipFile(wheel).read(f"mnist_scratch-{VERSION}.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata and "Requires-Dist: numpy>=1.24" in metadata
    assert f"Project-URL: Homepage, https://github.com/{PROJECT['owner']}/{PROJECT['repo']}" in metadata
    entry_points = zipfile.ZipFile(wheel).read(f"mnist_scratch-{VERSION}.dist-info/entry_points.txt").decode()
    assert "mnist-scratch = mnist_scratch.cli:main" in entry_points
    with tarfile.open(sdist) as tar:
        in_sdist = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"pyproject.toml", "README.md", "LICENSE", "mnist_scratch/__init__.py"} <= in_sdist


# ----------------------------------------------------------------------------- a fresh Colab

def _base_without_the_package(target: Path) -> Path:
    """A folder of links to this environment's packages, less mnist_scratch and its editable hook."""
    target.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if re.match(r"(__editable__[._])?mnist[_-]scratch", entry.name, re.IGNORECASE) or entry.suffix == ".pth":
            continue
        (target / entry.name).symlink_to(entry)
    return target


def _fresh_colab(tmp: Path, wheelhouse: Path) -> tuple[Path, dict]:
    """A new venv (no mnist_scratch, no pip of its own), a kernel spec for it, and the kernel's environment."""
    venv = tmp / "colab"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").stdout.strip())
    base = _base_without_the_package(tmp / "base")
    fake = tmp / "fake_colab"
    (fake / "google" / "colab").mkdir(parents=True)
    (fake / "google" / "colab" / "__init__.py").write_text("")
    (fake / "google" / "colab" / "output.py").write_text(
        "import os, pathlib\n\ndef enable_custom_widget_manager():\n"
        "    pathlib.Path(os.environ['COLAB_SIM_MARK']).write_text('enabled')\n")
    (site / "colab_sim.pth").write_text(f"{base}\n{fake}\n")
    startup = tmp / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text("import google.colab  # Colab imports it before any cell runs\n")
    spec = tmp / "jupyter" / "kernels" / "colab-sim"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "fresh Colab (simulated)", "language": "python"}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV", "JUPYTER"))}
    env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheelhouse), PIP_CONFIG_FILE=os.devnull,
               PIP_DISABLE_PIP_VERSION_CHECK="1", IPYTHONDIR=str(tmp / "ipython"),
               JUPYTER_PATH=str(tmp / "jupyter"), COLAB_SIM_MARK=str(tmp / "widget-manager"))
    return site, env


@pytest.mark.slow
def test_a_fresh_colab_installs_the_pinned_wheel_and_runs_a_lesson(dist, tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    from tools.runner import run_lesson

    wheel, _ = dist
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    shutil.copy(wheel, wheelhouse)
    site, env = _fresh_colab(tmp_path, wheelhouse)
    for key in list(os.environ):
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    nb = nbformat.read(COLAB_LESSON, as_version=4)
    setup = next(c for c in nb.cells if c.cell_type == "code")
    setup.source = sync_notebooks.sync_setup_source(setup.source, PROJECT, COLAB_LESSON.name)
    assert PROJECT["pin"] in setup.source
    nb.cells.append(nbformat.v4.new_code_cell("import mnist_scratch\nprint('FROM', mnist_scratch.__file__)"))
    lesson = tmp_path / "content" / COLAB_LESSON.name        # Colab's working folder: no lessons beside it
    lesson.parent.mkdir()
    nbformat.write(nb, lesson)
    run = run_lesson(lesson, solutions=False, kernel_name="colab-sim")
    assert run.ran_as_intended, "cells failed:\n" + "\n".join(map(str, run.problems))
    nb = run.shipped

    installed = sorted(p.name for p in site.iterdir() if p.name.endswith(".dist-info"))
    assert installed == [f"mnist_scratch-{VERSION}.dist-info"], f"pip installed {installed}"
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert f"mnist_scratch {VERSION}" in printed
    assert f"FROM {site}/mnist_scratch/__init__.py" in printed           # the wheel, not this checkout
    assert (tmp_path / "widget-manager").read_text() == "enabled"         # check_environment() ran


# ----------------------------------------------------------------------------- one address, one version

def _legacy(lesson: Path) -> bool:
    return "@ git+https://" in lesson.read_text(encoding="utf-8")


def test_readme_and_docs_are_in_step_with_pyproject():
    for path in sync_notebooks.targets(ROOT):
        if path.suffix == ".md":
            text = path.read_text(encoding="utf-8")
            assert sync_notebooks.sync_markdown_text(text, PROJECT) == text, \
                f"{path.relative_to(ROOT)} is out of step: run python -m tools.sync_notebooks"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for lesson in LESSONS:
        assert f"colab.research.google.com/github/{PROJECT['owner']}/{PROJECT['repo']}/blob/{PROJECT['tag']}/" \
               f"notebooks/{lesson.name}" in readme
    assert f"mybinder.org/v2/gh/{PROJECT['owner']}/{PROJECT['repo']}/{PROJECT['tag']}?urlpath=" in readme


def test_the_lessons_setup_cells_are_in_step_with_pyproject():
    if all(_legacy(lesson) for lesson in LESSONS):
        pytest.skip("the lessons still install from git+https (written before tools/sync_notebooks.py): "
                    "run python -m tools.sync_notebooks once to pin them")
    done = subprocess.run([sys.executable, "-m", "tools.sync_notebooks", "--check"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def _copy_of_the_project(tmp: Path) -> Path:
    root = tmp / "project"
    (root / "mnist_scratch").mkdir(parents=True)
    for name in ("pyproject.toml", "README.md", "mnist_scratch/_version.py"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "notebooks", root / "notebooks")
    shutil.copytree(ROOT / "docs", root / "docs", ignore=shutil.ignore_patterns("img"))
    return root


def test_sync_brings_everything_in_step_once_and_only_once(tmp_path):
    root = _copy_of_the_project(tmp_path)
    version_file = root / "mnist_scratch" / "_version.py"
    version_file.write_text(version_file.read_text().replace(VERSION, "9.8.7"))
    lesson = root / "notebooks" / LESSONS[0].name
    author_part = json.loads(lesson.read_text())["cells"][1]["source"][-1]
    tool = [sys.executable, "-m", "tools.sync_notebooks", "--root", str(root)]

    stale = subprocess.run([*tool, "--check"], cwd=ROOT, capture_output=True, text=True)
    assert stale.returncode == 1 and "README.md" in stale.stderr and LESSONS[0].name in stale.stderr
    assert subprocess.run(tool, cwd=ROOT, capture_output=True, text=True).returncode == 0
    assert subprocess.run([*tool, "--check"], cwd=ROOT, capture_output=True, text=True).returncode == 0
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert subprocess.run(tool, cwd=ROOT, capture_output=True, text=True).returncode == 0
    assert before == {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}       # idempotent

    setup = "".join(json.loads(lesson.read_text())["cells"][1]["source"])
    assert setup.startswith(sync_notebooks.MARKER) and '"mnist-scratch==9.8.7"' in setup
    assert 'find_spec("mnist_scratch") is None' in setup and "check_environment(verbose=False)" in setup
    assert setup.endswith(author_part) and "git+https" not in setup          # the author's lines are kept
    readme = (root / "README.md").read_text()
    assert "/blob/v9.8.7/notebooks/" in readme and "mybinder.org/v2/gh/mnist-scratch/mnist_scratch/v9.8.7" in readme
    assert all("v9.8.7" in p.read_text() or "git-pull" not in p.read_text() for p in (root / "docs").rglob("*.md"))


def test_a_lesson_without_the_marker_is_named(tmp_path):
    root = _copy_of_the_project(tmp_path)
    lesson = root / "notebooks" / LESSONS[-1].name
    nb = json.loads(lesson.read_text())
    nb["cells"][1]["source"][0] = "# set-up\n"
    lesson.write_text(json.dumps(nb))
    done = subprocess.run([sys.executable, "-m", "tools.sync_notebooks", "--root", str(root)], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 1 and f"notebooks/{LESSONS[-1].name}: the first code cell must start" in done.stderr


# ----------------------------------------------------------------------------- Binder

def _conda_packages(path: Path) -> list[str]:
    text = path.read_text()
    found = re.finditer(r"^  - ([A-Za-z0-9_.\-]+[^\n:]*)$", text[text.index("\ndependencies:"):], re.MULTILINE)
    return [m.group(1).strip().lower() for m in found if m.group(1).strip() != "pip"]


def test_binder_builds_the_same_environment_and_installs_the_package():
    packages = _conda_packages(ROOT / "binder" / "environment.yml")
    assert packages == _conda_packages(ROOT / "environment.yml") and "numpy>=1.24" in packages
    post_build = ROOT / "binder" / "postBuild"
    assert os.access(post_build, os.X_OK)
    text = post_build.read_text()
    assert text.startswith("#!/bin/bash") and "pip install --no-deps -e ." in text and "set -e" in text


def test_hiding_nbgrader_writes_settings_jupyter_reads_and_can_be_undone(tmp_path):
    from tools import hide_nbgrader

    page, server = hide_nbgrader.hide(tmp_path)
    assert json.loads(page.read_text())["disabledExtensions"] == {"@jupyter/nbgrader": True}
    assert set(json.loads(server.read_text())["ServerApp"]["jpserver_extensions"].values()) == {False}
    assert server.name > "nbgrader.json"               # read after nbgrader's own file, so it wins
    hide_nbgrader.hide(tmp_path, undo=True)
    assert json.loads(page.read_text())["disabledExtensions"] == {} and not server.exists()


# ----------------------------------------------------------------------------- the instructor guide

GUIDE = ROOT / "docs" / "teaching"
SECTION = re.compile(r"\*§ ([^*]+?)\*")


def _squash(text: str) -> str:
    return " ".join(text.split())


def _headings(lesson: Path) -> set[str]:
    found = set()
    for cell in json.loads(lesson.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "markdown":
            found |= {_squash(m.group(1)) for m in re.finditer(r"^#+ +(.+)$", "".join(cell["source"]), re.MULTILINE)}
    return found


def _quoted(page: Path) -> set[str]:
    return {_squash(s) for s in SECTION.findall(page.read_text(encoding="utf-8"))}


def _in_the_format(lesson: Path) -> bool:
    return any("exercise" in c["metadata"].get("tags", []) for c in json.loads(lesson.read_text())["cells"])


def test_the_guide_has_a_page_per_lesson_and_names_the_six_misconceptions():
    index = (GUIDE / "index.md").read_text(encoding="utf-8")
    for lesson in LESSONS:
        assert (GUIDE / f"{lesson.stem}.md").is_file(), f"docs/teaching/{lesson.stem}.md is missing"
        assert f"]({lesson.stem}.md)" in index
    for name in ("softmax axis", "1/n", "ReLU′(0)", "Test-set leakage", "Momentum's effective step", "100% confident"):
        assert name in index
    for page in GUIDE.glob("0*.md"):
        text = page.read_text(encoding="utf-8")
        for part in ("## Objectives", "## A two-hour session plan", "## Misconceptions", "## Quiz",
                     "## What the outputs should look like"):
            assert part in text, f"{page.name} lacks {part}"
        assert 3 <= len(re.findall(r"^\d\. ", text[text.index("## Quiz"):], re.MULTILINE)) <= 5
        assert "Pause point" in text and "*Answer:*" in text


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_the_guide_names_sections_the_lesson_has(lesson):
    if not _in_the_format(lesson):
        pytest.skip(f"{lesson.name} is not in the exercise format yet; the guide quotes the new headings")
    quoted = _quoted(GUIDE / f"{lesson.stem}.md")
    assert quoted, f"docs/teaching/{lesson.stem}.md quotes no section"
    missing = sorted(quoted - _headings(lesson))
    assert not missing, f"docs/teaching/{lesson.stem}.md names sections {lesson.name} does not have: {missing}"


def test_the_guide_index_names_sections_the_lessons_have():
    if not all(_in_the_format(lesson) for lesson in LESSONS):
        pytest.skip("not every lesson is in the exercise format yet; the guide quotes the new headings")
    everywhere = set().union(*(_headings(lesson) for lesson in LESSONS))
    assert not sorted(_quoted(GUIDE / "index.md") - everywhere)
