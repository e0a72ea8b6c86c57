"""mnist_scratch.files.model_file: model files that cannot lie. A round trip, saving that is atomic,
and files that lie (archives that inflate to gigabytes, headers that promise the impossible, hostile
metadata, random bytes and mutations of a genuine file): each gives the documented error, naming
the file, in bounded time and memory (see _bounds.bounded)."""

from __future__ import annotations

import gzip
import io
import json
import struct
import zipfile
import zlib

import numpy as np
import pytest
from _bounds import bounded
from _package_helpers import _files, _leftover, _rewrite
from _parser_properties import PARSERS as EVERY_PARSER
from _parser_properties import PROPERTY, check_outcome, mutate, mutations
from hypothesis import given, settings
from hypothesis import strategies as st

from mnist_scratch import __version__
from mnist_scratch.data.errors import FileWriteError
from mnist_scratch.files.model_file import FORMAT, MAX_MODEL_BYTES, ModelFileError, load_model, save_model
from mnist_scratch.model import Model


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


def test_saving_removes_stale_temporaries_of_killed_saves(tmp_path):
    _leftover(tmp_path / ".m.npz.0123abcd.part", bytes(1000), age=7200)
    save_model(Model([784, 2, 10]), tmp_path / "m")
    assert _files(tmp_path) == ["m.npz"]


def test_a_file_where_the_folder_should_be(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(FileWriteError, match="file/m.npz: cannot be written"):
        save_model(Model([784, 2, 10]), tmp_path / "file" / "m.npz")


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_saving_refuses_nan_or_infinite_parameters(tmp_path, value):
    model = Model([784, 3, 10])
    model.params["b2"][4] = value
    with pytest.raises(ValueError, match=r"cannot save .*m.npz: parameter b2 holds 1 NaN or infinite values"):
        save_model(model, tmp_path / "m")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- files that lie
@pytest.fixture
def model_file(tmp_path):
    return save_model(Model([784, 3, 10], seed=1), tmp_path / "m.npz")


def _members(file) -> dict:
    """The members of a zip file, by name: ``file`` is its path or its bytes."""
    with zipfile.ZipFile(io.BytesIO(file) if isinstance(file, bytes) else file) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _zipped(members: dict, compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    return buffer.getvalue()


def _write_members(path, members: dict, compression=zipfile.ZIP_STORED):
    path.write_bytes(_zipped(members, compression))
    return path


def _zip_by_hand(path, entries):
    """A zip file from ``(name, method, stored_bytes, crc, declared_size)`` entries, which may lie."""
    body, central = b"", b""
    for name, method, stored, crc, size in entries:
        fields = (method, 0, 0x21, crc, len(stored), size, len(name))
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, *fields, 0, 0, 0, 0, 0, len(body))
        central += name.encode()
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, *fields, 0) + name.encode() + stored
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), len(body), 0)
    path.write_bytes(body + central + end)
    return path


def _stored(members: dict, skip=()):
    return [(name, 0, data, zlib.crc32(data), len(data)) for name, data in members.items() if name not in skip]


def _npy_header(descr="<f8", shape=(3,), fortran_order=False) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": fortran_order, "shape": shape})
    return buffer.getvalue()


def _load_error(path, max_mb=32) -> ModelFileError:
    err, _, _ = bounded(lambda: load_model(path), max_seconds=2, max_mb=max_mb)
    assert isinstance(err, ModelFileError), repr(err)
    assert str(err).startswith(f"{path}: ")
    return err


def test_our_hand_made_zip_files_are_valid_zip_files(model_file):
    path = _zip_by_hand(model_file.with_name("copy.npz"), _stored(_members(model_file)))
    assert load_model(path).sizes == [784, 3, 10]


def test_a_member_that_claims_3_gb_is_refused_from_the_table_of_contents(model_file):
    members = _members(model_file)
    W1 = members["W1.npy"]
    path = _zip_by_hand(model_file, [("W1.npy", 0, W1, zlib.crc32(W1), 3_000_000_000)]
                        + _stored(members, skip={"W1.npy"}))
    err = _load_error(path)
    assert "would inflate to 3,000,0" in str(err) and f"more than the {MAX_MODEL_BYTES:,}" in str(err)


