"""Turn a free-hand drawing into an MNIST-like 28 x 28 image.

MNIST's digits were made like this (LeCun et al.): each digit was scaled to
fit a 20 x 20 box, keeping its aspect ratio, then placed in a 28 x 28 field so
that its centre of mass sits at the centre. A drawing must go through the same
steps, or the network sees something unlike anything it was trained on: a
digit in the corner, or filling the whole frame, is badly misread.

:func:`preprocess_drawing` does exactly those steps:

1. crop to the bounding box of the ink;
2. scale the longer side to 20 pixels (anti-aliased), keeping the aspect ratio;
3. place it in a 28 x 28 field with its centre of mass at the centre.
"""

from __future__ import annotations

import numpy as np

from ..validation import Array, IsBool, Number, validate
from .validate import IMAGE

__all__ = ["preprocess_drawing", "center_of_mass"]


@validate({"image": Array("a 2-D image (height, width)", ndims=(2,), max_size=1 << 24)}, name="center_of_mass")
def center_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the intensity-weighted centre of a 2-D image."""
    image = np.asarray(image, dtype=np.float64)
    total = image.sum()
    if total == 0:
        raise ValueError("the image is blank: it has no centre of mass")
    rows, cols = np.indices(image.shape)
    return float((rows * image).sum() / total), float((cols * image).sum() / total)


def _to_ink(image) -> np.ndarray:
    """A 2-D float image in [0, 1] where ink is 1 (from grey, RGB or RGBA; 0-255 or 0-1)."""
    a = np.asarray(image, dtype=np.float64)
    if a.ndim == 3:
        if a.shape[2] == 4:          # RGBA: a canvas gives transparent background, opaque strokes
            a = a[..., 3]
        else:
            a = a[..., :3].mean(axis=2)
    if a.ndim != 2:
        raise ValueError(f"a drawing must be a 2-D (grey) or 3-D (RGB/RGBA) array, not shape {np.shape(image)}")
    if a.max() > 1:
        a = a / 255.0
    return np.clip(a, 0, 1)


def _resize(a: np.ndarray, height: int, width: int) -> np.ndarray:
    from PIL import Image

    image = Image.fromarray((a * 255).astype(np.uint8))
    return np.asarray(image.resize((width, height), Image.Resampling.LANCZOS), dtype=np.float64) / 255


@validate({"image": IMAGE, "threshold": Number(0, 1, high_open=True, note="ink is what is brighter"),
           "invert": IsBool()}, name="preprocess_drawing")
def preprocess_drawing(image, *, threshold: float = 0.1, invert: bool = False) -> np.ndarray:
    """MNIST-style preprocessing of a drawing: returns a float32 row of 784 pixels in [0, 1].

    ``image``: 2-D grey, or RGB/RGBA, in 0-255 or 0-1, ink bright on a dark (or
    transparent) background; pass ``invert=True`` for dark ink on white paper.
    Raises ``ValueError`` if nothing is drawn.
    """
    ink = _to_ink(image)
    if invert:
        ink = 1 - ink
    mask = ink > threshold
    if not mask.any():
        raise ValueError("nothing is drawn: the image has no ink")
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    ink = ink[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]                    # 1. crop

    height, width = ink.shape
    scale = 20 / max(height, width)                                           # 2. fit in 20 x 20
    box = _resize(ink, max(1, round(height * scale)), max(1, round(width * scale)))
    box = np.clip(box, 0, 1)

    field = np.zeros((28, 28))                                                # 3. centre of mass
    top, left = (28 - box.shape[0]) // 2, (28 - box.shape[1]) // 2
    field[top:top + box.shape[0], left:left + box.shape[1]] = box
    r, c = center_of_mass(field)
    shift_r, shift_c = int(round(14 - r)), int(round(14 - c))   # MNIST's digits: centre of mass at (14, 14)
    field = _shift(field, shift_r, shift_c)
    return field.reshape(784).astype(np.float32)


def _shift(a: np.ndarray, dr: int, dc: int) -> np.ndarray:
    """Shift a 2-D array by whole pixels, filling with 0 (nothing wraps around)."""
    out = np.zeros_like(a)
    h, w = a.shape
    src_r, dst_r = slice(max(0, -dr), min(h, h - dr)), slice(max(0, dr), min(h, h + dr))
    src_c, dst_c = slice(max(0, -dc), min(w, w - dc)), slice(max(0, dc), min(w, w + dc))
    out[dst_r, dst_c] = a[src_r, src_c]
    return out
