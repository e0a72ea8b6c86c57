"""Self-checks for lesson 10: a 'valid' convolution of one image, and 2x2 max-pooling of one map.

Each check compares the learner's answer with the right one and, when they
differ, with the usual wrong ones, so that its hint can name the mistake.
The inputs are chosen to tell them apart: non-square images, a non-square
filter that is not symmetric, and feature maps with negative values.
"""

from __future__ import annotations

import re

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._checking import Wrong, call, checker, differs_by, same, rng as _rng

__all__ = ["conv2d", "maxpool"]


def _correlate(image, kernel):
    """The right answer, written plainly: one dot product per window."""
    kh, kw = kernel.shape
    H, W = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    return np.array([[np.sum(image[y:y + kh, x:x + kw] * kernel) for x in range(W)] for y in range(H)])


def _window_sums(image, kernel, product):
    """A wrong answer: every window combined with the filter by ``product`` (a matrix product), then summed."""
    kh, kw = kernel.shape
    H, W = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    return np.array([[np.sum(product(image[y:y + kh, x:x + kw], kernel)) for x in range(W)] for y in range(H)])


def _integer_output(got, right):
    """Raise Wrong if ``got`` holds integers: the fractions of real images and feature maps would be cut off."""
    if np.issubdtype(got.dtype, np.integer) and got.shape == right.shape:
        raise Wrong(f"your output holds integers (dtype {got.dtype}) though the input holds floats, so every "
                    "fraction would be cut off, and almost every number of a real image or feature map has one. "
                    "Make the output with np.zeros(shape) or np.empty(shape), without dtype=int, and put no int(...) "
                    "around its numbers.")


def _float32_output(got, right):
    """Raise Wrong if ``got`` is float32 (or float16) for float64 inputs: lesson 10's gradient check needs float64."""
    if got.dtype in (np.float32, np.float16) and same(got, right, rtol=1e-3, atol=1e-3):
        raise Wrong(f"your output is {got.dtype} though the image and the filter are float64, so every number "
                    "keeps only about 7 significant digits (float16: 3): the numerical gradient of your conv2d, "
                    "which checks conv2d_backward, is then off by about 1e-3. Make the output with "
                    "np.zeros(shape) or np.empty(shape), without dtype=np.float32, and no .astype(np.float32).")


def _window_mismatch(wrong, kernel):
    """Raise a named hint if calling conv2d failed because a window and the filter have different shapes."""
    shapes = re.search(r"broadcast together with shapes \((\d+),(\d+)\) \((\d+),(\d+)\)", str(wrong))
    if not shapes:
        return
    kh, kw = kernel.shape
    a, b = (int(shapes[1]), int(shapes[2])), (int(shapes[3]), int(shapes[4]))
    said = str(wrong).split(" Write each array's shape")[0]
    if (kh, kw) in (a, b) and (kh - 1, kw - 1) in (a, b):
        raise Wrong(f"{said} Your window is one row and one column short of the {kh}x{kw} filter: a slice "
                    f"leaves out its end, so image[y:y+kh, x:x+kw] is already kh rows by kw columns "
                    "(not y:y+kh-1).") from None
    if kh != kw and (kh, kw) in (a, b) and ((kh, kh) in (a, b) or (kw, kw) in (a, b)):
        raise Wrong(f"{said} Right for the square 3x3 filter, but this one is {kh}x{kw}: you used one size for "
                    "both axes of the window, as if every filter were square. Take kh, kw = kernel.shape and "
                    "slide the window image[y:y+kh, x:x+kw], over range(H - kh + 1) rows and "
                    "range(W - kw + 1) columns.") from None