def test_a_member_that_inflates_far_beyond_its_declared_size_is_read_no_further(model_file):
    body = _npy_header("<f8", (784, 3)) + bytes(784 * 3 * 8)
    bomb = zlib.compressobj(9, zlib.DEFLATED, -15)
    stream = bomb.compress(body) + bomb.flush(zlib.Z_FULL_FLUSH)
    block = bomb.compress(bytes(1 << 20)) + bomb.flush(zlib.Z_FULL_FLUSH)
    stream += block * 4096 + bomb.flush()  # 4 GiB more, which the zip headers do not declare
    members = _members(model_file)
    path = _zip_by_hand(model_file.with_name("bomb.npz"), [("W1.npy", 8, stream, zlib.crc32(body), len(body))]
                        + _stored(members, skip={"W1.npy"}))
    assert path.stat().st_size < 6 << 20
    # W1 is read exactly (784 x 3 zeros) and the 4 GiB behind it never inflated
    out, _, _ = bounded(lambda: load_model(path), max_seconds=2, max_mb=32)
    assert isinstance(out, Model) and not out.params["W1"].any(), out


def test_a_header_claiming_a_trillion_floats(model_file):
    members = _members(model_file)
    members["W1.npy"] = _npy_header("<f8", (1_000_000, 1_000_000))
    err = _load_error(_write_members(model_file, members))
    assert "member W1.npy: its header promises (1000000, 1000000) of float64 (8,000,000,000,000 bytes)" in str(err)


@pytest.mark.parametrize("name,payload,message", [
    ("W1.npy", b"not an npy file at all", "is not a readable model file"),
    ("W1.npy", b"\x93NUMPY\x01\x00\xff\xff" + b"{" * 200, "is not a readable model file"),
    ("W1.npy", _npy_header("|O", (784, 3)), "holds Python objects or structured records"),
    ("W1.npy", _npy_header([("a", "<f8")], (784, 3)), "holds Python objects or structured records"),
    ("W1.npy", _npy_header("<f8", (784, 3)) + bytes(10), "the member holds 10 bytes"),
    ("W1.npy", b"\x93NUMPY\x09\x00" + bytes(100), "uses .npy format version (9, 0)"),
    ("W1.txt", b"hello", "member 'W1.txt' is not one NumPy array"),
    ("metadata.npy", _npy_header("<f8", ()) + bytes(8), "its metadata is float64 of shape ()"),
])
def test_members_that_are_not_what_they_claim(model_file, name, payload, message):
    members = _members(model_file)
    members[name] = payload
    err = _load_error(_write_members(model_file, members))
    assert message in str(err)


def _with_metadata(path, text: str):
    members = _members(path)
    buffer = io.BytesIO()
    np.save(buffer, np.array(text))
    members["metadata.npy"] = buffer.getvalue()
    return _write_members(path, members)


def _meta(path) -> dict:
    with np.load(path) as f:
        return json.loads(str(f["metadata"]))


@pytest.mark.parametrize("change,message", [
    ({"sizes": [784, float("nan"), 10]}, "its metadata is not valid: sizes="),
    ({"sizes": [784, 1e300, 10]}, "its metadata is not valid: sizes="),
    ({"sizes": [784, 3.0, 10]}, "its metadata is not valid: sizes="),
    ({"sizes": [784, -3, 10]}, "its metadata is not valid: sizes="),
    ({"sizes": [784, True, 10]}, "its metadata is not valid: sizes="),
    ({"sizes": "784,3,10"}, "its metadata is not valid: sizes="),
    ({"sizes": [784, 10 ** 400, 10]}, "its metadata is not valid: sizes="),
    ({"activation": ["relu"]}, "its metadata is not valid: activation=['relu'] is not allowed: activation must be one of 'relu'"),
    ({"loss": {"a": 1}}, "its metadata is not valid: loss={'a': 1} is not allowed: loss must be one of 'cross_entropy', 'mse'"),
    ({"recipe": [1, 2]}, "has a bad 'recipe'"),
    ({"seed": "zero"}, "has a bad 'seed'"),
    ({"init": 7}, "its metadata is not valid: init=7 is not allowed: init must be one of 'he'"),
    ({"format": None}, "has format None"),
])
def test_hostile_metadata(model_file, change, message):
    err = _load_error(_with_metadata(model_file, json.dumps({**_meta(model_file), **change})))
    assert message in str(err) and len(str(err)) < 400


