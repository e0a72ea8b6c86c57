"""Property-based tests of the three parsers (IDX, CSV, model files), shared by data/test_idx.py,
data/test_csvio.py and files/test_model_file.py: random bytes, and random mutations of genuine
files, give either a valid result or the documented error, never anything else, in bounded time
and memory. Derandomised, so every run tries the same cases."""

from __future__ import annotations

import numpy as np
import pandas  # noqa: F401  (imported here, so that its first import is not timed below)
from _bounds import bounded
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from mnist_scratch.data import DataFileError, load_csv, load_idx
from mnist_scratch.data.idx import IdxFormatError
from mnist_scratch.files.model_file import ModelFileError, load_model
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
