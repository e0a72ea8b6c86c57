"""Training: the loop that turns gradients into a better network.

Read it top-down, the way Nielsen's ``network.py`` reads: :func:`train` runs
epochs; :func:`run_epoch` shuffles the rows and walks through them in batches;
for each batch it does the five things that matter,

1. forward pass,  2. cost,  3. backward pass,  4. L2 penalty,  5. optimizer step,

and everything else (recording, early stopping, the divergence guard, the
progress bar) is a small named helper below.

* ``batch_size=None`` is **full-batch gradient descent**, as the classic
  lessons do it: one epoch is then one iteration over all rows.
* ``batch_size=1`` is per-example SGD; anything between is mini-batch SGD.
* The forward and backward passes are the model's own (``model.forward_train``,
  ``model.backward``): :func:`mnist_scratch.network.forward` and
  :func:`~mnist_scratch.network.backward`, or with ``batch_norm=True`` those of
  :mod:`mnist_scratch.bn_network`, whose running statistics (``model.state``)
  the divergence guard and early stopping save and restore with the parameters.

The function returns a :class:`~mnist_scratch.training.history.History`;
``history.to_frame()`` makes it a pandas DataFrame.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .evaluate import accuracy
from .training.flat_params import FlatGradient, pack
from .training.history import History, StopTraining, TrainingDiverged
from .model import Model
from .network import cost
from .optim import WITH_MOMENTUM, make_optimizer
from .schedules import make_schedule
from .training.stopping import DIVERGENCE_FACTOR, DivergenceGuard, EarlyStopping
from .training.threads import blas_threads, choose_threads
from .training.checks import check_batch_norm_batches, check_config, check_data

__all__ = ["train", "run_epoch", "History", "TrainingDiverged", "StopTraining", "DIVERGENCE_FACTOR"]

def train(model: Model, X, y, *, X_dev=None, y_dev=None, epochs: int = 10,
          batch_size: int | None = 128, optimizer: str = "adam", lr: float = 1e-3,
          momentum: float = 0.9, schedule=None, l2: float = 0.0, dropout: float = 0.0,
          early_stopping: int | None = None, targets=(0.0, 1.0), log_every: int = 1,
          seed: int = 0, callback=None, should_stop=None, progress: bool = True,
          threads: int | None = None) -> History:
    """Train ``model`` in place on rows ``X`` with integer labels ``y``; return a :class:`History`.

    Parameters
    ----------
    epochs : passes over the data (with ``batch_size=None``: iterations of full-batch GD).
    batch_size : rows per step; ``None`` for full batch, 1 for per-example SGD.
    optimizer, lr : ``"sgd"``, ``"momentum"``, ``"nesterov"``, ``"adam"``, ``"adagrad"`` or
        ``"rmsprop"`` (see :mod:`mnist_scratch.optim`), and the learning rate.
    momentum : μ for ``"momentum"`` and ``"nesterov"`` (the others ignore it).
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
    threads : BLAS threads for the matrix products; by default one for mini-batches and the
        library's default for full batches (see :mod:`mnist_scratch.training.threads`).

    Raises :class:`TrainingDiverged` if the cost becomes NaN or infinite, or
    explodes (see :data:`mnist_scratch.training.stopping.DIVERGENCE_FACTOR`), or with squared error stays stuck at
    saturation (see :class:`~mnist_scratch.training.stopping.SaturationWatch`); the model then keeps the parameters it
    had at the start of that epoch, the last good ones.
    """
    data = check_data(model, X, y, X_dev, y_dev, targets)
    history = History(check_config(locals(), has_dev=data["X_dev"] is not None))
    check_batch_norm_batches(model, len(data["X"]), batch_size)
    run = Run.start(model, history, data, optimizer=optimizer, momentum=momentum, lr=lr,
                    schedule=schedule, epochs=int(epochs), batch_size=batch_size, l2=l2,
                    dropout=dropout, seed=seed, should_stop=should_stop)
    stopper = EarlyStopping(early_stopping, run.theta, history, model.state) if early_stopping else None
    bar = _progress_bar(int(epochs), progress)
    start = time.perf_counter()
    try:
        with blas_threads(choose_threads(run.batch_size or len(data["X"]), threads)), \
                np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(1, int(epochs) + 1):
                totals = run_epoch(run, data, epoch)
                bar.update(1)
                if epoch % log_every == 0 or epoch == int(epochs):
                    record = make_record(run, data, totals, epoch, time.perf_counter() - start)
                    history.records.append(record)
                    bar.set_postfix({k: f"{record[k]:.4f}" for k in ("cost", "train_acc", "dev_acc") if k in record})
                    _call_back(callback, history)
                    if stopper is not None and stopper.should_stop(record):
                        break
    except StopTraining:
        pass
    finally:
        bar.close()
        history.train_seconds = time.perf_counter() - start
    if stopper is not None:
        stopper.restore_best()
    model.recipe = {**model.recipe, "train": history.config}
    return history


def run_epoch(run: Run, data: dict, epoch: int) -> dict:
    """One pass over the training rows in shuffled batches; returns the epoch's cost and accuracy."""
    model, params = run.model, run.model.params
    cost_sum = correct = 0.0
    for i, (Xb, Tb, yb) in enumerate(batches(data, run.batch_size, run.rng)):
        run.poll_stop()
        cache = model.forward_train(Xb, dropout=run.dropout, rng=run.rng)    # 1. forward
        J = cost(cache, Tb, model.loss)                                       # 2. cost
        run.guard.check(J, epoch, first_batch_of_epoch=i == 0)
        grads = model.backward(cache, Tb)                                     # 3. backward
        if run.l2:
            add_l2_gradient(grads, params, run.l2)                           # 4. L2
        run.optimizer.step(run.theta, run.grad.fill(grads), run.current_lr())  # 5. step
        run.step += 1
        cost_sum += J * len(Xb)
        correct += np.count_nonzero(cache.A[-1].argmax(axis=1) == yb)
    n = len(data["X"])
    return {"cost": cost_sum / n, "train_acc": correct / n}


