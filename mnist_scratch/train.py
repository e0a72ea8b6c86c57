"""Training: the loop that turns gradients into a better network.

One epoch shuffles the training rows and walks through them in batches; for
each batch it runs :func:`~mnist_scratch.network.forward`, measures the cost,
runs :func:`~mnist_scratch.network.backward` and lets the optimiser step.

* ``batch_size=None`` is **full-batch gradient descent**, as the classic
  lessons do it: one epoch is then one iteration over all rows.
* ``batch_size=1`` is per-example SGD; anything between is mini-batch SGD.

The function returns a :class:`History`; ``history.to_frame()`` makes it a
pandas DataFrame.
"""

from __future__ import annotations

import math
import time

import numpy as np

from .data import one_hot
from .evaluate import accuracy
from .network import Model, _views, backward, cost, flatten, forward
from .optim import make_optimizer, make_schedule

__all__ = ["train", "History", "TrainingDiverged", "StopTraining"]


#: Training counts as diverged when a batch's cost is NaN, infinite, or more than this many
#: times the larger of the starting cost and the cost of guessing (log of the class count).
DIVERGENCE_FACTOR = 100


class TrainingDiverged(RuntimeError):
    """The cost became NaN or infinite, or exploded. ``.history`` holds what was recorded."""

    def __init__(self, message, history):
        super().__init__(message)
        self.history = history


class StopTraining(Exception):
    """Raise this from a callback to end training early (the model is kept)."""


class History:
    """What happened during training: one record per logged epoch, and totals.

    Each record has ``epoch``, ``iteration`` (optimiser steps so far), ``lr``,
    ``cost`` and ``train_acc`` (averaged over the epoch's batches, as Keras
    reports them), ``dev_cost`` and ``dev_acc`` (when a dev set is given), and
    ``seconds`` since training started.
    """

    def __init__(self, config: dict):
        self.config = config
        self.records: list[dict] = []
        self.train_seconds = 0.0
        self.stopped = None          # None, "early_stopping", "callback", "requested" or "diverged"
        self.best_epoch = None

    def __len__(self):
        return len(self.records)

    def __getitem__(self, key):
        """``history["cost"]`` is the list of that column."""
        return [r.get(key) for r in self.records]

    @property
    def last(self) -> dict:
        return self.records[-1] if self.records else {}

    def to_frame(self):
        """The records as a pandas DataFrame indexed by epoch."""
        import pandas as pd

        return pd.DataFrame.from_records(self.records).set_index("epoch") if self.records else pd.DataFrame()

    def __repr__(self):
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.last.items() if isinstance(v, float))
        return f"History({len(self.records)} records, {self.train_seconds:.1f} s; last: {last})"


def _check_labels(y, n, name, classes):
    y = np.asarray(y)
    if y.shape != (n,) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"{name} must be {n} integer labels, shape ({n},); got {y.dtype} of shape {y.shape}")
    if n and (y.min() < 0 or y.max() >= classes):
        raise ValueError(f"{name} holds labels {y.min()}..{y.max()}, but the model has {classes} outputs")
    return y.astype(np.int64, copy=False)


