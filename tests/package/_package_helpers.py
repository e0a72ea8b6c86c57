"""Plain helpers that test files in more than one place of tests/package share.

Import them by name (``from _package_helpers import numerical``): tests/package/conftest.py
puts this folder on ``sys.path``, as pytest does for every folder with a conftest. The name is
unique in tests/, because two helper modules of one name would shadow each other there.
Fixtures live in the conftest.py of the folder whose tests use them.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from types import SimpleNamespace

import numpy as np

from mnist_scratch.cnn import CNN
from mnist_scratch.data.sources import DATASETS
from mnist_scratch.gradient_check import numerical_gradient
from mnist_scratch.interface import Network
from mnist_scratch.model import Model


# --------------------------------------------------------------------------- numerical derivatives
# (test_batchnorm.py, test_cnn.py, test_conv.py)
def numerical(f, x):
    """Central differences of the scalar ``f()`` with respect to every entry of ``x``."""
    return numerical_gradient(f, x, range(x.size)).reshape(x.shape)


# --------------------------------------------------------------------------- model files
# (files/, cli/test_cli.py)
TINY = dict(channels=(2, 3), kernel=5, hidden=8)


def _rewrite(path, **changes):
    """Change metadata fields (None removes one) or arrays (None removes one) of a saved file."""
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays.pop("metadata")))
    for key, value in changes.items():
        target = arrays if key in arrays or (key[:1] in "Wb" and key[1:].isdigit()) else meta
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    np.savez(path, metadata=np.array(json.dumps(meta)), **arrays)
    return path


# --------------------------------------------------------------------------- batch norm's toy problems
# (test_bn_network.py, files/test_kinds.py)
SIZES = [12, 7, 5, 4]


def toy(n=16, seed=0, d=12, classes=4):
    rng = np.random.default_rng(seed)
    X = rng.normal(0.5, 2.0, (n, d))
    return X, rng.integers(0, classes, n)


def small_problem(n=300, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (4, 12))
    y = rng.integers(0, 4, n)
    return (centres[y] + rng.normal(0, 1, (n, 12))).astype(np.float32), y


# --------------------------------------------------------------------------- squared error
# as "Make Your Own Neural Network" does it (training/)
def _myonn_model():
    return Model([784, 100, 10], activation="sigmoid", loss="mse", init="normal", seed=0)


# --------------------------------------------------------------------------- a problem a small CNN learns at once
# (test_cnn.py, test_train.py)
def _toy_problem(n=64):
    """Two classes of 8x8 images: class 1 has a brighter top half."""
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, n)
    X = (0.5 * rng.random((n, 1, 8, 8))).astype(np.float32)
    X[y == 1, :, :4] += 0.5
    return X, y


def _toy_cnn():
    return CNN(channels=(4, 4), kernel=3, hidden=8, classes=2, image_shape=(1, 8, 8), padding="same")


# --------------------------------------------------------------------------- what a run leaves in a folder
# (data/test_download.py, files/test_model_file.py)
def _files(folder):
    """The files in ``folder``, apart from the empty download locks, which stay."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".lock"))


def _leftover(path, data: bytes, age: float = 0):
    """A file as a killed run leaves it, last written ``age`` seconds ago."""
    path.write_bytes(data)
    then = time.time() - age
    os.utime(path, (then, then))
    return path


# --------------------------------------------------------------------------- copies of the MNIST files
# (data/)
NAMES = [f.name for f in DATASETS["mnist"].files.values()]


def _copy_set(src, dst, names=None, rename=lambda n: n):
    dst.mkdir(parents=True, exist_ok=True)
    for name in names or NAMES:
        shutil.copyfile(src / name, dst / rename(name))
    return dst


# --------------------------------------------------------------------------- a network written from scratch
# (test_train.py, lab/): nothing but the interface of mnist_scratch.interface
class SoftmaxRegression(Network):
    """The smallest network a learner could write on the interface alone: one layer of weights
    from the 784 pixels to 10 softmax outputs, with its own forward and backward passes (none of
    the package's math), cross-entropy as its loss."""

    loss = "cross_entropy"
    classes = 10
    input_shape = (784,)

    def __init__(self, seed: int = 0):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.params = {"W": rng.normal(0, 0.01, (784, 10)).astype(np.float32), "b": np.zeros(10, np.float32)}

    def forward(self, X):
        X = self.check_input(X)
        Z = X @ self.params["W"] + self.params["b"]
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        return SimpleNamespace(X=X, Z_out=Z, A_out=E / E.sum(axis=1, keepdims=True))

    def forward_train(self, X, *, dropout: float = 0.0, rng=None):
        return self.forward(X)                # no hidden layer, so nothing for dropout to drop

    def backward(self, cache, T):
        dZ = cache.A_out.copy()               # softmax with cross-entropy: dJ/dZ = (P - Y) / n
        dZ[np.arange(len(T)), T] -= 1
        dZ /= len(T)
        return {"W": cache.X.T @ dZ, "b": dZ.sum(axis=0)}

    def describe(self) -> dict:
        return {"kind": "softmax_regression"}

    @property
    def layers(self) -> list:
        return [784, 10]


# --------------------------------------------------------------------------- CSV text
# (data/test_csvio.py, data/test_csvcells.py, data/test_csvlines.py)
CSV_HEADER = "label," + ",".join(f"pixel{i}" for i in range(784))


def csv_rows(n=6, seed=0):
    """Rows like MNIST's, as text cells: the corner pixels blank, the label first."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        pixels = np.zeros(784, int)
        pixels[300:320] = rng.integers(0, 256, 20)
        rows.append([str(i % 10)] + [str(p) for p in pixels])
    return rows


def csv_text(rows, ends="\n", header=None) -> str:
    """``rows`` (lists of cells) as the text of a CSV file, after ``header`` if given."""
    lines = ([header] if header else []) + [",".join(map(str, row)) for row in rows]
    return "".join(line + ends for line in lines)
