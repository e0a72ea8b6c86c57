"""mnist_scratch.init: each initialiser's spread, and seeding."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mnist_scratch.init import init_weights


def test_init_spreads_and_seeding():
    W = init_weights(784, 500, "he", 0)
    assert W.shape == (784, 500)
    assert W.std() == pytest.approx(math.sqrt(2 / 784), rel=0.02)
    assert init_weights(784, 500, "normal", 0).std() == pytest.approx(1 / 28, rel=0.02)
    limit = math.sqrt(6 / (784 + 500))
    X = init_weights(784, 500, "xavier", 0)
    assert X.max() <= limit and X.min() >= -limit and X.std() == pytest.approx(limit / math.sqrt(3), rel=0.02)
    U = init_weights(784, 10, "uniform", 0)
    assert U.max() <= 0.5 and U.min() >= -0.5
    np.testing.assert_array_equal(init_weights(10, 5, "he", 7), init_weights(10, 5, "he", 7))
    assert not np.array_equal(init_weights(10, 5, "he", 7), init_weights(10, 5, "he", 8))
    with pytest.raises(ValueError, match=r"^init_weights\(\): scheme='glorot' is not allowed: scheme must be one of "
                                         r"'he', 'xavier', 'normal', 'uniform', 'small'$"):
        init_weights(2, 2, "glorot")
