"""The learner's own network across lessons, run as a learner runs the lessons: each in a fresh kernel.

* With every solution filled in, lessons 1 and 2 save their parts, and lesson 3, in a new kernel
  (as after a restart), trains them: its "train your network" cell says every part is the
  learner's and reaches its accuracy.
* Then lessons 4, 5 and 6, each in a new kernel, train the learner's parts of all the lessons before:
  lesson 4 with the learner's own loop past 97% test accuracy, lessons 5 and 6 through ``ms.train``.
* A bug planted in one learner function past its check (``saving.keep``) is caught by the lesson's
  own gradient check (lesson 2, lesson 9's staged batch-norm backward), its accuracy (lessons 3 and 4) or its
  training loop, which stops lesson 7's comparison when the learner's Adam never moves the parameters:
  the lessons really run the learner's code.
* Graded mode ignores the work folder: nothing read, nothing written.

Every work folder is a temporary one ($MNIST_SCRATCH_WORK_DIR), never inside the repository.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
SOLUTION = re.compile(r"```python\n(.*?)\n```", re.S)
ANSI = re.compile(r"\x1b\[[0-9;]*m")

pytestmark = pytest.mark.slow


def _with_solutions(name: str):
    """The lesson with each exercise cell's code replaced by its folded solution's."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    for i, cell in enumerate(nb.cells):
        if "exercise" in cell.metadata.get("tags", []):
            j = i + 1
            while "hint" in nb.cells[j].metadata.get("tags", []):
                j += 1
            cell.source = SOLUTION.search(nb.cells[j].source).group(1)
    return nb


def _index(nb, text: str) -> int:
    """The first code cell whose source holds ``text``."""
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and text in c.source)


def _run(nb, work: Path, monkeypatch):
    """Execute in a fresh kernel with ``work`` as the work folder; the cells' outputs, errors allowed."""
    monkeypatch.setenv("MNIST_SCRATCH_WORK_DIR", str(work))
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb


def _text(cell) -> str:
    return ANSI.sub("", "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream"))


def _errors(nb) -> list:
    return [(i, o.ename, ANSI.sub("", o.evalue)) for i, c in enumerate(nb.cells) if c.cell_type == "code"
            for o in c.outputs if o.output_type == "error"]


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    return tmp_path_factory.mktemp("own_network") / "my_network"


@pytest.fixture(scope="module")
def lessons_1_to_3(work):
    """Lessons 1, 2 and 3 with their solutions, one after the other, each in a new kernel."""
    mp = pytest.MonkeyPatch()
    try:
        runs = {name: _run(_with_solutions(name), work, mp)
                for name in ("01_data_exploration.ipynb", "02_the_math.ipynb", "03_train_784_10_10.ipynb")}
    finally:
        mp.undo()
    return runs


def test_with_every_solution_no_cell_fails(lessons_1_to_3):
    for name, nb in lessons_1_to_3.items():
        assert _errors(nb) == [], name


def test_lesson_3_trains_the_parts_of_lessons_1_and_2_after_a_restart(lessons_1_to_3, work):
    nb = lessons_1_to_3["03_train_784_10_10.ipynb"]
    first = _text(nb.cells[_index(nb, "my_network.load(upto=2)")])
    assert first.startswith("Your network, lessons 1-2: all 8 parts are yours."), first
    train = _text(nb.cells[_index(nb, "lr, iterations, every =")])
    assert train.startswith("Your network, lessons 1-3: all 11 parts are yours."), train
    dev = float(re.search(r"dev accuracy (\d+\.\d)%", train).group(1))
    assert dev >= 88.0, train
    assert sorted(p.stem for p in work.glob("*.py")) == sorted(
        ["one_hot", "relu", "relu_prime", "softmax", "cross_entropy", "forward", "backward", "numerical_gradient",
         "gradient_descent", "predict", "accuracy"])


