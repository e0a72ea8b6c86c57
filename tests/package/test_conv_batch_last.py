"""The batch-last speed trick, :mod:`mnist_scratch.conv_batch_last`, against the plain layers of ``conv``.

Each ``*_batch_last`` function must give the numbers of its plain counterpart (which
``test_cnn.py`` checks against six loops, SciPy and numerical gradients), over several
shapes, paddings, odd sizes, non-square filters, ties in the pooling, float32 and float64;
and the gradients are checked numerically on their own too.
"""

from __future__ import annotations

import numpy as np
import pytest

from mnist_scratch.activations import relu, relu_prime
from mnist_scratch.conv import col2im, conv_backward, conv_forward, im2col, maxpool_backward, maxpool_forward
from mnist_scratch.conv_batch_last import (col2im_batch_last, conv_backward_batch_last, conv_forward_batch_last,
                                           im2col_batch_last, relu_maxpool_backward_batch_last,
                                           relu_maxpool_forward_batch_last, to_batch_last)
from mnist_scratch.gradient_check import numerical_gradient, relative_error

# (n, C, H, W) images, (kh, kw) filters: square and not, odd and even, 1x1 and as large as the image
SHAPES = [((2, 1, 7, 6), (3, 3)), ((3, 2, 5, 8), (2, 3)), ((1, 3, 4, 4), (4, 4)), ((4, 2, 6, 5), (1, 1)),
          ((2, 16, 12, 12), (5, 5))]
DTYPES = [np.float32, np.float64]