def train(model: Model, X, y, *, X_dev=None, y_dev=None, epochs: int = 10,
          batch_size: int | None = 128, optimizer: str = "adam", lr: float = 1e-3,
          momentum: float = 0.9, schedule=None, l2: float = 0.0, dropout: float = 0.0,
          early_stopping: int | None = None, targets=(0.0, 1.0), log_every: int = 1,
          seed: int = 0, callback=None, should_stop=None, progress: bool = True) -> History:
    """Train ``model`` in place on rows ``X`` with integer labels ``y``; return a :class:`History`.

    Parameters
    ----------
    epochs : passes over the data (with ``batch_size=None``: iterations of full-batch GD).
    batch_size : rows per step; ``None`` for full batch, 1 for per-example SGD.
    optimizer, lr, momentum : ``"sgd"``, ``"momentum"`` or ``"adam"`` and its settings.
    schedule : learning-rate schedule: ``None``, ``"cosine"``, ``("step", {"step_size": 5, "gamma": 0.5})``…
    l2 : L2 penalty λ: adds (λ/2)·Σ‖W‖² to the cost and λ·W to each weight gradient (not biases).
    dropout : probability of dropping each hidden unit during training.
    early_stopping : stop when dev accuracy has not improved for this many logged
        epochs, and restore the best parameters (needs ``X_dev``, ``y_dev``).
    targets : ``(off, on)`` values of the one-hot targets for ``loss="mse"``
        ("Make Your Own Neural Network" uses ``(0.01, 0.99)``).
    log_every : record (and call ``callback``) every this many epochs.
    seed : seeds shuffling and dropout: the same seed gives the same numbers.
    callback : ``callback(history)`` after every record; raise :class:`StopTraining` to stop.
    should_stop : a function polled before every step; when it returns True training stops.
    progress : show a tqdm progress bar.

    Raises :class:`TrainingDiverged` if the cost becomes NaN or infinite, or
    explodes (see ``DIVERGENCE_FACTOR``); the model then keeps the parameters it
    had at the start of that epoch, the last good ones.
    """
    X = model.check_input(X)
    y = _check_labels(y, len(X), "y", model.sizes[-1])
    has_dev = X_dev is not None
    if has_dev:
        X_dev = model.check_input(X_dev, "X_dev")
        y_dev = _check_labels(y_dev, len(X_dev), "y_dev", model.sizes[-1])
    if early_stopping and not has_dev:
        raise ValueError("early_stopping needs a dev set: pass X_dev and y_dev")
    if int(epochs) < 1:
        raise ValueError(f"epochs must be at least 1, not {epochs}")
    if batch_size is not None and int(batch_size) < 1:
        raise ValueError(f"batch_size must be a positive number or None (full batch), not {batch_size}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), not {dropout}")
    if not lr > 0:
        raise ValueError(f"lr must be positive, not {lr}")

    n = len(X)
    B = n if batch_size is None else min(int(batch_size), n)
    steps_per_epoch = -(-n // B)
    T = y if model.loss == "cross_entropy" else one_hot(y, model.sizes[-1], dtype=model.dtype,
                                                        off=targets[0], on=targets[1])
    T_dev = None
    if has_dev:
        T_dev = y_dev if model.loss == "cross_entropy" else one_hot(
            y_dev, model.sizes[-1], dtype=model.dtype, off=targets[0], on=targets[1])

    params = model.params
    theta = flatten(params)
    grad = np.empty_like(theta)
    grads = _views(grad, model.sizes)
    weights = [k for k in params if k.startswith("W")]
    opt = make_optimizer(optimizer, **({"momentum": momentum} if optimizer == "momentum" else {}))
    lr_factor = make_schedule(schedule)
    rng = np.random.default_rng(seed)
    act, loss = model.activation, model.loss

    config = dict(epochs=int(epochs), batch_size=batch_size, optimizer=optimizer, lr=lr,
                  schedule=schedule if schedule is None or isinstance(schedule, (str, tuple, list)) else repr(schedule),
                  l2=l2, dropout=dropout, early_stopping=early_stopping, seed=seed)
    if optimizer == "momentum":
        config["momentum"] = momentum
    if loss == "mse":
        config["targets"] = list(targets)
    history = History(config)
    best = {"acc": -1.0, "theta": None, "since": 0}
    safe = theta.copy()  # the parameters at the start of the last epoch that began with a good cost

    from tqdm.auto import tqdm

    bar = tqdm(total=int(epochs), desc="training", unit="epoch", disable=not progress, leave=False)
    start = time.perf_counter()
    step = 0
    limit = first_cost = None
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(1, int(epochs) + 1):
                order = rng.permutation(n) if B < n else None
                cost_sum = correct = 0.0
                for first in range(0, n, B):
                    if should_stop is not None and should_stop():
                        history.stopped = "requested"
                        raise StopTraining
                    if order is None:
                        Xb, Tb, yb = X, T, y
                    else:
                        rows = order[first:first + B]
                        Xb, Tb, yb = X[rows], T[rows], y[rows]
                    cache = forward(params, Xb, act, loss, dropout=dropout, rng=rng)
                    c = cost(cache, Tb, loss)
                    if limit is None:
                        first_cost = c
                        limit = DIVERGENCE_FACTOR * max(c, math.log(model.sizes[-1]))
                    if not c <= limit:  # also catches NaN
                        _diverged(history, theta, safe, epoch, lr, c, first_cost, start)
                    if first == 0:  # these parameters gave a good cost: remember them
                        np.copyto(safe, theta)
                    backward(params, cache, Tb, act, loss, grads)
                    if l2:
                        for k in weights:
                            grads[k] += l2 * params[k]
                    opt.step(theta, grad, lr * lr_factor(step / steps_per_epoch, epochs))
                    step += 1
                    cost_sum += c * len(Xb)
                    correct += np.count_nonzero(cache.A[-1].argmax(axis=1) == yb)
                bar.update(1)
                if epoch % log_every and epoch != epochs:
                    continue
                record = {"epoch": epoch, "iteration": step,
                          "lr": lr * lr_factor(step / steps_per_epoch, epochs),
                          "cost": cost_sum / n, "train_acc": correct / n}
                if l2:
                    record["l2_cost"] = 0.5 * l2 * sum(float(np.sum(params[k] ** 2)) for k in weights)
                if has_dev:  # the same forward pass and cost as for a training batch, without dropout
                    dev = forward(params, X_dev, act, loss)
                    record["dev_cost"] = cost(dev, T_dev, loss)
                    record["dev_acc"] = accuracy(y_dev, dev.A[-1].argmax(axis=1))
                record["seconds"] = time.perf_counter() - start
                history.records.append(record)
                bar.set_postfix({k: f"{record[k]:.4f}" for k in ("cost", "train_acc", "dev_acc") if k in record})
                if callback is not None:
                    try:
                        callback(history)
                    except StopTraining:
                        history.stopped = "callback"
                        raise
                if early_stopping:
                    if record["dev_acc"] > best["acc"]:
                        best.update(acc=record["dev_acc"], theta=theta.copy(), since=0)
                        history.best_epoch = epoch
                    else:
                        best["since"] += 1
                        if best["since"] >= early_stopping:
                            history.stopped = "early_stopping"
                            raise StopTraining
    except StopTraining:
        pass
    finally:
        bar.close()
        history.train_seconds = time.perf_counter() - start
    if early_stopping and best["theta"] is not None:
        np.copyto(theta, best["theta"])
    model.recipe = {**model.recipe, "train": config}
    return history


def _diverged(history, theta, safe, epoch, lr, c, first_cost, start):
    np.copyto(theta, safe)
    history.stopped = "diverged"
    history.train_seconds = time.perf_counter() - start
    what = "became NaN or infinite" if not np.isfinite(c) else f"exploded to {c:.3g} (it started at {first_cost:.3g})"
    raise TrainingDiverged(
        f"Training diverged in epoch {epoch}: the cost {what} with lr={lr:g}. Try a smaller "
        f"learning rate (for example lr={lr / 10:g}). The model keeps its parameters from the "
        f"start of epoch {epoch}, the last good ones.", history)
