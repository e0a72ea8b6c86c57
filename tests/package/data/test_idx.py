"""mnist_scratch.data.idx, the IDX reader: the real files, raw and gzipped; deliberately broken
copies; files that lie (archives that inflate to gigabytes, headers that promise the impossible),
each stopped with the documented error, naming the file, in bounded time and memory (see
_bounds.bounded); random bytes and mutations of genuine files."""

from __future__ import annotations

import gzip
import zlib

import numpy as np
import pytest
from _bounds import bounded
from _parser_properties import PARSERS as EVERY_PARSER
from _parser_properties import PROPERTY, check_outcome, mutate, mutations
from hypothesis import given
from hypothesis import strategies as st

from mnist_scratch.data import DataFileError, load_idx, load_mnist
from mnist_scratch.data.idx import MAX_IDX_BYTES, IdxFormatError, parse_idx


def test_load_idx_reads_raw_and_gzip_alike(mnist_dir, tmp_path):
    raw_path = mnist_dir / "t10k-labels-idx1-ubyte"
    gz_path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    gz_path.write_bytes(gzip.compress(raw_path.read_bytes()))
    labels = load_idx(raw_path)
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    np.testing.assert_array_equal(load_idx(gz_path), labels)
    images = load_idx(mnist_dir / "t10k-images-idx3-ubyte")
    assert images.shape == (10000, 28, 28)


def test_load_idx_of_other_types(tmp_path):
    values = np.arange(6, dtype=">i4").reshape(2, 3)
    path = tmp_path / "ints.idx"
    path.write_bytes(bytes([0, 0, 0x0C, 2]) + (2).to_bytes(4, "big") + (3).to_bytes(4, "big") + values.tobytes())
    np.testing.assert_array_equal(load_idx(path), values)


# --------------------------------------------------------------------------- bad files
def test_wrong_magic_number(copy_of_mnist):
    path = copy_of_mnist / "t10k-labels-idx1-ubyte"
    data = bytearray(path.read_bytes())
    data[0:4] = b"\x50\x4b\x03\x04"  # a zip file's magic
    path.write_bytes(bytes(data))
    with pytest.raises(IdxFormatError, match="t10k-labels-idx1-ubyte: wrong magic number 0x504B0304"):
        load_mnist(copy_of_mnist, download=False)
    with pytest.raises(ValueError, match="wrong magic number"):
        load_idx(path)


def test_truncated_file(copy_of_mnist):
    path = copy_of_mnist / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte: is truncated: the header promises shape \(10000, 28, 28\)"):
        load_mnist(copy_of_mnist, download=False)


def test_truncated_header_and_tiny_file(tmp_path):
    (tmp_path / "a").write_bytes(b"\x00\x00\x08")
    (tmp_path / "b").write_bytes(b"\x00\x00\x08\x03\x00\x00")
    with pytest.raises(IdxFormatError, match="too short for an IDX header"):
        load_idx(tmp_path / "a")
    with pytest.raises(IdxFormatError, match="truncated inside its header"):
        load_idx(tmp_path / "b")


def test_trailing_bytes(copy_of_mnist):
    path = copy_of_mnist / "t10k-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes() + b"junk")
    with pytest.raises(IdxFormatError, match="4 unexpected bytes"):
        load_mnist(copy_of_mnist, download=False)


def test_damaged_gzip(copy_of_mnist):
    path = copy_of_mnist / "t10k-labels-idx1-ubyte"
    archive = gzip.compress(path.read_bytes())
    path.unlink()
    (copy_of_mnist / "t10k-labels-idx1-ubyte.gz").write_bytes(archive[: len(archive) // 2])
    with pytest.raises(IdxFormatError, match="t10k-labels-idx1-ubyte.gz: is a damaged or truncated gzip file"):
        load_mnist(copy_of_mnist, download=False)


# --------------------------------------------------------------------------- files that lie
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


def test_idx_folder(tmp_path):
    """(Unreadable files, FIFOs and devices: test_access.py, as a user who is not root.)"""
    (tmp_path / "dir").mkdir()
    with pytest.raises(IdxFormatError, match="dir: is a folder, not an IDX file"):
        load_idx(tmp_path / "dir")
    path = tmp_path / "one"
    path.write_bytes(_labels_header(1) + b"\x03")
    np.testing.assert_array_equal(load_idx(path), [3])


def test_parse_idx_checks_the_same_way():
    assert parse_idx(_labels_header(2) + b"\x01\x02").tolist() == [1, 2]
    with pytest.raises(IdxFormatError, match="<bytes>: has 1 unexpected bytes"):
        parse_idx(_labels_header(2) + b"\x01\x02\x03")


# --------------------------------------------------------------------------- random bytes, mutated genuine files
#: This module's parser (_parser_properties.PARSERS holds all three).
PARSERS = {"idx": EVERY_PARSER["idx"]}


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