def images(shape, dtype, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def tolerance(dtype):
    return {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}


def batch_last(A):
    """The batch-last result ``(C, H, W, n)`` as images ``(n, C, H, W)``, to compare with the plain one."""
    return np.moveaxis(A, -1, 0)


def test_to_batch_last_moves_the_image_index_last_as_a_contiguous_copy():
    X = np.arange(2 * 3 * 4 * 5.0).reshape(2, 3, 4, 5)
    B = to_batch_last(X)
    assert B.shape == (3, 4, 5, 2) and B.flags.c_contiguous and not np.shares_memory(B, X)
    assert B[1, 2, 3, 0] == X[0, 1, 2, 3] and B[2, 0, 4, 1] == X[1, 2, 0, 4]


# --------------------------------------------------------------------------- im2col, col2im
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, kernel", SHAPES)
def test_im2col_batch_last_holds_the_same_windows_as_im2col(shape, kernel, dtype):
    X = images(shape, dtype)
    n, C, H, W = shape
    (kh, kw), K = kernel, C * kernel[0] * kernel[1]
    Ho, Wo = H - kh + 1, W - kw + 1
    cols = im2col_batch_last(to_batch_last(X), kh, kw)
    assert cols.shape == (K, Ho * Wo * n) and cols.dtype == dtype
    plain = im2col(X, kh, kw).reshape(K, n, Ho, Wo)              # columns (n, y, x) -> (y, x, n)
    np.testing.assert_array_equal(cols, plain.transpose(0, 2, 3, 1).reshape(K, -1))
    # one column by hand: the window at (y, x) = (Ho - 1, 0) of the last image
    np.testing.assert_array_equal(cols.reshape(K, Ho, Wo, n)[:, Ho - 1, 0, n - 1],
                                  X[n - 1, :, Ho - 1:H, 0:kw].ravel())
    with_ones = im2col_batch_last(to_batch_last(X), kh, kw, ones_row=True)     # the bias's row
    assert with_ones.shape == (K + 1, Ho * Wo * n) and with_ones.dtype == dtype
    np.testing.assert_array_equal(with_ones[:K], cols)
    np.testing.assert_array_equal(with_ones[K], np.ones(Ho * Wo * n))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, kernel", SHAPES)
def test_col2im_batch_last_matches_col2im_and_is_the_adjoint_of_im2col(shape, kernel, dtype):
    n, C, H, W = shape
    (kh, kw), K = kernel, C * kernel[0] * kernel[1]
    Ho, Wo = H - kh + 1, W - kw + 1
    dcols = images((K, Ho * Wo * n), dtype, seed=1)
    dX = col2im_batch_last(dcols, (C, H, W, n), kh, kw)
    assert dX.shape == (C, H, W, n) and dX.dtype == dtype
    plain = col2im(dcols.reshape(K, Ho, Wo, n).transpose(0, 3, 1, 2).reshape(K, -1), shape, kh, kw)
    np.testing.assert_allclose(batch_last(dX), plain, **tolerance(dtype))
    X = images((C, H, W, n), np.float64, seed=2)                 # <im2col(X), dcols> = <X, col2im(dcols)>
    assert np.sum(im2col_batch_last(X, kh, kw) * dcols) == pytest.approx(np.sum(X * dX), rel=1e-5)


# --------------------------------------------------------------------------- convolution
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("shape, kernel", SHAPES)
def test_conv_batch_last_matches_conv_forward_and_backward(shape, kernel, padding, dtype):
    X = images(shape, dtype)
    F = 3
    W, b = images((F, shape[1], *kernel), dtype, seed=3), images((F,), dtype, seed=4)
    Z, cache = conv_forward(X, W, b, padding)
    Zb, cache_b = conv_forward_batch_last(to_batch_last(X), W, b, padding)
    assert Zb.shape == (F, *Z.shape[2:], shape[0]) and Zb.dtype == dtype
    np.testing.assert_allclose(batch_last(Zb), Z, **tolerance(dtype))

    dZ = images(Z.shape, dtype, seed=5)
    dX, dW, db = conv_backward(dZ, cache)
    dXb, dWb, dbb = conv_backward_batch_last(to_batch_last(dZ), cache_b)
    assert dXb.shape == (shape[1], *shape[2:], shape[0]) and dWb.shape == W.shape and dbb.shape == b.shape
    assert dXb.dtype == dWb.dtype == dbb.dtype == dtype
    np.testing.assert_allclose(batch_last(dXb), dX, **tolerance(dtype))
    np.testing.assert_allclose(dWb, dW, **tolerance(dtype))
    np.testing.assert_allclose(dbb, db, **tolerance(dtype))
    first_layer = conv_backward_batch_last(to_batch_last(dZ), cache_b, need_dX=False)
    assert first_layer[0] is None
    np.testing.assert_array_equal(first_layer[1], dWb)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_batch_last_gradient_check(padding):
    rng = np.random.default_rng(7)
    X, W, b = rng.normal(size=(2, 6, 5, 3)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    R = rng.normal(size=conv_forward_batch_last(X, W, b, padding)[0].shape)    # J = sum(Z * R)

    def J():
        return float((conv_forward_batch_last(X, W, b, padding)[0] * R).sum())

    dX, dW, db = conv_backward_batch_last(R, conv_forward_batch_last(X, W, b, padding)[1])
    for grad, x in ((dX, X), (dW, W), (db, b)):
        assert relative_error(grad, numerical_gradient(J, x, range(x.size)).reshape(x.shape)) < 1e-8


def test_conv_batch_last_names_its_errors():
    with pytest.raises(ValueError, match=r"X \(C, H, W, n\) and W \(F, C, kh, kw\) with the same C"):
        conv_forward_batch_last(np.ones((2, 5, 5, 1)), np.ones((3, 1, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="a 6x6 filter does not fit in a 5x5 image"):
        conv_forward_batch_last(np.ones((1, 5, 5, 2)), np.ones((3, 1, 6, 6)), np.zeros(3))
    with pytest.raises(ValueError, match="padding='full' is not known"):
        conv_forward_batch_last(np.ones((1, 5, 5, 2)), np.ones((3, 1, 3, 3)), np.zeros(3), "full")


# --------------------------------------------------------------------------- ReLU and max-pooling, fused
def maps_with_ties(shape, dtype, seed=0):
    """Values on a coarse grid (many ties within a block), some blocks all negative, some all 0."""
    Z = np.round(np.random.default_rng(seed).normal(size=shape) * 2) / 2
    Z[:, :, :2, :2] = 0.0                                         # a block of four equal zeros
    Z[:, :, 2:4, :2] = 1.5                                        # a block of four equal positive values
    return Z.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, size", [((2, 3, 4, 6), 2), ((3, 2, 6, 8), 2), ((1, 4, 6, 6), 3), ((2, 1, 4, 4), 1)])
def test_relu_maxpool_batch_last_matches_relu_then_maxpool(shape, size, dtype):
    Z = maps_with_ties(shape, dtype)
    plain, pool_cache = maxpool_forward(relu(Z), size)
    out, cache = relu_maxpool_forward_batch_last(to_batch_last(Z), size)
    assert out.dtype == dtype
    np.testing.assert_array_equal(batch_last(out), plain)

    dout = images(plain.shape, dtype, seed=6)
    expected = maxpool_backward(dout, pool_cache) * relu_prime(Z)
    dZ = relu_maxpool_backward_batch_last(to_batch_last(dout), cache)
    assert dZ.dtype == dtype
    np.testing.assert_array_equal(batch_last(dZ), expected)


def test_relu_maxpool_batch_last_gives_a_tie_s_gradient_to_its_first_pixel_only():
    Z = np.zeros((1, 2, 4, 1))                                   # (C, H, W, n): one channel, 2x4, one image
    Z[0, :, 2:, 0] = 1.0                                          # the right block: four equal ones
    Z[0, 0, 0, 0] = -1.0                                          # the left block: max 0, so ReLU passes nothing
    out, cache = relu_maxpool_forward_batch_last(Z)
    np.testing.assert_array_equal(out[0, 0, :, 0], [0.0, 1.0])
    dZ = relu_maxpool_backward_batch_last(np.array([[[[5.0], [2.0]]]]), cache)
    assert dZ[0, 0, 2, 0] == 2.0 and dZ.sum() == 2.0 and np.count_nonzero(dZ) == 1


def test_relu_maxpool_batch_last_gradient_check_and_error():
    rng = np.random.default_rng(8)
    Z = rng.normal(size=(3, 6, 4, 2))                             # distinct values: no ties, differentiable
    R = rng.normal(size=(3, 3, 2, 2))

    def J():
        return float((relu_maxpool_forward_batch_last(Z)[0] * R).sum())

    dZ = relu_maxpool_backward_batch_last(R, relu_maxpool_forward_batch_last(Z)[1])
    assert relative_error(dZ, numerical_gradient(J, Z, range(Z.size)).reshape(Z.shape)) < 1e-8
    with pytest.raises(ValueError, match=r"\(5x4\) must be multiples of size=2"):
        relu_maxpool_forward_batch_last(np.zeros((1, 5, 4, 1)))