def test_the_saved_parts_are_the_learner_s_code(lessons_1_to_3, work):
    backward = (work / "backward.py").read_text()
    assert backward.startswith("# Your backward (lesson 2, exercise 5), saved when check.backward passed on ")
    assert "# It uses these parts of your network: one_hot, relu_prime." in backward
    assert "dZ = (A[L] - Y) / n" in backward and "mnist_scratch" not in backward.split("\n", 4)[4]


def _plant(nb, before: str, part: str, code: str):
    """Insert, before the first cell holding ``before``, a cell that keeps ``code``'s function as the learner's part."""
    cell = nbformat.v4.new_code_cell(f"{code}\n\nfrom mnist_scratch.lab import saving\nsaving.keep({part!r}, {part})")
    nb.cells.insert(_index(nb, before), cell)
    return nb


def test_lesson_2_s_gradient_check_catches_a_bug_planted_in_the_learner_s_backward(tmp_path, monkeypatch):
    planted = '''import numpy as np

def backward(params, Z, A, y):          # the 1/n forgotten in the output error
    L = len(params) // 2
    dZ = A[L] - np.eye(10, dtype=A[L].dtype)[y]
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"], grads[f"b{l}"] = A[l - 1].T @ dZ, dZ.sum(axis=0)
        if l > 1:
            dZ = dZ @ params[f"W{l}"].T * (Z[l - 1] > 0)
    return grads'''
    nb = _plant(_with_solutions("02_the_math.ipynb"), "numeric = {name: mine.numerical_gradient", "backward", planted)
    nb = _run(nb, tmp_path / "my_network", monkeypatch)
    check_cell = _index(nb, "assert max(errors.values()) < 1e-6")
    assert _errors(nb)[0][:2] == (check_cell, "AssertionError"), _errors(nb)
    assert "a right backward pass agrees with the central differences" in _errors(nb)[0][2]
    printed = _text(nb.cells[_index(nb, "numeric = {name: mine.numerical_gradient")])
    assert "all 8 parts are yours" in printed or "7 of 8 parts are yours; one_hot is the package's" in printed
    assert "W1: relative error 9" in printed        # n = 20 times too large: relative error (20 - 1) / 21 = 0.90


def test_lesson_3_s_accuracy_catches_a_bug_planted_in_the_learner_s_predict(tmp_path, monkeypatch):
    planted = '''def predict(params, X):                # the least likely class
    return forward(params, X)[1][-1].argmin(axis=1)'''
    nb = _with_solutions("03_train_784_10_10.ipynb")
    nb.cells = nb.cells[:_index(nb, "your network reaches about 90% dev accuracy") + 1]
    nb = _plant(nb, "lr, iterations, every =", "predict", planted)
    nb = _run(nb, tmp_path / "my_network", monkeypatch)
    (cell, ename, message), *_ = _errors(nb)
    assert (cell, ename) == (_index(nb, "your network reaches about 90% dev accuracy"), "AssertionError")
    assert message.startswith("your network reaches about 90% dev accuracy, at least 88% (lr=0.35, 120 iterations")


def test_lesson_10_s_gradient_check_catches_a_bug_planted_in_the_learner_s_conv2d_backward(tmp_path, monkeypatch):
    """Lesson 10 up to its convolution's gradient check (the training is not needed), with d_image's flip forgotten."""
    planted = '''import numpy as np

def conv2d_backward(dZ, image, kernel):  # d_image: the 'full' correlation with the filter NOT flipped
    kh, kw = kernel.shape
    padded = np.pad(dZ, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    d_image = np.array([[np.sum(padded[y:y + kh, x:x + kw] * kernel) for x in range(image.shape[1])]
                        for y in range(image.shape[0])])
    d_kernel = np.array([[np.sum(dZ * image[i:i + dZ.shape[0], j:j + dZ.shape[1]]) for j in range(kw)]
                         for i in range(kh)])
    return d_image, d_kernel'''
    nb = _with_solutions("10_convolutional_network.ipynb")
    nb.cells = nb.cells[:_index(nb, "assert max(conv_errors.values()) < 1e-7") + 1]
    nb = _plant(nb, "d_image, d_kernel = mine.conv2d_backward(G, image, kernel)", "conv2d_backward", planted)
    nb = _run(nb, tmp_path / "my_network", monkeypatch)
    (cell, ename, message), *_ = _errors(nb)
    assert (cell, ename) == (_index(nb, "assert max(conv_errors.values()) < 1e-7"), "AssertionError"), _errors(nb)
    assert message.startswith("conv2d_backward agrees with the numerical gradient of conv2d to 1e-7"), message
    printed = _text(nb.cells[_index(nb, "d_image, d_kernel = mine.conv2d_backward(G, image, kernel)")])
    assert "conv2d_backward (lesson 10" not in printed and "'d_image': '" in printed, printed   # the learner's ran


