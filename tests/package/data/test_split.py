"""mnist_scratch.data.split: the dev set is a seeded partition of the training set."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_scratch.data import train_dev_split


def test_train_dev_split(mnist):
    X, y = mnist.X_train, mnist.y_train
    Xa, ya, Xd, yd = train_dev_split(X, y, 1000, seed=3)
    assert len(Xd) == 1000 and len(Xa) == 59000
    # a partition: every original row appears once
    assert np.bincount(ya, minlength=10).tolist() == (np.bincount(y) - np.bincount(yd, minlength=10)).tolist()
    Xb, yb, Xe, ye = train_dev_split(X, y, 1000, seed=3)
    np.testing.assert_array_equal(ye, yd)
    _, _, _, y_other = train_dev_split(X, y, 1000, seed=4)
    assert not np.array_equal(y_other, yd)
    with pytest.raises(ValueError, match="dev_size must be between 1 and"):
        train_dev_split(X[:10], y[:10], 10)