@pytest.mark.parametrize("text,message", [
    ("[" * 100000 + "]" * 100000, "its metadata is not valid JSON"),
    ('{"format": ' * 50000, "its metadata is not valid JSON"),
    ("not json", "its metadata is not valid JSON"),
    ("[1, 2, 3]", "has format None"),
    (json.dumps({"format": FORMAT, "x": "y" * (2 << 20)}), "its metadata takes"),
])
def test_metadata_that_is_not_a_model_description(model_file, text, message):
    err = _load_error(_with_metadata(model_file, text))
    assert message in str(err)


def test_compression_methods_a_model_never_uses_are_refused(model_file):
    members = _members(model_file)
    path = _write_members(model_file.with_name("bz.npz"), members, zipfile.ZIP_BZIP2)
    assert "uses a compression method model files never use" in str(_load_error(path))


def test_saved_compressed_models_load(model_file):
    path = _write_members(model_file.with_name("deflated.npz"), _members(model_file), zipfile.ZIP_DEFLATED)
    assert load_model(path).sizes == [784, 3, 10]


def test_too_many_members(model_file):
    members = _members(model_file)
    members.update({f"x{i}.npy": members["b1.npy"] for i in range(300)})
    assert "holds 305 members" in str(_load_error(_write_members(model_file, members)))


def test_a_folder_or_an_unreadable_file(tmp_path, model_file, monkeypatch):
    (tmp_path / "dir.npz").mkdir()
    with pytest.raises(ModelFileError, match="dir.npz: is a folder, not a model file"):
        load_model(tmp_path / "dir.npz")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(zipfile.ZipFile, "__init__", refuse)  # the tests run as root
    with pytest.raises(ModelFileError, match=r"m.npz: cannot be read \(Permission denied\)"):
        load_model(model_file)


# --------------------------------------------------------------------------- random bytes, a mutated genuine file
#: This module's parser (_parser_properties.PARSERS holds all three).
PARSERS = {"model": EVERY_PARSER["model"]}


@pytest.mark.parametrize("parser", list(PARSERS))
@PROPERTY
@given(data=st.binary(max_size=3000), gzipped=st.booleans())
def test_random_bytes(parser, data, gzipped, scratch):
    check_outcome(parser, scratch / f"random{PARSERS[parser][3]}", gzip.compress(data) if gzipped else data)


@pytest.fixture(scope="module")
def genuine_model(scratch) -> bytes:
    model = Model([784, 2, 10], seed=3)
    model.recipe = {"name": "tiny", "scale": "unit"}
    return save_model(model, scratch / "genuine.npz").read_bytes()


@PROPERTY
@given(mutation=mutations, deflated=st.booleans())
def test_model_mutated_genuine_files(genuine_model, mutation, deflated, scratch):
    data = _zipped(_members(genuine_model), zipfile.ZIP_DEFLATED) if deflated else genuine_model  # (as savez_compressed)
    check_outcome("model", scratch / "mutated.npz", mutate(data, mutation))


def _json_containers(children):
    return st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
                           _json_containers, max_leaves=12)


@settings(PROPERTY, max_examples=40)
@given(changes=st.dictionaries(st.sampled_from(["format", "sizes", "activation", "loss", "init", "seed",
                                                "recipe", "shapes", "dtype"]), json_values, min_size=1))
def test_model_metadata_with_arbitrary_json(genuine_model, changes, scratch):
    members = _members(genuine_model)
    meta = json.loads(str(np.load(io.BytesIO(members["metadata.npy"]))))
    buffer = io.BytesIO()
    np.save(buffer, np.array(json.dumps({**meta, **changes})))
    members["metadata.npy"] = buffer.getvalue()
    check_outcome("model", scratch / "meta.npz", _zipped(members))


# --------------------------------------------------------------------------- what would not load is not saved
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
