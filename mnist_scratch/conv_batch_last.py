r"""SPEED TRICK: the convolutional layers of :mod:`mnist_scratch.conv`, with the images' index last.

:mod:`mnist_scratch.conv` keeps images as ``(n, C, H, W)``, the layout of the
lesson. The network itself (:func:`mnist_scratch.cnn.forward` and ``backward``)
keeps its feature maps as ``(C, H, W, n)`` instead, and uses the functions
here: the same sums, in an order that suits memory. ``tests/package/test_conv_batch_last.py``
checks each against its plain counterpart; ``benchmarks/bench_cnn.py`` measures the gain.

* **Long runs.** A row of ``cols`` is one channel shifted by ``(i, j)``,
  ``X[c, i:i+Ho, j:j+Wo, :]``: runs of ``Wo * n`` neighbouring numbers (``Wo``
  with the images first), so :func:`im2col_batch_last` and :func:`col2im_batch_last`
  copy long runs, and so does the pooling.
* **No transposes.** :math:`W\,\mathrm{cols}` comes out as ``(F, Ho, Wo, n)``, already in
  the layout the next layer reads; flatten is a view, ``A.reshape(-1, n).T``.
* **The bias as a weight.** ``cols`` gets a last row of ones, so that
  :math:`Z = [W \mid b]\,\mathrm{cols}` and :math:`[dW \mid db] = dZ\,\mathrm{cols}^\top`
  are one product each (the bias trick of linear classifiers).
* **ReLU after pooling.** The maximum of ReLUs is the ReLU of the maximum, so
  :func:`relu_maxpool_forward_batch_last` pools first and applies ReLU to a
  quarter of the numbers; its backward pass gives a block's gradient to the first
  pixel at the maximum, if that maximum was above 0.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .conv import check_conv_shapes, pad, unpad

__all__ = ["to_batch_last", "im2col_batch_last", "col2im_batch_last", "conv_forward_batch_last",
           "conv_backward_batch_last", "relu_maxpool_forward_batch_last", "relu_maxpool_backward_batch_last"]


# --------------------------------------------------------------------------- convolution
def to_batch_last(X) -> np.ndarray:
    """Images ``(n, C, H, W)`` as ``(C, H, W, n)``, the layout of the ``*_batch_last`` functions (a copy)."""
    return np.ascontiguousarray(np.moveaxis(X, 0, -1))


def im2col_batch_last(X, kh: int, kw: int, ones_row: bool = False) -> np.ndarray:
    """:func:`~mnist_scratch.conv.im2col` for ``X`` ``(C, H, W, n)``, padded: ``cols`` ``(C*kh*kw, Ho*Wo*n)``.

    Row ``(c, i, j)`` of ``cols`` is channel ``c`` shifted by ``(i, j)``,
    ``X[c, i:i+Ho, j:j+Wo, :]``, flattened; column ``(y, x, n)`` is one window, in
    the order of a filter ``W[f]`` flattened. So ``W.reshape(F, -1) @ cols`` is the
    convolution, already in the layout ``(F, Ho, Wo, n)``. With ``ones_row=True``
    ``cols`` has one more row, of ones: then the bias is one more column of weights,
    ``[W | b] @ cols``, and its gradient comes out of the weights' product.
    """
    C, H, W, n = X.shape
    Ho, Wo = H - kh + 1, W - kw + 1
    cols = np.empty((C * kh * kw + ones_row, Ho * Wo * n), dtype=X.dtype)
    windows = sliding_window_view(X, (kh, kw), axis=(1, 2))     # (C, Ho, Wo, n, kh, kw), no copy
    cols[:C * kh * kw].reshape(C, kh, kw, Ho, Wo, n)[...] = windows.transpose(0, 4, 5, 1, 2, 3)   # runs of Wo*n
    if ones_row:
        cols[-1] = 1
    return cols


def col2im_batch_last(dcols, X_shape, kh: int, kw: int) -> np.ndarray:
    """Backward: the adjoint of :func:`im2col_batch_last`, into ``X_shape`` ``(C, H, W, n)``.

    Each of the ``kh * kw`` shifted copies is added back where it came from.
    """
    C, H, W, n = X_shape
    Ho, Wo = H - kh + 1, W - kw + 1
    d = dcols.reshape(C, kh, kw, Ho, Wo, n)
    dX = np.zeros(X_shape, dtype=dcols.dtype)
    for i in range(kh):
        for j in range(kw):
            dX[:, i:i + Ho, j:j + Wo] += d[:, i, j]
    return dX


def conv_forward_batch_last(X, W, b, padding: str = "valid"):
    """:func:`~mnist_scratch.conv.conv_forward` for ``X`` ``(C, H, W, n)``: ``Z`` ``(F, Ho, Wo, n)`` and the cache.

    ``Z = W cols + b``, with the filters, flattened, as the rows of ``W``, computed
    as one product ``[W | b] cols'``, where ``cols'`` ends with a row of ones.
    """
    Ho, Wo = check_conv_shapes(X.shape, W.shape, padding, channel_axis=0, name="conv_forward_batch_last")
    F, C, kh, kw = W.shape
    Xp = pad(X, kh, kw, padding, axes=(1, 2))
    cols = im2col_batch_last(Xp, kh, kw, ones_row=True)          # (C*kh*kw + 1, Ho*Wo*n)
    Z = np.concatenate([W.reshape(F, -1), b[:, None]], axis=1) @ cols
    cache = {"cols": cols, "W": W, "Xp_shape": Xp.shape, "padding": padding}
    return Z.reshape(F, Ho, Wo, X.shape[3]), cache


def conv_backward_batch_last(dZ, cache, need_dX: bool = True):
    """:func:`~mnist_scratch.conv.conv_backward` for ``dZ`` ``(F, Ho, Wo, n)``: ``(dX, dW, db)``, ``dX`` batch last.

    ``[dW | db] = dZ cols'^T``, computed as ``(cols' dZ^T)^T``, the order BLAS does
    faster here (``db``, the sum of ``dZ`` over everything but the filter, is the
    product with the row of ones); ``dX`` is ``W^T dZ`` put back by :func:`col2im_batch_last`.
    """
    cols, W = cache["cols"], cache["W"]
    F, C, kh, kw = W.shape
    dZ = dZ.reshape(F, -1)                                       # (F, Ho*Wo*n)
    dWb = (cols @ dZ.T).T                                        # (F, C*kh*kw + 1)
    dW, db = dWb[:, :-1].reshape(W.shape), dWb[:, -1]
    if not need_dX:
        return None, dW, db
    dXp = col2im_batch_last(W.reshape(F, -1).T @ dZ, cache["Xp_shape"], kh, kw)
    return unpad(dXp, kh, kw, cache["padding"], axes=(1, 2)), dW, db


# --------------------------------------------------------------------------- ReLU and max-pooling
def relu_maxpool_forward_batch_last(Z, size: int = 2):
    """``maxpool_forward(relu(Z))`` for ``Z`` ``(C, H, W, n)``, pooling first.

    The maximum of ReLUs is the ReLU of the maximum, so the pooling runs first and
    ReLU on the pooled map only, a ``size * size`` times smaller one. Returns
    ``(out, cache)``, ``out`` ``(C, H/size, W/size, n)``.
    """
    C, H, W, n = Z.shape
    if H % size or W % size:
        raise ValueError(f"relu_maxpool_forward_batch_last: height and width ({H}x{W}) must be "
                         f"multiples of size={size}")
    out = np.maximum(Z[:, ::size, ::size], 0)                  # ReLU, as the first pixel's maximum with 0
    for i in range(size):
        for j in range(size):
            if i or j:
                np.maximum(out, Z[:, i::size, j::size], out=out)
    return out, {"Z": Z, "out": out, "size": size}


def relu_maxpool_backward_batch_last(dout, cache):
    """The gradient of :func:`relu_maxpool_forward_batch_last`, as ``maxpool_backward`` then ReLU's.

    A block's gradient goes to its first pixel equal to the maximum, if that was
    above 0 (ReLU's gradient). ``remaining`` holds what no pixel has taken yet: the
    first pixel at the maximum takes all of it, which leaves 0 for any later tie.
    """
    Z, out, size = cache["Z"], cache["out"], cache["size"]
    dZ = np.empty(Z.shape, dtype=np.result_type(dout, Z))
    remaining = np.sign(out) * dout                              # ReLU's gradient: out > 0 (and out >= 0)
    offsets = [(i, j) for i in range(size) for j in range(size)]
    for i, j in offsets[:-1]:
        taken = np.multiply(remaining, Z[:, i::size, j::size] == out, out=dZ[:, i::size, j::size])
        remaining -= taken
    i, j = offsets[-1]
    dZ[:, i::size, j::size] = remaining          # the last pixel is the maximum wherever no earlier one was
    return dZ