# --------------------------------------------------------------------------- convolution
def _conv_mistakes(image, kernel, got):
    """Raise Wrong naming the mistake if ``got`` matches a common wrong convolution."""
    kh, kw = kernel.shape
    H, W = image.shape
    right = _correlate(image, kernel)
    if got.shape == right.shape and same(got, _correlate(image, kernel[::-1, ::-1])):
        raise Wrong("you flipped the filter (kernel[::-1, ::-1]): that is the convolution of signal processing. "
                    "Deep-learning 'convolution' layers compute the cross-correlation, without the flip: "
                    "out[y, x] = sum(image[y:y+kh, x:x+kw] * kernel). Since the filter is learned, the flip "
                    "would change nothing but the bookkeeping.")
    if got.shape == right.shape and kh == kw and same(got, _correlate(image, kernel.T)):
        raise Wrong("you used the filter transposed (kernel.T): multiply image[y:y+kh, x:x+kw] by kernel as "
                    "it is, rows with rows.")
    if got.shape == right.shape and kh == kw and any(
            same(got, _window_sums(image, kernel, product)) for product in (np.matmul, lambda w, k: w @ k.T,
                                                                              lambda w, k: k @ w)):
        raise Wrong("you multiplied each window and the filter as matrices (@ or np.dot), then summed. A "
                    "convolution multiplies them element by element, each pixel by the weight over it: "
                    "np.sum(image[y:y+kh, x:x+kw] * kernel).")
    if got.shape == right.shape and same(got, right / (kh * kw)):
        raise Wrong("you took the mean of each window's products; a convolution takes their SUM: "
                    "np.sum(window * kernel).")
    if got.shape == right.shape[::-1] and right.shape[0] != right.shape[1]:
        if same(got, right.T):
            raise Wrong(f"your output is transposed: shape {got.shape} instead of {right.shape}. The first axis "
                        "is the rows (y, height H) and the second the columns (x, width W): out[y, x].")
        raise Wrong(f"expected shape {right.shape}, (H - kh + 1, W - kw + 1), got {got.shape}: rows and columns "
                    "are swapped somewhere. Use kh, kw = kernel.shape, and y over rows, x over columns.")
    if right.shape[0] != right.shape[1] and got.shape in ((H - kh + 1,) * 2, (W - kw + 1,) * 2):
        raise Wrong(f"your output is square, {got.shape}, but the image is not: it has H = {H} rows and "
                    f"W = {W} columns. Take H, W = image.shape, so the output is (H - kh + 1, W - kw + 1) = "
                    f"{right.shape}.")
    if got.shape == (H, W):
        raise Wrong(f"your output has the image's own size {got.shape}: that is 'same' padding. A 'valid' "
                    f"convolution only places the filter where it fits entirely, so the output is "
                    f"(H - kh + 1, W - kw + 1) = {right.shape}.")
    if got.shape in ((H - kh, W - kw), (H - kh + 2, W - kw + 2)):
        raise Wrong(f"your output has shape {got.shape}, off by one: a {kh}x{kw} filter fits in "
                    f"H - kh + 1 = {H - kh + 1} rows and W - kw + 1 = {W - kw + 1} columns of positions. "
                    f"Loop with range(H - kh + 1) and range(W - kw + 1).")
    if kh != kw and got.shape == (H - kw + 1, W - kh + 1):
        raise Wrong(f"expected shape {right.shape}, got {got.shape}: you used the filter's width for the rows "
                    "or its height for the columns. kh, kw = kernel.shape: kh goes with H, kw with W.")
    if got.shape == right.shape + kernel.shape:
        raise Wrong(f"your output has shape {got.shape}: every window's {kh}x{kw} products, not their sum. Each "
                    "out[y, x] is one number: np.sum(image[y:y+kh, x:x+kw] * kernel).")
    if got.shape == (H + kh - 1, W + kw - 1):
        raise Wrong(f"your output has shape {got.shape}: that is a 'full' correlation (mode='full'), which also "
                    f"places the filter where it only partly covers the image. A 'valid' one places it only where "
                    f"it fits entirely: (H - kh + 1, W - kw + 1) = {right.shape}.")
    if got.shape != right.shape:
        raise Wrong(f"expected shape (H - kh + 1, W - kw + 1) = {right.shape}, got {got.shape}.")


