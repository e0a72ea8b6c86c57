"""Our weights in a framework's network give the same predictions (lesson 11); the frameworks stay optional.

The comparisons need PyTorch (and Keras, on its PyTorch backend), from the `frameworks` extra; without
them they are skipped. The rest checks that the package never needs them and that CI installs them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mnist_scratch as ms
from mnist_scratch.lab.frameworks import from_torch_layout, to_keras_weights, to_torch_layout

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def trained():
    """A 784-128-64-10 network trained for one epoch on 5,000 images, and 2,000 test images."""
    X, y, X_test, y_test = ms.load_mnist()
    model = ms.Model([784, 128, 64, 10], seed=0)
    ms.train(model, X[:5000], y[:5000], epochs=1, batch_size=128, optimizer="adam", lr=2e-3, progress=False)
    return model, X_test[:2000]


def _torch_net(torch, sizes):
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(fan_in, fan_out), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def test_our_weights_in_a_torch_network_give_our_predictions(trained):
    torch = pytest.importorskip("torch")
    model, X = trained
    net = _torch_net(torch, model.sizes)
    net.load_state_dict({k: torch.from_numpy(v) for k, v in to_torch_layout(model.params).items()})  # strict
    with torch.no_grad():
        proba = torch.softmax(net(torch.from_numpy(X)), dim=1).numpy()
    ours = model.predict_proba(X)
    assert np.array_equal(proba.argmax(axis=1), ours.argmax(axis=1))
    assert np.abs(proba - ours).max() < 1e-5
    back = from_torch_layout({k: v.numpy() for k, v in net.state_dict().items()})
    assert all(np.array_equal(back[k], model.params[k]) for k in model.params)


def test_our_gradients_are_torchs(trained):
    """One batch's backward(): ours against autograd's, in float64."""
    torch = pytest.importorskip("torch")
    model, X = trained
    params = {k: v.astype(np.float64) for k, v in model.params.items()}
    Xb, yb = X[:64].astype(np.float64), np.arange(64) % 10
    grads = ms.backward(params, ms.forward(params, Xb), yb)
    net = _torch_net(torch, model.sizes).double()
    net.load_state_dict({k: torch.from_numpy(v) for k, v in to_torch_layout(params).items()})
    torch.nn.CrossEntropyLoss()(net(torch.from_numpy(Xb)), torch.from_numpy(yb)).backward()
    theirs = from_torch_layout({name: p.grad.numpy() for name, p in net.named_parameters()})
    for key in params:
        np.testing.assert_allclose(grads[key], theirs[key], rtol=1e-9, atol=1e-12, err_msg=key)


def _keras():
    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip(f"Keras runs on {keras.backend.backend()} here, not on PyTorch")
    return keras


@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_our_weights_in_a_keras_network_give_our_predictions(trained):
    keras = _keras()
    model, X = trained
    net = keras.Sequential([keras.Input((784,)), keras.layers.Dense(128, activation="relu"),
                            keras.layers.Dense(64, activation="relu"), keras.layers.Dense(10)])
    net.set_weights(to_keras_weights(model.params))
    proba = keras.ops.convert_to_numpy(keras.ops.softmax(net.predict(X, verbose=0), axis=1))
    ours = model.predict_proba(X)
    assert np.array_equal(proba.argmax(axis=1), ours.argmax(axis=1))
    assert np.abs(proba - ours).max() < 1e-5


def test_the_package_never_imports_a_framework():
    code = ("import sys, mnist_scratch, mnist_scratch.lab.check, mnist_scratch.lab.frameworks, mnist_scratch.recipes; "
            "print(sorted(m for m in ('torch', 'keras', 'tensorflow', 'jax') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}).stdout
    assert out.strip() == "[]"


def test_keras_is_imported_on_torch_without_scikit_learn():
    # Lesson 11's import: Keras alone would load scikit-learn and SciPy (about 75 MB) where they are installed.
    pytest.importorskip("torch")
    pytest.importorskip("keras")
    pytest.importorskip("sklearn")        # installed here (the test extra): the case that matters
    code = ("import sys; from mnist_scratch.lab.frameworks import import_keras_on_torch\n"
            "keras = import_keras_on_torch()\n"
            "print(keras.backend.backend(), 'sklearn' in sys.modules, 'scipy' in sys.modules)\n"
            "import sklearn; print('sklearn', 'sklearn' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**env, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["torch", "False", "False", "sklearn", "True"]


def test_ci_installs_the_frameworks_extra_on_top_of_make_tests_default():
    default = re.search(r"^TEST_EXTRAS \?= (\S+)$", (REPO / "Makefile").read_text(), re.M).group(1)
    ci = re.search(r"^make test TEST_EXTRAS=(\S+)$", (REPO / ".ci" / "run").read_text(), re.M).group(1)
    assert ci == default + ",frameworks"
    assert "frameworks" not in default.split(","), "a learner's make test must not download torch unasked"


def test_the_frameworks_extra_pins_keras_and_torch():
    if sys.version_info < (3, 11):
        pytest.skip("tomllib is Python 3.11+")
    import tomllib
    extra = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]["frameworks"]
    assert sorted(r.replace(" ", "") for r in extra) == ["keras==3.15.1", "torch==2.13.0"]
