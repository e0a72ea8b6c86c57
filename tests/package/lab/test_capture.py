"""A learner's function becomes source that defines it again in a fresh namespace: helpers, constants, imports."""

from __future__ import annotations

import math
from math import exp as e_to_the

import numpy as np
import pytest
from numpy import maximum

from mnist_scratch.lab._capture import CannotSave, capture
from mnist_scratch.lab.parts import PARTS

EPS = 1e-8
SCALE = (2, 3.5)
DATA = np.arange(5.0)


def _rows_max(Z):
    return Z.max(axis=1, keepdims=True)


def _exps(Z):
    return np.exp(Z - _rows_max(Z))             # a helper that needs a helper


def my_softmax(Z):
    E = _exps(Z)
    return E / (E.sum(axis=1, keepdims=True) + EPS * 0)


def forward(params, X):
    A = [X]
    for l in range(1, len(params) // 2 + 1):
        Z = A[-1] @ params[f"W{l}"] + params[f"b{l}"]
        A.append(softmax(Z) if l == len(params) // 2 else relu(Z))    # noqa: F821 - parts, bound on loading
    return [None] * len(A), A


def uses_libraries(Z):
    return maximum(Z, 0) * SCALE[0] + e_to_the(0) * math.pi * 0


def uses_an_array(Z):
    return Z + DATA


def make_closure():
    k = 3

    def inner(Z):
        return Z * k
    return inner


relu = lambda Z: np.maximum(Z, 0)                # noqa: E731 - a learner may write it so


def ping(n):
    return 0 if n == 0 else pong(n - 1)


def pong(n):
    return 1 if n == 0 else ping(n - 1)


class Momentum:
    """A class with methods and a class attribute, as lesson 7's optimizer will be."""

    mu = 0.9

    def __init__(self):
        self.v = None

    def step(self, theta, g, lr):
        self.v = g if self.v is None else self.mu * self.v + g
        theta -= lr * _scaled(self.v)


def _scaled(v):
    return v * SCALE[0] / 2


def _run(source, **bound):
    namespace = dict(bound)
    exec(compile(source, "<captured>", "exec"), namespace)
    return namespace


def test_helpers_and_constants_come_along_and_the_name_is_the_part_s():
    source, links = capture("softmax", my_softmax, PARTS)
    assert links == []
    assert "def _rows_max(Z):" in source and "def _exps(Z):" in source and "EPS = 1e-08" in source
    assert "import numpy as np" in source and source.rstrip().endswith("softmax = my_softmax")
    Z = np.random.default_rng(0).normal(size=(3, 4))
    np.testing.assert_allclose(_run(source)["softmax"](Z), my_softmax(Z))


def test_other_parts_stay_names_for_the_loader_to_bind():
    source, links = capture("forward", forward, PARTS)
    assert links == ["softmax", "relu"]
    assert "def softmax" not in source and "def relu" not in source and "relu = " not in source
    namespace = _run(source, softmax=lambda Z: Z * 0 + 1, relu=lambda Z: Z * 0)
    params = {"W1": np.ones((2, 3)), "b1": np.zeros(3), "W2": np.ones((3, 2)), "b2": np.zeros(2)}
    _, A = namespace["forward"](params, np.ones((4, 2)))
    assert np.all(A[1] == 0) and np.all(A[2] == 1)


def test_library_functions_become_imports():
    source, _ = capture("relu", uses_libraries, PARTS)
    assert "from numpy import maximum" in source and "from math import exp as e_to_the" in source
    assert "import math" in source and "SCALE = (2, 3.5)" in source
    Z = np.array([[-1.0, 2.0]])
    np.testing.assert_allclose(_run(source)["relu"](Z), uses_libraries(Z))


def test_a_lambda_is_saved_as_an_assignment():
    source, _ = capture("relu", relu, PARTS)
    assert source.strip() == "import numpy as np\n\nrelu = lambda Z: np.maximum(Z, 0)"
    inline = [lambda Z, k=2: Z * k][0]
    source, _ = capture("relu_prime", inline, PARTS)
    assert source.strip() == "relu_prime = lambda Z, k=2: Z * k"


def test_mutual_helpers_do_not_loop():
    source, _ = capture("relu", ping, PARTS)
    assert source.count("def pong") == 1 and source.count("def ping") == 1
    assert _run(source)["relu"](3) == 1


def test_a_class_with_its_helpers():
    source, _ = capture("momentum", Momentum, PARTS)
    assert "class Momentum:" in source and "mu = 0.9" in source and "def _scaled(v):" in source
    optimizer = _run(source)["momentum"]()
    theta = np.ones(3)
    optimizer.step(theta, np.ones(3), 0.1)
    np.testing.assert_allclose(theta, 0.9)


@pytest.mark.parametrize("fn,reason", [
    (uses_an_array, "it uses DATA, an array of shape (5,) from the notebook, which cannot be written to a file"),
    (make_closure(), "inner is defined inside another function; define it at the top level of a cell to save it"),
    (np.maximum, "it is a ufunc, not a function defined with def"),
])
def test_what_cannot_be_saved_says_why(fn, reason):
    with pytest.raises(CannotSave, match="^" + reason.replace("(", r"\(").replace(")", r"\)")):
        capture("relu", fn, PARTS)


def test_in_a_notebook_kernel_functions_and_classes_of_cells_are_captured(tmp_path):
    """Cells are not files: IPython keeps their source in linecache, where the capture finds it."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    cells = [
        "import numpy as np\nfrom mnist_scratch.lab._capture import capture\nfrom mnist_scratch.lab.parts import PARTS",
        "RHO = 0.9\n\ndef _square(g):\n    return g * g",
        "class RMSprop:\n    def __init__(self):\n        self.s = 0.0\n\n    def step(self, theta, g, lr):\n"
        "        self.s = RHO * self.s + (1 - RHO) * _square(g)\n        theta -= lr * g / np.sqrt(self.s + 1e-8)",
        "def relu(Z):\n    return np.maximum(Z, 0)",
        "print(capture('rmsprop', RMSprop, PARTS)[0])\nprint('=====')\nprint(capture('relu', relu, PARTS)[0])",
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    rmsprop, relu_source = printed.split("=====\n")
    assert rmsprop.startswith("import numpy as np\n\nRHO = 0.9\n\ndef _square(g):")
    assert "class RMSprop:" in rmsprop and rmsprop.rstrip().endswith("rmsprop = RMSprop")
    namespace = {}
    exec(rmsprop, namespace)
    theta = np.ones(2)
    namespace["rmsprop"]().step(theta, np.array([1.0, -1.0]), 0.1)
    assert theta[0] < 1 < theta[1]
    assert relu_source.strip() == "import numpy as np\n\ndef relu(Z):\n    return np.maximum(Z, 0)"
