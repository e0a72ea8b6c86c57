r"""Convolution, max-pooling and flatten: the layers of a convolutional network.

**Layout.** Images are ``(n, channels, height, width)``: MNIST's ``(n, 784)``
rows become ``(n, 1, 28, 28)``. A convolution layer has filters ``W`` of shape
``(out_channels, in_channels, kh, kw)`` and one bias per output channel,
``b`` of shape ``(out_channels,)``. The stride is 1.

Convolution
-----------
Each output channel :math:`f` slides its filter over the (padded) input and
takes a weighted sum at every position :math:`(y, x)`:

.. math::
    Z_{n,f,y,x} = b_f + \sum_{c}\sum_{i=0}^{k_h-1}\sum_{j=0}^{k_w-1}
                  X_{n,c,\,y+i,\,x+j}\; W_{f,c,i,j}.

(Strictly this is a cross-correlation; deep-learning libraries call it
convolution too.) ``padding="valid"`` uses the input as it is, so the output
shrinks to :math:`(H-k_h+1) \times (W-k_w+1)`; ``padding="same"`` first adds
:math:`k-1` rows and columns of zeros around the image (half on each side, the
odd one at the bottom and right) so the output keeps the input's size.

Backward, from :math:`dZ = \partial J/\partial Z`:

.. math::
    dW_{f,c,i,j} = \sum_{n,y,x} dZ_{n,f,y,x}\, X_{n,c,\,y+i,\,x+j}, \qquad
    db_f = \sum_{n,y,x} dZ_{n,f,y,x},

.. math::
    dX_{n,c,\,y',\,x'} = \sum_{f}\sum_{i,j} dZ_{n,f,\,y'-i,\,x'-j}\; W_{f,c,i,j}

(terms with :math:`y'-i` or :math:`x'-j` outside the output are left out):
every input pixel collects the gradient of every output position whose window
covered it. That is a "full" cross-correlation of :math:`dZ` with the
flipped filters (the same as signal processing's "full" convolution with the
filters as they are). The gradient of the padding zeros is simply dropped.

**Speed trick: im2col.** Written as loops, the sums above are six nested
loops: slow in Python. ``im2col`` ("image to columns") instead copies every
:math:`k_h \times k_w` window of every channel into one column of a matrix
``cols`` (``sliding_window_view`` finds the windows without copying; the
reshape makes the copy). Then ``cols.T`` has one window per row, and the
convolution is the dense layer of the earlier lessons applied to every window,
:math:`Z = A W + b` with :math:`A` = ``cols.T`` and the filters, flattened, as
the columns of :math:`W`: one matrix product that BLAS computes fast. The
backward pass is the dense layer's too: :math:`dW = A^\top dZ`, and
:math:`dA = dZ\,W^\top` is added back onto the pixels each window was copied
from (``col2im``). The price is memory: ``cols`` holds every pixel
:math:`k_h k_w` times, so batch your inputs. (Columns rather than rows because
this memory order makes the copies faster.)

The network itself (:mod:`mnist_scratch.cnn`) runs the same layers in another memory
order, batch last: :mod:`mnist_scratch.conv_batch_last`.

Max-pooling and flatten
-----------------------
2x2 max-pooling keeps the largest of every non-overlapping 2x2 block, halving
height and width. Its gradient goes only to the pixel that was the maximum
(the first one, if several are equal); the other three get 0. Flatten turns
``(n, C, H, W)`` into ``(n, C*H*W)`` rows for the fully connected layers, and
its backward pass turns the gradient back into that shape.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["PADDINGS", "padding_amounts", "im2col", "col2im", "conv_forward", "conv_backward",
           "maxpool_forward", "maxpool_backward", "flatten_forward", "flatten_backward",
           "conv_output_size", "pad", "unpad", "check_conv_shapes"]


#: The paddings a convolution here knows.
PADDINGS = ("valid", "same")


# --------------------------------------------------------------------------- convolution
def padding_amounts(k: int, padding: str) -> tuple[int, int]:
    """Zeros added before and after along one axis, for a kernel of size ``k``."""
    if padding == "valid":
        return (0, 0)
    if padding == "same":
        return ((k - 1) // 2, k // 2)
    raise ValueError(f"padding={padding!r} is not known; choose 'valid' or 'same'")


def conv_output_size(size: int, k: int, padding: str) -> int:
    """Height (or width) of a stride-1 convolution's output."""
    before, after = padding_amounts(k, padding)
    return size + before + after - k + 1