def test_graded_mode_reads_and_writes_no_work_folder(lessons_1_to_3, work, tmp_path, monkeypatch):
    before = {p.name: p.read_bytes() for p in work.iterdir()}
    nb = _with_solutions("02_the_math.ipynb")
    setup = _index(nb, "from mnist_scratch.lab import plots, check, my_network")
    nb.cells.insert(setup + 1, nbformat.v4.new_code_cell("my_network.graded(2)"))
    nb = _run(nb, work, monkeypatch)
    assert _errors(nb) == []
    report = _text(nb.cells[_index(nb, "my_network.load(upto=1)")])
    assert report.startswith("Your network, lesson 1: 0 of 1 parts are yours; one_hot is the package's."), report
    assert "Graded mode (lesson 2): nothing is read from or written to your work folder" in report
    checked = _text(nb.cells[_index(nb, "assert max(errors.values()) < 1e-6") - 1])
    assert "7 of 8 parts are yours; one_hot is the package's" in checked, checked
    assert {p.name: p.read_bytes() for p in work.iterdir()} == before
    assert "Saved as" not in json.dumps(nb.dict())


# --------------------------------------------------------------------------- lessons 4 to 6
LESSONS_4_TO_6 = ("04_train_784_128_64_10.ipynb", "05_cost_curves_and_hyperparameters.ipynb",
                  "06_misclassification_gallery.ipynb")


@pytest.fixture(scope="module")
def lessons_4_to_6(lessons_1_to_3, work):
    """Lessons 4, 5 and 6 with their solutions, after lessons 1-3, each in a new kernel, one work folder."""
    mp = pytest.MonkeyPatch()
    try:
        runs = {name: _run(_with_solutions(name), work, mp) for name in LESSONS_4_TO_6}
    finally:
        mp.undo()
    return runs


def test_lessons_4_to_6_with_every_solution_no_cell_fails(lessons_4_to_6):
    for name, nb in lessons_4_to_6.items():
        assert _errors(nb) == [], name


def test_lesson_4_trains_the_learner_s_own_784_128_64_10_past_97_percent(lessons_4_to_6):
    nb = lessons_4_to_6["04_train_784_128_64_10.ipynb"]
    train = _text(nb.cells[_index(nb, "lr, batch_size, epochs =")])
    assert train.startswith("Your network, lessons 1-4: all 13 parts are yours."), train
    dev = float(re.findall(r"dev accuracy (\d+\.\d+)%", train)[-1])
    assert dev >= 97.0, train
    test = "".join(_text(c) for c in nb.cells if c.cell_type == "code" and "-m mnist_scratch evaluate" in c.source)
    assert float(re.search(r"test accuracy ([\d.]+)%", test).group(1)) >= 97.0, test


def test_lessons_5_and_6_train_the_learner_s_parts_with_ms_train(lessons_4_to_6, work):
    five = lessons_4_to_6["05_cost_curves_and_hyperparameters.ipynb"]
    report = _text(five.cells[_index(five, "mine = my_network.load(upto=5)")])
    assert report.startswith("Your network, lessons 1-5: all 18 parts are yours."), report
    six = lessons_4_to_6["06_misclassification_gallery.ipynb"]
    report = _text(six.cells[_index(six, "mine = my_network.load(upto=5)")])
    assert report.startswith("Your network, lessons 1-5: all 18 parts are yours."), report
    report = _text(six.cells[_index(six, "scores = pd.DataFrame(")])
    assert report.startswith("Your network, lessons 1-6: all 21 parts are yours."), report
    assert {p.stem for p in work.glob("*.py")} >= {
        "he_init", "sgd_epoch", "l2_penalty", "l2_gradient", "dropout", "forward_dropout", "backward_dropout",
        "confusion_matrix", "per_class_accuracy", "precision"}


