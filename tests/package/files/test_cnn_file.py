"""Saving and loading convolutional networks, and the command line with a CNN file:
round trips that predict exactly alike, files that are wrong in every way we could
think of, one-line errors, and the ``cnn`` recipe on a (fake) Fashion-MNIST folder."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import numpy as np
import pytest

from mnist_scratch import cli
from mnist_scratch.cnn import CNN
from mnist_scratch.data.sources import DATASETS, PARTS, DataFile
from mnist_scratch.files.model_file import FORMAT, KINDS, ModelFileError, load_model, save_model
from mnist_scratch.model import Model

TINY = dict(channels=(2, 3), kernel=5, hidden=8)


@pytest.fixture
def cnn():
    model = CNN(**TINY, seed=3)
    rng = np.random.default_rng(1)
    for p in model.params.values():                 # biases too, so that every array matters
        p += rng.normal(0, 0.05, p.shape).astype(p.dtype)
    model.recipe = {"name": "cnn", "scale": "unit", "dataset": "mnist", "train": {"lr": 0.002}}
    return model


def _images(n=40, seed=0):
    return np.random.default_rng(seed).random((n, 784), dtype=np.float32)


# --------------------------------------------------------------------------- round trips
def test_round_trip_predicts_exactly_alike(cnn, tmp_path):
    path = save_model(cnn, tmp_path / "cnn")
    assert path.name == "cnn.npz"
    loaded = load_model(path)
    assert isinstance(loaded, CNN) and loaded.architecture == cnn.architecture
    assert loaded.layers == cnn.layers and loaded.seed == 3 and loaded.dtype == np.float32
    for key, value in cnn.params.items():
        assert loaded.params[key].dtype == value.dtype
        np.testing.assert_array_equal(loaded.params[key], value)
    X = _images()
    np.testing.assert_array_equal(loaded.predict_proba(X), cnn.predict_proba(X))
    assert loaded.recipe == cnn.recipe
    assert loaded.metadata["format"] == FORMAT and loaded.metadata["kind"] == "cnn"
    with np.load(path, allow_pickle=False) as f:       # a plain .npz: eight arrays and JSON
        assert sorted(f.files) == ["W1", "W2", "W3", "W4", "b1", "b2", "b3", "b4", "metadata"]
        meta = json.loads(str(f["metadata"]))
    assert meta["cnn"] == {"channels": [2, 3], "kernel": 5, "hidden": 8, "classes": 10,
                           "image_shape": [1, 28, 28], "padding": "valid"}


def test_same_padding_float64_and_other_shapes_round_trip(tmp_path):
    model = CNN(channels=(3, 2), kernel=3, hidden=5, classes=4, image_shape=(2, 12, 8), padding="same",
                seed=None, dtype=np.float64)
    path = save_model(model, tmp_path / "odd.npz")
    loaded = load_model(path)
    assert loaded.architecture == model.architecture and loaded.dtype == np.float64 and loaded.seed is None
    X = np.random.default_rng(2).normal(size=(6, 2, 12, 8))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_fully_connected_files_still_load_and_say_their_kind(tmp_path):
    model = Model([784, 6, 10], seed=2)
    path = save_model(model, tmp_path / "mlp.npz")
    assert load_model(path).metadata["kind"] == "mlp"
    _rewrite(path, format="mnist_scratch.model/1", kind=None)          # as the previous version wrote it
    with np.load(path) as f:
        assert "kind" not in json.loads(str(f["metadata"]))
    loaded = load_model(path)
    assert isinstance(loaded, Model) and loaded.sizes == [784, 6, 10]
    np.testing.assert_array_equal(loaded.predict_proba(_images()), model.predict_proba(_images()))


def test_saving_refuses_a_cnn_with_nan(cnn, tmp_path):
    cnn.params["W2"][0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"cnn.npz: parameter W2 holds 1 NaN or infinite values"):
        save_model(cnn, tmp_path / "cnn.npz")
    assert not (tmp_path / "cnn.npz").exists()


# --------------------------------------------------------------------------- bad files
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


def _arch(**changes):
    return {"cnn": {"channels": [2, 3], "kernel": 5, "hidden": 8, "classes": 10, "image_shape": [1, 28, 28],
                    "padding": "valid", **changes}}


@pytest.mark.parametrize("change,message", [
    ({"kind": "transformer"}, "holds a model of kind 'transformer', which this version of mnist_scratch "
                              "cannot read (it reads 'mlp', 'cnn')"),
    ({"kind": ["cnn"]}, "holds a model of kind ['cnn']"),
    ({"cnn": None}, "is a CNN file without its architecture (metadata 'cnn' is None)"),
    ({"cnn": "16,32"}, "is a CNN file without its architecture"),
    (_arch(channels=[16]), "its CNN architecture is not valid: channels=[16] is not allowed: channels must be a list of 2 values, each a whole number"),
    (_arch(channels=[2, 3.0]), "its CNN architecture is not valid: channels=[2, 3.0] is not allowed"),
    (_arch(kernel=0), "its CNN architecture is not valid: kernel=0 is not allowed: kernel must be a whole number from 1 to 64"),
    (_arch(kernel=True), "its CNN architecture is not valid: kernel=True is not allowed"),
    (_arch(hidden=10 ** 400), "its CNN architecture is not valid: hidden=1000"),
    (_arch(classes=1), "its CNN architecture is not valid: classes=1 is not allowed: classes must be a whole number from 2 to"),
    (_arch(padding="full"), "its CNN architecture is not valid: padding='full' is not allowed: padding must be one of 'valid', 'same'"),
    (_arch(image_shape=[28, 28]), "its CNN architecture is not valid: image_shape=[28, 28] is not allowed: image_shape must be a list of 3 values"),
    (_arch(kernel=13), "its CNN architecture does not fit together: image_shape=(1, 28, 28), kernel=13"),
    (_arch(hidden=9), "array W3 has shape (48, 8), but the CNN architecture in its metadata needs (48, 9)"),
    (_arch(padding="same"), "array W3 has shape (48, 8), but the CNN architecture in its metadata needs (147, 8)"),
    ({"W3": None}, "but the CNN architecture in its metadata needs ['W1', 'b1', 'W2', 'b2', 'W3', 'b3', 'W4', 'b4'] (missing: W3)"),
    ({"W5": np.zeros(3)}, "(not a CNN's: W5)"),
    ({"W1": np.zeros((2, 1, 5, 4), np.float32)}, "array W1 has shape (2, 1, 5, 4), but the CNN architecture "
                                                 "in its metadata needs (2, 1, 5, 5)"),
    ({"W4": np.zeros((10, 8), np.float32)}, "array W4 has shape (10, 8)"),            # transposed
    ({"b2": np.zeros(3, np.int64)}, "array b2 has dtype int64; a model's arrays must be float32 or float64"),
    ({"b3": np.full(8, np.inf, np.float32)}, "array b3 contains NaN or infinite values"),
    ({"seed": "zero"}, "has a bad 'seed' in its metadata"),
    ({"recipe": [1]}, "has a bad 'recipe' in its metadata"),
    ({"format": "mnist_scratch.model/9"}, "has format 'mnist_scratch.model/9', expected "
                                          f"'{FORMAT}'"),
])
def test_bad_cnn_files_name_the_file_and_the_problem(cnn, tmp_path, change, message):
    path = _rewrite(save_model(cnn, tmp_path / "cnn.npz"), **change)
    with pytest.raises(ModelFileError) as err:
        load_model(path)
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value), str(err.value)
    assert len(str(err.value)) < 400


def test_every_kind_listed_loads(cnn, tmp_path):
    assert list(KINDS) == ["mlp", "cnn"]
    assert type(load_model(save_model(Model([784, 3, 10]), tmp_path / "a"))) is Model
    assert type(load_model(save_model(cnn, tmp_path / "b"))) is CNN


# --------------------------------------------------------------------------- the command line, real MNIST
def run(*args, check=True):
    result = subprocess.run([sys.executable, "-m", "mnist_scratch", *args], capture_output=True, text=True,
                            timeout=600)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def _one_line_error(result, code=1):
    assert result.returncode == code, result
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_evaluate_and_predict_a_cnn_file(cnn, tmp_path, mnist, capsys):
    path = save_model(cnn, tmp_path / "cnn.npz")
    assert cli.main(["evaluate", str(path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["layers"] == ["1x28x28", "conv5x5x2", "pool2", "conv5x5x3", "pool2", 8, 10]
    expected = float((cnn.predict(mnist.X_test) == mnist.y_test).mean())
    assert summary["test_accuracy"] == pytest.approx(expected, abs=1e-12)
    assert np.sum(summary["confusion_matrix"]) == 10000
    out = run("predict", str(path), "--index", "7").stdout          # as a learner runs it
    probs = cnn.predict_proba(mnist.X_test[7:8])[0]
    assert f"test image 7: true label {mnist.y_test[7]}, predicted {probs.argmax()} ({probs.max():.1%})" in out


def test_cli_errors_with_cnn_files_are_one_line(tmp_path):
    five = save_model(CNN(**TINY, classes=5), tmp_path / "five.npz")
    for command in (["evaluate"], ["predict", "--index", "0"]):
        line = _one_line_error(run(command[0], str(five), *command[1:], check=False))
        assert line == (f"mnist-scratch {command[0]}: error: {five}: this model maps 784 inputs to 5 outputs, "
                        f"but MNIST handwritten digits has 784 pixels and 10 classes")
    big = save_model(CNN(**TINY, image_shape=(1, 32, 32)), tmp_path / "big.npz")
    assert "this model maps 1024 inputs to 10 outputs" in _one_line_error(run("evaluate", str(big), check=False))
    broken = _rewrite(save_model(CNN(**TINY), tmp_path / "broken.npz"), W3=None)
    line = _one_line_error(run("predict", str(broken), "--index", "0", check=False))
    assert line.startswith(f"mnist-scratch predict: error: {broken}: holds arrays") and "(missing: W3)" in line


# --------------------------------------------------------------------------- Fashion-MNIST, faked
def _idx(array: np.ndarray) -> bytes:
    """An IDX file of unsigned bytes: magic 00 00 08 <dims>, each size as 4 big-endian bytes, the data."""
    head = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return head + array.astype(np.uint8).tobytes()


@pytest.fixture
def fake_fashion(tmp_path, monkeypatch):
    """A Fashion-MNIST folder of 192 + 40 random images under the official names. load_mnist
    accepts only files with the official hashes, so the fakes' hashes stand in for them."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "fashion-mnist"
    folder.mkdir()
    parts = {"train_images": rng.integers(0, 256, (192, 28, 28)), "train_labels": rng.integers(0, 10, 192),
             "test_images": rng.integers(0, 256, (40, 28, 28)), "test_labels": np.arange(40) % 10}
    files = DATASETS["fashion-mnist"].files
    for part in PARTS:
        data = _idx(parts[part])
        (folder / files[part].name).write_bytes(data)
        fake = DataFile(files[part].name, "md5:" + "0" * 32, hashlib.sha256(data).hexdigest())
        monkeypatch.setitem(files, part, fake)
    return folder


