"""Self-checks for lesson 10's backward passes: a convolution's gradients, and max-pooling's.

Both work on one image (or feature map) and one filter, as the lesson's forward
exercises do; the learner's CNN sums them over images and channels
(:mod:`mnist_scratch.lab.own_cnn`). The right answers are the lesson's equations,
written plainly; ``tests/package/lab/test_check_hints_cnn.py`` checks them against
numerical gradients. The inputs tell the usual mistakes apart: non-square images,
filters that are neither square nor symmetric, non-round gradients, and feature
maps with ties (a whole block of zeros, as after ReLU) and all-negative blocks.
"""

from __future__ import annotations

import re

import numpy as np

from ._checking import Wrong, call, checker, differs_by, same, rng as _rng

__all__ = ["conv2d_backward", "maxpool_backward"]


def _correlate(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    return np.array([[np.sum(image[y:y + kh, x:x + kw] * kernel) for x in range(W)] for y in range(H)])


def _full(dZ, kernel):
    """dZ padded by k - 1 on every side, correlated with ``kernel``: the 'full' correlation."""
    kh, kw = kernel.shape
    return _correlate(np.pad(dZ, ((kh - 1, kh - 1), (kw - 1, kw - 1))), kernel)


def _overwritten(dZ, image, kernel):
    """The mistake ``d[...] = ...`` instead of ``d[...] += ...``: each window keeps only the last term."""
    kh, kw = kernel.shape
    d_image, d_kernel = np.zeros(image.shape), np.zeros(kernel.shape)
    for y in range(dZ.shape[0]):
        for x in range(dZ.shape[1]):
            d_image[y:y + kh, x:x + kw] = dZ[y, x] * kernel
            d_kernel = dZ[y, x] * image[y:y + kh, x:x + kw]
    return d_image, d_kernel


def _spread_image(dZ, image, kernel):
    """The mistake of spreading dZ[y, x] * (the image's window) back, instead of dZ[y, x] * kernel."""
    kh, kw = kernel.shape
    d_image = np.zeros(image.shape)
    for y in range(dZ.shape[0]):
        for x in range(dZ.shape[1]):
            d_image[y:y + kh, x:x + kw] += dZ[y, x] * image[y:y + kh, x:x + kw]
    return d_image


def _two_arrays(result, shapes):
    """The learner's ``(d_image, d_kernel)`` as two arrays, or :class:`Wrong` saying what came back instead."""
    if result is None:
        raise Wrong("it returned None: did you forget the `return d_image, d_kernel`?")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        what = (f"a {type(result).__name__} of {len(result)} values" if isinstance(result, (tuple, list))
                else "one array" if isinstance(result, np.ndarray) else f"a {type(result).__name__}")
        raise Wrong(f"it returned {what}; return the two gradients, `return d_image, d_kernel`.")
    arrays = []
    for name, value in zip(("d_image", "d_kernel"), result):
        if value is None:
            raise Wrong(f"its {name} is None: compute it and return it (`return d_image, d_kernel`).")
        if np.iscomplexobj(value):
            raise Wrong(f"its {name} holds complex numbers; real inputs have real gradients.")
        try:
            got = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise Wrong(f"its {name} is {type(value).__name__}, not an array of real numbers.") from None
        arrays.append(got)
    d_image, d_kernel = arrays
    if d_image.shape == shapes[1] and d_kernel.shape == shapes[0] and shapes[0] != shapes[1]:
        raise Wrong("you returned the two gradients in the other order: return d_image first, then d_kernel "
                    "(each has the shape of what it is the gradient of).")
    return d_image, d_kernel


# --------------------------------------------------------------------------- convolution backward
@checker(refuses=("mnist_scratch.conv.conv_backward", "mnist_scratch.conv.col2im",
                  "mnist_scratch.conv_batch_last.conv_backward_batch_last"))
def conv2d_backward(fn):
    """``fn(dZ, image, kernel) -> (d_image, d_kernel)``: the gradients of a 'valid' cross-correlation."""
    rng = _rng(20)
    cases = [(rng.normal(size=(7, 9)), np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0], [2.0, 0.5, 1.0]])),
             (rng.normal(size=(6, 8)), np.array([[1.5, -2.0, 0.5], [3.0, 0.0, -1.0]])),      # 2x3: not square
             (rng.normal(size=(5, 4)), rng.normal(size=(4, 2)))]
    for image, kernel in cases:
        kh, kw = kernel.shape
        dZ = rng.normal(size=(image.shape[0] - kh + 1, image.shape[1] - kw + 1))
        d_image, d_kernel = _two_arrays(call(fn, dZ, image, kernel, numeric=False), (image.shape, kernel.shape))
        right_image, right_kernel = _full(dZ, kernel[::-1, ::-1]), _correlate(image, dZ)
        where = f"(image {image.shape[0]}x{image.shape[1]}, filter {kh}x{kw})"
        if same(d_image, right_image) and same(d_kernel, right_kernel):
            continue
        wrong_image, wrong_kernel = _overwritten(dZ, image, kernel)
        if same(d_image, wrong_image) or same(d_kernel, wrong_kernel):
            raise Wrong("a pixel that sits in several windows gets gradient from each of them, and every window "
                        "adds to d_kernel: you overwrote (d[...] = ...) where you must add (d[...] += ...).")
        short = dZ.copy()
        short[-1, :] = short[:, -1] = 0                       # what loops one position short leave out
        if same(d_kernel, _correlate(image, short)) or same(d_image, _full(short, kernel[::-1, ::-1])):
            raise Wrong(f"your loops stop one position short {where}: the last row and column of dZ give no "
                        "gradient. dZ has H - kh + 1 rows and W - kw + 1 columns: loop over range(dZ.shape[0]) "
                        "and range(dZ.shape[1]).")
        if same(d_image, _spread_image(dZ, image, kernel)):
            raise Wrong("your d_image spreads dZ[y, x] times the image's own window; a pixel's gradient comes "
                        "from the weight it met: add dZ[y, x] * kernel onto each window.")
        if same(d_kernel, kernel * dZ.sum()):
            raise Wrong("your d_kernel adds up dZ[y, x] * kernel; a weight's gradient comes from the pixel it met: "
                        "add dZ[y, x] * image[y:y+kh, x:x+kw].")
        if same(d_kernel, right_kernel + dZ.sum()):
            raise Wrong("your d_kernel has the sum of dZ added to every weight: that is the bias's gradient, db, "
                        "which is separate (and conv2d has no bias). d_kernel is the sum of dZ[y, x] times the "
                        "windows alone.")
        if d_kernel.shape != kernel.shape:
            if d_kernel.shape == dZ.shape:
                raise Wrong(f"your d_kernel has dZ's shape {dZ.shape} {where}; it must have the filter's shape "
                            f"{kernel.shape}: one number per weight, the sum over every position of dZ[y, x] times "
                            f"the pixel that weight met there.")
            raise Wrong(f"your d_kernel has shape {d_kernel.shape} {where}; it must have the filter's shape "
                        f"{kernel.shape}.")
        if d_image.shape != image.shape:
            if d_image.shape == dZ.shape:
                raise Wrong(f"your d_image has dZ's shape {dZ.shape} {where}, not the image's {image.shape}: the "
                            "pixels near the edges also sat in windows. Spread each dZ[y, x] over the whole window "
                            "it came from, image[y:y+kh, x:x+kw] (or pad dZ by kh - 1 and kw - 1 first).")
            raise Wrong(f"your d_image has shape {d_image.shape} {where}; it must have the image's shape "
                        f"{image.shape}.")
        if not same(d_kernel, right_kernel):
            for wrong, hint in [
                (right_kernel[::-1, ::-1], "your d_kernel is flipped (upside down and left to right): weight "
                                           "(i, j) met the pixel image[y + i, x + j] at position (y, x), so "
                                           "d_kernel[i, j] = sum over (y, x) of dZ[y, x] * image[y + i, x + j]."),
                (right_kernel.T, "your d_kernel is transposed: d_kernel[i, j] belongs to kernel[i, j], row i, "
                                 "column j."),
                (right_kernel / dZ.size, "your d_kernel is the mean over the positions; the gradient is their "
                                         "SUM (every position used the same weight, and each adds its share)."),
                (_correlate(image, np.ones_like(dZ)), "your d_kernel adds up the windows without weighting each "
                                                     "by dZ[y, x]: d_kernel += dZ[y, x] * image[y:y+kh, x:x+kw]."),
            ]:
                if wrong.shape == d_kernel.shape and same(d_kernel, wrong):
                    raise Wrong(hint)
            raise Wrong(f"your d_kernel differs from the sum over positions of dZ[y, x] * image[y:y+kh, x:x+kw] "
                        f"{differs_by(d_kernel, right_kernel)} {where}; d_kernel[0, 0] should be "
                        f"{right_kernel[0, 0]:.4g}, yours is {d_kernel[0, 0]:.4g}.")
        for wrong, hint in [
            (_full(dZ, kernel), "your d_image has the filter the wrong way round. Pixel (y', x') met weight "
                                "(i, j) in the window at (y' - i, x' - j): as a 'full' correlation of dZ, d_image "
                                "needs the filter FLIPPED, kernel[::-1, ::-1]; as a loop that adds dZ[y, x] * "
                                "kernel onto each window, the filter as it is."),
            (_full(dZ, kernel.T[::-1, ::-1]) if kh == kw else None,
             "your d_image uses the filter transposed (kernel.T): each window gets dZ[y, x] * kernel as it is."),
            (right_image / kernel.size, "your d_image is divided by the filter's size; every window adds "
                                        "dZ[y, x] * kernel, whole, to the pixels it covered."),
            (_full(dZ, np.ones_like(kernel)), "your d_image adds dZ[y, x] to the window's pixels without the "
                                              "weights: each pixel's share is dZ[y, x] * kernel[i, j]."),
        ]:
            if wrong is not None and same(d_image, wrong):
                raise Wrong(hint)
        y, x = np.unravel_index(np.argmax(np.abs(d_image - right_image)), image.shape)
        raise Wrong(f"your d_image differs {differs_by(d_image, right_image)} {where}, most at pixel ({y}, {x}): "
                    f"it should be {right_image[y, x]:.4g}, the sum of dZ[y - i, x - j] * kernel[i, j] over every "
                    f"window (y - i, x - j) that covered it; yours is {d_image[y, x]:.4g}.")
    return ("d_kernel sums dZ[y, x] times each window, d_image spreads dZ[y, x] times the filter back over each "
            "window (the 'full' correlation with the flipped filter). Correct!")


