"""Lesson 11 without PyTorch: it still runs top to bottom, and every framework cell says it was skipped.
With PyTorch: its comparison with autograd finds a slip planted in the learner's backward pass, tensor by tensor.

`make test` runs the lesson with whatever is installed (CI installs the frameworks extra); this test
runs it once more, as shipped, through the same runner (tools/runner.py), in a kernel where `import torch`
and `import keras` fail, as on a learner's machine without the extra: a folder on the kernel's PYTHONPATH
holds a `torch` and a `keras` package whose import raises ImportError.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LESSON = REPO / "notebooks" / "11_frameworks.ipynb"


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


@pytest.mark.slow
def test_the_lesson_runs_without_pytorch(tmp_path):
    pytest.importorskip("nbclient")
    from tools.runner import run_lesson

    for name in ("torch", "keras"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(f'raise ImportError("{name} is hidden for this test")\n')
    env = dict(os.environ, MPLBACKEND="Agg",
               PYTHONPATH=os.pathsep.join([str(tmp_path), str(REPO), os.environ.get("PYTHONPATH", "")]))
    run = run_lesson(LESSON, solutions=False, env=env)
    assert run.ran_as_intended, "\n".join(map(str, run.problems))
    nb = run.shipped

    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [(c.source.splitlines()[0], o.get("ename")) for c in code for o in c.outputs
              if o.get("output_type") == "error"]
    exercises = [c for c in code if "exercise" in c.metadata.get("tags", [])]
    assert len(exercises) == 3 and errors == [(c.source.splitlines()[0], "NotImplementedError") for c in exercises]
    notes = next(_text(c) for c in code if "AVAILABLE = {}" in c.source)
    assert "PyTorch is not installed" in notes and 'pip install -e ".[frameworks]"' in notes
    guarded = [c for c in code if c.source.startswith("%%needs")]
    assert len(guarded) >= 4
    for cell in guarded:
        framework = cell.source.split()[1]
        assert _text(cell) == f"skipped: this cell needs {framework}, which is not installed here (see above).\n"
    assert "ours (NumPy)" in next(_text(c) for c in code if "test_accuracy = {" in c.source)


PLANTED = """import numpy as np

def backward(params, Z, A, y):          # the biases' gradients averaged over the batch instead of summed
    L = len(params) // 2
    n = len(y)
    dZ = (A[L] - np.eye(10, dtype=A[L].dtype)[y]) / n
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"], grads[f"b{l}"] = A[l - 1].T @ dZ, dZ.mean(axis=0)
        if l > 1:
            dZ = dZ @ params[f"W{l}"].T * (Z[l - 1] > 0)
    return grads

from mnist_scratch.lab import saving
saving.keep("backward", backward)"""


@pytest.mark.slow
def test_the_comparison_with_autograd_finds_a_slip_planted_in_the_learner_s_backward(tmp_path):
    """Only the bias gradients are wrong (n times too small): the comparison names those three and no other."""
    pytest.importorskip("torch")
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("nbclient")
    from tools.runner import run_lesson

    nb = nbformat.read(LESSON, as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    start = next(i for i, c in enumerate(nb.cells) if "## Your gradients against autograd" in c.source)
    end = next(i for i, c in enumerate(nb.cells) if "assert not differ" in c.source)
    keep = code[:3] + [i for i in range(start, end + 1) if nb.cells[i].cell_type == "code"
                       and "exercise" not in nb.cells[i].metadata.get("tags", [])]
    assert [nb.cells[i].source.split("\n")[0] for i in keep][2:] == ["import os, time, math", "%%needs torch", "%%needs torch"]
    nb.cells = [nb.cells[i] for i in keep[:3]] + [nbformat.v4.new_code_cell(PLANTED)] + [nb.cells[i] for i in keep[3:]]
    planted = tmp_path / "11_planted.ipynb"
    nbformat.write(nb, planted)
    env = dict(os.environ, MPLBACKEND="Agg", MNIST_SCRATCH_WORK_DIR=str(tmp_path / "my_network"),
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    run = run_lesson(planted, solutions=False, env=env)
    cells = run.shipped.cells
    errors = [(i, o.get("ename"), o.get("evalue", "")) for i, c in enumerate(cells) for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    # (%%needs runs the cell inside the magic, so the kernel reports its error twice)
    assert {(i, ename) for i, ename, _ in errors} == {(len(cells) - 1, "AssertionError")}, errors
    assert "these differ: ['db1', 'db2', 'db3']" in errors[0][2], errors[0][2]
    table = _text(cells[-2])
    assert table.startswith("Your network, lessons 1-11:") and "backward (lesson 2" not in table, table
    for name in ("Z1", "A3", "cost", "dW1", "dW2", "dW3"):
        assert re.search(rf"^{name} .* matches$", table, re.M), table
    for name in ("db1", "db2", "db3"):
        assert re.search(rf"^{name} .* DIFFERS$", table, re.M), table
