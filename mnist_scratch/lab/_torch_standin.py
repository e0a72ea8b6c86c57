"""PyTorch's tensors for lesson 11's self-checks: real ones where PyTorch is installed, a faithful stand-in elsewhere.

The checks of lesson 11 hand the learner's function tensors: a batch ``xb``, ``yb`` for
``train_step``, PyTorch's result for ``compare``. Where PyTorch is installed, :func:`tensor`
makes a real one, so that the learner's code meets PyTorch itself. Where it is not (the
lesson's checks run without the ``frameworks`` extra), it makes a :class:`Tensor`, which
behaves as a real tensor does in everything a training step or a comparison does with it:

* ``.float()``, ``.double()``, ``.long()``, ``.int()`` convert (and return the tensor itself
  when it already has that type), ``.to("cpu")``, ``.to(dtype)`` and ``.cpu()`` run, and
  ``.to("cuda")`` fails as on a machine without a GPU;
* ``.detach()`` gives the same numbers without the record for ``backward()``;
* ``.numpy()`` and ``np.asarray`` refuse a tensor that requires grad with PyTorch's own message
  (``.numpy(force=True)`` takes it), and otherwise share its memory; ``.item()`` takes a tensor
  of one element only;
* ``shape``, ``dtype``, ``ndim``, ``requires_grad``, ``len``, ``tolist()``.

Arithmetic on stand-ins is left out: without PyTorch a learner cannot write PyTorch's arithmetic either.
"""

from __future__ import annotations

import numpy as np

__all__ = ["real_torch", "tensor", "values", "Tensor", "NUMPY_NEEDS_DETACH"]

#: Real PyTorch's message for ``t.numpy()`` (and ``np.asarray(t)``) when ``t`` requires grad.
NUMPY_NEEDS_DETACH = "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."

_TYPES = {"float": np.float32, "double": np.float64, "long": np.int64, "int": np.int32}


def real_torch():
    """The ``torch`` module if PyTorch can be imported here, else None."""
    try:
        import torch
    except Exception:          # not installed, or an install that cannot load: the stand-ins serve
        return None
    return torch if hasattr(torch, "from_numpy") else None


class Tensor:
    """A stand-in for a CPU ``torch.Tensor`` holding ``array``, for the checks where PyTorch is missing."""

    __array_priority__ = 1000

    def __init__(self, array, requires_grad: bool = False):
        self._array = np.asarray(array)
        self.requires_grad = bool(requires_grad)
        self.grad = None

    shape = property(lambda self: tuple(self._array.shape))
    ndim = property(lambda self: self._array.ndim)
    dtype = property(lambda self: self._array.dtype)
    device = property(lambda self: "cpu")
    data = property(lambda self: self.detach())

    def _as(self, dtype) -> Tensor:
        if self._array.dtype == dtype:
            return self
        return Tensor(self._array.astype(dtype), self.requires_grad and np.issubdtype(dtype, np.floating))

    def float(self) -> Tensor:
        return self._as(np.float32)

    def double(self) -> Tensor:
        return self._as(np.float64)

    def long(self) -> Tensor:
        return self._as(np.int64)

    def int(self) -> Tensor:
        return self._as(np.int32)

    def to(self, *args, **kwargs) -> Tensor:
        for target in (*args, *kwargs.values()):
            if str(target).startswith("cuda"):
                raise AssertionError("Torch not compiled with CUDA enabled")
            if isinstance(target, str) and target in _TYPES:
                return self._as(_TYPES[target])
            if isinstance(target, (type, np.dtype)):
                return self._as(np.dtype(target))
        return self

    def cpu(self) -> Tensor:
        return self

    def detach(self) -> Tensor:
        return Tensor(self._array)

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if self.requires_grad and not force:
            raise RuntimeError(NUMPY_NEEDS_DETACH)
        return self._array

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array if dtype is None else array.astype(dtype)

    def item(self):
        if self._array.size != 1:
            raise RuntimeError(f"a Tensor with {self._array.size} elements cannot be converted to Scalar")
        return self._array.reshape(()).item()

    def tolist(self):
        return self._array.tolist()

    def __len__(self) -> int:
        if self._array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self._array)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"tensor({np.array2string(self._array, separator=', ')}{grad})"


def tensor(array, requires_grad: bool = False):
    """``array`` as a real ``torch`` tensor where PyTorch is installed, else as a :class:`Tensor` stand-in."""
    torch = real_torch()
    array = np.array(array)
    if torch is None:
        return Tensor(array, requires_grad)
    return torch.tensor(array, requires_grad=requires_grad)


def values(x):
    """The numbers a tensor (real or stand-in) or an array holds, as a NumPy array; None if it holds none."""
    if isinstance(x, Tensor):
        return x._array
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        try:
            return x.detach().cpu().numpy()
        except Exception:
            return None
    try:
        array = np.asarray(x)
    except Exception:
        return None
    return array if array.dtype != object else None