# --------------------------------------------------------------------------- the helpers
@dataclass
class Run:
    """Everything one call of :func:`train` carries from step to step."""

    model: Model
    history: History
    theta: np.ndarray            # the flat vector behind model.params (speed trick)
    grad: FlatGradient           # the flat gradient the optimizer reads
    optimizer: object
    lr: float
    lr_factor: object            # the schedule
    epochs: int
    batch_size: int | None
    steps_per_epoch: int
    l2: float
    dropout: float
    rng: np.random.Generator
    should_stop: object
    guard: DivergenceGuard
    step: int = 0

    @classmethod
    def start(cls, model, history, data, *, optimizer, momentum, lr, schedule, epochs, batch_size,
              l2, dropout, seed, should_stop) -> Run:
        theta = pack(model.params)
        n = len(data["X"])
        B = n if batch_size is None else min(int(batch_size), n)
        options = {"momentum": momentum} if optimizer in WITH_MOMENTUM else {}
        return cls(model, history, theta, FlatGradient(model.params, theta),
                   make_optimizer(optimizer, **options), lr, make_schedule(schedule), epochs,
                   None if B == n else B, -(-n // B), l2, dropout, np.random.default_rng(seed),
                   should_stop, DivergenceGuard(theta, model.sizes[-1], history, lr, model.state))

    def current_lr(self) -> float:
        """The learning rate after the schedule, at the current step."""
        return self.lr * self.lr_factor(self.step / self.steps_per_epoch, self.epochs)

    def poll_stop(self) -> None:
        if self.should_stop is not None and self.should_stop():
            self.history.stopped = "requested"
            raise StopTraining


def batches(data: dict, batch_size, rng):
    """Yield ``(X_batch, T_batch, y_batch)``: shuffled mini-batches, or the whole set once."""
    X, T, y = data["X"], data["T"], data["y"]
    n = len(X)
    if batch_size is None or batch_size >= n:
        yield X, T, y
        return
    order = rng.permutation(n)
    for first in range(0, n, batch_size):
        rows = order[first:first + batch_size]
        yield X[rows], T[rows], y[rows]


def add_l2_gradient(grads: dict, params: dict, l2: float) -> None:
    """dJ/dW += λ W for every weight matrix (biases are not penalised)."""
    for key in grads:
        if key.startswith("W"):
            grads[key] = grads[key] + l2 * params[key]


def make_record(run: Run, data: dict, totals: dict, epoch: int, seconds: float) -> dict:
    """One row of the history: the epoch's training figures, the L2 cost and the dev figures."""
    model = run.model
    record = {"epoch": epoch, "iteration": run.step, "lr": run.current_lr(), **totals}
    if run.l2:
        record["l2_cost"] = 0.5 * run.l2 * sum(float(np.sum(model.params[k] ** 2))
                                                  for k in model.params if k.startswith("W"))
    if data["X_dev"] is not None:  # the forward pass of prediction: no dropout, batch norm's running stats
        dev = model.forward(data["X_dev"])
        record["dev_cost"] = cost(dev, data["T_dev"], model.loss)
        record["dev_acc"] = accuracy(data["y_dev"], dev.A[-1].argmax(axis=1))
    record["seconds"] = seconds
    return record


def _call_back(callback, history: History) -> None:
    if callback is None:
        return
    try:
        callback(history)
    except StopTraining:
        history.stopped = "callback"
        raise


def _progress_bar(epochs: int, progress: bool):
    from tqdm.auto import tqdm

    return tqdm(total=epochs, desc="training", unit="epoch", disable=not progress, leave=False)
