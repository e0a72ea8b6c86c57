"""Lesson 10's self-checks: every right way passes, every planted wrong answer gets its exact hint.

The rows are part of the wrong-answer table of tests/package/lab/test_check_hints.py (which
collects the WRONG_ANSWERS of every tests/package/lab/test_check_hints_*.py), and
RIGHT_ANSWERS join those of tests/package/lab/test_check.py the same way.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from mnist_scratch.conv import conv_backward, conv_forward, maxpool_backward, maxpool_forward
from mnist_scratch.lab import check


# --------------------------------------------------------------------------- convolution
def conv_loops(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for y in range(H - kh + 1):
        for x in range(W - kw + 1):
            out[y, x] = np.sum(image[y:y + kh, x:x + kw] * kernel)
    return out


def conv_einsum(image, kernel):
    return np.einsum("yxij,ij->yx", sliding_window_view(image, kernel.shape), kernel)


def conv_package(image, kernel):                 # the package's im2col convolution, one image, one filter
    return conv_forward(image[None, None], kernel[None, None], np.zeros(1))[0][0, 0]


def conv_tensordot(image, kernel):
    return np.tensordot(sliding_window_view(image, kernel.shape), kernel, axes=2).tolist()


def conv_pure_python(image, kernel):             # plain Python: nested lists and sums, no NumPy in the loops
    kh, kw = kernel.shape
    H, W = image.shape
    return [[sum(image[y + i][x + j] * kernel[i][j] for i in range(kh) for j in range(kw))
             for x in range(W - kw + 1)] for y in range(H - kh + 1)]


def conv_full(image, kernel):                    # scipy.signal.correlate2d's default mode='full'
    kh, kw = kernel.shape
    return conv_loops(np.pad(image, ((kh - 1, kh - 1), (kw - 1, kw - 1))), kernel)


def conv_flipped(image, kernel):
    return conv_loops(image, kernel[::-1, ::-1])


def conv_scipy_convolve(image, kernel):          # signal processing's convolution: flips the filter
    k = kernel[::-1, ::-1]
    return conv_einsum(image, k)


def conv_short(image, kernel):                   # range(H - kh): misses the last row and column
    kh, kw = kernel.shape
    H, W = image.shape
    return np.array([[np.sum(image[y:y + kh, x:x + kw] * kernel) for x in range(W - kw)] for y in range(H - kh)])


def conv_same(image, kernel):
    kh, kw = kernel.shape
    padded = np.pad(image, (((kh - 1) // 2, kh // 2), ((kw - 1) // 2, kw // 2)))
    return conv_loops(padded, kernel)


def conv_transposed(image, kernel):
    return conv_loops(image, kernel).T


def conv_kernel_T(image, kernel):
    return conv_loops(image, kernel.T) if kernel.shape[0] == kernel.shape[1] else conv_loops(image, kernel)


def conv_mean(image, kernel):
    return conv_loops(image, kernel) / kernel.size


def conv_square_only(image, kernel):             # k = kernel.shape[0] for both directions
    k = kernel.shape[0]
    H, W = image.shape
    return np.array([[np.sum(image[y:y + k, x:x + k] * kernel[:k, :k]) for x in range(W - k + 1)]
                     for y in range(H - k + 1)])


def conv_kh_kw_swapped(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    return np.array([[np.sum(image[y:y + kh, x:x + kw] * kernel) if image[y:y + kh, x:x + kw].shape == kernel.shape
                      else 0.0 for x in range(W - kh + 1)] for y in range(H - kw + 1)])


def conv_off_slice(image, kernel):               # the window starts one pixel late
    kh, kw = kernel.shape
    padded = np.pad(image, ((0, 1), (0, 1)))
    return np.array([[np.sum(padded[y + 1:y + 1 + kh, x + 1:x + 1 + kw] * kernel)
                      for x in range(image.shape[1] - kw + 1)] for y in range(image.shape[0] - kh + 1)])


def conv_int_output(image, kernel):              # out made with dtype=int: fractions cut off
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1), dtype=int)
    for y in range(H - kh + 1):
        for x in range(W - kw + 1):
            out[y, x] = np.sum(image[y:y + kh, x:x + kw] * kernel)
    return out


def conv_int_each(image, kernel):                # int(...) around each sum: right only while the sums are whole
    kh, kw = kernel.shape
    H, W = image.shape
    out = np.zeros((H - kh + 1, W - kw + 1))
    for y in range(H - kh + 1):
        for x in range(W - kw + 1):
            out[y, x] = int(np.sum(image[y:y + kh, x:x + kw] * kernel))
    return out


def conv_matmul(image, kernel):                  # window @ kernel, summed: a matrix product, not element-wise
    kh, kw = kernel.shape
    H, W = image.shape
    return np.array([[np.sum(image[y:y + kh, x:x + kw] @ kernel) for x in range(W - kw + 1)]
                     for y in range(H - kh + 1)])


def conv_square_image(image, kernel):            # n = image.shape[0] for both directions (MNIST is square)
    n = image.shape[0]
    return conv_loops(image[:, :n], kernel)


def conv_off_for_2x3_only(image, kernel):      # planted: right for square filters, 1 too large for the 2x3 one
    return conv_loops(image, kernel) + (kernel.shape[0] != kernel.shape[1])


# --------------------------------------------------------------------------- max-pooling
def pool_reshape(A):
    H, W = A.shape
    return A.reshape(H // 2, 2, W // 2, 2).max(axis=(1, 3))


def pool_loops(A):
    H, W = A.shape
    out = np.empty((H // 2, W // 2))
    for y in range(0, H, 2):
        for x in range(0, W, 2):
            out[y // 2, x // 2] = A[y:y + 2, x:x + 2].max()
    return out


def pool_strided(A):
    return np.maximum.reduce([A[0::2, 0::2], A[0::2, 1::2], A[1::2, 0::2], A[1::2, 1::2]])


def pool_package(A):
    return maxpool_forward(A[None, None])[0][0, 0]


def pool_zeros_start(A):
    out = np.zeros((A.shape[0] // 2, A.shape[1] // 2))
    for i in range(2):
        for j in range(2):
            out = np.maximum(out, A[i::2, j::2])
    return out


def pool_overlapping(A):
    return sliding_window_view(A, (2, 2)).max(axis=(2, 3))


def pool_one_axis(A):
    return np.maximum(A[0::2], A[1::2])


def pool_wrong_index(A):
    H, W = A.shape
    out = np.zeros((H // 2, W // 2))
    for y in range(0, H, 2):
        for x in range(0, W, 2):
            out[y, x] = A[y:y + 2, x:x + 2].max()
    return out


def pool_zeros_like(A):                          # out = np.zeros_like(A): A's own shape
    out = np.zeros_like(A)
    out[:A.shape[0] // 2, :A.shape[1] // 2] = pool_loops(A)
    return out


def pool_square(A):                              # n = A.shape[0] for both directions
    n = A.shape[0]
    return pool_loops(A[:, :n])


def pool_window_at_y(A):                         # block (y, x) taken at A[y:y+2, x:x+2], not A[2y:2y+2, 2x:2x+2]
    H, W = A.shape
    out = np.empty((H // 2, W // 2))
    for y in range(H // 2):
        for x in range(W // 2):
            out[y, x] = A[y:y + 2, x:x + 2].max()
    return out


RIGHT_ANSWERS = {
    "conv2d": [conv_loops, conv_einsum, conv_tensordot, conv_pure_python,
               lambda image, kernel: conv_loops(image.astype(np.float32), kernel.astype(np.float32))],
    "maxpool": [pool_reshape, pool_loops, pool_strided,
                lambda A: sliding_window_view(A, (2, 2))[::2, ::2].max(axis=(2, 3))],
}

#: The package's own answers, refused by the checks (tests/package/lab/test_refusal.py).
PACKAGE_ANSWERS = [("conv2d", "the package's im2col convolution", conv_package, "conv.conv_forward"),
                   ("maxpool", "the package's max-pooling", pool_package, "conv.maxpool_forward")]

WRONG_ANSWERS = [
    ('conv2d', 'flipped filter (true convolution)', conv_flipped,
     "you flipped the filter (kernel[::-1, ::-1]): that is the convolution of signal processing. Deep-learning "
     "'convolution' layers compute the cross-correlation, without the flip: out[y, x] = sum(image[y:y+kh, "
     "x:x+kw] * kernel). Since the filter is learned, the flip would change nothing but the bookkeeping."),
    ('conv2d', 'flipped filter, vectorised', conv_scipy_convolve,
     "you flipped the filter (kernel[::-1, ::-1]): that is the convolution of signal processing. Deep-learning "
     "'convolution' layers compute the cross-correlation, without the flip: out[y, x] = sum(image[y:y+kh, "
     "x:x+kw] * kernel). Since the filter is learned, the flip would change nothing but the bookkeeping."),
    ('conv2d', 'output one short (range(H - kh))', conv_short,
     'your output has shape (4, 6), off by one: a 3x3 filter fits in H - kh + 1 = 5 rows and W - kw + 1 = 7 '
     'columns of positions. Loop with range(H - kh + 1) and range(W - kw + 1).'),
    ('conv2d', "'same' size", conv_same,
     "your output has the image's own size (7, 9): that is 'same' padding. A 'valid' convolution only places "
     "the filter where it fits entirely, so the output is (H - kh + 1, W - kw + 1) = (5, 7)."),
    ('conv2d', 'output transposed', conv_transposed,
     'your output is transposed: shape (7, 5) instead of (5, 7). The first axis is the rows (y, height H) and '
     'the second the columns (x, width W): out[y, x].'),
    ('conv2d', 'filter transposed', conv_kernel_T,
     'you used the filter transposed (kernel.T): multiply image[y:y+kh, x:x+kw] by kernel as it is, rows with '
     'rows.'),
    ('conv2d', 'mean of the products', conv_mean,
     "you took the mean of each window's products; a convolution takes their SUM: np.sum(window * kernel)."),
    ('conv2d', 'square filters only', conv_square_only,
     'right for a square 3x3 filter, but wrong for a 2x3 one (expected shape (6, 7), got (6, 8)): take kh, '
     'kw = kernel.shape and slide kh rows by kw columns.'),
    ('conv2d', 'kh and kw swapped in the ranges', conv_kh_kw_swapped,
     'expected shape (6, 7), got (5, 8): you used the filter\'s width for the rows or its height for the '
     'columns. kh, kw = kernel.shape: kh goes with H, kw with W.'),
    ('conv2d', 'window one pixel late', conv_off_slice,
     "right shape, but the numbers differ from the cross-correlation by up to 22. out[0, 0] should be "
     "np.sum(image[0:kh, 0:kw] * kernel) = -1; yours is 3. Check the window's slice, image[y:y+kh, x:x+kw], and "
     "that out[y, x] is that window times kernel, summed, and nothing more (no bias, no ReLU, no abs)."),
    ('conv2d', 'output array of integers', conv_int_output,
     'your output holds integers (dtype int64) though the input holds floats, so every fraction would be cut '
     'off, and almost every number of a real image or feature map has one. Make the output with np.zeros(shape) '
     'or np.empty(shape), without dtype=int, and put no int(...) around its numbers.'),
    ('conv2d', 'int(...) around each sum', conv_int_each,
     'your numbers are the right ones with their fractions cut off or rounded (out[1, 0] should be 4.5; yours '
     'is 4): did you write int(...) or round(...)? Keep np.sum(image[y:y+kh, x:x+kw] * kernel) as it is, a '
     'float.'),
    ('conv2d', 'matrix product of window and filter', conv_matmul,
     'you multiplied each window and the filter as matrices (@ or np.dot), then summed. A convolution '
     'multiplies them element by element, each pixel by the weight over it: np.sum(image[y:y+kh, x:x+kw] * '
     'kernel).'),
    ('conv2d', 'square image assumed', conv_square_image,
     'your output is square, (5, 5), but the image is not: it has H = 7 rows and W = 9 columns. Take H, W = '
     'image.shape, so the output is (H - kh + 1, W - kw + 1) = (5, 7).'),
    ('conv2d', 'right shape, numbers wrong for the 2x3 filter only', conv_off_for_2x3_only,
     'right for a square 3x3 filter, but for a 2x3 one the numbers differ by up to 1: out[0, 0] should be '
     'np.sum(image[0:2, 0:3] * kernel) = -2; yours is -1. Take kh, kw = kernel.shape and multiply the window '
     'image[y:y+kh, x:x+kw], kh rows by kw columns, by the filter as it is.'),
    ('conv2d', 'products not summed', lambda image, kernel: sliding_window_view(image, kernel.shape) * kernel,
     'your output has shape (5, 7, 3, 3): every window\'s 3x3 products, not their sum. Each out[y, x] is one '
     'number: np.sum(image[y:y+kh, x:x+kw] * kernel).'),
    ('conv2d', "'full' correlation", conv_full,
     "your output has shape (9, 11): that is a 'full' correlation (mode='full'), which also places the filter "
     "where it only partly covers the image. A 'valid' one places it only where it fits entirely: (H - kh + 1, "
     "W - kw + 1) = (5, 7)."),
    ('maxpool', 'mean (average pooling)', lambda A: A.reshape(A.shape[0] // 2, 2, A.shape[1] // 2, 2).mean(axis=(1, 3)),
     "you took each block's MEAN: that is average pooling. Max-pooling keeps the largest value: .max() of "
     "each 2x2 block."),
    ('maxpool', 'overlapping windows (stride 1)', pool_overlapping,
     'your output has shape (5, 7): the 2x2 windows overlap (stride 1). Pooling windows do not overlap: step '
     'by 2, so the output is (H/2, W/2) = (3, 4); e.g. A[y:y+2, x:x+2] for y in range(0, H, 2).'),
    ('maxpool', 'one axis only', pool_one_axis,
     'your output has shape (3, 8): you pooled along one axis only. Take the maximum over 2 rows AND 2 '
     'columns, giving (3, 4).'),
    ('maxpool', 'started from zeros', pool_zeros_start,
     "every block's maximum is right except where all four numbers are negative: there you return 0. Did you "
     "start from np.zeros and take np.maximum? Start from the block's own values (or -np.inf) instead."),
    ('maxpool', 'top-left pixel', lambda A: A[::2, ::2],
     "you kept the top-left pixel of every block; max-pooling keeps the block's largest value, wherever it "
     "is: A[y:y+2, x:x+2].max()."),
    ('maxpool', 'minimum', lambda A: A.reshape(A.shape[0] // 2, 2, A.shape[1] // 2, 2).min(axis=(1, 3)),
     "you took each block's MINIMUM; max-pooling keeps the largest value."),
    ('maxpool', 'reshape that does not make blocks', lambda A: A.reshape(3, 4, 2, 2).max(axis=(2, 3)),
     "A.reshape(H // 2, W // 2, 2, 2) does not cut A into 2x2 blocks: it regroups each row's numbers. Keep "
     "the rows' order: A.reshape(H // 2, 2, W // 2, 2).max(axis=(1, 3))."),
    ('maxpool', 'out[y, x] with y, x stepping by 2', pool_wrong_index,
     'calling it raised IndexError: index 4 is out of bounds for axis 1 with size 4. The output has only H/2 '
     'rows and W/2 columns: when y and x step by 2 over A, write to out[y // 2, x // 2].'),
    ('maxpool', 'transposed', lambda A: pool_reshape(A).T,
     'your output has shape (4, 3), transposed: it should be (H/2, W/2) = (3, 4), rows first.'),
    ('maxpool', 'the whole map\'s maximum', lambda A: A.max(),
     'expected shape (H/2, W/2) = (3, 4), got (): one number per 2x2 block.'),
    ('maxpool', 'output array of integers', lambda A: pool_loops(A).astype(int),
     'your output holds integers (dtype int64) though the input holds floats, so every fraction would be cut '
     'off, and almost every number of a real image or feature map has one. Make the output with np.zeros(shape) '
     'or np.empty(shape), without dtype=int, and put no int(...) around its numbers.'),
    ('maxpool', 'np.zeros_like(A)', pool_zeros_like,
     "your output has A's own shape (6, 8) (np.zeros_like(A)?): it needs one number per 2x2 block, so make it "
     "np.zeros((H // 2, W // 2)), shape (3, 4)."),
    ('maxpool', 'square map assumed', pool_square,
     'your output is square, (3, 3), but A is not: it has H = 6 rows and W = 8 columns. Take H, W = A.shape, '
     'so the output is (H // 2, W // 2) = (3, 4).'),
    ('maxpool', 'block (y, x) at A[y:y+2, x:x+2]', pool_window_at_y,
     'out[y, x] is the maximum of A[y:y+2, x:x+2] in your answer: those windows overlap, and the last rows and '
     'columns of A are never looked at. Block (y, x) starts at row 2 * y and column 2 * x: A[2*y:2*y+2, '
     '2*x:2*x+2].'),
    ('maxpool', 'sum of each block', lambda A: A.reshape(A.shape[0] // 2, 2, A.shape[1] // 2, 2).sum(axis=(1, 3)),
     "you added each block's four numbers; max-pooling keeps the largest: .max() of each 2x2 block."),
]


# --------------------------------------------------------------------------- lesson 10's backward passes
def cb_loops(dZ, image, kernel):
    kh, kw = kernel.shape
    d_image, d_kernel = np.zeros(image.shape), np.zeros(kernel.shape)
    for y in range(dZ.shape[0]):
        for x in range(dZ.shape[1]):
            d_image[y:y + kh, x:x + kw] += dZ[y, x] * kernel
            d_kernel += dZ[y, x] * image[y:y + kh, x:x + kw]
    return d_image, d_kernel


def cb_formulas(dZ, image, kernel):              # the lesson's two equations: valid, and full with the flip
    kh, kw = kernel.shape
    padded = np.pad(dZ, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    return conv_einsum(padded, kernel[::-1, ::-1]), conv_einsum(image, dZ)


def cb_package(dZ, image, kernel):
    _, cache = conv_forward(image[None, None], kernel[None, None], np.zeros(1))
    d_image, d_kernel, _ = conv_backward(dZ[None, None], cache)
    return d_image[0, 0], d_kernel[0, 0]


def cb_no_flip(dZ, image, kernel):              # the 'full' correlation with the filter as it is
    kh, kw = kernel.shape
    return conv_loops(np.pad(dZ, ((kh - 1, kh - 1), (kw - 1, kw - 1))), kernel), cb_loops(dZ, image, kernel)[1]


def cb_overwrite(dZ, image, kernel):            # d[...] = ... where d[...] += ... is needed
    kh, kw = kernel.shape
    d_image, d_kernel = np.zeros(image.shape), np.zeros(kernel.shape)
    for y in range(dZ.shape[0]):
        for x in range(dZ.shape[1]):
            d_image[y:y + kh, x:x + kw] += dZ[y, x] * kernel
            d_kernel = dZ[y, x] * image[y:y + kh, x:x + kw]
    return d_image, d_kernel


def cb_overwrite_image(dZ, image, kernel):
    kh, kw = kernel.shape
    d_image = np.zeros(image.shape)
    for y in range(dZ.shape[0]):
        for x in range(dZ.shape[1]):
            d_image[y:y + kh, x:x + kw] = dZ[y, x] * kernel
    return d_image, cb_loops(dZ, image, kernel)[1]


def cb_kernel_flipped(dZ, image, kernel):
    d_image, d_kernel = cb_loops(dZ, image, kernel)
    return d_image, d_kernel[::-1, ::-1]


def cb_kernel_mean(dZ, image, kernel):
    d_image, d_kernel = cb_loops(dZ, image, kernel)
    return d_image, d_kernel / dZ.size


def cb_unweighted_kernel(dZ, image, kernel):
    return cb_loops(dZ, image, kernel)[0], conv_loops(image, np.ones_like(dZ))


def cb_dimage_valid(dZ, image, kernel):         # d_image the shape of dZ: the edges forgotten
    return dZ * kernel.sum(), cb_loops(dZ, image, kernel)[1]


def cb_dimage_unweighted(dZ, image, kernel):    # dZ[y, x] added onto the window without the weights
    return cb_loops(dZ, image, np.ones_like(kernel))[0], cb_loops(dZ, image, kernel)[1]


def cb_kernel_dZ_shape(dZ, image, kernel):      # d_kernel = dZ * something the shape of dZ
    return cb_loops(dZ, image, kernel)[0], dZ * image[:dZ.shape[0], :dZ.shape[1]]


def mpb_loops(dP, A):
    dA = np.zeros(A.shape)
    for i in range(dP.shape[0]):
        for j in range(dP.shape[1]):
            block = A[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            r, c = np.unravel_index(np.argmax(block), block.shape)
            dA[2 * i + r, 2 * j + c] = dP[i, j]
    return dA


def mpb_vectorised(dP, A):
    H, W = A.shape
    blocks = A.reshape(H // 2, 2, W // 2, 2).transpose(0, 2, 1, 3).reshape(H // 2, W // 2, 4)
    first = np.eye(4)[blocks.argmax(axis=2)] * dP[..., None]
    return first.reshape(H // 2, W // 2, 2, 2).transpose(0, 2, 1, 3).reshape(H, W)


def mpb_package(dP, A):
    _, cache = maxpool_forward(A[None, None])
    return maxpool_backward(dP[None, None], cache)[0, 0]


def mpb_ties(dP, A):                            # the usual vectorised mask: every tied maximum gets it
    P = pool_reshape(A)
    return (A == np.kron(P, np.ones((2, 2)))) * np.kron(dP, np.ones((2, 2)))


def mpb_last(dP, A):                            # `>=` in a scan keeps the last tied maximum
    dA = np.zeros(A.shape)
    for i in range(dP.shape[0]):
        for j in range(dP.shape[1]):
            best = None
            for r in range(2):
                for c in range(2):
                    if best is None or A[2 * i + r, 2 * j + c] >= A[best]:
                        best = (2 * i + r, 2 * j + c)
            dA[best] = dP[i, j]
    return dA


def mpb_mask_only(dP, A):
    return mpb_loops(np.ones_like(dP), A)


def mpb_abs(dP, A):
    return mpb_loops(dP, np.abs(A))


RIGHT_ANSWERS.update({
    "conv2d_backward": [cb_loops, cb_formulas,
                        lambda dZ, image, kernel: tuple(a.tolist() for a in cb_loops(dZ, image, kernel))],
    "maxpool_backward": [mpb_loops, mpb_vectorised, lambda dP, A: mpb_loops(dP, A).astype(np.float32)],
})

PACKAGE_ANSWERS += [("conv2d_backward", "the package's conv_backward", cb_package, "conv.conv_backward"),
                    ("maxpool_backward", "the package's maxpool_backward", mpb_package, "conv.maxpool_backward")]

WRONG_ANSWERS += [
    ('conv2d_backward', 'filter not flipped in d_image', cb_no_flip,
     "your d_image has the filter the wrong way round. Pixel (y', x') met weight (i, j) in the window at "
     "(y' - i, x' - j): as a 'full' correlation of dZ, d_image needs the filter FLIPPED, kernel[::-1, ::-1]; "
     "as a loop that adds dZ[y, x] * kernel onto each window, the filter as it is."),
    ('conv2d_backward', 'd_kernel overwritten (= for +=)', cb_overwrite,
     'a pixel that sits in several windows gets gradient from each of them, and every window adds to '
     'd_kernel: you overwrote (d[...] = ...) where you must add (d[...] += ...).'),
    ('conv2d_backward', 'd_image overwritten (= for +=)', cb_overwrite_image,
     'a pixel that sits in several windows gets gradient from each of them, and every window adds to '
     'd_kernel: you overwrote (d[...] = ...) where you must add (d[...] += ...).'),
    ('conv2d_backward', 'd_kernel flipped', cb_kernel_flipped,
     'your d_kernel is flipped (upside down and left to right): weight (i, j) met the pixel image[y + i, x'
     ' + j] at position (y, x), so d_kernel[i, j] = sum over (y, x) of dZ[y, x] * image[y + i, x + j].'),
    ('conv2d_backward', 'd_kernel the mean over positions', cb_kernel_mean,
     'your d_kernel is the mean over the positions; the gradient is their SUM (every position used the '
     'same weight, and each adds its share).'),
    ('conv2d_backward', 'd_kernel without dZ', cb_unweighted_kernel,
     'your d_kernel adds up the windows without weighting each by dZ[y, x]: d_kernel += dZ[y, x] * '
     'image[y:y+kh, x:x+kw].'),
    ('conv2d_backward', "d_image with dZ's shape", cb_dimage_valid,
     "your d_image has dZ's shape (5, 7) (image 7x9, filter 3x3), not the image's (7, 9): the pixels near "
     'the edges also sat in windows. Spread each dZ[y, x] over the whole window it came from, '
     'image[y:y+kh, x:x+kw] (or pad dZ by kh - 1 and kw - 1 first).'),
    ('conv2d_backward', 'd_image without the weights', cb_dimage_unweighted,
     "your d_image adds dZ[y, x] to the window's pixels without the weights: each pixel's share is dZ[y, "
     'x] * kernel[i, j].'),
    ('conv2d_backward', "d_kernel with dZ's shape", cb_kernel_dZ_shape,
     "your d_kernel has dZ's shape (5, 7) (image 7x9, filter 3x3); it must have the filter's shape (3, 3):"
     ' one number per weight, the sum over every position of dZ[y, x] times the pixel that weight met '
     'there.'),
    ('conv2d_backward', 'the two in the other order', lambda dZ, image, kernel: cb_loops(dZ, image, kernel)[::-1],
     'you returned the two gradients in the other order: return d_image first, then d_kernel (each has the'
     ' shape of what it is the gradient of).'),
    ('conv2d_backward', 'd_kernel alone', lambda dZ, image, kernel: cb_loops(dZ, image, kernel)[1],
     'it returned one array; return the two gradients, `return d_image, d_kernel`.'),
    ('conv2d_backward', 'd_kernel transposed', lambda dZ, image, kernel: (cb_loops(dZ, image, kernel)[0],
                                                                        cb_loops(dZ, image, kernel)[1].T),
     'your d_kernel is transposed: d_kernel[i, j] belongs to kernel[i, j], row i, column j.'),
    ('maxpool_backward', 'to all four pixels', lambda dP, A: np.kron(dP, np.ones((2, 2))),
     "you sent each block's gradient to all four of its pixels. Only the maximum reached the output; the "
     'other three had no effect on it and get 0.'),
    ('maxpool_backward', 'shared by four (average pooling)', lambda dP, A: np.kron(dP, np.ones((2, 2))) / 4,
     "you shared each block's gradient equally among its four pixels: that is average pooling's backward. "
     "Max-pooling's goes to the block's maximum alone."),
    ('maxpool_backward', 'to every tied maximum', mpb_ties,
     'right where a block has one maximum, but where several pixels tie for it (a block of zeros after '
     'ReLU) you gave the gradient to each of them, so that block passes it on 2 to 4 times over. Give it '
     'to one of them, the first in reading order (np.argmax finds that one).'),
    ('maxpool_backward', 'to the last tied maximum', mpb_last,
     "where several pixels tie for a block's maximum you gave the gradient to the last of them; give it to"
     " the first, in reading order (np.argmax finds that one), as the package's layers do."),
    ('maxpool_backward', 'where the maxima are, without dP', mpb_mask_only,
     "you marked where each block's maximum is (1 there, 0 elsewhere), but forgot to multiply by the "
     'gradient dP of that block.'),
    ('maxpool_backward', 'to the top-left pixel', lambda dP, A: np.kron(dP, [[1.0, 0.0], [0.0, 0.0]]),
     "you gave each block's gradient to its top-left pixel; it goes to the pixel holding the block's "
     'maximum, wherever it is.'),
    ('maxpool_backward', 'largest absolute value', mpb_abs,
     'you looked for the largest absolute value; max-pooling kept the largest value, so in a block of '
     'negative numbers that is the one closest to 0.'),
    ('maxpool_backward', "the pooled map's shape", lambda dP, A: dP * pool_reshape(A),
     "your answer has the pooled map's shape (2, 3); the gradient goes back to A, so it has A's shape (4, "
     "6): one number per pixel, 0 for every pixel that was not its block's maximum."),
]


# the closing walkthrough's own wrong answers (tried before they had hints; now in the table)
def _corr(a, k):
    return np.einsum("yxij,ij->yx", sliding_window_view(a, k.shape), k)


def walk_cb1(dZ, image, kernel):  # d_kernel as the correlation with the image, flipped
    kh, kw = kernel.shape
    return _corr(np.pad(dZ, ((kh-1,)*2, (kw-1,)*2)), kernel[::-1, ::-1]), _corr(dZ, image) if dZ.shape[0]>=image.shape[0] else _corr(image, dZ)[::-1, ::-1]


def walk_cb2(dZ, image, kernel):  # loops with range(dZ.shape[0] - 1): one position short
    kh, kw = kernel.shape; di = np.zeros(image.shape); dk = np.zeros(kernel.shape)
    for y in range(dZ.shape[0]-1):
        for x in range(dZ.shape[1]-1):
            di[y:y+kh, x:x+kw] += dZ[y, x]*kernel; dk += dZ[y, x]*image[y:y+kh, x:x+kw]
    return di, dk


def walk_cb3(dZ, image, kernel):  # d_image spreads the image's window instead of the filter
    kh, kw = kernel.shape; di = np.zeros(image.shape); dk = np.zeros(kernel.shape)
    for y in range(dZ.shape[0]):
        for x in range(dZ.shape[1]):
            di[y:y+kh, x:x+kw] += dZ[y, x]*image[y:y+kh, x:x+kw]; dk += dZ[y, x]*image[y:y+kh, x:x+kw]
    return di, dk


def walk_cb4(dZ, image, kernel):  # d_kernel's first row only, as a list
    kh, kw = kernel.shape; di = np.zeros(image.shape); dk = np.zeros(kernel.shape)
    for y in range(dZ.shape[0]):
        for x in range(dZ.shape[1]):
            di[y:y+kh, x:x+kw] += dZ[y, x]*kernel; dk += dZ[y, x]*image[y:y+kh, x:x+kw]
    return di, dk.tolist()[0]


def walk_cb5(dZ, image, kernel):  # db, the sum of dZ, added into d_kernel
    kh, kw = kernel.shape; di = np.zeros(image.shape); dk = np.zeros(kernel.shape)
    for y in range(dZ.shape[0]):
        for x in range(dZ.shape[1]):
            di[y:y+kh, x:x+kw] += dZ[y, x]*kernel; dk += dZ[y, x]*image[y:y+kh, x:x+kw]
    return di, dk + dZ.sum()


def walk_cb6(dZ, image, kernel):  # the filter flipped where the loop over positions needs no flip
    kh, kw = kernel.shape; di = np.zeros(image.shape); dk = np.zeros(kernel.shape)
    for y in range(dZ.shape[0]):
        for x in range(dZ.shape[1]):
            di[y:y+kh, x:x+kw] += dZ[y, x]*kernel[::-1, ::-1]; dk += dZ[y, x]*image[y:y+kh, x:x+kw]
    return di, dk


def walk_mpb1(dP, A):  # the whole map's maximum gets everything
    dA = np.zeros(A.shape); dA.flat[np.argmax(A)] = dP.sum(); return dA


def walk_mpb2(dP, A):  # dP[y, x] with y, x stepping by 2: IndexError
    dA = np.zeros(A.shape)
    for y in range(0, A.shape[0], 2):
        for x in range(0, A.shape[1], 2):
            b = A[y:y+2, x:x+2]; r, c = np.unravel_index(b.argmax(), (2, 2)); dA[y+r, x+c] = dP[y, x]
    return dA


def walk_mpb3(dP, A):  # argmin
    dA = np.zeros(A.shape)
    for i in range(dP.shape[0]):
        for j in range(dP.shape[1]):
            b = A[2*i:2*i+2, 2*j:2*j+2]; r, c = np.unravel_index(b.argmin(), (2, 2)); dA[2*i+r, 2*j+c] = dP[i, j]
    return dA


def walk_mpb4(dP, A):  # place k read as (k % 2, k // 2)
    dA = np.zeros(A.shape)
    for i in range(dP.shape[0]):
        for j in range(dP.shape[1]):
            b = A[2*i:2*i+2, 2*j:2*j+2]; k = b.argmax(); r, c = k % 2, k // 2; dA[2*i+r, 2*j+c] = dP[i, j]
    return dA


def walk_mpb5(dP, A):  # dP times the block's maximum
    dA = np.zeros(A.shape)
    for i in range(dP.shape[0]):
        for j in range(dP.shape[1]):
            b = A[2*i:2*i+2, 2*j:2*j+2]; r, c = np.unravel_index(b.argmax(), (2, 2)); dA[2*i+r, 2*j+c] = dP[i, j]*b.max()
    return dA


def walk_mpb6(dP, A):  # ReLU's mask, A > 0
    return np.kron(dP, np.ones((2, 2))) * (A > 0)


WRONG_ANSWERS += [
    ('conv2d_backward', 'd_kernel from dZ and image, flipped', walk_cb1,
     'your d_kernel is flipped (upside down and left to right): weight (i, j) met the pixel image[y + i, x'
     ' + j] at position (y, x), so d_kernel[i, j] = sum over (y, x) of dZ[y, x] * image[y + i, x + j].'),
    ('conv2d_backward', 'loops one position short', walk_cb2,
     'your loops stop one position short (image 7x9, filter 3x3): the last row and column of dZ give no '
     'gradient. dZ has H - kh + 1 rows and W - kw + 1 columns: loop over range(dZ.shape[0]) and '
     'range(dZ.shape[1]).'),
    ('conv2d_backward', "d_image from the image's windows", walk_cb3,
     "your d_image spreads dZ[y, x] times the image's own window; a pixel's gradient comes from the weight"
     ' it met: add dZ[y, x] * kernel onto each window.'),
    ('conv2d_backward', "d_kernel's first row only", walk_cb4,
     "your d_kernel has shape (3,) (image 7x9, filter 3x3); it must have the filter's shape (3, 3)."),
    ('conv2d_backward', 'db added into d_kernel', walk_cb5,
     "your d_kernel has the sum of dZ added to every weight: that is the bias's gradient, db, which is "
     'separate (and conv2d has no bias). d_kernel is the sum of dZ[y, x] times the windows alone.'),
    ('conv2d_backward', 'flipped filter spread over the windows', walk_cb6,
     "your d_image has the filter the wrong way round. Pixel (y', x') met weight (i, j) in the window at "
     "(y' - i, x' - j): as a 'full' correlation of dZ, d_image needs the filter FLIPPED, kernel[::-1, ::-1]; "
     "as a loop that adds dZ[y, x] * kernel onto each window, the filter as it is."),
    ('maxpool_backward', "the whole map's maximum", walk_mpb1,
     'only one pixel of the whole map got gradient: find the maximum of each 2x2 block, not of all of A; '
     'every block passes its own dP[i, j] to its own maximum.'),
    ('maxpool_backward', 'dP[y, x] with y, x stepping by 2', walk_mpb2,
     'calling it raised IndexError: index 4 is out of bounds for axis 1 with size 3. dP has only H/2 rows '
     "and W/2 columns: when y and x step by 2 over A, the block's gradient is dP[y // 2, x // 2]."),
    ('maxpool_backward', 'argmin', walk_mpb3,
     "you gave each block's gradient to its SMALLEST pixel; max-pooling kept the largest."),
    ('maxpool_backward', 'row and column swapped in the block', walk_mpb4,
     "you found each block's maximum but swapped its row and column inside the block: place k (0 to 3, in "
     'reading order) is row k // 2, column k % 2, which np.unravel_index(k, (2, 2)) gives.'),
    ('maxpool_backward', 'times the maximum', walk_mpb5,
     "you multiplied the gradient by the block's maximum; the maximum passes its value through unchanged, "
     'so its derivative is 1: the pixel gets dP[i, j] alone.'),
    ('maxpool_backward', 'ReLU mask', walk_mpb6,
     "you let the gradient through wherever A > 0: that is ReLU's slope, not max-pooling's. Only each "
     "block's maximum gets the block's gradient."),
]


@pytest.mark.parametrize("name,index", [(n, i) for n, fns in RIGHT_ANSWERS.items() for i in range(len(fns))])
def test_every_right_answer_passes(capsys, name, index):
    assert check.CHECKS[name](RIGHT_ANSWERS[name][index]) is None
    assert capsys.readouterr().out.startswith(f"✅ {name}: ")


def test_the_checks_own_answer_is_the_package_convolution():
    """The check's plain loop and the package's im2col convolution agree (an independent reference)."""
    from mnist_scratch.lab._checks_cnn import _correlate

    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(9, 11)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(_correlate(image, kernel), conv_package(image, kernel), rtol=1e-12, atol=1e-12)
    scipy_signal = pytest.importorskip("scipy.signal")
    np.testing.assert_allclose(_correlate(image, kernel), scipy_signal.correlate2d(image, kernel, mode="valid"),
                               rtol=1e-12, atol=1e-12)


# the lesson-10 walkthrough of 2026-12-06: mistakes that had only a generic hint
def conv_float32(image, kernel):                 # right numbers, but float32 for float64 inputs
    return conv_loops(image, kernel).astype(np.float32)


def conv_window_short(image, kernel):            # image[y:y+kh-1, x:x+kw-1] times the filter cut to fit
    kh, kw = kernel.shape
    H, W = image.shape
    return np.array([[np.sum(image[y:y + kh - 1, x:x + kw - 1] * kernel[:-1, :-1]) for x in range(W - kw + 1)]
                     for y in range(H - kh + 1)])


def conv_window_short_whole_filter(image, kernel):   # image[y:y+kh-1, x:x+kw-1] * kernel: a broadcast error
    kh, kw = kernel.shape
    H, W = image.shape
    return np.array([[np.sum(image[y:y + kh - 1, x:x + kw - 1] * kernel) for x in range(W - kw + 1)]
                     for y in range(H - kh + 1)])


def conv_kh_for_both(image, kernel):             # k = kernel.shape[0] for both axes: a broadcast error on 2x3
    k = kernel.shape[0]
    H, W = image.shape
    return np.array([[np.sum(image[y:y + k, x:x + k] * kernel) for x in range(W - k + 1)]
                     for y in range(H - k + 1)])


def mpb_divmod_wide(dP, A):                      # each block's argmax unravelled with A's width
    dA = np.zeros(A.shape)
    for i in range(dP.shape[0]):
        for j in range(dP.shape[1]):
            r, c = divmod(A[2 * i:2 * i + 2, 2 * j:2 * j + 2].argmax(), A.shape[1])
            dA[2 * i + r, 2 * j + c] = dP[i, j]
    return dA


def mpb_unravel_A_shape(dP, A):                  # np.unravel_index(block.argmax(), A.shape), y, x stepping by 2
    dA = np.zeros(A.shape)
    for y in range(0, A.shape[0], 2):
        for x in range(0, A.shape[1], 2):
            r, c = np.unravel_index(A[y:y + 2, x:x + 2].argmax(), A.shape)
            dA[y + r, x + c] = dP[y // 2, x // 2]
    return dA


_UNRAVEL = ("calling it raised IndexError: index 7 is out of bounds for axis 1 with size 6. The argmax of a 2x2 "
            "block is an index k into the block's 4 pixels (0 to 3, in reading order), not into A: unravel it with "
            "the block's width 2, np.unravel_index(k, (2, 2)) or divmod(k, 2), not with A's width (divmod(k, "
            "A.shape[1]) or np.unravel_index(k, A.shape)).")

WRONG_ANSWERS += [
    ('conv2d', 'float32 output for float64 inputs', conv_float32,
     "your output is float32 though the image and the filter are float64, so every number keeps only about 7 "
     "significant digits (float16: 3): the numerical gradient of your conv2d, which checks conv2d_backward, is "
     "then off by about 1e-3. Make the output with np.zeros(shape) or np.empty(shape), without dtype=np.float32, "
     "and no .astype(np.float32)."),
    ('conv2d', 'window y:y+kh-1, filter cut to fit', conv_window_short,
     "your windows are one row and one column short, image[y:y+kh-1, x:x+kw-1]: a slice leaves out its end, so "
     "image[y:y+kh, x:x+kw] is already kh = 3 rows by kw = 3 columns, the filter's shape. Multiply that window "
     "by the whole filter."),
    ('conv2d', 'window y:y+kh-1 times the whole filter', conv_window_short_whole_filter,
     "calling it raised ValueError: operands could not be broadcast together with shapes (2,2) (3,3) . Your "
     "window is one row and one column short of the 3x3 filter: a slice leaves out its end, so image[y:y+kh, "
     "x:x+kw] is already kh rows by kw columns (not y:y+kh-1)."),
    ('conv2d', 'kh for both axes (square filter assumed)', conv_kh_for_both,
     "calling it raised ValueError: operands could not be broadcast together with shapes (2,2) (2,3) . Right "
     "for the square 3x3 filter, but this one is 2x3: you used one size for both axes of the window, as if "
     "every filter were square. Take kh, kw = kernel.shape and slide the window image[y:y+kh, x:x+kw], over "
     "range(H - kh + 1) rows and range(W - kw + 1) columns."),
    ('maxpool', 'largest absolute value',
     lambda A: np.abs(A).reshape(A.shape[0] // 2, 2, A.shape[1] // 2, 2).max(axis=(1, 3)),
     "you took each block's largest ABSOLUTE value: max-pooling keeps the largest value itself, so in a block "
     "of negative numbers it is the one closest to 0 (-2 of -5, -2, -7, -3), and its sign stays."),
    ('maxpool_backward', "argmax unravelled with A's width (divmod)", mpb_divmod_wide, _UNRAVEL),
    ('maxpool_backward', "argmax unravelled with A's shape", mpb_unravel_A_shape, _UNRAVEL),
]
