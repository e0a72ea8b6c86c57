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
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

__all__ = ["IdxFormatError", "load_idx", "parse_idx", "read_maybe_gzip"]

_TYPES = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_GZIP_MAGIC = b"\x1f\x8b"


class IdxFormatError(ValueError):
    """A file is not a well-formed IDX file (or not a readable gzip of one)."""


def read_maybe_gzip(path) -> tuple[bytes, bytes]:
    """Return ``(file_bytes, content_bytes)``: content is decompressed if the file is gzip.

    Gzip is recognised by its first two bytes, not by the file name.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise
    except OSError as err:
        raise IdxFormatError(f"{path}: cannot be read ({err.strerror or err})") from None
    if not raw.startswith(_GZIP_MAGIC):
        return raw, raw
    try:
        return raw, gzip.decompress(raw)
    except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as err:
        raise IdxFormatError(
            f"{path}: is a damaged or truncated gzip file ({err}); delete it and download it again"
        ) from None


def parse_idx(data: bytes, source="<bytes>") -> np.ndarray:
    """Turn the bytes of an IDX file into a NumPy array, checking every header field.

    ``source`` names the file in error messages.
    """
    if len(data) < 4:
        raise IdxFormatError(f"{source}: is {len(data)} bytes long, too short for an IDX header")
    magic = int.from_bytes(data[:4], "big")
    if data[0] != 0 or data[1] != 0 or data[2] not in _TYPES or data[3] == 0:
        raise IdxFormatError(
            f"{source}: wrong magic number 0x{magic:08X}; an IDX file starts with 00 00, a type "
            f"code and a dimension count (MNIST images: 0x00000803, labels: 0x00000801)"
        )
    dtype, ndim = _TYPES[data[2]], data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IdxFormatError(f"{source}: is truncated inside its header ({len(data)} bytes)")
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) < expected:
        raise IdxFormatError(
            f"{source}: is truncated: the header promises shape {shape} "
            f"({expected:,} bytes) but the file has {len(data):,} bytes"
        )
    if len(data) > expected:
        raise IdxFormatError(
            f"{source}: has {len(data) - expected:,} unexpected bytes after the "
            f"{shape} array its header describes"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="))  # a writable copy in native byte order


def load_idx(path) -> np.ndarray:
    """Read one IDX file, raw or gzipped, into a NumPy array of its own dtype and shape.

    >>> load_idx("data/t10k-labels-idx1-ubyte").shape      # doctest: +SKIP
    (10000,)

    Raises :class:`IdxFormatError` (a ``ValueError``) naming the file if it is
    not a valid IDX file, and ``FileNotFoundError`` if it does not exist.
    """
    _, content = read_maybe_gzip(path)
    return parse_idx(content, source=path)