@checker(refuses=("mnist_scratch.conv.conv_forward", "mnist_scratch.conv.im2col"))
def conv2d(fn):
    """``fn(image, kernel)``: the 'valid' cross-correlation of a 2-D image with a 2-D filter."""
    rng = _rng(10)
    image = rng.integers(-3, 4, size=(7, 9)).astype(float)
    cases = [(image, np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0], [2.0, 0.0, 1.0]])),   # square, not symmetric
             (image, np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]]))]                   # 2x3: not square
    for image, kernel in cases:
        try:
            got = call(fn, image, kernel)
        except Wrong as wrong:
            _window_mismatch(wrong, kernel)
            raise
        right = _correlate(image, kernel)
        _integer_output(got, right)
        if same(got, right):
            _float32_output(got, right)
            continue
        kh, kw = kernel.shape
        if same(got, _correlate(image, kernel[:-1, :-1])[:right.shape[0], :right.shape[1]]):
            raise Wrong(f"your windows are one row and one column short, image[y:y+kh-1, x:x+kw-1]: a slice "
                        f"leaves out its end, so image[y:y+kh, x:x+kw] is already kh = {kh} rows by kw = {kw} "
                        "columns, the filter's shape. Multiply that window by the whole filter.")
        if got.shape == right.shape and (same(got, np.trunc(right)) or same(got, np.round(right))):
            y, x = np.argwhere(~np.isclose(got, right))[0]
            raise Wrong(f"your numbers are the right ones with their fractions cut off or rounded (out[{y}, {x}] "
                        f"should be {right[y, x]:g}; yours is {float(got[y, x]):g}): did you write int(...) or "
                        "round(...)? Keep np.sum(image[y:y+kh, x:x+kw] * kernel) as it is, a float.")
        if kernel.shape[0] == kernel.shape[1]:
            _conv_mistakes(image, kernel, got)
        else:                   # right for the square filter: only the mistakes a non-square one reveals
            H, W, (kh, kw) = *image.shape, kernel.shape
            if got.shape == right.shape[::-1] and same(got, right.T) or got.shape == (H - kw + 1, W - kh + 1):
                _conv_mistakes(image, kernel, got)
            if got.shape == right.shape:
                raise Wrong(f"right for a square 3x3 filter, but for a 2x3 one the numbers differ "
                            f"{differs_by(got, right)}: out[0, 0] should be np.sum(image[0:2, 0:3] * kernel) = "
                            f"{right[0, 0]:g}; yours is {float(got[0, 0]):g}. Take kh, kw = kernel.shape and "
                            "multiply the window image[y:y+kh, x:x+kw], kh rows by kw columns, by the filter as it is.")
            raise Wrong(f"right for a square 3x3 filter, but wrong for a 2x3 one (expected shape {right.shape}, "
                        f"got {got.shape}): take kh, kw = kernel.shape and slide kh rows by kw columns.")
        first = right[0, 0]
        raise Wrong(f"right shape, but the numbers differ from the cross-correlation {differs_by(got, right)}. "
                    f"out[0, 0] should be np.sum(image[0:kh, 0:kw] * kernel) = {first:g}; yours is "
                    f"{float(got[0, 0]):g}. Check the window's slice, image[y:y+kh, x:x+kw], and that out[y, x] is "
                    "that window times kernel, summed, and nothing more (no bias, no ReLU, no abs).")
    return ("out[y, x] = sum(image[y:y+kh, x:x+kw] * kernel), (H - kh + 1) x (W - kw + 1) of them: "
            "the sliding dot product. Correct!")


