"""When training stops early: the divergence guard, and early stopping on the dev set."""

from __future__ import annotations

import math
import time

import numpy as np

from .history import History, TrainingDiverged

__all__ = ["DIVERGENCE_FACTOR", "DivergenceGuard", "EarlyStopping"]

#: Training counts as diverged when a batch's cost is NaN, infinite, or more than this many
#: times the larger of the starting cost and the cost of guessing (log of the class count).
DIVERGENCE_FACTOR = 100


class DivergenceGuard:
    """Stops training when a batch's cost is NaN, infinite or explodes, and restores the
    parameters from the start of the last epoch that began with a good cost."""

    def __init__(self, theta, classes: int, history: History, lr: float):
        self.theta, self.safe, self.history, self.lr = theta, theta.copy(), history, lr
        self.classes, self.first_cost, self.limit = classes, None, None
        self.start = time.perf_counter()

    def check(self, J: float, epoch: int, first_batch_of_epoch: bool) -> None:
        if self.limit is None:
            self.first_cost = J
            self.limit = DIVERGENCE_FACTOR * max(J, math.log(self.classes))
        if not J <= self.limit:  # also catches NaN
            self._diverged(J, epoch)
        if first_batch_of_epoch:  # these parameters gave a good cost: remember them
            np.copyto(self.safe, self.theta)

    def _diverged(self, J, epoch):
        np.copyto(self.theta, self.safe)
        self.history.stopped = "diverged"
        self.history.train_seconds = time.perf_counter() - self.start
        what = ("became NaN or infinite" if not np.isfinite(J)
                else f"exploded to {J:.3g} (it started at {self.first_cost:.3g})")
        raise TrainingDiverged(
            f"Training diverged in epoch {epoch}: the cost {what} with lr={self.lr:g}. Try a smaller "
            f"learning rate (for example lr={self.lr / 10:g}). The model keeps its parameters from the "
            f"start of epoch {epoch}, the last good ones.", self.history)


class EarlyStopping:
    """Stop when dev accuracy has not improved for ``patience`` records; keep the best parameters."""

    def __init__(self, patience: int, theta, history: History):
        self.patience, self.theta, self.history = int(patience), theta, history
        self.best_acc, self.best_theta, self.since = -1.0, None, 0

    def should_stop(self, record: dict) -> bool:
        if record["dev_acc"] > self.best_acc:
            self.best_acc, self.best_theta, self.since = record["dev_acc"], self.theta.copy(), 0
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