def test_lesson_4_s_accuracy_catches_a_bug_planted_in_the_learner_s_sgd_epoch(tmp_path, monkeypatch):
    planted = '''def sgd_epoch(params, X, y, lr, batch_size, rng):    # one step per epoch: full batch
    Z, A = forward(params, X)
    grads = backward(params, Z, A, y)
    for name in params:
        params[name] -= lr * grads[name]'''
    nb = _with_solutions("04_train_784_128_64_10.ipynb")
    nb.cells = nb.cells[:_index(nb, "one epoch of mini-batch SGD already passes 94% dev accuracy") + 1]
    nb = _plant(nb, "lr, batch_size, epochs =", "sgd_epoch", planted)
    nb = _run(nb, tmp_path / "my_network", monkeypatch)
    (cell, ename, message), *_ = _errors(nb)
    assert (cell, ename) == (_index(nb, "one epoch of mini-batch SGD already passes 94%"), "AssertionError")
    assert message.startswith("one epoch of mini-batch SGD already passes 94% dev accuracy (lr="), message


def test_lesson_9_s_gradient_check_catches_a_bug_planted_in_the_learner_s_staged_backward(tmp_path, monkeypatch):
    planted = '''import numpy as np

def batchnorm_backward_staged(dY, Z, gamma, eps):      # the variance path with 1/n for 2/n
    n, mu = len(Z), Z.mean(axis=0)
    Zc = Z - mu
    s = np.sqrt(Z.var(axis=0) + eps)
    Z_hat = Zc / s
    dZ_hat = gamma * dY
    dvar = -(dZ_hat * Z_hat).sum(axis=0) / s / (2 * s)
    dZc = dZ_hat / s + 1 / n * Zc * dvar
    dZ = dZc - dZc.sum(axis=0) / n
    return dZ, (dY * Z_hat).sum(axis=0), dY.sum(axis=0)'''
    nb = _with_solutions("09_batch_normalization.ipynb")
    nb.cells = nb.cells[:_index(nb, "the staged backward agrees with central differences") + 1]
    nb = _plant(nb, "staged_errors = {name:", "batchnorm_backward_staged", planted)
    nb = _run(nb, tmp_path / "my_network", monkeypatch)
    (cell, ename, message), *_ = _errors(nb)
    assert (cell, ename) == (_index(nb, "the staged backward agrees with central differences"), "AssertionError")
    assert message.startswith("the staged backward agrees with central differences to better than 1e-6 (float64")


def test_lesson_7_s_comparison_catches_a_bug_planted_in_the_learner_s_adam(tmp_path, monkeypatch):
    planted = '''import numpy as np

class Adam:                                            # theta rebound, not changed in place
    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        self.beta1, self.beta2, self.eps, self.m, self.v, self.t = beta1, beta2, eps, 0.0, 0.0, 0

    def step(self, theta, grad, lr):
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad ** 2
        m_hat, v_hat = self.m / (1 - self.beta1 ** self.t), self.v / (1 - self.beta2 ** self.t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + self.eps)'''
    nb = _with_solutions("07_beyond.ipynb")
    nb.cells = nb.cells[:_index(nb, "momentum and Adam end more than 2 points") + 1]
    nb = _plant(nb, "optimisers = {", "Adam", planted)
    nb = _run(nb, tmp_path / "my_network", monkeypatch)
    (cell, ename, message), *_ = _errors(nb)           # ms.train stops the run that never learns, and says why
    assert (cell, ename) == (_index(nb, "optimisers = {"), "TrainingStalled"), _errors(nb)
    assert message.startswith("Training has stalled"), message
