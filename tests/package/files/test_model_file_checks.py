"""Model files refuse what they cannot load before saving it, and load nothing they did not check (issue 21)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from _bounds import bounded
from mnist_scratch.files.model_file import ModelFileError, load_model, save_model
from mnist_scratch.model import Model


@pytest.fixture
def model_file(tmp_path):
    return save_model(Model([784, 3, 10], seed=1), tmp_path / "m.npz")


def _load_error(path) -> ModelFileError:
    err, _, _ = bounded(lambda: load_model(path), max_seconds=2, max_mb=32)
    assert isinstance(err, ModelFileError), repr(err)
    return err

def _flag_encrypted(path):
    """Set the 'encrypted' bit of every member, in the local headers and the central directory."""
    data = bytearray(path.read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.find(signature)
        while start >= 0:
            data[start + flags_at] |= 1
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))
    return path


def test_an_encrypted_member_is_a_clear_model_file_error(model_file):
    err = _load_error(_flag_encrypted(model_file))
    assert str(err) == f"{model_file}: member W1.npy is encrypted; model files are never encrypted"


@pytest.mark.parametrize("scale", ["bogus", 3, None, ["unit"]])
def test_the_recipes_scale_is_checked_at_load(model_file, scale):
    arrays = dict(np.load(model_file))
    meta = json.loads(str(arrays["metadata"]))
    meta["recipe"] = {"name": "best", "scale": scale}
    arrays["metadata"] = np.array(json.dumps(meta))
    np.savez(model_file, **arrays)
    err = _load_error(model_file)
    assert str(err) == (f"{model_file}: has a bad 'recipe' in its metadata: its scale is {scale!r}, and the pixels "
                        f"of a model's input are scaled 'unit', 'raw', 'myonn'")


def test_arguments_swapped_or_a_dict_for_a_model_are_named(tmp_path):
    from mnist_scratch.validation import ArgumentError

    params = Model([784, 3, 10]).params
    with pytest.raises(ArgumentError, match=r"^save_model\(\): model='my model' is not allowed: model must be a "
                                            r"network .*; save_model\(model, path\) takes the model first"):
        save_model("my model", params)
    with pytest.raises(ArgumentError, match=r"^save_model\(\): model=\{'W1': <float32 array of shape \(784, 3\)>"):
        save_model(params, tmp_path / "m")
    with pytest.raises(ArgumentError, match=r"^save_model\(\): path='' is not allowed: path must be a file's path"):
        save_model(Model([784, 3, 10]), "")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("dtype", [np.int32, np.float16, np.complex64])
def test_weights_that_would_not_load_are_not_saved(tmp_path, dtype):
    model = Model([784, 3, 10])
    model.params = {k: v.astype(dtype) for k, v in model.params.items()}
    with pytest.raises(ModelFileError, match=rf"^cannot save {tmp_path}/m.npz: array W1 has dtype "
                                             rf"{np.dtype(dtype)}; a model's arrays must be float32 or float64"):
        save_model(model, tmp_path / "m")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("recipe,why", [({"scale": "weird"}, "its scale is 'weird'"), ("best", "in its metadata: 'best'")])
def test_a_recipe_that_would_not_load_is_not_saved(tmp_path, recipe, why):
    model = Model([784, 3, 10])
    model.recipe = recipe
    with pytest.raises(ModelFileError, match=rf"^cannot save {tmp_path}/m.npz: has a bad 'recipe' .*{why}"):
        save_model(model, tmp_path / "m")
    assert list(tmp_path.iterdir()) == []


def test_what_is_saved_loads_back_float64_and_batch_norm_too(tmp_path):
    for model in (Model([784, 3, 10], dtype=np.float64), Model([784, 4, 3, 10], batch_norm=True)):
        model.recipe = {"scale": "myonn"}
        loaded = load_model(save_model(model, tmp_path / "m"))
        assert loaded.dtype == model.dtype and loaded.recipe == {"scale": "myonn"}
