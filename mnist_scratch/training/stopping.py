"""When training stops early: the divergence guard, and early stopping on the dev set."""

from __future__ import annotations

import math
import time

import numpy as np

from .history import History, TrainingDiverged

__all__ = ["DIVERGENCE_FACTOR", "STALL_WINDOW", "STALL_WINDOW_FULL_BATCH", "STALL_WINDOWS", "DivergenceGuard", "SaturationWatch",
           "EarlyStopping"]

#: Training counts as diverged when a batch's cost is NaN, infinite, or more than this many
#: times the larger of the starting cost and the cost of guessing (log of the class count).
DIVERGENCE_FACTOR = 100
#: Squared error (see :class:`SaturationWatch`): the cost is averaged over windows of this many
#: batches (full batch: iterations, whose cost has no sampling noise to average out), and training
#: counts as diverged after this many windows stuck at saturation.
STALL_WINDOW, STALL_WINDOW_FULL_BATCH, STALL_WINDOWS = 50, 10, 3


class SaturationWatch:
    r"""Divergence for sigmoid outputs with squared error, which never explodes.

    Squared error is bounded (at most :math:`K/2` per sample), so a too-large
    learning rate cannot make it explode. It does something else: the steps drive
    the sigmoid outputs into saturation, where :math:`\sigma'(z) \approx 0`, the
    gradient vanishes and learning stops for good. Since nine targets in ten are
    "off", the outputs end near 0 for every input, and the cost stays at about

    .. math::  J_\text{dead} = \tfrac12\big(\text{on}^2 + (K-1)\,\text{off}^2\big),

    clearly worse than the cost of predicting the average target for every
    output, :math:`J_\text{guess}` (where a healthy network passes on its way down).

    The rule: average the batch costs over windows of :data:`STALL_WINDOW` batches;
    training has diverged when :data:`STALL_WINDOWS` windows, since the cost was last
    below the midpoint of :math:`J_\text{guess}` and :math:`J_\text{dead}`, brought no
    new lowest cost, and the cost has moved away from where it started (a cost that
    has not moved at all comes from a tiny learning rate, not a diverged one).
    Measured on 3,000 MNIST images with 784-100-10 networks: per-example SGD at lr
    5 to 1e9 is caught after 250 steps, Adam at lr 0.1 or more and diverged
    full-batch runs likewise; healthy runs (SGD at lr 0.1 to 3, Adam at 0.01,
    momentum at 0.1) and tiny learning rates are never flagged.
    """

    def __init__(self, classes: int, targets, first_cost: float):
        off, on = map(float, targets)
        mean = (on + (classes - 1) * off) / classes
        self.guess = 0.5 * ((on - mean) ** 2 + (classes - 1) * (off - mean) ** 2)
        self.dead = 0.5 * (on ** 2 + (classes - 1) * off ** 2)
        self.level = (self.guess + self.dead) / 2
        self.first_cost, self.best, self.stale = first_cost, math.inf, 0
        self.window: list[float] = []
        self.size, self.batches = STALL_WINDOW, 0
        self.cost = first_cost  # the last window's average

    def stalled(self, J: float, first_batch_of_epoch: bool) -> bool:
        """Add one batch's cost; True once training is stuck at saturation."""
        if first_batch_of_epoch and self.batches == 1:  # one batch per epoch: full-batch gradient descent
            self.size = STALL_WINDOW_FULL_BATCH
        self.batches += 1
        self.window.append(J)
        if len(self.window) < self.size:
            return False
        self.cost, self.window = sum(self.window) / len(self.window), []
        if self.cost < self.level:
            self.stale = 0
        elif self.cost >= self.best:
            self.stale += 1
        self.best = min(self.best, self.cost)
        moved = abs(self.cost - self.first_cost) > 0.05 * self.first_cost
        return self.stale >= STALL_WINDOWS and moved


class DivergenceGuard:
    """Stops training when a batch's cost is NaN, infinite or explodes (or, for squared error,
    is stuck at saturation: see :class:`SaturationWatch`), and restores the parameters from the
    start of the last epoch that began with a good cost.

    ``state`` (a model's batch-norm running statistics, ``model.state``) is saved
    and restored with ``theta``, so that restored weights never meet running
    statistics measured with other weights. The copy is taken when the epoch's first
    batch has passed forward (and so has updated the statistics with these weights).
    """

    def __init__(self, theta, classes: int, history: History, lr: float, state: dict | None = None, *,
                 loss: str = "cross_entropy", targets=(0.0, 1.0)):
        self.theta, self.safe, self.history, self.lr = theta, theta.copy(), history, lr
        self.loss, self.targets = loss, targets
        self.state = state or {}
        self.safe_state = _copy(self.state)
        self.classes, self.first_cost, self.limit = classes, None, None
        self.safe_epoch, self.watch = 1, None
        self.start = time.perf_counter()

    def check(self, J: float, epoch: int, first_batch_of_epoch: bool) -> None:
        if self.limit is None:
            self.first_cost = J
            self.limit = DIVERGENCE_FACTOR * max(J, math.log(self.classes))
            if self.loss == "mse" and np.isfinite(J):
                self.watch = SaturationWatch(self.classes, self.targets, J)
        if not J <= self.limit:  # also catches NaN
            self._diverged(epoch, "became NaN or infinite" if not np.isfinite(J)
                           else f"exploded to {J:.3g} (it started at {self.first_cost:.3g})")
        if self.watch is not None and self.watch.stalled(J, first_batch_of_epoch):
            w = self.watch
            self._diverged(epoch, f"is stuck at {w.cost:.3g}", f"The sigmoid outputs have saturated, so the "
                           f"gradient vanished (outputs of 0 everywhere cost {w.dead:.3g}; predicting the "
                           f"average target costs {w.guess:.3g}). ")
        if first_batch_of_epoch and (self.watch is None or J < self.watch.level):
            np.copyto(self.safe, self.theta)  # these parameters gave a good cost: remember them
            _restore(self.safe_state, self.state)
            self.safe_epoch = epoch

    def _diverged(self, epoch, what, why=""):
        np.copyto(self.theta, self.safe)
        _restore(self.state, self.safe_state)
        self.history.stopped = "diverged"
        self.history.train_seconds = time.perf_counter() - self.start
        raise TrainingDiverged(
            f"Training diverged in epoch {epoch}: the cost {what} with lr={self.lr:g}. {why}Try a smaller "
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
            self.best_state = _copy(self.state)
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
            _restore(self.state, self.best_state)


def _copy(state: dict) -> dict:
    return {k: v.copy() for k, v in state.items()}


def _restore(into: dict, source: dict) -> None:
    """Copy ``source``'s arrays into ``into``'s, in place (the model keeps its own arrays)."""
    for key, value in source.items():
        np.copyto(into[key], value)
