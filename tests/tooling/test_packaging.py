"""The project's own rules: one set of runtime packages, clean notebooks, no data in git."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _pyproject():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        tomllib = pytest.importorskip("tomli")
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def _environment_packages():
    """The conda packages of environment.yml's top-level dependencies (not pip, not python)."""
    names = []
    text = (REPO / "environment.yml").read_text()
    for line in text[text.index("\ndependencies:"):].splitlines():
        m = re.match(r"^  - ([A-Za-z0-9_.\-]+)", line)
        if m and m.group(1) not in ("python", "pip"):
            names.append(m.group(1).lower())
    return names


def test_environment_yml_and_pyproject_list_the_same_runtime_packages():
    project = _pyproject()["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    notebook = {_name(r) for r in project["optional-dependencies"]["notebook"]}
    assert set(_environment_packages()) == runtime | notebook


def test_named_packages_are_used():
    project = _pyproject()["project"]
    everything = {_name(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        everything |= {_name(r) for r in extra}
    assert {"numpy", "pandas", "matplotlib", "jupyterlab", "ipywidgets", "nbclient", "tqdm", "filelock",
            "threadpoolctl", "scikit-learn"} <= everything


def test_torch_only_in_its_optional_extra_and_pinned_to_the_cpu_wheel():
    """An unpinned torch pulls gigabytes of CUDA packages: it may appear only as torch==2.13.0, in an extra."""
    project = _pyproject()["project"]
    assert "torch" not in {_name(r) for r in project["dependencies"]}
    for extra, requirements in project["optional-dependencies"].items():
        for requirement in requirements:
            if _name(requirement) == "torch":
                assert extra == "frameworks" and requirement.replace(" ", "") == "torch==2.13.0", requirement


def test_notebooks_are_committed_without_outputs():
    for path in sorted((REPO / "notebooks").glob("*.ipynb")):
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert not cell.get("outputs") and cell.get("execution_count") is None, f"{path.name} has outputs"


def test_no_dataset_or_model_files_are_tracked():
    try:
        files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    bad = [f for f in files if re.search(r"(ubyte|\.idx\d|\.npz$|mnist[^/]*\.csv$|(^|/)train\.csv$)", f)]
    assert bad == []


LESSONS = ["01_data_exploration", "02_the_math", "03_train_784_10_10", "04_train_784_128_64_10",
           "05_cost_curves_and_hyperparameters", "06_misclassification_gallery", "07_beyond",
           "08_optimizers_and_initialization", "09_batch_normalization",
           "10_convolutional_network", "11_frameworks"]


def _cells(name):
    nb = json.loads((REPO / "notebooks" / f"{name}.ipynb").read_text())
    return [(c["cell_type"], "".join(c["source"])) for c in nb["cells"]]


def test_every_lesson_is_there():
    assert sorted(p.stem for p in (REPO / "notebooks").glob("*.ipynb")) == LESSONS


@pytest.mark.parametrize("name", LESSONS)
def test_every_lesson_opens_and_closes_the_same_way(name):
    cells = _cells(name)
    kind, intro = cells[0]
    assert kind == "markdown" and intro.startswith(f"# {int(name[:2])} · ")
    for part in ("**What you will learn**", "**Prerequisites:**", "**Time:**"):
        assert part in intro, f"{name}: the opening cell lacks {part}"
    kind, setup = cells[1]
    assert kind == "code" and 'find_spec("mnist_scratch") is None' in setup and "pip" in setup
    ending = "\n".join(src for kind, src in cells[-3:] if kind == "markdown")
    assert "## Summary" in ending and "## Exercises" in ending
    number = int(name[:2])
    if number < len(LESSONS):
        assert f"**Next:** [{number + 1} · " in ending and LESSONS[number] + ".ipynb" in ending
    assert any(kind == "code" and src.lstrip().startswith("assert") or "\nassert " in src
               for kind, src in cells), f"{name} has no assert cell"


def test_readme_links_every_lesson_with_a_colab_badge():
    readme = (REPO / "README.md").read_text()
    assert "make lab" in readme and "make test" in readme and "conda env create -f environment.yml" in readme
    for name in LESSONS:
        assert f"(notebooks/{name}.ipynb)" in readme
        # at the release tag (tools/sync_notebooks.py writes it; tests/tooling/test_release.py checks which)
        assert re.search(rf"colab\.research\.google\.com/github/[\w.-]+/[\w.-]+/blob/[\w.-]+/notebooks/{name}\.ipynb", readme)
