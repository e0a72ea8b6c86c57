"""Evaluation helpers against hand-counted answers, and model files that cannot lie."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest

from mnist_scratch import __version__
from mnist_scratch.evaluate import accuracy, confusion_matrix, misclassified, per_class_accuracy
from mnist_scratch.files.model_file import FORMAT, ModelFileError, load_model, save_model
from mnist_scratch.model import Model


def test_accuracy_confusion_and_per_class():
    y_true = np.array([0, 0, 1, 1, 1, 2])
    y_pred = np.array([0, 1, 1, 1, 2, 2])
    assert accuracy(y_true, y_pred) == pytest.approx(4 / 6)
    C = confusion_matrix(y_true, y_pred, 3)
    np.testing.assert_array_equal(C, [[1, 1, 0], [0, 2, 1], [0, 0, 1]])
    np.testing.assert_allclose(per_class_accuracy(y_true, y_pred, 3), [0.5, 2 / 3, 1.0])
    with pytest.raises(ValueError, match="same length"):
        accuracy(y_true, y_pred[:3])


def test_misclassified_most_confident_first():
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.05, 0.95], [0.7, 0.3]])
    y = np.array([0, 0, 1, 0, 0])
    # wrong: 1 (0.8 on class 1), 2 (0.6 on class 0), 3 (0.95 on class 1)
    assert misclassified(probs, y).tolist() == [3, 1, 2]


def test_predict_proba_rows_sum_to_one(mnist):
    model = Model([784, 16, 10])
    P = model.predict_proba(mnist.X_test[:100])
    assert P.shape == (100, 10)
    np.testing.assert_allclose(P.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(model.predict(mnist.X_test[:100]), P.argmax(axis=1))


@pytest.fixture
def model():
    m = Model([784, 12, 10], activation="tanh", seed=4)
    m.recipe = {"name": "test", "scale": "unit", "train": {"lr": 0.1}}
    return m


def test_round_trip(model, tmp_path, mnist):
    path = save_model(model, tmp_path / "m")
    assert path.name == "m.npz"
    loaded = load_model(path)
    assert loaded.sizes == model.sizes and loaded.activation == "tanh" and loaded.loss == model.loss
    for k in model.params:
        np.testing.assert_array_equal(loaded.params[k], model.params[k])
    np.testing.assert_array_equal(loaded.predict(mnist.X_test[:50]), model.predict(mnist.X_test[:50]))
    assert loaded.recipe == model.recipe
    meta = loaded.metadata
    assert meta["format"] == FORMAT and meta["package_version"] == __version__
    # the file is a plain .npz whose metadata is JSON text
    with np.load(path, allow_pickle=False) as f:
        assert sorted(f.files) == ["W1", "W2", "b1", "b2", "metadata"]
        assert json.loads(str(f["metadata"]))["sizes"] == [784, 12, 10]


def test_not_a_model(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(ModelFileError, match="notes.npz: is not a readable model file"):
        load_model(text)
    plain = tmp_path / "plain.npz"
    np.savez(plain, W1=np.zeros((2, 2)))
    with pytest.raises(ModelFileError, match="plain.npz: is an .npz file but not an mnist_scratch model"):
        load_model(plain)
    with pytest.raises(FileNotFoundError, match="missing.npz: no such model file"):
        load_model(tmp_path / "missing.npz")


def test_truncated_file(model, tmp_path):
    path = save_model(model, tmp_path / "m.npz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="m.npz: is not a readable model file; it may be truncated"):
        load_model(path)


def test_pickled_objects_are_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, metadata=np.array(json.dumps({"format": FORMAT})), W1=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ModelFileError, match="evil.npz"):
        load_model(path)


def _rewrite(path, **changes):
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays.pop("metadata")))
    for key, value in changes.items():
        if key in meta:
            meta[key] = value
        else:
            arrays[key] = value
    np.savez(path, metadata=np.array(json.dumps(meta)), **arrays)


@pytest.mark.parametrize("change,message", [
    ({"sizes": [784, 13, 10]}, r"array W1 has shape \(784, 12\), but the metadata's sizes \[784, 13, 10\] need \(784, 13\)"),
    ({"sizes": [784, 12, 10, 10]}, r"holds arrays .* but the metadata's sizes \[784, 12, 10, 10\] need .* \(missing: W3, b3\)"),
    ({"format": "something/9"}, "has format 'something/9'"),
    ({"activation": "swish"}, "its metadata is not valid: activation='swish' is not allowed: activation must be one of"),
    ({"b2": np.array([np.nan] * 10)}, "array b2 contains NaN"),
    ({"W2": np.zeros((12, 10), dtype=np.int32)}, "array W2 has dtype int32; a model's arrays must be float32 or float64"),
])
def test_metadata_must_match_the_arrays(model, tmp_path, change, message):
    path = save_model(model, tmp_path / "m.npz")
    _rewrite(path, **change)
    with pytest.raises(ModelFileError, match=message):
        load_model(path)


def test_saving_is_atomic(model, tmp_path, monkeypatch):
    path = save_model(model, tmp_path / "m.npz")
    before = path.read_bytes()

    def broken_savez(file, **arrays):
        file.write(b"PK partial")
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(OSError, match="disk full"):
        save_model(Model([784, 3, 10]), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]
    assert zipfile.is_zipfile(path)
