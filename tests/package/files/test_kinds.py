"""mnist_scratch.files.kinds, the kinds of model a file holds: every kind round-trips and predicts
exactly alike (a CNN, a batch-normalized model, files of format 1), and a file whose architecture
or arrays are wrong for its kind names the file and the problem."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from _package_helpers import SIZES, _rewrite, small_problem, toy

import mnist_scratch as ms
from mnist_scratch.cnn import CNN
from mnist_scratch.files.model_file import FORMAT, KINDS, ModelFileError, load_model, save_model
from mnist_scratch.model import Model


# --------------------------------------------------------------------------- every kind, through the registry
@pytest.mark.parametrize("network", ["mlp", "batch_norm", "cnn"])
def test_every_network_round_trips_through_the_one_registry(network, cnn, tmp_path, monkeypatch):
    """A fully connected model, a batch-normalized one and a CNN: saved, then built again by their
    kind's entry in files/kinds.py, with the same description, arrays and predictions."""
    model = {"mlp": lambda: Model([784, 6, 10], activation="tanh", seed=2), "batch_norm": lambda: trained_bn_model()[0],
             "cnn": lambda: cnn}[network]()
    entry = KINDS[model.describe()["kind"]]
    built = []

    def build(*args):
        built.append(entry.build(*args))
        return built[-1]

    monkeypatch.setitem(KINDS, entry.name, dataclasses.replace(entry, build=build))
    loaded = load_model(save_model(model, tmp_path / network))
    assert built == [loaded] and type(loaded) is type(model)
    assert loaded.describe() == model.describe() and loaded.describe()["kind"] == ("cnn" if network == "cnn" else "mlp")
    for part in ("params", "state"):
        saved, again = getattr(model, part), getattr(loaded, part)
        assert list(again) == list(saved) and (part == "state" or saved)
        for key in saved:
            assert again[key].dtype == saved[key].dtype, key
            np.testing.assert_array_equal(again[key], saved[key], err_msg=key)
    assert bool(loaded.state) == (network == "batch_norm")
    X = np.random.default_rng(0).random((20, *model.input_shape), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def _images(n=40, seed=0):
    return np.random.default_rng(seed).random((n, 784), dtype=np.float32)


# --------------------------------------------------------------------------- convolutional networks
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


# --------------------------------------------------------------------------- batch-normalized networks
def trained_bn_model():
    X, y = small_problem(100)
    model = ms.Model(SIZES, batch_norm=True)
    ms.train(model, X, y, epochs=2, batch_size=20, optimizer="sgd", lr=0.1, progress=False)
    return model, X


def test_save_and_load_a_batch_norm_model(tmp_path):
    model, X = trained_bn_model()
    path = save_model(model, tmp_path / "bn")
    loaded = load_model(path)
    assert loaded.batch_norm and loaded.metadata["format"] == FORMAT == "mnist_scratch.model/2"
    assert list(loaded.params) == list(model.params) and list(loaded.state) == list(model.state)
    for key in model.state:
        np.testing.assert_array_equal(loaded.state[key], model.state[key])
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    plain = load_model(save_model(ms.Model(SIZES), tmp_path / "plain"))
    assert not plain.batch_norm and plain.state == {}


def write_format_1(path, model):
    """A model file exactly as the package wrote it before batch norm (format 1)."""
    metadata = {"format": "mnist_scratch.model/1", "sizes": model.sizes, "activation": model.activation,
                "loss": model.loss, "init": model.init, "seed": model.seed, "dtype": str(model.dtype),
                "shapes": {k: list(v.shape) for k, v in model.params.items()}, "recipe": {},
                "package_version": "0.9.0", "saved_at": "2026-01-01T00:00:00+00:00"}
    np.savez(path, **model.params, metadata=np.array(json.dumps(metadata)))


def test_files_of_format_1_still_load(tmp_path):
    model = ms.Model(SIZES, seed=4)
    write_format_1(tmp_path / "old.npz", model)
    loaded = load_model(tmp_path / "old.npz")
    assert not loaded.batch_norm
    X, _ = toy()
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def rewrite(path, out, drop=(), replace=None, meta=None):
    with np.load(path) as f:
        arrays = {k: f[k] for k in f.files if k not in drop}
    arrays.update(replace or {})
    if meta:
        arrays["metadata"] = np.array(json.dumps({**json.loads(str(arrays["metadata"])), **meta}))
    np.savez(out, **arrays)
    return out


@pytest.mark.parametrize("change, message", [
    (dict(drop=("running_var2",)), "(missing: running_var2)"),
    (dict(replace={"running_mean1": np.zeros(6)}), "array running_mean1 has shape (6,)"),
    (dict(replace={"running_var1": np.full(7, np.nan)}), "array running_var1 contains NaN"),
    (dict(replace={"running_var1": -np.ones(7)}), "array running_var1 holds negative variances"),
    (dict(replace={"running_var1": np.ones(7, int)}), "array running_var1 has dtype int"),
    (dict(drop=("gamma1",)), "need ['W1', 'gamma1'"),
    (dict(replace={"beta2": np.zeros(4)}), "array beta2 has shape (4,)"),
    (dict(meta={"batch_norm": "yes"}), "its metadata is not valid: batch_norm='yes' is not allowed: batch_norm must be True or False"),
    (dict(meta={"batch_norm": False}), "holds arrays"),
])
def test_a_damaged_batch_norm_file_names_the_file_and_the_array(tmp_path, change, message):
    model, _ = trained_bn_model()
    good = save_model(model, tmp_path / "good")
    bad = rewrite(good, tmp_path / "bad.npz", **change)
    with pytest.raises(ModelFileError) as err:
        load_model(bad)
    assert str(bad) in str(err.value) and message in str(err.value)


def test_saving_refuses_nan_running_statistics(tmp_path):
    model = ms.Model(SIZES, batch_norm=True)
    model.state["running_mean2"][0] = np.nan
    with pytest.raises(ValueError, match="running_mean2 holds 1 NaN"):
        save_model(model, tmp_path / "m")