# --------------------------------------------------------------------------- max-pooling backward
def _blocks(A):
    H, W = A.shape
    return A.reshape(H // 2, 2, W // 2, 2).transpose(0, 2, 1, 3).reshape(H // 2, W // 2, 4)


def _unblocks(B, shape):
    H, W = shape
    return B.reshape(H // 2, W // 2, 2, 2).transpose(0, 2, 1, 3).reshape(H, W)


def _routed(dP, A, choose):
    """dP routed to the block pixels that ``choose(block_values) -> mask (4,)`` picks."""
    B = _blocks(A)
    mask = np.array([[choose(B[y, x]) for x in range(B.shape[1])] for y in range(B.shape[0])], float)
    return _unblocks(mask * dP[:, :, None], A.shape)


def _first(values):
    m = np.zeros(4)
    m[np.argmax(values)] = 1
    return m


def _last(values):
    m = np.zeros(4)
    m[3 - np.argmax(values[::-1])] = 1
    return m


_UNRAVEL = ("The argmax of a 2x2 block is an index k into the block's 4 pixels (0 to 3, in reading order), not "
            "into A: unravel it with the block's width 2, np.unravel_index(k, (2, 2)) or divmod(k, 2), not with "
            "A's width (divmod(k, A.shape[1]) or np.unravel_index(k, A.shape)).")


def _unravelled_wide(dP, A):
    """The mistake of unravelling each block's argmax with A's width: the answer, or None if it falls off A."""
    dA = np.zeros(A.shape)
    for i in range(dP.shape[0]):
        for j in range(dP.shape[1]):
            r, c = divmod(int(np.argmax(A[2 * i:2 * i + 2, 2 * j:2 * j + 2])), A.shape[1])
            if 2 * i + r >= A.shape[0] or 2 * j + c >= A.shape[1]:
                return None
            dA[2 * i + r, 2 * j + c] = dP[i, j]
    return dA


@checker(refuses=("mnist_scratch.conv.maxpool_backward",
                  "mnist_scratch.conv_batch_last.relu_maxpool_backward_batch_last"))
def maxpool_backward(fn):
    """``fn(dP, A) -> dA``: the gradient of 2x2 max-pooling, each block's to its (first) maximum."""
    rng = _rng(21)
    A1 = rng.normal(size=(4, 6))
    A2 = np.round(rng.normal(size=(6, 8)), 1)
    A2[0:2, 0:2] = 0.0                                        # a block of zeros, as after ReLU: a four-way tie
    A2[0:2, 2:4] = [[-0.5, 0.7], [0.7, 0.2]]                  # two tied maxima, the first at (0, 3)
    A2[2:4, 0:2] = [[-2.0, -0.3], [-0.9, -1.5]]               # all negative
    for A in (A1, A2):
        H, W = A.shape
        dP = rng.normal(size=(H // 2, W // 2)) + 0.1
        try:
            got = call(fn, dP, A)
        except Wrong as wrong:
            size = re.search(r"out of bounds for axis (\d) with size (\d+)", str(wrong))
            if size and int(size[1]) < 2 and A.shape[int(size[1])] == int(size[2]) != dP.shape[int(size[1])]:
                raise Wrong(f"{wrong} {_UNRAVEL}") from None   # an index into A (or dA) beyond its edge
            if "IndexError" in str(wrong) and "out of bounds" in str(wrong):
                raise Wrong(f"{wrong} dP has only H/2 rows and W/2 columns: when y and x step by 2 over A, the "
                            "block's gradient is dP[y // 2, x // 2].") from None
            raise
        right = _routed(dP, A, _first)
        if same(got, right):
            continue
        if got.shape != A.shape:
            if got.shape == dP.shape:
                raise Wrong(f"your answer has the pooled map's shape {dP.shape}; the gradient goes back to A, so "
                            f"it has A's shape {A.shape}: one number per pixel, 0 for every pixel that was not its "
                            "block's maximum.")
            raise Wrong(f"expected A's shape {A.shape}, got {got.shape}: one number per pixel of A.")
        spread = np.kron(dP, np.ones((2, 2)))
        for wrong, hint in [
            (spread, "you sent each block's gradient to all four of its pixels. Only the maximum reached the "
                     "output; the other three had no effect on it and get 0."),
            (spread / 4, "you shared each block's gradient equally among its four pixels: that is average "
                         "pooling's backward. Max-pooling's goes to the block's maximum alone."),
            (_routed(dP, A, lambda v: (v == v.max()).astype(float)),
             "right where a block has one maximum, but where several pixels tie for it (a block of zeros after "
             "ReLU) you gave the gradient to each of them, so that block passes it on 2 to 4 times over. Give it "
             "to one of them, the first in reading order (np.argmax finds that one)."),
            (_routed(dP, A, _last), "where several pixels tie for a block's maximum you gave the gradient to the "
                                    "last of them; give it to the first, in reading order (np.argmax finds that "
                                    "one), as the package's layers do."),
            (_routed(np.ones_like(dP), A, _first), "you marked where each block's maximum is (1 there, 0 "
                                                    "elsewhere), but forgot to multiply by the gradient dP of "
                                                    "that block."),
            (_routed(dP, A, lambda v: np.eye(4)[0]), "you gave each block's gradient to its top-left pixel; it "
                                                     "goes to the pixel holding the block's maximum, wherever it is."),
            (_routed(dP, A, lambda v: np.eye(4)[np.argmin(v)]), "you gave each block's gradient to its "
                                                                "SMALLEST pixel; max-pooling kept the largest."),
            (_routed(dP, A, lambda v: np.eye(4)[[0, 2, 1, 3][np.argmax(v)]]),
             "you found each block's maximum but swapped its row and column inside the block: place k (0 to 3, in "
             "reading order) is row k // 2, column k % 2, which np.unravel_index(k, (2, 2)) gives."),
            (_unravelled_wide(dP, A), _UNRAVEL),
            (right * A, "you multiplied the gradient by the block's maximum; the maximum passes its value through "
                        "unchanged, so its derivative is 1: the pixel gets dP[i, j] alone."),
            (spread * (A > 0), "you let the gradient through wherever A > 0: that is ReLU's slope, not "
                               "max-pooling's. Only each block's maximum gets the block's gradient."),
            (_routed(dP, np.abs(A), _first), "you looked for the largest absolute value; max-pooling kept the "
                                             "largest value, so in a block of negative numbers that is the one "
                                             "closest to 0."),
        ]:
            if wrong is not None and same(got, wrong):
                raise Wrong(hint)
        if np.count_nonzero(got) == 1:
            raise Wrong("only one pixel of the whole map got gradient: find the maximum of each 2x2 block, "
                        "not of all of A; every block passes its own dP[i, j] to its own maximum.")
        y, x = np.argwhere(~np.isclose(got, right))[0]
        raise Wrong(f"right shape, but the numbers differ {differs_by(got, right)}; first at A[{y}, {x}]: it "
                    f"should get {right[y, x]:.4g}, yours is {float(got[y, x]):.4g}. Each block "
                    "A[2*i:2*i+2, 2*j:2*j+2] passes dP[i, j] to its maximum and 0 to the other three.")
    return "each block's gradient goes to its maximum alone (the first one, on a tie); the rest get 0. Correct!"
