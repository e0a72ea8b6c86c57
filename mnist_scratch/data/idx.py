"""The IDX file format, in which MNIST is published.

An IDX file is a tiny header followed by raw numbers::

    bytes 0-1   0x00 0x00
    byte  2     type code: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64
    byte  3     number of dimensions, d
    4*d bytes   each dimension's size, a big-endian uint32
    the rest    prod(sizes) numbers, big-endian, in C (row-major) order

So ``train-images-idx3-ubyte`` starts with ``00 00 08 03`` (magic 2051), then
60000, 28, 28; ``train-labels-idx1-ubyte`` starts with ``00 00 08 01``
(magic 2049), then 60000.

Files are read as a stream, raw or gzipped alike (gzip is recognised by its
first two bytes, not by the name): the header is read and checked first, then
exactly the number of bytes it promises, no more than :data:`MAX_IDX_BYTES`.
Reading stops at the first byte too many, so a small archive that inflates to
gigabytes costs neither the time nor the memory to inflate it.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import zlib
from collections import namedtuple
from pathlib import Path

import numpy as np

from .access import open_for_reading
from .errors import DataFileError

__all__ = ["IdxFormatError", "IdxFile", "MAX_IDX_BYTES", "load_idx", "parse_idx", "read_idx_file"]

#: The largest array an IDX file may hold here: 1 GiB. MNIST's largest file holds 47 MB.
MAX_IDX_BYTES = 1 << 30

_TYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
_TRAILING_PEEK = 1 << 16  # how far past the promised end we look, to say how much is there

#: What :func:`read_idx_file` returns: the array and the SHA-256 of the (decompressed) IDX content.
IdxFile = namedtuple("IdxFile", "array content_sha256")


class IdxFormatError(DataFileError):
    """A file is not a well-formed IDX file (or not a readable gzip of one)."""


def _read_up_to(stream, n: int, digest) -> bytearray:
    """Read at most ``n`` bytes (fewer only at the end of the stream), in chunks."""
    buf = bytearray()
    while len(buf) < n:
        chunk = stream.read(min(_CHUNK, n - len(buf)))
        if not chunk:
            break
        buf += chunk
        digest.update(chunk)
    return buf


def _header(stream, source, digest):
    start = _read_up_to(stream, 4, digest)
    if len(start) < 4:
        raise IdxFormatError(f"{source}: is {len(start)} bytes long, too short for an IDX header")
    if start[0] != 0 or start[1] != 0 or start[2] not in _TYPES or start[3] == 0:
        raise IdxFormatError(
            f"{source}: wrong magic number 0x{int.from_bytes(start, 'big'):08X}; an IDX file starts with "
            f"00 00, a type code and a dimension count (MNIST images: 0x00000803, labels: 0x00000801)"
        )
    dtype, ndim = _TYPES[start[2]], start[3]
    sizes = _read_up_to(stream, 4 * ndim, digest)
    if len(sizes) < 4 * ndim:
        raise IdxFormatError(f"{source}: is truncated inside its header ({4 + len(sizes)} bytes)")
    shape = tuple(int.from_bytes(sizes[4 * i: 4 * i + 4], "big") for i in range(ndim))
    return dtype, shape, 4 + 4 * ndim


def _read_idx(stream, source, max_bytes: int) -> IdxFile:
    digest = hashlib.sha256()
    dtype, shape, header = _header(stream, source, digest)
    count = 1
    for size in shape:  # Python integers: no overflow, however large the sizes
        count *= size
    promised = count * dtype.itemsize
    if promised > max_bytes:
        raise IdxFormatError(
            f"{source}: its header promises an array of shape {shape}, {promised:,} bytes, more than "
            f"the {max_bytes:,} bytes this reader accepts; it is damaged or not an MNIST file"
        )
    data = _read_up_to(stream, promised, digest)
    if len(data) < promised:
        raise IdxFormatError(
            f"{source}: is truncated: the header promises shape {shape} "
            f"({header + promised:,} bytes) but the file has {header + len(data):,} bytes"
        )
    extra = len(stream.read(_TRAILING_PEEK))
    if extra:
        amount = f"{extra:,}" if extra < _TRAILING_PEEK else f"more than {_TRAILING_PEEK - 1:,}"
        raise IdxFormatError(f"{source}: has {amount} unexpected bytes after the {shape} array its header describes")
    array = np.frombuffer(data, dtype=dtype).reshape(shape)
    if dtype.byteorder == ">":
        array = array.astype(dtype.newbyteorder("="))  # native byte order
    return IdxFile(array, digest.hexdigest())


def parse_idx(data: bytes, source="<bytes>", *, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Turn the bytes of an IDX file into a NumPy array, checking every header field.

    ``source`` names the file in error messages.
    """
    return _read_idx(io.BytesIO(data), source, max_bytes).array


def read_idx_file(path, *, max_bytes: int = MAX_IDX_BYTES) -> IdxFile:
    """Read one IDX file, raw or gzipped, as a stream: ``(array, content_sha256)``.

    Raises :class:`IdxFormatError` (a :class:`DataFileError`) naming the file when
    it is malformed, damaged, unreadable or not a regular file (a FIFO would make
    reading wait forever), and :class:`DataNotFoundError` (a ``FileNotFoundError``)
    if it does not exist.
    """
    path = Path(path)
    try:
        with open_for_reading(path, "an IDX file", IdxFormatError) as raw:
            if raw.read(2) != _GZIP_MAGIC:
                raw.seek(0)
                return _read_idx(raw, path, max_bytes)
            raw.seek(0)
            with gzip.GzipFile(fileobj=raw) as stream:
                return _read_idx(stream, path, max_bytes)
    except (FileNotFoundError, IdxFormatError):
        raise
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise IdxFormatError(
            f"{path}: is a damaged or truncated gzip file ({err}); delete it and download it again"
        ) from None
    except OSError as err:
        raise IdxFormatError(f"{path}: cannot be read ({err.strerror or err})") from None


def load_idx(path, *, max_bytes: int = MAX_IDX_BYTES) -> np.ndarray:
    """Read one IDX file, raw or gzipped, into a NumPy array of its own dtype and shape.

    >>> load_idx("data/t10k-labels-idx1-ubyte").shape      # doctest: +SKIP
    (10000,)

    Raises :class:`IdxFormatError` (a ``ValueError``) naming the file if it is
    not a valid IDX file, and ``FileNotFoundError`` if it does not exist.
    """
    return read_idx_file(path, max_bytes=max_bytes).array
