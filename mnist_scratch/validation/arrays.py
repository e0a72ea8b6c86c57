"""Constraints on arrays (images, strokes, dtypes) and on how much memory an argument asks for.

:class:`Array` declares what an array argument may be (its number of axes, the
sizes of some axes, how many values, real and finite numbers), in the same
one-message shape as every other constraint. :func:`check_memory` refuses,
by name and before anything is allocated, arguments whose arrays would not fit:
more than :data:`MAX_ARRAY_BYTES` (the most a model file may hold, too), or
more than the memory the machine has free.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .constraints import ArgumentError, Constraint, show

__all__ = ["Array", "FloatType", "check_memory", "MAX_ARRAY_BYTES", "available_memory", "format_bytes"]

#: The most memory the parameters of one network may take: 1 GiB (784-128-64-10 in float32 takes 0.4 MB).
#: Model files (:mod:`mnist_scratch.files.model_file`) refuse to hold more, so no model is made that cannot be saved.
MAX_ARRAY_BYTES = 1 << 30
#: Below this, :func:`check_memory` allows an array without asking the machine how much memory is free
#: (reading ``/proc/meminfo`` on every mini-batch's one-hot targets cost the training loop 7% of an epoch).
ALWAYS_ALLOWED_BYTES = 64 << 20


@dataclass(frozen=True)
class Array(Constraint):
    """An array of real, finite numbers (a NumPy array or nested lists): ``ndims`` axes, at least
    ``min_size`` values and at most ``max_size``; with 3 axes, the last of a size in ``channels``;
    each item (``a[i]``) of a shape in ``items``, if given."""

    what: str = "an array"
    ndims: tuple = (1, 2)
    min_size: int = 1
    max_size: int = 1 << 24
    channels: tuple | None = None
    items: tuple | None = None

    def accepts(self, value) -> bool:
        import numpy as np

        if isinstance(value, (str, bytes)) or value is None:
            return False
        try:
            a = np.asarray(value)
        except (ValueError, TypeError, OverflowError, MemoryError):  # ragged lists, odd objects
            return False
        if a.dtype.kind not in "biuf" or a.ndim not in self.ndims or not self.min_size <= a.size <= self.max_size:
            return False
        if self.channels is not None and a.ndim == 3 and a.shape[2] not in self.channels:
            return False
        if self.items is not None and a.shape[1:] not in self.items:
            return False
        return a.dtype.kind != "f" or bool(np.isfinite(a).all())

    def convert(self, value):
        import numpy as np

        return np.asarray(value)

    @property
    def description(self) -> str:
        return f"{self.what}, of {self.min_size:,} to {self.max_size:,} real, finite numbers"


@dataclass(frozen=True)
class FloatType(Constraint):
    """A floating-point NumPy dtype of 32 or 64 bits: ``np.float32``, ``"float64"``…"""

    def accepts(self, value) -> bool:
        import numpy as np

        if isinstance(value, bool) or value is None:
            return False
        try:
            dtype = np.dtype(value)
        except (TypeError, ValueError):
            return False
        return dtype.kind == "f" and dtype.itemsize in (4, 8)

    def convert(self, value):
        import numpy as np

        return np.dtype(value).type

    description = "a floating-point type of 32 or 64 bits: np.float32 or np.float64"


def available_memory() -> int | None:
    """The bytes this machine has free for a new array (``MemAvailable`` on Linux), or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, ValueError, OSError):
        return None


def format_bytes(n: float) -> str:
    """``5.70 TiB``, ``1.00 GiB``, ``312 KiB``: binary units, three figures."""
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            break
        n /= 1024
    if unit == "bytes":
        return f"{n:,.0f} bytes"
    return f"{n:,.{2 if n < 10 else 1 if n < 100 else 0}f} {unit}"


def check_memory(where: str, values: dict, nbytes: int, what: str = "the network's parameters") -> None:
    """Refuse ``values`` (the arguments, by name) if ``what`` would take more than ``nbytes`` allows.

    The limit is :data:`MAX_ARRAY_BYTES`, or half the machine's free memory if that is less;
    up to :data:`ALWAYS_ALLOWED_BYTES` is always allowed (the free memory is not looked up).
    The message has the one shape: ``Model(): sizes=[784, 1000000000, 10] is not allowed: …``.
    """
    if nbytes <= ALWAYS_ALLOWED_BYTES:
        return
    free = available_memory()
    limit, why = MAX_ARRAY_BYTES, f"the {format_bytes(MAX_ARRAY_BYTES)} a network may take"
    if free is not None and free // 2 < limit:
        limit, why = free // 2, f"half the {format_bytes(free)} of memory free on this machine"
    if nbytes > limit:
        named = ", ".join(f"{name}={show(value)}" for name, value in values.items())
        prefix = f"{where}: " if where else ""
        raise ArgumentError(f"{prefix}{named} is not allowed: {what} must fit in memory, and would take "
                            f"{format_bytes(nbytes)}, more than {why}")
