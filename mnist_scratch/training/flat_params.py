"""Speed trick: every parameter as a view into one flat vector.

Nothing here is part of the lesson's math. An optimizer such as Adam does a
handful of element-wise operations per parameter array per step; with six
arrays (784-128-64-10) that is sixty small NumPy calls. If instead ``W1, b1,
…`` are *views* into one flat vector ``theta`` (and the gradients views into
one flat ``grad``), the same update is ten calls on one long vector.

:func:`pack` copies a parameter dict into one vector and rebinds the dict's
entries to views of it, so ``params["W1"]`` and ``theta`` share memory and the
optimizer's in-place update of ``theta`` *is* the update of ``params``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["pack", "views_of", "FlatGradient"]


def views_of(flat: np.ndarray, shapes: dict) -> dict:
    """``{key: view}``: consecutive slices of ``flat`` reshaped to ``shapes[key]``, in order."""
    views, start = {}, 0
    for key, shape in shapes.items():
        size = int(np.prod(shape))
        views[key] = flat[start:start + size].reshape(shape)
        start += size
    if start != flat.size:
        raise ValueError(f"the shapes hold {start} numbers but the flat vector has {flat.size}")
    return views


def pack(params: dict) -> np.ndarray:
    """Copy ``params`` into one flat vector; make ``params[k]`` views of it. Returns the vector."""
    dtype = np.result_type(*params.values())
    theta = np.concatenate([np.asarray(p, dtype=dtype).ravel() for p in params.values()])
    params.update(views_of(theta, {k: np.shape(p) for k, p in params.items()}))
    return theta


class FlatGradient:
    """One flat gradient vector, filled from the dict that ``backward`` returns."""

    def __init__(self, params: dict, theta: np.ndarray):
        self.vector = np.empty_like(theta)
        self._views = views_of(self.vector, {k: np.shape(p) for k, p in params.items()})

    def fill(self, grads: dict) -> np.ndarray:
        """Copy ``grads`` (same keys as the parameters) into the flat vector, and return it."""
        for key, view in self._views.items():
            view[...] = grads[key]
        return self.vector
