"""mnist_scratch.model: the fully connected Model checks its arguments and its input."""

from __future__ import annotations

import numpy as np
import pytest

from mnist_scratch.model import Model


def test_model_checks_its_input():
    model = Model([784, 10, 10])
    with pytest.raises(ValueError, match=r"X has shape \(5, 783\), but this model expects rows of 784 inputs"):
        model.predict(np.zeros((5, 783)))
    with pytest.raises(ValueError, match=r"Model\(\): activation='swish' is not allowed: activation must be one of 'relu'"):
        Model([784, 10], activation="swish")
    with pytest.raises(ValueError, match=r"Model\(\): loss='hinge' is not allowed: loss must be one of 'cross_entropy', 'mse'"):
        Model([784, 10], loss="hinge")
    with pytest.raises(ValueError, match=r"Model\(\): sizes=\['a', 10\] is not allowed: sizes must be a list of 2 or more"):
        Model(["a", 10])
    with pytest.raises(ValueError, match=r"Model\(\): sizes=\[784, 10.9, 10\] is not allowed"):
        Model([784, 10.9, 10])                           # not silently [784, 10, 10]
    with pytest.raises(ValueError, match=r"Model\(\): seed=-1 is not allowed: seed must be a whole number >= 0"):
        Model([784, 10], seed=-1)
    assert model.predict(np.zeros(784)).shape == (1,)