# --------------------------------------------------------------------------- max-pooling
def _blocks(A, size=2):
    H, W = A.shape
    return A.reshape(H // size, size, W // size, size)


@checker(refuses=("mnist_scratch.conv.maxpool_forward",))
def maxpool(fn):
    """``fn(A)``: 2x2 max-pooling of one feature map ``(H, W)`` (H, W even), shape ``(H/2, W/2)``."""
    rng = _rng(11)
    A = rng.integers(-9, 10, size=(6, 8)).astype(float)
    A[0:2, 0:2] = [[-5.0, -2.0], [-7.0, -3.0]]               # a block with only negative numbers
    H, W = A.shape
    try:
        got = call(fn, A)
    except Wrong as wrong:
        if "IndexError" in str(wrong) and "out of bounds" in str(wrong):
            raise Wrong(f"{wrong} The output has only H/2 rows and W/2 columns: when y and x step by 2 over A, "
                        "write to out[y // 2, x // 2].") from None
        raise
    blocks = _blocks(A)
    right = blocks.max(axis=(1, 3))
    _integer_output(got, right)
    if same(got, right):
        return "the largest of every non-overlapping 2x2 block, (H/2) x (W/2) of them. Correct!"
    if got.shape == (H - 1, W - 1):
        raise Wrong(f"your output has shape {got.shape}: the 2x2 windows overlap (stride 1). Pooling windows do "
                    f"not overlap: step by 2, so the output is (H/2, W/2) = {right.shape}; e.g. "
                    f"A[y:y+2, x:x+2] for y in range(0, H, 2).")
    if got.shape == (W // 2, H // 2):
        raise Wrong(f"your output has shape {got.shape}, transposed: it should be (H/2, W/2) = {right.shape}, rows "
                    "first.")
    if got.shape == (H, W):
        raise Wrong(f"your output has A's own shape {got.shape} (np.zeros_like(A)?): it needs one number per 2x2 "
                    f"block, so make it np.zeros((H // 2, W // 2)), shape {right.shape}.")
    if got.shape in ((H // 2, H // 2), (W // 2, W // 2)):
        raise Wrong(f"your output is square, {got.shape}, but A is not: it has H = {H} rows and W = {W} columns. "
                    f"Take H, W = A.shape, so the output is (H // 2, W // 2) = {right.shape}.")
    if got.shape in ((H // 2, W), (H, W // 2)):
        raise Wrong(f"your output has shape {got.shape}: you pooled along one axis only. Take the maximum over "
                    f"2 rows AND 2 columns, giving {right.shape}.")
    if got.shape != right.shape:
        raise Wrong(f"expected shape (H/2, W/2) = {right.shape}, got {got.shape}: one number per 2x2 block.")
    for wrong, hint in [
        (blocks.mean(axis=(1, 3)), "you took each block's MEAN: that is average pooling. Max-pooling keeps the "
                                   "largest value: .max() of each 2x2 block."),
        (blocks.min(axis=(1, 3)), "you took each block's MINIMUM; max-pooling keeps the largest value."),
        (blocks.sum(axis=(1, 3)), "you added each block's four numbers; max-pooling keeps the largest: .max() of "
                                  "each 2x2 block."),
        (sliding_window_view(A, (2, 2)).max(axis=(2, 3))[:H // 2, :W // 2],
         "out[y, x] is the maximum of A[y:y+2, x:x+2] in your answer: those windows overlap, and the last "
         "rows and columns of A are never looked at. Block (y, x) starts at row 2 * y and column 2 * x: "
         "A[2*y:2*y+2, 2*x:2*x+2]."),
        (A.reshape(H // 2, W // 2, 2, 2).max(axis=(2, 3)),
         "A.reshape(H // 2, W // 2, 2, 2) does not cut A into 2x2 blocks: it regroups each row's numbers. "
         "Keep the rows' order: A.reshape(H // 2, 2, W // 2, 2).max(axis=(1, 3))."),
        (np.abs(blocks).max(axis=(1, 3)), "you took each block's largest ABSOLUTE value: max-pooling keeps "
                                          "the largest value itself, so in a block of negative numbers it is the "
                                          "one closest to 0 (-2 of -5, -2, -7, -3), and its sign stays."),
        (A[::2, ::2], "you kept the top-left pixel of every block; max-pooling keeps the block's largest value, "
                      "wherever it is: A[y:y+2, x:x+2].max()."),
        (np.maximum(right, 0), "every block's maximum is right except where all four numbers are negative: there "
                               "you return 0. Did you start from np.zeros and take np.maximum? Start from the "
                               "block's own values (or -np.inf) instead."),
    ]:
        if same(got, wrong):
            raise Wrong(hint)
    raise Wrong(f"right shape, but the numbers differ from each 2x2 block's maximum {differs_by(got, right)}; "
                f"out[0, 0] should be A[0:2, 0:2].max() = {right[0, 0]:g}.")
