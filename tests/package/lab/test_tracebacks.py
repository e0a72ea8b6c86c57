"""No traceback from a stub or a failed check shows a line of the checks' source (their source holds the answers).

Run in a real kernel, the way JupyterLab and the test run see it: nbclient sends the cells to an
IPython kernel, and an error's ``traceback`` field is exactly what the notebook shows (JupyterLab
renders that field; it has no traceback of its own). And in plain Python, as pytest sees it.
"""

from __future__ import annotations

import re
import traceback
from pathlib import Path

import numpy as np
import pytest

from mnist_scratch.lab import check

LAB = Path(check.__file__).resolve().parent
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _lab_lines() -> set[str]:
    """Every line of the lab's code long enough to give something away."""
    lines = set()
    for path in LAB.glob("*.py"):
        for line in path.read_text().splitlines():
            line = line.strip()
            if len(line) >= 20 and not line.startswith(("#", '"""')):
                lines.add(line)
    return lines


CELLS = [
    "import numpy as np\nfrom mnist_scratch.lab import check",
    # a stub, as shipped (lesson 1's first exercise: its old traceback printed the check's expected answer)
    'def mean_digit(X, y, k):\n    """The average image of class k: shape (784,)."""\n'
    '    raise NotImplementedError("write mean_digit(X, y, k): the average image of class k")\n\n'
    "check.mean_digit(mean_digit)",
    # a wrong answer
    "def softmax(Z):\n    return np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)\n\ncheck.softmax(softmax)",
    # a stub deep in a network: forward calls an unwritten relu
    'def relu(Z):\n    raise NotImplementedError("write relu(Z)")\n\n'
    "def forward(params, X):\n    return [None, X @ params['W1']], [X, relu(X @ params['W1'])]\n\ncheck.forward(forward)",
    # a wrong answer that calls the package
    "import mnist_scratch as ms\n\ndef accuracy(t, p):\n    return ms.accuracy(t, p)\n\ncheck.accuracy(accuracy)",
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    folder = tmp_path_factory.mktemp("traceback_notebook")
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def _errors(nb) -> list:
    return [(i, output) for i, cell in enumerate(nb.cells) for output in cell.outputs
            if output.output_type == "error"]


def test_every_stub_and_failed_check_shows_the_learners_lines_and_none_of_the_checks(executed):
    errors = _errors(executed)
    assert [(i, o.ename) for i, o in errors] == [(1, "NotImplementedError"), (2, "CheckFailed"),
                                                 (3, "NotImplementedError"), (4, "CheckFailed")]
    secret = _lab_lines()
    for i, output in errors:
        shown = ANSI.sub("", "\n".join(output.traceback))
        leaked = [line for line in secret if line in shown and line not in CELLS[i]]   # the learner's own lines aside
        assert not leaked, f"cell {i}'s traceback shows the checks' source: {leaked[:3]}"
        assert "mnist_scratch/lab" not in shown and "_checks_" not in shown, shown
        assert "check." in shown, f"cell {i}'s traceback should point at the learner's check line:\n{shown}"


def test_a_stub_s_traceback_ends_at_its_raise_line_with_its_message(executed):
    (_, stub), (_, _), (_, deep), _ = _errors(executed)
    shown = ANSI.sub("", "\n".join(stub.traceback))
    assert 'raise NotImplementedError("write mean_digit(X, y, k): the average image of class k")' in shown
    assert shown.rstrip().endswith("NotImplementedError: write mean_digit(X, y, k): the average image of class k")
    shown = ANSI.sub("", "\n".join(deep.traceback))
    assert "relu(X @ params['W1'])" in shown and 'raise NotImplementedError("write relu(Z)")' in shown


def test_a_failed_check_prints_its_hint_and_raises_with_it(executed):
    cell = executed.cells[2]
    printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
    (error,) = [o for o in cell.outputs if o.output_type == "error"]
    assert printed.startswith("❌ softmax: right for small scores, but a score of 1000 overflows exp()")
    assert error.evalue == "softmax: " + printed.strip()[len("❌ softmax: "):]


def test_a_passing_check_shows_no_True(tmp_path):
    """A passing check returns None, so that a cell ending with it shows the ✅ line and no Out[...]: True."""
    from _network_answers import relu

    assert check.relu(relu) is None
    assert check.relu(relu, raises=False) is True


def test_in_plain_python_the_check_frames_are_cut_too():
    def mean_digit(X, y, k):
        raise NotImplementedError("write mean_digit")

    with pytest.raises(NotImplementedError) as caught:
        check.mean_digit(mean_digit)
    text = "".join(traceback.format_exception(caught.value))
    assert "_checks_data.py" not in text and "expected = " not in text
    assert 'raise NotImplementedError("write mean_digit")' in text

    with pytest.raises(check.CheckFailed) as caught:
        check.softmax(lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))
    text = "".join(traceback.format_exception(caught.value))
    assert "_checks_math.py" not in text