def pad(X, kh: int, kw: int, padding: str, axes=(2, 3)):
    """``X`` with the zeros of ``padding`` around its height and width, which are its ``axes``."""
    (top, bottom), (left, right) = padding_amounts(kh, padding), padding_amounts(kw, padding)
    if top == bottom == left == right == 0:
        return X
    widths = [(0, 0)] * X.ndim
    widths[axes[0]], widths[axes[1]] = (top, bottom), (left, right)
    return np.pad(X, widths)


def unpad(dXp, kh: int, kw: int, padding: str, axes=(2, 3)):
    """``dXp`` without the rows and columns that :func:`pad` added (the padding's gradient is dropped)."""
    (top, bottom), (left, right) = padding_amounts(kh, padding), padding_amounts(kw, padding)
    index = [slice(None)] * dXp.ndim
    index[axes[0]] = slice(top, dXp.shape[axes[0]] - bottom)
    index[axes[1]] = slice(left, dXp.shape[axes[1]] - right)
    return dXp[tuple(index)]


def check_conv_shapes(X_shape, W_shape, padding: str, channel_axis: int = 1, name: str = "conv_forward"):
    """A clear error unless images of ``X_shape`` and filters ``W_shape`` fit together; returns ``(Ho, Wo)``.

    ``channel_axis`` is 1 for images ``(n, C, H, W)`` and 0 for batch-last maps ``(C, H, W, n)``.
    """
    layout = "(n, C, H, W)" if channel_axis == 1 else "(C, H, W, n)"
    if len(X_shape) != 4 or len(W_shape) != 4 or X_shape[channel_axis] != W_shape[1]:
        raise ValueError(f"{name}: need X {layout} and W (F, C, kh, kw) with the same C; "
                         f"got X {tuple(X_shape)} and W {tuple(W_shape)}")
    kh, kw = W_shape[2:]
    H, W = (X_shape[2], X_shape[3]) if channel_axis == 1 else (X_shape[1], X_shape[2])
    Ho, Wo = conv_output_size(H, kh, padding), conv_output_size(W, kw, padding)
    if Ho < 1 or Wo < 1:
        raise ValueError(f"{name}: a {kh}x{kw} filter does not fit in a {H}x{W} image with padding={padding!r}")
    return Ho, Wo


def im2col(X, kh: int, kw: int) -> np.ndarray:
    """SPEED TRICK: every ``kh x kw`` window of ``X`` (already padded) as one column.

    ``X`` has shape ``(n, C, H, W)``; the result ``cols`` has shape
    ``(C * kh * kw, n * Ho * Wo)`` with ``Ho = H - kh + 1``, ``Wo = W - kw + 1``.
    Column ``(n, y, x)`` holds ``X[n, :, y:y+kh, x:x+kw]`` flattened in the
    same order as a filter ``W[f]`` flattened. So ``cols.T`` has one window per
    row and the convolution is a dense layer applied to every window:
    ``Z = cols.T @ W.reshape(F, -1).T + b``.
    """
    n, C, H, W = X.shape
    windows = sliding_window_view(X, (kh, kw), axis=(2, 3))     # (n, C, Ho, Wo, kh, kw), no copy
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(C * kh * kw, -1)   # the copy


def col2im(dcols, X_shape, kh: int, kw: int) -> np.ndarray:
    """SPEED TRICK, backward: add each column of ``dcols`` back onto the window it came from.

    The adjoint of :func:`im2col`: a pixel that sat in several windows
    receives the sum of their gradients. Loops over the ``kh * kw`` positions
    inside a window; each is one whole-array addition.
    """
    n, C, H, W = X_shape
    Ho, Wo = H - kh + 1, W - kw + 1
    d = dcols.reshape(C, kh, kw, n, Ho, Wo)
    dX = np.zeros((C, n, H, W), dtype=dcols.dtype)               # channels first: d[:, i, j] fits
    for i in range(kh):
        for j in range(kw):
            dX[:, :, i:i + Ho, j:j + Wo] += d[:, i, j]
    return dX.transpose(1, 0, 2, 3)


