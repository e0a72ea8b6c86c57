"""Property-based tests of the three parsers (IDX, CSV, model files): random bytes, and random
mutations of genuine files, give either a valid result or the documented error, never
anything else, in bounded time and memory. Derandomised, so every run tries the same cases."""

from __future__ import annotations

import gzip
import io
import json
import zipfile

import numpy as np
import pandas  # noqa: F401  (imported here, so that its first import is not timed below)
import pytest
from _bounds import bounded
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mnist_scratch.data import DataFileError, load_csv, load_idx, parse_idx, save_csv
from mnist_scratch.data.idx import IdxFormatError
from mnist_scratch.files.model_file import ModelFileError, load_model, save_model
from mnist_scratch.model import Model

PROPERTY = settings(max_examples=80, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# A mutation: overwrite, insert or delete bytes at some places, or cut the file short.
_edit = st.tuples(st.sampled_from(["set", "insert", "delete"]), st.floats(0, 1, exclude_max=True),
                  st.binary(min_size=1, max_size=8))
mutations = st.tuples(st.lists(_edit, min_size=1, max_size=6), st.none() | st.floats(0, 1))


def mutate(data: bytes, mutation) -> bytes:
    edits, cut = mutation
    data = bytearray(data)
    for kind, where, new in edits:
        at = int(where * len(data)) if data else 0
        if kind == "set":
            data[at:at + len(new)] = new
        elif kind == "insert":
            data[at:at] = new
        else:
            del data[at:at + len(new)]
    if cut is not None:
        del data[int(cut * len(data)):]
    return bytes(data)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    return tmp_path_factory.mktemp("properties")


def _valid_csv(out) -> bool:
    X, y = out
    return (X.ndim == 2 and X.shape[1] == 784 and X.dtype == np.float32
            and (y is None or (y.shape == (len(X),) and y.min() >= 0 and y.max() <= 9)))


def _valid_model(out) -> bool:
    return isinstance(out, Model) and all(np.all(np.isfinite(p)) for p in out.params.values())


# parser: (load a path, the one error it may raise, what a valid result looks like, a file suffix)
PARSERS = {
    "idx": (load_idx, IdxFormatError, lambda out: isinstance(out, np.ndarray), ""),
    "csv": (load_csv, DataFileError, _valid_csv, ".csv"),
    "model": (load_model, ModelFileError, _valid_model, ".npz"),
}


def check_outcome(parser: str, path, data: bytes):
    """Write ``data`` to ``path`` and parse it: a valid result, or the parser's error naming the file."""
    load, error, valid, _ = PARSERS[parser]
    path.write_bytes(data)
    out, _, _ = bounded(lambda: load(path), max_seconds=3, max_mb=64)
    if isinstance(out, Exception):
        assert isinstance(out, error), repr(out)
        assert str(out).startswith(f"{path}: ")
    else:
        assert valid(out), out


@pytest.mark.parametrize("parser", list(PARSERS))
@PROPERTY
@given(data=st.binary(max_size=3000), gzipped=st.booleans())
def test_random_bytes(parser, data, gzipped, scratch):
    check_outcome(parser, scratch / f"random{PARSERS[parser][3]}", gzip.compress(data) if gzipped else data)


@PROPERTY
@given(data=st.binary(max_size=2000))
def test_parse_idx_of_random_bytes_too(data):
    out, _, _ = bounded(lambda: parse_idx(data), max_seconds=1, max_mb=16)
    assert isinstance(out, np.ndarray) or (isinstance(out, IdxFormatError) and str(out).startswith("<bytes>: "))


# --------------------------------------------------------------------------- mutations of genuine files
@pytest.fixture(scope="module")
def genuine_idx(mnist_dir) -> bytes:
    """The first 300 test labels and 3 test images, as IDX files."""
    labels = (mnist_dir / "t10k-labels-idx1-ubyte").read_bytes()[8:308]
    images = (mnist_dir / "t10k-images-idx3-ubyte").read_bytes()[16:16 + 3 * 784]
    return (bytes([0, 0, 8, 1]) + (300).to_bytes(4, "big") + labels,
            bytes([0, 0, 8, 3]) + b"".join(n.to_bytes(4, "big") for n in (3, 28, 28)) + images)


@PROPERTY
@given(which=st.sampled_from([0, 1]), mutation=mutations, gzipped=st.booleans())
def test_idx_mutated_genuine_files(genuine_idx, which, mutation, gzipped, scratch):
    original = genuine_idx[which]
    check_outcome("idx", scratch / "mutated", mutate(gzip.compress(original) if gzipped else original, mutation))


@pytest.fixture(scope="module")
def genuine_csv(scratch, mnist) -> tuple[bytes, bytes]:
    X, y = mnist.X_test[:4], mnist.y_test[:4]
    plain = save_csv(scratch / "plain.csv", X, y).read_bytes()
    kaggle = save_csv(scratch / "kaggle.csv", X, y, kaggle=True).read_bytes()
    return plain, kaggle


_csv_chars = st.binary(min_size=1, max_size=8).map(lambda b: bytes(c % 16 for c in b).translate(
    bytes.maketrans(bytes(range(16)), b"0123456789,,\n.-e")))


@PROPERTY
@given(which=st.sampled_from([0, 1]), mutation=mutations, text_edits=st.lists(
    st.tuples(st.floats(0, 1, exclude_max=True), _csv_chars), max_size=4))
def test_csv_mutated_genuine_files(genuine_csv, which, mutation, text_edits, scratch):
    data = mutate(genuine_csv[which], mutation)
    for where, chars in text_edits:  # edits that stay CSV-like: digits, commas, signs, newlines
        at = int(where * len(data))
        data = data[:at] + chars + data[at:]
    check_outcome("csv", scratch / "mutated.csv", data)


def _members(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        return {info.filename: src.read(info) for info in src.infolist()}


def _zipped(members: dict, compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as dst:
        for name, data in members.items():
            dst.writestr(name, data)
    return buffer.getvalue()


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
