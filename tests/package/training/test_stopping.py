"""mnist_scratch.training.stopping: the divergence guard, early stopping, and what both restore.
(Squared error stuck at saturation is a stall: training/test_stall.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from mnist_scratch.train import TrainingDiverged
from mnist_scratch.training.history import History
from mnist_scratch.training.stopping import DivergenceGuard, EarlyStopping


# --------------------------------------------------------------------------- what the guard and early stopping restore
def test_divergence_guard_restores_the_running_statistics_with_theta():
    theta, state = np.zeros(3), {"running_mean1": np.zeros(2), "running_var1": np.ones(2)}
    guard = DivergenceGuard(theta, 10, History({}), 0.1, state)
    theta[:] = 1.0
    state["running_mean1"][:] = 5.0
    guard.check(1.0, epoch=2, first_batch_of_epoch=True)     # a good start of epoch 2: remembered
    theta[:] = 2.0
    state["running_mean1"][:] = 7.0
    state["running_var1"][:] = 9.0
    with pytest.raises(TrainingDiverged):
        guard.check(float("nan"), epoch=2, first_batch_of_epoch=False)
    np.testing.assert_array_equal(theta, 1.0)
    np.testing.assert_array_equal(state["running_mean1"], 5.0)
    np.testing.assert_array_equal(state["running_var1"], 1.0)


def test_early_stopping_unit():
    theta, state = np.zeros(2), {"running_var1": np.ones(2)}
    stopper = EarlyStopping(1, theta, History({}), state)
    stopper.should_stop({"dev_acc": 0.5, "epoch": 1})
    theta[:], state["running_var1"][:] = 3.0, 4.0
    assert stopper.should_stop({"dev_acc": 0.4, "epoch": 2})
    stopper.restore_best()
    np.testing.assert_array_equal(theta, 0.0)
    np.testing.assert_array_equal(state["running_var1"], 1.0)