def conv_forward(X, W, b, padding: str = "valid"):
    """Convolve ``X`` ``(n, C, H, W)`` with filters ``W`` ``(F, C, kh, kw)`` and add ``b`` ``(F,)``.

    Returns ``(Z, cache)``: ``Z`` has shape ``(n, F, Ho, Wo)``.
    """
    X = np.asarray(X)
    Ho, Wo = check_conv_shapes(X.shape, W.shape, padding)
    F, C, kh, kw = W.shape
    n = X.shape[0]
    Xp = pad(X, kh, kw, padding)
    cols = im2col(Xp, kh, kw)                                    # (C*kh*kw, n*Ho*Wo)
    Z = cols.T @ W.reshape(F, -1).T + b                          # (n*Ho*Wo, F): a dense layer per window
    Z = np.ascontiguousarray(Z.reshape(n, Ho, Wo, F).transpose(0, 3, 1, 2))
    cache = {"cols": cols, "W": W, "Xp_shape": Xp.shape, "padding": padding}
    return Z, cache


def conv_backward(dZ, cache, need_dX: bool = True):
    """Gradients ``(dX, dW, db)`` of a convolution, from ``dZ`` ``(n, F, Ho, Wo)``.

    With ``need_dX=False`` (the first layer: nobody needs the gradient of the
    image) ``dX`` is ``None`` and its cost is skipped.
    """
    cols, W = cache["cols"], cache["W"]
    F, C, kh, kw = W.shape
    dZ_rows = dZ.transpose(0, 2, 3, 1).reshape(-1, F)           # (n*Ho*Wo, F): one row per window
    dW = (cols @ dZ_rows).T.reshape(W.shape)                     # dW = A^T dZ, A = cols.T
    db = dZ_rows.sum(axis=0)
    if not need_dX:
        return None, dW, db
    dcols = W.reshape(F, -1).T @ dZ_rows.T                       # (dZ W)^T, the layout of cols
    dXp = col2im(dcols, cache["Xp_shape"], kh, kw)
    return unpad(dXp, kh, kw, cache["padding"]), dW, db           # the padding's gradient is dropped


# --------------------------------------------------------------------------- max-pooling
def maxpool_forward(X, size: int = 2):
    """Max over non-overlapping ``size x size`` blocks: ``(n, C, H, W)`` -> ``(n, C, H/size, W/size)``.

    Returns ``(out, cache)``. ``H`` and ``W`` must be multiples of ``size``.
    The pixel at offset ``(i, j)`` inside every block is the strided view
    ``X[:, :, i::size, j::size]``, so the max over blocks is the element-wise
    max of ``size * size`` such views.
    """
    n, C, H, W = X.shape
    if H % size or W % size:
        raise ValueError(f"maxpool_forward: height and width ({H}x{W}) must be multiples of size={size}")
    out = X[:, :, ::size, ::size].copy()
    for i in range(size):
        for j in range(size):
            np.maximum(out, X[:, :, i::size, j::size], out=out)
    return out, {"X": X, "out": out, "size": size}


def maxpool_backward(dout, cache):
    """Route each block's gradient to the (first) pixel that was its maximum; the others get 0.

    ``remaining`` is what no pixel of the block has taken yet: the first pixel equal
    to the maximum takes all of it, which leaves 0 for any later tie.
    """
    X, out, size = cache["X"], cache["out"], cache["size"]
    dX = np.empty(X.shape, dtype=dout.dtype)
    remaining = dout.copy()
    for i in range(size):
        for j in range(size):
            taken = np.multiply(remaining, X[:, :, i::size, j::size] == out, out=dX[:, :, i::size, j::size])
            remaining -= taken
    return dX


# --------------------------------------------------------------------------- flatten
def flatten_forward(X):
    """``(n, C, H, W)`` -> ``(n, C*H*W)`` rows; returns ``(out, cache)``."""
    return X.reshape(len(X), -1), X.shape


def flatten_backward(dout, shape):
    """The gradient of :func:`flatten_forward`: the same numbers in the original shape."""
    return dout.reshape(shape)

