"""Pixel scalings: how the uint8 pixels 0-255 become the network's inputs."""

from __future__ import annotations

import numpy as np

__all__ = ["SCALES", "scale_pixels", "check_scale"]

SCALES = ("unit", "raw", "myonn")


def check_scale(scale) -> None:
    if scale not in SCALES:
        raise ValueError(f"scale={scale!r} is not one of {', '.join(map(repr, SCALES))}")


def scale_pixels(raw: np.ndarray, scale: str = "unit") -> np.ndarray:
    """Scale uint8 pixels (0-255).

    * ``"unit"``:  float32 in [0, 1], ``x / 255``; the default everywhere.
    * ``"myonn"``: float32 in [0.01, 1.0], ``x / 255 * 0.99 + 0.01``, the input
      scaling of "Make Your Own Neural Network" (no input is exactly zero).
    * ``"raw"``:   the uint8 pixels themselves.
    """
    check_scale(scale)
    if scale == "raw":
        return raw
    X = raw.astype(np.float32)
    X /= np.float32(255)
    if scale == "myonn":
        X *= np.float32(0.99)
        X += np.float32(0.01)
        np.minimum(X, np.float32(1.0), out=X)
    return X
