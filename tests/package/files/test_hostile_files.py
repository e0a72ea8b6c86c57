"""Files that lie: archives that inflate to gigabytes, headers that promise the impossible,
model files with hostile metadata. Each must give the documented error, naming the file,
in bounded time and memory (see _bounds.bounded)."""

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

from mnist_scratch.data import DataFileError, load_idx, load_mnist
from mnist_scratch.data.idx import MAX_IDX_BYTES, IdxFormatError, parse_idx
from mnist_scratch.files.model_file import FORMAT, MAX_MODEL_BYTES, ModelFileError, load_model, save_model
from mnist_scratch.model import Model

GiB = 1 << 30


def _labels_header(n: int) -> bytes:
    return bytes([0, 0, 8, 1]) + n.to_bytes(4, "big")


def _gzip_bomb(prefix: bytes, inflated: int) -> bytes:
    """One gzip member: ``prefix`` then ``inflated`` zero bytes, about 1,000 times smaller.

    After a full flush deflate forgets its history, so every MiB of zeros compresses
    to the very same bytes: the bomb is built without compressing gigabytes.
    """
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(bytes(1 << 20)) + c.flush(zlib.Z_FULL_FLUSH)
    return head + block * (inflated >> 20) + c.flush()


# --------------------------------------------------------------------------- IDX: class 1
def test_a_4mb_gzip_that_inflates_to_4gib_is_stopped_at_the_first_byte_too_many(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(_gzip_bomb(_labels_header(10000), 4 * GiB))
    assert path.stat().st_size < 5 << 20
    err, seconds, peak = bounded(lambda: load_idx(path), max_seconds=2, max_mb=16)
    assert isinstance(err, IdxFormatError), err
    assert str(err).startswith(f"{path}: has more than 65,535 unexpected bytes after the (10000,) array")


def test_many_gzip_members_are_one_stream_and_bounded_too(tmp_path):
    def member(data: bytes) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, 31)
        return c.compress(data) + c.flush()

    path = tmp_path / "labels.gz"
    path.write_bytes(member(_labels_header(10000)) + member(bytes(16 << 20)) * 256)  # then 4 GiB of zeros
    assert path.stat().st_size < 5 << 20
    err, _, _ = bounded(lambda: load_idx(path), max_seconds=2, max_mb=16)
    assert isinstance(err, IdxFormatError) and "unexpected bytes" in str(err)


def test_load_mnist_meets_the_bomb_with_a_data_file_error(mnist_dir, tmp_path):
    import shutil

    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte"):
        shutil.copyfile(mnist_dir / name, tmp_path / name)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(_gzip_bomb(_labels_header(10000), 1 * GiB))
    with pytest.raises(DataFileError, match="t10k-labels-idx1-ubyte.gz: has more than"):
        load_mnist(tmp_path, download=False)


@pytest.mark.parametrize("sizes", [
    (0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF),            # 2**96 bytes: the product overflows int64
    (65536, 65536, 65536, 65536),                   # 2**64: exactly what wraps to 0 in int64
    (MAX_IDX_BYTES + 1,),                           # just over the cap
])
def test_impossible_sizes_are_refused_before_anything_is_allocated(tmp_path, sizes):
    header = bytes([0, 0, 8, len(sizes)]) + b"".join(s.to_bytes(4, "big") for s in sizes)
    for name, data in (("raw", header + bytes(100)), ("gz", _gzip_bomb(header, 64 << 20))):
        path = tmp_path / name
        path.write_bytes(data)
        err, _, _ = bounded(lambda: load_idx(path), max_seconds=1, max_mb=4)
        assert isinstance(err, IdxFormatError), err
        assert f"{path}: its header promises an array of shape {sizes}" in str(err)
        assert f"more than the {MAX_IDX_BYTES:,} bytes this reader accepts" in str(err)


def test_a_header_promising_900_mb_over_a_tiny_body_costs_nothing(tmp_path):
    path = tmp_path / "liar.gz"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 3]) + b"".join(s.to_bytes(4, "big") for s in (900000, 1000, 1))))
    err, _, peak = bounded(lambda: load_idx(path), max_seconds=1, max_mb=4)
    assert isinstance(err, IdxFormatError) and "is truncated: the header promises shape (900000, 1000, 1)" in str(err)


def test_idx_folder_and_unreadable_file(tmp_path, monkeypatch):
    (tmp_path / "dir").mkdir()
    with pytest.raises(IdxFormatError, match="dir: is a folder, not an IDX file"):
        load_idx(tmp_path / "dir")
    path = tmp_path / "locked"
    path.write_bytes(_labels_header(1) + b"\x03")
    np.testing.assert_array_equal(load_idx(path), [3])

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("builtins.open", refuse)  # the tests run as root: simulate the permission error
    with pytest.raises(IdxFormatError, match=r"locked: cannot be read \(Permission denied\)"):
        load_idx(path)


def test_parse_idx_checks_the_same_way():
    assert parse_idx(_labels_header(2) + b"\x01\x02").tolist() == [1, 2]
    with pytest.raises(IdxFormatError, match="<bytes>: has 1 unexpected bytes"):
        parse_idx(_labels_header(2) + b"\x01\x02\x03")


# --------------------------------------------------------------------------- model files: class 4
@pytest.fixture
def model_file(tmp_path):
    return save_model(Model([784, 3, 10], seed=1), tmp_path / "m.npz")


def _members(path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist()}


def _write_members(path, members: dict, compression=zipfile.ZIP_STORED):
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
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


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_saving_refuses_nan_or_infinite_parameters(tmp_path, value):
    model = Model([784, 3, 10])
    model.params["b2"][4] = value
    with pytest.raises(ValueError, match=r"cannot save .*m.npz: parameter b2 holds 1 NaN or infinite values"):
        save_model(model, tmp_path / "m")
    assert list(tmp_path.iterdir()) == []
