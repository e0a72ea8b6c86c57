"""Carving a dev (validation) set off the training data, the one way every lesson does it."""

from __future__ import annotations

import numpy as np

__all__ = ["train_dev_split", "dev_indices"]


def train_dev_split(X, y, dev_size: int = 1000, *, seed: int = 0, shuffle: bool = True):
    """Split training rows into ``X_train, y_train, X_dev, y_dev``.

    The classic lessons keep 1,000 images for dev. With ``shuffle`` the split is
    random but seeded, so the same seed gives the same split everywhere: in the
    lessons, the recipes and the playground.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels")
    train, dev = dev_indices(len(X), dev_size, seed=seed, shuffle=shuffle)
    return X[train], y[train], X[dev], y[dev]


def dev_indices(n: int, dev_size: int = 1000, *, seed: int = 0, shuffle: bool = True):
    """The row numbers ``(train_rows, dev_rows)`` that :func:`train_dev_split` uses for ``n`` rows.

    Useful when copying all ``n`` rows would cost too much memory: index only what you need.
    """
    if not 0 < dev_size < n:
        raise ValueError(f"dev_size must be between 1 and {n - 1}, not {dev_size}")
    order = np.random.default_rng(seed).permutation(n) if shuffle else np.arange(n)
    return order[dev_size:], order[:dev_size]
