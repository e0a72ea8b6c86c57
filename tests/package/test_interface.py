"""mnist_scratch.interface: what the base class of every network supplies."""

from __future__ import annotations

import numpy as np

from mnist_scratch.model import Model


def test_predict_proba_rows_sum_to_one(mnist):
    model = Model([784, 16, 10])
    P = model.predict_proba(mnist.X_test[:100])
    assert P.shape == (100, 10)
    np.testing.assert_allclose(P.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(model.predict(mnist.X_test[:100]), P.argmax(axis=1))