def test_the_cnn_recipe_trains_on_fashion_mnist_through_the_same_path(fake_fashion, tmp_path, capsys):
    out = tmp_path / "fashion-cnn.npz"
    data = ["--dataset", "fashion-mnist", "--data-dir", str(fake_fashion)]
    assert cli.main(["train", "--recipe", "cnn", "--epochs", "1", "--out", str(out), "--json", "--no-progress",
                     *data]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["recipe"] == "cnn" and summary["dataset"] == "fashion-mnist" and summary["epochs"] == 1
    assert summary["layers"] == ["1x28x28", "conv5x5x16", "pool2", "conv5x5x32", "pool2", 128, 10]
    assert summary["model"] == str(out)
    model = load_model(out)
    assert isinstance(model, CNN) and model.recipe["dataset"] == "fashion-mnist"
    assert model.recipe["train"]["optimizer"] == "adam" and model.recipe["train"]["batch_size"] == 64
    untrained = CNN(**model.architecture, seed=0)           # the recipe's seed: 3 steps moved every array
    assert all(not np.array_equal(model.params[k], untrained.params[k]) for k in model.params)

    assert cli.main(["evaluate", str(out), "--json", *data]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["test_accuracy"] == summary["test_accuracy"] and np.sum(result["confusion_matrix"]) == 40
    assert cli.main(["predict", str(out), "--index", "3", *data]) == 0
    assert "test image 3: true label Dress, predicted " in capsys.readouterr().out
