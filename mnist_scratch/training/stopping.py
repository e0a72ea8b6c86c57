"""When training stops early: the divergence guard, and early stopping on the dev set.

A network that stops learning without exploding (stuck at chance, saturated) is
the stall detector's business: :mod:`mnist_scratch.training.stall`.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .history import History, TrainingDiverged

__all__ = ["DIVERGENCE_FACTOR", "DivergenceGuard", "EarlyStopping", "copy_state", "restore_state"]

#: Training counts as diverged when a batch's cost is NaN, infinite, or more than this many
#: times the larger of the starting cost and the cost of guessing (log of the class count).
DIVERGENCE_FACTOR = 100


class DivergenceGuard:
    """Stops training when a batch's cost is NaN, infinite or explodes, and restores the
    parameters from the start of the last epoch that began with a good cost.

    ``state`` (a model's batch-norm running statistics, ``model.state``) is saved
    and restored with ``theta``, so that restored weights never meet running
    statistics measured with other weights. The copy is taken when the epoch's first
    batch has passed forward (and so has updated the statistics with these weights).
    """

    def __init__(self, theta, classes: int, history: History, lr: float, state: dict | None = None):
        self.theta, self.safe, self.history, self.lr = theta, theta.copy(), history, lr
        self.state = state or {}
        self.safe_state = copy_state(self.state)
        self.classes, self.first_cost, self.limit = classes, None, None
        self.safe_epoch = 1
        self.start = time.perf_counter()

    def check(self, J: float, epoch: int, first_batch_of_epoch: bool) -> None:
        if self.limit is None:
            self.first_cost = J
            self.limit = DIVERGENCE_FACTOR * max(J, math.log(self.classes))
        if not J <= self.limit:  # also catches NaN
            self._diverged(epoch, "became NaN or infinite" if not np.isfinite(J)
                           else f"exploded to {J:.3g} (it started at {self.first_cost:.3g})")
        if first_batch_of_epoch:
            np.copyto(self.safe, self.theta)  # these parameters gave a good cost: remember them
            restore_state(self.safe_state, self.state)
            self.safe_epoch = epoch

    def _diverged(self, epoch, what):
        np.copyto(self.theta, self.safe)
        restore_state(self.state, self.safe_state)
        self.history.stopped = "diverged"
        self.history.train_seconds = time.perf_counter() - self.start
        raise TrainingDiverged(
            f"Training diverged in epoch {epoch}: the cost {what} with lr={self.lr:g}. Try a smaller "
            f"learning rate (for example lr={self.lr / 10:g}). The model keeps its parameters from the "
            f"start of epoch {self.safe_epoch}, the last good ones.", self.history)


class EarlyStopping:
    """Stop when dev accuracy has not improved for ``patience`` records; keep the best parameters
    (and the batch-norm running statistics ``state`` that went with them)."""

    def __init__(self, patience: int, theta, history: History, state: dict | None = None):
        self.patience, self.theta, self.history = int(patience), theta, history
        self.best_acc, self.best_theta, self.since = -1.0, None, 0
        self.state, self.best_state = state or {}, {}

    def should_stop(self, record: dict) -> bool:
        if record["dev_acc"] > self.best_acc:
            self.best_acc, self.best_theta, self.since = record["dev_acc"], self.theta.copy(), 0
            self.best_state = copy_state(self.state)
            self.history.best_epoch = record["epoch"]
            return False
        self.since += 1
        if self.since >= self.patience:
            self.history.stopped = "early_stopping"
            return True
        return False

    def restore_best(self) -> None:
        if self.best_theta is not None:
            np.copyto(self.theta, self.best_theta)
            restore_state(self.state, self.best_state)


def copy_state(state: dict) -> dict:
    """A copy of every array in ``state`` (batch norm's running statistics, say)."""
    return {k: v.copy() for k, v in state.items()}


def restore_state(into: dict, source: dict) -> None:
    """Copy ``source``'s arrays into ``into``'s, in place (the model keeps its own arrays)."""
    for key, value in source.items():
        np.copyto(into[key], value)
