"""mnist_scratch.conv: convolution, max-pooling and flatten, gradient-checked in float64, and the
convolution against its sum written out as six loops (and SciPy, when installed)."""

from __future__ import annotations

import numpy as np
import pytest
from _package_helpers import numerical

from mnist_scratch.conv import (conv_backward, conv_forward, flatten_backward, flatten_forward,
                                maxpool_backward, maxpool_forward)
from mnist_scratch.gradient_check import relative_error


def conv_six_loops(X, W, b, padding):
    """The convolution sum written as six loops (plus the bias), with its own zero padding."""
    n, C, H, Wd = X.shape
    F, _, kh, kw = W.shape
    if padding == "same":
        top, left = (kh - 1) // 2, (kw - 1) // 2
        Xp = np.zeros((n, C, H + kh - 1, Wd + kw - 1))
        Xp[:, :, top:top + H, left:left + Wd] = X
    else:
        Xp = X
    Ho, Wo = Xp.shape[2] - kh + 1, Xp.shape[3] - kw + 1
    Z = np.zeros((n, F, Ho, Wo))
    for s in range(n):
        for f in range(F):
            for y in range(Ho):
                for x in range(Wo):
                    total = b[f]
                    for c in range(C):
                        for i in range(kh):
                            for j in range(kw):
                                total += Xp[s, c, y + i, x + j] * W[f, c, i, j]
                    Z[s, f, y, x] = total
    return Z


# --------------------------------------------------------------------------- convolution
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("k", [3, 4])
def test_conv_forward_matches_six_loops(padding, k):
    rng = np.random.default_rng(5)
    X, W, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, k, k)), rng.normal(size=4)
    Z, _ = conv_forward(X, W, b, padding)
    expected = conv_six_loops(X, W, b, padding)
    assert Z.shape == expected.shape == ((2, 4, 7, 6) if padding == "same" else (2, 4, 8 - k, 7 - k))
    np.testing.assert_allclose(Z, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_forward_matches_scipy(padding):
    signal = pytest.importorskip("scipy.signal")
    rng = np.random.default_rng(6)
    X, W, b = rng.normal(size=(3, 2, 9, 8)), rng.normal(size=(5, 2, 5, 5)), rng.normal(size=5)
    Z, _ = conv_forward(X, W, b, padding)
    Xp = np.pad(X, ((0, 0), (0, 0), (2, 2), (2, 2))) if padding == "same" else X
    for s in range(3):
        for f in range(5):
            # correlating the (C, H, W) volume with the (C, k, k) filter, 'valid' along C too
            reference = signal.correlate(Xp[s], W[f], mode="valid")[0] + b[f]
            np.testing.assert_allclose(Z[s, f], reference, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_gradient_check(padding):
    rng = np.random.default_rng(7)
    X, W, b = rng.normal(size=(2, 2, 6, 5)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    R = rng.normal(size=conv_forward(X, W, b, padding)[0].shape)     # J = sum(Z * R)

    def J():
        return float((conv_forward(X, W, b, padding)[0] * R).sum())

    dX, dW, db = conv_backward(R, conv_forward(X, W, b, padding)[1])
    errors = {"X": relative_error(dX, numerical(J, X)), "W": relative_error(dW, numerical(J, W)),
              "b": relative_error(db, numerical(J, b))}
    print(f"conv {padding} gradient check:", errors)
    assert max(errors.values()) < 1e-8, errors
    assert conv_backward(R, conv_forward(X, W, b, padding)[1], need_dX=False)[0] is None


def test_conv_keeps_float32_and_names_its_errors():
    X = np.ones((1, 2, 5, 5), np.float32)
    Z, _ = conv_forward(X, np.ones((3, 2, 3, 3), np.float32), np.zeros(3, np.float32), "same")
    assert Z.dtype == np.float32 and Z.shape == (1, 3, 5, 5)
    with pytest.raises(ValueError, match="same C"):
        conv_forward(X, np.ones((3, 1, 3, 3)), np.zeros(3))
    with pytest.raises(ValueError, match="padding='full' is not known"):
        conv_forward(X, np.ones((3, 2, 3, 3)), np.zeros(3), "full")


# --------------------------------------------------------------------------- max-pooling, flatten
def test_maxpool_forward_by_hand():
    out, _ = maxpool_forward(np.arange(16.0).reshape(1, 1, 4, 4))
    np.testing.assert_array_equal(out[0, 0], [[5, 7], [13, 15]])


def test_maxpool_gradient_check():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(2, 3, 6, 4))           # distinct values: no ties, so max is differentiable
    R = rng.normal(size=(2, 3, 3, 2))

    def J():
        return float((maxpool_forward(X)[0] * R).sum())

    error = relative_error(maxpool_backward(R, maxpool_forward(X)[1]), numerical(J, X))
    print("max-pool gradient check:", error)
    assert error < 1e-8


def test_maxpool_gradient_goes_to_one_pixel_per_block_even_with_ties():
    X = np.zeros((1, 1, 2, 4))
    X[0, 0, :, 2:] = 1.0                       # the right block is a tie of four ones
    dX = maxpool_backward(np.array([[[[1.0, 2.0]]]]), maxpool_forward(X)[1])
    assert dX.sum() == 3.0 and np.count_nonzero(dX) == 2


def test_maxpool_rejects_odd_sizes():
    with pytest.raises(ValueError, match="multiples of size=2"):
        maxpool_forward(np.zeros((1, 1, 5, 4)))


def test_flatten_round_trip():
    X = np.arange(24.0).reshape(2, 3, 2, 2)
    out, shape = flatten_forward(X)
    assert out.shape == (2, 12) and out[1, 0] == 12
    np.testing.assert_array_equal(flatten_backward(out, shape), X)
